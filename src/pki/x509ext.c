/*
 * x509ext.c - typed builders for certificate extensions.
 *
 * OpenSSL's X509V3_EXT_conf parses a configuration mini-language for every
 * call; issuance is on the signer's hot path and its input must never reach
 * a string parser, so each extension is built here from ASN.1 objects and
 * encoded once with X509V3_EXT_i2d.
 */
#include <string.h>
#include <time.h>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "pki/profile.h"
#include "pki/x509ext.h"

static X509_EXTENSION *
encode(int nid, bool critical, void *obj, struct fe_err *err)
{
	X509_EXTENSION *e = X509V3_EXT_i2d(nid, critical ? 1 : 0, obj);

	if (e == NULL)
		fe_err_ssl(err, "cannot encode extension %s", OBJ_nid2sn(nid));
	return e;
}

X509_EXTENSION *
ext_basic_constraints(bool ca, int path_length, struct fe_err *err)
{
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
	X509_EXTENSION *e = NULL;

	if (bc == NULL)
		fe_fatal("out of memory");
	bc->ca = ca ? 0xff : 0;
	if (ca && path_length >= 0) {
		bc->pathlen = ASN1_INTEGER_new();
		if (bc->pathlen == NULL ||
		    ASN1_INTEGER_set(bc->pathlen, path_length) != 1) {
			fe_err_ssl(err, "basicConstraints pathLen");
			goto out;
		}
	}
	e = encode(NID_basic_constraints, true, bc, err);
out:
	BASIC_CONSTRAINTS_free(bc);
	return e;
}

X509_EXTENSION *
ext_key_usage(unsigned bits, struct fe_err *err)
{
	ASN1_BIT_STRING *bs = ASN1_BIT_STRING_new();
	X509_EXTENSION *e = NULL;
	int i;

	if (bs == NULL)
		fe_fatal("out of memory");
	for (i = 0; i < KUB__MAX; i++) {
		if ((bits & (1u << i)) &&
		    ASN1_BIT_STRING_set_bit(bs, i, 1) != 1) {
			fe_err_ssl(err, "keyUsage bit %d", i);
			goto out;
		}
	}
	e = encode(NID_key_usage, true, bs, err);
out:
	ASN1_BIT_STRING_free(bs);
	return e;
}

X509_EXTENSION *
ext_ext_key_usage(unsigned eku_bits, bool critical, struct fe_err *err)
{
	static const int nids[EKU__MAX] = {
		NID_server_auth, NID_client_auth, NID_code_sign,
		NID_email_protect, NID_time_stamp, NID_OCSP_sign,
	};
	EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
	X509_EXTENSION *e = NULL;
	int i;

	if (eku == NULL)
		fe_fatal("out of memory");
	for (i = 0; i < EKU__MAX; i++) {
		if ((eku_bits & (1u << i)) &&
		    sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(nids[i])) <= 0)
			fe_fatal("out of memory");
	}
	e = encode(NID_ext_key_usage, critical, eku, err);
	/* OBJ_nid2obj returns static objects: free the stack only. */
	sk_ASN1_OBJECT_free(eku);
	return e;
}

X509_EXTENSION *
ext_policies(const char (*oids)[64], size_t n, struct fe_err *err)
{
	CERTIFICATEPOLICIES *cp = sk_POLICYINFO_new_null();
	X509_EXTENSION *e = NULL;
	POLICYINFO *pi;
	size_t i;

	if (cp == NULL)
		fe_fatal("out of memory");
	for (i = 0; i < n; i++) {
		pi = POLICYINFO_new();
		if (pi == NULL)
			fe_fatal("out of memory");
		ASN1_OBJECT_free(pi->policyid);
		pi->policyid = OBJ_txt2obj(oids[i], 1);
		if (pi->policyid == NULL) {
			POLICYINFO_free(pi);
			fe_err_ssl(err, "policy OID '%s'", oids[i]);
			goto out;
		}
		if (sk_POLICYINFO_push(cp, pi) <= 0)
			fe_fatal("out of memory");
	}
	e = encode(NID_certificate_policies, false, cp, err);
out:
	sk_POLICYINFO_pop_free(cp, POLICYINFO_free);
	return e;
}

static int
push_name(GENERAL_NAMES *gens, int type, const uint8_t *p, size_t len)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_STRING *s;

	if (g == NULL)
		fe_fatal("out of memory");
	s = type == GEN_IPADD ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
	if (s == NULL || ASN1_STRING_set(s, p, (int)len) != 1)
		fe_fatal("out of memory");
	GENERAL_NAME_set0_value(g, type, s);
	if (sk_GENERAL_NAME_push(gens, g) <= 0)
		fe_fatal("out of memory");
	return 0;
}

X509_EXTENSION *
ext_san(const struct ext_names *nm, bool critical, struct fe_err *err)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	X509_EXTENSION *e;
	size_t i;

	if (gens == NULL)
		fe_fatal("out of memory");
	for (i = 0; i < nm->ndns; i++)
		push_name(gens, GEN_DNS, (const uint8_t *)nm->dns[i],
		    strlen(nm->dns[i]));
	for (i = 0; i < nm->nip; i++)
		push_name(gens, GEN_IPADD, nm->ip[i], nm->iplen[i]);
	for (i = 0; i < nm->nemail; i++)
		push_name(gens, GEN_EMAIL, (const uint8_t *)nm->email[i],
		    strlen(nm->email[i]));
	e = encode(NID_subject_alt_name, critical, gens, err);
	GENERAL_NAMES_free(gens);
	return e;
}

static GENERAL_NAME *
uri_name(const char *url)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();

	if (g == NULL || s == NULL ||
	    ASN1_STRING_set(s, url, (int)strlen(url)) != 1)
		fe_fatal("out of memory");
	GENERAL_NAME_set0_value(g, GEN_URI, s);
	return g;
}

X509_EXTENSION *
ext_crl_dp(const char *url, struct fe_err *err)
{
	CRL_DIST_POINTS *cdp = sk_DIST_POINT_new_null();
	DIST_POINT *dp = DIST_POINT_new();
	X509_EXTENSION *e;

	if (cdp == NULL || dp == NULL)
		fe_fatal("out of memory");
	dp->distpoint = DIST_POINT_NAME_new();
	if (dp->distpoint == NULL)
		fe_fatal("out of memory");
	dp->distpoint->type = 0;
	dp->distpoint->name.fullname = sk_GENERAL_NAME_new_null();
	if (dp->distpoint->name.fullname == NULL ||
	    sk_GENERAL_NAME_push(dp->distpoint->name.fullname,
	    uri_name(url)) <= 0 || sk_DIST_POINT_push(cdp, dp) <= 0)
		fe_fatal("out of memory");
	e = encode(NID_crl_distribution_points, false, cdp, err);
	sk_DIST_POINT_pop_free(cdp, DIST_POINT_free);
	return e;
}

X509_EXTENSION *
ext_idp(const char *url, bool only_user, struct fe_err *err)
{
	ISSUING_DIST_POINT *idp = ISSUING_DIST_POINT_new();
	X509_EXTENSION *e;

	if (idp == NULL || (idp->distpoint = DIST_POINT_NAME_new()) == NULL)
		fe_fatal("out of memory");
	idp->distpoint->type = 0;
	idp->distpoint->name.fullname = sk_GENERAL_NAME_new_null();
	if (idp->distpoint->name.fullname == NULL ||
	    sk_GENERAL_NAME_push(idp->distpoint->name.fullname,
	    uri_name(url)) <= 0)
		fe_fatal("out of memory");
	/* DER: a BOOLEAN TRUE is 0xff, and OpenSSL writes the int as is */
	idp->onlyuser = only_user ? 0xff : 0;
	e = encode(NID_issuing_distribution_point, true, idp, err);
	ISSUING_DIST_POINT_free(idp);
	return e;
}

X509_EXTENSION *
ext_aia(const char *ocsp_url, const char *ca_issuers_url, struct fe_err *err)
{
	AUTHORITY_INFO_ACCESS *aia = sk_ACCESS_DESCRIPTION_new_null();
	ACCESS_DESCRIPTION *ad;
	X509_EXTENSION *e;

	if (aia == NULL)
		fe_fatal("out of memory");
	if (ocsp_url != NULL && *ocsp_url != '\0') {
		if ((ad = ACCESS_DESCRIPTION_new()) == NULL)
			fe_fatal("out of memory");
		ASN1_OBJECT_free(ad->method);
		ad->method = OBJ_nid2obj(NID_ad_OCSP);
		GENERAL_NAME_free(ad->location);
		ad->location = uri_name(ocsp_url);
		if (sk_ACCESS_DESCRIPTION_push(aia, ad) <= 0)
			fe_fatal("out of memory");
	}
	if (ca_issuers_url != NULL && *ca_issuers_url != '\0') {
		if ((ad = ACCESS_DESCRIPTION_new()) == NULL)
			fe_fatal("out of memory");
		ASN1_OBJECT_free(ad->method);
		ad->method = OBJ_nid2obj(NID_ad_ca_issuers);
		GENERAL_NAME_free(ad->location);
		ad->location = uri_name(ca_issuers_url);
		if (sk_ACCESS_DESCRIPTION_push(aia, ad) <= 0)
			fe_fatal("out of memory");
	}
	e = encode(NID_info_access, false, aia, err);
	sk_ACCESS_DESCRIPTION_pop_free(aia, ACCESS_DESCRIPTION_free);
	return e;
}

X509_EXTENSION *
ext_ski(X509_PUBKEY *pub, struct fe_err *err)
{
	const unsigned char *pk;
	int pklen;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	ASN1_OCTET_STRING *os;
	X509_EXTENSION *e;

	/* RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
	if (X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, pub) != 1 ||
	    EVP_Digest(pk, (size_t)pklen, md, &mdlen, EVP_sha1(), NULL) != 1) {
		fe_err_ssl(err, "subjectKeyIdentifier");
		return NULL;
	}
	if ((os = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(os, md, (int)mdlen) != 1)
		fe_fatal("out of memory");
	e = encode(NID_subject_key_identifier, false, os, err);
	ASN1_OCTET_STRING_free(os);
	return e;
}

X509_EXTENSION *
ext_aki(const ASN1_OCTET_STRING *issuer_ski, struct fe_err *err)
{
	AUTHORITY_KEYID *aki = AUTHORITY_KEYID_new();
	X509_EXTENSION *e;

	if (aki == NULL)
		fe_fatal("out of memory");
	if (issuer_ski == NULL) {
		AUTHORITY_KEYID_free(aki);
		fe_err_set(err, "the issuer has no subjectKeyIdentifier");
		return NULL;
	}
	aki->keyid = ASN1_OCTET_STRING_dup(issuer_ski);
	if (aki->keyid == NULL)
		fe_fatal("out of memory");
	e = encode(NID_authority_key_identifier, false, aki, err);
	AUTHORITY_KEYID_free(aki);
	return e;
}

X509_EXTENSION *
ext_ocsp_nocheck(struct fe_err *err)
{
	ASN1_NULL *n = ASN1_NULL_new();
	X509_EXTENSION *e;

	if (n == NULL)
		fe_fatal("out of memory");
	e = encode(NID_id_pkix_OCSP_noCheck, false, n, err);
	ASN1_NULL_free(n);
	return e;
}

int
ext_add_take(X509 *x, X509_EXTENSION *ext, struct fe_err *err)
{
	int ok;

	if (ext == NULL)
		return FE_ECRYPTO;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (ok != 1)
		return fe_err_ssl(err, "cannot add extension");
	return 0;
}

X509_NAME *
dn_parse(const char *s, struct fe_err *err)
{
	static const struct {
		const char *name;
		int nid;
	} attrs[] = {
		{ "C", NID_countryName }, { "ST", NID_stateOrProvinceName },
		{ "L", NID_localityName }, { "O", NID_organizationName },
		{ "OU", NID_organizationalUnitName }, { "CN", NID_commonName },
		{ "serialNumber", NID_serialNumber },
	};
	X509_NAME *name = X509_NAME_new();
	const char *p = s, *comma, *eq, *a, *b;
	char key[16], val[129];
	size_t i, klen, vlen;
	int nid;

	if (name == NULL)
		fe_fatal("out of memory");
	while (*p != '\0') {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		eq = memchr(p, '=', (size_t)(comma - p));
		if (eq == NULL)
			goto bad;
		for (a = p; *a == ' '; a++)
			;
		klen = (size_t)(eq - a);
		while (klen > 0 && a[klen - 1] == ' ')
			klen--;
		for (b = eq + 1; *b == ' '; b++)
			;
		vlen = (size_t)(comma - b);
		while (vlen > 0 && b[vlen - 1] == ' ')
			vlen--;
		if (klen == 0 || klen >= sizeof(key) || vlen == 0 ||
		    vlen >= sizeof(val))
			goto bad;
		memcpy(key, a, klen);
		key[klen] = '\0';
		memcpy(val, b, vlen);
		val[vlen] = '\0';
		nid = NID_undef;
		for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
			if (strcmp(attrs[i].name, key) == 0)
				nid = attrs[i].nid;
		if (nid == NID_undef) {
			fe_err_set(err, "distinguished name '%s': unknown "
			    "attribute '%s' (C, ST, L, O, OU, CN, "
			    "serialNumber)", s, key);
			X509_NAME_free(name);
			return NULL;
		}
		if (nid == NID_countryName && (vlen != 2 || val[0] < 'A' ||
		    val[0] > 'Z' || val[1] < 'A' || val[1] > 'Z')) {
			fe_err_set(err, "distinguished name '%s': C must be "
			    "two upper-case letters (ISO 3166-1)", s);
			X509_NAME_free(name);
			return NULL;
		}
		if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
		    (const unsigned char *)val, -1, -1, 0) != 1) {
			fe_err_ssl(err, "distinguished name '%s': value of %s",
			    s, key);
			X509_NAME_free(name);
			return NULL;
		}
		p = *comma ? comma + 1 : comma;
	}
	if (X509_NAME_entry_count(name) == 0)
		goto bad;
	return name;
bad:
	fe_err_set(err, "distinguished name '%s': expected ATTR=value, "
	    "separated by commas", s);
	X509_NAME_free(name);
	return NULL;
}

int
asn1_time_secs(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}
