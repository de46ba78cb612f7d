/*
 * ceremony.c - `fe ceremony FILE -o DIR`: the key ceremony (POLICY.md K1-K3).
 *
 * Reads a ceremony file that says who instructed the ceremony and when, who
 * the custodians are and how many of them unlock the keys, and what root
 * and sub-roots to make.  Makes the keys, the root certificate (self-signed)
 * and the sub-root certificates (signed by the root), encrypts every private
 * key under a fresh random key-encryption key, splits that key M-of-N among
 * the custodians, and writes a hash-chained transcript: the instruction, the
 * custodians present, the fingerprint of every key and certificate, the
 * share identifiers (never their contents) and the software version.
 *
 * Trusts the ceremony file as the instruction it is, but checks every field.
 * Refuses to write into a directory that already holds anything, so that a
 * CA can never be overwritten by a second ceremony.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cli.h"
#include "lib/buf.h"
#include "lib/chainlog.h"
#include "lib/file.h"
#include "lib/conf.h"
#include "lib/seam.h"
#include "lib/version.h"
#include "pki/crl.h"
#include "pki/custody.h"
#include "pki/issue.h"
#include "pki/profile.h"

#define CA_MAX 16

static const char *const alg_names[] = { "rsa-4096", "rsa-3072", "ec-p384",
	"ec-p256" };

struct ca {
	char label[PROFILE_NAME_MAX];
	char sec[64];
	int alg;
	X509_NAME *subject;
	uint64_t days;
	unsigned eku;
	char policies[PROFILE_OIDS_MAX][64];
	size_t npolicies;
	char crl_url[URL_MAX];        /* where this CA's CRL will be */
	char ocsp_url[URL_MAX];
	char cert_url[URL_MAX];       /* where this CA's certificate is */
	uint64_t crl_partition_size;  /* docs/crl.md; 0: not partitioned */
	EVP_PKEY *key;
	X509 *cert;
};

struct ceremony {
	const char *instructed_by;
	const char *instructed_on;
	const char *place;
	const char *witnesses;
	char **custodians;
	size_t ncust;
	unsigned threshold;
	struct ca ca[CA_MAX];
	size_t nca;
};

static int
get_url(struct conf *c, const char *sec, const char *key, bool required,
    char out[URL_MAX], struct fe_err *err)
{
	const char *v = conf_str(c, sec, key);

	out[0] = '\0';
	if (v == NULL) {
		if (required)
			return fe_err_set(err, "%s: [%s] %s is required",
			    conf_name(c), sec, key);
		return 0;
	}
	if (strncmp(v, "http://", 7) != 0 || strlen(v) < 8 ||
	    fe_snprintf_ok(out, URL_MAX, "%s", v) != 0)
		return fe_err_set(err, "%s: [%s] %s = '%.80s': must be an "
		    "http:// URL (BR 7.1.2.11.2, RFC 5280 4.2.1.13)",
		    conf_name(c), sec, key, v);
	return 0;
}

static int
read_ca(struct conf *c, const char *sec, const char *label, bool root,
    struct ca *ca, struct fe_err *err)
{
	const char *v;
	char **items;
	size_t n, i, j;
	unsigned bits;
	ASN1_OBJECT *o;

	memset(ca, 0, sizeof(*ca));
	if (fe_snprintf_ok(ca->label, sizeof(ca->label), "%s", label) != 0 ||
	    fe_snprintf_ok(ca->sec, sizeof(ca->sec), "%s", sec) != 0)
		return fe_err_set(err, "%s: [%s]: label too long", conf_name(c),
		    sec);
	for (i = 0; label[i] != '\0'; i++)
		if (!((label[i] >= 'a' && label[i] <= 'z') ||
		    (label[i] >= '0' && label[i] <= '9') || label[i] == '-'))
			return fe_err_set(err, "%s: [%s]: a CA label is "
			    "[a-z0-9-]", conf_name(c), sec);
	if (conf_enum(c, sec, "algorithm", alg_names, 4, -1, &ca->alg,
	    err) != 0)
		return FE_EINVAL;
	if (conf_req_str(c, sec, "subject", &v, err) != 0)
		return FE_EINVAL;
	if ((ca->subject = dn_parse(v, err)) == NULL) {
		fe_err_prefix(err, "%s: [%s] subject", conf_name(c), sec);
		return FE_EINVAL;
	}
	if (X509_NAME_get_index_by_NID(ca->subject, NID_commonName, -1) < 0 ||
	    X509_NAME_get_index_by_NID(ca->subject, NID_organizationName,
	    -1) < 0 ||
	    X509_NAME_get_index_by_NID(ca->subject, NID_countryName, -1) < 0)
		return fe_err_set(err, "%s: [%s] subject: BR 7.1.2.10.2: a CA "
		    "subject needs C, O and CN", conf_name(c), sec);
	if (conf_uint(c, sec, "days", 1, 25 * 366, 0, &ca->days, err) != 0)
		return FE_EINVAL;
	if (ca->days == 0)
		return fe_err_set(err, "%s: [%s] days is required",
		    conf_name(c), sec);
	if (get_url(c, sec, "crl_url", !root, ca->crl_url, err) != 0 ||
	    get_url(c, sec, "ocsp_url", false, ca->ocsp_url, err) != 0 ||
	    get_url(c, sec, "cert_url", !root, ca->cert_url, err) != 0)
		return FE_EINVAL;
	if (!root) {
		char url[URL_MAX];
		if (conf_uint(c, sec, "crl_partition_size", 0,
		    CRL_PARTITION_MAX, 0, &ca->crl_partition_size, err) != 0)
			return FE_EINVAL;
		if (ca->crl_partition_size > 0 &&
		    crl_part_url(ca->crl_url, CRL_PARTS_MAX, url, err) != 0) {
			fe_err_prefix(err, "%s: [%s] crl_partition_size",
			    conf_name(c), sec);
			return FE_EINVAL;
		}
	}
	if (root) {
		/* The root's CRL URL goes into the sub-roots. */
		if (get_url(c, sec, "crl_url", true, ca->crl_url, err) != 0)
			return FE_EINVAL;
		return 0;
	}
	if (conf_list(c, sec, "ext_key_usage", &items, &n, err) != 0)
		return FE_EINVAL;
	bits = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < EKU__MAX; j++)
			if (strcmp(items[i], eku_names[j]) == 0)
				break;
		if (j == EKU__MAX) {
			fe_err_set(err, "%s: [%s] ext_key_usage: '%s' is not a "
			    "known usage", conf_name(c), sec, items[i]);
			conf_list_free(items, n);
			return FE_EINVAL;
		}
		bits |= 1u << j;
	}
	conf_list_free(items, n);
	if (bits == 0)
		return fe_err_set(err, "%s: [%s] ext_key_usage is required: "
		    "root programs want purpose-dedicated sub-CAs",
		    conf_name(c), sec);
	if ((bits & (1u << EKU_SERVER_AUTH)) &&
	    (bits & ~((1u << EKU_SERVER_AUTH) | (1u << EKU_OCSP_SIGNING))))
		return fe_err_set(err, "%s: [%s] ext_key_usage: a TLS sub-CA "
		    "carries serverAuth only (Chrome Root Program policy on "
		    "dedicated TLS hierarchies)", conf_name(c), sec);
	ca->eku = bits;
	if (conf_list(c, sec, "policies", &items, &n, err) != 0)
		return FE_EINVAL;
	if (n == 0 || n > PROFILE_OIDS_MAX) {
		conf_list_free(items, n);
		return fe_err_set(err, "%s: [%s] policies: name 1 to %d policy "
		    "OIDs (BR 7.1.2.10.5)", conf_name(c), sec,
		    PROFILE_OIDS_MAX);
	}
	for (i = 0; i < n; i++) {
		o = OBJ_txt2obj(items[i], 1);
		if (o == NULL || fe_snprintf_ok(ca->policies[i], 64, "%s",
		    items[i]) != 0) {
			ASN1_OBJECT_free(o);
			fe_err_set(err, "%s: [%s] policies: '%s' is not a "
			    "dotted OID", conf_name(c), sec, items[i]);
			conf_list_free(items, n);
			return FE_EINVAL;
		}
		ASN1_OBJECT_free(o);
	}
	ca->npolicies = n;
	conf_list_free(items, n);
	return 0;
}

static int
read_ceremony(struct conf *c, struct ceremony *cer, struct fe_err *err)
{
	uint64_t m;
	size_t i, j;
	const char *sec;

	if (conf_req_str(c, "ceremony", "instructed_by", &cer->instructed_by,
	    err) != 0 ||
	    conf_req_str(c, "ceremony", "instructed_on", &cer->instructed_on,
	    err) != 0)
		return FE_EINVAL;
	cer->place = conf_str(c, "ceremony", "place");
	cer->witnesses = conf_str(c, "ceremony", "witnesses");
	if (conf_list(c, "ceremony", "custodians", &cer->custodians,
	    &cer->ncust, err) != 0)
		return FE_EINVAL;
	if (cer->ncust < 2 || cer->ncust > SHARES_MAX)
		return fe_err_set(err, "%s: [ceremony] custodians: name 2 to "
		    "%d custodians (POLICY.md K2: no single person may unlock "
		    "a CA key)", conf_name(c), SHARES_MAX);
	for (i = 0; i < cer->ncust; i++)
		for (j = 0; j < i; j++)
			if (strcmp(cer->custodians[i], cer->custodians[j]) == 0)
				return fe_err_set(err, "%s: [ceremony] "
				    "custodian '%s' is named twice",
				    conf_name(c), cer->custodians[i]);
	if (conf_uint(c, "ceremony", "threshold", 2, cer->ncust, 0, &m,
	    err) != 0)
		return FE_EINVAL;
	if (m == 0)
		return fe_err_set(err, "%s: [ceremony] threshold is required "
		    "(2 to %zu)", conf_name(c), cer->ncust);
	cer->threshold = (unsigned)m;
	if (!conf_has_section(c, "root"))
		return fe_err_set(err, "%s: no [root] section", conf_name(c));
	if (read_ca(c, "root", "root", true, &cer->ca[0], err) != 0) {
		X509_NAME_free(cer->ca[0].subject);
		cer->ca[0].subject = NULL;
		return FE_EINVAL;
	}
	cer->nca = 1;
	for (i = 0; i < conf_nsections(c); i++) {
		sec = conf_section(c, i);
		if (strcmp(sec, "ceremony") == 0 || strcmp(sec, "root") == 0)
			continue;
		if (strncmp(sec, "subroot ", 8) != 0)
			return fe_err_set(err, "%s: [%s]: unknown section "
			    "(ceremony, root, subroot LABEL)", conf_name(c),
			    sec);
		if (cer->nca == CA_MAX)
			return fe_err_set(err, "%s: more than %d sub-roots",
			    conf_name(c), CA_MAX - 1);
		if (strcmp(sec + 8, "root") == 0)
			return fe_err_set(err, "%s: [%s]: 'root' is the root's "
			    "label", conf_name(c), sec);
		if (read_ca(c, sec, sec + 8, false, &cer->ca[cer->nca],
		    err) != 0) {
			/* not counted in nca, so not freed with the rest */
			X509_NAME_free(cer->ca[cer->nca].subject);
			cer->ca[cer->nca].subject = NULL;
			return FE_EINVAL;
		}
		cer->nca++;
	}
	if (cer->nca < 2)
		return fe_err_set(err, "%s: no [subroot LABEL] section: "
		    "certificates are issued by sub-roots, never by the root "
		    "(POLICY.md K3)", conf_name(c));
	for (i = 1; i < cer->nca; i++)
		if (cer->ca[i].days > cer->ca[0].days)
			return fe_err_set(err, "%s: [%s] days: a sub-root may "
			    "not outlive the root (%llu days)", conf_name(c),
			    cer->ca[i].sec,
			    (unsigned long long)cer->ca[0].days);
	return conf_check_unused(c, err);
}

static EVP_PKEY *
genkey(int alg, struct fe_err *err)
{
	EVP_PKEY *k = NULL;

	switch (alg) {
	case 0:
		k = EVP_RSA_gen(4096);
		break;
	case 1:
		k = EVP_RSA_gen(3072);
		break;
	case 2:
		k = EVP_EC_gen("P-384");
		break;
	case 3:
		k = EVP_EC_gen("P-256");
		break;
	default:
		break;
	}
	if (k == NULL)
		fe_err_ssl(err, "key generation (%s) failed", alg_names[alg]);
	return k;
}

static int
mkdir_p(const char *path, mode_t mode, struct fe_err *err)
{
	if (mkdir(path, mode) != 0 && errno != EEXIST)
		return fe_err_sys(err, "%s: cannot create directory", path);
	return 0;
}

static int
dir_empty_or_absent(const char *path, struct fe_err *err)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return fe_err_sys(err, "%s", path);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			closedir(d);
			return fe_err_code(err, FE_EEXIST, "%s is not empty: a "
			    "ceremony never writes over an existing CA", path);
		}
	}
	closedir(d);
	return 0;
}

/* Write bytes to path (new file, given mode), fsync. */
static int
write_new(const char *path, const void *p, size_t len, mode_t mode,
    struct fe_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	const uint8_t *q = p;
	ssize_t w;

	if (fd < 0)
		return fe_err_sys(err, "%s: cannot create", path);
	while (len > 0) {
		w = write(fd, q, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return fe_err_sys(err, "%s: cannot write", path);
		}
		q += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		close(fd);
		return fe_err_sys(err, "%s: cannot sync", path);
	}
	close(fd);
	return 0;
}

static int
write_cert(const char *path, X509 *x, struct fe_err *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	int rc;

	if (b == NULL || PEM_write_bio_X509(b, x) != 1)
		fe_fatal("PEM_write_bio_X509");
	n = BIO_get_mem_data(b, &p);
	rc = write_new(path, p, (size_t)n, 0644, err);
	BIO_free(b);
	return rc;
}

static void
spki_sha256(EVP_PKEY *k, char out[65])
{
	unsigned char *der = NULL, md[32];
	int n = i2d_PUBKEY(k, &der);

	if (n <= 0 || EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(),
	    NULL) != 1)
		fe_fatal("SPKI digest");
	OPENSSL_free(der);
	hex_encode(md, 32, out);
}

static int
logf_(struct clog *l, const char *type, struct fe_err *err, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
logf_(struct clog *l, const char *type, struct fe_err *err, const char *fmt,
    ...)
{
	char msg[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return fe_err_set(err, "transcript record too long");
	return clog_append(l, type, msg, (size_t)n, err);
}

static int
file_sha256(const char *path, char out[65], struct fe_err *err)
{
	uint8_t *p, md[32];
	size_t len;

	if (fe_read_file(path, CONF_MAX_BYTES, &p, &len, err) != 0)
		return FE_EIO;
	if (EVP_Digest(p, len, md, NULL, EVP_sha256(), NULL) != 1)
		fe_fatal("SHA-256");
	free(p);
	hex_encode(md, 32, out);
	return 0;
}

static int
run(const char *file, const char *dir, struct fe_err *err)
{
	struct conf *c = NULL;
	struct ceremony cer;
	struct share shares[SHARES_MAX];
	struct custody cust;
	uint8_t kek[KEK_LEN], ceremony_id[CEREMONY_ID_LEN];
	char path[1024], hx[65], idhex[33], fp[65], serial[41], na[FE_TIME_STR];
	struct clog *log = NULL;
	struct buf b, hier;
	struct ca_spec spec;
	int64_t now = fe_now_sec();
	size_t i;
	int rc = FE_EINVAL;

	memset(&cer, 0, sizeof(cer));
	memset(shares, 0, sizeof(shares));
	buf_init(&b, 1 << 20);
	buf_init(&hier, 1 << 20);
	if (conf_load(file, &c, err) != 0 || read_ceremony(c, &cer, err) != 0)
		goto out;
	if (dir_empty_or_absent(dir, err) != 0)
		goto out;
	if (mkdir_p(dir, 0755, err) != 0)
		goto out;
	fe_snprintf(path, sizeof(path), "%s/certs", dir);
	if (mkdir_p(path, 0755, err) != 0)
		goto out;
	fe_snprintf(path, sizeof(path), "%s/private", dir);
	if (mkdir_p(path, 0700, err) != 0)
		goto out;
	fe_snprintf(path, sizeof(path), "%s/shares", dir);
	if (mkdir_p(path, 0700, err) != 0)
		goto out;

	fe_random(ceremony_id, sizeof(ceremony_id));
	hex_encode(ceremony_id, sizeof(ceremony_id), idhex);
	fe_snprintf(path, sizeof(path), "%s/ceremony.log", dir);
	if (clog_open(path, &log, err) != 0)
		goto out;
	if (file_sha256(file, hx, err) != 0)
		goto out;
	if (logf_(log, "ceremony.instruction", err, "instructed_by=%s "
	    "instructed_on=%s ceremony_file=%s sha256=%s", cer.instructed_by,
	    cer.instructed_on, file, hx) != 0)
		goto out;
	(void)buf_printf(&b, "id=%s software=foureyes %s threshold=%u of %zu "
	    "custodians=", idhex, FE_VERSION, cer.threshold, cer.ncust);
	for (i = 0; i < cer.ncust; i++)
		(void)buf_printf(&b, "%s%s", i ? "," : "", cer.custodians[i]);
	if (cer.witnesses)
		(void)buf_printf(&b, " witnesses=%s", cer.witnesses);
	if (cer.place)
		(void)buf_printf(&b, " place=%s", cer.place);
	if (clog_append(log, "ceremony.start", b.p, b.len, err) != 0)
		goto out;

	/* Keys and certificates: the root first, then each sub-root. */
	for (i = 0; i < cer.nca; i++) {
		struct ca *ca = &cer.ca[i];
		if ((ca->key = genkey(ca->alg, err)) == NULL)
			goto out;
		spki_sha256(ca->key, hx);
		if (logf_(log, "key.generated", err, "label=%s algorithm=%s "
		    "spki_sha256=%s", ca->label, alg_names[ca->alg], hx) != 0)
			goto out;
		memset(&spec, 0, sizeof(spec));
		spec.subject = ca->subject;
		spec.not_before = now;
		spec.not_after = now + (int64_t)ca->days * 86400 - 1;
		if (i == 0) {
			spec.path_length = -1;
			rc = issue_ca_cert(ca->key, &spec, NULL, ca->key,
			    &ca->cert, err);
		} else {
			spec.path_length = 0;
			spec.eku = ca->eku;
			spec.policies = (const char (*)[64])ca->policies;
			spec.npolicies = ca->npolicies;
			spec.crl_url = cer.ca[0].crl_url;
			spec.issuer_url = cer.ca[0].cert_url[0] ?
			    cer.ca[0].cert_url : NULL;
			rc = issue_ca_cert(ca->key, &spec, cer.ca[0].cert,
			    cer.ca[0].key, &ca->cert, err);
		}
		if (rc != 0)
			goto out;
		rc = FE_EINVAL;
		cert_fingerprint(ca->cert, fp);
		{
			const ASN1_INTEGER *ai = X509_get0_serialNumber(ca->cert);
			BIGNUM *bn = ASN1_INTEGER_to_BN(ai, NULL);
			char *h = bn ? BN_bn2hex(bn) : NULL;
			fe_snprintf(serial, sizeof(serial), "%s", h ? h : "?");
			OPENSSL_free(h);
			BN_free(bn);
		}
		(void)fe_time_format_sec(spec.not_after, na);
		X509_NAME_oneline(ca->subject, path, sizeof(path));
		if (logf_(log, "cert.made", err, "label=%s serial=%s "
		    "sha256=%s not_after=%s subject=%s", ca->label, serial, fp,
		    na, path) != 0)
			goto out;
		fe_snprintf(path, sizeof(path), "%s/certs/%s.pem", dir,
		    ca->label);
		if (write_cert(path, ca->cert, err) != 0)
			goto out;
	}

	/* Key-encryption key, shares, encrypted keys. */
	fe_random(kek, sizeof(kek));
	if ((rc = custody_split(kek, ceremony_id, cer.threshold,
	    (unsigned)cer.ncust, (const char *const *)cer.custodians, shares,
	    &cust, err)) != 0)
		goto wipe;
	rc = FE_EINVAL;
	for (i = 0; i < cer.nca; i++) {
		fe_snprintf(path, sizeof(path), "%s/private/%s.fek", dir,
		    cer.ca[i].label);
		if (keyfile_seal(kek, ceremony_id, cer.ca[i].label,
		    cer.ca[i].key, path, err) != 0)
			goto wipe;
	}
	OPENSSL_cleanse(kek, sizeof(kek));
	fe_snprintf(path, sizeof(path), "%s/custody", dir);
	if (custody_write(path, &cust, err) != 0)
		goto wipe;
	for (i = 0; i < cer.ncust; i++) {
		char sid[17];
		buf_reset(&b);
		if (share_format(&shares[i], &b) != 0) {
			fe_err_set(err, "cannot format share %zu", i + 1);
			goto wipe;
		}
		fe_snprintf(path, sizeof(path), "%s/shares/share-%u.txt", dir,
		    (unsigned)shares[i].nr);
		rc = write_new(path, b.p, b.len, 0600, err);
		OPENSSL_cleanse(b.p, b.len);
		if (rc != 0)
			goto wipe;
		rc = FE_EINVAL;
		hex_encode(cust.share[i].commit, 8, sid);
		if (logf_(log, "share.made", err, "share=%u of %zu custodian=%s "
		    "id=%s", (unsigned)shares[i].nr, cer.ncust,
		    shares[i].custodian, sid) != 0)
			goto wipe;
	}

	/* hierarchy.ini: what fe-signer needs to know about each CA. */
	(void)buf_printf(&hier, "# Written by the ceremony %s; do not edit.\n"
	    "[root]\ncert = certs/root.pem\nkey = private/root.fek\n"
	    "crl_url = %s\n", idhex, cer.ca[0].crl_url);
	if (cer.ca[0].cert_url[0])
		(void)buf_printf(&hier, "issuer_url = %s\n",
		    cer.ca[0].cert_url);
	for (i = 1; i < cer.nca; i++) {
		struct ca *ca = &cer.ca[i];
		(void)buf_printf(&hier, "\n[subroot %s]\ncert = certs/%s.pem\n"
		    "key = private/%s.fek\ncrl_url = %s\nissuer_url = %s\n",
		    ca->label, ca->label, ca->label, ca->crl_url, ca->cert_url);
		if (ca->ocsp_url[0])
			(void)buf_printf(&hier, "ocsp_url = %s\n", ca->ocsp_url);
		if (ca->crl_partition_size > 0)
			(void)buf_printf(&hier, "crl_partition_size = %llu\n",
			    (unsigned long long)ca->crl_partition_size);
	}
	fe_snprintf(path, sizeof(path), "%s/hierarchy.ini", dir);
	if (write_new(path, hier.p, hier.len, 0644, err) != 0)
		goto wipe;
	/* The link key (docs/link-protocol.md section 3): installed on the
	 * signer and on the online host; only its identifier is logged. */
	{
		uint8_t lk[32], lid[32];
		char lkhex[66], lidhex[17];
		fe_random(lk, sizeof(lk));
		hex_encode(lk, sizeof(lk), lkhex);
		lkhex[64] = '\n';
		lkhex[65] = '\0';
		if (EVP_Digest(lk, sizeof(lk), lid, NULL, EVP_sha256(),
		    NULL) != 1)
			fe_fatal("SHA-256");
		OPENSSL_cleanse(lk, sizeof(lk));
		hex_encode(lid, 8, lidhex);
		fe_snprintf(path, sizeof(path), "%s/link.key", dir);
		rc = write_new(path, lkhex, 65, 0600, err);
		OPENSSL_cleanse(lkhex, sizeof(lkhex));
		if (rc != 0)
			goto wipe;
		rc = FE_EINVAL;
		if (logf_(log, "link.key", err, "id=%s file=link.key", lidhex)
		    != 0)
			goto wipe;
	}
	if (logf_(log, "ceremony.end", err, "id=%s cas=%zu shares=%zu",
	    idhex, cer.nca, cer.ncust) != 0)
		goto wipe;

	{
		uint8_t head[32];
		clog_head(log, head);
		hex_encode(head, 32, hx);
	}
	printf("Ceremony %s complete.\n\n", idhex);
	printf("  instructed by  %s (%s)\n", cer.instructed_by,
	    cer.instructed_on);
	printf("  custodians     %zu, any %u unlock the keys\n", cer.ncust,
	    cer.threshold);
	for (i = 0; i < cer.nca; i++) {
		cert_fingerprint(cer.ca[i].cert, fp);
		printf("  %-14s %s  %s/certs/%s.pem\n", cer.ca[i].label,
		    alg_names[cer.ca[i].alg], dir, cer.ca[i].label);
		printf("  %-14s sha256 %s\n", "", fp);
	}
	printf("\n  transcript     %s/ceremony.log (%llu records)\n", dir,
	    (unsigned long long)clog_seq(log));
	printf("  transcript head %s\n", hx);
	printf("    (write this down and sign it: `fe log verify "
	    "%s/ceremony.log --head %s`\n     proves later that the "
	    "transcript is complete and unchanged)\n", dir, hx);
	printf("\n  link key       %s/link.key (install on the signer and the "
	    "online host, mode 0600)\n", dir);
	printf("\n  shares         %s/shares/share-N.txt\n", dir);
	printf("    Print each share, hand it to its custodian, then destroy "
	    "the files:\n    shred -u %s/shares/*\n", dir);
	rc = 0;
	goto out;
wipe:
	OPENSSL_cleanse(kek, sizeof(kek));
out:
	for (i = 0; i < SHARES_MAX; i++)
		share_wipe(&shares[i]);
	for (i = 0; i < cer.nca; i++) {
		EVP_PKEY_free(cer.ca[i].key);
		X509_free(cer.ca[i].cert);
		X509_NAME_free(cer.ca[i].subject);
	}
	conf_list_free(cer.custodians, cer.ncust);
	clog_close(log);
	conf_free(c);
	buf_free(&b);
	buf_free(&hier);
	return rc;
}

int
cmd_ceremony(int argc, char **argv)
{
	struct fe_err err;
	const char *file = NULL, *dir = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (file == NULL && argv[i][0] != '-')
			file = argv[i];
		else {
			fprintf(stderr, "usage: fe ceremony CEREMONY.ini -o "
			    "DIR\n");
			return 2;
		}
	}
	if (file == NULL || dir == NULL) {
		fprintf(stderr, "usage: fe ceremony CEREMONY.ini -o DIR\n");
		return 2;
	}
	if (run(file, dir, &err) != 0) {
		cli_error("ceremony: %s", err.msg);
		return 1;
	}
	return 0;
}
