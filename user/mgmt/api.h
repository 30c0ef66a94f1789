/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * api: the management API, HTTP/1.1 + JSON under /v1 (docs/openapi.yaml
 * is the reference), served by httpd on aegisd's main loop on a TCP
 * address (api.listen) and a Unix socket (api.socket). Over TCP every
 * call but GET /v1/health needs a key with the route's scope
 * (mgmt/api_auth.h); over the Unix socket its file mode (0600) is the
 * access control and calls act as "local" with every scope. Request
 * bodies are JSON objects read with jansson and checked against the
 * route's field list (types, required fields, unknown fields) before the
 * handler runs; errors are {"error":{"status","message","field"}}. Every
 * call that changes something is audited: a log line and an "api_audit"
 * event naming the key's label and the source.
 *
 * Handlers run on the main thread, between epoll events, so a call never
 * races a reload: it sees the config before or after, never during.
 */
#ifndef AEGIS_MGMT_API_H
#define AEGIS_MGMT_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "mgmt/httpd.h"
#include "mgmt/metrics_out.h"

struct aegis_maps;
struct shield;
struct proxy_set;
struct rep_service;

/* What aegisd lends the API. NULL members: that part is not running. */
struct api_deps {
	const char *version;
	double start_time_s;			/* Unix time */
	struct aegis_maps *maps;		/* NULL: no XDP plane */
	struct shield *shield;
	struct proxy_set *ps;
	struct rep_service *rep;
	struct aegis_config *const *cfg;	/* the running config (a reload swaps it) */
	FILE *events;				/* audit events; NULL: stdout */
	/* Reloads the whole config: 0, or -errno with FILE:LINE errors in err. */
	int (*reload)(void *ctx, char *err, size_t errlen);
	int (*render_metrics)(enum metrics_format fmt, char **body, size_t *len, void *ctx);
	void *ctx;				/* for reload and render_metrics */
};

struct api_stats {
	uint64_t requests, by_class[6];		/* answers by status class (n xx) */
	uint64_t auth_ok, auth_missing, auth_bad, auth_limited, writes;
};

struct api;

/* Opens the listeners cfg asks for. 0 or -errno with err set. */
int api_start(struct api **out, const struct cfg_api *cfg, const struct api_deps *deps,
	      char *err, size_t errlen);
void api_stop(struct api *a);
/* Up to two fds to poll (TCP, Unix); returns how many. */
int api_fds(const struct api *a, int fds[2]);
void api_poll(struct api *a);
void api_tick(struct api *a);
/* After a reload: the new keys, and the switches that do not survive it off. */
void api_reloaded(struct api *a, const struct cfg_api *cfg);
void api_stats(const struct api *a, struct api_stats *out);
/* The XDP kill switch and reputation actions, for status and metrics. */
bool api_xdp_policies_on(const struct api *a);

/* One request, as httpd hands it (exposed for tests and the fuzz target). */
void api_handle(const struct httpd_req *rq, struct httpd_answer *ans, void *api);
/* An API with no listeners, for tests and fuzzing. */
int api_new_detached(struct api **out, const struct cfg_api *cfg, const struct api_deps *deps);

#endif /* AEGIS_MGMT_API_H */
