// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The request of an HTTP exchange, after accept (http_conn.c); see
 * http_conn.h. In order: a trusted peer's PROXY header, the head through
 * the parser (hygiene refusals answered here), the real client, routing,
 * the guard (head, then the body prefix when the WAF wants it; blocked
 * requests answered or tarpitted here), the head sent upstream, the body
 * streamed (re-chunked). The upstream is chosen in http_upstream.c, the
 * response relayed in http_response.c.
 *
 * Nothing goes upstream before the guard has passed the head and, for
 * an inspected body, its prefix: until then the forward head and the
 * body wait in out[UP] with no upstream chosen.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/addr.h"
#include "engine/balancer.h"
#include "http/breaker.h"
#include "http/adaptive.h"
#include "http/http_conn.h"
#include "http/http_challenge.h"
#include "http/http_rep.h"
#include "http/http_rt.h"
#include "guard/toggles.h"
#include "lib/json.h"
#include "lib/log.h"
#include "engine/proxy.h"
#include "http/router.h"
#include "guard/secevent.h"
#include "guard/waf.h"
#include "engine/worker.h"


/* In the order a request meets them; defined below. */
static bool reading_request(const struct http_conn *c);
static void on_head(struct worker *w, struct http_conn *c);
static void guard_body(struct worker *w, struct http_conn *c);
static void on_request_done(struct worker *w, struct http_conn *c);
static void record_verdict(struct worker *w, struct http_conn *c);
static void resolve_client(struct http_conn *c, const struct http_req_head *h);
static void reply_blocked(struct worker *w, struct http_conn *c);
static void reply_hygiene(struct worker *w, struct http_conn *c);
static int build_forward(struct worker *w, struct http_conn *c);

/* ---- client input ---- */

static void read_proxy_header(struct worker *w, struct http_conn *c)
{
	struct hbuf *in = &c->in[HC_CLIENT];
	size_t used = 0;
	int ret = proxy_pp_decode(in->p + in->off, in->len, &used, &c->peer);

	if (ret == -EAGAIN && !c->s[HC_CLIENT].eof && in->len < HC_IN_SIZE)
		return;
	if (ret) {
		hc_close(w, c, "bad_proxy_header");
		return;
	}
	hbuf_consume(in, used);
	c->state = HC_HEAD;
}

void hx_client_data(struct worker *w, struct http_conn *c)
{
	struct hbuf *in = &c->in[HC_CLIENT];

	if (c->state == HC_PP_READ)
		read_proxy_header(w, c);
	switch (c->state) {
	case HC_REPLY:
		hbuf_consume(in, in->len);
		if (c->s[HC_CLIENT].eof)
			hc_close(w, c, c->reason);
		return;
	case HC_HEAD:
		if (in->len && !c->req_first_ms)
			c->req_first_ms = w->now_ms;
		break;
	default:
		break;
	}
	hx_feed_request(w, c);
	if (!c->s[HC_CLIENT].eof || c->state == HC_CLOSING || c->state == HC_REPLY)
		return;
	/* The client stopped sending: fine once its request is whole. */
	if (c->req_done && c->state != HC_HEAD && c->state != HC_TARPIT) {
		c->close_after = true;
	} else if (c->state == HC_HEAD && !c->req_first_ms && hc_queued(c, HC_CLIENT)) {
		c->state = HC_REPLY;	/* answers already queued still go out */
		c->reason = "client_closed";
	} else {
		hc_close(w, c, c->req_first_ms ? "client_aborted" : "client_closed");
	}
}

void hx_upstream_sent(struct worker *w, struct http_conn *c)
{
	if (!hc_queued(c, HC_UP) && c->req_done && !c->req_sent_ms)
		c->req_sent_ms = w->now_ms;
	if (c->in[HC_CLIENT].len && reading_request(c))
		hx_feed_request(w, c);
}

/* ---- the parser, one request at a time ---- */

static bool reading_request(const struct http_conn *c)
{
	return c->state == HC_HEAD || c->state == HC_PREFIX || c->state == HC_CONNECTING ||
	       c->state == HC_EXCHANGE;
}

/* Feeds the parser what the client sent, one request at a time. */
void hx_feed_request(struct worker *w, struct http_conn *c)
{
	struct hbuf *in = &c->in[HC_CLIENT];

	while (reading_request(c) && !c->req_done && hc_queued(c, HC_UP) < HC_BUDGET) {
		size_t used = 0;
		enum http_feed ev = http_req_feed(c->req, in->p + in->off, in->len, &used);

		hbuf_consume(in, used);
		if (c->oom) {
			hc_close(w, c, "out_of_memory");
			return;
		}
		switch (ev) {
		case HTTP_FEED_HEAD:
			on_head(w, c);
			break;
		case HTTP_FEED_DONE:
			on_request_done(w, c);
			break;
		case HTTP_FEED_ERROR:
			reply_hygiene(w, c);
			return;
		case HTTP_FEED_MORE:
			if (c->state == HC_PREFIX && c->prefix_len >= WAF_BODY_PREFIX)
				guard_body(w, c);
			else if (c->state == HC_EXCHANGE)
				hc_kick_send(w, c, HC_UP);
			if (!in->len)
				return;
			break;
		}
	}
}

/* ---- the request head ---- */

/* "OPTIONS *" asks about the server as a whole (RFC 9110 9.3.7): it goes
 * where "/" goes, its target forwarded as it came. */
static const struct http_host *route(struct http_conn *c, const struct http_req_head *h)
{
	bool asterisk = h->target.len == 1 && h->target.p[0] == '*';
	const struct http_route *r = NULL;
	size_t hi, ri;
	const struct http_host *host = router_match(c->rt->router, h->host.p, h->host.len,
						    asterisk ? "/" : h->norm_path.p,
						    asterisk ? 1 : h->norm_path.len, &r, &hi, &ri);

	c->route = host && r ? &c->rt->routes[hi][ri] : NULL;
	return host;
}

static void guard_head(struct worker *w, struct http_conn *c, const struct http_req_head *h)
{
	const struct http_cfg *cfg = c->rt->cfg;
	uint32_t off;
	enum http_mode mode = toggles_mode(http_rt_toggle_slot(c->rt, c->host),
					   c->host ? c->host->mode : cfg->mode, &off);
	int ret;

	c->gin = (struct http_guard_in){
		.client = &c->client,
		.head = h,
		.mode = mode,
		.stages_off = off,
		.waf_threshold = (off & TOGGLES_WAF) ? 0 :
				 c->host ? c->host->waf_threshold : cfg->waf.threshold,
		/* Adaptive (upstream latency) times reputation (this source). */
		.rate_factor_pct = http_rep_rate_factor(c, c->rt->adapt ?
				   adaptive_factor(c->rt->adapt, w->now_ms) : 100),
		.now_ms = w->now_ms,
	};
	http_challenge_guard_in(w, c, &c->gin);
	ret = http_guard_head(c->rt->guard, c->scratch, &c->gin, &c->verdict);
	if (ret)
		log_debug("%s: guard: %s", c->px->cfg.name, strerror(-ret));
	record_verdict(w, c);
}

static void on_head(struct worker *w, struct http_conn *c)
{
	const struct http_req_head *h = http_req_head(c->req);
	const struct http_header *expect;

	c->nreq++;
	stat_inc(&c->rt->st.requests);
	if (!c->req_first_ms)
		c->req_first_ms = w->now_ms;
	hx_new_request_id(w, c);
	/* timeouts.keepalive 0: one request per connection, said in the response. */
	c->client_ka = h->keep_alive && c->rt->cfg->timeouts.keepalive_ms;
	resolve_client(c, h);
	c->host = route(c, h);
	if (http_rep_fast_reject(w, c))
		return;
	guard_head(w, c, h);
	if (c->verdict.action == HTTP_ACT_BLOCK) {
		reply_blocked(w, c);
		return;
	}
	if (http_challenge_endpoint(w, c))
		return;
	if (!c->host || !c->route) {
		hx_reply(w, c, c->host ? 404 : 421, 0, true, c->host ? "no_route" : "unknown_host");
		return;
	}
	if (build_forward(w, c)) {
		hx_reply(w, c, 500, 0, false, "forward_head");
		return;
	}
	expect = http_req_header(c->req, "expect");
	if (expect && !hx_request_bodyless(c) && h->version_minor == 1 &&
	    http_req_span_ieq(expect->value, "100-continue") &&
	    !hbuf_append(&c->out[HC_CLIENT], "HTTP/1.1 100 Continue\r\n\r\n", 25)) {
		/* The WAF needs the body before anything goes upstream. */
		c->sent_100 = true;
		hc_kick_send(w, c, HC_CLIENT);
	}
	if (!hx_request_bodyless(c) && !c->verdict.skip_body) {
		c->prefix = c->prefix ? c->prefix : malloc(WAF_BODY_PREFIX);
		if (!c->prefix) {
			hx_reply(w, c, 500, 0, false, "out_of_memory");
			return;
		}
		c->waf_body = true;
		c->state = HC_PREFIX;
		return;
	}
	hx_pick_and_open(w, c);
}

/* The WAF over the head and the body prefix. */
static void guard_body(struct worker *w, struct http_conn *c)
{
	const struct http_header *ct = http_req_header(c->req, "content-type");
	struct http_verdict head = c->verdict;
	int ret;

	c->waf_body = false;
	ret = http_guard_body(c->rt->guard, c->scratch, &c->gin, c->prefix, c->prefix_len,
			      ct ? ct->value.p : NULL, ct ? ct->value.len : 0, &c->verdict);
	if (ret)
		log_debug("%s: guard (body): %s", c->px->cfg.name, strerror(-ret));
	if (c->verdict.action != head.action || c->verdict.stage != head.stage ||
	    c->verdict.rule_id != head.rule_id)
		record_verdict(w, c);
	if (c->verdict.action == HTTP_ACT_BLOCK)
		reply_blocked(w, c);
	else
		hx_pick_and_open(w, c);
}

static void on_request_done(struct worker *w, struct http_conn *c)
{
	const struct http_req_head *h = http_req_head(c->req);

	c->req_done = true;
	if (c->discard_body) {
		if (c->replied && c->state == HC_HEAD)
			hx_next_request(w, c);
		return;
	}
	if (h->body == HTTP_BODY_CHUNKED)
		c->oom |= hbuf_append(&c->out[HC_UP], "0\r\n\r\n", 5) != 0;
	if (c->state == HC_PREFIX)
		guard_body(w, c);
	else if (c->state == HC_EXCHANGE)
		hc_kick_send(w, c, HC_UP);
}

/* ---- security events ---- */

static void write_event(struct worker *w, struct http_conn *c, const struct secevent *ev)
{
	int ret = secevent_write(c->rt->events_fd, ev, w->now_ms);

	if (ret && ret != -EAGAIN)
		log_debug("%s: security event: %s", c->px->cfg.name, strerror(-ret));
}

static void record_verdict(struct worker *w, struct http_conn *c)
{
	struct secevent ev;

	http_rep_verdict(w, c);
	if (c->verdict.action == HTTP_ACT_PASS)
		return;
	stat_inc(c->verdict.action == HTTP_ACT_BLOCK ? &c->rt->st.blocked : &c->rt->st.flagged);
	if (c->verdict.stage == HTTP_STAGE_WAF) {
		int cls = http_guard_waf_class(c->rt->guard, c->verdict.rule_id);

		stat_inc(&c->rt->st.waf_class[cls > 0 && cls <= WAF_CUSTOM ? cls : 0]);
	}
	secevent_from_verdict(&ev, &c->verdict, &c->gin, c->request_id);
	write_event(w, c, &ev);
}

/* ---- the real client ---- */

static bool in_cidrs(const struct aegis_lpm_key *k, size_t n, const struct aegis_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (addr_in_cidr(a, &k[i]))
			return true;
	return false;
}

/*
 * From a trusted peer, X-Forwarded-For is read right to left: the first
 * address that is not itself a trusted proxy is the client. Anything
 * unparsable ends the walk (what is left of it was written by the client).
 */
static void resolve_client(struct http_conn *c, const struct http_req_head *h)
{
	const struct http_cfg *cfg = c->rt->cfg;
	struct aegis_addr peer;

	proxy_addr_of(&c->peer, &peer);
	c->client = peer;
	c->trust_xff = in_cidrs(cfg->trusted, cfg->n_trusted, &peer);
	for (unsigned i = h->nheaders; c->trust_xff && i-- > 0;) {
		const struct http_header *hd = &h->headers[i];
		size_t end = hd->value.len;

		if (!http_req_span_ieq(hd->name, "x-forwarded-for"))
			continue;
		while (end > 0) {
			size_t start = end, a, b;
			char ip[ADDR_STRLEN];
			struct aegis_addr x;

			while (start > 0 && hd->value.p[start - 1] != ',')
				start--;
			for (a = start; a < end && (hd->value.p[a] == ' ' || hd->value.p[a] == '\t'); a++)
				;
			for (b = end; b > a && (hd->value.p[b - 1] == ' ' || hd->value.p[b - 1] == '\t'); b--)
				;
			if (b - a >= sizeof(ip))
				goto done;
			memcpy(ip, hd->value.p + a, b - a);
			ip[b - a] = '\0';
			if (addr_parse(ip, &x))
				goto done;
			c->client = x;
			if (!in_cidrs(cfg->trusted, cfg->n_trusted, &x))
				goto done;
			end = start ? start - 1 : 0;
		}
	}
done:
	addr_format(&peer, c->peer_ip, sizeof(c->peer_ip));
	addr_format(&c->client, c->client_ip, sizeof(c->client_ip));
}

/* ---- blocked and refused requests ---- */

void hx_new_request_id(struct worker *w, struct http_conn *c)
{
	snprintf(c->request_id, sizeof(c->request_id), "%016llx",
		 (unsigned long long)lb_rng_next(&w->rng));
}

bool hx_request_bodyless(const struct http_conn *c)
{
	const struct http_req_head *h = http_req_head(c->req);

	return h && (h->body == HTTP_BODY_NONE ||
		     (h->body == HTTP_BODY_LENGTH && !h->content_length));
}

static void reply_blocked(struct worker *w, struct http_conn *c)
{
	const struct http_verdict *v = &c->verdict;

	if (v->challenge) {
		http_challenge_reply(w, c);
		return;
	}
	if (v->tarpit && hc_tarpit_take(w, c)) {
		c->state = HC_TARPIT;
		c->discard_body = true;
		c->tarpit_until_ms = w->now_ms + c->rt->cfg->tarpit.delay_ms;
		c->out[HC_UP].len = 0;
		http_guard_count(c->rt->guard, HTTP_STAGE_TARPIT, HTTP_ACT_BLOCK);
		return;
	}
	hx_reply(w, c, v->status ? v->status : 403, v->retry_after_s, true, "blocked");
}

/* A request the parser refused: one event, the status, the close. */
static void reply_hygiene(struct worker *w, struct http_conn *c)
{
	enum http_reason r = http_req_error(c->req);
	struct http_span none = { "", 0 };
	struct secevent ev = {
		.source = &c->client,
		.host = none, .method = none, .path = none,
		.stage = HTTP_STAGE_HYGIENE,
		.rule = http_reason_text(r),
		.action = HTTP_ACT_BLOCK,
		.mode = HTTP_MODE_ENFORCE,
		.status = http_reason_status(r),
	};

	if (!c->request_id[0])
		hx_new_request_id(w, c);
	if (!http_req_head(c->req))	/* the head never parsed: the peer is all we know */
		proxy_addr_of(&c->peer, &c->client);
	ev.request_id = c->request_id;
	stat_inc(&c->rt->st.hygiene);
	http_rep_hygiene(w, c, r);
	http_guard_count(c->rt->guard, HTTP_STAGE_HYGIENE, HTTP_ACT_BLOCK);
	c->verdict.action = HTTP_ACT_BLOCK;
	c->verdict.stage = HTTP_STAGE_HYGIENE;
	write_event(w, c, &ev);
	if (!c->req_first_ms)
		c->req_first_ms = w->now_ms;
	hx_reply(w, c, ev.status, 0, false, "bad_request");
}

/* ---- the head sent upstream ---- */

static size_t put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return n;
}

/*
 * Request line (origin-form, HTTP/1.1: we frame the body ourselves), the
 * client's headers minus hop-by-hop ones, ours (http_req_build_forward),
 * Host for an HTTP/1.0 request without one, the upgrade headers.
 */
static int build_forward(struct worker *w, struct http_conn *c)
{
	const struct http_req_head *h = http_req_head(c->req);
	const struct http_req_limits *l = &c->rt->cfg->limits;
	const struct http_header *up = h->upgrade ? http_req_header(c->req, "upgrade") : NULL;
	struct http_fwd f = {
		.client_ip = c->trust_xff ? c->peer_ip : c->client_ip,
		.real_ip = c->client_ip,
		.proto = "http",
		.request_id = c->request_id,
		.trust_xff = c->trust_xff,
	};
	size_t cap = 2 * l->max_head_bytes + l->max_uri + 1024, k = 0;
	char *p = hc_scratch(w, c, cap);
	int n;

	if (!p)
		return -ENOMEM;
	k += put(p + k, h->method.p, h->method.len);
	p[k++] = ' ';
	if (h->absolute_form) {
		if (h->path.len)
			k += put(p + k, h->path.p, h->path.len);
		else
			p[k++] = '/';
		if (h->query.len) {
			p[k++] = '?';
			k += put(p + k, h->query.p, h->query.len);
		}
	} else {
		k += put(p + k, h->target.p, h->target.len);
	}
	k += put(p + k, " HTTP/1.1\r\n", 11);
	n = http_req_build_forward(c->req, &f, p + k, cap - k - 512);
	if (n < 0)
		return n;
	k += (size_t)n;
	if (!h->host.len) {
		/* HTTP/1.0 without Host: name the route's first upstream. */
		const struct http_upstream *u = &c->route->cfg->ups[0];
		char a[ADDR_STRLEN];

		addr_format(&u->addr, a, sizeof(a));
		k += (size_t)snprintf(p + k, 128, addr_is_v4(&u->addr) ? "Host: %s:%u\r\n"
					: "Host: [%s]:%u\r\n", a, u->port);
	}
	if (up && up->value.len < 128) {
		k += put(p + k, "Connection: upgrade\r\nUpgrade: ", 30);
		k += put(p + k, up->value.p, up->value.len);
		k += put(p + k, "\r\n", 2);
	}
	k += put(p + k, "\r\n", 2);
	if (hbuf_append(&c->out[HC_UP], p, k))
		return -ENOMEM;
	if (hx_request_bodyless(c)) {
		/* Kept for one retry on a fresh connection (a pooled one may be dead). */
		c->fwd_head = malloc(k);
		if (c->fwd_head) {
			memcpy(c->fwd_head, p, k);
			c->fwd_len = (uint32_t)k;
		}
	}
	return 0;
}

void hx_body(void *arg, const char *p, size_t len)
{
	struct http_conn *c = arg;
	const struct http_req_head *h = http_req_head(c->req);
	struct hbuf *o = &c->out[HC_UP];
	char ch[24];
	int n;

	c->req_bytes += len;
	if (c->discard_body)
		return;
	if (c->waf_body && c->prefix_len < WAF_BODY_PREFIX) {
		size_t k = len < WAF_BODY_PREFIX - c->prefix_len ? len : WAF_BODY_PREFIX - c->prefix_len;

		memcpy(c->prefix + c->prefix_len, p, k);
		c->prefix_len += (uint32_t)k;
	}
	if (h->body != HTTP_BODY_CHUNKED) {
		c->oom |= hbuf_append(o, p, len) != 0;
		return;
	}
	n = http_chunk_head(ch, sizeof(ch), len);
	c->oom |= n < 0 || hbuf_append(o, ch, (size_t)n) || hbuf_append(o, p, len) ||
		  hbuf_append(o, "\r\n", 2);
}
