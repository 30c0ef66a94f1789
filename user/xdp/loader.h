/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loads the XDP program, attaches it with libxdp to every configured
 * interface and pins its maps; or adopts a program a previous aegisd left
 * attached (--keep), so bans and counters carry over a restart.
 * Owns the program lifetime; the maps are reached through loader->maps.
 */
#ifndef AEGIS_LOADER_H
#define AEGIS_LOADER_H

#include <stdbool.h>

#include "config/config.h"
#include "xdp/maps.h"

#define LOADER_MAX_IFACES 16

struct aegis;
struct xdp_program;

struct loader_iface {
	char name[16];
	int ifindex;
	int mode;			/* enum xdp_attach_mode actually used */
	struct aegis *skel;		/* NULL when adopted */
	struct xdp_program *prog;
};

struct loader {
	struct loader_iface ifaces[LOADER_MAX_IFACES];
	int n_ifaces;
	struct aegis_maps maps;
	bool adopted;			/* found our program already attached */
	bool bans_fresh;		/* the ban table was created empty now */
	char pin_dir[256];
};

int loader_start(struct loader *l, const struct aegis_config *cfg, char *err, size_t len);
/* Detaches from every interface and removes the pins (keep = false), or
 * leaves everything in place (keep = true). Always releases memory. */
void loader_stop(struct loader *l, bool keep);
const char *loader_mode_name(int mode);

#endif /* AEGIS_LOADER_H */
