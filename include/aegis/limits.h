/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Default sizes and bounds, and the rate-limit arithmetic shared by the
 * XDP program (which applies it) and userspace (which precomputes it).
 */
#ifndef AEGIS_LIMITS_H
#define AEGIS_LIMITS_H

#include "types.h"

/* Map sizes (max_entries). aegisd may override them before load. */
#define AEGIS_DEF_ALLOW_ENTRIES		16384
#define AEGIS_DEF_DENY_ENTRIES		65536
#define AEGIS_DEF_BAN_ENTRIES		65536
#define AEGIS_DEF_SRC_ENTRIES		262144
#define AEGIS_DEF_CONN_ENTRIES		65536
#define AEGIS_DEF_FLOW_ENTRIES		262144
#define AEGIS_DEF_EVENT_RING_BYTES	(256 * 1024)

/* Policy ids are 1..AEGIS_MAX_POLICIES-1; 0 in the port map means "none". */
#define AEGIS_MAX_POLICIES		256
#define AEGIS_PORT_SLOTS		2	/* tcp, udp */
#define AEGIS_PORT_MAP_ENTRIES		(AEGIS_PORT_SLOTS * 65536)

/* Parsing bounds. */
#define AEGIS_MAX_VLAN_TAGS		2	/* 802.1ad outer + 802.1Q inner */
#define AEGIS_MAX_IPV6_EXT		6

#define AEGIS_NOTE_LEN			24

/* Flow timeouts used when a policy leaves them at 0. */
#define AEGIS_DEF_FLOW_IDLE_S		300
#define AEGIS_DEF_SYN_TIMEOUT_S		10
/* The flow sweeper's period: a flow goes at most this long past its timeout. */
#define AEGIS_SWEEP_PERIOD_MS		1000

/* Strike window used when a policy leaves it at 0. */
#define AEGIS_DEF_STRIKE_WINDOW_MS	10000

/* Sampled drop events: per CPU rate and burst when enabled. */
#define AEGIS_DEF_EVENT_RATE		100
#define AEGIS_DEF_EVENT_BURST		200

/* Upper bounds userspace enforces so the arithmetic below cannot overflow. */
#define AEGIS_MAX_RATE			4000000000u
#define AEGIS_MAX_BURST			100000000u

/*
 * Rate limits are GCRA (a token bucket expressed as one timestamp): each
 * unit costs interval_fp >> AEGIS_FP_SHIFT ns of "theoretical arrival
 * time"; a unit is allowed while tat - now stays within tau_ns (the burst).
 * Fixed point lets byte rates above 1 GB/s keep sub-ns precision without
 * a division in the XDP program.
 */
#define AEGIS_FP_SHIFT			10
#define AEGIS_NSEC_PER_SEC		1000000000ull

struct aegis_limit {
	__u32 rate;		/* units per second; 0 = limit off */
	__u32 burst;		/* units allowed at once */
	__u64 interval_fp;	/* (1e9 << AEGIS_FP_SHIFT) / rate, derived */
	__u64 tau_ns;		/* interval * burst, derived */
};

/* Fill the derived fields. Returns 0, or -1 if rate/burst are out of range. */
static inline int aegis_limit_init(struct aegis_limit *l, __u32 rate, __u32 burst)
{
	l->rate = rate;
	l->burst = burst;
	l->interval_fp = 0;
	l->tau_ns = 0;
	if (!rate)
		return 0;
	if (rate > AEGIS_MAX_RATE || burst < 1 || burst > AEGIS_MAX_BURST)
		return -1;
	l->interval_fp = (AEGIS_NSEC_PER_SEC << AEGIS_FP_SHIFT) / rate;
	if (!l->interval_fp)
		l->interval_fp = 1;
	/* burst * 1e9 stays below 2^64 for every burst we accept. */
	l->tau_ns = (__u64)burst * AEGIS_NSEC_PER_SEC / rate;
	return 0;
}

/*
 * UDP source ports of well-known amplification services. A datagram from
 * one of them to a protected port is a reflection attack, never a client.
 */
#define AEGIS_REFLECTION_PORTS						\
	17 /* qotd */, 19 /* chargen */, 53 /* dns */, 69 /* tftp */,	\
	111 /* portmap */, 123 /* ntp */, 137 /* netbios */, 161 /* snmp */, \
	389 /* cldap */, 520 /* rip */, 1900 /* ssdp */, 3283 /* ard */,	\
	3702 /* ws-discovery */, 5353 /* mdns */, 5683 /* coap */,	\
	10001 /* ubiquiti */, 11211 /* memcached */, 37810 /* dvr */

#endif /* AEGIS_LIMITS_H */
