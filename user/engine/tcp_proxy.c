// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TCP connections on a worker; see tcp_proxy.h.
 *
 * Data moves in provided buffers: a multishot recv on one side fills
 * buffers that queue on that side until sent to the other. One send per
 * direction is in flight, so a short send is finished before the next
 * buffer goes and bytes never reorder. A direction whose queue passes
 * the per-connection budget stops reading (its recv is cancelled) until
 * the queue drains to half: a slow peer holds at most its budget, never
 * the whole buffer ring.
 *
 * Every request in flight for a connection is counted; the slot is freed
 * only when the count drops to zero after close, so no completion ever
 * lands on a reused slot (the generation in user_data double-checks).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "games/game.h"
#include "lib/log.h"
#include "engine/engine_rep.h"
#include "engine/proxy.h"
#include "engine/slots.h"
#include "engine/tcp_proxy.h"
#include "engine/uring_ud.h"
#include "engine/worker.h"

#define NO_BID		0xffffu
#define SIDE_CLIENT	0
#define SIDE_UP		1
#define HDR_IN_MAX	256	/* PROXY header we accept, with TLVs */
/* Client bytes held before the relay: read with a PROXY header, then
 * what a game validator asks for. */
#define HDR_HELD_MAX	(HDR_IN_MAX + AEGIS_GAME_FIRST_MAX)
#define HDR_OUT_MAX	(PROXY_PP_MAX + HDR_HELD_MAX)

enum tcp_state_id {
	CONN_FREE,
	CONN_NEW,		/* accepted, upstream not chosen yet */
	CONN_PP_READ,		/* reading a PROXY header from a trusted peer */
	CONN_FIRST_READ,	/* reading the first bytes a game validator judges */
	CONN_CONNECTING,
	CONN_PP_SEND,		/* sending our PROXY header (+ bytes read with theirs) */
	CONN_RELAY,
	CONN_CLOSING,
};

struct tcp_side {
	int fd;
	uint16_t q_head, q_tail;	/* buffers received from this side */
	uint32_t q_bytes;
	uint32_t head_off;		/* bytes of q_head already sent */
	uint8_t recv_armed, paused, eof, send_busy, wait_bufs, shut_wr;
	uint64_t bytes;			/* received from this side */
	uint64_t last_rx_ms;
	uint64_t send_since_ms;		/* 0: no send in flight to this side */
};

struct tcp_conn {
	struct slot slot;		/* generation, in-flight count (slots.h) */
	uint32_t next;			/* buffer-wait list */
	enum tcp_state_id state;
	bool waiting;
	bool via_pp;			/* client learned from a PROXY header */
	int8_t first_eof;		/* side that half-closed first, -1: none */
	struct proxy *px;
	unsigned int listener;
	int target;
	struct tcp_side s[2];
	struct timer timer;
	struct sockaddr_storage client, upstream;
	socklen_t up_len;
	uint64_t start_ms;
	const char *reason;
	unsigned char *hdr;		/* PP_READ, FIRST_READ: bytes in; PP_SEND: out */
	uint16_t hdr_len, hdr_off;
};

struct tcp_state {
	struct slot_table conns;	/* of struct tcp_conn */
	uint32_t wait_head;		/* conns stopped on ENOBUFS */
	uint16_t *bnext;		/* per buffer id: queue link */
	uint32_t *blen;
};

static void conn_close(struct worker *w, struct tcp_conn *c, const char *reason);
static void arm_recv(struct worker *w, struct tcp_conn *c, int side);
static void kick_send(struct worker *w, struct tcp_conn *c, int to);

static uint32_t conn_slot(struct worker *w, struct tcp_conn *c)
{
	return slots_index(&w->tcp->conns, c);
}

static uint64_t conn_ud(struct worker *w, struct tcp_conn *c, enum ud_op op, int side)
{
	return ud_pack(op, conn_slot(w, c), c->slot.gen, (unsigned int)side);
}

static int tcp_conns_init(struct worker *w)
{
	struct tcp_state *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	w->tcp = t;
	t->wait_head = UINT32_MAX;
	t->bnext = calloc(w->p.buf_count, sizeof(*t->bnext));
	t->blen = calloc(w->p.buf_count, sizeof(*t->blen));
	if (slots_init(&t->conns, w->p.max_conns, sizeof(struct tcp_conn)) || !t->bnext || !t->blen)
		return -ENOMEM;
	return 0;
}

static void tcp_conns_free(struct worker *w)
{
	struct tcp_state *t = w->tcp;

	if (!t)
		return;
	for (uint32_t i = 0; i < t->conns.n; i++)
		free(((struct tcp_conn *)slots_at(&t->conns, i))->hdr);
	slots_free(&t->conns);
	free(t->bnext);
	free(t->blen);
	free(t);
	w->tcp = NULL;
}

/* ---- buffer queues ---- */

static void q_push(struct worker *w, struct tcp_side *s, uint16_t bid, uint32_t len)
{
	w->tcp->bnext[bid] = NO_BID;
	w->tcp->blen[bid] = len;
	if (s->q_tail == NO_BID)
		s->q_head = bid;
	else
		w->tcp->bnext[s->q_tail] = bid;
	s->q_tail = bid;
	s->q_bytes += len;
}

static void q_pop(struct worker *w, struct tcp_side *s)
{
	uint16_t bid = s->q_head;

	s->q_bytes -= w->tcp->blen[bid];
	s->q_head = w->tcp->bnext[bid];
	if (s->q_head == NO_BID)
		s->q_tail = NO_BID;
	s->head_off = 0;
	worker_buf_return(w, bid);
}

static void q_release(struct worker *w, struct tcp_side *s)
{
	while (s->q_head != NO_BID)
		q_pop(w, s);
}

/* ---- lifecycle ---- */

static struct tcp_conn *conn_alloc(struct worker *w)
{
	struct tcp_conn *c = slots_take(&w->tcp->conns);

	if (!c)
		return NULL;
	c->next = UINT32_MAX;
	c->state = CONN_NEW;
	c->first_eof = -1;
	for (int i = 0; i < 2; i++) {
		c->s[i].fd = -1;
		c->s[i].q_head = c->s[i].q_tail = NO_BID;
	}
	w->active++;
	atomic_fetch_add_explicit(&w->st.tcp_active, 1, memory_order_relaxed);
	return c;
}

static void conn_free(struct worker *w, struct tcp_conn *c)
{
	struct proxy *px = c->px;
	uint64_t dur = w->now_ms - c->start_ms;

	timer_del(&w->tw, &c->timer);	/* the slot is reused: never leave it linked */
	for (int i = 0; i < 2; i++) {
		q_release(w, &c->s[i]);
		if (c->s[i].fd >= 0)
			close(c->s[i].fd);
	}
	if (px) {
		proxy_access_log(px, "tcp", &c->client, c->target >= 0 ? &c->upstream : NULL,
				 c->s[SIDE_CLIENT].bytes, c->s[SIDE_UP].bytes, dur, c->reason);
		atomic_fetch_add_explicit(&px->st.bytes_in, c->s[SIDE_CLIENT].bytes, memory_order_relaxed);
		atomic_fetch_add_explicit(&px->st.bytes_out, c->s[SIDE_UP].bytes, memory_order_relaxed);
		atomic_fetch_sub_explicit(&px->st.conns_active, 1, memory_order_relaxed);
		if (c->target >= 0)
			proxy_release(px, c->listener, c->target);
		proxy_put(px);
	}
	free(c->hdr);
	c->hdr = NULL;
	c->state = CONN_FREE;
	c->px = NULL;
	slots_put(&w->tcp->conns, c);
	w->active--;
	atomic_fetch_sub_explicit(&w->st.tcp_active, 1, memory_order_relaxed);
}

static void maybe_free(struct worker *w, struct tcp_conn *c)
{
	if (c->state == CONN_CLOSING && !c->slot.inflight && !c->waiting)
		conn_free(w, c);
}

static void cancel_fd(struct worker *w, struct tcp_conn *c, int fd)
{
	struct io_uring_sqe *sqe = worker_sqe(w);

	io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_CANCEL, 0));
	c->slot.inflight++;
}

/*
 * Marks the connection closing and cancels its requests. The slot is
 * freed later, by the top-level caller (maybe_free), once nothing is in
 * flight: handlers never free the connection they are working on.
 */
static void conn_close(struct worker *w, struct tcp_conn *c, const char *reason)
{
	if (c->state == CONN_CLOSING || c->state == CONN_FREE)
		return;
	c->state = CONN_CLOSING;
	c->reason = reason;
	timer_del(&w->tw, &c->timer);
	/* Closing an fd does not cancel its armed multishot requests. */
	for (int i = 0; i < 2; i++)
		if (c->s[i].fd >= 0 && c->slot.inflight)
			cancel_fd(w, c, c->s[i].fd);
}

/* ---- timers ---- */

static uint64_t deadline_min(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

static uint64_t after(uint64_t base, uint32_t ms)
{
	return ms ? base + ms : 0;
}

static void conn_timer(struct timer *t, void *ctx);

/* Earliest time something about this connection must be checked. */
static uint64_t conn_deadline(struct tcp_conn *c)
{
	const struct proxy_cfg *cfg = &c->px->cfg;
	uint64_t d = 0, drain = atomic_load_explicit(&c->px->drain_deadline_ms, memory_order_relaxed);
	uint64_t last = c->s[0].last_rx_ms > c->s[1].last_rx_ms ? c->s[0].last_rx_ms
								 : c->s[1].last_rx_ms;

	if (c->state == CONN_PP_READ || c->state == CONN_FIRST_READ)
		return c->start_ms + cfg->timeouts.connect_ms;
	d = deadline_min(d, after(last, cfg->timeouts.idle_ms));
	d = deadline_min(d, after(c->s[SIDE_CLIENT].last_rx_ms, cfg->timeouts.client_read_ms));
	d = deadline_min(d, after(c->s[SIDE_UP].last_rx_ms, cfg->timeouts.upstream_read_ms));
	if (c->s[SIDE_CLIENT].send_since_ms)
		d = deadline_min(d, after(c->s[SIDE_CLIENT].send_since_ms, cfg->timeouts.client_write_ms));
	if (c->s[SIDE_UP].send_since_ms)
		d = deadline_min(d, after(c->s[SIDE_UP].send_since_ms, cfg->timeouts.upstream_write_ms));
	return deadline_min(d, drain);
}

static void conn_arm_timer(struct worker *w, struct tcp_conn *c)
{
	uint64_t d = conn_deadline(c);

	if (d)
		timer_add(&w->tw, &c->timer, d, conn_timer);
	else
		timer_del(&w->tw, &c->timer);
}

static const char *conn_expired(struct tcp_conn *c, uint64_t now)
{
	const struct proxy_cfg *cfg = &c->px->cfg;
	uint64_t drain = atomic_load_explicit(&c->px->drain_deadline_ms, memory_order_relaxed);
	uint64_t last = c->s[0].last_rx_ms > c->s[1].last_rx_ms ? c->s[0].last_rx_ms
								 : c->s[1].last_rx_ms;
	const uint64_t d_idle = after(last, cfg->timeouts.idle_ms);
	const uint64_t d_cr = after(c->s[SIDE_CLIENT].last_rx_ms, cfg->timeouts.client_read_ms);
	const uint64_t d_ur = after(c->s[SIDE_UP].last_rx_ms, cfg->timeouts.upstream_read_ms);

	if (c->state == CONN_PP_READ)
		return now >= c->start_ms + cfg->timeouts.connect_ms ? "proxy_header_timeout" : NULL;
	if (c->state == CONN_FIRST_READ)
		return now >= c->start_ms + cfg->timeouts.connect_ms ? "handshake_timeout" : NULL;
	if (drain && now >= drain)
		return "drain_timeout";
	if (d_idle && now >= d_idle)
		return "idle_timeout";
	if (d_cr && now >= d_cr)
		return "client_read_timeout";
	if (d_ur && now >= d_ur)
		return "upstream_read_timeout";
	if (c->s[SIDE_CLIENT].send_since_ms && cfg->timeouts.client_write_ms &&
	    now >= c->s[SIDE_CLIENT].send_since_ms + cfg->timeouts.client_write_ms)
		return "client_write_timeout";
	if (c->s[SIDE_UP].send_since_ms && cfg->timeouts.upstream_write_ms &&
	    now >= c->s[SIDE_UP].send_since_ms + cfg->timeouts.upstream_write_ms)
		return "upstream_write_timeout";
	return NULL;
}

static void conn_timer(struct timer *t, void *ctx)
{
	struct worker *w = ctx;
	struct tcp_conn *c = (struct tcp_conn *)((char *)t - offsetof(struct tcp_conn, timer));
	const char *why;

	if (c->state == CONN_CLOSING || c->state == CONN_FREE)
		return;
	why = conn_expired(c, w->now_ms);
	engine_rep_timeout(w, &c->client, why, c->via_pp);
	if (why)
		conn_close(w, c, why);
	else
		conn_arm_timer(w, c);
	maybe_free(w, c);
}

/* ---- relay ---- */

static void arm_recv(struct worker *w, struct tcp_conn *c, int side)
{
	struct tcp_side *s = &c->s[side];
	struct io_uring_sqe *sqe;

	if (s->recv_armed || s->paused || s->eof || s->wait_bufs || c->state != CONN_RELAY)
		return;
	/* Single-shot fallback: nothing to cancel, so just do not read past
	 * the budget; on_send re-arms once the queue drains to half. */
	if (s->q_bytes > w->p.conn_budget) {
		s->paused = 1;
		return;
	}
	sqe = worker_sqe(w);
	if (w->feat.multishot_recv)
		io_uring_prep_recv_multishot(sqe, s->fd, NULL, 0, 0);
	else
		io_uring_prep_recv(sqe, s->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = 0;
	io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_RECV, side));
	s->recv_armed = 1;
	c->slot.inflight++;
}

static void pause_recv(struct worker *w, struct tcp_conn *c, int side)
{
	struct io_uring_sqe *sqe = worker_sqe(w);

	io_uring_prep_cancel64(sqe, conn_ud(w, c, UD_RECV, side), 0);
	io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_CANCEL, side));
	c->slot.inflight++;
	c->s[side].paused = 1;
}

static void check_done(struct worker *w, struct tcp_conn *c)
{
	struct tcp_side *a = &c->s[0], *b = &c->s[1];

	if (a->eof && b->eof && a->q_head == NO_BID && b->q_head == NO_BID &&
	    !a->send_busy && !b->send_busy)
		conn_close(w, c, c->first_eof == SIDE_UP ? "upstream_closed" : "client_closed");
}

/* A send started: make sure the timer fires by its write deadline. */
static void send_deadline(struct worker *w, struct tcp_conn *c, int to)
{
	const struct proxy_timeouts *t = &c->px->cfg.timeouts;
	uint32_t ms = to == SIDE_CLIENT ? t->client_write_ms : t->upstream_write_ms;
	uint64_t due = w->now_ms + ms;

	if (!ms)
		return;
	if (!timer_armed(&c->timer) ||
	    c->timer.expires_tick > (due + TIMER_TICK_MS - 1) / TIMER_TICK_MS)
		timer_add(&w->tw, &c->timer, due, conn_timer);
}

/* Sends the next queued buffer from the other side to side `to`. */
static void kick_send(struct worker *w, struct tcp_conn *c, int to)
{
	struct tcp_side *dst = &c->s[to], *src = &c->s[!to];
	struct io_uring_sqe *sqe;
	uint16_t bid = src->q_head;

	if (dst->send_busy || c->state != CONN_RELAY)
		return;
	if (bid == NO_BID) {
		if (src->eof && !dst->shut_wr) {
			shutdown(dst->fd, SHUT_WR);	/* pass the half-close on */
			dst->shut_wr = 1;
			check_done(w, c);
		}
		return;
	}
	sqe = worker_sqe(w);
	io_uring_prep_send(sqe, dst->fd, worker_buf(w, bid) + src->head_off,
			   w->tcp->blen[bid] - src->head_off, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_SEND, to));
	dst->send_busy = 1;
	dst->send_since_ms = w->now_ms;
	c->slot.inflight++;
	send_deadline(w, c, to);
}

static void buffers_wait(struct worker *w, struct tcp_conn *c, int side)
{
	c->s[side].wait_bufs = 1;
	if (c->waiting)
		return;
	c->waiting = true;
	c->next = w->tcp->wait_head;
	w->tcp->wait_head = conn_slot(w, c);
	atomic_fetch_add_explicit(&w->st.enobufs, 1, memory_order_relaxed);
}

/*
 * Re-arms reads that stopped on ENOBUFS once buffers are back. Closing
 * connections leave the list at once, buffers or not: they hold queued
 * buffers that only their freeing returns.
 */
static void tcp_resume_waiters(struct worker *w)
{
	struct tcp_state *t = w->tcp;
	bool have_bufs = w->bufs_free > w->p.buf_count / 8;
	uint32_t *link = &t->wait_head;

	while (*link != UINT32_MAX) {
		struct tcp_conn *c = slots_at(&t->conns, *link);

		if (c->state != CONN_CLOSING && !have_bufs) {
			link = &c->next;
			continue;
		}
		*link = c->next;
		c->next = UINT32_MAX;
		c->waiting = false;
		for (int i = 0; i < 2; i++) {
			c->s[i].wait_bufs = 0;
			arm_recv(w, c, i);
		}
		maybe_free(w, c);
		have_bufs = w->bufs_free > w->p.buf_count / 8;
	}
}

static void on_recv(struct worker *w, struct tcp_conn *c, int side, struct io_uring_cqe *cqe)
{
	struct tcp_side *s = &c->s[side];
	int res = cqe->res;

	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		s->recv_armed = 0;
		c->slot.inflight--;
	}
	if (res > 0) {
		uint16_t bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);

		w->bufs_free--;
		if (c->state != CONN_RELAY) {
			worker_buf_return(w, bid);
			return;
		}
		q_push(w, s, bid, (uint32_t)res);
		s->bytes += (uint64_t)res;
		s->last_rx_ms = w->now_ms;
		kick_send(w, c, !side);
		if (s->q_bytes > w->p.conn_budget && s->recv_armed && !s->paused)
			pause_recv(w, c, side);
	} else if (c->state != CONN_RELAY) {
		return;
	} else if (res == 0) {
		s->eof = 1;
		if (c->first_eof < 0)
			c->first_eof = (int8_t)side;
		kick_send(w, c, !side);
		check_done(w, c);
	} else if (res == -ENOBUFS) {
		buffers_wait(w, c, side);
	} else if (res != -ECANCELED) {
		conn_close(w, c, side == SIDE_CLIENT ? "client_error" : "upstream_error");
		return;
	}
	if (c->state == CONN_RELAY)
		arm_recv(w, c, side);
}

static void on_send(struct worker *w, struct tcp_conn *c, int to, struct io_uring_cqe *cqe)
{
	struct tcp_side *dst = &c->s[to], *src = &c->s[!to];

	c->slot.inflight--;
	dst->send_busy = 0;
	dst->send_since_ms = 0;
	if (c->state != CONN_RELAY) {
		return;
	}
	if (cqe->res < 0) {
		conn_close(w, c, to == SIDE_CLIENT ? "client_write_error" : "upstream_write_error");
		return;
	}
	src->head_off += (uint32_t)cqe->res;
	if (src->head_off >= w->tcp->blen[src->q_head])
		q_pop(w, src);
	if (src->paused && src->q_bytes <= w->p.conn_budget / 2) {
		src->paused = 0;
		arm_recv(w, c, !to);
	}
	kick_send(w, c, to);
	check_done(w, c);
}

static void start_relay(struct worker *w, struct tcp_conn *c)
{
	c->state = CONN_RELAY;
	c->s[SIDE_CLIENT].last_rx_ms = c->s[SIDE_UP].last_rx_ms = w->now_ms;
	arm_recv(w, c, SIDE_CLIENT);
	arm_recv(w, c, SIDE_UP);
	conn_arm_timer(w, c);
}

/* ---- PROXY protocol ---- */

static void send_hdr(struct worker *w, struct tcp_conn *c)
{
	struct io_uring_sqe *sqe = worker_sqe(w);

	io_uring_prep_send(sqe, c->s[SIDE_UP].fd, c->hdr + c->hdr_off, c->hdr_len - c->hdr_off,
			   MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_SEND, SIDE_UP));
	c->slot.inflight++;
}

static void on_hdr_sent(struct worker *w, struct tcp_conn *c, struct io_uring_cqe *cqe)
{
	c->slot.inflight--;
	if (c->state != CONN_PP_SEND) {
		return;
	}
	if (cqe->res < 0) {
		conn_close(w, c, "upstream_write_error");
		return;
	}
	c->hdr_off += (uint16_t)cqe->res;
	if (c->hdr_off < c->hdr_len) {
		send_hdr(w, c);
		return;
	}
	free(c->hdr);
	c->hdr = NULL;
	start_relay(w, c);
}

/* After connecting: our PROXY header and any client bytes read with the
 * trusted peer's header go first, then the relay starts. */
static void after_connect(struct worker *w, struct tcp_conn *c)
{
	unsigned char out[HDR_OUT_MAX];
	size_t n = 0;
	int len;

	if (c->px->cfg.pp_send != PROXY_PP_OFF) {
		struct sockaddr_storage local;
		socklen_t sl = sizeof(local);

		getsockname(c->s[SIDE_CLIENT].fd, (struct sockaddr *)&local, &sl);
		len = proxy_pp_encode(c->px, SOCK_STREAM, &c->client, &local, out, sizeof(out));
		if (len < 0) {
			conn_close(w, c, "proxy_header_error");
			return;
		}
		n = (size_t)len;
	}
	if (c->hdr && c->hdr_off < c->hdr_len) {	/* leftover after their header */
		memcpy(out + n, c->hdr + c->hdr_off, c->hdr_len - c->hdr_off);
		n += c->hdr_len - c->hdr_off;
	}
	if (!n) {
		start_relay(w, c);
		return;
	}
	if (!c->hdr)
		c->hdr = malloc(HDR_OUT_MAX);
	if (!c->hdr) {
		conn_close(w, c, "out_of_memory");
		return;
	}
	memcpy(c->hdr, out, n);
	c->hdr_len = (uint16_t)n;
	c->hdr_off = 0;
	c->state = CONN_PP_SEND;
	send_hdr(w, c);
}

static void start_connect(struct worker *w, struct tcp_conn *c);
static void first_check(struct worker *w, struct tcp_conn *c);

static void read_pp(struct worker *w, struct tcp_conn *c)
{
	struct io_uring_sqe *sqe = worker_sqe(w);

	io_uring_prep_recv(sqe, c->s[SIDE_CLIENT].fd, c->hdr + c->hdr_len,
			   HDR_IN_MAX - c->hdr_len, 0);
	io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_RECV, SIDE_CLIENT));
	c->slot.inflight++;
}

static void on_pp_read(struct worker *w, struct tcp_conn *c, struct io_uring_cqe *cqe)
{
	size_t used = 0;
	int ret;

	c->slot.inflight--;
	if (c->state != CONN_PP_READ) {
		return;
	}
	if (cqe->res <= 0) {
		conn_close(w, c, cqe->res ? "client_error" : "client_closed");
		return;
	}
	c->hdr_len += (uint16_t)cqe->res;
	ret = proxy_pp_decode(c->hdr, c->hdr_len, &used, &c->client);
	if (ret == -EAGAIN && c->hdr_len < HDR_IN_MAX) {
		read_pp(w, c);
		return;
	}
	if (ret) {
		conn_close(w, c, "proxy_header_invalid");
		return;
	}
	c->hdr_off = (uint16_t)used;	/* the rest is client payload */
	if (proxy_game(c->px))
		first_check(w, c);
	else
		start_connect(w, c);
}

/* ---- first bytes (games seam) ---- */

/* Reads on after the held bytes, up to AEGIS_GAME_FIRST_MAX of payload. */
static void read_first(struct worker *w, struct tcp_conn *c)
{
	struct io_uring_sqe *sqe = worker_sqe(w);
	size_t room = (size_t)c->hdr_off + AEGIS_GAME_FIRST_MAX - c->hdr_len;

	c->state = CONN_FIRST_READ;
	io_uring_prep_recv(sqe, c->s[SIDE_CLIENT].fd, c->hdr + c->hdr_len, room, 0);
	io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_RECV, SIDE_CLIENT));
	c->slot.inflight++;
	conn_arm_timer(w, c);
}

/*
 * The validator judges the client's first bytes before an upstream is
 * chosen: junk never costs an upstream connection. Passed bytes go
 * upstream first, as those read with a PROXY header do.
 */
static void first_check(struct worker *w, struct tcp_conn *c)
{
	size_t have = (size_t)c->hdr_len - c->hdr_off;
	struct game_verdict v;

	if (!have) {
		read_first(w, c);
		return;
	}
	v = game_tcp_first(proxy_game(c->px), c->hdr + c->hdr_off, have);
	if (v.kind == GAME_VERDICT_PASS)
		start_connect(w, c);
	else if (v.kind == GAME_VERDICT_MORE)
		read_first(w, c);
	else
		conn_close(w, c, game_reason_name(v.reason));
}

static void on_first_read(struct worker *w, struct tcp_conn *c, struct io_uring_cqe *cqe)
{
	c->slot.inflight--;
	if (c->state != CONN_FIRST_READ)
		return;
	if (cqe->res <= 0) {
		conn_close(w, c, cqe->res ? "client_error" : "client_closed");
		return;
	}
	c->hdr_len += (uint16_t)cqe->res;
	c->s[SIDE_CLIENT].bytes += (uint64_t)cqe->res;
	c->s[SIDE_CLIENT].last_rx_ms = w->now_ms;
	first_check(w, c);
}

/* ---- connect ---- */

static void start_connect(struct worker *w, struct tcp_conn *c)
{
	struct __kernel_timespec ts;
	struct io_uring_sqe *sqe;
	int one = 1, fd;

	c->target = proxy_pick(c->px, c->listener, &c->client, w->now_ms * 1000000ull, &w->rng,
			       &c->upstream, &c->up_len);
	if (c->target < 0) {
		conn_close(w, c, "no_healthy_upstream");
		return;
	}
	fd = socket(c->upstream.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		atomic_fetch_add_explicit(&w->st.conn_errors, 1, memory_order_relaxed);
		conn_close(w, c, "upstream_socket_error");
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->s[SIDE_UP].fd = fd;
	c->state = CONN_CONNECTING;
	sqe = worker_sqe(w);
	io_uring_prep_connect(sqe, fd, (struct sockaddr *)&c->upstream, c->up_len);
	io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_CONNECT, SIDE_UP));
	sqe->flags |= IOSQE_IO_LINK;
	ts.tv_sec = c->px->cfg.timeouts.connect_ms / 1000;
	ts.tv_nsec = (long long)(c->px->cfg.timeouts.connect_ms % 1000) * 1000000;
	sqe = worker_sqe(w);
	io_uring_prep_link_timeout(sqe, &ts, 0);
	io_uring_sqe_set_data64(sqe, conn_ud(w, c, UD_CONNECT_TIMEOUT, SIDE_UP));
	c->slot.inflight += 2;
	/* The timespec is read at submission: submit before it goes out of scope. */
	io_uring_submit(&w->ring);
}

static void on_connect(struct worker *w, struct tcp_conn *c, struct io_uring_cqe *cqe)
{
	c->slot.inflight--;
	if (c->state != CONN_CONNECTING) {
		return;
	}
	if (cqe->res < 0) {
		atomic_fetch_add_explicit(&c->px->st.conns_failed, 1, memory_order_relaxed);
		conn_close(w, c, cqe->res == -ECANCELED ? "connect_timeout" : "connect_failed");
		return;
	}
	after_connect(w, c);
}

/* ---- entry points ---- */

static void tcp_accept(struct worker *w, struct worker_listener *l, int fd)
{
	struct proxy *px = l->px;
	struct tcp_conn *c = NULL;
	socklen_t sl = sizeof(struct sockaddr_storage);
	bool admitted, trusted;

	atomic_fetch_add_explicit(&w->st.accepted, 1, memory_order_relaxed);
	admitted = proxy_conn_admit(px);
	if (!admitted || !(c = conn_alloc(w))) {
		if (admitted)
			proxy_conn_shed(px);
		atomic_fetch_add_explicit(&w->st.shed_conns, 1, memory_order_relaxed);
		close(fd);
		return;
	}
	proxy_get(px);
	atomic_fetch_add_explicit(&px->st.conns_total, 1, memory_order_relaxed);
	c->px = px;
	c->listener = l->index;
	c->target = -1;
	c->start_ms = w->now_ms;
	/* Deadlines count from the accept until data flows. */
	c->s[SIDE_CLIENT].last_rx_ms = c->s[SIDE_UP].last_rx_ms = w->now_ms;
	c->s[SIDE_CLIENT].fd = fd;
	getpeername(fd, (struct sockaddr *)&c->client, &sl);
	trusted = c->via_pp = proxy_trusts(px, &c->client);
	if (!trusted && !proxy_game(px)) {
		start_connect(w, c);
	} else if (!(c->hdr = malloc(HDR_OUT_MAX))) {
		conn_close(w, c, "out_of_memory");
	} else if (!trusted) {
		first_check(w, c);
	} else {
		c->state = CONN_PP_READ;
		read_pp(w, c);
		conn_arm_timer(w, c);
	}
	maybe_free(w, c);
}

static void tcp_complete(struct worker *w, struct io_uring_cqe *cqe)
{
	uint32_t slot = ud_slot(cqe->user_data);
	int side = (int)ud_side(cqe->user_data);
	struct tcp_conn *c;

	c = w->tcp ? slots_lookup(&w->tcp->conns, slot, ud_gen(cqe->user_data)) : NULL;
	if (!c || c->state == CONN_FREE) {
		/* Stale: only a buffer it carries needs returning. */
		if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_BUFFER))
			worker_buf_return(w, (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT));
		return;
	}
	switch (ud_op(cqe->user_data)) {
	case UD_RECV:
		if (c->state == CONN_FIRST_READ)
			on_first_read(w, c, cqe);
		else if (c->state == CONN_PP_READ || (c->state == CONN_CLOSING && !(cqe->flags & IORING_CQE_F_BUFFER) && cqe->res > 0))
			on_pp_read(w, c, cqe);
		else
			on_recv(w, c, side, cqe);
		break;
	case UD_SEND:
		if (c->state == CONN_PP_SEND)
			on_hdr_sent(w, c, cqe);
		else
			on_send(w, c, side, cqe);
		break;
	case UD_CONNECT:
		on_connect(w, c, cqe);
		break;
	case UD_CONNECT_TIMEOUT:
	case UD_CANCEL:
		c->slot.inflight--;
		break;
	default:
		break;
	}
	maybe_free(w, c);
}

static void tcp_close_all(struct worker *w, const char *reason)
{
	struct tcp_state *t = w->tcp;

	for (uint32_t i = 0; t && i < t->conns.n && w->active; i++) {
		struct tcp_conn *c = slots_at(&t->conns, i);

		if (c->state != CONN_FREE && c->state != CONN_CLOSING) {
			conn_close(w, c, reason);
			maybe_free(w, c);
		}
	}
}

static void tcp_close_src(struct worker *w, bool (*match)(const struct aegis_addr *, void *),
			  void *ctx, const char *reason)
{
	struct tcp_state *t = w->tcp;

	for (uint32_t i = 0; t && i < t->conns.n && w->active; i++) {
		struct tcp_conn *c = slots_at(&t->conns, i);
		struct aegis_addr a;

		if (c->state == CONN_FREE || c->state == CONN_CLOSING)
			continue;
		proxy_addr_of(&c->client, &a);
		if (match(&a, ctx)) {
			conn_close(w, c, reason);
			maybe_free(w, c);
		}
	}
}

/* A proxy started draining: its connections must see the new deadline. */
static void tcp_drain(struct worker *w, struct proxy *px)
{
	struct tcp_state *t = w->tcp;

	for (uint32_t i = 0; t && i < t->conns.n; i++) {
		struct tcp_conn *c = slots_at(&t->conns, i);

		if (c->px == px && c->state != CONN_FREE && c->state != CONN_CLOSING)
			conn_arm_timer(w, c);
	}
}

static const struct worker_proto tcp_proto = {
	.name = "tcp",
	.init = tcp_conns_init,
	.free = tcp_conns_free,
	.accept = tcp_accept,
	.complete = tcp_complete,
	.drain = tcp_drain,
	.close_all = tcp_close_all,
	.resume = tcp_resume_waiters,
	.close_src = tcp_close_src,
};

void tcp_proxy_register(void)
{
	worker_proto_register(UD_FAM_TCP, &tcp_proto);
}
