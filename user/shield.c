// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Config -> maps, in place and gap-free; see shield.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "shield.h"

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

/* Writes every policy's values, then points ports at them, then retires
 * what is gone: a port is never without its new limits for longer than it
 * takes to flip its entry. */
static int apply_policies(struct shield *s, const struct aegis_config *cfg, char *err, size_t len)
{
	static char next_names[AEGIS_MAX_POLICIES][32];
	uint32_t *cur = calloc(AEGIS_PORT_MAP_ENTRIES, sizeof(*cur));
	uint32_t *want = calloc(AEGIS_PORT_MAP_ENTRIES, sizeof(*want));
	bool taken[AEGIS_MAX_POLICIES] = { false };
	int ret = -ENOMEM;

	memset(next_names, 0, sizeof(next_names));
	if (!cur || !want)
		goto out;
	ret = maps_ports_read(s->maps, cur);
	if (ret)
		goto out;
	for (size_t i = 0; i < cfg->n_policies; i++) {
		const struct cfg_policy *p = &cfg->policies[i];
		struct aegis_policy mp;
		uint32_t id = policy_id_for(s, p->name, taken);

		if (!id) {
			ret = -ENOSPC;
			snprintf(err, len, "no free policy slot for '%s'", p->name);
			goto out;
		}
		taken[id] = true;
		snprintf(next_names[id], sizeof(next_names[id]), "%s", p->name);
		config_policy_to_map(p, &mp);
		ret = maps_policy_set(s->maps, id, &mp);
		if (ret) {
			snprintf(err, len, "policy %s: %s", p->name, strerror(-ret));
			goto out;
		}
		for (size_t r = 0; r < p->n_ports; r++)
			for (uint32_t port = p->ports[r].lo; port <= p->ports[r].hi; port++) {
				if (p->tcp)
					want[aegis_port_key(AEGIS_SLOT_TCP, (uint16_t)port)] = id;
				if (p->udp)
					want[aegis_port_key(AEGIS_SLOT_UDP, (uint16_t)port)] = id;
			}
	}
	for (uint32_t k = 0; k < AEGIS_PORT_MAP_ENTRIES; k++) {
		if (cur[k] == want[k])
			continue;
		ret = maps_port_set(s->maps, (enum aegis_port_slot)(k >> 16), (uint16_t)k,
				    (uint16_t)k, want[k]);
		if (ret) {
			snprintf(err, len, "port map: %s", strerror(-ret));
			goto out;
		}
	}
	/* Retire policies no port refers to any more. */
	for (uint32_t id = 1; id < AEGIS_MAX_POLICIES; id++) {
		struct aegis_policy off = {};

		if (!taken[id])
			maps_policy_set(s->maps, id, &off);
	}
	memcpy(s->policy_names, next_names, sizeof(next_names));
	ret = 0;
out:
	if (ret == -ENOMEM && !err[0])
		snprintf(err, len, "out of memory");
	free(cur);
	free(want);
	return ret;
}

int shield_apply(struct shield *s, const struct aegis_config *cfg, char *err, size_t len)
{
	struct aegis_settings set;
	int ret;

	err[0] = '\0';
	/* Stricter first: new denies, fewer allows, new settings and policies. */
	ret = list_add_all(s, MAPS_DENY, cfg->deny, cfg->n_deny, err, len);
	if (ret)
		return ret;
	ret = list_prune(s, MAPS_ALLOW, cfg->allow, cfg->n_allow);
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
	ret = list_add_all(s, MAPS_ALLOW, cfg->allow, cfg->n_allow, err, len);
	if (ret)
		return ret;
	ret = list_prune(s, MAPS_DENY, cfg->deny, cfg->n_deny);
	if (ret)
		snprintf(err, len, "deny-list cleanup: %s", strerror(-ret));
	return ret;
}
