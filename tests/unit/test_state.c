// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/xdp/state.c: bans survive a save/load through the state file, expired
 * bans are dropped, malformed lines are skipped and counted. Uses a real
 * BPF hash map shaped like aegis_bans (needs root). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void save_two(void)
{
	struct aegis_addr a = addr("198.18.0.2"), b = addr("2001:db8::7");

	cr_assert_eq(maps_ban_add(&m, &a, 3600 * 1000, AEGIS_BAN_OPERATOR, 0, "one"), 0);
	cr_assert_eq(maps_ban_add(&m, &b, 0, AEGIS_BAN_OPERATOR, 0, "two"), 0);
	cr_assert_eq(state_save_bans(&m, dir), 2);
}

Test(state, save_keeps_previous_copy_and_end_line)
{
	char path[256], text[1024] = "";
	FILE *f;

	save_two();
	cr_assert_eq(state_save_bans(&m, dir), 2);
	snprintf(path, sizeof(path), "%s/%s%s", dir, STATE_BANS_FILE, STATE_PREV_SUFFIX);
	cr_assert_eq(access(path, R_OK), 0, "the replaced file stays as .prev");
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_BANS_FILE);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	cr_assert(strstr(text, "\n# end 2\n"), "end line counts the bans: %s", text);
	snprintf(path, sizeof(path), "%s/%s.tmp", dir, STATE_BANS_FILE);
	cr_assert_neq(access(path, F_OK), 0, "no temp file left");
}

Test(state, empty_file_falls_back_to_previous)
{
	struct state_load_info in;

	save_two();
	cr_assert_eq(state_save_bans(&m, dir), 2);	/* .prev = the first save */
	clear_bans();
	write_file(STATE_BANS_FILE, "");
	cr_assert_eq(state_load_bans(&m, dir, &in), 2);
	cr_assert(in.from_prev);
	cr_assert_str_eq(in.problem, "bans.tsv is empty");
}

Test(state, truncated_file_detected_and_merged_with_previous)
{
	struct state_load_info in;
	struct aegis_addr c = addr("198.18.0.77");
	struct aegis_ban got;

	save_two();
	cr_assert_eq(state_save_bans(&m, dir), 2);
	clear_bans();
	/* The newest save, cut after its first ban: no end line. */
	write_file(STATE_BANS_FILE, "# aegis bans v2: address expires_unix_ms created_unix_ms "
		   "reason origin note\n198.18.0.77\t0\t1000\t0\t0\tnew\n198.18.0.");
	cr_assert_eq(state_load_bans(&m, dir, &in), 3);
	cr_assert(in.from_prev && in.partial);
	cr_assert(strstr(in.problem, "truncated"), "%s", in.problem);
	cr_assert_eq(in.malformed, 1, "the cut line is refused, not half-restored");
	cr_assert_eq(maps_ban_get(&m, &c, &got), 0);
}

Test(state, truncated_without_previous_restores_what_is_there)
{
	struct state_load_info in;

	write_file(STATE_BANS_FILE, "# aegis bans v2: address expires_unix_ms created_unix_ms "
		   "reason origin note\n198.18.0.77\t0\t1000\t0\t0\tnew\n");
	cr_assert_eq(state_load_bans(&m, dir, &in), 1);
	cr_assert(!in.from_prev && in.partial);
}

Test(state, directory_in_place_is_reported)
{
	char path[256];
	struct state_load_info in;

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_BANS_FILE);
	cr_assert_eq(mkdir(path, 0700), 0);
	cr_assert_eq(state_load_bans(&m, dir, &in), -EISDIR);
	cr_assert(strstr(in.problem, "is a directory"), "%s", in.problem);
	cr_assert_eq(state_save_bans(&m, dir), -EISDIR);
	rmdir(path);
}

Test(state, long_line_refused_whole)
{
	struct state_load_info in;
	char text[2048], note[700];
	struct aegis_addr a = addr("198.18.0.5"), b = addr("198.18.0.6");
	struct aegis_ban got;

	memset(note, 'x', sizeof(note) - 1);
	note[sizeof(note) - 1] = '\0';
	/* A 700-byte note, then a line whose tail after byte 511 would parse as
	 * a ban of its own if the reader split it. */
	snprintf(text, sizeof(text), "198.18.0.5\t0\t1000\t0\t0\t%s\t198.18.0.6\t0\t1000\t0\t0\tx\n"
		 "198.18.0.7\t0\t1000\t0\t0\tok\n", note);
	write_file(STATE_BANS_FILE, text);
	cr_assert_eq(state_load_bans(&m, dir, &in), 1);
	cr_assert_eq(in.malformed, 1);
	cr_assert_neq(maps_ban_get(&m, &a, &got), 0);
	cr_assert_neq(maps_ban_get(&m, &b, &got), 0);
}

Test(state, expiry_out_of_range_refused)
{
	struct state_load_info in;

	/* 9e18 ms would wrap the nanosecond clock into a short ban. */
	write_file(STATE_BANS_FILE, "198.18.0.5\t9000000000000000000\t1000\t0\t0\tfar\n"
		   "198.18.0.6\t0\t9000000000000000000\t0\t0\tfar\n"
		   "198.18.0.7\t-5\t1000\t0\t0\tneg\n");
	cr_assert_eq(state_load_bans(&m, dir, &in), 0);
	cr_assert_eq(in.malformed, 3);
}
