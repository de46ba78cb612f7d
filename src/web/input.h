/*
 * input.h - fe-web's JSON request bodies to checked fields.
 *
 * The bytes are untrusted (and fuzzed, tests/fuzz/fuzz_webinput.c).  A body
 * is exactly one JSON object whose keys are those of a table of fields; each
 * value is checked for its kind and kept in a struct in_value.  Caps:
 * INPUT_BODY_MAX bytes, INPUT_DEPTH_MAX levels of nesting, INPUT_LIST_MAX
 * items in a list, INPUT_CSR_MAX bytes of PEM.
 */
#ifndef FE_WEB_INPUT_H
#define FE_WEB_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define INPUT_BODY_MAX 65536
#define INPUT_DEPTH_MAX 16         /* [ and { open at once */
#define INPUT_LIST_MAX 100
#define INPUT_CSR_MAX 16384
#define INPUT_NAME_MAX 100         /* characters (code points) */
#define INPUT_TEXT_MAX 200

enum in_kind {
	IN_NAME,      /* a person's name: 1-100 chars of printable UTF-8, no
	                 control, format or private-use characters, no leading
	                 or trailing space, NFC not required */
	IN_DOB,       /* YYYY-MM-DD, a real date, not in the future, not before
	                 1900-01-01 */
	IN_DATE,      /* YYYY-MM-DD, a real date (year 1 on), not in the
	                 future */
	IN_EMAIL,     /* an address per src/pki/names (domain part lower-cased
	                 first), at most 254 bytes */
	IN_PASSWORD,  /* 10-256 bytes of valid UTF-8 (passwd_check) */
	IN_DOMAIN,    /* a public DNS name per src/pki/names (ASCII folded to
	                 lower case first), no wildcard, at least two labels */
	IN_TOKEN,     /* token_syntax_ok */
	IN_CSR,       /* one PEM CERTIFICATE REQUEST block (at most 16 KiB,
	                 white space around it only) whose signature verifies;
	                 the value kept is the text as given */
	IN_TEXT,      /* 1-200 chars, the rules of IN_NAME (place, etc.) */
	IN_INT,       /* a JSON integer within [min,max] of the field */
	IN_BOOL,      /* JSON true/false */
	IN_ENUM,      /* a string that is one of the field's choices
	                 (NULL-terminated array) */
	IN_DNSLIST,   /* array of IN_DOMAIN-like names, wildcards "*.x.y"
	                 allowed as the whole leftmost label, at most 100, no
	                 duplicates */
	IN_EMAILLIST, /* array of IN_EMAIL, at most 100, no duplicates */
	IN__MAX
};

struct in_field {
	const char *key;
	enum in_kind kind;
	bool required;
	long long min, max;            /* IN_INT */
	const char *const *choices;    /* IN_ENUM */
};

/*
 * present: the key was in the body.  s: the string of IN_NAME .. IN_TEXT and
 * IN_ENUM (malloc'ed).  i: IN_INT.  b: IN_BOOL.  list, nlist: the lists
 * (malloc'ed, NULL-terminated, nlist items, possibly 0).
 */
struct in_value {
	bool present;
	char *s;
	long long i;
	bool b;
	char **list;
	size_t nlist;
};

/*
 * Parse body (len bytes, NOT NUL-terminated) as exactly one JSON object
 * (jansson, duplicate keys refused, nothing after it) whose keys are only
 * those of fields[], each required field present, each value checked per
 * its kind.  out[] has nf entries and is zeroed first; on error nothing is
 * left allocated in it.  Errors are FE_EINVAL: "request body over 65536
 * bytes", "body is not a JSON object: <jansson's message and position>",
 * "unknown field 'foo'", "field 'name' is missing", "field 'email': not an
 * email address (...)", "field 'dob': not a date (YYYY-MM-DD)", ...
 */
int input_parse(const char *body, size_t len, const struct in_field *fields,
    size_t nf, struct in_value *out, struct fe_err *err);
/* Free (strings wiped first: one may be a password) and zero out[0..nf). */
void input_clear(struct in_value *out, size_t nf);

/* RFC 5280 CRLReason names fe-web accepts from an owner: unspecified,
 * keyCompromise, affiliationChanged, superseded, cessationOfOperation. */
extern const char *const input_reasons[];

/* Length of the well-formed UTF-8 sequence at p (at most left bytes; RFC
 * 3629: no overlong forms, no surrogates, nothing past U+10FFFF), 0 if
 * there is none. */
size_t input_utf8_seq(const uint8_t *p, size_t left, uint32_t *cp);

#endif
