// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Config module: every key lands in the struct, defaults hold when keys
 * are absent, every error names the right line, the map translation
 * matches aegis_limit_init(), the shipped configs load, and mutated
 * configs never crash the parser. Runs from the repository root.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "unit/fixtures.h"

#define NAME "t.yaml"

static void assert_limit(const struct cfg_limit *l, uint32_t rate, uint32_t burst)
{
	cr_assert_eq(l->rate, rate, "rate %u, want %u", l->rate, rate);
	cr_assert_eq(l->burst, burst, "burst %u, want %u", l->burst, burst);
}

static void assert_defaults(const struct aegis_config *c)
{
	static const uint16_t refl[] = { AEGIS_REFLECTION_PORTS };

	cr_assert_str_eq(c->state_dir, "/var/lib/aegis");
	cr_assert_str_eq(c->pin_dir, "/sys/fs/bpf/aegis");
	cr_assert_eq(c->log_format, CFG_LOG_TEXT);
	cr_assert_eq(c->log_level, CFG_LOG_INFO);
	cr_assert_eq(c->status_interval_s, 10);
	assert_limit(&c->events.limit, AEGIS_DEF_EVENT_RATE, AEGIS_DEF_EVENT_BURST);
	cr_assert(c->events.summary);
	cr_assert_str_eq(c->events.output, "");
	cr_assert_eq(c->maps.bans, AEGIS_DEF_BAN_ENTRIES);
	cr_assert_eq(c->maps.allow, AEGIS_DEF_ALLOW_ENTRIES);
	cr_assert_eq(c->maps.deny, AEGIS_DEF_DENY_ENTRIES);
	cr_assert_eq(c->maps.sources, AEGIS_DEF_SRC_ENTRIES);
	cr_assert_eq(c->maps.conns, AEGIS_DEF_CONN_ENTRIES);
	cr_assert_eq(c->maps.flows, AEGIS_DEF_FLOW_ENTRIES);
	cr_assert_eq(c->maps.event_ring, AEGIS_DEF_EVENT_RING_BYTES);
	cr_assert(c->sanity.drop_malformed);
	cr_assert_not(c->sanity.drop_fragments);
	cr_assert(c->sanity.tcp_flags);
	cr_assert(c->sanity.reflection);
	cr_assert_eq(c->sanity.ttl_min, 0);
	cr_assert_eq(c->sanity.ttl_max, 0);
	cr_assert_eq(c->sanity.pkt_len_min, 0);
	cr_assert_eq(c->sanity.pkt_len_max, 0);
	cr_assert_eq(c->sanity.udp_payload_min, 0);
	cr_assert_eq(c->sanity.udp_payload_max, 0);
	cr_assert_eq(c->sanity.n_refl_ports, sizeof(refl) / sizeof(refl[0]));
	for (size_t i = 0; i < c->sanity.n_refl_ports; i++)
		cr_assert_eq(c->sanity.refl_ports[i], refl[i]);
	cr_assert_eq(c->n_allow, 0);
	cr_assert_eq(c->n_deny, 0);
}

/* ---- defaults and empty input ---- */

Test(config, empty_inputs_give_defaults)
{
	const char *empties[] = { "", "\n\n", "# only a comment\n", "---\n", "--- ~\n",
				  "null\n", "---\n...\n" };

	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		struct aegis_config *c = load_ok(empties[i]);

		assert_defaults(c);
		cr_assert_eq(c->n_ifaces, 0);
		cr_assert_eq(c->n_policies, 0);
		cr_assert_str_eq(c->path, NAME);
		config_free(c);
	}
}

Test(config, empty_sections_give_defaults)
{
	struct aegis_config *c = load_ok("interfaces:\nlog:\nevents: {}\nmaps:\nsanity: {}\n"
					 "allow: []\ndeny:\npolicies: []\n");

	assert_defaults(c);
	cr_assert_eq(c->n_ifaces, 0);
	cr_assert_eq(c->n_policies, 0);
	config_free(c);
}

/* ---- every key with a non-default value ---- */

static const char every_key[] =
	"interfaces:\n"
	"  - eth0\n"
	"  - { name: eth1, mode: native }\n"
	"  - name: veth-x.2\n"
	"    mode: auto\n"
	"xdp_mode: generic\n"
	"state_dir: /run/aegis\n"
	"pin_dir: /sys/fs/bpf/shield\n"
	"log: { format: json, level: debug, status_interval: 1m }\n"
	"events: { rate: 50, burst: 75, summary: off, output: /var/log/aegis.json }\n"
	"maps: { bans: 1000, allow: 2000, deny: 3k, sources: 1M, conns: 5000,\n"
	"        flows: 6000, event_ring: 1M }\n"
	"sanity:\n"
	"  drop_malformed: no\n"
	"  drop_fragments: yes\n"
	"  tcp_flags: false\n"
	"  ttl: { min: 2, max: 250 }\n"
	"  packet_size: { min: 40, max: 1500 }\n"
	"  udp_payload: { min: 1, max: 1400 }\n"
	"  reflection: { enabled: false, ports: [53, \"1900-1902\"] }\n"
	"allow: [198.18.0.0/24, \"2001:db8::/64\", 198.18.1.1]\n"
	"deny: [203.0.113.0/24, \"2001:db8:1::1\"]\n"
	"policies:\n"
	"  - name: mc\n"				/* line 24 */
	"    protocol: tcp\n"
	"    ports: [25565, \"27015-27020\"]\n"
	"    per_source:\n"
	"      pps: 2000\n"
	"      syn: { rate: 20, burst: 40 }\n"
	"      new_conn: 10\n"
	"      rst: 50\n"
	"    global: { syn: 5000, new_conn: { rate: 2000, burst: 4000 } }\n"
	"    max_conn_per_source: 20\n"
	"    max_conn_total: 10000\n"
	"    strikes: { limit: 10, window: 1500ms, ban: 0 }\n"
	"    flow_idle: 5m\n"
	"    syn_timeout: 7\n"
	"  - name: game\n"				/* line 38 */
	"    protocol: udp\n"
	"    ports: [27015]\n"
	"    per_source: { udp_pps: 5000, udp_bps: 10M, new_conn: 5 }\n"
	"  - name: both_1.x\n"
	"    protocol: tcp-udp\n"
	"    ports: [\"1000 - 1001\", 7]\n"
	"    strikes: { limit: 3 }\n";

Test(config, every_key_lands_in_the_struct)
{
	struct aegis_config *c = load_ok(every_key);

	cr_assert_eq(c->n_ifaces, 3);
	cr_assert_str_eq(c->ifaces[0].name, "eth0");
	cr_assert_eq(c->ifaces[0].mode, CFG_XDP_GENERIC, "xdp_mode applies even when written later");
	cr_assert_eq(c->ifaces[0].line, 2);
	cr_assert_str_eq(c->ifaces[1].name, "eth1");
	cr_assert_eq(c->ifaces[1].mode, CFG_XDP_NATIVE);
	cr_assert_eq(c->ifaces[1].line, 3);
	cr_assert_str_eq(c->ifaces[2].name, "veth-x.2");
	cr_assert_eq(c->ifaces[2].mode, CFG_XDP_AUTO);
	cr_assert_eq(c->ifaces[2].line, 4);
	cr_assert_str_eq(c->state_dir, "/run/aegis");
	cr_assert_str_eq(c->pin_dir, "/sys/fs/bpf/shield");
	cr_assert_eq(c->log_format, CFG_LOG_JSON);
	cr_assert_eq(c->log_level, CFG_LOG_DEBUG);
	cr_assert_eq(c->status_interval_s, 60);
	assert_limit(&c->events.limit, 50, 75);
	cr_assert_not(c->events.summary);
	cr_assert_str_eq(c->events.output, "/var/log/aegis.json");
	cr_assert_eq(c->maps.bans, 1000);
	cr_assert_eq(c->maps.allow, 2000);
	cr_assert_eq(c->maps.deny, 3000);
	cr_assert_eq(c->maps.sources, 1000000);
	cr_assert_eq(c->maps.conns, 5000);
	cr_assert_eq(c->maps.flows, 6000);
	cr_assert_eq(c->maps.event_ring, 1u << 20);
	cr_assert_not(c->sanity.drop_malformed);
	cr_assert(c->sanity.drop_fragments);
	cr_assert_not(c->sanity.tcp_flags);
	cr_assert_not(c->sanity.reflection);
	cr_assert_eq(c->sanity.ttl_min, 2);
	cr_assert_eq(c->sanity.ttl_max, 250);
	cr_assert_eq(c->sanity.pkt_len_min, 40);
	cr_assert_eq(c->sanity.pkt_len_max, 1500);
	cr_assert_eq(c->sanity.udp_payload_min, 1);
	cr_assert_eq(c->sanity.udp_payload_max, 1400);
	cr_assert_eq(c->sanity.n_refl_ports, 4);
	cr_assert_eq(c->sanity.refl_ports[0], 53);
	cr_assert_eq(c->sanity.refl_ports[1], 1900);
	cr_assert_eq(c->sanity.refl_ports[3], 1902);

	cr_assert_eq(c->n_allow, 3);
	cr_assert_eq(c->allow[0].key.prefixlen, 96 + 24);
	cr_assert_str_eq(c->allow[0].text, "198.18.0.0/24");
	cr_assert_eq(c->allow[0].line, 21);
	cr_assert_eq(c->allow[1].key.prefixlen, 64);
	cr_assert_eq(c->allow[2].key.prefixlen, 128, "bare IPv4 is a /32");
	cr_assert_eq(c->n_deny, 2);
	cr_assert_eq(c->deny[1].key.prefixlen, 128, "bare IPv6 is a /128");
	cr_assert_str_eq(c->deny[1].text, "2001:db8:1::1");

	cr_assert_eq(c->n_policies, 3);
	const struct cfg_policy *p = &c->policies[0];

	cr_assert_str_eq(p->name, "mc");
	cr_assert_eq(p->line, 24);
	cr_assert(p->tcp && !p->udp);
	cr_assert_eq(p->n_ports, 2);
	cr_assert(p->ports[0].lo == 25565 && p->ports[0].hi == 25565);
	cr_assert(p->ports[1].lo == 27015 && p->ports[1].hi == 27020);
	assert_limit(&p->src[AEGIS_LIM_PPS], 2000, 2000);
	assert_limit(&p->src[AEGIS_LIM_SYN], 20, 40);
	assert_limit(&p->src[AEGIS_LIM_CONN], 10, 10);
	assert_limit(&p->src[AEGIS_LIM_RST], 50, 50);
	assert_limit(&p->src[AEGIS_LIM_UDP_PPS], 0, 0);
	assert_limit(&p->global_syn, 5000, 5000);
	assert_limit(&p->global_conn, 2000, 4000);
	cr_assert_eq(p->max_conn_per_src, 20);
	cr_assert_eq(p->max_conn_total, 10000);
	cr_assert_eq(p->strike_limit, 10);
	cr_assert_eq(p->strike_window_ms, 1500);
	cr_assert_eq(p->ban_ttl_s, 0);
	cr_assert_eq(p->flow_idle_s, 300);
	cr_assert_eq(p->syn_timeout_s, 7);

	p = &c->policies[1];
	cr_assert_str_eq(p->name, "game");
	cr_assert_eq(p->line, 38);
	cr_assert(!p->tcp && p->udp);
	assert_limit(&p->src[AEGIS_LIM_UDP_PPS], 5000, 5000);
	assert_limit(&p->src[AEGIS_LIM_UDP_BPS], 10000000, 10000000);
	assert_limit(&p->src[AEGIS_LIM_CONN], 5, 5);

	p = &c->policies[2];
	cr_assert_str_eq(p->name, "both_1.x");
	cr_assert(p->tcp && p->udp);
	cr_assert(p->ports[0].lo == 1000 && p->ports[0].hi == 1001);
	cr_assert(p->ports[1].lo == 7 && p->ports[1].hi == 7);
	cr_assert_eq(p->strike_limit, 3);
	cr_assert_eq(p->strike_window_ms, CFG_DEF_STRIKE_WINDOW_MS, "window default");
	cr_assert_eq(p->ban_ttl_s, CFG_DEF_BAN_TTL_S, "ban default");
	cr_assert_eq(p->flow_idle_s, AEGIS_DEF_FLOW_IDLE_S);
	cr_assert_eq(p->syn_timeout_s, AEGIS_DEF_SYN_TIMEOUT_S);
	assert_limit(&p->src[AEGIS_LIM_PPS], 0, 0);
	config_free(c);
}

/* ---- value forms ---- */

Test(config, limit_forms)
{
	struct aegis_config *c = load_ok(
		"policies:\n"
		"  - name: a\n"
		"    protocol: tcp-udp\n"
		"    ports: [1]\n"
		"    per_source:\n"
		"      pps: 0\n"			/* off */
		"      syn: { rate: 0, burst: 9 }\n"	/* off: burst dropped */
		"      new_conn: { rate: 7 }\n"		/* burst = rate */
		"      rst: 4G\n"			/* max rate; burst capped */
		"      udp_pps: 10k\n"
		"      udp_bps: { rate: 1G, burst: 100M }\n");
	const struct cfg_policy *p = &c->policies[0];

	assert_limit(&p->src[AEGIS_LIM_PPS], 0, 0);
	assert_limit(&p->src[AEGIS_LIM_SYN], 0, 0);
	assert_limit(&p->src[AEGIS_LIM_CONN], 7, 7);
	assert_limit(&p->src[AEGIS_LIM_RST], AEGIS_MAX_RATE, AEGIS_MAX_BURST);
	assert_limit(&p->src[AEGIS_LIM_UDP_PPS], 10000, 10000);
	assert_limit(&p->src[AEGIS_LIM_UDP_BPS], 1000000000, AEGIS_MAX_BURST);
	config_free(c);
}

Test(config, booleans_and_durations)
{
	struct aegis_config *c = load_ok(
		"log: { status_interval: 0 }\n"
		"events: { summary: NO }\n"
		"sanity: { drop_malformed: Off, drop_fragments: ON, tcp_flags: True,\n"
		"          reflection: false }\n"
		"policies:\n"
		"  - { name: a, protocol: tcp, ports: [1], flow_idle: 7d, syn_timeout: 1h,\n"
		"      strikes: { window: 90, ban: 365d } }\n");
	const struct cfg_policy *p = &c->policies[0];

	cr_assert_eq(c->status_interval_s, 0);
	cr_assert_not(c->events.summary);
	cr_assert_not(c->sanity.drop_malformed);
	cr_assert(c->sanity.drop_fragments);
	cr_assert(c->sanity.tcp_flags);
	cr_assert_not(c->sanity.reflection);
	cr_assert_eq(c->sanity.n_refl_ports, 18, "the list stays when only disabled");
	cr_assert_eq(p->flow_idle_s, 7 * 86400);
	cr_assert_eq(p->syn_timeout_s, 3600);
	cr_assert_eq(p->strike_window_ms, 90000, "bare numbers are seconds");
	cr_assert_eq(p->ban_ttl_s, 365 * 86400);
	config_free(c);
}

Test(config, event_ring_sizes)
{
	static const struct { const char *text; uint32_t bytes; } sizes[] = {
		{ "4096", 4096 }, { "4k", 4096 }, { "4K", 4096 }, { "64KiB", 65536 },
		{ "1M", 1u << 20 }, { "2MiB", 2u << 20 }, { "1G", 1u << 30 }, { "1GiB", 1u << 30 },
	};
	char yaml[64];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(yaml, sizeof(yaml), "maps: { event_ring: %s }\n", sizes[i].text);
		struct aegis_config *c = load_ok(yaml);

		cr_assert_eq(c->maps.event_ring, sizes[i].bytes, "%s", sizes[i].text);
		config_free(c);
	}
}

Test(config, reflection_ports)
{
	struct aegis_config *c = load_ok("sanity: { reflection: { ports: [] } }\n");

	cr_assert(c->sanity.reflection);
	cr_assert_eq(c->sanity.n_refl_ports, 0);
	config_free(c);
	c = load_ok("sanity:\n  reflection:\n    ports: [\"100-102\", 7, 65535]\n");
	cr_assert_eq(c->sanity.n_refl_ports, 5);
	cr_assert_eq(c->sanity.refl_ports[0], 7, "sorted");
	cr_assert_eq(c->sanity.refl_ports[4], 65535);
	config_free(c);
}

Test(config, ports_and_protocols_may_share)
{
	/* Same port, different protocols; adjacent ranges: no overlap. */
	struct aegis_config *c = load_ok(
		"policies:\n"
		"  - { name: t, protocol: tcp, ports: [53, \"1-10\"] }\n"
		"  - { name: u, protocol: udp, ports: [53, \"1-10\"] }\n"
		"  - { name: b, protocol: tcp-udp, ports: [\"11-20\", 65535] }\n");

	cr_assert_eq(c->n_policies, 3);
	config_free(c);
}

Test(config, anchors_without_aliases_are_fine)
{
	struct aegis_config *c = load_ok("log: &l { level: warn }\n");

	cr_assert_eq(c->log_level, CFG_LOG_WARN);
	config_free(c);
}

Test(config, max_policies)
{
	size_t cap = 64 * (CFG_MAX_POLICIES + 2), off;
	char *yaml = malloc(cap);
	struct aegis_config *c;

	off = (size_t)snprintf(yaml, cap, "policies:\n");
	for (int i = 0; i < CFG_MAX_POLICIES; i++)
		off += (size_t)snprintf(yaml + off, cap - off,
					"  - { name: p%d, protocol: tcp, ports: [%d] }\n", i, i + 1);
	c = load_ok(yaml);
	cr_assert_eq(c->n_policies, CFG_MAX_POLICIES);
	config_free(c);
	snprintf(yaml + off, cap - off, "  - { name: one_more, protocol: udp, ports: [1] }\n");
	expect_error(yaml, CFG_MAX_POLICIES + 2, "policies: more than 255 policies");
	free(yaml);
}

/* ---- errors ---- */

Test(config, syntax_errors)
{
	static const struct err_case cases[] = {
		{ "log: { level: info\n", 2, "invalid YAML: did not find expected ',' or '}'" },
		{ "a: 1\n b: 2\n", 2, "invalid YAML: mapping values are not allowed" },
		{ "log:\n\t level: info\n", 2, "invalid YAML: found character that cannot start" },
		{ "log: \"abc\n", 2, "invalid YAML: found unexpected end of stream" },
		{ "a: 1\n---\nb: 2\n", 2, "only one YAML document per file is allowed" },
		{ "log: &x { level: info }\nsanity: *x\n", 2, "aliases (*x) are not supported" },
		{ "state_dir: \"/a\\0b\"\n", 1, "NUL character in a value" },
		{ "log:\n  level: \xff\n", 2, "invalid YAML: invalid leading UTF-8 octet" },
		{ "log:\n  level: info\x01\n", 2, "invalid YAML: control characters are not allowed" },
	};

	EXPECT_ERRORS(cases);
}

Test(config, deep_nesting_is_rejected)
{
	char yaml[256];

	memset(yaml, '[', 100);
	memset(yaml + 100, ']', 100);
	strcpy(yaml + 200, "\n");
	expect_error(yaml, 1, "nesting deeper than 32 levels");
}

Test(config, type_errors)
{
	static const struct err_case cases[] = {
		{ "- a\n- b\n", 1, "top level must be a mapping of settings, found a list" },
		{ "just text\n", 1, "top level must be a mapping of settings, found 'just text'" },
		{ "log: verbose\n", 1, "log: expected a mapping, found 'verbose'" },
		{ "log:\n  - level\n", 2, "log: expected a mapping, found a list" },
		{ "interfaces: eth0\n", 1, "interfaces: expected a list, found 'eth0'" },
		{ "allow: { a: 1 }\n", 1, "allow: expected a list, found a mapping" },
		{ "policies: {}\n", 1, "policies: expected a list, found a mapping" },
		{ "state_dir: [a, b]\n", 1, "state_dir: expected an absolute path, found a list" },
		{ "state_dir:\n", 1, "state_dir: expected an absolute path, found nothing" },
		{ "state_dir: var/lib\n", 1, "state_dir: expected an absolute path, found 'var/lib'" },
		{ "maps:\n  bans: [1]\n", 2, "maps.bans: expected a number, found a list" },
		{ "maps:\n  bans: lots\n", 2, "maps.bans: expected a number, found 'lots'" },
		{ "maps:\n  bans: 1.5\n", 2, "maps.bans: expected a number, found '1.5'" },
		{ "maps:\n  bans: 0x10\n", 2, "maps.bans: expected a number, found '0x10'" },
		{ "maps:\n  bans: -1\n", 2, "maps.bans: must not be negative, found '-1'" },
		{ "maps:\n  bans:\n", 2, "maps.bans: expected a number, found nothing" },
		{ "sanity:\n  tcp_flags: maybe\n", 2, "sanity.tcp_flags: expected true or false, found 'maybe'" },
		{ "sanity:\n  tcp_flags: 1\n", 2, "sanity.tcp_flags: expected true or false, found '1'" },
		{ "sanity:\n  tcp_flags: {}\n", 2, "sanity.tcp_flags: expected true or false, found a mapping" },
		{ "sanity:\n  reflection: [1]\n", 2, "sanity.reflection: expected a mapping, found a list" },
		{ "sanity:\n  reflection: maybe\n", 2, "sanity.reflection: expected true or false" },
		{ "log:\n  status_interval: soon\n", 2,
		  "log.status_interval: expected a duration like 30s, 5m or 250ms, found 'soon'" },
		{ "log:\n  status_interval: -5s\n", 2, "log.status_interval: must not be negative" },
		{ "log:\n  status_interval: 1500ms\n", 2,
		  "log.status_interval: must be whole seconds, found '1500ms'" },
		{ "log:\n  status_interval: 50000d\n", 2, "log.status_interval: '50000d' is out of range" },
		{ "log:\n  status_interval: 2d\n", 2, "log.status_interval: '2d' is out of range (0s-1d)" },
		{ "log: { level: verbose }\n", 1,
		  "log.level: expected debug, info, warn or error, found 'verbose'" },
		{ "log: { format: xml }\n", 1, "log.format: expected text or json, found 'xml'" },
		{ "events: { output: [a] }\n", 1, "events.output: expected a string, found a list" },
		{ "? [a, b]\n: 1\n", 1, "top level: keys must be plain words, found a list" },
		{ "policies:\n  - tcp\n", 2, "policies[0]: expected a policy (a mapping), found 'tcp'" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], per_source: { pps: [1] } }\n", 2,
		  "policies[a].per_source.pps: expected a rate or {rate, burst}, found a list" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], per_source: { pps: } }\n", 2,
		  "policies[a].per_source.pps: expected a rate or {rate, burst}, found nothing" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], per_source: { pps: -3 } }\n", 2,
		  "policies[a].per_source.pps: must not be negative" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], per_source: { pps: 2.5k } }\n", 2,
		  "policies[a].per_source.pps: expected a number, found '2.5k'" },
	};

	EXPECT_ERRORS(cases);
}

Test(config, unknown_and_duplicate_keys)
{
	static const struct err_case cases[] = {
		{ "log: {}\nlogging: {}\n", 2, "unknown key 'logging' at top level (expected interfaces, "
		  "xdp_mode, state_dir, pin_dir, log, events, maps, sanity, allow, deny, policies, proxies, "
		  "proxies_dir, proxy_engine, reputation, metrics, api)" },
		{ "log:\n  lvl: info\n", 2, "unknown key 'lvl' in log (expected format, level, status_interval)" },
		{ "events: { rat: 1 }\n", 1, "unknown key 'rat' in events (expected rate, burst, summary, output)" },
		{ "maps: { ban: 1 }\n", 1, "unknown key 'ban' in maps (expected bans," },
		{ "sanity: { ttl: { minimum: 1 } }\n", 1, "unknown key 'minimum' in sanity.ttl (expected min, max)" },
		{ "sanity: { reflection: { port: [1] } }\n", 1,
		  "unknown key 'port' in sanity.reflection (expected enabled, ports)" },
		{ "interfaces:\n  - { name: eth0, xdp: native }\n", 2,
		  "unknown key 'xdp' in interfaces[0] (expected name, mode)" },
		{ "policies:\n  - name: mc\n    protocol: tcp\n    ports: [1]\n    per_source:\n"
		  "      ppps: 5\n", 6,
		  "unknown key 'ppps' in policies[mc].per_source (expected pps, syn, new_conn, rst, udp_pps, udp_bps)" },
		{ "policies:\n  - { name: mc, protocol: tcp, ports: [1], global: { pps: 1 } }\n", 2,
		  "unknown key 'pps' in policies[mc].global (expected syn, new_conn)" },
		{ "policies:\n  - { name: mc, protocol: tcp, ports: [1], strikes: { bantime: 1 } }\n", 2,
		  "unknown key 'bantime' in policies[mc].strikes (expected limit, window, ban)" },
		{ "policies:\n  - { name: mc, protocol: tcp, ports: [1], per_source: { syn: { rte: 1 } } }\n", 2,
		  "unknown key 'rte' in policies[mc].per_source.syn (expected rate, burst)" },
		{ "policies:\n  - { name: mc, protocol: tcp, port: [1] }\n", 2,
		  "unknown key 'port' in policies[mc] (expected name, protocol, ports, per_source, global, "
		  "max_conn_per_source, max_conn_total, strikes, flow_idle, syn_timeout, syn_cookies, syn_cookies_above)" },
		{ "log: {}\nmaps: {}\nlog: {}\n", 3, "duplicate key 'log' (first at line 1)" },
		{ "log:\n  level: info\n  format: text\n  level: warn\n", 4, "duplicate key 'level' (first at line 2)" },
		{ "policies:\n  - name: a\n    protocol: tcp\n    ports: [1]\n    ports: [2]\n", 5,
		  "duplicate key 'ports' (first at line 4)" },
	};

	EXPECT_ERRORS(cases);
}

Test(config, range_errors)
{
	static const struct err_case cases[] = {
		{ "maps: { bans: 0 }\n", 1, "maps.bans: '0' is out of range (1-16777216)" },
		{ "maps: { flows: 17M }\n", 1, "maps.flows: '17M' is out of range (1-16777216)" },
		{ "maps: { conns: 99999999999999999999999 }\n", 1, "maps.conns: '9999999" },
		{ "maps:\n  event_ring: 100000\n", 2, "maps.event_ring: '100000' is not a power of two" },
		{ "maps:\n  event_ring: 256000\n", 2, "is not a power of two" },
		{ "maps:\n  event_ring: 2048\n", 2, "maps.event_ring: '2048' is out of range (4k-1G)" },
		{ "maps:\n  event_ring: 2G\n", 2, "maps.event_ring: '2G' is out of range" },
		{ "maps:\n  event_ring: 99999999999999999999999k\n", 2, "is out of range" },
		{ "maps:\n  event_ring: 4kb\n", 2, "maps.event_ring: expected a size in bytes like 256k, found '4kb'" },
		{ "maps:\n  event_ring: k\n", 2, "expected a size in bytes" },
		{ "maps:\n  event_ring: -4096\n", 2, "maps.event_ring: must not be negative" },
		{ "events: { rate: 5G }\n", 1, "events.rate: '5G' is out of range (0-4000000000)" },
		{ "events: { burst: 0 }\n", 1, "events.burst: '0' is out of range (1-100000000)" },
		{ "sanity:\n  ttl: { max: 256 }\n", 2, "sanity.ttl.max: '256' is out of range (0-255)" },
		{ "sanity:\n  ttl:\n    min: 200\n    max: 100\n", 3, "sanity.ttl: min 200 is greater than max 100" },
		{ "sanity:\n  packet_size: { max: 65536 }\n", 2, "sanity.packet_size.max: '65536' is out of range (0-65535)" },
		{ "sanity:\n  packet_size: { min: 1500, max: 64 }\n", 2, "sanity.packet_size: min 1500 is greater than max 64" },
		{ "sanity:\n  udp_payload: { min: 10, max: 9 }\n", 2, "sanity.udp_payload: min 10 is greater than max 9" },
		{ "sanity:\n  udp_payload: { min: 70k }\n", 2, "sanity.udp_payload.min: '70k' is out of range" },
		{ "sanity:\n  reflection:\n    ports: [53, 0]\n", 3, "sanity.reflection.ports: port '0' is out of range (1-65535)" },
		{ "sanity:\n  reflection:\n    ports: [53, \"50-60\"]\n", 3, "sanity.reflection.ports: port 53 is listed twice" },
		{ "sanity:\n  reflection:\n    ports: [-53]\n", 3, "ports must not be negative" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], per_source: { pps: 4000000001 } }\n", 2,
		  "policies[a].per_source.pps: '4000000001' is out of range (0-4000000000)" },
		{ "policies:\n  - name: a\n    protocol: tcp\n    ports: [1]\n    per_source:\n"
		  "      syn: { rate: 10, burst: 0 }\n", 6,
		  "policies[a].per_source.syn.burst: '0' is out of range (1-100000000)" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], global: { syn: { rate: 1, burst: 101M } } }\n", 2,
		  "policies[a].global.syn.burst: '101M' is out of range (1-100000000)" },
		{ "policies:\n  - name: a\n    protocol: tcp\n    ports: [1]\n    global:\n      syn: { burst: 5 }\n", 6,
		  "policies[a].global.syn: missing 'rate'" },
		{ "policies:\n  - name: a\n    protocol: tcp\n    ports: [1]\n    strikes:\n      limit: 5\n"
		  "      window: 0\n", 6, "policies[a].strikes: window must be above 0 when limit is set" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], strikes: { ban: 1s500ms } }\n", 2,
		  "policies[a].strikes.ban: expected a duration like 30s, 5m or 250ms" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], strikes: { window: 50d } }\n", 2,
		  "policies[a].strikes.window: '50d' is out of range (0s-1d)" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], flow_idle: 0 }\n", 2,
		  "policies[a].flow_idle: '0' is out of range (1s-7d)" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], syn_timeout: 2h }\n", 2,
		  "policies[a].syn_timeout: '2h' is out of range (1s-1h)" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], strikes: { ban: 366d } }\n", 2,
		  "policies[a].strikes.ban: '366d' is out of range (0s-365d)" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], syn_timeout: 500ms }\n", 2,
		  "policies[a].syn_timeout: must be whole seconds, found '500ms'" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1], max_conn_total: 5G }\n", 2,
		  "policies[a].max_conn_total: '5G' is out of range (0-4294967295)" },
	};

	EXPECT_ERRORS(cases);
}

Test(config, interface_errors)
{
	static const struct err_case cases[] = {
		{ "interfaces:\n  - eth0\n  - averyveryverylongname\n", 3,
		  "interfaces[1]: interface name 'averyveryverylongname' is longer than 15 characters" },
		{ "interfaces:\n  - eth0\n  - { name: eth0, mode: native }\n", 3,
		  "interfaces[1]: interface 'eth0' is listed twice (first at line 2)" },
		{ "interfaces:\n  - { name: eth0, mode: fast }\n", 2,
		  "interfaces[0].mode: expected auto, native or generic, found 'fast'" },
		{ "interfaces: [eth0]\nxdp_mode: skb\n", 2, "xdp_mode: expected auto, native or generic, found 'skb'" },
		{ "interfaces:\n  - { mode: native }\n", 2, "interfaces[0]: missing 'name'" },
		{ "interfaces:\n  - eth/0\n", 2, "interfaces[0]: 'eth/0' is not a valid interface name" },
		{ "interfaces:\n  - \"eth 0\"\n", 2, "is not a valid interface name" },
		{ "interfaces:\n  - \"..\"\n", 2, "is not a valid interface name" },
		{ "interfaces:\n  - [eth0]\n", 2, "interfaces[0]: expected an interface name, found a list" },
		{ "interfaces:\n  -\n", 2, "interfaces[0]: expected an interface name, found nothing" },
	};

	EXPECT_ERRORS(cases);
}

Test(config, cidr_errors)
{
	static const struct err_case cases[] = {
		{ "allow:\n  - 10.0.0.1/8\n", 2, "allow: '10.0.0.1/8' has host bits set (the network is 10.0.0.0/8)" },
		{ "deny:\n  - \"2001:db8::1/64\"\n", 2, "deny: '2001:db8::1/64' has host bits set (the network is 2001:db8::/64)" },
		{ "allow:\n  - 10.0.0.0/33\n", 2, "allow: '10.0.0.0/33' is not a valid address or CIDR" },
		{ "allow:\n  - example.com\n", 2, "allow: 'example.com' is not a valid address or CIDR" },
		{ "allow:\n  - 1.2.3.4/\n", 2, "is not a valid address or CIDR" },
		{ "allow:\n  - { a: 1 }\n", 2, "allow: expected an address or CIDR, found a mapping" },
		{ "allow:\n  - 1.2.3.4\n  - 5.6.7.8\n  - 1.2.3.4/32\n", 4,
		  "allow: '1.2.3.4/32' is listed twice (first at line 2)" },
		{ "deny:\n  - \"2001:db8::/32\"\n  - \"2001:0db8::/32\"\n", 3,
		  "deny: '2001:0db8::/32' is listed twice (first at line 2)" },
		{ "allow: [10.0.0.0/8, 1.1.1.1]\ndeny:\n  - 9.9.9.9\n  - 10.0.0.0/8\n", 4,
		  "deny: '10.0.0.0/8' is also in allow (line 1)" },
		{ "deny: [5.5.5.5]\nallow: [5.5.5.5]\n", 1, "deny: '5.5.5.5' is also in allow (line 2)" },
	};

	EXPECT_ERRORS(cases);
}

Test(config, policy_errors)
{
	static const struct err_case cases[] = {
		{ "policies:\n  - { protocol: tcp, ports: [1] }\n", 2, "policies[0]: missing 'name'" },
		{ "policies:\n  - { name: a, ports: [1] }\n", 2, "policies[a]: missing 'protocol'" },
		{ "policies:\n  - { name: a, protocol: tcp }\n", 2, "policies[a]: missing 'ports'" },
		{ "policies:\n  - name: a\n    protocol: tcp\n    ports: []\n", 4, "policies[a].ports: must list at least one port" },
		{ "policies:\n  - name: a\n    protocol: tcp\n    ports:\n", 4, "policies[a].ports: must list at least one port" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: 80 }\n", 2, "policies[a].ports: expected a list, found '80'" },
		{ "policies:\n  - { name: a, protocol: icmp, ports: [1] }\n", 2,
		  "policies[a].protocol: expected tcp, udp or tcp-udp, found 'icmp'" },
		{ "policies:\n  - { name: \"my policy\", protocol: tcp, ports: [1] }\n", 2,
		  "policies[0].name: 'my policy' is not a valid name (1-31 of A-Z a-z 0-9 _ . -)" },
		{ "policies:\n  - { name: abcdefghijklmnopqrstuvwxyz0123456, protocol: tcp, ports: [1] }\n", 2,
		  "is not a valid name" },
		{ "policies:\n  - { name: \"\", protocol: tcp, ports: [1] }\n", 2, "policies[0].name: '' is not a valid name" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [0] }\n", 2, "policies[a].ports: port '0' is out of range (1-65535)" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [65536] }\n", 2, "port '65536' is out of range (1-65535)" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [\"100-70000\"] }\n", 2, "port '100-70000' is out of range" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [\"20-10\"] }\n", 2, "policies[a].ports: range '20-10' starts above its end" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [\"10-\"] }\n", 2,
		  "policies[a].ports: expected a port or a 'lo-hi' range, found '10-'" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [http] }\n", 2, "expected a port or a 'lo-hi' range, found 'http'" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [[1]] }\n", 2, "expected a port or a 'lo-hi' range, found a list" },
		{ "policies:\n  - name: a\n    protocol: tcp\n    ports:\n      - 80\n      - \"70-90\"\n", 6,
		  "policies[a].ports: port 80 is listed twice" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [1] }\n  - { name: a, protocol: udp, ports: [2] }\n", 3,
		  "policies[a]: duplicate policy name 'a' (first at line 2)" },
		{ "policies:\n  - { name: a, protocol: tcp, ports: [\"25560-25570\"] }\n"
		  "  - name: b\n    protocol: tcp\n    ports:\n      - 1\n      - 25565\n", 7,
		  "policies 'b' and 'a' (line 2) overlap on tcp port 25565" },
		{ "policies:\n  - { name: a, protocol: udp, ports: [53] }\n  - { name: b, protocol: tcp-udp, ports: [53] }\n", 3,
		  "policies 'b' and 'a' (line 2) overlap on udp port 53" },
		{ "policies:\n  - name: dns\n    protocol: udp\n    ports: [53]\n    per_source:\n      syn: 5\n", 6,
		  "policies[dns].per_source.syn: applies to tcp only, but the protocol is udp" },
		{ "policies:\n  - name: dns\n    protocol: udp\n    ports: [53]\n    per_source:\n      pps: 5\n      rst: 0\n", 7,
		  "policies[dns].per_source.rst: applies to tcp only" },
		{ "policies:\n  - name: dns\n    protocol: udp\n    ports: [53]\n    global:\n      syn: 5\n", 6,
		  "policies[dns].global.syn: applies to tcp only, but the protocol is udp" },
		{ "policies:\n  - name: dns\n    protocol: udp\n    ports: [53]\n    syn_timeout: 5s\n", 5,
		  "policies[dns].syn_timeout: applies to tcp only" },
		{ "policies:\n  - name: web\n    per_source:\n      udp_bps: 1M\n      udp_pps: 5\n    protocol: tcp\n"
		  "    ports: [80]\n", 4, "policies[web].per_source.udp_bps: applies to udp only, but the protocol is tcp" },
	};

	EXPECT_ERRORS(cases);
}

Test(config, first_error_wins)
{
	/* Two bad values: the message is about the first one in the file. */
	expect_error("maps:\n  bans: 0\n  flows: 0\n", 2, "maps.bans");
	expect_error("policies:\n  - name: u\n    protocol: udp\n    ports: [1]\n"
		     "    syn_timeout: 5\n    per_source: { syn: 1 }\n", 5, "syn_timeout");
}

Test(config, error_buffer_edge_cases)
{
	struct aegis_config *c = NULL;
	char err[12];

	cr_assert_eq(config_load_string(NAME, "maps: { bans: 0 }\n", &c, NULL, 0), -EINVAL);
	cr_assert_null(c);
	cr_assert_eq(config_load_string(NAME, "maps: { bans: 0 }\n", &c, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "t.yaml:1: m", "truncated, NUL-terminated");
	cr_assert_eq(config_load_string(NAME, NULL, &c, err, sizeof(err)), -EINVAL);
	config_free(NULL);
}

/* ---- files ---- */

Test(config, load_file)
{
	struct aegis_config *c = NULL;
	char err[512], *path = fx_write_temp("log: { level: error }\n", 22);

	cr_assert_eq(config_load(path, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c->log_level, CFG_LOG_ERROR);
	cr_assert_str_eq(c->path, path);
	config_free(c);
	unlink(path);
	free(path);
}

Test(config, load_file_errors)
{
	struct aegis_config *c = NULL;
	char err[512], want[64], *path;

	cr_assert_eq(config_load("/nonexistent/aegis.yaml", &c, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "/nonexistent/aegis.yaml: cannot read: No such file or directory");
	cr_assert_null(c);
	cr_assert_eq(config_load("/tmp", &c, err, sizeof(err)), -EISDIR);
	cr_assert_str_eq(err, "/tmp: cannot read: Is a directory");

	path = fx_write_temp("log:\n  level: info\n\0junk\n", 25);
	cr_assert_eq(config_load(path, &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: NUL byte in the file", path);
	cr_assert_str_eq(err, want);
	unlink(path);
	free(path);

	path = fx_write_temp("maps:\n  bans: 0\n", 16);
	cr_assert_eq(config_load(path, &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: maps.bans", path);
	cr_assert(!strncmp(err, want, strlen(want)), "%s", err);
	unlink(path);
	free(path);
}

/* ---- map translation ---- */

static void assert_map_limit(const struct aegis_limit *got, uint32_t rate, uint32_t burst)
{
	struct aegis_limit want;

	cr_assert_eq(aegis_limit_init(&want, rate, burst), 0);
	cr_assert_eq(got->rate, want.rate);
	cr_assert_eq(got->burst, want.burst);
	cr_assert_eq(got->interval_fp, want.interval_fp);
	cr_assert_eq(got->tau_ns, want.tau_ns);
}

Test(config, policy_to_map)
{
	struct aegis_config *c = load_ok(every_key);
	struct aegis_policy m;

	memset(&m, 0xaa, sizeof(m));
	config_policy_to_map(&c->policies[0], &m);
	assert_map_limit(&m.src[AEGIS_LIM_PPS], 2000, 2000);
	assert_map_limit(&m.src[AEGIS_LIM_SYN], 20, 40);
	assert_map_limit(&m.src[AEGIS_LIM_CONN], 10, 10);
	assert_map_limit(&m.src[AEGIS_LIM_RST], 50, 50);
	assert_map_limit(&m.src[AEGIS_LIM_UDP_PPS], 0, 0);
	assert_map_limit(&m.src[AEGIS_LIM_UDP_BPS], 0, 0);
	assert_map_limit(&m.global_syn, 5000, 5000);
	assert_map_limit(&m.global_conn, 2000, 4000);
	cr_assert_neq(m.src[AEGIS_LIM_SYN].interval_fp, 0);
	cr_assert_eq(m.max_conn_per_src, 20);
	cr_assert_eq(m.max_conn_total, 10000);
	cr_assert_eq(m.strike_limit, 10);
	cr_assert_eq(m.strike_window_ms, 1500);
	cr_assert_eq(m.ban_ttl_s, 0);
	cr_assert_eq(m.flow_idle_s, 300);
	cr_assert_eq(m.syn_timeout_s, 7);
	cr_assert_eq(m.port_lo, 25565);
	cr_assert_eq(m.port_hi, 27020);
	cr_assert_eq(m.proto, IPPROTO_TCP);
	cr_assert_eq(m.active, 1);
	cr_assert_eq(m.pad[0], 0, "cleared");

	config_policy_to_map(&c->policies[1], &m);
	cr_assert_eq(m.proto, IPPROTO_UDP);
	assert_map_limit(&m.src[AEGIS_LIM_UDP_BPS], 10000000, 10000000);
	assert_map_limit(&m.src[AEGIS_LIM_PPS], 0, 0);
	cr_assert_eq(m.port_lo, 27015);
	cr_assert_eq(m.port_hi, 27015);

	config_policy_to_map(&c->policies[2], &m);
	cr_assert_eq(m.proto, 0, "tcp-udp");
	cr_assert_eq(m.port_lo, 7);
	cr_assert_eq(m.port_hi, 1001);
	config_free(c);
}

static bool refl_bit(const struct aegis_settings *s, unsigned int port)
{
	return (s->refl_ports[port / 64] >> (port % 64)) & 1;
}

Test(config, settings_to_map_defaults)
{
	static const uint16_t refl[] = { AEGIS_REFLECTION_PORTS };
	struct aegis_config *c = load_ok("");
	struct aegis_settings *s = malloc(sizeof(*s));
	unsigned int set = 0;

	memset(s, 0xaa, sizeof(*s));
	config_settings_to_map(c, s);
	cr_assert_eq(s->flags, AEGIS_F_DROP_MALFORMED | AEGIS_F_TCP_FLAGS | AEGIS_F_REFLECTION);
	cr_assert_eq(s->ttl_min, 0);
	cr_assert_eq(s->pkt_len_max, 0);
	cr_assert_eq(s->pad, 0);
	assert_map_limit(&s->events, AEGIS_DEF_EVENT_RATE, AEGIS_DEF_EVENT_BURST);
	for (size_t i = 0; i < sizeof(refl) / sizeof(refl[0]); i++)
		cr_assert(refl_bit(s, refl[i]), "port %u", refl[i]);
	for (unsigned int p = 0; p < 65536; p++)
		set += refl_bit(s, p);
	cr_assert_eq(set, sizeof(refl) / sizeof(refl[0]), "no other bits");
	free(s);
	config_free(c);
}

Test(config, settings_to_map_values)
{
	struct aegis_config *c = load_ok(
		"events: { rate: 0 }\n"
		"sanity:\n"
		"  drop_malformed: false\n"
		"  drop_fragments: true\n"
		"  tcp_flags: false\n"
		"  ttl: { min: 3, max: 200 }\n"
		"  packet_size: { min: 28, max: 9000 }\n"
		"  udp_payload: { min: 1, max: 1472 }\n"
		"  reflection: { ports: [\"1-3\", 65535] }\n");
	struct aegis_settings *s = malloc(sizeof(*s));

	config_settings_to_map(c, s);
	cr_assert_eq(s->flags, AEGIS_F_DROP_FRAGMENTS | AEGIS_F_REFLECTION);
	cr_assert_eq(s->ttl_min, 3);
	cr_assert_eq(s->ttl_max, 200);
	cr_assert_eq(s->pkt_len_min, 28);
	cr_assert_eq(s->pkt_len_max, 9000);
	cr_assert_eq(s->udp_payload_min, 1);
	cr_assert_eq(s->udp_payload_max, 1472);
	assert_map_limit(&s->events, 0, AEGIS_DEF_EVENT_BURST);
	cr_assert_eq(s->events.interval_fp, 0, "events off");
	cr_assert_eq(s->refl_ports[0], 0xeull, "ports 1-3");
	cr_assert_eq(s->refl_ports[AEGIS_REFL_WORDS - 1], 1ull << 63, "port 65535");
	config_free(c);

	/* Reflection off: flag clear and the bitmap all zero. */
	c = load_ok("sanity: { reflection: false, drop_malformed: false, tcp_flags: false }\n");
	config_settings_to_map(c, s);
	cr_assert_eq(s->flags, 0);
	for (size_t i = 0; i < AEGIS_REFL_WORDS; i++)
		cr_assert_eq(s->refl_ports[i], 0);
	free(s);
	config_free(c);
}

/* ---- shipped configs ---- */

static struct aegis_config *load_shipped(const char *path)
{
	struct aegis_config *c = NULL;
	char err[512] = "";

	cr_assert_eq(config_load(path, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(c->n_ifaces, 1, "%s: aegisd needs an interface", path);
	cr_assert_geq(c->n_policies, 1, "%s", path);
	return c;
}

Test(config, reference_config_loads_and_shows_defaults)
{
	struct aegis_config *c = load_shipped("configs/aegis.yaml");

	/* Its global keys are documented as the defaults: they must be. */
	assert_defaults(c);
	cr_assert_eq(c->ifaces[0].mode, CFG_XDP_AUTO);
	cr_assert_eq(c->policies[0].flow_idle_s, AEGIS_DEF_FLOW_IDLE_S);
	cr_assert_eq(c->policies[0].syn_timeout_s, AEGIS_DEF_SYN_TIMEOUT_S);
	cr_assert_eq(c->policies[0].strike_window_ms, CFG_DEF_STRIKE_WINDOW_MS);
	cr_assert_eq(c->policies[0].ban_ttl_s, CFG_DEF_BAN_TTL_S);
	config_free(c);
}

Test(config, presets_load)
{
	static const char *const presets[] = {
		"configs/presets/performance.yaml",
		"configs/presets/standard.yaml",
		"configs/presets/aggressive.yaml",
	};

	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		config_free(load_shipped(presets[i]));
}

/* ---- mutations ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*len + 1);
	cr_assert_eq(fread(buf, 1, *len, f), *len);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* One random edit: delete a run, duplicate a run elsewhere, or flip a byte. */
static size_t mutate(char *buf, size_t len, size_t cap)
{
	static const char interesting[] = ":-[]{}\"'#&*!|>,? \n\t0123456789kM/.";
	size_t at = rng((uint32_t)len), run = 1 + rng(40);

	switch (rng(4)) {
	case 0:
		run = run > len - at ? len - at : run;
		memmove(buf + at, buf + at + run, len - at - run);
		return len - run;
	case 1: {
		size_t to = rng((uint32_t)len + 1);
		char run_copy[41];

		run = run > len - at ? len - at : run;
		if (len + run >= cap)
			return len;
		memcpy(run_copy, buf + at, run);
		memmove(buf + to + run, buf + to, len - to);
		memcpy(buf + to, run_copy, run);
		return len + run;
	}
	case 2:
		buf[at] = interesting[rng(sizeof(interesting) - 1)];
		return len;
	default:
		buf[at] ^= (char)(1u << rng(8));
		return len;
	}
}

Test(config, mutated_reference_never_crashes, .timeout = 120)
{
	size_t len, cap;
	char *orig = read_all("configs/aegis.yaml", &len), *buf;
	int loaded = 0, failed = 0;

	cap = len * 4 + 64;
	buf = malloc(cap);
	for (int i = 0; i < 600; i++) {
		struct aegis_config *c = NULL;
		size_t n = len;
		char err[512] = "";
		int ret;

		memcpy(buf, orig, len);
		for (int edits = 1 + (int)rng(4); edits-- && n;)
			n = mutate(buf, n, cap);
		buf[n] = '\0';
		ret = config_load_string("aegis.yaml", buf, &c, err, sizeof(err));
		if (!ret) {
			cr_assert_not_null(c);
			config_free(c);
			loaded++;
			continue;
		}
		failed++;
		cr_assert_null(c);
		cr_assert_eq(ret, -EINVAL, "mutation %d: %d", i, ret);
		cr_assert(!strncmp(err, "aegis.yaml:", 11), "mutation %d: '%s'", i, err);
	}
	/* Both outcomes should occur, or the mutations test nothing. */
	cr_assert_gt(loaded, 10);
	cr_assert_gt(failed, 100);
	free(buf);
	free(orig);
}

Test(config, proxy_engine)
{
	struct aegis_config *cfg = NULL;
	char err[512];

	cr_assert_eq(config_load_string("e.yaml", "", &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg->engine.workers, 0);
	cr_assert_eq(cfg->engine.buffers, CFG_DEF_ENGINE_BUFFERS);
	cr_assert_eq(cfg->engine.conn_budget, CFG_DEF_ENGINE_BUDGET);
	config_free(cfg);
	cr_assert_eq(config_load_string("e.yaml",
		"proxy_engine: { workers: 3, max_connections: 1000, max_udp_sessions: 500,\n"
		"  buffers: 1024, buffer_size: 8192, connection_budget: 65536 }\n",
		&cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg->engine.workers, 3);
	cr_assert_eq(cfg->engine.max_conns, 1000);
	cr_assert_eq(cfg->engine.max_udp_sessions, 500);
	cr_assert_eq(cfg->engine.buffers, 1024);
	cr_assert_eq(cfg->engine.buffer_size, 8192);
	cr_assert_eq(cfg->engine.conn_budget, 65536);
	config_free(cfg);
	cr_assert_neq(config_load_string("e.yaml", "proxy_engine:\n  buffers: 1000\n", &cfg, err,
					 sizeof(err)), 0);
	cr_assert(strstr(err, "e.yaml:2: proxy_engine.buffers: 1000 is not a power of two"), "%s", err);
	cr_assert_neq(config_load_string("e.yaml", "proxy_engine: { workers: 999 }\n", &cfg, err,
					 sizeof(err)), 0);
	cr_assert(strstr(err, "e.yaml:1:") && strstr(err, "workers"), "%s", err);
}

Test(config, syn_cookies)
{
	struct aegis_config *c = load_ok(
		"policies:\n"
		"  - { name: a, protocol: tcp, ports: [1] }\n"
		"  - { name: b, protocol: tcp, ports: [2], syn_cookies: always }\n"
		"  - { name: c, protocol: tcp, ports: [3], syn_cookies: auto,\n"
		"      syn_cookies_above: { rate: 2000, burst: 500 } }\n");
	struct aegis_policy m;

	cr_assert_eq(c->policies[0].syn_cookies, AEGIS_COOKIES_OFF, "default off");
	cr_assert_eq(c->policies[1].syn_cookies, AEGIS_COOKIES_ALWAYS);
	cr_assert_eq(c->policies[2].syn_cookies, AEGIS_COOKIES_AUTO);
	assert_limit(&c->policies[2].cookie_syn, 2000, 500);
	config_policy_to_map(&c->policies[2], &m);
	cr_assert_eq(m.syn_cookies, AEGIS_COOKIES_AUTO);
	cr_assert_neq(m.cookie_syn.interval_fp, 0);
	config_free(c);
}

Test(config, syn_cookies_errors)
{
	expect_error("policies:\n  - name: a\n    protocol: tcp\n    ports: [1]\n"
		     "    syn_cookies: sometimes\n", 5, "policies[a].syn_cookies");
	expect_error("policies:\n  - name: a\n    protocol: tcp\n    ports: [1]\n"
		     "    syn_cookies: auto\n", 5,
		     "policies[a].syn_cookies: auto needs syn_cookies_above");
	expect_error("policies:\n  - name: a\n    protocol: tcp\n    ports: [1]\n"
		     "    syn_cookies: always\n    syn_cookies_above: 100\n", 6,
		     "policies[a].syn_cookies_above: applies only with syn_cookies: auto");
	expect_error("policies:\n  - name: u\n    protocol: udp\n    ports: [1]\n"
		     "    syn_cookies: always\n", 5,
		     "policies[u].syn_cookies: applies to tcp only");
}
