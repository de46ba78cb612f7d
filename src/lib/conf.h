/*
 * conf.h - INI configuration files (parsed by libinih) with one typed getter
 * per field kind.  Every getter that rejects a value names the file, the
 * section, the key and the value it rejected.  Keys nobody asked for are
 * reported by conf_check_unused() so that a misspelt key is not silently
 * ignored.
 */
#ifndef FE_CONF_H
#define FE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CONF_MAX_BYTES (1024 * 1024)
#define CONF_MAX_ENTRIES 4096
#define CONF_MAX_LINE 4096

struct conf;

int conf_load(const char *path, struct conf **out, struct fe_err *err);
/* name is used in messages only. */
int conf_load_string(const char *name, const char *text, struct conf **out,
    struct fe_err *err);
void conf_free(struct conf *c);

const char *conf_name(const struct conf *c);
size_t conf_nsections(const struct conf *c);
const char *conf_section(const struct conf *c, size_t i);
bool conf_has_section(const struct conf *c, const char *sec);

/* The raw value or NULL; marks the key used. */
const char *conf_str(struct conf *c, const char *sec, const char *key);
/* Required string: error when absent or empty. */
int conf_req_str(struct conf *c, const char *sec, const char *key,
    const char **out, struct fe_err *err);
/* Whole number in [min, max]; def when absent. */
int conf_uint(struct conf *c, const char *sec, const char *key, uint64_t min,
    uint64_t max, uint64_t def, uint64_t *out, struct fe_err *err);
/* yes/no/true/false/1/0/on/off; def when absent. */
int conf_bool(struct conf *c, const char *sec, const char *key, bool def,
    bool *out, struct fe_err *err);
/* One of names[0..n-1]; def (an index) when absent; -1 def means required. */
int conf_enum(struct conf *c, const char *sec, const char *key,
    const char *const *names, size_t n, int def, int *out, struct fe_err *err);
/*
 * Comma-separated list, items trimmed, empty items rejected.  The caller
 * frees with conf_list_free.  Absent: *n = 0, *items = NULL.
 */
int conf_list(struct conf *c, const char *sec, const char *key,
    char ***items, size_t *n, struct fe_err *err);
void conf_list_free(char **items, size_t n);

/* Error naming every key in the file that no getter has read. */
int conf_check_unused(struct conf *c, struct fe_err *err);

#endif
