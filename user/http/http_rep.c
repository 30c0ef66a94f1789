// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The HTTP proxy's reputation inputs and fast reject; see http_rep.h. */
#include <string.h>

#include "engine/engine_rep.h"
#include "engine/proxy.h"
#include "guard/http_guard.h"
#include "guard/reputation.h"
#include "guard/waf.h"
#include "http/http_conn.h"
#include "http/http_rep.h"
#include "http/http_rt.h"
#include "guard/toggles.h"
#include "lib/addr.h"

static enum http_mode host_mode(const struct http_conn *c)
{
	return toggles_rep_mode(http_rt_toggle_slot(c->rt, c->host),
				c->host ? c->host->rep_mode : HTTP_MODE_ENFORCE);
}

/* The source to score and its flags; false when nothing may be reported. */
static bool rep_src(const struct http_conn *c, struct aegis_addr *a, unsigned int *flags)
{
	static const struct aegis_addr zero;
	struct aegis_addr peer;

	*flags = 0;
	if (!engine_rep() || host_mode(c) == HTTP_MODE_OFF)
		return false;
	if (host_mode(c) == HTTP_MODE_DETECT)
		*flags |= REP_F_DETECT;
	proxy_addr_of(&c->peer, &peer);
	*a = memcmp(&c->client, &zero, sizeof(zero)) ? c->client : peer;
	if (c->via_pp) {
		*flags |= REP_F_VIA_PROXY;
	} else if (http_rt_trusts(c->rt, &peer)) {
		if (!memcmp(a, &peer, sizeof(peer)))
			return false;	/* the trusted proxy itself */
		*flags |= REP_F_VIA_PROXY;
	}
	return true;
}

static void report(struct worker *w, struct http_conn *c, enum aegis_rep_input in,
		   unsigned int extra)
{
	struct aegis_addr a;
	unsigned int flags;

	if (rep_src(c, &a, &flags))
		engine_rep_report(w, &a, in, flags | extra);
}

int http_rep_input_of_waf(int cls)
{
	switch (cls) {
	case WAF_SQLI: return AEGIS_REP_IN_WAF_SQLI;
	case WAF_XSS: return AEGIS_REP_IN_WAF_XSS;
	case WAF_RCE: case WAF_PHP: case WAF_JAVA: return AEGIS_REP_IN_WAF_RCE;
	case WAF_LFI: case WAF_RFI: return AEGIS_REP_IN_WAF_LFI;
	case WAF_SCANNER: return AEGIS_REP_IN_WAF_SCANNER;
	default: return AEGIS_REP_IN_WAF_OTHER;
	}
}

static int verdict_input(const struct http_conn *c)
{
	const struct http_verdict *v = &c->verdict;

	switch (v->stage) {
	case HTTP_STAGE_DENY: return AEGIS_REP_IN_DENY_LIST;
	case HTTP_STAGE_RATE: return AEGIS_REP_IN_HTTP_RATE;
	case HTTP_STAGE_BOT:
		return strncmp(v->rule, "bot_ua", 6) ? AEGIS_REP_IN_FINGERPRINT : AEGIS_REP_IN_BOT_UA;
	case HTTP_STAGE_FUNNEL: return AEGIS_REP_IN_FUNNEL;
	case HTTP_STAGE_WAF:
		return http_rep_input_of_waf(http_guard_waf_class(c->rt->guard, v->rule_id));
	default: return -1;
	}
}

void http_rep_verdict(struct worker *w, struct http_conn *c)
{
	const struct http_verdict *v = &c->verdict;
	int in;

	if (!engine_rep())
		return;
	if (v->action == HTTP_ACT_PASS) {
		if (v->stage == HTTP_STAGE_NONE && engine_rep_clean_sample(w))
			report(w, c, AEGIS_REP_IN_CLEAN_REQUEST, 0);
		return;
	}
	/* A FLAG without a status is a flag-only rule: not a refusal. A FLAG
	 * with one is what enforce would refuse (guard in detect mode). */
	if (v->action == HTTP_ACT_FLAG && !v->status)
		return;
	in = verdict_input(c);
	if (in >= 0)
		report(w, c, (enum aegis_rep_input)in, v->action == HTTP_ACT_FLAG ? REP_F_DETECT : 0);
}

int http_rep_input_of_reason(enum http_reason r)
{
	switch (r) {
	case HTTP_R_CL_AND_TE: case HTTP_R_DUP_CL: case HTTP_R_BAD_CL: case HTTP_R_TE_LIST:
	case HTTP_R_TRAILER_FRAMING:
	case HTTP_R_BAD_TE: case HTTP_R_TE_UNSUPPORTED: case HTTP_R_TE_HTTP10:
	case HTTP_R_SPACE_BEFORE_COLON: case HTTP_R_OBS_FOLD: case HTTP_R_BARE_CR:
	case HTTP_R_BARE_LF: case HTTP_R_HOST_DUP: case HTTP_R_AUTHORITY_MISMATCH:
		return AEGIS_REP_IN_SMUGGLING;
	case HTTP_R_HEAD_TOO_LARGE: case HTTP_R_TOO_MANY_HEADERS: case HTTP_R_URI_TOO_LONG:
		return AEGIS_REP_IN_OVERSIZE_HEAD;
	case HTTP_R_PATH_TRAVERSAL:
		return AEGIS_REP_IN_WAF_LFI;
	/* The site's policy, not the client's misconduct: WebDAV and CalDAV
	 * clients send PROPFIND or REPORT in good faith. */
	case HTTP_R_NONE: case HTTP_R_METHOD_NOT_ALLOWED: case HTTP_R_METHOD_UNKNOWN:
	case HTTP_R_BODY_TOO_LARGE:
		return -1;
	default:
		return AEGIS_REP_IN_BAD_FRAMING;
	}
}

void http_rep_hygiene(struct worker *w, struct http_conn *c, enum http_reason r)
{
	int in = http_rep_input_of_reason(r);

	if (in >= 0)
		report(w, c, (enum aegis_rep_input)in, 0);
}

void http_rep_report(struct worker *w, struct http_conn *c, enum aegis_rep_input in)
{
	report(w, c, in, 0);
}

bool http_rep_fast_reject(struct worker *w, struct http_conn *c)
{
	struct rep *r = engine_rep();

	if (!r || host_mode(c) == HTTP_MODE_OFF || !rep_softblocked(r, &c->client))
		return false;
	c->verdict = (struct http_verdict){ .action = HTTP_ACT_BLOCK,
					    .stage = HTTP_STAGE_REPUTATION, .status = 403 };
	http_guard_count(c->rt->guard, HTTP_STAGE_REPUTATION, HTTP_ACT_BLOCK);
	if (engine_rep_softblock() == ENGINE_REP_SB_CLOSE)
		hc_close(w, c, "softblocked");
	else
		hx_reply(w, c, 403, 0, false, "softblocked");
	return true;
}

uint32_t http_rep_rate_factor(const struct http_conn *c, uint32_t base_pct)
{
	struct rep *r = engine_rep();
	uint64_t f = base_pct ? base_pct : 100;

	if (!r || host_mode(c) == HTTP_MODE_OFF)
		return (uint32_t)f;
	f = f * rep_multiplier_pct(r, &c->client) / 100;
	return f < 1 ? 1 : f > 10000 ? 10000 : (uint32_t)f;
}

bool http_rep_wants_challenge(const struct http_conn *c)
{
	struct rep *r = engine_rep();

	return r && host_mode(c) != HTTP_MODE_OFF &&
	       rep_action_of(r, &c->client) >= AEGIS_REP_CHALLENGE;
}
