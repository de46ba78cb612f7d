/*
 * baseline.h - the stored, signed picture of a host that fe-watch compares
 * against (STATE/baseline).
 *
 *   foureyes-baseline v1
 *   host: signer1
 *   generation: 7               (one more at every write)
 *   written: 2026-11-23T10:00:00Z
 *   reason: ticket 42           (init, ticket N, restore, ...)
 *   items: 3
 *
 *   KEY \t VALUE \n             (sorted by key, exactly "items" lines)
 *   sha256: HEX                 (of every byte above this line)
 *   sig: BASE64                 (Ed25519 over "foureyes-baseline-v1 " HEX)
 *
 * The signing key is STATE/baseline.key (0600, made by `fe watch init`);
 * STATE/baseline.pub is its public half for auditors.  Every write is also
 * recorded in STATE/watch.log (hash-chained) with its generation and
 * digest, so a baseline replaced by an older, validly signed one is caught
 * too.  A root attacker on the host can forge all of this; the watch log's
 * head leaving the host (alerts, fe-logd) is what they cannot take back.
 */
#ifndef FE_WATCH_BASELINE_H
#define FE_WATCH_BASELINE_H

#include <stdint.h>

#include "lib/err.h"
#include "watch/item.h"

#define BASELINE_MAX_BYTES ((size_t)1 << 30)
#define BASELINE_MAX_ITEMS 10000000

struct baseline {
	struct wset items;
	char *host;
	char *reason;
	uint64_t generation;
	int64_t written;
	uint8_t digest[32];
};

int baseline_keygen(const char *state, struct fe_err *err);
/* Write b atomically (temp file, fsync, rename, fsync of the directory),
 * signed; bumps b->generation and sets b->written and b->digest. */
int baseline_write(const char *state, struct baseline *b, const char *reason,
    struct fe_err *err);
/* Read and verify; the message names what failed (signature, digest,
 * line N, item count, order). */
int baseline_read(const char *state, struct baseline *b, struct fe_err *err);
/* The parser (untrusted bytes) for the fuzz target; pub_raw is the 32-byte
 * Ed25519 public key or NULL to skip the signature check. */
int baseline_parse(const char *name, const uint8_t *p, size_t len,
    const uint8_t *pub_raw, struct baseline *b, struct fe_err *err);
void baseline_clear(struct baseline *b);

#endif
