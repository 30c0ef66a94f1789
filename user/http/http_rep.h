/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * http_rep: the HTTP proxy's side of the reputation engine. Turns guard
 * verdicts, hygiene refusals and slow-client timeouts into reports on the
 * source (the real client: after trusted X-Forwarded-For or PROXY
 * protocol, flagged REP_F_VIA_PROXY so it is soft-blocked at L7, never
 * banned in XDP; a trusted proxy itself is never reported); samples clean
 * requests for credit; refuses soft-blocked sources before the pipeline;
 * scales the guard's per-IP rate limits by the source's multiplier. The
 * host's `reputation:` mode is honoured: off reports and checks nothing,
 * detect reports with REP_F_DETECT.
 */
#ifndef AEGIS_HTTP_REP_H
#define AEGIS_HTTP_REP_H

#include <stdbool.h>
#include <stdint.h>

#include "aegis/maps.h"
#include "aegis/reputation.h"
#include "http/http_req.h"

struct worker;
struct http_conn;

/* After the head is parsed and routed: true if the source is soft-blocked
 * (or banned) and the request was refused (403 or close). */
bool http_rep_fast_reject(struct worker *w, struct http_conn *c);
/* The guard's verdict on the request (c->verdict), any action. */
void http_rep_verdict(struct worker *w, struct http_conn *c);
/* A request the parser refused. */
void http_rep_hygiene(struct worker *w, struct http_conn *c, enum http_reason r);
/* A slow client's timeout (AEGIS_REP_IN_SLOWLORIS, _STALLED_BODY). */
void http_rep_report(struct worker *w, struct http_conn *c, enum aegis_rep_input in);
/* The input a refusal reports (-1: none, the site's policy); the input of
 * a WAF attack class (enum waf_class). */
int http_rep_input_of_reason(enum http_reason r);
int http_rep_input_of_waf(int cls);
/* The reputation engine asks for a browser challenge of this source. */
bool http_rep_wants_challenge(const struct http_conn *c);
/* base_pct (the adaptive factor, 0 = 100) times the source's multiplier. */
uint32_t http_rep_rate_factor(const struct http_conn *c, uint32_t base_pct);

#endif /* AEGIS_HTTP_REP_H */
