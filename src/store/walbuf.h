/*
 * walbuf.h - a SQLite VFS that writes each commit's WAL frames with one
 * system call instead of two per page (walbuf.c says why it is safe with
 * synchronous=FULL, and only then).
 */
#ifndef FE_STORE_WALBUF_H
#define FE_STORE_WALBUF_H

#include <sqlite3.h>

/* The VFS's name for sqlite3_open_v2, registered on first use (not as the
 * default). */
const char *walbuf_vfs(void);

#endif
