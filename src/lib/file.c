/*
 * file.c - read a whole file into memory with a cap, so that no reader of
 * configuration, logs or requests can be made to allocate without bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"

int
fe_read_fd(int fd, const char *path, size_t max, uint8_t **out, size_t *len,
    struct fe_err *err)
{
	struct buf b;
	uint8_t chunk[65536];
	ssize_t n;

	buf_init(&b, max);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fe_err_sys(err, "%s: cannot read", path);
			goto fail;
		}
		if (n == 0)
			break;
		if (buf_add(&b, chunk, (size_t)n) != 0) {
			fe_err_set(err, "%s: larger than %zu bytes", path, max);
			goto fail;
		}
	}
	buf_cstr(&b);
	*out = b.p;
	*len = b.len;
	return 0;
fail:
	buf_free(&b);
	return FE_EIO;
}

int
fe_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
    struct fe_err *err)
{
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fe_err_sys(err, "%s: cannot open", path);
	rc = fe_read_fd(fd, path, max, out, len, err);
	close(fd);
	return rc;
}

int
fe_write_file_atomic(const char *path, const void *p, size_t n,
    unsigned mode, struct fe_err *err)
{
	const uint8_t *b = p;
	char *tmp = NULL, *dircopy = NULL;
	size_t plen = strlen(path), i;
	int fd = -1, rc = FE_EIO;

	tmp = fe_malloc(plen + 5);
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp", 5);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    (mode_t)mode);
	if (fd < 0) {
		fe_err_sys(err, "%s", tmp);
		goto out;
	}
	for (i = 0; i < n;) {
		ssize_t w = write(fd, b + i, n - i);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fe_err_sys(err, "%s: writing", tmp);
			goto out;
		}
		i += (size_t)w;
	}
	if (fsync(fd) != 0) {
		fe_err_sys(err, "%s: syncing", tmp);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		fe_err_sys(err, "%s: closing", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		fe_err_sys(err, "%s: renaming to %s", tmp, path);
		goto out;
	}
	dircopy = fe_strdup(path);
	if ((fd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		(void)close(fd);
	}
	fd = -1;
	rc = 0;
out:
	if (fd >= 0) {
		(void)close(fd);
		(void)unlink(tmp);
	}
	free(tmp);
	free(dircopy);
	return rc;
}
