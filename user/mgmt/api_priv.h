/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside the management API: the state every handler file shares, the
 * call a handler gets, the route table's shape and the body checker.
 * api.c dispatches; api_sys.c, api_proxies.c, api_lists.c, api_rep.c,
 * api_waf.c and api_toggles.c hold the handlers; api_routes.c the table.
 */
#ifndef AEGIS_API_PRIV_H
#define AEGIS_API_PRIV_H

#include <jansson.h>

#include "lib/addr.h"
#include "lib/json.h"
#include "mgmt/api.h"
#include "mgmt/api_auth.h"

#define API_MAX_PARAMS	3
#define API_PARAM_MAX	256

struct api {
	struct api_deps d;
	struct httpd tcp, local;
	struct api_auth *auth;
	struct api_stats st;
	bool xdp_kill_persist;		/* the XDP kill switch survives a reload */
	bool rep_actions_persist;	/* so does "reputation actions off" */
};

enum api_ftype { API_F_STR, API_F_UINT, API_F_BOOL, API_F_STRS, API_F_MAP };

/* One member a request body may have. */
struct api_field {
	const char *name;
	enum api_ftype type;
	bool required;
};

struct api_call {
	struct api *api;
	const struct httpd_req *rq;
	char params[API_MAX_PARAMS][API_PARAM_MAX];	/* the {} segments, decoded */
	json_t *body;			/* checked against the route; NULL if it has none */
	char who[AEGIS_API_LABEL_MAX];	/* the key's label (a copy: a reload may
					 * free the key mid-call), or "local" */
	char src[ADDR_STRLEN];		/* "unix" for the socket */
	FILE *out;			/* the 2xx JSON body */
	struct json j;
	int status;			/* answer status (200 unless the handler says) */
	/* An error: api_fail() sets these, and the body written is dropped. */
	char err[1024];
	const char *err_field;
	/* A non-JSON answer (metrics text): taken as is. */
	char *raw;
	size_t raw_len;
	const char *raw_ctype;
	char audit[1024];		/* what a write did, for the audit event */
};

typedef int (*api_fn)(struct api_call *c);

struct api_route {
	enum httpd_method method;
	const char *pattern;		/* "/v1/proxies/{}/enable" */
	int scope;			/* enum aegis_api_scope, or -1: no key needed */
	const struct api_field *body;	/* NULL: no body allowed */
	size_t n_body;
	api_fn fn;
};

extern const struct api_route api_routes[];
extern const size_t api_n_routes;

/*
 * The route for method and path, with its {} segments percent-decoded
 * into params. NULL with *status 404 (no such path) or 405 (path exists,
 * other methods: *allow lists them).
 */
const struct api_route *api_route_find(enum httpd_method m, const char *path, size_t len,
				       char params[API_MAX_PARAMS][API_PARAM_MAX], int *status,
				       char *allow, size_t allow_len);
/* Percent-decodes [s, s+n) into out (NUL-terminated); -EINVAL on a bad
 * escape, a byte that is not printable ASCII, or a result longer than
 * cap - 1. */
int api_decode(const char *s, size_t n, char *out, size_t cap);
/* Checks body against fields: 0, or -EINVAL with the message and field set. */
int api_body_check(const json_t *body, const struct api_field *f, size_t n, char *err,
		   size_t len, const char **field);

/* Records an error answer; returns status, for "return api_fail(...)". */
int api_fail(struct api_call *c, int status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A query parameter's value (decoded) into buf; false if absent. */
bool api_query(const struct api_call *c, const char *name, char *buf, size_t len);

/* Body accessors, for members the route declared (already type-checked). */
const char *api_str(const struct api_call *c, const char *name);	/* NULL if absent */
bool api_bool(const struct api_call *c, const char *name, bool def);
bool api_has(const struct api_call *c, const char *name);
uint64_t api_uint(const struct api_call *c, const char *name, uint64_t def);

/* The live proxy named name, or NULL. */
struct proxy *api_proxy_find(struct api *a, const char *name);

/* Handlers (api_sys.c, api_proxies.c, api_lists.c, api_rep.c, api_toggles.c). */
int api_health(struct api_call *c);
int api_version(struct api_call *c);
int api_status(struct api_call *c);
int api_reload(struct api_call *c);
int api_metrics(struct api_call *c);
int api_proxies_list(struct api_call *c);
int api_proxy_get(struct api_call *c);
int api_proxy_enable(struct api_call *c);
int api_proxy_disable(struct api_call *c);
int api_proxy_connections(struct api_call *c);
int api_proxy_upstreams(struct api_call *c);
int api_upstream_eject(struct api_call *c);
int api_upstream_readmit(struct api_call *c);
int api_bans_list(struct api_call *c);
int api_bans_add(struct api_call *c);
int api_bans_delete(struct api_call *c);
int api_list_get(struct api_call *c);
int api_list_add(struct api_call *c);
int api_list_replace(struct api_call *c);
int api_list_delete(struct api_call *c);
int api_rep_top(struct api_call *c);
int api_rep_get(struct api_call *c);
int api_rep_forget(struct api_call *c);
int api_waf_test(struct api_call *c);
int api_toggles_get(struct api_call *c);
int api_toggles_kill(struct api_call *c);
int api_toggles_rep(struct api_call *c);
int api_toggles_host_set(struct api_call *c);
int api_toggles_host_clear(struct api_call *c);
/* The switches part of status: {"kill_http":..,"kill_xdp":..,"reputation_actions":..}. */
void api_toggles_summary(struct api_call *c);

#endif /* AEGIS_API_PRIV_H */
