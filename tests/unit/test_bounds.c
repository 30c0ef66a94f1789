// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bounds against hostile numbers and shapes (issue 17): durations that
 * would wrap the nanosecond clock are refused everywhere (lib/units, the
 * config file, maps_ban_add); a map's layout is checked against
 * include/aegis/maps.h by type, key size, value size and fixed sizes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "config/config.h"
#include "lib/units.h"
#include "xdp/maps.h"

Test(bounds, durations_beyond_ten_years_refused)
{
	uint64_t ms = 7;

	cr_assert_eq(units_parse_duration_ms("3650d", &ms), 0);
	cr_assert_eq(ms, UNITS_MAX_DURATION_MS);
	cr_assert_eq(units_parse_duration_ms("3651d", &ms), -ERANGE);
	cr_assert_eq(units_parse_duration_ms("213504d", &ms), -ERANGE,
		     "213504d * 86400000 * 1e6 wraps a u64 of nanoseconds");
	cr_assert_eq(units_parse_duration_ms("18446744073709551615ms", &ms), -ERANGE);
	cr_assert_eq(units_parse_duration_ms("99999999999999999999999s", &ms), -ERANGE,
		     "too many digits is out of range, not a typo");
	cr_assert_eq(units_parse_duration_ms("99999999999999999999999x", &ms), -EINVAL);
	cr_assert_eq(ms, UNITS_MAX_DURATION_MS, "a refused value leaves the output alone");
}

Test(bounds, config_durations_refused_with_line)
{
	struct aegis_config *c = NULL;
	char err[512];

	cr_assert_neq(config_load_string("t.yaml", "policies:\n  - { name: a, protocol: tcp, "
					 "ports: [1],\n      strikes: { ban: 213504d } }\n",
					 &c, err, sizeof(err)), 0);
	cr_assert_null(c);
	cr_assert(strstr(err, "t.yaml:3:") && strstr(err, "out of range"), "%s", err);
}

Test(bounds, ban_ttl_that_wraps_refused)
{
	struct aegis_maps m;
	struct aegis_addr a = { { 0, 0, 0xffff0000u, 0x010012c6u } };

	memset(&m, 0, sizeof(m));
	m.fd[MAPS_BANS] = bpf_map_create(BPF_MAP_TYPE_HASH, "aegis_bans", sizeof(struct aegis_addr),
					 sizeof(struct aegis_ban), 8, NULL);
	if (m.fd[MAPS_BANS] < 0)
		cr_skip_test("cannot create a BPF map (not root?)");
	cr_assert_eq(maps_ban_add(&m, &a, 213504ull * 86400000ull, 0, 0, NULL), -ERANGE);
	cr_assert_eq(maps_ban_add(&m, &a, UNITS_MAX_DURATION_MS, 0, 0, NULL), 0);
	close(m.fd[MAPS_BANS]);
}

Test(bounds, map_layouts_checked)
{
	char err[256];

	cr_assert_eq(maps_check_layout(MAPS_BANS, BPF_MAP_TYPE_HASH, sizeof(struct aegis_addr),
				       sizeof(struct aegis_ban), 12345, err, sizeof(err)), 0,
		     "the ban table is sized by the config");
	cr_assert_eq(maps_check_layout(MAPS_SETTINGS, BPF_MAP_TYPE_ARRAY, 4, 65536, 1, err,
				       sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "aegis_settings: value size 65536, expected"), "%s", err);
	cr_assert_eq(maps_check_layout(MAPS_BANS, BPF_MAP_TYPE_ARRAY, 16, 48, 1, err,
				       sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "aegis_bans: type array, expected hash"), "%s", err);
	cr_assert_eq(maps_check_layout(MAPS_ALLOW, BPF_MAP_TYPE_LPM_TRIE, 16,
				       sizeof(struct aegis_list_entry), 8, err, sizeof(err)),
		     -EPROTO);
	cr_assert(strstr(err, "aegis_allow: key size 16, expected 20"), "%s", err);
	cr_assert_eq(maps_check_layout(MAPS_POLICIES, BPF_MAP_TYPE_ARRAY, 4,
				       sizeof(struct aegis_policy), 3, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "aegis_policies: max_entries 3, expected"), "%s", err);
}
