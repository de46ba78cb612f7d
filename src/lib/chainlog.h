/*
 * chainlog.h - hash-chained, append-only log files.
 *
 * One record per line:
 *
 *   SEQ \t TIME \t TYPE \t PAYLOAD \t PREV \t HASH \n
 *
 * SEQ counts from 1 with no gaps; TIME is RFC 3339 UTC with microseconds;
 * TYPE is [a-z0-9._-]{1,32}; PAYLOAD is the record's bytes with '%', control
 * bytes and bytes over 0x7e written as %XX; PREV is the HASH of the record
 * before (64 zeros for record 1); HASH is the lower-case hex SHA-256 of
 * "foureyes-log-v1\n" followed by the line up to (not including) the tab
 * before HASH.  docs/log-format.md has the full description.
 *
 * A record is on disk (fdatasync) before clog_append() returns.  Group commit
 * is clog_append_nosync() several times and one clog_sync(): nothing written
 * that way may be acted on until clog_sync() has returned 0.  Records
 * appended without a sync are kept in memory (up to 256 kB) and written in
 * one go by clog_sync() or clog_close(); other readers of the file see
 * them then.
 *
 * A hash chain alone proves order and integrity relative to a known head: an
 * attacker who can rewrite the whole file can recompute every hash.  The head
 * (sequence number and hash) must therefore be recorded elsewhere: printed at
 * ceremonies, reported over the link, signed into checkpoints by fe-logd.
 */
#ifndef FE_CHAINLOG_H
#define FE_CHAINLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "seam.h"

#define CLOG_MAX_PAYLOAD (64 * 1024)
#define CLOG_MAX_TYPE 32
#define CLOG_MAX_LINE (4 * CLOG_MAX_PAYLOAD)
#define CLOG_MAX_FILE ((size_t)1 << 32)

struct clog;

struct clog_rec {
	uint64_t seq;
	char time[FE_TIME_STR];
	char type[CLOG_MAX_TYPE + 1];
	uint8_t *payload;        /* owned by the record; NUL-terminated */
	size_t len;
	uint8_t prev[32];
	uint8_t hash[32];        /* as stored */
	uint8_t computed[32];    /* as computed from the line */
};

/* Open (creating if absent) for appending.  The existing chain is verified
 * first; a damaged log is refused.  A torn last line (a crash during an
 * append that never returned) is cut off and the cut recorded as a
 * "log.torn-tail" record.  The file is locked against other writers. */
int clog_open(const char *path, struct clog **out, struct fe_err *err);
int clog_append(struct clog *l, const char *type, const void *payload,
    size_t len, struct fe_err *err);
int clog_append_nosync(struct clog *l, const char *type, const void *payload,
    size_t len, struct fe_err *err);
int clog_sync(struct clog *l, struct fe_err *err);
/* Write the records appended without a sync and start the disk on them,
 * without waiting: a clog_sync() a little later then finds them written
 * and waits only for the rest.  They may not be acted on before that
 * clog_sync() has returned 0. */
int clog_start(struct clog *l, struct fe_err *err);
/* Sequence number and hash of the last record (0 and zeros when empty). */
uint64_t clog_seq(const struct clog *l);
void clog_head(const struct clog *l, uint8_t out[32]);
const char *clog_path(const struct clog *l);
void clog_close(struct clog *l);

/* Parse one line (without its newline); computes r->computed.  Exposed for
 * the fuzz target.  The caller frees r->payload with clog_rec_clear(). */
int clog_parse_line(const char *line, size_t len, struct clog_rec *r,
    struct fe_err *err);
void clog_rec_clear(struct clog_rec *r);

struct clog_summary {
	uint64_t records;
	uint64_t last_seq;
	uint8_t head[32];
	bool torn_tail;          /* last line had no newline */
};

/*
 * Verify a whole log held in memory.  On the first problem, the error names
 * the record (sequence number and line) and whether it was changed, removed,
 * inserted or reordered.  If expect_head is not NULL the chain must end in
 * that hash (detects removal of the last records or a rewrite).
 */
int clog_verify_mem(const char *name, const uint8_t *p, size_t len,
    const uint8_t *expect_head, struct clog_summary *out, struct fe_err *err);
int clog_verify_file(const char *path, const uint8_t *expect_head,
    struct clog_summary *out, struct fe_err *err);

/* Call cb for each record with seq >= from; stops early if cb returns
 * non-zero (returned).  The file is verified as it is read. */
typedef int (*clog_cb)(const struct clog_rec *r, void *arg);
int clog_read_file(const char *path, uint64_t from, clog_cb cb, void *arg,
    struct fe_err *err);


#endif
