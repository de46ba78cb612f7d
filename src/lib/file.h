/*
 * file.h - reading a whole file into memory, bounded; replacing one
 * atomically.
 */
#ifndef FE_FILE_H
#define FE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Read a whole file (at most max bytes) into memory, NUL-terminated (the
 * NUL not counted in *len); the caller frees *out.  A larger file is
 * refused with "larger than MAX bytes". */
int fe_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
    struct fe_err *err);

/* The same from an open descriptor (not closed); path is for messages.
 * For callers that open with their own flags (O_NONBLOCK, O_NOFOLLOW). */
int fe_read_fd(int fd, const char *path, size_t max, uint8_t **out,
    size_t *len, struct fe_err *err);

/*
 * Replace path with p[0..n) so that a crash leaves either the old file or
 * the new one, never a mixture: written to path.tmp with mode, fsync'd,
 * renamed over path, and the directory fsync'd.
 */
int fe_write_file_atomic(const char *path, const void *p, size_t n,
    unsigned mode, struct fe_err *err);

#endif
