/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fingerprint: the HTTP proxy's bot signals (config `bots:`).
 *
 * 1. A header fingerprint of our own: FNV-1a 64 of the method, the HTTP
 *    version, the lowercased header names in received order and presence
 *    bits of Accept, Accept-Language, Accept-Encoding, Sec-Fetch-* and
 *    Cookie. Values (other than those presence bits) stay out, so one
 *    client program keeps one fingerprint across URLs and sessions. It is
 *    stable across restarts and printed as 16 hex digits.
 * 2. A bot score from the same head (enum fp_signal, weights below): a
 *    real Chrome or Firefox scores 0, curl and python-requests with their
 *    default headers stay below the default threshold (6) because APIs use
 *    them, a script that claims to be a browser without sending what the
 *    browser sends goes over it.
 * 3. Accumulation: flagged requests of one fingerprint are counted in a
 *    window (bots.window_ms, fixed, from the first flag); block_after of
 *    them put the fingerprint on a blocklist for block_ms. The blocklist
 *    is global (every client sending that header set), kept in a bounded
 *    sharded table (keytab.h).
 * 4. User-Agent lists, matched in one Hyperscan pass (literals, caseless):
 *    scanners and attack tools block, generic automation only adds
 *    FP_SIG_AUTOMATION to the score, bots.user_agents block.
 *
 * Sec-Fetch-* is only sent to secure origins (HTTPS or localhost): behind
 * a TLS-terminating CDN it is present, for plain-HTTP browsing it is not;
 * its weight alone never reaches the default threshold.
 */
#ifndef AEGIS_FINGERPRINT_H
#define AEGIS_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/http_cfg.h"
#include "http/http_req.h"
#include "lib/keytab.h"

/* Bot signals and their weights (FP_W_*). */
enum fp_signal {
	FP_SIG_NO_UA		= 1u << 0,	/* absent or empty User-Agent */
	FP_SIG_NO_ACCEPT	= 1u << 1,
	FP_SIG_NO_LANGUAGE	= 1u << 2,	/* Accept-Language */
	FP_SIG_NO_ENCODING	= 1u << 3,	/* Accept-Encoding */
	FP_SIG_HTTP10		= 1u << 4,	/* no current browser speaks it */
	FP_SIG_BROWSER_INCOMPLETE = 1u << 5,	/* claims a browser, lacks one of the three Accept* */
	FP_SIG_NO_SEC_FETCH	= 1u << 6,	/* claims Chrome >= 76 or Firefox >= 90, no Sec-Fetch-* */
	FP_SIG_ORDER		= 1u << 7,	/* header order not the claimed browser's */
	FP_SIG_AUTOMATION	= 1u << 8,	/* generic automation User-Agent (set by fingerprint_ua()) */
};
#define FP_W_NO_UA		4
#define FP_W_NO_ACCEPT		2
#define FP_W_NO_LANGUAGE	1
#define FP_W_NO_ENCODING	1
#define FP_W_HTTP10		1
#define FP_W_BROWSER_INCOMPLETE	2
#define FP_W_NO_SEC_FETCH	2
#define FP_W_ORDER		2
#define FP_W_AUTOMATION		3

struct fp_result {
	uint64_t id;		/* the fingerprint */
	unsigned signals;	/* enum fp_signal bits */
	int score;		/* sum of their weights */
};

enum fp_ua_kind { FP_UA_NONE, FP_UA_AUTOMATION, FP_UA_BLOCK };

struct fp_ua_hit {
	enum fp_ua_kind kind;
	const char *name;	/* the list entry that matched (owned by the fingerprint) */
};

struct fingerprint;
struct fingerprint_scratch;

/* From cfg->bots. 0, or -EINVAL/-ENOMEM with err set. */
int fingerprint_new(const struct http_cfg *cfg, uint32_t capacity, struct fingerprint **out,
		    char *err, size_t errlen);
void fingerprint_free(struct fingerprint *f);

/* One per worker (Hyperscan scratch). NULL on ENOMEM. */
struct fingerprint_scratch *fingerprint_scratch_new(const struct fingerprint *f);
void fingerprint_scratch_free(struct fingerprint_scratch *s);

/* Fingerprint and score of a head (pure; no UA list). */
void fingerprint_compute(const struct http_req_head *h, struct fp_result *out);

/*
 * The UA lists over ua (may be NULL). A block entry wins over an
 * automation one. Returns 0 or -EIO (Hyperscan error).
 */
int fingerprint_ua(const struct fingerprint *f, struct fingerprint_scratch *s,
		   const char *ua, size_t len, struct fp_ua_hit *hit);

/* True while id is blocklisted. */
bool fingerprint_blocked(struct fingerprint *f, uint64_t id, uint64_t now_ms);

/* Counts one flagged request of id; true if that put it on the blocklist. */
bool fingerprint_flag(struct fingerprint *f, uint64_t id, uint64_t now_ms);

/* "0123456789abcdef" into buf (>= 17 bytes). Returns buf. */
const char *fingerprint_hex(uint64_t id, char *buf, size_t len);

#endif /* AEGIS_FINGERPRINT_H */
