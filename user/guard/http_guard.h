/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * http_guard: the HTTP proxy's detection pipeline, everything between
 * "request head parsed and clean" and "forward upstream". One guard per
 * HTTP proxy (its shared state is thread-safe), one scratch per worker.
 *
 * http_guard_head() runs the stages cheapest first and stops at the first
 * one that blocks (docs/HTTP-DETECTION.md is the operator's reference):
 *   deny list (403)  -> allow lists (pass, skip the rest)
 *   -> rate limits: per IP (x factor), per entity, per API key, per path,
 *      hot-key cooldown (429 + Retry-After)
 *   -> bots: UA list (403), blocklisted fingerprint (403), score >=
 *      bots.score (flag; repeated flags blocklist the fingerprint)
 *   -> funnel (flag or 403) -> WAF on the head (403).
 * The deny list wins over the allow lists: an address on both is denied.
 * A request with a body gets the WAF on its head here, and again with the
 * body prefix in http_guard_body(); the body call scores the whole request
 * (head included), so a head signature plus a body signature add up.
 *
 * Modes: OFF passes everything and counts nothing; DETECT runs and counts
 * every stage (rate limiters take tokens) but turns each BLOCK into a FLAG
 * (keeping the status enforce would send) and stops where enforce would
 * stop, so its events are exactly what enforce would refuse; the request
 * goes upstream. ENFORCE blocks. A FLAG from a flag-only rule (bot score,
 * funnel action flag) does not stop the pipeline; a later block replaces it.
 *
 * Emitting the event of a verdict: secevent_from_verdict() (secevent.h).
 */
#ifndef AEGIS_HTTP_GUARD_H
#define AEGIS_HTTP_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aegis/challenge.h"
#include "aegis/maps.h"
#include "config/http_cfg.h"
#include "http/http_req.h"

enum http_action { HTTP_ACT_PASS, HTTP_ACT_FLAG, HTTP_ACT_BLOCK, HTTP_ACT__COUNT };

/* Every stage that can decide; the last three are the proxy's own. */
enum http_stage {
	HTTP_STAGE_NONE,	/* "none": passed every stage */
	HTTP_STAGE_DENY,	/* "deny" */
	HTTP_STAGE_ALLOW,	/* "allow": allow-listed, nothing else ran */
	HTTP_STAGE_RATE,	/* "rate" */
	HTTP_STAGE_BOT,		/* "bot" */
	HTTP_STAGE_FUNNEL,	/* "funnel" */
	HTTP_STAGE_WAF,		/* "waf" */
	HTTP_STAGE_HYGIENE,	/* "hygiene": request refused by the parser */
	HTTP_STAGE_TARPIT,	/* "tarpit" */
	HTTP_STAGE_BREAKER,	/* "breaker": upstream circuit open */
	HTTP_STAGE_REPUTATION,	/* "reputation": soft-blocked source, fast reject */
	HTTP_STAGE_CHALLENGE,	/* "challenge": asked to prove a browser (no clearance) */
	HTTP_STAGE__COUNT
};

struct http_guard_in {
	const struct aegis_addr *client;	/* real client (after trusted proxies) */
	const struct http_req_head *head;
	enum http_mode mode;			/* the host's */
	uint32_t waf_threshold;			/* the host's; 0 = WAF off */
	uint32_t stages_off;			/* enum toggles_stage bits (live switches) */
	uint32_t rate_factor_pct;		/* adaptive rate: 100 = normal, 0 reads as 100 */
	uint64_t now_ms;			/* CLOCK_MONOTONIC */
	/* The browser challenge (the host's; under mode and the switches). */
	enum http_mode chal_mode;
	uint32_t chal_difficulty;
	bool chal_always;
	bool rep_challenge;			/* the reputation engine says challenge */
	uint64_t now_s;				/* CLOCK_REALTIME: tokens, cookies */
};

struct http_verdict {
	enum http_action action;
	enum http_stage stage;		/* the deciding stage; NONE on a clean pass */
	int status;			/* 403 or 429 for BLOCK, and for a FLAG that
					 * enforce mode would have blocked; else 0 */
	uint32_t retry_after_s;		/* 429 only */
	uint32_t rule_id;		/* WAF rule id, else 0 */
	char rule[64];			/* "per_ip", "waf:942100", "bot_ua:sqlmap" ... */
	int score;			/* bot or WAF score */
	bool tarpit;			/* BLOCK and tarpit.delay_ms > 0 */
	bool skip_body;			/* allow-listed or WAF off: no body inspection needed */
	bool challenge;			/* stage CHALLENGE: serve the challenge, not a 403 */
	unsigned chal_difficulty;	/* the difficulty to ask for */
	unsigned cleared;		/* a valid clearance cookie proved this (0: none, or no-JS) */
	bool has_clearance;		/* the request carried a valid clearance cookie */
};

struct http_guard_stats {
	uint64_t count[HTTP_STAGE__COUNT][HTTP_ACT__COUNT];	/* decisions by stage x action */
	uint64_t requests;		/* http_guard_head() calls outside mode OFF */
	uint64_t rate_evicted;		/* live rate buckets pushed out of a full table */
	uint64_t fp_blocklisted;	/* fingerprints put on the blocklist */
	uint64_t chal_cookie[AEGIS_CHAL__COUNT];	/* clearance cookies checked, by result */
	uint64_t chal_crawler;		/* verified-crawler ranges let through */
	uint64_t chal_spent_used, chal_spent_capacity;
};

struct http_guard;
struct http_guard_scratch;

/* 0, or -EINVAL/-ENOMEM with err set. The guard keeps no pointer into cfg. */
int http_guard_new(const struct http_cfg *cfg, struct http_guard **out, char *err,
		   size_t errlen);
void http_guard_free(struct http_guard *g);

/* One per worker thread. NULL on ENOMEM. */
struct http_guard_scratch *http_guard_scratch_new(const struct http_guard *g);
void http_guard_scratch_free(struct http_guard_scratch *s);

/* 0 with v filled. -EINVAL without head or client; -EIO/-ENOMEM from the
 * WAF (v then holds what the stages before it decided). */
int http_guard_head(struct http_guard *g, struct http_guard_scratch *s,
		    const struct http_guard_in *in, struct http_verdict *v);

/*
 * After the body prefix (at most WAF_BODY_PREFIX bytes) has been read:
 * the WAF over head and body together. Call only when the head verdict
 * was not BLOCK and not skip_body. 0 or -errno.
 */
int http_guard_body(struct http_guard *g, struct http_guard_scratch *s,
		    const struct http_guard_in *in, const char *body, size_t len,
		    const char *content_type, size_t ct_len, struct http_verdict *v);

/* Counts a decision the proxy made itself (hygiene, tarpit, breaker). */
void http_guard_count(struct http_guard *g, enum http_stage stage, enum http_action act);

void http_guard_stats(const struct http_guard *g, struct http_guard_stats *out);
/* The attack class (enum waf_class) of a WAF rule id; 0 if unknown. */
int http_guard_waf_class(const struct http_guard *g, uint32_t rule_id);

const char *http_stage_name(enum http_stage st);
/* The proxy's challenge keys and spent set (NULL: no host challenges). */
struct challenge *http_guard_challenge(const struct http_guard *g);
/* The compiled WAF the guard runs (NULL if no host uses one), for probes. */
const struct waf *http_guard_waf(const struct http_guard *g);
const char *http_action_name(enum http_action a);

#endif /* AEGIS_HTTP_GUARD_H */
