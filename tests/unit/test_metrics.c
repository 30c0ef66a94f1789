// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * user/mgmt/metrics*.c and config_metrics.c: the request-head parser
 * (every answer status), the exposition writer in both formats (HELP and
 * TYPE once per family, escaping, absent empty families), the renderer
 * with no plane at all (proxy-only, nothing running), the server over a
 * real loopback socket, and the metrics: block (defaults, file:line
 * errors, loopback rule).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "config/config.h"
#include "engine/proxy_set.h"
#include "lib/addr.h"
#include "lib/histo.h"
#include "mgmt/metrics.h"
#include "mgmt/metrics_out.h"
#include "mgmt/metrics_http.h"

static int parse(const char *s, struct mhttp_req *rq)
{
	return mhttp_parse(s, strlen(s), rq);
}

static int status_of(const char *s)
{
	struct mhttp_req rq;

	cr_assert_eq(parse(s, &rq), 0, "undecided: %s", s);
	return rq.status;
}

Test(metrics, parse_routes)
{
	struct mhttp_req rq;

	cr_expect_eq(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &rq), 0);
	cr_expect_eq(rq.status, 200);
	cr_expect_eq(rq.fmt, METRICS_TEXT);
	cr_expect_eq(parse("GET /metrics?format=json HTTP/1.0\r\n\r\n", &rq), 0);
	cr_expect_eq(rq.status, 200);
	cr_expect_eq(rq.fmt, METRICS_JSON);
	static const struct { const char *head; int status; } cases[] = {
		{ "GET /metrics?format=prometheus HTTP/1.1\n\n", 200 },
		{ "GET / HTTP/1.1\r\n\r\n", 404 },
		{ "GET /metricsx HTTP/1.1\r\n\r\n", 404 },
		{ "GET /metrics?format=xml HTTP/1.1\r\n\r\n", 400 },
		{ "POST /metrics HTTP/1.1\r\n\r\n", 405 },
		{ "HEAD /metrics HTTP/1.1\r\n\r\n", 405 },
		{ "GET /metrics HTTP/2.0\r\n\r\n", 505 },
		{ "GET /metrics\r\n\r\n", 400 },
		{ "GET  /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET metrics HTTP/1.1\r\n\r\n", 400 },
		{ "\r\n\r\n", 400 },
		{ "G\x01T /metrics HTTP/1.1\r\n\r\n", 400 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(status_of(cases[i].head), cases[i].status, "%s", cases[i].head);
}

Test(metrics, parse_bounds)
{
	struct mhttp_req rq;
	char *big = malloc(MHTTP_HEAD_MAX);

	cr_expect_eq(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n", &rq), 1);
	cr_expect_eq(parse("", &rq), 1);
	memset(big, 'a', MHTTP_HEAD_MAX);
	cr_expect_eq(mhttp_parse(big, MHTTP_HEAD_MAX - 1, &rq), 1);
	cr_expect_eq(mhttp_parse(big, MHTTP_HEAD_MAX, &rq), 0);
	cr_expect_eq(rq.status, 431);
	free(big);
}

static char *render_with(void (*fn)(struct metrics_out *), enum metrics_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct metrics_out m;

	metrics_begin(&m, f, fmt);
	fn(&m);
	metrics_end(&m);
	fclose(f);
	return buf;
}

static void two_families(struct metrics_out *m)
{
	const char *a[] = { "reason", "ban", NULL }, *b[] = { "proxy", "we\"i\\rd\n", NULL };

	metrics_family(m, "x_total", METRICS_COUNTER, "Help with \\ and\nnewline.");
	metrics_u64(m, a, 3);
	metrics_u64(m, NULL, 4);
	metrics_family(m, "empty", METRICS_GAUGE, "Never written.");
	metrics_family(m, "y", METRICS_GAUGE, "A gauge.");
	metrics_u64(m, b, 18446744073709551615ull);
	metrics_double(m, NULL, 1.5);
}

Test(metrics, text_format)
{
	char *s = render_with(two_families, METRICS_TEXT);

	cr_expect_str_eq(s, "# HELP x_total Help with \\\\ and\\nnewline.\n"
			 "# TYPE x_total counter\n"
			 "x_total{reason=\"ban\"} 3\n"
			 "x_total 4\n"
			 "# HELP y A gauge.\n"
			 "# TYPE y gauge\n"
			 "y{proxy=\"we\\\"i\\\\rd\\n\"} 18446744073709551615\n"
			 "y 1.5\n");
	free(s);
}

/* Two observations in the 10 ms bucket, one past 10 s: cumulative
 * buckets, +Inf, sum and count in seconds. */
static void one_histogram(struct metrics_out *m)
{
	struct histo h = { 0 };
	struct histo_snap s;
	const char *l[] = { "proxy", "web", NULL };
	double b[HISTO_BUCKETS];

	histo_record(&h, 7);
	histo_record(&h, 10);
	histo_record(&h, 20000);
	histo_read(&h, &s);
	for (size_t i = 0; i < HISTO_BUCKETS; i++)
		b[i] = histo_bounds_ms[i] / 1000.0;
	metrics_family(m, "lat_seconds", METRICS_HISTOGRAM, "Latency.");
	metrics_histogram(m, l, b, s.le, 3, s.count, s.sum_ms / 1000.0);
}

Test(metrics, histogram)
{
	char *s = render_with(one_histogram, METRICS_TEXT);

	cr_expect_str_eq(s, "# HELP lat_seconds Latency.\n"
			 "# TYPE lat_seconds histogram\n"
			 "lat_seconds_bucket{proxy=\"web\",le=\"0.005\"} 0\n"
			 "lat_seconds_bucket{proxy=\"web\",le=\"0.01\"} 2\n"
			 "lat_seconds_bucket{proxy=\"web\",le=\"0.025\"} 2\n"
			 "lat_seconds_bucket{proxy=\"web\",le=\"+Inf\"} 3\n"
			 "lat_seconds_sum{proxy=\"web\"} 20.016999999999999\n"
			 "lat_seconds_count{proxy=\"web\"} 3\n");
	free(s);
	s = render_with(one_histogram, METRICS_JSON);
	cr_expect(strstr(s, "\"buckets\":{\"0.005\":0,\"0.01\":2,\"0.025\":2,\"+Inf\":3}"), "%s", s);
	cr_expect(strstr(s, "\"count\":3"), "%s", s);
	free(s);
}

Test(metrics, json_format)
{
	char *s = render_with(two_families, METRICS_JSON);

	cr_expect(strstr(s, "{\"metrics\":[{\"name\":\"x_total\",\"type\":\"counter\""), "%s", s);
	cr_expect(strstr(s, "\"samples\":[{\"labels\":{\"reason\":\"ban\"},\"value\":3},"
			 "{\"labels\":{},\"value\":4}]}"), "%s", s);
	cr_expect(!strstr(s, "empty"), "%s", s);
	cr_expect(strstr(s, "\"value\":1.500}]}]}\n"), "%s", s);
	free(s);
}

Test(metrics, render_nothing_running)
{
	struct proxy_set ps = { 0 };
	struct metrics_src src = { .version = "9.9", .start_time_s = 1e9, .ps = &ps };
	char *out;
	size_t len;

	cr_assert_eq(metrics_render(&src, METRICS_TEXT, &out, &len), 0);
	cr_expect_eq(strlen(out), len);
	cr_expect(strstr(out, "aegis_build_info{version=\"9.9\"} 1\n"), "%s", out);
	cr_expect(strstr(out, "aegis_start_time_seconds 1000000000\n"), "%s", out);
	cr_expect(strstr(out, "aegis_xdp_enabled 0\n"), "%s", out);
	cr_expect(!strstr(out, "aegis_xdp_packets_total"), "%s", out);
	cr_expect(!strstr(out, "aegis_engine_"), "%s", out);
	cr_expect(!strstr(out, "aegis_reputation_"), "%s", out);
	free(out);
}

static int fake_render(enum metrics_format fmt, char **body, size_t *len, void *ctx)
{
	(void)ctx;
	*body = strdup(fmt == METRICS_JSON ? "{}" : "a 1\n");
	*len = strlen(*body);
	return 0;
}

/* One request on a real socket: the answer's first line and body. */
static void roundtrip(struct mhttp *s, uint16_t port, const char *req, char *ans, size_t cap)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t got = 0;
	ssize_t n;

	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (int i = 0; i < 100 && got < cap - 1; i++) {
		mhttp_poll(s);
		n = recv(fd, ans + got, cap - 1 - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
		else
			usleep(10000);
	}
	ans[got] = '\0';
	close(fd);
}

Test(metrics, server_loopback)
{
	struct aegis_addr lo;
	struct mhttp s;
	char err[256] = "", ans[1024];
	uint16_t port = 0;
	int ret = -1;

	addr_parse("127.0.0.1", &lo);
	for (port = 39464; port < 39564 && ret; port++)
		ret = mhttp_open(&s, &lo, port, fake_render, NULL, err, sizeof(err));
	cr_assert_eq(ret, 0, "%s", err);
	port--;
	roundtrip(&s, port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", ans, sizeof(ans));
	cr_expect(!strncmp(ans, "HTTP/1.1 200 OK\r\n", 17), "%s", ans);
	cr_expect(strstr(ans, "Content-Length: 4\r\n"), "%s", ans);
	cr_expect(strstr(ans, "Connection: close\r\n\r\na 1\n"), "%s", ans);
	roundtrip(&s, port, "GET /metrics?format=json HTTP/1.1\r\n\r\n", ans, sizeof(ans));
	cr_expect(strstr(ans, "Content-Type: application/json\r\n"), "%s", ans);
	roundtrip(&s, port, "DELETE /metrics HTTP/1.1\r\n\r\n", ans, sizeof(ans));
	cr_expect(!strncmp(ans, "HTTP/1.1 405 ", 13), "%s", ans);
	cr_expect(strstr(ans, "Allow: GET\r\n"), "%s", ans);
	cr_expect_eq(mhttp_stats(&s)->requests, 3);
	mhttp_close(&s);
	cr_expect_eq(mhttp_fd(&s), -1);
}

static struct aegis_config *load(const char *yaml, char *err, size_t len)
{
	struct aegis_config *cfg = NULL;

	config_load_string("m.yaml", yaml, &cfg, err, len);
	return cfg;
}

Test(metrics, config_block)
{
	char err[512] = "";
	struct aegis_config *c = load("state_dir: /tmp/x\n", err, sizeof(err));

	cr_assert_not_null(c, "%s", err);
	cr_expect(!c->metrics.enabled);
	cr_expect_eq(c->metrics.port, 9464);
	cr_expect(addr_is_loopback(&c->metrics.addr));
	config_free(c);
	c = load("metrics: {}\n", err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_expect(c->metrics.enabled);
	config_free(c);
	c = load("metrics: { listen: \"[::1]:9100\" }\n", err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_expect_eq(c->metrics.port, 9100);
	cr_expect(addr_is_loopback(&c->metrics.addr));
	config_free(c);
	c = load("metrics:\n  listen: 0.0.0.0:9464\n  allow_remote: true\n", err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	config_free(c);
	c = load("metrics:\n  enabled: false\n  listen: 198.18.0.1:9464\n", err, sizeof(err));
	cr_expect_not_null(c, "off: the address is not served, %s", err);
	config_free(c);
}

Test(metrics, config_errors)
{
	static const struct { const char *yaml, *want; } bad[] = {
		{ "metrics:\n  listen: 0.0.0.0:9464\n", "m.yaml:2: metrics.listen: 0.0.0.0:9464 "
		  "is not a loopback address" },
		{ "metrics:\n  listen: 127.0.0.1\n", "m.yaml:2: metrics.listen: expected ADDRESS:PORT" },
		{ "metrics:\n  listen: 127.0.0.1:0\n", "m.yaml:2:" },
		{ "metrics:\n  listen: \"::1:9464\"\n", "m.yaml:2:" },
		{ "metrics:\n  listen: \"[::1:9464\"\n", "m.yaml:2:" },
		{ "metrics:\n  listen: localhost:9464\n", "m.yaml:2:" },
		{ "metrics:\n  port: 1\n", "m.yaml:2:" },
		{ "metrics: yes\n", "m.yaml:1:" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "";
		struct aegis_config *c = load(bad[i].yaml, err, sizeof(err));

		cr_expect_null(c, "%s accepted", bad[i].yaml);
		cr_expect(!strncmp(err, bad[i].want, strlen(bad[i].want)), "want '%s', got '%s'",
			  bad[i].want, err);
		config_free(c);
	}
}
