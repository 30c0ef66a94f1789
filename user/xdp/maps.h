/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Typed access to the XDP program's maps, shared by aegisd, aegisctl,
 * tests and tools. Finds the maps through a pin directory, through the
 * program attached to an interface (whoever attached it: aegisd,
 * `ip link`, xdp-loader/libxdp), or through a loaded program's fd.
 */
#ifndef AEGIS_MAPS_USER_H
#define AEGIS_MAPS_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "aegis/maps.h"

enum maps_id {
	MAPS_SETTINGS, MAPS_ALLOW, MAPS_DENY, MAPS_BANS, MAPS_PORTS,
	MAPS_POLICIES, MAPS_POL_STATE, MAPS_SOURCES, MAPS_CONNS, MAPS_FLOWS,
	MAPS_STATS, MAPS_ERRORS, MAPS_EVENTS, MAPS_EV_STATE, MAPS_SWEEP,
	MAPS_COUNT
};

struct aegis_maps {
	int fd[MAPS_COUNT];
	uint32_t max_entries[MAPS_COUNT];
	uint32_t prog_id;	/* 0 when opened from pins */
	int ncpus;
};

/* Name of a map as bpftool shows it. */
const char *maps_name(enum maps_id id);

/* All return 0 or a negative errno; err gets a sentence for the operator. */
int maps_open_pinned(struct aegis_maps *m, const char *dir, char *err, size_t errlen);
int maps_open_iface(struct aegis_maps *m, const char *ifname, char *err, size_t errlen);
int maps_open_prog(struct aegis_maps *m, int prog_fd, char *err, size_t errlen);
void maps_close(struct aegis_maps *m);
/* No maps (aegisd without interfaces): every fd -1, so calls fail with
 * EBADF instead of touching descriptor 0. */
void maps_init_none(struct aegis_maps *m);
/* 0 if a map of this shape can be map ID (include/aegis/maps.h), else
 * -EPROTO and a sentence naming the map, what was found and expected. */
int maps_check_layout(enum maps_id id, uint32_t type, uint32_t key_size, uint32_t value_size,
		      uint32_t max_entries, char *err, size_t errlen);
/* Pins every map as DIR/NAME (creating DIR); replaces stale pins. */
int maps_pin(const struct aegis_maps *m, const char *dir, char *err, size_t errlen);

/* Finds the id of the Aegis program on an interface (0 if none). */
int maps_find_iface_prog(const char *ifname, uint32_t *prog_id, uint32_t *mode,
			 char *err, size_t errlen);

uint64_t maps_now_ns(void);	/* CLOCK_MONOTONIC, the program's clock */

/* Bans. ttl_ms 0 = permanent. */
int maps_ban_add(struct aegis_maps *m, const struct aegis_addr *a, uint64_t ttl_ms,
		 uint32_t origin, uint32_t reason, const char *note);
int maps_ban_put(struct aegis_maps *m, const struct aegis_addr *a, const struct aegis_ban *b);
int maps_ban_del(struct aegis_maps *m, const struct aegis_addr *a);
int maps_ban_get(struct aegis_maps *m, const struct aegis_addr *a, struct aegis_ban *b);
typedef int (*maps_ban_cb)(const struct aegis_addr *a, const struct aegis_ban *b, void *ctx);
/* Visits live bans (expired ones are skipped). Returns the callback's first non-zero. */
int maps_ban_foreach(struct aegis_maps *m, maps_ban_cb cb, void *ctx);
/* Deletes expired bans. Returns how many, or negative errno. */
int maps_ban_sweep(struct aegis_maps *m);

/* Allow/deny lists: which is MAPS_ALLOW or MAPS_DENY. */
int maps_list_add(struct aegis_maps *m, enum maps_id which, const struct aegis_lpm_key *k,
		  const char *note);
int maps_list_del(struct aegis_maps *m, enum maps_id which, const struct aegis_lpm_key *k);
typedef int (*maps_list_cb)(const struct aegis_lpm_key *k, const struct aegis_list_entry *e,
			    void *ctx);
int maps_list_foreach(struct aegis_maps *m, enum maps_id which, maps_list_cb cb, void *ctx);

int maps_settings_get(struct aegis_maps *m, struct aegis_settings *s);
int maps_settings_set(struct aegis_maps *m, const struct aegis_settings *s);

int maps_policy_get(struct aegis_maps *m, uint32_t id, struct aegis_policy *p);
int maps_policy_set(struct aegis_maps *m, uint32_t id, const struct aegis_policy *p);
int maps_policy_state_get(struct aegis_maps *m, uint32_t id, struct aegis_policy_state *s);
int maps_port_get(struct aegis_maps *m, enum aegis_port_slot slot, uint16_t port, uint32_t *id);
int maps_port_set(struct aegis_maps *m, enum aegis_port_slot slot, uint16_t lo, uint16_t hi,
		  uint32_t id);

/* Reads the whole port map: ids[aegis_port_key(slot, port)]. */
int maps_ports_read(struct aegis_maps *m, uint32_t ids[AEGIS_PORT_MAP_ENTRIES]);
/* Lowest id whose policy is inactive and no port refers to; 0 if none. */
uint32_t maps_policy_free_id(struct aegis_maps *m, const uint32_t ids[AEGIS_PORT_MAP_ENTRIES]);

/* Sums the per-CPU counters. */
int maps_stats_read(struct aegis_maps *m, struct aegis_counter out[AEGIS_STAT_MAX]);
int maps_errors_read(struct aegis_maps *m, uint64_t out[AEGIS_ERR_MAX]);

typedef int (*maps_flow_cb)(const struct aegis_flow_key *k, const struct aegis_flow *f,
			    void *ctx);
int maps_flow_foreach(struct aegis_maps *m, maps_flow_cb cb, void *ctx);
typedef int (*maps_conn_cb)(const struct aegis_src_key *k, int64_t conns, void *ctx);
int maps_conn_foreach(struct aegis_maps *m, maps_conn_cb cb, void *ctx);

/* Entries in a hash/LPM map (walks the keys). Arrays report max_entries. */
long maps_count(struct aegis_maps *m, enum maps_id id);
/* A map's max_entries as the kernel holds it, or negative errno. */
long maps_capacity(struct aegis_maps *m, enum maps_id id);

#endif /* AEGIS_MAPS_USER_H */
