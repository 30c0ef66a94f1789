/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Harness for the BPF tests: loads the real XDP program (the skeleton in
 * build/aegis.skel.h) fresh for every test, runs crafted frames through it
 * with BPF_PROG_TEST_RUN and reads and writes its maps. Layouts come from
 * include/aegis/maps.h only.
 *
 * Every run checks the invariant the counters promise: the packet is
 * counted under exactly one reason, with its frame length as bytes, and
 * the verdict is PASS exactly when the reason is a pass reason (TX for
 * AEGIS_STAT_TX_COOKIE, DROP otherwise).
 */
#ifndef AEGIS_TEST_HARNESS_H
#define AEGIS_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "aegis/maps.h"
#include "aegis.skel.h"
#include "pkt.h"

extern struct aegis *skel;

/* Fixtures: open + load (the usual .init), or the two steps for tests
 * that resize maps in between. h_teardown frees whatever exists. */
void h_setup(void);
void h_open(void);
void h_load(void);
void h_teardown(void);

#define MAPFD(name) bpf_map__fd(skel->maps.name)

/* Two address families, the same test written once (see TEST_FAMILIES). */
struct fam {
	const char *name;
	const char *src[4];	/* distinct sources; src[0], src[1] inside net */
	const char *outside;	/* the adjacent prefix: just outside net */
	const char *net;	/* a v4 /24 or v6 /64 */
	const char *dst;	/* server address */
};
extern const struct fam FAM4, FAM6;

#define TEST_FAMILIES(suite, fn, ...)						\
	Test(suite, fn##_v4, ##__VA_ARGS__) { fn(&FAM4); }			\
	Test(suite, fn##_v6, ##__VA_ARGS__) { fn(&FAM6); }

/* Runs raw bytes. Returns bpf_prog_test_run_opts' result (0 or -errno). */
int h_run_raw(const void *data, size_t len, __u32 *verdict);

/*
 * Runs a frame and checks the counting invariant. Returns the reason it
 * was counted under; *verdict (if not NULL) gets the XDP action.
 */
int h_run(const struct frame *f, __u32 *verdict);
/* The same, and the frame as the program left it (a reply) in *out. */
int h_run_reply(const struct frame *f, __u32 *verdict, struct frame *out);

void h_expect_frame_at(const char *file, int line, const struct frame *f,
		       __u32 verdict, int reason);
void h_expect_at(const char *file, int line, __u32 verdict, int reason,
		 const struct pkt_spec *s);

/* EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = "198.51.100.1", .flags = TH_SYN) */
#define EXPECT(verdict, reason, ...)						\
	h_expect_at(__FILE__, __LINE__, verdict, reason, &(struct pkt_spec){ __VA_ARGS__ })
#define EXPECT_FRAME(f, verdict, reason)					\
	h_expect_frame_at(__FILE__, __LINE__, f, verdict, reason)
/* Builds and runs; returns the reason. */
#define SEND(...) h_send(&(struct pkt_spec){ __VA_ARGS__ })
int h_send(const struct pkt_spec *s);

const char *h_stat_name(int reason);

/* Counters, summed over CPUs. */
void h_stats(struct aegis_counter out[AEGIS_STAT_MAX]);
struct aegis_counter h_stat(int reason);
__u64 h_err(int err);

/* Settings and policies. */
void h_settings_get(struct aegis_settings *s);
void h_settings_set(const struct aegis_settings *s);
void h_flags(__u32 flags);		/* sets only settings.flags */
void h_limit(struct aegis_limit *l, __u32 rate, __u32 burst);
void h_policy_set(__u32 id, struct aegis_policy *p);	/* marks it active */
void h_port_set(enum aegis_port_slot slot, __u16 lo, __u16 hi, __u32 id);
struct aegis_policy_state h_pol_state(__u32 id);

/* Lists and bans. */
struct aegis_addr h_addr(const char *s);
void h_list_add(struct bpf_map *map, const char *cidr);
void h_ban_set(const char *addr, __u64 expires_ns);
bool h_ban_get(const char *addr, struct aegis_ban *out);

/* Flow state. */
bool h_flow_get(const struct pkt_spec *s, struct aegis_flow *out);
__s64 h_conns(const char *src, __u32 policy);	/* -1: no entry */
long h_count(struct bpf_map *map);		/* entries of a hash or LPM map */

/* Events: drains the ring buffer into out; returns how many (all counted). */
int h_events(struct aegis_event *out, int max);

/* Time. */
__u64 h_now(void);			/* CLOCK_MONOTONIC ns, the program's clock */
void h_sleep_ms(unsigned int ms);

#endif /* AEGIS_TEST_HARNESS_H */
