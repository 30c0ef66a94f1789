// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The management API without a daemon: the request parser (httpd), the
 * route table, body checks, keys and their failure limit, the live
 * switches, the api: config block, and whole calls through api_handle()
 * against an API with nothing running behind it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "config/config.h"
#include "guard/toggles.h"
#include "lib/addr.h"
#include "mgmt/api.h"
#include "mgmt/api_auth.h"
#include "mgmt/api_priv.h"
#include "mgmt/httpd.h"

static int parse(const char *s, struct httpd_req *rq)
{
	return httpd_parse(s, strlen(s), 8192, 64, rq);
}

Test(api, httpd_parse_requests)
{
	struct httpd_req rq;

	cr_assert_eq(parse("POST /v1/bans?x=1 HTTP/1.1\r\nAuthorization: Bearer k1\r\n"
			   "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", &rq), 0);
	cr_expect_eq(rq.status, 0);
	cr_expect_eq(rq.method, HTTPD_M_POST);
	cr_expect_eq(rq.path_len, 8);
	cr_expect(!memcmp(rq.path, "/v1/bans", 8));
	cr_expect_eq(rq.query_len, 3);
	cr_expect_eq(rq.token_len, 2);
	cr_expect(!memcmp(rq.token, "k1", 2));
	cr_expect_eq(rq.body_len, 2);
	cr_expect(!memcmp(rq.body, "{}", 2));
	cr_expect_eq(parse("PUT / HTTP/1.1\r\nX-API-Key: abc\r\n\r\n", &rq), 0);
	cr_expect_eq(rq.token_len, 3);
	/* The body is waited for; a longer one than allowed is refused at once. */
	cr_expect_eq(parse("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", &rq), 1);
	cr_expect_eq(parse("POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n", &rq), 0);
	cr_expect_eq(rq.status, 413);
	static const struct { const char *head; int status; } bad[] = {
		{ "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501 },
		{ "GET / HTTP/1.1\r\n folded\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nno colon\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400 },
		{ "GET /a\x01 HTTP/1.1\r\n\r\n", 400 },
		{ "GET / HTTP/2.0\r\n\r\n", 505 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(parse(bad[i].head, &rq), 0, "%s", bad[i].head);
		cr_expect_eq(rq.status, bad[i].status, "%s", bad[i].head);
		cr_expect(rq.reason && rq.reason[0]);
	}
}

Test(api, routes_match_and_decode)
{
	char p[API_MAX_PARAMS][API_PARAM_MAX], allow[128];
	const struct api_route *r;
	int st;

	r = api_route_find(HTTPD_M_DELETE, "/v1/lists/deny/198.18.0.0%2F24", 30, p, &st, allow,
			   sizeof(allow));
	cr_assert_not_null(r);
	cr_expect_str_eq(p[0], "deny");
	cr_expect_str_eq(p[1], "198.18.0.0/24");
	static const char six[] = "/v1/proxies/web/upstreams/[2001:db8::1]:80/eject";

	r = api_route_find(HTTPD_M_POST, six, strlen(six), p, &st, allow, sizeof(allow));
	cr_assert_not_null(r);
	cr_expect_str_eq(p[1], "[2001:db8::1]:80");
	cr_expect_not_null(api_route_find(HTTPD_M_GET, "/v1/status/", 11, p, &st, allow,
					  sizeof(allow)));
	cr_expect_null(api_route_find(HTTPD_M_GET, "/v1/nothing", 11, p, &st, allow, sizeof(allow)));
	cr_expect_eq(st, 404);
	cr_expect_null(api_route_find(HTTPD_M_PATCH, "/v1/bans", 8, p, &st, allow, sizeof(allow)));
	cr_expect_eq(st, 405);
	cr_expect_str_eq(allow, "GET, POST");
	/* A bad escape or an empty segment matches nothing. */
	cr_expect_null(api_route_find(HTTPD_M_GET, "/v1/proxies/a%zz", 16, p, &st, allow,
				      sizeof(allow)));
	cr_expect_null(api_route_find(HTTPD_M_GET, "/v1/proxies/%00", 15, p, &st, allow,
				      sizeof(allow)));
	cr_expect_null(api_route_find(HTTPD_M_POST, "/v1/proxies//enable", 19, p, &st, allow,
				      sizeof(allow)));
	/* Every route has a handler and a known scope. */
	for (size_t i = 0; i < api_n_routes; i++) {
		cr_expect_not_null(api_routes[i].fn);
		cr_expect(api_routes[i].scope < AEGIS_API_SCOPE__COUNT);
		cr_expect(api_routes[i].scope >= 0 || !strcmp(api_routes[i].pattern, "/v1/health"),
			  "%s needs no key", api_routes[i].pattern);
	}
}

Test(api, body_checks_name_the_field)
{
	static const struct api_field f[] = {
		{ "address", API_F_STR, true }, { "ttl", API_F_UINT, false },
		{ "on", API_F_BOOL, false }, { "entries", API_F_STRS, false },
	};
	static const struct { const char *json, *field; } cases[] = {
		{ "{\"address\":\"x\",\"ttl\":-1}", "ttl" },
		{ "{\"address\":\"x\",\"ttl\":1.5}", "ttl" },
		{ "{\"address\":1}", "address" },
		{ "{\"address\":\"x\",\"on\":1}", "on" },
		{ "{\"address\":\"x\",\"entries\":[\"a\",2]}", "entries" },
		{ "{\"address\":\"x\",\"extra\":null}", "extra" },
		{ "{\"ttl\":1}", "address" },
	};
	const char *field;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *b = json_loads(cases[i].json, 0, NULL);

		cr_assert_not_null(b);
		cr_expect_eq(api_body_check(b, f, 4, err, sizeof(err), &field), -EINVAL, "%s",
			     cases[i].json);
		cr_expect_str_eq(field, cases[i].field, "%s: %s", cases[i].json, err);
		json_decref(b);
	}
	json_t *ok = json_loads("{\"address\":\"x\",\"ttl\":0,\"on\":true,\"entries\":[]}", 0, NULL);
	cr_expect_eq(api_body_check(ok, f, 4, err, sizeof(err), &field), 0, "%s", err);
	json_decref(ok);
	json_t *arr = json_loads("[]", 0, NULL);
	cr_expect_eq(api_body_check(arr, f, 4, err, sizeof(err), &field), -EINVAL);
	json_decref(arr);
}

Test(api, keys_and_the_failure_limit)
{
	struct cfg_api_key k = { .label = "ops", .scopes = 1 };
	const struct cfg_api_key *who;
	struct aegis_addr a, b;
	struct api_auth *au;
	char key[128];
	uint32_t retry;

	cr_assert_eq(api_auth_new_key(key, sizeof(key)), 0);
	cr_expect_eq(strlen(key), strlen(AEGIS_API_KEY_PREFIX) + 43);
	cr_assert_eq(api_auth_hash(key, strlen(key), k.hash), 0);
	cr_assert_eq(api_auth_new(&au), 0);
	cr_assert_eq(api_auth_set_keys(au, &k, 1), 0);
	addr_parse("198.18.0.7", &a);
	addr_parse("2001:db8::7", &b);
	cr_expect_eq(api_auth_check(au, &a, key, strlen(key), 100, &who, &retry), API_AUTH_OK);
	cr_expect_str_eq(who->label, "ops");
	cr_expect_eq(api_auth_check(au, &a, NULL, 0, 100, &who, &retry), API_AUTH_MISSING);
	/* A prefix of the key is a different key. */
	cr_expect_eq(api_auth_check(au, &a, key, strlen(key) - 1, 100, &who, &retry), API_AUTH_BAD);
	for (int i = 0; i < AEGIS_API_AUTH_FAILS - 2; i++)
		cr_expect_eq(api_auth_check(au, &a, "x", 1, 101, &who, &retry), API_AUTH_BAD);
	cr_expect_eq(api_auth_check(au, &a, key, strlen(key), 102, &who, &retry), API_AUTH_LIMITED);
	cr_expect_eq(retry, AEGIS_API_AUTH_WINDOW_S - 2);
	cr_expect_eq(api_auth_check(au, &b, key, strlen(key), 102, &who, &retry), API_AUTH_OK);
	/* The window ends: the source may try again. */
	cr_expect_eq(api_auth_check(au, &a, key, strlen(key), 100 + AEGIS_API_AUTH_WINDOW_S, &who,
				    &retry), API_AUTH_OK);
	/* Keys rotate on reload. */
	cr_assert_eq(api_auth_set_keys(au, NULL, 0), 0);
	cr_expect_eq(api_auth_check(au, &b, key, strlen(key), 200, &who, &retry), API_AUTH_BAD);
	api_auth_free(au);
}

Test(api, toggles_modes_and_reload)
{
	struct toggles_host t = { .mode = HTTP_MODE_OFF, .stages_off = TOGGLES_WAF };
	uint32_t off;
	int s;

	toggles_reset();
	s = toggles_host_slot("web", "a.test");
	cr_assert_geq(s, 0);
	cr_expect_eq(toggles_host_slot("web", "a.test"), s);
	cr_expect_eq(toggles_host_find("web", "b.test"), -ENOENT);
	cr_expect_eq(toggles_mode(s, HTTP_MODE_ENFORCE, &off), HTTP_MODE_ENFORCE);
	toggles_host_set(s, &t);
	cr_expect_eq(toggles_mode(s, HTTP_MODE_ENFORCE, &off), HTTP_MODE_OFF);
	cr_expect_eq(off, TOGGLES_WAF);
	toggles_reload();	/* not persistent: gone */
	cr_expect_eq(toggles_mode(s, HTTP_MODE_ENFORCE, &off), HTTP_MODE_ENFORCE);
	cr_expect_eq(off, 0);
	toggles_kill_set(true, false);
	cr_expect_eq(toggles_mode(s, HTTP_MODE_ENFORCE, &off), HTTP_MODE_DETECT);
	cr_expect_eq(toggles_mode(-1, HTTP_MODE_OFF, &off), HTTP_MODE_OFF);
	cr_expect_eq(toggles_rep_mode(s, HTTP_MODE_ENFORCE), HTTP_MODE_DETECT);
	t = (struct toggles_host){ .mode = -1, .stages_off = TOGGLES_REPUTATION, .persist = true };
	toggles_host_set(s, &t);
	toggles_reload();
	cr_expect(!toggles_kill(NULL));
	cr_expect_eq(toggles_rep_mode(s, HTTP_MODE_ENFORCE), HTTP_MODE_OFF);
	cr_expect_eq(toggles_stage_parse("bots"), TOGGLES_BOTS);
	cr_expect_eq(toggles_stage_parse("walls"), 0);
	toggles_reset();
}

static struct aegis_config *load(const char *yaml, char *err, size_t len)
{
	struct aegis_config *cfg = NULL;

	config_load_string("a.yaml", yaml, &cfg, err, len);
	return cfg;
}

#define HASH "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

Test(api, config_block)
{
	char err[512] = "";
	struct aegis_config *c = load("state_dir: /tmp/st\n", err, sizeof(err));

	cr_assert_not_null(c, "%s", err);
	cr_expect(!c->api.tcp);
	cr_expect_str_eq(c->api.socket, "/tmp/st/api.sock");
	config_free(c);
	c = load("api:\n  socket: off\n  keys:\n    - { label: a, hash: \"" HASH "\", scopes: "
		 "[\"bans:*\", status:read] }\n", err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_expect(c->api.tcp);
	cr_expect_eq(c->api.port, 9091);
	cr_expect_str_eq(c->api.socket, "");
	cr_expect_eq(c->api.keys[0].scopes, (1u << AEGIS_API_SCOPE_BANS_READ) |
		     (1u << AEGIS_API_SCOPE_BANS_WRITE) | (1u << AEGIS_API_SCOPE_STATUS_READ));
	cr_expect_eq(c->api.keys[0].hash[0], 0x01);
	config_free(c);
	static const struct { const char *yaml, *msg; } bad[] = {
		{ "api: { listen: 198.18.0.1:9091 }\n", "a.yaml:1: api.listen: 198.18.0.1:9091 is "
		  "not a loopback address" },
		{ "api: { listen: nowhere }\n", "a.yaml:1: api.listen: expected ADDRESS:PORT" },
		{ "api: { socket: rel/api.sock }\n", "api.socket: expected an absolute path" },
		{ "api:\n  keys:\n    - { label: a, hash: \"sha256:00\", scopes: [\"*\"] }\n",
		  "a.yaml:3: api.keys[0].hash: expected sha256:" },
		{ "api:\n  keys:\n    - { label: a, hash: \"" HASH "\", scopes: [root] }\n",
		  "unknown scope 'root'" },
		{ "api:\n  keys:\n    - { label: a, hash: \"" HASH "\", scopes: [] }\n",
		  "a key needs at least one scope" },
		{ "api:\n  keys:\n    - { label: a, hash: \"" HASH "\" }\n",
		  "a key needs label, hash and scopes" },
		{ "api:\n  keys:\n    - { label: a, hash: \"" HASH "\", scopes: [\"*\"] }\n"
		  "    - { label: a, hash: \"" HASH "\", scopes: [\"*\"] }\n", "a is used twice" },
		{ "api:\n  keys:\n    - { label: \"a b\", hash: \"" HASH "\", scopes: [\"*\"] }\n",
		  "api.keys[0].label: use letters" },
		{ "api: { keys: [], color: red }\n", "unknown key 'color'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = load(bad[i].yaml, err, sizeof(err));
		cr_expect_null(c, "accepted: %s", bad[i].yaml);
		cr_expect(strstr(err, bad[i].msg), "%s -> %s", bad[i].yaml, err);
		config_free(c);
	}
}

/* One call through the dispatcher, as if from addr (NULL: the socket). */
static int call(struct api *a, const char *req, const char *peer, char *out, size_t len)
{
	struct httpd_answer ans = { 0 };
	struct httpd_req rq;
	int st;

	cr_assert_eq(httpd_parse(req, strlen(req), AEGIS_API_HEAD_MAX, AEGIS_API_BODY_MAX, &rq), 0);
	rq.local = !peer;
	if (peer)
		addr_parse(peer, &rq.peer);
	api_handle(&rq, &ans, a);
	snprintf(out, len, "%.*s", (int)ans.len, ans.body ? ans.body : "");
	st = ans.status;
	free(ans.body);
	return st;
}

Test(api, calls_without_a_daemon)
{
	struct cfg_api_key k = { .label = "ro", .scopes = 1u << AEGIS_API_SCOPE_STATUS_READ };
	struct aegis_config *cfg = load("state_dir: /tmp/st\n", NULL, 0);
	struct api_deps d = { .version = "t", .cfg = &cfg, .events = stderr };
	struct cfg_api ac = { .keys = &k, .n_keys = 1 };
	char out[4096], req[512];
	struct api *a;

	cr_assert_not_null(cfg);
	api_auth_hash("sekrit", 6, k.hash);
	cr_assert_eq(api_new_detached(&a, &ac, &d), 0);
	cr_expect_eq(call(a, "GET /v1/health HTTP/1.1\r\n\r\n", "198.18.0.1", out, sizeof(out)), 200);
	cr_expect_eq(call(a, "GET /v1/status HTTP/1.1\r\n\r\n", "198.18.0.1", out, sizeof(out)), 401);
	cr_expect(strstr(out, "\"status\":401"), "%s", out);
	cr_expect_eq(call(a, "GET /v1/status HTTP/1.1\r\nAuthorization: Bearer sekrit\r\n\r\n",
			  "198.18.0.1", out, sizeof(out)), 200, "%s", out);
	cr_expect(strstr(out, "\"running\":false"), "%s", out);
	cr_expect_eq(call(a, "GET /v1/proxies HTTP/1.1\r\nAuthorization: Bearer sekrit\r\n\r\n",
			  "198.18.0.1", out, sizeof(out)), 403);
	/* The socket acts with every scope; no plane behind: 409, not a crash. */
	cr_expect_eq(call(a, "GET /v1/proxies HTTP/1.1\r\n\r\n", NULL, out, sizeof(out)), 200);
	cr_expect(!strncmp(out, "[]", 2), "%s", out);
	cr_expect_eq(call(a, "GET /v1/bans HTTP/1.1\r\n\r\n", NULL, out, sizeof(out)), 409);
	cr_expect_eq(call(a, "GET /v1/reputation HTTP/1.1\r\n\r\n", NULL, out, sizeof(out)), 409);
	cr_expect_eq(call(a, "POST /v1/reload HTTP/1.1\r\n\r\n", NULL, out, sizeof(out)), 503);
	snprintf(req, sizeof(req), "PUT /v1/toggles/kill/http HTTP/1.1\r\nContent-Type: "
		 "application/json\r\nContent-Length: 11\r\n\r\n{\"on\":true}");
	cr_expect_eq(call(a, req, NULL, out, sizeof(out)), 200, "%s", out);
	cr_expect(toggles_kill(NULL));
	snprintf(req, sizeof(req), "PUT /v1/toggles/kill/nope HTTP/1.1\r\nContent-Type: "
		 "application/json\r\nContent-Length: 12\r\n\r\n{\"on\":false}");
	cr_expect_eq(call(a, req, NULL, out, sizeof(out)), 404);
	cr_expect(toggles_kill(NULL), "a refused call changed the switch");
	toggles_reset();
	api_stop(a);
	config_free(cfg);
}

/* docs/openapi.yaml documents every route, with its method. */
Test(api, openapi_documents_every_route)
{
	static const char *const m[] = { "", "get", "head", "post", "put", "delete", "patch" };
	FILE *f = fopen("docs/openapi.yaml", "r");
	char *doc = NULL;
	size_t cap = 0;

	cr_assert_not_null(f, "docs/openapi.yaml (run from the repository root)");
	cr_assert_gt(getdelim(&doc, &cap, '\0', f), 0);
	fclose(f);
	for (size_t i = 0; i < api_n_routes; i++) {
		char want[256], *at, *next, op[32];
		const char *p = api_routes[i].pattern;
		size_t k = 0;
		int n = 0;

		/* "/v1/proxies/{}/enable" -> "/v1/proxies/{" then "}/enable:" */
		k += (size_t)snprintf(want + k, sizeof(want) - k, "\n  ");
		for (; *p && k + 8 < sizeof(want); p++)
			want[k++] = *p;
		want[k] = '\0';
		at = doc;
		while ((at = strstr(at, "\n  /v1/"))) {
			const char *a = at + 3, *b = want + 3;

			/* match, a {name} in the doc standing for a {} in the table */
			while (*b && *a) {
				if (b[0] == '{' && b[1] == '}' && *a == '{') {
					a = strchr(a, '}') + 1;
					b += 2;
				} else if (*a == *b) {
					a++;
					b++;
				} else {
					break;
				}
			}
			if (!*b && *a == ':')
				break;
			at++;
		}
		cr_assert_not_null(at, "docs/openapi.yaml has no path %s", api_routes[i].pattern);
		next = strstr(at + 1, "\n  /");
		snprintf(op, sizeof(op), "\n    %s:", m[api_routes[i].method]);
		at = strstr(at, op);
		n = at && (!next || at < next);
		cr_expect(n, "docs/openapi.yaml: %s has no %s", api_routes[i].pattern, op + 5);
	}
	free(doc);
}
