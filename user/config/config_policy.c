// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The policies list of the config: each entry's keys, and the checks a
 * policy only passes once complete, because YAML puts keys in any order:
 * required keys, limits that cannot apply to the policy's protocol,
 * duplicate names, and ports already claimed by an earlier policy.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_priv.h"

#define P struct cfg_policy

static const char *const protocols[] = { "tcp", "udp", "tcp-udp", NULL };
/* Index == enum aegis_syn_cookies. */
static const char *const cookie_modes[] = { "off", "auto", "always", NULL };

/* [A-Za-z0-9_.-]{1,31}: safe in log lines, JSON and aegisctl arguments. */
static bool policy_name_valid(const char *s)
{
	return cfg_name_valid(s, sizeof(((P *)0)->name));
}

static int set_name(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	P *p = obj;
	char d[64];
	int ret;

	(void)f;
	ret = cfg_need_scalar(c, v, path, "a policy name");
	if (ret)
		return ret;
	if (!policy_name_valid(v->text))
		return cfg_error(c, v->line, "%s: %s is not a valid name (1-31 of A-Z a-z 0-9 _ . -)",
				 path, cfg_describe(v, d, sizeof(d)));
	strcpy(p->name, v->text);
	return 0;
}

static int set_protocol(struct cfg_ctx *c, const struct cfg_field *f,
			const struct cfg_node *v, const char *path, void *obj)
{
	P *p = obj;
	int x, ret = cfg_get_enum(c, v, path, protocols, &x);

	(void)f;
	if (!ret) {
		p->tcp = x != 1;
		p->udp = x != 0;
	}
	return ret;
}

static int set_ports(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     const char *path, void *obj)
{
	P *p = obj;
	int ret;

	(void)f;
	if (cfg_is_null(v) || (v->type == CFG_NODE_SEQ && !v->n_kids))
		return cfg_error(c, v->line, "%s: must list at least one port", path);
	ret = cfg_seq_check(c, v, path);
	if (ret)
		return ret;
	free(c->port_lines);
	c->port_lines = calloc(v->n_kids, sizeof(*c->port_lines));
	p->ports = calloc(v->n_kids, sizeof(*p->ports));
	if (!c->port_lines || !p->ports)
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		ret = cfg_get_port_range(c, v->kids[i], path, &p->ports[i]);
		if (ret)
			return ret;
		c->port_lines[i] = v->kids[i]->line;
		p->n_ports = i + 1;
	}
	return 0;
}

/* Table index == enum aegis_lim, so seen[] maps straight to lim_line[]. */
static const struct cfg_field src_fields[] = {
	CFG_LIMIT("pps", P, src[AEGIS_LIM_PPS]),
	CFG_LIMIT("syn", P, src[AEGIS_LIM_SYN]),
	CFG_LIMIT("new_conn", P, src[AEGIS_LIM_CONN]),
	CFG_LIMIT("rst", P, src[AEGIS_LIM_RST]),
	CFG_LIMIT("udp_pps", P, src[AEGIS_LIM_UDP_PPS]),
	CFG_LIMIT("udp_bps", P, src[AEGIS_LIM_UDP_BPS]),
};
_Static_assert(CFG_ARRAY_SIZE(src_fields) == AEGIS_LIM_MAX, "one key per enum aegis_lim");

static int set_per_source(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	const struct cfg_node *seen[AEGIS_LIM_MAX];
	int ret;

	(void)f;
	ret = cfg_map_walk(c, v, path, src_fields, AEGIS_LIM_MAX, obj, seen);
	for (int i = 0; !ret && i < AEGIS_LIM_MAX; i++)
		c->lim_line[i] = seen[i] ? seen[i]->line : 0;
	return ret;
}

static const struct cfg_field global_fields[] = {
	CFG_LIMIT("syn", P, global_syn),
	CFG_LIMIT("new_conn", P, global_conn),
};

static int set_global(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(global_fields)];
	int ret;

	(void)f;
	ret = cfg_map_walk(c, v, path, global_fields, CFG_ARRAY_SIZE(global_fields), obj, seen);
	if (!ret)
		c->gsyn_line = seen[0] ? seen[0]->line : 0;
	return ret;
}

static const struct cfg_field strike_fields[] = {
	CFG_UINT("limit", P, strike_limit, 0, UINT32_MAX),
	CFG_MSECS("window", P, strike_window_ms, 0, CFG_MAX_STRIKE_WINDOW_MS),
	CFG_SECS("ban", P, ban_ttl_s, 0, CFG_MAX_BAN_TTL_S),
};

static int set_strikes(struct cfg_ctx *c, const struct cfg_field *f,
		       const struct cfg_node *v, const char *path, void *obj)
{
	P *p = obj;
	int ret;

	(void)f;
	ret = cfg_map_walk(c, v, path, strike_fields, CFG_ARRAY_SIZE(strike_fields), obj, NULL);
	if (!ret && p->strike_limit && !p->strike_window_ms)
		ret = cfg_error(c, v->line, "%s: window must be above 0 when limit is set", path);
	return ret;
}

static int set_syn_cookies(struct cfg_ctx *c, const struct cfg_field *f,
			   const struct cfg_node *v, const char *path, void *obj)
{
	P *p = obj;
	int x, ret = cfg_get_enum(c, v, path, cookie_modes, &x);

	(void)f;
	if (!ret)
		p->syn_cookies = (enum aegis_syn_cookies)x;
	return ret;
}

enum { PF_NAME, PF_PROTO, PF_PORTS, PF_SRC, PF_GLOBAL, PF_CONN_SRC, PF_CONN_TOTAL,
       PF_STRIKES, PF_IDLE, PF_SYN_TIMEOUT, PF_COOKIES, PF_COOKIES_ABOVE, PF_MAX };

static const struct cfg_field policy_fields[] = {
	[PF_NAME] = CFG_CUSTOM("name", set_name),
	[PF_PROTO] = CFG_CUSTOM("protocol", set_protocol),
	[PF_PORTS] = CFG_CUSTOM("ports", set_ports),
	[PF_SRC] = CFG_CUSTOM("per_source", set_per_source),
	[PF_GLOBAL] = CFG_CUSTOM("global", set_global),
	[PF_CONN_SRC] = CFG_UINT("max_conn_per_source", P, max_conn_per_src, 0, UINT32_MAX),
	[PF_CONN_TOTAL] = CFG_UINT("max_conn_total", P, max_conn_total, 0, UINT32_MAX),
	[PF_STRIKES] = CFG_CUSTOM("strikes", set_strikes),
	[PF_IDLE] = CFG_SECS("flow_idle", P, flow_idle_s, 1, CFG_MAX_FLOW_IDLE_S),
	[PF_SYN_TIMEOUT] = CFG_SECS("syn_timeout", P, syn_timeout_s, 1, CFG_MAX_SYN_TIMEOUT_S),
	[PF_COOKIES] = CFG_CUSTOM("syn_cookies", set_syn_cookies),
	[PF_COOKIES_ABOVE] = CFG_LIMIT("syn_cookies_above", P, cookie_syn),
};
_Static_assert(CFG_ARRAY_SIZE(policy_fields) == PF_MAX, "policy table complete");

/* A key that cannot apply to the policy's protocol: the first in the file. */
static int check_protocol(struct cfg_ctx *c, const P *p, const char *path,
			  const struct cfg_node **seen)
{
	struct { int line; const char *key; bool tcp; } keys[] = {
		{ c->lim_line[AEGIS_LIM_SYN], "per_source.syn", true },
		{ c->lim_line[AEGIS_LIM_RST], "per_source.rst", true },
		{ c->gsyn_line, "global.syn", true },
		{ seen[PF_SYN_TIMEOUT] ? seen[PF_SYN_TIMEOUT]->line : 0, "syn_timeout", true },
		{ seen[PF_COOKIES] ? seen[PF_COOKIES]->line : 0, "syn_cookies", true },
		{ seen[PF_COOKIES_ABOVE] ? seen[PF_COOKIES_ABOVE]->line : 0, "syn_cookies_above", true },
		{ c->lim_line[AEGIS_LIM_UDP_PPS], "per_source.udp_pps", false },
		{ c->lim_line[AEGIS_LIM_UDP_BPS], "per_source.udp_bps", false },
	};
	int bad = -1;

	for (int i = 0; i < (int)CFG_ARRAY_SIZE(keys); i++) {
		if (!keys[i].line || (keys[i].tcp ? p->tcp : p->udp))
			continue;
		if (bad < 0 || keys[i].line < keys[bad].line)
			bad = i;
	}
	if (bad < 0)
		return 0;
	return cfg_error(c, keys[bad].line, "%s.%s: applies to %s only, but the protocol is %s",
			 path, keys[bad].key, keys[bad].tcp ? "tcp" : "udp",
			 p->tcp ? "tcp" : "udp");
}

/* auto needs its threshold, and the threshold means nothing without auto. */
static int check_cookies(struct cfg_ctx *c, const P *p, const char *path,
			 const struct cfg_node **seen)
{
	bool above = seen[PF_COOKIES_ABOVE] && p->cookie_syn.rate;

	if (p->syn_cookies == AEGIS_COOKIES_AUTO && !above)
		return cfg_error(c, seen[PF_COOKIES]->line,
				 "%s.syn_cookies: auto needs syn_cookies_above (a SYN rate)", path);
	if (above && p->syn_cookies != AEGIS_COOKIES_AUTO)
		return cfg_error(c, seen[PF_COOKIES_ABOVE]->line,
				 "%s.syn_cookies_above: applies only with syn_cookies: auto", path);
	return 0;
}

/* Marks the policy's ports as taken; a port already taken is an overlap. */
static int claim_ports(struct cfg_ctx *c, size_t idx, const char *path)
{
	const P *p = c->pol;

	for (int slot = AEGIS_SLOT_TCP; slot <= AEGIS_SLOT_UDP; slot++) {
		uint16_t *own = c->owner + (size_t)slot * 65536;

		if (!(slot == AEGIS_SLOT_TCP ? p->tcp : p->udp))
			continue;
		for (size_t r = 0; r < p->n_ports; r++) {
			for (unsigned int port = p->ports[r].lo; port <= p->ports[r].hi; port++) {
				const P *o = own[port] ? &c->cfg->policies[own[port] - 1] : NULL;

				if (o == p)
					return cfg_error(c, c->port_lines[r], "%s.ports: port %u is listed twice",
							 path, port);
				if (o)
					return cfg_error(c, c->port_lines[r],
							 "policies '%s' and '%s' (line %d) overlap on %s port %u",
							 p->name, o->name, o->line,
							 slot == AEGIS_SLOT_TCP ? "tcp" : "udp", port);
				own[port] = (uint16_t)(idx + 1);
			}
		}
	}
	return 0;
}

static int check_policy(struct cfg_ctx *c, const struct cfg_node *v, size_t idx,
			const char *path, const struct cfg_node **seen)
{
	static const int required[] = { PF_NAME, PF_PROTO, PF_PORTS };
	const P *p = c->pol;
	int ret;

	for (size_t i = 0; i < CFG_ARRAY_SIZE(required); i++)
		if (!seen[required[i]])
			return cfg_error(c, v->line, "%s: missing '%s'", path,
					 policy_fields[required[i]].key);
	ret = check_protocol(c, p, path, seen);
	if (!ret)
		ret = check_cookies(c, p, path, seen);
	if (ret)
		return ret;
	for (size_t i = 0; i < idx; i++)
		if (!strcmp(c->cfg->policies[i].name, p->name))
			return cfg_error(c, seen[PF_NAME]->line,
					 "%s: duplicate policy name '%s' (first at line %d)", path,
					 p->name, c->cfg->policies[i].line);
	return claim_ports(c, idx, path);
}

/* "policies[web]" when the entry has a usable name, else "policies[3]". */
static void policy_path(const struct cfg_node *v, size_t idx, const char *path, char *out)
{
	const struct cfg_node *n = cfg_map_find(v, "name");

	if (n && n->type == CFG_NODE_SCALAR && policy_name_valid(n->text))
		snprintf(out, CFG_PATH_LEN, "%s[%s]", path, n->text);
	else
		snprintf(out, CFG_PATH_LEN, "%s[%zu]", path, idx);
}

static void policy_defaults(P *p)
{
	p->strike_window_ms = CFG_DEF_STRIKE_WINDOW_MS;
	p->ban_ttl_s = CFG_DEF_BAN_TTL_S;
	p->flow_idle_s = AEGIS_DEF_FLOW_IDLE_S;
	p->syn_timeout_s = AEGIS_DEF_SYN_TIMEOUT_S;
}

static int parse_policy(struct cfg_ctx *c, const struct cfg_node *v, size_t idx,
			const char *path)
{
	const struct cfg_node *seen[PF_MAX];
	char sub[CFG_PATH_LEN], d[64];
	P *p = &c->cfg->policies[idx];
	int ret;

	c->pol = p;
	memset(c->lim_line, 0, sizeof(c->lim_line));
	c->gsyn_line = 0;
	p->line = v->line;
	policy_defaults(p);
	policy_path(v, idx, path, sub);
	if (v->type != CFG_NODE_MAP)
		return cfg_error(c, v->line, "%s: expected a policy (a mapping), found %s", sub,
				 cfg_describe(v, d, sizeof(d)));
	ret = cfg_map_walk(c, v, sub, policy_fields, PF_MAX, p, seen);
	return ret ? ret : check_policy(c, v, idx, sub, seen);
}

int cfg_set_policies(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     const char *path, void *obj)
{
	struct aegis_config *cfg = obj;
	int ret;

	(void)f;
	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)) || !v->n_kids)
		return ret;
	if (v->n_kids > CFG_MAX_POLICIES)
		return cfg_error(c, v->kids[CFG_MAX_POLICIES]->line,
				 "%s: more than %d policies", path, CFG_MAX_POLICIES);
	cfg->policies = calloc(v->n_kids, sizeof(*cfg->policies));
	c->owner = calloc((size_t)AEGIS_PORT_SLOTS * 65536, sizeof(*c->owner));
	if (!cfg->policies || !c->owner)
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		cfg->n_policies = i + 1;	/* so config_free() sees its ports */
		ret = parse_policy(c, v->kids[i], i, path);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A proxy's xdp: block (proxy_config.c): the keys of a policy minus name,
 * protocol and ports, which the proxy supplies; p->tcp and p->udp are set
 * by the caller so the tcp-only / udp-only checks apply.
 */
int cfg_parse_policy_body(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			  P *p)
{
	const struct cfg_node *seen[PF_MAX] = { 0 };
	int ret;

	c->pol = p;
	memset(c->lim_line, 0, sizeof(c->lim_line));
	c->gsyn_line = 0;
	policy_defaults(p);
	ret = cfg_map_walk(c, v, path, policy_fields + PF_SRC, PF_MAX - PF_SRC, p, seen + PF_SRC);
	if (!ret)
		ret = check_protocol(c, p, path, seen);
	return ret ? ret : check_cookies(c, p, path, seen);
}
