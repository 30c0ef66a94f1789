// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* API keys and failed-authentication limits; see api_auth.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "lib/b64url.h"
#include "mgmt/api_auth.h"

struct fail_entry {
	struct aegis_addr src;
	uint64_t window_start_s;	/* 0: free */
	uint32_t fails;
};

struct api_auth {
	struct cfg_api_key *keys;
	size_t n_keys;
	struct fail_entry fails[API_AUTH_SOURCES];
	struct api_auth_stats st;
};

int api_auth_new(struct api_auth **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void api_auth_free(struct api_auth *a)
{
	if (!a)
		return;
	free(a->keys);
	free(a);
}

int api_auth_set_keys(struct api_auth *a, const struct cfg_api_key *keys, size_t n)
{
	struct cfg_api_key *k = NULL;

	if (n && !(k = malloc(n * sizeof(*k))))
		return -ENOMEM;
	if (n)
		memcpy(k, keys, n * sizeof(*k));
	free(a->keys);
	a->keys = k;
	a->n_keys = n;
	return 0;
}

size_t api_auth_n_keys(const struct api_auth *a)
{
	return a->n_keys;
}

int api_auth_hash(const char *key, size_t len, uint8_t out[AEGIS_API_HASH_LEN])
{
	unsigned int n = 0;

	if (!EVP_Digest(key, len, out, &n, EVP_sha256(), NULL) || n != AEGIS_API_HASH_LEN)
		return -EIO;
	return 0;
}

int api_auth_new_key(char *out, size_t len)
{
	unsigned char raw[AEGIS_API_KEY_BYTES];
	size_t plen = strlen(AEGIS_API_KEY_PREFIX);
	int ret;

	if (len < plen || RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	memcpy(out, AEGIS_API_KEY_PREFIX, plen);
	ret = b64url_encode(raw, sizeof(raw), out + plen, len - plen);
	OPENSSL_cleanse(raw, sizeof(raw));
	return ret ? -EIO : 0;
}

/* The entry of src: found, or a free one, or the oldest window (reused). */
static struct fail_entry *fail_slot(struct api_auth *a, const struct aegis_addr *src)
{
	struct fail_entry *oldest = &a->fails[0];

	for (size_t i = 0; i < API_AUTH_SOURCES; i++) {
		struct fail_entry *e = &a->fails[i];

		if (e->window_start_s && !memcmp(&e->src, src, sizeof(*src)))
			return e;
		if (e->window_start_s < oldest->window_start_s)
			oldest = e;
	}
	if (oldest->window_start_s) {
		oldest->window_start_s = 0;
		oldest->fails = 0;
	}
	oldest->src = *src;
	return oldest;
}

static struct fail_entry *fail_find(struct api_auth *a, const struct aegis_addr *src,
				    uint64_t now_s)
{
	for (size_t i = 0; i < API_AUTH_SOURCES; i++) {
		struct fail_entry *e = &a->fails[i];

		if (!e->window_start_s || memcmp(&e->src, src, sizeof(*src)))
			continue;
		if (now_s >= e->window_start_s + AEGIS_API_AUTH_WINDOW_S) {
			e->window_start_s = 0;	/* window over: forgiven */
			e->fails = 0;
			return NULL;
		}
		return e;
	}
	return NULL;
}

static void fail_count(struct api_auth *a, const struct aegis_addr *src, uint64_t now_s)
{
	struct fail_entry *e = fail_find(a, src, now_s);

	if (!e) {
		e = fail_slot(a, src);
		e->window_start_s = now_s ? now_s : 1;
		e->fails = 0;
	}
	e->fails++;
}

/* Every key compared, in constant time each: the match, or NULL. */
static const struct cfg_api_key *key_match(const struct api_auth *a, const char *token,
					   size_t len)
{
	const struct cfg_api_key *found = NULL;
	uint8_t h[AEGIS_API_HASH_LEN];

	if (api_auth_hash(token, len, h))
		return NULL;
	for (size_t i = 0; i < a->n_keys; i++) {
		bool eq = !CRYPTO_memcmp(h, a->keys[i].hash, sizeof(h));

		found = eq ? &a->keys[i] : found;
	}
	return found;
}

enum api_auth_result api_auth_check(struct api_auth *a, const struct aegis_addr *peer,
				    const char *token, size_t len, uint64_t now_s,
				    const struct cfg_api_key **key, uint32_t *retry_s)
{
	struct fail_entry *e = fail_find(a, peer, now_s);

	*key = NULL;
	*retry_s = 0;
	if (e && e->fails >= AEGIS_API_AUTH_FAILS) {
		a->st.limited++;
		*retry_s = (uint32_t)(e->window_start_s + AEGIS_API_AUTH_WINDOW_S - now_s);
		return API_AUTH_LIMITED;
	}
	if (!token || !len) {
		a->st.missing++;
		fail_count(a, peer, now_s);
		return API_AUTH_MISSING;
	}
	*key = key_match(a, token, len);
	if (!*key) {
		a->st.bad++;
		fail_count(a, peer, now_s);
		return API_AUTH_BAD;
	}
	a->st.ok++;
	if (e) {	/* a source that knows a key was not guessing */
		e->window_start_s = 0;
		e->fails = 0;
	}
	return API_AUTH_OK;
}

void api_auth_stats(const struct api_auth *a, struct api_auth_stats *out)
{
	*out = a->st;
}
