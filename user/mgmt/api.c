// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The management API's dispatcher and lifecycle; see api.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/proxy.h"
#include "engine/proxy_set.h"
#include "lib/log.h"
#include "mgmt/api_priv.h"

static uint64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

int api_fail(struct api_call *c, int status, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	c->err_field = field;
	c->status = status;
	return status;
}

bool api_query(const struct api_call *c, const char *name, char *buf, size_t len)
{
	const char *q = c->rq->query, *end = q ? q + c->rq->query_len : NULL;
	size_t nlen = strlen(name);

	while (q && q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q)), *e = amp ? amp : end;

		if ((size_t)(e - q) > nlen && !memcmp(q, name, nlen) && q[nlen] == '=')
			return !api_decode(q + nlen + 1, (size_t)(e - q - nlen - 1), buf, len);
		q = amp ? amp + 1 : end;
	}
	return false;
}

const char *api_str(const struct api_call *c, const char *name)
{
	json_t *v = c->body ? json_object_get(c->body, name) : NULL;

	return v ? json_string_value(v) : NULL;
}

bool api_bool(const struct api_call *c, const char *name, bool def)
{
	json_t *v = c->body ? json_object_get(c->body, name) : NULL;

	return v ? json_is_true(v) : def;
}

bool api_has(const struct api_call *c, const char *name)
{
	return c->body && json_object_get(c->body, name);
}

uint64_t api_uint(const struct api_call *c, const char *name, uint64_t def)
{
	json_t *v = c->body ? json_object_get(c->body, name) : NULL;

	return v ? (uint64_t)json_integer_value(v) : def;
}

struct proxy *api_proxy_find(struct api *a, const char *name)
{
	if (!a->d.ps)
		return NULL;
	for (size_t i = 0; i < proxy_set_n_live(a->d.ps); i++) {
		struct proxy *px = proxy_set_live(a->d.ps, i);

		if (!strcmp(proxy_name(px), name))
			return px;
	}
	return NULL;
}

/* ---- answers ---- */

/* Messages quote what the client sent, maybe cut mid-character: keep them
 * printable ASCII so the JSON is always valid. */
static void ascii_only(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static void answer_json_error(struct httpd_answer *ans, int status, const char *msg,
			      const char *field)
{
	char m[1024], f[128];
	json_t *e;

	snprintf(m, sizeof(m), "%s", msg);
	ascii_only(m);
	e = json_pack("{s:{s:i,s:s}}", "error", "status", status, "message", m);
	if (field) {
		snprintf(f, sizeof(f), "%s", field);
		ascii_only(f);
		field = f;
	}

	if (e && field)
		json_object_set_new(json_object_get(e, "error"), "field", json_string(field));
	ans->status = status;
	ans->ctype = "application/json";
	ans->body = e ? json_dumps(e, JSON_COMPACT) : NULL;
	ans->len = ans->body ? strlen(ans->body) : 0;
	json_decref(e);
}

/* 401 asks for a bearer token; 429 says when to retry. */
static void auth_refused(struct api *a, struct httpd_answer *ans, enum api_auth_result r,
			 uint32_t retry_s)
{
	if (r == API_AUTH_LIMITED) {
		snprintf(ans->headers, sizeof(ans->headers), "Retry-After: %u\r\n", retry_s);
		answer_json_error(ans, 429, "too many failed authentications from this address",
				  NULL);
		return;
	}
	snprintf(ans->headers, sizeof(ans->headers),
		 "WWW-Authenticate: Bearer realm=\"aegis\"\r\n");
	answer_json_error(ans, 401, r == API_AUTH_MISSING ?
			  (api_auth_n_keys(a->auth) ? "an API key is required (Authorization: "
			   "Bearer KEY)" : "an API key is required and none is configured "
			   "(api.keys); use the Unix socket") : "invalid API key", NULL);
}

/* Who the caller is and whether it may call the route; false: answered. */
static bool authorize(struct api *a, const struct httpd_req *rq, const struct api_route *r,
		      struct api_call *c, struct httpd_answer *ans)
{
	const struct cfg_api_key *key;
	enum api_auth_result res;
	uint32_t retry;

	if (rq->local) {
		snprintf(c->who, sizeof(c->who), "local");
		return true;
	}
	if (r->scope < 0) {
		snprintf(c->who, sizeof(c->who), "anonymous");
		return true;
	}
	res = api_auth_check(a->auth, &rq->peer, rq->token, rq->token_len, mono_s(), &key,
			     &retry);
	if (res != API_AUTH_OK) {
		auth_refused(a, ans, res, retry);
		return false;
	}
	snprintf(c->who, sizeof(c->who), "%s", key->label);
	if (!(key->scopes & (1u << r->scope))) {
		char msg[128];

		snprintf(msg, sizeof(msg), "key '%s' lacks the scope %s", key->label,
			 config_api_scope_name((enum aegis_api_scope)r->scope));
		answer_json_error(ans, 403, msg, NULL);
		return false;
	}
	return true;
}

/* The body the route takes, parsed and checked; false: answered 4xx. */
static bool read_body(const struct httpd_req *rq, const struct api_route *r,
		      struct api_call *c, struct httpd_answer *ans)
{
	const char *field = NULL;
	json_error_t je;
	char msg[256];

	if (!rq->body_len && !r->body)
		return true;
	if (!rq->body_len) {	/* no body: as {}, so required fields are still asked for */
		c->body = json_object();
		if (!c->body) {
			answer_json_error(ans, 500, "out of memory", NULL);
			return false;
		}
		goto check;
	}
	if (!r->body) {
		answer_json_error(ans, 400, "this call takes no body", NULL);
		return false;
	}
	if (!rq->ctype || rq->ctype_len < 16 || strncasecmp(rq->ctype, "application/json", 16)) {
		answer_json_error(ans, 415, "the body must be Content-Type: application/json", NULL);
		return false;
	}
	c->body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!c->body) {
		snprintf(msg, sizeof(msg), "malformed JSON at line %d column %d: %s", je.line,
			 je.column, je.text);
		answer_json_error(ans, 400, msg, NULL);
		return false;
	}
check:
	if (api_body_check(c->body, r->body, r->n_body, msg, sizeof(msg), &field)) {
		answer_json_error(ans, 400, msg, field);
		return false;
	}
	return true;
}

/* A write that worked: a log line and an event naming who did it. */
static void audit(struct api *a, const struct api_call *c, const struct api_route *r)
{
	FILE *ev = a->d.events ? a->d.events : stdout;
	struct json j;
	char path[256];

	snprintf(path, sizeof(path), "%.*s", (int)c->rq->path_len, c->rq->path);
	a->st.writes++;
	log_warn("api: %s %s by '%s' from %s%s%s", httpd_method_name(r->method), path, c->who,
		 c->src, c->audit[0] ? ": " : "", c->audit);
	json_init(&j, ev);
	json_obj_open(&j);
	json_kstr(&j, "type", "api_audit");
	json_ku64(&j, "time", (uint64_t)time(NULL));
	json_kstr(&j, "key", c->who);
	json_kstr(&j, "source", c->src);
	json_kstr(&j, "method", httpd_method_name(r->method));
	json_kstr(&j, "path", path);
	json_kstr(&j, "what", c->audit);
	json_ku64(&j, "status", (uint64_t)c->status);
	json_obj_close(&j);
	fputc('\n', ev);
	fflush(ev);
}

/* Runs the handler, collecting its JSON (or raw) body into ans. */
static void run(struct api *a, const struct api_route *r, struct api_call *c,
		struct httpd_answer *ans)
{
	char *buf = NULL;
	size_t len = 0;

	c->out = open_memstream(&buf, &len);
	if (!c->out) {
		answer_json_error(ans, 500, "out of memory", NULL);
		return;
	}
	json_init(&c->j, c->out);
	c->status = 200;
	r->fn(c);
	fclose(c->out);
	if (c->err[0] || c->status >= 400) {
		answer_json_error(ans, c->status, c->err[0] ? c->err : "failed", c->err_field);
		free(buf);
		free(c->raw);
		return;
	}
	ans->status = c->status;
	if (c->raw) {
		ans->ctype = c->raw_ctype;
		ans->body = c->raw;
		ans->len = c->raw_len;
		free(buf);
	} else {
		ans->ctype = "application/json";
		ans->body = buf;
		ans->len = len;
	}
	if (r->method != HTTPD_M_GET)
		audit(a, c, r);
}

static void count(struct api *a, const struct httpd_answer *ans)
{
	a->st.requests++;
	if (ans->status >= 100 && ans->status < 600)
		a->st.by_class[ans->status / 100]++;
}

void api_handle(const struct httpd_req *rq, struct httpd_answer *ans, void *ctx)
{
	struct api *a = ctx;
	struct api_call *c = calloc(1, sizeof(*c));
	const struct api_route *r;
	char allow[128];
	int status;

	if (!c) {
		answer_json_error(ans, 500, "out of memory", NULL);
		return;
	}
	c->api = a;
	c->rq = rq;
	if (rq->local)
		strcpy(c->src, "unix");
	else
		addr_format(&rq->peer, c->src, sizeof(c->src));
	if (rq->status) {
		answer_json_error(ans, rq->status, rq->reason, NULL);
		goto out;
	}
	r = api_route_find(rq->method, rq->path, rq->path_len, c->params, &status, allow,
			   sizeof(allow));
	if (!r) {
		if (status == 405)
			snprintf(ans->headers, sizeof(ans->headers), "Allow: %s\r\n", allow);
		answer_json_error(ans, status, status == 405 ? "method not allowed here" :
				  "no such API path (see docs/openapi.yaml)", NULL);
		goto out;
	}
	if (authorize(a, rq, r, c, ans) && read_body(rq, r, c, ans))
		run(a, r, c, ans);
out:
	count(a, ans);
	json_decref(c->body);
	free(c);
}

/* ---- lifecycle ---- */

int api_new_detached(struct api **out, const struct cfg_api *cfg, const struct api_deps *deps)
{
	struct api *a = calloc(1, sizeof(*a));
	int ret;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->d = *deps;
	httpd_init(&a->tcp);
	httpd_init(&a->local);
	ret = api_auth_new(&a->auth);
	if (!ret)
		ret = api_auth_set_keys(a->auth, cfg->keys, cfg->n_keys);
	if (ret) {
		api_stop(a);
		return ret;
	}
	*out = a;
	return 0;
}

int api_start(struct api **out, const struct cfg_api *cfg, const struct api_deps *deps,
	      char *err, size_t errlen)
{
	struct httpd_opts o = { .what = "api", .head_max = AEGIS_API_HEAD_MAX,
				.body_max = AEGIS_API_BODY_MAX, .fn = api_handle };
	struct api *a;
	int ret = api_new_detached(&a, cfg, deps);

	if (ret) {
		snprintf(err, errlen, "api: %s", strerror(-ret));
		return ret;
	}
	o.ctx = a;
	if (cfg->tcp && (ret = httpd_open_tcp(&a->tcp, &cfg->addr, cfg->port, &o, err, errlen)))
		goto fail;
	if (cfg->socket[0] &&
	    (ret = httpd_open_unix(&a->local, cfg->socket, 0600, &o, err, errlen)))
		goto fail;
	*out = a;
	return 0;
fail:
	api_stop(a);
	return ret;
}

void api_stop(struct api *a)
{
	if (!a)
		return;
	httpd_close(&a->tcp);
	httpd_close(&a->local);
	api_auth_free(a->auth);
	free(a);
}

int api_fds(const struct api *a, int fds[2])
{
	int n = 0;

	if (a && httpd_fd(&a->tcp) >= 0)
		fds[n++] = httpd_fd(&a->tcp);
	if (a && httpd_fd(&a->local) >= 0)
		fds[n++] = httpd_fd(&a->local);
	return n;
}

void api_poll(struct api *a)
{
	if (!a)
		return;
	httpd_poll(&a->tcp);
	httpd_poll(&a->local);
}

void api_tick(struct api *a)
{
	if (!a)
		return;
	httpd_tick(&a->tcp);
	httpd_tick(&a->local);
}

void api_stats(const struct api *a, struct api_stats *out)
{
	struct api_auth_stats as;

	memset(out, 0, sizeof(*out));
	if (!a)
		return;
	*out = a->st;
	api_auth_stats(a->auth, &as);
	out->auth_ok = as.ok;
	out->auth_missing = as.missing;
	out->auth_bad = as.bad;
	out->auth_limited = as.limited;
}
