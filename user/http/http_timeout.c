// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Deadlines of an HTTP connection; see http_conn.h. One timer per
 * connection, armed at the earliest of what its state waits for: the
 * request head (timeouts.header, from its first byte: slowloris), the
 * next body byte (timeouts.body), the upstream's response head and then
 * each of its body bytes (timeouts.response), a client that does not
 * read what we send (the proxy's client_write timeout) or reads it too
 * slowly (http.clients.min_read_rate), the idle time
 * between requests (timeouts.keepalive), the tarpit, the lingering
 * close, an idle tunnel (the proxy's idle timeout) and a drain.
 */
#include <stdatomic.h>

#include "http/http_conn.h"
#include "http/http_rep.h"
#include "http/http_rt.h"
#include "engine/proxy.h"
#include "engine/worker.h"

enum hx_deadline {
	DL_NONE, DL_HEAD, DL_IDLE, DL_BODY, DL_RESPONSE, DL_UPSTREAM, DL_CLIENT_WRITE,
	DL_SLOW_READ, DL_TARPIT, DL_LINGER, DL_TUNNEL, DL_DRAIN,
};

static void consider(uint64_t t, enum hx_deadline k, uint64_t *d, enum hx_deadline *kind)
{
	if (t && (!*d || t < *d)) {
		*d = t;
		*kind = k;
	}
}

/* How long a client may leave what we send unread. */
static uint64_t client_grace(const struct http_conn *c)
{
	uint32_t ms = c->px->cfg.timeouts.client_write_ms;

	return ms ? ms : c->rt->cfg->timeouts.body_ms;
}

/*
 * clients.min_read_rate. Progress alone does not reset this one: a client
 * taking a byte a second would hold its queue for ever. On average since
 * the backlog began, after the same grace, it must keep up with the rate.
 * What it took counts only once it left the kernel's send buffer (which
 * can swallow megabytes), so the deadline is computed from cw_acked, the
 * last known figure, and checked again when it comes.
 */
static uint64_t slow_read_deadline(const struct http_conn *c)
{
	return c->cw_since_ms + client_grace(c) +
	       c->cw_acked * 1000 / c->rt->cfg->clients.min_read_rate;
}

/* At the deadline: true if the client read more meanwhile (a later one). */
static bool slow_read_recheck(struct worker *w, struct http_conn *c, uint64_t now_ms)
{
	uint32_t unsent = c->io->unsent(w, c, HC_CLIENT);
	uint64_t taken = c->cw_sent > unsent ? c->cw_sent - unsent : 0;

	if (taken <= c->cw_acked)
		return false;
	c->cw_acked = taken;
	return slow_read_deadline(c) > now_ms;
}

static uint64_t deadline(const struct http_conn *c, enum hx_deadline *k)
{
	const struct http_cfg *h = c->rt->cfg;
	const struct proxy_timeouts *pt = &c->px->cfg.timeouts;
	uint64_t d = 0, rx_c = c->s[HC_CLIENT].last_rx_ms, rx_u = c->s[HC_UP].last_rx_ms;

	*k = DL_NONE;
	switch (c->state) {
	case HC_PP_READ:
		consider(c->accepted_ms + h->timeouts.header_ms, DL_HEAD, &d, k);
		break;
	case HC_HEAD:
		if (c->req_first_ms)
			consider(c->req_first_ms + h->timeouts.header_ms, DL_HEAD, &d, k);
		else if (!hc_queued(c, HC_CLIENT))
			consider(c->idle_since_ms + (c->nreq ? h->timeouts.keepalive_ms
							      : h->timeouts.header_ms), DL_IDLE, &d, k);
		break;
	case HC_PREFIX:
		consider(rx_c + h->timeouts.body_ms, DL_BODY, &d, k);
		break;
	case HC_CONNECTING:
		/* The connect has its own linked timeout; this is a backstop. */
		consider(rx_c + pt->connect_ms + h->timeouts.response_ms, DL_RESPONSE, &d, k);
		break;
	case HC_EXCHANGE:
		if (!c->req_done && hc_queued(c, HC_UP) < HC_BUDGET)
			consider(rx_c + h->timeouts.body_ms, DL_BODY, &d, k);
		if (c->s[HC_UP].send_busy && pt->upstream_write_ms)
			consider(c->s[HC_UP].send_since_ms + pt->upstream_write_ms, DL_UPSTREAM, &d, k);
		if (c->req_sent_ms && !c->resp_head)
			consider(c->req_sent_ms + h->timeouts.response_ms, DL_RESPONSE, &d, k);
		else if (c->resp_head && hc_queued(c, HC_CLIENT) < HC_BUDGET)
			consider((rx_u > c->req_sent_ms ? rx_u : c->req_sent_ms) +
				 h->timeouts.response_ms, DL_UPSTREAM, &d, k);
		break;
	case HC_TARPIT:
		consider(c->tarpit_until_ms, DL_TARPIT, &d, k);
		break;
	case HC_REPLY:
		if (c->lingering)
			consider(c->linger_until_ms, DL_LINGER, &d, k);
		break;
	case HC_TUNNEL:
		if (pt->idle_ms)
			consider((rx_c > rx_u ? rx_c : rx_u) + pt->idle_ms, DL_TUNNEL, &d, k);
		break;
	default:
		break;
	}
	if (c->s[HC_CLIENT].send_busy)
		consider(c->s[HC_CLIENT].send_since_ms + client_grace(c), DL_CLIENT_WRITE, &d, k);
	if (c->cw_since_ms && h->clients.min_read_rate)
		consider(slow_read_deadline(c), DL_SLOW_READ, &d, k);
	if (atomic_load_explicit(&c->px->draining, memory_order_relaxed))
		consider(atomic_load_explicit(&c->px->drain_deadline_ms, memory_order_relaxed),
			 DL_DRAIN, &d, k);
	return d;
}

uint64_t hx_deadline(struct worker *w, struct http_conn *c)
{
	enum hx_deadline k;

	(void)w;
	return deadline(c, &k);
}

void hx_timeout(struct worker *w, struct http_conn *c)
{
	enum hx_deadline k;

	deadline(c, &k);
	switch (k) {
	case DL_HEAD:
		http_rep_report(w, c, AEGIS_REP_IN_SLOWLORIS);
		if (c->state == HC_HEAD && c->req_first_ms)
			hx_reply(w, c, 408, 0, false, "header_timeout");
		else
			hc_close(w, c, "header_timeout");
		break;
	case DL_BODY:
		http_rep_report(w, c, AEGIS_REP_IN_STALLED_BODY);
		hx_reply(w, c, 408, 0, false, "body_timeout");
		break;
	case DL_RESPONSE:
	case DL_UPSTREAM:
		hx_upstream_failed(w, c, "upstream_timeout", 504);
		break;
	case DL_TARPIT:
		hx_reply(w, c, c->verdict.status ? c->verdict.status : 403, c->verdict.retry_after_s,
		      false, "tarpit");
		break;
	case DL_IDLE:
		hc_close(w, c, c->nreq ? "keepalive_timeout" : "header_timeout");
		break;
	case DL_CLIENT_WRITE:
		hc_close(w, c, "client_write_timeout");
		break;
	case DL_SLOW_READ:
		if (slow_read_recheck(w, c, w->now_ms)) {
			hc_arm_timer(w, c);
			break;
		}
		http_rep_report(w, c, AEGIS_REP_IN_SLOW_READ);
		stat_inc(&c->rt->st.slow_readers);
		c->abort_client = true;
		hc_close(w, c, "slow_reader");
		break;
	case DL_LINGER:
		hc_close(w, c, c->reason);
		break;
	case DL_TUNNEL:
		hc_close(w, c, "idle_timeout");
		break;
	case DL_DRAIN:
		hc_close(w, c, "drain_timeout");
		break;
	case DL_NONE:
		break;
	}
}

