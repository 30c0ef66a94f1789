// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The main-loop HTTP server of /metrics and the API; see httpd.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/errbuf.h"
#include "mgmt/httpd.h"

#define LISTEN_TAG	HTTPD_MAX_CLIENTS	/* epoll data of the listen socket */
#define BODY_DIGITS	10			/* a Content-Length longer is refused */

/* ---- the request ---- */

static int decide(struct httpd_req *rq, int status, const char *reason)
{
	rq->status = status;
	rq->reason = reason;
	return 0;
}

/* The blank line that ends a head (CRLF CRLF, or LF LF from sloppy tools):
 * returns the offset just past it, or 0. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static bool is_tchar(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static enum httpd_method method_of(const char *m, size_t n)
{
	static const struct { const char *s; enum httpd_method m; } t[] = {
		{ "GET", HTTPD_M_GET }, { "HEAD", HTTPD_M_HEAD }, { "POST", HTTPD_M_POST },
		{ "PUT", HTTPD_M_PUT }, { "DELETE", HTTPD_M_DELETE }, { "PATCH", HTTPD_M_PATCH },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].s) == n && !memcmp(t[i].s, m, n))
			return t[i].m;
	return HTTPD_M_OTHER;
}

const char *httpd_method_name(enum httpd_method m)
{
	static const char *const n[] = { "OTHER", "GET", "HEAD", "POST", "PUT", "DELETE",
					 "PATCH" };

	return (unsigned int)m < sizeof(n) / sizeof(n[0]) ? n[m] : "OTHER";
}

/* "METHOD /target HTTP/1.x" ending at eol (its '\n'). 0 or an error status. */
static int parse_line(const char *buf, const char *eol, struct httpd_req *rq)
{
	const char *p = buf, *sp1, *sp2, *q;
	size_t vlen;

	while (p < eol && is_tchar(*p))
		p++;
	if (p == buf || p >= eol || *p != ' ')
		return decide(rq, 400, "malformed request line");
	sp1 = p;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || sp1[1] != '/')
		return decide(rq, 400, "malformed request line");
	vlen = (size_t)(eol - sp2 - 1);
	if (vlen && sp2[vlen] == '\r')
		vlen--;
	if (vlen != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) || (sp2[8] != '0' && sp2[8] != '1'))
		return vlen >= 5 && !memcmp(sp2 + 1, "HTTP/", 5) ?
		       decide(rq, 505, "HTTP/1.0 or HTTP/1.1 only") :
		       decide(rq, 400, "malformed request line");
	for (q = sp1 + 1; q < sp2; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			return decide(rq, 400, "malformed request line");
	rq->method = method_of(buf, (size_t)(sp1 - buf));
	rq->path = sp1 + 1;
	q = memchr(rq->path, '?', (size_t)(sp2 - rq->path));
	rq->path_len = (size_t)((q ? q : sp2) - rq->path);
	if (q) {
		rq->query = q + 1;
		rq->query_len = (size_t)(sp2 - q - 1);
	}
	return 0;
}

static bool name_is(const char *n, size_t nlen, const char *want)
{
	return strlen(want) == nlen && !strncasecmp(n, want, nlen);
}

static int content_length(const char *v, size_t vlen, size_t body_max, struct httpd_req *rq)
{
	size_t n = 0;

	if (!vlen || vlen > BODY_DIGITS)
		return decide(rq, 400, "malformed Content-Length");
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return decide(rq, 400, "malformed Content-Length");
		n = n * 10 + (size_t)(v[i] - '0');
	}
	if (rq->body && n != rq->body_len)
		return decide(rq, 400, "conflicting Content-Length headers");
	if (n > body_max)
		return decide(rq, 413, "request body too large");
	rq->body = v;	/* marks "seen"; pointed at the body once complete */
	rq->body_len = n;
	return 0;
}

/* The value of "Authorization: Bearer T" (or the raw value: a bad key). */
static void auth_token(const char *v, size_t vlen, struct httpd_req *rq)
{
	if (vlen > 7 && !strncasecmp(v, "Bearer ", 7)) {
		v += 7;
		vlen -= 7;
	}
	rq->token = v;
	rq->token_len = vlen;
}

/* One "Name: value" line [p, eol). 0, or an error status decided. */
static int parse_header(const char *p, const char *eol, size_t body_max, struct httpd_req *rq)
{
	const char *colon = memchr(p, ':', (size_t)(eol - p)), *v, *e = eol;
	size_t nlen;

	if (!colon || colon == p)
		return decide(rq, 400, "malformed header line");
	for (const char *q = p; q < colon; q++)
		if (!is_tchar(*q))
			return decide(rq, 400, "malformed header name");
	nlen = (size_t)(colon - p);
	for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
		;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (name_is(p, nlen, "content-length"))
		return content_length(v, (size_t)(e - v), body_max, rq);
	if (name_is(p, nlen, "transfer-encoding"))
		return decide(rq, 501, "chunked bodies are not supported: send Content-Length");
	if (name_is(p, nlen, "authorization"))
		auth_token(v, (size_t)(e - v), rq);
	else if (name_is(p, nlen, "x-api-key") && !rq->token)
		auth_token(v, (size_t)(e - v), rq);
	else if (name_is(p, nlen, "content-type")) {
		rq->ctype = v;
		rq->ctype_len = (size_t)(e - v);
	}
	return 0;
}

int httpd_parse(const char *buf, size_t len, size_t head_max, size_t body_max,
		struct httpd_req *rq)
{
	size_t hlen = head_end(buf, len < head_max ? len : head_max);
	const char *p, *end, *eol;

	memset(rq, 0, sizeof(*rq));
	if (!hlen)
		return len >= head_max ? decide(rq, 431, "request head too large") : 1;
	end = buf + hlen;
	eol = memchr(buf, '\n', hlen);
	if (parse_line(buf, eol, rq) || rq->status)
		return 0;
	for (p = eol + 1; p < end && *p != '\r' && *p != '\n'; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (*p == ' ' || *p == '\t')
			return decide(rq, 400, "folded header lines are not allowed");
		if (parse_header(p, eol, body_max, rq) || rq->status)
			return 0;
	}
	rq->head_len = hlen;
	if (rq->token_len > HTTPD_TOKEN_MAX)
		return decide(rq, 400, "API key too long");
	if (len - hlen < rq->body_len)
		return 1;
	rq->body = buf + hlen;
	return 0;
}

/* ---- connections ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void client_close(struct httpd *s, struct httpd_client *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

const char *httpd_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* The whole answer in one buffer: head, then body. 0 or -ENOMEM. */
static int answer(struct httpd_client *c, const struct httpd_answer *a)
{
	char head[512];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\n%sCache-Control: no-store\r\n"
			 "Connection: close\r\n\r\n", a->status, httpd_status_text(a->status),
			 a->ctype ? a->ctype : "text/plain; charset=utf-8", a->len, a->headers);

	if (n < 0 || (size_t)n >= sizeof(head))
		return -EINVAL;
	c->out = malloc((size_t)n + a->len);
	if (!c->out)
		return -ENOMEM;
	memcpy(c->out, head, (size_t)n);
	if (a->len)
		memcpy(c->out + n, a->body, a->len);
	c->olen = (size_t)n + a->len;
	c->off = 0;
	return 0;
}

static int respond(struct httpd *s, struct httpd_client *c, struct httpd_req *rq)
{
	struct httpd_answer a = { .status = 500 };
	int ret;

	s->st.requests++;
	rq->local = s->local;
	rq->peer = c->peer;
	s->fn(rq, &a, s->ctx);
	if (a.status >= 500)
		s->st.errors++;
	ret = answer(c, &a);
	free(a.body);
	return ret;
}

/* Writes what the socket takes; closes once all is out or on an error. */
static void client_write(struct httpd *s, struct httpd_client *c)
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

/* Reads the request; once it is complete, switches the socket to writing. */
static void client_read(struct httpd *s, struct httpd_client *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = (uint32_t)(c - s->c) };
	size_t cap = s->head_max + s->body_max;
	struct httpd_req rq;
	ssize_t n;

	for (;;) {
		n = recv(c->fd, c->buf + c->len, cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_close(s, c);	/* EOF or error before an answer */
			return;
		}
		c->len += (size_t)n;
		if (c->len == cap)
			break;
	}
	if (httpd_parse(c->buf, c->len, s->head_max, s->body_max, &rq))
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

static struct httpd_client *free_slot(struct httpd *s)
{
	for (size_t i = 0; i < HTTPD_MAX_CLIENTS; i++)
		if (s->c[i].fd < 0)
			return &s->c[i];
	return NULL;
}

static void accept_all(struct httpd *s)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd;

	while ((fd = accept4(s->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct httpd_client *c = free_slot(s);
		struct epoll_event ev = { .events = EPOLLIN };

		sl = sizeof(ss);
		if (!c || !(c->buf = malloc(s->head_max + s->body_max))) {
			s->st.rejected++;
			refuse(fd);
			continue;
		}
		ev.data.u32 = (uint32_t)(c - s->c);
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			free(c->buf);
			c->buf = NULL;
			close(fd);
			continue;
		}
		memset(&c->peer, 0, sizeof(c->peer));
		if (ss.ss_family == AF_INET)
			addr_from_ipv4(&c->peer, ((struct sockaddr_in *)&ss)->sin_addr.s_addr);
		else if (ss.ss_family == AF_INET6)
			memcpy(&c->peer, &((struct sockaddr_in6 *)&ss)->sin6_addr, sizeof(c->peer));
		c->fd = fd;
		c->len = 0;
		c->deadline_ms = now_ms() + HTTPD_TIMEOUT_MS;
	}
}

static int listen_tcp(const struct aegis_addr *addr, uint16_t port)
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

/* A Unix socket file, never open to others even for an instant. */
static int listen_unix(const char *path, unsigned int mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret || chmod(path, mode) || listen(fd, 16)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

void httpd_init(struct httpd *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = s->epfd = -1;
	for (size_t i = 0; i < HTTPD_MAX_CLIENTS; i++)
		s->c[i].fd = -1;
}

/* Takes the listen socket (or its -errno) and sets up the epoll fd. */
static int open_common(struct httpd *s, int fd, const struct httpd_opts *o)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = LISTEN_TAG };

	s->head_max = o->head_max;
	s->body_max = o->body_max;
	s->fn = o->fn;
	s->ctx = o->ctx;
	if (fd < 0)
		return fd;
	s->fd = fd;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->fd, &ev))
		return -errno;
	return 0;
}

int httpd_open_tcp(struct httpd *s, const struct aegis_addr *addr, uint16_t port,
		   const struct httpd_opts *o, char *err, size_t errlen)
{
	char a[ADDR_STRLEN];
	int ret;

	httpd_init(s);
	ret = open_common(s, listen_tcp(addr, port), o);
	if (!ret)
		return 0;
	errbuf_set(err, errlen, "%s: cannot listen on %s%s%s:%u: %s", o->what,
		   addr_is_v4(addr) ? "" : "[", addr_format(addr, a, sizeof(a)),
		   addr_is_v4(addr) ? "" : "]", port, strerror(-ret));
	httpd_close(s);
	return ret;
}

int httpd_open_unix(struct httpd *s, const char *path, unsigned int mode,
		    const struct httpd_opts *o, char *err, size_t errlen)
{
	int ret;

	httpd_init(s);
	ret = open_common(s, listen_unix(path, mode), o);
	if (!ret) {
		s->local = true;
		snprintf(s->path, sizeof(s->path), "%s", path);
		return 0;
	}
	errbuf_set(err, errlen, "%s: cannot listen on %s: %s", o->what, path, strerror(-ret));
	httpd_close(s);
	return ret;
}

int httpd_fd(const struct httpd *s)
{
	return s->epfd;
}

void httpd_poll(struct httpd *s)
{
	struct epoll_event evs[HTTPD_MAX_CLIENTS + 1];
	int n;

	if (s->epfd < 0)
		return;
	n = epoll_wait(s->epfd, evs, HTTPD_MAX_CLIENTS + 1, 0);
	for (int i = 0; i < n; i++) {
		uint32_t tag = evs[i].data.u32;
		struct httpd_client *c = &s->c[tag < LISTEN_TAG ? tag : 0];

		if (tag == LISTEN_TAG)
			accept_all(s);
		else if (c->fd >= 0 && c->out)
			client_write(s, c);
		else if (c->fd >= 0)
			client_read(s, c);
	}
}

void httpd_tick(struct httpd *s)
{
	uint64_t now;

	/* Serve what arrived first: after a stall of the loop (a reload
	 * compiling WAF rules) a waiting client is not the one to blame. */
	httpd_poll(s);
	now = now_ms();

	for (size_t i = 0; i < HTTPD_MAX_CLIENTS; i++) {
		if (s->c[i].fd >= 0 && now >= s->c[i].deadline_ms) {
			s->st.timeouts++;
			client_close(s, &s->c[i]);
		}
	}
}

void httpd_close(struct httpd *s)
{
	for (size_t i = 0; i < HTTPD_MAX_CLIENTS; i++)
		if (s->c[i].fd >= 0)
			client_close(s, &s->c[i]);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->fd >= 0)
		close(s->fd);
	if (s->path[0])
		unlink(s->path);
	s->path[0] = '\0';
	s->fd = s->epfd = -1;
}
