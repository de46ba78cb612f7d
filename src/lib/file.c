/*
 * file.c - read a whole file into memory with a cap, so that no reader of
 * configuration, logs or requests can be made to allocate without bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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
