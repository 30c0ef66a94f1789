// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * flood: how many packets per second an XDP receiver drops on a veth,
 * fed by the kernel's own packet generator (BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES).
 *
 * Generator: a 2-instruction program (r0 = XDP_TX; exit) run in live-frame
 * mode with ctx->ingress_ifindex = the generator veth. The kernel turns
 * XDP_TX into a transmit out of that veth, i.e. into its peer (the
 * receiver veth, in another namespace), where the receiver's XDP program
 * runs in native (driver) mode. A veth only accepts such frames while its
 * peer has an XDP program, which the receiver always has here.
 *
 * Receivers, one after the other on the same veth, runs interleaved:
 *   drop        r0 = XDP_DROP; exit                  (the baseline)
 *   aegis-rate  Aegis, the source over its policy's 1 packet/s limit
 *   aegis-ban   Aegis, the source banned (permanent)
 * and under a spoofing generator (a random IPv4 source in 198.18.0.0/15
 * per packet, checksums kept valid; see load_spoof_tx):
 *   drop        the baseline again, for this generator
 *   spoof-udp   Aegis, UDP at a policy port: each packet finds or writes its
 *               source's state, then drops on a per-source byte limit
 *   spoof-syn   Aegis, TCP SYN at a policy port over its global 1 SYN/s
 * After the runs it reports what aegis_sources did: fill, refusals when
 * full (src_table_full), evictions (none: no LRU) and sweeps.
 *
 * What is counted, per run (time = wall clock around the generator's
 * BPF_PROG_TEST_RUN calls):
 *   drop        the receiver veth's rx_packets (/proc/net/dev of the
 *               receiver namespace): veth counts every frame its XDP program
 *               ran on, and this program drops all of them.
 *   aegis-*     the sum over reasons of aegis_stats packets (every packet
 *               the program judged); the intended drop reason is checked.
 *               The veth counter is shown beside it as a cross-check.
 * Both the generator and the receiver's NAPI poll run on the CPU that runs
 * the test run (the veth's NAPI is scheduled from the transmit and polled
 * when the generator re-enables softirqs), so Mpps is what one CPU does
 * generating *and* dropping; the generator's share is the same for every
 * receiver, which is why the ratio to the drop-only baseline is the figure
 * to read.
 *
 * Usage (from inside the generator namespace):
 *   ip netns exec GEN_NS flood -i GEN_IF -N RX_NS -I RX_IF [-c COUNT] [-t SECONDS]
 *                              [-b BATCH] [-n RUNS]
 * RX_NS is a named namespace (/run/netns/RX_NS); the receiver programs are
 * attached from inside it with bpf_xdp_attach(XDP_FLAGS_DRV_MODE) and
 * detached on exit. Nothing is pinned. A benchmark, not a test: exit 0
 * whatever the rates; 1 when something could not be set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
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

#define DEF_COUNT	20000000ull
#define MAX_COUNT	20000000ull
#define DEF_SECONDS	5.0
#define MAX_SECONDS	5.0
#define DEF_BATCH	64
#define MAX_BATCH	256		/* the kernel's limit for live frames */
#define DEF_RUNS	5
#define MAX_RUNS	15
#define CHUNK		1000000u	/* packets per BPF_PROG_TEST_RUN call */

/* Lab addresses (198.18.0.0/15 only) and ports. */
#define IP_SERVER	"198.18.0.2"
#define IP_CLIENT	"198.18.0.1"	/* over the limit on PORT_RATE */
#define IP_BANNED	"198.18.0.66"
#define SPORT		40000
#define PORT_RATE	9001
#define POL_RATE	2
#define PORT_SPOOF_UDP	9002		/* policy 3: per-source byte limit below a frame */
#define POL_SPOOF_UDP	3
#define PORT_SPOOF_SYN	9003		/* policy 4: global SYN limit 1/s */
#define POL_SPOOF_SYN	4
#define UDP_PAYLOAD	22		/* 14 + 20 + 8 + 22 = 64-byte frames */

enum mode { M_DROP, M_RATE, M_BAN, M_SPOOF_DROP, M_SPOOF_UDP, M_SPOOF_SYN, M_MAX };

static const char *mode_names[M_MAX] = {
	[M_DROP] = "XDP_DROP only",
	[M_RATE] = "aegis drop: rate limit",
	[M_BAN] = "aegis drop: ban",
	[M_SPOOF_DROP] = "spoofed: XDP_DROP only",
	[M_SPOOF_UDP] = "spoofed UDP: aegis",
	[M_SPOOF_SYN] = "spoofed SYN: aegis",
};

/* What each Aegis receiver must count its packets under (-1: none). */
static const int mode_reason[M_MAX] = {
	[M_DROP] = -1, [M_SPOOF_DROP] = -1,
	[M_RATE] = AEGIS_STAT_DROP_RATE_PPS,
	[M_BAN] = AEGIS_STAT_DROP_BAN,
	[M_SPOOF_UDP] = AEGIS_STAT_DROP_RATE_UDP_BYTES,
	[M_SPOOF_SYN] = AEGIS_STAT_DROP_GLOBAL_SYN,
};

/* The baseline a receiver is compared with (same generator). */
static const enum mode mode_base[M_MAX] = {
	[M_DROP] = M_DROP, [M_RATE] = M_DROP, [M_BAN] = M_DROP,
	[M_SPOOF_DROP] = M_SPOOF_DROP, [M_SPOOF_UDP] = M_SPOOF_DROP, [M_SPOOF_SYN] = M_SPOOF_DROP,
};

static bool mode_spoofed(enum mode m)
{
	return m >= M_SPOOF_DROP;
}

static const char *stat_names[] = {
#define X(s, n, d) n,
	AEGIS_STAT_LIST(X)
#undef X
};

static int warnings;
static int self_ns = -1, rx_ns = -1;
static int rx_ifindex;
static volatile sig_atomic_t stop;

static void detach_rx(void);

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("flood: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	detach_rx();
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

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- namespaces --------------------------------------------------------- */

static void enter_rx(void)
{
	if (setns(rx_ns, CLONE_NEWNET))
		die("setns(receiver): %s", strerror(errno));
}

static void leave_rx(void)
{
	if (setns(self_ns, CLONE_NEWNET))
		die("setns(back): %s", strerror(errno));
}

static int open_netns(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && !strchr(name, '/')) {
		snprintf(path, sizeof(path), "/var/run/netns/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		die("open namespace %s: %s", name, strerror(errno));
	return fd;
}

/* MAC address of an interface of the current namespace. */
static void get_mac(const char *ifname, uint8_t mac[ETH_ALEN])
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR %s: %s", ifname, strerror(errno));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(s);
}

/*
 * rx_packets of an interface from /proc/net/dev. The fd was opened inside
 * the receiver namespace, so it keeps reading that namespace's table.
 */
static uint64_t dev_rx_packets(int fd, const char *ifname)
{
	char buf[16384], *line, *save = NULL;
	size_t len = strlen(ifname);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		die("read /proc/net/dev: %s", n ? strerror(errno) : "empty");
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long bytes, packets;

		while (*line == ' ')
			line++;
		if (strncmp(line, ifname, len) || line[len] != ':')
			continue;
		if (sscanf(line + len + 1, "%llu %llu", &bytes, &packets) != 2)
			break;
		return packets;
	}
	die("%s not in the receiver's /proc/net/dev", ifname);
	return 0;
}

/* ---- programs ----------------------------------------------------------- */

static int load_ret(const char *name, int verdict)
{
	/* r0 = verdict; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = verdict },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, name, "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd < 0)
		die("load %s: %s", name, strerror(-fd));
	return fd;
}

/*
 * The spoofing generator: XDP_TX like load_ret's, after writing a random
 * IPv4 source in 198.18.0.0/15 (131072 addresses) into the frame. The
 * checksums stay valid without being recomputed: the IP ID absorbs the
 * address change in the IP header sum, the L4 source port absorbs it in
 * the TCP/UDP pseudo-header sum (both offsets are the same for TCP and
 * UDP). k_id and k_port are (saddr_hi + saddr_lo + field) mod 0xffff of
 * the built frame.
 */
#define INSN(c, d, sr, o, i) { .code = (c), .dst_reg = (d), .src_reg = (sr), .off = (o), .imm = (i) }
#define R(n) BPF_REG_##n

static int load_spoof_tx(uint32_t k_id, uint32_t k_port)
{
	const struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, R(6), R(1), 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_prandom_u32),
		INSN(BPF_LDX | BPF_MEM | BPF_W, R(2), R(6), 0, 0),	/* data */
		INSN(BPF_LDX | BPF_MEM | BPF_W, R(3), R(6), 4, 0),	/* data_end */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, R(4), R(2), 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, R(4), 0, 0, 14 + 20 + 8),
		INSN(BPF_JMP | BPF_JGT | BPF_X, R(4), R(3), 22, 0),	/* -> r0 = TX */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, R(8), R(0), 0, 0),
		INSN(BPF_ALU64 | BPF_AND | BPF_K, R(8), 0, 0, 0xffff),	/* lo */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, R(9), R(0), 0, 0),
		INSN(BPF_ALU64 | BPF_RSH | BPF_K, R(9), 0, 0, 16),
		INSN(BPF_ALU64 | BPF_AND | BPF_K, R(9), 0, 0, 1),
		INSN(BPF_ALU64 | BPF_OR | BPF_K, R(9), 0, 0, 0xc612),	/* hi: 198.18 | 198.19 */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, R(4), 0, 0, (int)(k_id + 2 * 0xffff)),
		INSN(BPF_ALU64 | BPF_SUB | BPF_X, R(4), R(9), 0, 0),
		INSN(BPF_ALU64 | BPF_SUB | BPF_X, R(4), R(8), 0, 0),
		INSN(BPF_ALU64 | BPF_MOD | BPF_K, R(4), 0, 0, 0xffff),	/* IP ID */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, R(5), 0, 0, (int)(k_port + 2 * 0xffff)),
		INSN(BPF_ALU64 | BPF_SUB | BPF_X, R(5), R(9), 0, 0),
		INSN(BPF_ALU64 | BPF_SUB | BPF_X, R(5), R(8), 0, 0),
		INSN(BPF_ALU64 | BPF_MOD | BPF_K, R(5), 0, 0, 0xffff),	/* source port */
		INSN(BPF_ALU | BPF_END | BPF_TO_BE, R(8), 0, 0, 16),
		INSN(BPF_ALU | BPF_END | BPF_TO_BE, R(9), 0, 0, 16),
		INSN(BPF_ALU | BPF_END | BPF_TO_BE, R(4), 0, 0, 16),
		INSN(BPF_ALU | BPF_END | BPF_TO_BE, R(5), 0, 0, 16),
		INSN(BPF_STX | BPF_MEM | BPF_H, R(2), R(9), 14 + 12, 0),
		INSN(BPF_STX | BPF_MEM | BPF_H, R(2), R(8), 14 + 14, 0),
		INSN(BPF_STX | BPF_MEM | BPF_H, R(2), R(4), 14 + 4, 0),
		INSN(BPF_STX | BPF_MEM | BPF_H, R(2), R(5), 14 + 20, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, R(0), 0, 0, XDP_TX),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "flood_spoof", "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd < 0)
		die("load the spoofing generator: %s", strerror(-fd));
	return fd;
}

static bool rx_attached;

static void attach_rx(int prog_fd)
{
	int err;

	enter_rx();
	err = bpf_xdp_attach(rx_ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	leave_rx();
	if (err)
		die("attach to the receiver veth (native mode): %s", strerror(-err));
	rx_attached = true;
}

static void detach_rx(void)
{
	if (!rx_attached || rx_ns < 0)
		return;
	rx_attached = false;
	if (setns(rx_ns, CLONE_NEWNET) == 0) {
		bpf_xdp_detach(rx_ifindex, XDP_FLAGS_DRV_MODE, NULL);
		if (setns(self_ns, CLONE_NEWNET))
			fprintf(stderr, "flood: setns(back): %s\n", strerror(errno));
	}
}

/* ---- packets ------------------------------------------------------------ */

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

/* A valid Ethernet/IPv4/UDP frame; returns its length. */
static size_t build_udp4(uint8_t *buf, const uint8_t dmac[ETH_ALEN], const uint8_t smac[ETH_ALEN],
			 const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct ethhdr *eth = (struct ethhdr *)buf;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t l4len = sizeof(*udp) + UDP_PAYLOAD;
	uint32_t sum;

	memcpy(eth->h_dest, dmac, ETH_ALEN);
	memcpy(eth->h_source, smac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->id = htons(1);
	ip->tot_len = htons(sizeof(*ip) + l4len);
	if (inet_pton(AF_INET, src, &ip->saddr) != 1 || inet_pton(AF_INET, dst, &ip->daddr) != 1)
		die("bad address %s / %s", src, dst);
	ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));
	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons(l4len);
	udp->check = 0;
	memset(udp + 1, 'a', UDP_PAYLOAD);
	sum = csum_add(0, &ip->saddr, 8) + IPPROTO_UDP + (uint32_t)l4len;
	udp->check = csum_fold(csum_add(sum, udp, l4len));
	if (!udp->check)
		udp->check = 0xffff;
	return sizeof(*eth) + sizeof(*ip) + l4len;
}

/* A valid Ethernet/IPv4/TCP SYN frame with a payload to 64 bytes. */
static size_t build_syn4(uint8_t *buf, const uint8_t dmac[ETH_ALEN], const uint8_t smac[ETH_ALEN],
			 const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	size_t len = build_udp4(buf, dmac, smac, src, dst, sport, dport);
	struct iphdr *ip = (struct iphdr *)(buf + sizeof(struct ethhdr));
	uint8_t *th = (uint8_t *)(ip + 1);
	size_t l4len = len - sizeof(struct ethhdr) - sizeof(*ip);
	uint32_t sum;

	ip->protocol = IPPROTO_TCP;
	ip->check = 0;
	ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));
	memset(th + 4, 0, 16);		/* seq, ack, offset, flags, window, csum, urg */
	th[4] = 0x12; th[7] = 0x34;	/* seq */
	th[12] = 5 << 4;		/* 20-byte header; the rest is payload */
	th[13] = 0x02;			/* SYN */
	th[14] = 0xff; th[15] = 0xff;	/* window */
	sum = csum_add(0, &ip->saddr, 8) + IPPROTO_TCP + (uint32_t)l4len;
	sum = csum_add(sum, th, l4len);
	*(uint16_t *)(th + 16) = csum_fold(sum);
	return len;
}

/* (saddr high + low 16-bit words + the 16-bit word at off) mod 0xffff. */
static uint32_t spoof_k(const uint8_t *frame, size_t off)
{
	const uint8_t *ip = frame + sizeof(struct ethhdr);
	uint32_t v = ((uint32_t)ip[12] << 8 | ip[13]) + ((uint32_t)ip[14] << 8 | ip[15]) +
		     ((uint32_t)frame[off] << 8 | frame[off + 1]);

	return v % 0xffff;
}

/* ---- Aegis -------------------------------------------------------------- */

static struct aegis_addr addr_of(const char *s)
{
	struct aegis_addr a = { { 0 } };
	struct in_addr v4;

	if (inet_pton(AF_INET, s, &v4) != 1)
		die("bad address %s", s);
	a.w[2] = htonl(0x0000ffff);
	a.w[3] = v4.s_addr;
	return a;
}

static void map_put(struct bpf_map *map, const void *key, const void *val)
{
	if (bpf_map_update_elem(bpf_map__fd(map), key, val, BPF_ANY))
		die("update %s: %s", bpf_map__name(map), strerror(errno));
}

/*
 * The receiver's configuration: every sanity filter on (bounds the flood
 * satisfies), a ban for IP_BANNED, and policy 2 on UDP PORT_RATE allowing
 * one packet per second per source, burst 1, strikes off.
 */
static void aegis_configure(aegis_skel *skel)
{
	static const uint16_t refl[] = { AEGIS_REFLECTION_PORTS };
	struct aegis_settings s;
	struct aegis_policy pol;
	struct aegis_ban ban = { 0 };
	struct aegis_addr a;
	uint32_t zero = 0, key, id = POL_RATE;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.flags = AEGIS_F_DROP_MALFORMED | AEGIS_F_DROP_FRAGMENTS | AEGIS_F_TCP_FLAGS |
		  AEGIS_F_REFLECTION;
	s.ttl_min = 2;
	s.pkt_len_min = 28;
	s.pkt_len_max = 1500;
	s.udp_payload_min = 1;
	s.udp_payload_max = 1472;
	if (aegis_limit_init(&s.events, AEGIS_DEF_EVENT_RATE, AEGIS_DEF_EVENT_BURST))
		die("event limit");
	for (i = 0; i < sizeof(refl) / sizeof(refl[0]); i++)
		s.refl_ports[refl[i] / 64] |= 1ull << (refl[i] % 64);
	map_put(skel->maps.aegis_settings, &zero, &s);

	ban.origin = AEGIS_BAN_OPERATOR;	/* expires_ns 0: permanent */
	snprintf(ban.note, sizeof(ban.note), "flood bench");
	a = addr_of(IP_BANNED);
	map_put(skel->maps.aegis_bans, &a, &ban);

	memset(&pol, 0, sizeof(pol));
	if (aegis_limit_init(&pol.src[AEGIS_LIM_PPS], 1, 1))
		die("rate limit");
	pol.port_lo = pol.port_hi = PORT_RATE;
	pol.proto = IPPROTO_UDP;
	pol.active = 1;
	map_put(skel->maps.aegis_policies, &id, &pol);
	key = aegis_port_key(AEGIS_SLOT_UDP, PORT_RATE);
	map_put(skel->maps.aegis_ports, &key, &id);

	/* Spoofed UDP: every packet gets (or finds) its source's state, then
	 * drops on a byte limit whose burst is below one frame. */
	memset(&pol, 0, sizeof(pol));
	if (aegis_limit_init(&pol.src[AEGIS_LIM_PPS], 1000000000u, 100000000u) ||
	    aegis_limit_init(&pol.src[AEGIS_LIM_UDP_BPS], 1, 1))
		die("spoof limits");
	pol.proto = IPPROTO_UDP;
	pol.active = 1;
	id = POL_SPOOF_UDP;
	map_put(skel->maps.aegis_policies, &id, &pol);
	key = aegis_port_key(AEGIS_SLOT_UDP, PORT_SPOOF_UDP);
	map_put(skel->maps.aegis_ports, &key, &id);

	/* Spoofed SYN: per-source SYN state, then the policy-wide 1 SYN/s. */
	memset(&pol, 0, sizeof(pol));
	if (aegis_limit_init(&pol.src[AEGIS_LIM_SYN], 1000000000u, 100000000u) ||
	    aegis_limit_init(&pol.global_syn, 1, 1))
		die("spoof limits");
	pol.proto = IPPROTO_TCP;
	pol.active = 1;
	id = POL_SPOOF_SYN;
	map_put(skel->maps.aegis_policies, &id, &pol);
	key = aegis_port_key(AEGIS_SLOT_TCP, PORT_SPOOF_SYN);
	map_put(skel->maps.aegis_ports, &key, &id);
}

/* Entries of a hash map (walks its keys). */
static long map_count(struct bpf_map *map)
{
	uint8_t key[64], next[64];
	long n = 0;
	int fd = bpf_map__fd(map);
	void *prev = NULL;

	if (bpf_map__key_size(map) > sizeof(key))
		die("map key too large");
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, bpf_map__key_size(map));
		prev = key;
		n++;
	}
	return n;
}

static uint64_t err_sum(aegis_skel *skel, uint32_t e)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t v[512], sum = 0;

	if (ncpus > 512 || bpf_map_lookup_elem(bpf_map__fd(skel->maps.aegis_errors), &e, v))
		die("read aegis_errors");
	for (int i = 0; i < ncpus; i++)
		sum += v[i];
	return sum;
}

static struct aegis_sweep sweep_get(aegis_skel *skel)
{
	struct aegis_sweep sw;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.aegis_sweep), &zero, &sw))
		die("read aegis_sweep");
	return sw;
}

static void read_stats(aegis_skel *skel, uint64_t out[AEGIS_STAT_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	struct aegis_counter *c = calloc(ncpus, sizeof(*c));
	uint32_t i;
	int cpu;

	if (!c)
		die("out of memory");
	for (i = 0; i < AEGIS_STAT_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.aegis_stats), &i, c))
			die("read aegis_stats: %s", strerror(errno));
		for (cpu = 0; cpu < ncpus; cpu++)
			out[i] += c[cpu].packets;
	}
	free(c);
}

static int drop_event(void *ctx, void *data, size_t len)
{
	(void)ctx; (void)data; (void)len;
	return 0;
}

/* ---- the flood ---------------------------------------------------------- */

struct run {
	uint64_t sent;		/* frames the generator produced */
	uint64_t veth_rx;	/* receiver veth rx_packets delta */
	uint64_t judged;	/* Aegis: packets counted under any reason */
	uint64_t intended;	/* Aegis: packets counted under the intended reason */
	double secs;
	double mpps;		/* receiver-counted packets / secs, in millions */
};

/* Sends up to `count` frames, stopping after `seconds`; returns the count. */
static uint64_t generate(int tx_fd, int ifindex, const uint8_t *pkt, size_t len,
			 uint64_t count, double seconds, uint32_t batch, double *secs)
{
	struct xdp_md ctx = {
		.data = 0,
		.data_end = (uint32_t)len,
		.ingress_ifindex = (uint32_t)ifindex,
		.rx_queue_index = 0,
	};
	uint64_t sent = 0;
	double t0 = now_s();

	while (sent < count && !stop && now_s() - t0 < seconds) {
		uint32_t n = count - sent < CHUNK ? (uint32_t)(count - sent) : CHUNK;
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = pkt,
			.data_size_in = (uint32_t)len,
			.ctx_in = &ctx,
			.ctx_size_in = sizeof(ctx),
			.repeat = (int)n,
			.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			.batch_size = batch,
		);
		int err = bpf_prog_test_run_opts(tx_fd, &opts);

		if (err == -EINTR)
			break;
		if (err)
			die("BPF_PROG_TEST_RUN (live frames): %s", strerror(-err));
		sent += n;
	}
	*secs = now_s() - t0;
	return sent;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: flood -i GEN_IF -N RX_NETNS -I RX_IF [-c COUNT] [-t SECONDS] [-b BATCH] [-n RUNS]\n"
		"  -i GEN_IF    generator veth, in the current namespace\n"
		"  -N RX_NETNS  receiver namespace name (/run/netns/NAME)\n"
		"  -I RX_IF     receiver veth (GEN_IF's peer), inside RX_NETNS\n"
		"  -c COUNT     packets per run (default %llu, at most %llu)\n"
		"  -t SECONDS   time bound per run (default %.0f, at most %.0f)\n"
		"  -b BATCH     live-frame batch size (default %d, at most %d)\n"
		"  -n RUNS      runs per receiver, interleaved; the median is shown (default %d)\n",
		DEF_COUNT, MAX_COUNT, DEF_SECONDS, MAX_SECONDS, DEF_BATCH, MAX_BATCH, DEF_RUNS);
}

int main(int argc, char **argv)
{
	const char *gen_if = NULL, *rx_netns = NULL, *rx_if = NULL;
	uint64_t count = DEF_COUNT;
	double seconds = DEF_SECONDS;
	uint32_t batch = DEF_BATCH;
	int runs = DEF_RUNS, opt, r, m, gen_ifindex, tx_fd, spoof_fd, drop_fd, aegis_fd, devfd;
	uint64_t src_full0, swept0;
	uint8_t gen_mac[ETH_ALEN], rx_mac[ETH_ALEN], pkt[M_MAX][128];
	size_t pkt_len[M_MAX];
	struct run res[M_MAX][MAX_RUNS];
	double median[M_MAX];
	struct ring_buffer *rb;
	aegis_skel *skel;

	while ((opt = getopt(argc, argv, "i:N:I:c:t:b:n:h")) != -1) {
		switch (opt) {
		case 'i': gen_if = optarg; break;
		case 'N': rx_netns = optarg; break;
		case 'I': rx_if = optarg; break;
		case 'c': count = strtoull(optarg, NULL, 0); break;
		case 't': seconds = atof(optarg); break;
		case 'b': batch = (uint32_t)atoi(optarg); break;
		case 'n': runs = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!gen_if || !rx_netns || !rx_if || optind != argc || !count || count > MAX_COUNT ||
	    seconds <= 0 || seconds > MAX_SECONDS || !batch || batch > MAX_BATCH ||
	    runs < 1 || runs > MAX_RUNS) {
		usage(stderr);
		return 2;
	}
	/* The veths of this lab only: never a real NIC or loopback. */
	if (strncmp(gen_if, "ae", 2) || strncmp(rx_if, "ae", 2))
		die("interfaces must be lab veths (names starting with \"ae\")");
	libbpf_set_print(libbpf_quiet);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self_ns < 0)
		die("open own namespace: %s", strerror(errno));
	rx_ns = open_netns(rx_netns);
	gen_ifindex = (int)if_nametoindex(gen_if);
	if (!gen_ifindex)
		die("no interface %s in this namespace", gen_if);
	get_mac(gen_if, gen_mac);

	enter_rx();
	rx_ifindex = (int)if_nametoindex(rx_if);
	if (rx_ifindex)
		get_mac(rx_if, rx_mac);
	devfd = open("/proc/self/net/dev", O_RDONLY | O_CLOEXEC);
	leave_rx();
	if (!rx_ifindex)
		die("no interface %s in namespace %s", rx_if, rx_netns);
	if (devfd < 0)
		die("open the receiver's /proc/net/dev: %s", strerror(errno));

	tx_fd = load_ret("flood_tx", XDP_TX);
	drop_fd = load_ret("flood_drop", XDP_DROP);
	skel = skel_open_and_load();
	if (!skel)
		die("load the Aegis program: %s", strerror(errno));
	aegis_configure(skel);
	aegis_fd = bpf_program__fd(skel->progs.aegis_xdp);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.aegis_events), drop_event, NULL, NULL);
	if (!rb)
		die("event ring: %s", strerror(errno));

	pkt_len[M_DROP] = build_udp4(pkt[M_DROP], rx_mac, gen_mac, IP_CLIENT, IP_SERVER, SPORT,
				     PORT_RATE);
	pkt_len[M_RATE] = build_udp4(pkt[M_RATE], rx_mac, gen_mac, IP_CLIENT, IP_SERVER, SPORT,
				     PORT_RATE);
	pkt_len[M_BAN] = build_udp4(pkt[M_BAN], rx_mac, gen_mac, IP_BANNED, IP_SERVER, SPORT,
				    PORT_RATE);
	pkt_len[M_SPOOF_DROP] = build_udp4(pkt[M_SPOOF_DROP], rx_mac, gen_mac, IP_CLIENT,
					   IP_SERVER, SPORT, PORT_SPOOF_UDP);
	pkt_len[M_SPOOF_UDP] = build_udp4(pkt[M_SPOOF_UDP], rx_mac, gen_mac, IP_CLIENT, IP_SERVER,
					  SPORT, PORT_SPOOF_UDP);
	pkt_len[M_SPOOF_SYN] = build_syn4(pkt[M_SPOOF_SYN], rx_mac, gen_mac, IP_CLIENT, IP_SERVER,
					  SPORT, PORT_SPOOF_SYN);
	/* UDP and SYN frames share the source, IP ID and source port. */
	spoof_fd = load_spoof_tx(spoof_k(pkt[M_SPOOF_UDP], sizeof(struct ethhdr) + 4),
				 spoof_k(pkt[M_SPOOF_UDP], sizeof(struct ethhdr) + 20));

	printf("flood: live-frame XDP_TX generator on %s -> %s (netns %s, native XDP), "
	       "%zu-byte UDP/IPv4 frames,\n"
	       "       batch %u, per run at most %llu packets or %.1f s, %d interleaved runs "
	       "per receiver\n",
	       gen_if, rx_if, rx_netns, pkt_len[M_DROP], batch, (unsigned long long)count,
	       seconds, runs);
	printf("\n  %-24s %3s %10s %10s %10s %7s %8s\n", "receiver", "run", "sent",
	       "counted", "veth rx", "s", "Mpps");

	/* Warm-up: the rate case's one token is spent, caches and pools filled. */
	for (m = 0; m < M_MAX; m++) {
		double s;

		attach_rx(mode_reason[m] < 0 ? drop_fd : aegis_fd);
		generate(mode_spoofed(m) ? spoof_fd : tx_fd, gen_ifindex, pkt[m], pkt_len[m],
			 100000, seconds, batch, &s);
	}
	usleep(100000);
	ring_buffer__consume(rb);
	src_full0 = err_sum(skel, AEGIS_ERR_SRC_FULL);
	swept0 = sweep_get(skel).sources_expired;

	for (r = 0; r < runs && !stop; r++) {
		for (m = 0; m < M_MAX && !stop; m++) {
			uint64_t before[AEGIS_STAT_MAX], after[AEGIS_STAT_MAX], v0, v1;
			int reason = mode_reason[m];
			struct run *x = &res[m][r];
			unsigned int i;

			memset(x, 0, sizeof(*x));
			attach_rx(reason < 0 ? drop_fd : aegis_fd);
			usleep(20000);
			read_stats(skel, before);
			v0 = dev_rx_packets(devfd, rx_if);
			x->sent = generate(mode_spoofed(m) ? spoof_fd : tx_fd, gen_ifindex, pkt[m],
					   pkt_len[m], count, seconds, batch, &x->secs);
			/* At most a veth ring (256 frames) can still be in flight;
			 * let it drain before reading the counters. */
			usleep(20000);
			v1 = dev_rx_packets(devfd, rx_if);
			read_stats(skel, after);
			ring_buffer__consume(rb);
			x->veth_rx = v1 - v0;
			for (i = 0; i < AEGIS_STAT_MAX; i++)
				x->judged += after[i] - before[i];
			if (reason < 0) {
				x->mpps = x->veth_rx / x->secs / 1e6;
				if (x->judged)
					warn("%s run %d: Aegis counted %llu packets while detached",
					     mode_names[m], r + 1, (unsigned long long)x->judged);
			} else {
				x->intended = after[reason] - before[reason];
				/* Random sources hit the banned address (1 in 131072), random
				 * UDP source ports the reflection list: right verdicts too. */
				if (mode_spoofed(m))
					x->intended += after[AEGIS_STAT_DROP_BAN] -
						       before[AEGIS_STAT_DROP_BAN] +
						       after[AEGIS_STAT_DROP_REFLECTION] -
						       before[AEGIS_STAT_DROP_REFLECTION];
				x->mpps = x->judged / x->secs / 1e6;
				/* The rate cases may pass one packet per second. */
				if (x->intended + (uint64_t)x->secs + 2 < x->judged) {
					unsigned int top = 0;

					for (i = 0; i < AEGIS_STAT_MAX; i++)
						if ((int)i != reason && after[i] - before[i] >
						    after[top] - before[top])
							top = i;
					warn("%s run %d: only %llu of %llu packets counted as '%s' "
					     "(most of the rest: %s)", mode_names[m], r + 1,
					     (unsigned long long)x->intended,
					     (unsigned long long)x->judged, stat_names[reason],
					     stat_names[top]);
				}
			}
			if ((reason < 0 ? x->veth_rx : x->judged) + 256 < x->sent)
				warn("%s run %d: %llu of %llu frames never reached the receiver "
				     "program", mode_names[m], r + 1,
				     (unsigned long long)(x->sent -
							  (reason < 0 ? x->veth_rx : x->judged)),
				     (unsigned long long)x->sent);
			printf("  %-24s %3d %10llu %10llu %10llu %7.2f %8.2f\n", mode_names[m],
			       r + 1, (unsigned long long)x->sent,
			       (unsigned long long)(reason < 0 ? x->veth_rx : x->judged),
			       (unsigned long long)x->veth_rx, x->secs, x->mpps);
		}
	}
	detach_rx();
	if (stop) {
		fprintf(stderr, "flood: interrupted\n");
		return 1;
	}

	for (m = 0; m < M_MAX; m++) {
		double v[MAX_RUNS];

		for (r = 0; r < runs; r++)
			v[r] = res[m][r].mpps;
		qsort(v, runs, sizeof(v[0]), cmp_double);
		median[m] = runs % 2 ? v[runs / 2] : (v[runs / 2 - 1] + v[runs / 2]) / 2;
	}
	printf("\n  %-24s %12s %14s %16s\n", "receiver", "Mpps", "min..max", "x XDP_DROP only");
	for (m = 0; m < M_MAX; m++) {
		double lo = res[m][0].mpps, hi = lo;
		char spread[32];

		for (r = 1; r < runs; r++) {
			lo = res[m][r].mpps < lo ? res[m][r].mpps : lo;
			hi = res[m][r].mpps > hi ? res[m][r].mpps : hi;
		}
		snprintf(spread, sizeof(spread), "%.2f..%.2f", lo, hi);
		printf("  %-24s %12.2f %14s %16.2f\n", mode_names[m], median[m], spread,
		       median[mode_base[m]] > 0 ? median[m] / median[mode_base[m]] : 0.0);
	}
	{
		struct aegis_sweep sw = sweep_get(skel);
		long n = map_count(skel->maps.aegis_sources);
		unsigned int max = bpf_map__max_entries(skel->maps.aegis_sources);

		printf("\n  spoofed sources: random IPv4 in 198.18.0.0/15 (131072 addresses), per packet\n"
		       "  aegis_sources: %ld of %u entries (%.1f%%), refused when full "
		       "(src_table_full) %llu,\n"
		       "  evicted 0 (a plain hash, no LRU), spent states swept %llu "
		       "(%llu sweeps)\n", n, max, 100.0 * n / max,
		       (unsigned long long)(err_sum(skel, AEGIS_ERR_SRC_FULL) - src_full0),
		       (unsigned long long)(sw.sources_expired - swept0),
		       (unsigned long long)sw.sweeps);
	}
	printf("\n  Mpps: median of the runs; packets the receiver counted / wall time of the\n"
	       "  generator. XDP_DROP only: receiver veth rx_packets; Aegis: aegis_stats, all\n"
	       "  reasons (veth rx shown as a cross-check). Generator and receiver share a CPU.\n"
	       "  Spoofed receivers are compared with XDP_DROP only under the same (spoofing)\n"
	       "  generator.\n"
	       "  Verdict counters: %s.\n", warnings ? "SEE WARNINGS ABOVE" : "all as intended");

	ring_buffer__free(rb);
	skel_destroy(skel);
	close(tx_fd);
	close(spoof_fd);
	close(drop_fd);
	close(devfd);
	return 0;
}
