// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The upstream of an HTTP request; see http_conn.h. Once the guard has
 * passed a request: a target from the route's balancer whose circuit
 * breaker lets it through (none: 503), an idle pooled connection to it
 * (http_pool.c) or a fresh connect with its own timeout, and its release
 * (pooled when the response left it reusable). A failure before any
 * response byte reached the client is answered 502 or 504, or retried
 * once on a fresh connection when a body-less request went out on a
 * reused one (it may have been dead). The ring's part (connect, cancel,
 * pool, the zombie of a released upstream still in flight) is the
 * upstream half of hc_ring_io.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/balancer.h"
#include "engine/proxy.h"
#include "engine/uring_ud.h"
#include "engine/worker.h"
#include "guard/http_guard.h"
#include "http/breaker.h"
#include "http/http_conn.h"
#include "http/http_pool.h"
#include "http/http_rt.h"

/* ---- pick ---- */

void hx_pick_and_open(struct worker *w, struct http_conn *c)
{
	struct http_route_rt *r = c->route;
	uint64_t now_ns = w->now_ms * 1000000ull;
	bool tripped = false;
	int idx = -1;

	for (size_t i = 0; i < r->cfg->n_ups; i++) {
		idx = lb_pick(r->lb, &c->client, now_ns, &w->rng);
		if (idx < 0 || breaker_allow(r->breakers, (size_t)idx, w->now_ms))
			break;
		lb_release(r->lb, idx);
		tripped = true;
		idx = -1;
	}
	if (idx < 0) {
		if (tripped) {
			stat_inc(&c->rt->st.breaker_open);
			http_guard_count(c->rt->guard, HTTP_STAGE_BREAKER, HTTP_ACT_BLOCK);
		}
		hx_reply(w, c, 503, tripped ? (c->rt->cfg->breaker.open_ms + 999) / 1000 : 0, true,
		      tripped ? "circuit_open" : "no_healthy_upstream");
		return;
	}
	c->target = idx;
	c->up = *lb_target_addr(r->lb, (size_t)idx);
	c->up_len = c->up.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						: sizeof(struct sockaddr_in);
	hc_upstream_open(w, c);
}

/* Once per upstream failure: a body-less request on a reused connection
 * goes again on a fresh one (the pooled connection may have been dead). */
bool hx_retry(struct worker *w, struct http_conn *c)
{
	if (!c->up_reused || c->retried || !c->fwd_head || c->resp_head || c->resp_bytes)
		return false;
	c->retried = true;
	hc_upstream_release(w, c, false);
	if (hbuf_append(&c->out[HC_UP], c->fwd_head, c->fwd_len))
		return false;
	hx_pick_and_open(w, c);
	return true;
}

/* ---- connect or pool ---- */

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
	if (c->state != HC_CONNECTING && c->state != HC_EXCHANGE) {
		hc_upstream_release(w, c, false);
		return;
	}
	atomic_fetch_add_explicit(&c->rt->st.upstream_errors, 1, memory_order_relaxed);
	hx_breaker_report(w, c, false);
	/* A dead pooled connection is worth a retry; a slow upstream is not. */
	if (status != 504 && hx_retry(w, c))
		return;
	hx_reply(w, c, status, 0, true, why);
}

void hc_ring_upstream_open(struct worker *w, struct http_conn *c)
{
	struct __kernel_timespec ts;
	struct io_uring_sqe *sqe;
	uint32_t ms = c->px->cfg.timeouts.connect_ms;
	int one = 1, fd;

	/* Completions of the released upstream would look like this one's. */
	c->open_pending = c->zombie_fd >= 0;
	if (c->open_pending) {
		c->state = HC_CONNECTING;
		return;
	}
	c->s[HC_UP].eof = 0;
	c->in[HC_UP].len = 0;
	fd = c->retried ? -1 : http_pool_take(w, hc_pool(w), c->route->lb, c->target);
	if (fd >= 0) {
		c->s[HC_UP].fd = fd;
		c->up_reused = true;
		atomic_fetch_add_explicit(&c->rt->st.pool_reused, 1, memory_order_relaxed);
		hx_upstream_ready(w, c);
		return;
	}
	c->up_reused = false;
	fd = socket(c->up.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		atomic_fetch_add_explicit(&w->st.conn_errors, 1, memory_order_relaxed);
		hx_upstream_failed(w, c, "upstream_socket_error", 502);
		return;
	}
	atomic_fetch_add_explicit(&c->rt->st.pool_new, 1, memory_order_relaxed);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->s[HC_UP].fd = fd;
	c->state = HC_CONNECTING;
	sqe = worker_sqe(w);
	io_uring_prep_connect(sqe, fd, (struct sockaddr *)&c->up, c->up_len);
	io_uring_sqe_set_data64(sqe, hc_ud(w, c, UD_HTTP_CONNECT, HC_UP));
	sqe->flags |= IOSQE_IO_LINK;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long long)(ms % 1000) * 1000000;
	sqe = worker_sqe(w);
	io_uring_prep_link_timeout(sqe, &ts, 0);
	io_uring_sqe_set_data64(sqe, hc_ud(w, c, UD_HTTP_CANCEL, HC_UP));
	c->slot.inflight += 2;
	/* The timespec is read at submission. */
	io_uring_submit(&w->ring);
}

/*
 * The ring's side of a release. With a receive or send still in flight
 * on the upstream, it cannot be pooled or closed yet (the kernel holds
 * the request): it is cancelled and closed when its last completion
 * arrives (zombie_fd).
 */
void hc_ring_upstream_drop(struct worker *w, struct http_conn *c, bool reusable)
{
	struct hside *s = &c->s[HC_UP];

	if (s->fd >= 0 && (s->recv_armed || s->send_busy)) {
		struct io_uring_sqe *sqe = worker_sqe(w);

		io_uring_prep_cancel_fd(sqe, s->fd, IORING_ASYNC_CANCEL_ALL);
		io_uring_sqe_set_data64(sqe, hc_ud(w, c, UD_HTTP_CANCEL, HC_UP));
		c->slot.inflight++;
		c->zombie_fd = s->fd;
		/* The kernel may still write into in[] or read tx[]: they go with it. */
		hbuf_free(&c->zombie_in);
		hbuf_free(&c->zombie_tx);
		c->zombie_in = c->in[HC_UP];
		c->zombie_tx = c->tx[HC_UP];
		memset(&c->in[HC_UP], 0, sizeof(c->in[HC_UP]));
		memset(&c->tx[HC_UP], 0, sizeof(c->tx[HC_UP]));
	} else if (s->fd >= 0 && reusable && !s->eof && !c->in[HC_UP].len) {
		http_pool_put(w, hc_pool(w), s->fd, c->px, c->route->lb, c->target,
			      c->rt->cfg->pool.idle, c->rt->cfg->pool.idle_timeout_ms);
	} else if (s->fd >= 0) {
		close(s->fd);
	}
}

/* Gives the upstream back: the socket (through c->io), the balancer's count. */
void hc_upstream_release(struct worker *w, struct http_conn *c, bool reusable)
{
	struct hside *s = &c->s[HC_UP];

	c->io->upstream_drop(w, c, reusable);
	if (c->target >= 0)
		lb_release(c->route->lb, c->target);
	c->target = -1;
	s->fd = -1;
	s->eof = s->shut_wr = 0;
	c->in[HC_UP].len = c->out[HC_UP].len = c->tx[HC_UP].len = 0;
}

/* A completion of a released upstream: close it after the last one. */
bool hc_zombie_done(struct worker *w, struct http_conn *c, int side, int op)
{
	struct hside *s = &c->s[HC_UP];

	if (side != HC_UP || s->fd >= 0 || (op != UD_HTTP_RECV && op != UD_HTTP_SEND))
		return false;
	if (op == UD_HTTP_RECV)
		s->recv_armed = 0;
	else
		s->send_busy = 0;
	if (!s->recv_armed && !s->send_busy && c->zombie_fd >= 0) {
		close(c->zombie_fd);
		c->zombie_fd = -1;
		hbuf_free(&c->zombie_in);
		hbuf_free(&c->zombie_tx);
		if (c->open_pending && c->state != HC_CLOSING)
			hc_upstream_open(w, c);
	}
	return true;
}

void hx_upstream_connected(struct worker *w, struct http_conn *c, int res)
{
	if (c->state != HC_CONNECTING)
		return;
	if (res < 0) {
		atomic_fetch_add_explicit(&c->px->st.conns_failed, 1, memory_order_relaxed);
		hx_upstream_failed(w, c, res == -ECANCELED ? "connect_timeout" : "connect_failed",
				   res == -ECANCELED ? 504 : 502);
		return;
	}
	hx_upstream_ready(w, c);
}

/* ---- the breaker ---- */

void hx_breaker_report(struct worker *w, struct http_conn *c, bool ok)
{
	if (c->target >= 0 && c->route)
		breaker_report(c->route->breakers, (size_t)c->target, ok, w->now_ms);
}
