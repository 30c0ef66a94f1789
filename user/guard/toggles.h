/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * toggles: the live switches of the HTTP detection, flipped by the
 * management API without a reload and read by the workers on every
 * request (one relaxed atomic load each).
 *
 * - Per host (a proxy's host, named by its first name): a mode override
 *   (off/detect/enforce) and stages switched off (rate, bots, funnel,
 *   waf, reputation). A host gets a slot the first time its proxy is
 *   built or the API names it; slots are never freed, so a reload that
 *   rebuilds the proxy finds its switches where it left them.
 * - The HTTP kill switch: every host at most in detect mode (traffic
 *   flows, everything is logged, nothing is blocked).
 * Each switch says whether it survives a reload (persist); aegisd calls
 * toggles_reload() after applying a new config, which clears the others.
 * The XDP kill switch and the reputation actions switch live with what
 * they switch (xdp/shield.h, mgmt/rep_service.h).
 */
#ifndef AEGIS_TOGGLES_H
#define AEGIS_TOGGLES_H

#include <stdbool.h>
#include <stdint.h>

#include "config/http_cfg.h"

#define TOGGLES_MAX_HOSTS	4096

/* Stages a host can have switched off (bits). */
enum toggles_stage {
	TOGGLES_RATE		= 1u << 0,
	TOGGLES_BOTS		= 1u << 1,
	TOGGLES_FUNNEL		= 1u << 2,
	TOGGLES_WAF		= 1u << 3,
	TOGGLES_REPUTATION	= 1u << 4,
	TOGGLES_CHALLENGE	= 1u << 5,
	TOGGLES_STAGE__ALL	= (1u << 6) - 1,
};

/* "rate", "bots", "funnel", "waf", "reputation", "challenge": its bit, or 0. */
uint32_t toggles_stage_parse(const char *name);
const char *toggles_stage_name(uint32_t bit);

/* The slot of proxy/host: found, or made. -ENOSPC when the table is full. */
int toggles_host_slot(const char *proxy, const char *host);
/* The slot of proxy/host if it has one, else -ENOENT. */
int toggles_host_find(const char *proxy, const char *host);

struct toggles_host {
	int mode;			/* enum http_mode, or -1: the config's */
	uint32_t stages_off;		/* enum toggles_stage bits */
	bool persist;			/* survives a reload */
};
void toggles_host_get(int slot, struct toggles_host *out);
void toggles_host_set(int slot, const struct toggles_host *in);

/* What a request on the host in slot (-1: none) runs with: the mode and
 * the stages switched off, after the host's switches and the kill switch. */
enum http_mode toggles_mode(int slot, enum http_mode configured, uint32_t *stages_off);

/* The reputation mode of the host in slot: off if its reputation stage is
 * switched off, detect under the kill switch, else the configured one. */
enum http_mode toggles_rep_mode(int slot, enum http_mode configured);

void toggles_kill_set(bool on, bool persist);
bool toggles_kill(bool *persist);

/* After a reload: clears every switch that does not persist. */
void toggles_reload(void);
/* Every switch back to its default (tests). */
void toggles_reset(void);

#endif /* AEGIS_TOGGLES_H */
