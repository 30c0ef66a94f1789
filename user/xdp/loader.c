// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Program lifetime: load + attach + pin, adopt, detach; see loader.h.
 *
 * Each interface gets its own instance of the program (libxdp may run it
 * behind a dispatcher) but all instances share one set of maps: the first
 * creates them (or reuses compatible pinned ones), the others reuse its fds.
 */
#include <errno.h>
#include <libgen.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "aegis.skel.h"
#include "xdp/loader.h"
#include "lib/log.h"

#define AEGIS_PROG_NAME "aegis_xdp"

const char *loader_mode_name(int mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE: return "native";
	case XDP_MODE_SKB: return "generic";
	case XDP_MODE_HW: return "offload";
	default: return "auto";
	}
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

/*
 * The pin directory must live on a bpf filesystem. `ip netns exec` and
 * fresh containers leave /sys/fs/bpf unmounted; mount it there, nowhere else.
 */
static int ensure_bpffs(const char *pin_dir, char *err, size_t len)
{
	char parent[256];

	snprintf(parent, sizeof(parent), "%s", pin_dir);
	dirname(parent);
	/* libxdp's dispatcher also needs /sys/fs/bpf, whatever pin_dir is. */
	if (!on_bpffs("/sys/fs/bpf") && mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL))
		log_debug("cannot mount bpffs on /sys/fs/bpf: %s", strerror(errno));
	if (on_bpffs(pin_dir) || on_bpffs(parent))
		return 0;
	snprintf(err, len, "pin_dir %s is not on a bpf filesystem (mount -t bpf bpf DIR)",
		 pin_dir);
	return -ENOTSUP;
}

static void skel_size_maps(struct aegis *s, const struct aegis_config *c)
{
	bpf_map__set_max_entries(s->maps.aegis_bans, c->maps.bans);
	bpf_map__set_max_entries(s->maps.aegis_allow, c->maps.allow);
	bpf_map__set_max_entries(s->maps.aegis_deny, c->maps.deny);
	bpf_map__set_max_entries(s->maps.aegis_sources, c->maps.sources);
	bpf_map__set_max_entries(s->maps.aegis_conns, c->maps.conns);
	bpf_map__set_max_entries(s->maps.aegis_flows, c->maps.flows);
	bpf_map__set_max_entries(s->maps.aegis_events, c->maps.event_ring);
}

/* A pinned map can stand in for ours only if the kernel would accept it. */
static bool pin_compatible(int fd, const struct bpf_map *m)
{
	struct bpf_map_info info = {};
	__u32 sz = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &sz) && info.type == bpf_map__type(m) &&
	       info.key_size == bpf_map__key_size(m) &&
	       info.value_size == bpf_map__value_size(m) &&
	       info.max_entries == bpf_map__max_entries(m) &&
	       info.map_flags == bpf_map__map_flags(m);
}

/* Reuses every compatible pin. Returns the fd of an incompatible ban
 * table pin (to migrate its bans from), or -1. */
static int skel_reuse_pins(struct aegis *s, const char *dir, bool *bans_reused)
{
	struct bpf_map *m;
	char path[512];
	int old_bans = -1;

	*bans_reused = false;
	bpf_object__for_each_map(m, s->obj) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		bool is_bans = strcmp(bpf_map__name(m), AEGIS_MAP_BANS) == 0;

		if (pin_compatible(fd, m) && !bpf_map__reuse_fd(m, fd)) {
			*bans_reused |= is_bans;
			close(fd);	/* reuse_fd dup()s it */
			continue;
		}
		if (is_bans) {
			log_warn("%s: ban table resized; migrating its bans", path);
			old_bans = fd;
		} else {
			log_info("%s: layout changed; starting it empty", path);
			close(fd);
		}
	}
	return old_bans;
}

static void migrate_bans(struct loader *l, int old_fd)
{
	struct aegis_addr k, n;
	struct aegis_ban b;
	int moved = 0, more = bpf_map_get_next_key(old_fd, NULL, &k) == 0;

	while (more) {
		more = bpf_map_get_next_key(old_fd, &k, &n) == 0;
		if (!bpf_map_lookup_elem(old_fd, &k, &b) && !maps_ban_put(&l->maps, &k, &b))
			moved++;
		k = n;
	}
	log_info("migrated %d bans", moved);
	l->bans_fresh = false;
}

static enum xdp_attach_mode attach_mode(enum cfg_xdp_mode m)
{
	switch (m) {
	case CFG_XDP_NATIVE: return XDP_MODE_NATIVE;
	case CFG_XDP_GENERIC: return XDP_MODE_SKB;
	default: return XDP_MODE_UNSPEC;
	}
}

/* auto: native where the driver has it, generic otherwise. */
static int attach_one(struct loader_iface *li, enum cfg_xdp_mode want, char *err, size_t len)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .obj = li->skel->obj,
			    .prog_name = AEGIS_PROG_NAME);
	enum xdp_attach_mode mode = attach_mode(want);
	int ret;

	li->prog = xdp_program__create(&opts);
	ret = (int)libxdp_get_error(li->prog);
	if (ret) {
		li->prog = NULL;
		snprintf(err, len, "%s: cannot prepare program: %s", li->name, strerror(-ret));
		return ret;
	}
	/* libxdp first tries its dispatcher and falls back on its own; the
	 * libbpf errors of that probe are expected, not the operator's concern. */
	libbpf_print_fn_t prev = libbpf_set_print(NULL);

	ret = xdp_program__attach(li->prog, li->ifindex,
				  mode == XDP_MODE_UNSPEC ? XDP_MODE_NATIVE : mode, 0);
	libbpf_set_print(prev);
	if (ret && mode == XDP_MODE_UNSPEC) {
		log_info("%s: native XDP unavailable (%s); using generic mode", li->name,
			 strerror(-ret));
		mode = XDP_MODE_SKB;
		ret = xdp_program__attach(li->prog, li->ifindex, mode, 0);
	} else if (mode == XDP_MODE_UNSPEC) {
		mode = XDP_MODE_NATIVE;
	}
	if (ret) {
		char msg[256];

		libxdp_strerror(ret, msg, sizeof(msg));
		snprintf(err, len, "%s: XDP attach (%s mode) failed: %s", li->name,
			 loader_mode_name(mode), msg);
		return ret;
	}
	li->mode = mode;
	return 0;
}

/* Opens one skeleton instance, sized, sharing maps with `first` if given. */
static int open_instance(struct loader *l, struct loader_iface *li, struct aegis *first,
			 const struct aegis_config *cfg, int *old_bans, char *err, size_t len)
{
	struct bpf_map *m;
	bool bans_reused = false;

	li->skel = aegis__open();
	if (!li->skel) {
		snprintf(err, len, "cannot open the BPF object: %s", strerror(errno));
		return -errno;
	}
	skel_size_maps(li->skel, cfg);
	if (!first) {
		*old_bans = skel_reuse_pins(li->skel, l->pin_dir, &bans_reused);
		l->bans_fresh = !bans_reused;
		return 0;
	}
	bpf_object__for_each_map(m, li->skel->obj) {
		struct bpf_map *src = bpf_object__find_map_by_name(first->obj, bpf_map__name(m));

		if (src && bpf_map__reuse_fd(m, bpf_map__fd(src))) {
			snprintf(err, len, "cannot share map %s", bpf_map__name(m));
			return -EINVAL;
		}
	}
	return 0;
}

/* Adopts a program left attached by an earlier aegisd (--keep). */
static bool try_adopt(struct loader *l, const struct aegis_config *cfg)
{
	char err[256];
	__u32 pinned_bans_id = 0;

	if (maps_open_pinned(&l->maps, l->pin_dir, err, sizeof(err)))
		return false;
	{
		struct bpf_map_info info = {};
		__u32 sz = sizeof(info);

		if (!bpf_obj_get_info_by_fd(l->maps.fd[MAPS_BANS], &info, &sz))
			pinned_bans_id = info.id;
	}
	for (size_t i = 0; i < cfg->n_ifaces; i++) {
		struct aegis_maps pm;
		struct bpf_map_info info = {};
		__u32 sz = sizeof(info), mode = 0;
		int ok;

		if (maps_open_iface(&pm, cfg->ifaces[i].name, err, sizeof(err)))
			goto no;
		ok = !bpf_obj_get_info_by_fd(pm.fd[MAPS_BANS], &info, &sz) &&
		     info.id == pinned_bans_id;
		maps_close(&pm);
		if (!ok)
			goto no;
		struct loader_iface *li = &l->ifaces[l->n_ifaces++];
		__u32 id;

		snprintf(li->name, sizeof(li->name), "%s", cfg->ifaces[i].name);
		li->ifindex = (int)if_nametoindex(li->name);
		maps_find_iface_prog(li->name, &id, &mode, NULL, 0);
		li->mode = mode == XDP_ATTACHED_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	}
	l->adopted = true;
	return true;
no:
	maps_close(&l->maps);
	l->n_ifaces = 0;
	return false;
}

int loader_start(struct loader *l, const struct aegis_config *cfg, char *err, size_t len)
{
	int ret, old_bans = -1;

	memset(l, 0, sizeof(*l));
	snprintf(l->pin_dir, sizeof(l->pin_dir), "%s", cfg->pin_dir);
	if (cfg->n_ifaces > LOADER_MAX_IFACES) {
		snprintf(err, len, "at most %d interfaces", LOADER_MAX_IFACES);
		return -E2BIG;
	}
	ret = ensure_bpffs(l->pin_dir, err, len);
	if (ret)
		return ret;
	if (try_adopt(l, cfg)) {
		log_info("adopted the program already attached (bans and counters kept)");
		return 0;
	}
	for (size_t i = 0; i < cfg->n_ifaces; i++) {
		struct loader_iface *li = &l->ifaces[i];

		snprintf(li->name, sizeof(li->name), "%s", cfg->ifaces[i].name);
		li->ifindex = (int)if_nametoindex(li->name);
		if (!li->ifindex) {
			snprintf(err, len, "%s:%d: interface '%s' not found", cfg->path,
				 cfg->ifaces[i].line, li->name);
			ret = -ENODEV;
			goto fail;
		}
		l->n_ifaces = (int)i + 1;
		ret = open_instance(l, li, i ? l->ifaces[0].skel : NULL, cfg, &old_bans, err, len);
		if (!ret)
			ret = attach_one(li, cfg->ifaces[i].mode, err, len);
		if (ret)
			goto fail;
		log_info("%s: attached in %s mode", li->name, loader_mode_name(li->mode));
	}
	ret = maps_open_prog(&l->maps, xdp_program__fd(l->ifaces[0].prog), err, len);
	if (ret)
		goto fail;
	if (old_bans >= 0) {
		migrate_bans(l, old_bans);
		close(old_bans);
		old_bans = -1;
	}
	ret = maps_pin(&l->maps, l->pin_dir, err, len);
	if (ret)
		goto fail;
	return 0;
fail:
	if (old_bans >= 0)
		close(old_bans);
	loader_stop(l, false);
	return ret;
}

static void detach_ours(struct loader_iface *li)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;
	int ret = 0;

	if (li->prog) {
		ret = xdp_program__detach(li->prog, li->ifindex, li->mode, 0);
		goto out;
	}
	mp = xdp_multiprog__get_from_ifindex(li->ifindex);
	if (libxdp_get_error(mp))
		return;
	if (xdp_multiprog__is_legacy(mp)) {
		ret = xdp_multiprog__detach(mp);
	} else {
		while ((p = xdp_multiprog__next_prog(p, mp)))
			if (!strcmp(xdp_program__name(p), AEGIS_PROG_NAME))
				ret = xdp_program__detach(p, li->ifindex, li->mode, 0);
	}
	xdp_multiprog__close(mp);
out:
	if (ret)
		log_warn("%s: detach failed: %s", li->name, strerror(-ret));
	else
		log_info("%s: detached", li->name);
}

static void unpin_all(const char *dir)
{
	char path[512];

	for (int i = 0; i < MAPS_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, maps_name(i));
		unlink(path);
	}
	rmdir(dir);
}

void loader_stop(struct loader *l, bool keep)
{
	for (int i = 0; i < l->n_ifaces; i++) {
		struct loader_iface *li = &l->ifaces[i];

		if (!keep)
			detach_ours(li);
		xdp_program__close(li->prog);
		if (li->skel)
			aegis__destroy(li->skel);
		li->prog = NULL;
		li->skel = NULL;
	}
	if (!keep && l->pin_dir[0])
		unpin_all(l->pin_dir);
	maps_close(&l->maps);
	l->n_ifaces = 0;
}
