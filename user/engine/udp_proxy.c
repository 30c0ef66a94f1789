// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * UDP sessions on a worker; see udp_proxy.h.
 *
 * Listener sockets read with a multishot recvmsg into provided buffers
 * (source address and payload in one buffer). A datagram's buffer is held
 * by its send and returned when the send completes; the send's msghdr
 * lives in a context indexed by the same buffer id, so no allocation
 * happens per datagram and nothing is unbounded.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "games/game.h"
#include "lib/log.h"
#include "engine/proxy.h"
#include "engine/slots.h"
#include "engine/udp_proxy.h"
#include "engine/uring_ud.h"
#include "engine/worker.h"

#define NONE UINT32_MAX

/* The local address a datagram arrived on (IP_PKTINFO / IPV6_PKTINFO). */
struct pktinfo_any {
	int family;
	union {
		struct in_pktinfo v4;
		struct in6_pktinfo v6;
	};
};

/*
 * A listening UDP socket. Sessions reply through it, so it lives while a
 * listener or a session holds it. A reload that keeps the address and
 * port hands the socket to the new listener instead of opening another:
 * a second socket in the SO_REUSEPORT group would take a share of new
 * clients that nobody reads.
 */
struct udp_sock {
	struct udp_sock *next;
	int fd;
	uint32_t refs;
	bool has_listener;
	struct sockaddr_storage addr;
};

struct udp_session {
	struct slot slot;		/* generation, in-flight count, live (slots.h) */
	uint32_t chain;			/* hash chain */
	bool closing;
	struct udp_sock *us;		/* the socket the client talks to */
	struct proxy *px;
	unsigned int listener;
	int target;
	int fd;				/* connected to the upstream */
	bool recv_armed, wait_bufs;
	struct sockaddr_storage client;	/* the real client (key, logs, balancing) */
	struct sockaddr_storage reply_to;	/* who sent it: the client or a trusted LB */
	struct pktinfo_any local;		/* the address it was sent to */
	bool has_local;
	struct sockaddr_storage upstream;
	socklen_t reply_len, up_len;
	uint64_t start_ms, last_ms;
	uint64_t bytes_in, bytes_out;
	struct timer timer;
	const char *reason;
	unsigned char pp[PROXY_PP_MAX];	/* v2 header prefixed to upstream datagrams */
	uint16_t pp_len;
};

struct udp_send {
	struct msghdr msg;
	struct iovec iov[2];
	union {				/* source address of a reply */
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct sockaddr_storage to;
	uint32_t session, gen;		/* session whose fd it uses (NONE: listener) */
};

struct udp_state {
	struct slot_table sessions;	/* of struct udp_session */
	struct udp_session *s;		/* sessions.base, typed */
	uint32_t *buckets, nbuckets;
	struct udp_send *sends;		/* indexed by buffer id */
	struct msghdr tmpl;		/* recvmsg layout: name, no control */
	struct udp_sock *socks;
	uint32_t waiting;		/* sessions stopped on ENOBUFS */
};

static void sock_put(struct udp_state *u, struct udp_sock *us)
{
	struct udp_sock **pp;

	if (--us->refs)
		return;
	for (pp = &u->socks; *pp && *pp != us; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = us->next;
	close(us->fd);
	free(us);
}

static void session_close(struct worker *w, struct udp_session *s, const char *reason);

static int udp_init(struct worker *w)
{
	struct udp_state *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	w->udp = u;
	u->nbuckets = 1;
	while (u->nbuckets < w->p.max_udp_sessions * 2)
		u->nbuckets <<= 1;
	if (slots_init(&u->sessions, w->p.max_udp_sessions, sizeof(struct udp_session)))
		return -ENOMEM;
	u->s = (struct udp_session *)u->sessions.base;
	u->buckets = malloc(u->nbuckets * sizeof(*u->buckets));
	u->sends = calloc(w->p.buf_count, sizeof(*u->sends));
	if (!u->buckets || !u->sends)
		return -ENOMEM;
	memset(u->buckets, 0xff, u->nbuckets * sizeof(*u->buckets));
	u->tmpl.msg_namelen = sizeof(struct sockaddr_storage);
	u->tmpl.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
	return 0;
}

static void udp_free(struct worker *w)
{
	struct udp_state *u = w->udp;

	if (!u)
		return;
	for (uint32_t i = 0; i < u->sessions.n; i++)
		if (u->s[i].slot.live) {
			if (u->s[i].fd >= 0)
				close(u->s[i].fd);
			proxy_put(u->s[i].px);
		}
	while (u->socks) {
		struct udp_sock *n = u->socks->next;

		close(u->socks->fd);
		free(u->socks);
		u->socks = n;
	}
	slots_free(&u->sessions);
	free(u->buckets);
	free(u->sends);
	free(u);
	w->udp = NULL;
}

static bool udp_active(struct worker *w)
{
	return w->udp && w->udp->sessions.live;
}

/* ---- session table ---- */

static uint32_t addr_hash(const struct udp_sock *us, const struct sockaddr_storage *a)
{
	const unsigned char *p = (const unsigned char *)a;
	size_t len = a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					       : sizeof(struct sockaddr_in);
	uint32_t h = 2166136261u ^ (uint32_t)((uintptr_t)us >> 4);

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
}

static struct udp_session *session_find(struct udp_state *u, const struct udp_sock *us,
					const struct sockaddr_storage *client)
{
	uint32_t i = u->buckets[addr_hash(us, client) & (u->nbuckets - 1)];

	for (; i != NONE; i = u->s[i].chain)
		if (u->s[i].us == us && !u->s[i].closing && same_addr(&u->s[i].client, client))
			return &u->s[i];
	return NULL;
}

static void session_unhash(struct udp_state *u, struct udp_session *s)
{
	uint32_t *p = &u->buckets[addr_hash(s->us, &s->client) & (u->nbuckets - 1)];
	uint32_t idx = (uint32_t)(s - u->s);

	while (*p != NONE && *p != idx)
		p = &u->s[*p].chain;
	if (*p == idx)
		*p = s->chain;
}

/* ---- session lifecycle ---- */

static void session_timer(struct timer *t, void *ctx)
{
	struct worker *w = ctx;
	struct udp_session *s = (struct udp_session *)((char *)t - offsetof(struct udp_session, timer));
	uint64_t idle = s->px->cfg.timeouts.udp_session_ms;
	uint64_t drain = atomic_load_explicit(&s->px->drain_deadline_ms, memory_order_relaxed);

	if (s->closing)
		return;
	if (drain && w->now_ms >= drain) {
		session_close(w, s, "drain_timeout");
		return;
	}
	if (w->now_ms >= s->last_ms + idle) {
		session_close(w, s, "idle_timeout");
		return;
	}
	uint64_t next = s->last_ms + idle;

	timer_add(&w->tw, &s->timer, drain && drain < next ? drain : next, session_timer);
}

static void session_free(struct worker *w, struct udp_session *s)
{
	struct udp_state *u = w->udp;

	timer_del(&w->tw, &s->timer);	/* the slot is reused: never leave it linked */
	proxy_access_log(s->px, "udp", &s->client, &s->upstream, s->bytes_in, s->bytes_out,
			 w->now_ms - s->start_ms, s->reason);
	atomic_fetch_add_explicit(&s->px->st.bytes_in, s->bytes_in, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->px->st.bytes_out, s->bytes_out, memory_order_relaxed);
	atomic_fetch_sub_explicit(&s->px->st.udp_sessions, 1, memory_order_relaxed);
	proxy_release(s->px, s->listener, s->target);
	proxy_put(s->px);
	if (s->fd >= 0)
		close(s->fd);
	if (s->wait_bufs)
		u->waiting--;
	sock_put(u, s->us);
	s->us = NULL;
	s->px = NULL;
	slots_put(&u->sessions, s);
	atomic_fetch_sub_explicit(&w->st.udp_sessions, 1, memory_order_relaxed);
}

static void session_maybe_free(struct worker *w, struct udp_session *s)
{
	if (s->slot.live && s->closing && !s->slot.inflight)
		session_free(w, s);
}

static void session_close(struct worker *w, struct udp_session *s, const char *reason)
{
	if (s->closing)
		return;
	s->closing = true;
	s->reason = reason;
	timer_del(&w->tw, &s->timer);
	session_unhash(w->udp, s);
	if (s->slot.inflight) {
		struct io_uring_sqe *sqe = worker_sqe(w);

		io_uring_prep_cancel_fd(sqe, s->fd, IORING_ASYNC_CANCEL_ALL);
		io_uring_sqe_set_data64(sqe, ud_pack(UD_NONE, 0, 0, 0));
	}
	session_maybe_free(w, s);
}

static void session_arm_recv(struct worker *w, struct udp_session *s)
{
	struct io_uring_sqe *sqe;
	uint32_t idx = (uint32_t)(s - w->udp->s);

	if (s->recv_armed || s->closing || s->wait_bufs)
		return;
	sqe = worker_sqe(w);
	io_uring_prep_recv_multishot(sqe, s->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = 0;
	io_uring_sqe_set_data64(sqe, ud_pack(UD_UDP_UP_RECV, idx, s->slot.gen, 0));
	s->recv_armed = true;
	s->slot.inflight++;
}

static struct udp_session *session_new(struct worker *w, struct worker_listener *l,
				       const struct sockaddr_storage *client,
				       const struct sockaddr_storage *sender, socklen_t slen)
{
	struct udp_state *u = w->udp;
	struct udp_session *s = slots_take(&u->sessions);
	uint32_t idx, h;

	if (!s) {
		atomic_fetch_add_explicit(&w->st.udp_shed, 1, memory_order_relaxed);
		return NULL;
	}
	idx = slots_index(&u->sessions, s);
	s->fd = -1;
	s->px = l->px;
	s->listener = l->index;
	s->us = l->us;
	s->client = *client;
	s->reply_to = *sender;
	s->reply_len = slen;
	s->target = proxy_pick(s->px, s->listener, client, w->now_ms * 1000000ull, &w->rng,
			       &s->upstream, &s->up_len);
	if (s->target < 0) {
		slots_put(&u->sessions, s);
		return NULL;
	}
	s->fd = socket(s->upstream.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&s->upstream, s->up_len)) {
		if (s->fd >= 0)
			close(s->fd);
		proxy_release(s->px, s->listener, s->target);
		slots_put(&u->sessions, s);
		return NULL;
	}
	if (s->px->cfg.pp_send == PROXY_PP_V2) {
		struct sockaddr_storage local;
		socklen_t sl = sizeof(local);
		int n;

		getsockname(l->fd, (struct sockaddr *)&local, &sl);
		n = proxy_pp_encode(s->px, SOCK_DGRAM, client, &local, s->pp, sizeof(s->pp));
		s->pp_len = n > 0 ? (uint16_t)n : 0;
	}
	h = addr_hash(s->us, client) & (u->nbuckets - 1);
	s->chain = u->buckets[h];
	u->buckets[h] = idx;
	proxy_get(s->px);
	s->us->refs++;
	s->start_ms = s->last_ms = w->now_ms;
	atomic_fetch_add_explicit(&s->px->st.udp_sessions, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->st.udp_sessions, 1, memory_order_relaxed);
	timer_add(&w->tw, &s->timer, w->now_ms + s->px->cfg.timeouts.udp_session_ms, session_timer);
	session_arm_recv(w, s);
	return s;
}

/* ---- datagrams ---- */

static void set_source(struct udp_send *c, const struct pktinfo_any *local)
{
	struct cmsghdr *cm;

	c->msg.msg_control = c->ctl.buf;
	c->msg.msg_controllen = sizeof(c->ctl.buf);
	cm = CMSG_FIRSTHDR(&c->msg);
	if (local->family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst = local->v4.ipi_addr };

		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		c->msg.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_addr = local->v6.ipi6_addr };

		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		c->msg.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
}

static void send_datagram(struct worker *w, uint16_t bid, int fd, const void *pp, size_t pp_len,
			  void *data, size_t len, const struct sockaddr_storage *to,
			  socklen_t to_len, const struct pktinfo_any *local,
			  uint32_t session, uint32_t gen)
{
	struct udp_send *c = &w->udp->sends[bid];
	struct io_uring_sqe *sqe = worker_sqe(w);
	int n = 0;

	memset(&c->msg, 0, sizeof(c->msg));
	if (pp_len) {
		c->iov[n].iov_base = (void *)pp;
		c->iov[n++].iov_len = pp_len;
	}
	c->iov[n].iov_base = data;
	c->iov[n++].iov_len = len;
	c->msg.msg_iov = c->iov;
	c->msg.msg_iovlen = (size_t)n;
	if (to) {
		c->to = *to;
		c->msg.msg_name = &c->to;
		c->msg.msg_namelen = to_len;
	}
	if (local)
		set_source(c, local);
	c->session = session;
	c->gen = gen;
	io_uring_prep_sendmsg(sqe, fd, &c->msg, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, ud_pack(UD_UDP_SEND, bid, 0, 0));
}

static bool read_pktinfo(struct io_uring_recvmsg_out *o, struct msghdr *tmpl,
			 struct pktinfo_any *out)
{
	struct cmsghdr *cm;

	for (cm = io_uring_recvmsg_cmsg_firsthdr(o, tmpl); cm;
	     cm = io_uring_recvmsg_cmsg_nexthdr(o, tmpl, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			out->family = AF_INET;
			memcpy(&out->v4, CMSG_DATA(cm), sizeof(out->v4));
			return true;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			out->family = AF_INET6;
			memcpy(&out->v6, CMSG_DATA(cm), sizeof(out->v6));
			return true;
		}
	}
	return false;
}

/*
 * The proxy's game validator judges each client datagram before it opens
 * a session or goes upstream (games seam). False: drop it; a CLOSE
 * verdict also ends the session.
 */
static bool game_pass(struct worker *w, struct proxy *px, struct udp_session *s,
		      const void *payload, size_t len)
{
	const struct game_validator *v = proxy_game(px);
	struct game_verdict r;

	if (!v)
		return true;
	r = game_udp_datagram(v, payload, len, !s);
	if (r.kind == GAME_VERDICT_CLOSE && s)
		session_close(w, s, game_reason_name(r.reason));
	return r.kind == GAME_VERDICT_PASS;
}

/* A client datagram on a listener. */
static void on_listener_recv(struct worker *w, unsigned int slot, struct io_uring_cqe *cqe)
{
	struct worker_listener *l = &w->listeners[slot];
	uint16_t bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
	struct io_uring_recvmsg_out *o;
	struct udp_session *s;
	struct sockaddr_storage client, sender = { 0 };
	struct pktinfo_any local;
	bool has_local;
	void *payload;
	unsigned int plen;

	w->bufs_free--;
	o = io_uring_recvmsg_validate(worker_buf(w, bid), cqe->res, &w->udp->tmpl);
	if (!o || (o->flags & MSG_TRUNC) || o->namelen > sizeof(sender) || !l->px)
		goto drop;
	memcpy(&sender, io_uring_recvmsg_name(o), o->namelen);
	client = sender;
	has_local = read_pktinfo(o, &w->udp->tmpl, &local);
	payload = io_uring_recvmsg_payload(o, &w->udp->tmpl);
	plen = io_uring_recvmsg_payload_length(o, cqe->res, &w->udp->tmpl);
	/* A trusted load balancer prefixes each datagram with a PROXY v2
	 * header naming the real client; anyone else's header is payload. */
	if (proxy_trusts(l->px, &sender)) {
		size_t used;

		if (proxy_pp_decode(payload, plen, &used, &client))
			goto drop;
		payload = (char *)payload + used;
		plen -= (unsigned int)used;
	}
	s = session_find(w->udp, l->us, &client);
	if (!game_pass(w, l->px, s, payload, plen))
		goto drop;
	if (!s && !l->closing && !atomic_load_explicit(&l->px->draining, memory_order_relaxed) &&
	    !proxy_paused(l->px))
		s = session_new(w, l, &client, &sender, o->namelen);
	if (!s)
		goto drop;
	if (has_local) {
		s->local = local;
		s->has_local = true;
	}
	s->last_ms = w->now_ms;
	s->bytes_in += plen;
	s->slot.inflight++;
	send_datagram(w, bid, s->fd, s->pp, s->pp_len, payload, plen, NULL, 0, NULL,
		      (uint32_t)(s - w->udp->s), s->slot.gen);
	atomic_fetch_add_explicit(&l->px->st.udp_datagrams_in, 1, memory_order_relaxed);
	return;
drop:
	if (l->px)
		atomic_fetch_add_explicit(&l->px->st.udp_dropped, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->st.udp_dropped, 1, memory_order_relaxed);
	worker_buf_return(w, bid);
}

/* An upstream reply: back to the client through the listener socket. */
static void on_upstream_recv(struct worker *w, struct udp_session *s, struct io_uring_cqe *cqe)
{
	uint16_t bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);

	w->bufs_free--;
	if (s->closing) {
		worker_buf_return(w, bid);
		return;
	}
	s->last_ms = w->now_ms;
	s->bytes_out += (uint64_t)cqe->res;
	send_datagram(w, bid, s->us->fd, NULL, 0, worker_buf(w, bid), (size_t)cqe->res,
		      &s->reply_to, s->reply_len, s->has_local ? &s->local : NULL, NONE, 0);
	atomic_fetch_add_explicit(&s->px->st.udp_datagrams_out, 1, memory_order_relaxed);
}

static void on_session_cqe(struct worker *w, struct io_uring_cqe *cqe)
{
	uint32_t idx = ud_slot(cqe->user_data);
	struct udp_session *s;

	if (idx >= w->udp->sessions.n)
		return;
	s = slots_lookup(&w->udp->sessions, idx, ud_gen(cqe->user_data));
	if (!s) {
		if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_BUFFER))
			worker_buf_return(w, (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT));
		return;
	}
	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		s->recv_armed = false;
		s->slot.inflight--;
	}
	if (cqe->res > 0)
		on_upstream_recv(w, s, cqe);
	else if (cqe->res == -ENOBUFS && !s->wait_bufs) {
		s->wait_bufs = true;
		w->udp->waiting++;
		atomic_fetch_add_explicit(&w->st.enobufs, 1, memory_order_relaxed);
	}
	else if (cqe->res < 0 && cqe->res != -ECANCELED)
		session_close(w, s, "upstream_error");	/* e.g. ICMP port unreachable */
	session_arm_recv(w, s);
	session_maybe_free(w, s);
}

static void on_send(struct worker *w, struct io_uring_cqe *cqe)
{
	uint16_t bid = (uint16_t)ud_slot(cqe->user_data);
	struct udp_send *c = &w->udp->sends[bid];

	worker_buf_return(w, bid);
	struct udp_session *s = c->session == NONE ? NULL :
				slots_lookup(&w->udp->sessions, c->session, c->gen);

	if (!s)
		return;
	s->slot.inflight--;
	if (cqe->res < 0 && cqe->res != -ECANCELED && !s->closing)
		session_close(w, s, "upstream_error");
	session_maybe_free(w, s);
}

static void udp_arm_listener(struct worker *w, unsigned int slot)
{
	struct worker_listener *l = &w->listeners[slot];
	struct io_uring_sqe *sqe;

	if (!w->feat.multishot_recv) {
		log_error("worker %d: UDP proxying needs multishot recvmsg (Linux 6.0+)", w->id);
		return;
	}
	sqe = worker_sqe(w);
	io_uring_prep_recvmsg_multishot(sqe, l->fd, &w->udp->tmpl, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = 0;
	io_uring_sqe_set_data64(sqe, ud_pack(UD_UDP_RECV, slot, l->gen, 0));
	l->armed = true;
}

/* Opens a listener's socket, or takes over the one a drained listener
 * left for the same address and port. Returns the fd or -errno. */
static int udp_listener_open(struct worker *w, unsigned int slot, const struct sockaddr_storage *addr,
		      int (*open_socket)(const void *arg), const void *arg)
{
	struct worker_listener *l = &w->listeners[slot];
	struct udp_state *u = w->udp;
	struct udp_sock *us;
	int fd;

	for (us = u->socks; us; us = us->next)
		if (!us->has_listener && same_addr(&us->addr, addr))
			break;
	if (!us) {
		fd = open_socket(arg);
		if (fd < 0)
			return fd;
		us = calloc(1, sizeof(*us));
		if (!us) {
			close(fd);
			return -ENOMEM;
		}
		us->fd = fd;
		us->addr = *addr;
		us->next = u->socks;
		u->socks = us;
	}
	us->refs++;
	us->has_listener = true;
	l->us = us;
	l->fd = us->fd;
	return us->fd;
}

/*
 * Stops a listener. Its socket stays open while sessions reply through
 * it, and a new listener on the same address takes it over (reload).
 * end_sessions (stop) ends this proxy's sessions too: nothing is left to
 * compete with a new daemon's sockets.
 */
static void udp_close_listener(struct worker *w, unsigned int slot, bool end_sessions)
{
	struct worker_listener *l = &w->listeners[slot];
	struct udp_sock *us = l->us;
	struct proxy *px = l->px;

	if (!us)
		return;
	if (l->armed) {
		struct io_uring_sqe *sqe = worker_sqe(w);

		io_uring_prep_cancel64(sqe, ud_pack(UD_UDP_RECV, slot, l->gen, 0), 0);
		io_uring_sqe_set_data64(sqe, ud_pack(UD_NONE, 0, 0, 0));
	}
	if (end_sessions)
		for (uint32_t i = 0; i < w->udp->sessions.n; i++)
			if (w->udp->s[i].slot.live && w->udp->s[i].px == px)
				session_close(w, &w->udp->s[i], "shutdown");
	us->has_listener = false;
	l->us = NULL;
	l->fd = -1;
	l->px = NULL;
	sock_put(w->udp, us);
	proxy_put(px);
}

static void udp_complete(struct worker *w, struct io_uring_cqe *cqe)
{
	uint32_t slot = ud_slot(cqe->user_data);

	switch (ud_op(cqe->user_data)) {
	case UD_UDP_RECV: {
		struct worker_listener *l = &w->listeners[slot];
		bool current = slot < w->n_listeners && ud_gen(cqe->user_data) == (l->gen & UD_GEN_MASK);


		if (!(cqe->flags & IORING_CQE_F_MORE) && current)
			l->armed = false;
		if (cqe->res > 0 && current)
			on_listener_recv(w, slot, cqe);
		else if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_BUFFER))
			worker_buf_return(w, (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT));
		/* On ENOBUFS the datagrams wait in the socket until buffers are back. */
		if (current && !l->armed && l->fd >= 0 && cqe->res != -ECANCELED &&
		    cqe->res != -ENOBUFS)
			udp_arm_listener(w, slot);
		break;
	}
	case UD_UDP_UP_RECV:
		on_session_cqe(w, cqe);
		break;
	case UD_UDP_SEND:
		on_send(w, cqe);
		break;
	default:
		break;
	}
}

static void udp_resume_waiters(struct worker *w)
{
	struct udp_state *u = w->udp;

	for (unsigned int i = 0; u && w->feat.multishot_recv && i < w->n_listeners; i++) {
		struct worker_listener *l = &w->listeners[i];

		if (l->sock_type == SOCK_DGRAM && l->fd >= 0 && !l->armed &&
		    w->bufs_free > w->p.buf_count / 8)
			udp_arm_listener(w, i);
	}
	for (uint32_t i = 0; u && u->waiting && i < u->sessions.n; i++) {
		struct udp_session *s = &u->s[i];

		if (w->bufs_free <= w->p.buf_count / 8)
			return;
		if (!s->slot.live || !s->wait_bufs)
			continue;
		s->wait_bufs = false;
		u->waiting--;
		session_arm_recv(w, s);
	}
}

static void udp_close_all(struct worker *w, const char *reason)
{
	struct udp_state *u = w->udp;

	for (unsigned int i = 0; u && i < w->n_listeners; i++)
		if (w->listeners[i].sock_type == SOCK_DGRAM && w->listeners[i].us)
			udp_close_listener(w, i, false);
	for (uint32_t i = 0; u && i < u->sessions.n && u->sessions.live; i++)
		if (u->s[i].slot.live && !u->s[i].closing)
			session_close(w, &u->s[i], reason);
}

static void udp_close_src(struct worker *w, bool (*match)(const struct aegis_addr *, void *),
			  void *ctx, const char *reason)
{
	struct udp_state *u = w->udp;

	for (uint32_t i = 0; u && i < u->sessions.n && u->sessions.live; i++) {
		struct udp_session *s = &u->s[i];
		struct aegis_addr a;

		if (!s->slot.live || s->closing)
			continue;
		proxy_addr_of(&s->client, &a);
		if (match(&a, ctx))
			session_close(w, s, reason);
	}
}

static void udp_drain(struct worker *w, struct proxy *px)
{
	struct udp_state *u = w->udp;
	uint64_t drain = atomic_load_explicit(&px->drain_deadline_ms, memory_order_relaxed);

	for (uint32_t i = 0; u && drain && i < u->sessions.n; i++) {
		struct udp_session *s = &u->s[i];

		if (s->slot.live && !s->closing && s->px == px &&
		    s->last_ms + px->cfg.timeouts.udp_session_ms > drain)
			timer_add(&w->tw, &s->timer, drain, session_timer);
	}
}

static const struct worker_proto udp_proto = {
	.name = "udp",
	.init = udp_init,
	.free = udp_free,
	.complete = udp_complete,
	.drain = udp_drain,
	.close_all = udp_close_all,
	.close_src = udp_close_src,
	.resume = udp_resume_waiters,
	.active = udp_active,
	.listener_open = udp_listener_open,
	.listener_arm = udp_arm_listener,
	.listener_close = udp_close_listener,
};

void udp_proxy_register(void)
{
	worker_proto_register(UD_FAM_UDP, &udp_proto);
}
