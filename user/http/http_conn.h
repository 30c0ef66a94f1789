/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internals of the HTTP proxy shared by its files, nobody else. One
 * request reads in file order:
 *   http_conn.c      accept, byte queues, the ring I/O (struct hc_io) and
 *                    its completions, close and free, drain;
 *   http_request.c   the request: PROXY header, head, real client, route,
 *                    guard (head, body prefix), the head sent upstream;
 *   http_upstream.c  the upstream: pick (breakers), connect or pool
 *                    (http_pool.c), retry, release;
 *   http_response.c  the response back to the client, our own replies,
 *                    the access log, the next request or the close;
 *   http_tunnel.c    after a 101: raw bytes both ways;
 *   http_timeout.c   the deadlines of each state.
 * The exchange (request, upstream, response, tunnel, timeout) does its
 * I/O only through c->io (struct hc_io): the ring's in http_conn.c, a
 * recording one in the unit tests (tests/unit/test_http_exchange.c).
 */
#ifndef AEGIS_HTTP_CONN_H
#define AEGIS_HTTP_CONN_H

#include "engine/slots.h"
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/addr.h"
#include "guard/http_guard.h"
#include "http/http_buf.h"
#include "http/http_req.h"
#include "http/http_resp.h"
#include "lib/timer.h"

struct worker;
struct proxy;
struct http_rt;
struct http_route_rt;
struct lb;

#define HC_CLIENT	0
#define HC_UP		1
#define HC_IN_SIZE	16384		/* read buffer per side */
#define HC_BUDGET	(256 * 1024)	/* bytes queued towards a side before reads pause */

enum hc_state {
	HC_FREE,
	HC_PP_READ,		/* a trusted peer's PROXY header */
	HC_HEAD,		/* reading a request head (or idle between requests) */
	HC_PREFIX,		/* reading the body prefix the WAF inspects */
	HC_CONNECTING,		/* upstream connect in flight */
	HC_EXCHANGE,		/* request going up, response coming down */
	HC_TARPIT,		/* holding a blocked client before the reply */
	HC_REPLY,		/* our own reply queued; close once it is sent */
	HC_TUNNEL,		/* after 101 Switching Protocols: raw both ways */
	HC_CLOSING,
};

struct hside {
	int fd;
	uint8_t recv_armed, send_busy, eof, shut_wr;
	uint64_t send_since_ms, last_rx_ms;
};

struct hc_io;

struct http_conn {
	struct slot slot;		/* generation, in-flight count (engine/slots.h) */
	enum hc_state state;
	const struct hc_io *io;		/* how the exchange does its I/O */
	struct proxy *px;
	struct http_rt *rt;
	struct http_guard_scratch *scratch;
	struct timer timer;
	struct hside s[2];
	struct hbuf in[2];		/* received from side i, not consumed yet */
	struct hbuf out[2];		/* queued to send to side i (appends go here) */
	struct hbuf tx[2];		/* being sent to side i: never touched while in flight */
	struct hbuf zombie_in, zombie_tx;	/* a released upstream's buffers still in flight */
	int zombie_fd;			/* released upstream with requests in flight */
	struct sockaddr_storage peer;	/* TCP peer, or the source of its PROXY header */
	char peer_ip[ADDR_STRLEN];
	struct aegis_addr client;	/* real client (trusted X-Forwarded-For applied) */
	char client_ip[ADDR_STRLEN];
	bool trust_xff;			/* the peer is in http.trusted_proxies */
	bool via_pp;			/* peer came from a trusted PROXY header */
	bool lingering;			/* HC_REPLY: sent, reading until EOF before the close */
	bool tarpitted;			/* holds one of the worker's tarpit places */
	bool src_counted;		/* counted in the proxy's per-source cap */
	bool abort_client;		/* close with a reset: drop what the kernel still holds */
	bool mem_paused;		/* a read waits for the buffer budget */
	uint64_t cw_since_ms;		/* a response backlog waits for the client since; 0: none */
	uint64_t cw_sent;		/* bytes of it sent since then (the kernel may hold some) */
	uint64_t cw_acked;		/* of those, known to have left the kernel (last check) */
	uint64_t shed_bytes;		/* shed for the memory budget: bytes it held */
	struct http_req *req;
	struct http_resp *resp;
	uint64_t accepted_ms, idle_since_ms;
	uint32_t nreq;
	const char *reason;		/* why it closed */

	/* The request in progress. */
	const struct http_host *host;
	struct http_route_rt *route;
	int target;			/* balancer index, -1: none */
	struct sockaddr_storage up;
	socklen_t up_len;
	bool up_reused, retried;
	bool open_pending;		/* the upstream opens once the zombie is gone */
	bool req_done;			/* the whole request was received */
	bool resp_head;			/* a final response head went to the client */
	bool close_after;		/* close the client after this response */
	bool client_ka;
	bool discard_body;		/* blocked: body bytes are read and dropped */
	bool waf_body;			/* the body prefix goes through the WAF */
	bool replied;			/* our own reply answers this request */
	bool interim;			/* the response being read is a 1xx */
	bool sent_100;			/* we answered Expect: 100-continue ourselves */
	bool logged;			/* access-log line written */
	bool oom;			/* a queue could not grow: close */
	char *prefix;			/* WAF_BODY_PREFIX bytes, decoded */
	uint32_t prefix_len;
	char *fwd_head;			/* copy of a body-less request head, for a retry */
	uint32_t fwd_len;
	char request_id[24];
	int status;			/* sent to the client; 0: none yet */
	uint64_t req_first_ms, req_sent_ms, tarpit_until_ms, linger_until_ms;
	uint64_t req_bytes, resp_bytes;
	struct http_guard_in gin;	/* what the guard saw (head stage), reused for the body */
	struct http_verdict verdict;
};

/*
 * The I/O the exchange asks for, h2o's loopback connection in small: the
 * ring drives the sockets (http_conn.c, http_upstream.c); a test records
 * what would be sent and plays the completions itself. What completes
 * comes back through hx_on_recv / hx_on_sent / hx_on_error and
 * hx_upstream_connected.
 */
struct hc_io {
	/* Sends what is queued towards side `to`, unless a send is in flight. */
	void (*kick_send)(struct worker *w, struct http_conn *c, int to);
	/* Arms the receives the state wants (one per side at most). */
	void (*arm_reads)(struct worker *w, struct http_conn *c);
	/* The connection's timer at hx_deadline() (none: 0). */
	void (*arm_timer)(struct worker *w, struct http_conn *c);
	/* The connection closes: stop its timer, cancel what is in flight. */
	void (*cancel)(struct worker *w, struct http_conn *c);
	/* Half-closes side (shutdown SHUT_WR). */
	void (*shut_wr)(struct worker *w, struct http_conn *c, int side);
	/* An upstream socket towards c->up: pooled (hx_upstream_ready at once)
	 * or a connect (state HC_CONNECTING, hx_upstream_connected later). */
	void (*upstream_open)(struct worker *w, struct http_conn *c);
	/* Lets the upstream socket go: pooled if reusable, else closed (after
	 * a cancel when an operation is in flight on it). */
	void (*upstream_drop)(struct worker *w, struct http_conn *c, bool reusable);
	/* The worker's scratch buffer, at least cap bytes; valid until the next call. */
	char *(*scratch)(struct worker *w, size_t cap);
	/* A place among the worker's tarpitted connections (http.tarpit.max). */
	bool (*tarpit_take)(struct worker *w, struct http_conn *c);
	/* Bytes sent towards side that its socket has not got rid of yet. */
	uint32_t (*unsent)(struct worker *w, struct http_conn *c, int side);
};

static inline void hc_kick_send(struct worker *w, struct http_conn *c, int to)
{
	c->io->kick_send(w, c, to);
}

static inline void hc_arm_reads(struct worker *w, struct http_conn *c)
{
	c->io->arm_reads(w, c);
}

static inline void hc_arm_timer(struct worker *w, struct http_conn *c)
{
	c->io->arm_timer(w, c);
}

static inline void hc_shut_wr(struct worker *w, struct http_conn *c, int side)
{
	c->io->shut_wr(w, c, side);
}

/* Connects to c->up (state HC_CONNECTING), or takes a pooled connection. */
static inline void hc_upstream_open(struct worker *w, struct http_conn *c)
{
	c->io->upstream_open(w, c);
}

/* The worker's scratch buffer, at least cap bytes; valid until the next call. */
static inline char *hc_scratch(struct worker *w, struct http_conn *c, size_t cap)
{
	return c->io->scratch(w, cap);
}

static inline bool hc_tarpit_take(struct worker *w, struct http_conn *c)
{
	return c->io->tarpit_take(w, c);
}

/* http_conn.c: accept, the ring's struct hc_io, completions (byte
 * queues: http_buf.h). */
/* Bytes queued towards side `to`, in flight included. */
uint32_t hc_queued(const struct http_conn *c, int to);
/* Frees the connection's buffers, parsers and copies (not its sockets). */
void hc_release_bufs(struct http_conn *c);
/* State HC_CLOSING (logged if a request was under way); freed once idle. */
void hc_close(struct worker *w, struct http_conn *c, const char *reason);
/* What the I/O layer reports: side's input grew (or hit EOF), tx[side]
 * drained a bit, an operation on side failed. */
void hx_on_recv(struct worker *w, struct http_conn *c, int side);
void hx_on_sent(struct worker *w, struct http_conn *c, int side);
void hx_on_error(struct worker *w, struct http_conn *c, int side, const char *why);
/* For http_upstream.c's ring I/O: the user_data of c's operations, the pool. */
uint64_t hc_ud(struct worker *w, struct http_conn *c, int op, int side);
struct http_pool *hc_pool(struct worker *w);
extern const struct hc_io hc_ring_io;

/* A proxy counter (struct http_rt's st): relaxed, counted by every worker. */
static inline void stat_inc(atomic_uint_fast64_t *v)
{
	atomic_fetch_add_explicit(v, 1, memory_order_relaxed);
}

/* http_request.c: the request side */
void hx_client_data(struct worker *w, struct http_conn *c);
void hx_upstream_sent(struct worker *w, struct http_conn *c);	/* out[UP] drained a bit */
void hx_body(void *arg, const char *p, size_t len);		/* http_req body callback */
/* Feeds the parser what the client sent, one request at a time. */
void hx_feed_request(struct worker *w, struct http_conn *c);

/* http_upstream.c: the upstream of a request */
void hx_pick_and_open(struct worker *w, struct http_conn *c);
/* Sends a body-less request again on a fresh upstream; false if it may not. */
bool hx_retry(struct worker *w, struct http_conn *c);
void hx_upstream_ready(struct worker *w, struct http_conn *c);	/* connected or reused */
/* The connect completed: res 0 or a negative errno (-ECANCELED: timed out). */
void hx_upstream_connected(struct worker *w, struct http_conn *c, int res);
void hx_upstream_failed(struct worker *w, struct http_conn *c, const char *why, int status);
/* Gives the upstream back: pooled if reusable, else closed. */
void hc_upstream_release(struct worker *w, struct http_conn *c, bool reusable);
/* Tells the route's circuit breaker how the target did. */
void hx_breaker_report(struct worker *w, struct http_conn *c, bool ok);
/* The ring's upstream_open / upstream_drop (struct hc_io). */
void hc_ring_upstream_open(struct worker *w, struct http_conn *c);
void hc_ring_upstream_drop(struct worker *w, struct http_conn *c, bool reusable);
/* A completion of a released upstream (zombie): true if it was one. */
bool hc_zombie_done(struct worker *w, struct http_conn *c, int side, int op);

/* http_response.c: the response side, our own replies, the next request */
void hx_upstream_data(struct worker *w, struct http_conn *c);
void hx_client_sent(struct worker *w, struct http_conn *c);	/* out[CLIENT] drained a bit */
void hx_request_end(struct worker *w, struct http_conn *c);	/* access log, counters */
/* The response went out whole: the next request, or the close. */
void hx_response_done(struct worker *w, struct http_conn *c);
/* Forgets the finished request; the connection waits for the next one. */
void hx_next_request(struct worker *w, struct http_conn *c);
/* Our own error response (see http_resp_error); keep: the connection may go on. */
void hx_reply(struct worker *w, struct http_conn *c, int status, uint32_t retry_after_s,
	      bool keep, const char *reason);
/* A response of our own making (http_resp_local), e.g. the challenge page. */
void hx_reply_local(struct worker *w, struct http_conn *c, const struct http_local_resp *lr,
		    bool keep, const char *reason);
void hx_new_request_id(struct worker *w, struct http_conn *c);
bool hx_request_bodyless(const struct http_conn *c);

/* http_tunnel.c: after 101 Switching Protocols */
void hx_tunnel_start(struct worker *w, struct http_conn *c);
void hx_tunnel_pump(struct worker *w, struct http_conn *c);

/* http_timeout.c: when the connection's timer fires (0: never), and what it does then */
uint64_t hx_deadline(struct worker *w, struct http_conn *c);
void hx_timeout(struct worker *w, struct http_conn *c);

#endif /* AEGIS_HTTP_CONN_H */
