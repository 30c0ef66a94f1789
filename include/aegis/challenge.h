/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The browser challenge's facts shared by the config (which validates
 * them), the guard (user/guard/challenge.c: tokens, cookies, the spent
 * set), the HTTP proxy (user/http/http_challenge.c: the page and its
 * endpoints) and the metrics: limits, defaults, the reserved paths and
 * the verdicts of a token or a cookie. docs/CHALLENGES.md is the
 * operator's reference.
 */
#ifndef AEGIS_CHALLENGE_H
#define AEGIS_CHALLENGE_H

/* Proof of work: leading zero bits of SHA-256(token ":" nonce). */
#define AEGIS_CHAL_DEF_DIFFICULTY	16
#define AEGIS_CHAL_MIN_DIFFICULTY	1
#define AEGIS_CHAL_MAX_DIFFICULTY	28	/* ~268M hashes: minutes in a browser */
#define AEGIS_CHAL_REP_EXTRA_BITS	2	/* added for a source the reputation engine challenges */

#define AEGIS_CHAL_SECRET_LEN		32	/* master secret, bytes (the secret file) */
#define AEGIS_CHAL_SECRET_FILE		"challenge.key"	/* in state_dir unless secret_file says */
#define AEGIS_CHAL_MAC_LEN		16	/* truncated HMAC-SHA256 in tokens and cookies */
#define AEGIS_CHAL_SALT_LEN		16
#define AEGIS_CHAL_TOKEN_CHARS		56	/* base64url of a token (42 bytes) */
#define AEGIS_CHAL_COOKIE_CHARS		42	/* base64url of a cookie (31 bytes) */
#define AEGIS_CHAL_NONCE_MAX		20	/* decimal digits of a nonce (uint64) */
#define AEGIS_CHAL_CLOCK_SKEW_S		5	/* issue times this far ahead still count */

#define AEGIS_CHAL_DEF_COOKIE_NAME	"aegis_clearance"
#define AEGIS_CHAL_COOKIE_NAME_MAX	63
#define AEGIS_CHAL_DEF_COOKIE_TTL_S	3600
#define AEGIS_CHAL_DEF_ROTATION_S	(6 * 3600)	/* epoch keys; >= cookie ttl */
#define AEGIS_CHAL_DEF_SOLVE_S		300		/* a token is good this long */
#define AEGIS_CHAL_DEF_SPENT		131072		/* solved tokens remembered */
#define AEGIS_CHAL_MIN_SPENT		1024
#define AEGIS_CHAL_MAX_SPENT		(1u << 24)
#define AEGIS_CHAL_DEF_NOJS_TTL_S	600
#define AEGIS_CHAL_MAX_LIST		64		/* paths, user agents, crawler ranges ... */
#define AEGIS_CHAL_TITLE_MAX		127
#define AEGIS_CHAL_TEXT_MAX		511

/* Paths aegisd answers itself on a host with challenges on. */
#define AEGIS_CHAL_PATH_PREFIX		"/.aegis/challenge/"
#define AEGIS_CHAL_PATH_VERIFY		AEGIS_CHAL_PATH_PREFIX "verify"
#define AEGIS_CHAL_PATH_NOJS		AEGIS_CHAL_PATH_PREFIX "nojs"
/* Response header: "pow" on a challenge, so fetch()/XHR code can tell. */
#define AEGIS_CHAL_HEADER		"Aegis-Challenge"

/* X(enum suffix, name): what checking a token or a cookie found. */
#define AEGIS_CHAL_RESULTS(X)						\
	X(OK,		"ok")							\
	X(MALFORMED,	"malformed")	/* not our format */			\
	X(FORGED,	"forged")	/* MAC mismatch: tampered, or another client */ \
	X(EXPIRED,	"expired")						\
	X(RETIRED,	"retired")	/* signed by a key no longer accepted */ \
	X(EARLY,	"early")	/* no-JS wait not over, or issued in the future */ \
	X(WEAK,		"weak")		/* proof of work short of the difficulty */ \
	X(REPLAY,	"replay")	/* token already spent */		\
	X(BUSY,		"busy")		/* spent set full: try again */

enum aegis_chal_result {
#define AEGIS_CHAL_RESULT_ENUM(e, n) AEGIS_CHAL_##e,
	AEGIS_CHAL_RESULTS(AEGIS_CHAL_RESULT_ENUM)
#undef AEGIS_CHAL_RESULT_ENUM
	AEGIS_CHAL__COUNT
};

/* How a clearance cookie is bound to its client. */
enum aegis_chal_binding {
	AEGIS_CHAL_BIND_IP,		/* the exact address (default) */
	AEGIS_CHAL_BIND_PREFIX,		/* IPv4 /24 or IPv6 /64, plus the User-Agent */
};

#endif /* AEGIS_CHALLENGE_H */
