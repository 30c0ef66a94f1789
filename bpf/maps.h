/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The XDP program's maps. Layouts come from include/aegis/maps.h; this
 * file only declares them (type, flags, default size) for libbpf.
 * Variable names equal the AEGIS_MAP_* names so bpftool shows them.
 */
#ifndef AEGIS_BPF_MAPS_H
#define AEGIS_BPF_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "aegis/maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct aegis_settings);
} aegis_settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, AEGIS_DEF_ALLOW_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct aegis_lpm_key);
	__type(value, struct aegis_list_entry);
} aegis_allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, AEGIS_DEF_DENY_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct aegis_lpm_key);
	__type(value, struct aegis_list_entry);
} aegis_deny SEC(".maps");

/* Plain hash, never LRU: new sources cannot push a ban out. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AEGIS_DEF_BAN_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct aegis_addr);
	__type(value, struct aegis_ban);
} aegis_bans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AEGIS_PORT_MAP_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} aegis_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AEGIS_MAX_POLICIES);
	__type(key, __u32);
	__type(value, struct aegis_policy);
} aegis_policies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AEGIS_MAX_POLICIES);
	__type(key, __u32);
	__type(value, struct aegis_policy_state);
} aegis_pol_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);	/* preallocated: no allocation under a flood */
	__uint(max_entries, AEGIS_DEF_SRC_ENTRIES);
	__type(key, struct aegis_src_key);
	__type(value, struct aegis_src_state);
} aegis_sources SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AEGIS_DEF_CONN_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct aegis_src_key);
	__type(value, struct aegis_conn_count);
} aegis_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AEGIS_DEF_FLOW_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct aegis_flow_key);
	__type(value, struct aegis_flow);
} aegis_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct aegis_sweep);
} aegis_sweep SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AEGIS_STAT_MAX);
	__type(key, __u32);
	__type(value, struct aegis_counter);
} aegis_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AEGIS_ERR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} aegis_errors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, AEGIS_DEF_EVENT_RING_BYTES);
} aegis_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} aegis_ev_state SEC(".maps");

static __always_inline void count_error(__u32 err)
{
	__u64 *c = bpf_map_lookup_elem(&aegis_errors, &err);

	if (c)
		*c += 1;
}

#endif /* AEGIS_BPF_MAPS_H */
