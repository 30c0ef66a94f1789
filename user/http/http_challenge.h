/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * http_challenge: the browser challenge on a connection. Fills the
 * guard's challenge inputs (the host's mode, difficulty and triggers, the
 * reputation engine's word on the source), serves the challenge (the
 * page, or JSON to clients that did not ask for HTML) when the guard
 * decided one, and answers the endpoints under AEGIS_CHAL_PATH_PREFIX:
 * verify (a proof of work) and nojs (the time-lock fallback), which set
 * the clearance cookie and send the client back where it was going.
 * Passed, failed and served challenges are reported to the reputation
 * engine; a served one counts as abandoned until it is solved.
 */
#ifndef AEGIS_HTTP_CHALLENGE_H
#define AEGIS_HTTP_CHALLENGE_H

#include <stdbool.h>

struct worker;
struct http_conn;
struct http_guard_in;

void http_challenge_guard_in(struct worker *w, struct http_conn *c, struct http_guard_in *in);
/* A request for one of our endpoints on a host with challenges on:
 * answered, true. */
bool http_challenge_endpoint(struct worker *w, struct http_conn *c);
/* The guard decided a challenge (c->verdict.challenge): serve it. */
void http_challenge_reply(struct worker *w, struct http_conn *c);

#endif /* AEGIS_HTTP_CHALLENGE_H */
