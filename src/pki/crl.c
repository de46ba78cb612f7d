/*
 * crl.c - build and sign CRLv2 for an issuer.
 *
 * Trusts its caller (the engine) for the list of entries and the CRL
 * number; enforces only the encoding rules: v2, AKI, cRLNumber, reasonCode
 * for every reason but unspecified, entries sorted by serial, and for a part
 * of a partitioned CRL the issuingDistributionPoint naming that part.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "pki/crl.h"

static const char *const reason_names[CRL_REASON__MAX] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", NULL,
	"removeFromCRL", "privilegeWithdrawn", "aACompromise",
};

const char *
crl_reason_name(int reason)
{
	if (reason < 0 || reason >= CRL_REASON__MAX)
		return NULL;
	return reason_names[reason];
}

int
crl_reason_parse(const char *s)
{
	int i;
	char *end;
	long v;

	for (i = 0; i < CRL_REASON__MAX; i++)
		if (reason_names[i] != NULL && strcasecmp(s, reason_names[i]) == 0)
			return i;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v >= CRL_REASON__MAX ||
	    reason_names[v] == NULL)
		return -1;
	return (int)v;
}

int
crl_reason_allowed(int reason, bool ca_cert, struct fe_err *err)
{
	switch (reason) {
	case CRL_UNSPECIFIED:
	case CRL_KEY_COMPROMISE:
	case CRL_AFFILIATION_CHANGED:
	case CRL_SUPERSEDED:
	case CRL_CESSATION_OF_OPERATION:
	case CRL_PRIVILEGE_WITHDRAWN:
		return 0;
	case CRL_CA_COMPROMISE:
		if (ca_cert)
			return 0;
		return fe_err_code(err, FE_EPOLICY, "RFC 5280 5.3.1: "
		    "cACompromise is for CA certificates only");
	case CRL_CERTIFICATE_HOLD:
		return fe_err_code(err, FE_EPOLICY, "BR 4.9.13: "
		    "certificateHold is not allowed (no suspension)");
	case CRL_REMOVE_FROM_CRL:
		return fe_err_code(err, FE_EPOLICY, "RFC 5280 5.3.1: "
		    "removeFromCRL is only for delta CRLs, which this CA does "
		    "not issue");
	case CRL_AA_COMPROMISE:
		return fe_err_code(err, FE_EPOLICY, "RFC 5280 5.3.1: "
		    "aACompromise is for attribute certificates only");
	default:
		return fe_err_set(err, "%d is not an RFC 5280 reason code",
		    reason);
	}
}

int
crl_part_url(const char *base, uint32_t part, char out[URL_MAX],
    struct fe_err *err)
{
	size_t n = strlen(base);

	if (part == 0 || part > CRL_PARTS_MAX)
		return fe_err_set(err, "CRL part %u is not 1 to %d", part,
		    CRL_PARTS_MAX);
	if (n <= 4 || strcmp(base + n - 4, ".crl") != 0)
		return fe_err_set(err, "CRL URL '%.80s' does not end in "
		    "'.crl': a partitioned CRL's parts are named by replacing "
		    "it with '/N.crl'", base);
	if (fe_snprintf_ok(out, URL_MAX, "%.*s/%u.crl", (int)(n - 4), base,
	    part) != 0)
		return fe_err_set(err, "CRL URL '%.80s': part %u's URL is "
		    "longer than %d bytes", base, part, URL_MAX - 1);
	return 0;
}

static int
add_entry(X509_CRL *crl, const struct crl_entry *e, struct fe_err *err)
{
	X509_REVOKED *rv = X509_REVOKED_new();
	BIGNUM *bn = BN_bin2bn(e->serial, (int)e->serial_len, NULL);
	ASN1_INTEGER *ai = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)e->revoked_at);
	ASN1_ENUMERATED *re = NULL;
	int rc = FE_ECRYPTO;

	if (rv == NULL || ai == NULL || t == NULL ||
	    X509_REVOKED_set_serialNumber(rv, ai) != 1 ||
	    X509_REVOKED_set_revocationDate(rv, t) != 1) {
		fe_err_ssl(err, "CRL entry");
		goto out;
	}
	if (e->reason != CRL_UNSPECIFIED) {
		re = ASN1_ENUMERATED_new();
		if (re == NULL || ASN1_ENUMERATED_set(re, e->reason) != 1 ||
		    X509_REVOKED_add1_ext_i2d(rv, NID_crl_reason, re, 0,
		    0) != 1) {
			fe_err_ssl(err, "CRL entry reasonCode");
			goto out;
		}
	}
	if (X509_CRL_add0_revoked(crl, rv) != 1) {
		fe_err_ssl(err, "CRL entry");
		goto out;
	}
	rv = NULL;
	rc = 0;
out:
	X509_REVOKED_free(rv);
	ASN1_ENUMERATED_free(re);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return rc;
}

int
crl_build(const struct issuer *iss, uint64_t number, int64_t this_update,
    int64_t next_update, const struct crl_entry *entries, size_t n,
    const struct crl_scope *scope, X509_CRL **out, struct fe_err *err)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *tu = ASN1_TIME_set(NULL, (time_t)this_update);
	ASN1_TIME *nu = ASN1_TIME_set(NULL, (time_t)next_update);
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	AUTHORITY_KEYID *aki = AUTHORITY_KEYID_new();
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(iss->cert);
	size_t i;
	int rc = FE_ECRYPTO;

	if (crl == NULL || tu == NULL || nu == NULL || num == NULL ||
	    aki == NULL)
		fe_fatal("out of memory");
	if (iss->key == NULL) {
		rc = fe_err_code(err, FE_EPOLICY, "issuer %s is locked",
		    iss->label);
		goto out;
	}
	if (ski == NULL) {
		rc = fe_err_set(err, "issuer %s has no subjectKeyIdentifier",
		    iss->label);
		goto out;
	}
	aki->keyid = ASN1_OCTET_STRING_dup(ski);
	if (aki->keyid == NULL ||
	    ASN1_INTEGER_set_uint64(num, number) != 1 ||
	    X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(iss->cert)) != 1 ||
	    X509_CRL_set1_lastUpdate(crl, tu) != 1 ||
	    X509_CRL_set1_nextUpdate(crl, nu) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, aki, 0,
	    0) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1) {
		fe_err_ssl(err, "cannot build CRL for %s", iss->label);
		goto out;
	}
	if (scope != NULL) {
		X509_EXTENSION *ext = ext_idp(scope->url, scope->only_user,
		    err);
		if (ext == NULL)
			goto out;
		if (X509_CRL_add_ext(crl, ext, -1) != 1) {
			X509_EXTENSION_free(ext);
			fe_err_ssl(err, "cannot add issuingDistributionPoint "
			    "to the CRL for %s", iss->label);
			goto out;
		}
		X509_EXTENSION_free(ext);
	}
	for (i = 0; i < n; i++)
		if ((rc = add_entry(crl, &entries[i], err)) != 0)
			goto out;
	rc = FE_ECRYPTO;
	if (X509_CRL_sort(crl) != 1 ||
	    X509_CRL_sign(crl, iss->key, issue_md(iss->key)) <= 0) {
		fe_err_ssl(err, "cannot sign CRL for %s", iss->label);
		goto out;
	}
	*out = crl;
	crl = NULL;
	rc = 0;
out:
	X509_CRL_free(crl);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	ASN1_INTEGER_free(num);
	AUTHORITY_KEYID_free(aki);
	return rc;
}
