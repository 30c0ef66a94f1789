// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The response of an HTTP exchange, and what follows it; see http_conn.h.
 * The upstream's
 * bytes go through http_resp, which finds where each message ends: the
 * head is rewritten (hop-by-hop headers out, security headers in), the
 * body goes out raw, 1xx responses pass (our own 100 Continue replaced
 * the upstream's), a 101 turns the connection into a tunnel
 * (http_tunnel.c). Each real response reports to the route's circuit
 * breaker and the adaptive rate. Then: the access log, and the next
 * (pipelined) request or the close, lingering so the reply is not reset
 * away. Our own replies (errors, blocks) end a request here too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/proxy.h"
#include "engine/worker.h"
#include "http/adaptive.h"
#include "http/http_conn.h"
#include "http/http_rt.h"
#include "lib/addr.h"
#include "lib/json.h"
#include "lib/log.h"

#define REPLY_MAX	4096	/* our JSON error responses */
#define LINGER_MS	2000	/* reading a refused client's leftovers before the close */
/* Our rewritten head: the upstream's (bounded) plus the headers we set. */
#define RESP_HEAD_MAX	(HTTP_RESP_DEF_MAX_HEAD + HTTP_MAX_RESP_HEADERS * 600)

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
	buf = hc_scratch(w, c, RESP_HEAD_MAX);
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
	hx_breaker_report(w, c, status < 500);
	if (c->req_sent_ms)
		histo_record(&c->rt->st.lat_upstream, w->now_ms - c->req_sent_ms);
	if (c->rt->adapt && c->req_sent_ms)
		adaptive_record(c->rt->adapt, (uint32_t)(w->now_ms - c->req_sent_ms), w->now_ms);
	return 0;
}

/* The final response is complete. */
static void response_done(struct worker *w, struct http_conn *c)
{
	bool reusable = http_resp_keep_alive(c->resp) && c->req_done && !c->in[HC_UP].len &&
			!c->s[HC_UP].eof;

	if (http_resp_upgrade(c->resp)) {
		hx_tunnel_start(w, c);
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
		hx_breaker_report(w, c, false);
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

void hx_client_sent(struct worker *w, struct http_conn *c)
{
	switch (c->state) {
	case HC_REPLY:
		if (hc_queued(c, HC_CLIENT) || c->lingering)
			return;
		if (c->s[HC_CLIENT].eof) {
			hc_close(w, c, c->reason);
			return;
		}
		/* A close with unread input would reset the reply away: read first. */
		hc_shut_wr(w, c, HC_CLIENT);
		c->lingering = true;
		c->linger_until_ms = w->now_ms + LINGER_MS;
		return;
	case HC_EXCHANGE:
		/* Even with nothing buffered: a bodiless response may await its end. */
		hx_upstream_data(w, c);
		return;
	default:
		return;
	}
}

/* The response is complete (response_done): the next request, or the close. */
void hx_response_done(struct worker *w, struct http_conn *c)
{
	if (!c->req_done)
		c->close_after = true;	/* the rest of its body is not worth reading */
	if (c->close_after || !c->client_ka) {
		c->state = HC_REPLY;
		c->reason = c->close_after && c->req_done ? "close" : "client_close";
		hx_request_end(w, c);
		hx_client_sent(w, c);
		return;
	}
	hx_next_request(w, c);
	hx_feed_request(w, c);
}

/* ---- our own replies ---- */

/*
 * Answers the current request ourselves and drops whatever was meant for
 * the upstream. keep: the connection may serve the next request (only
 * when the request has no body to skip and the client keeps alive).
 */
/* Our response of n bytes at buf is queued: what follows it. */
static void reply_queued(struct worker *w, struct http_conn *c, int status, bool keep,
			 const char *reason)
{
	if (c->s[HC_UP].fd >= 0 || c->target >= 0)
		hc_upstream_release(w, c, false);
	c->out[HC_UP].len = 0;
	c->status = status;
	c->replied = c->discard_body = true;
	c->reason = reason;
	if (keep) {
		c->state = HC_HEAD;
		if (c->req_done) {
			/* Not called from the feed loop then: start the pipelined next. */
			hx_next_request(w, c);
			hx_feed_request(w, c);
		}
	} else {
		c->state = HC_REPLY;
		hx_request_end(w, c);
	}
	hc_kick_send(w, c, HC_CLIENT);
}

void hx_reply(struct worker *w, struct http_conn *c, int status, uint32_t retry_after_s,
	      bool keep, const char *reason)
{
	struct http_resp_rewrite rw = c->rt->rw;
	char buf[REPLY_MAX];
	int n;

	if (c->resp_head) {
		hc_close(w, c, reason);
		return;
	}
	keep = keep && c->client_ka && !c->close_after && hx_request_bodyless(c);
	rw.close = !keep;
	if (!c->request_id[0])
		hx_new_request_id(w, c);
	n = http_resp_error(buf, sizeof(buf), status, c->request_id, retry_after_s, &rw);
	if (n < 0 || hbuf_append(&c->out[HC_CLIENT], buf, (size_t)n)) {
		hc_close(w, c, "reply_error");
		return;
	}
	reply_queued(w, c, status, keep, reason);
}

void hx_reply_local(struct worker *w, struct http_conn *c, const struct http_local_resp *lr,
		    bool keep, const char *reason)
{
	struct http_resp_rewrite rw = c->rt->rw;
	size_t cap = lr->body_len + REPLY_MAX;
	char *buf = hc_scratch(w, c, cap);
	int n;

	if (c->resp_head || !buf) {
		hc_close(w, c, reason);
		return;
	}
	keep = keep && c->client_ka && !c->close_after && hx_request_bodyless(c);
	rw.close = !keep;
	n = http_resp_local(buf, cap, lr, &rw);
	if (n < 0 || hbuf_append(&c->out[HC_CLIENT], buf, (size_t)n)) {
		hc_close(w, c, "reply_error");
		return;
	}
	reply_queued(w, c, lr->status, keep, reason);
}

/* ---- the end of a request ---- */

static void put_span(struct json *j, const char *key, struct http_span s, size_t max)
{
	char buf[1024];
	size_t n = s.len < max && s.len < sizeof(buf) ? s.len : (max < sizeof(buf) ? max : sizeof(buf) - 1);

	if (n)	/* an empty span may carry no pointer (OPTIONS *'s path) */
		memcpy(buf, s.p, n);
	buf[n] = '\0';
	json_kstr(j, key, buf);
}

static void access_line(struct http_conn *c, struct json *j, uint64_t now_ms)
{
	const struct http_req_head *h = http_req_head(c->req);
	const struct http_span none = { "", 0 };
	char ts[40], src[ADDR_STRLEN], up[ADDR_STRLEN + 8] = "";
	struct aegis_addr who = c->client;

	/* Before a head parsed (a header timeout's 408), the peer is the
	 * source: c->client is learned from the head and was still "::". */
	if (!h)
		proxy_addr_of(&c->peer, &who);
	log_timestamp(ts, sizeof(ts));
	proxy_log_addr(&who, c->px->cfg.access_log.mask_ips, src, sizeof(src));
	if (c->up_len) {
		struct aegis_addr a;

		proxy_addr_of(&c->up, &a);
		addr_format(&a, up, sizeof(up));
	}
	json_obj_open(j);
	json_kstr(j, "time", ts);
	json_kstr(j, "type", "access");
	json_kstr(j, "proxy", c->px->cfg.name);
	json_kstr(j, "protocol", "http");
	json_kstr(j, "source", src);
	put_span(j, "host", h ? h->host : none, 255);
	put_span(j, "method", h ? h->method : none, 32);
	put_span(j, "path", h ? h->path : none, 512);
	json_ku64(j, "status", (uint64_t)c->status);
	json_ku64(j, "bytes_in", c->req_bytes);
	json_ku64(j, "bytes_out", c->resp_bytes);
	json_ku64(j, "duration_ms", now_ms - c->req_first_ms);
	json_kstr(j, "upstream", up);
	json_kstr(j, "request_id", c->request_id);
	json_kstr(j, "action", http_action_name(c->verdict.action));
	json_kstr(j, "stage", http_stage_name(c->verdict.stage));
	if (c->state == HC_CLOSING || c->state == HC_REPLY)
		json_kstr(j, "close", c->reason ? c->reason : "closed");
	json_obj_close(j);
}

/* The routed host's place in the config (the router matches the proxy's
 * own copy); n_hosts when no host matched. */
static size_t host_index(const struct http_conn *c)
{
	const struct http_cfg *h = c->rt->cfg;

	if (c->host >= h->hosts && c->host < h->hosts + h->n_hosts)
		return (size_t)(c->host - h->hosts);
	return h->n_hosts;
}

void hx_request_end(struct worker *w, struct http_conn *c)
{
	char *line = NULL;
	size_t n = 0;
	struct json j;
	FILE *f;
	int cls;

	if (c->logged || !c->req_first_ms)
		return;
	c->logged = true;
	cls = c->status >= 100 && c->status < 600 ? c->status / 100 : 0;
	stat_inc(&c->rt->st.responses[cls]);
	stat_inc(&c->rt->host_resp[host_index(c)][cls]);
	histo_record(&c->rt->st.lat_request, w->now_ms - c->req_first_ms);
	if (c->px->access_fd < 0 || !(f = open_memstream(&line, &n)))
		return;
	json_init(&j, f);
	access_line(c, &j, w->now_ms);
	fclose(f);
	/* One write per line: O_APPEND keeps lines from workers whole. */
	if (write(c->px->access_fd, line, n) < 0)
		log_debug("%s: access log: %s", c->px->cfg.name, strerror(errno));
	free(line);
}

/* Forgets the finished request; the connection waits for the next one. */
void hx_next_request(struct worker *w, struct http_conn *c)
{
	hx_request_end(w, c);
	http_req_next(c->req);
	free(c->fwd_head);
	c->fwd_head = NULL;
	c->host = NULL;
	c->route = NULL;
	c->up_len = 0;
	c->up_reused = c->retried = c->req_done = c->resp_head = false;
	c->discard_body = c->waf_body = c->replied = c->interim = false;
	c->sent_100 = c->logged = false;
	c->prefix_len = c->fwd_len = 0;
	c->request_id[0] = '\0';
	c->status = 0;
	c->req_sent_ms = c->tarpit_until_ms = 0;
	c->req_bytes = c->resp_bytes = 0;
	memset(&c->verdict, 0, sizeof(c->verdict));
	c->state = c->close_after ? HC_REPLY : HC_HEAD;
	c->idle_since_ms = w->now_ms;
	c->req_first_ms = c->in[HC_CLIENT].len ? w->now_ms : 0;
	if (c->state == HC_REPLY)
		c->reason = "close";
}
