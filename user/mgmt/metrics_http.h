/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * metrics_http: the tiny HTTP/1.0-1.1 server of /metrics, run from
 * aegisd's main loop: no thread, no blocking call. It owns a listen
 * socket and at most MHTTP_MAX_CLIENTS connections, all non-blocking,
 * behind one epoll fd that aegisd's loop watches (mhttp_fd). A request
 * head is at most MHTTP_HEAD_MAX bytes; a connection that has not been
 * answered and fully written within MHTTP_TIMEOUT_MS is dropped
 * (mhttp_tick), so a client that never sends or never reads costs one
 * slot for a few seconds and never blocks the loop. Every answer says
 * Connection: close. GET /metrics (text) and /metrics?format=json (or
 * format=prometheus); other paths 404, other methods 405.
 *
 * mhttp_parse() is the request-head parser alone (unit test, fuzz target).
 */
#ifndef AEGIS_METRICS_HTTP_H
#define AEGIS_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "aegis/maps.h"
#include "mgmt/metrics_out.h"

#define MHTTP_HEAD_MAX		4096
#define MHTTP_MAX_CLIENTS	8
#define MHTTP_TIMEOUT_MS	5000

/* What a request head asks for, once mhttp_parse() has decided. */
struct mhttp_req {
	int status;			/* 200, or 400/404/405/431/505 */
	enum metrics_format fmt;	/* for 200 */
	const char *reason;		/* for an error answer: one line */
};

/*
 * Parses buf[0, len). Returns 0 with *out filled when the head is complete
 * (or is already bad: an error status), 1 when more bytes are needed (no
 * blank line yet and len < MHTTP_HEAD_MAX). Never reads past len.
 */
int mhttp_parse(const char *buf, size_t len, struct mhttp_req *out);

/* Renders the document: 0 with a malloc'ed *body of *len bytes, or -errno. */
typedef int (*mhttp_render_fn)(enum metrics_format fmt, char **body, size_t *len, void *ctx);

struct mhttp_client {
	int fd;				/* -1: slot free */
	uint64_t deadline_ms;		/* CLOCK_MONOTONIC */
	char head[MHTTP_HEAD_MAX];
	size_t hlen;
	char *out;			/* the whole answer, once decided */
	size_t olen, off;
};

struct mhttp_stats {
	uint64_t requests, rejected, timeouts, errors;	/* rejected: no free slot */
};

struct mhttp {
	int fd, epfd;			/* listen socket, our epoll (-1: closed) */
	mhttp_render_fn render;
	void *ctx;
	struct mhttp_client c[MHTTP_MAX_CLIENTS];
	struct mhttp_stats st;
};

/* Closed, with no connections: mhttp_tick/poll/close do nothing. */
void mhttp_init(struct mhttp *s);
/* Listens on addr:port. 0 or -errno with a sentence in err. */
int mhttp_open(struct mhttp *s, const struct aegis_addr *addr, uint16_t port,
	       mhttp_render_fn render, void *ctx, char *err, size_t errlen);
/* The fd to poll for readability (-1 if closed). */
int mhttp_fd(const struct mhttp *s);
/* Accepts, reads, answers what is ready; never blocks. */
void mhttp_poll(struct mhttp *s);
/* Drops connections past their deadline (call about once a second). */
void mhttp_tick(struct mhttp *s);
void mhttp_close(struct mhttp *s);

#endif /* AEGIS_METRICS_HTTP_H */
