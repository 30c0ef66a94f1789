/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * challenge: the cryptography of the browser challenge, stateless so any
 * worker (or any aegisd sharing the secret file) verifies what another
 * issued. Nothing here does I/O on connections; http/http_challenge.c
 * serves the page and the endpoints, the guard decides who is asked.
 *
 * Keys: one master secret (secret file); the key of epoch e is
 * HMAC-SHA256(secret, "aegis-challenge-v1" || e), e = unix time /
 * rotation. Tokens and cookies name their issue time, hence their epoch;
 * only the current and the previous epoch are accepted, so a retired key
 * verifies nothing.
 *
 * Token (in the page): version, issue time (ms), difficulty, a random salt and
 * a MAC over those and the client binding. The answer is a nonce with
 * SHA-256(token ":" nonce) starting with `difficulty` zero bits. The
 * client can neither pick the salt nor lower the difficulty (MAC), nor
 * spend a token twice (the spent set: bounded, entries live until the
 * token expires; when no slot is free the answer is BUSY, never a pass).
 * A no-JS token is the same shape with its own MAC domain; it is good
 * once its wait is over.
 *
 * Cookie (clearance): version, issue time, lifetime, the difficulty
 * proven (0 for a no-JS clearance), the binding kind, and a MAC over
 * those and the binding: the exact address, or its /24 (/64) plus the
 * User-Agent. Checking one costs two HMACs.
 *
 * Thread-safety: everything may be called from any thread; the spent set
 * takes a mutex, the rest reads immutable state.
 */
#ifndef AEGIS_GUARD_CHALLENGE_H
#define AEGIS_GUARD_CHALLENGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aegis/challenge.h"
#include "aegis/maps.h"

struct challenge_params {
	uint32_t rotation_s;		/* epoch length; >= cookie lifetimes */
	uint32_t solve_s;		/* a token's lifetime */
	uint32_t spent_capacity;	/* tokens remembered (rounded up to a power of 2) */
	enum aegis_chal_binding binding;
};

/* Who a token or cookie belongs to. */
struct challenge_client {
	const struct aegis_addr *addr;
	const char *ua;			/* User-Agent (binding PREFIX only); may be NULL */
	size_t ua_len;
};

struct challenge_stats {
	uint64_t spent_used;		/* live entries in the spent set */
	uint64_t spent_capacity;
};

struct challenge;

/*
 * Reads the master secret from path, or creates it (mode 0600, random)
 * when the file does not exist. -errno with err set: unreadable, not
 * exactly AEGIS_CHAL_SECRET_LEN bytes, or readable by group or others.
 */
int challenge_secret_load(const char *path, uint8_t out[AEGIS_CHAL_SECRET_LEN], char *err,
			  size_t errlen);

/* 0, -EINVAL (parameters) or -ENOMEM, with err set. */
int challenge_new(const struct challenge_params *p, const uint8_t secret[AEGIS_CHAL_SECRET_LEN],
		  struct challenge **out, char *err, size_t errlen);
void challenge_free(struct challenge *ch);
void challenge_stats(struct challenge *ch, struct challenge_stats *out);

/* A new token for cl (AEGIS_CHAL_TOKEN_CHARS + NUL); nojs: a no-JS token.
 * 0 or -EIO (randomness, HMAC). */
int challenge_issue(const struct challenge *ch, const struct challenge_client *cl,
		    unsigned difficulty, bool nojs, uint64_t now_ms,
		    char out[AEGIS_CHAL_TOKEN_CHARS + 1]);

/*
 * An answer: the token and the nonce (decimal digits) for a proof of
 * work, or the token alone for a no-JS answer (nonce NULL; good once
 * nojs_wait_s have passed since its issue). Times are CLOCK_REALTIME ms.
 * OK spends the token and sets *difficulty and *issued_ms.
 */
enum aegis_chal_result challenge_verify(struct challenge *ch, const struct challenge_client *cl,
					const char *token, size_t token_len, const char *nonce,
					size_t nonce_len, uint32_t nojs_wait_s, uint64_t now_ms,
					unsigned *difficulty, uint64_t *issued_ms);

/* A clearance cookie value (AEGIS_CHAL_COOKIE_CHARS + NUL). 0 or -EIO. */
int challenge_cookie_mint(const struct challenge *ch, const struct challenge_client *cl,
			  unsigned difficulty, uint32_t ttl_s, uint64_t now_s,
			  char out[AEGIS_CHAL_COOKIE_CHARS + 1]);
/* OK sets *difficulty, the level the cookie proved. */
enum aegis_chal_result challenge_cookie_check(const struct challenge *ch,
					      const struct challenge_client *cl, const char *val,
					      size_t len, uint64_t now_s, unsigned *difficulty);

/* SHA-256(token ":" nonce) starts with bits zero bits. */
bool challenge_pow_ok(const char *token, size_t token_len, const char *nonce, size_t nonce_len,
		      unsigned bits);

/*
 * The value of cookie `name` in a Cookie header value (RFC 6265 section
 * 5.4 form, tolerant of extra spaces and empty pairs): true and *val,
 * *len set on the first match; false if absent.
 */
bool challenge_cookie_find(const char *hdr, size_t hdr_len, const char *name, const char **val,
			   size_t *len);

const char *challenge_result_name(enum aegis_chal_result r);

#endif /* AEGIS_GUARD_CHALLENGE_H */
