// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/engine/portmap.c: origin -> upstream port mapping, both modes. */
#include <criterion/criterion.h>
#include <errno.h>
#include "engine/portmap.h"

static struct portmap map(enum portmap_mode mode, uint16_t olo, uint16_t ohi,
			  uint16_t ulo, uint16_t uhi, unsigned int n_addrs)
{
	return (struct portmap){ mode, { olo, ohi }, { ulo, uhi }, n_addrs };
}

Test(portmap, parse_range)
{
	struct portmap_range r;

	cr_assert_eq(portmap_parse_range("25565", &r), 0);
	cr_assert(r.lo == 25565 && r.hi == 25565);
	cr_assert_eq(portmap_parse_range("25565-25575", &r), 0);
	cr_assert(r.lo == 25565 && r.hi == 25575);
	cr_assert_eq(portmap_parse_range("25565:25575", &r), 0);
	cr_assert(r.lo == 25565 && r.hi == 25575);
	cr_assert_eq(portmap_parse_range("1:65535", &r), 0);
	cr_assert_eq(portmap_range_size(&r), 65535);
}

Test(portmap, parse_range_rejects)
{
	static const struct { const char *in; int err; } bad[] = {
		{ "", -EINVAL }, { "-1", -EINVAL }, { "+1", -EINVAL }, { " 1", -EINVAL },
		{ "1 ", -EINVAL }, { "1-", -EINVAL }, { "1-2-3", -EINVAL }, { "a", -EINVAL },
		{ "1..2", -EINVAL }, { "0", -ERANGE }, { "65536", -ERANGE },
		{ "0-10", -ERANGE }, { "10-0", -ERANGE }, { "200-100", -ERANGE },
		{ "99999999999999999999", -ERANGE },
	};
	struct portmap_range r = { 7, 7 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(portmap_parse_range(bad[i].in, &r), bad[i].err, "'%s'", bad[i].in);
	cr_assert(r.lo == 7 && r.hi == 7, "output touched on failure");
	cr_assert_eq(portmap_parse_range(NULL, &r), -EINVAL);
}

/* The RouteX example: 25565-25567 -> 35565-35567, positional. */
Test(portmap, one_to_one)
{
	struct portmap pm = map(PORTMAP_ONE_TO_ONE, 25565, 25567, 35565, 35567, 2);
	struct portmap_target t[4];

	cr_assert_eq(portmap_validate(&pm, NULL, 0), 0);
	cr_assert_eq(portmap_target_count(&pm), 2);
	for (uint16_t k = 0; k < 3; k++) {
		cr_assert_eq(portmap_targets(&pm, 25565 + k, t, 4), 2);
		cr_assert_eq(t[0].addr_idx, 0);
		cr_assert_eq(t[1].addr_idx, 1);
		cr_assert_eq(t[0].port, 35565 + k);
		cr_assert_eq(t[1].port, 35565 + k);
	}
}

Test(portmap, one_to_one_single_port)
{
	struct portmap pm = map(PORTMAP_ONE_TO_ONE, 25565, 25565, 35565, 35565, 1);
	struct portmap_target t[1];

	cr_assert_eq(portmap_targets(&pm, 25565, t, 1), 1);
	cr_assert_eq(t[0].port, 35565);
	cr_assert_eq(portmap_targets(&pm, 25566, t, 1), -ENOENT);
}

/* RouteX: 3 origin ports, 3 upstream ports; here x 2 addresses. */
Test(portmap, fan_out)
{
	struct portmap pm = map(PORTMAP_FAN_OUT, 25565, 25567, 35565, 35567, 2);
	struct portmap_target t[6], u[6];

	cr_assert_eq(portmap_validate(&pm, NULL, 0), 0);
	cr_assert_eq(portmap_target_count(&pm), 6);
	cr_assert_eq(portmap_targets(&pm, 25565, t, 6), 6);
	for (unsigned int i = 0; i < 6; i++) {
		/* Address-major order. */
		cr_assert_eq(t[i].addr_idx, i / 3);
		cr_assert_eq(t[i].port, 35565 + i % 3);
	}
	/* Every origin port gets the same list. */
	cr_assert_eq(portmap_targets(&pm, 25567, u, 6), 6);
	for (unsigned int i = 0; i < 6; i++)
		cr_assert(t[i].addr_idx == u[i].addr_idx && t[i].port == u[i].port);
}

Test(portmap, fan_out_any_sizes)
{
	struct portmap pm = map(PORTMAP_FAN_OUT, 25565, 25575, 35565, 35566, 1);
	struct portmap_target t[2];

	cr_assert_eq(portmap_validate(&pm, NULL, 0), 0);
	cr_assert_eq(portmap_targets(&pm, 25570, t, 2), 2);
	cr_assert_eq(t[0].port, 35565);
	cr_assert_eq(t[1].port, 35566);
}

Test(portmap, targets_errors)
{
	struct portmap pm = map(PORTMAP_FAN_OUT, 100, 102, 200, 203, 2);
	struct portmap_target t[8];

	cr_assert_eq(portmap_targets(&pm, 99, t, 8), -ENOENT);
	cr_assert_eq(portmap_targets(&pm, 103, t, 8), -ENOENT);
	cr_assert_eq(portmap_targets(&pm, 100, t, 7), -ENOSPC);
	pm.n_addrs = 0;
	cr_assert_eq(portmap_targets(&pm, 100, t, 8), -EINVAL);
}

Test(portmap, validate_errors)
{
	static const struct {
		struct portmap pm;
		const char *msg;
	} bad[] = {
		{ { PORTMAP_ONE_TO_ONE, { 25565, 25567 }, { 35565, 35566 }, 1 },
		  "one-to-one mapping needs equal ranges: origin 25565-25567 has 3 ports, upstream 35565-35566 has 2" },
		{ { PORTMAP_FAN_OUT, { 0, 10 }, { 1, 1 }, 1 }, "origin port 0 is not a valid port" },
		{ { PORTMAP_FAN_OUT, { 1, 1 }, { 0, 0 }, 1 }, "upstream port 0 is not a valid port" },
		{ { PORTMAP_FAN_OUT, { 20, 10 }, { 1, 1 }, 1 },
		  "origin port range 20-10 is empty (low > high)" },
		{ { PORTMAP_FAN_OUT, { 1, 1 }, { 9, 8 }, 1 },
		  "upstream port range 9-8 is empty (low > high)" },
		{ { PORTMAP_FAN_OUT, { 1, 1 }, { 1, 1 }, 0 }, "no upstream addresses" },
		{ { PORTMAP_FAN_OUT, { 1, 1 }, { 1000, 1512 }, 2 },
		  "2 upstream addresses x 513 upstream ports is 1026 targets, more than 1024" },
		{ { (enum portmap_mode)7, { 1, 1 }, { 1, 1 }, 1 }, "unknown port mapping mode 7" },
	};
	char err[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_expect_eq(portmap_validate(&bad[i].pm, err, sizeof(err)), -EINVAL, "case %zu", i);
		cr_expect_str_eq(err, bad[i].msg);
	}
}
