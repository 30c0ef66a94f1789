// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The HTTP detection pipeline; see http_guard.h and docs/HTTP-DETECTION.md. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"
#include "lib/errbuf.h"
#include "guard/challenge.h"
#include "guard/fingerprint.h"
#include "guard/funnel.h"
#include "guard/http_guard.h"
#include "guard/ratelimit.h"
#include "guard/toggles.h"
#include "guard/waf.h"
#include "guard/waf_cfg.h"

#define GUARD_TABLE_DEFAULT 65536	/* when rate.table_size is 0 */

enum { RL_IP, RL_ENTITY, RL_KEY, RL_PATH, RL__COUNT };

struct http_guard {
	struct http_cfg cfg;			/* own copy: lists, limits, bots */
	struct ratelimit *rl[RL__COUNT];
	struct fingerprint *fp;
	struct funnel *funnel;			/* NULL without funnel rules */
	struct waf *waf;
	struct challenge *chal;			/* NULL: no host challenges */
	atomic_uint_fast64_t chal_cookie[AEGIS_CHAL__COUNT], chal_crawler;
	atomic_uint_fast64_t count[HTTP_STAGE__COUNT][HTTP_ACT__COUNT];
	atomic_uint_fast64_t requests, fp_blocklisted;
};

struct http_guard_scratch {
	struct fingerprint_scratch *fp;
	struct waf_scratch *waf;
	struct waf_header *hdrs;
	size_t hdrs_cap;
};

/* What the stages need from the head, found in one pass over it. */
struct guard_req {
	const struct http_guard_in *in;
	struct http_span ua, api_key;
	unsigned char entity[RL_ENTITY_KEY_LEN];
};

static const char *const stage_names[HTTP_STAGE__COUNT] = {
	[HTTP_STAGE_NONE] = "none", [HTTP_STAGE_DENY] = "deny", [HTTP_STAGE_ALLOW] = "allow",
	[HTTP_STAGE_RATE] = "rate", [HTTP_STAGE_BOT] = "bot", [HTTP_STAGE_FUNNEL] = "funnel",
	[HTTP_STAGE_WAF] = "waf", [HTTP_STAGE_HYGIENE] = "hygiene",
	[HTTP_STAGE_TARPIT] = "tarpit", [HTTP_STAGE_BREAKER] = "breaker",
	[HTTP_STAGE_REPUTATION] = "reputation", [HTTP_STAGE_CHALLENGE] = "challenge",
};

static const char *const action_names[HTTP_ACT__COUNT] = {
	[HTTP_ACT_PASS] = "pass", [HTTP_ACT_FLAG] = "flag", [HTTP_ACT_BLOCK] = "block",
};

const char *http_stage_name(enum http_stage st)
{
	return (unsigned)st < HTTP_STAGE__COUNT ? stage_names[st] : "unknown";
}

const char *http_action_name(enum http_action a)
{
	return (unsigned)a < HTTP_ACT__COUNT ? action_names[a] : "unknown";
}

/* ---- life cycle ---- */

static int guard_check_limits(const struct http_cfg *c, char *err, size_t errlen)
{
	const struct http_limit *lims[] = { &c->rate.per_ip, &c->rate.per_entity,
					    &c->rate.per_api_key };
	int rc;

	for (size_t i = 0; i < sizeof(lims) / sizeof(lims[0]); i++)
		if ((rc = ratelimit_check(lims[i], err, errlen)))
			return rc;
	for (size_t i = 0; i < c->rate.n_paths; i++)
		if ((rc = ratelimit_check(&c->rate.paths[i].lim, err, errlen)))
			return rc;
	return 0;
}

static int guard_tables(struct http_guard *g, char *err, size_t errlen)
{
	const struct http_cfg *c = &g->cfg;
	uint32_t cap = c->rate.table_size ? c->rate.table_size : GUARD_TABLE_DEFAULT;
	bool on[RL__COUNT] = { c->rate.per_ip.rate, c->rate.per_entity.rate,
			       c->rate.per_api_key.rate, c->rate.n_paths };
	int rc;

	/* Tables only for limits in use: each is table_size entries up front. */
	for (int i = 0; i < RL__COUNT; i++) {
		if (!on[i])
			continue;
		g->rl[i] = ratelimit_new(cap, c->rate.hot_multiplier, c->rate.cooldown_ms);
		if (!g->rl[i])
			goto nomem;
	}
	if (c->n_funnels) {
		g->funnel = funnel_new(c->funnels, c->n_funnels, cap);
		if (!g->funnel)
			goto nomem;
	}
	rc = fingerprint_new(c, cap, &g->fp, err, errlen);
	if (rc)
		return rc;
	return 0;
nomem:
	errbuf_set(err, errlen, "out of memory for the rate tables (table_size %u)", cap);
	return -ENOMEM;
}

/* Compiling the WAF takes seconds: only when some host can use it. */
static bool waf_wanted(const struct http_cfg *cfg)
{
	if (cfg->waf.threshold)
		return true;
	for (size_t i = 0; i < cfg->n_hosts; i++)
		if (cfg->hosts[i].waf_threshold)
			return true;
	return false;
}

static bool chal_wanted(const struct http_cfg *cfg)
{
	for (size_t i = 0; i < cfg->n_hosts; i++)
		if (cfg->hosts[i].chal_mode != HTTP_MODE_OFF)
			return true;
	return false;
}

static int chal_build(struct http_guard *g, char *err, size_t errlen)
{
	const struct http_challenge_cfg *c = &g->cfg.challenge;
	struct challenge_params p = { .rotation_s = c->rotation_s, .solve_s = c->solve_s,
				      .spent_capacity = c->spent, .binding = c->binding };
	uint8_t secret[AEGIS_CHAL_SECRET_LEN];
	int rc = challenge_secret_load(c->secret_file, secret, err, errlen);

	if (!rc)
		rc = challenge_new(&p, secret, &g->chal, err, errlen);
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

int http_guard_new(const struct http_cfg *cfg, struct http_guard **out, char *err,
		   size_t errlen)
{
	struct http_guard *g;
	int rc;

	*out = NULL;
	rc = guard_check_limits(cfg, err, errlen);
	if (rc)
		return rc;
	g = calloc(1, sizeof(*g));
	if (!g || http_cfg_copy(&g->cfg, cfg)) {
		free(g);
		errbuf_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = guard_tables(g, err, errlen);
	if (!rc && chal_wanted(cfg))
		rc = chal_build(g, err, errlen);
	if (!rc && waf_wanted(cfg))
		rc = waf_build(cfg, &g->waf, err, errlen);
	if (rc) {
		http_guard_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

void http_guard_free(struct http_guard *g)
{
	if (!g)
		return;
	for (int i = 0; i < RL__COUNT; i++)
		ratelimit_free(g->rl[i]);
	funnel_free(g->funnel);
	fingerprint_free(g->fp);
	waf_free(g->waf);
	challenge_free(g->chal);
	http_cfg_free(&g->cfg);
	free(g);
}

struct http_guard_scratch *http_guard_scratch_new(const struct http_guard *g)
{
	struct http_guard_scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fp = fingerprint_scratch_new(g->fp);
	s->waf = g->waf ? waf_scratch_new(g->waf) : NULL;
	if (!s->fp || (g->waf && !s->waf)) {
		http_guard_scratch_free(s);
		return NULL;
	}
	return s;
}

void http_guard_scratch_free(struct http_guard_scratch *s)
{
	if (!s)
		return;
	fingerprint_scratch_free(s->fp);
	waf_scratch_free(s->waf);
	free(s->hdrs);
	free(s);
}

/* ---- verdicts and counters ---- */

void http_guard_count(struct http_guard *g, enum http_stage stage, enum http_action act)
{
	if ((unsigned)stage < HTTP_STAGE__COUNT && (unsigned)act < HTTP_ACT__COUNT)
		atomic_fetch_add_explicit(&g->count[stage][act], 1, memory_order_relaxed);
}

int http_guard_waf_class(const struct http_guard *g, uint32_t rule_id)
{
	const struct waf_rule_info *ri = g->waf && rule_id ? waf_rule_find(g->waf, rule_id) : NULL;

	return ri ? (int)ri->cls : 0;
}

void http_guard_stats(const struct http_guard *g, struct http_guard_stats *out)
{
	struct keytab_stats ks;

	memset(out, 0, sizeof(*out));
	for (int s = 0; s < HTTP_STAGE__COUNT; s++)
		for (int a = 0; a < HTTP_ACT__COUNT; a++)
			out->count[s][a] = atomic_load_explicit(&g->count[s][a],
								memory_order_relaxed);
	out->requests = atomic_load_explicit(&g->requests, memory_order_relaxed);
	out->fp_blocklisted = atomic_load_explicit(&g->fp_blocklisted, memory_order_relaxed);
	for (int i = 0; i < AEGIS_CHAL__COUNT; i++)
		out->chal_cookie[i] = atomic_load_explicit(&g->chal_cookie[i], memory_order_relaxed);
	out->chal_crawler = atomic_load_explicit(&g->chal_crawler, memory_order_relaxed);
	if (g->chal) {
		struct challenge_stats cs;

		challenge_stats(g->chal, &cs);
		out->chal_spent_used = cs.spent_used;
		out->chal_spent_capacity = cs.spent_capacity;
	}
	for (int i = 0; i < RL__COUNT; i++) {
		if (!g->rl[i])
			continue;
		ratelimit_stats(g->rl[i], &ks);
		out->rate_evicted += ks.evicted;
	}
}

static void verdict_pass(struct http_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->action = HTTP_ACT_PASS;
	v->stage = HTTP_STAGE_NONE;
}

/*
 * A stage decided. Returns true if the pipeline stops here: a block (a
 * flag in detect mode, so detect reports exactly what enforce would do).
 * A flag-only result is kept unless a later stage decides harder.
 */
static bool verdict_set(const struct http_guard_in *in, struct http_verdict *v,
			enum http_stage st, enum http_action act, int status,
			const char *rule)
{
	bool stop = act == HTTP_ACT_BLOCK;

	if (stop && in->mode == HTTP_MODE_DETECT)
		act = HTTP_ACT_FLAG;
	v->action = act;
	v->stage = st;
	v->status = stop ? status : 0;
	snprintf(v->rule, sizeof(v->rule), "%s", rule);
	return stop;
}

/* ---- matching helpers ---- */

static bool addr_listed(const struct aegis_addr *a, const struct aegis_lpm_key *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (addr_in_cidr(a, &l[i]))
			return true;
	return false;
}

/* "/health" covers "/health" and "/health/x", not "/healthy"; a prefix
 * ending in '/' covers everything below it. */
static bool path_under(const char *prefix, const struct http_span *path)
{
	size_t n = strlen(prefix);

	if (path->len < n || memcmp(path->p, prefix, n) != 0)
		return false;
	return path->len == n || prefix[n - 1] == '/' || path->p[n] == '/';
}

/* Constant time in the key's bytes: allow-listed API keys are secrets. */
static bool key_eq(const char *want, const struct http_span *got)
{
	size_t n = strlen(want);
	unsigned char d = 0;

	if (n != got->len)
		return false;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(want[i] ^ got->p[i]);
	return d == 0;
}

static void guard_req_init(const struct http_guard *g, const struct http_guard_in *in,
			   struct guard_req *r)
{
	const struct http_req_head *h = in->head;
	const char *kh = g->cfg.rate.api_key_header;
	size_t khl = strlen(kh);
	bool ua = false, key = !khl;	/* no header name: no API keys */

	memset(r, 0, sizeof(*r));
	r->in = in;
	for (unsigned i = 0; i < h->nheaders && !(ua && key); i++) {
		const struct http_header *hd = &h->headers[i];

		if (!ua && hd->name.len == 10 && strncasecmp(hd->name.p, "user-agent", 10) == 0)
			r->ua = hd->value, ua = true;
		else if (!key && hd->name.len == khl && strncasecmp(hd->name.p, kh, khl) == 0)
			r->api_key = hd->value, key = true;
	}
	ratelimit_entity_key(in->client, r->ua.p, r->ua.len, r->entity);
}

static bool guard_allowed(const struct http_guard *g, const struct guard_req *r)
{
	const struct http_cfg *c = &g->cfg;

	if (addr_listed(r->in->client, c->allow.ips, c->allow.n_ips))
		return true;
	for (size_t i = 0; i < c->allow.n_paths; i++)
		if (path_under(c->allow.paths[i], &r->in->head->norm_path))
			return true;
	for (size_t i = 0; r->api_key.len && i < c->allow.n_api_keys; i++)
		if (key_eq(c->allow.api_keys[i], &r->api_key))
			return true;
	return false;
}

/* ---- stages ---- */

/* One limiter; true if it refused (verdict set). */
static bool rate_one(struct http_guard *g, int which, const struct http_limit *lim,
		     const void *key, size_t len, const char *name, const struct guard_req *r,
		     struct http_verdict *v)
{
	const struct http_guard_in *in = r->in;
	uint32_t factor = which == RL_IP ? in->rate_factor_pct : 100;
	struct ratelimit_result res;
	char rule[sizeof(v->rule)];

	if (!lim->rate || ratelimit_take(g->rl[which], lim, factor, key, len, in->now_ms, &res) ||
	    res.verdict == RL_ALLOW)
		return false;
	snprintf(rule, sizeof(rule), "%s%.59s", res.verdict == RL_COOLDOWN ? "hot:" : "", name);
	verdict_set(in, v, HTTP_STAGE_RATE, HTTP_ACT_BLOCK, 429, rule);
	v->retry_after_s = (uint32_t)(((uint64_t)res.retry_after_ms + 999) / 1000);
	if (!v->retry_after_s)
		v->retry_after_s = 1;
	return true;
}

static bool stage_rate(struct http_guard *g, const struct guard_req *r, struct http_verdict *v)
{
	const struct http_cfg *c = &g->cfg;
	const struct aegis_addr *ip = r->in->client;
	unsigned char pk[sizeof(uint32_t) + sizeof(*ip)];
	char name[sizeof(v->rule)];

	if (rate_one(g, RL_IP, &c->rate.per_ip, ip, sizeof(*ip), "per_ip", r, v) ||
	    rate_one(g, RL_ENTITY, &c->rate.per_entity, r->entity, sizeof(r->entity),
		     "per_entity", r, v))
		return true;
	if (r->api_key.len && rate_one(g, RL_KEY, &c->rate.per_api_key, r->api_key.p,
				       r->api_key.len, "per_api_key", r, v))
		return true;
	memcpy(pk + sizeof(uint32_t), ip, sizeof(*ip));
	for (size_t i = 0; i < c->rate.n_paths; i++) {
		uint32_t idx = (uint32_t)i;

		if (!path_under(c->rate.paths[i].prefix, &r->in->head->norm_path))
			continue;
		memcpy(pk, &idx, sizeof(idx));
		snprintf(name, sizeof(name), "path:%.58s", c->rate.paths[i].prefix);
		if (rate_one(g, RL_PATH, &c->rate.paths[i].lim, pk, sizeof(pk), name, r, v))
			return true;
	}
	return false;
}

static bool stage_bot(struct http_guard *g, struct http_guard_scratch *s,
		      const struct guard_req *r, struct http_verdict *v)
{
	const struct http_guard_in *in = r->in;
	struct fp_ua_hit hit;
	struct fp_result fp;
	char rule[sizeof(v->rule)], hex[17];

	if (fingerprint_ua(g->fp, s->fp, r->ua.p, r->ua.len, &hit) == 0 &&
	    hit.kind == FP_UA_BLOCK) {
		snprintf(rule, sizeof(rule), "bot_ua:%.56s", hit.name);
		return verdict_set(in, v, HTTP_STAGE_BOT, HTTP_ACT_BLOCK, 403, rule);
	}
	fingerprint_compute(in->head, &fp);
	if (hit.kind == FP_UA_AUTOMATION) {
		fp.signals |= FP_SIG_AUTOMATION;
		fp.score += FP_W_AUTOMATION;
	}
	fingerprint_hex(fp.id, hex, sizeof(hex));
	if (fingerprint_blocked(g->fp, fp.id, in->now_ms)) {
		snprintf(rule, sizeof(rule), "fp_blocked:%s", hex);
		v->score = fp.score;
		return verdict_set(in, v, HTTP_STAGE_BOT, HTTP_ACT_BLOCK, 403, rule);
	}
	if (!g->cfg.bots.score || fp.score < (int)g->cfg.bots.score)
		return false;
	if (fingerprint_flag(g->fp, fp.id, in->now_ms))
		atomic_fetch_add_explicit(&g->fp_blocklisted, 1, memory_order_relaxed);
	snprintf(rule, sizeof(rule), "bot_score:%s", hex);
	verdict_set(in, v, HTTP_STAGE_BOT, HTTP_ACT_FLAG, 0, rule);
	v->score = fp.score;
	return false;
}

static bool stage_funnel(struct http_guard *g, const struct guard_req *r,
			 struct http_verdict *v)
{
	const struct http_span *p = &r->in->head->norm_path;
	const struct http_funnel_cfg *rule;
	char name[sizeof(v->rule)];
	int i;

	if (!g->funnel)
		return false;
	i = funnel_check(g->funnel, r->entity, sizeof(r->entity), p->p, p->len, r->in->now_ms);
	if (i < 0)
		return false;
	rule = funnel_rule(g->funnel, (size_t)i);
	snprintf(name, sizeof(name), "funnel:%.56s", rule->target);
	return verdict_set(r->in, v, HTTP_STAGE_FUNNEL,
			   rule->action == HTTP_FUNNEL_BLOCK ? HTTP_ACT_BLOCK : HTTP_ACT_FLAG,
			   403, name);
}

/* ---- the browser challenge ---- */

static bool ua_has(const struct http_span *ua, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; n && i + n <= ua->len; i++)
		if (!strncasecmp(ua->p + i, needle, n))
			return true;
	return false;
}

/* Why this request must show clearance: "" if it need not. */
static const char *chal_trigger(const struct http_guard *g, const struct guard_req *r)
{
	const struct http_challenge_cfg *c = &g->cfg.challenge;
	const struct http_guard_in *in = r->in;

	if (in->chal_always)
		return "always";
	if (c->reputation && in->rep_challenge)
		return "reputation";
	if (c->methods & in->head->method_bit)
		return "method";
	for (size_t i = 0; i < c->n_paths; i++)
		if (path_under(c->paths[i], &in->head->norm_path))
			return "path";
	for (size_t i = 0; i < c->n_user_agents; i++)
		if (ua_has(&r->ua, c->user_agents[i]))
			return "user_agent";
	if (addr_listed(in->client, c->ips, c->n_ips))
		return "ip";
	return "";
}

/* Never challenged: exempt paths (and ours), verified crawlers. */
static bool chal_exempt(struct http_guard *g, const struct guard_req *r)
{
	const struct http_challenge_cfg *c = &g->cfg.challenge;
	const struct http_span *p = &r->in->head->norm_path;

	if (p->len >= sizeof(AEGIS_CHAL_PATH_PREFIX) - 1 &&
	    !memcmp(p->p, AEGIS_CHAL_PATH_PREFIX, sizeof(AEGIS_CHAL_PATH_PREFIX) - 1))
		return true;
	for (size_t i = 0; i < c->n_exempt; i++)
		if (path_under(c->exempt[i], p))
			return true;
	for (size_t i = 0; i < c->n_crawlers; i++)
		if (addr_in_cidr(r->in->client, &c->crawlers[i].net)) {
			atomic_fetch_add_explicit(&g->chal_crawler, 1, memory_order_relaxed);
			return true;
		}
	return false;
}

/* The clearance cookie, checked; the result counted. */
static bool chal_cleared(struct http_guard *g, const struct guard_req *r, struct http_verdict *v)
{
	const struct http_req_head *h = r->in->head;
	const char *name = g->cfg.challenge.cookie_name, *val;
	struct challenge_client cl = { r->in->client, r->ua.p, r->ua.len };
	enum aegis_chal_result res = AEGIS_CHAL__COUNT;
	size_t len;

	for (unsigned i = 0; i < h->nheaders && res != AEGIS_CHAL_OK; i++) {
		const struct http_header *hd = &h->headers[i];

		if (hd->name.len != 6 || strncasecmp(hd->name.p, "cookie", 6) ||
		    !challenge_cookie_find(hd->value.p, hd->value.len, name, &val, &len))
			continue;
		res = challenge_cookie_check(g->chal, &cl, val, len, r->in->now_s, &v->cleared);
	}
	if (res == AEGIS_CHAL__COUNT)
		return false;	/* no cookie: nothing to count */
	atomic_fetch_add_explicit(&g->chal_cookie[res], 1, memory_order_relaxed);
	/* A no-JS clearance (0) counts only where the fallback is offered. */
	v->has_clearance = res == AEGIS_CHAL_OK && (v->cleared || g->cfg.challenge.nojs_wait_s);
	return v->has_clearance;
}

static bool stage_challenge(struct http_guard *g, const struct guard_req *r,
			    struct http_verdict *v)
{
	const struct http_guard_in *in = r->in;
	const char *why;
	char rule[sizeof(v->rule)];
	bool stop;

	if (!g->chal || in->chal_mode == HTTP_MODE_OFF || (in->stages_off & TOGGLES_CHALLENGE) ||
	    chal_exempt(g, r))
		return false;
	if (chal_cleared(g, r, v) || !*(why = chal_trigger(g, r)))
		return false;
	snprintf(rule, sizeof(rule), "challenge:%s", why);
	if (in->chal_mode == HTTP_MODE_DETECT) {
		struct http_guard_in detect = *in;

		detect.mode = HTTP_MODE_DETECT;
		stop = verdict_set(&detect, v, HTTP_STAGE_CHALLENGE, HTTP_ACT_BLOCK, 403, rule);
	} else {
		stop = verdict_set(in, v, HTTP_STAGE_CHALLENGE, HTTP_ACT_BLOCK, 403, rule);
	}
	v->challenge = v->action == HTTP_ACT_BLOCK;
	v->chal_difficulty = in->chal_difficulty + (in->rep_challenge ? AEGIS_CHAL_REP_EXTRA_BITS : 0);
	if (v->chal_difficulty > AEGIS_CHAL_MAX_DIFFICULTY)
		v->chal_difficulty = AEGIS_CHAL_MAX_DIFFICULTY;
	return stop;
}

/* The head as the WAF's request view (headers copied into the scratch). */
static int waf_req_fill(struct http_guard_scratch *s, const struct http_req_head *h,
			struct waf_request *w)
{
	if (h->nheaders > s->hdrs_cap) {
		struct waf_header *n = realloc(s->hdrs, h->nheaders * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->hdrs = n;
		s->hdrs_cap = h->nheaders;
	}
	for (unsigned i = 0; i < h->nheaders; i++)
		s->hdrs[i] = (struct waf_header){ h->headers[i].name.p, h->headers[i].value.p,
						  h->headers[i].name.len, h->headers[i].value.len };
	memset(w, 0, sizeof(*w));
	w->method = h->method.p, w->method_len = h->method.len;
	w->path = h->path.p, w->path_len = h->path.len;
	w->query = h->query.len ? h->query.p : NULL, w->query_len = h->query.len;
	w->headers = s->hdrs, w->n_headers = h->nheaders;
	return 0;
}

/* Runs the WAF over w; 1 if it decided (verdict set), 0 if clean, -errno. */
static int waf_judge(struct http_guard *g, struct http_guard_scratch *s,
		     const struct http_guard_in *in, const struct waf_request *w,
		     struct http_verdict *v)
{
	struct waf_result res;
	const struct waf_hit *top = NULL;
	char rule[sizeof(v->rule)];

	if (!g->waf)	/* no host has a threshold: never compiled */
		return 0;
	if (waf_inspect(g->waf, s->waf, w, &res))
		return -EIO;
	if (res.total < (int)in->waf_threshold)
		return 0;
	for (unsigned i = 0; i < res.n_hits; i++)
		if (!top || res.hits[i].score > top->score)
			top = &res.hits[i];
	snprintf(rule, sizeof(rule), "waf:%u", top ? top->id : 0);
	verdict_set(in, v, HTTP_STAGE_WAF, HTTP_ACT_BLOCK, 403, rule);
	v->rule_id = top ? top->id : 0;
	v->score = res.total;
	return 1;
}

static int stage_waf_head(struct http_guard *g, struct http_guard_scratch *s,
			  const struct http_guard_in *in, struct http_verdict *v)
{
	struct waf_request w;
	int rc;

	if (!in->waf_threshold)
		return 0;
	rc = waf_req_fill(s, in->head, &w);
	return rc ? rc : waf_judge(g, s, in, &w, v);
}

/* ---- entry points ---- */

/* The stages in order; true once one stopped the pipeline. */
static int guard_run(struct http_guard *g, struct http_guard_scratch *s,
		     const struct guard_req *r, struct http_verdict *v)
{
	const struct http_guard_in *in = r->in;

	if (addr_listed(in->client, g->cfg.deny.ips, g->cfg.deny.n_ips))
		return verdict_set(in, v, HTTP_STAGE_DENY, HTTP_ACT_BLOCK, 403, "deny");
	if (guard_allowed(g, r)) {
		v->stage = HTTP_STAGE_ALLOW;
		v->skip_body = true;
		return true;
	}
	if (stage_challenge(g, r, v))
		return true;
	if (!(in->stages_off & TOGGLES_RATE) && stage_rate(g, r, v))
		return true;
	if (g->cfg.bots.enabled && !(in->stages_off & TOGGLES_BOTS) && stage_bot(g, s, r, v))
		return true;
	if (!(in->stages_off & TOGGLES_FUNNEL) && stage_funnel(g, r, v))
		return true;
	return stage_waf_head(g, s, in, v);
}

int http_guard_head(struct http_guard *g, struct http_guard_scratch *s,
		    const struct http_guard_in *in, struct http_verdict *v)
{
	struct guard_req r;
	int rc;

	verdict_pass(v);
	if (in->mode == HTTP_MODE_OFF) {
		v->skip_body = true;
		return 0;
	}
	if (!in->head || !in->client)
		return -EINVAL;
	atomic_fetch_add_explicit(&g->requests, 1, memory_order_relaxed);
	guard_req_init(g, in, &r);
	rc = guard_run(g, s, &r, v);
	if (rc < 0)
		return rc;
	/* A stopped pipeline (block, or its detect-mode flag) has no body stage. */
	if (rc > 0 || !in->waf_threshold)
		v->skip_body = true;
	v->tarpit = v->action == HTTP_ACT_BLOCK && g->cfg.tarpit.delay_ms > 0;
	http_guard_count(g, v->stage, v->action);
	return 0;
}

int http_guard_body(struct http_guard *g, struct http_guard_scratch *s,
		    const struct http_guard_in *in, const char *body, size_t len,
		    const char *content_type, size_t ct_len, struct http_verdict *v)
{
	struct waf_request w;
	int rc;

	verdict_pass(v);
	if (in->mode == HTTP_MODE_OFF || !in->waf_threshold)
		return 0;
	if (!in->head || !in->client)
		return -EINVAL;
	rc = waf_req_fill(s, in->head, &w);
	if (rc)
		return rc;
	w.body = body;
	w.body_len = len < WAF_BODY_PREFIX ? len : WAF_BODY_PREFIX;
	w.content_type = content_type;
	w.content_type_len = content_type ? ct_len : 0;
	rc = waf_judge(g, s, in, &w, v);
	if (rc <= 0)
		return rc;
	v->tarpit = v->action == HTTP_ACT_BLOCK && g->cfg.tarpit.delay_ms > 0;
	http_guard_count(g, v->stage, v->action);
	return 0;
}

struct challenge *http_guard_challenge(const struct http_guard *g)
{
	return g->chal;
}

const struct waf *http_guard_waf(const struct http_guard *g)
{
	return g->waf;
}
