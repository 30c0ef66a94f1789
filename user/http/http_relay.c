// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The response side of an HTTP exchange; see http_conn.h. The upstream's
 * bytes go through http_resp, which finds where each message ends: the
 * head is rewritten (hop-by-hop headers out, security headers in), the
 * body goes out raw, 1xx responses pass (our own 100 Continue replaced
 * the upstream's), a 101 turns the connection into a tunnel. Each real
 * response reports to the route's circuit breaker and the adaptive rate;
 * a failure before any response byte reached the client is answered 502
 * or 504, or retried once when the upstream was a reused connection.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "http/adaptive.h"
#include "http/breaker.h"
#include "http/http_conn.h"
#include "http/http_rt.h"
#include "lib/log.h"
#include "engine/proxy.h"
#include "engine/worker.h"

/* Our rewritten head: the upstream's (bounded) plus the headers we set. */
#define RESP_HEAD_MAX	(HTTP_RESP_DEF_MAX_HEAD + HTTP_MAX_RESP_HEADERS * 600)

static void report(struct worker *w, struct http_conn *c, bool ok)
{
	if (c->target >= 0 && c->route)
		breaker_report(c->route->breakers, (size_t)c->target, ok, w->now_ms);
}

void hx_upstream_ready(struct worker *w, struct http_conn *c)
{
	const struct http_req_head *h = http_req_head(c->req);

	/* An error is sticky for the parser's connection; this is a new one. */
	if (*http_resp_error_text(c->resp)) {
		struct http_resp *r = http_resp_new(0);

		if (!r) {
			hx_reply(w, c, 500, 0, false, "out_of_memory");
			return;
		}
		http_resp_free(c->resp);
		c->resp = r;
	}
	c->state = HC_EXCHANGE;
	http_resp_start(c->resp, h->method_bit);
	hc_kick_send(w, c, HC_UP);
	hc_arm_reads(w, c);
	hc_arm_timer(w, c);
}

void hx_upstream_failed(struct worker *w, struct http_conn *c, const char *why, int status)
{
	if (c->state == HC_TUNNEL) {
		hc_close(w, c, why);
		return;
	}
	if (c->state != HC_CONNECTING && c->state != HC_EXCHANGE) {
		hc_upstream_release(w, c, false);
		return;
	}
	atomic_fetch_add_explicit(&c->rt->st.upstream_errors, 1, memory_order_relaxed);
	report(w, c, false);
	/* A dead pooled connection is worth a retry; a slow upstream is not. */
	if (status != 504 && hx_retry(w, c))
		return;
	hx_reply(w, c, status, 0, true, why);
}

static int relay_head(struct worker *w, struct http_conn *c)
{
	struct http_resp_rewrite rw = c->rt->rw;
	int status = http_resp_status(c->resp), n;
	char *buf;

	if (status < 200 && status != 101) {
		c->interim = true;
		if (status == 100 && c->sent_100)
			return 0;
		rw.n_set = 0;
	} else {
		rw.close = c->close_after || !c->client_ka || !c->req_done;
	}
	buf = hc_scratch(w, RESP_HEAD_MAX);
	if (!buf)
		return -ENOMEM;
	n = http_resp_build_head(c->resp, &rw, buf, RESP_HEAD_MAX);
	if (n < 0)
		return n;
	if (hbuf_append(&c->out[HC_CLIENT], buf, (size_t)n))
		return -ENOMEM;
	if (c->interim)
		return 0;
	c->resp_head = true;
	c->status = status;
	if (http_resp_eof_body(c->resp) || rw.close)
		c->close_after = true;
	report(w, c, status < 500);
	if (c->rt->adapt && c->req_sent_ms)
		adaptive_record(c->rt->adapt, (uint32_t)(w->now_ms - c->req_sent_ms), w->now_ms);
	return 0;
}

static void start_tunnel(struct worker *w, struct http_conn *c)
{
	atomic_fetch_add_explicit(&c->rt->st.tunnels, 1, memory_order_relaxed);
	hx_request_end(w, c);
	c->state = HC_TUNNEL;
	hx_tunnel_pump(w, c);
}

/* The final response is complete. */
static void response_done(struct worker *w, struct http_conn *c)
{
	bool reusable = http_resp_keep_alive(c->resp) && c->req_done && !c->in[HC_UP].len &&
			!c->s[HC_UP].eof;

	if (http_resp_upgrade(c->resp)) {
		start_tunnel(w, c);
		return;
	}
	hc_upstream_release(w, c, reusable);
	hx_response_done(w, c);
}

/* An upstream that broke the protocol or closed early. */
static void response_broken(struct worker *w, struct http_conn *c, const char *why)
{
	log_debug("%s: upstream response: %s", c->px->cfg.name, why);
	if (!c->resp_head && !c->interim && hx_retry(w, c))
		return;
	atomic_fetch_add_explicit(&c->rt->st.upstream_errors, 1, memory_order_relaxed);
	if (!c->resp_head)
		report(w, c, false);
	hx_reply(w, c, 502, 0, true, "bad_upstream_response");
}

static void relay(struct http_conn *c, size_t n)
{
	struct hbuf *in = &c->in[HC_UP];

	if (hbuf_append(&c->out[HC_CLIENT], in->p + in->off, n))
		c->oom = true;
	hbuf_consume(in, n);
	c->resp_bytes += n;
}

void hx_upstream_data(struct worker *w, struct http_conn *c)
{
	struct hbuf *in = &c->in[HC_UP];

	if (c->state == HC_TUNNEL) {
		hx_tunnel_pump(w, c);
		return;
	}
	if (c->state != HC_EXCHANGE) {
		hbuf_consume(in, in->len);	/* talking out of turn: dropped with the connection */
		return;
	}
	while (c->state == HC_EXCHANGE && hc_queued(c, HC_CLIENT) < HC_BUDGET) {
		size_t used = 0;
		enum http_resp_ev ev = http_resp_feed(c->resp, in->p + in->off, in->len, &used);

		switch (ev) {
		case HTTP_RESP_HEAD:
			hbuf_consume(in, used);
			if (relay_head(w, c)) {
				response_broken(w, c, "response head");
				return;
			}
			break;
		case HTTP_RESP_MORE:
			if (c->resp_head || c->interim)
				relay(c, used);
			else
				hbuf_consume(in, used);	/* head bytes: http_resp keeps them */
			break;
		case HTTP_RESP_DONE:
			relay(c, used);
			if (c->interim) {
				c->interim = false;
				http_resp_start(c->resp, http_req_head(c->req)->method_bit);
				break;
			}
			hc_kick_send(w, c, HC_CLIENT);
			response_done(w, c);
			return;
		case HTTP_RESP_ERROR:
			response_broken(w, c, http_resp_error_text(c->resp));
			return;
		}
		if (c->oom) {
			hc_close(w, c, "out_of_memory");
			return;
		}
		if (ev == HTTP_RESP_MORE)
			break;
	}
	hc_kick_send(w, c, HC_CLIENT);
	if (c->state != HC_EXCHANGE || !c->s[HC_UP].eof || in->len)
		return;
	/* The upstream closed: the end of an EOF-delimited body, or a failure. */
	if (c->resp_head && http_resp_eof(c->resp))
		response_done(w, c);
	else if (c->resp_head)
		hc_close(w, c, "upstream_closed");
	else
		response_broken(w, c, "closed before the response");
}

/* After a 101: bytes both ways as they come; a side's EOF is passed on
 * as a half-close once what it sent has gone out. */
void hx_tunnel_pump(struct worker *w, struct http_conn *c)
{
	for (int from = 0; from < 2; from++) {
		int to = !from;
		struct hbuf *in = &c->in[from];

		if (in->len && hc_queued(c, to) < HC_BUDGET) {
			if (hbuf_append(&c->out[to], in->p + in->off, in->len)) {
				hc_close(w, c, "out_of_memory");
				return;
			}
			if (from == HC_CLIENT)
				c->req_bytes += in->len;
			else
				c->resp_bytes += in->len;
			hbuf_consume(in, in->len);
		}
		hc_kick_send(w, c, to);
		if (c->s[from].eof && !in->len && !hc_queued(c, to) && !c->s[to].shut_wr) {
			shutdown(c->s[to].fd, SHUT_WR);
			c->s[to].shut_wr = 1;
		}
	}
	if (c->s[HC_CLIENT].shut_wr && c->s[HC_UP].shut_wr)
		hc_close(w, c, "tunnel_closed");
}
