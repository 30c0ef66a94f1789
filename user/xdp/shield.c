// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Config -> maps, in place and gap-free; see shield.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/log.h"
#include "config/proxy_config.h"
#include "config/http_cfg.h"
#include "xdp/shield.h"

static int shield_apply_lists(struct shield *s, const struct aegis_config *cfg,
			      const struct cfg_cidr *allow, size_t n_allow, char *err, size_t len);

void shield_init(struct shield *s, struct aegis_maps *maps)
{
	memset(s, 0, sizeof(*s));
	s->maps = maps;
}

static bool cfg_has_cidr(const struct cfg_cidr *list, size_t n, const struct aegis_lpm_key *k)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].key.prefixlen == k->prefixlen &&
		    !memcmp(&list[i].key.addr, &k->addr, sizeof(k->addr)))
			return true;
	return false;
}

static int list_add_all(struct shield *s, enum maps_id which, const struct cfg_cidr *list,
			size_t n, char *err, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		int ret = maps_list_add(s->maps, which, &list[i].key, SHIELD_NOTE_CONFIG);

		if (ret) {
			snprintf(err, len, "%s %s: %s", maps_name(which), list[i].text, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

struct prune_ctx {
	const struct cfg_cidr *keep;
	size_t n;
	struct aegis_lpm_key *drop;
	size_t n_drop, cap;
};

static int prune_collect(const struct aegis_lpm_key *k, const struct aegis_list_entry *e, void *ctx)
{
	struct prune_ctx *p = ctx;

	if (strncmp(e->note, SHIELD_NOTE_CONFIG, AEGIS_NOTE_LEN) || cfg_has_cidr(p->keep, p->n, k))
		return 0;
	if (p->n_drop == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct aegis_lpm_key *d = realloc(p->drop, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		p->drop = d;
		p->cap = cap;
	}
	p->drop[p->n_drop++] = *k;
	return 0;
}

/* Removes config-owned entries that the new config no longer lists. */
static int list_prune(struct shield *s, enum maps_id which, const struct cfg_cidr *keep, size_t n)
{
	struct prune_ctx p = { .keep = keep, .n = n };
	int ret = maps_list_foreach(s->maps, which, prune_collect, &p);

	for (size_t i = 0; !ret && i < p.n_drop; i++) {
		ret = maps_list_del(s->maps, which, &p.drop[i]);
		if (ret == -ENOENT)
			ret = 0;
	}
	free(p.drop);
	return ret;
}

static uint32_t policy_id_for(struct shield *s, const char *name, const bool *taken)
{
	for (uint32_t id = 1; id < AEGIS_MAX_POLICIES; id++)
		if (!strcmp(s->policy_names[id], name))
			return id;
	for (uint32_t id = 1; id < AEGIS_MAX_POLICIES; id++)
		if (!s->policy_names[id][0] && !taken[id])
			return id;
	return 0;
}

/*
 * The slot key of a proxy's XDP policy: "proxy:" + name, which must fit
 * the 31 characters of a policy name, so long names keep a prefix and a
 * hash of the whole name. Policy names never contain ':' or '~'.
 */
static void policy_key_for_proxy(const char *name, char *out, size_t len)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 16777619u;
	if (strlen(name) <= 25)
		snprintf(out, len, "proxy:%.25s", name);
	else
		snprintf(out, len, "proxy:%.16s~%08x", name, h);
}

/*
 * The XDP policies to install: the config's own, then one per enabled
 * proxy with an `xdp:` block, on that proxy's origin ports. The config
 * validator has already refused overlaps between the two.
 */
static struct cfg_policy *all_policies(const struct aegis_config *cfg, size_t *n)
{
	struct cfg_policy *all = calloc(cfg->n_policies + cfg->n_proxies + 1, sizeof(*all));
	size_t k = 0;

	if (!all)
		return NULL;
	for (size_t i = 0; i < cfg->n_policies; i++)
		all[k++] = cfg->policies[i];
	for (size_t i = 0; i < cfg->n_proxies; i++) {
		const struct proxy_cfg *px = &cfg->proxies[i];
		struct cfg_policy *p = &all[k];

		if (!px->enabled || !px->has_xdp)
			continue;
		/* Complete from the parser; renamed so it cannot take the
		 * slot of a policies[] entry with the same name. */
		*p = px->xdp;
		policy_key_for_proxy(px->name, p->name, sizeof(p->name));
		k++;
	}
	*n = k;
	return all;
}

/* The policy table being built: the port map as it is (cur) and as it
 * should be (want: a policy id per port key), which ids are in use and
 * their names. */
struct policy_plan {
	uint32_t cur[AEGIS_PORT_MAP_ENTRIES];
	uint32_t want[AEGIS_PORT_MAP_ENTRIES];
	bool taken[AEGIS_MAX_POLICIES];
	char names[AEGIS_MAX_POLICIES][32];
};

static void plan_ports(struct policy_plan *plan, const struct cfg_policy *p, uint32_t id)
{
	for (size_t r = 0; r < p->n_ports; r++)
		for (uint32_t port = p->ports[r].lo; port <= p->ports[r].hi; port++) {
			if (p->tcp)
				plan->want[aegis_port_key(AEGIS_SLOT_TCP, (uint16_t)port)] = id;
			if (p->udp)
				plan->want[aegis_port_key(AEGIS_SLOT_UDP, (uint16_t)port)] = id;
		}
}

/* Each policy keeps its slot (or takes a free one) and gets its values. */
static int write_policies(struct shield *s, const struct cfg_policy *policies, size_t n,
			  struct policy_plan *plan, char *err, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		const struct cfg_policy *p = &policies[i];
		struct aegis_policy mp;
		uint32_t id = policy_id_for(s, p->name, plan->taken);
		int ret;

		if (!id) {
			snprintf(err, len, "no free policy slot for '%s'", p->name);
			return -ENOSPC;
		}
		plan->taken[id] = true;
		snprintf(plan->names[id], sizeof(plan->names[id]), "%s", p->name);
		config_policy_to_map(p, &mp);
		ret = maps_policy_set(s->maps, id, &mp);
		if (ret) {
			snprintf(err, len, "policy %s: %s", p->name, strerror(-ret));
			return ret;
		}
		if (!s->policies_off)
			plan_ports(plan, p, id);
	}
	return 0;
}

/* Only the port entries that change are written. */
static int flip_ports(struct shield *s, const struct policy_plan *plan, char *err, size_t len)
{
	for (uint32_t k = 0; k < AEGIS_PORT_MAP_ENTRIES; k++) {
		int ret;

		if (plan->cur[k] == plan->want[k])
			continue;
		ret = maps_port_set(s->maps, (enum aegis_port_slot)(k >> 16), (uint16_t)k,
				    (uint16_t)k, plan->want[k]);
		if (ret) {
			snprintf(err, len, "port map: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Retire policies no port refers to any more. */
static void retire_policies(struct shield *s, const struct policy_plan *plan)
{
	for (uint32_t id = 1; id < AEGIS_MAX_POLICIES; id++) {
		struct aegis_policy off = {};

		if (!plan->taken[id])
			maps_policy_set(s->maps, id, &off);
	}
}

/* Writes every policy's values, then points ports at them, then retires
 * what is gone: a port is never without its new limits for longer than it
 * takes to flip its entry. */
static int apply_policies(struct shield *s, const struct aegis_config *cfg, char *err, size_t len)
{
	struct policy_plan *plan = calloc(1, sizeof(*plan));
	struct cfg_policy *policies = NULL;
	size_t n_policies = 0;
	int ret = -ENOMEM;

	if (!plan)
		goto out;
	policies = all_policies(cfg, &n_policies);
	if (!policies)
		goto out;
	if (n_policies >= AEGIS_MAX_POLICIES) {
		ret = -ENOSPC;
		snprintf(err, len, "%zu XDP policies (config and proxies); at most %d",
			 n_policies, AEGIS_MAX_POLICIES - 1);
		goto out;
	}
	ret = maps_ports_read(s->maps, plan->cur);
	if (!ret)
		ret = write_policies(s, policies, n_policies, plan, err, len);
	if (!ret)
		ret = flip_ports(s, plan, err, len);
	if (ret)
		goto out;
	retire_policies(s, plan);
	memcpy(s->policy_names, plan->names, sizeof(plan->names));
out:
	if (ret == -ENOMEM && !err[0])
		snprintf(err, len, "out of memory");
	free(plan);
	free(policies);
	return ret;
}

/*
 * The allow-list to install: the config's, plus every upstream address of
 * an enabled proxy, so upstream replies are never rate limited.
 */
/* Adds addr as a /128 unless it is there already. */
static void allow_add(struct cfg_cidr *all, size_t *k, const struct aegis_addr *addr)
{
	struct cfg_cidr *c = &all[*k];

	c->key.prefixlen = 128;
	c->key.addr = *addr;
	addr_format(addr, c->text, sizeof(c->text));
	if (!cfg_has_cidr(all, *k, &c->key))
		(*k)++;
}

static size_t http_upstreams(const struct http_cfg *h)
{
	size_t n = 0;

	for (size_t i = 0; h && i < h->n_hosts; i++)
		for (size_t j = 0; j < h->hosts[i].n_routes; j++)
			n += h->hosts[i].routes[j].n_ups;
	return n;
}

/*
 * The allow-list to install: the config's, plus every upstream address of
 * an enabled proxy (HTTP route upstreams included), so upstream replies
 * are never rate limited.
 */
static struct cfg_cidr *all_allows(const struct aegis_config *cfg, size_t *n)
{
	size_t total = cfg->n_allow, k = 0;
	struct cfg_cidr *all;

	for (size_t i = 0; i < cfg->n_proxies; i++)
		total += cfg->proxies[i].n_up_addrs + http_upstreams(cfg->proxies[i].http);
	all = calloc(total + 1, sizeof(*all));
	if (!all)
		return NULL;
	for (size_t i = 0; i < cfg->n_allow; i++)
		all[k++] = cfg->allow[i];
	for (size_t i = 0; i < cfg->n_proxies; i++) {
		const struct proxy_cfg *px = &cfg->proxies[i];
		const struct http_cfg *h = px->http;

		for (size_t a = 0; px->enabled && a < px->n_up_addrs; a++)
			allow_add(all, &k, &px->up_addrs[a]);
		for (size_t a = 0; px->enabled && h && a < h->n_hosts; a++)
			for (size_t r = 0; r < h->hosts[a].n_routes; r++)
				for (size_t u = 0; u < h->hosts[a].routes[r].n_ups; u++)
					allow_add(all, &k, &h->hosts[a].routes[r].ups[u].addr);
	}
	*n = k;
	return all;
}

int shield_apply(struct shield *s, const struct aegis_config *cfg, char *err, size_t len)
{
	struct cfg_cidr *allow;
	size_t n_allow;
	int ret;

	allow = all_allows(cfg, &n_allow);
	if (!allow) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	ret = shield_apply_lists(s, cfg, allow, n_allow, err, len);
	free(allow);
	return ret;
}

static int shield_apply_lists(struct shield *s, const struct aegis_config *cfg,
			      const struct cfg_cidr *allow, size_t n_allow, char *err, size_t len)
{
	struct aegis_settings set;
	int ret;

	err[0] = '\0';
	/* Stricter first: new denies, fewer allows, new settings and policies. */
	ret = list_add_all(s, MAPS_DENY, cfg->deny, cfg->n_deny, err, len);
	if (ret)
		return ret;
	ret = list_prune(s, MAPS_ALLOW, allow, n_allow);
	if (ret) {
		snprintf(err, len, "allow-list cleanup: %s", strerror(-ret));
		return ret;
	}
	config_settings_to_map(cfg, &set);
	ret = maps_settings_set(s->maps, &set);
	if (ret) {
		snprintf(err, len, "settings: %s", strerror(-ret));
		return ret;
	}
	ret = apply_policies(s, cfg, err, len);
	if (ret)
		return ret;
	/* Looser last: new allows, fewer denies. */
	ret = list_add_all(s, MAPS_ALLOW, allow, n_allow, err, len);
	if (ret)
		return ret;
	ret = list_prune(s, MAPS_DENY, cfg->deny, cfg->n_deny);
	if (ret)
		snprintf(err, len, "deny-list cleanup: %s", strerror(-ret));
	return ret;
}

int shield_set_policies(struct shield *s, const struct aegis_config *cfg, bool on, char *err,
			size_t len)
{
	bool was = s->policies_off;
	int ret;

	err[0] = '\0';
	s->policies_off = !on;
	ret = apply_policies(s, cfg, err, len);
	if (ret)
		s->policies_off = was;
	return ret;
}

bool shield_policies_on(const struct shield *s)
{
	return !s->policies_off;
}
