// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Typed access to the XDP program's maps; see maps.h.
 * Map discovery goes by name (AEGIS_MAP_*) so it works for any loader.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "lib/errbuf.h"
#include "lib/units.h"
#include "xdp/maps.h"

static const char *const map_names[MAPS_COUNT] = {
	[MAPS_SETTINGS] = AEGIS_MAP_SETTINGS,	[MAPS_ALLOW] = AEGIS_MAP_ALLOW,
	[MAPS_DENY] = AEGIS_MAP_DENY,		[MAPS_BANS] = AEGIS_MAP_BANS,
	[MAPS_PORTS] = AEGIS_MAP_PORTS,		[MAPS_POLICIES] = AEGIS_MAP_POLICIES,
	[MAPS_POL_STATE] = AEGIS_MAP_POL_STATE,	[MAPS_SOURCES] = AEGIS_MAP_SOURCES,
	[MAPS_CONNS] = AEGIS_MAP_CONNS,		[MAPS_FLOWS] = AEGIS_MAP_FLOWS,
	[MAPS_STATS] = AEGIS_MAP_STATS,		[MAPS_ERRORS] = AEGIS_MAP_ERRORS,
	[MAPS_EVENTS] = AEGIS_MAP_EVENTS,	[MAPS_EV_STATE] = AEGIS_MAP_EV_STATE,
	[MAPS_SWEEP] = AEGIS_MAP_SWEEP,
};

#define AEGIS_PROG_NAME "aegis_xdp"

const char *maps_name(enum maps_id id)
{
	return id < MAPS_COUNT ? map_names[id] : "?";
}

static void maps_init(struct aegis_maps *m)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < MAPS_COUNT; i++)
		m->fd[i] = -1;
	m->ncpus = libbpf_num_possible_cpus();
}

/* What each map must be, from include/aegis/maps.h; max_entries 0 means
 * sized by the configuration (any size is accepted). */
struct map_layout {
	__u32 type, key_size, value_size, max_entries;
};

static const struct map_layout layouts[MAPS_COUNT] = {
	[MAPS_SETTINGS] = { BPF_MAP_TYPE_ARRAY, 4, sizeof(struct aegis_settings), 1 },
	[MAPS_ALLOW] = { BPF_MAP_TYPE_LPM_TRIE, sizeof(struct aegis_lpm_key),
			 sizeof(struct aegis_list_entry), 0 },
	[MAPS_DENY] = { BPF_MAP_TYPE_LPM_TRIE, sizeof(struct aegis_lpm_key),
			sizeof(struct aegis_list_entry), 0 },
	[MAPS_BANS] = { BPF_MAP_TYPE_HASH, sizeof(struct aegis_addr), sizeof(struct aegis_ban), 0 },
	[MAPS_PORTS] = { BPF_MAP_TYPE_ARRAY, 4, 4, AEGIS_PORT_MAP_ENTRIES },
	[MAPS_POLICIES] = { BPF_MAP_TYPE_ARRAY, 4, sizeof(struct aegis_policy),
			    AEGIS_MAX_POLICIES },
	[MAPS_POL_STATE] = { BPF_MAP_TYPE_ARRAY, 4, sizeof(struct aegis_policy_state),
			     AEGIS_MAX_POLICIES },
	[MAPS_SOURCES] = { BPF_MAP_TYPE_HASH, sizeof(struct aegis_src_key),
			   sizeof(struct aegis_src_state), 0 },
	[MAPS_CONNS] = { BPF_MAP_TYPE_HASH, sizeof(struct aegis_src_key),
			 sizeof(struct aegis_conn_count), 0 },
	[MAPS_FLOWS] = { BPF_MAP_TYPE_HASH, sizeof(struct aegis_flow_key),
			 sizeof(struct aegis_flow), 0 },
	[MAPS_STATS] = { BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(struct aegis_counter),
			 AEGIS_STAT_MAX },
	[MAPS_ERRORS] = { BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, AEGIS_ERR_MAX },
	[MAPS_EVENTS] = { BPF_MAP_TYPE_RINGBUF, 0, 0, 0 },
	[MAPS_EV_STATE] = { BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1 },
	[MAPS_SWEEP] = { BPF_MAP_TYPE_ARRAY, 4, sizeof(struct aegis_sweep), 1 },
};

static const char *type_name(__u32 type)
{
	const char *n = libbpf_bpf_map_type_str((enum bpf_map_type)type);

	return n ? n : "unknown";
}

int maps_check_layout(enum maps_id id, __u32 type, __u32 key_size, __u32 value_size,
		      __u32 max_entries, char *err, size_t len)
{
	const struct map_layout *l = &layouts[id];
	const char *what = NULL;
	__u32 got = 0, want = 0;

	if (type != l->type) {
		errbuf_set(err, len, "%s: type %s, expected %s: stale pin from another version "
			   "or not an Aegis map? remove the pin directory", map_names[id],
			   type_name(type), type_name(l->type));
		return -EPROTO;
	}
	if (key_size != l->key_size)
		what = "key size", got = key_size, want = l->key_size;
	else if (value_size != l->value_size)
		what = "value size", got = value_size, want = l->value_size;
	else if (l->max_entries && max_entries != l->max_entries)
		what = "max_entries", got = max_entries, want = l->max_entries;
	if (!what)
		return 0;
	errbuf_set(err, len, "%s: %s %u, expected %u: stale pin from another version? "
		   "remove the pin directory", map_names[id], what, got, want);
	return -EPROTO;
}

static int maps_check_complete(struct aegis_maps *m, const char *where, char *err, size_t len)
{
	char why[512];

	for (int i = 0; i < MAPS_COUNT; i++) {
		struct bpf_map_info info = {};
		__u32 sz = sizeof(info);
		int ret;

		if (m->fd[i] < 0) {
			errbuf_set(err, len, "%s: map %s not found (not an Aegis program?)",
				where, map_names[i]);
			maps_close(m);
			return -ENOENT;
		}
		if (bpf_obj_get_info_by_fd(m->fd[i], &info, &sz)) {
			errbuf_set(err, len, "%s: %s: map info: %s", where, map_names[i],
				   strerror(errno));
			maps_close(m);
			return -EIO;
		}
		ret = maps_check_layout(i, info.type, info.key_size, info.value_size,
					info.max_entries, why, sizeof(why));
		if (ret) {
			errbuf_set(err, len, "%s: %s", where, why);
			maps_close(m);
			return ret;
		}
		m->max_entries[i] = info.max_entries;
	}
	if (m->ncpus <= 0) {
		errbuf_set(err, len, "cannot count possible CPUs");
		maps_close(m);
		return -EIO;
	}
	return 0;
}

int maps_open_pinned(struct aegis_maps *m, const char *dir, char *err, size_t len)
{
	char path[4096];

	maps_init(m);
	for (int i = 0; i < MAPS_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
		m->fd[i] = bpf_obj_get(path);
		if (m->fd[i] < 0) {
			int e = errno;

			errbuf_set(err, len, "%s: %s", path, strerror(e));
			maps_close(m);
			return -e;
		}
	}
	return maps_check_complete(m, dir, err, len);
}

int maps_open_prog(struct aegis_maps *m, int prog_fd, char *err, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ids[64], sz = sizeof(info);

	maps_init(m);
	info.nr_map_ids = 64;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &sz)) {
		errbuf_set(err, len, "program info: %s", strerror(errno));
		return -errno;
	}
	m->prog_id = info.id;
	for (__u32 i = 0; i < info.nr_map_ids && i < 64; i++) {
		struct bpf_map_info mi = {};
		__u32 msz = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);
		int slot = -1;

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &msz))
			for (int j = 0; j < MAPS_COUNT; j++)
				if (strcmp(mi.name, map_names[j]) == 0)
					slot = j;
		if (slot < 0 || m->fd[slot] >= 0) {
			close(fd);
			continue;
		}
		m->fd[slot] = fd;
	}
	return maps_check_complete(m, "program", err, len);
}

static bool prog_is_aegis(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 sz = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool ok;

	if (fd < 0)
		return false;
	ok = !bpf_obj_get_info_by_fd(fd, &info, &sz) && strcmp(info.name, AEGIS_PROG_NAME) == 0;
	close(fd);
	return ok;
}

/* Looks through a libxdp dispatcher for our program. */
static __u32 find_in_multiprog(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p = NULL;
	__u32 id = 0;

	if (libxdp_get_error(mp))
		return 0;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && strcmp(xdp_program__name(p), AEGIS_PROG_NAME) == 0)
			id = xdp_program__id(p);
	} else {
		while ((p = xdp_multiprog__next_prog(p, mp)))
			if (strcmp(xdp_program__name(p), AEGIS_PROG_NAME) == 0)
				id = xdp_program__id(p);
	}
	xdp_multiprog__close(mp);
	return id;
}

int maps_find_iface_prog(const char *ifname, uint32_t *prog_id, uint32_t *mode,
			 char *err, size_t len)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ifindex = (int)if_nametoindex(ifname);

	*prog_id = 0;
	if (!ifindex) {
		errbuf_set(err, len, "interface '%s' not found", ifname);
		return -ENODEV;
	}
	if (bpf_xdp_query(ifindex, 0, &q)) {
		errbuf_set(err, len, "%s: XDP query failed: %s", ifname, strerror(errno));
		return -errno;
	}
	if (mode)
		*mode = q.attach_mode;
	if (q.prog_id && prog_is_aegis(q.prog_id))
		*prog_id = q.prog_id;
	else if (q.prog_id)
		*prog_id = find_in_multiprog(ifindex);
	return 0;
}

int maps_open_iface(struct aegis_maps *m, const char *ifname, char *err, size_t len)
{
	__u32 id;
	int fd, ret;

	ret = maps_find_iface_prog(ifname, &id, NULL, err, len);
	if (ret)
		return ret;
	if (!id) {
		errbuf_set(err, len, "%s: no Aegis XDP program attached", ifname);
		return -ENOENT;
	}
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0) {
		errbuf_set(err, len, "%s: program %u: %s", ifname, id, strerror(errno));
		return -errno;
	}
	ret = maps_open_prog(m, fd, err, len);
	close(fd);
	return ret;
}

void maps_init_none(struct aegis_maps *m)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < MAPS_COUNT; i++)
		m->fd[i] = -1;
}

void maps_close(struct aegis_maps *m)
{
	for (int i = 0; i < MAPS_COUNT; i++) {
		if (m->fd[i] >= 0)
			close(m->fd[i]);
		m->fd[i] = -1;
	}
}

int maps_pin(const struct aegis_maps *m, const char *dir, char *err, size_t len)
{
	char path[4096];

	if (mkdir(dir, 0700) && errno != EEXIST) {
		errbuf_set(err, len, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < MAPS_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
		unlink(path);
		if (bpf_obj_pin(m->fd[i], path)) {
			errbuf_set(err, len, "pin %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

uint64_t maps_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int ret_errno(int r)
{
	return r ? -errno : 0;
}

int maps_ban_put(struct aegis_maps *m, const struct aegis_addr *a, const struct aegis_ban *b)
{
	return ret_errno(bpf_map_update_elem(m->fd[MAPS_BANS], a, b, BPF_ANY));
}

int maps_ban_add(struct aegis_maps *m, const struct aegis_addr *a, uint64_t ttl_ms,
		 uint32_t origin, uint32_t reason, const char *note)
{
	struct aegis_ban b = {};

	if (ttl_ms > UNITS_MAX_DURATION_MS)
		return -ERANGE;	/* would wrap the clock: a short ban, not a long one */
	b.created_ns = maps_now_ns();
	b.expires_ns = ttl_ms ? b.created_ns + ttl_ms * 1000000ull : 0;
	b.origin = origin;
	b.reason = reason;
	if (note)
		strncpy(b.note, note, sizeof(b.note) - 1);
	return maps_ban_put(m, a, &b);
}

int maps_ban_del(struct aegis_maps *m, const struct aegis_addr *a)
{
	return ret_errno(bpf_map_delete_elem(m->fd[MAPS_BANS], a));
}

int maps_ban_get(struct aegis_maps *m, const struct aegis_addr *a, struct aegis_ban *b)
{
	return ret_errno(bpf_map_lookup_elem(m->fd[MAPS_BANS], a, b));
}

/*
 * Walks a hash or LPM map. The next key is fetched before the callback
 * runs so a callback may delete the current entry.
 */
static int walk_keys(int fd, void *key, void *next, size_t ksz,
		     int (*visit)(int fd, const void *key, void *ctx), void *ctx)
{
	int ret, more = bpf_map_get_next_key(fd, NULL, key) == 0;

	while (more) {
		more = bpf_map_get_next_key(fd, key, next) == 0;
		ret = visit(fd, key, ctx);
		if (ret)
			return ret;
		memcpy(key, next, ksz);
	}
	return 0;
}

struct ban_walk {
	maps_ban_cb cb;
	void *ctx;
	uint64_t now;
	int swept;
};

static int ban_visit(int fd, const void *key, void *ctx)
{
	struct ban_walk *w = ctx;
	struct aegis_ban b;

	if (bpf_map_lookup_elem(fd, key, &b))
		return 0;	/* deleted meanwhile */
	if (b.expires_ns && b.expires_ns <= w->now) {
		if (!w->cb && !bpf_map_delete_elem(fd, key))
			w->swept++;
		return 0;
	}
	return w->cb ? w->cb(key, &b, w->ctx) : 0;
}

int maps_ban_foreach(struct aegis_maps *m, maps_ban_cb cb, void *ctx)
{
	struct ban_walk w = { .cb = cb, .ctx = ctx, .now = maps_now_ns() };
	struct aegis_addr k, n;

	return walk_keys(m->fd[MAPS_BANS], &k, &n, sizeof(k), ban_visit, &w);
}

int maps_ban_sweep(struct aegis_maps *m)
{
	struct ban_walk w = { .now = maps_now_ns() };
	struct aegis_addr k, n;
	int ret = walk_keys(m->fd[MAPS_BANS], &k, &n, sizeof(k), ban_visit, &w);

	return ret < 0 ? ret : w.swept;
}

int maps_list_add(struct aegis_maps *m, enum maps_id which, const struct aegis_lpm_key *k,
		  const char *note)
{
	struct aegis_list_entry e = { .added_ns = maps_now_ns() };

	if (note)
		strncpy(e.note, note, sizeof(e.note) - 1);
	return ret_errno(bpf_map_update_elem(m->fd[which], k, &e, BPF_ANY));
}

int maps_list_del(struct aegis_maps *m, enum maps_id which, const struct aegis_lpm_key *k)
{
	return ret_errno(bpf_map_delete_elem(m->fd[which], k));
}

struct list_walk {
	maps_list_cb cb;
	void *ctx;
};

static int list_visit(int fd, const void *key, void *ctx)
{
	struct list_walk *w = ctx;
	struct aegis_list_entry e;

	if (bpf_map_lookup_elem(fd, key, &e))
		return 0;
	return w->cb(key, &e, w->ctx);
}

int maps_list_foreach(struct aegis_maps *m, enum maps_id which, maps_list_cb cb, void *ctx)
{
	struct list_walk w = { cb, ctx };
	struct aegis_lpm_key k, n;

	return walk_keys(m->fd[which], &k, &n, sizeof(k), list_visit, &w);
}

int maps_settings_get(struct aegis_maps *m, struct aegis_settings *s)
{
	__u32 zero = 0;

	return ret_errno(bpf_map_lookup_elem(m->fd[MAPS_SETTINGS], &zero, s));
}

int maps_settings_set(struct aegis_maps *m, const struct aegis_settings *s)
{
	__u32 zero = 0;

	return ret_errno(bpf_map_update_elem(m->fd[MAPS_SETTINGS], &zero, s, BPF_ANY));
}

int maps_policy_get(struct aegis_maps *m, uint32_t id, struct aegis_policy *p)
{
	if (!id || id >= AEGIS_MAX_POLICIES)
		return -EINVAL;
	return ret_errno(bpf_map_lookup_elem(m->fd[MAPS_POLICIES], &id, p));
}

int maps_policy_set(struct aegis_maps *m, uint32_t id, const struct aegis_policy *p)
{
	if (!id || id >= AEGIS_MAX_POLICIES)
		return -EINVAL;
	return ret_errno(bpf_map_update_elem(m->fd[MAPS_POLICIES], &id, p, BPF_ANY));
}

int maps_policy_state_get(struct aegis_maps *m, uint32_t id, struct aegis_policy_state *s)
{
	if (id >= AEGIS_MAX_POLICIES)
		return -EINVAL;
	return ret_errno(bpf_map_lookup_elem(m->fd[MAPS_POL_STATE], &id, s));
}

int maps_port_get(struct aegis_maps *m, enum aegis_port_slot slot, uint16_t port, uint32_t *id)
{
	__u32 key = aegis_port_key(slot, port);

	return ret_errno(bpf_map_lookup_elem(m->fd[MAPS_PORTS], &key, id));
}

int maps_port_set(struct aegis_maps *m, enum aegis_port_slot slot, uint16_t lo, uint16_t hi,
		  uint32_t id)
{
	for (uint32_t p = lo; p <= hi; p++) {
		__u32 key = aegis_port_key(slot, (uint16_t)p);

		if (bpf_map_update_elem(m->fd[MAPS_PORTS], &key, &id, BPF_ANY))
			return -errno;
	}
	return 0;
}

int maps_ports_read(struct aegis_maps *m, uint32_t ids[AEGIS_PORT_MAP_ENTRIES])
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *keys = malloc(AEGIS_PORT_MAP_ENTRIES * sizeof(*keys));
	__u32 out_batch = 0, count = AEGIS_PORT_MAP_ENTRIES;
	int ret = 0;

	if (!keys)
		return -ENOMEM;
	if (bpf_map_lookup_batch(m->fd[MAPS_PORTS], NULL, &out_batch, keys, ids, &count, &opts) &&
	    errno != ENOENT) {
		/* Older kernels: one lookup per port. */
		for (__u32 k = 0; k < AEGIS_PORT_MAP_ENTRIES; k++)
			if (bpf_map_lookup_elem(m->fd[MAPS_PORTS], &k, &ids[k])) {
				ret = -errno;
				break;
			}
	}
	free(keys);
	return ret;
}

uint32_t maps_policy_free_id(struct aegis_maps *m, const uint32_t ids[AEGIS_PORT_MAP_ENTRIES])
{
	static bool used[AEGIS_MAX_POLICIES];
	struct aegis_policy p;

	memset(used, 0, sizeof(used));
	for (__u32 k = 0; k < AEGIS_PORT_MAP_ENTRIES; k++)
		if (ids[k] < AEGIS_MAX_POLICIES)
			used[ids[k]] = true;
	for (uint32_t id = 1; id < AEGIS_MAX_POLICIES; id++)
		if (!used[id] && !maps_policy_get(m, id, &p) && !p.active)
			return id;
	return 0;
}

int maps_stats_read(struct aegis_maps *m, struct aegis_counter out[AEGIS_STAT_MAX])
{
	struct aegis_counter *per = calloc((size_t)m->ncpus, sizeof(*per));
	int ret = 0;

	if (!per)
		return -ENOMEM;
	for (__u32 i = 0; i < AEGIS_STAT_MAX; i++) {
		out[i].packets = out[i].bytes = 0;
		if (bpf_map_lookup_elem(m->fd[MAPS_STATS], &i, per)) {
			ret = -errno;
			break;
		}
		for (int c = 0; c < m->ncpus; c++) {
			out[i].packets += per[c].packets;
			out[i].bytes += per[c].bytes;
		}
	}
	free(per);
	return ret;
}

int maps_errors_read(struct aegis_maps *m, uint64_t out[AEGIS_ERR_MAX])
{
	__u64 *per = calloc((size_t)m->ncpus, sizeof(*per));
	int ret = 0;

	if (!per)
		return -ENOMEM;
	for (__u32 i = 0; i < AEGIS_ERR_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(m->fd[MAPS_ERRORS], &i, per)) {
			ret = -errno;
			break;
		}
		for (int c = 0; c < m->ncpus; c++)
			out[i] += per[c];
	}
	free(per);
	return ret;
}

struct flow_walk {
	maps_flow_cb cb;
	void *ctx;
};

static int flow_visit(int fd, const void *key, void *ctx)
{
	struct flow_walk *w = ctx;
	struct aegis_flow f;

	if (bpf_map_lookup_elem(fd, key, &f))
		return 0;
	return w->cb(key, &f, w->ctx);
}

int maps_flow_foreach(struct aegis_maps *m, maps_flow_cb cb, void *ctx)
{
	struct flow_walk w = { cb, ctx };
	struct aegis_flow_key k, n;

	return walk_keys(m->fd[MAPS_FLOWS], &k, &n, sizeof(k), flow_visit, &w);
}

struct conn_walk {
	maps_conn_cb cb;
	void *ctx;
};

static int conn_visit(int fd, const void *key, void *ctx)
{
	struct conn_walk *w = ctx;
	struct aegis_conn_count c;

	if (bpf_map_lookup_elem(fd, key, &c))
		return 0;
	return w->cb(key, c.conns, w->ctx);
}

int maps_conn_foreach(struct aegis_maps *m, maps_conn_cb cb, void *ctx)
{
	struct conn_walk w = { cb, ctx };
	struct aegis_src_key k, n;

	return walk_keys(m->fd[MAPS_CONNS], &k, &n, sizeof(k), conn_visit, &w);
}

static int count_visit(int fd, const void *key, void *ctx)
{
	(void)fd;
	(void)key;
	(*(long *)ctx)++;
	return 0;
}

long maps_capacity(struct aegis_maps *m, enum maps_id id)
{
	struct bpf_map_info info = {};
	__u32 sz = sizeof(info);

	if (bpf_obj_get_info_by_fd(m->fd[id], &info, &sz))
		return -errno;
	return info.max_entries;
}

#define COUNT_BATCH 1024

static bool percpu_type(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/*
 * Entries of a hash map by batched lookups: a full 262144-entry map in
 * 256 syscalls, not one per key (the status line and every metrics scrape
 * count). -EOPNOTSUPP if the first batch fails (LPM tries have none).
 */
static long count_batch(int fd, const struct bpf_map_info *info, int ncpus)
{
	size_t vsz = percpu_type(info->type) ? ((info->value_size + 7) & ~7u) * (size_t)ncpus
					     : info->value_size;
	void *keys = malloc((size_t)COUNT_BATCH * info->key_size);
	void *vals = malloc((size_t)COUNT_BATCH * vsz);
	__u64 in = 0, out = 0;
	long count = 0;
	bool first = true;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!keys || !vals) {
		count = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 n = COUNT_BATCH;
		int r = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &n, &opts);

		if (r && errno != ENOENT) {
			/* No batch for this type (EINVAL, the kernel's ENOTSUPP...):
			 * the caller walks the keys instead. */
			count = first ? -EOPNOTSUPP : -errno;
			break;
		}
		count += n;
		if (r)
			break;	/* ENOENT: that was the last batch */
		in = out;
		first = false;
	}
out:
	free(keys);
	free(vals);
	return count;
}

long maps_count(struct aegis_maps *m, enum maps_id id)
{
	unsigned char k[64], n[64];
	struct bpf_map_info info = {};
	__u32 sz = sizeof(info);
	long count = 0;

	if (bpf_obj_get_info_by_fd(m->fd[id], &info, &sz))
		return -errno;
	if (info.type == BPF_MAP_TYPE_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	    info.type == BPF_MAP_TYPE_RINGBUF || info.key_size > sizeof(k))
		return info.max_entries;
	count = count_batch(m->fd[id], &info, m->ncpus > 0 ? m->ncpus : libbpf_num_possible_cpus());
	if (count != -EOPNOTSUPP)
		return count;
	count = 0;
	walk_keys(m->fd[id], k, n, info.key_size, count_visit, &count);
	return count;
}
