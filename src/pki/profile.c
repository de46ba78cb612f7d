/*
 * profile.c - profiles from the signer's configuration.
 *
 * The configuration is the operators' and is trusted to be what they meant,
 * but it is still checked: an unknown key, an unknown usage name or a profile
 * that contradicts itself (a CA profile without keyCertSign, a TLS profile
 * longer than the Baseline Requirements allow) is refused when the signer
 * starts rather than discovered on the first request.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/objects.h>

#include "pki/profile.h"

const char *const ku_names[KUB__MAX] = {
	"digitalSignature", "contentCommitment", "keyEncipherment",
	"dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign",
};

const char *const eku_names[EKU__MAX] = {
	"serverAuth", "clientAuth", "codeSigning", "emailProtection",
	"timeStamping", "OCSPSigning",
};

const char *const subj_attr_names[SA__MAX] = {
	"CN", "givenName", "surname", "pseudonym", "emailAddress", "O", "L",
	"ST", "C", "serialNumber",
};

const char *const name_type_names[NT__MAX] = { "dns", "ip", "email" };

static const char *const validity_rule_names[VR__MAX] = { "none", "br-tls" };

#define PREFIX "profile "

/* Map a comma list of names onto bits; error names the unknown item. */
static int
bits_from_list(struct conf *c, const char *sec, const char *key,
    const char *const *names, size_t nnames, unsigned *out,
    struct fe_err *err)
{
	char **items;
	size_t n, i, j;
	unsigned bits = 0;

	if (conf_list(c, sec, key, &items, &n, err) != 0)
		return FE_EINVAL;
	for (i = 0; i < n; i++) {
		for (j = 0; j < nnames; j++)
			if (strcmp(items[i], names[j]) == 0)
				break;
		if (j == nnames) {
			fe_err_set(err, "%s: [%s] %s: '%s' is not one of the "
			    "known values (first is '%s')", conf_name(c), sec,
			    key, items[i], names[0]);
			conf_list_free(items, n);
			return FE_EINVAL;
		}
		bits |= 1u << j;
	}
	conf_list_free(items, n);
	*out = bits;
	return 0;
}

static int
load_one(struct conf *c, const char *sec, struct profile *p,
    struct fe_err *err)
{
	static const char *const keytypes[] = { "rsa", "p256", "p384" };
	char **items;
	size_t n, i;
	uint64_t u;
	unsigned keys;
	int vr;

	memset(p, 0, sizeof(*p));
	if (fe_snprintf_ok(p->name, sizeof(p->name), "%s",
	    sec + strlen(PREFIX)) != 0 || p->name[0] == '\0')
		return fe_err_set(err, "%s: [%s]: profile name must be 1 to "
		    "%d characters", conf_name(c), sec, PROFILE_NAME_MAX - 1);
	if (conf_list(c, sec, "issuer", &items, &n, err) != 0)
		return FE_EINVAL;
	if (n == 0 || n > PROFILE_ISSUERS_MAX) {
		conf_list_free(items, n);
		return fe_err_set(err, "%s: [%s] issuer: name 1 to %d issuing "
		    "CAs", conf_name(c), sec, PROFILE_ISSUERS_MAX);
	}
	for (i = 0; i < n; i++) {
		if (fe_snprintf_ok(p->issuers[i], PROFILE_NAME_MAX, "%s",
		    items[i]) != 0) {
			conf_list_free(items, n);
			return fe_err_set(err, "%s: [%s] issuer: name too long",
			    conf_name(c), sec);
		}
	}
	p->nissuers = n;
	conf_list_free(items, n);

	if (conf_bool(c, sec, "ca", false, &p->ca, err) != 0)
		return FE_EINVAL;
	if (conf_uint(c, sec, "path_length", 0, 8, 99, &u, err) != 0)
		return FE_EINVAL;
	p->path_length = u == 99 ? -1 : (int)u;
	if (bits_from_list(c, sec, "key_usage", ku_names, KUB__MAX, &p->ku,
	    err) != 0 ||
	    bits_from_list(c, sec, "key_usage_rsa", ku_names, KUB__MAX,
	    &p->ku_rsa, err) != 0 ||
	    bits_from_list(c, sec, "key_usage_ec", ku_names, KUB__MAX,
	    &p->ku_ec, err) != 0 ||
	    bits_from_list(c, sec, "ext_key_usage", eku_names, EKU__MAX,
	    &p->eku, err) != 0 ||
	    bits_from_list(c, sec, "subject", subj_attr_names, SA__MAX,
	    &p->subject, err) != 0 ||
	    bits_from_list(c, sec, "subject_required", subj_attr_names,
	    SA__MAX, &p->subject_required, err) != 0 ||
	    bits_from_list(c, sec, "names", name_type_names, NT__MAX,
	    &p->names, err) != 0 ||
	    bits_from_list(c, sec, "keys", keytypes, 3, &keys, err) != 0)
		return FE_EINVAL;
	if (conf_bool(c, sec, "ext_key_usage_critical", false,
	    &p->eku_critical, err) != 0)
		return FE_EINVAL;

	if (conf_list(c, sec, "policies", &items, &n, err) != 0)
		return FE_EINVAL;
	if (n > PROFILE_OIDS_MAX) {
		conf_list_free(items, n);
		return fe_err_set(err, "%s: [%s] policies: at most %d",
		    conf_name(c), sec, PROFILE_OIDS_MAX);
	}
	for (i = 0; i < n; i++) {
		ASN1_OBJECT *o = OBJ_txt2obj(items[i], 1);
		if (o == NULL || fe_snprintf_ok(p->policies[i], 64, "%s",
		    items[i]) != 0) {
			fe_err_set(err, "%s: [%s] policies: '%s' is not a "
			    "dotted OID", conf_name(c), sec, items[i]);
			ASN1_OBJECT_free(o);
			conf_list_free(items, n);
			return FE_EINVAL;
		}
		ASN1_OBJECT_free(o);
	}
	p->npolicies = n;
	conf_list_free(items, n);

	if (conf_bool(c, sec, "require_names", p->names != 0,
	    &p->require_names, err) != 0 ||
	    conf_bool(c, sec, "wildcards", false, &p->wildcards, err) != 0 ||
	    conf_bool(c, sec, "public_names_only", true,
	    &p->public_names_only, err) != 0 ||
	    conf_bool(c, sec, "cn_in_san", false, &p->cn_in_san, err) != 0 ||
	    conf_uint(c, sec, "max_names", 1, 100, 100, &u, err) != 0)
		return FE_EINVAL;
	p->max_names = (unsigned)u;
	if (conf_uint(c, sec, "max_days", 1, 9131, 0, &p->max_days, err) != 0)
		return FE_EINVAL;
	if (p->max_days == 0)
		return fe_err_set(err, "%s: [%s] max_days is required",
		    conf_name(c), sec);
	if (conf_enum(c, sec, "validity_rule", validity_rule_names, VR__MAX,
	    VR_NONE, &vr, err) != 0)
		return FE_EINVAL;
	p->validity_rule = (enum validity_rule)vr;
	if (conf_bool(c, sec, "subject_key_identifier", p->ca, &p->ski,
	    err) != 0 ||
	    conf_bool(c, sec, "crl_distribution_point", true, &p->crl_dp,
	    err) != 0 ||
	    conf_bool(c, sec, "authority_info_access", true, &p->aia,
	    err) != 0 ||
	    conf_bool(c, sec, "ocsp_nocheck", false, &p->ocsp_nocheck,
	    err) != 0)
		return FE_EINVAL;
	p->aki = true;

	p->keys.rsa = (keys & 1) != 0;
	p->keys.p256 = (keys & 2) != 0;
	p->keys.p384 = (keys & 4) != 0;
	if (keys == 0)
		return fe_err_set(err, "%s: [%s] keys: name at least one of "
		    "rsa, p256, p384", conf_name(c), sec);
	if (conf_uint(c, sec, "rsa_min_bits", 2048, 8192, 2048, &u, err) != 0)
		return FE_EINVAL;
	p->keys.rsa_min_bits = (unsigned)u;
	if (conf_uint(c, sec, "rsa_max_bits", 2048, 8192, 8192, &u, err) != 0)
		return FE_EINVAL;
	p->keys.rsa_max_bits = (unsigned)u;

	/* Coherence. */
	if ((p->ku | p->ku_rsa | p->ku_ec) == 0)
		return fe_err_set(err, "%s: [%s]: key_usage is empty",
		    conf_name(c), sec);
	if (p->ca && !(p->ku & (1u << KUB_KEY_CERT_SIGN)))
		return fe_err_set(err, "%s: [%s]: a CA profile needs "
		    "keyCertSign in key_usage", conf_name(c), sec);
	if (!p->ca && ((p->ku | p->ku_rsa | p->ku_ec) &
	    ((1u << KUB_KEY_CERT_SIGN) | (1u << KUB_CRL_SIGN))))
		return fe_err_set(err, "%s: [%s]: keyCertSign and cRLSign are "
		    "for CA profiles only", conf_name(c), sec);
	if (p->ku_ec & (1u << KUB_KEY_ENCIPHERMENT))
		return fe_err_set(err, "%s: [%s]: keyEncipherment is not "
		    "possible with EC keys (BR 7.1.2.7.11)", conf_name(c), sec);
	if (p->validity_rule == VR_BR_TLS && p->max_days > 398)
		return fe_err_set(err, "%s: [%s] max_days = %llu: over the "
		    "398 days the Baseline Requirements ever allowed",
		    conf_name(c), sec, (unsigned long long)p->max_days);
	if (p->wildcards && !(p->names & (1u << NT_DNS)))
		return fe_err_set(err, "%s: [%s]: wildcards need dns names",
		    conf_name(c), sec);
	if (p->subject_required & ~p->subject)
		return fe_err_set(err, "%s: [%s]: subject_required names an "
		    "attribute that subject does not allow", conf_name(c), sec);
	if (p->keys.rsa_min_bits > p->keys.rsa_max_bits)
		return fe_err_set(err, "%s: [%s]: rsa_min_bits is over "
		    "rsa_max_bits", conf_name(c), sec);
	return 0;
}

int
profiles_load(struct conf *c, struct profiles *out, struct fe_err *err)
{
	size_t i, j;
	const char *sec;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < conf_nsections(c); i++) {
		sec = conf_section(c, i);
		if (strncmp(sec, PREFIX, strlen(PREFIX)) != 0)
			continue;
		if (out->n == PROFILE_MAX)
			return fe_err_set(err, "%s: more than %d profiles",
			    conf_name(c), PROFILE_MAX);
		if (load_one(c, sec, &out->p[out->n], err) != 0)
			return FE_EINVAL;
		for (j = 0; j < out->n; j++)
			if (strcmp(out->p[j].name, out->p[out->n].name) == 0)
				return fe_err_set(err, "%s: profile %s is "
				    "defined twice", conf_name(c),
				    out->p[j].name);
		out->n++;
	}
	if (out->n == 0)
		return fe_err_set(err, "%s: no [profile NAME] section",
		    conf_name(c));
	return 0;
}

const struct profile *
profile_find(const struct profiles *ps, const char *name)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->p[i].name, name) == 0)
			return &ps->p[i];
	return NULL;
}

uint64_t
br_tls_max_days(int64_t t)
{
	/* BR 6.3.2 as amended by ballot SC-081v3. */
	if (t < 1773532800)        /* 2026-03-15T00:00:00Z */
		return 398;
	if (t < 1805068800)        /* 2027-03-15T00:00:00Z */
		return 200;
	if (t < 1868227200)        /* 2029-03-15T00:00:00Z */
		return 100;
	return 47;
}
