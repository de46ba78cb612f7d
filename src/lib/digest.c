/*
 * digest.c - SHA-256 looked up once (digest.h).
 */
#include <pthread.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "digest.h"
#include "err.h"

static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_free(void)
{
	EVP_MD_free(sha256);
	sha256 = NULL;
}

static void
sha256_fetch(void)
{
	if ((sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    atexit(sha256_free) != 0)
		fe_fatal("SHA-256 is not available");
}

const EVP_MD *
fe_sha256(void)
{
	if (pthread_once(&sha256_once, sha256_fetch) != 0)
		fe_fatal("pthread_once");
	return sha256;
}
