/*
 * profile.h - certificate profiles, read from the signer's INI file.
 *
 * A profile fixes everything about a certificate that the registration side
 * does not decide: key usages, extended key usages, policy OIDs, which
 * extensions appear, maximum validity, allowed key types and sizes, allowed
 * name types and subject attributes.  The registration side's request only
 * chooses a profile and supplies names it has verified; the signer checks
 * them against the profile again (POLICY.md C4; it never trusts the online
 * host).
 */
#ifndef FE_PROFILE_H
#define FE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/conf.h"
#include "pki/keycheck.h"

#define PROFILE_NAME_MAX 32
#define PROFILE_MAX 32
#define PROFILE_ISSUERS_MAX 8
#define PROFILE_OIDS_MAX 8

/* keyUsage bits as in RFC 5280 4.2.1.3 (bit numbers). */
enum ku_bit {
	KUB_DIGITAL_SIGNATURE, KUB_CONTENT_COMMITMENT, KUB_KEY_ENCIPHERMENT,
	KUB_DATA_ENCIPHERMENT, KUB_KEY_AGREEMENT, KUB_KEY_CERT_SIGN, KUB_CRL_SIGN,
	KUB__MAX
};
extern const char *const ku_names[KUB__MAX];

enum eku {
	EKU_SERVER_AUTH, EKU_CLIENT_AUTH, EKU_CODE_SIGNING,
	EKU_EMAIL_PROTECTION, EKU_TIME_STAMPING, EKU_OCSP_SIGNING, EKU__MAX
};
extern const char *const eku_names[EKU__MAX];

/* Subject attributes a profile may allow. */
enum subj_attr {
	SA_CN, SA_GIVEN_NAME, SA_SURNAME, SA_PSEUDONYM, SA_EMAIL_ADDRESS,
	SA_O, SA_L, SA_ST, SA_C, SA_SERIAL_NUMBER, SA__MAX
};
extern const char *const subj_attr_names[SA__MAX];

enum name_type { NT_DNS, NT_IP, NT_EMAIL, NT__MAX };
extern const char *const name_type_names[NT__MAX];

/* Validity rules of the Baseline Requirements for TLS server certificates. */
enum validity_rule { VR_NONE, VR_BR_TLS, VR__MAX };

struct profile {
	char name[PROFILE_NAME_MAX];
	char issuers[PROFILE_ISSUERS_MAX][PROFILE_NAME_MAX];
	size_t nissuers;
	bool ca;                       /* a subordinate CA certificate */
	int path_length;               /* -1: none */
	unsigned ku;                   /* bits for every key */
	unsigned ku_rsa;               /* extra bits for RSA keys */
	unsigned ku_ec;                /* extra bits for EC keys */
	unsigned eku;                  /* bits of enum eku */
	bool eku_critical;
	char policies[PROFILE_OIDS_MAX][64];
	size_t npolicies;
	unsigned subject;              /* allowed subject attributes */
	unsigned subject_required;     /* attributes that must be present */
	unsigned names;                /* allowed name types */
	bool require_names;            /* at least one SAN */
	bool wildcards;
	bool public_names_only;
	bool cn_in_san;                /* CN must repeat a SAN value */
	unsigned max_names;
	uint64_t max_days;
	enum validity_rule validity_rule;
	bool ski, aki, crl_dp, aia, ocsp_nocheck;
	struct key_policy keys;
};

struct profiles {
	struct profile p[PROFILE_MAX];
	size_t n;
};

/* Read every [profile NAME] section of c.  Unknown keys are errors. */
int profiles_load(struct conf *c, struct profiles *out, struct fe_err *err);
const struct profile *profile_find(const struct profiles *ps,
    const char *name);

/*
 * The longest TLS server certificate validity (in days) that the Baseline
 * Requirements 6.3.2 allow for a certificate issued at time t: 398 days
 * before 15 March 2026, 200 days from then, 100 days from 15 March 2027 and
 * 47 days from 15 March 2029.
 */
uint64_t br_tls_max_days(int64_t t);

#endif
