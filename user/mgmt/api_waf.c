// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * API: POST /v1/waf/test, one request through a running HTTP proxy's
 * compiled WAF (what `aegisctl waf test` does offline with the config's
 * rules): the rules that fired, the host's threshold and its effective
 * mode (live switches included), the verdict. Only the WAF runs: no rate
 * limiter, counter or reputation sees the probe.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/http_config_priv.h"
#include "config/proxy_config.h"
#include "engine/proxy.h"
#include "engine/proxy_set.h"
#include "guard/toggles.h"
#include "guard/waf_probe.h"
#include "http/http_rt.h"
#include "mgmt/api_priv.h"

/* The http proxy named in the body, or the only one. */
static struct proxy *waf_proxy(struct api_call *c)
{
	const char *name = api_str(c, "proxy");
	struct proxy *found = NULL;
	size_t n = c->api->d.ps ? proxy_set_n_live(c->api->d.ps) : 0, n_http = 0;

	for (size_t i = 0; i < n; i++) {
		struct proxy *px = proxy_set_live(c->api->d.ps, i);

		if (!proxy_config(px)->http || (name && strcmp(proxy_name(px), name)))
			continue;
		found = px;
		n_http++;
	}
	if (!found)
		api_fail(c, 404, name ? "proxy" : NULL, name ? "no http proxy named '%.64s'" :
			 "no http proxy is running%.0s", name ? name : "");
	else if (n_http > 1)
		api_fail(c, 400, "proxy", "%zu http proxies: name one in 'proxy'", n_http);
	return c->err[0] ? NULL : found;
}

/* No field may smuggle line breaks into the request it is built into. */
static bool one_line(const char *s)
{
	return !strpbrk(s, "\r\n");
}

static bool is_method(const char *m)
{
	size_t n = strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

	return n && n <= 16 && !m[n];
}

static bool is_name(const char *k)
{
	size_t n = strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			  "!#$%&'*+-.^_`|~");

	return n && n < 128 && !k[n];
}

static int probe_of(struct api_call *c, struct waf_probe **q)
{
	const char *body = api_str(c, "body"), *k;
	struct waf_probe_in in = { .method = api_str(c, "method"), .target = api_str(c, "target"),
				   .host = api_str(c, "host"), .body = body,
				   .body_len = body ? strlen(body) : 0 };
	char hdr[WAF_PROBE_MAX_HDR][512], err[256];
	json_t *v;

	if (!in.method)
		in.method = "GET";
	if (!is_method(in.method))
		return api_fail(c, 400, "method", "method: 1 to 16 capital letters");
	if (in.target[0] != '/' || strlen(in.target) > 8192)
		return api_fail(c, 400, "target", "target must start with '/' (at most 8192 bytes)");
	if (in.host && (!one_line(in.host) || strlen(in.host) > 255))
		return api_fail(c, 400, "host", "host: one line, at most 255 bytes");
	json_object_foreach(json_object_get(c->body, "headers"), k, v) {
		if (in.n_hdrs == WAF_PROBE_MAX_HDR)
			return api_fail(c, 400, "headers", "at most %d headers", WAF_PROBE_MAX_HDR);
		if (!is_name(k) || !one_line(json_string_value(v)) ||
		    strlen(json_string_value(v)) > 500)
			return api_fail(c, 400, "headers", "headers: token names, one-line values of "
					"at most 500 bytes");
		snprintf(hdr[in.n_hdrs], sizeof(hdr[0]), "%s: %s", k, json_string_value(v));
		in.hdrs[in.n_hdrs] = hdr[in.n_hdrs];
		in.n_hdrs++;
	}
	if (waf_probe_build(&in, q, err, sizeof(err)))
		return api_fail(c, 400, NULL, "%s", err);
	return 0;
}

static void hits_json(struct api_call *c, const struct waf *w, const struct waf_result *res)
{
	json_key(&c->j, "hits");
	json_arr_open(&c->j);
	for (unsigned i = 0; i < res->n_hits; i++) {
		const struct waf_hit *h = &res->hits[i];
		const struct waf_rule_info *ri = waf_rule_find(w, h->id);

		json_obj_open(&c->j);
		json_ku64(&c->j, "id", h->id);
		json_kstr(&c->j, "class", waf_class_name(h->cls));
		json_kstr(&c->j, "target", waf_target_name(h->target));
		json_ki64(&c->j, "score", h->score);
		json_kstr(&c->j, "description", ri ? ri->desc : "?");
		json_obj_close(&c->j);
	}
	json_arr_close(&c->j);
}

/* The verdict the live proxy would reach on res for this request. */
static void verdict_json(struct api_call *c, struct proxy *px, const struct waf_probe *q,
			 const struct waf_result *res)
{
	const struct http_req_head *h = waf_probe_head(q);
	const struct http_cfg *hc = proxy_config(px)->http;
	const struct http_host *host = http_rt_host_match(px, h->host.p, h->host.len,
							  h->norm_path.p, h->norm_path.len);
	uint32_t off, thr = host ? host->waf_threshold : hc->waf.threshold;
	enum http_mode mode = toggles_mode(host ? http_rt_toggle_slot(http_rt_of(px), host) : -1,
					   host ? host->mode : hc->mode, &off);

	if (off & TOGGLES_WAF)
		thr = 0;
	json_kstr(&c->j, "proxy", proxy_name(px));
	json_kstr(&c->j, "host", host && host->n_names ? host->names[0] : "-");
	json_kstr(&c->j, "mode", http_mode_words[mode]);
	json_ku64(&c->j, "threshold", thr);
	json_ki64(&c->j, "total", res->total);
	json_kstr(&c->j, "verdict", mode == HTTP_MODE_OFF || !thr || (uint32_t)res->total < thr ?
		  "pass" : mode == HTTP_MODE_ENFORCE ? "block" : "flag");
}

int api_waf_test(struct api_call *c)
{
	struct proxy *px = waf_proxy(c);
	struct waf_probe *q = NULL;
	struct waf_scratch *s = NULL;
	const struct waf *w;
	struct waf_result res;

	if (!px || probe_of(c, &q))
		goto out;
	w = http_rt_waf(px);
	if (!w) {
		api_fail(c, 409, NULL, "proxy %s runs no WAF (waf.threshold 0 on every host)",
			 proxy_name(px));
		goto out;
	}
	s = waf_scratch_new(w);
	if (!s || waf_inspect(w, s, waf_probe_request(q), &res)) {
		api_fail(c, 500, NULL, "the scan failed");
		goto out;
	}
	json_obj_open(&c->j);
	verdict_json(c, px, q, &res);
	hits_json(c, w, &res);
	json_obj_close(&c->j);
out:
	waf_scratch_free(s);
	waf_probe_free(q);
	return c->status;
}
