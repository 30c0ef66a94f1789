/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Map names, keys and values of the XDP program: the contract between
 * bpf/aegis.bpf.c, aegisd, aegisctl and the tests. Nothing else defines
 * these layouts.
 *
 * Addresses: every address is 16 bytes, network byte order. IPv4 is stored
 * IPv4-mapped (::ffff:a.b.c.d), so one table serves both families and an
 * IPv4 /n prefix is an LPM prefix of 96 + n.
 *
 * Times: nanoseconds of CLOCK_MONOTONIC (bpf_ktime_get_ns()).
 */
#ifndef AEGIS_MAPS_H
#define AEGIS_MAPS_H

#include "types.h"
#include "limits.h"
#include "reasons.h"

/* Map names as bpftool and aegisctl see them (at most 15 characters). */
#define AEGIS_MAP_SETTINGS	"aegis_settings"
#define AEGIS_MAP_ALLOW		"aegis_allow"
#define AEGIS_MAP_DENY		"aegis_deny"
#define AEGIS_MAP_BANS		"aegis_bans"
#define AEGIS_MAP_PORTS		"aegis_ports"
#define AEGIS_MAP_POLICIES	"aegis_policies"
#define AEGIS_MAP_POL_STATE	"aegis_pol_state"
#define AEGIS_MAP_SOURCES	"aegis_sources"
#define AEGIS_MAP_CONNS		"aegis_conns"
#define AEGIS_MAP_FLOWS		"aegis_flows"
#define AEGIS_MAP_STATS		"aegis_stats"
#define AEGIS_MAP_ERRORS	"aegis_errors"
#define AEGIS_MAP_EVENTS	"aegis_events"
#define AEGIS_MAP_EV_STATE	"aegis_ev_state"
#define AEGIS_MAP_SWEEP		"aegis_sweep"

struct aegis_addr {
	__u32 w[4];
};

/* aegis_allow, aegis_deny (LPM tries) */
struct aegis_lpm_key {
	__u32 prefixlen;	/* 0..128; IPv4 /n is 96 + n */
	struct aegis_addr addr;
};

struct aegis_list_entry {
	__u64 added_ns;
	char note[AEGIS_NOTE_LEN];
};

/* aegis_bans (hash, no LRU: a flood of new sources never evicts a ban) */
struct aegis_ban {
	__u64 expires_ns;	/* 0 = permanent */
	__u64 created_ns;
	__u32 reason;		/* enum aegis_stat that caused it; 0 if manual */
	__u32 origin;		/* enum aegis_ban_origin */
	char note[AEGIS_NOTE_LEN];
};

/* aegis_settings (array, one entry): runtime knobs, zero = everything off */
enum aegis_setting_flag {
	AEGIS_F_DROP_MALFORMED	= 1u << 0,	/* drop unparseable IP packets */
	AEGIS_F_DROP_FRAGMENTS	= 1u << 1,
	AEGIS_F_TCP_FLAGS	= 1u << 2,	/* drop invalid flag combinations */
	AEGIS_F_REFLECTION	= 1u << 3,	/* drop reflection ports -> protected ports */
};

#define AEGIS_REFL_WORDS	(65536 / 64)

struct aegis_settings {
	__u32 flags;		/* enum aegis_setting_flag */
	__u8 ttl_min;		/* 0 = unchecked */
	__u8 ttl_max;		/* 0 = unchecked */
	__u16 pkt_len_min;	/* IP packet length (header + payload); 0 = unchecked */
	__u16 pkt_len_max;
	__u16 udp_payload_min;	/* UDP payload bytes; 0 = unchecked */
	__u16 udp_payload_max;
	__u16 pad;
	struct aegis_limit events;	/* sampled drop events per second per CPU */
	__u64 refl_ports[AEGIS_REFL_WORDS];	/* bitmap of UDP source ports */
};

/* aegis_ports (array): key = slot << 16 | port, value = policy id (0: none) */
enum aegis_port_slot {
	AEGIS_SLOT_TCP = 0,
	AEGIS_SLOT_UDP = 1,
};

static inline __u32 aegis_port_key(enum aegis_port_slot slot, __u16 port)
{
	return ((__u32)slot << 16) | port;
}

/* aegis_policies (array, indexed by policy id) */
enum aegis_lim {
	AEGIS_LIM_PPS,		/* all packets */
	AEGIS_LIM_SYN,		/* TCP SYN (without ACK) */
	AEGIS_LIM_CONN,		/* new flows: TCP SYN not in the flow table, first UDP datagram */
	AEGIS_LIM_RST,		/* TCP RST */
	AEGIS_LIM_UDP_PPS,	/* UDP packets */
	AEGIS_LIM_UDP_BPS,	/* UDP bytes (IP length) */
	AEGIS_LIM_MAX
};

/*
 * SYN cookies answered from XDP (struct aegis_policy.syn_cookies): a bare
 * SYN from a source that is not known is answered with a cookie SYN-ACK
 * made by the local listener's bpf_tcp_gen_syncookie; the kernel's own
 * stack accepts the returning ACK. AUTO does so only while the policy's
 * SYN rate is above cookie_syn.
 */
enum aegis_syn_cookies {
	AEGIS_COOKIES_OFF = 0,
	AEGIS_COOKIES_AUTO = 1,
	AEGIS_COOKIES_ALWAYS = 2,
};

/* A source whose cookie ACK validated stays known this long: its SYNs
 * skip the cookie (struct aegis_src_state.known_s). */
#define AEGIS_COOKIE_KNOWN_S	600

struct aegis_policy {
	struct aegis_limit src[AEGIS_LIM_MAX];	/* per source address */
	struct aegis_limit global_syn;		/* all sources together */
	struct aegis_limit global_conn;
	struct aegis_limit cookie_syn;		/* AUTO: policy SYN rate above which cookies start */
	__u32 max_conn_per_src;	/* concurrent flows per source; 0 = no cap */
	__u32 max_conn_total;	/* concurrent flows for the policy; 0 = no cap */
	__u32 strike_limit;	/* violations within the window that ban; 0 = off */
	__u32 strike_window_ms;	/* 0 = AEGIS_DEF_STRIKE_WINDOW_MS */
	__u32 ban_ttl_s;	/* strike ban duration; 0 = permanent */
	__u32 flow_idle_s;	/* idle expiry of established flows; 0 = default */
	__u32 syn_timeout_s;	/* expiry of flows that never saw an ACK; 0 = default */
	__u16 port_lo;		/* informational: the range this policy was set for */
	__u16 port_hi;
	__u8 proto;		/* IPPROTO_TCP / IPPROTO_UDP, informational */
	__u8 active;		/* 0: slot unused */
	__u8 syn_cookies;	/* enum aegis_syn_cookies; TCP only */
	__u8 pad[1];
};

/* aegis_pol_state (array, indexed by policy id) */
struct aegis_policy_state {
	__u64 syn_tat;
	__u64 conn_tat;
	__s64 conns;		/* concurrent flows */
	__u64 cookie_tat;	/* the cookie_syn bucket (AUTO mode) */
};

/*
 * aegis_sources (hash, preallocated, never LRU): rate state. A flood of
 * new sources cannot evict a known source's state: when full, a new source
 * gets none (src_table_full) and only policy-wide limits apply to it. The
 * sweeper deletes a state once it is spent (every TAT in the past and no
 * strike window open): a fresh one would behave the same.
 */
struct aegis_src_key {
	struct aegis_addr addr;
	__u32 policy;
};

struct aegis_src_state {
	__u64 tat[AEGIS_LIM_MAX];
	__u64 strike_start_ns;
	__u32 strikes;
	__u32 known_s;		/* known until (CLOCK_MONOTONIC seconds): skips SYN cookies */
};

/* aegis_conns (hash, key struct aegis_src_key): concurrent flows of a
 * source under a policy. Deleted when it reaches zero. */
struct aegis_conn_count {
	__s64 conns;
};

/* aegis_flows (hash): 5-tuple flow table, client -> server direction */
struct aegis_flow_key {
	struct aegis_addr saddr;
	struct aegis_addr daddr;
	__u16 sport;		/* network byte order */
	__u16 dport;		/* network byte order */
	__u8 proto;
	__u8 pad[3];
};

enum aegis_flow_state {
	AEGIS_FLOW_NEW = 1,	/* SYN seen, no ACK yet: short timeout */
	AEGIS_FLOW_EST = 2,	/* ACK seen, or UDP */
};

struct aegis_flow {
	__u64 created_ns;
	__u64 last_seen_ns;
	__u64 packets;
	__u64 bytes;
	__u32 policy;
	__u32 state;		/* enum aegis_flow_state */
};

/*
 * aegis_sweep (array, one entry): the one timer that expires idle flows
 * and spent source states.
 * A timer per flow would allocate in the packet path (bpf_timer_init),
 * and under a burst those allocations fail; one timer walks the table.
 */
struct aegis_sweep {
	struct bpf_timer timer;
	__u64 due_ns;		/* the sweep is overdue after this: re-arm it */
	__u64 sweeps;		/* completed walks of aegis_flows and aegis_sources */
	__u64 flows_expired;	/* idle flows the sweeps removed */
	__u64 sources_expired;	/* spent source states the sweeps removed */
};

/* aegis_stats (per-CPU array, AEGIS_STAT_MAX entries) */
struct aegis_counter {
	__u64 packets;
	__u64 bytes;
};

/* aegis_errors: per-CPU array of __u64, AEGIS_ERR_MAX entries */

/* aegis_events (ring buffer): one record per sampled drop */
struct aegis_event {
	__u64 ts_ns;
	struct aegis_addr saddr;
	__u16 dport;		/* host byte order; 0 if none */
	__u8 proto;
	__u8 reason;		/* enum aegis_stat */
	__u32 len;		/* IP length */
};

/* aegis_ev_state (per-CPU array, one entry): the event limiter's tat */

AEGIS_STATIC_ASSERT(sizeof(struct aegis_lpm_key) == 20, "lpm key layout");
AEGIS_STATIC_ASSERT(sizeof(struct aegis_ban) == 48, "ban layout");
AEGIS_STATIC_ASSERT(sizeof(struct aegis_flow_key) == 40, "flow key layout");
AEGIS_STATIC_ASSERT(sizeof(struct aegis_event) == 32, "event layout");
AEGIS_STATIC_ASSERT(sizeof(struct aegis_src_key) == 20, "source key layout");
AEGIS_STATIC_ASSERT(AEGIS_STAT_MAX <= 255, "reason fits in aegis_event.reason");

#endif /* AEGIS_MAPS_H */
