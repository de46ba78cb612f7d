/*
 * walbuf.c - a SQLite VFS that gathers a transaction's WAL writes into one.
 *
 * SQLite writes each WAL frame as two calls, its 24-octet header and its
 * page, one after the other in the file.  A commit of 100 pages is 200
 * pwrite calls; on the signer's virtual machines a system call costs about
 * 2 us, more than the copy it does.  This VFS wraps the default one ("unix")
 * and, for WAL files only, keeps writes that continue the one before in a
 * buffer, written with one call when anything else touches the file:
 * a sync, a read, a size, a truncate, a write elsewhere, the close.
 *
 * Readers see a commit only once the wal-index says so, which SQLite
 * updates after the commit's last frame is written.  That frame's header
 * says it ends a commit (its database size is not zero), so its page is
 * written out with everything before it as soon as it arrives: nothing a
 * reader can be shown is still in the buffer, whatever the connection's
 * synchronous setting.  The disk is then started on those writes
 * (sync_file_range, no wait), so that a later sync -- at the commit with
 * synchronous=FULL, at the next checkpoint with NORMAL -- finds them
 * written.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/err.h"
#include "store/walbuf.h"

#define WALBUF_MAX (1024 * 1024)
#define WAL_HDR 32                      /* the WAL file's own header */
#define FRAME_HDR 24                    /* each frame's */

struct wb_file {
	sqlite3_file base;              /* pMethods: ours */
	sqlite3_file *real;             /* the default VFS's, after us */
	int wal;                        /* buffer writes (a WAL file) */
	unsigned char *buf;
	size_t len;
	sqlite3_int64 off;              /* of buf[0] in the file */
	int commit;                     /* a commit frame's header came last */
	int fd;                         /* the WAL, for sync_file_range */
};

static sqlite3_vfs *real_vfs;

/*
 * The unix VFS writes at most 0x1ffff octets a call (seekAndWriteFd masks
 * the length to 17 bits; a longer write would come back as "disk full"):
 * the buffer goes out in pieces of 31 pages.
 */
#define WRITE_MAX 0x1f000

static int
wb_flush(struct wb_file *f)
{
	size_t done = 0, n;
	int rc = SQLITE_OK;

	while (done < f->len && rc == SQLITE_OK) {
		n = f->len - done < WRITE_MAX ? f->len - done : WRITE_MAX;
		rc = f->real->pMethods->xWrite(f->real, f->buf + done, (int)n,
		    f->off + (sqlite3_int64)done);
		done += n;
	}
	f->len = 0;
	return rc;
}

static int
wb_close(sqlite3_file *p)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = wb_flush(f), rc2;

	rc2 = f->real->pMethods->xClose(f->real);
	free(f->buf);
	f->buf = NULL;
	if (f->fd >= 0)
		(void)close(f->fd);
	f->fd = -1;
	return rc != SQLITE_OK ? rc : rc2;
}

static int
wb_read(sqlite3_file *p, void *out, int n, sqlite3_int64 off)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = wb_flush(f);

	if (rc != SQLITE_OK)
		return rc;
	return f->real->pMethods->xRead(f->real, out, n, off);
}

static int
wb_write(sqlite3_file *p, const void *in, int n, sqlite3_int64 off)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc;

	if (!f->wal || n <= 0)
		return f->real->pMethods->xWrite(f->real, in, n, off);
	if (f->len > 0 && (off != f->off + (sqlite3_int64)f->len ||
	    f->len + (size_t)n > WALBUF_MAX) &&
	    (rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	if ((size_t)n > WALBUF_MAX)
		return f->real->pMethods->xWrite(f->real, in, n, off);
	if (f->buf == NULL) {
		f->buf = malloc(WALBUF_MAX);
		if (f->buf == NULL)
			return f->real->pMethods->xWrite(f->real, in, n, off);
	}
	if (f->len == 0)
		f->off = off;
	memcpy(f->buf + f->len, in, (size_t)n);
	f->len += (size_t)n;
	if (n == FRAME_HDR && off >= WAL_HDR) {
		const unsigned char *h = in;

		/* octets 4-7: the database size after a commit, else 0 */
		f->commit = (h[4] | h[5] | h[6] | h[7]) != 0;
	} else if (f->commit) {
		f->commit = 0;
		if ((rc = wb_flush(f)) != SQLITE_OK)
			return rc;
		if (f->fd >= 0)
			(void)sync_file_range(f->fd, 0, 0,
			    SYNC_FILE_RANGE_WRITE);
	}
	return SQLITE_OK;
}

static int
wb_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = wb_flush(f);

	if (rc != SQLITE_OK)
		return rc;
	return f->real->pMethods->xTruncate(f->real, size);
}

static int
wb_sync(sqlite3_file *p, int flags)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = wb_flush(f);

	if (rc != SQLITE_OK)
		return rc;
	return f->real->pMethods->xSync(f->real, flags);
}

static int
wb_size(sqlite3_file *p, sqlite3_int64 *size)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc = wb_flush(f);

	if (rc != SQLITE_OK)
		return rc;
	return f->real->pMethods->xFileSize(f->real, size);
}

/* The rest pass straight through. */
#define REAL(p) (((struct wb_file *)(p))->real)

static int
wb_lock(sqlite3_file *p, int l)
{
	return REAL(p)->pMethods->xLock(REAL(p), l);
}

static int
wb_unlock(sqlite3_file *p, int l)
{
	return REAL(p)->pMethods->xUnlock(REAL(p), l);
}

static int
wb_reserved(sqlite3_file *p, int *out)
{
	return REAL(p)->pMethods->xCheckReservedLock(REAL(p), out);
}

static int
wb_fcntl(sqlite3_file *p, int op, void *arg)
{
	return REAL(p)->pMethods->xFileControl(REAL(p), op, arg);
}

static int
wb_sector(sqlite3_file *p)
{
	return REAL(p)->pMethods->xSectorSize(REAL(p));
}

static int
wb_devchar(sqlite3_file *p)
{
	return REAL(p)->pMethods->xDeviceCharacteristics(REAL(p));
}

static int
wb_shm_map(sqlite3_file *p, int pg, int sz, int ext, void volatile **out)
{
	return REAL(p)->pMethods->xShmMap(REAL(p), pg, sz, ext, out);
}

static int
wb_shm_lock(sqlite3_file *p, int off, int n, int flags)
{
	return REAL(p)->pMethods->xShmLock(REAL(p), off, n, flags);
}

static void
wb_shm_barrier(sqlite3_file *p)
{
	REAL(p)->pMethods->xShmBarrier(REAL(p));
}

static int
wb_shm_unmap(sqlite3_file *p, int del)
{
	return REAL(p)->pMethods->xShmUnmap(REAL(p), del);
}

static int
wb_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **out)
{
	return REAL(p)->pMethods->xFetch(REAL(p), off, n, out);
}

static int
wb_unfetch(sqlite3_file *p, sqlite3_int64 off, void *ptr)
{
	return REAL(p)->pMethods->xUnfetch(REAL(p), off, ptr);
}

static const sqlite3_io_methods wb_methods = {
	3, wb_close, wb_read, wb_write, wb_truncate, wb_sync, wb_size,
	wb_lock, wb_unlock, wb_reserved, wb_fcntl, wb_sector, wb_devchar,
	wb_shm_map, wb_shm_lock, wb_shm_barrier, wb_shm_unmap, wb_fetch,
	wb_unfetch,
};

static int
wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags,
    int *out_flags)
{
	struct wb_file *f = (struct wb_file *)p;
	int rc;

	(void)vfs;
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->real = (sqlite3_file *)(f + 1);
	rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
	/* SQLite calls xClose when pMethods is set, even after a failure */
	f->base.pMethods = f->real->pMethods != NULL ? &wb_methods : NULL;
	if (rc != SQLITE_OK)
		return rc;
	if (f->real->pMethods == NULL || f->real->pMethods->iVersion < 3)
		return SQLITE_CANTOPEN;  /* the unix VFS is version 3 */
	f->wal = (flags & SQLITE_OPEN_WAL) != 0;
	/* only to start writeback: sync_file_range() takes any descriptor
	 * of the file (the WAL carries no POSIX locks of SQLite's, which a
	 * close of another descriptor would drop) */
	if (f->wal && name != NULL)
		f->fd = open(name, O_RDONLY | O_CLOEXEC);
	return SQLITE_OK;
}

static sqlite3_vfs wb_vfs;
static pthread_once_t wb_once = PTHREAD_ONCE_INIT;

static void
wb_register(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	if (real_vfs == NULL)
		fe_fatal("SQLite has no default VFS");
	wb_vfs = *real_vfs;
	wb_vfs.szOsFile = (int)sizeof(struct wb_file) + real_vfs->szOsFile;
	wb_vfs.zName = "fe-walbuf";
	wb_vfs.pNext = NULL;
	wb_vfs.xOpen = wb_open;
	if (sqlite3_vfs_register(&wb_vfs, 0) != SQLITE_OK)
		fe_fatal("cannot register SQLite VFS fe-walbuf");
}

const char *
walbuf_vfs(void)
{
	if (pthread_once(&wb_once, wb_register) != 0)
		fe_fatal("pthread_once");
	return wb_vfs.zName;
}
