/*
 * fuzz_ocsp.c - libFuzzer target for the OCSP request parser,
 * ocsp_req_parse() (src/pki/ocsp.c), on the input as DER, and for the GET
 * form, ocsp_req_from_path() and ocsp_req_from_b64(), on the input as a
 * NUL-terminated path (whose
 * decoded bytes then go through ocsp_req_parse() too).
 *
 * Differential: whatever the fast path (ocsp_req_parse_fast) takes, the
 * full parser (OpenSSL's, ocsp_req_parse_full) takes too, with the same
 * CertID.
 *
 * Invariants (abort() when broken) for a request that parses: the hash is
 * SHA-1 or SHA-256; the serial is 1 to OCSP_SERIAL_MAX octets without a
 * leading zero; the nonce is at most OCSP_NONCE_MAX octets; the input was
 * at most OCSP_MAX_REQUEST bytes.  For a path that decodes: at most
 * OCSP_MAX_REQUEST bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "pki/ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* The fast path agrees with the full parser on whatever it takes. */
static void
differ(const uint8_t *der, size_t len)
{
	struct ocsp_req f, g;
	struct fe_err err;
	size_t hl;

	if (ocsp_req_parse_fast(der, len, &f) != 0)
		return;
	check(ocsp_req_parse_full("fuzz", der, len, &g, &err) == 0);
	hl = ocsp_hash_len(f.id.hash);
	check(f.id.hash == g.id.hash);
	check(memcmp(f.id.name_hash, g.id.name_hash, hl) == 0);
	check(memcmp(f.id.key_hash, g.id.key_hash, hl) == 0);
	check(f.id.serial_len == g.id.serial_len);
	check(memcmp(f.id.serial, g.id.serial, f.id.serial_len) == 0);
	check(f.nonce_len == 0 && g.nonce_len == 0);
}

static void
parse(const uint8_t *der, size_t len)
{
	struct ocsp_req r;
	struct fe_err err;

	differ(der, len);
	if (ocsp_req_parse("fuzz", der, len, &r, &err) != 0)
		return;
	check(len <= OCSP_MAX_REQUEST);
	check(r.id.hash == OCSP_HASH_SHA1 || r.id.hash == OCSP_HASH_SHA256);
	check(r.id.serial_len >= 1 && r.id.serial_len <= OCSP_SERIAL_MAX);
	check(r.id.serial[0] != 0);
	check(r.nonce_len <= OCSP_NONCE_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fe_err err;
	uint8_t *der = NULL;
	char *path;
	size_t len;

	parse(data, size);
	path = malloc(size + 1);
	if (path == NULL)
		abort();
	memcpy(path, data, size);
	path[size] = '\0';
	if (ocsp_req_from_path(path, &der, &len, &err) == 0) {
		check(der != NULL && len <= OCSP_MAX_REQUEST);
		parse(der, len);
		free(der);
		der = NULL;
	}
	/* what fe-status passes: the whole segment after its OCSP path */
	if (ocsp_req_from_b64(path, &der, &len, &err) == 0) {
		check(der != NULL && len <= OCSP_MAX_REQUEST);
		parse(der, len);
		free(der);
	}
	free(path);
	ERR_clear_error();
	return 0;
}
