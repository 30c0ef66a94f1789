// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/guard/funnel.c: gate before target, per entity and per rule, expiry. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guard/funnel.h"

static struct funnel *F;

static void setup(void)
{
	static const struct http_funnel_cfg rules[] = {
		{ .gate = "/signup", .target = "/register", .action = HTTP_FUNNEL_BLOCK,
		  .memory_ms = 300000 },
		{ .gate = "/cart", .target = "/checkout", .action = HTTP_FUNNEL_FLAG,
		  .memory_ms = 1000 },
	};

	F = funnel_new(rules, 2, 4096);
	cr_assert_not_null(F);
}

static void teardown(void)
{
	funnel_free(F);
}

static int visit(const char *who, const char *path, uint64_t now)
{
	return funnel_check(F, who, strlen(who), path, strlen(path), now);
}

TestSuite(funnel, .init = setup, .fini = teardown);

Test(funnel, target_without_gate)
{
	cr_expect_eq(visit("bot", "/register", 0), 0);
	cr_expect_eq(funnel_rule(F, 0)->action, HTTP_FUNNEL_BLOCK);
	cr_expect_eq(visit("bot", "/checkout", 0), 1);
	cr_expect_eq(funnel_rule(F, 1)->action, HTTP_FUNNEL_FLAG);
	cr_expect_null(funnel_rule(F, 2));
}

Test(funnel, gate_then_target)
{
	cr_expect_eq(visit("user", "/signup", 1000), -1);
	cr_expect_eq(visit("user", "/register", 2500), -1);
	cr_expect_eq(visit("user", "/register", 3000), -1, "the visit is not consumed");
	/* Another entity did not visit the gate; other paths never violate. */
	cr_expect_eq(visit("other", "/register", 3000), 0);
	cr_expect_eq(visit("other", "/register/x", 3000), -1, "exact match only");
	cr_expect_eq(visit("other", "/", 3000), -1);
}

Test(funnel, gates_are_per_rule)
{
	cr_expect_eq(visit("user", "/cart", 0), -1);
	cr_expect_eq(visit("user", "/register", 10), 0, "the cart is not the signup gate");
	cr_expect_eq(visit("user", "/checkout", 10), -1);
}

Test(funnel, memory_expires_after_last_gate_visit)
{
	cr_expect_eq(visit("u", "/cart", 0), -1);
	cr_expect_eq(visit("u", "/cart", 800), -1);
	cr_expect_eq(visit("u", "/checkout", 1799), -1, "refreshed by the second visit");
	cr_expect_eq(visit("u", "/checkout", 1800), 1, "forgotten 1 s after the last visit");
	cr_expect_eq(visit("u", "/signup", 0), -1);
	cr_expect_eq(visit("u", "/register", 299999), -1);
	cr_expect_eq(visit("u", "/register", 300000), 0);
}

Test(funnel, bounded)
{
	struct http_funnel_cfg r = { .gate = "/g", .target = "/t", .memory_ms = 60000 };
	struct funnel *f = funnel_new(&r, 1, KEYTAB_SHARDS);
	struct keytab_stats st;
	char who[16];
	char big[300] = { 0 };

	cr_assert_not_null(f);
	for (int i = 0; i < 1000; i++) {
		snprintf(who, sizeof(who), "e%d", i);
		cr_assert_eq(funnel_check(f, who, strlen(who), "/g", 2, 0), -1);
	}
	funnel_stats(f, &st);
	cr_expect_leq(st.entries, KEYTAB_SHARDS);
	cr_expect_eq(st.entries + st.evicted, 1000);
	cr_expect_eq(funnel_check(f, big, sizeof(big), "/g", 2, 0), -EINVAL);
	funnel_free(f);
}
