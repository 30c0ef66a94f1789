// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* API: health, version, status, metrics, reload (docs/openapi.yaml). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/proxy_set.h"
#include "lib/names.h"
#include "mgmt/api_priv.h"
#include "mgmt/rep_service.h"
#include "xdp/maps.h"

int api_health(struct api_call *c)
{
	json_obj_open(&c->j);
	json_kstr(&c->j, "status", "ok");
	json_obj_close(&c->j);
	return 200;
}

int api_version(struct api_call *c)
{
	json_obj_open(&c->j);
	json_kstr(&c->j, "version", c->api->d.version ? c->api->d.version : "");
	json_kstr(&c->j, "api", "v1");
	json_obj_close(&c->j);
	return 200;
}

/* XDP verdict totals: passed and dropped packets since the program loaded. */
static void status_xdp(struct api_call *c)
{
	struct aegis_counter st[AEGIS_STAT_MAX];
	const struct aegis_config *cfg = *c->api->d.cfg;
	uint64_t pass = 0, drop = 0;

	json_key(&c->j, "xdp");
	json_obj_open(&c->j);
	json_kbool(&c->j, "running", c->api->d.maps != NULL);
	json_kbool(&c->j, "policies_on", api_xdp_policies_on(c->api));
	json_key(&c->j, "interfaces");
	json_arr_open(&c->j);
	for (size_t i = 0; c->api->d.maps && i < cfg->n_ifaces; i++)
		json_str(&c->j, cfg->ifaces[i].name);
	json_arr_close(&c->j);
	if (c->api->d.maps && !maps_stats_read(c->api->d.maps, st)) {
		for (unsigned int i = 0; i < AEGIS_STAT_MAX; i++)
			*(i < AEGIS_STAT_FIRST_DROP ? &pass : &drop) += st[i].packets;
		json_ku64(&c->j, "packets_passed", pass);
		json_ku64(&c->j, "packets_dropped", drop);
	}
	json_obj_close(&c->j);
}

static void status_l7(struct api_call *c)
{
	struct rep_service_counters rc;
	struct proxy_set_stats ps = { 0 };

	if (c->api->d.ps)
		proxy_set_stats(c->api->d.ps, &ps);
	json_key(&c->j, "proxies");
	json_obj_open(&c->j);
	json_ku64(&c->j, "live", c->api->d.ps ? proxy_set_n_live(c->api->d.ps) : 0);
	json_ku64(&c->j, "workers", ps.workers);
	json_ku64(&c->j, "tcp_active", ps.tcp_active);
	json_ku64(&c->j, "udp_sessions", ps.udp_sessions);
	json_obj_close(&c->j);
	json_key(&c->j, "reputation");
	json_obj_open(&c->j);
	json_kbool(&c->j, "enabled", c->api->d.rep != NULL);
	if (rep_service_counters(c->api->d.rep, &rc)) {
		json_ku64(&c->j, "sources", rc.rep.entries);
		json_ku64(&c->j, "bans_written", rc.ban_writes);
	}
	json_obj_close(&c->j);
}

int api_status(struct api_call *c)
{
	json_obj_open(&c->j);
	json_kstr(&c->j, "version", c->api->d.version ? c->api->d.version : "");
	json_kdouble(&c->j, "uptime_seconds", c->api->d.start_time_s > 0 ?
		     (double)time(NULL) - c->api->d.start_time_s : 0);
	json_kstr(&c->j, "config", (*c->api->d.cfg)->path);
	status_xdp(c);
	status_l7(c);
	json_key(&c->j, "toggles");
	api_toggles_summary(c);
	json_obj_close(&c->j);
	return 200;
}

int api_metrics(struct api_call *c)
{
	char fmt[32] = "prometheus";
	enum metrics_format f = METRICS_TEXT;
	int ret;

	if (api_query(c, "format", fmt, sizeof(fmt)) && !strcmp(fmt, "json"))
		f = METRICS_JSON;
	else if (strcmp(fmt, "prometheus") && strcmp(fmt, "text"))
		return api_fail(c, 400, "format", "format: use json or prometheus");
	if (!c->api->d.render_metrics)
		return api_fail(c, 503, NULL, "metrics are not available");
	ret = c->api->d.render_metrics(f, &c->raw, &c->raw_len, c->api->d.ctx);
	if (ret)
		return api_fail(c, 500, NULL, "rendering metrics: %s", strerror(-ret));
	c->raw_ctype = metrics_content_type(f);
	return 200;
}

int api_reload(struct api_call *c)
{
	char err[1024] = "";

	if (!c->api->d.reload)
		return api_fail(c, 503, NULL, "reload is not available");
	if (c->api->d.reload(c->api->d.ctx, err, sizeof(err)))
		return api_fail(c, 422, NULL, "%s", err[0] ? err : "reload failed");
	snprintf(c->audit, sizeof(c->audit), "config reloaded");
	json_obj_open(&c->j);
	json_kbool(&c->j, "reloaded", true);
	json_kstr(&c->j, "config", (*c->api->d.cfg)->path);
	json_obj_close(&c->j);
	return 200;
}
