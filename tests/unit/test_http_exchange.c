// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTTP exchange without a ring (http/http_conn.h): a real http proxy
 * (router, balancer, guard, breakers) and a connection whose struct hc_io
 * records what would be sent to each side, h2o's loopback connection in
 * small. The test plays the kernel: it puts bytes in a side's input and
 * reports them (hx_on_recv), completes the sends (hx_on_sent) and the
 * upstream connect (hx_upstream_connected). Pipelining, a blocked
 * request, an upstream failure and a 101 tunnel.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "engine/proxy.h"
#include "engine/worker.h"
#include "guard/http_guard.h"
#include "http/http_conn.h"
#include "http/http_proxy.h"
#include "http/http_rt.h"

#define FAKE_CLIENT_FD	100	/* never used: every I/O goes through the loop */
#define FAKE_UP_FD	200

/* What the loopback I/O saw. */
struct loop {
	char sent[2][16384];		/* bytes sent to each side, in order */
	size_t sent_len[2];
	bool kicked[2];			/* a send was asked for (hc_kick_send) */
	int opens, drops, pooled, shut[2];
	char *scratch;
	size_t scratch_cap;
};

static struct loop L;
static struct aegis_config *cfg;
static struct proxy *px;
static struct worker *w;
static struct http_guard_scratch *gs;

/* As the ring: no send while connecting or closing; lo_run() completes it. */
static void lo_kick_send(struct worker *wk, struct http_conn *c, int to)
{
	(void)wk;
	if (c->state != HC_CONNECTING && c->state != HC_CLOSING && c->out[to].len)
		L.kicked[to] = true;
}

static void lo_nop(struct worker *wk, struct http_conn *c)
{
	(void)wk, (void)c;
}

static void lo_shut_wr(struct worker *wk, struct http_conn *c, int side)
{
	(void)wk, (void)c;
	L.shut[side]++;
}

/* A connection dropped reusable is "pooled": the next open reuses it. */
static void lo_upstream_open(struct worker *wk, struct http_conn *c)
{
	L.opens++;
	c->s[HC_UP].fd = FAKE_UP_FD;
	c->s[HC_UP].eof = 0;
	c->in[HC_UP].len = 0;
	if (L.pooled && !c->retried) {
		L.pooled--;
		c->up_reused = true;
		hx_upstream_ready(wk, c);
		return;
	}
	c->up_reused = false;
	c->state = HC_CONNECTING;
}

static void lo_upstream_drop(struct worker *wk, struct http_conn *c, bool reusable)
{
	(void)wk;
	if (c->s[HC_UP].fd < 0)
		return;
	L.drops++;
	if (reusable && !c->s[HC_UP].eof && !c->in[HC_UP].len)
		L.pooled++;
}

static char *lo_scratch(struct worker *wk, size_t cap)
{
	(void)wk;
	if (L.scratch_cap < cap) {
		free(L.scratch);
		L.scratch = malloc(cap);
		L.scratch_cap = L.scratch ? cap : 0;
	}
	return L.scratch;
}

static bool lo_tarpit_take(struct worker *wk, struct http_conn *c)
{
	(void)wk, (void)c;
	return true;
}

/* Records what the client takes as soon as it is sent. */
static uint32_t lo_unsent(struct worker *wk, struct http_conn *c, int side)
{
	(void)wk, (void)c, (void)side;
	return 0;
}

static const struct hc_io loop_io = {
	.kick_send = lo_kick_send,
	.arm_reads = lo_nop,
	.arm_timer = lo_nop,
	.cancel = lo_nop,
	.shut_wr = lo_shut_wr,
	.upstream_open = lo_upstream_open,
	.upstream_drop = lo_upstream_drop,
	.scratch = lo_scratch,
	.tarpit_take = lo_tarpit_take,
	.unsent = lo_unsent,
};

static void setup(void)
{
	static const char yaml[] =
		"proxies:\n"
		"  - name: web\n"
		"    protocol: http\n"
		"    origin: { ports: 8080 }\n"
		"    access_log: { enabled: false }\n"
		"    http:\n"
		"      deny: [203.0.113.0/24]\n"
		"      events: { path: /dev/null }\n"
		"      waf: { threshold: 0 }\n"
		"      hosts:\n"
		"        - names: [a.test]\n"
		"          routes: [ { path: /, upstreams: [\"http://198.18.1.2:8080\"] } ]\n";
	char err[512] = "";

	memset(&L, 0, sizeof(L));
	http_proxy_register();
	cr_assert_eq(config_load_string("exchange.yaml", yaml, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(proxy_create(&cfg->proxies[0], &px, err, sizeof(err)), 0, "%s", err);
	w = calloc(1, sizeof(*w));
	cr_assert_not_null(w);
	w->now_ms = 1000000;
	w->rng.s = 0x9e3779b97f4a7c15ull;
	gs = http_guard_scratch_new(http_rt_of(px)->guard);
	cr_assert_not_null(gs);
}

static void teardown(void)
{
	http_guard_scratch_free(gs);
	free(w);
	proxy_put(px);
	config_free(cfg);
	free(L.scratch);
}

/* A connection from ip, as http_accept leaves it (state HC_HEAD). */
static struct http_conn *conn_new(const char *ip)
{
	struct http_conn *c = calloc(1, sizeof(*c));
	struct sockaddr_in *sin = (struct sockaddr_in *)&c->peer;

	cr_assert_not_null(c);
	c->io = &loop_io;
	c->px = px;
	c->rt = http_rt_of(px);
	c->scratch = gs;
	c->target = -1;
	c->zombie_fd = -1;
	c->s[HC_CLIENT].fd = FAKE_CLIENT_FD;
	c->s[HC_UP].fd = -1;
	sin->sin_family = AF_INET;
	cr_assert_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	c->req = http_req_new(&c->rt->cfg->limits, hx_body, c);
	c->resp = http_resp_new(0);
	cr_assert(c->req && c->resp);
	c->accepted_ms = c->idle_since_ms = c->s[HC_CLIENT].last_rx_ms = w->now_ms;
	c->state = HC_HEAD;
	return c;
}

static void conn_done(struct http_conn *c)
{
	if (c->target >= 0)
		hc_upstream_release(w, c, false);
	hc_release_bufs(c);
	free(c);
}

/* Completes every send asked for, as the ring would, until nothing moves. */
static void lo_run(struct http_conn *c)
{
	bool moved = true;

	while (moved && c->state != HC_CLOSING) {
		moved = false;
		for (int side = 0; side < 2 && c->state != HC_CLOSING; side++) {
			struct hbuf *o = &c->out[side];
			size_t n = o->len;

			if (!L.kicked[side] || !n)
				continue;
			L.kicked[side] = false;
			cr_assert_lt(L.sent_len[side] + n, sizeof(L.sent[side]));
			memcpy(L.sent[side] + L.sent_len[side], o->p + o->off, n);
			L.sent_len[side] += n;
			L.sent[side][L.sent_len[side]] = '\0';
			hbuf_consume(o, n);
			hx_on_sent(w, c, side);
			hc_kick_send(w, c, side);	/* on_send does, after the report */
			moved = true;
		}
	}
}

/* side sent s (NULL: its EOF). */
static void lo_recv(struct http_conn *c, int side, const char *s)
{
	if (s)
		cr_assert_eq(hbuf_append(&c->in[side], s, strlen(s)), 0);
	else
		c->s[side].eof = 1;
	hx_on_recv(w, c, side);
	lo_run(c);
}

static void lo_connected(struct http_conn *c, int res)
{
	cr_assert_eq(c->state, HC_CONNECTING);
	hx_upstream_connected(w, c, res);
	lo_run(c);
}

static const char *sent(int side)
{
	return L.sent[side];
}

#define UA "User-Agent: curl/8.0\r\nAccept: */*\r\n"

TestSuite(http_exchange, .init = setup, .fini = teardown);

Test(http_exchange, pipelined_requests_answered_in_order)
{
	struct http_conn *c = conn_new("198.18.0.9");
	const char *one, *two;

	lo_recv(c, HC_CLIENT, "GET /one HTTP/1.1\r\nHost: a.test\r\n" UA "\r\n"
			      "GET /two HTTP/1.1\r\nHost: a.test\r\n" UA "\r\n");
	cr_expect_eq(L.opens, 1);
	lo_connected(c, 0);
	cr_expect_not_null(strstr(sent(HC_UP), "GET /one HTTP/1.1\r\n"), "%s", sent(HC_UP));
	cr_expect_null(strstr(sent(HC_UP), "/two"), "the second waits for the first response");
	cr_expect_eq(L.sent_len[HC_CLIENT], 0);

	lo_recv(c, HC_UP, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
	cr_expect_eq(L.drops, 1, "the upstream went back to the pool");
	cr_expect_eq(L.opens, 2);
	cr_expect(c->up_reused, "the second request reuses the pooled upstream");
	cr_expect_not_null(strstr(sent(HC_UP), "GET /two HTTP/1.1\r\n"), "%s", sent(HC_UP));
	lo_recv(c, HC_UP, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");

	one = strstr(sent(HC_CLIENT), "first");
	two = strstr(sent(HC_CLIENT), "second");
	cr_assert(one && two, "%s", sent(HC_CLIENT));
	cr_expect_lt(one, two, "responses in request order");
	cr_expect_eq(strncmp(sent(HC_CLIENT), "HTTP/1.1 200", 12), 0);
	cr_expect_eq(c->state, HC_HEAD, "keep-alive: waiting for a third");
	cr_expect_eq(c->nreq, 2);
	cr_expect_eq(atomic_load(&c->rt->st.requests), 2);
	conn_done(c);
}

Test(http_exchange, blocked_request_never_touches_the_upstream)
{
	struct http_conn *c = conn_new("203.0.113.7");

	lo_recv(c, HC_CLIENT, "GET / HTTP/1.1\r\nHost: a.test\r\n" UA "\r\n");
	cr_expect_eq(strncmp(sent(HC_CLIENT), "HTTP/1.1 403", 12), 0, "%s", sent(HC_CLIENT));
	cr_expect_not_null(strstr(sent(HC_CLIENT), "request_id"), "%s", sent(HC_CLIENT));
	cr_expect_eq(L.opens, 0, "no upstream opened");
	cr_expect_eq(L.sent_len[HC_UP], 0, "nothing sent upstream");
	cr_expect_eq(c->state, HC_HEAD, "a body-less blocked request keeps the connection");
	cr_expect_eq(atomic_load(&c->rt->st.blocked), 1);
	conn_done(c);
}

Test(http_exchange, upstream_connect_failure_is_502)
{
	struct http_conn *c = conn_new("198.18.0.9");

	lo_recv(c, HC_CLIENT, "GET /x HTTP/1.1\r\nHost: a.test\r\n" UA "\r\n");
	cr_expect_eq(L.opens, 1);
	lo_connected(c, -ECONNREFUSED);
	cr_expect_eq(strncmp(sent(HC_CLIENT), "HTTP/1.1 502", 12), 0, "%s", sent(HC_CLIENT));
	cr_expect_eq(L.opens, 1, "a fresh connection is not retried");
	cr_expect_eq(L.sent_len[HC_UP], 0);
	cr_expect_eq(atomic_load(&c->rt->st.upstream_errors), 1);
	cr_expect_eq(atomic_load(&px->st.conns_failed), 1);
	cr_expect_eq(c->target, -1, "the target went back to the balancer");
	cr_expect_eq(c->state, HC_HEAD);
	conn_done(c);
}

Test(http_exchange, upgrade_tunnels_raw_bytes_both_ways)
{
	struct http_conn *c = conn_new("198.18.0.9");
	size_t head;

	lo_recv(c, HC_CLIENT, "GET /ws HTTP/1.1\r\nHost: a.test\r\n" UA
			      "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
	lo_connected(c, 0);
	cr_expect_not_null(strstr(sent(HC_UP), "Upgrade: websocket\r\n"), "%s", sent(HC_UP));
	lo_recv(c, HC_UP, "HTTP/1.1 101 Switching Protocols\r\n"
			  "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\nhello");
	cr_expect_eq(c->state, HC_TUNNEL);
	cr_expect_eq(strncmp(sent(HC_CLIENT), "HTTP/1.1 101", 12), 0, "%s", sent(HC_CLIENT));
	cr_expect_not_null(strstr(sent(HC_CLIENT), "\r\n\r\nhello"), "bytes after the 101 pass");
	cr_expect_eq(atomic_load(&c->rt->st.tunnels), 1);

	head = L.sent_len[HC_UP];
	lo_recv(c, HC_CLIENT, "\x81\x04ping");
	cr_expect_eq(L.sent_len[HC_UP], head + 6);
	cr_expect_eq(memcmp(L.sent[HC_UP] + head, "\x81\x04ping", 6), 0, "raw, unparsed");
	lo_recv(c, HC_UP, "pong");
	cr_expect_eq(strcmp(sent(HC_CLIENT) + L.sent_len[HC_CLIENT] - 4, "pong"), 0);

	lo_recv(c, HC_CLIENT, NULL);
	cr_expect_eq(L.shut[HC_UP], 1, "the client's EOF half-closes the upstream");
	cr_expect_eq(c->state, HC_TUNNEL);
	lo_recv(c, HC_UP, NULL);
	cr_expect_eq(L.shut[HC_CLIENT], 1);
	cr_expect_eq(c->state, HC_CLOSING);
	cr_expect_str_eq(c->reason, "tunnel_closed");
	conn_done(c);
}

/* It used to answer 404: "*" matched no route. */
Test(http_exchange, options_asterisk_goes_where_slash_goes)
{
	struct http_conn *c = conn_new("198.18.0.13");

	lo_recv(c, HC_CLIENT, "OPTIONS * HTTP/1.1\r\nHost: a.test\r\n" UA "\r\n");
	cr_assert_eq(L.opens, 1, "an upstream is opened: %s", sent(HC_CLIENT));
	lo_connected(c, 0);
	cr_expect_not_null(strstr(sent(HC_UP), "OPTIONS * HTTP/1.1\r\n"), "%s", sent(HC_UP));
	lo_recv(c, HC_UP, "HTTP/1.1 200 OK\r\nAllow: GET, OPTIONS\r\nContent-Length: 0\r\n\r\n");
	cr_expect_eq(strncmp(sent(HC_CLIENT), "HTTP/1.1 200", 12), 0, "%s", sent(HC_CLIENT));
	conn_done(c);
}
