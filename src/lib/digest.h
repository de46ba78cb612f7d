/*
 * digest.h - SHA-256 looked up once per process.
 *
 * EVP_sha256() is a legacy handle: every EVP_DigestInit_ex()/EVP_Digest()
 * with it fetches the provider's implementation again (a name look-up under
 * a lock).  Code that hashes once per signed certificate or log record uses
 * fe_sha256() instead.
 */
#ifndef FE_DIGEST_H
#define FE_DIGEST_H

#include <openssl/types.h>

/* SHA-256 from the default library context, fetched on first use; ends
 * the process if it is not available. */
const EVP_MD *fe_sha256(void);

#endif
