// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_xdp: per-packet cost of the Aegis XDP program next to two
 * reference points, measured with BPF_PROG_TEST_RUN (no NIC, no driver:
 * only the program and the map operations it does).
 *
 *   empty        r0 = XDP_PASS; exit            (the floor: test-run loop cost)
 *   xdp-filter   xdp-tools' xdpfilt_dny_all.o   (a packet that matches nothing;
 *                the "dny" objects are xdp-filter's --policy deny: a packet
 *                no rule matches is DROPPED after every lookup was done)
 *   xdp-filter   xdpfilt_alw_all.o (--policy allow): the same lookups,
 *                the no-match packet PASSES; shown for the pass comparison
 *   aegis ...    the Aegis program with every filter configured
 *
 * Each case runs the same 64-byte frame (72 for IPv6) `repeat` times per
 * run; the kernel reports the mean ns per repetition of a run
 * (opts.duration, integer ns); the table shows the median of the runs.
 * After each Aegis case the per-CPU aegis_stats counters are checked: every
 * packet must have been counted under the intended reason, else a WARNING.
 *
 * A benchmark, not a test: it exits 0 whatever the timings are; it exits 1
 * only when something could not be loaded or run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "aegis/maps.h"
#include "aegis.skel.h"

/* The skeleton is named by the Makefile's `bpftool gen skeleton ... name`:
 * accept "aegis" and "aegis_bpf" (its maps and program are the same). */
#ifdef __AEGIS_BPF_SKEL_H__
typedef struct aegis_bpf aegis_skel;
#define skel_open_and_load aegis_bpf__open_and_load
#define skel_destroy aegis_bpf__destroy
#else
typedef struct aegis aegis_skel;
#define skel_open_and_load aegis__open_and_load
#define skel_destroy aegis__destroy
#endif

#define DEF_XDPFILTER	"/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_dny_all.o"
#define DEF_XDPFILTER_ALW "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o"
#define DEF_REPEAT	1000000
#define DEF_RUNS	7
#define MIN_RUNS	5
#define MAX_RUNS	101

/* Lab addresses (198.18.0.0/15, 2001:db8::/32) and ports of the scenario. */
#define IP_SERVER	"198.18.0.2"
#define IP_CLIENT	"198.18.0.1"	/* passes; rate-limited on PORT_RATE */
#define IP_BANNED	"198.18.0.66"
#define IP_DENIED	"198.18.7.7"	/* inside deny 198.18.7.0/24 */
#define IP6_SERVER	"2001:db8::2"
#define IP6_CLIENT	"2001:db8::1"
#define SPORT		40000
#define PORT_FULL	9000		/* policy 1: every limit, flow tracked */
#define PORT_RATE	9001		/* policy 2: 1 packet/s per source */
#define POL_FULL	1
#define POL_RATE	2
#define UDP_PAYLOAD	22		/* 14 + 20 + 8 + 22 = 64-byte frame */
#define TCP_PAYLOAD	10		/* 14 + 20 + 20 + 10 = 64-byte frame */

static const char *stat_names[] = {
#define X(s, n, d) n,
	AEGIS_STAT_LIST(X)
#undef X
};

static const char *err_names[] = {
#define X(s, n, d) n,
	AEGIS_ERR_LIST(X)
#undef X
};

static int warnings;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench_xdp: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("WARNING: ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	warnings++;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || level == LIBBPF_INFO)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* ---- packets ---------------------------------------------------------- */

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void put_eth(uint8_t *buf, uint16_t proto)
{
	static const uint8_t dst[ETH_ALEN] = { 0x02, 0xae, 0, 0, 0, 0x02 };
	static const uint8_t src[ETH_ALEN] = { 0x02, 0xae, 0, 0, 0, 0x01 };
	struct ethhdr *eth = (struct ethhdr *)buf;

	memcpy(eth->h_dest, dst, ETH_ALEN);
	memcpy(eth->h_source, src, ETH_ALEN);
	eth->h_proto = htons(proto);
}

/* L4 header + payload at l4 (l4len bytes), checksum over the pseudo-header. */
static uint16_t l4_csum(const void *saddr, const void *daddr, size_t alen, uint8_t proto,
			const void *l4, size_t l4len)
{
	uint32_t sum = 0;

	sum = csum_add(sum, saddr, alen);
	sum = csum_add(sum, daddr, alen);
	sum += proto;
	sum += (uint32_t)l4len;
	sum = csum_add(sum, l4, l4len);
	return csum_fold(sum);
}

/* Fills the L4 header and payload at l4; returns its length. */
static size_t put_l4(uint8_t *l4, uint8_t proto, uint16_t sport, uint16_t dport,
		     uint8_t tcp_flags)
{
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = (struct udphdr *)l4;

		udp->source = htons(sport);
		udp->dest = htons(dport);
		udp->len = htons(sizeof(*udp) + UDP_PAYLOAD);
		udp->check = 0;
		memset(udp + 1, 'a', UDP_PAYLOAD);
		return sizeof(*udp) + UDP_PAYLOAD;
	} else {
		struct tcphdr *tcp = (struct tcphdr *)l4;

		memset(tcp, 0, sizeof(*tcp));
		tcp->source = htons(sport);
		tcp->dest = htons(dport);
		tcp->seq = htonl(1000);
		tcp->ack_seq = htonl(tcp_flags & 0x10 ? 2000 : 0);
		tcp->doff = sizeof(*tcp) / 4;
		l4[13] = tcp_flags;
		tcp->window = htons(65535);
		memset(tcp + 1, 'a', TCP_PAYLOAD);
		return sizeof(*tcp) + TCP_PAYLOAD;
	}
}

static void set_l4_csum(uint8_t *l4, uint8_t proto, uint16_t csum)
{
	if (proto == IPPROTO_UDP)
		((struct udphdr *)l4)->check = csum ? csum : 0xffff;
	else
		((struct tcphdr *)l4)->check = csum;
}

/* Ethernet/IPv4/{UDP,TCP}; returns the frame length. */
static size_t build_v4(uint8_t *buf, const char *src, const char *dst, uint8_t proto,
		       uint16_t sport, uint16_t dport, uint8_t tcp_flags)
{
	struct iphdr *ip = (struct iphdr *)(buf + ETH_HLEN);
	uint8_t *l4 = (uint8_t *)(ip + 1);
	size_t l4len;

	put_eth(buf, ETH_P_IP);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = proto;
	ip->id = htons(1);
	if (inet_pton(AF_INET, src, &ip->saddr) != 1 || inet_pton(AF_INET, dst, &ip->daddr) != 1)
		die("bad address %s / %s", src, dst);
	l4len = put_l4(l4, proto, sport, dport, tcp_flags);
	ip->tot_len = htons(sizeof(*ip) + l4len);
	ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));
	set_l4_csum(l4, proto, l4_csum(&ip->saddr, &ip->daddr, 4, proto, l4, l4len));
	return ETH_HLEN + sizeof(*ip) + l4len;
}

/* Ethernet/IPv6/UDP; returns the frame length. */
static size_t build_v6(uint8_t *buf, const char *src, const char *dst, uint16_t sport,
		       uint16_t dport)
{
	struct ipv6hdr *ip6 = (struct ipv6hdr *)(buf + ETH_HLEN);
	uint8_t *l4 = (uint8_t *)(ip6 + 1);
	size_t l4len;

	put_eth(buf, ETH_P_IPV6);
	memset(ip6, 0, sizeof(*ip6));
	ip6->version = 6;
	ip6->hop_limit = 64;
	ip6->nexthdr = IPPROTO_UDP;
	if (inet_pton(AF_INET6, src, &ip6->saddr) != 1 ||
	    inet_pton(AF_INET6, dst, &ip6->daddr) != 1)
		die("bad address %s / %s", src, dst);
	l4len = put_l4(l4, IPPROTO_UDP, sport, dport, 0);
	ip6->payload_len = htons(l4len);
	set_l4_csum(l4, IPPROTO_UDP, l4_csum(&ip6->saddr, &ip6->daddr, 16, IPPROTO_UDP, l4, l4len));
	return ETH_HLEN + sizeof(*ip6) + l4len;
}

/* ---- addresses in the maps' form -------------------------------------- */

static struct aegis_addr addr_of(const char *s)
{
	struct aegis_addr a = { { 0 } };
	struct in_addr v4;

	if (inet_pton(AF_INET, s, &v4) == 1) {
		a.w[2] = htonl(0x0000ffff);
		a.w[3] = v4.s_addr;
	} else if (inet_pton(AF_INET6, s, &a) != 1) {
		die("bad address %s", s);
	}
	return a;
}

/* "198.18.7.0/24" or "2001:db8:7::/48" -> LPM key (IPv4 prefix 96 + n). */
static struct aegis_lpm_key cidr_of(const char *s)
{
	struct aegis_lpm_key k;
	char buf[64], *slash;
	unsigned int len;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash)
		die("bad cidr %s", s);
	*slash = 0;
	len = (unsigned int)atoi(slash + 1);
	k.addr = addr_of(buf);
	k.prefixlen = strchr(buf, ':') ? len : 96 + len;
	return k;
}

/* ---- Aegis configuration ---------------------------------------------- */

static void map_put(struct bpf_map *map, const void *key, const void *val)
{
	if (bpf_map_update_elem(bpf_map__fd(map), key, val, BPF_ANY))
		die("update %s: %s", bpf_map__name(map), strerror(errno));
}

static void limit(struct aegis_limit *l, uint32_t rate, uint32_t burst)
{
	if (aegis_limit_init(l, rate, burst))
		die("limit %u/%u out of range", rate, burst);
}

static void aegis_configure(aegis_skel *skel)
{
	static const uint16_t refl[] = { AEGIS_REFLECTION_PORTS };
	static const char *allow[] = { "198.18.200.0/24", "198.18.201.5/32", "2001:db8:200::/48" };
	static const char *deny[] = { "198.18.7.0/24", "198.19.0.0/16", "2001:db8:7::/48",
				      "2001:db8:8::1/128" };
	static const char *bans[] = { IP_BANNED, "198.18.0.67", "198.18.0.68", "198.18.9.1",
				      "2001:db8::66", "2001:db8::67" };
	struct aegis_settings s;
	struct aegis_policy pol;
	struct aegis_list_entry le = { 0 };
	struct aegis_ban ban = { 0 };
	uint32_t zero = 0, key, id;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.flags = AEGIS_F_DROP_MALFORMED | AEGIS_F_DROP_FRAGMENTS | AEGIS_F_TCP_FLAGS |
		  AEGIS_F_REFLECTION;
	s.ttl_min = 2;
	s.ttl_max = 255;
	s.pkt_len_min = 28;
	s.pkt_len_max = 1500;
	s.udp_payload_min = 1;
	s.udp_payload_max = 1472;
	limit(&s.events, AEGIS_DEF_EVENT_RATE, AEGIS_DEF_EVENT_BURST);
	for (i = 0; i < sizeof(refl) / sizeof(refl[0]); i++)
		s.refl_ports[refl[i] / 64] |= 1ull << (refl[i] % 64);
	map_put(skel->maps.aegis_settings, &zero, &s);

	snprintf(le.note, sizeof(le.note), "bench");
	for (i = 0; i < sizeof(allow) / sizeof(allow[0]); i++) {
		struct aegis_lpm_key k = cidr_of(allow[i]);

		map_put(skel->maps.aegis_allow, &k, &le);
	}
	for (i = 0; i < sizeof(deny) / sizeof(deny[0]); i++) {
		struct aegis_lpm_key k = cidr_of(deny[i]);

		map_put(skel->maps.aegis_deny, &k, &le);
	}
	ban.origin = AEGIS_BAN_OPERATOR;	/* expires_ns 0: permanent */
	snprintf(ban.note, sizeof(ban.note), "bench");
	for (i = 0; i < sizeof(bans) / sizeof(bans[0]); i++) {
		struct aegis_addr a = addr_of(bans[i]);

		map_put(skel->maps.aegis_bans, &a, &ban);
	}

	/* Policy 1: every per-source and global limit, far above what one
	 * source sends (1e9 packets/s, 4e9 bytes/s: nonzero costs, so the
	 * GCRA arithmetic and compare-and-swap run for real), caps high. */
	memset(&pol, 0, sizeof(pol));
	limit(&pol.src[AEGIS_LIM_PPS], 1000000000u, 100000000u);
	limit(&pol.src[AEGIS_LIM_SYN], 1000000000u, 100000000u);
	limit(&pol.src[AEGIS_LIM_CONN], 1000000000u, 100000000u);
	limit(&pol.src[AEGIS_LIM_RST], 1000000000u, 100000000u);
	limit(&pol.src[AEGIS_LIM_UDP_PPS], 1000000000u, 100000000u);
	limit(&pol.src[AEGIS_LIM_UDP_BPS], AEGIS_MAX_RATE, AEGIS_MAX_BURST);
	limit(&pol.global_syn, 1000000000u, 100000000u);
	limit(&pol.global_conn, 1000000000u, 100000000u);
	pol.max_conn_per_src = 1000000;
	pol.max_conn_total = 10000000;
	pol.strike_limit = 1000;	/* on, but never reached: nothing violates */
	pol.strike_window_ms = 1000;
	pol.ban_ttl_s = 60;
	pol.port_lo = pol.port_hi = PORT_FULL;
	pol.proto = IPPROTO_UDP;
	pol.active = 1;
	id = POL_FULL;
	map_put(skel->maps.aegis_policies, &id, &pol);
	key = aegis_port_key(AEGIS_SLOT_UDP, PORT_FULL);
	map_put(skel->maps.aegis_ports, &key, &id);
	key = aegis_port_key(AEGIS_SLOT_TCP, PORT_FULL);
	map_put(skel->maps.aegis_ports, &key, &id);

	/* Policy 2: 1 packet/s per source, burst 1, no strikes. */
	memset(&pol, 0, sizeof(pol));
	limit(&pol.src[AEGIS_LIM_PPS], 1, 1);
	pol.port_lo = pol.port_hi = PORT_RATE;
	pol.proto = IPPROTO_UDP;
	pol.active = 1;
	id = POL_RATE;
	map_put(skel->maps.aegis_policies, &id, &pol);
	key = aegis_port_key(AEGIS_SLOT_UDP, PORT_RATE);
	map_put(skel->maps.aegis_ports, &key, &id);
}

struct snapshot {
	uint64_t stat[AEGIS_STAT_MAX];
	uint64_t err[AEGIS_ERR_MAX];
};

static void snapshot(aegis_skel *skel, struct snapshot *snap)
{
	int ncpus = libbpf_num_possible_cpus();
	struct aegis_counter *c = calloc(ncpus, sizeof(*c));
	uint64_t *e = calloc(ncpus, sizeof(*e));
	uint32_t i;
	int cpu;

	if (!c || !e)
		die("out of memory");
	memset(snap, 0, sizeof(*snap));
	for (i = 0; i < AEGIS_STAT_MAX; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.aegis_stats), &i, c))
			die("read aegis_stats: %s", strerror(errno));
		for (cpu = 0; cpu < ncpus; cpu++)
			snap->stat[i] += c[cpu].packets;
	}
	for (i = 0; i < AEGIS_ERR_MAX; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.aegis_errors), &i, e))
			die("read aegis_errors: %s", strerror(errno));
		for (cpu = 0; cpu < ncpus; cpu++)
			snap->err[i] += e[cpu];
	}
	free(c);
	free(e);
}

/* ---- the reference programs ------------------------------------------- */

static int load_empty(void)
{
	/* r0 = XDP_PASS; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_empty", "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd < 0)
		die("load empty XDP program: %s", strerror(-fd));
	return fd;
}

static int load_xdpfilter(const char *path, struct bpf_object **objp)
{
	struct bpf_program *prog, *found = NULL;
	struct bpf_object *obj;
	struct bpf_map *map;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		die("open %s: %s", path, strerror(errno));
	/* Its maps ask to be pinned by name; nothing here may touch bpffs. */
	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
	bpf_object__for_each_program(prog, obj) {
		if (bpf_program__type(prog) == BPF_PROG_TYPE_XDP) {
			found = prog;
			break;
		}
	}
	if (!found)
		die("%s: no XDP program", path);
	err = bpf_object__load(obj);
	if (err)
		die("load %s: %s", path, strerror(-err));
	*objp = obj;
	return bpf_program__fd(found);
}

/* ---- measurement ------------------------------------------------------ */

/*
 * One benchmark case. Runs are interleaved (run 1 of every case, then
 * run 2 of every case, ...) so a burst of noise on the machine spreads
 * over all cases instead of shifting one of them.
 */
struct bcase {
	const char *name;
	int prog_fd;
	const uint8_t *warm;	/* sent once before timing (e.g. the SYN of a flow) */
	size_t warm_len;
	const uint8_t *pkt;
	size_t len;
	uint32_t verdict;	/* expected XDP verdict */
	int reason;		/* expected aegis_stats reason; -1: not Aegis */
	/* flow the case must keep alive (Aegis pass cases) */
	const char *flow_src, *flow_dst;
	uint8_t flow_proto;
	/* results */
	uint32_t ns[MAX_RUNS];
	double wall[MAX_RUNS];
	uint32_t median, min, max;
	double wall_median;
	uint64_t run_secs;	/* whole seconds spent, for the rate case's slack */
	struct snapshot delta;	/* counters moved during this case's runs */
	uint32_t bad_verdicts;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct ring_buffer *events_rb;

static int drop_event(void *ctx, void *data, size_t len)
{
	(void)ctx; (void)data; (void)len;
	return 0;
}

/* One BPF_PROG_TEST_RUN; returns the program's verdict. */
static uint32_t run_once(int prog_fd, const void *pkt, size_t len, int repeat, uint32_t *ns)
{
	uint8_t out[256];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = (uint32_t)len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = repeat,
	);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	if (err)
		die("BPF_PROG_TEST_RUN: %s", strerror(-err));
	if (ns)
		*ns = opts.duration;
	return opts.retval;
}

static void run_case(aegis_skel *skel, struct bcase *c, int i, int repeat)
{
	struct snapshot before, after;
	unsigned int k;
	double t0, t;

	if (c->reason >= 0)
		snapshot(skel, &before);
	t0 = now_s();
	if (run_once(c->prog_fd, c->pkt, c->len, repeat, &c->ns[i]) != c->verdict)
		c->bad_verdicts++;
	t = now_s() - t0;
	c->wall[i] = t * 1e9 / repeat;
	c->run_secs += (uint64_t)t + 1;
	if (c->reason < 0)
		return;
	snapshot(skel, &after);
	for (k = 0; k < AEGIS_STAT_MAX; k++)
		c->delta.stat[k] += after.stat[k] - before.stat[k];
	for (k = 0; k < AEGIS_ERR_MAX; k++)
		c->delta.err[k] += after.err[k] - before.err[k];
	ring_buffer__consume(events_rb);	/* keep the event ring from filling */
}

static void summarize(struct bcase *c, int runs)
{
	qsort(c->ns, runs, sizeof(c->ns[0]), cmp_u32);
	qsort(c->wall, runs, sizeof(c->wall[0]), cmp_double);
	c->min = c->ns[0];
	c->max = c->ns[runs - 1];
	c->median = runs % 2 ? c->ns[runs / 2] : (c->ns[runs / 2 - 1] + c->ns[runs / 2] + 1) / 2;
	c->wall_median = runs % 2 ? c->wall[runs / 2] :
				    (c->wall[runs / 2 - 1] + c->wall[runs / 2]) / 2;
}

/*
 * Every timed packet must be counted under the case's reason, and no error
 * counter may move. The rate case may pass one packet per elapsed second
 * (its token comes back), counted as pass_policy.
 */
static void verify(const struct bcase *c, uint64_t expect)
{
	bool rate = c->reason == AEGIS_STAT_DROP_RATE_PPS;
	uint64_t slack = rate ? c->run_secs : 0, got, d;
	unsigned int i;

	if (c->bad_verdicts)
		warn("%s: %u runs returned a verdict other than %u", c->name, c->bad_verdicts,
		     c->verdict);
	if (c->reason < 0)
		return;
	got = c->delta.stat[c->reason];
	if (got > expect || got + slack < expect)
		warn("%s: %llu of %llu packets counted as '%s'", c->name,
		     (unsigned long long)got, (unsigned long long)expect, stat_names[c->reason]);
	for (i = 0; i < AEGIS_STAT_MAX; i++) {
		d = c->delta.stat[i];
		if ((int)i == c->reason || !d)
			continue;
		if (rate && i == AEGIS_STAT_PASS_POLICY && d <= slack)
			continue;
		warn("%s: %llu packets counted as '%s'", c->name, (unsigned long long)d,
		     stat_names[i]);
	}
	for (i = 0; i < AEGIS_ERR_MAX; i++) {
		d = c->delta.err[i];
		/* Sampled-out drop events are the event limiter working. */
		if (d && i != AEGIS_ERR_EVENT_SAMPLED)
			warn("%s: error counter '%s' moved by %llu", c->name, err_names[i],
			     (unsigned long long)d);
	}
}

static void check_flow(aegis_skel *skel, const struct bcase *c, uint16_t dport,
		       uint64_t min_packets)
{
	struct aegis_flow_key k;
	struct aegis_flow f;

	memset(&k, 0, sizeof(k));
	k.saddr = addr_of(c->flow_src);
	k.daddr = addr_of(c->flow_dst);
	k.sport = htons(SPORT);
	k.dport = htons(dport);
	k.proto = c->flow_proto;
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.aegis_flows), &k, &f)) {
		warn("%s: its flow is not in aegis_flows", c->name);
		return;
	}
	if (f.packets < min_packets)
		warn("%s: the flow saw %llu packets, expected at least %llu", c->name,
		     (unsigned long long)f.packets, (unsigned long long)min_packets);
	if (f.state != AEGIS_FLOW_EST)
		warn("%s: flow state %u, expected established", c->name, f.state);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_xdp [-r REPEAT] [-n RUNS] [-f DNY_OBJ] [-a ALW_OBJ]\n"
		"  -r REPEAT  repetitions per BPF_PROG_TEST_RUN (default %d, at least 1000000)\n"
		"  -n RUNS    runs per case, the median is shown (default %d, %d..%d)\n"
		"  -f PATH    xdp-filter policy-deny object, the ratio base (default %s)\n"
		"  -a PATH    xdp-filter policy-allow object (default %s)\n",
		DEF_REPEAT, DEF_RUNS, MIN_RUNS, MAX_RUNS, DEF_XDPFILTER, DEF_XDPFILTER_ALW);
}

enum { C_EMPTY, C_FILT, C_ALW, C_PASS4, C_ACK4, C_PASS6, C_BAN, C_DENY, C_RATE, C_MAX };

int main(int argc, char **argv)
{
	const char *filter_path = DEF_XDPFILTER, *alw_path = DEF_XDPFILTER_ALW;
	int repeat = DEF_REPEAT, runs = DEF_RUNS, opt, i, j;
	uint8_t udp4[128], ack4[128], syn4[128], ban4[128], deny4[128], rate4[128], udp6[128];
	size_t udp4_len, ack4_len, syn4_len, ban4_len, deny4_len, rate4_len, udp6_len;
	struct bpf_object *filt_obj = NULL, *alw_obj = NULL;
	struct bcase cases[C_MAX];
	aegis_skel *skel;
	int empty_fd, filt_fd, alw_fd, aegis_fd;

	while ((opt = getopt(argc, argv, "r:n:f:a:h")) != -1) {
		switch (opt) {
		case 'r': repeat = atoi(optarg); break;
		case 'n': runs = atoi(optarg); break;
		case 'f': filter_path = optarg; break;
		case 'a': alw_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || repeat < 1000000 || runs < MIN_RUNS || runs > MAX_RUNS) {
		usage(stderr);
		return 2;
	}
	libbpf_set_print(libbpf_quiet);
	setvbuf(stdout, NULL, _IOLBF, 0);

	udp4_len = build_v4(udp4, IP_CLIENT, IP_SERVER, IPPROTO_UDP, SPORT, PORT_FULL, 0);
	syn4_len = build_v4(syn4, IP_CLIENT, IP_SERVER, IPPROTO_TCP, SPORT, PORT_FULL, 0x02);
	ack4_len = build_v4(ack4, IP_CLIENT, IP_SERVER, IPPROTO_TCP, SPORT, PORT_FULL, 0x10);
	ban4_len = build_v4(ban4, IP_BANNED, IP_SERVER, IPPROTO_UDP, SPORT, PORT_FULL, 0);
	deny4_len = build_v4(deny4, IP_DENIED, IP_SERVER, IPPROTO_UDP, SPORT, PORT_FULL, 0);
	rate4_len = build_v4(rate4, IP_CLIENT, IP_SERVER, IPPROTO_UDP, SPORT, PORT_RATE, 0);
	udp6_len = build_v6(udp6, IP6_CLIENT, IP6_SERVER, SPORT, PORT_FULL);

	empty_fd = load_empty();
	filt_fd = load_xdpfilter(filter_path, &filt_obj);
	alw_fd = load_xdpfilter(alw_path, &alw_obj);
	skel = skel_open_and_load();
	if (!skel)
		die("load the Aegis program: %s", strerror(errno));
	aegis_configure(skel);
	aegis_fd = bpf_program__fd(skel->progs.aegis_xdp);
	events_rb = ring_buffer__new(bpf_map__fd(skel->maps.aegis_events), drop_event, NULL, NULL);
	if (!events_rb)
		die("event ring: %s", strerror(errno));

	memset(cases, 0, sizeof(cases));
#define CASE(idx, nm, fd, p, l, v, r) do {				\
		cases[idx].name = nm; cases[idx].prog_fd = fd;		\
		cases[idx].pkt = p; cases[idx].len = l;			\
		cases[idx].verdict = v; cases[idx].reason = r;		\
	} while (0)
	CASE(C_EMPTY, "empty XDP_PASS (2 insns)", empty_fd, udp4, udp4_len, XDP_PASS, -1);
	/* Policy deny: a packet no rule matches is dropped, after every lookup. */
	CASE(C_FILT, "xdp-filter dny_all, no match (drop)", filt_fd, udp4, udp4_len, XDP_DROP, -1);
	CASE(C_ALW, "xdp-filter alw_all, no match (pass)", alw_fd, udp4, udp4_len, XDP_PASS, -1);
	CASE(C_PASS4, "aegis pass: UDP, all filters, flow", aegis_fd, udp4, udp4_len, XDP_PASS,
	     AEGIS_STAT_PASS_POLICY);
	CASE(C_ACK4, "aegis pass: TCP ACK, all filters, flow", aegis_fd, ack4, ack4_len,
	     XDP_PASS, AEGIS_STAT_PASS_POLICY);
	CASE(C_PASS6, "aegis pass: IPv6 UDP, all filters, flow", aegis_fd, udp6, udp6_len,
	     XDP_PASS, AEGIS_STAT_PASS_POLICY);
	CASE(C_BAN, "aegis drop: ban (permanent)", aegis_fd, ban4, ban4_len, XDP_DROP,
	     AEGIS_STAT_DROP_BAN);
	CASE(C_DENY, "aegis drop: deny-list", aegis_fd, deny4, deny4_len, XDP_DROP,
	     AEGIS_STAT_DROP_DENY);
	CASE(C_RATE, "aegis drop: rate limit (pps 1/s)", aegis_fd, rate4, rate4_len, XDP_DROP,
	     AEGIS_STAT_DROP_RATE_PPS);
#undef CASE
	cases[C_ACK4].warm = syn4;	/* the SYN opens the flow the ACKs belong to */
	cases[C_ACK4].warm_len = syn4_len;
	cases[C_PASS4].flow_src = cases[C_ACK4].flow_src = IP_CLIENT;
	cases[C_PASS4].flow_dst = cases[C_ACK4].flow_dst = IP_SERVER;
	cases[C_PASS6].flow_src = IP6_CLIENT;
	cases[C_PASS6].flow_dst = IP6_SERVER;
	cases[C_PASS4].flow_proto = cases[C_PASS6].flow_proto = IPPROTO_UDP;
	cases[C_ACK4].flow_proto = IPPROTO_TCP;

	printf("bench_xdp: BPF_PROG_TEST_RUN, %zu-byte frames (IPv6: %zu), repeat %d, "
	       "median of %d interleaved runs\n", udp4_len, udp6_len, repeat, runs);

	/* Warm-up, untimed: JIT'd code and maps in cache; the Aegis flows are
	 * opened here (first UDP datagram; SYN then ACK), and the rate case's
	 * one token is spent, so the timed runs see only the steady state. */
	for (j = 0; j < C_MAX; j++) {
		if (cases[j].warm)
			run_once(cases[j].prog_fd, cases[j].warm, cases[j].warm_len, 1, NULL);
		run_once(cases[j].prog_fd, cases[j].pkt, cases[j].len, 1, NULL);
		if (cases[j].reason < 0)
			run_once(cases[j].prog_fd, cases[j].pkt, cases[j].len, 10000, NULL);
	}
	ring_buffer__consume(events_rb);

	for (i = 0; i < runs; i++)
		for (j = 0; j < C_MAX; j++)
			run_case(skel, &cases[j], i, repeat);

	for (j = 0; j < C_MAX; j++) {
		summarize(&cases[j], runs);
		verify(&cases[j], (uint64_t)repeat * runs);
		if (cases[j].flow_src)
			check_flow(skel, &cases[j], PORT_FULL, (uint64_t)repeat * runs);
	}

	printf("\n  %-40s %7s %11s %8s %9s %12s\n", "case", "ns/pkt", "min..max", "wall ns",
	       "x empty", "x xdp-filter");
	for (j = 0; j < C_MAX; j++) {
		const struct bcase *c = &cases[j];
		char spread[32];

		snprintf(spread, sizeof(spread), "%u..%u", c->min, c->max);
		printf("  %-40s %7u %11s %8.1f %9.2f %12.2f\n", c->name, c->median, spread,
		       c->wall_median,
		       cases[C_EMPTY].median ? (double)c->median / cases[C_EMPTY].median : 0.0,
		       cases[C_FILT].median ? (double)c->median / cases[C_FILT].median : 0.0);
	}
	printf("\n  ns/pkt: the kernel's mean per repetition (opts.duration, whole ns), median\n"
	       "  of the runs; min..max: spread of the runs; wall ns: the syscall's wall-clock\n"
	       "  time / repeat (median; sub-ns resolution, includes any preemption).\n"
	       "  Ratios use ns/pkt. Verdicts and aegis_stats counters: %s.\n",
	       warnings ? "SEE WARNINGS ABOVE" : "all as intended");

	ring_buffer__free(events_rb);
	skel_destroy(skel);
	bpf_object__close(filt_obj);
	bpf_object__close(alw_obj);
	close(empty_fd);
	return 0;
}
