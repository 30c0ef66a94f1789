// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The API's routes (docs/openapi.yaml documents each), the matcher that
 * finds one for a request, and the body checker. Both are pure functions
 * of their input: unit-tested and fuzzed without a daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/units.h"
#include "mgmt/api_priv.h"

#define S(x) AEGIS_API_SCOPE_##x
#define BODY(f) f, sizeof(f) / sizeof((f)[0])

static const struct api_field ban_body[] = {
	{ "address", API_F_STR, true }, { "ttl", API_F_UINT, false },
	{ "reason", API_F_STR, false },
};
static const struct api_field list_add_body[] = {
	{ "cidr", API_F_STR, true }, { "note", API_F_STR, false },
};
static const struct api_field list_put_body[] = {
	{ "entries", API_F_STRS, true }, { "note", API_F_STR, false },
};
static const struct api_field kill_body[] = {
	{ "on", API_F_BOOL, true }, { "survive_reload", API_F_BOOL, false },
};
static const struct api_field rep_body[] = {
	{ "actions", API_F_BOOL, true }, { "survive_reload", API_F_BOOL, false },
};
static const struct api_field host_body[] = {
	{ "mode", API_F_STR, false }, { "stages_off", API_F_STRS, false },
	{ "survive_reload", API_F_BOOL, false },
};
static const struct api_field waf_body[] = {
	{ "proxy", API_F_STR, false }, { "host", API_F_STR, false },
	{ "method", API_F_STR, false }, { "target", API_F_STR, true },
	{ "headers", API_F_MAP, false }, { "body", API_F_STR, false },
};
static const struct api_field empty_body[] = { { NULL, API_F_STR, false } };

const struct api_route api_routes[] = {
	{ HTTPD_M_GET, "/v1/health", -1, NULL, 0, api_health },
	{ HTTPD_M_GET, "/v1/version", S(STATUS_READ), NULL, 0, api_version },
	{ HTTPD_M_GET, "/v1/status", S(STATUS_READ), NULL, 0, api_status },
	{ HTTPD_M_GET, "/v1/metrics", S(METRICS_READ), NULL, 0, api_metrics },
	{ HTTPD_M_POST, "/v1/reload", S(CONFIG_WRITE), empty_body, 0, api_reload },
	{ HTTPD_M_GET, "/v1/proxies", S(PROXIES_READ), NULL, 0, api_proxies_list },
	{ HTTPD_M_GET, "/v1/proxies/{}", S(PROXIES_READ), NULL, 0, api_proxy_get },
	{ HTTPD_M_POST, "/v1/proxies/{}/enable", S(PROXIES_WRITE), empty_body, 0,
	  api_proxy_enable },
	{ HTTPD_M_POST, "/v1/proxies/{}/disable", S(PROXIES_WRITE), empty_body, 0,
	  api_proxy_disable },
	{ HTTPD_M_GET, "/v1/proxies/{}/connections", S(PROXIES_READ), NULL, 0,
	  api_proxy_connections },
	{ HTTPD_M_GET, "/v1/proxies/{}/upstreams", S(PROXIES_READ), NULL, 0,
	  api_proxy_upstreams },
	{ HTTPD_M_POST, "/v1/proxies/{}/upstreams/{}/eject", S(PROXIES_WRITE), empty_body, 0,
	  api_upstream_eject },
	{ HTTPD_M_POST, "/v1/proxies/{}/upstreams/{}/readmit", S(PROXIES_WRITE), empty_body, 0,
	  api_upstream_readmit },
	{ HTTPD_M_GET, "/v1/bans", S(BANS_READ), NULL, 0, api_bans_list },
	{ HTTPD_M_POST, "/v1/bans", S(BANS_WRITE), BODY(ban_body), api_bans_add },
	{ HTTPD_M_DELETE, "/v1/bans/{}", S(BANS_WRITE), NULL, 0, api_bans_delete },
	{ HTTPD_M_GET, "/v1/lists/{}", S(LISTS_READ), NULL, 0, api_list_get },
	{ HTTPD_M_POST, "/v1/lists/{}", S(LISTS_WRITE), BODY(list_add_body), api_list_add },
	{ HTTPD_M_PUT, "/v1/lists/{}", S(LISTS_WRITE), BODY(list_put_body), api_list_replace },
	{ HTTPD_M_DELETE, "/v1/lists/{}/{}", S(LISTS_WRITE), NULL, 0, api_list_delete },
	{ HTTPD_M_GET, "/v1/reputation", S(REPUTATION_READ), NULL, 0, api_rep_top },
	{ HTTPD_M_GET, "/v1/reputation/{}", S(REPUTATION_READ), NULL, 0, api_rep_get },
	{ HTTPD_M_DELETE, "/v1/reputation/{}", S(REPUTATION_WRITE), NULL, 0, api_rep_forget },
	{ HTTPD_M_POST, "/v1/waf/test", S(WAF_TEST), BODY(waf_body), api_waf_test },
	{ HTTPD_M_GET, "/v1/toggles", S(TOGGLES_READ), NULL, 0, api_toggles_get },
	{ HTTPD_M_PUT, "/v1/toggles/kill/{}", S(TOGGLES_WRITE), BODY(kill_body),
	  api_toggles_kill },
	{ HTTPD_M_PUT, "/v1/toggles/reputation", S(TOGGLES_WRITE), BODY(rep_body),
	  api_toggles_rep },
	{ HTTPD_M_PUT, "/v1/toggles/hosts/{}/{}", S(TOGGLES_WRITE), BODY(host_body),
	  api_toggles_host_set },
	{ HTTPD_M_DELETE, "/v1/toggles/hosts/{}/{}", S(TOGGLES_WRITE), NULL, 0,
	  api_toggles_host_clear },
};
const size_t api_n_routes = sizeof(api_routes) / sizeof(api_routes[0]);

/* Percent-decodes [s, s+n) into out; -EINVAL on a bad escape, a NUL, or
 * a result that does not fit. */
int api_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n || units_hex_digit(s[i + 1]) < 0 || units_hex_digit(s[i + 2]) < 0)
				return -EINVAL;
			c = units_hex_digit(s[i + 1]) * 16 + units_hex_digit(s[i + 2]);
			i += 2;
		}
		/* Names, addresses and CIDRs are printable ASCII: anything else
		 * cannot name a resource, and would not survive into JSON. */
		if (c <= ' ' || c >= 0x7f || k + 1 >= cap)
			return -EINVAL;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return 0;
}

/* Does path match pattern? Fills params with the decoded {} segments. */
static bool match(const char *pattern, const char *path, size_t len,
		  char params[API_MAX_PARAMS][API_PARAM_MAX])
{
	const char *p = pattern, *end = path + len;
	int np = 0;

	while (*p && path < end) {
		if (p[0] == '{' && p[1] == '}') {
			const char *seg = memchr(path, '/', (size_t)(end - path));
			size_t sl = (size_t)((seg ? seg : end) - path);

			if (!sl || np >= API_MAX_PARAMS ||
			    api_decode(path, sl, params[np++], API_PARAM_MAX))
				return false;
			path += sl;
			p += 2;
			continue;
		}
		if (*p != *path)
			return false;
		p++;
		path++;
	}
	return !*p && path == end;
}

const struct api_route *api_route_find(enum httpd_method m, const char *path, size_t len,
				       char params[API_MAX_PARAMS][API_PARAM_MAX], int *status,
				       char *allow, size_t allow_len)
{
	size_t used = 0;

	*status = 404;
	allow[0] = '\0';
	/* A trailing slash names the same resource. */
	if (len > 1 && path[len - 1] == '/')
		len--;
	for (size_t i = 0; i < api_n_routes; i++) {
		if (!match(api_routes[i].pattern, path, len, params))
			continue;
		if (api_routes[i].method == m)
			return &api_routes[i];
		*status = 405;
		used += (size_t)snprintf(allow + used, used < allow_len ? allow_len - used : 0,
					 "%s%s", used ? ", " : "",
					 httpd_method_name(api_routes[i].method));
		if (used >= allow_len)
			used = allow_len - 1;
	}
	return NULL;
}

static const char *type_name(enum api_ftype t)
{
	switch (t) {
	case API_F_STR: return "a string";
	case API_F_UINT: return "a non-negative integer";
	case API_F_BOOL: return "true or false";
	case API_F_STRS: return "an array of strings";
	default: return "an object of strings";
	}
}

static bool type_ok(const json_t *v, enum api_ftype t)
{
	size_t i;
	const char *k;
	json_t *x;

	switch (t) {
	case API_F_STR: return json_is_string(v);
	case API_F_UINT: return json_is_integer(v) && json_integer_value(v) >= 0;
	case API_F_BOOL: return json_is_boolean(v);
	case API_F_STRS:
		if (!json_is_array(v))
			return false;
		json_array_foreach(v, i, x)
			if (!json_is_string(x))
				return false;
		return true;
	default:
		if (!json_is_object(v))
			return false;
		json_object_foreach((json_t *)v, k, x)
			if (!json_is_string(x))
				return false;
		return true;
	}
}

int api_body_check(const json_t *body, const struct api_field *f, size_t n, char *err,
		   size_t len, const char **field)
{
	const char *k;
	json_t *v;

	*field = NULL;
	if (!json_is_object(body)) {
		snprintf(err, len, "the body must be a JSON object");
		return -EINVAL;
	}
	json_object_foreach((json_t *)body, k, v) {
		size_t i;

		for (i = 0; i < n && strcmp(f[i].name, k); i++)
			;
		if (i == n) {
			*field = k;
			snprintf(err, len, "unknown field '%.64s'", k);
			return -EINVAL;
		}
		if (!type_ok(v, f[i].type)) {
			*field = f[i].name;
			snprintf(err, len, "field '%s' must be %s", f[i].name, type_name(f[i].type));
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (f[i].required && !json_object_get(body, f[i].name)) {
			*field = f[i].name;
			snprintf(err, len, "field '%s' is required", f[i].name);
			return -EINVAL;
		}
	return 0;
}
