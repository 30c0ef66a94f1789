/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * metrics: aegisd's numbers as metric families (docs/CONFIG.md,
 * "metrics", lists them). Reads each subsystem through its public
 * functions only: the XDP counters and map fill (xdp/maps.h), the proxy
 * engine, proxies and their balancers (engine/proxy_set.h, proxy.h,
 * balancer.h), HTTP counters (http/http_rt.h), reputation
 * (mgmt/rep_service.h), the live switches and the API (guard/toggles.h,
 * mgmt/api.h). Labels are bounded by the config (proxy,
 * upstream, reason): never one per client. Runs on aegisd's main thread.
 */
#ifndef AEGIS_METRICS_H
#define AEGIS_METRICS_H

#include <stddef.h>

#include "mgmt/metrics_out.h"

struct aegis_maps;
struct proxy_set;
struct rep_service;
struct api;

struct metrics_src {
	const char *version;
	double start_time_s;		/* Unix seconds */
	struct aegis_maps *maps;	/* NULL: no XDP plane (proxy-only mode) */
	const struct proxy_set *ps;	/* NULL or no workers: no proxy plane */
	struct rep_service *rep;	/* NULL: reputation off */
	const struct api *api;		/* NULL: no management API */
};

/* Every family into m (between metrics_begin and metrics_end). */
void metrics_collect(const struct metrics_src *src, struct metrics_out *m);
/* The whole document in a malloc'ed buffer (*out, *len; free it).
 * 0 or -ENOMEM. */
int metrics_render(const struct metrics_src *src, enum metrics_format fmt, char **out,
		   size_t *len);

#endif /* AEGIS_METRICS_H */
