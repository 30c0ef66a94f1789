// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/config/config_reputation.c: the reputation: block's defaults, every
 * key, and errors naming FILE:LINE (a challenge threshold needs a host that challenges). */
#include <criterion/criterion.h>
#include <string.h>

#include "config/config.h"

#define NAME "r.yaml"

static struct aegis_config *load_ok(const char *yaml)
{
	struct aegis_config *cfg = NULL;
	char err[512] = "";

	cr_assert_eq(config_load_string(NAME, yaml, &cfg, err, sizeof(err)), 0, "%s", err);
	return cfg;
}

static void expect_error(const char *yaml, int line, const char *substr)
{
	struct aegis_config *cfg = NULL;
	char err[512] = "", prefix[32];

	snprintf(prefix, sizeof(prefix), NAME ":%d: ", line);
	cr_expect_neq(config_load_string(NAME, yaml, &cfg, err, sizeof(err)), 0, "%s", yaml);
	cr_expect_null(cfg);
	cr_expect(!strncmp(err, prefix, strlen(prefix)), "want '%s...', got '%s'", prefix, err);
	cr_expect(strstr(err, substr), "want '%s' in '%s'", substr, err);
	config_free(cfg);
}

Test(rep_config, defaults)
{
	struct aegis_config *c = load_ok("state_dir: /tmp/x\n");

	cr_expect(!c->rep.enabled);
	cr_expect_eq(c->rep.half_life_s, 600);
	cr_expect_eq(c->rep.ban, 100);
	cr_expect_eq(c->rep.throttle, 50);
	cr_expect_eq(c->rep.n_escalation, 4);
	cr_expect_eq(c->rep.escalation_s[3], 86400);
	cr_expect_eq(c->rep.prefix_v6, 64);
	cr_expect_eq(c->rep.weight[AEGIS_REP_IN_SMUGGLING], 50);
	config_free(c);
}

Test(rep_config, every_key)
{
	struct aegis_config *c = load_ok(
		"reputation:\n"
		"  enabled: true\n"
		"  mode: detect\n"
		"  half_life: 2m\n"
		"  thresholds: { throttle: 20, challenge: 0, ban: 40 }\n"
		"  credit_max: 10\n"
		"  multipliers: { throttle: 25, clean: 300 }\n"
		"  table_size: 1000\n"
		"  group: { ipv4: 24, ipv6: 56 }\n"
		"  escalation: [30s, 5m]\n"
		"  offence_memory: 1d\n"
		"  max_bans_per_sec: 7\n"
		"  weights: { xdp_rate: 9, clean_request: -2 }\n"
		"  webhooks:\n"
		"    - { url: 'http://127.0.0.1:9/hook', kind: slack, min_score: 30 }\n"
		"  control_socket: /tmp/aegis-test.sock\n");

	cr_expect(c->rep.enabled);
	cr_expect(c->rep.detect);
	cr_expect_eq(c->rep.half_life_s, 120);
	cr_expect_eq(c->rep.throttle, 20);
	cr_expect_eq(c->rep.ban, 40);
	cr_expect_eq(c->rep.credit_max, 10);
	cr_expect_eq(c->rep.throttle_pct, 25);
	cr_expect_eq(c->rep.clean_pct, 300);
	cr_expect_eq(c->rep.table_size, 1000);
	cr_expect_eq(c->rep.prefix_v4, 24);
	cr_expect_eq(c->rep.prefix_v6, 56);
	cr_expect_eq(c->rep.n_escalation, 2);
	cr_expect_eq(c->rep.escalation_s[1], 300);
	cr_expect_eq(c->rep.offence_memory_s, 86400);
	cr_expect_eq(c->rep.bans_per_sec, 7);
	cr_expect_eq(c->rep.weight[AEGIS_REP_IN_XDP_RATE], 9);
	cr_expect_eq(c->rep.weight[AEGIS_REP_IN_CLEAN_REQUEST], -2);
	cr_expect_eq(c->rep.weight[AEGIS_REP_IN_WAF_SQLI], 25, "others keep their default");
	cr_expect_eq(c->rep.n_webhooks, 1);
	cr_expect_eq(c->rep.webhooks[0].kind, REP_HOOK_SLACK);
	cr_expect_eq(c->rep.webhooks[0].min_score, 30);
	cr_expect(c->rep.webhooks[0].bans);
	cr_expect_str_eq(c->rep.socket, "/tmp/aegis-test.sock");
	config_free(c);
}

Test(rep_config, errors_name_the_line)
{
	expect_error("reputation:\n  enabled: true\n  thresholds:\n    challenge: 70\n", 2,
		     "reputation.thresholds.challenge: no http host challenges");
	expect_error("reputation:\n  weights:\n    waf_sqlx: 3\n", 3, "unknown input 'waf_sqlx'");
	expect_error("reputation:\n  weights:\n    waf_sqli: 5000\n", 3, "-1000 to 1000");
	expect_error("reputation:\n  mode: block\n", 2, "mode");
	expect_error("reputation:\n  thresholds: { throttle: 100, ban: 50 }\n", 2,
		     "throttle (100) must be below ban (50)");
	expect_error("reputation:\n  escalation: [10m, 1m]\n", 2, "must not get shorter");
	expect_error("reputation:\n  escalation: []\n", 2, "1 to 16 ban durations");
	expect_error("reputation:\n  table_size: 3\n", 2, "table_size");
	expect_error("reputation:\n  group: { ipv6: 200 }\n", 2, "ipv6");
	expect_error("reputation:\n  webhooks:\n    - { kind: slack }\n", 3, "missing 'url'");
	expect_error("reputation:\n  webhooks:\n    - url: ftp://x/secret-token\n", 3,
		     "must start with http");
	expect_error("reputation:\n  bogus: 1\n", 2, "bogus");
}

Test(rep_config, secret_url_not_in_errors)
{
	struct aegis_config *cfg = NULL;
	char err[512] = "";

	cr_expect_neq(config_load_string(NAME, "reputation:\n  webhooks:\n"
					 "    - { url: 'ftp://h/TOKEN123', bans: true }\n",
					 &cfg, err, sizeof(err)), 0);
	cr_expect_null(strstr(err, "TOKEN123"), "%s", err);
}
