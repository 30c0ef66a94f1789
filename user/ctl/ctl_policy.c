// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * aegisctl policy (protected-port limits) and settings (runtime knobs).
 * A policy set on exactly the ports of an existing policy edits it in
 * place (its rate state and flows survive); on other ports it creates a
 * policy, starting from the values of the one those ports had.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "lib/names.h"
#include "lib/units.h"

static int policy_help(void)
{
	printf("Usage: aegisctl policy show\n"
	       "       aegisctl policy set tcp|udp|tcp-udp PORTS [LIMIT RATE[/BURST]]... [OPTION VALUE]...\n"
	       "       aegisctl policy del tcp|udp|tcp-udp PORTS\n"
	       "PORTS: 25565 or 27015-27020.\n"
	       "LIMIT (per source): pps syn new_conn rst udp_pps udp_bps;\n"
	       "      (all sources): global_syn global_new_conn.  RATE 0 or off disables.\n"
	       "OPTION: max_conn_per_source N, max_conn_total N, strikes N,\n"
	       "        strike_window DUR, ban DUR (0 = permanent), flow_idle DUR, syn_timeout DUR.\n"
	       "Unnamed limits keep their current values.\n");
	return CTL_OK;
}

static int parse_proto(const char *s, bool *tcp, bool *udp)
{
	*tcp = !strcmp(s, "tcp") || !strcmp(s, "tcp-udp");
	*udp = !strcmp(s, "udp") || !strcmp(s, "tcp-udp");
	if (!*tcp && !*udp)
		return ctl_usage("policy: invalid protocol '%s' (tcp, udp, tcp-udp)", s);
	return 0;
}

static int parse_rate(const char *what, const char *s, struct aegis_limit *l)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	uint64_t rate, burst;

	if (!strcmp(s, "off"))
		return aegis_limit_init(l, 0, 0), 0;
	if (strlen(s) >= sizeof(buf))
		return ctl_usage("%s: invalid rate '%s'", what, s);
	snprintf(buf, sizeof(buf), "%.*s", slash ? (int)(slash - s) : (int)strlen(s), s);
	if (units_parse_count(buf, AEGIS_MAX_RATE, &rate))
		return ctl_usage("%s: invalid rate '%s' (0..%u, k/M/G suffixes)", what, buf,
				 AEGIS_MAX_RATE);
	burst = rate;
	/* Same rule as the config file: an explicit burst is at least 1. */
	if (slash && (units_parse_count(slash + 1, AEGIS_MAX_BURST, &burst) || !burst))
		return ctl_usage("%s: invalid burst '%s' (1..%u)", what, slash + 1, AEGIS_MAX_BURST);
	if (burst > AEGIS_MAX_BURST)
		burst = AEGIS_MAX_BURST;
	if (aegis_limit_init(l, (uint32_t)rate, (uint32_t)(burst ? burst : 1)))
		return ctl_usage("%s: rate/burst out of range", what);
	return 0;
}

static int parse_secs(const char *what, const char *s, uint32_t *out)
{
	uint64_t ms;

	if (ctl_parse_duration(what, s, &ms))
		return CTL_USAGE;
	if (ms / 1000 > UINT32_MAX)
		return ctl_usage("%s: too long", what);
	*out = (uint32_t)(ms / 1000);
	return 0;
}

/* Applies "KEY VALUE" pairs to a policy. */
static int policy_apply_args(struct aegis_policy *p, bool tcp, bool udp, int argc, char **argv)
{
	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int lim = names_limit_parse(k);
		uint64_t ms;

		if (!v)
			return ctl_usage("policy set: '%s' needs a value", k);
		if (lim >= 0) {
			if (!tcp && (lim == AEGIS_LIM_SYN || lim == AEGIS_LIM_RST))
				return ctl_usage("policy set: '%s' applies to tcp only", k);
			if (!udp && (lim == AEGIS_LIM_UDP_PPS || lim == AEGIS_LIM_UDP_BPS))
				return ctl_usage("policy set: '%s' applies to udp only", k);
			if (parse_rate(k, v, &p->src[lim]))
				return CTL_USAGE;
		} else if (!strcmp(k, "global_syn")) {
			if (!tcp)
				return ctl_usage("policy set: 'global_syn' applies to tcp only");
			if (parse_rate(k, v, &p->global_syn))
				return CTL_USAGE;
		} else if (!strcmp(k, "global_new_conn")) {
			if (parse_rate(k, v, &p->global_conn))
				return CTL_USAGE;
		} else if (!strcmp(k, "max_conn_per_source")) {
			if (ctl_parse_u32(k, v, UINT32_MAX, &p->max_conn_per_src))
				return CTL_USAGE;
		} else if (!strcmp(k, "max_conn_total")) {
			if (ctl_parse_u32(k, v, UINT32_MAX, &p->max_conn_total))
				return CTL_USAGE;
		} else if (!strcmp(k, "strikes")) {
			if (ctl_parse_u32(k, v, 1000000, &p->strike_limit))
				return CTL_USAGE;
		} else if (!strcmp(k, "strike_window")) {
			if (ctl_parse_duration(k, v, &ms))
				return CTL_USAGE;
			if (ms > UINT32_MAX)
				return ctl_usage("strike_window: too long");
			p->strike_window_ms = (uint32_t)ms;
		} else if (!strcmp(k, "ban")) {
			if (parse_secs(k, v, &p->ban_ttl_s))
				return CTL_USAGE;
		} else if (!strcmp(k, "flow_idle")) {
			if (parse_secs(k, v, &p->flow_idle_s))
				return CTL_USAGE;
		} else if (!strcmp(k, "syn_timeout")) {
			if (parse_secs(k, v, &p->syn_timeout_s))
				return CTL_USAGE;
		} else {
			return ctl_usage("policy set: unknown argument '%s' (see 'policy help')", k);
		}
	}
	return 0;
}

/* The id every port of [lo, hi] in `slot` maps to, 0 if none, -1 if mixed. */
static long range_id(const uint32_t *ids, enum aegis_port_slot slot, uint16_t lo, uint16_t hi)
{
	uint32_t first = ids[aegis_port_key(slot, lo)];

	for (uint32_t p = lo; p <= hi; p++)
		if (ids[aegis_port_key(slot, (uint16_t)p)] != first)
			return -1;
	return first;
}

/* True if `id` is used exactly on [lo, hi] of `slot` and nowhere else. */
static bool id_covers_exactly(const uint32_t *ids, uint32_t id, enum aegis_port_slot slot,
			      uint16_t lo, uint16_t hi)
{
	for (uint32_t k = 0; k < AEGIS_PORT_MAP_ENTRIES; k++) {
		bool inside = (k >> 16) == slot && (k & 0xffff) >= lo && (k & 0xffff) <= hi;

		if ((ids[k] == id) != inside)
			return false;
	}
	return true;
}

static void policy_release_unused(struct ctl *c, const uint32_t *ids)
{
	static bool used[AEGIS_MAX_POLICIES];
	struct aegis_policy p;

	memset(used, 0, sizeof(used));
	for (uint32_t k = 0; k < AEGIS_PORT_MAP_ENTRIES; k++)
		if (ids[k] < AEGIS_MAX_POLICIES)
			used[ids[k]] = true;
	for (uint32_t id = 1; id < AEGIS_MAX_POLICIES; id++)
		if (!used[id] && !maps_policy_get(&c->maps, id, &p) && p.active) {
			memset(&p, 0, sizeof(p));
			maps_policy_set(&c->maps, id, &p);
		}
}

static int policy_set_slot(struct ctl *c, uint32_t *ids, enum aegis_port_slot slot,
			   uint16_t lo, uint16_t hi, bool tcp, bool udp, int argc, char **argv)
{
	struct aegis_policy p = {};
	long cur = range_id(ids, slot, lo, hi);
	uint32_t id;
	int ret;

	if (cur > 0)
		maps_policy_get(&c->maps, (uint32_t)cur, &p);
	if (policy_apply_args(&p, tcp, udp, argc, argv))
		return CTL_USAGE;
	p.active = 1;
	p.proto = slot == AEGIS_SLOT_TCP ? 6 : 17;
	p.port_lo = lo;
	p.port_hi = hi;
	if (cur > 0 && id_covers_exactly(ids, (uint32_t)cur, slot, lo, hi)) {
		id = (uint32_t)cur;
	} else {
		id = maps_policy_free_id(&c->maps, ids);
		if (!id)
			return ctl_fail("policy set: all %d policy slots in use", AEGIS_MAX_POLICIES - 1);
	}
	ret = maps_policy_set(&c->maps, id, &p);
	if (!ret)
		ret = maps_port_set(&c->maps, slot, lo, hi, id);
	if (ret)
		return ctl_fail("policy set: %s", strerror(-ret));
	for (uint32_t port = lo; port <= hi; port++)
		ids[aegis_port_key(slot, (uint16_t)port)] = id;
	policy_release_unused(c, ids);
	return CTL_OK;
}

static int policy_set_or_del(struct ctl *c, bool set, int argc, char **argv)
{
	uint32_t *ids;
	uint16_t lo, hi;
	bool tcp, udp;
	int ret = CTL_OK;

	if (argc < 2)
		return ctl_usage("policy %s: need PROTOCOL and PORTS", set ? "set" : "del");
	if (parse_proto(argv[0], &tcp, &udp) || ctl_parse_port_range(argv[1], &lo, &hi))
		return CTL_USAGE;
	if (!set && argc > 2)
		return ctl_usage("policy del: unexpected argument '%s'", argv[2]);
	/* Validate everything before touching a map. */
	struct aegis_policy scratch = {};
	if (set && policy_apply_args(&scratch, tcp, udp, argc - 2, argv + 2))
		return CTL_USAGE;
	if (ctl_maps(c))
		return CTL_ERR;
	ids = calloc(AEGIS_PORT_MAP_ENTRIES, sizeof(*ids));
	if (!ids)
		return ctl_fail("out of memory");
	if (maps_ports_read(&c->maps, ids)) {
		ret = ctl_fail("policy: cannot read the port map");
		goto out;
	}
	for (int s = AEGIS_SLOT_TCP; s <= AEGIS_SLOT_UDP && ret == CTL_OK; s++) {
		if ((s == AEGIS_SLOT_TCP && !tcp) || (s == AEGIS_SLOT_UDP && !udp))
			continue;
		if (set) {
			ret = policy_set_slot(c, ids, s, lo, hi, tcp && s == AEGIS_SLOT_TCP,
					      udp && s == AEGIS_SLOT_UDP, argc - 2, argv + 2);
			continue;
		}
		if (maps_port_set(&c->maps, s, lo, hi, 0)) {
			ret = ctl_fail("policy del: cannot update the port map");
			break;
		}
		for (uint32_t port = lo; port <= hi; port++)
			ids[aegis_port_key(s, (uint16_t)port)] = 0;
		policy_release_unused(c, ids);
	}
out:
	free(ids);
	return ret;
}

static void print_limit_text(const char *name, const struct aegis_limit *l)
{
	if (l->rate)
		printf(" %s=%u/%u", name, l->rate, l->burst);
}

static void print_limit_json(struct json *j, const char *name, const struct aegis_limit *l)
{
	json_key(j, name);
	if (!l->rate) {
		json_null_value(j);
		return;
	}
	json_obj_open(j);
	json_ku64(j, "rate", l->rate);
	json_ku64(j, "burst", l->burst);
	json_obj_close(j);
}

/* Prints the port ranges of `id` as "80,8000-8100". */
static void format_ranges(const uint32_t *ids, uint32_t id, enum aegis_port_slot slot,
			  char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (uint32_t p = 1; p <= 65535 && off < len; p++) {
		uint32_t q = p;

		if (ids[aegis_port_key(slot, (uint16_t)p)] != id)
			continue;
		while (q < 65535 && ids[aegis_port_key(slot, (uint16_t)(q + 1))] == id)
			q++;
		off += (size_t)snprintf(buf + off, len - off, q == p ? "%s%u" : "%s%u-%u",
					off ? "," : "", p, q);
		p = q;
	}
}

static void policy_print(struct ctl *c, uint32_t id, const struct aegis_policy *p,
			 const char *proto, const char *ports, int64_t conns)
{
	/* Show what the program applies: 0 means its default. */
	uint32_t window = p->strike_window_ms ? p->strike_window_ms : AEGIS_DEF_STRIKE_WINDOW_MS;
	uint32_t idle = p->flow_idle_s ? p->flow_idle_s : AEGIS_DEF_FLOW_IDLE_S;
	uint32_t syn = p->syn_timeout_s ? p->syn_timeout_s : AEGIS_DEF_SYN_TIMEOUT_S;

	if (c->json) {
		struct json *j = &c->j;

		json_obj_open(j);
		json_ku64(j, "id", id);
		json_kstr(j, "protocol", proto);
		json_kstr(j, "ports", ports);
		for (int l = 0; l < AEGIS_LIM_MAX; l++)
			print_limit_json(j, names_limit(l), &p->src[l]);
		print_limit_json(j, "global_syn", &p->global_syn);
		print_limit_json(j, "global_new_conn", &p->global_conn);
		json_ku64(j, "max_conn_per_source", p->max_conn_per_src);
		json_ku64(j, "max_conn_total", p->max_conn_total);
		json_ku64(j, "strikes", p->strike_limit);
		json_ku64(j, "strike_window_ms", window);
		json_ku64(j, "ban_s", p->ban_ttl_s);
		json_ku64(j, "flow_idle_s", idle);
		json_ku64(j, "syn_timeout_s", syn);
		json_ki64(j, "connections", conns);
		json_obj_close(j);
		return;
	}
	printf("policy %u: %s %s\n  limits:", id, proto, ports);
	for (int l = 0; l < AEGIS_LIM_MAX; l++)
		print_limit_text(names_limit(l), &p->src[l]);
	print_limit_text("global_syn", &p->global_syn);
	print_limit_text("global_new_conn", &p->global_conn);
	printf("\n  max_conn_per_source=%u max_conn_total=%u strikes=%u window=%ums ban=%us\n"
	       "  flow_idle=%us syn_timeout=%us connections=%lld\n",
	       p->max_conn_per_src, p->max_conn_total, p->strike_limit, window, p->ban_ttl_s,
	       idle, syn, (long long)conns);
}

/* Protocol and port text of a policy from where the port map uses it. */
static void policy_where(const uint32_t *ids, uint32_t id, char *proto, size_t plen,
			 char *ports, size_t len)
{
	char tcp[512], udp[512];

	format_ranges(ids, id, AEGIS_SLOT_TCP, tcp, sizeof(tcp));
	format_ranges(ids, id, AEGIS_SLOT_UDP, udp, sizeof(udp));
	if (tcp[0] && udp[0] && !strcmp(tcp, udp)) {
		snprintf(proto, plen, "tcp-udp");
		snprintf(ports, len, "%s", tcp);
	} else if (tcp[0] && udp[0]) {
		snprintf(proto, plen, "tcp-udp");
		snprintf(ports, len, "tcp %s; udp %s", tcp, udp);
	} else {
		snprintf(proto, plen, "%s", udp[0] ? "udp" : "tcp");
		snprintf(ports, len, "%s", udp[0] ? udp : tcp[0] ? tcp : "none");
	}
}

static int policy_show(struct ctl *c)
{
	uint32_t *ids = calloc(AEGIS_PORT_MAP_ENTRIES, sizeof(*ids));
	char ports[1100], proto[8];
	unsigned int n = 0;

	if (!ids)
		return ctl_fail("out of memory");
	if (maps_ports_read(&c->maps, ids)) {
		free(ids);
		return ctl_fail("policy show: cannot read the port map");
	}
	if (c->json)
		json_arr_open(&c->j);
	for (uint32_t id = 1; id < AEGIS_MAX_POLICIES; id++) {
		struct aegis_policy p;
		struct aegis_policy_state st = {};

		if (maps_policy_get(&c->maps, id, &p) || !p.active)
			continue;
		maps_policy_state_get(&c->maps, id, &st);
		policy_where(ids, id, proto, sizeof(proto), ports, sizeof(ports));
		policy_print(c, id, &p, proto, ports, st.conns);
		n++;
	}
	if (c->json)
		json_arr_close(&c->j);
	else if (!n)
		printf("no policies: all ports pass unlimited\n");
	free(ids);
	return CTL_OK;
}

int do_policy(struct ctl *c, int argc, char **argv)
{
	if (argc < 1)
		return policy_help(), CTL_USAGE;
	if (ctl_is_help(argc, argv))
		return policy_help();
	if (!strcmp(argv[0], "show") || !strcmp(argv[0], "list")) {
		if (argc > 1)
			return ctl_usage("policy show: unexpected argument '%s'", argv[1]);
		return ctl_maps(c) ?: policy_show(c);
	}
	if (!strcmp(argv[0], "set") || !strcmp(argv[0], "del"))
		return policy_set_or_del(c, !strcmp(argv[0], "set"), argc - 1, argv + 1);
	return ctl_usage("policy: unknown action '%s' (show, set, del)", argv[0]);
}
