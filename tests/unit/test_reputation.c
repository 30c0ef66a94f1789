// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/guard/reputation.c: scoring, decay, actions, escalation, eviction
 * under a flood of fresh sources, the credit bound, detect mode, trusted
 * proxies and protected sources, the banned ring, offence persistence. */
#include <criterion/criterion.h>
#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "guard/reputation.h"

#define SEC 1000000000ull

static struct rep *r;
static struct rep_cfg cfg;
static struct rep_change last;
static int changes, detects;

static void on_change(const struct rep_change *ch, void *ctx)
{
	(void)ctx;
	last = *ch;
	changes++;
	detects += ch->detect;
}

static bool is_protected(const struct aegis_addr *a, void *ctx)
{
	struct aegis_addr p;

	(void)ctx;
	addr_parse("198.18.9.9", &p);
	return !memcmp(a, &p, sizeof(p));
}

static void make(void)
{
	char err[256];
	struct rep_hooks h = { .on_change = on_change, .protected_src = is_protected };

	rep_destroy(r);
	cr_assert_eq(rep_create(&r, &cfg, 2, err, sizeof(err)), 0, "%s", err);
	rep_set_hooks(r, &h);
	changes = detects = 0;
}

static void setup(void)
{
	r = NULL;
	rep_cfg_defaults(&cfg);
	cfg.enabled = true;
	make();
}

static void teardown(void)
{
	rep_destroy(r);
	r = NULL;
}

static struct aegis_addr A(const char *s)
{
	struct aegis_addr a;

	cr_assert_eq(addr_parse(s, &a), 0, "%s", s);
	return a;
}

static double score(const char *s, uint64_t now)
{
	struct rep_info i;
	struct aegis_addr a = A(s);

	return rep_get(r, &a, now, &i) ? 0 : i.score;
}

static void hit(const char *s, enum aegis_rep_input in, int n, unsigned int flags, uint64_t now)
{
	struct aegis_addr a = A(s);

	for (int k = 0; k < n; k++)
		rep_apply(r, &a, in, flags, now);
}

TestSuite(rep, .init = setup, .fini = teardown);

Test(rep, names_and_defaults)
{
	cr_expect_str_eq(rep_input_name(AEGIS_REP_IN_WAF_SQLI), "waf_sqli");
	cr_expect_eq(rep_input_parse("clean_request"), AEGIS_REP_IN_CLEAN_REQUEST);
	cr_expect_eq(rep_input_parse("nope"), -1);
	cr_expect_str_eq(rep_action_name(AEGIS_REP_BAN), "ban");
	cr_expect_eq(cfg.weight[AEGIS_REP_IN_CLEAN_REQUEST], -1);
	cr_expect_eq(cfg.n_escalation, 4);
}

Test(rep, decay_half_life)
{
	hit("198.18.0.1", AEGIS_REP_IN_WAF_RCE, 1, 0, 10 * SEC);	/* 40 */
	cr_expect_float_eq(score("198.18.0.1", 10 * SEC), 40.0, 1e-6);
	cr_expect_float_eq(score("198.18.0.1", 610 * SEC), 20.0, 1e-3);
	cr_expect_float_eq(score("198.18.0.1", 1210 * SEC), 10.0, 1e-3);
	/* A new report adds to the decayed score, not the old one. */
	hit("198.18.0.1", AEGIS_REP_IN_WAF_RCE, 1, 0, 610 * SEC);
	cr_expect_float_eq(score("198.18.0.1", 610 * SEC), 60.0, 1e-3);
}

Test(rep, thresholds_to_actions)
{
	struct aegis_addr a = A("198.18.0.2");

	hit("198.18.0.2", AEGIS_REP_IN_WAF_SQLI, 2, 0, SEC);	/* 50 */
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_THROTTLE);
	cr_expect_eq(rep_multiplier_pct(r, &a), 50);
	cr_expect_eq(last.to, AEGIS_REP_THROTTLE);
	hit("198.18.0.2", AEGIS_REP_IN_WAF_SQLI, 2, 0, SEC);	/* 100 */
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_BAN);
	cr_expect(rep_softblocked(r, &a));
	cr_expect_eq(last.from, AEGIS_REP_THROTTLE);
	cr_expect_eq(last.to, AEGIS_REP_BAN);
	cr_expect_eq(last.ttl_s, 60);
	cr_expect_eq(last.offences, 1);
	cr_expect_eq(last.top[0], AEGIS_REP_IN_WAF_SQLI);
	cr_expect_eq(last.n_top, 1);
	/* Untracked sources: no action, multiplier 1. */
	struct aegis_addr b = A("198.18.0.3");

	cr_expect_eq(rep_action_of(r, &b), AEGIS_REP_NONE);
	cr_expect_eq(rep_multiplier_pct(r, &b), 100);
}

Test(rep, escalation_and_expiry)
{
	static const uint32_t ttl[] = { 60, 600, 3600, 86400, 86400 };
	uint64_t now = SEC;
	struct aegis_addr a = A("2001:db8::7");

	for (int round = 0; round < 5; round++) {
		hit("2001:db8::7", AEGIS_REP_IN_SMUGGLING, 2, 0, now);
		cr_assert_eq(rep_action_of(r, &a), AEGIS_REP_BAN, "round %d", round);
		cr_expect_eq(last.ttl_s, ttl[round], "round %d: ttl %u", round, last.ttl_s);
		cr_expect_eq(last.offences, (uint32_t)round + 1);
		/* Banned: more reports do not extend or re-ban. */
		hit("2001:db8::7", AEGIS_REP_IN_SMUGGLING, 1, 0, now + SEC);
		cr_expect_eq(last.ttl_s, ttl[round]);
		now += (uint64_t)ttl[round] * SEC + SEC;
		rep_tick(r, now);
		cr_expect_neq(rep_action_of(r, &a), AEGIS_REP_BAN, "round %d: expired", round);
		cr_expect_eq(last.from, AEGIS_REP_BAN);
	}
}

Test(rep, credit_bound)
{
	struct aegis_addr a = A("198.18.0.4");

	hit("198.18.0.4", AEGIS_REP_IN_CLEAN_REQUEST, 10000, 0, SEC);
	cr_expect_float_eq(score("198.18.0.4", SEC), -50.0, 1e-6);
	cr_expect_eq(rep_multiplier_pct(r, &a), 200);
	/* Credit is bounded: one attack burst still reaches the ban. */
	hit("198.18.0.4", AEGIS_REP_IN_WAF_RCE, 4, 0, SEC);	/* -50 + 160 */
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_BAN);
	/* Half the credit: half the bonus. */
	hit("198.18.0.5", AEGIS_REP_IN_CLEAN_REQUEST, 25, 0, SEC);
	struct aegis_addr b = A("198.18.0.5");

	cr_expect_eq(rep_multiplier_pct(r, &b), 150);
}

Test(rep, eviction_keeps_worst_offenders)
{
	char s[64];
	int survivors = 0;

	/* 512 buckets of 8: 200 offenders fit (a bucket holds 8 at most). */
	cfg.table_size = 4096;
	make();
	/* 200 offenders at score 80 (throttled, not banned). */
	for (int i = 0; i < 200; i++) {
		snprintf(s, sizeof(s), "198.18.1.%d", i);
		hit(s, AEGIS_REP_IN_WAF_RCE, 2, 0, SEC);
	}
	/* A flood of 100000 fresh addresses, one sampled drop each. */
	for (int i = 0; i < 100000; i++) {
		snprintf(s, sizeof(s), "2001:db8:%x:%x::1", i >> 12, i & 0xfff);
		hit(s, AEGIS_REP_IN_XDP_RATE, 1, 0, 2 * SEC);
	}
	for (int i = 0; i < 200; i++) {
		struct aegis_addr a;

		snprintf(s, sizeof(s), "198.18.1.%d", i);
		a = A(s);
		survivors += rep_action_of(r, &a) == AEGIS_REP_THROTTLE;
	}
	cr_expect_eq(survivors, 200, "%d of 200 offenders survived the flood", survivors);
	struct rep_stats st;

	rep_stats(r, &st);
	cr_expect_gt(st.evicted, 0);
	cr_expect_leq(st.entries, 4096);
}

Test(rep, detect_mode_scores_never_acts)
{
	struct aegis_addr a = A("198.18.0.6");

	hit("198.18.0.6", AEGIS_REP_IN_SMUGGLING, 3, REP_F_DETECT, SEC);
	cr_expect_float_eq(score("198.18.0.6", SEC), 150.0, 1e-6);
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_NONE);
	cr_expect(last.detect);
	cr_expect_eq(last.to, AEGIS_REP_BAN);
	cr_expect_eq(detects, 2);	/* would throttle, would ban */
	struct rep_info i;

	cr_assert_eq(rep_get(r, &a, SEC, &i), 0);
	cr_expect_eq(i.wouldbe, AEGIS_REP_BAN);
	cr_expect_eq(i.offences, 0, "detect mode counts no offence");
	/* Global detect mode too. */
	cfg.detect = true;
	rep_configure(r, &cfg);
	hit("198.18.0.7", AEGIS_REP_IN_SMUGGLING, 3, 0, SEC);
	struct aegis_addr b = A("198.18.0.7");

	cr_expect_eq(rep_action_of(r, &b), AEGIS_REP_NONE);
}

/* Found by the L7 flood bench: the once-a-second sweep evaluated without a
 * report, so a would-be ban fell back to "throttle" and the next request
 * raised it again: ban/unban events every second for each attacker. */
Test(rep, detect_mode_would_be_ban_holds)
{
	struct aegis_addr a = A("198.18.0.16");
	struct rep_info i;

	hit("198.18.0.16", AEGIS_REP_IN_SMUGGLING, 3, REP_F_DETECT, SEC);
	cr_assert_eq(detects, 2);	/* would throttle, would ban */
	rep_tick(r, 3 * SEC);		/* sweeps, no report */
	rep_tick(r, 5 * SEC);
	cr_assert_eq(rep_get(r, &a, 5 * SEC, &i), 0);
	cr_expect_eq(i.wouldbe, AEGIS_REP_BAN, "the would-be ban holds while the score does");
	cr_expect_eq(detects, 2, "no would-be unban while the score is above the ban threshold");
	hit("198.18.0.16", AEGIS_REP_IN_SMUGGLING, 1, REP_F_DETECT, 6 * SEC);
	cr_expect_eq(detects, 2, "nor a second would-be ban");
	/* Decayed below the ban threshold (half-life 10m): the would-be ban ends. */
	rep_tick(r, 6 * SEC + 20 * 60 * SEC);
	rep_tick(r, 6 * SEC + 20 * 60 * SEC + 2 * SEC);
	cr_assert_eq(rep_get(r, &a, 6 * SEC + 20 * 60 * SEC + 2 * SEC, &i), 0);
	cr_expect_lt(i.wouldbe, AEGIS_REP_SOFTBLOCK);
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_NONE);
}

Test(rep, via_proxy_softblock_and_protected)
{
	struct aegis_addr a = A("198.18.0.8"), p = A("198.18.9.9");

	hit("198.18.0.8", AEGIS_REP_IN_SMUGGLING, 2, REP_F_VIA_PROXY, SEC);
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_SOFTBLOCK);
	cr_expect(rep_softblocked(r, &a));
	cr_expect_eq(last.to, AEGIS_REP_SOFTBLOCK);
	changes = 0;
	hit("198.18.9.9", AEGIS_REP_IN_SMUGGLING, 10, 0, SEC);
	cr_expect_eq(rep_action_of(r, &p), AEGIS_REP_THROTTLE);
	cr_expect(last.protected_src);
	cr_expect_eq(last.to, AEGIS_REP_BAN);
	cr_expect_eq(changes, 2, "throttled, then the withheld ban once");
}

Test(rep, prefix_grouping_and_banned_ring)
{
	uint64_t cur = rep_banned_cursor(r);
	struct aegis_addr key, a = A("2001:db8:1:2::99");
	uint8_t plen;
	char buf[ADDR_STRLEN];

	hit("2001:db8:1:2::1", AEGIS_REP_IN_WAF_SQLI, 2, 0, SEC);
	hit("2001:db8:1:2::2", AEGIS_REP_IN_WAF_SQLI, 2, 0, SEC);
	/* One /64: one score, one ban for the whole group. */
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_BAN);
	cr_assert_eq(rep_banned_next(r, &cur, &key, &plen), 1);
	cr_expect_str_eq(addr_format(&key, buf, sizeof(buf)), "2001:db8:1:2::");
	cr_expect_eq(plen, 64);
	cr_expect_eq(rep_banned_next(r, &cur, &key, &plen), 0);
	/* Another address of the banned group reports: its own XDP ban. */
	changes = 0;
	hit("2001:db8:1:2::3", AEGIS_REP_IN_WAF_SQLI, 1, 0, 2 * SEC);
	cr_expect_eq(changes, 1);
	cr_expect_eq(last.to, AEGIS_REP_BAN);
	cr_expect_str_eq(addr_format(&last.src, buf, sizeof(buf)), "2001:db8:1:2::3");
	/* A reader far behind is told so. */
	cur = 0;
	for (int i = 0; i < REP_BANNED_RING + 5; i++) {
		char s[64];

		snprintf(s, sizeof(s), "198.18.%d.%d", 2 + i / 250, i % 250);
		hit(s, AEGIS_REP_IN_SMUGGLING, 2, 0, SEC);
	}
	cr_expect_eq(rep_banned_next(r, &cur, &key, &plen), -ESTALE);
	cr_expect_eq(rep_banned_next(r, &cur, &key, &plen), 0);
}

Test(rep, queues_drain_on_tick)
{
	struct aegis_addr a = A("198.18.0.10");

	for (int i = 0; i < 4; i++)
		rep_report(r, &a, AEGIS_REP_IN_WAF_SQLI, i % 2, 0);
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_NONE, "nothing applied before the tick");
	cr_expect_eq(rep_tick(r, SEC), 4);
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_BAN);
	/* A full ring drops and counts, never blocks. */
	for (int i = 0; i < REP_QUEUE_LEN + 10; i++)
		rep_report(r, &a, AEGIS_REP_IN_CLEAN_REQUEST, 0, 0);
	struct rep_stats st;

	rep_stats(r, &st);
	cr_expect_eq(st.queue_drops, 10);
}

Test(rep, forget)
{
	struct aegis_addr a = A("198.18.0.11");
	struct rep_info i;

	hit("198.18.0.11", AEGIS_REP_IN_SMUGGLING, 2, 0, SEC);
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_BAN);
	cr_expect_eq(rep_forget(r, &a), 0);
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_NONE);
	cr_expect_eq(rep_get(r, &a, SEC, &i), -ENOENT);
	cr_expect_eq(rep_forget(r, &a), -ENOENT);
	/* History gone too: the next ban is a first offence. */
	hit("198.18.0.11", AEGIS_REP_IN_SMUGGLING, 2, 0, 2 * SEC);
	cr_expect_eq(last.offences, 1);
}

Test(rep, offences_persist)
{
	char dir[] = "/tmp/aegis-rep-XXXXXX", cmd[128], path[256];
	struct aegis_addr a = A("198.18.0.12");
	struct timespec ts;
	uint64_t now;
	int bad;

	cr_assert_not_null(mkdtemp(dir));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
	hit("198.18.0.12", AEGIS_REP_IN_SMUGGLING, 2, 0, now);
	cr_expect_eq(rep_save_offences(r, dir), 1);
	make();
	/* A malformed line is skipped and counted. */
	snprintf(path, sizeof(path), "%s/%s", dir, REP_OFFENCES_FILE);
	FILE *f = fopen(path, "a");

	cr_assert_not_null(f);
	fprintf(f, "not-an-address\t32\t1\t5\n");
	fclose(f);
	cr_expect_eq(rep_load_offences(r, dir, &bad), 1);
	cr_expect_eq(bad, 1);
	hit("198.18.0.12", AEGIS_REP_IN_SMUGGLING, 2, 0, now + SEC);
	cr_expect_eq(rep_action_of(r, &a), AEGIS_REP_BAN);
	cr_expect_eq(last.offences, 2, "second offence after restart");
	cr_expect_eq(last.ttl_s, 600);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

/* Hand-edited or damaged history: a negative time and an overlong line
 * are malformed (one line each); a record from the future (the clock
 * stepped back) is kept, as recent. */
Test(rep, offences_bad_times)
{
	char buf[2048], *out = NULL;
	size_t olen = 0;
	int bad, n;
	FILE *f;

	n = snprintf(buf, sizeof(buf), "198.18.0.20\t32\t1\t-5\n198.18.0.21\t32\t3\t%s\n"
		     "198.18.0.22\t32\t1\t%01000d\n",
		     "9000000000000000", 7);
	f = fmemopen(buf, (size_t)n, "r");
	cr_assert_not_null(f);
	cr_expect_eq(rep_read_offences(r, f, &bad), 1);
	cr_expect_eq(bad, 2);
	fclose(f);
	f = open_memstream(&out, &olen);
	cr_assert_not_null(f);
	rep_write_offences(r, f, &n);
	fclose(f);
	cr_expect_eq(n, 1);
	cr_expect_not_null(strstr(out, "198.18.0.21\t128\t3\t"), "%s", out);
	cr_expect_null(strstr(out, "9000000000000000"), "future time kept as is: %s", out);
	free(out);
}
