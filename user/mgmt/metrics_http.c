// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The /metrics server; see metrics_http.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/metrics_http.h"

static int decide(struct mhttp_req *out, int status, const char *reason)
{
	out->status = status;
	out->reason = reason;
	return 0;
}

/* "/metrics", "/metrics?format=json|prometheus|text". */
static int route(const struct httpd_req *rq, struct mhttp_req *out)
{
	static const char path[] = "/metrics";
	const char *q = rq->query;
	size_t qlen = rq->query_len;

	if (rq->path_len != sizeof(path) - 1 || memcmp(rq->path, path, rq->path_len))
		return decide(out, 404, "not found: the only path is /metrics");
	out->fmt = METRICS_TEXT;
	if (qlen == 11 && !memcmp(q, "format=json", 11))
		out->fmt = METRICS_JSON;
	else if (qlen && !(qlen == 17 && !memcmp(q, "format=prometheus", 17)) &&
		 !(qlen == 11 && !memcmp(q, "format=text", 11)))
		return decide(out, 400, "unknown query: use format=json or format=prometheus");
	return decide(out, 200, NULL);
}

/* httpd's verdict on the request, narrowed to what /metrics answers. */
static int decide_req(const struct httpd_req *rq, struct mhttp_req *out)
{
	memset(out, 0, sizeof(*out));
	if (rq->status == 431 || rq->status == 505)
		return decide(out, rq->status, rq->reason);
	if (rq->status)
		return decide(out, 400, rq->reason);
	if (rq->method != HTTPD_M_GET)
		return decide(out, 405, "method not allowed: GET only");
	return route(rq, out);
}

int mhttp_parse(const char *buf, size_t len, struct mhttp_req *out)
{
	struct httpd_req rq;

	memset(out, 0, sizeof(*out));
	if (httpd_parse(buf, len, MHTTP_HEAD_MAX, 0, &rq))
		return 1;
	return decide_req(&rq, out);
}

static void text_answer(struct httpd_answer *a, int status, const char *reason)
{
	a->status = status;
	a->body = NULL;
	a->len = 0;
	if (asprintf(&a->body, "%s\n", reason) >= 0)
		a->len = strlen(a->body);
	if (status == 405)
		snprintf(a->headers, sizeof(a->headers), "Allow: GET\r\n");
}

static void handle(const struct httpd_req *rq, struct httpd_answer *a, void *ctx)
{
	struct mhttp *s = ctx;
	struct mhttp_req m;
	int ret;

	decide_req(rq, &m);
	if (m.status != 200) {
		text_answer(a, m.status, m.reason);
		return;
	}
	ret = s->render(m.fmt, &a->body, &a->len, s->ctx);
	if (ret) {
		text_answer(a, 500, strerror(-ret));
		return;
	}
	a->status = 200;
	a->ctype = metrics_content_type(m.fmt);
}

void mhttp_init(struct mhttp *s)
{
	memset(s, 0, sizeof(*s));
	httpd_init(&s->srv);
}

int mhttp_open(struct mhttp *s, const struct aegis_addr *addr, uint16_t port,
	       mhttp_render_fn render, void *ctx, char *err, size_t errlen)
{
	struct httpd_opts o = { .what = "metrics", .head_max = MHTTP_HEAD_MAX, .fn = handle,
				.ctx = s };

	mhttp_init(s);
	s->render = render;
	s->ctx = ctx;
	return httpd_open_tcp(&s->srv, addr, port, &o, err, errlen);
}

int mhttp_fd(const struct mhttp *s)
{
	return httpd_fd(&s->srv);
}

void mhttp_poll(struct mhttp *s)
{
	httpd_poll(&s->srv);
}

void mhttp_tick(struct mhttp *s)
{
	httpd_tick(&s->srv);
}

void mhttp_close(struct mhttp *s)
{
	httpd_close(&s->srv);
}

const struct httpd_stats *mhttp_stats(const struct mhttp *s)
{
	return &s->srv.st;
}
