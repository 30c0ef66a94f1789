// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/xdp/state.c: bans survive a save/load through the state file, expired
 * bans are dropped, malformed lines are skipped and counted. Uses a real
 * BPF hash map shaped like aegis_bans (needs root). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lib/addr.h"
#include "xdp/state.h"

static struct aegis_maps m;
static char dir[] = "/tmp/aegis-state-XXXXXX";

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	for (int i = 0; i < MAPS_COUNT; i++)
		m.fd[i] = -1;
	m.fd[MAPS_BANS] = bpf_map_create(BPF_MAP_TYPE_HASH, "aegis_bans", sizeof(struct aegis_addr),
					 sizeof(struct aegis_ban), 64, NULL);
	if (m.fd[MAPS_BANS] < 0)
		cr_skip_test("cannot create a BPF map (not root?)");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	if (m.fd[MAPS_BANS] >= 0)
		close(m.fd[MAPS_BANS]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
	strcpy(dir, "/tmp/aegis-state-XXXXXX");
}

static struct aegis_addr addr(const char *s)
{
	struct aegis_addr a;

	cr_assert_eq(addr_parse(s, &a), 0);
	return a;
}

static void clear_bans(void)
{
	struct aegis_addr k;

	while (!bpf_map_get_next_key(m.fd[MAPS_BANS], NULL, &k))
		bpf_map_delete_elem(m.fd[MAPS_BANS], &k);
}

TestSuite(state, .init = setup, .fini = teardown);

Test(state, roundtrip)
{
	struct aegis_addr a = addr("198.18.0.2"), b = addr("2001:db8::7");
	struct aegis_ban got;
	struct state_load_info in;

	cr_assert_eq(maps_ban_add(&m, &a, 3600 * 1000, AEGIS_BAN_OPERATOR, 0, "tab\there\\x"), 0);
	cr_assert_eq(maps_ban_add(&m, &b, 0, AEGIS_BAN_XDP, AEGIS_STAT_DROP_RATE_SYN, "strikes"), 0);
	cr_assert_eq(state_save_bans(&m, dir), 2);
	clear_bans();
	cr_assert_eq(state_load_bans(&m, dir, &in), 2);
	cr_assert_eq(in.malformed, 0);
	cr_assert_eq(maps_ban_get(&m, &a, &got), 0);
	cr_assert_str_eq(got.note, "tab\there\\x");
	cr_assert_eq(got.origin, AEGIS_BAN_OPERATOR);
	int64_t left_ms = (int64_t)(got.expires_ns - maps_now_ns()) / 1000000;
	cr_assert(left_ms > 3590 * 1000 && left_ms <= 3600 * 1000, "ttl kept: %lld ms", (long long)left_ms);
	cr_assert_eq(maps_ban_get(&m, &b, &got), 0);
	cr_assert_eq(got.expires_ns, 0, "permanent stays permanent");
	cr_assert_eq(got.reason, AEGIS_STAT_DROP_RATE_SYN);
	cr_assert_eq(got.origin, AEGIS_BAN_XDP);
}

Test(state, expired_not_restored_and_bad_lines_skipped)
{
	char path[256];
	FILE *f;
	struct state_load_info in;

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_BANS_FILE);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "# header\n");
	fprintf(f, "198.18.0.3\t1000\t900\t0\t0\told\n");		/* expired in 1970 */
	fprintf(f, "198.18.0.4\t0\t900\t0\t0\tkeep\n");
	fprintf(f, "not-an-ip\t0\t0\t0\t0\tx\n");
	fprintf(f, "198.18.0.5\t0\t0\t999\t0\tbad reason\n");
	fprintf(f, "198.18.0.6\t0\n");
	fclose(f);
	cr_assert_eq(state_load_bans(&m, dir, &in), 1);
	cr_assert_eq(in.malformed, 3);
	cr_assert_eq(in.expired, 1);
	struct aegis_ban got;
	struct aegis_addr a = addr("198.18.0.3"), b = addr("198.18.0.4");

	cr_assert_neq(maps_ban_get(&m, &a, &got), 0);
	cr_assert_eq(maps_ban_get(&m, &b, &got), 0);
}

Test(state, missing_file_is_empty)
{
	struct state_load_info in;

	cr_assert_eq(state_load_bans(&m, dir, &in), 0);
	cr_assert_str_eq(in.problem, "");
}

Test(state, sweep_and_foreach_skip_expired)
{
	struct aegis_addr a = addr("198.18.0.8");
	struct aegis_ban b = { .expires_ns = 1, .created_ns = 1 };

	cr_assert_eq(maps_ban_put(&m, &a, &b), 0);
	cr_assert_eq(state_save_bans(&m, dir), 0, "expired bans are not saved");
	cr_assert_eq(maps_ban_sweep(&m), 1);
	cr_assert_neq(maps_ban_get(&m, &a, &b), 0);
}
