/*
 * serve.h - fe-signer as a daemon on its serial line.
 */
#ifndef FE_SERVE_H
#define FE_SERVE_H

#include <signal.h>

#include "signer/engine.h"

/* Serve requests on the configured serial device until *stop becomes
 * non-zero.  The engine must be unlocked.  Returns 0 on a clean stop. */
int signer_serve(struct engine *e, const char *device,
    volatile sig_atomic_t *stop, struct fe_err *err);

#endif
