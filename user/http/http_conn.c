// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * HTTP connections on a worker, where a request starts: accept (and the
 * per-source cap), the ring's I/O for the exchange (struct hc_io) and its
 * completions, the memory budget's shedding, close and free, drain; see
 * http_proxy.h and http_conn.h (the byte queues: http_buf.c).
 * The exchange itself reads on in http_request.c.
 *
 * Unlike the TCP relay, HTTP reads into per-connection buffers with
 * single-shot receives: the parsers must see bytes in order and stop
 * between messages, so every read is a decision of the exchange
 * (hc_arm_reads) and never runs ahead of it. Each side has at most one
 * receive and one send in flight; the slot is freed only when nothing is
 * in flight after close (the generation in user_data double-checks).
 *
 * The exchange never sees the ring: it calls c->io (hc_ring_io here) and
 * hears back through hx_on_recv / hx_on_sent / hx_on_error, which tell
 * the request side, the response side and the tunnel apart once.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/balancer.h"
#include "http/http_conn.h"
#include "http/http_pool.h"
#include "http/http_proxy.h"
#include "http/http_rt.h"
#include "lib/log.h"
#include "engine/engine_rep.h"
#include "engine/proxy.h"
#include "engine/srccap.h"
#include "guard/secevent.h"
#include "engine/uring_ud.h"
#include "engine/worker.h"

struct scratch_ent {
	struct proxy *px;		/* holds a reference */
	struct http_guard_scratch *s;
	uint32_t users;			/* live connections of this worker */
};

struct http_workset {
	struct slot_table conns;	/* of struct http_conn */
	struct http_pool pool;
	uint32_t tarpitted;
	struct timer tick;		/* once a second: security-event cap summaries */
	struct timer mem_tick;		/* while reads wait for the buffer budget */
	uint32_t mem_paused;		/* connections whose reads wait */
	char *scratch;			/* hc_scratch() */
	size_t scratch_cap;
	struct scratch_ent *scr;
	size_t n_scr;
	uint64_t shed_next_ms, shed_logged_ms;	/* mem_check() */
	uint64_t shed_unlogged;
};

#define NONE UINT32_MAX

static uint32_t conn_slot(struct worker *w, struct http_conn *c)
{
	return slots_index(&w->http->conns, c);
}

static uint64_t conn_ud(struct worker *w, struct http_conn *c, enum ud_op op, int side)
{
	return ud_pack(op, conn_slot(w, c), c->slot.gen, (unsigned int)side);
}

uint64_t hc_ud(struct worker *w, struct http_conn *c, int op, int side)
{
	return conn_ud(w, c, (enum ud_op)op, side);
}

struct http_pool *hc_pool(struct worker *w)
{
	return &w->http->pool;
}

uint32_t hc_queued(const struct http_conn *c, int to)
{
	return c->out[to].len + c->tx[to].len;
}

/* ---- per-worker guard scratch ---- */

static struct scratch_ent *scratch_get(struct worker *w, struct proxy *px)
{
	struct http_workset *t = w->http;
	struct scratch_ent *e, *ne;

	for (size_t i = 0; i < t->n_scr; i++)
		if (t->scr[i].px == px)
			return &t->scr[i];
	ne = realloc(t->scr, (t->n_scr + 1) * sizeof(*ne));
	if (!ne)
		return NULL;
	t->scr = ne;
	e = &t->scr[t->n_scr];
	e->s = http_guard_scratch_new(http_rt_of(px)->guard);
	if (!e->s)
		return NULL;
	e->px = px;
	e->users = 0;
	proxy_get(px);
	t->n_scr++;
	return e;
}

/* A replaced proxy's scratch goes once no connection here uses it. */
static void scratch_put(struct worker *w, struct proxy *px)
{
	struct http_workset *t = w->http;

	for (size_t i = 0; i < t->n_scr; i++) {
		struct scratch_ent *e = &t->scr[i];

		if (e->px != px)
			continue;
		if (--e->users || !atomic_load_explicit(&px->draining, memory_order_relaxed))
			return;
		http_guard_scratch_free(e->s);
		proxy_put(e->px);
		t->scr[i] = t->scr[--t->n_scr];
		return;
	}
}

/* A draining proxy's scratch that no connection here uses goes now: it
 * holds a proxy reference, and the drain waits for the last one. */
static void scratch_drop_unused(struct worker *w, struct proxy *px)
{
	struct http_workset *t = w->http;

	for (size_t i = 0; i < t->n_scr; i++) {
		struct scratch_ent *e = &t->scr[i];

		if (e->px != px || e->users)
			continue;
		http_guard_scratch_free(e->s);
		proxy_put(e->px);
		t->scr[i] = t->scr[--t->n_scr];
		return;
	}
}

static char *ring_scratch(struct worker *w, size_t cap)
{
	struct http_workset *t = w->http;

	if (t->scratch_cap < cap) {
		char *p = realloc(t->scratch, cap);

		if (!p)
			return NULL;
		t->scratch = p;
		t->scratch_cap = cap;
	}
	return t->scratch;
}

static bool ring_tarpit_take(struct worker *w, struct http_conn *c)
{
	if (w->http->tarpitted >= c->rt->cfg->tarpit.max)
		return false;
	w->http->tarpitted++;
	c->tarpitted = true;
	return true;
}

/* SIOCOUTQ: what the kernel still holds unsent (or unacknowledged). */
static uint32_t ring_unsent(struct worker *w, struct http_conn *c, int side)
{
	int n = 0;

	(void)w;
	if (c->s[side].fd < 0 || ioctl(c->s[side].fd, SIOCOUTQ, &n) < 0 || n < 0)
		return 0;
	return (uint32_t)n;
}

/* ---- lifecycle ---- */

static void maybe_free(struct worker *w, struct http_conn *c);

static void mem_shed_one(struct worker *w, struct http_conn *c)
{
	stat_inc(&c->rt->st.mem_shed);
	c->abort_client = true;
	hc_close(w, c, "memory_shed");
	maybe_free(w, c);
}

/*
 * proxy_engine.http_memory: over it, this worker sheds its worst
 * connections (http_buf.h). At most every 100 ms, as a scan walks every
 * slot; on every accept and once a second. One log line per 10 s.
 */
static void mem_check(struct worker *w)
{
	struct http_workset *t = w->http;

	if (w->now_ms < t->shed_next_ms)
		return;
	t->shed_next_ms = w->now_ms + 100;
	t->shed_unlogged += http_buf_shed(w, &t->conns, w->p.http_memory, w->now_ms,
					  mem_shed_one);
	if (t->shed_unlogged && w->now_ms >= t->shed_logged_ms + 10000) {
		log_warn("http: worker %d: buffers over proxy_engine.http_memory (%llu of %llu "
			 "bytes): shed %llu connections, the slowest readers first", w->id,
			 (unsigned long long)http_buf_total(),
			 (unsigned long long)w->p.http_memory,
			 (unsigned long long)t->shed_unlogged);
		t->shed_logged_ms = w->now_ms;
		t->shed_unlogged = 0;
	}
}

/* Every 50 ms while reads wait: shed, and once under budget, read again. */
static void mem_resume(struct timer *tm, void *ctx)
{
	struct worker *w = ctx;
	struct http_workset *t = w->http;

	mem_check(w);
	if (http_buf_over(w->p.http_memory)) {
		timer_add(&w->tw, tm, w->now_ms + 50, mem_resume);
		return;
	}
	t->mem_paused = 0;
	for (uint32_t i = 0; i < t->conns.n; i++) {
		struct http_conn *c = slots_at(&t->conns, i);

		if (!c->mem_paused)
			continue;
		c->mem_paused = false;
		if (c->state != HC_FREE && c->state != HC_CLOSING) {
			hc_arm_reads(w, c);
			hc_arm_timer(w, c);
		}
	}
}

/* Writes the "suppressed" summaries of the event files this worker
 * uses; checks the memory budget. */
static void tick(struct timer *tm, void *ctx)
{
	struct worker *w = ctx;
	struct http_workset *t = w->http;

	for (size_t i = 0; i < t->n_scr; i++)
		secevent_tick(http_rt_of(t->scr[i].px)->events_fd, w->now_ms);
	mem_check(w);
	timer_add(&w->tw, tm, w->now_ms + 1000, tick);
}

static int http_init(struct worker *w)
{
	struct http_workset *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	w->http = t;
	if (slots_init(&t->conns, w->p.max_conns, sizeof(struct http_conn)) ||
	    http_pool_init(&t->pool, w->p.max_conns))
		return -ENOMEM;
	timer_add(&w->tw, &t->tick, w->now_ms + 1000, tick);
	return 0;
}

void hc_release_bufs(struct http_conn *c)
{
	for (int i = 0; i < 2; i++) {
		hbuf_free(&c->in[i]);
		hbuf_free(&c->out[i]);
		hbuf_free(&c->tx[i]);
	}
	hbuf_free(&c->zombie_in);
	hbuf_free(&c->zombie_tx);
	http_req_free(c->req);
	http_resp_free(c->resp);
	free(c->prefix);
	free(c->fwd_head);
	c->req = NULL;
	c->resp = NULL;
	c->prefix = c->fwd_head = NULL;
}

static void http_free(struct worker *w)
{
	struct http_workset *t = w->http;

	if (!t)
		return;
	timer_del(&w->tw, &t->tick);
	timer_del(&w->tw, &t->mem_tick);
	http_pool_free(w, &t->pool);
	for (uint32_t i = 0; i < t->conns.n; i++)
		hc_release_bufs(slots_at(&t->conns, i));
	for (size_t i = 0; i < t->n_scr; i++) {
		http_guard_scratch_free(t->scr[i].s);
		proxy_put(t->scr[i].px);
	}
	free(t->scr);
	free(t->scratch);
	slots_free(&t->conns);
	free(t);
	w->http = NULL;
}

/*
 * clients.max_per_source, counted on the TCP peer: false refuses it. A
 * trusted load balancer (PROXY header or X-Forwarded-For) carries many
 * clients and is never capped.
 */
static bool src_take(struct worker *w, struct proxy *px, const struct sockaddr_storage *peer,
		     bool *counted)
{
	struct http_rt *rt = http_rt_of(px);
	struct aegis_addr a;

	*counted = false;
	if (!rt->src || proxy_trusts(px, peer))
		return true;
	proxy_addr_of(peer, &a);
	if (http_rt_trusts(rt, &a))
		return true;
	if (srccap_take(rt->src, &a, w->now_ms))
		return *counted = true;
	stat_inc(&rt->st.src_refused);
	engine_rep_report(w, &a, AEGIS_REP_IN_CONN_LIMIT, 0);
	return false;
}

static void src_put(struct worker *w, struct proxy *px, const struct sockaddr_storage *peer)
{
	struct aegis_addr a;

	proxy_addr_of(peer, &a);
	srccap_put(http_rt_of(px)->src, &a, w->now_ms);
}

static struct http_conn *conn_alloc(struct worker *w)
{
	struct http_conn *c = slots_take(&w->http->conns);

	if (!c)
		return NULL;
	c->io = &hc_ring_io;
	c->target = -1;
	c->zombie_fd = -1;
	c->s[0].fd = c->s[1].fd = -1;
	w->active++;
	atomic_fetch_add_explicit(&w->st.tcp_active, 1, memory_order_relaxed);
	return c;
}

static void conn_free(struct worker *w, struct http_conn *c)
{
	struct proxy *px = c->px;

	timer_del(&w->tw, &c->timer);
	if (c->tarpitted)
		w->http->tarpitted--;
	if (c->target >= 0)
		hc_upstream_release(w, c, false);
	if (c->abort_client && c->s[HC_CLIENT].fd >= 0)
		setsockopt(c->s[HC_CLIENT].fd, SOL_SOCKET, SO_LINGER,
			   &(struct linger){ .l_onoff = 1, .l_linger = 0 }, sizeof(struct linger));
	for (int i = 0; i < 2; i++)
		if (c->s[i].fd >= 0)
			close(c->s[i].fd);
	if (c->zombie_fd >= 0)
		close(c->zombie_fd);
	hc_release_bufs(c);
	http_buf_conn_freed(c);
	if (c->mem_paused && !--w->http->mem_paused)
		timer_del(&w->tw, &w->http->mem_tick);
	c->mem_paused = false;
	if (c->src_counted)
		src_put(w, px, &c->peer);
	c->src_counted = false;
	if (px) {
		atomic_fetch_sub_explicit(&px->st.conns_active, 1, memory_order_relaxed);
		scratch_put(w, px);
		proxy_put(px);
	}
	c->state = HC_FREE;
	c->px = NULL;
	slots_put(&w->http->conns, c);
	w->active--;
	atomic_fetch_sub_explicit(&w->st.tcp_active, 1, memory_order_relaxed);
}

static void maybe_free(struct worker *w, struct http_conn *c)
{
	if (c->state == HC_CLOSING && !c->slot.inflight)
		conn_free(w, c);
}

void hc_close(struct worker *w, struct http_conn *c, const char *reason)
{
	if (c->state == HC_CLOSING || c->state == HC_FREE)
		return;
	c->state = HC_CLOSING;
	c->reason = reason;
	hx_request_end(w, c);	/* a request cut short is logged too */
	c->io->cancel(w, c);
}

static void ring_cancel(struct worker *w, struct http_conn *c)
{
	timer_del(&w->tw, &c->timer);
	for (int i = 0; i < 2; i++) {
		struct io_uring_sqe *sqe;

		if (c->s[i].fd < 0 || !c->slot.inflight)
			continue;
		sqe = worker_sqe(w);
		io_uring_prep_cancel_fd(sqe, c->s[i].fd, IORING_ASYNC_CANCEL_ALL);
		io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_HTTP_CANCEL, i));
		c->slot.inflight++;
	}
}

/* ---- timers ---- */

static void conn_timer(struct timer *t, void *ctx)
{
	struct worker *w = ctx;
	struct http_conn *c = (struct http_conn *)((char *)t - offsetof(struct http_conn, timer));

	if (c->state == HC_CLOSING || c->state == HC_FREE)
		return;
	if (w->now_ms >= hx_deadline(w, c))
		hx_timeout(w, c);
	else
		hc_arm_timer(w, c);
	maybe_free(w, c);
}

static void ring_arm_timer(struct worker *w, struct http_conn *c)
{
	uint64_t d;

	if (c->state == HC_CLOSING || c->state == HC_FREE)
		return;
	d = hx_deadline(w, c);
	if (d)
		timer_add(&w->tw, &c->timer, d, conn_timer);
	else
		timer_del(&w->tw, &c->timer);
}

/* ---- I/O ---- */

static void mem_resume(struct timer *tm, void *ctx);

/*
 * Over proxy_engine.http_memory, a connection that already has bytes
 * queued the other way reads no more until shedding makes room: the
 * budget holds between two sheds, and a fresh request still gets read.
 */
static bool mem_wait(struct worker *w, struct http_conn *c, int side)
{
	struct http_workset *t = w->http;

	if (!hc_queued(c, !side) || !http_buf_over(w->p.http_memory))
		return false;
	if (!c->mem_paused) {
		c->mem_paused = true;
		if (!t->mem_paused++)
			timer_add(&w->tw, &t->mem_tick, w->now_ms + 50, mem_resume);
	}
	return true;
}

static bool want_read(struct worker *w, struct http_conn *c, int side)
{
	const struct hside *s = &c->s[side];
	const struct hbuf *in = &c->in[side];

	if (s->fd < 0 || s->recv_armed || s->eof || in->len >= HC_IN_SIZE ||
	    hc_queued(c, !side) >= HC_BUDGET || mem_wait(w, c, side))
		return false;
	switch (c->state) {
	case HC_PP_READ:
		return side == HC_CLIENT;
	case HC_HEAD:
	case HC_PREFIX:
		return side == HC_CLIENT && !c->req_done;
	case HC_EXCHANGE:
		return side == HC_UP || !c->req_done;
	case HC_TUNNEL:
		return true;
	case HC_REPLY:
		return side == HC_CLIENT && c->lingering;
	default:
		return false;
	}
}

static void arm_recv(struct worker *w, struct http_conn *c, int side)
{
	struct hbuf *in = &c->in[side];
	struct io_uring_sqe *sqe;

	if (!in->p && !hbuf_reserve(in, HC_IN_SIZE)) {
		hc_close(w, c, "out_of_memory");
		return;
	}
	if (!in->len)
		in->off = 0;
	if (in->off && in->off + in->len >= in->cap) {
		memmove(in->p, in->p + in->off, in->len);
		in->off = 0;
	}
	sqe = worker_sqe(w);
	io_uring_prep_recv(sqe, c->s[side].fd, in->p + in->off + in->len,
			   in->cap - in->off - in->len, 0);
	io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_HTTP_RECV, side));
	c->s[side].recv_armed = 1;
	c->slot.inflight++;
}

static void ring_arm_reads(struct worker *w, struct http_conn *c)
{
	for (int side = 0; side < 2; side++)
		if (c->state != HC_CLOSING && want_read(w, c, side))
			arm_recv(w, c, side);
}

/*
 * Appends go to out[to]; a send takes tx[to], which nothing touches until
 * it completes (the kernel may read it late). When tx is empty the two
 * swap, so the queue is sent without a copy.
 */
static void ring_kick_send(struct worker *w, struct http_conn *c, int to)
{
	struct hside *s = &c->s[to];
	struct hbuf *tx = &c->tx[to];
	struct io_uring_sqe *sqe;

	if (s->send_busy || s->fd < 0 || c->state == HC_CLOSING || c->state == HC_CONNECTING)
		return;
	if (!tx->len) {
		struct hbuf t = *tx;

		if (!c->out[to].len)
			return;
		*tx = c->out[to];
		c->out[to] = t;
		c->out[to].off = 0;
	}
	sqe = worker_sqe(w);
	io_uring_prep_send(sqe, s->fd, tx->p + tx->off, tx->len, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_HTTP_SEND, to));
	s->send_busy = 1;
	s->send_since_ms = w->now_ms;
	if (to == HC_CLIENT && !c->cw_since_ms)
		c->cw_since_ms = w->now_ms;
	c->slot.inflight++;
}

/*
 * What the client took of a response backlog (clients.min_read_rate);
 * the backlog ends when it has taken everything queued. A drained queue
 * that grew large for one big response gives its memory back at once
 * rather than pinning it for the rest of a keep-alive connection.
 */
static void client_took(struct http_conn *c, struct hbuf *tx, int res)
{
	c->cw_sent += (uint64_t)res;
	if (hc_queued(c, HC_CLIENT))
		return;
	c->cw_since_ms = c->cw_sent = c->cw_acked = 0;
	if (tx->cap > HC_IN_SIZE)
		hbuf_free(tx);
}

static void on_recv(struct worker *w, struct http_conn *c, int side, int res)
{
	c->s[side].recv_armed = 0;
	if (c->state == HC_CLOSING)
		return;
	if (res > 0) {
		c->in[side].len += (uint32_t)res;
		c->s[side].last_rx_ms = w->now_ms;
	} else if (res == 0 || res == -ECONNRESET) {
		c->s[side].eof = 1;
	} else if (res != -ECANCELED) {
		hx_on_error(w, c, side, side == HC_CLIENT ? "client_error" : "upstream_error");
		return;
	}
	hx_on_recv(w, c, side);
	hc_arm_reads(w, c);
	hc_arm_timer(w, c);
}

static void on_send(struct worker *w, struct http_conn *c, int to, int res)
{
	struct hside *s = &c->s[to];

	s->send_busy = 0;
	s->send_since_ms = 0;
	if (c->state == HC_CLOSING)
		return;
	if (res < 0) {
		hx_on_error(w, c, to, to == HC_CLIENT ? "client_write_error" : "upstream_write_error");
		return;
	}
	hbuf_consume(&c->tx[to], (size_t)res);
	if (to == HC_CLIENT)
		client_took(c, &c->tx[to], res);
	hx_on_sent(w, c, to);
	if (c->state == HC_CLOSING)
		return;
	hc_kick_send(w, c, to);
	hc_arm_reads(w, c);
	hc_arm_timer(w, c);
}

static void http_complete(struct worker *w, struct io_uring_cqe *cqe)
{
	uint32_t slot = ud_slot(cqe->user_data);
	int side = (int)ud_side(cqe->user_data);
	enum ud_op op = ud_op(cqe->user_data);
	struct http_conn *c;

	if (op == UD_HTTP_POOL) {
		if (w->http)
			http_pool_complete(w, &w->http->pool, cqe->user_data);
		return;
	}
	c = w->http ? slots_lookup(&w->http->conns, slot, ud_gen(cqe->user_data)) : NULL;
	if (!c || c->state == HC_FREE)
		return;
	c->slot.inflight--;
	if (hc_zombie_done(w, c, side, op)) {
		maybe_free(w, c);
		return;
	}
	switch (op) {
	case UD_HTTP_RECV:
		on_recv(w, c, side, cqe->res);
		break;
	case UD_HTTP_SEND:
		on_send(w, c, side, cqe->res);
		break;
	case UD_HTTP_CONNECT:
		hx_upstream_connected(w, c, cqe->res);
		break;
	default:
		break;
	}
	maybe_free(w, c);
}

static void ring_shut_wr(struct worker *w, struct http_conn *c, int side)
{
	(void)w;
	shutdown(c->s[side].fd, SHUT_WR);
}

const struct hc_io hc_ring_io = {
	.kick_send = ring_kick_send,
	.arm_reads = ring_arm_reads,
	.arm_timer = ring_arm_timer,
	.cancel = ring_cancel,
	.shut_wr = ring_shut_wr,
	.upstream_open = hc_ring_upstream_open,
	.upstream_drop = hc_ring_upstream_drop,
	.scratch = ring_scratch,
	.tarpit_take = ring_tarpit_take,
	.unsent = ring_unsent,
};

/* ---- what the I/O reports to the exchange: the tunnel is told apart here, once ---- */

void hx_on_recv(struct worker *w, struct http_conn *c, int side)
{
	if (c->state == HC_TUNNEL)
		hx_tunnel_pump(w, c);
	else if (side == HC_CLIENT)
		hx_client_data(w, c);
	else
		hx_upstream_data(w, c);
}

void hx_on_sent(struct worker *w, struct http_conn *c, int side)
{
	if (c->state == HC_TUNNEL)
		hx_tunnel_pump(w, c);
	else if (side == HC_CLIENT)
		hx_client_sent(w, c);
	else
		hx_upstream_sent(w, c);
}

void hx_on_error(struct worker *w, struct http_conn *c, int side, const char *why)
{
	if (side == HC_CLIENT || c->state == HC_TUNNEL)
		hc_close(w, c, why);
	else
		hx_upstream_failed(w, c, why, 502);
}

/* ---- entry points ---- */

static int conn_setup(struct worker *w, struct http_conn *c)
{
	struct scratch_ent *e = scratch_get(w, c->px);

	if (!e)
		return -ENOMEM;
	e->users++;
	c->scratch = e->s;
	c->req = http_req_new(&c->rt->cfg->limits, hx_body, c);
	c->resp = http_resp_new(0);
	return c->req && c->resp ? 0 : -ENOMEM;
}

static void http_accept(struct worker *w, struct worker_listener *l, int fd)
{
	struct proxy *px = l->px;
	struct sockaddr_storage peer = { 0 };
	socklen_t sl = sizeof(peer);
	struct http_conn *c = NULL;
	bool admitted, counted;

	atomic_fetch_add_explicit(&w->st.accepted, 1, memory_order_relaxed);
	/* The connection table is built on the first HTTP client. */
	if (!w->http && http_init(w)) {
		http_free(w);
		atomic_fetch_add_explicit(&w->st.shed_conns, 1, memory_order_relaxed);
		close(fd);
		return;
	}
	mem_check(w);
	getpeername(fd, (struct sockaddr *)&peer, &sl);
	if (!src_take(w, px, &peer, &counted)) {
		close(fd);
		return;
	}
	admitted = proxy_conn_admit(px);
	if (!admitted || !(c = conn_alloc(w))) {
		if (admitted)
			proxy_conn_shed(px);
		if (counted)
			src_put(w, px, &peer);
		atomic_fetch_add_explicit(&w->st.shed_conns, 1, memory_order_relaxed);
		close(fd);
		return;
	}
	proxy_get(px);
	atomic_fetch_add_explicit(&px->st.conns_total, 1, memory_order_relaxed);
	c->px = px;
	c->rt = http_rt_of(px);
	c->s[HC_CLIENT].fd = fd;
	c->accepted_ms = c->idle_since_ms = w->now_ms;
	c->s[HC_CLIENT].last_rx_ms = w->now_ms;
	c->peer = peer;
	c->src_counted = counted;
	if (conn_setup(w, c)) {
		hc_close(w, c, "out_of_memory");
	} else {
		c->state = proxy_trusts(px, &c->peer) ? HC_PP_READ : HC_HEAD;
		c->via_pp = c->state == HC_PP_READ;
		hc_arm_reads(w, c);
		hc_arm_timer(w, c);
	}
	maybe_free(w, c);
}

static bool idle_client(const struct http_conn *c)
{
	return c->state == HC_HEAD && !c->in[HC_CLIENT].len && !hc_queued(c, HC_CLIENT);
}

static void http_drain(struct worker *w, struct proxy *px)
{
	struct http_workset *t = w->http;

	if (t)
		http_pool_drop(w, &t->pool, px);
	for (uint32_t i = 0; t && i < t->conns.n; i++) {
		struct http_conn *c = slots_at(&t->conns, i);

		if (c->px != px || c->state == HC_FREE || c->state == HC_CLOSING)
			continue;
		if (idle_client(c))
			hc_close(w, c, "draining");
		else
			c->close_after = true;
		hc_arm_timer(w, c);
		maybe_free(w, c);
	}
	if (t)
		scratch_drop_unused(w, px);
}

static void http_close_all(struct worker *w, const char *reason)
{
	struct http_workset *t = w->http;

	if (t)
		http_pool_drop(w, &t->pool, NULL);
	for (uint32_t i = 0; t && i < t->conns.n && t->conns.live; i++) {
		struct http_conn *c = slots_at(&t->conns, i);

		if (c->state != HC_FREE && c->state != HC_CLOSING) {
			hc_close(w, c, reason);
			maybe_free(w, c);
		}
	}
}

static void http_close_src(struct worker *w, bool (*match)(const struct aegis_addr *, void *),
			   void *ctx, const char *reason)
{
	struct http_workset *t = w->http;

	for (uint32_t i = 0; t && i < t->conns.n && t->conns.live; i++) {
		struct http_conn *c = slots_at(&t->conns, i);
		struct aegis_addr a;

		if (c->state == HC_FREE || c->state == HC_CLOSING)
			continue;
		proxy_addr_of(&c->peer, &a);
		if (match(&a, ctx)) {
			hc_close(w, c, reason);
			maybe_free(w, c);
		}
	}
}

/* The worker's HTTP state is built on its first HTTP client (no init). */
static const struct worker_proto http_proto = {
	.name = "http",
	.free = http_free,
	.accept = http_accept,
	.complete = http_complete,
	.drain = http_drain,
	.close_all = http_close_all,
	.close_src = http_close_src,
};

void http_proxy_register(void)
{
	worker_proto_register(UD_FAM_HTTP, &http_proto);
	proxy_app_register(&http_app);
}
