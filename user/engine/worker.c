// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Worker thread: ring and buffer setup with feature probing, listeners,
 * the command queue, and the completion loop; see worker.h. Protocol
 * work is behind struct worker_proto: the loop knows none by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "engine/proxy.h"
#include "engine/uring_ud.h"
#include "engine/worker.h"
#include "engine/engine_rep.h"

#define BGID 0

/* Written before any worker starts, only read afterwards. */
static const struct worker_proto *protos[UD_FAM_COUNT];

void worker_proto_register(enum ud_family fam, const struct worker_proto *ops)
{
	if (fam > UD_FAM_WORKER && fam < UD_FAM_COUNT)
		protos[fam] = ops;
}

/* Calls op on every registered protocol, in family order. */
#define FOR_EACH_PROTO(op, ...)						\
	do {								\
		for (int f_ = UD_FAM_WORKER + 1; f_ < UD_FAM_COUNT; f_++)	\
			if (protos[f_] && protos[f_]->op)			\
				protos[f_]->op(__VA_ARGS__);		\
	} while (0)

static const struct worker_proto *listener_proto(const struct worker_listener *l)
{
	return protos[l->fam];
}

uint64_t worker_now_ms(struct worker *w)
{
	return w->now_ms;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Never returns NULL: a full SQ is flushed to the kernel first. Callers
 * prepare one request at a time, so one submit always frees room.
 */
struct io_uring_sqe *worker_sqe(struct worker *w)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

	while (!sqe) {
		io_uring_submit(&w->ring);
		sqe = io_uring_get_sqe(&w->ring);
	}
	return sqe;
}

unsigned char *worker_buf(struct worker *w, uint16_t bid)
{
	return w->bufs + (size_t)bid * w->p.buf_size;
}

void worker_buf_return(struct worker *w, uint16_t bid)
{
	io_uring_buf_ring_add(w->br, worker_buf(w, bid), w->p.buf_size, bid,
			      io_uring_buf_ring_mask(w->p.buf_count), 0);
	io_uring_buf_ring_advance(w->br, 1);
	w->bufs_free++;
}

/*
 * Multishot accept (5.19) and recv (6.0) share opcodes with their
 * single-shot forms, so the opcode probe cannot tell them apart: submit
 * one on a throwaway socket and see whether the kernel rejects the flag.
 */
static bool probe_multishot(struct worker *w, bool accept)
{
	int fds[2], fd, ret;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	bool ok = false;

	fds[1] = -1;
	if (accept) {
		/* An autobound (abstract, unreachable) AF_UNIX listener is enough. */
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && (bind(fd, (struct sockaddr *)&sun, sizeof(sa_family_t)) ||
				listen(fd, 1))) {
			close(fd);
			fd = -1;
		}
	} else {
		fd = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) ? -1 : fds[0];
	}
	if (fd < 0)
		return false;
	sqe = io_uring_get_sqe(&w->ring);
	if (accept) {
		io_uring_prep_multishot_accept(sqe, fd, NULL, NULL, 0);
	} else {
		io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = 0x7fff;	/* no such group: fails ENOBUFS if supported */
	}
	io_uring_sqe_set_data64(sqe, 1);
	sqe = io_uring_get_sqe(&w->ring);
	io_uring_prep_cancel64(sqe, 1, 0);
	io_uring_sqe_set_data64(sqe, 2);
	io_uring_submit(&w->ring);
	for (int i = 0; i < 2; i++) {
		ret = io_uring_wait_cqe(&w->ring, &cqe);
		if (ret)
			break;
		if (cqe->user_data == 1)
			ok = cqe->res != -EINVAL;
		io_uring_cqe_seen(&w->ring, cqe);
	}
	close(fd);
	if (fds[1] >= 0)
		close(fds[1]);
	return ok;
}

/* SINGLE_ISSUER + DEFER_TASKRUN keep completions on this thread and
 * batch task work; older kernels reject them, so retry without. */
static int ring_setup(struct worker *w)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			 IORING_SETUP_CQSIZE,
		.cq_entries = w->p.ring_entries * 4,
	};
	int ret = io_uring_queue_init_params(w->p.ring_entries, &w->ring, &p);

	if (ret == -EINVAL) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = w->p.ring_entries * 4;
		ret = io_uring_queue_init_params(w->p.ring_entries, &w->ring, &p);
	} else if (!ret) {
		w->feat.single_issuer = true;
	}
	if (ret)
		return ret;
	w->feat.multishot_accept = probe_multishot(w, true);
	w->feat.multishot_recv = probe_multishot(w, false);
	return 0;
}

/* liburing 2.3 lacks io_uring_setup_buf_ring(): map and register by hand. */
static int buffers_setup(struct worker *w)
{
	struct io_uring_buf_reg reg = { 0 };
	size_t ring_sz = w->p.buf_count * sizeof(struct io_uring_buf);
	int ret;

	w->br_bytes = (ring_sz + 4095) & ~(size_t)4095;
	w->br = mmap(NULL, w->br_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (w->br == MAP_FAILED) {
		w->br = NULL;
		return -errno;
	}
	w->bufs = malloc((size_t)w->p.buf_count * w->p.buf_size);
	if (!w->bufs)
		return -ENOMEM;
	io_uring_buf_ring_init(w->br);
	reg.ring_addr = (unsigned long)w->br;
	reg.ring_entries = w->p.buf_count;
	reg.bgid = BGID;
	ret = io_uring_register_buf_ring(&w->ring, &reg, 0);
	if (ret)
		return ret;
	for (uint32_t i = 0; i < w->p.buf_count; i++)
		io_uring_buf_ring_add(w->br, worker_buf(w, (uint16_t)i), w->p.buf_size,
				      (uint16_t)i, io_uring_buf_ring_mask(w->p.buf_count), (int)i);
	io_uring_buf_ring_advance(w->br, (int)w->p.buf_count);
	w->bufs_free = w->p.buf_count;
	return 0;
}

static void arm_wake(struct worker *w)
{
	struct io_uring_sqe *sqe = worker_sqe(w);

	io_uring_prep_read(sqe, w->wake_fd, &w->wake_val, sizeof(w->wake_val), 0);
	io_uring_sqe_set_data64(sqe, ud_pack(UD_WAKE, 0, 0, 0));
}

static int listener_socket(const void *arg)
{
	const struct proxy_listener *pl = arg;
	int one = 1, fd;

	fd = socket(pl->addr.ss_family, pl->sock_type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		goto fail;
	if (pl->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (pl->sock_type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* A wildcard UDP listener must answer from the address the client
	 * wrote to: learn it per datagram (udp_proxy.c replies with it). */
	if (pl->sock_type == SOCK_DGRAM && pl->addr.ss_family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else if (pl->sock_type == SOCK_DGRAM)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&pl->addr, pl->addr_len))
		goto fail;
	if (pl->sock_type == SOCK_STREAM && listen(fd, 4096))
		goto fail;
	return fd;
fail:
	one = -errno;
	close(fd);
	return one;
}

void worker_arm_listener(struct worker *w, unsigned int slot)
{
	struct worker_listener *l = &w->listeners[slot];
	struct io_uring_sqe *sqe;

	const struct worker_proto *ops = listener_proto(l);

	if (l->armed || l->closing || l->fd < 0)
		return;
	if (ops && ops->listener_arm) {
		ops->listener_arm(w, slot);
		return;
	}
	sqe = worker_sqe(w);
	if (w->feat.multishot_accept)
		io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	else
		io_uring_prep_accept(sqe, l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	io_uring_sqe_set_data64(sqe, ud_pack(UD_ACCEPT, slot, l->gen, 0));
	l->armed = true;
}

static int listener_slot(struct worker *w)
{
	for (unsigned int i = 0; i < w->n_listeners; i++)
		if (w->listeners[i].fd < 0 && !w->listeners[i].armed)
			return (int)i;
	if (w->n_listeners < WORKER_MAX_LISTENERS)
		return (int)w->n_listeners++;
	return -ENOSPC;
}

static void add_proxy(struct worker *w, struct proxy *px)
{
	for (size_t i = 0; i < px->n_listeners; i++) {
		const struct proxy_listener *pl = &px->listeners[i];
		int slot = listener_slot(w), fd;

		if (slot < 0) {
			log_error("worker %d: %s: too many listeners", w->id, px->cfg.name);
			return;
		}
		struct worker_listener *l = &w->listeners[slot];
		enum ud_family fam = proxy_family(px, pl->sock_type);
		const struct worker_proto *ops = protos[fam];

		if (!ops) {
			log_error("worker %d: %s: no %s protocol in this build", w->id,
				  px->cfg.name, pl->sock_type == SOCK_DGRAM ? "udp" : "stream");
			continue;
		}
		if (ops->listener_open)
			fd = ops->listener_open(w, (unsigned int)slot, &pl->addr, listener_socket, pl);
		else
			fd = listener_socket(pl);
		if (fd < 0) {
			log_error("worker %d: %s: listen on %s port %u: %s", w->id, px->cfg.name,
				  pl->sock_type == SOCK_DGRAM ? "udp" : "tcp", pl->port, strerror(-fd));
			continue;
		}
		l->fd = fd;
		l->gen++;
		l->armed = false;
		l->closing = false;
		l->px = px;
		l->index = (unsigned int)i;
		l->sock_type = pl->sock_type;
		l->fam = fam;
		proxy_get(px);
		worker_arm_listener(w, (unsigned int)slot);
	}
}

/* Stops accepting for a proxy; live connections and sessions go on
 * until they end or the proxy's drain deadline passes. */
static void drain_proxy(struct worker *w, struct proxy *px)
{
	FOR_EACH_PROTO(drain, w, px);
	for (unsigned int i = 0; i < w->n_listeners; i++) {
		struct worker_listener *l = &w->listeners[i];
		const struct worker_proto *ops = listener_proto(l);

		if (l->px != px || l->fd < 0)
			continue;
		if (ops && ops->listener_close) {
			ops->listener_close(w, i, atomic_load(&px->stopping));
			continue;
		}
		/* Leave the SO_REUSEPORT group now: the pending accept keeps the
		 * file open until its cancel completes, and connections the
		 * kernel queued on it meanwhile would be reset. */
		shutdown(l->fd, SHUT_RDWR);
		if (l->armed) {
			struct io_uring_sqe *sqe = worker_sqe(w);

			io_uring_prep_cancel_fd(sqe, l->fd, IORING_ASYNC_CANCEL_ALL);
			io_uring_sqe_set_data64(sqe, ud_pack(UD_NONE, 0, 0, 0));
			/* Cancel by fd before the number can be reused. */
			io_uring_submit(&w->ring);
		}
		l->closing = true;
		close(l->fd);
		l->fd = -1;
		l->px = NULL;
		proxy_put(px);
	}
}

static void handle_commands(struct worker *w)
{
	struct worker_cmd *c;

	pthread_mutex_lock(&w->lock);
	c = w->cmds;
	w->cmds = NULL;
	pthread_mutex_unlock(&w->lock);
	/* The list is LIFO; reverse it to keep the order they were posted in. */
	struct worker_cmd *rev = NULL;

	while (c) {
		struct worker_cmd *n = c->next;

		c->next = rev;
		rev = c;
		c = n;
	}
	for (c = rev; c; c = rev) {
		rev = c->next;
		if (c->type == WORKER_CMD_ADD_PROXY)
			add_proxy(w, c->px);
		else if (c->type == WORKER_CMD_DRAIN_PROXY)
			drain_proxy(w, c->px);
		else
			w->stopping = true;
		if (c->px)
			proxy_put(c->px);
		free(c);
	}
}

int worker_post(struct worker *w, enum worker_cmd_type type, struct proxy *px)
{
	struct worker_cmd *c = calloc(1, sizeof(*c));
	uint64_t one = 1;

	if (!c)
		return -ENOMEM;
	c->type = type;
	c->px = px;
	if (px)
		proxy_get(px);
	pthread_mutex_lock(&w->lock);
	c->next = w->cmds;
	w->cmds = c;
	pthread_mutex_unlock(&w->lock);
	if (write(w->wake_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

static void on_accept(struct worker *w, struct io_uring_cqe *cqe)
{
	uint32_t slot = ud_slot(cqe->user_data);
	struct worker_listener *l = &w->listeners[slot];

	if (slot >= w->n_listeners || ud_gen(cqe->user_data) != (l->gen & UD_GEN_MASK)) {
		if (cqe->res >= 0)
			close(cqe->res);
		return;
	}
	if (!(cqe->flags & IORING_CQE_F_MORE))
		l->armed = false;
	if (cqe->res >= 0) {
		const struct worker_proto *ops = listener_proto(l);

		if (l->closing || !l->px || !ops || !ops->accept)
			close(cqe->res);
		else
			ops->accept(w, l, cqe->res);
	} else if (cqe->res != -ECANCELED && !l->closing) {
		/* EMFILE/ENFILE/ENOMEM under an accept storm: shed, then retry. */
		atomic_fetch_add_explicit(&w->st.shed_conns, 1, memory_order_relaxed);
		log_debug("worker %d: accept: %s", w->id, strerror(-cqe->res));
	}
	if (!l->armed && !l->closing)
		worker_arm_listener(w, slot);
}

static void dispatch(struct worker *w, struct io_uring_cqe *cqe)
{
	enum ud_family fam = ud_family(cqe->user_data);

	if (fam != UD_FAM_WORKER) {
		if (fam < UD_FAM_COUNT && protos[fam] && protos[fam]->complete)
			protos[fam]->complete(w, cqe);
		return;
	}
	switch (ud_op(cqe->user_data)) {
	case UD_WAKE:
		handle_commands(w);
		if (!w->stopping)
			arm_wake(w);
		break;
	case UD_ACCEPT:
		on_accept(w, cqe);
		break;
	default:
		break;
	}
}

/* Live connections, or a protocol that still holds sessions. */
static bool busy(struct worker *w)
{
	if (w->active)
		return true;
	for (int f = UD_FAM_WORKER + 1; f < UD_FAM_COUNT; f++)
		if (protos[f] && protos[f]->active && protos[f]->active(w))
			return true;
	return false;
}

static void loop(struct worker *w)
{
	struct __kernel_timespec ts = { .tv_nsec = TIMER_TICK_MS * 1000000L };

	while (!w->stopping || busy(w)) {
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;
		int ret;

		ret = io_uring_submit_and_wait_timeout(&w->ring, &cqe, 1, &ts, NULL);
		if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EBUSY)
			log_warn("worker %d: wait: %s", w->id, strerror(-ret));
		w->now_ms = mono_ms();
		io_uring_for_each_cqe(&w->ring, head, cqe) {
			dispatch(w, cqe);
			n++;
		}
		io_uring_cq_advance(&w->ring, n);
		timer_advance(&w->tw, w->now_ms, w);
		engine_rep_turn(w);
		FOR_EACH_PROTO(resume, w);
		if (w->stopping)
			FOR_EACH_PROTO(close_all, w, "shutdown");
	}
}

void worker_close_src(struct worker *w, bool (*match)(const struct aegis_addr *src, void *ctx),
		      void *ctx, const char *reason)
{
	FOR_EACH_PROTO(close_src, w, match, ctx, reason);
}

static void worker_cleanup(struct worker *w)
{
	for (unsigned int i = 0; i < w->n_listeners; i++) {
		struct worker_listener *l = &w->listeners[i];
		const struct worker_proto *ops = listener_proto(l);

		if (!l->px)
			continue;
		if (ops && ops->listener_close) {
			ops->listener_close(w, i, true);
			continue;
		}
		close(l->fd);
		proxy_put(l->px);
		l->px = NULL;
	}
	for (int f = UD_FAM_COUNT - 1; f > UD_FAM_WORKER; f--)
		if (protos[f] && protos[f]->free)
			protos[f]->free(w);
	if (w->ring.ring_fd >= 0)
		io_uring_queue_exit(&w->ring);
	w->ring.ring_fd = -1;
	if (w->br)
		munmap(w->br, w->br_bytes);
	free(w->bufs);
	w->bufs = NULL;
	w->br = NULL;
}

static int worker_setup(struct worker *w)
{
	int ret = ring_setup(w);

	if (ret) {
		snprintf(w->err, sizeof(w->err), "io_uring setup: %s", strerror(-ret));
		return ret;
	}
	ret = buffers_setup(w);
	for (int f = UD_FAM_WORKER + 1; !ret && f < UD_FAM_COUNT; f++)
		if (protos[f] && protos[f]->init)
			ret = protos[f]->init(w);

	if (ret)
		snprintf(w->err, sizeof(w->err), "worker buffers: %s", strerror(-ret));
	return ret;
}

/*
 * The ring is created on the worker thread: with SINGLE_ISSUER it belongs
 * to its creator, and DEFER_TASKRUN runs task work only for that thread.
 */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int ret = worker_setup(w);

	pthread_mutex_lock(&w->lock);
	w->setup_done = true;
	w->setup_ret = ret;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (!ret) {
		w->now_ms = mono_ms();
		arm_wake(w);
		loop(w);
	}
	worker_cleanup(w);
	return NULL;
}

int worker_start(struct worker *w, int id, const struct worker_params *p)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->p = *p;
	lb_rng_seed(&w->rng, 0x9e3779b97f4a7c15ull ^ (uint64_t)id);
	w->wake_fd = -1;
	w->ring.ring_fd = -1;
	for (unsigned int i = 0; i < WORKER_MAX_LISTENERS; i++)
		w->listeners[i].fd = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	timer_wheel_init(&w->tw, mono_ms());
	w->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (w->wake_fd < 0)
		return -errno;
	ret = pthread_create(&w->thread, NULL, worker_main, w);
	if (ret) {
		close(w->wake_fd);
		return -ret;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->setup_done)
		pthread_cond_wait(&w->cond, &w->lock);
	ret = w->setup_ret;
	pthread_mutex_unlock(&w->lock);
	if (ret) {
		pthread_join(w->thread, NULL);
		close(w->wake_fd);
		return ret;
	}
	w->running = true;
	return 0;
}

void worker_stop(struct worker *w)
{
	if (w->running && worker_post(w, WORKER_CMD_STOP, NULL) == 0)
		pthread_join(w->thread, NULL);
	w->running = false;
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	w->wake_fd = -1;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
}
