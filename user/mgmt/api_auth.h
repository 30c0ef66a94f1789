/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * api_auth: who an API call is. A key is presented as "Authorization:
 * Bearer KEY" (or X-API-Key); its SHA-256 is compared, in constant time,
 * with every configured hash (no early exit, so timing does not say which
 * key nearly matched). Failures are counted per source address: after
 * AEGIS_API_AUTH_FAILS within AEGIS_API_AUTH_WINDOW_S the source gets 429
 * until the window ends, whatever it sends, so guessing is slow; a source
 * that authenticates before reaching the limit starts from zero. The
 * table of failing sources is bounded (API_AUTH_SOURCES): when full, the
 * oldest window is reused.
 */
#ifndef AEGIS_API_AUTH_H
#define AEGIS_API_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define API_AUTH_SOURCES	1024

enum api_auth_result {
	API_AUTH_OK,
	API_AUTH_MISSING,	/* 401: no key */
	API_AUTH_BAD,		/* 401: no key matches */
	API_AUTH_LIMITED,	/* 429: too many failures from this source */
};

struct api_auth_stats {
	uint64_t ok, missing, bad, limited;
};

struct api_auth;

int api_auth_new(struct api_auth **out);
void api_auth_free(struct api_auth *a);
/* The keys to accept from now on (copied; a reload rotates them). */
int api_auth_set_keys(struct api_auth *a, const struct cfg_api_key *keys, size_t n);
size_t api_auth_n_keys(const struct api_auth *a);

/*
 * Checks the token peer presented (NULL/0: none) at now_s (CLOCK_MONOTONIC
 * seconds). On API_AUTH_OK *key is the matching key; on API_AUTH_LIMITED
 * *retry_s says when the source may try again.
 */
enum api_auth_result api_auth_check(struct api_auth *a, const struct aegis_addr *peer,
				    const char *token, size_t len, uint64_t now_s,
				    const struct cfg_api_key **key, uint32_t *retry_s);
void api_auth_stats(const struct api_auth *a, struct api_auth_stats *out);

/* SHA-256 of a key, as stored in the config (aegisctl api-key). 0 or -EIO. */
int api_auth_hash(const char *key, size_t len, uint8_t out[AEGIS_API_HASH_LEN]);
/* A new random key: AEGIS_API_KEY_PREFIX + base64url; 0 or -EIO. */
int api_auth_new_key(char *out, size_t len);

#endif /* AEGIS_API_AUTH_H */
