// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Proxy definitions of the config (proxies:, proxies_dir:): every key lands
 * in struct proxy_cfg, defaults hold, every error names the right file and
 * line, directories load in name order, copy/free/equal are deep and
 * exact, and the shipped examples load. Runs from the repository root.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/addr.h"
#include "config/config.h"
#include "config/proxy_config.h"
#include "unit/fixtures.h"

#define NAME "t.yaml"

/* The smallest valid proxy body: indent it under "  - " or use it as a file. */
#define MIN_PROXY(name, port) \
	"  - { name: " name ", protocol: tcp, origin: { ports: " port " },\n" \
	"      upstream: { addresses: [198.18.0.10] } }\n"

static void assert_proxy_defaults(const struct proxy_cfg *p)
{
	cr_assert(p->enabled);
	cr_assert_eq(p->n_origin_addrs, 1);
	fx_assert_addr(&p->origin_addrs[0], "0.0.0.0");
	cr_assert_eq(p->algo, PROXY_LB_ROUND_ROBIN);
	cr_assert_not(p->sticky);
	cr_assert_eq(p->sticky_ttl_s, 3600);
	cr_assert_eq(p->slow_start_ms, 0);
	cr_assert(p->health.enabled);
	cr_assert_eq(p->health.interval_ms, 10000);
	cr_assert_eq(p->health.timeout_ms, 3000);
	cr_assert_eq(p->health.fails, 3);
	cr_assert_eq(p->health.passes, 2);
	cr_assert_eq(p->timeouts.connect_ms, 5000);
	cr_assert_eq(p->timeouts.idle_ms, 300000);
	cr_assert_eq(p->timeouts.client_read_ms, 0);
	cr_assert_eq(p->timeouts.client_write_ms, 30000);
	cr_assert_eq(p->timeouts.upstream_read_ms, 0);
	cr_assert_eq(p->timeouts.upstream_write_ms, 30000);
	cr_assert_eq(p->timeouts.udp_session_ms, 60000);
	cr_assert_eq(p->pp_send, PROXY_PP_OFF);
	cr_assert_eq(p->n_pp_trusted, 0);
	cr_assert_null(p->pp_trusted);
	cr_assert_eq(p->drain_timeout_ms, 30000);
	cr_assert_eq(p->max_conns, 0);
	cr_assert(p->access_log.enabled);
	cr_assert_str_eq(p->access_log.path, "");
	cr_assert_not(p->access_log.mask_ips);
	cr_assert_not(p->has_xdp);
	cr_assert_null(p->xdp.ports);
	for (size_t i = 0; i < p->n_up_addrs; i++)
		cr_assert_eq(p->up_weights[i], 1);
}

/* ---- defaults ---- */

Test(proxy_config, no_proxies)
{
	static const char *const empties[] = { "", "proxies:\n", "proxies: []\n",
					       "proxies_dir:\n", "proxies_dir: \"\"\n" };

	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		struct aegis_config *c = load_ok(empties[i]);

		cr_assert_eq(c->n_proxies, 0);
		cr_assert_null(c->proxies);
		cr_assert_str_eq(c->proxies_dir, "");
		config_free(c);
	}
}

Test(proxy_config, defaults)
{
	struct aegis_config *c = load_ok(
		"proxies:\n"
		"  - name: mc\n"				/* line 2 */
		"    protocol: tcp\n"
		"    origin: { ports: 25565, addresses: }\n"
		"    upstream: { addresses: [198.18.0.10, \"2001:db8::10\"] }\n"
		"    balance: {}\n"
		"    health_check:\n"
		"    timeouts: {}\n"
		"    proxy_protocol: { send: off, accept_from: [] }\n"
		"    draining: {}\n"
		"    limits: {}\n"
		"    access_log: { path: }\n"
		"    xdp:\n");
	const struct proxy_cfg *p = &c->proxies[0];

	cr_assert_eq(c->n_proxies, 1);
	cr_assert_str_eq(p->name, "mc");
	cr_assert_str_eq(p->file, NAME);
	cr_assert_eq(p->line, 2);
	cr_assert(p->tcp && !p->udp);
	cr_assert(p->origin_lo == 25565 && p->origin_hi == 25565);
	cr_assert(p->up_lo == 25565 && p->up_hi == 25565, "upstream ports default to the origin's");
	cr_assert_not(p->one_to_one, "one port: fan-out");
	cr_assert_eq(p->n_up_addrs, 2);
	fx_assert_addr(&p->up_addrs[0], "198.18.0.10");
	fx_assert_addr(&p->up_addrs[1], "2001:db8::10");
	assert_proxy_defaults(p);
	config_free(c);
}

Test(proxy_config, one_to_one_default)
{
	static const struct {
		const char *origin, *up;
		bool o2o;
		uint16_t up_lo, up_hi;
	} cases[] = {
		{ "\"1000-1002\"", NULL, true, 1000, 1002 },		/* upstream = origin */
		{ "\"1000-1002\"", "\"2000-2002\"", true, 2000, 2002 },
		{ "\"1000-1002\"", "2000", false, 2000, 2000 },	/* many -> one */
		{ "\"1000-1002\"", "\"2000-2001\"", false, 2000, 2001 },
		{ "1000", "2000", false, 2000, 2000 },
		{ "1000", "\"2000-2009\"", false, 2000, 2009 },		/* one -> pool */
	};
	char yaml[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(yaml, sizeof(yaml),
			 "proxies:\n  - { name: p, protocol: udp, origin: { ports: %s },\n"
			 "      upstream: { addresses: [198.18.0.1]%s%s } }\n",
			 cases[i].origin, cases[i].up ? ", ports: " : "", cases[i].up ? cases[i].up : "");
		struct aegis_config *c = load_ok(yaml);

		cr_assert_eq(c->proxies[0].one_to_one, cases[i].o2o, "%s", yaml);
		cr_assert_eq(c->proxies[0].up_lo, cases[i].up_lo, "%s", yaml);
		cr_assert_eq(c->proxies[0].up_hi, cases[i].up_hi, "%s", yaml);
		config_free(c);
	}
	/* Written: true with equal sizes (even 1), false with equal sizes. */
	struct aegis_config *c = load_ok(
		"proxies:\n"
		"  - { name: a, protocol: tcp, one_to_one: true, origin: { ports: 1 },\n"
		"      upstream: { addresses: [198.18.0.1], ports: 2 } }\n"
		"  - { name: b, protocol: tcp, one_to_one: false, origin: { ports: \"10-12\" },\n"
		"      upstream: { addresses: [198.18.0.1], ports: \"20-22\" } }\n");

	cr_assert(c->proxies[0].one_to_one);
	cr_assert_not(c->proxies[1].one_to_one);
	config_free(c);
}

/* ---- every key ---- */

static const char every_key[] =
	"proxies:\n"
	"  - name: mc.main_1\n"					/* line 2 */
	"    enabled: false\n"
	"    protocol: tcp\n"
	"    origin: { addresses: [\"198.18.0.1\", \"2001:db8::1\"], ports: \"25565-25567\" }\n"
	"    upstream:\n"
	"      addresses: [\"198.18.0.10\", \"198.18.0.11\", \"2001:db8::10\"]\n"
	"      ports: \"35565-35567\"\n"
	"      weights: { \"198.18.0.10\": 3, \"2001:0db8::10\": 1000 }\n"
	"    one_to_one: false\n"
	"    balance: { algorithm: least-conn, sticky: true, sticky_ttl: 2h, slow_start: 1500ms }\n"
	"    health_check: { enabled: false, interval: 20s, timeout: 250ms, fails: 5, passes: 4 }\n"
	"    timeouts: { connect: 2s, idle: 0, client_read: 10s, client_write: 1m,\n"
	"                upstream_read: 20s, upstream_write: 0, udp_session: 7d }\n"
	"    proxy_protocol: { send: v1, accept_from: [\"198.18.5.0/24\", \"2001:db8:5::/48\", 198.18.6.7] }\n"
	"    draining: { timeout: 0 }\n"
	"    limits: { max_connections: 10k }\n"
	"    access_log: { enabled: false, path: /var/log/aegis/access.log, mask_ips: true }\n"
	"    xdp:\n"						/* line 19 */
	"      per_source: { syn: 100, new_conn: { rate: 20, burst: 40 } }\n"
	"      global: { syn: 5000 }\n"
	"      max_conn_per_source: 10\n"
	"      max_conn_total: 1000\n"
	"      strikes: { limit: 3, window: 5s, ban: 1h }\n"
	"      flow_idle: 60s\n"
	"      syn_timeout: 5s\n"
	"  - xdp: { per_source: { udp_pps: 500 } }\n"		/* line 27: protocol written last */
	"    proxy_protocol: { send: v2 }\n"
	"    name: b\n"
	"    origin: { addresses: [\"::\"], ports: 53 }\n"
	"    upstream: { addresses: [\"2001:db8::53\"] }\n"
	"    balance: { algorithm: random }\n"
	"    protocol: tcp-udp\n"
	"  - { name: c, protocol: udp, origin: { ports: \"7000-7001\" },\n"
	"      upstream: { addresses: [198.18.0.1] }, balance: { algorithm: ip-hash },\n"
	"      proxy_protocol: { send: off } }\n"
	"  - { name: d, protocol: tcp, origin: { ports: 9 }, upstream: { addresses: [198.18.0.1] },\n"
	"      balance: { algorithm: weighted } }\n"
	"  - { name: e, protocol: tcp, origin: { ports: 10 }, upstream: { addresses: [198.18.0.1] },\n"
	"      balance: { algorithm: round-robin } }\n";

Test(proxy_config, every_key_lands_in_the_struct)
{
	struct aegis_config *c = load_ok(every_key);
	const struct proxy_cfg *p = &c->proxies[0];
	const struct cfg_policy *x = &p->xdp;

	cr_assert_eq(c->n_proxies, 5);
	cr_assert_str_eq(p->name, "mc.main_1");
	cr_assert_str_eq(p->file, NAME);
	cr_assert_eq(p->line, 2);
	cr_assert_not(p->enabled);
	cr_assert(p->tcp && !p->udp);
	cr_assert_eq(p->n_origin_addrs, 2);
	fx_assert_addr(&p->origin_addrs[0], "198.18.0.1");
	fx_assert_addr(&p->origin_addrs[1], "2001:db8::1");
	cr_assert(p->origin_lo == 25565 && p->origin_hi == 25567);
	cr_assert_eq(p->n_up_addrs, 3);
	fx_assert_addr(&p->up_addrs[0], "198.18.0.10");
	fx_assert_addr(&p->up_addrs[1], "198.18.0.11");
	fx_assert_addr(&p->up_addrs[2], "2001:db8::10");
	cr_assert_eq(p->up_weights[0], 3);
	cr_assert_eq(p->up_weights[1], 1, "unweighted addresses keep 1");
	cr_assert_eq(p->up_weights[2], 1000, "matched by address, not by spelling");
	cr_assert(p->up_lo == 35565 && p->up_hi == 35567);
	cr_assert_not(p->one_to_one, "written false wins over equal sizes");
	cr_assert_eq(p->algo, PROXY_LB_LEAST_CONN);
	cr_assert(p->sticky);
	cr_assert_eq(p->sticky_ttl_s, 7200);
	cr_assert_eq(p->slow_start_ms, 1500);
	cr_assert_not(p->health.enabled);
	cr_assert_eq(p->health.interval_ms, 20000);
	cr_assert_eq(p->health.timeout_ms, 250);
	cr_assert_eq(p->health.fails, 5);
	cr_assert_eq(p->health.passes, 4);
	cr_assert_eq(p->timeouts.connect_ms, 2000);
	cr_assert_eq(p->timeouts.idle_ms, 0);
	cr_assert_eq(p->timeouts.client_read_ms, 10000);
	cr_assert_eq(p->timeouts.client_write_ms, 60000);
	cr_assert_eq(p->timeouts.upstream_read_ms, 20000);
	cr_assert_eq(p->timeouts.upstream_write_ms, 0);
	cr_assert_eq(p->timeouts.udp_session_ms, 7u * 86400 * 1000);
	cr_assert_eq(p->pp_send, PROXY_PP_V1);
	cr_assert_eq(p->n_pp_trusted, 3);
	fx_assert_cidr(&p->pp_trusted[0], "198.18.5.0/24");
	fx_assert_cidr(&p->pp_trusted[1], "2001:db8:5::/48");
	fx_assert_cidr(&p->pp_trusted[2], "198.18.6.7/32");
	cr_assert_eq(p->drain_timeout_ms, 0);
	cr_assert_eq(p->max_conns, 10000);
	cr_assert_not(p->access_log.enabled);
	cr_assert_str_eq(p->access_log.path, "/var/log/aegis/access.log");
	cr_assert(p->access_log.mask_ips);

	cr_assert(p->has_xdp);
	cr_assert_str_eq(x->name, "mc.main_1");
	cr_assert_eq(x->line, 19);
	cr_assert(x->tcp && !x->udp);
	cr_assert_eq(x->n_ports, 1);
	cr_assert(x->ports[0].lo == 25565 && x->ports[0].hi == 25567);
	cr_assert_eq(x->src[AEGIS_LIM_SYN].rate, 100);
	cr_assert_eq(x->src[AEGIS_LIM_CONN].rate, 20);
	cr_assert_eq(x->src[AEGIS_LIM_CONN].burst, 40);
	cr_assert_eq(x->src[AEGIS_LIM_PPS].rate, 0);
	cr_assert_eq(x->global_syn.rate, 5000);
	cr_assert_eq(x->max_conn_per_src, 10);
	cr_assert_eq(x->max_conn_total, 1000);
	cr_assert_eq(x->strike_limit, 3);
	cr_assert_eq(x->strike_window_ms, 5000);
	cr_assert_eq(x->ban_ttl_s, 3600);
	cr_assert_eq(x->flow_idle_s, 60);
	cr_assert_eq(x->syn_timeout_s, 5);

	p = &c->proxies[1];
	cr_assert_str_eq(p->name, "b");
	cr_assert_eq(p->line, 27);
	cr_assert(p->tcp && p->udp);
	fx_assert_addr(&p->origin_addrs[0], "::");
	cr_assert_eq(p->pp_send, PROXY_PP_V2);
	cr_assert_eq(p->algo, PROXY_LB_RANDOM);
	cr_assert(p->has_xdp);
	cr_assert(p->xdp.tcp && p->xdp.udp);
	cr_assert_eq(p->xdp.src[AEGIS_LIM_UDP_PPS].rate, 500);
	cr_assert_eq(p->xdp.strike_window_ms, CFG_DEF_STRIKE_WINDOW_MS, "policy defaults");
	cr_assert_eq(p->xdp.ban_ttl_s, CFG_DEF_BAN_TTL_S);
	cr_assert_eq(p->xdp.flow_idle_s, AEGIS_DEF_FLOW_IDLE_S);
	cr_assert_eq(p->xdp.syn_timeout_s, AEGIS_DEF_SYN_TIMEOUT_S);
	cr_assert(p->xdp.ports[0].lo == 53 && p->xdp.ports[0].hi == 53);

	cr_assert(!c->proxies[2].tcp && c->proxies[2].udp);
	cr_assert_eq(c->proxies[2].algo, PROXY_LB_IP_HASH);
	cr_assert_eq(c->proxies[2].pp_send, PROXY_PP_OFF);
	cr_assert_eq(c->proxies[3].algo, PROXY_LB_WEIGHTED);
	cr_assert_eq(c->proxies[4].algo, PROXY_LB_ROUND_ROBIN);
	config_free(c);
}

Test(proxy_config, xdp_block_is_a_ready_policy)
{
	struct aegis_config *c = load_ok(every_key);
	struct aegis_policy m;

	config_policy_to_map(&c->proxies[0].xdp, &m);
	cr_assert_eq(m.port_lo, 25565);
	cr_assert_eq(m.port_hi, 25567);
	cr_assert_eq(m.proto, 6);
	cr_assert_eq(m.max_conn_per_src, 10);
	cr_assert_eq(m.active, 1);
	config_policy_to_map(&c->proxies[1].xdp, &m);
	cr_assert_eq(m.proto, 0, "tcp-udp");
	config_free(c);
}

Test(proxy_config, long_name_is_cut_for_the_xdp_policy)
{
	struct aegis_config *c = load_ok(
		"proxies:\n"
		"  - { name: abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0,\n"
		"      protocol: tcp, origin: { ports: 1 }, upstream: { addresses: [198.18.0.1] }, xdp: {} }\n");

	cr_assert_eq(strlen(c->proxies[0].name), 63);
	cr_assert_str_eq(c->proxies[0].xdp.name, "abcdefghijklmnopqrstuvwxyz01234");
	config_free(c);
}

Test(proxy_config, listeners_that_may_share)
{
	/* Disabled proxies claim nothing; families, protocols and ports apart. */
	struct aegis_config *c = load_ok(
		"proxies:\n"
		MIN_PROXY("a", "80")
		"  - { name: b, enabled: false, protocol: tcp, origin: { ports: 80 },\n"
		"      upstream: { addresses: [198.18.0.10] } }\n"
		"  - { name: c, protocol: tcp, origin: { addresses: [\"::\"], ports: 80 },\n"
		"      upstream: { addresses: [198.18.0.10] } }\n"
		"  - { name: d, protocol: udp, origin: { ports: 80 },\n"
		"      upstream: { addresses: [198.18.0.10] } }\n"
		"  - { name: e, protocol: tcp, origin: { ports: \"81-90\" },\n"
		"      upstream: { addresses: [198.18.0.10] } }\n"
		"  - { name: f, protocol: tcp, origin: { addresses: [198.18.0.1, 198.18.0.2], ports: 91 },\n"
		"      upstream: { addresses: [198.18.0.10] } }\n"
		"  - { name: g, protocol: tcp, origin: { addresses: [198.18.0.3], ports: 91 },\n"
		"      upstream: { addresses: [198.18.0.10] } }\n");

	cr_assert_eq(c->n_proxies, 7);
	config_free(c);
}

Test(proxy_config, xdp_next_to_policies)
{
	/* A policy on the port and a proxy without xdp: fine; xdp on other ports: fine. */
	struct aegis_config *c = load_ok(
		"policies:\n"
		"  - { name: mc, protocol: tcp, ports: [25565] }\n"
		"proxies:\n"
		"  - { name: mc, protocol: tcp, origin: { ports: 25565 },\n"
		"      upstream: { addresses: [198.18.0.10] } }\n"
		"  - { name: dns, protocol: udp, origin: { ports: 25565 },\n"
		"      upstream: { addresses: [198.18.0.10] }, xdp: {} }\n"
		"  - { name: off, enabled: false, protocol: tcp, origin: { ports: 25565 },\n"
		"      upstream: { addresses: [198.18.0.10] }, xdp: {} }\n");

	cr_assert_eq(c->n_proxies, 3);
	cr_assert(c->proxies[1].has_xdp);
	config_free(c);
}

Test(proxy_config, max_targets)
{
	/* 4 addresses x 256 ports = 1024 in fan-out; one-to-one counts 1 port. */
	struct aegis_config *c = load_ok(
		"proxies:\n"
		"  - { name: a, protocol: tcp, origin: { ports: 1 },\n"
		"      upstream: { addresses: [198.18.0.1, 198.18.0.2, 198.18.0.3, 198.18.0.4],\n"
		"                  ports: \"1000-1255\" } }\n"
		"  - { name: b, protocol: tcp, origin: { ports: \"2000-3999\" },\n"
		"      upstream: { addresses: [198.18.0.1], ports: \"4000-5999\" } }\n");

	cr_assert_not(c->proxies[0].one_to_one);
	cr_assert(c->proxies[1].one_to_one);
	config_free(c);
	expect_error("proxies:\n"
		     "  - { name: a, protocol: tcp, origin: { ports: 1 },\n"
		     "      upstream: { addresses: [198.18.0.1, 198.18.0.2, 198.18.0.3, 198.18.0.4],\n"
		     "                  ports: \"1000-1256\" } }\n", 3,
		     "proxies[a].upstream: 4 addresses x 257 ports is more than 1024 targets per origin port");
}

Test(proxy_config, max_addresses)
{
	char yaml[8192];
	size_t off;

	off = (size_t)snprintf(yaml, sizeof(yaml), "proxies:\n  - name: p\n    origin:\n      addresses:\n");
	for (int i = 0; i < PROXY_MAX_ORIGIN_ADDRS + 1; i++)
		off += (size_t)snprintf(yaml + off, sizeof(yaml) - off, "        - 198.18.1.%d\n", i + 1);
	expect_error(yaml, 5 + PROXY_MAX_ORIGIN_ADDRS, "proxies[p].origin.addresses: more than 64 addresses");
}

Test(proxy_config, max_proxies)
{
	size_t cap = 128 * (PROXY_MAX_PROXIES + 2), off;
	char *yaml = malloc(cap);
	struct aegis_config *c;

	off = (size_t)snprintf(yaml, cap, "proxies:\n");
	for (int i = 0; i < PROXY_MAX_PROXIES; i++)
		off += (size_t)snprintf(yaml + off, cap - off,
					"  - { name: p%d, protocol: tcp, origin: { ports: %d }, "
					"upstream: { addresses: [198.18.0.1] } }\n", i, i + 1);
	c = load_ok(yaml);
	cr_assert_eq(c->n_proxies, PROXY_MAX_PROXIES);
	cr_assert_str_eq(c->proxies[PROXY_MAX_PROXIES - 1].name, "p1023");
	config_free(c);
	snprintf(yaml + off, cap - off, MIN_PROXY("one_more", "2000"));
	expect_error(yaml, PROXY_MAX_PROXIES + 2, "proxies: more than 1024 proxies");
	free(yaml);
}

/* ---- errors ---- */

#define P1 "proxies:\n  - name: p\n    protocol: tcp\n    origin: { ports: 80 }\n" \
	   "    upstream: { addresses: [198.18.0.10] }\n"
/* P1 ends on line 5; keys appended start on line 6. */

Test(proxy_config, type_errors)
{
	static const struct err_case cases[] = {
		{ "proxies: {}\n", 1, "proxies: expected a list, found a mapping" },
		{ "proxies: web\n", 1, "proxies: expected a list, found 'web'" },
		{ "proxies:\n  - web\n", 2, "proxies[0]: expected a proxy (a mapping), found 'web'" },
		{ "proxies:\n  - [a]\n", 2, "proxies[0]: expected a proxy (a mapping), found a list" },
		{ "proxies:\n  -\n", 2, "proxies[0]: expected a proxy (a mapping), found nothing" },
		{ P1 "    enabled: maybe\n", 6, "proxies[p].enabled: expected true or false, found 'maybe'" },
		{ P1 "    origin: 80\n", 6, "duplicate key 'origin' (first at line 4)" },
		{ "proxies:\n  - { name: p, protocol: tcp, origin: 80, upstream: { addresses: [198.18.0.10] } }\n", 2,
		  "proxies[p].origin: expected a mapping, found '80'" },
		{ "proxies:\n  - { name: p, protocol: tcp, origin: { ports: 1 }, upstream: [198.18.0.10] }\n", 2,
		  "proxies[p].upstream: expected a mapping, found a list" },
		{ P1 "    one_to_one: 1\n", 6, "proxies[p].one_to_one: expected true or false, found '1'" },
		{ P1 "    balance: round-robin\n", 6, "proxies[p].balance: expected a mapping, found 'round-robin'" },
		{ P1 "    balance: { algorithm: fastest }\n", 6,
		  "proxies[p].balance.algorithm: expected round-robin, weighted, least-conn, ip-hash or random, found 'fastest'" },
		{ P1 "    balance: { sticky: sometimes }\n", 6, "proxies[p].balance.sticky: expected true or false" },
		{ P1 "    balance: { sticky_ttl: 1500ms }\n", 6, "proxies[p].balance.sticky_ttl: must be whole seconds" },
		{ P1 "    balance: { slow_start: soon }\n", 6,
		  "proxies[p].balance.slow_start: expected a duration like 30s, 5m or 250ms, found 'soon'" },
		{ P1 "    health_check: [a]\n", 6, "proxies[p].health_check: expected a mapping, found a list" },
		{ P1 "    health_check: { fails: many }\n", 6, "proxies[p].health_check.fails: expected a number, found 'many'" },
		{ P1 "    timeouts: { idle: -1s }\n", 6, "proxies[p].timeouts.idle: must not be negative" },
		{ P1 "    proxy_protocol: { send: v3 }\n", 6,
		  "proxies[p].proxy_protocol.send: expected off, v1 or v2, found 'v3'" },
		{ P1 "    proxy_protocol: { send: false }\n", 6, "expected off, v1 or v2, found 'false'" },
		{ P1 "    proxy_protocol: { accept_from: 198.18.0.0/24 }\n", 6,
		  "proxies[p].proxy_protocol.accept_from: expected a list, found '198.18.0.0/24'" },
		{ P1 "    limits: { max_connections: lots }\n", 6,
		  "proxies[p].limits.max_connections: expected a number, found 'lots'" },
		{ P1 "    limits: { max_connections: 5G }\n", 6,
		  "proxies[p].limits.max_connections: '5G' is out of range (0-4294967295)" },
		{ P1 "    access_log: { mask_ips: 2 }\n", 6, "proxies[p].access_log.mask_ips: expected true or false" },
		{ P1 "    access_log: { path: logs/access.log }\n", 6,
		  "proxies[p].access_log.path: expected an absolute path, found 'logs/access.log'" },
		{ P1 "    access_log: { path: [a] }\n", 6, "proxies[p].access_log.path: expected an absolute path, found a list" },
		{ P1 "    xdp: [syn]\n", 6, "proxies[p].xdp: expected a mapping, found a list" },
		{ P1 "    xdp: { per_source: { pps: [1] } }\n", 6,
		  "proxies[p].xdp.per_source.pps: expected a rate or {rate, burst}, found a list" },
		{ "proxies_dir: [a]\n", 1, "proxies_dir: expected an absolute path, found a list" },
		{ "proxies_dir: proxies.d\n", 1, "proxies_dir: expected an absolute path, found 'proxies.d'" },
	};

	EXPECT_ERRORS(cases);
}

Test(proxy_config, unknown_and_duplicate_keys)
{
	static const struct err_case cases[] = {
		{ P1 "    listen: 80\n", 6, "unknown key 'listen' in proxies[p] (expected name, enabled, protocol, "
		  "origin, upstream, one_to_one, balance, health_check, timeouts, proxy_protocol, draining, "
		  "limits, access_log, xdp, http)" },
		{ "proxies:\n  - { name: p, protocol: tcp, origin: { port: 80 } }\n", 2,
		  "unknown key 'port' in proxies[p].origin (expected addresses, ports)" },
		{ "proxies:\n  - { name: p, protocol: tcp, origin: { ports: 1 }, upstream: { hosts: [] } }\n", 2,
		  "unknown key 'hosts' in proxies[p].upstream (expected addresses, ports, weights)" },
		{ P1 "    balance: { algo: random }\n", 6,
		  "unknown key 'algo' in proxies[p].balance (expected algorithm, sticky, sticky_ttl, slow_start)" },
		{ P1 "    health_check: { failures_before_eject: 3 }\n", 6,
		  "unknown key 'failures_before_eject' in proxies[p].health_check (expected enabled, interval, timeout, fails, passes)" },
		{ P1 "    timeouts: { read: 1s }\n", 6,
		  "unknown key 'read' in proxies[p].timeouts (expected connect, idle, client_read, client_write, "
		  "upstream_read, upstream_write, udp_session)" },
		{ P1 "    proxy_protocol: { version: 2 }\n", 6,
		  "unknown key 'version' in proxies[p].proxy_protocol (expected send, accept_from)" },
		{ P1 "    draining: { enabled: true }\n", 6, "unknown key 'enabled' in proxies[p].draining (expected timeout)" },
		{ P1 "    limits: { max_conns: 1 }\n", 6, "unknown key 'max_conns' in proxies[p].limits (expected max_connections)" },
		{ P1 "    access_log: { file: /x }\n", 6,
		  "unknown key 'file' in proxies[p].access_log (expected enabled, path, mask_ips)" },
		{ P1 "    xdp: { ports: [1] }\n", 6,
		  "unknown key 'ports' in proxies[p].xdp (expected per_source, global, max_conn_per_source, "
		  "max_conn_total, strikes, flow_idle, syn_timeout, syn_cookies, syn_cookies_above)" },
		{ P1 "    xdp: { name: x }\n", 6, "unknown key 'name' in proxies[p].xdp" },
		{ P1 "    xdp: { strikes: { bantime: 1 } }\n", 6,
		  "unknown key 'bantime' in proxies[p].xdp.strikes (expected limit, window, ban)" },
		{ P1 "    protocol: udp\n", 6, "duplicate key 'protocol' (first at line 3)" },
		{ "proxies:\n  - name: p\n    protocol: tcp\n    origin:\n      ports: 1\n      ports: 2\n", 6,
		  "duplicate key 'ports' (first at line 5)" },
		{ "proxies: []\nproxies: []\n", 2, "duplicate key 'proxies' (first at line 1)" },
	};

	EXPECT_ERRORS(cases);
}

Test(proxy_config, required_keys_and_names)
{
	static const struct err_case cases[] = {
		{ "proxies:\n  - { protocol: tcp, origin: { ports: 1 }, upstream: { addresses: [198.18.0.1] } }\n", 2,
		  "proxies[0]: missing 'name'" },
		{ "proxies:\n  - { name: p, origin: { ports: 1 }, upstream: { addresses: [198.18.0.1] } }\n", 2,
		  "proxies[p]: missing 'protocol'" },
		{ "proxies:\n  - { name: p, protocol: tcp, upstream: { addresses: [198.18.0.1] } }\n", 2,
		  "proxies[p]: missing 'origin'" },
		{ "proxies:\n  - { name: p, protocol: tcp, origin: { ports: 1 } }\n", 2,
		  "proxies[p]: missing 'upstream'" },
		{ "proxies:\n  - name: p\n    protocol: tcp\n    origin:\n      addresses: [198.18.0.1]\n", 5,
		  "proxies[p].origin: missing 'ports'" },
		{ "proxies:\n  - name: p\n    protocol: tcp\n    origin:\n", 4, "proxies[p].origin: missing 'ports'" },
		{ "proxies:\n  - name: p\n    protocol: tcp\n    origin: { ports: 1 }\n    upstream:\n      ports: 2\n", 6,
		  "proxies[p].upstream: missing 'addresses'" },
		{ "proxies:\n  - { name: \"my proxy\" }\n", 2,
		  "proxies[0].name: 'my proxy' is not a valid name (1-63 of A-Z a-z 0-9 _ . -)" },
		{ "proxies:\n  - { name: \"\" }\n", 2, "proxies[0].name: '' is not a valid name" },
		{ "proxies:\n  - { name: abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01 }\n", 2,
		  "is not a valid name" },
		{ "proxies:\n  - { name: a/b }\n", 2, "proxies[0].name: 'a/b' is not a valid name" },
		{ "proxies:\n  - { name: [a] }\n", 2, "proxies[0].name: expected a proxy name, found a list" },
		{ "proxies:\n  - { name: p, protocol: sctp }\n", 2,
		  "proxies[p].protocol: expected tcp, udp, tcp-udp or http, found 'sctp'" },
		{ "proxies:\n" MIN_PROXY("p", "1") MIN_PROXY("q", "2")
		  "  - protocol: udp\n    origin: { ports: 3 }\n    upstream: { addresses: [198.18.0.1] }\n"
		  "    name: p\n", 9, "proxies[p]: duplicate proxy name 'p' (first at line 2)" },
		/* Disabled proxies have names too. */
		{ "proxies:\n" MIN_PROXY("p", "1")
		  "  - { name: p, enabled: false, protocol: tcp, origin: { ports: 2 },\n"
		  "      upstream: { addresses: [198.18.0.1] } }\n", 4,
		  "proxies[p]: duplicate proxy name 'p' (first at line 2)" },
	};

	EXPECT_ERRORS(cases);
}

Test(proxy_config, address_errors)
{
	static const struct err_case cases[] = {
		{ "proxies:\n  - name: p\n    origin:\n      addresses: []\n", 4,
		  "proxies[p].origin.addresses: must list at least one address" },
		{ "proxies:\n  - name: p\n    origin:\n      addresses: 0.0.0.0\n", 4,
		  "proxies[p].origin.addresses: expected a list, found '0.0.0.0'" },
		{ "proxies:\n  - name: p\n    origin:\n      addresses:\n        - 198.18.0.1\n        - 198.18.0.256\n", 6,
		  "proxies[p].origin.addresses: '198.18.0.256' is not a valid IP address" },
		{ "proxies:\n  - name: p\n    origin:\n      addresses: [198.18.0.0/24]\n", 4,
		  "'198.18.0.0/24' is not a valid IP address (one address, not a CIDR)" },
		{ "proxies:\n  - name: p\n    origin:\n      addresses: [localhost]\n", 4,
		  "proxies[p].origin.addresses: 'localhost' is not a valid IP address" },
		{ "proxies:\n  - name: p\n    origin:\n      addresses: [[1]]\n", 4,
		  "proxies[p].origin.addresses: expected an IP address, found a list" },
		{ "proxies:\n  - name: p\n    origin:\n      addresses:\n        - 198.18.0.1\n        - \"::1\"\n"
		  "        - 198.18.0.1\n", 7, "proxies[p].origin.addresses: '198.18.0.1' is listed twice (first at line 5)" },
		{ "proxies:\n  - name: p\n    origin:\n      addresses:\n        - \"2001:db8::1\"\n        - \"2001:0db8:0::1\"\n", 6,
		  "'2001:0db8:0::1' is listed twice (first at line 5)" },
		{ "proxies:\n  - name: p\n    origin:\n      addresses:\n        - 198.18.0.1\n        - 0.0.0.0\n", 6,
		  "proxies[p].origin.addresses: 0.0.0.0 overlaps 198.18.0.1 (line 5): 0.0.0.0 listens on every IPv4 address" },
		{ "proxies:\n  - name: p\n    origin:\n      addresses:\n        - \"::\"\n        - 198.18.0.1\n        - \"2001:db8::1\"\n", 7,
		  "proxies[p].origin.addresses: 2001:db8::1 overlaps :: (line 5): :: listens on every IPv6 address" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: []\n", 4,
		  "proxies[p].upstream.addresses: must list at least one address" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses:\n", 4,
		  "proxies[p].upstream.addresses: must list at least one address" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: [0.0.0.0]\n", 4,
		  "proxies[p].upstream.addresses: '0.0.0.0' is the unspecified address, not an upstream" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: [\"::\"]\n", 4, "'::' is the unspecified address" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: [198.18.0.1, 198.18.0.2, 198.18.0.1]\n", 4,
		  "proxies[p].upstream.addresses: '198.18.0.1' is listed twice (first at line 4)" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: [198.18.0.1]\n      weights: [1]\n", 5,
		  "proxies[p].upstream.weights: expected a mapping of address: weight, found a list" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: [198.18.0.1]\n      weights:\n"
		  "        198.18.0.1: 2\n        198.18.0.2: 2\n", 7,
		  "proxies[p].upstream.weights: '198.18.0.2' is not one of upstream.addresses" },
		{ "proxies:\n  - name: p\n    upstream:\n      weights: { 198.18.0.2: 2 }\n      addresses: [198.18.0.1]\n", 4,
		  "'198.18.0.2' is not one of upstream.addresses" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: [198.18.0.1]\n      weights: { bigbox: 2 }\n", 5,
		  "proxies[p].upstream.weights: 'bigbox' is not a valid IP address" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: [\"2001:db8::1\"]\n      weights:\n"
		  "        \"2001:db8::1\": 2\n        \"2001:db8:0::1\": 3\n", 7,
		  "proxies[p].upstream.weights: weight for '2001:db8:0::1' is given twice (first at line 6)" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: [198.18.0.1]\n      weights:\n"
		  "        198.18.0.1: 0\n", 6, "proxies[p].upstream.weights[198.18.0.1]: '0' is out of range (1-1000)" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: [198.18.0.1]\n      weights:\n"
		  "        198.18.0.1: 1001\n", 6, "'1001' is out of range (1-1000)" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: [198.18.0.1]\n      weights:\n"
		  "        198.18.0.1: heavy\n", 6, "proxies[p].upstream.weights[198.18.0.1]: expected a number, found 'heavy'" },
		{ "proxies:\n  - name: p\n    upstream:\n      addresses: [198.18.0.1]\n      weights:\n"
		  "        ? [a]\n        : 1\n", 6, "proxies[p].upstream.weights: keys must be upstream addresses, found a list" },
		{ "proxies:\n  - name: p\n    proxy_protocol:\n      accept_from:\n        - 198.18.5.0/24\n"
		  "        - 198.18.5.1/24\n", 6,
		  "proxies[p].proxy_protocol.accept_from: '198.18.5.1/24' has host bits set (the network is 198.18.5.0/24)" },
		{ "proxies:\n  - name: p\n    proxy_protocol:\n      accept_from: [198.18.5.0/33]\n", 4,
		  "proxies[p].proxy_protocol.accept_from: '198.18.5.0/33' is not a valid address or CIDR" },
		{ "proxies:\n  - name: p\n    proxy_protocol:\n      accept_from: [lb.example.com]\n", 4,
		  "'lb.example.com' is not a valid address or CIDR" },
		{ "proxies:\n  - name: p\n    proxy_protocol:\n      accept_from:\n        - \"2001:db8::/32\"\n"
		  "        - 198.18.5.1\n        - 2001:db8::/32\n", 7,
		  "proxies[p].proxy_protocol.accept_from: '2001:db8::/32' is listed twice (first at line 5)" },
		{ "proxies:\n  - name: p\n    proxy_protocol:\n      accept_from: [{ a: 1 }]\n", 4,
		  "proxies[p].proxy_protocol.accept_from: expected an address or CIDR, found a mapping" },
	};

	EXPECT_ERRORS(cases);
}

Test(proxy_config, port_errors)
{
	static const struct err_case cases[] = {
		{ "proxies:\n  - name: p\n    origin: { ports: 0 }\n", 3,
		  "proxies[p].origin.ports: port '0' is out of range (1-65535)" },
		{ "proxies:\n  - name: p\n    origin: { ports: 65536 }\n", 3, "port '65536' is out of range (1-65535)" },
		{ "proxies:\n  - name: p\n    origin: { ports: \"100-70000\" }\n", 3, "port '100-70000' is out of range" },
		{ "proxies:\n  - name: p\n    origin: { ports: \"20-10\" }\n", 3,
		  "proxies[p].origin.ports: range '20-10' starts above its end" },
		{ "proxies:\n  - name: p\n    origin: { ports: -5 }\n", 3, "proxies[p].origin.ports: ports must not be negative" },
		{ "proxies:\n  - name: p\n    origin: { ports: [80, 443] }\n", 3,
		  "proxies[p].origin.ports: expected a port or a 'lo-hi' range, found a list" },
		{ "proxies:\n  - name: p\n    origin: { ports: \"25565:25575\" }\n", 3,
		  "expected a port or a 'lo-hi' range, found '25565:25575'" },
		{ "proxies:\n  - name: p\n    origin: { ports: }\n", 3,
		  "proxies[p].origin.ports: expected a port or a 'lo-hi' range, found nothing" },
		{ "proxies:\n  - name: p\n    upstream: { ports: 0 }\n", 3, "proxies[p].upstream.ports: port '0' is out of range" },
		{ "proxies:\n  - name: p\n    upstream: { ports: \"9-8\" }\n", 3,
		  "proxies[p].upstream.ports: range '9-8' starts above its end" },
		{ "proxies:\n  - name: p\n    protocol: tcp\n    origin: { ports: \"1000-1002\" }\n"
		  "    upstream: { addresses: [198.18.0.1], ports: \"2000-2001\" }\n    one_to_one: true\n", 6,
		  "proxies[p].one_to_one: origin ports 1000-1002 (3) and upstream ports 2000-2001 (2) differ in size" },
		{ "proxies:\n  - name: p\n    one_to_one: yes\n    protocol: tcp\n    origin: { ports: \"1000-1002\" }\n"
		  "    upstream: { addresses: [198.18.0.1], ports: 2000 }\n", 3,
		  "origin ports 1000-1002 (3) and upstream ports 2000 (1) differ in size" },
	};

	EXPECT_ERRORS(cases);
}

Test(proxy_config, duration_and_count_errors)
{
	static const struct err_case cases[] = {
		{ P1 "    timeouts: { connect: 0 }\n", 6, "proxies[p].timeouts.connect: '0' is out of range (1ms-5m)" },
		{ P1 "    timeouts: { connect: 6m }\n", 6, "proxies[p].timeouts.connect: '6m' is out of range (1ms-5m)" },
		{ P1 "    timeouts: { idle: 8d }\n", 6, "proxies[p].timeouts.idle: '8d' is out of range (0s-7d)" },
		{ P1 "    timeouts: { client_read: 8d }\n", 6, "proxies[p].timeouts.client_read: '8d' is out of range" },
		{ P1 "    timeouts: { client_write: 8d }\n", 6, "proxies[p].timeouts.client_write: '8d' is out of range" },
		{ P1 "    timeouts: { upstream_read: 8d }\n", 6, "proxies[p].timeouts.upstream_read: '8d' is out of range" },
		{ P1 "    timeouts: { upstream_write: 8d }\n", 6, "proxies[p].timeouts.upstream_write: '8d' is out of range" },
		{ P1 "    timeouts: { udp_session: 0 }\n", 6, "proxies[p].timeouts.udp_session: '0' is out of range (1ms-7d)" },
		{ P1 "    timeouts: { udp_session: 8d }\n", 6, "proxies[p].timeouts.udp_session: '8d' is out of range" },
		{ P1 "    balance: { sticky_ttl: 0 }\n", 6, "proxies[p].balance.sticky_ttl: '0' is out of range (1s-7d)" },
		{ P1 "    balance: { sticky_ttl: 8d }\n", 6, "proxies[p].balance.sticky_ttl: '8d' is out of range" },
		{ P1 "    balance: { slow_start: 8d }\n", 6, "proxies[p].balance.slow_start: '8d' is out of range (0s-7d)" },
		{ P1 "    draining: { timeout: 8d }\n", 6, "proxies[p].draining.timeout: '8d' is out of range (0s-7d)" },
		{ P1 "    health_check: { interval: 0 }\n", 6, "proxies[p].health_check.interval: '0' is out of range (1ms-7d)" },
		{ P1 "    health_check: { timeout: 0 }\n", 6, "proxies[p].health_check.timeout: '0' is out of range (1ms-7d)" },
		{ P1 "    health_check: { fails: 0 }\n", 6, "proxies[p].health_check.fails: '0' is out of range (1-100)" },
		{ P1 "    health_check: { passes: 101 }\n", 6, "proxies[p].health_check.passes: '101' is out of range (1-100)" },
		{ P1 "    health_check:\n      interval: 2s\n", 7,
		  "proxies[p].health_check: timeout 3s must be shorter than interval 2s" },
		{ P1 "    health_check:\n      enabled: false\n      interval: 5s\n      timeout: 5s\n", 9,
		  "proxies[p].health_check: timeout 5s must be shorter than interval 5s" },
		{ P1 "    health_check: { timeout: 30s }\n", 6, "timeout 30s must be shorter than interval 10s" },
	};

	EXPECT_ERRORS(cases);
}

Test(proxy_config, protocol_dependent_errors)
{
	static const struct err_case cases[] = {
		{ "proxies:\n  - name: p\n    protocol: udp\n    proxy_protocol: { send: v1 }\n", 4,
		  "proxies[p].proxy_protocol.send: v1 is for tcp only, but the protocol is udp (use v2)" },
		/* The protocol is known wherever it is written. */
		{ "proxies:\n  - name: p\n    proxy_protocol:\n      send: v1\n    protocol: udp\n", 4,
		  "proxies[p].proxy_protocol.send: v1 is for tcp only" },
		{ "proxies:\n  - name: p\n    xdp:\n      per_source: { syn: 10 }\n    protocol: udp\n", 4,
		  "proxies[p].xdp.per_source.syn: applies to tcp only, but the protocol is udp" },
		{ "proxies:\n  - name: p\n    protocol: tcp\n    xdp:\n      per_source: { udp_bps: 1M }\n", 5,
		  "proxies[p].xdp.per_source.udp_bps: applies to udp only, but the protocol is tcp" },
		{ "proxies:\n  - name: p\n    protocol: udp\n    xdp:\n      syn_timeout: 5s\n", 5,
		  "proxies[p].xdp.syn_timeout: applies to tcp only" },
		{ "proxies:\n  - name: p\n    protocol: udp\n    xdp:\n      global: { syn: 5 }\n", 5,
		  "proxies[p].xdp.global.syn: applies to tcp only" },
		{ "proxies:\n  - name: p\n    protocol: tcp\n    xdp:\n      strikes: { limit: 3, window: 0 }\n", 5,
		  "proxies[p].xdp.strikes: window must be above 0 when limit is set" },
		{ "proxies:\n  - name: p\n    protocol: tcp\n    xdp:\n      flow_idle: 8d\n", 5,
		  "proxies[p].xdp.flow_idle: '8d' is out of range" },
		/* A bad protocol is reported before the keys that depend on it. */
		{ "proxies:\n  - name: p\n    proxy_protocol: { send: v1 }\n    protocol: quic\n", 4,
		  "proxies[p].protocol: expected tcp, udp, tcp-udp or http, found 'quic'" },
	};

	EXPECT_ERRORS(cases);
}

Test(proxy_config, listener_conflicts)
{
	static const struct err_case cases[] = {
		{ "proxies:\n" MIN_PROXY("a", "80") MIN_PROXY("b", "80"), 4,
		  "proxies[b].origin: tcp 0.0.0.0:80 overlaps proxy 'a' (line 2), which listens on tcp 0.0.0.0:80" },
		{ "proxies:\n" MIN_PROXY("a", "\"80-90\"") MIN_PROXY("b", "\"85-100\""), 4,
		  "proxies[b].origin: tcp 0.0.0.0:85 overlaps proxy 'a' (line 2)" },
		{ "proxies:\n"
		  "  - { name: a, protocol: tcp-udp, origin: { addresses: [198.18.0.1], ports: 53 },\n"
		  "      upstream: { addresses: [198.18.0.10] } }\n"
		  "  - name: b\n    protocol: udp\n    upstream: { addresses: [198.18.0.10] }\n"
		  "    origin:\n      ports: 53\n      addresses:\n        - 198.18.0.2\n        - 198.18.0.1\n", 11,
		  "proxies[b].origin: udp 198.18.0.1:53 overlaps proxy 'a' (line 2), which listens on udp 198.18.0.1:53" },
		{ "proxies:\n"
		  "  - { name: a, protocol: tcp, origin: { addresses: [198.18.0.1], ports: 80 },\n"
		  "      upstream: { addresses: [198.18.0.10] } }\n"
		  "  - { name: b, protocol: tcp, origin: { addresses: [0.0.0.0], ports: 80 },\n"
		  "      upstream: { addresses: [198.18.0.10] } }\n", 4,
		  "proxies[b].origin: tcp 0.0.0.0:80 overlaps proxy 'a' (line 2), which listens on tcp 198.18.0.1:80" },
		{ "proxies:\n"
		  "  - { name: a, protocol: tcp, origin: { addresses: [\"::\"], ports: 80 },\n"
		  "      upstream: { addresses: [198.18.0.10] } }\n"
		  "  - { name: b, protocol: tcp, origin: { addresses: [198.18.0.1, \"2001:db8::1\"], ports: 80 },\n"
		  "      upstream: { addresses: [198.18.0.10] } }\n", 4,
		  "proxies[b].origin: tcp [2001:db8::1]:80 overlaps proxy 'a' (line 2), which listens on tcp [::]:80" },
		/* The default address conflicts on the line of the ports. */
		{ "proxies:\n" MIN_PROXY("a", "80")
		  "  - name: b\n    protocol: tcp\n    upstream: { addresses: [198.18.0.10] }\n"
		  "    origin:\n      ports: 80\n", 8, "proxies[b].origin: tcp 0.0.0.0:80 overlaps proxy 'a'" },
	};

	EXPECT_ERRORS(cases);
}

Test(proxy_config, xdp_conflicts)
{
	static const struct err_case cases[] = {
		{ "policies:\n  - { name: mc, protocol: tcp, ports: [1, \"25560-25570\"] }\n"
		  "proxies:\n  - name: p\n    protocol: tcp-udp\n    origin: { ports: \"25565-25566\" }\n"
		  "    upstream: { addresses: [198.18.0.10] }\n    xdp: {}\n", 8,
		  "proxies[p].xdp: tcp port 25565 is already covered by policy 'mc' (line 2)" },
		/* Policies written after the proxy are checked too. */
		{ "proxies:\n  - name: p\n    protocol: udp\n    origin: { ports: 53 }\n"
		  "    upstream: { addresses: [198.18.0.10] }\n    xdp:\n      max_conn_per_source: 5\n"
		  "policies:\n  - { name: dns, protocol: tcp-udp, ports: [53] }\n", 6,
		  "proxies[p].xdp: udp port 53 is already covered by policy 'dns' (line 9)" },
		{ "proxies:\n"
		  "  - { name: a, protocol: tcp, origin: { addresses: [198.18.0.1], ports: \"80-81\" },\n"
		  "      upstream: { addresses: [198.18.0.10] }, xdp: {} }\n"
		  "  - { name: b, protocol: tcp, origin: { addresses: [198.18.0.2], ports: 81 },\n"
		  "      upstream: { addresses: [198.18.0.10] },\n"
		  "      xdp: {} }\n", 6,
		  "proxies[b].xdp: tcp port 81 is already covered by the xdp block of proxy 'a' (line 3)" },
	};

	EXPECT_ERRORS(cases);
}

Test(proxy_config, xdp_blocks_count_as_policies)
{
	size_t cap = 96 * (CFG_MAX_POLICIES + 8), off;
	char *yaml = malloc(cap);

	off = (size_t)snprintf(yaml, cap, "policies:\n");
	for (int i = 0; i < CFG_MAX_POLICIES - 1; i++)
		off += (size_t)snprintf(yaml + off, cap - off,
					"  - { name: p%d, protocol: tcp, ports: [%d] }\n", i, i + 1);
	off += (size_t)snprintf(yaml + off, cap - off,
				"proxies:\n"
				"  - { name: x1, protocol: udp, origin: { ports: 1 },\n"
				"      upstream: { addresses: [198.18.0.1] }, xdp: {} }\n");
	config_free(load_ok(yaml));
	snprintf(yaml + off, cap - off,
		 "  - { name: x2, protocol: udp, origin: { ports: 2 },\n"
		 "      upstream: { addresses: [198.18.0.1] }, xdp: {} }\n");
	expect_error(yaml, CFG_MAX_POLICIES + 5,
		     "proxies[x2].xdp: more than 255 XDP policies (policies and proxies' xdp blocks)");
	free(yaml);
}

Test(proxy_config, first_error_wins)
{
	expect_error(P1 "    timeouts: { connect: 0 }\n    limits: { max_connections: -1 }\n", 6,
		     "timeouts.connect");
	/* A bad first proxy is reported before a later one's problems. */
	expect_error("proxies:\n  - { name: a, protocol: tcp }\n  - { name: \"b c\" }\n", 2,
		     "proxies[a]: missing 'origin'");
}

/* ---- proxies_dir ---- */

#define FILE_PROXY(name, port) \
	"# a comment first\n" \
	"name: " name "\n" \
	"protocol: tcp\n" \
	"origin: { ports: " port " }\n" \
	"upstream: { addresses: [198.18.0.10] }\n"

Test(proxy_config, proxies_dir_loads_in_name_order)
{
	struct fx_tmpdir d;
	char yaml[256], file[256];
	struct aegis_config *c;

	fx_tmpdir_make(&d);
	fx_tmpdir_write(&d, "b.yaml", FILE_PROXY("second", "2"));
	fx_tmpdir_write(&d, "a.yaml", FILE_PROXY("first", "1"));
	fx_tmpdir_write(&d, "C.yaml", FILE_PROXY("upper", "3"));	/* bytewise: before a */
	fx_tmpdir_write(&d, "10-c.yaml", FILE_PROXY("digits", "4"));
	fx_tmpdir_write(&d, "notes.txt", "not: [yaml\n");
	fx_tmpdir_write(&d, "x.yml", "not: [yaml\n");
	fx_tmpdir_write(&d, ".hidden.yaml", "not: [yaml\n");
	fx_tmpdir_write(&d, "x.yaml~", "not: [yaml\n");
	snprintf(yaml, sizeof(yaml), "proxies_dir: %s/\n" "proxies:\n" MIN_PROXY("main", "5"), d.path);
	c = load_ok(yaml);
	snprintf(file, sizeof(file), "%s/", d.path);
	cr_assert_str_eq(c->proxies_dir, file);
	cr_assert_eq(c->n_proxies, 5);
	cr_assert_str_eq(c->proxies[0].name, "main", "the main list comes first");
	cr_assert_str_eq(c->proxies[0].file, NAME);
	cr_assert_eq(c->proxies[0].line, 3);
	cr_assert_str_eq(c->proxies[1].name, "digits");
	cr_assert_str_eq(c->proxies[2].name, "upper");
	cr_assert_str_eq(c->proxies[3].name, "first");
	cr_assert_str_eq(c->proxies[4].name, "second");
	snprintf(file, sizeof(file), "%s/a.yaml", d.path);
	cr_assert_str_eq(c->proxies[3].file, file, "one slash between dir and name");
	cr_assert_eq(c->proxies[3].line, 2, "line of the mapping's first key");
	config_free(c);

	/* An empty directory is no proxies. */
	fx_tmpdir_remove(&d);
	fx_tmpdir_make(&d);
	snprintf(yaml, sizeof(yaml), "proxies_dir: %s\n", d.path);
	c = load_ok(yaml);
	cr_assert_eq(c->n_proxies, 0);
	config_free(c);
	fx_tmpdir_remove(&d);
}

Test(proxy_config, proxies_dir_errors_name_the_file)
{
	struct fx_tmpdir d;
	char yaml[512], file[256], sub[256];

	fx_tmpdir_make(&d);
	fx_tmpdir_write(&d, "a.yaml", FILE_PROXY("first", "1"));
	fx_tmpdir_write(&d, "b.yaml", "name: second\nprotocol: tcp\norigin: { ports: 2 }\n"
				   "upstream:\n  addresses: [198.18.0.10]\n  ports: 0\n");
	snprintf(yaml, sizeof(yaml), "log: {}\nproxies_dir: %s\n", d.path);
	snprintf(file, sizeof(file), "%s/b.yaml", d.path);
	fx_expect_error_in(NAME, yaml, file, 6, "proxies[second].upstream.ports: port '0' is out of range");

	/* Syntax errors, empty files, unknown keys, wrong shapes: all name the file. */
	fx_tmpdir_write(&d, "b.yaml", "name: second\nprotocol: [tcp\n");
	fx_expect_error_in(NAME, yaml, file, 3, "invalid YAML");
	fx_tmpdir_write(&d, "b.yaml", "# nothing\n");
	fx_expect_error_in(NAME, yaml, file, 0, "proxies[1]: expected a proxy (a mapping), found nothing");
	fx_tmpdir_write(&d, "b.yaml", "- name: second\n");
	fx_expect_error_in(NAME, yaml, file, 1, "proxies[1]: expected a proxy (a mapping), found a list");
	fx_tmpdir_write(&d, "b.yaml", FILE_PROXY("second", "2") "proxies: []\n");
	fx_expect_error_in(NAME, yaml, file, 6, "unknown key 'proxies' in proxies[second] (expected name,");
	fx_tmpdir_write(&d, "b.yaml", "a: 1\n---\nb: 2\n");
	fx_expect_error_in(NAME, yaml, file, 2, "only one YAML document per file is allowed");
	/* fputs would stop at the NUL: write it by hand. */
	{
		FILE *f = fopen(file, "w");

		cr_assert_not_null(f);
		fwrite("name: x\n\0junk\n", 1, 14, f);
		fclose(f);
	}
	fx_expect_error_in(NAME, yaml, file, 2, "NUL byte in the file");

	/* Across files: duplicate names and listeners point at the other file. */
	fx_tmpdir_write(&d, "b.yaml", FILE_PROXY("first", "2"));
	snprintf(sub, sizeof(sub), "proxies[first]: duplicate proxy name 'first' (first at %s/a.yaml:2)",
		 d.path);
	fx_expect_error_in(NAME, yaml, file, 2, sub);
	fx_tmpdir_write(&d, "b.yaml", FILE_PROXY("second", "1"));
	snprintf(sub, sizeof(sub), "proxies[second].origin: tcp 0.0.0.0:1 overlaps proxy 'first' (%s/a.yaml:2)",
		 d.path);
	fx_expect_error_in(NAME, yaml, file, 4, sub);
	snprintf(yaml, sizeof(yaml), "proxies:\n" MIN_PROXY("second", "9") "proxies_dir: %s\n", d.path);
	fx_expect_error_in(NAME, yaml, file, 2, "duplicate proxy name 'second' (first at t.yaml:2)");

	/* xdp against a policy of the main file: the proxy's file, the policy's file:line. */
	fx_tmpdir_write(&d, "b.yaml", FILE_PROXY("second", "80") "xdp: {}\n");
	snprintf(yaml, sizeof(yaml), "proxies_dir: %s\npolicies:\n  - { name: web, protocol: tcp, ports: [80] }\n",
		 d.path);
	fx_expect_error_in(NAME, yaml, file, 6, "proxies[second].xdp: tcp port 80 is already covered by policy 'web' (t.yaml:3)");

	/* A dangling symlink (an editor's lock file, say) and a directory where a file should be. */
	unlink(file);
	cr_assert_eq(symlink("/nonexistent/target", file), 0);
	fx_expect_error_in(NAME, yaml, file, 0, "cannot read: No such file or directory");
	unlink(file);
	cr_assert_eq(mkdir(file, 0700), 0);
	fx_expect_error_in(NAME, yaml, file, 0, "not a regular file");
	rmdir(file);
	fx_tmpdir_remove(&d);

	/* A missing directory is the main file's error, on the key's line. */
	snprintf(yaml, sizeof(yaml), "log: {}\nproxies_dir:\n  %s\n", d.path);
	snprintf(sub, sizeof(sub), "proxies_dir: cannot open '%s': No such file or directory", d.path);
	expect_error(yaml, 2, sub);
	expect_error("proxies_dir: /dev/null\n", 1, "proxies_dir: cannot open '/dev/null': Not a directory");
}

Test(proxy_config, proxies_dir_through_config_load)
{
	struct fx_tmpdir d;
	struct aegis_config *c = NULL;
	char main_path[128], content[256], err[512];

	fx_tmpdir_make(&d);
	fx_tmpdir_write(&d, "p.yaml", FILE_PROXY("p", "1"));
	snprintf(content, sizeof(content), "proxies_dir: %s\n", d.path);
	fx_tmpdir_write(&d, "main.conf", content);	/* not *.yaml: not a proxy */
	snprintf(main_path, sizeof(main_path), "%s/main.conf", d.path);
	cr_assert_eq(config_load(main_path, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c->n_proxies, 1);
	cr_assert_str_eq(c->proxies[0].name, "p");
	config_free(c);
	fx_tmpdir_remove(&d);
}

/* ---- copy, free, equal ---- */

static void copy_ok(struct proxy_cfg *dst, const struct proxy_cfg *src)
{
	cr_assert_eq(proxy_cfg_copy(dst, src), 0);
}

Test(proxy_config, copy_is_deep_and_equal)
{
	struct aegis_config *c = load_ok(every_key);
	struct proxy_cfg copies[5];

	for (size_t i = 0; i < c->n_proxies; i++) {
		const struct proxy_cfg *p = &c->proxies[i];

		copy_ok(&copies[i], p);
		cr_assert(proxy_cfg_equal(&copies[i], p), "%s", p->name);
		cr_assert(proxy_cfg_equal(p, &copies[i]));
		cr_assert_neq(copies[i].origin_addrs, p->origin_addrs, "deep");
		cr_assert_neq(copies[i].up_addrs, p->up_addrs);
		cr_assert_neq(copies[i].up_weights, p->up_weights);
		cr_assert_str_eq(copies[i].file, p->file);
		cr_assert_eq(copies[i].line, p->line);
	}
	cr_assert_neq(copies[0].pp_trusted, c->proxies[0].pp_trusted);
	cr_assert_neq(copies[0].xdp.ports, c->proxies[0].xdp.ports);
	cr_assert_null(copies[2].pp_trusted, "nothing to copy stays NULL");
	cr_assert_null(copies[2].xdp.ports);
	cr_assert_not(proxy_cfg_equal(&copies[0], &copies[1]));
	/* The copies outlive the config they came from. */
	config_free(c);
	cr_assert_eq(copies[0].up_weights[2], 1000);
	fx_assert_addr(&copies[0].up_addrs[2], "2001:db8::10");
	cr_assert_eq(copies[0].xdp.ports[0].hi, 25567);
	for (size_t i = 0; i < 5; i++) {
		proxy_cfg_free(&copies[i]);
		cr_assert_null(copies[i].up_addrs, "zeroed");
		proxy_cfg_free(&copies[i]);	/* twice is fine */
	}
	proxy_cfg_free(NULL);
	cr_assert_not(proxy_cfg_equal(&copies[0], NULL));
	cr_assert_not(proxy_cfg_equal(NULL, &copies[0]));
}

/* Each mutation changes one thing a reload must notice. */
static void mut_name(struct proxy_cfg *p) { p->name[0] ^= 1; }
static void mut_enabled(struct proxy_cfg *p) { p->enabled = !p->enabled; }
static void mut_tcp(struct proxy_cfg *p) { p->udp = !p->udp; }
static void mut_origin_addr(struct proxy_cfg *p) { p->origin_addrs[0].w[3] ^= 1; }
static void mut_n_origin(struct proxy_cfg *p) { p->n_origin_addrs--; }
static void mut_origin_port(struct proxy_cfg *p) { p->origin_hi++; }
static void mut_up_addr(struct proxy_cfg *p) { p->up_addrs[1].w[3] ^= 1; }
static void mut_n_up(struct proxy_cfg *p) { p->n_up_addrs--; }
static void mut_weight(struct proxy_cfg *p) { p->up_weights[1]++; }
static void mut_up_port(struct proxy_cfg *p) { p->up_lo--; }
static void mut_o2o(struct proxy_cfg *p) { p->one_to_one = !p->one_to_one; }
static void mut_algo(struct proxy_cfg *p) { p->algo = PROXY_LB_RANDOM; }
static void mut_sticky(struct proxy_cfg *p) { p->sticky = !p->sticky; }
static void mut_sticky_ttl(struct proxy_cfg *p) { p->sticky_ttl_s++; }
static void mut_slow(struct proxy_cfg *p) { p->slow_start_ms++; }
static void mut_h_en(struct proxy_cfg *p) { p->health.enabled = !p->health.enabled; }
static void mut_h_int(struct proxy_cfg *p) { p->health.interval_ms++; }
static void mut_h_to(struct proxy_cfg *p) { p->health.timeout_ms++; }
static void mut_h_fails(struct proxy_cfg *p) { p->health.fails++; }
static void mut_h_passes(struct proxy_cfg *p) { p->health.passes++; }
static void mut_t_conn(struct proxy_cfg *p) { p->timeouts.connect_ms++; }
static void mut_t_idle(struct proxy_cfg *p) { p->timeouts.idle_ms++; }
static void mut_t_cr(struct proxy_cfg *p) { p->timeouts.client_read_ms++; }
static void mut_t_cw(struct proxy_cfg *p) { p->timeouts.client_write_ms++; }
static void mut_t_ur(struct proxy_cfg *p) { p->timeouts.upstream_read_ms++; }
static void mut_t_uw(struct proxy_cfg *p) { p->timeouts.upstream_write_ms++; }
static void mut_t_udp(struct proxy_cfg *p) { p->timeouts.udp_session_ms++; }
static void mut_pp(struct proxy_cfg *p) { p->pp_send = PROXY_PP_V2; }
static void mut_trusted(struct proxy_cfg *p) { p->pp_trusted[2].prefixlen--; }
static void mut_n_trusted(struct proxy_cfg *p) { p->n_pp_trusted--; }
static void mut_drain(struct proxy_cfg *p) { p->drain_timeout_ms++; }
static void mut_max(struct proxy_cfg *p) { p->max_conns++; }
static void mut_log_en(struct proxy_cfg *p) { p->access_log.enabled = !p->access_log.enabled; }
static void mut_log_path(struct proxy_cfg *p) { strcat(p->access_log.path, "x"); }
static void mut_log_mask(struct proxy_cfg *p) { p->access_log.mask_ips = !p->access_log.mask_ips; }
static void mut_has_xdp(struct proxy_cfg *p) { p->has_xdp = false; }
static void mut_xdp_limit(struct proxy_cfg *p) { p->xdp.src[AEGIS_LIM_SYN].burst++; }
static void mut_xdp_global(struct proxy_cfg *p) { p->xdp.global_conn.rate++; }
static void mut_xdp_conns(struct proxy_cfg *p) { p->xdp.max_conn_total++; }
static void mut_xdp_strike(struct proxy_cfg *p) { p->xdp.ban_ttl_s++; }
static void mut_xdp_idle(struct proxy_cfg *p) { p->xdp.flow_idle_s++; }
static void mut_xdp_syn(struct proxy_cfg *p) { p->xdp.syn_timeout_s++; }
static void mut_xdp_ports(struct proxy_cfg *p) { p->xdp.ports[0].lo++; }

Test(proxy_config, equal_notices_every_field)
{
	static void (*const muts[])(struct proxy_cfg *) = {
		mut_name, mut_enabled, mut_tcp, mut_origin_addr, mut_n_origin, mut_origin_port,
		mut_up_addr, mut_n_up, mut_weight, mut_up_port, mut_o2o, mut_algo, mut_sticky,
		mut_sticky_ttl, mut_slow, mut_h_en, mut_h_int, mut_h_to, mut_h_fails, mut_h_passes,
		mut_t_conn, mut_t_idle, mut_t_cr, mut_t_cw, mut_t_ur, mut_t_uw, mut_t_udp, mut_pp,
		mut_trusted, mut_n_trusted, mut_drain, mut_max, mut_log_en, mut_log_path,
		mut_log_mask, mut_has_xdp, mut_xdp_limit, mut_xdp_global, mut_xdp_conns,
		mut_xdp_strike, mut_xdp_idle, mut_xdp_syn, mut_xdp_ports,
	};
	struct aegis_config *c = load_ok(every_key);
	const struct proxy_cfg *orig = &c->proxies[0];

	for (size_t i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
		struct proxy_cfg p;

		copy_ok(&p, orig);
		muts[i](&p);
		cr_assert_not(proxy_cfg_equal(&p, orig), "mutation %zu went unnoticed", i);
		cr_assert_not(proxy_cfg_equal(orig, &p), "mutation %zu (reversed)", i);
		proxy_cfg_free(&p);
	}
	config_free(c);
}

Test(proxy_config, equal_ignores_where_it_was_written)
{
	struct fx_tmpdir d;
	char yaml[512];
	struct aegis_config *a, *b;

	/* The same proxy in the main list and, moved down, in a file. */
	a = load_ok("proxies:\n"
		    "  - { name: p, protocol: tcp, origin: { ports: 1 }, upstream: { addresses: [198.18.0.10] },\n"
		    "      xdp: { max_conn_per_source: 3 } }\n");
	fx_tmpdir_make(&d);
	fx_tmpdir_write(&d, "p.yaml", "\n\n# moved\nupstream: { addresses: [198.18.0.10] }\nname: p\n"
				   "xdp:\n  max_conn_per_source: 3\norigin: { ports: 1 }\nprotocol: tcp\n");
	snprintf(yaml, sizeof(yaml), "proxies_dir: %s\n", d.path);
	b = load_ok(yaml);
	cr_assert_neq(a->proxies[0].line, b->proxies[0].line);
	cr_assert_neq(a->proxies[0].xdp.line, b->proxies[0].xdp.line);
	cr_assert_str_neq(a->proxies[0].file, b->proxies[0].file);
	cr_assert(proxy_cfg_equal(&a->proxies[0], &b->proxies[0]));
	/* Without an xdp block, its contents do not matter. */
	a->proxies[0].has_xdp = b->proxies[0].has_xdp = false;
	b->proxies[0].xdp.max_conn_per_src = 99;
	cr_assert(proxy_cfg_equal(&a->proxies[0], &b->proxies[0]));
	cr_assert(proxy_cfg_equal(&a->proxies[0], &a->proxies[0]));
	config_free(a);
	config_free(b);
	fx_tmpdir_remove(&d);
}

/* ---- shipped files ---- */

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	long len;
	char *buf;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static const struct proxy_cfg *find(const struct aegis_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_proxies; i++)
		if (!strcmp(c->proxies[i].name, name))
			return &c->proxies[i];
	cr_assert_fail("no proxy '%s'", name);
	return NULL;
}

Test(proxy_config, examples_load_with_the_reference_config)
{
	char cwd[PATH_MAX], *ref = read_all("configs/aegis.yaml"), *yaml, *at;
	struct aegis_config *c;
	const struct proxy_cfg *p;
	size_t len;

	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	/* The reference config plus the examples: no conflict with its policies. */
	/* Its proxies_dir: "" becomes the examples' directory. */
	at = strstr(ref, "\nproxies_dir: \"\"");
	cr_assert_not_null(at);
	len = strlen(ref) + strlen(cwd) + 64;
	yaml = malloc(len);
	snprintf(yaml, len, "%.*s\nproxies_dir: %s/configs/proxies%s", (int)(at - ref), ref, cwd,
		 at + strlen("\nproxies_dir: \"\""));
	c = load_ok(yaml);
	cr_assert_geq(c->n_proxies, 4);

	p = find(c, "minecraft");
	cr_assert(p->tcp && !p->udp);
	cr_assert_eq(p->n_origin_addrs, 2);
	fx_assert_addr(&p->origin_addrs[1], "::");
	cr_assert_eq(p->origin_lo, 25565);
	cr_assert_eq(p->up_lo, 35565);
	cr_assert_eq(p->algo, PROXY_LB_LEAST_CONN);
	cr_assert_eq(p->pp_send, PROXY_PP_V2);
	cr_assert_not(p->has_xdp, "its policy is in aegis.yaml");

	p = find(c, "game-udp");
	cr_assert(!p->tcp && p->udp);
	cr_assert(p->one_to_one);
	cr_assert_eq(p->timeouts.udp_session_ms, 30000);

	p = find(c, "web");
	cr_assert(p->has_xdp);
	cr_assert_eq(p->up_weights[0], 3);
	cr_assert_eq(p->n_pp_trusted, 2);
	cr_assert_eq(p->pp_send, PROXY_PP_V1);
	config_free(c);
	free(yaml);
	free(ref);
}

Test(proxy_config, reference_example_shows_the_defaults)
{
	struct aegis_config *c = NULL;
	char err[512] = "";
	const struct proxy_cfg *p;

	cr_assert_eq(config_load("configs/aegis.yaml", &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c->proxies_dir, "");
	p = find(c, "example");
	cr_assert_not(p->enabled, "the reference config binds nothing");
	/* Everything else it writes is the default. */
	struct proxy_cfg q;

	copy_ok(&q, p);
	q.enabled = true;
	assert_proxy_defaults(&q);
	cr_assert_not(q.one_to_one);
	proxy_cfg_free(&q);
	config_free(c);
}

/* ---- mutations ---- */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rng(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

Test(proxy_config, mutated_proxies_never_crash, .timeout = 120)
{
	static const char interesting[] = ":-[]{}\"'#,? \n0123456789./";
	size_t len = strlen(every_key);
	char *buf = malloc(len * 2 + 1);
	int loaded = 0, failed = 0;

	for (int i = 0; i < 1500; i++) {
		struct aegis_config *c = NULL;
		char err[512] = "";
		size_t n = len;
		int ret;

		memcpy(buf, every_key, len);
		for (int edits = 1 + (int)rng(3); edits--;) {
			size_t at = rng((uint32_t)n), run = 1 + rng(12);

			if (rng(2)) {
				run = run > n - at ? n - at : run;
				memmove(buf + at, buf + at + run, n - at - run);
				n -= run;
			} else {
				buf[at] = interesting[rng(sizeof(interesting) - 1)];
			}
			if (!n)
				break;
		}
		buf[n] = '\0';
		ret = config_load_string(NAME, buf, &c, err, sizeof(err));
		if (!ret) {
			for (size_t k = 0; k < c->n_proxies; k++) {
				struct proxy_cfg q;

				copy_ok(&q, &c->proxies[k]);
				cr_assert(proxy_cfg_equal(&q, &c->proxies[k]));
				proxy_cfg_free(&q);
			}
			config_free(c);
			loaded++;
			continue;
		}
		failed++;
		cr_assert_null(c);
		cr_assert_eq(ret, -EINVAL, "mutation %d: %d", i, ret);
		cr_assert(!strncmp(err, NAME ":", strlen(NAME) + 1), "mutation %d: '%s'", i, err);
	}
	cr_assert_gt(loaded, 10);
	cr_assert_gt(failed, 100);
	free(buf);
}
