// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The request guards of the `http:` block (http_cfg.h): rate_limits,
 * allow, deny, bots, funnel, waf (custom rules, each pattern compiled
 * once here so a bad one names its own line), tarpit, circuit_breaker,
 * adaptive_rate and events. Called from http_config.c's table.
 */
#include <ctype.h>
#include <errno.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/http_config_priv.h"
#include "config/proxy_config.h"
#include "guard/waf.h"

#define HS struct http_state

/* ---- rate_limits ---- */

/* One limit being read: the bucket plus the keys some limits add. */
struct limit_walk {
	struct http_limit l;
	char header[64];
	char prefix[HTTP_MAX_PATH];
};

#define LIMIT_KEYS(T) \
	CFG_UINT("rate", T, l.rate, 0, AEGIS_MAX_RATE), \
	CFG_UINT("burst", T, l.burst, 1, AEGIS_MAX_BURST), \
	CFG_MSECS("per", T, l.period_ms, 1, PROXY_MAX_DURATION_MS)

static int set_key_header(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	struct limit_walk *w = obj;
	char d[64];
	int ret = cfg_need_scalar(c, v, path, "a header name");

	(void)f;
	if (ret)
		return ret;
	if (!http_token_valid(v->text))
		return cfg_error(c, v->line, "%s: %s is not a valid header name", path,
				 cfg_describe(v, d, sizeof(d)));
	if (strlen(v->text) >= sizeof(w->header))
		return cfg_error(c, v->line, "%s: longer than %zu characters", path,
				 sizeof(w->header) - 1);
	strcpy(w->header, v->text);
	return 0;
}

static int set_limit_prefix(struct cfg_ctx *c, const struct cfg_field *f,
			    const struct cfg_node *v, const char *path, void *obj)
{
	(void)f;
	return http_get_prefix(c, v, path, ((struct limit_walk *)obj)->prefix);
}

static const struct cfg_field bucket_fields[] = { LIMIT_KEYS(struct limit_walk) };
static const struct cfg_field api_fields[] = {
	LIMIT_KEYS(struct limit_walk), CFG_CUSTOM("header", set_key_header),
};
static const struct cfg_field path_fields[] = {
	LIMIT_KEYS(struct limit_walk), CFG_CUSTOM("prefix", set_limit_prefix),
};

/*
 * N (per second) or { rate, burst, per, ... }: burst defaults to the rate.
 * w comes in with its defaults; fields/n is the table of the mapping form.
 */
static int get_limit(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		     const struct cfg_field *fields, size_t n, struct limit_walk *w)
{
	const struct cfg_node *seen[4];
	uint64_t rate;
	char d[64];
	int ret;

	if (v->type == CFG_NODE_SEQ || cfg_is_null(v))
		return cfg_error(c, v->line, "%s: expected a rate or {rate, burst, per}, found %s",
				 path, cfg_describe(v, d, sizeof(d)));
	if (v->type == CFG_NODE_SCALAR) {
		if ((ret = cfg_get_count(c, v, path, 0, AEGIS_MAX_RATE, &rate)))
			return ret;
		w->l.rate = (uint32_t)rate;
		w->l.period_ms = 1000;
	} else {
		if ((ret = cfg_map_walk(c, v, path, fields, n, w, seen)))
			return ret;
		if (!seen[0])
			return cfg_error(c, v->line, "%s: missing 'rate'", path);
	}
	if (!w->l.burst)
		w->l.burst = w->l.rate < AEGIS_MAX_BURST ? w->l.rate : AEGIS_MAX_BURST;
	if (!w->l.rate)
		w->l.burst = 0;
	return 0;
}

static int set_bucket(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	struct http_limit *l = (struct http_limit *)((char *)obj + f->off);
	struct limit_walk w = { .l.period_ms = l->period_ms };
	int ret = get_limit(c, v, path, bucket_fields, CFG_ARRAY_SIZE(bucket_fields), &w);

	if (!ret)
		*l = w.l;
	return ret;
}

static int set_api_bucket(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	struct http_cfg *h = &((HS *)obj)->h;
	struct limit_walk w = { .l.period_ms = h->rate.per_api_key.period_ms };
	int ret;

	(void)f;
	strcpy(w.header, h->rate.api_key_header);
	ret = get_limit(c, v, path, api_fields, CFG_ARRAY_SIZE(api_fields), &w);
	if (!ret) {
		h->rate.per_api_key = w.l;
		strcpy(h->rate.api_key_header, w.header);
	}
	return ret;
}

static int set_path_limits(struct cfg_ctx *c, const struct cfg_field *f,
			   const struct cfg_node *v, const char *path, void *obj)
{
	struct http_cfg *h = &((HS *)obj)->h;
	int ret;

	(void)f;
	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)) || !v->n_kids)
		return ret;
	if (v->n_kids > HTTP_MAX_LIST)
		return cfg_error(c, v->kids[HTTP_MAX_LIST]->line, "%s: more than %d limits", path,
				 HTTP_MAX_LIST);
	if (!(h->rate.paths = calloc(v->n_kids, sizeof(*h->rate.paths))))
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		const struct cfg_node *k = v->kids[i];
		struct limit_walk w = { .l.period_ms = 1000 };

		if (k->type != CFG_NODE_MAP)
			return cfg_error(c, k->line, "%s: expected {prefix, rate, burst, per}", path);
		if ((ret = get_limit(c, k, path, path_fields, CFG_ARRAY_SIZE(path_fields), &w)))
			return ret;
		if (!w.prefix[0])
			return cfg_error(c, k->line, "%s: missing 'prefix'", path);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(h->rate.paths[j].prefix, w.prefix))
				return cfg_error(c, k->line, "%s: prefix '%s' is limited twice", path,
						 w.prefix);
		strcpy(h->rate.paths[i].prefix, w.prefix);
		h->rate.paths[i].lim = w.l;
		h->rate.n_paths = i + 1;
	}
	return 0;
}

static const struct cfg_field hot_fields[] = {
	CFG_UINT("multiplier", HS, h.rate.hot_multiplier, 0, 1000),
	CFG_MSECS("cooldown", HS, h.rate.cooldown_ms, 1, PROXY_MAX_DURATION_MS),
};

static const struct cfg_field rate_fields[] = {
	{ .key = "per_ip", .fn = set_bucket, .off = offsetof(HS, h.rate.per_ip) },
	{ .key = "per_entity", .fn = set_bucket, .off = offsetof(HS, h.rate.per_entity) },
	CFG_CUSTOM("per_api_key", set_api_bucket),
	CFG_CUSTOM("paths", set_path_limits),
	CFG_SECTION("hot_key", hot_fields),
	CFG_UINT("table_size", HS, h.rate.table_size, 1024, 1u << 24),
};

int http_set_rate_limits(struct cfg_ctx *c, const struct cfg_field *f,
			 const struct cfg_node *v, const char *path, void *obj)
{
	(void)f;
	return cfg_map_walk(c, v, path, rate_fields, CFG_ARRAY_SIZE(rate_fields), obj, NULL);
}

/* ---- allow, deny ---- */

int http_get_strings(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		       size_t width, bool prefixes, void *out, size_t *n)
{
	char d[64], *rows;
	int ret;

	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)) || !v->n_kids)
		return ret;
	if (v->n_kids > HTTP_MAX_LIST)
		return cfg_error(c, v->kids[HTTP_MAX_LIST]->line, "%s: more than %d entries", path,
				 HTTP_MAX_LIST);
	if (!(rows = calloc(v->n_kids, width)))
		return cfg_oom(c);
	memcpy(out, &rows, sizeof(rows));
	for (size_t i = 0; i < v->n_kids; i++) {
		const struct cfg_node *k = v->kids[i];
		char *row = rows + i * width;

		if (prefixes) {
			ret = http_get_prefix(c, k, path, row);
		} else if (!(ret = cfg_need_scalar(c, k, path, "a string"))) {
			for (const char *s = k->text; !ret && *s; s++)
				if (!isprint((unsigned char)*s))
					ret = cfg_error(c, k->line, "%s: %s has control characters",
							path, cfg_describe(k, d, sizeof(d)));
			if (!ret && strlen(k->text) >= width)
				ret = cfg_error(c, k->line, "%s: longer than %zu characters", path,
						width - 1);
			if (!ret)
				strcpy(row, k->text);
		}
		if (ret)
			return ret;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(rows + j * width, row))
				return cfg_error(c, k->line, "%s: %s is listed twice", path,
						 cfg_describe(k, d, sizeof(d)));
		*n = i + 1;
	}
	return 0;
}

static int set_allow_ips(struct cfg_ctx *c, const struct cfg_field *f,
			 const struct cfg_node *v, const char *path, void *obj)
{
	struct http_cfg *h = &((HS *)obj)->h;

	(void)f;
	return cfg_get_cidrs(c, v, path, &h->allow.ips, &h->allow.n_ips);
}

static int set_allow_paths(struct cfg_ctx *c, const struct cfg_field *f,
			   const struct cfg_node *v, const char *path, void *obj)
{
	struct http_cfg *h = &((HS *)obj)->h;

	(void)f;
	return http_get_strings(c, v, path, sizeof(*h->allow.paths), true, &h->allow.paths,
			   &h->allow.n_paths);
}

static int set_allow_keys(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	struct http_cfg *h = &((HS *)obj)->h;

	(void)f;
	return http_get_strings(c, v, path, sizeof(*h->allow.api_keys), false, &h->allow.api_keys,
			   &h->allow.n_api_keys);
}

static const struct cfg_field allow_fields[] = {
	CFG_CUSTOM("ips", set_allow_ips),
	CFG_CUSTOM("paths", set_allow_paths),
	CFG_CUSTOM("api_keys", set_allow_keys),
};

int http_set_allow(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		   const char *path, void *obj)
{
	(void)f;
	return cfg_map_walk(c, v, path, allow_fields, CFG_ARRAY_SIZE(allow_fields), obj, NULL);
}

int http_set_deny(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		  const char *path, void *obj)
{
	struct http_cfg *h = &((HS *)obj)->h;

	(void)f;
	return cfg_get_cidrs(c, v, path, &h->deny.ips, &h->deny.n_ips);
}

/* ---- bots ---- */

static int set_user_agents(struct cfg_ctx *c, const struct cfg_field *f,
			   const struct cfg_node *v, const char *path, void *obj)
{
	struct http_cfg *h = &((HS *)obj)->h;

	(void)f;
	return http_get_strings(c, v, path, sizeof(*h->bots.user_agents), false, &h->bots.user_agents,
			   &h->bots.n_user_agents);
}

static const struct cfg_field bot_fields[] = {
	CFG_BOOL("enabled", HS, h.bots.enabled),
	CFG_UINT("score", HS, h.bots.score, 1, 100),
	CFG_UINT("block_after", HS, h.bots.block_after, 0, 1000000),
	CFG_MSECS("window", HS, h.bots.window_ms, 1, PROXY_MAX_DURATION_MS),
	CFG_MSECS("block_for", HS, h.bots.block_ms, 1, PROXY_MAX_DURATION_MS),
	CFG_CUSTOM("user_agents", set_user_agents),
	CFG_BOOL("default_user_agents", HS, h.bots.default_user_agents),
};

int http_set_bots(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		  const char *path, void *obj)
{
	(void)f;
	return cfg_map_walk(c, v, path, bot_fields, CFG_ARRAY_SIZE(bot_fields), obj, NULL);
}

/* ---- funnel ---- */

static const char *const funnel_actions[] = {
	[HTTP_FUNNEL_FLAG] = "flag", [HTTP_FUNNEL_BLOCK] = "block", NULL
};

static int set_gate(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	(void)f;
	return http_get_prefix(c, v, path, ((struct http_funnel_cfg *)obj)->gate);
}

static int set_target(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	(void)f;
	return http_get_prefix(c, v, path, ((struct http_funnel_cfg *)obj)->target);
}

static const struct cfg_field funnel_fields[] = {
	CFG_CUSTOM("gate", set_gate),
	CFG_CUSTOM("target", set_target),
	CFG_ENUM("action", struct http_funnel_cfg, action, funnel_actions),
	CFG_MSECS("memory", struct http_funnel_cfg, memory_ms, 1, PROXY_MAX_DURATION_MS),
};

static int parse_funnel(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			struct http_funnel_cfg *fu)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(funnel_fields)];
	int ret;

	*fu = (struct http_funnel_cfg){ .action = HTTP_FUNNEL_FLAG, .memory_ms = 300000,
					.line = v->line };
	if (v->type != CFG_NODE_MAP)
		return cfg_error(c, v->line, "%s: expected {gate, target, action, memory}", path);
	ret = cfg_map_walk(c, v, path, funnel_fields, CFG_ARRAY_SIZE(funnel_fields), fu, seen);
	if (ret)
		return ret;
	for (size_t i = 0; i < 2; i++)
		if (!seen[i])
			return cfg_error(c, v->line, "%s: missing '%s'", path, funnel_fields[i].key);
	if (!strcmp(fu->gate, fu->target))
		return cfg_error(c, seen[1]->line, "%s: gate and target are both '%s'", path,
				 fu->gate);
	return 0;
}

int http_set_funnel(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	struct http_cfg *h = &((HS *)obj)->h;
	char sub[CFG_PATH_LEN];
	int ret;

	(void)f;
	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)) || !v->n_kids)
		return ret;
	if (v->n_kids > HTTP_MAX_LIST)
		return cfg_error(c, v->kids[HTTP_MAX_LIST]->line, "%s: more than %d funnels", path,
				 HTTP_MAX_LIST);
	if (!(h->funnels = calloc(v->n_kids, sizeof(*h->funnels))))
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		snprintf(sub, sizeof(sub), "%.100s[%zu]", path, i);
		if ((ret = parse_funnel(c, v->kids[i], sub, &h->funnels[i])))
			return ret;
		h->n_funnels = i + 1;
	}
	return 0;
}

/* ---- waf ---- */

/* Index i is enum waf_target bit i; then the two groups. */
static const char *const target_words[] = {
	"path", "query_name", "query", "body_name", "body", "cookie", "header", "headers",
	"user_agent", "args", "all", NULL
};
_Static_assert(WAF_T_UA == 1u << 8, "target_words[] follows enum waf_target");

struct rule_walk {
	struct http_waf_rule_cfg r;
	const struct cfg_node *score, *action;
};

static int set_rule_id(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		       const char *path, void *obj)
{
	uint64_t id;
	int ret = cfg_get_count(c, v, path, WAF_CUSTOM_ID_MIN, UINT32_MAX, &id);

	(void)f;
	if (!ret)
		((struct rule_walk *)obj)->r.id = (uint32_t)id;
	return ret;
}

static int set_pattern(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		       const char *path, void *obj)
{
	static const struct cfg_field as_str = CFG_STR("", struct rule_walk, r.pattern);
	int ret;

	(void)f;
	if (v->type == CFG_NODE_SCALAR && !v->text[0])
		return cfg_error(c, v->line, "%s: must not be empty", path);
	if ((ret = cfg_need_scalar(c, v, path, "a pattern")))
		return ret;
	return cfg_set_str(c, &as_str, v, path, obj);
}

static int set_targets(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		       const char *path, void *obj)
{
	struct rule_walk *w = obj;
	unsigned bits = 0;
	int x, ret;

	(void)f;
	if (cfg_is_null(v) || (v->type == CFG_NODE_SEQ && !v->n_kids))
		return cfg_error(c, v->line, "%s: must list at least one target", path);
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	for (size_t i = 0; i < v->n_kids; i++) {
		if ((ret = cfg_get_enum(c, v->kids[i], path, target_words, &x)))
			return ret;
		bits |= !strcmp(target_words[x], "args") ? WAF_T_ARGS :
			!strcmp(target_words[x], "all") ? WAF_T_ALL : 1u << x;
	}
	w->r.targets = bits;
	return 0;
}

static int set_score(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     const char *path, void *obj)
{
	struct rule_walk *w = obj;
	uint64_t x;
	int ret = cfg_get_count(c, v, path, 1, WAF_SCORE_BLOCK, &x);

	(void)f;
	if (!ret) {
		w->r.score = (int)x;
		w->score = v;
	}
	return ret;
}

static int set_action(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	static const char *const actions[] = { "block", NULL };
	struct rule_walk *w = obj;
	int x, ret = cfg_get_enum(c, v, path, actions, &x);

	(void)f;
	if (!ret) {
		w->r.flags |= WAF_RULE_BLOCK;
		w->action = v;
	}
	return ret;
}

static int set_rule_flag(struct cfg_ctx *c, const struct cfg_field *f,
			 const struct cfg_node *v, const char *path, void *obj)
{
	struct rule_walk *w = obj;
	static const struct cfg_field as_bool = { .key = "", .fn = cfg_set_bool };
	bool on = false;
	int ret = cfg_set_bool(c, &as_bool, v, path, &on);

	if (!ret && on)
		w->r.flags |= (unsigned)f->min;
	return ret;
}

static const struct cfg_field rule_fields[] = {
	CFG_CUSTOM("pattern", set_pattern),
	CFG_CUSTOM("id", set_rule_id),
	{ .key = "literal", .fn = set_rule_flag, .min = WAF_RULE_LITERAL },
	{ .key = "case_sensitive", .fn = set_rule_flag, .min = WAF_RULE_CASE },
	CFG_CUSTOM("targets", set_targets),
	CFG_CUSTOM("score", set_score),
	CFG_CUSTOM("action", set_action),
	CFG_STR("desc", struct rule_walk, r.desc),
};

/* Compiled alone here so that a bad regex is reported at its own line. */
static int check_pattern(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			 const struct http_waf_rule_cfg *r)
{
	unsigned flags = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
	hs_compile_error_t *ce = NULL;
	hs_database_t *db = NULL;
	int ret = 0;

	if (r->flags & WAF_RULE_LITERAL)
		return 0;
	if (!(r->flags & WAF_RULE_CASE))
		flags |= HS_FLAG_CASELESS;
	if (hs_compile(r->pattern, flags, HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS)
		ret = cfg_error(c, v->line, "%s.pattern: %s", path,
				ce && ce->message ? ce->message : "does not compile");
	hs_free_compile_error(ce);
	hs_free_database(db);
	return ret;
}

static int parse_rule(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		      struct http_waf_rule_cfg *out)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(rule_fields)];
	struct rule_walk w = {
		.r = { .targets = WAF_T_ARGS | WAF_T_PATH, .score = WAF_THRESHOLD_DEFAULT,
		       .line = v->line },
	};
	int ret;

	if (v->type != CFG_NODE_MAP)
		return cfg_error(c, v->line, "%s: expected a rule (a mapping with a pattern)", path);
	ret = cfg_map_walk(c, v, path, rule_fields, CFG_ARRAY_SIZE(rule_fields), &w, seen);
	if (ret)
		return ret;
	if (!seen[0])
		return cfg_error(c, v->line, "%s: missing 'pattern'", path);
	if (w.score && w.action)
		return cfg_error(c, w.action->line, "%s: give a score or action: block, not both",
				 path);
	if (w.action)
		w.r.score = WAF_SCORE_BLOCK;
	*out = w.r;
	return check_pattern(c, v, path, out);
}

static int set_rules(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     const char *path, void *obj)
{
	struct http_cfg *h = &((HS *)obj)->h;
	char sub[CFG_PATH_LEN];
	int ret;

	(void)f;
	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)) || !v->n_kids)
		return ret;
	if (v->n_kids > HTTP_MAX_WAF_RULES)
		return cfg_error(c, v->kids[HTTP_MAX_WAF_RULES]->line, "%s: more than %d rules",
				 path, HTTP_MAX_WAF_RULES);
	if (!(h->waf.rules = calloc(v->n_kids, sizeof(*h->waf.rules))))
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		struct http_waf_rule_cfg *r = &h->waf.rules[i];

		snprintf(sub, sizeof(sub), "%.100s[%zu]", path, i);
		if ((ret = parse_rule(c, v->kids[i], sub, r)))
			return ret;
		for (size_t j = 0; r->id && j < i; j++)
			if (h->waf.rules[j].id == r->id)
				return cfg_error(c, r->line, "%s: id %u is taken by the rule at line %d",
						 sub, r->id, h->waf.rules[j].line);
		h->waf.n_rules = i + 1;
	}
	return 0;
}

static const struct cfg_field waf_fields[] = {
	CFG_UINT("threshold", HS, h.waf.threshold, 0, WAF_SCORE_BLOCK),
	CFG_CUSTOM("rules", set_rules),
};

int http_set_waf(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		 const char *path, void *obj)
{
	(void)f;
	return cfg_map_walk(c, v, path, waf_fields, CFG_ARRAY_SIZE(waf_fields), obj, NULL);
}

/* ---- tarpit, circuit_breaker, adaptive_rate, events ---- */

static const struct cfg_field tarpit_fields[] = {
	CFG_MSECS("delay", HS, h.tarpit.delay_ms, 0, 10 * 60 * 1000),
	CFG_UINT("max", HS, h.tarpit.max, 0, 1u << 20),
};

int http_set_tarpit(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	(void)f;
	return cfg_map_walk(c, v, path, tarpit_fields, CFG_ARRAY_SIZE(tarpit_fields), obj, NULL);
}

static const struct cfg_field breaker_fields[] = {
	CFG_UINT("failures", HS, h.breaker.failures, 0, 1000000),
	CFG_MSECS("open", HS, h.breaker.open_ms, 1, PROXY_MAX_DURATION_MS),
	CFG_UINT("half_open", HS, h.breaker.half_open, 1, 1000),
};

int http_set_breaker(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     const char *path, void *obj)
{
	(void)f;
	return cfg_map_walk(c, v, path, breaker_fields, CFG_ARRAY_SIZE(breaker_fields), obj,
			    NULL);
}

static const struct cfg_field adaptive_fields[] = {
	CFG_MSECS("p95", HS, h.adaptive.p95_ms, 0, PROXY_MAX_DURATION_MS),
	CFG_UINT("min_factor", HS, h.adaptive.min_factor, 1, 100),
	CFG_MSECS("recover", HS, h.adaptive.recover_ms, 1, PROXY_MAX_DURATION_MS),
};

int http_set_adaptive(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	(void)f;
	return cfg_map_walk(c, v, path, adaptive_fields, CFG_ARRAY_SIZE(adaptive_fields), obj,
			    NULL);
}

static int set_events_path(struct cfg_ctx *c, const struct cfg_field *f,
			   const struct cfg_node *v, const char *path, void *obj)
{
	static const struct cfg_field as_path = CFG_PATH("", HS, h.events_path);

	(void)f;
	if (cfg_is_null(v) || (v->type == CFG_NODE_SCALAR && !v->text[0])) {
		((HS *)obj)->h.events_path[0] = '\0';
		return 0;
	}
	return cfg_set_path(c, &as_path, v, path, obj);
}

static const struct cfg_field event_fields[] = {
	CFG_CUSTOM("path", set_events_path),
};

int http_set_events(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	(void)f;
	return cfg_map_walk(c, v, path, event_fields, CFG_ARRAY_SIZE(event_fields), obj, NULL);
}
