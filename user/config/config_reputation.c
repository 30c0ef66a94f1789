// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The `reputation:` block: weights per input, half-life, thresholds,
 * table size and grouping, ban escalation, webhooks, the control socket.
 * docs/CONFIG.md ("reputation") describes the same keys for operators.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_priv.h"

#define R struct rep_cfg
#define WNAME(s, n, w) n,
#define WDEF(s, n, w) w,
static const char *const input_names[] = { AEGIS_REP_INPUT_LIST(WNAME) NULL };
static const int32_t input_weights[] = { AEGIS_REP_INPUT_LIST(WDEF) };
#undef WNAME
#undef WDEF

static const char *const modes[] = { "enforce", "detect", NULL };
static const char *const softblock_words[] = { "403", "close", NULL };
static const char *const hook_kinds[] = { "json", "slack", "discord", NULL };

void rep_cfg_defaults(struct rep_cfg *c)
{
	static const uint32_t esc[] = AEGIS_REP_DEF_ESCALATION;

	memset(c, 0, sizeof(*c));
	memcpy(c->weight, input_weights, sizeof(input_weights));
	c->half_life_s = AEGIS_REP_DEF_HALF_LIFE_S;
	c->throttle = AEGIS_REP_DEF_THROTTLE;
	c->ban = AEGIS_REP_DEF_BAN;
	c->credit_max = AEGIS_REP_DEF_CREDIT_MAX;
	c->throttle_pct = AEGIS_REP_MULT_THROTTLE;
	c->clean_pct = AEGIS_REP_MULT_CLEAN;
	c->table_size = AEGIS_REP_DEF_TABLE_SIZE;
	c->prefix_v4 = AEGIS_REP_DEF_PREFIX_V4;
	c->prefix_v6 = AEGIS_REP_DEF_PREFIX_V6;
	memcpy(c->escalation_s, esc, sizeof(esc));
	c->n_escalation = CFG_ARRAY_SIZE(esc);
	c->offence_memory_s = AEGIS_REP_DEF_OFFENCE_MEMORY_S;
	c->bans_per_sec = AEGIS_REP_DEF_BANS_PER_SEC;
	c->socket_mode = 0600;
}

static int set_mode(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	int m, ret = cfg_get_enum(c, v, path, modes, &m);

	(void)f;
	if (!ret)
		((R *)obj)->detect = m == 1;
	return ret;
}

/* Points per report: -1000..1000, negative = credit. */
static int set_weights(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		       const char *path, void *obj)
{
	R *rc = obj;
	char d[64], sub[CFG_PATH_LEN];

	(void)f;
	if (cfg_is_null(v))
		return 0;
	if (v->type != CFG_NODE_MAP)
		return cfg_error(c, v->line, "%s: expected a mapping of input: points, found %s",
				 path, cfg_describe(v, d, sizeof(d)));
	for (size_t i = 0; i + 1 < v->n_kids; i += 2) {
		const struct cfg_node *k = v->kids[i], *val = v->kids[i + 1];
		int in = -1;
		char *end;
		long x;

		for (int j = 0; k->type == CFG_NODE_SCALAR && input_names[j]; j++)
			if (!strcmp(k->text, input_names[j]))
				in = j;
		if (in < 0)
			return cfg_error(c, k->line, "%s: unknown input %s (see docs/CONFIG.md, "
					 "\"reputation\")", path, cfg_describe(k, d, sizeof(d)));
		cfg_path_join(sub, path, k->text);
		if (cfg_need_scalar(c, val, sub, "a number of points"))
			return -EINVAL;
		errno = 0;
		x = strtol(val->text, &end, 10);
		if (errno || end == val->text || *end || x < -1000 || x > 1000)
			return cfg_error(c, val->line, "%s: expected points from -1000 to 1000, "
					 "found %s", sub, cfg_describe(val, d, sizeof(d)));
		rc->weight[in] = (int32_t)x;
	}
	return 0;
}

static const struct cfg_field threshold_fields[] = {
	CFG_UINT("throttle", R, throttle, 0, AEGIS_REP_MAX_POINTS),
	CFG_UINT("challenge", R, challenge, 0, AEGIS_REP_MAX_POINTS),
	CFG_UINT("ban", R, ban, 0, AEGIS_REP_MAX_POINTS),
};

static const struct cfg_field mult_fields[] = {
	CFG_UINT("throttle", R, throttle_pct, 1, 100),
	CFG_UINT("clean", R, clean_pct, 100, 1000),
};

static const struct cfg_field group_fields[] = {
	CFG_UINT("ipv4", R, prefix_v4, 8, 32),
	CFG_UINT("ipv6", R, prefix_v6, 16, 128),
};

static int set_escalation(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	R *rc = obj;
	int ret;

	(void)f;
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	if (!v->n_kids || v->n_kids > AEGIS_REP_MAX_ESCALATION)
		return cfg_error(c, v->line, "%s: expected 1 to %d ban durations", path,
				 AEGIS_REP_MAX_ESCALATION);
	for (size_t i = 0; i < v->n_kids; i++) {
		struct cfg_field one = CFG_SECS("", R, escalation_s[0], 1, CFG_MAX_BAN_TTL_S);

		one.off = offsetof(R, escalation_s) + i * sizeof(rc->escalation_s[0]);
		if ((ret = cfg_set_secs(c, &one, v->kids[i], path, obj)))
			return ret;
		if (i && rc->escalation_s[i] < rc->escalation_s[i - 1])
			return cfg_error(c, v->kids[i]->line, "%s: ban durations must not get "
					 "shorter for repeat offenders", path);
	}
	rc->n_escalation = v->n_kids;
	return 0;
}

static const struct cfg_field hook_fields[] = {
	CFG_STR("url", struct rep_webhook_cfg, url),
	CFG_ENUM("kind", struct rep_webhook_cfg, kind, hook_kinds),
	CFG_UINT("min_score", struct rep_webhook_cfg, min_score, 0, AEGIS_REP_MAX_POINTS),
	CFG_BOOL("bans", struct rep_webhook_cfg, bans),
};

/* The URL is a secret (tokens live in it): errors never print it. */
static int parse_hook(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		      struct rep_webhook_cfg *h)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(hook_fields)];
	int ret;

	h->bans = true;
	h->line = v->line;
	ret = cfg_map_walk(c, v, path, hook_fields, CFG_ARRAY_SIZE(hook_fields), h, seen);
	if (ret)
		return ret;
	if (!seen[0])
		return cfg_error(c, v->line, "%s: missing 'url'", path);
	if (strncmp(h->url, "http://", 7) && strncmp(h->url, "https://", 8))
		return cfg_error(c, seen[0]->line, "%s.url: must start with http:// or https://",
				 path);
	if (!h->bans && !h->min_score)
		return cfg_error(c, v->line, "%s: alerts on nothing (bans: false, no min_score)",
				 path);
	return 0;
}

static int set_webhooks(struct cfg_ctx *c, const struct cfg_field *f,
			const struct cfg_node *v, const char *path, void *obj)
{
	R *rc = obj;
	char sub[CFG_PATH_LEN];
	int ret;

	(void)f;
	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	if (v->n_kids > AEGIS_REP_MAX_WEBHOOKS)
		return cfg_error(c, v->line, "%s: at most %d webhooks", path,
				 AEGIS_REP_MAX_WEBHOOKS);
	for (size_t i = 0; i < v->n_kids; i++) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if ((ret = parse_hook(c, v->kids[i], sub, &rc->webhooks[i])))
			return ret;
		rc->n_webhooks = i + 1;
	}
	return 0;
}

static const struct cfg_field rep_fields[] = {
	CFG_BOOL("enabled", R, enabled),
	CFG_CUSTOM("mode", set_mode),
	CFG_ENUM("softblock", R, softblock, softblock_words),
	CFG_SECS("half_life", R, half_life_s, 1, 30 * 86400),
	CFG_SECTION("thresholds", threshold_fields),
	CFG_UINT("credit_max", R, credit_max, 0, AEGIS_REP_MAX_POINTS),
	CFG_SECTION("multipliers", mult_fields),
	CFG_UINT("table_size", R, table_size, AEGIS_REP_MIN_TABLE_SIZE, AEGIS_REP_MAX_TABLE_SIZE),
	CFG_SECTION("group", group_fields),
	CFG_CUSTOM("escalation", set_escalation),
	CFG_SECS("offence_memory", R, offence_memory_s, 60, 365 * 86400),
	CFG_UINT("max_bans_per_sec", R, bans_per_sec, 1, 1000000),
	CFG_CUSTOM("weights", set_weights),
	CFG_CUSTOM("webhooks", set_webhooks),
	CFG_PATH("control_socket", R, socket),
};

int cfg_set_reputation(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		       const char *path, void *obj)
{
	struct rep_cfg *rc = &((struct aegis_config *)obj)->rep;
	const struct cfg_node *seen[CFG_ARRAY_SIZE(rep_fields)];
	int ret;

	(void)f;
	ret = cfg_map_walk(c, v, path, rep_fields, CFG_ARRAY_SIZE(rep_fields), rc, seen);
	if (ret)
		return ret;
	if (rc->throttle && rc->ban && rc->throttle >= rc->ban)
		return cfg_error(c, seen[3] ? seen[3]->line : v->line,
				 "%s.thresholds: throttle (%u) must be below ban (%u)", path,
				 rc->throttle, rc->ban);
	return 0;
}
