/*
 * issue.c - request checks and certificate construction.
 *
 * Trusts the profile (operators' configuration, checked at load) and the
 * issuer (from the ceremony); trusts nothing in the request.  Every refusal
 * is "request ID: RULE: reason".  The CSR's subject and its requested
 * extensions are ignored: the certificate's names come only from the request
 * headers, which the registration side filled in after its checks and which
 * are checked again here.
 */
#include <limits.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "lib/buf.h"
#include "lib/seam.h"
#include "pki/der.h"
#include "pki/issue.h"
#include "pki/keycheck.h"
#include "pki/names.h"

bool
serial_from(const uint8_t raw[SERIAL_MAX], uint8_t out[SERIAL_MAX])
{
	size_t i;

	memcpy(out, raw, SERIAL_MAX);
	out[0] &= 0x7f;
	for (i = 0; i < SERIAL_MAX && out[i] == 0; i++)
		;
	return i < SERIAL_MAX;
}

void
serial_random(uint8_t out[SERIAL_MAX], size_t *len)
{
	uint8_t raw[SERIAL_MAX];

	do
		fe_random(raw, SERIAL_MAX);
	while (!serial_from(raw, out));
	*len = SERIAL_MAX;
}

void
serial_hex(const uint8_t *s, size_t len, char out[2 * SERIAL_MAX + 1])
{
	while (len > 1 && s[0] == 0) {
		s++;
		len--;
	}
	if (len > SERIAL_MAX)
		fe_fatal("serial longer than 20 octets");
	hex_encode(s, len, out);
}

int
serial_parse_hex(const char *s, uint8_t out[SERIAL_MAX], size_t *len)
{
	char tmp[2 * SERIAL_MAX + 2];
	size_t n;

	while (s[0] == '0' && s[1] != '\0')
		s++;
	n = strlen(s);
	if (n == 0 || n > 2 * SERIAL_MAX)
		return -1;
	fe_snprintf(tmp, sizeof(tmp), "%s%s", n % 2 ? "0" : "", s);
	n = strlen(tmp) / 2;
	if (hex_decode(tmp, 2 * n, out, n) != 0)
		return -1;
	*len = n;
	return 0;
}

void
cert_fingerprint(X509 *x, char out[65])
{
	unsigned char md[32];
	unsigned int n = 32;

	if (X509_digest(x, EVP_sha256(), md, &n) != 1)
		fe_fatal("X509_digest failed");
	hex_encode(md, 32, out);
}

const EVP_MD *
issue_md(EVP_PKEY *key)
{
	char group[32];
	size_t glen;

	if (EVP_PKEY_is_a(key, "EC") &&
	    EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group),
	    &glen) == 1 && strcmp(group, "secp384r1") == 0)
		return EVP_sha384();
	return EVP_sha256();
}

static bool
issuer_allowed(const struct profile *p, const char *label)
{
	size_t i;

	for (i = 0; i < p->nissuers; i++)
		if (strcmp(p->issuers[i], label) == 0)
			return true;
	return false;
}

static int
check_names(const struct profile *p, const struct sign_request *r,
    struct issue_plan *plan, struct fe_err *err)
{
	struct ext_names *nm = &plan->names;
	size_t i, j;
	struct fe_err nerr;

	memset(nm, 0, sizeof(*nm));
	if (r->nnames > p->max_names)
		return fe_err_code(err, FE_EPOLICY, "request %s: %zu names is "
		    "over the %u allowed by profile %s", r->id, r->nnames,
		    p->max_names, p->name);
	if (p->require_names && r->nnames == 0)
		return fe_err_code(err, FE_EPOLICY, "request %s: profile %s "
		    "needs at least one name (dns, ip or email)", r->id,
		    p->name);
	for (i = 0; i < r->nnames; i++) {
		const struct req_name *n = &r->names[i];

		if (!(p->names & (1u << n->type)))
			return fe_err_code(err, FE_EPOLICY, "request %s: "
			    "profile %s does not allow %s names ('%s')",
			    r->id, p->name, name_type_names[n->type],
			    n->value);
		for (j = 0; j < i; j++)
			if (r->names[j].type == n->type &&
			    strcmp(r->names[j].value, n->value) == 0)
				return fe_err_set(err, "request %s: %s name "
				    "'%s' is given twice", r->id,
				    name_type_names[n->type], n->value);
		switch (n->type) {
		case NT_DNS:
			if (name_check_dns(n->value, p->wildcards,
			    p->public_names_only, &nerr) != 0)
				goto bad;
			nm->dns[nm->ndns++] = n->value;
			break;
		case NT_EMAIL:
			if (name_check_email(n->value, &nerr) != 0)
				goto bad;
			nm->email[nm->nemail++] = n->value;
			break;
		case NT_IP:
			if (name_check_ip(n->value, p->public_names_only,
			    nm->ip[nm->nip], &nm->iplen[nm->nip], &nerr) != 0)
				goto bad;
			nm->nip++;
			break;
		case NT__MAX:
		default:
			fe_fatal("internal: name type %d", (int)n->type);
		}
	}
	return 0;
bad:
	return fe_err_code(err, FE_EPOLICY, "request %s: %s", r->id, nerr.msg);
}

static bool
in_names(const struct sign_request *r, const char *v, int type)
{
	size_t i;

	for (i = 0; i < r->nnames; i++)
		if ((type < 0 || (int)r->names[i].type == type) &&
		    strcmp(r->names[i].value, v) == 0)
			return true;
	return false;
}

static int
check_subject(const struct profile *p, const struct sign_request *r,
    struct fe_err *err)
{
	unsigned present = 0;
	size_t i;

	for (i = 0; i < r->nsubject; i++) {
		const struct req_attr *a = &r->subject[i];

		if (!(p->subject & (1u << a->attr)))
			return fe_err_code(err, FE_EPOLICY, "request %s: "
			    "profile %s does not allow the subject attribute "
			    "%s", r->id, p->name, subj_attr_names[a->attr]);
		if (a->attr == SA_C && (strlen(a->value) != 2 ||
		    a->value[0] < 'A' || a->value[0] > 'Z' ||
		    a->value[1] < 'A' || a->value[1] > 'Z'))
			return fe_err_set(err, "request %s: subject C '%s' is "
			    "not an ISO 3166-1 alpha-2 code", r->id, a->value);
		if (a->attr == SA_CN && p->cn_in_san &&
		    !in_names(r, a->value, -1))
			return fe_err_code(err, FE_EPOLICY, "request %s: BR "
			    "7.1.4.3: subject CN '%s' is not one of the "
			    "certificate's names", r->id, a->value);
		if (a->attr == SA_EMAIL_ADDRESS &&
		    !in_names(r, a->value, NT_EMAIL))
			return fe_err_code(err, FE_EPOLICY, "request %s: "
			    "subject emailAddress '%s' is not one of the "
			    "certificate's email names", r->id, a->value);
		present |= 1u << a->attr;
	}
	for (i = 0; i < SA__MAX; i++)
		if ((p->subject_required & (1u << i)) && !(present & (1u << i)))
			return fe_err_code(err, FE_EPOLICY, "request %s: "
			    "profile %s requires the subject attribute %s",
			    r->id, p->name, subj_attr_names[i]);
	return 0;
}

static int
check_validity(const struct profile *p, const struct issuer *iss,
    const struct sign_request *r, int64_t now, struct issue_plan *plan,
    struct fe_err *err)
{
	int64_t nb = now, na, secs, issuer_end;
	uint64_t limit = p->max_days;
	const char *why = "profile";

	if (r->days != 0) {
		if (r->days > 100000)
			return fe_err_set(err, "request %s: days out of range",
			    r->id);
		na = nb + (int64_t)r->days * 86400 - 1;
	} else {
		na = r->not_after;
	}
	if (na <= nb)
		return fe_err_set(err, "request %s: not-after is not in the "
		    "future of the signer's clock", r->id);
	secs = na - nb + 1;        /* RFC 5280 4.1.2.5: both ends inclusive */
	if (p->validity_rule == VR_BR_TLS && br_tls_max_days(now) <= limit) {
		limit = br_tls_max_days(now);
		why = "BR 6.3.2";
	}
	if ((uint64_t)secs > limit * 86400)
		return fe_err_code(err, FE_EPOLICY, "request %s: validity of "
		    "%lld days is over the %llu-day maximum of %s%s", r->id,
		    (long long)((secs + 86399) / 86400),
		    (unsigned long long)limit,
		    strcmp(why, "profile") == 0 ? "profile " : why,
		    strcmp(why, "profile") == 0 ? p->name :
		    " for TLS server certificates issued now");
	if (asn1_time_secs(X509_get0_notAfter(iss->cert), &issuer_end) != 0)
		return fe_err_ssl(err, "issuer %s: notAfter", iss->label);
	if (na > issuer_end)
		return fe_err_code(err, FE_EPOLICY, "request %s: the "
		    "certificate would outlive its issuer %s", r->id,
		    iss->label);
	plan->not_before = nb;
	plan->not_after = na;
	return 0;
}

int
issue_check(const struct profile *p, const struct issuer *iss,
    const struct sign_request *r, int64_t now, struct issue_plan *plan,
    struct fe_err *err)
{
	struct fe_err kerr;
	EVP_PKEY *pub;
	int rc;

	if (!issuer_allowed(p, iss->label))
		return fe_err_code(err, FE_EPOLICY, "request %s: profile %s "
		    "is not issued by %s", r->id, p->name, iss->label);
	if ((rc = check_names(p, r, plan, err)) != 0 ||
	    (rc = check_subject(p, r, err)) != 0 ||
	    (rc = check_validity(p, iss, r, now, plan, err)) != 0)
		return rc;
	/* A key the CSR reader took as spki has a valid point and needs no
	 * EVP_PKEY of its own (request.h); the plan carries the spki. */
	if (r->spki != NULL) {
		pub = r->pub;
		rc = keycheck_ec_valid(r->spki_nid, &p->keys, &kerr);
	} else {
		/* r->pub is NULL when OpenSSL cannot decode the key; asking
		 * again puts its reason in the error queue. */
		pub = r->pub != NULL ? r->pub : r->csr != NULL ?
		    X509_REQ_get0_pubkey(r->csr) : NULL;
		if (pub == NULL)
			return fe_err_ssl(err, "request %s: the CSR's public "
			    "key cannot be decoded", r->id);
		rc = keycheck(pub, &p->keys, &kerr);
	}
	if (rc != 0)
		return fe_err_code(err, FE_EPOLICY, "request %s: %s", r->id,
		    kerr.msg);
	if (request_verify(r) != 1)
		return fe_err_ssl(err, "request %s: RFC 2986 4.2: the CSR's "
		    "signature does not verify: no proof of possession of "
		    "the private key", r->id);
	ERR_clear_error();
	plan->pub = pub;
	plan->spki = r->spki;
	plan->spki_len = r->spki_len;
	plan->crl_url = NULL;
	return 0;
}

/* The subject's attributes in a fixed order, most general first (X.520
 * usage); subject_build() and the template path (subject_plan()). */
static const struct {
	enum subj_attr a;
	int nid;
} order[] = {
	{ SA_C, NID_countryName }, { SA_ST, NID_stateOrProvinceName },
	{ SA_L, NID_localityName }, { SA_O, NID_organizationName },
	{ SA_SERIAL_NUMBER, NID_serialNumber },
	{ SA_GIVEN_NAME, NID_givenName }, { SA_SURNAME, NID_surname },
	{ SA_PSEUDONYM, NID_pseudonym }, { SA_CN, NID_commonName },
	{ SA_EMAIL_ADDRESS, NID_pkcs9_emailAddress },
};
#define ORDER_N (sizeof(order) / sizeof(order[0]))

static int
subject_build(const struct sign_request *r, X509_NAME **out,
    struct fe_err *err)
{
	X509_NAME *n = X509_NAME_new();
	size_t i, j;

	if (n == NULL)
		fe_fatal("out of memory");
	for (i = 0; i < ORDER_N; i++) {
		for (j = 0; j < r->nsubject; j++) {
			if (r->subject[j].attr != order[i].a)
				continue;
			if (X509_NAME_add_entry_by_NID(n, order[i].nid,
			    MBSTRING_UTF8,
			    (const unsigned char *)r->subject[j].value, -1,
			    -1, 0) != 1) {
				X509_NAME_free(n);
				return fe_err_ssl(err, "request %s: subject %s "
				    "cannot be encoded", r->id,
				    subj_attr_names[order[i].a]);
			}
		}
	}
	*out = n;
	return 0;
}

/* Whether the subject key is RSA: a key given only as plan->spki is EC
 * (request.h). */
static bool
plan_rsa(const struct issue_plan *plan)
{
	return plan->pub != NULL && EVP_PKEY_is_a(plan->pub, "RSA");
}

/* The subject key as an EVP_PKEY: plan->pub, or one read from plan->spki
 * into *tmp (the caller frees it); NULL with OpenSSL's reason queued. */
static EVP_PKEY *
plan_key(const struct issue_plan *plan, EVP_PKEY **tmp)
{
	const unsigned char *q = plan->spki;

	*tmp = NULL;
	if (plan->pub != NULL || plan->spki == NULL)
		return plan->pub;
	*tmp = d2i_PUBKEY(NULL, &q, (long)plan->spki_len);
	return *tmp;
}

static int
set_serial(X509 *x, const uint8_t *serial, size_t len, struct fe_err *err)
{
	BIGNUM *bn = BN_bin2bn(serial, (int)len, NULL);
	ASN1_INTEGER *ai;
	int rc = 0;

	if (bn == NULL || BN_is_zero(bn) || BN_is_negative(bn) ||
	    BN_num_bytes(bn) > SERIAL_MAX) {
		BN_free(bn);
		return fe_err_set(err, "serial number out of range");
	}
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	if (ai == NULL || X509_set_serialNumber(x, ai) != 1)
		rc = fe_err_ssl(err, "cannot set serial number");
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return rc;
}

/* DER of RSAPublicKey (RFC 8017 A.1.1) from n and e; NULL on failure. */
static unsigned char *
rsa_public_der(EVP_PKEY *pk, int *len)
{
	BIGNUM *n = NULL, *e = NULL;
	STACK_OF(ASN1_TYPE) *seq = sk_ASN1_TYPE_new_null();
	ASN1_TYPE *t;
	ASN1_INTEGER *ai;
	unsigned char *der = NULL;
	int i;

	if (seq == NULL)
		fe_fatal("out of memory");
	/* OpenSSL writes the magnitude of a negative number; leave those to
	 * it (keycheck() refuses them anyway). */
	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
	    BN_is_negative(n) || BN_is_negative(e))
		goto out;
	for (i = 0; i < 2; i++) {
		if ((ai = BN_to_ASN1_INTEGER(i == 0 ? n : e, NULL)) == NULL)
			goto out;
		if ((t = ASN1_TYPE_new()) == NULL)
			fe_fatal("out of memory");
		ASN1_TYPE_set(t, V_ASN1_INTEGER, ai);
		if (sk_ASN1_TYPE_push(seq, t) <= 0)
			fe_fatal("out of memory");
	}
	if ((*len = i2d_ASN1_SEQUENCE_ANY(seq, &der)) <= 0) {
		OPENSSL_free(der);
		der = NULL;
	}
out:
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	BN_free(n);
	BN_free(e);
	return der;
}

/* The point of an EC key on P-256 or P-384, named, as i2o_ECPublicKey
 * writes it (the key's own point format, uncompressed or compressed);
 * *nid is the curve.  NULL for anything else. */
static unsigned char *
ec_public_point(EVP_PKEY *pk, int *nid, int *len)
{
	char name[64], form[32], enc[32];
	unsigned char *pt;
	size_t n, want;
	bool full;

	if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_ENCODING,
	    enc, sizeof(enc), NULL) != 1 ||
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0 ||
	    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
	    name, sizeof(name), NULL) != 1 ||
	    EVP_PKEY_get_utf8_string_param(pk,
	    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, form, sizeof(form),
	    NULL) != 1)
		return NULL;
	if ((*nid = OBJ_sn2nid(name)) == NID_undef)
		*nid = EC_curve_nist2nid(name);
	if (*nid == NID_X9_62_prime256v1)
		n = 32;
	else if (*nid == NID_secp384r1)
		n = 48;
	else
		return NULL;
	if (strcmp(form, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) == 0)
		full = true;
	else if (strcmp(form,
	    OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED) == 0)
		full = false;
	else
		return NULL;
	want = full ? 1 + 2 * n : 1 + n;
	pt = OPENSSL_malloc(want);
	if (pt == NULL)
		fe_fatal("out of memory");
	if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    want, &n) != 1 || n != want ||
	    (full ? pt[0] != 0x04 : pt[0] != 0x02 && pt[0] != 0x03)) {
		OPENSSL_free(pt);
		return NULL;
	}
	*len = (int)want;
	return pt;
}

/* The keys issue_set_pubkey() writes itself, into xpk: 1; any other
 * key: 0, xpk unchanged, for X509_PUBKEY_set() to do. */
static int
pubkey_set_own(X509_PUBKEY *xpk, EVP_PKEY *pk)
{
	unsigned char *bits = NULL;
	int len = 0, nid, ok = 0;

	ERR_set_mark();
	if (EVP_PKEY_is_a(pk, "RSA")) {
		if ((bits = rsa_public_der(pk, &len)) != NULL)
			ok = X509_PUBKEY_set0_param(xpk,
			    OBJ_nid2obj(NID_rsaEncryption), V_ASN1_NULL, NULL,
			    bits, len);
	} else if (EVP_PKEY_is_a(pk, "EC")) {
		if ((bits = ec_public_point(pk, &nid, &len)) != NULL)
			ok = X509_PUBKEY_set0_param(xpk,
			    OBJ_nid2obj(NID_X9_62_id_ecPublicKey),
			    V_ASN1_OBJECT, OBJ_nid2obj(nid), bits, len);
	}
	if (ok == 1) {
		ERR_clear_last_mark();
		return 1;
	}
	OPENSSL_free(bits);
	/* Any other key, or one of these in a form not handled above. */
	ERR_pop_to_mark();
	return 0;
}

int
issue_set_pubkey(X509 *x, EVP_PKEY *pk)
{
	if (pubkey_set_own(X509_get_X509_PUBKEY(x), pk) == 1)
		return 1;
	return X509_set_pubkey(x, pk);
}

static int
set_validity(X509 *x, int64_t nb, int64_t na, struct fe_err *err)
{
	if (ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) == NULL)
		return fe_err_ssl(err, "cannot set validity");
	return 0;
}

int
issue_build(const struct profile *p, const struct issuer *iss,
    const struct sign_request *r, const struct issue_plan *plan,
    const uint8_t *serial, size_t serial_len, X509 **out,
    struct fe_err *err)
{
	X509 *x = X509_new();
	X509_NAME *subj = NULL;
	EVP_PKEY *tmp = NULL, *pub;
	unsigned ku = p->ku;
	bool empty_subject;
	int rc = FE_ECRYPTO;

	if (x == NULL)
		fe_fatal("out of memory");
	if (iss->key == NULL) {
		rc = fe_err_code(err, FE_EPOLICY, "issuer %s is locked",
		    iss->label);
		goto out;
	}
	if (plan_rsa(plan))
		ku |= p->ku_rsa;
	else
		ku |= p->ku_ec;
	if ((rc = set_serial(x, serial, serial_len, err)) != 0 ||
	    (rc = set_validity(x, plan->not_before, plan->not_after,
	    err)) != 0 ||
	    (rc = subject_build(r, &subj, err)) != 0)
		goto out;
	rc = FE_ECRYPTO;
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(iss->cert)) != 1 ||
	    X509_set_subject_name(x, subj) != 1 ||
	    (pub = plan_key(plan, &tmp)) == NULL ||
	    issue_set_pubkey(x, pub) != 1) {
		fe_err_ssl(err, "request %s: cannot build certificate", r->id);
		goto out;
	}
	empty_subject = X509_NAME_entry_count(subj) == 0;
	if (p->ca && ext_add_take(x, ext_basic_constraints(true,
	    p->path_length, err), err) != 0)
		goto out;
	if (ext_add_take(x, ext_key_usage(ku, err), err) != 0)
		goto out;
	if (p->eku != 0 && ext_add_take(x, ext_ext_key_usage(p->eku,
	    p->eku_critical, err), err) != 0)
		goto out;
	if (p->npolicies > 0 && ext_add_take(x, ext_policies(
	    (const char (*)[64])p->policies, p->npolicies, err), err) != 0)
		goto out;
	if (r->nnames > 0 && ext_add_take(x, ext_san(&plan->names,
	    empty_subject, err), err) != 0)
		goto out;
	if (p->crl_dp && plan->crl_url != NULL &&
	    ext_add_take(x, ext_crl_dp(plan->crl_url, err), err) != 0)
		goto out;
	if (p->crl_dp && plan->crl_url == NULL && iss->crl_url[0] != '\0' &&
	    ext_add_take(x, ext_crl_dp(iss->crl_url, err), err) != 0)
		goto out;
	if (p->aia && (iss->ocsp_url[0] != '\0' || iss->issuer_url[0] != '\0')
	    && ext_add_take(x, ext_aia(iss->ocsp_url, iss->issuer_url, err),
	    err) != 0)
		goto out;
	if (ext_add_take(x, ext_aki(X509_get0_subject_key_id(iss->cert), err),
	    err) != 0)
		goto out;
	if (p->ski && ext_add_take(x, ext_ski(X509_get_X509_PUBKEY(x), err),
	    err) != 0)
		goto out;
	if (p->ocsp_nocheck && ext_add_take(x, ext_ocsp_nocheck(err), err) != 0)
		goto out;
	if (X509_sign(x, iss->key, issue_md(iss->key)) <= 0) {
		rc = fe_err_ssl(err, "request %s: signing with %s failed",
		    r->id, iss->label);
		goto out;
	}
	X509_NAME_free(subj);
	EVP_PKEY_free(tmp);
	*out = x;
	return 0;
out:
	X509_NAME_free(subj);
	X509_free(x);
	EVP_PKEY_free(tmp);
	return rc;
}

/*
 * The template path.  issue_build() spends most of its time in OpenSSL's
 * X509 object: every name and extension is copied in (an encode and a
 * parse each), the whole is encoded again to be signed and a third time
 * to be stored, and each signature fetches its algorithms afresh.  Here
 * the TBSCertificate (RFC 5280 4.1) is written directly, in
 * issue_build()'s order:
 *
 *   version, serial, signature, issuer, validity, subject, SPKI,
 *   [3] { basicConstraints keyUsage extKeyUsage certificatePolicies |
 *         subjectAltName | cRLDistributionPoints | authorityInfoAccess
 *         authorityKeyIdentifier | subjectKeyIdentifier | ocspNoCheck }
 *
 * Runs between bars are encoded once per profile, issuer and kind of
 * subject key, with the same builders (x509ext.c) and OpenSSL's own
 * encoders; the signature AlgorithmIdentifier is the one X509_sign()
 * writes for the issuer key; a CRL part's cRLDistributionPoints is kept
 * until the next part.  What varies is written here per certificate,
 * octet for octet as the X509 path encodes it:
 *
 *   - the serial as BN_to_ASN1_INTEGER() does;
 *   - times as ASN1_TIME_set() does (UTCTime for 1950 to 2049, else
 *     GeneralizedTime; RFC 5280 4.1.2.5), for the years 0 to 9999; any
 *     other time through ASN1_TIME_set() itself;
 *   - the subject as subject_build() makes it with
 *     X509_NAME_add_entry_by_NID(MBSTRING_UTF8), in the string type and
 *     within the bounds of OpenSSL's ASN1_STRING_TABLE (read once, see
 *     name_kinds()), and its X509_NAME_oneline() text; a subject with a
 *     value OpenSSL could refuse or convert (not UTF-8, a character
 *     PrintableString or IA5String lacks, a length out of bounds) goes
 *     through subject_build() instead, so that the error is OpenSSL's;
 *   - the key: the CSR's own SubjectPublicKeyInfo when the plan has it
 *     (plan->spki), else by pubkey_set_own() or X509_PUBKEY_set();
 *   - subjectAltName as ext_san() encodes it, subjectKeyIdentifier as
 *     ext_ski() does (SHA-1 of the subjectPublicKey bits).
 *
 * Lengths are DER's minimal definite form, as OpenSSL writes them.
 * tests/unit/test_issue.c compares every part with issue_build()'s.
 */
#define TBS_MAX (1024 * 1024)
#define SIG_STACK 512                  /* RSA-4096; larger keys: heap */
#define SKI_LEN 20                     /* SHA-1 */

struct tmpl {
	const struct profile *p;
	const struct issuer *iss;
	const EVP_PKEY *key;           /* iss->key when made */
	bool rsa;                      /* subject key is RSA (ku_rsa) */
	bool ok;                       /* false: use issue_build() */
	struct buf algid;              /* signature AlgorithmIdentifier */
	struct buf issuer_name;
	struct buf pre, cdp, post, tail;   /* extension runs, see above */
	char cdp_url[URL_MAX];         /* URL of cdp_var (a CRL part) */
	struct buf cdp_var;
	EVP_PKEY_CTX *sign;            /* EVP_PKEY_sign_init'ed, md set */
	EVP_MD *md;
	EVP_MD *sha1;                  /* for subjectKeyIdentifier */
	EVP_MD_CTX *mdctx;
	size_t sigmax;
};

/* How X509_NAME_add_entry_by_NID(MBSTRING_UTF8) encodes an attribute of
 * order[]: its OID's DER, the one string type its ASN1_STRING_TABLE
 * entry leaves (0: none or several, never by hand) and the bounds in
 * characters (0: none). */
struct name_kind {
	uint8_t oid[16];
	size_t oidlen;
	const char *sn;
	int tag;
	long min, max;
};

struct issue_cache {
	struct tmpl *t;
	size_t n;
	struct name_kind kind[ORDER_N];
	struct buf body, exts;         /* issue_der()'s, reset each time */
};

static const uint8_t zero = 0;

/* Append with a sticky failure: *bad is set once an append fails. */
static void
put(struct buf *b, const void *p, size_t n, bool *bad)
{
	if (!*bad && buf_add(b, p, n) != 0)
		*bad = true;
}

static void
put_hdr(struct buf *b, uint8_t tag, size_t len, bool *bad)
{
	uint8_t h[DER_TL_MAX];

	put(b, h, der_put_tl(h, tag, len), bad);
}

/* Append i2d output; false when the encoder fails. */
#define PUT_I2D(b, fn, obj, bad)					\
	do {								\
		unsigned char *der_ = NULL;				\
		int n_ = fn((obj), &der_);				\
		if (n_ <= 0)						\
			*(bad) = true;					\
		else							\
			put((b), der_, (size_t)n_, (bad));		\
		OPENSSL_free(der_);					\
	} while (0)

/* Append the DER of ext and free it; -1 if ext is NULL (err is set). */
static int
put_ext_take(struct buf *b, X509_EXTENSION *ext, bool *bad)
{
	if (ext == NULL)
		return -1;
	PUT_I2D(b, i2d_X509_EXTENSION, ext, bad);
	X509_EXTENSION_free(ext);
	return 0;
}

static void
tmpl_clear(struct tmpl *t)
{
	buf_free(&t->algid);
	buf_free(&t->issuer_name);
	buf_free(&t->pre);
	buf_free(&t->cdp);
	buf_free(&t->post);
	buf_free(&t->tail);
	buf_free(&t->cdp_var);
	EVP_PKEY_CTX_free(t->sign);
	EVP_MD_free(t->md);
	EVP_MD_free(t->sha1);
	EVP_MD_CTX_free(t->mdctx);
	memset(t, 0, sizeof(*t));
}

/* What ASN1_STRING_set_by_NID() does with each attribute of order[]:
 * the table entry's mask (under the global mask unless STABLE_NO_MASK)
 * and bounds, or DIRSTRING_TYPE under the global mask and no bounds. */
static void
name_kinds(struct name_kind kind[ORDER_N])
{
	unsigned long gmask = ASN1_STRING_get_default_mask(), mask;
	const ASN1_STRING_TABLE *tbl;
	unsigned char *p;
	size_t i;
	int n;

	for (i = 0; i < ORDER_N; i++) {
		struct name_kind *k = &kind[i];

		memset(k, 0, sizeof(*k));
		k->sn = OBJ_nid2sn(order[i].nid);
		p = k->oid;
		n = i2d_ASN1_OBJECT(OBJ_nid2obj(order[i].nid), NULL);
		if (k->sn == NULL || n <= 0 || (size_t)n > sizeof(k->oid) ||
		    i2d_ASN1_OBJECT(OBJ_nid2obj(order[i].nid), &p) != n)
			continue;              /* tag 0: never by hand */
		k->oidlen = (size_t)n;
		if ((tbl = ASN1_STRING_TABLE_get(order[i].nid)) != NULL) {
			mask = tbl->mask;
			if (!(tbl->flags & STABLE_NO_MASK))
				mask &= gmask;
			k->min = tbl->minsize;
			k->max = tbl->maxsize;
		} else {
			mask = DIRSTRING_TYPE & gmask;
		}
		if (mask == B_ASN1_PRINTABLESTRING)
			k->tag = V_ASN1_PRINTABLESTRING;
		else if (mask == B_ASN1_IA5STRING)
			k->tag = V_ASN1_IA5STRING;
		else if (mask == B_ASN1_UTF8STRING)
			k->tag = V_ASN1_UTF8STRING;
	}
}

struct issue_cache *
issue_cache_new(void)
{
	struct issue_cache *c = fe_calloc(1, sizeof(struct issue_cache));

	name_kinds(c->kind);
	buf_init(&c->body, TBS_MAX);
	buf_init(&c->exts, TBS_MAX);
	return c;
}

void
issue_cache_free(struct issue_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		tmpl_clear(&c->t[i]);
	free(c->t);
	buf_free(&c->body);
	buf_free(&c->exts);
	free(c);
}

/* The signature AlgorithmIdentifier X509_sign() writes with key: that of
 * a copy of the issuer's certificate signed again. */
static int
tmpl_algid(struct tmpl *t, bool *bad)
{
	X509 *x = X509_dup(t->iss->cert);
	const X509_ALGOR *alg = NULL;
	int ok = -1;

	if (x == NULL)
		return -1;
	if (X509_sign(x, t->iss->key, issue_md(t->iss->key)) > 0) {
		X509_get0_signature(NULL, &alg, x);
		if (alg != NULL) {
			PUT_I2D(&t->algid, i2d_X509_ALGOR, alg, bad);
			ok = 0;
		}
	}
	X509_free(x);
	return ok;
}

/* Fill t's constant parts; false if the template cannot be used (then
 * issue_build() gives the certificate, or the error). */
static bool
tmpl_make(struct tmpl *t)
{
	const struct profile *p = t->p;
	const struct issuer *iss = t->iss;
	EVP_PKEY *key = iss->key;
	unsigned ku = p->ku | (t->rsa ? p->ku_rsa : p->ku_ec);
	struct fe_err err;
	bool bad = false;

	buf_init(&t->algid, TBS_MAX);
	buf_init(&t->issuer_name, TBS_MAX);
	buf_init(&t->pre, TBS_MAX);
	buf_init(&t->cdp, TBS_MAX);
	buf_init(&t->post, TBS_MAX);
	buf_init(&t->tail, TBS_MAX);
	buf_init(&t->cdp_var, TBS_MAX);
	if (!EVP_PKEY_is_a(key, "EC") && !EVP_PKEY_is_a(key, "RSA"))
		return false;
	ERR_set_mark();
	if (tmpl_algid(t, &bad) != 0)
		goto fail;
	PUT_I2D(&t->issuer_name, i2d_X509_NAME,
	    X509_get_subject_name(iss->cert), &bad);
	if (p->ca && put_ext_take(&t->pre, ext_basic_constraints(true,
	    p->path_length, &err), &bad) != 0)
		goto fail;
	if (put_ext_take(&t->pre, ext_key_usage(ku, &err), &bad) != 0)
		goto fail;
	if (p->eku != 0 && put_ext_take(&t->pre, ext_ext_key_usage(p->eku,
	    p->eku_critical, &err), &bad) != 0)
		goto fail;
	if (p->npolicies > 0 && put_ext_take(&t->pre, ext_policies(
	    (const char (*)[64])p->policies, p->npolicies, &err), &bad) != 0)
		goto fail;
	if (p->crl_dp && iss->crl_url[0] != '\0' && put_ext_take(&t->cdp,
	    ext_crl_dp(iss->crl_url, &err), &bad) != 0)
		goto fail;
	if (p->aia && (iss->ocsp_url[0] != '\0' || iss->issuer_url[0] != '\0')
	    && put_ext_take(&t->post, ext_aia(iss->ocsp_url, iss->issuer_url,
	    &err), &bad) != 0)
		goto fail;
	if (put_ext_take(&t->post, ext_aki(X509_get0_subject_key_id(
	    iss->cert), &err), &bad) != 0)
		goto fail;
	if (p->ocsp_nocheck && put_ext_take(&t->tail, ext_ocsp_nocheck(&err),
	    &bad) != 0)
		goto fail;
	if ((t->md = EVP_MD_fetch(NULL, EVP_MD_get0_name(issue_md(key)),
	    NULL)) == NULL ||
	    (t->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL)) == NULL ||
	    (t->mdctx = EVP_MD_CTX_new()) == NULL ||
	    (t->sign = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(t->sign) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(t->sign, t->md) != 1 ||
	    EVP_PKEY_get_size(key) <= 0)
		goto fail;
	t->sigmax = (size_t)EVP_PKEY_get_size(key);
	if (bad)
		goto fail;
	ERR_pop_to_mark();
	return true;
fail:
	ERR_pop_to_mark();
	return false;
}

static struct tmpl *
tmpl_get(struct issue_cache *c, const struct profile *p,
    const struct issuer *iss, bool rsa)
{
	struct tmpl *t;
	size_t i;

	for (i = 0; i < c->n; i++) {
		t = &c->t[i];
		if (t->p == p && t->iss == iss && t->rsa == rsa) {
			if (t->key == iss->key)
				return t;
			tmpl_clear(t);         /* the issuer's key changed */
			break;
		}
	}
	if (i == c->n) {
		c->t = fe_realloc(c->t, (c->n + 1) * sizeof(*c->t));
		c->n++;
	}
	t = &c->t[i];
	memset(t, 0, sizeof(*t));
	t->p = p;
	t->iss = iss;
	t->key = iss->key;
	t->rsa = rsa;
	t->ok = tmpl_make(t);
	return t;
}

/* INTEGER of a positive serial, as BN_to_ASN1_INTEGER() and i2d write it:
 * leading zero octets dropped, one 0x00 put before a high bit. */
static int
put_serial(struct buf *b, const uint8_t *s, size_t len, bool *bad,
    struct fe_err *err)
{
	while (len > 0 && s[0] == 0) {
		s++;
		len--;
	}
	if (len == 0 || len > SERIAL_MAX)
		return fe_err_set(err, "serial number out of range");
	put_hdr(b, V_ASN1_INTEGER, len + (s[0] & 0x80 ? 1 : 0), bad);
	if (s[0] & 0x80)
		put(b, &zero, 1, bad);
	put(b, s, len, bad);
	return 0;
}

/* The first and last seconds of the years 0 and 9999. */
#define TIME_HAND_MIN (-62167219200LL)
#define TIME_HAND_MAX 253402300799LL

static void
digits2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* A Time (RFC 5280 4.1.2.5) as ASN1_TIME_set() and i2d_ASN1_TIME() write
 * it: UTCTime YYMMDDHHMMSSZ for 1950 to 2049, else GeneralizedTime
 * YYYYMMDDHHMMSSZ; through them outside the years 0 to 9999. */
static int
put_time(struct buf *b, int64_t t, bool *bad)
{
	ASN1_TIME *at;
	struct fe_utc u;
	char s[15], *q = s;
	unsigned y;

	if (t < TIME_HAND_MIN || t > TIME_HAND_MAX) {
		if ((at = ASN1_TIME_set(NULL, (time_t)t)) == NULL)
			return -1;
		PUT_I2D(b, i2d_ASN1_TIME, at, bad);
		ASN1_TIME_free(at);
		return 0;
	}
	fe_utc(t, &u);
	y = (unsigned)u.year;
	if (y < 1950 || y > 2049) {
		digits2(q, y / 100);
		q += 2;
	}
	digits2(q, y % 100);
	digits2(q + 2, u.mon);
	digits2(q + 4, u.mday);
	digits2(q + 6, u.hour);
	digits2(q + 8, u.min);
	digits2(q + 10, u.sec);
	q[12] = 'Z';
	q += 13;
	put_hdr(b, q - s == 13 ? V_ASN1_UTCTIME : V_ASN1_GENERALIZEDTIME,
	    (size_t)(q - s), bad);
	put(b, s, (size_t)(q - s), bad);
	return 0;
}

/* One attribute of the subject: kind[k] of the cache, value v[0..len). */
struct subj_ent {
	size_t k;
	const char *v;
	size_t len;
};

/* Code points in s[0..len) when it is UTF-8 as RFC 3629 defines it
 * (shortest form, no surrogates, at most U+10FFFF: what OpenSSL's
 * UTF8_getc() and is_unicode_valid() accept); -1 otherwise. */
static long
utf8_chars(const uint8_t *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;
	long count = 0;

	while (i < len) {
		if (utf8_next(s, len, &i, &cp) != 0)
			return -1;
		count++;
	}
	return count;
}

/* Whether c is in PrintableString (X.680 41.4; OpenSSL's asn1print). */
static bool
printable(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr(" '()+,-./:=?", c) != NULL;
}

/*
 * The subject's attributes in subject_build()'s order, into e[0..*n),
 * when each is certain to be encoded here exactly as OpenSSL encodes it
 * (see above): a value of the one string type kind[] names, within its
 * bounds.  False for anything else: then subject_build() does it.
 */
static bool
subject_plan(const struct issue_cache *c, const struct sign_request *r,
    struct subj_ent e[REQ_SUBJECT_MAX], size_t *n)
{
	const struct name_kind *k;
	const uint8_t *v;
	size_t i, j, len, m = 0, x;
	long chars;

	if (r->nsubject > REQ_SUBJECT_MAX)
		return false;
	for (i = 0; i < ORDER_N; i++) {
		k = &c->kind[i];
		for (j = 0; j < r->nsubject; j++) {
			if (r->subject[j].attr != order[i].a)
				continue;
			v = (const uint8_t *)r->subject[j].value;
			len = strnlen(r->subject[j].value, REQ_VALUE_MAX);
			if (len == REQ_VALUE_MAX || k->tag == 0)
				return false;
			chars = (long)len;
			for (x = 0; x < len; x++) {
				if (k->tag == V_ASN1_PRINTABLESTRING &&
				    !printable(v[x]))
					return false;
				if (k->tag == V_ASN1_IA5STRING && v[x] >= 0x80)
					return false;
			}
			if (k->tag == V_ASN1_UTF8STRING &&
			    (chars = utf8_chars(v, len)) < 0)
				return false;
			if ((k->min > 0 && chars < k->min) ||
			    (k->max > 0 && chars > k->max))
				return false;
			e[m].k = i;
			e[m].v = r->subject[j].value;
			e[m++].len = len;
		}
	}
	*n = m;
	return true;
}

/* Name (RFC 5280 4.1.2.4) of e[0..n): a SEQUENCE of RDNs, each a SET of
 * one AttributeTypeAndValue, as i2d_X509_NAME() writes it. */
static void
put_subject(const struct issue_cache *c, struct buf *b,
    const struct subj_ent *e, size_t n, bool *bad)
{
	size_t atv[REQ_SUBJECT_MAX], all = 0, i;

	for (i = 0; i < n; i++) {
		atv[i] = c->kind[e[i].k].oidlen + der_tl_size(e[i].len) +
		    e[i].len;
		all += der_tl_size(der_tl_size(atv[i]) + atv[i]) +
		    der_tl_size(atv[i]) + atv[i];
	}
	put_hdr(b, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, all, bad);
	for (i = 0; i < n; i++) {
		put_hdr(b, V_ASN1_SET | V_ASN1_CONSTRUCTED,
		    der_tl_size(atv[i]) + atv[i], bad);
		put_hdr(b, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, atv[i], bad);
		put(b, c->kind[e[i].k].oid, c->kind[e[i].k].oidlen, bad);
		put_hdr(b, (uint8_t)c->kind[e[i].k].tag, e[i].len, bad);
		put(b, e[i].v, e[i].len, bad);
	}
}

/*
 * What X509_NAME_oneline(name, out, size) writes for e[0..n) (OpenSSL 3.0,
 * crypto/x509/x509_obj.c): "/SN=value" per entry, the value's octets
 * below ' ' or above '~' as \xHH, '/' and '+' after a '\'; an entry that
 * does not fit whole, and those after it, are left out.  size > 0.
 */
static void
subject_oneline(const struct issue_cache *c, const struct subj_ent *e,
    size_t n, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t l = 0, need, sl, i, j;
	uint8_t ch;
	char *p;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		sl = strlen(c->kind[e[i].k].sn);
		need = 2 + sl;
		for (j = 0; j < e[i].len; j++) {
			ch = (uint8_t)e[i].v[j];
			need += ch < ' ' || ch > '~' ? 4 :
			    ch == '/' || ch == '+' ? 2 : 1;
		}
		if (need > size - 1 - l)
			break;
		p = out + l;
		*p++ = '/';
		memcpy(p, c->kind[e[i].k].sn, sl);
		p += sl;
		*p++ = '=';
		for (j = 0; j < e[i].len; j++) {
			ch = (uint8_t)e[i].v[j];
			if (ch < ' ' || ch > '~') {
				*p++ = '\\';
				*p++ = 'x';
				*p++ = hex[ch >> 4];
				*p++ = hex[ch & 15];
				continue;
			}
			if (ch == '/' || ch == '+')
				*p++ = '\\';
			*p++ = (char)ch;
		}
		*p = '\0';
		l += need;
	}
}

/* The subjectPublicKey bits of SubjectPublicKeyInfo DER (RFC 5280
 * 4.1.2.7): the BIT STRING's contents after its unused-bits octet, which
 * must be 0; false if spki is not that. */
static bool
spki_bits(const uint8_t *spki, size_t len, const uint8_t **bits,
    size_t *nbits)
{
	const uint8_t *p = spki, *end = spki + len, *v, *alg;
	size_t vlen, alen;

	if (!der_take(&p, end, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &v,
	    &vlen) || p != end)
		return false;
	p = v;
	end = v + vlen;
	if (!der_take(&p, end, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &alg,
	    &alen) || !der_take(&p, end, V_ASN1_BIT_STRING, &v, &vlen) ||
	    p != end || vlen < 1 || v[0] != 0)
		return false;
	*bits = v + 1;
	*nbits = vlen - 1;
	return true;
}

/* RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
static int
ski_of(struct tmpl *t, const uint8_t *bits, size_t n, uint8_t ski[SKI_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;

	if (EVP_DigestInit_ex2(t->mdctx, t->sha1, NULL) != 1 ||
	    EVP_DigestUpdate(t->mdctx, bits, n) != 1 ||
	    EVP_DigestFinal_ex(t->mdctx, md, &mdlen) != 1 || mdlen != SKI_LEN)
		return -1;
	memcpy(ski, md, SKI_LEN);
	return 0;
}

/*
 * Append the SubjectPublicKeyInfo of plan->pub: plan->spki as it is, or
 * as issue_set_pubkey() makes it; with ski, put the key's identifier
 * there.  -1 if the key cannot be encoded (OpenSSL's error queue).
 */
static int
put_spki(struct tmpl *t, struct buf *b, const struct issue_plan *plan,
    uint8_t *ski, bool *bad)
{
	X509_PUBKEY *xpk;
	const unsigned char *pk;
	const uint8_t *bits;
	EVP_PKEY *tmp = NULL, *pub;
	size_t nbits;
	int pklen, rc = -1;

	if (plan->spki != NULL && spki_bits(plan->spki, plan->spki_len,
	    &bits, &nbits)) {
		if (ski != NULL && ski_of(t, bits, nbits, ski) != 0)
			return -1;
		put(b, plan->spki, plan->spki_len, bad);
		return 0;
	}
	if ((xpk = X509_PUBKEY_new()) == NULL)
		fe_fatal("out of memory");
	if ((pub = plan_key(plan, &tmp)) == NULL ||
	    (pubkey_set_own(xpk, pub) != 1 && X509_PUBKEY_set(&xpk, pub) !=
	    1))
		goto out;
	if (ski != NULL && (X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL,
	    xpk) != 1 || ski_of(t, pk, (size_t)pklen, ski) != 0))
		goto out;
	PUT_I2D(b, i2d_X509_PUBKEY, xpk, bad);
	rc = 0;
out:
	X509_PUBKEY_free(xpk);
	EVP_PKEY_free(tmp);
	return rc;
}

/* subjectKeyIdentifier (RFC 5280 4.2.1.2) as ext_ski() encodes it. */
static void
put_ski(struct buf *b, const uint8_t ski[SKI_LEN], bool *bad)
{
	/* SEQUENCE { OID 2.5.29.14, OCTET STRING { OCTET STRING } } */
	put(b, "\x30\x1d\x06\x03\x55\x1d\x0e\x04\x16\x04\x14", 11, bad);
	put(b, ski, SKI_LEN, bad);
}

/* subjectAltName (RFC 5280 4.2.1.6) as ext_san() encodes it: its
 * dNSNames, iPAddresses, then rfc822Names, with implicit tags. */
static void
put_san(struct buf *b, const struct ext_names *nm, bool critical,
    bool *bad)
{
	size_t gn = 0, os, i;

	for (i = 0; i < nm->ndns; i++)
		gn += der_tl_size(strlen(nm->dns[i])) + strlen(nm->dns[i]);
	for (i = 0; i < nm->nip; i++)
		gn += der_tl_size(nm->iplen[i]) + nm->iplen[i];
	for (i = 0; i < nm->nemail; i++)
		gn += der_tl_size(strlen(nm->email[i])) +
		    strlen(nm->email[i]);
	os = der_tl_size(gn) + gn;
	put_hdr(b, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, 5 +
	    (critical ? 3 : 0) + der_tl_size(os) + os, bad);
	put(b, "\x06\x03\x55\x1d\x11", 5, bad);       /* 2.5.29.17 */
	if (critical)
		put(b, "\x01\x01\xff", 3, bad);
	put_hdr(b, V_ASN1_OCTET_STRING, os, bad);
	put_hdr(b, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, gn, bad);
	for (i = 0; i < nm->ndns; i++) {
		put_hdr(b, 0x82, strlen(nm->dns[i]), bad);
		put(b, nm->dns[i], strlen(nm->dns[i]), bad);
	}
	for (i = 0; i < nm->nip; i++) {
		put_hdr(b, 0x87, nm->iplen[i], bad);
		put(b, nm->ip[i], nm->iplen[i], bad);
	}
	for (i = 0; i < nm->nemail; i++) {
		put_hdr(b, 0x81, strlen(nm->email[i]), bad);
		put(b, nm->email[i], strlen(nm->email[i]), bad);
	}
}

/* Sign the TBSCertificate (tag and length hdr, then body) with t's key;
 * the Certificate in *der (fe_malloc), *derlen. */
static int
tmpl_sign(struct tmpl *t, const uint8_t *hdr, size_t hlen,
    const struct buf *body, uint8_t **der, size_t *derlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	uint8_t stack[SIG_STACK], *sig, *p;
	size_t siglen = t->sigmax, tbslen = hlen + body->len, len;
	int rc = -1;

	sig = t->sigmax <= sizeof(stack) ? stack : fe_malloc(t->sigmax);
	if (EVP_DigestInit_ex2(t->mdctx, t->md, NULL) != 1 ||
	    EVP_DigestUpdate(t->mdctx, hdr, hlen) != 1 ||
	    EVP_DigestUpdate(t->mdctx, body->p, body->len) != 1 ||
	    EVP_DigestFinal_ex(t->mdctx, md, &mdlen) != 1 ||
	    EVP_PKEY_sign(t->sign, sig, &siglen, md, mdlen) != 1)
		goto out;
	/* Certificate: tbsCertificate, signatureAlgorithm, signatureValue
	 * (a BIT STRING with no unused bits). */
	len = tbslen + t->algid.len + der_tl_size(siglen + 1) + siglen + 1;
	p = *der = fe_malloc(der_tl_size(len) + len);
	p += der_put_tl(p, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, len);
	memcpy(p, hdr, hlen);
	p += hlen;
	if (body->len > 0)
		memcpy(p, body->p, body->len);
	p += body->len;
	memcpy(p, t->algid.p, t->algid.len);
	p += t->algid.len;
	p += der_put_tl(p, V_ASN1_BIT_STRING, siglen + 1);
	*p++ = 0;
	memcpy(p, sig, siglen);
	*derlen = der_tl_size(len) + len;
	rc = 0;
out:
	OPENSSL_cleanse(md, sizeof(md));
	if (sig != stack)
		free(sig);
	return rc;
}

/* The certificate through issue_build(), for keys the template does not
 * take. */
static int
der_by_x509(const struct profile *p, const struct issuer *iss,
    const struct sign_request *r, const struct issue_plan *plan,
    const uint8_t *serial, size_t serial_len, uint8_t **der, size_t *derlen,
    char *subject, size_t subject_size, struct fe_err *err)
{
	X509 *x = NULL;
	unsigned char *d = NULL;
	int n, rc;

	if ((rc = issue_build(p, iss, r, plan, serial, serial_len, &x,
	    err)) != 0)
		return rc;
	if ((n = i2d_X509(x, &d)) <= 0)
		fe_fatal("i2d_X509 failed");
	*der = fe_malloc((size_t)n);
	memcpy(*der, d, (size_t)n);
	*derlen = (size_t)n;
	OPENSSL_free(d);
	if (subject != NULL)
		X509_NAME_oneline(X509_get_subject_name(x), subject,
		    (int)subject_size);
	X509_free(x);
	return 0;
}

int
issue_der(struct issue_cache *c, const struct profile *p,
    const struct issuer *iss, const struct sign_request *r,
    const struct issue_plan *plan, const uint8_t *serial, size_t serial_len,
    uint8_t **der, size_t *derlen, char *subject, size_t subject_size,
    struct fe_err *err)
{
	struct tmpl *t;
	struct buf *body = &c->body, *exts = &c->exts;
	struct subj_ent se[REQ_SUBJECT_MAX];
	X509_NAME *subj = NULL;
	uint8_t ski[SKI_LEN], hdr[DER_TL_MAX];
	size_t nse = 0;
	bool bad = false, hand, empty;
	int rc;

	if (iss->key == NULL)
		return fe_err_code(err, FE_EPOLICY, "issuer %s is locked",
		    iss->label);
	t = tmpl_get(c, p, iss, plan_rsa(plan));
	if (!t->ok)
		return der_by_x509(p, iss, r, plan, serial, serial_len, der,
		    derlen, subject, subject_size, err);
	buf_reset(body);
	buf_reset(exts);
	put(body, "\xa0\x03\x02\x01\x02", 5, &bad);       /* v3 */
	if ((rc = put_serial(body, serial, serial_len, &bad, err)) != 0)
		goto out;
	put(body, t->algid.p, t->algid.len, &bad);
	put(body, t->issuer_name.p, t->issuer_name.len, &bad);
	/* Validity: its two times go through exts, then into body. */
	if (put_time(exts, plan->not_before, &bad) != 0 ||
	    put_time(exts, plan->not_after, &bad) != 0) {
		rc = fe_err_ssl(err, "cannot set validity");
		goto out;
	}
	put_hdr(body, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, exts->len, &bad);
	put(body, exts->p, exts->len, &bad);
	buf_reset(exts);
	hand = subject_size <= INT_MAX && subject_plan(c, r, se, &nse);
	if (hand) {
		put_subject(c, body, se, nse, &bad);
		empty = nse == 0;
	} else {
		if ((rc = subject_build(r, &subj, err)) != 0)
			goto out;
		PUT_I2D(body, i2d_X509_NAME, subj, &bad);
		empty = X509_NAME_entry_count(subj) == 0;
	}
	if (put_spki(t, body, plan, p->ski ? ski : NULL, &bad) != 0) {
		rc = fe_err_ssl(err, "request %s: cannot build certificate",
		    r->id);
		goto out;
	}

	put(exts, t->pre.p, t->pre.len, &bad);
	if (r->nnames > 0)
		put_san(exts, &plan->names, empty, &bad);
	if (p->crl_dp && plan->crl_url != NULL) {
		if (strcmp(t->cdp_url, plan->crl_url) != 0 ||
		    t->cdp_var.len == 0) {
			buf_reset(&t->cdp_var);
			t->cdp_url[0] = '\0';
			if (put_ext_take(&t->cdp_var, ext_crl_dp(plan->crl_url,
			    err), &bad) != 0) {
				rc = FE_ECRYPTO;
				goto out;
			}
			if (strlen(plan->crl_url) < sizeof(t->cdp_url))
				fe_snprintf(t->cdp_url, sizeof(t->cdp_url),
				    "%s", plan->crl_url);
		}
		put(exts, t->cdp_var.p, t->cdp_var.len, &bad);
	} else {
		put(exts, t->cdp.p, t->cdp.len, &bad);
	}
	put(exts, t->post.p, t->post.len, &bad);
	if (p->ski)
		put_ski(exts, ski, &bad);
	put(exts, t->tail.p, t->tail.len, &bad);
	if (exts->len > 0) {            /* [3] EXPLICIT Extensions */
		put_hdr(body, 0xa3, der_tl_size(exts->len) + exts->len, &bad);
		put_hdr(body, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, exts->len,
		    &bad);
		put(body, exts->p, exts->len, &bad);
	}
	if (bad) {
		rc = fe_err_ssl(err, "request %s: cannot build certificate",
		    r->id);
		goto out;
	}
	if (tmpl_sign(t, hdr, der_put_tl(hdr, V_ASN1_SEQUENCE |
	    V_ASN1_CONSTRUCTED, body->len), body, der, derlen) != 0) {
		rc = fe_err_ssl(err, "request %s: signing with %s failed",
		    r->id, iss->label);
		goto out;
	}
	if (subject != NULL && hand) {
		if (subject_size > 0)
			subject_oneline(c, se, nse, subject, subject_size);
	} else if (subject != NULL) {
		X509_NAME_oneline(subj, subject, (int)subject_size);
	}
	rc = 0;
out:
	X509_NAME_free(subj);
	return rc;
}

int
issue_ca_cert(EVP_PKEY *subject_key, const struct ca_spec *spec,
    X509 *issuer_cert, EVP_PKEY *issuer_key, X509 **out, struct fe_err *err)
{
	X509 *x = X509_new();
	uint8_t serial[SERIAL_MAX];
	size_t slen;
	unsigned ku = (1u << KUB_KEY_CERT_SIGN) | (1u << KUB_CRL_SIGN) |
	    (1u << KUB_DIGITAL_SIGNATURE);
	int rc = FE_ECRYPTO;

	if (x == NULL)
		fe_fatal("out of memory");
	serial_random(serial, &slen);
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    set_serial(x, serial, slen, err) != 0 ||
	    X509_set_subject_name(x, spec->subject) != 1 ||
	    X509_set_issuer_name(x, issuer_cert ?
	    X509_get_subject_name(issuer_cert) : spec->subject) != 1 ||
	    set_validity(x, spec->not_before, spec->not_after, err) != 0 ||
	    X509_set_pubkey(x, subject_key) != 1) {
		fe_err_ssl(err, "cannot build CA certificate");
		goto out;
	}
	if (ext_add_take(x, ext_basic_constraints(true, spec->path_length,
	    err), err) != 0 ||
	    ext_add_take(x, ext_key_usage(ku, err), err) != 0)
		goto out;
	if (spec->eku != 0 && ext_add_take(x, ext_ext_key_usage(spec->eku,
	    false, err), err) != 0)
		goto out;
	if (spec->npolicies > 0 && ext_add_take(x, ext_policies(
	    spec->policies, spec->npolicies, err), err) != 0)
		goto out;
	if (ext_add_take(x, ext_ski(X509_get_X509_PUBKEY(x), err), err) != 0)
		goto out;
	if (issuer_cert != NULL) {
		if (ext_add_take(x, ext_aki(
		    X509_get0_subject_key_id(issuer_cert), err), err) != 0)
			goto out;
		if (spec->crl_url != NULL && ext_add_take(x,
		    ext_crl_dp(spec->crl_url, err), err) != 0)
			goto out;
		if (spec->issuer_url != NULL && ext_add_take(x,
		    ext_aia(NULL, spec->issuer_url, err), err) != 0)
			goto out;
	}
	if (X509_sign(x, issuer_key, issue_md(issuer_key)) <= 0) {
		fe_err_ssl(err, "cannot sign CA certificate");
		goto out;
	}
	*out = x;
	return 0;
out:
	X509_free(x);
	return rc;
}
