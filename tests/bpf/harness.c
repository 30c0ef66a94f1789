// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* BPF test harness; see harness.h. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "lib/addr.h"
#include "harness.h"

struct aegis *skel;
static struct ring_buffer *rb;

const struct fam FAM4 = {
	.name = "v4",
	.src = { "198.51.100.1", "198.51.100.2", "203.0.113.9", "203.0.113.10" },
	.outside = "198.51.101.1",
	.net = "198.51.100.0/24",
	.dst = "192.0.2.1",
};

const struct fam FAM6 = {
	.name = "v6",
	.src = { "2001:db8:1:2::1", "2001:db8:1:2:ffff::2", "2001:db8:9::9", "2001:db8:9::10" },
	.outside = "2001:db8:1:3::1",
	.net = "2001:db8:1:2::/64",
	.dst = "2001:db8:ffff::1",
};

/*
 * Per-CPU state (the event limiter, the counters) is only deterministic
 * if every run happens on one CPU: BPF_PROG_TEST_RUN runs the program on
 * the calling thread's CPU, so pin to the first CPU we may use.
 */
static void pin_cpu(void)
{
	cpu_set_t set;

	cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		CPU_ZERO(&set);
		CPU_SET(c, &set);
		cr_assert_eq(sched_setaffinity(0, sizeof(set), &set), 0);
		return;
	}
	cr_assert_fail("no usable CPU");
}

void h_open(void)
{
	pin_cpu();
	skel = aegis__open();
	cr_assert_not_null(skel, "aegis__open: %s", strerror(errno));
}

void h_load(void)
{
	int err = aegis__load(skel);

	cr_assert_eq(err, 0, "aegis__load: %s (is the program verifier-clean?)", strerror(-err));
}

void h_setup(void)
{
	h_open();
	h_load();
}

void h_teardown(void)
{
	ring_buffer__free(rb);
	rb = NULL;
	aegis__destroy(skel);
	skel = NULL;
}

const char *h_stat_name(int reason)
{
#define NAME(s, n, d) n,
	static const char *const names[] = { AEGIS_STAT_LIST(NAME) };
#undef NAME
	if (reason < 0 || reason >= AEGIS_STAT_MAX)
		return "?";
	return names[reason];
}

static int ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	cr_assert_gt(n, 0);
	return n;
}

void h_stats(struct aegis_counter out[AEGIS_STAT_MAX])
{
	int n = ncpus();
	struct aegis_counter *v = calloc(n, sizeof(*v));

	cr_assert_not_null(v);
	for (__u32 i = 0; i < AEGIS_STAT_MAX; i++) {
		cr_assert_eq(bpf_map_lookup_elem(MAPFD(aegis_stats), &i, v), 0);
		out[i] = (struct aegis_counter){ 0 };
		for (int c = 0; c < n; c++) {
			out[i].packets += v[c].packets;
			out[i].bytes += v[c].bytes;
		}
	}
	free(v);
}

struct aegis_counter h_stat(int reason)
{
	struct aegis_counter all[AEGIS_STAT_MAX];

	h_stats(all);
	return all[reason];
}

__u64 h_err(int err)
{
	int n = ncpus();
	__u64 *v = calloc(n, sizeof(*v)), sum = 0;
	__u32 key = err;

	cr_assert_not_null(v);
	cr_assert_eq(bpf_map_lookup_elem(MAPFD(aegis_errors), &key, v), 0);
	for (int c = 0; c < n; c++)
		sum += v[c];
	free(v);
	return sum;
}

/* The frame the program left behind (what XDP_TX would send) goes to
 * *out when out is not NULL. */
static int run_out(const void *data, size_t len, __u32 *verdict, struct frame *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = (__u32)len,
		    .repeat = 1);
	int err;

	if (out) {
		memset(out, 0, sizeof(*out));
		opts.data_out = out->b;
		opts.data_size_out = sizeof(out->b);
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.aegis_xdp), &opts);
	if (out)
		out->len = opts.data_size_out;
	if (verdict)
		*verdict = opts.retval;
	return err;
}

int h_run_raw(const void *data, size_t len, __u32 *verdict)
{
	return run_out(data, len, verdict, NULL);
}

int h_run(const struct frame *f, __u32 *verdict)
{
	return h_run_reply(f, verdict, NULL);
}

int h_run_reply(const struct frame *f, __u32 *verdict, struct frame *out)
{
	struct aegis_counter before[AEGIS_STAT_MAX], after[AEGIS_STAT_MAX];
	int reason = -1;
	__u32 v = ~0u;

	h_stats(before);
	cr_assert_eq(run_out(f->b, f->len, &v, out), 0, "test run of a %zu-byte frame failed",
		     f->len);
	h_stats(after);
	for (int i = 0; i < AEGIS_STAT_MAX; i++) {
		__u64 dp = after[i].packets - before[i].packets;
		__u64 db = after[i].bytes - before[i].bytes;

		if (!dp && !db)
			continue;
		cr_assert_eq(reason, -1, "packet counted twice: %s and %s",
			     h_stat_name(reason), h_stat_name(i));
		cr_assert_eq(dp, 1, "%s counted %llu packets", h_stat_name(i),
			     (unsigned long long)dp);
		cr_assert_eq(db, f->len, "%s counted %llu bytes for a %zu-byte frame",
			     h_stat_name(i), (unsigned long long)db, f->len);
		reason = i;
	}
	cr_assert_neq(reason, -1, "packet not counted");
	cr_assert_eq(v, reason == AEGIS_STAT_TX_COOKIE ? XDP_TX :
			reason < AEGIS_STAT_FIRST_DROP ? XDP_PASS : XDP_DROP,
		     "verdict %u does not match reason %s", v, h_stat_name(reason));
	if (verdict)
		*verdict = v;
	return reason;
}

void h_expect_frame_at(const char *file, int line, const struct frame *f,
		       __u32 verdict, int reason)
{
	__u32 v;
	int got = h_run(f, &v);

	cr_assert_eq(v, verdict, "%s:%d: verdict %s, expected %s", file, line,
		     v == XDP_PASS ? "PASS" : "DROP", verdict == XDP_PASS ? "PASS" : "DROP");
	cr_assert_eq(got, reason, "%s:%d: counted as %s, expected %s", file, line,
		     h_stat_name(got), h_stat_name(reason));
}

void h_expect_at(const char *file, int line, __u32 verdict, int reason,
		 const struct pkt_spec *s)
{
	struct frame f;

	pkt_build(&f, s);
	h_expect_frame_at(file, line, &f, verdict, reason);
}

int h_send(const struct pkt_spec *s)
{
	struct frame f;

	pkt_build(&f, s);
	return h_run(&f, NULL);
}

void h_settings_get(struct aegis_settings *s)
{
	__u32 zero = 0;

	cr_assert_eq(bpf_map_lookup_elem(MAPFD(aegis_settings), &zero, s), 0);
}

void h_settings_set(const struct aegis_settings *s)
{
	__u32 zero = 0;

	cr_assert_eq(bpf_map_update_elem(MAPFD(aegis_settings), &zero, s, BPF_ANY), 0);
}

void h_flags(__u32 flags)
{
	struct aegis_settings s;

	h_settings_get(&s);
	s.flags = flags;
	h_settings_set(&s);
}

void h_limit(struct aegis_limit *l, __u32 rate, __u32 burst)
{
	cr_assert_eq(aegis_limit_init(l, rate, burst), 0, "bad limit %u/%u", rate, burst);
}

void h_policy_set(__u32 id, struct aegis_policy *p)
{
	cr_assert(id > 0 && id < AEGIS_MAX_POLICIES);
	p->active = 1;
	cr_assert_eq(bpf_map_update_elem(MAPFD(aegis_policies), &id, p, BPF_ANY), 0);
}

void h_port_set(enum aegis_port_slot slot, __u16 lo, __u16 hi, __u32 id)
{
	for (__u32 port = lo; port <= hi; port++) {
		__u32 key = aegis_port_key(slot, (__u16)port);

		cr_assert_eq(bpf_map_update_elem(MAPFD(aegis_ports), &key, &id, BPF_ANY), 0);
	}
}

struct aegis_policy_state h_pol_state(__u32 id)
{
	struct aegis_policy_state st;

	cr_assert_eq(bpf_map_lookup_elem(MAPFD(aegis_pol_state), &id, &st), 0);
	return st;
}

struct aegis_addr h_addr(const char *s)
{
	struct aegis_addr a;

	cr_assert_eq(addr_parse(s, &a), 0, "bad address %s", s);
	return a;
}

void h_list_add(struct bpf_map *map, const char *cidr)
{
	struct aegis_list_entry e = { .added_ns = h_now() };
	struct aegis_lpm_key k;

	cr_assert_eq(addr_parse_cidr(cidr, &k, false), 0, "bad cidr %s", cidr);
	strcpy(e.note, "test");
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(map), &k, &e, BPF_ANY), 0);
}

void h_ban_set(const char *addr, __u64 expires_ns)
{
	struct aegis_ban b = {
		.expires_ns = expires_ns,
		.created_ns = h_now(),
		.origin = AEGIS_BAN_OPERATOR,
	};
	struct aegis_addr a = h_addr(addr);

	strcpy(b.note, "test");
	cr_assert_eq(bpf_map_update_elem(MAPFD(aegis_bans), &a, &b, BPF_ANY), 0,
		     "ban %s: %s", addr, strerror(errno));
}

bool h_ban_get(const char *addr, struct aegis_ban *out)
{
	struct aegis_addr a = h_addr(addr);
	struct aegis_ban b;

	if (bpf_map_lookup_elem(MAPFD(aegis_bans), &a, out ? out : &b))
		return false;
	return true;
}

bool h_flow_get(const struct pkt_spec *s, struct aegis_flow *out)
{
	struct aegis_flow_key k = {
		.saddr = h_addr(s->src),
		.sport = htons(s->sport ? s->sport : 40000),
		.dport = htons(s->dport ? s->dport : 80),
		.proto = s->proto ? s->proto : IPPROTO_TCP,
	};
	struct aegis_flow f;

	k.daddr = h_addr(s->dst ? s->dst : addr_is_v4(&k.saddr) ? FAM4.dst : FAM6.dst);
	return bpf_map_lookup_elem(MAPFD(aegis_flows), &k, out ? out : &f) == 0;
}

__s64 h_conns(const char *src, __u32 policy)
{
	struct aegis_src_key k = { .addr = h_addr(src), .policy = policy };
	struct aegis_conn_count c;

	if (bpf_map_lookup_elem(MAPFD(aegis_conns), &k, &c))
		return -1;
	return c.conns;
}

long h_count(struct bpf_map *map)
{
	__u8 key[64], next[64];
	void *prev = NULL;
	long n = 0;
	int fd = bpf_map__fd(map);

	cr_assert_leq(bpf_map__key_size(map), sizeof(key));
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

struct ev_sink {
	struct aegis_event *out;
	int max, n;
};

static int ev_cb(void *ctx, void *data, size_t size)
{
	struct ev_sink *sink = ctx;

	cr_assert_eq(size, sizeof(struct aegis_event), "event of %zu bytes", size);
	if (sink->n < sink->max)
		memcpy(&sink->out[sink->n], data, sizeof(struct aegis_event));
	sink->n++;
	return 0;
}

int h_events(struct aegis_event *out, int max)
{
	static struct ev_sink sink;

	if (!rb) {
		rb = ring_buffer__new(MAPFD(aegis_events), ev_cb, &sink, NULL);
		cr_assert_not_null(rb, "ring_buffer__new: %s", strerror(errno));
	}
	sink = (struct ev_sink){ .out = out, .max = max };
	cr_assert_geq(ring_buffer__consume(rb), 0);
	return sink.n;
}

__u64 h_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

void h_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
