// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the management API: the request parser (httpd),
 * the router, the body checks and the handlers, through api_handle() on
 * an API with nothing running behind it (no XDP plane, no proxies, no
 * reputation, no reload). The first input byte picks the caller: the Unix
 * socket (every scope) or a TCP peer with or without the one valid key
 * ("k"). Checks: no crash, UB, leak or read past the input; every answer
 * has a status from the set the API sends and a JSON body that parses;
 * errors are {"error":{...}}; 2xx only for a route that exists.
 * Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/config.h"
#include "guard/toggles.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "mgmt/api.h"
#include "mgmt/api_auth.h"
#include "mgmt/httpd.h"

static struct api *api;
static struct aegis_config *cfg;

static void setup(void)
{
	static struct cfg_api_key k = { .label = "fuzz", .scopes = AEGIS_API_SCOPE_ALL };
	struct cfg_api ac = { .keys = &k, .n_keys = 1 };
	struct api_deps d = { .version = "fuzz", .cfg = &cfg, .events = fopen("/dev/null", "w") };

	log_setup(CFG_LOG_TEXT, CFG_LOG_ERROR);
	if (config_load_string("f.yaml", "state_dir: /tmp\n", &cfg, NULL, 0) ||
	    api_auth_hash("k", 1, k.hash) || api_new_detached(&api, &ac, &d))
		abort();
}

static void check_answer(const struct httpd_answer *a)
{
	static const int ok[] = { 200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 422,
				  429, 431, 500, 501, 503, 505, 507 };
	json_t *v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]) && ok[i] != a->status; i++)
		;
	if (i == sizeof(ok) / sizeof(ok[0]) || !a->body)
		abort();
	v = json_loadb(a->body, a->len, 0, NULL);
	if (!v)
		abort();
	if (a->status >= 400 && !json_is_object(json_object_get(v, "error")))
		abort();
	json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpd_answer a = { 0 };
	struct httpd_req rq;
	char *buf;

	if (!api)
		setup();
	if (size < 1 || size > AEGIS_API_HEAD_MAX + AEGIS_API_BODY_MAX)
		return 0;
	buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (!httpd_parse(buf, size - 1, AEGIS_API_HEAD_MAX, AEGIS_API_BODY_MAX, &rq)) {
		rq.local = data[0] & 1;
		addr_parse(data[0] & 2 ? "2001:db8::1" : "198.18.0.1", &rq.peer);
		api_handle(&rq, &a, api);
		check_answer(&a);
		free(a.body);
	}
	free(buf);
	if (data[0] == 0xff)
		toggles_reset();
	return 0;
}
