/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * httpd: the small HTTP/1.x server behind /metrics and the management
 * API, run from aegisd's main loop: no thread, no blocking call. One
 * listen socket (TCP or a Unix stream socket), at most HTTPD_MAX_CLIENTS
 * non-blocking connections behind one epoll fd that aegisd's loop watches
 * (httpd_fd). A request is a head of at most head_max bytes and a body of
 * at most body_max (Content-Length only: chunked bodies get 501); every
 * connection carries one request and is closed after its answer
 * (Connection: close), and one not done within HTTPD_TIMEOUT_MS is
 * dropped (httpd_tick), so a client that never sends or never reads costs
 * a slot for a few seconds and never blocks the loop.
 *
 * The handler sees every request, malformed ones too (rq->status set), so
 * each user answers errors in its own format (text for /metrics, JSON for
 * the API). httpd_parse() is the request parser alone (unit test, fuzz).
 */
#ifndef AEGIS_HTTPD_H
#define AEGIS_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aegis/maps.h"

#define HTTPD_MAX_CLIENTS	16
#define HTTPD_TIMEOUT_MS	5000
#define HTTPD_TOKEN_MAX		256	/* longest API key accepted */

enum httpd_method {
	HTTPD_M_OTHER, HTTPD_M_GET, HTTPD_M_HEAD, HTTPD_M_POST, HTTPD_M_PUT,
	HTTPD_M_DELETE, HTTPD_M_PATCH,
};

/* A parsed request; spans point into the buffer given to httpd_parse(). */
struct httpd_req {
	int status;			/* 0: well formed; else 400/413/431/501/505 */
	const char *reason;		/* for an error status: one sentence */
	enum httpd_method method;
	const char *path, *query;	/* query: after '?', NULL if none */
	size_t path_len, query_len;
	const char *token;		/* "Authorization: Bearer T" or "X-API-Key: T" */
	size_t token_len;
	const char *ctype;		/* Content-Type value, NULL if none */
	size_t ctype_len;
	const char *body;
	size_t body_len, head_len;
	/* Filled by the server, not the parser. */
	bool local;			/* came over the Unix socket */
	struct aegis_addr peer;		/* TCP peer (zero for the Unix socket) */
};

/*
 * Parses buf[0, len). Returns 0 when the request is complete (or already
 * bad: rq->status), 1 when more bytes are needed. Never reads past len.
 */
int httpd_parse(const char *buf, size_t len, size_t head_max, size_t body_max,
		struct httpd_req *rq);

/* What a handler answers; the server frees body. */
struct httpd_answer {
	int status;
	const char *ctype;
	char *body;			/* malloc'ed, or NULL for no body */
	size_t len;
	char headers[256];		/* extra header lines, each ending in CRLF */
};

typedef void (*httpd_handler)(const struct httpd_req *rq, struct httpd_answer *a, void *ctx);

const char *httpd_status_text(int status);
const char *httpd_method_name(enum httpd_method m);

struct httpd_client {
	int fd;				/* -1: slot free */
	uint64_t deadline_ms;		/* CLOCK_MONOTONIC */
	char *buf;			/* head_max + body_max bytes */
	size_t len;
	char *out;			/* the whole answer, once decided */
	size_t olen, off;
	struct aegis_addr peer;
};

struct httpd_stats {
	uint64_t requests, rejected, timeouts, errors;	/* rejected: no free slot */
};

struct httpd {
	int fd, epfd;			/* listen socket, our epoll (-1: closed) */
	bool local;			/* a Unix socket */
	char path[108];			/* its file, unlinked at close */
	size_t head_max, body_max;
	httpd_handler fn;
	void *ctx;
	struct httpd_client c[HTTPD_MAX_CLIENTS];
	struct httpd_stats st;
};

struct httpd_opts {
	const char *what;		/* "metrics", "api": for error messages */
	size_t head_max, body_max;
	httpd_handler fn;
	void *ctx;
};

/* Closed, with no connections: httpd_tick/poll/close do nothing. */
void httpd_init(struct httpd *s);
/* Listens on addr:port. 0 or -errno with a sentence in err. */
int httpd_open_tcp(struct httpd *s, const struct aegis_addr *addr, uint16_t port,
		   const struct httpd_opts *o, char *err, size_t errlen);
/* Listens on a Unix socket file created with mode (replaces a stale one). */
int httpd_open_unix(struct httpd *s, const char *path, unsigned int mode,
		    const struct httpd_opts *o, char *err, size_t errlen);
/* The fd to poll for readability (-1 if closed). */
int httpd_fd(const struct httpd *s);
/* Accepts, reads, answers what is ready; never blocks. */
void httpd_poll(struct httpd *s);
/* Drops connections past their deadline (call about once a second). */
void httpd_tick(struct httpd *s);
void httpd_close(struct httpd *s);

#endif /* AEGIS_HTTPD_H */
