// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The /metrics server; see metrics_http.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/errbuf.h"
#include "mgmt/metrics_http.h"

#define LISTEN_TAG	MHTTP_MAX_CLIENTS	/* epoll data of the listen socket */

/* ---- the request head ---- */

static int decide(struct mhttp_req *out, int status, const char *reason)
{
	out->status = status;
	out->reason = reason;
	return 0;
}

/* The blank line that ends a head (CRLF CRLF, or LF LF from sloppy tools). */
static const char *head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n' || (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n'))
			return buf + i;
	}
	return NULL;
}

static bool is_tchar(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* "/metrics", "/metrics?format=json|prometheus|text". */
static int route(const char *t, size_t tlen, struct mhttp_req *out)
{
	static const char path[] = "/metrics";
	size_t plen = sizeof(path) - 1;
	const char *q;
	size_t qlen;

	if (tlen < plen || memcmp(t, path, plen) || (tlen > plen && t[plen] != '?'))
		return decide(out, 404, "not found: the only path is /metrics");
	q = t + plen + 1;
	qlen = tlen > plen ? tlen - plen - 1 : 0;
	out->fmt = METRICS_TEXT;
	if (qlen == 11 && !memcmp(q, "format=json", 11))
		out->fmt = METRICS_JSON;
	else if (qlen && !(qlen == 17 && !memcmp(q, "format=prometheus", 17)) &&
		 !(qlen == 11 && !memcmp(q, "format=text", 11)))
		return decide(out, 400, "unknown query: use format=json or format=prometheus");
	return decide(out, 200, NULL);
}

int mhttp_parse(const char *buf, size_t len, struct mhttp_req *out)
{
	const char *end = head_end(buf, len), *p = buf, *sp1, *sp2, *eol;
	size_t mlen, vlen;

	memset(out, 0, sizeof(*out));
	if (!end)
		return len >= MHTTP_HEAD_MAX ? decide(out, 431, "request head too large") : 1;
	eol = memchr(buf, '\n', (size_t)(end - buf) + 1);
	while (p < eol && is_tchar(*p))
		p++;
	mlen = (size_t)(p - buf);
	if (!mlen || p >= eol || *p != ' ')
		return decide(out, 400, "malformed request line");
	sp1 = p;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || sp1[1] != '/')
		return decide(out, 400, "malformed request line");
	vlen = (size_t)(eol - sp2 - 1);
	if (vlen && sp2[vlen] == '\r')
		vlen--;
	if (vlen != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) || (sp2[8] != '0' && sp2[8] != '1'))
		return vlen >= 5 && !memcmp(sp2 + 1, "HTTP/", 5) ?
		       decide(out, 505, "HTTP/1.0 or HTTP/1.1 only") :
		       decide(out, 400, "malformed request line");
	if (mlen != 3 || memcmp(buf, "GET", 3))
		return decide(out, 405, "method not allowed: GET only");
	return route(sp1 + 1, (size_t)(sp2 - sp1 - 1), out);
}

/* ---- connections ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void client_close(struct mhttp *s, struct mhttp_client *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->hlen = c->olen = c->off = 0;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "HTTP Version Not Supported";
	}
}

/* The whole answer in one buffer: head, then body. 0 or -ENOMEM. */
static int answer(struct mhttp_client *c, int status, const char *ctype, const char *body,
		  size_t blen)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\n%sConnection: close\r\n\r\n", status,
			 status_text(status), ctype, blen, status == 405 ? "Allow: GET\r\n" : "");

	c->out = malloc((size_t)n + blen);
	if (!c->out)
		return -ENOMEM;
	memcpy(c->out, head, (size_t)n);
	memcpy(c->out + n, body, blen);
	c->olen = (size_t)n + blen;
	c->off = 0;
	return 0;
}

static int respond(struct mhttp *s, struct mhttp_client *c, const struct mhttp_req *rq)
{
	char *body = NULL, msg[128];
	size_t blen = 0;
	int ret;

	s->st.requests++;
	if (rq->status != 200) {
		int n = snprintf(msg, sizeof(msg), "%s\n", rq->reason);

		return answer(c, rq->status, "text/plain; charset=utf-8", msg, (size_t)n);
	}
	ret = s->render(rq->fmt, &body, &blen, s->ctx);
	if (ret) {
		s->st.errors++;
		return ret;
	}
	ret = answer(c, 200, metrics_content_type(rq->fmt), body, blen);
	free(body);
	return ret;
}

/* Writes what the socket takes; closes once all is out or on an error. */
static void client_write(struct mhttp *s, struct mhttp_client *c)
{
	while (c->off < c->olen) {
		ssize_t n = send(c->fd, c->out + c->off, c->olen - c->off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;	/* EPOLLOUT brings us back */
		if (n <= 0)
			break;
		c->off += (size_t)n;
	}
	client_close(s, c);
}

/* Reads the head; once it is decided, switches the socket to writing. */
static void client_read(struct mhttp *s, struct mhttp_client *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = (uint32_t)(c - s->c) };
	struct mhttp_req rq;
	ssize_t n;

	for (;;) {
		n = recv(c->fd, c->head + c->hlen, sizeof(c->head) - c->hlen, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_close(s, c);	/* EOF or error before an answer */
			return;
		}
		c->hlen += (size_t)n;
		if (c->hlen == sizeof(c->head))
			break;
	}
	if (mhttp_parse(c->head, c->hlen, &rq))
		return;	/* more to come */
	if (respond(s, c, &rq) || epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev)) {
		client_close(s, c);
		return;
	}
	client_write(s, c);
}

/* No free slot: a best-effort 503 (one non-blocking send), then close. */
static void refuse(int fd)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
				   "Connection: close\r\n\r\n";

	(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void accept_all(struct mhttp *s)
{
	int fd;

	while ((fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct mhttp_client *c = NULL;
		struct epoll_event ev = { .events = EPOLLIN };

		for (size_t i = 0; !c && i < MHTTP_MAX_CLIENTS; i++)
			if (s->c[i].fd < 0)
				c = &s->c[i];
		if (!c) {
			s->st.rejected++;
			refuse(fd);
			continue;
		}
		ev.data.u32 = (uint32_t)(c - s->c);
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->deadline_ms = now_ms() + MHTTP_TIMEOUT_MS;
	}
}

static int listen_on(const struct aegis_addr *addr, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int one = 1, fd;

	if (addr_is_v4(addr)) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr.s_addr = addr->w[3];
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		memcpy(&in6->sin6_addr, addr, sizeof(in6->sin6_addr));
		sl = sizeof(*in6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 64)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

void mhttp_init(struct mhttp *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = s->epfd = -1;
	for (size_t i = 0; i < MHTTP_MAX_CLIENTS; i++)
		s->c[i].fd = -1;
}

int mhttp_open(struct mhttp *s, const struct aegis_addr *addr, uint16_t port,
	       mhttp_render_fn render, void *ctx, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = LISTEN_TAG };
	char a[ADDR_STRLEN];
	int ret;

	mhttp_init(s);
	s->render = render;
	s->ctx = ctx;
	s->fd = listen_on(addr, port);
	if (s->fd < 0) {
		ret = s->fd;
		goto fail;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->fd, &ev)) {
		ret = -errno;
		goto fail;
	}
	return 0;
fail:
	errbuf_set(err, errlen, "metrics: cannot listen on %s%s%s:%u: %s",
		   addr_is_v4(addr) ? "" : "[", addr_format(addr, a, sizeof(a)),
		   addr_is_v4(addr) ? "" : "]", port, strerror(-ret));
	mhttp_close(s);
	return ret;
}

int mhttp_fd(const struct mhttp *s)
{
	return s->epfd;
}

void mhttp_poll(struct mhttp *s)
{
	struct epoll_event evs[MHTTP_MAX_CLIENTS + 1];
	int n;

	if (s->epfd < 0)
		return;
	n = epoll_wait(s->epfd, evs, MHTTP_MAX_CLIENTS + 1, 0);
	for (int i = 0; i < n; i++) {
		uint32_t tag = evs[i].data.u32;
		struct mhttp_client *c = &s->c[tag < LISTEN_TAG ? tag : 0];

		if (tag == LISTEN_TAG)
			accept_all(s);
		else if (c->fd >= 0 && c->out)
			client_write(s, c);
		else if (c->fd >= 0)
			client_read(s, c);
	}
}

void mhttp_tick(struct mhttp *s)
{
	uint64_t now = now_ms();

	for (size_t i = 0; i < MHTTP_MAX_CLIENTS; i++) {
		if (s->c[i].fd >= 0 && now >= s->c[i].deadline_ms) {
			s->st.timeouts++;
			client_close(s, &s->c[i]);
		}
	}
}

void mhttp_close(struct mhttp *s)
{
	for (size_t i = 0; i < MHTTP_MAX_CLIENTS; i++)
		if (s->c[i].fd >= 0)
			client_close(s, &s->c[i]);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = s->epfd = -1;
}
