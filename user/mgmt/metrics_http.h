/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * metrics_http: /metrics on its own port, served by httpd (mgmt/httpd.h:
 * aegisd's main loop, no thread, no blocking call, bounded connections
 * and deadlines). A request head is at most MHTTP_HEAD_MAX bytes and has
 * no body. GET /metrics (text) and /metrics?format=json (or
 * format=prometheus); other paths 404, other methods 405.
 *
 * mhttp_parse() is the request-head parser alone (unit test, fuzz target).
 */
#ifndef AEGIS_METRICS_HTTP_H
#define AEGIS_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "aegis/maps.h"
#include "mgmt/httpd.h"
#include "mgmt/metrics_out.h"

#define MHTTP_HEAD_MAX		4096

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

struct mhttp {
	struct httpd srv;
	mhttp_render_fn render;
	void *ctx;
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
/* Requests answered, refused (no slot), timed out, failed renders. */
const struct httpd_stats *mhttp_stats(const struct mhttp *s);

#endif /* AEGIS_METRICS_HTTP_H */
