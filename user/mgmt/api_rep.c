// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* API: the reputation engine's view (docs/openapi.yaml); 409 when it is off. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/api_priv.h"
#include "mgmt/rep_service.h"

#define API_REP_TOP_MAX	1000

static struct rep_service *need_rep(struct api_call *c)
{
	if (!c->api->d.rep)
		api_fail(c, 409, NULL, "the reputation engine is off (reputation.enabled)");
	return c->api->d.rep;
}

int api_rep_top(struct api_call *c)
{
	struct rep_service *r = need_rep(c);
	char buf[16];
	unsigned long n = 100;
	char *end;

	if (!r)
		return c->status;
	if (api_query(c, "limit", buf, sizeof(buf))) {
		n = strtoul(buf, &end, 10);
		if (*end || !buf[0] || n < 1 || n > API_REP_TOP_MAX)
			return api_fail(c, 400, "limit", "limit: 1 to %d", API_REP_TOP_MAX);
	}
	if (rep_service_top_json(r, n, c->out))
		return api_fail(c, 500, NULL, "out of memory");
	return 200;
}

int api_rep_get(struct api_call *c)
{
	struct rep_service *r = need_rep(c);
	struct aegis_addr a;

	if (!r)
		return c->status;
	if (addr_parse(c->params[0], &a))
		return api_fail(c, 404, NULL, "'%.64s' is not an IP address", c->params[0]);
	if (rep_service_show_json(r, &a, c->out))
		return api_fail(c, 404, NULL, "%s: no reputation record", c->params[0]);
	return 200;
}

int api_rep_forget(struct api_call *c)
{
	struct rep_service *r = need_rep(c);
	struct aegis_addr a;
	char who[128];
	bool lifted;

	if (!r)
		return c->status;
	if (addr_parse(c->params[0], &a))
		return api_fail(c, 404, NULL, "'%.64s' is not an IP address", c->params[0]);
	snprintf(who, sizeof(who), "API key '%s'", c->who);
	if (rep_service_forget(r, &a, who, &lifted))
		return api_fail(c, 404, NULL, "%s: no reputation record", c->params[0]);
	snprintf(c->audit, sizeof(c->audit), "reputation of %s forgotten%s", c->params[0],
		 lifted ? ", its ban lifted" : "");
	json_obj_open(&c->j);
	json_kstr(&c->j, "forgotten", c->params[0]);
	json_kbool(&c->j, "ban_lifted", lifted);
	json_obj_close(&c->j);
	return 200;
}
