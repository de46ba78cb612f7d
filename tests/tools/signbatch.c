/*
 * signbatch.c - drives the engine's overlapping batches for tests.
 *
 *   signbatch [--hold K STORE | --break K | --stored STORE] CONFIG SHARE1
 *       SHARE2 BATCH OUTDIR REQUEST...
 *
 * Opens and unlocks the signer engine, then runs the request files through
 * engine_sign_start in batches of BATCH, in order, each batch started while
 * the one before is in its durable half (as fe-signer serve does when
 * requests queue), and engine_sign_finish at the end.  For each request,
 * once its batch has landed, prints one line
 *
 *   INDEX STATUS REPLAYED ISSUER SERIAL REASON
 *
 * (STATUS issued, refused or failed; REPLAYED 0 or 1; "-" for an empty
 * field) and writes an issued certificate to OUTDIR/INDEX.pem.  Ends 0
 * when every line was printed, whatever the outcomes.
 *
 * --hold K STORE: just before batch K (from 0) starts, take the write lock
 * of STORE (the signer.db CONFIG names) on a connection of our own and give it back one second later from
 * another thread, so that batch K's durable half cannot commit until then:
 * batch K+1 is then certainly checked while K is in flight, whatever the
 * machine's speed (the checks must answer from memory, not the store).
 *
 * --break K: just before batch K starts, every descriptor the process has
 * on the store's WAL (signer.db-wal) is pointed at /dev/null opened
 * read-only, so that the store's next commit fails to write (EBADF) as it
 * would on a failing disk.  Once every batch has landed, the first
 * certificate issued is revoked (keyCompromise) and the outcome printed on
 * stderr as "revoke: ok" or "revoke: REASON", followed by the engine's
 * STATUS text.
 *
 * --stored STORE: once the last batch has landed (engine_sign_finish) and
 * before the engine is closed, prints "stored N" on stderr: the requests
 * STORE holds, counted on a connection of our own (what another process
 * sees of the store while the engine is idle).
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "lib/file.h"
#include "pki/custody.h"
#include "signer/engine.h"

#define BATCH_MAX 256

static void *
release_later(void *arg)
{
	struct timespec d = { 1, 0 };

	nanosleep(&d, NULL);
	if (sqlite3_exec(arg, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		fprintf(stderr, "signbatch: cannot give the lock back\n");
	return NULL;
}

/* Take the write lock of the store at path; a thread gives it back. */
static int
hold_store(const char *path, sqlite3 **db, pthread_t *t)
{
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(*db, 10000) != SQLITE_OK ||
	    sqlite3_exec(*db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "signbatch: cannot lock %s: %s\n", path,
		    sqlite3_errmsg(*db));
		return 1;
	}
	return pthread_create(t, NULL, release_later, *db) != 0;
}

/* Point every descriptor on a file named *-wal at /dev/null, read-only;
 * how many were. */
static int
break_wal(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char target[4096], *end;
	ssize_t n;
	long fd;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), k = 0;

	if (d == NULL || null < 0)
		return -1;
	while ((de = readdir(d)) != NULL) {
		fd = strtol(de->d_name, &end, 10);
		if (de->d_name[0] == '.' || *end != '\0' || fd == dirfd(d) ||
		    fd == null)
			continue;
		if ((n = readlinkat(dirfd(d), de->d_name, target,
		    sizeof(target) - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (n > 4 && strcmp(target + n - 4, "-wal") == 0 &&
		    dup3(null, (int)fd, O_CLOEXEC) == fd)
			k++;
	}
	closedir(d);
	close(null);
	return k;
}

/* "stored N" on stderr: the rows of STORE's request table. */
static int
print_stored(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int rc = 1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, "SELECT count(*) FROM "
	    "request", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		fprintf(stderr, "stored %lld\n",
		    (long long)sqlite3_column_int64(st, 0));
		rc = 0;
	} else {
		fprintf(stderr, "signbatch: cannot count %s: %s\n", path,
		    sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* The serial of the first certificate report() printed ("": none yet). */
static char first_serial[2 * SERIAL_MAX + 1];

static const char *
status_name(enum sign_status s)
{
	return s == SIGN_ISSUED ? "issued" : s == SIGN_REFUSED ? "refused" :
	    "failed";
}

static int
report(struct sign_result *res, size_t m, size_t first, const char *dir)
{
	char path[1024];
	size_t k;
	int rc = 0;

	for (k = 0; k < m; k++) {
		struct sign_result *r = &res[k];
		printf("%zu %s %d %s %s %s\n", first + k, status_name(r->status),
		    r->replayed ? 1 : 0, r->issuer[0] ? r->issuer : "-",
		    r->serial[0] ? r->serial : "-",
		    r->reason[0] ? r->reason : "-");
		if (r->status == SIGN_ISSUED && first_serial[0] == '\0')
			snprintf(first_serial, sizeof(first_serial), "%s",
			    r->serial);
		if (r->status == SIGN_ISSUED) {
			const unsigned char *q = r->der;
			X509 *x = d2i_X509(NULL, &q, (long)r->derlen);
			FILE *f;

			fe_snprintf(path, sizeof(path), "%s/%zu.pem", dir,
			    first + k);
			f = fopen(path, "w");
			if (x == NULL || f == NULL ||
			    PEM_write_X509(f, x) != 1) {
				fprintf(stderr, "signbatch: cannot write %s\n",
				    path);
				rc = 1;
			}
			if (f != NULL)
				fclose(f);
			X509_free(x);
		}
		sign_result_clear(r);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct sign_result res[2][BATCH_MAX];
	struct engine *e = NULL;
	struct share sh[2];
	struct fe_err err;
	uint8_t **reqs;
	size_t *lens, n, batch, i, k, m, prev_i = 0, prev_m = 0;
	int cur = 0, have_prev = 0, rc = 0;
	long hold = -1, brk = -1;
	sqlite3 *hdb = NULL;
	pthread_t holder;
	char *end, *store = NULL, *stored = NULL;

	if (argc > 2 && strcmp(argv[1], "--break") == 0) {
		brk = strtol(argv[2], &end, 10);
		if (*end != '\0' || brk < 0) {
			fprintf(stderr, "signbatch: --break wants a batch "
			    "number\n");
			return 2;
		}
		argv += 2;
		argc -= 2;
	} else if (argc > 2 && strcmp(argv[1], "--stored") == 0) {
		stored = argv[2];
		argv += 2;
		argc -= 2;
	} else if (argc > 3 && strcmp(argv[1], "--hold") == 0) {
		hold = strtol(argv[2], &end, 10);
		if (*end != '\0' || hold < 0) {
			fprintf(stderr, "signbatch: --hold wants a batch "
			    "number\n");
			return 2;
		}
		store = argv[3];
		argv += 3;
		argc -= 3;
	}
	if (argc < 7) {
		fprintf(stderr, "usage: signbatch [--hold K STORE | --break K | "
		    "--stored STORE] CONFIG SHARE1 SHARE2 BATCH OUTDIR "
		    "REQUEST...\n");
		return 2;
	}
	batch = strtoul(argv[4], &end, 10);
	if (*end != '\0' || batch < 1 || batch > BATCH_MAX) {
		fprintf(stderr, "signbatch: BATCH must be 1 to %d\n",
		    BATCH_MAX);
		return 2;
	}
	n = (size_t)(argc - 6);
	reqs = fe_calloc(n, sizeof(*reqs));
	lens = fe_calloc(n, sizeof(*lens));
	for (i = 0; i < n; i++) {
		if (fe_read_file(argv[6 + i], REQ_MAX_BYTES + 1, &reqs[i],
		    &lens[i], &err) != 0) {
			fprintf(stderr, "signbatch: %s\n", err.msg);
			return 1;
		}
	}
	if (share_read_file(argv[2], &sh[0], &err) != 0 ||
	    share_read_file(argv[3], &sh[1], &err) != 0 ||
	    engine_open(argv[1], &e, &err) != 0 ||
	    engine_unlock(e, sh, 2, &err) != 0) {
		fprintf(stderr, "signbatch: %s\n", err.msg);
		return 1;
	}
	share_wipe(&sh[0]);
	share_wipe(&sh[1]);
	for (i = 0; i < n; i += m) {
		m = n - i < batch ? n - i : batch;
		if (hold >= 0 && (size_t)hold == i / batch) {
			/* the batch before lands first: not on the hold */
			(void)engine_sign_finish(e);
			if (hold_store(store, &hdb, &holder) != 0)
				return 1;
		}
		if (brk >= 0 && (size_t)brk == i / batch && break_wal() < 1) {
			fprintf(stderr, "signbatch: no WAL to break\n");
			return 1;
		}
		(void)engine_sign_start(e, (const uint8_t *const *)&reqs[i],
		    &lens[i], m, res[cur]);
		/* not needed once started (engine.h): ASan would see a use */
		for (k = i; k < i + m; k++) {
			free(reqs[k]);
			reqs[k] = NULL;
		}
		if (have_prev)
			rc |= report(res[!cur], prev_m, prev_i, argv[5]);
		have_prev = 1;
		prev_i = i;
		prev_m = m;
		cur = !cur;
	}
	(void)engine_sign_finish(e);
	if (have_prev)
		rc |= report(res[!cur], prev_m, prev_i, argv[5]);
	if (stored != NULL)
		rc |= print_stored(stored);
	if (brk >= 0 && first_serial[0] != '\0') {
		struct buf st;

		fprintf(stderr, "revoke: %s\n", engine_revoke(e, first_serial,
		    1, &err) == 0 ? "ok" : err.msg);
		buf_init(&st, 4096);
		if (engine_status_text(e, &st, &err) == 0)
			fprintf(stderr, "%.*s", (int)st.len, (const char *)st.p);
		buf_free(&st);
	}
	engine_close(e);
	if (hdb != NULL) {
		pthread_join(holder, NULL);
		sqlite3_close(hdb);
	}
	free(reqs);
	free(lens);
	return rc;
}
