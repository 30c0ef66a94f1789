/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A proxy worker: one thread, one io_uring (single issuer, deferred task
 * run where the kernel has them), one provided-buffer ring, one timer
 * wheel, its own SO_REUSEPORT listeners. Nothing on the data path is
 * shared with other workers except atomic counters.
 *
 * The main thread talks to a worker only through worker_post(): a command
 * queue (mutex, taken per command, never per packet) and an eventfd.
 */
#ifndef AEGIS_WORKER_H
#define AEGIS_WORKER_H

#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/balancer.h"
#include "engine/uring_ud.h"
#include "lib/timer.h"

struct proxy;
struct tcp_state;
struct udp_state;
struct http_workset;
struct udp_sock;
struct sockaddr_storage;
struct aegis_addr;

struct worker_params {
	uint32_t max_conns;		/* TCP connections per worker */
	uint32_t buf_count;		/* provided buffers (power of two) */
	uint32_t buf_size;		/* bytes each */
	uint32_t conn_budget;		/* bytes queued per direction before reads pause */
	uint32_t ring_entries;
	uint32_t max_udp_sessions;	/* per worker */
	uint64_t http_memory;		/* HTTP buffers of all workers together */
};

/* Kernel features found at start-up; each has a fallback. */
struct worker_features {
	bool single_issuer;		/* IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN */
	bool multishot_accept;
	bool multishot_recv;
};

enum worker_cmd_type {
	WORKER_CMD_ADD_PROXY,		/* open this proxy's listeners */
	WORKER_CMD_DRAIN_PROXY,		/* close its listeners; connections finish */
	WORKER_CMD_STOP,
};

struct worker_cmd {
	struct worker_cmd *next;
	enum worker_cmd_type type;
	struct proxy *px;		/* holds a reference until handled */
};

/* Counters the main thread reads (relaxed atomics). */
struct worker_stats {
	atomic_uint_fast64_t accepted, shed_conns, enobufs, conn_errors;
	atomic_uint_fast64_t udp_sessions, udp_shed, udp_dropped;
	atomic_uint_fast64_t tcp_active;
};

struct worker_listener {
	int fd;
	uint32_t gen;
	bool armed;			/* accept/recv in flight */
	bool closing;
	struct proxy *px;
	unsigned int index;		/* listener index within the proxy */
	int sock_type;
	enum ud_family fam;		/* the protocol serving it */
	struct udp_sock *us;		/* UDP: the shared socket (udp_proxy.c) */
};

#define WORKER_MAX_LISTENERS 4096

struct worker {
	int id;
	pthread_t thread;
	struct worker_params p;
	struct worker_features feat;
	struct io_uring ring;
	/* provided buffers */
	struct io_uring_buf_ring *br;
	unsigned char *bufs;
	size_t br_bytes;
	uint32_t bufs_free;
	struct tcp_state *tcp;		/* owned by tcp_proxy.c */
	uint32_t active;		/* live stream connections, any protocol */
	struct udp_state *udp;		/* owned by udp_proxy.c */
	struct http_workset *http;	/* owned by http/http_conn.c */
	struct worker_listener listeners[WORKER_MAX_LISTENERS];
	unsigned int n_listeners;
	struct timer_wheel tw;
	uint64_t now_ms;
	struct lb_rng rng;
	/* commands */
	int wake_fd;
	uint64_t wake_val;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool setup_done, running;
	int setup_ret;
	struct worker_cmd *cmds;
	bool stopping;
	struct worker_stats st;
	uint64_t rep_cursor;		/* engine_rep.c: banned sources followed */
	uint32_t rep_clean_seq;		/* engine_rep.c: clean-request sampling */
	bool rep_cursor_ok;
	char err[256];			/* set when start-up fails */
};

int worker_start(struct worker *w, int id, const struct worker_params *p);
/* Queues a command (takes ownership of cmd); returns 0 or -errno. */
int worker_post(struct worker *w, enum worker_cmd_type type, struct proxy *px);
/* Asks the thread to stop and joins it. */
void worker_stop(struct worker *w);

/*
 * What a protocol gives the worker, HAProxy's struct mux_ops in small:
 * the loop hands each completion to the ops of the family its user_data
 * names (uring_ud.h) and calls the others at the points of a worker's
 * life, so the event loop names no protocol. Any op may be NULL.
 */
struct worker_proto {
	const char *name;
	int (*init)(struct worker *w);		/* worker start-up; -errno fails it */
	void (*free)(struct worker *w);		/* worker exit */
	/* A stream listener of this family accepted fd (the worker arms accepts). */
	void (*accept)(struct worker *w, struct worker_listener *l, int fd);
	void (*complete)(struct worker *w, struct io_uring_cqe *cqe);
	/* A proxy started draining: its deadline is set. */
	void (*drain)(struct worker *w, struct proxy *px);
	/* Closes everything (the worker stops). */
	void (*close_all)(struct worker *w, const char *reason);
	/* Once per loop turn: re-arm what stopped when the buffer ring ran dry. */
	void (*resume)(struct worker *w);
	/* True while the worker must keep running for it (besides w->active). */
	bool (*active)(struct worker *w);
	/* Datagram protocols read their listeners themselves: open (fd or
	 * -errno; open_socket(arg) makes a new socket), arm, close. */
	int (*listener_open)(struct worker *w, unsigned int slot, const struct sockaddr_storage *addr,
			     int (*open_socket)(const void *arg), const void *arg);
	void (*listener_arm)(struct worker *w, unsigned int slot);
	void (*listener_close)(struct worker *w, unsigned int slot, bool end_sessions);
	/* Ends every connection or session whose source match() accepts (a
	 * banned source: engine_rep.c, once per loop turn). */
	void (*close_src)(struct worker *w, bool (*match)(const struct aegis_addr *src, void *ctx),
			  void *ctx, const char *reason);
};

/* Called once per family before any worker starts (aegisd's main). */
void worker_proto_register(enum ud_family fam, const struct worker_proto *ops);

/* For the protocol modules running on the worker thread. */
void worker_arm_listener(struct worker *w, unsigned int slot);
struct io_uring_sqe *worker_sqe(struct worker *w);
unsigned char *worker_buf(struct worker *w, uint16_t bid);
void worker_buf_return(struct worker *w, uint16_t bid);
uint64_t worker_now_ms(struct worker *w);
/* Every protocol's close_src op. */
void worker_close_src(struct worker *w, bool (*match)(const struct aegis_addr *src, void *ctx),
		      void *ctx, const char *reason);

#endif /* AEGIS_WORKER_H */
