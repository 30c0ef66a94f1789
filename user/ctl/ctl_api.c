// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * aegisctl's commands that ask the running aegisd, over its management
 * API's Unix socket (-a SOCKET, default CTL_DEF_API_SOCKET; the file mode
 * is the access control, so no key is needed there):
 *   proxies                  the live proxies, connections, upstreams up
 *   proxy NAME               one proxy and its upstreams with health
 *   toggles                  the live switches
 *   toggles kill http|xdp on|off, toggles reputation on|off [--persist]
 *   toggles host PROXY HOST mode M / stages-off S,... / reset
 * and the one that needs no daemon:
 *   api-key new              a new key and the hash to put in api.keys
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl/ctl.h"
#include "mgmt/api_auth.h"

#define CTL_API_REPLY_MAX	(8u << 20)

/* One request over the Unix socket; *body is the reply's body (malloc'ed). */
static int api_call(const struct ctl *c, const char *method, const char *path,
		    const char *json, int *status, char **body)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *sock = c->api_sock ? c->api_sock : CTL_DEF_API_SOCKET;
	size_t cap = 65536, n = 0, blen = json ? strlen(json) : 0;
	char head[512], *buf = NULL, *p;
	int fd = -1, ret = -ENOMEM;
	ssize_t r;

	if (strlen(sock) >= sizeof(sa.sun_path))
		return ctl_fail("API socket path too long: %s", sock);
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = ctl_fail("cannot reach aegisd's API at %s: %s (is aegisd running? -a SOCKET)",
			       sock, strerror(errno));
		goto out;
	}
	snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: aegisd\r\n%sContent-Length: %zu"
		 "\r\n\r\n", method, path, json ? "Content-Type: application/json\r\n" : "", blen);
	if (write(fd, head, strlen(head)) < 0 || (blen && write(fd, json, blen) < 0)) {
		ret = ctl_fail("API request: %s", strerror(errno));
		goto out;
	}
	if (!(buf = malloc(cap)))
		goto out;
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (n + 1 == cap) {
			char *nb = cap < CTL_API_REPLY_MAX ? realloc(buf, cap * 2) : NULL;

			if (!nb)
				goto out;
			buf = nb;
			cap *= 2;
		}
	}
	buf[n] = '\0';
	p = strstr(buf, "\r\n\r\n");
	if (sscanf(buf, "HTTP/1.1 %d", status) != 1 || !p) {
		ret = ctl_fail("API: malformed answer from %s", sock);
		goto out;
	}
	memmove(buf, p + 4, n - (size_t)(p + 4 - buf) + 1);
	*body = buf;
	buf = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* The body as JSON, or its error printed: NULL then. */
static json_t *api_json(const struct ctl *c, const char *method, const char *path,
			const char *json, int *rc)
{
	json_t *v = NULL;
	char *body = NULL;
	int status = 0;

	*rc = api_call(c, method, path, json, &status, &body);
	if (*rc)
		return NULL;
	v = json_loads(body, 0, NULL);
	if (status >= 300) {
		json_t *e = json_object_get(json_object_get(v, "error"), "message");

		*rc = ctl_fail("%s %s: %d %s", method, path, status,
			       e ? json_string_value(e) : body);
		json_decref(v);
		v = NULL;
	} else if (!v) {
		*rc = ctl_fail("API: the answer is not JSON");
	}
	free(body);
	return v;
}

static void print_json(const json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s)
		puts(s);
	free(s);
}

static long long num(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

int do_proxies(struct ctl *c, int argc, char **argv)
{
	json_t *v, *p;
	size_t i;
	int rc;

	if (argc)
		return ctl_is_help(argc, argv) ? (puts("Usage: aegisctl [-a SOCKET] [-j] proxies"),
						  CTL_OK) : ctl_usage("proxies takes no arguments");
	if (!(v = api_json(c, "GET", "/v1/proxies", NULL, &rc)))
		return rc;
	if (c->json) {
		print_json(v);
	} else {
		printf("%-20s %-8s %-8s %11s %12s %10s %9s\n", "NAME", "PROTO", "STATE", "ACTIVE",
		       "TOTAL", "REFUSED", "UPSTREAMS");
		json_array_foreach(v, i, p)
			printf("%-20s %-8s %-8s %11lld %12lld %10lld %5lld/%lld\n", str(p, "name"),
			       str(p, "protocol"), json_is_true(json_object_get(p, "enabled")) ?
			       "enabled" : "DISABLED", num(p, "connections_active"),
			       num(p, "connections_total"), num(p, "connections_refused"),
			       num(p, "upstreams_up"), num(p, "upstreams"));
	}
	json_decref(v);
	return CTL_OK;
}

static int proxy_show(struct ctl *c, const char *name)
{
	char path[512];
	json_t *p, *u, *t;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "/v1/proxies/%s", name);
	if (!(p = api_json(c, "GET", path, NULL, &rc)))
		return rc;
	snprintf(path, sizeof(path), "/v1/proxies/%s/upstreams", name);
	if (!(u = api_json(c, "GET", path, NULL, &rc))) {
		json_decref(p);
		return rc;
	}
	if (c->json) {
		json_object_set(p, "upstream_targets", u);
		print_json(p);
	} else {
		printf("proxy %s (%s), %s: %lld active, %lld total, %lld refused\n",
		       str(p, "name"), str(p, "protocol"),
		       json_is_true(json_object_get(p, "enabled")) ? "enabled" : "DISABLED",
		       num(p, "connections_active"), num(p, "connections_total"),
		       num(p, "connections_refused"));
		json_array_foreach(u, i, t)
			printf("  %-40s %-9s%s %6lld active %10lld picks\n", str(t, "address"),
			       json_is_true(json_object_get(t, "healthy")) ? "healthy" : "DOWN",
			       json_is_true(json_object_get(t, "ejected")) ? " EJECTED" : "",
			       num(t, "connections_active"), num(t, "picks"));
	}
	json_decref(p);
	json_decref(u);
	return CTL_OK;
}

static int proxy_usage(FILE *f)
{
	fprintf(f, "Usage: aegisctl [-a SOCKET] [-j] proxy NAME [enable | disable |\n"
		"                                        eject ADDR:PORT | readmit ADDR:PORT]\n");
	return f == stdout ? CTL_OK : CTL_USAGE;
}

int do_proxy(struct ctl *c, int argc, char **argv)
{
	char path[512];
	json_t *v;
	int rc;

	if (argc < 1 || ctl_is_help(argc, argv))
		return proxy_usage(argc < 1 ? stderr : stdout);
	if (argc == 1)
		return proxy_show(c, argv[0]);
	if (argc == 2 && (!strcmp(argv[1], "enable") || !strcmp(argv[1], "disable")))
		snprintf(path, sizeof(path), "/v1/proxies/%s/%s", argv[0], argv[1]);
	else if (argc == 3 && (!strcmp(argv[1], "eject") || !strcmp(argv[1], "readmit")))
		snprintf(path, sizeof(path), "/v1/proxies/%s/upstreams/%s/%s", argv[0], argv[2],
			 argv[1]);
	else
		return proxy_usage(stderr);
	if (!(v = api_json(c, "POST", path, "{}", &rc)))
		return rc;
	if (c->json)
		print_json(v);
	else
		printf("proxy %s: %s%s%s\n", argv[0], argv[1], argc == 3 ? " " : "",
		       argc == 3 ? argv[2] : "");
	json_decref(v);
	return CTL_OK;
}

static int toggles_show(struct ctl *c)
{
	json_t *v, *sw, *h;
	const char *k;
	size_t i;
	int rc;

	if (!(v = api_json(c, "GET", "/v1/toggles", NULL, &rc)))
		return rc;
	if (c->json) {
		print_json(v);
		json_decref(v);
		return CTL_OK;
	}
	json_object_foreach(json_object_get(v, "switches"), k, sw)
		printf("%-20s %-4s%s\n", k, json_is_true(json_object_get(sw, "on")) ? "on" : "off",
		       json_is_true(json_object_get(sw, "survives_reload")) ?
		       " (survives reloads)" : "");
	json_array_foreach(json_object_get(v, "hosts"), i, h) {
		char *stages = json_dumps(json_object_get(h, "stages_off"), JSON_COMPACT);

		printf("host %s/%s: mode %s (configured %s), stages off %s%s\n", str(h, "proxy"),
		       str(h, "host"), str(h, "effective_mode"), str(h, "configured_mode"),
		       stages ? stages : "[]",
		       json_is_true(json_object_get(h, "survives_reload")) ? ", survives reloads" :
		       "");
		free(stages);
	}
	json_decref(v);
	return CTL_OK;
}

static int toggle_usage(FILE *f)
{
	fprintf(f, "Usage: aegisctl [-a SOCKET] [-j] toggles\n"
		"       aegisctl toggles kill http|xdp on|off [--persist]\n"
		"       aegisctl toggles reputation on|off [--persist]\n"
		"       aegisctl toggles host PROXY HOST [mode off|detect|enforce]\n"
		"                [stages-off STAGE,...] [--persist] | reset\n"
		"  kill http: every host in detect mode; kill xdp: ports pass without their\n"
		"  policies (lists and bans still apply). --persist: survives reloads.\n");
	return f == stdout ? CTL_OK : CTL_USAGE;
}

static bool on_off(const char *s, bool *on)
{
	*on = !strcmp(s, "on");
	return *on || !strcmp(s, "off");
}

/* "a,b" into a JSON array of strings. */
static json_t *stage_list(const char *s)
{
	json_t *a = json_array();
	char *dup = strdup(s), *save = NULL;

	for (char *t = dup ? strtok_r(dup, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(t));
	free(dup);
	return a;
}

static int toggles_host(struct ctl *c, int argc, char **argv, char *path, size_t plen,
			json_t *body, const char **method)
{
	if (argc < 2)
		return toggle_usage(stderr);
	snprintf(path, plen, "/v1/toggles/hosts/%s/%s", argv[0], argv[1]);
	if (argc == 3 && !strcmp(argv[2], "reset")) {
		*method = "DELETE";
		return 0;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--persist"))
			json_object_set_new(body, "survive_reload", json_true());
		else if (!strcmp(argv[i], "mode") && i + 1 < argc)
			json_object_set_new(body, "mode", json_string(argv[++i]));
		else if (!strcmp(argv[i], "stages-off") && i + 1 < argc)
			json_object_set_new(body, "stages_off", stage_list(argv[++i]));
		else
			return toggle_usage(stderr);
	}
	(void)c;
	return 0;
}

int do_toggles(struct ctl *c, int argc, char **argv)
{
	const char *method = "PUT";
	json_t *body = json_object(), *v;
	char path[512], *js = NULL;
	bool on, persist = argc > 0 && !strcmp(argv[argc - 1], "--persist");
	int rc = 0;

	if (ctl_is_help(argc, argv))
		rc = toggle_usage(stdout) ? CTL_USAGE : -1;
	else if (!argc)
		rc = toggles_show(c) ? CTL_ERR : -1;
	else if (!strcmp(argv[0], "kill") && argc - persist == 3 && on_off(argv[2], &on) &&
		 (!strcmp(argv[1], "http") || !strcmp(argv[1], "xdp"))) {
		snprintf(path, sizeof(path), "/v1/toggles/kill/%s", argv[1]);
		json_object_set_new(body, "on", json_boolean(on));
		json_object_set_new(body, "survive_reload", json_boolean(persist));
	} else if (!strcmp(argv[0], "reputation") && argc - persist == 2 && on_off(argv[1], &on)) {
		snprintf(path, sizeof(path), "/v1/toggles/reputation");
		json_object_set_new(body, "actions", json_boolean(on));
		json_object_set_new(body, "survive_reload", json_boolean(persist));
	} else if (!strcmp(argv[0], "host")) {
		rc = toggles_host(c, argc - 1, argv + 1, path, sizeof(path), body, &method);
	} else {
		rc = toggle_usage(stderr);
	}
	if (rc) {
		json_decref(body);
		return rc < 0 ? CTL_OK : rc;
	}
	js = strcmp(method, "DELETE") ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	v = api_json(c, method, path, js, &rc);
	free(js);
	if (!v)
		return rc;
	if (c->json)
		print_json(v);
	else
		printf("%s: done\n", path + strlen("/v1/toggles/"));
	json_decref(v);
	return CTL_OK;
}

int do_api_key(struct ctl *c, int argc, char **argv)
{
	char key[128], hex[2 * AEGIS_API_HASH_LEN + 1];
	uint8_t h[AEGIS_API_HASH_LEN];

	(void)c;
	if (argc != 1 || strcmp(argv[0], "new")) {
		fprintf(ctl_is_help(argc, argv) ? stdout : stderr,
			"Usage: aegisctl api-key new\n"
			"  Prints a new API key (give it to the client) and its hash (put it in\n"
			"  api.keys with a label and scopes; aegisd never stores the key).\n");
		return ctl_is_help(argc, argv) ? CTL_OK : CTL_USAGE;
	}
	if (api_auth_new_key(key, sizeof(key)) || api_auth_hash(key, strlen(key), h))
		return ctl_fail("api-key: no random bytes or no SHA-256 (OpenSSL)");
	for (int i = 0; i < AEGIS_API_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	printf("key:  %s\nhash: %s%s\n", key, AEGIS_API_HASH_PREFIX, hex);
	return CTL_OK;
}
