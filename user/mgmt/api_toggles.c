// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * API: the live switches (docs/openapi.yaml, "toggles"): per host guard
 * mode and stages (guard/toggles.h), the HTTP kill switch (every host in
 * detect), the XDP kill switch (ports pass without their policies; lists
 * and bans still apply: xdp/shield.h) and the reputation engine's
 * actions. Each says whether it survives a reload (survive_reload in the
 * request, survives_reload in the answer); api_reloaded() undoes the
 * others once a new config is applied.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/http_config_priv.h"
#include "config/proxy_config.h"
#include "engine/proxy.h"
#include "engine/proxy_set.h"
#include "guard/toggles.h"
#include "http/http_rt.h"
#include "lib/log.h"
#include "mgmt/api_priv.h"
#include "mgmt/rep_service.h"
#include "xdp/shield.h"

bool api_xdp_policies_on(const struct api *a)
{
	return !a || !a->d.shield || shield_policies_on(a->d.shield);
}

static void switch_json(struct api_call *c, const char *key, bool on, bool persist)
{
	json_key(&c->j, key);
	json_obj_open(&c->j);
	json_kbool(&c->j, "on", on);
	json_kbool(&c->j, "survives_reload", persist);
	json_obj_close(&c->j);
}

void api_toggles_summary(struct api_call *c)
{
	bool persist, kill = toggles_kill(&persist);

	json_obj_open(&c->j);
	switch_json(c, "kill_http", kill, persist);
	switch_json(c, "kill_xdp", !api_xdp_policies_on(c->api), c->api->xdp_kill_persist);
	switch_json(c, "reputation_actions", rep_service_actions(c->api->d.rep),
		    c->api->rep_actions_persist);
	json_obj_close(&c->j);
}

static void host_json(struct api_call *c, const char *proxy, const char *host,
		      enum http_mode configured)
{
	struct toggles_host t;
	uint32_t off;

	toggles_host_get(toggles_host_find(proxy, host), &t);
	json_obj_open(&c->j);
	json_kstr(&c->j, "proxy", proxy);
	json_kstr(&c->j, "host", host);
	json_kstr(&c->j, "configured_mode", http_mode_words[configured]);
	json_key(&c->j, "mode_override");
	if (t.mode >= 0)
		json_str(&c->j, http_mode_words[t.mode]);
	else
		json_null_value(&c->j);
	json_kstr(&c->j, "effective_mode", http_mode_words[toggles_mode(
		  toggles_host_find(proxy, host), configured, &off)]);
	json_key(&c->j, "stages_off");
	json_arr_open(&c->j);
	for (uint32_t b = 1; b & TOGGLES_STAGE__ALL; b <<= 1)
		if (t.stages_off & b)
			json_str(&c->j, toggles_stage_name(b));
	json_arr_close(&c->j);
	json_kbool(&c->j, "survives_reload", t.persist);
	json_obj_close(&c->j);
}

int api_toggles_get(struct api_call *c)
{
	size_t n = c->api->d.ps ? proxy_set_n_live(c->api->d.ps) : 0;

	json_obj_open(&c->j);
	json_key(&c->j, "switches");
	api_toggles_summary(c);
	json_key(&c->j, "hosts");
	json_arr_open(&c->j);
	for (size_t i = 0; i < n; i++) {
		struct proxy *px = proxy_set_live(c->api->d.ps, i);
		const struct http_cfg *h = proxy_config(px)->http;

		for (size_t k = 0; h && k < h->n_hosts; k++)
			host_json(c, proxy_name(px), http_rt_host_name(h, k), h->hosts[k].mode);
	}
	json_arr_close(&c->j);
	json_obj_close(&c->j);
	return 200;
}

static int kill_xdp(struct api_call *c, bool on)
{
	char err[512];

	if (!c->api->d.shield)
		return api_fail(c, 409, NULL, "no XDP plane (proxy-only mode)");
	if (shield_set_policies(c->api->d.shield, *c->api->d.cfg, !on, err, sizeof(err)))
		return api_fail(c, 500, NULL, "XDP kill switch: %s", err);
	return 0;
}

int api_toggles_kill(struct api_call *c)
{
	bool on = api_bool(c, "on", false), persist = api_bool(c, "survive_reload", false);
	bool xdp = !strcmp(c->params[0], "xdp");

	if (!xdp && strcmp(c->params[0], "http"))
		return api_fail(c, 404, NULL, "no kill switch '%s': http or xdp", c->params[0]);
	if (xdp && kill_xdp(c, on))
		return c->status;
	if (xdp)
		c->api->xdp_kill_persist = on && persist;
	else
		toggles_kill_set(on, persist);
	snprintf(c->audit, sizeof(c->audit), "%s kill switch %s%s", c->params[0],
		 on ? "ON" : "off", on ? (xdp ? " (ports pass without their policies)" :
		 " (every host in detect mode)") : "");
	json_obj_open(&c->j);
	json_kstr(&c->j, "switch", c->params[0]);
	json_kbool(&c->j, "on", on);
	json_kbool(&c->j, "survives_reload", on && persist);
	json_obj_close(&c->j);
	return 200;
}

int api_toggles_rep(struct api_call *c)
{
	bool on = api_bool(c, "actions", true), persist = api_bool(c, "survive_reload", false);

	if (!c->api->d.rep)
		return api_fail(c, 409, NULL, "the reputation engine is off (reputation.enabled)");
	rep_service_set_actions(c->api->d.rep, on);
	c->api->rep_actions_persist = !on && persist;
	snprintf(c->audit, sizeof(c->audit), "reputation actions %s", on ? "on" : "OFF");
	json_obj_open(&c->j);
	json_kbool(&c->j, "actions", rep_service_actions(c->api->d.rep));
	json_kbool(&c->j, "survives_reload", c->api->rep_actions_persist);
	json_obj_close(&c->j);
	return 200;
}

/* The running HTTP proxy params[0] and its host params[1]; -1: answered. */
static int host_slot(struct api_call *c, enum http_mode *configured)
{
	struct proxy *px = api_proxy_find(c->api, c->params[0]);
	const struct http_cfg *h = px ? proxy_config(px)->http : NULL;

	if (!h)
		return api_fail(c, 404, NULL, "no http proxy named '%s'", c->params[0]), -1;
	for (size_t k = 0; k < h->n_hosts; k++)
		if (!strcmp(http_rt_host_name(h, k), c->params[1])) {
			int slot = toggles_host_slot(c->params[0], c->params[1]);

			*configured = h->hosts[k].mode;
			if (slot < 0)
				api_fail(c, 503, NULL, "more than %d hosts have switches",
					 TOGGLES_MAX_HOSTS);
			return slot;
		}
	return api_fail(c, 404, NULL, "proxy %s has no host '%s' (a host is named by its "
			"first name)", c->params[0], c->params[1]), -1;
}

static int parse_stages(struct api_call *c, uint32_t *off)
{
	json_t *arr = json_object_get(c->body, "stages_off"), *v;
	size_t i;

	*off = 0;
	json_array_foreach(arr, i, v) {
		uint32_t b = toggles_stage_parse(json_string_value(v));

		if (!b)
			return api_fail(c, 400, "stages_off", "stages_off: unknown stage '%.32s' "
					"(rate, bots, funnel, waf, reputation, challenge)",
					json_string_value(v));
		*off |= b;
	}
	return 0;
}

int api_toggles_host_set(struct api_call *c)
{
	struct toggles_host t = { .mode = -1, .persist = api_bool(c, "survive_reload", false) };
	const char *mode = api_str(c, "mode");
	enum http_mode configured;
	int slot = host_slot(c, &configured);

	if (slot < 0)
		return c->status;
	if (mode) {
		for (int m = 0; http_mode_words[m]; m++)
			if (!strcmp(http_mode_words[m], mode))
				t.mode = m;
		if (t.mode < 0)
			return api_fail(c, 400, "mode", "mode: off, detect or enforce");
	}
	if (parse_stages(c, &t.stages_off))
		return c->status;
	toggles_host_set(slot, &t);
	snprintf(c->audit, sizeof(c->audit), "host %s/%s: mode %s, %s stages off", c->params[0],
		 c->params[1], mode ? mode : "as configured", t.stages_off ? "some" : "no");
	host_json(c, c->params[0], c->params[1], configured);
	return 200;
}

int api_toggles_host_clear(struct api_call *c)
{
	struct toggles_host t = { .mode = -1 };
	enum http_mode configured;
	int slot = host_slot(c, &configured);

	if (slot < 0)
		return c->status;
	toggles_host_set(slot, &t);
	snprintf(c->audit, sizeof(c->audit), "host %s/%s back to its config", c->params[0],
		 c->params[1]);
	host_json(c, c->params[0], c->params[1], configured);
	return 200;
}

void api_reloaded(struct api *a, const struct cfg_api *cfg)
{
	char err[512];

	if (!a)
		return;
	if (api_auth_set_keys(a->auth, cfg->keys, cfg->n_keys))
		log_error("api: out of memory: the previous keys stay");
	toggles_reload();
	if (!api_xdp_policies_on(a) && !a->xdp_kill_persist) {
		if (shield_set_policies(a->d.shield, *a->d.cfg, true, err, sizeof(err)))
			log_error("api: XDP kill switch: %s", err);
		else
			log_warn("api: XDP kill switch off after the reload (it was not set to "
				 "survive reloads)");
	}
	if (a->d.rep && !rep_service_actions(a->d.rep) && !a->rep_actions_persist)
		rep_service_set_actions(a->d.rep, true);
}
