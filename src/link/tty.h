/*
 * tty.h - serial devices and pty pairs for the link.
 *
 * tty_open() puts a serial device (or a pty slave standing in for one) into
 * raw 8N1 at the given baud rate, optionally with RTS/CTS hardware flow
 * control, non-blocking, without becoming the controlling terminal.
 */
#ifndef FE_TTY_H
#define FE_TTY_H

#include <stdbool.h>

#include "lib/err.h"

/* Returns an fd or a negative error.  baud: 9600 .. 4000000 (a standard
 * termios rate). */
int tty_open(const char *path, unsigned baud, bool rtscts,
    struct fe_err *err);

/* A new pty pair: *master_fd open (raw, non-blocking), slave_path filled
 * (e.g. "/dev/pts/7"); the slave is put in raw mode so that a process that
 * opens it sees a clean 8-bit line. */
int pty_pair(int *master_fd, char *slave_path, size_t slave_path_len,
    struct fe_err *err);

#endif
