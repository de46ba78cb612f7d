/*
 * engine.c - requests to certificates, revocations and CRLs, with the
 * signer's own checks, store and hash-chained request log.
 *
 * Trusts: its configuration and the CA directory written by the ceremony.
 * Does not trust: request bytes (parsed and checked again here), the online
 * host's idea of time (the signer's own clock is used; POLICY.md K4).
 *
 * Order of a batch: parse and check every request, sign what may be signed,
 * append every outcome to the request log (an issuance with its
 * certificate) and start the disk on it, insert every outcome into the
 * store's open transaction, fdatasync the log once, and only then hand
 * results back.  The store commits without waiting for the disk, every
 * STORE_FLIGHTS batches while batches follow each other and as soon as the
 * engine is idle or asked for anything else (settle()).  A crash before
 * the log sync loses nothing that was handed out; after it the log holds
 * every certificate, and the next start stores again any the store lost
 * (recover()).  A store or log failure while the open transaction holds
 * batches already answered rolls them back: the engine then refuses
 * everything until it is started again and recover() stores them.
 *
 * Batches overlap (engine_sign_start): the store, log and syncs of one
 * batch run in a thread of their own ("the durable half") while the next
 * batch is parsed, checked and signed.  The checks do not read the store:
 * the engine keeps every stored serial (with its issuer) and request id
 * as 64-bit keyed hashes (lib/keyset.h), loaded at open and added to as
 * requests are decided, so the batch in flight is counted too, and every
 * issuer's count of certificates in CRL parts.  A hash that is not there
 * is final: a new id, an unused serial.  One that is there may be a
 * collision: a serial is drawn again; an id waits for the batch in flight
 * to be stored and is then answered from the store, or decided afresh if
 * the store does not have it.  The engine is the store's only writer (it
 * holds the request log's lock), so what it keeps cannot go stale.
 */
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "lib/buf.h"
#include "lib/digest.h"
#include "lib/chainlog.h"
#include "lib/conf.h"
#include "lib/keyset.h"
#include "lib/seam.h"
#include "lib/version.h"
#include "pki/crl.h"
#include "pki/request.h"
#include "signer/engine.h"
#include "store/signerdb.h"

#define PATH_MAX_FE 1024
/*
 * The durable half's thread asks for this nice value, so that it runs as
 * soon as its disk answers instead of waiting for the signing thread's time
 * slice to end (which held each batch's answers back by a millisecond or
 * more, and kept the signing thread waiting for the batch before).  It
 * needs CAP_SYS_NICE or RLIMIT_NICE of at least 30 (systemd LimitNICE=-10);
 * without either it runs at the process's own and STATUS says 0.
 */
#define DURABLE_NICE (-10)
#define SERIAL_POOL 64
/*
 * Batches whose outcomes one store transaction holds while batches follow
 * each other.  A commit writes every page its transaction changed to the
 * WAL, and serials are random, so each batch of 64 changes about 50 pages
 * of the serial index however few certificates it adds: committing every
 * fourth batch writes those pages once instead of four times (3 % of the
 * engine's time on one core, P-256, bench/issue.c; eight did no better).
 */
#define STORE_FLIGHTS 4

struct flight;
static int flight_land(struct engine *e);
static int settle(struct engine *e, struct fe_err *err);
static void flight_free(struct flight *fl);

struct engine {
	char base[PATH_MAX_FE];         /* directory of signer.ini */
	char ca_dir[PATH_MAX_FE];
	struct profiles profiles;
	struct issuer iss[ENGINE_ISSUERS_MAX];
	char keyfile[ENGINE_ISSUERS_MAX][PATH_MAX_FE];
	size_t niss;
	bool unlocked;
	uint64_t crl_hours;
	uint64_t root_crl_days;
	struct signerdb *db;
	struct clog *log;
	struct keyset ids;              /* request ids stored or deciding */
	struct keyset sers;             /* (issuer, serial) likewise */
	int64_t parts[ENGINE_ISSUERS_MAX];  /* certificates given a CRL part */
	struct flight *fl;              /* batch in its durable half, or NULL */
	struct flight *spare;           /* the last one landed, for reuse */
	/* The durable half's thread, started with the first batch; it takes
	 * fl_todo and signals when the flight is done. */
	bool dthread;
	pthread_t dthread_id;
	pthread_mutex_t dmu;
	pthread_cond_t dcv;
	struct flight *fl_todo;
	bool dquit;
	atomic_int dnice;               /* the nice it runs at */
	int landed_rc;                  /* of the last flight landed */
	uint64_t batches;               /* started since engine_open */
	uint64_t overlapped;            /* of them, checked while another
	                                   was in flight */
	struct engine_link link;
	struct issue_cache *tmpl;       /* certificate templates (issue.h) */
	/* Batches in the store's open transaction (0: none open), and why
	 * the store lost batches already answered (empty: it did not).  The
	 * durable half owns both while a flight is in the air. */
	unsigned store_open;
	char store_lost[FE_ERR_MAX];    /* written once, before lost */
	atomic_bool lost;
	uint8_t pool[SERIAL_POOL][SERIAL_MAX];   /* see next_serial() */
	size_t pool_used;
};

/*
 * A fresh serial number (serial_random()'s), from octets drawn from the
 * CSPRNG SERIAL_POOL serials at a time: OpenSSL's DRBG makes a system call
 * per draw (getpid, its fork check), which costs 2 us on a virtual machine
 * -- more than the rest of the draw.  Each serial's octets are wiped from
 * the pool when taken.  The signer does not fork; nothing else draws from
 * the pool.
 */
static void
next_serial(struct engine *e, uint8_t out[SERIAL_MAX], size_t *len)
{
	bool ok;

	do {
		if (e->pool_used >= SERIAL_POOL) {
			fe_random(&e->pool[0][0], sizeof(e->pool));
			e->pool_used = 0;
		}
		ok = serial_from(e->pool[e->pool_used], out);
		OPENSSL_cleanse(e->pool[e->pool_used], SERIAL_MAX);
		e->pool_used++;
	} while (!ok);
	*len = SERIAL_MAX;
}

static int
resolve(const char *base, const char *p, char out[PATH_MAX_FE],
    struct fe_err *err)
{
	if (fe_snprintf_ok(out, PATH_MAX_FE, "%s%s%s", p[0] == '/' ? "" : base,
	    p[0] == '/' ? "" : "/", p) != 0)
		return fe_err_set(err, "path '%s' is too long", p);
	return 0;
}

const struct engine_link *
engine_link_config(const struct engine *e)
{
	return &e->link;
}

static int
load_link(struct engine *e, struct conf *c, struct fe_err *err)
{
	const char *v;

	if ((v = conf_str(c, "link", "device")) != NULL &&
	    resolve(e->base, v, e->link.device, err) != 0)
		return FE_EINVAL;
	if ((v = conf_str(c, "link", "key")) != NULL &&
	    resolve(e->base, v, e->link.key, err) != 0)
		return FE_EINVAL;
	if (conf_uint(c, "link", "baud", 1200, 4000000, 115200, &e->link.baud,
	    err) != 0 ||
	    conf_bool(c, "link", "rtscts", false, &e->link.rtscts, err) != 0 ||
	    conf_uint(c, "link", "window", 1, 32, 8, &e->link.window,
	    err) != 0 ||
	    conf_uint(c, "link", "frame_payload", 16, 1024, 1024,
	    &e->link.frame_payload, err) != 0)
		return FE_EINVAL;
	return 0;
}

static X509 *
load_cert(const char *path, struct fe_err *err)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (f == NULL) {
		fe_err_sys(err, "%s: cannot open certificate", path);
		return NULL;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		fe_err_ssl(err, "%s: not a PEM certificate", path);
	return x;
}

static int
copy_url(struct conf *c, const char *sec, const char *key, char *dst,
    struct fe_err *err)
{
	const char *v = conf_str(c, sec, key);

	dst[0] = '\0';
	if (v == NULL)
		return 0;
	if (strncmp(v, "http://", 7) != 0 ||
	    fe_snprintf_ok(dst, URL_MAX, "%s", v) != 0)
		return fe_err_set(err, "%s: [%s] %s = '%.80s': must be an "
		    "http:// URL of at most %d bytes (BR 7.1.2.11.2: CRL and "
		    "OCSP URLs use plain HTTP)", conf_name(c), sec, key, v,
		    URL_MAX - 1);
	return 0;
}

/*
 * crl_partition_size (docs/crl.md): certificates per CRL part, so that no
 * part lists more than that many entries however many are revoked.  Only
 * for sub-roots: the root's CRL lists only sub-roots.
 */
static int
crl_partitioning(struct conf *h, const char *sec, struct issuer *is,
    struct fe_err *err)
{
	char url[URL_MAX];

	if (conf_uint(h, sec, "crl_partition_size", 0, CRL_PARTITION_MAX, 0,
	    &is->crl_partition_size, err) != 0)
		return FE_EINVAL;
	if (is->crl_partition_size == 0)
		return 0;
	if (strcmp(sec, "root") == 0)
		return fe_err_set(err, "%s: [root] crl_partition_size = %llu: "
		    "only a sub-root's CRL is partitioned (the root's lists "
		    "only sub-roots)", conf_name(h),
		    (unsigned long long)is->crl_partition_size);
	if (is->crl_url[0] == '\0')
		return fe_err_set(err, "%s: [%s] crl_partition_size needs a "
		    "crl_url", conf_name(h), sec);
	if (crl_part_url(is->crl_url, CRL_PARTS_MAX, url, err) != 0) {
		fe_err_prefix(err, "%s: [%s] crl_partition_size", conf_name(h),
		    sec);
		return FE_EINVAL;
	}
	return 0;
}

static int
add_issuer(struct engine *e, struct conf *h, const char *sec,
    const char *label, struct fe_err *err)
{
	struct issuer *is;
	const char *cert, *key;
	char path[PATH_MAX_FE];

	if (e->niss == ENGINE_ISSUERS_MAX)
		return fe_err_set(err, "more than %d CAs in the hierarchy",
		    ENGINE_ISSUERS_MAX);
	is = &e->iss[e->niss];
	if (fe_snprintf_ok(is->label, sizeof(is->label), "%s", label) != 0)
		return fe_err_set(err, "CA label '%s' is too long", label);
	if (conf_req_str(h, sec, "cert", &cert, err) != 0 ||
	    conf_req_str(h, sec, "key", &key, err) != 0 ||
	    resolve(e->ca_dir, cert, path, err) != 0 ||
	    resolve(e->ca_dir, key, e->keyfile[e->niss], err) != 0)
		return FE_EINVAL;
	if ((is->cert = load_cert(path, err)) == NULL)
		return FE_EINVAL;
	e->niss++;
	if (copy_url(h, sec, "crl_url", is->crl_url, err) != 0 ||
	    copy_url(h, sec, "ocsp_url", is->ocsp_url, err) != 0 ||
	    copy_url(h, sec, "issuer_url", is->issuer_url, err) != 0)
		return FE_EINVAL;
	return crl_partitioning(h, sec, is, err);
}

static int
load_hierarchy(struct engine *e, struct fe_err *err)
{
	char path[PATH_MAX_FE];
	struct conf *h = NULL;
	size_t i;
	const char *sec;
	int rc = FE_EINVAL;

	if (resolve(e->ca_dir, "hierarchy.ini", path, err) != 0 ||
	    conf_load(path, &h, err) != 0)
		return FE_EINVAL;
	if (!conf_has_section(h, "root")) {
		fe_err_set(err, "%s: no [root] section", path);
		goto out;
	}
	if (add_issuer(e, h, "root", "root", err) != 0)
		goto out;
	for (i = 0; i < conf_nsections(h); i++) {
		sec = conf_section(h, i);
		if (strncmp(sec, "subroot ", 8) == 0 &&
		    add_issuer(e, h, sec, sec + 8, err) != 0)
			goto out;
	}
	if (conf_check_unused(h, err) != 0)
		goto out;
	rc = 0;
out:
	conf_free(h);
	return rc;
}

/* Put the hierarchy's own certificates into the store so that the root's
 * CRL can revoke sub-roots and serials are unique across everything. */
static int
register_hierarchy(struct engine *e, struct fe_err *err)
{
	size_t i;
	char serial[2 * SERIAL_MAX + 1], fp[65], subj[512];
	uint8_t sbuf[SERIAL_MAX];
	const ASN1_INTEGER *ai;
	BIGNUM *bn;
	unsigned char *der = NULL;
	int derlen, n;
	struct tm tb, ta;

	for (i = 0; i < e->niss; i++) {
		X509 *x = e->iss[i].cert;
		ai = X509_get0_serialNumber(x);
		bn = ASN1_INTEGER_to_BN(ai, NULL);
		n = bn ? BN_bn2bin(bn, sbuf) : -1;
		BN_free(bn);
		if (n <= 0 || n > SERIAL_MAX)
			return fe_err_set(err, "CA %s: bad serial",
			    e->iss[i].label);
		serial_hex(sbuf, (size_t)n, serial);
		cert_fingerprint(x, fp);
		X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
		if (ASN1_TIME_to_tm(X509_get0_notBefore(x), &tb) != 1 ||
		    ASN1_TIME_to_tm(X509_get0_notAfter(x), &ta) != 1)
			return fe_err_ssl(err, "CA %s: validity",
			    e->iss[i].label);
		derlen = i2d_X509(x, &der);
		if (derlen <= 0)
			return fe_err_ssl(err, "CA %s: encoding",
			    e->iss[i].label);
		n = signerdb_cert_add(e->db, "root", serial, i == 0 ? "root" :
		    "subroot", timegm(&tb), timegm(&ta), subj, fp, der,
		    (size_t)derlen, 1, err);
		OPENSSL_free(der);
		der = NULL;
		if (n != 0)
			return n;
	}
	return 0;
}

/* Value of "key=" in a space-separated payload, into out. */
static bool
payload_field(const char *p, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	const char *q = p, *end;

	while ((q = strstr(q, key)) != NULL) {
		if ((q == p || q[-1] == ' ') && q[kl] == '=') {
			q += kl + 1;
			end = strchr(q, ' ');
			if (end == NULL)
				end = q + strlen(q);
			if ((size_t)(end - q) >= n)
				return false;
			memcpy(out, q, (size_t)(end - q));
			out[end - q] = '\0';
			return true;
		}
		q += kl;
	}
	return false;
}

struct recover {
	struct engine *e;
	struct buf notes;          /* "type\tpayload" lines to append */
	int rc;
	struct fe_err *err;
};

/* The certificate in an issued record's der=, if it is the one its sha256=
 * names, parsed, and its bytes as logged in *der (fe_malloc), *derlen;
 * NULL if the record has none (written before it carried them) or it does
 * not match. */
static X509 *
record_cert(const char *payload, const char *fp, uint8_t **der,
    size_t *derlen)
{
	const char *q = strstr(payload, " der="), *end;
	unsigned char *raw;
	const unsigned char *c;
	char got[65];
	size_t n;
	int len;
	X509 *x = NULL;

	if (q == NULL)
		return NULL;
	q += 5;
	end = strchr(q, ' ');
	n = end != NULL ? (size_t)(end - q) : strlen(q);
	if (n == 0 || n % 4 != 0 || n > INT_MAX)
		return NULL;
	raw = fe_malloc(n);
	if ((len = EVP_DecodeBlock(raw, (const unsigned char *)q, (int)n)) > 0) {
		len -= (q[n - 1] == '=') + (q[n - 2] == '=');
		c = raw;
		x = d2i_X509(NULL, &c, len);
		if (x != NULL && c != raw + len) {
			X509_free(x);
			x = NULL;
		}
	}
	if (x != NULL) {
		cert_fingerprint(x, got);
		if (strcmp(got, fp) != 0) {
			X509_free(x);
			x = NULL;
		}
	}
	if (x == NULL) {
		free(raw);
		return NULL;
	}
	*der = raw;
	*derlen = (size_t)len;
	return x;
}

/* Store again the certificate of an issued record the store lost: 1 if
 * it was, 0 if the record cannot give it back (the caller voids it), -1
 * on a store error. */
static int
restore(struct recover *rv, const struct clog_rec *r, const char *id,
    const char *issuer, const char *serial)
{
	const char *p = (const char *)r->payload;
	char digest[65], profile[64], fp[65], nbs[FE_TIME_STR], nas[FE_TIME_STR];
	char part[16], subject[512], at[FE_TIME_STR], *endp;
	struct db_outcome o;
	uint8_t *der;
	size_t derlen;
	int64_t nb, na, when;
	unsigned long crl_part;
	X509 *x;
	int rc;

	if (!payload_field(p, "digest", digest, sizeof(digest)) ||
	    !payload_field(p, "profile", profile, sizeof(profile)) ||
	    !payload_field(p, "sha256", fp, sizeof(fp)) ||
	    !payload_field(p, "not_before", nbs, sizeof(nbs)) ||
	    !payload_field(p, "not_after", nas, sizeof(nas)) ||
	    !payload_field(p, "crl_part", part, sizeof(part)) ||
	    fe_time_parse(nbs, &nb) != 0 || fe_time_parse(nas, &na) != 0)
		return 0;
	crl_part = strtoul(part, &endp, 10);
	if (*endp != '\0' || crl_part > UINT32_MAX)
		return 0;
	/* the record's time, "YYYY-MM-DDTHH:MM:SS.ffffffZ", to the second
	 * as clog_append_nosync writes it (now, should it not parse) */
	fe_snprintf(at, sizeof(at), "%.19sZ", r->time);
	if (fe_time_parse(at, &when) != 0)
		when = fe_now_sec();
	/* its request answered otherwise since: never handed out */
	rc = signerdb_request_get(rv->e->db, id, &o, rv->err);
	if (rc == 0) {
		db_outcome_clear(&o);
		return 0;
	}
	if (rc != FE_ENOENT)
		return -1;
	if ((x = record_cert(p, fp, &der, &derlen)) == NULL)
		return 0;
	(void)X509_NAME_oneline(X509_get_subject_name(x), subject,
	    (int)sizeof(subject));
	rc = signerdb_record_issued(rv->e->db, id, digest, profile, issuer,
	    serial, nb, na, subject, fp, der, derlen,
	    (X509_get_extension_flags(x) & EXFLAG_CA) != 0, (uint32_t)crl_part,
	    when, rv->err);
	free(der);
	X509_free(x);
	return rc == 0 ? 1 : -1;
}

static int
recover_cb(const struct clog_rec *r, void *arg)
{
	struct recover *rv = arg;
	char id[REQ_ID_MAX + 1], issuer[64], serial[64], dec[32];
	int rc;

	if (strcmp(r->type, "sign") != 0 ||
	    !payload_field((const char *)r->payload, "decision", dec,
	    sizeof(dec)) || strcmp(dec, "issued") != 0)
		return 0;
	if (!payload_field((const char *)r->payload, "id", id, sizeof(id)) ||
	    !payload_field((const char *)r->payload, "issuer", issuer,
	    sizeof(issuer)) ||
	    !payload_field((const char *)r->payload, "serial", serial,
	    sizeof(serial)))
		return 0;
	rc = signerdb_serial_exists(rv->e->db, issuer, serial, rv->err);
	if (rc == 0)
		rc = restore(rv, r, id, issuer, serial);
	else if (rc > 0)
		return 0;
	if (rc < 0) {
		rv->rc = rc;
		return 1;
	}
	if (rc == 1)
		(void)buf_printf(&rv->notes, "sign.restored\tid=%s issuer=%s "
		    "serial=%s log_seq=%llu reason=issued and logged, then "
		    "lost by the store (a commit the disk had not kept); "
		    "stored again from this log\n", id, issuer, serial,
		    (unsigned long long)r->seq);
	else
		(void)buf_printf(&rv->notes, "sign.void\tid=%s issuer=%s "
		    "serial=%s log_seq=%llu reason=signed and logged but not "
		    "stored before the signer stopped; never handed out\n",
		    id, issuer, serial, (unsigned long long)r->seq);
	return 0;
}

/*
 * The log is synced before the store is committed, and sign batches commit
 * without waiting for the disk, so after a crash the log may hold "issued"
 * records the store does not.  Each such record carries its certificate
 * (log_payload): the certificate is stored again, as it may have been
 * handed out, and a "sign.restored" record says so.  A record that cannot
 * give it back -- written before records carried certificates, or whose
 * request the store has since answered otherwise -- was never handed out,
 * and a "sign.void" record says that.  Refusals are not restored: a
 * retried request is decided again.  Records are checked once: the store
 * remembers up to which one.
 */
static int
recover(struct engine *e, struct fe_err *err)
{
	struct recover rv = { e, { 0 }, 0, err };
	int64_t checked;
	char *line, *nl, *tab;
	int rc;

	buf_init(&rv.notes, 1 << 24);
	if ((rc = signerdb_meta_get(e->db, "log_checked_seq", &checked,
	    err)) != 0)
		goto out;
	if ((uint64_t)checked >= clog_seq(e->log))
		goto out;
	if ((rc = signerdb_begin(e->db, err)) != 0)
		goto out;
	if ((rc = clog_read_file(clog_path(e->log), (uint64_t)checked + 1,
	    recover_cb, &rv, err)) >= 0)
		rc = rv.rc;
	buf_cstr(&rv.notes);
	for (line = (char *)rv.notes.p; rc == 0 && line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		tab = strchr(line, '\t');
		*tab++ = '\0';
		rc = clog_append_nosync(e->log, line, tab, strlen(tab), err);
	}
	/* the notes on disk before the store says they are done */
	if (rc == 0 && rv.notes.len > 0)
		rc = clog_sync(e->log, err);
	if (rc == 0)
		rc = signerdb_meta_set(e->db, "log_checked_seq",
		    (int64_t)clog_seq(e->log), err);
	if (rc == 0)
		rc = signerdb_commit(e->db, err);
	if (rc != 0)
		signerdb_rollback(e->db);
out:
	buf_free(&rv.notes);
	return rc;
}

static void
key_cb(const char *a, const char *b, void *arg)
{
	struct keyset *s = arg;

	keyset_add(s, keyset_hash(s, a, b));
}

/* What the checks of a request read instead of the store (see the top). */
static int
load_keys(struct engine *e, struct fe_err *err)
{
	size_t i;
	int rc;

	if ((rc = signerdb_cert_keys(e->db, key_cb, &e->sers, err)) != 0 ||
	    (rc = signerdb_request_ids(e->db, key_cb, &e->ids, err)) != 0)
		return rc;
	for (i = 0; i < e->niss; i++)
		if ((rc = signerdb_part_count(e->db, e->iss[i].label,
		    &e->parts[i], err)) != 0)
			return rc;
	return 0;
}

int
engine_open(const char *conf_path, struct engine **out, struct fe_err *err)
{
	struct engine *e = fe_calloc(1, sizeof(*e));
	struct conf *c = NULL;
	char *copy, path[PATH_MAX_FE], path_store[PATH_MAX_FE], note[512];
	const char *v;
	size_t i, j;

	/*
	 * Each batch allocates and frees some hundreds of kB (requests,
	 * results, OpenSSL's objects); glibc would give the top of the heap
	 * back after every batch (M_TRIM_THRESHOLD, 128 kB) and fault it in
	 * again with the next: about 5 us per issuance.  The signer is a
	 * process of its own; keeping up to 64 MiB is nothing to it.
	 */
	(void)mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	e->pool_used = SERIAL_POOL;
	keyset_init(&e->ids);
	keyset_init(&e->sers);
	if (pthread_mutex_init(&e->dmu, NULL) != 0 ||
	    pthread_cond_init(&e->dcv, NULL) != 0)
		fe_fatal("pthread_mutex_init");
	e->tmpl = issue_cache_new();
	copy = fe_strdup(conf_path);
	(void)fe_snprintf_ok(e->base, sizeof(e->base), "%s", dirname(copy));
	free(copy);
	if (conf_load(conf_path, &c, err) != 0)
		goto fail;
	if (conf_req_str(c, "signer", "ca_dir", &v, err) != 0 ||
	    resolve(e->base, v, e->ca_dir, err) != 0)
		goto fail;
	if (conf_uint(c, "signer", "crl_hours", 1, 240, 168, &e->crl_hours,
	    err) != 0 ||
	    conf_uint(c, "signer", "root_crl_days", 1, 366, 365,
	    &e->root_crl_days, err) != 0)
		goto fail;
	if (profiles_load(c, &e->profiles, err) != 0)
		goto fail;
	if (load_link(e, c, err) != 0)
		goto fail;
	if (load_hierarchy(e, err) != 0)
		goto fail;
	for (i = 0; i < e->profiles.n; i++)
		for (j = 0; j < e->profiles.p[i].nissuers; j++)
			if (engine_issuer(e, e->profiles.p[i].issuers[j]) ==
			    NULL) {
				fe_err_set(err, "%s: profile %s names issuer "
				    "'%s', which is not in the CA hierarchy",
				    conf_path, e->profiles.p[i].name,
				    e->profiles.p[i].issuers[j]);
				goto fail;
			}
	if (conf_req_str(c, "signer", "store", &v, err) != 0 ||
	    resolve(e->base, v, path_store, err) != 0 ||
	    signerdb_open(path_store, &e->db, err) != 0)
		goto fail;
	if (conf_req_str(c, "signer", "log", &v, err) != 0 ||
	    resolve(e->base, v, path, err) != 0 ||
	    clog_open(path, &e->log, err) != 0)
		goto fail;
	if (conf_check_unused(c, err) != 0)
		goto fail;
	if (signerdb_begin(e->db, err) != 0)
		goto fail;
	if (register_hierarchy(e, err) != 0 ||
	    signerdb_commit(e->db, err) != 0) {
		signerdb_rollback(e->db);
		goto fail;
	}
	if (recover(e, err) != 0 || load_keys(e, err) != 0)
		goto fail;
	fe_snprintf(note, sizeof(note), "version=%s config=%s profiles=%zu "
	    "cas=%zu", FE_VERSION, conf_path, e->profiles.n, e->niss);
	if (clog_append(e->log, "signer.start", note, strlen(note), err) != 0)
		goto fail;
	conf_free(c);
	*out = e;
	return 0;
fail:
	conf_free(c);
	engine_close(e);
	return FE_EINVAL;
}

void
engine_close(struct engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	(void)settle(e, NULL);   /* a failed commit: recover() at next open */
	if (e->dthread) {
		pthread_mutex_lock(&e->dmu);
		e->dquit = true;
		pthread_cond_broadcast(&e->dcv);
		pthread_mutex_unlock(&e->dmu);
		if (pthread_join(e->dthread_id, NULL) != 0)
			fe_fatal("pthread_join");
	}
	pthread_cond_destroy(&e->dcv);
	pthread_mutex_destroy(&e->dmu);
	flight_free(e->spare);
	keyset_free(&e->ids);
	keyset_free(&e->sers);
	issue_cache_free(e->tmpl);
	for (i = 0; i < e->niss; i++) {
		X509_free(e->iss[i].cert);
		EVP_PKEY_free(e->iss[i].key);   /* clears private BIGNUMs */
	}
	signerdb_close(e->db);
	clog_close(e->log);
	OPENSSL_cleanse(e, sizeof(*e));
	free(e);
}

const struct issuer *
engine_issuer(const struct engine *e, const char *label)
{
	size_t i;

	for (i = 0; i < e->niss; i++)
		if (strcmp(e->iss[i].label, label) == 0)
			return &e->iss[i];
	return NULL;
}

size_t
engine_nissuers(const struct engine *e)
{
	return e->niss;
}

const struct issuer *
engine_issuer_at(const struct engine *e, size_t i)
{
	return i < e->niss ? &e->iss[i] : NULL;
}

bool
engine_unlocked(const struct engine *e)
{
	return e->unlocked;
}

void
engine_log_head(struct engine *e, uint64_t *seq, uint8_t h[32])
{
	(void)flight_land(e);
	*seq = clog_seq(e->log);
	clog_head(e->log, h);
}

const char *
engine_log_path(const struct engine *e)
{
	return clog_path(e->log);
}

int
engine_unlock(struct engine *e, const struct share *shares, size_t n,
    struct fe_err *err)
{
	struct custody cust;
	uint8_t kek[KEK_LEN];
	char path[PATH_MAX_FE];
	EVP_PKEY *keys[ENGINE_ISSUERS_MAX] = { 0 };
	struct buf note;
	struct fe_err lerr;
	size_t i;
	int rc;

	(void)flight_land(e);
	buf_init(&note, 4096);
	if (e->unlocked)
		return 0;
	if ((rc = resolve(e->ca_dir, "custody", path, err)) != 0 ||
	    (rc = custody_read(path, &cust, err)) != 0)
		goto logfail;
	if ((rc = custody_combine(&cust, shares, n, kek, err)) != 0)
		goto logfail;
	for (i = 0; i < e->niss; i++) {
		keys[i] = keyfile_open(kek, cust.ceremony, e->iss[i].label,
		    e->keyfile[i], err);
		if (keys[i] == NULL) {
			rc = FE_ECRYPTO;
			goto wipe;
		}
		if (X509_check_private_key(e->iss[i].cert, keys[i]) != 1) {
			rc = fe_err_ssl(err, "CA %s: the decrypted key does "
			    "not match its certificate", e->iss[i].label);
			goto wipe;
		}
	}
	OPENSSL_cleanse(kek, sizeof(kek));
	for (i = 0; i < e->niss; i++)
		e->iss[i].key = keys[i];
	e->unlocked = true;
	(void)buf_printf(&note, "shares=");
	for (i = 0; i < n; i++)
		(void)buf_printf(&note, "%s%u:%s", i ? "," : "",
		    (unsigned)shares[i].nr, shares[i].custodian);
	(void)buf_printf(&note, " cas=%zu", e->niss);
	rc = clog_append(e->log, "signer.unlock", note.p, note.len, err);
	buf_free(&note);
	return rc;
wipe:
	OPENSSL_cleanse(kek, sizeof(kek));
	for (i = 0; i < e->niss; i++)
		EVP_PKEY_free(keys[i]);
logfail:
	(void)buf_printf(&note, "refused: %s", err ? err->msg : "");
	(void)clog_append(e->log, "signer.unlock-refused", note.p, note.len,
	    &lerr);
	buf_free(&note);
	return rc;
}

void
sign_result_clear(struct sign_result *r)
{
	free(r->der);
	memset(r, 0, sizeof(*r));
}

/* Per-request working state inside a batch. */
struct work {
	struct sign_request *req;
	const struct profile *prof;
	const struct issuer *iss;
	char digest[65];
	long dup_of;                    /* earlier index with the same id */
	uint64_t idh;                   /* keyset_hash of the id */
	bool store;                     /* outcome goes into the store */
	char subject[512];
	int64_t nb, na;
	uint32_t crl_part;              /* 0: the unpartitioned CRL */
	char crl_url[URL_MAX];          /* its part's URL when partitioned */
};

/*
 * The ids a batch has seen, with the first request that had each: open
 * addressing with FNV-1a over the id, so that finding a repeat costs the
 * same at batch 256 as at 1 (a loop over the batch cost 8 us per request
 * at 256).  Keys point into storage that outlives the set.
 */
struct sset_ent {
	const char *a;
	long idx;
};

struct sset {
	struct sset_ent *e;
	size_t cap;                     /* a power of two, over twice full */
};

static void
sset_init(struct sset *s, size_t n)
{
	s->cap = 16;
	while (s->cap < 2 * n + 2)
		s->cap *= 2;
	s->e = fe_calloc(s->cap, sizeof(*s->e));
}

static uint64_t
fnv_str(uint64_t h, const char *p)
{
	for (; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL;
}

static struct sset_ent *
sset_slot(const struct sset *s, const char *a)
{
	uint64_t h = fnv_str(14695981039346656037ULL, a);
	size_t i;

	for (i = (size_t)h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		struct sset_ent *x = &s->e[i];
		if (x->a == NULL || strcmp(x->a, a) == 0)
			return x;
	}
}

/* The idx of a in s, or -1. */
static long
sset_find(const struct sset *s, const char *a)
{
	const struct sset_ent *x = sset_slot(s, a);

	return x->a != NULL ? x->idx : -1;
}

/* Adds a unless present; s was made for at least this many. */
static void
sset_add(struct sset *s, const char *a, long idx)
{
	struct sset_ent *x = sset_slot(s, a);

	if (x->a == NULL) {
		x->a = a;
		x->idx = idx;
	}
}

/*
 * A batch: prepared by engine_sign_start, then handed to its durable half,
 * which owns w and res until it is done (flight_land).  ids holds the
 * batch's own copy of each request's id, which idset indexes.  A landed
 * flight is kept for the next batch (e->spare): fresh memory for each
 * batch cost page faults.
 */
struct flight {
	struct engine *e;
	size_t cap;                     /* of w and ids */
	struct work *w;
	struct sign_result *res;
	size_t n;
	int rc;
	atomic_bool done;               /* the durable half has returned */
	char (*ids)[REQ_ID_MAX + 1];
	struct sset idset;
};

static void
refuse(struct sign_result *res, enum sign_status st, const char *msg)
{
	res->status = st;
	(void)fe_snprintf_ok(res->reason, sizeof(res->reason), "%s", msg);
}

/* Stored, in the batch in flight or earlier in this batch -- or a
 * collision of keyed hashes, which costs one more draw (see the top). */
static bool
serial_taken(struct engine *e, const char *issuer, const char *serial)
{
	return keyset_has(&e->sers, keyset_hash(&e->sers, issuer, serial));
}

/*
 * The CRL part of the next certificate of a partitioned issuer (docs/crl.md):
 * 1 + (certificates it gave a part so far: stored, in flight or earlier
 * in this batch) / crl_partition_size.  The part is signed into the
 * certificate's CRL distribution point, so it never changes afterwards.
 * If a batch fails to be stored, its certificates stay counted until the
 * signer restarts: a part ends early, never late.
 */
static int
assign_part(struct engine *e, struct work *w, struct fe_err *err)
{
	int64_t n = e->parts[w->iss - e->iss];
	uint64_t part;
	int rc;

	part = 1 + (uint64_t)n / w->iss->crl_partition_size;
	if (part > CRL_PARTS_MAX)
		return fe_err_code(err, FE_EPOLICY, "request %s: issuer %s "
		    "has filled all %d CRL parts of %llu certificates",
		    w->req->id, w->iss->label, CRL_PARTS_MAX,
		    (unsigned long long)w->iss->crl_partition_size);
	if ((rc = crl_part_url(w->iss->crl_url, (uint32_t)part, w->crl_url,
	    err)) != 0)
		return rc;
	w->crl_part = (uint32_t)part;
	return 0;
}

static void
prepare(struct engine *e, const uint8_t *p, size_t len, struct flight *nf,
    size_t idx)
{
	struct work *w = &nf->w[idx];
	struct sign_result *res = &nf->res[idx];
	struct fe_err err;
	struct issue_plan plan;
	struct db_outcome o;
	uint8_t serial[SERIAL_MAX], fp[32];
	size_t slen;
	int rc = FE_ENOENT, tries;

	memset(w, 0, sizeof(*w));
	w->dup_of = -1;
	if (request_parse(p, len, &w->req, &err) != 0) {
		uint8_t d[32];
		if (EVP_Digest(p, len, d, NULL, EVP_sha256(), NULL) != 1)
			fe_fatal("SHA-256");
		hex_encode(d, 32, w->digest);
		refuse(res, SIGN_REFUSED, err.msg);
		return;
	}
	hex_encode(w->req->digest, 32, w->digest);
	fe_snprintf(res->id, sizeof(res->id), "%s", w->req->id);
	memcpy(nf->ids[idx], res->id, sizeof(nf->ids[idx]));
	if (atomic_load(&e->lost)) {
		refuse(res, SIGN_FAILED, e->store_lost);
		return;
	}
	if ((w->dup_of = sset_find(&nf->idset, nf->ids[idx])) >= 0)
		return;
	sset_add(&nf->idset, nf->ids[idx], (long)idx);
	w->idh = keyset_hash(&e->ids, w->req->id, NULL);
	if (keyset_has(&e->ids, w->idh)) {
		/* Seen: answered from the store, once the batch in flight
		 * (which may hold it) is there. */
		(void)flight_land(e);
		rc = signerdb_request_get(e->db, w->req->id, &o, &err);
	}
	if (rc == 0) {
		if (strcmp(o.digest, w->digest) != 0) {
			fe_err_set(&err, "request %s: this id was already used "
			    "for a different request", w->req->id);
			refuse(res, SIGN_REFUSED, err.msg);
		} else {
			res->replayed = true;
			res->status = o.issued ? SIGN_ISSUED : SIGN_REFUSED;
			fe_snprintf(res->issuer, sizeof(res->issuer), "%s",
			    o.issuer);
			fe_snprintf(res->serial, sizeof(res->serial), "%s",
			    o.serial);
			fe_snprintf(res->reason, sizeof(res->reason), "%s",
			    o.reason);
			if (o.der != NULL) {
				const unsigned char *q = o.der;
				X509 *rx = d2i_X509(NULL, &q, (long)o.derlen);
				if (rx != NULL) {
					cert_fingerprint(rx, res->fingerprint);
					X509_free(rx);
				}
				res->der = o.der;
				res->derlen = o.derlen;
				o.der = NULL;
			}
		}
		db_outcome_clear(&o);
		return;
	}
	if (rc != FE_ENOENT) {
		refuse(res, SIGN_FAILED, err.msg);
		return;
	}
	w->prof = profile_find(&e->profiles, w->req->profile);
	if (w->prof == NULL) {
		fe_err_set(&err, "request %s: unknown profile '%s'",
		    w->req->id, w->req->profile);
		goto refused;
	}
	w->iss = engine_issuer(e, w->req->issuer[0] ? w->req->issuer :
	    w->prof->issuers[0]);
	if (w->iss == NULL) {
		fe_err_set(&err, "request %s: unknown issuer '%s'", w->req->id,
		    w->req->issuer);
		goto refused;
	}
	rc = issue_check(w->prof, w->iss, w->req, fe_now_sec(), &plan, &err);
	if (rc == FE_EPOLICY || rc == FE_EINVAL)
		goto refused;
	if (rc != 0) {
		refuse(res, SIGN_FAILED, err.msg);
		return;
	}
	if (!e->unlocked) {
		fe_err_set(&err, "request %s: the signer's keys are locked",
		    w->req->id);
		refuse(res, SIGN_FAILED, err.msg);
		return;
	}
	for (tries = 0;; tries++) {
		next_serial(e, serial, &slen);
		serial_hex(serial, slen, res->serial);
		if (!serial_taken(e, w->iss->label, res->serial))
			break;
		if (tries == 8) {
			refuse(res, SIGN_FAILED, "cannot find an unused serial "
			    "number");
			return;
		}
	}
	if (w->iss->crl_partition_size > 0 &&
	    assign_part(e, w, &err) != 0) {
		refuse(res, SIGN_FAILED, err.msg);
		return;
	}
	if (w->crl_part > 0)
		plan.crl_url = w->crl_url;
	if (issue_der(e->tmpl, w->prof, w->iss, w->req, &plan, serial, slen,
	    &res->der, &res->derlen, w->subject, sizeof(w->subject),
	    &err) != 0) {
		refuse(res, SIGN_FAILED, err.msg);
		return;
	}
	/* cert_fingerprint(), without parsing the certificate again. */
	if (EVP_Digest(res->der, res->derlen, fp, NULL, fe_sha256(), NULL) !=
	    1)
		fe_fatal("SHA-256");
	hex_encode(fp, 32, res->fingerprint);
	fe_snprintf(res->issuer, sizeof(res->issuer), "%s", w->iss->label);
	w->nb = plan.not_before;
	w->na = plan.not_after;
	res->status = SIGN_ISSUED;
	w->store = true;
	keyset_add(&e->ids, w->idh);
	keyset_add(&e->sers, keyset_hash(&e->sers, res->issuer, res->serial));
	if (w->crl_part > 0)
		e->parts[w->iss - e->iss]++;
	return;
refused:
	refuse(res, SIGN_REFUSED, err.msg);
	w->store = true;
	keyset_add(&e->ids, w->idh);
}

/* Appends name=value, after a space if b is not empty (docs/log-format.md,
 * "sign"): a printf per record cost more than the rest of its logging. */
static void
kv(struct buf *b, const char *k, const char *v)
{
	if (b->len > 0)
		(void)buf_add_str(b, " ");
	(void)buf_add_str(b, k);
	(void)buf_add_str(b, "=");
	(void)buf_add_str(b, v);
}

/* " k=" and the base64 of p[0..n) (no line breaks). */
static void
kv_b64(struct buf *b, const char *k, const uint8_t *p, size_t n)
{
	size_t m = 4 * ((n + 2) / 3) + 1;
	unsigned char *t = fe_malloc(m);

	if (n <= INT_MAX)
		(void)EVP_EncodeBlock(t, p, (int)n);
	else
		t[0] = '\0';
	kv(b, k, (const char *)t);
	free(t);
}

/*
 * The "sign" record of one outcome.  An issuance carries all the store
 * keeps of it -- validity, CRL part and the certificate itself -- so that
 * the store can be given back a certificate the disk lost (recover()).
 */
static void
log_payload(struct buf *b, const struct work *w, const struct sign_result *r)
{
	char na[FE_TIME_STR] = "", nb[FE_TIME_STR] = "", part[16];

	buf_reset(b);
	kv(b, "id", r->id[0] ? r->id : "-");
	kv(b, "digest", w->digest);
	if (w->req != NULL)
		kv(b, "profile", w->req->profile);
	switch (r->status) {
	case SIGN_ISSUED:
		(void)fe_time_format_sec(w->na, na);
		kv(b, "decision", r->replayed ? "replayed" : "issued");
		kv(b, "issuer", r->issuer);
		kv(b, "serial", r->serial);
		kv(b, "sha256", r->fingerprint);
		kv(b, "not_after", r->replayed ? "-" : na);
		if (r->replayed)
			break;
		(void)fe_time_format_sec(w->nb, nb);
		kv(b, "not_before", nb);
		(void)fe_snprintf_ok(part, sizeof(part), "%u", w->crl_part);
		kv(b, "crl_part", part);
		kv_b64(b, "der", r->der, r->derlen);
		break;
	case SIGN_REFUSED:
		kv(b, "decision", r->replayed ? "replayed-refusal" :
		    "refused");
		kv(b, "reason", r->reason);
		break;
	case SIGN_FAILED:
	default:
		kv(b, "decision", "failed");
		kv(b, "reason", r->reason);
		break;
	}
}

static void
fail_all(struct sign_result *res, size_t n, const char *msg)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (res[i].status == SIGN_ISSUED && !res[i].replayed) {
			free(res[i].der);
			res[i].der = NULL;
			res[i].derlen = 0;
		}
		if (!res[i].replayed)
			refuse(&res[i], SIGN_FAILED, msg);
	}
}

/* The batch failed as a whole: fail_all, and the answers copied from an
 * earlier request of the same batch too (fail_all keeps those answered
 * from the store). */
static void
fail_flight(struct flight *fl, const char *msg)
{
	size_t i;

	fail_all(fl->res, fl->n, msg);
	for (i = 0; i < fl->n; i++) {
		if (fl->w[i].dup_of < 0 || !fl->res[i].replayed)
			continue;
		free(fl->res[i].der);
		fl->res[i].der = NULL;
		fl->res[i].derlen = 0;
		fl->res[i].replayed = false;
		refuse(&fl->res[i], SIGN_FAILED, msg);
	}
}

/*
 * The store's open transaction is given up: rolled back.  If it held
 * batches already answered (answered > 0), their certificates are out of
 * the store until the engine is started again (recover() stores them from
 * the log), and nothing more is signed, revoked or listed until then.
 */
static void
store_fail(struct engine *e, unsigned answered, const char *why)
{
	signerdb_rollback(e->db);
	if (answered > 0 && !atomic_load(&e->lost)) {
		(void)fe_snprintf_ok(e->store_lost, sizeof(e->store_lost),
		    "the signer's store lost %u batches of outcomes already "
		    "answered (%s); restart fe-signer: it stores them again "
		    "from its request log", answered, why);
		atomic_store(&e->lost, true);
	}
	e->store_open = 0;
}

/* Commit the store's open transaction, of which answered batches were
 * answered already (store_fail on failure). */
static int
store_commit(struct engine *e, unsigned answered, struct fe_err *err)
{
	int rc;

	if (e->store_open == 0)
		return 0;
	if ((rc = signerdb_commit(e->db, err)) != 0) {
		store_fail(e, answered, err->msg);
		return rc;
	}
	e->store_open = 0;
	return 0;
}

/*
 * No batch in the air and the store's transaction committed: what every
 * other use of the store, and the end of a run of batches, starts with.
 * Non-zero if the store lost outcomes already answered (store_fail).
 */
static int
settle(struct engine *e, struct fe_err *err)
{
	struct fe_err lerr;

	(void)flight_land(e);
	if (err == NULL)
		err = &lerr;
	if (!atomic_load(&e->lost))
		(void)store_commit(e, e->store_open, err);
	if (atomic_load(&e->lost))
		return fe_err_code(err, FE_EDB, "%s", e->store_lost);
	return 0;
}

/*
 * The durable half of a batch: append every outcome to the log and start
 * the disk on it, insert every outcome into the store's open transaction
 * meanwhile, then the log sync (which finds the records mostly written);
 * every STORE_FLIGHTS batches, the commit.  A failure after the log's
 * records were written leaves "issued" records whose certificates are
 * neither stored nor handed out: when the engine next opens, recover()
 * stores them (a retry then gets them), or voids them if their ids were
 * answered afresh meanwhile.  Runs in a thread of its own while the next
 * batch is checked and signed; touches only e->db, e->log, e->store_open,
 * e->store_lost and the flight's own w and res.
 */
static void
durable(struct flight *fl)
{
	struct engine *e = fl->e;
	struct work *w = fl->w;
	struct sign_result *res = fl->res;
	size_t i, n = fl->n;
	struct fe_err err;
	struct buf pl;
	bool lost = atomic_load(&e->lost);
	int rc = 0;

	buf_init(&pl, CLOG_MAX_PAYLOAD);
	/* Same id twice in one batch: the later gets the earlier's answer. */
	for (i = 0; i < n; i++) {
		struct sign_result *src;
		if (w[i].dup_of < 0)
			continue;
		src = &res[w[i].dup_of];
		if (strcmp(w[w[i].dup_of].digest, w[i].digest) != 0) {
			fe_err_set(&err, "request %s: this id was already used "
			    "for a different request", res[i].id);
			refuse(&res[i], SIGN_REFUSED, err.msg);
			continue;
		}
		res[i] = *src;
		res[i].replayed = true;
		if (src->der != NULL) {
			res[i].der = fe_malloc(src->derlen);
			memcpy(res[i].der, src->der, src->derlen);
		}
	}
	if (lost)                       /* signed before the loss was known */
		fail_flight(fl, e->store_lost);
	for (i = 0; i < n; i++) {
		log_payload(&pl, &w[i], &res[i]);
		if ((rc = clog_append_nosync(e->log, "sign", pl.p, pl.len,
		    &err)) != 0)
			break;
	}
	if (rc == 0)
		rc = clog_start(e->log, &err);
	if (rc != 0) {
		fail_flight(fl, err.msg);
		goto out;
	}
	for (i = lost ? n : 0; i < n && (!w[i].store || w[i].dup_of >= 0);
	    i++)
		;
	if (i == n) {                   /* nothing to store */
		if ((rc = clog_sync(e->log, &err)) != 0)
			fail_flight(fl, err.msg);
		else if (lost)
			rc = FE_EDB;
		goto out;
	}
	/* the log, synced below, holds every outcome this transaction
	 * stores in full: its commit need not wait for the disk (recover()) */
	if (e->store_open == 0 && signerdb_begin_nosync(e->db, &err) != 0) {
		fail_flight(fl, err.msg);
		rc = FE_EDB;
		goto out;
	}
	for (; i < n; i++) {
		if (!w[i].store || w[i].dup_of >= 0)
			continue;
		if (res[i].status == SIGN_ISSUED)
			rc = signerdb_record_issued(e->db, w[i].req->id,
			    w[i].digest, w[i].prof->name, res[i].issuer,
			    res[i].serial, w[i].nb, w[i].na, w[i].subject,
			    res[i].fingerprint, res[i].der, res[i].derlen,
			    w[i].prof->ca, w[i].crl_part, 0, &err);
		else
			rc = signerdb_record_refused(e->db, w[i].req->id,
			    w[i].digest, res[i].reason, &err);
		if (rc != 0) {
			store_fail(e, e->store_open, err.msg);
			fail_flight(fl, err.msg);
			goto out;
		}
	}
	if ((rc = clog_sync(e->log, &err)) != 0) {
		store_fail(e, e->store_open, err.msg);
		fail_flight(fl, err.msg);
		goto out;
	}
	if (++e->store_open >= STORE_FLIGHTS &&
	    (rc = store_commit(e, e->store_open - 1, &err)) != 0)
		fail_flight(fl, err.msg);
out:
	for (i = 0; i < n; i++)
		request_free(w[i].req);
	buf_free(&pl);
	fl->rc = rc;
	pthread_mutex_lock(&e->dmu);
	atomic_store(&fl->done, true);
	pthread_cond_broadcast(&e->dcv);
	pthread_mutex_unlock(&e->dmu);
}

/* The durable half's thread: one flight at a time (e->fl_todo), until
 * engine_close sets dquit. */
static void *
durable_thread(void *arg)
{
	struct engine *e = arg;
	struct flight *fl;

	(void)pthread_setname_np(pthread_self(), "fe-durable");
	atomic_store(&e->dnice, setpriority(PRIO_PROCESS, (id_t)gettid(),
	    DURABLE_NICE) == 0 ? DURABLE_NICE : 0);
	pthread_mutex_lock(&e->dmu);
	for (;;) {
		while (e->fl_todo == NULL && !e->dquit)
			pthread_cond_wait(&e->dcv, &e->dmu);
		if (e->fl_todo == NULL)
			break;
		fl = e->fl_todo;
		e->fl_todo = NULL;
		pthread_mutex_unlock(&e->dmu);
		durable(fl);
		pthread_mutex_lock(&e->dmu);
	}
	pthread_mutex_unlock(&e->dmu);
	return NULL;
}

static void
flight_free(struct flight *fl)
{
	if (fl == NULL)
		return;
	free(fl->idset.e);
	free(fl->w);
	free(fl->ids);
	free(fl);
}

/* A flight for n requests: the spare one if it is large enough. */
static struct flight *
flight_get(struct engine *e, size_t n)
{
	struct flight *fl = e->spare;

	e->spare = NULL;
	if (fl != NULL && fl->cap < n) {
		flight_free(fl);
		fl = NULL;
	}
	if (fl == NULL) {
		fl = fe_calloc(1, sizeof(*fl));
		fl->cap = n > 64 ? n : 64;
		fl->w = fe_calloc(fl->cap, sizeof(*fl->w));
		fl->ids = fe_calloc(fl->cap, sizeof(*fl->ids));
		sset_init(&fl->idset, fl->cap);
	} else {
		memset(fl->idset.e, 0, fl->idset.cap * sizeof(*fl->idset.e));
	}
	fl->e = e;
	fl->n = n;
	fl->rc = 0;
	atomic_store(&fl->done, false);
	return fl;
}

/* Wait for the batch in flight, if any: its results are final after. */
static int
flight_land(struct engine *e)
{
	struct flight *fl = e->fl;
	int rc;

	if (fl == NULL)
		return 0;
	/* done already if it ran here, without the thread */
	pthread_mutex_lock(&e->dmu);
	while (!atomic_load(&fl->done))
		pthread_cond_wait(&e->dcv, &e->dmu);
	pthread_mutex_unlock(&e->dmu);
	rc = fl->rc;
	e->fl = NULL;
	e->landed_rc = rc;
	fl->res = NULL;
	flight_free(e->spare);
	e->spare = fl;
	return rc;
}

int
engine_sign_start(struct engine *e, const uint8_t *const *reqs,
    const size_t *lens, size_t n, struct sign_result *res)
{
	struct flight *fl = flight_get(e, n);
	size_t i;
	int rc;

	e->landed_rc = 0;
	e->batches++;
	if (e->fl != NULL)
		e->overlapped++;
	fl->res = res;
	for (i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		fl->ids[i][0] = '\0';
		prepare(e, reqs[i], lens[i], fl, i);
	}
	(void)flight_land(e);
	rc = e->landed_rc;      /* also when a request above landed it */
	e->fl = fl;
	if (!e->dthread)
		e->dthread = pthread_create(&e->dthread_id, NULL,
		    durable_thread, e) == 0;
	if (e->dthread) {
		pthread_mutex_lock(&e->dmu);
		e->fl_todo = fl;
		pthread_cond_broadcast(&e->dcv);
		pthread_mutex_unlock(&e->dmu);
	} else {
		durable(fl);           /* no thread: the same work, here */
	}
	return rc;
}

int
engine_sign_finish(struct engine *e)
{
	int rc = flight_land(e), src = settle(e, NULL);

	return rc != 0 ? rc : src;
}

bool
engine_sign_busy(struct engine *e)
{
	return e->fl != NULL && !atomic_load(&e->fl->done);
}

int
engine_checkpoint(struct engine *e, struct fe_err *err)
{
	int rc;

	if ((rc = settle(e, err)) != 0)
		return rc;
	return signerdb_checkpoint(e->db, err);
}

int
engine_sign_batch(struct engine *e, const uint8_t *const *reqs,
    const size_t *lens, size_t n, struct sign_result *res)
{
	(void)flight_land(e);
	(void)engine_sign_start(e, reqs, lens, n, res);
	return engine_sign_finish(e);
}

int
engine_sign(struct engine *e, const uint8_t *req, size_t len,
    struct sign_result *res)
{
	return engine_sign_batch(e, &req, &len, 1, res);
}

static int
logged_commit(struct engine *e, const char *type, struct buf *note,
    struct fe_err *err)
{
	int rc;

	if ((rc = clog_append(e->log, type, note->p, note->len, err)) != 0) {
		signerdb_rollback(e->db);
		return rc;
	}
	if ((rc = signerdb_commit(e->db, err)) != 0)
		signerdb_rollback(e->db);
	return rc;
}

int
engine_revoke(struct engine *e, const char *serial, int reason,
    struct fe_err *err)
{
	char issuer[32], canon[2 * SERIAL_MAX + 1];
	uint8_t sb[SERIAL_MAX];
	size_t slen;
	int is_ca, rc;
	int64_t not_after, now = fe_now_sec();
	struct buf note;

	if ((rc = settle(e, err)) != 0)
		return rc;
	/* Canonical form: lower-case hex without leading zeros. */
	if (serial_parse_hex(serial, sb, &slen) != 0)
		return fe_err_set(err, "serial '%s' is not 1 to 40 hex digits",
		    serial);
	serial_hex(sb, slen, canon);
	if ((rc = signerdb_cert_find(e->db, canon, issuer, &is_ca, &not_after,
	    err)) != 0)
		return rc;
	if ((rc = crl_reason_allowed(reason, is_ca != 0, err)) != 0) {
		fe_err_prefix(err, "serial %s", canon);
		return rc;
	}
	if (signerdb_begin(e->db, err) != 0)
		return FE_EDB;
	rc = signerdb_revoke(e->db, issuer, canon, reason, now, err);
	if (rc == FE_EEXIST) {
		int had;
		signerdb_rollback(e->db);
		if (signerdb_revocation_reason(e->db, canon, &had, err) != 0 ||
		    had != reason) {
			return fe_err_code(err, FE_EEXIST, "serial %s is "
			    "already revoked (%s)", canon,
			    crl_reason_name(had) ? crl_reason_name(had) : "?");
		}
		/* The same revocation again (a retransmission): done. */
		if (signerdb_begin(e->db, err) != 0)
			return FE_EDB;
		buf_init(&note, 512);
		(void)buf_printf(&note, "issuer=%s serial=%s reason=%s "
		    "repeated=yes", issuer, canon, crl_reason_name(reason));
		rc = logged_commit(e, "revoke", &note, err);
		buf_free(&note);
		return rc;
	}
	if (rc != 0) {
		signerdb_rollback(e->db);
		return rc;
	}
	buf_init(&note, 512);
	(void)buf_printf(&note, "issuer=%s serial=%s reason=%s", issuer, canon,
	    crl_reason_name(reason));
	rc = logged_commit(e, "revoke", &note, err);
	buf_free(&note);
	return rc;
}

struct collect {
	struct crl_entry *v;
	size_t n;
};

static int
collect_cb(const char *serial, int64_t at, int reason, void *arg)
{
	struct collect *c = arg;
	struct crl_entry *x;

	c->v = fe_realloc(c->v, (c->n + 1) * sizeof(*c->v));
	x = &c->v[c->n];
	if (serial_parse_hex(serial, x->serial, &x->serial_len) != 0)
		fe_fatal("stored serial '%s' is not hex", serial);
	x->revoked_at = at;
	x->reason = reason;
	c->n++;
	return 0;
}

void
engine_crls_clear(struct engine_crls *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].der);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* Build, sign and store one CRL (part 0: unpartitioned) into *out; inside
 * the caller's transaction. */
static int
crl_one(struct engine *e, const struct issuer *iss, uint32_t part,
    uint64_t number, int64_t now, int64_t next, struct engine_crl *out,
    size_t *entries, struct fe_err *err)
{
	struct collect col = { 0 };
	struct crl_scope scope;
	X509_CRL *crl = NULL;
	unsigned char *p = NULL;
	int n, rc;

	memset(out, 0, sizeof(*out));
	out->part = part;
	if (part == 0) {
		fe_snprintf(out->url, sizeof(out->url), "%s", iss->crl_url);
		rc = signerdb_revoked(e->db, iss->label, collect_cb, &col, err);
	} else {
		if ((rc = crl_part_url(iss->crl_url, part, out->url,
		    err)) != 0)
			goto out;
		rc = signerdb_revoked_part(e->db, iss->label, part,
		    collect_cb, &col, err);
	}
	if (rc != 0)
		goto out;
	/* Defensive: a part never lists more than its certificates. */
	if (part > 0 && col.n > iss->crl_partition_size &&
	    iss->crl_partition_size > 0) {
		rc = fe_err_code(err, FE_EDB, "issuer %s: CRL part %u would "
		    "list %zu entries, more than crl_partition_size = %llu: "
		    "the store's part assignments are broken", iss->label,
		    part, col.n, (unsigned long long)iss->crl_partition_size);
		goto out;
	}
	scope.url = out->url;
	/* Sub-roots issue end-entity certificates only (BR 7.2.2). */
	scope.only_user = true;
	if ((rc = crl_build(iss, number, now, next, col.v, col.n,
	    part > 0 ? &scope : NULL, &crl, err)) != 0)
		goto out;
	n = i2d_X509_CRL(crl, &p);
	if (n <= 0) {
		rc = fe_err_ssl(err, "cannot encode CRL");
		goto out;
	}
	if ((rc = signerdb_crl_store(e->db, iss->label, number, part, now,
	    next, p, (size_t)n, err)) != 0)
		goto out;
	out->der = fe_malloc((size_t)n);
	memcpy(out->der, p, (size_t)n);
	out->len = (size_t)n;
	*entries = col.n;
out:
	OPENSSL_free(p);
	X509_CRL_free(crl);
	free(col.v);
	return rc;
}

int
engine_crl(struct engine *e, const char *label, struct engine_crls *out,
    struct fe_err *err)
{
	const struct issuer *iss = engine_issuer(e, label);
	struct engine_crls set = { NULL, 0 };
	uint64_t number;
	uint32_t part, max_part = 0;
	int64_t now = fe_now_sec(), next, unpartitioned = 1;
	unsigned char md[32];
	char hx[65];
	size_t nent = 0;
	int rc;
	struct buf note;

	if ((rc = settle(e, err)) != 0)
		return rc;
	if (iss == NULL)
		return fe_err_code(err, FE_ENOENT, "no CA '%s' in the "
		    "hierarchy", label);
	if (!e->unlocked)
		return fe_err_code(err, FE_EPOLICY, "the signer's keys are "
		    "locked");
	next = strcmp(label, "root") == 0 ?
	    now + (int64_t)e->root_crl_days * 86400 :
	    now + (int64_t)e->crl_hours * 3600;
	if (signerdb_begin(e->db, err) != 0)
		return FE_EDB;
	if ((rc = signerdb_crl_next(e->db, label, &number, err)) != 0)
		goto fail;
	if (iss->crl_partition_size > 0) {
		if ((rc = signerdb_crl_parts(e->db, label, &max_part,
		    &unpartitioned, err)) != 0)
			goto fail;
		/* Part 1 exists from the start: the first certificate goes
		 * there. */
		if (max_part == 0)
			max_part = 1;
		if (max_part > CRL_PARTS_MAX) {
			rc = fe_err_code(err, FE_EDB, "issuer %s: stored CRL "
			    "part %u is beyond %d", label, max_part,
			    CRL_PARTS_MAX);
			goto fail;
		}
	}
	set.v = fe_calloc((size_t)max_part + 1, sizeof(*set.v));
	for (part = unpartitioned > 0 ? 0 : 1; part <= max_part; part++) {
		if ((rc = crl_one(e, iss, part, number, now, next,
		    &set.v[set.n], &nent, err)) != 0)
			goto fail;
		set.n++;
		if (EVP_Digest(set.v[set.n - 1].der, set.v[set.n - 1].len, md,
		    NULL, EVP_sha256(), NULL) != 1)
			fe_fatal("SHA-256");
		hex_encode(md, 32, hx);
		buf_init(&note, 1024);
		if (part == 0)
			(void)buf_printf(&note, "issuer=%s number=%llu "
			    "entries=%zu sha256=%s", label,
			    (unsigned long long)number, nent, hx);
		else
			(void)buf_printf(&note, "issuer=%s number=%llu part=%u "
			    "url=%s entries=%zu sha256=%s", label,
			    (unsigned long long)number, part,
			    set.v[set.n - 1].url, nent, hx);
		rc = clog_append_nosync(e->log, "crl", note.p, note.len, err);
		buf_free(&note);
		if (rc != 0)
			goto fail;
	}
	if ((rc = clog_sync(e->log, err)) != 0 ||
	    (rc = signerdb_commit(e->db, err)) != 0)
		goto fail;
	*out = set;
	return 0;
fail:
	signerdb_rollback(e->db);
	engine_crls_clear(&set);
	return rc;
}

int
engine_next_session(struct engine *e, uint32_t *out, struct fe_err *err)
{
	int rc;

	if ((rc = settle(e, err)) != 0)
		return rc;
	return signerdb_next_session(e->db, out, err);
}

int
engine_log_event(struct engine *e, const char *type, const char *text,
    struct fe_err *err)
{
	(void)flight_land(e);
	return clog_append(e->log, type, text, strlen(text), err);
}

int
engine_status_text(struct engine *e, struct buf *out, struct fe_err *err)
{
	struct statvfs sv;
	char t[FE_TIME_STR], hx[65], nice[16] = "-";   /* "-": no batch yet */
	uint8_t head[32];
	int64_t certs = 0, revoked = 0;
	unsigned long long freeb = 0;

	(void)settle(e, NULL);          /* a loss is reported below */
	if (e->dthread)
		fe_snprintf(nice, sizeof(nice), "%d", atomic_load(&e->dnice));
	if (signerdb_counts(e->db, &certs, &revoked, err) != 0)
		return FE_EDB;
	if (statvfs(e->base, &sv) == 0)
		freeb = (unsigned long long)sv.f_bavail * sv.f_frsize;
	fe_time_format(fe_now(), t);
	clog_head(e->log, head);
	hex_encode(head, 32, hx);
	if (buf_printf(out, "keys: %s\ntime: %s\nfree_bytes: %llu\n"
	    "log_seq: %llu\nlog_head: %s\ncerts: %lld\nrevoked: %lld\n"
	    "sign_batches: %llu\nsign_batches_overlapped: %llu\n"
	    "sign_durable_nice: %s\nstore: %s\n",
	    e->unlocked ? "unlocked" : "locked", t, freeb,
	    (unsigned long long)clog_seq(e->log), hx, (long long)certs,
	    (long long)revoked, (unsigned long long)e->batches,
	    (unsigned long long)e->overlapped, nice,
	    atomic_load(&e->lost) ? e->store_lost : "ok") != 0)
		return fe_err_set(err, "status text too long");
	return 0;
}

struct logs_arg {
	struct buf *out;
	uint32_t left;
};

static int
logs_cb(const struct clog_rec *r, void *arg)
{
	struct logs_arg *a = arg;
	char hp[65], hh[65];
	size_t i;

	if (a->left == 0)
		return 1;
	hex_encode(r->prev, 32, hp);
	hex_encode(r->hash, 32, hh);
	if (buf_printf(a->out, "%llu\t%s\t%s\t", (unsigned long long)r->seq,
	    r->time, r->type) != 0)
		return 1;
	for (i = 0; i < r->len; i++) {
		uint8_t c = r->payload[i];
		if (c >= 0x20 && c <= 0x7e && c != '%') {
			if (buf_add_u8(a->out, c) != 0)
				return 1;
		} else if (buf_printf(a->out, "%%%02x", c) != 0) {
			return 1;
		}
	}
	if (buf_printf(a->out, "\t%s\t%s\n", hp, hh) != 0)
		return 1;
	a->left--;
	return 0;
}

int
engine_logs(struct engine *e, uint64_t from, uint32_t max, struct buf *out,
    struct fe_err *err)
{
	struct logs_arg a = { out, max };
	int rc;

	(void)flight_land(e);
	if (clog_sync(e->log, err) != 0)
		return FE_EIO;
	rc = clog_read_file(clog_path(e->log), from, logs_cb, &a, err);
	return rc < 0 ? rc : 0;
}
