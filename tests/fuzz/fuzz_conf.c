/*
 * fuzz_conf.c - libFuzzer target for the INI configuration reader
 * (conf_load_string, src/lib/conf.c) and the certificate profiles read from
 * it (profiles_load, src/pki/profile.c), with every typed getter run over
 * every section for the keys the signer and the ceremony read.  The input
 * is copied and NUL-terminated, as conf_load() does with a file.
 *
 * Invariants (abort() when broken): a text that loads has no line over
 * CONF_MAX_LINE - 3 bytes (libinih would cut it in two, the second half
 * read as a line of its own); the section list has no NULLs, no
 * duplicates and ends at conf_nsections(); a number conf_uint() accepts is
 * within its bounds; conf_enum() returns an index into its table; a list
 * from conf_list() has non-empty items without commas or blanks at their
 * ends.  Profiles that load: 1 to PROFILE_MAX of them with distinct
 * non-empty names that profile_find() finds; 1 to PROFILE_ISSUERS_MAX
 * issuers; max_days 1 to 9131 (398 at most under br-tls); at least one key
 * usage and one key type; keyCertSign exactly in CA profiles, cRLSign only
 * there; no keyEncipherment for EC keys; subject_required within subject;
 * rsa_min_bits <= rsa_max_bits.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"
#include "pki/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* Keys read by fe-signer, fe ceremony and the profiles. */
static const char *const keys[] = {
	"ca_dir", "store", "log", "crl_hours", "root_crl_days",
	"instructed_by", "instructed_on", "place", "witnesses", "custodians",
	"threshold", "algorithm", "subject", "days", "ext_key_usage",
	"policies", "crl_url", "ocsp_url", "cert_url", "issuer", "ca",
	"path_length", "key_usage", "max_days", "keys", "names",
};

static const char *const algs[] = { "rsa-4096", "rsa-3072", "ec-p384",
	"ec-p256" };

static void
getters(struct conf *c, const char *sec)
{
	struct fe_err err;
	const char *s;
	char **items;
	uint64_t u;
	size_t n, i, k, len;
	bool b;
	int e;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		/* An absent key gives every getter its default: try that
		 * once, and all getters on the keys that are there. */
		if (conf_str(c, sec, keys[k]) == NULL && k > 0)
			continue;
		if (conf_req_str(c, sec, keys[k], &s, &err) == 0)
			check(s != NULL && s[0] != '\0');
		if (conf_uint(c, sec, keys[k], 2, 9999, 7, &u, &err) == 0)
			check(u >= 2 && u <= 9999);
		(void)conf_bool(c, sec, keys[k], false, &b, &err);
		if (conf_enum(c, sec, keys[k], algs, 4, -1, &e, &err) == 0)
			check(e >= 0 && e < 4);
		if (conf_list(c, sec, keys[k], &items, &n, &err) != 0)
			continue;
		check((n == 0) == (items == NULL));
		for (i = 0; i < n; i++) {
			len = strlen(items[i]);
			check(len > 0 && strchr(items[i], ',') == NULL);
			check(items[i][0] != ' ' && items[i][0] != '\t' &&
			    items[i][len - 1] != ' ' &&
			    items[i][len - 1] != '\t');
		}
		conf_list_free(items, n);
	}
}

static void
check_profiles(const struct profiles *ps)
{
	const unsigned cert_sign = 1u << KUB_KEY_CERT_SIGN;
	const unsigned crl_sign = 1u << KUB_CRL_SIGN;
	const struct profile *p;
	size_t i, j;

	check(ps->n >= 1 && ps->n <= PROFILE_MAX);
	for (i = 0; i < ps->n; i++) {
		p = &ps->p[i];
		check(p->name[0] != '\0' &&
		    strnlen(p->name, PROFILE_NAME_MAX) < PROFILE_NAME_MAX);
		check(profile_find(ps, p->name) == p);
		for (j = 0; j < i; j++)
			check(strcmp(ps->p[j].name, p->name) != 0);
		check(p->nissuers >= 1 && p->nissuers <= PROFILE_ISSUERS_MAX);
		for (j = 0; j < p->nissuers; j++)
			check(p->issuers[j][0] != '\0');
		check(p->npolicies <= PROFILE_OIDS_MAX);
		check(p->max_days >= 1 && p->max_days <= 9131);
		check(p->validity_rule != VR_BR_TLS || p->max_days <= 398);
		check(p->max_names >= 1 && p->max_names <= 100);
		check(p->path_length >= -1 && p->path_length <= 8);
		check((p->ku | p->ku_rsa | p->ku_ec) != 0);
		check(!p->ca || (p->ku & cert_sign));
		check(p->ca || !((p->ku | p->ku_rsa | p->ku_ec) &
		    (cert_sign | crl_sign)));
		check(!(p->ku_ec & (1u << KUB_KEY_ENCIPHERMENT)));
		check((p->subject_required & ~p->subject) == 0);
		check(p->keys.rsa || p->keys.p256 || p->keys.p384);
		check(p->keys.rsa_min_bits <= p->keys.rsa_max_bits);
		check(!p->wildcards || (p->names & (1u << NT_DNS)));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profiles *ps;
	struct conf *c;
	struct fe_err err;
	char *text;
	size_t i, j, n;

	if (size > CONF_MAX_BYTES + 1)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	ps = malloc(sizeof(*ps));
	if (ps == NULL)
		abort();
	if (conf_load_string("fuzz.ini", text, &c, &err) == 0) {
		for (i = 0, j = 0; i <= size && text[i] != '\0'; i++) {
			if (text[i] == '\n')
				j = 0;
			else
				check(++j <= CONF_MAX_LINE - 3);
		}
		n = conf_nsections(c);
		check(conf_section(c, n) == NULL);
		for (i = 0; i < n; i++) {
			check(conf_section(c, i) != NULL);
			check(conf_has_section(c, conf_section(c, i)));
			for (j = 0; j < i; j++)
				check(strcmp(conf_section(c, i),
				    conf_section(c, j)) != 0);
		}
		if (profiles_load(c, ps, &err) == 0)
			check_profiles(ps);
		for (i = 0; i < n; i++)
			getters(c, conf_section(c, i));
		(void)conf_check_unused(c, &err);
		conf_free(c);
	}
	free(ps);
	free(text);
	return 0;
}
