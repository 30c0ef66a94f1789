// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The games seam (games/game.h) through a real worker, real sockets on
 * 127.0.0.1: a proxy with a trivial validator attached asks it about a
 * TCP connection's first bytes before any upstream is chosen (passed
 * bytes reach the upstream, refused ones close the client and never
 * connect) and about every client datagram of a UDP session (refused
 * ones never reach the upstream, passed ones do).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "engine/proxy.h"
#include "engine/tcp_proxy.h"
#include "engine/udp_proxy.h"
#include "engine/worker.h"
#include "games/game.h"

/* The trivial validator: "GOOD" passes, a prefix of it asks for more,
 * anything else is refused (TCP: close; UDP: drop, "BYE" closes). */
static atomic_int tcp_calls, udp_calls, udp_first_calls;

static struct game_verdict judge(const uint8_t *buf, size_t len)
{
	size_t n = len < 4 ? len : 4;

	if (!memcmp(buf, "GOOD", n))
		return (struct game_verdict){ len < 4 ? GAME_VERDICT_MORE : GAME_VERDICT_PASS,
					      AEGIS_GAME_R_NONE };
	return (struct game_verdict){ GAME_VERDICT_DROP, AEGIS_GAME_R_HANDSHAKE };
}

static struct game_verdict t_first(const struct game_validator *v, const uint8_t *buf, size_t len)
{
	(void)v;
	atomic_fetch_add(&tcp_calls, 1);
	return judge(buf, len);
}

static struct game_verdict t_dgram(const struct game_validator *v, const uint8_t *buf, size_t len,
				   bool first)
{
	(void)v;
	atomic_fetch_add(&udp_calls, 1);
	if (first)
		atomic_fetch_add(&udp_first_calls, 1);
	if (len >= 3 && !memcmp(buf, "BYE", 3))
		return (struct game_verdict){ GAME_VERDICT_CLOSE, AEGIS_GAME_R_STATE };
	return judge(buf, len);
}

static const struct game_validator trivial = {
	.name = "trivial", .tcp_first = t_first, .udp_datagram = t_dgram,
};

static struct worker *w;
static struct proxy *px;
static struct aegis_config *cfg;
static int up_tcp = -1, up_udp = -1;
static uint16_t origin;

static uint16_t bound_port(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &l);
	return ntohs(a.sin_port);
}

static int sock_at(int type, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, type, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (type == SOCK_STREAM && listen(fd, 16))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A port free for both TCP and UDP on 127.0.0.1 (bound, then let go). */
static uint16_t free_port(void)
{
	for (int i = 0; i < 50; i++) {
		int t = sock_at(SOCK_STREAM, 0), u;
		uint16_t p = bound_port(t);

		u = sock_at(SOCK_DGRAM, p);
		close(t);
		if (u >= 0) {
			close(u);
			return p;
		}
	}
	cr_assert_fail("no free port");
	return 0;
}

static void setup(void)
{
	struct worker_params wp = {
		.max_conns = 64, .buf_count = 64, .buf_size = 4096, .conn_budget = 65536,
		.ring_entries = 256, .max_udp_sessions = 64,
	};
	char yaml[1024], err[512] = "";
	uint16_t up;

	tcp_proxy_register();
	udp_proxy_register();
	up_tcp = sock_at(SOCK_STREAM, 0);
	cr_assert(up_tcp >= 0);
	up = bound_port(up_tcp);
	up_udp = sock_at(SOCK_DGRAM, up);
	cr_assert(up_udp >= 0, "udp port %u taken", up);
	origin = free_port();
	snprintf(yaml, sizeof(yaml),
		 "proxies:\n"
		 "  - name: game\n"
		 "    protocol: tcp-udp\n"
		 "    origin: { addresses: [127.0.0.1], ports: %u }\n"
		 "    upstream: { addresses: [127.0.0.1], ports: %u }\n"
		 "    health_check: { enabled: false }\n"
		 "    access_log: { enabled: false }\n", origin, up);
	cr_assert_eq(config_load_string("game.yaml", yaml, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(proxy_create(&cfg->proxies[0], &px, err, sizeof(err)), 0, "%s", err);
	proxy_game_attach(px, &trivial);
	w = calloc(1, sizeof(*w));
	cr_assert_not_null(w);
	cr_assert_eq(worker_start(w, 0, &wp), 0, "%s", w->err);
	cr_assert_eq(worker_post(w, WORKER_CMD_ADD_PROXY, px), 0);
}

static void teardown(void)
{
	if (w)
		worker_stop(w);
	free(w);
	proxy_put(px);
	config_free(cfg);
	close(up_tcp);
	close(up_udp);
}

static int client(int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(origin) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, type, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* The worker opens its listeners on its own thread: retry briefly. */
	for (int i = 0; i < 100; i++) {
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		usleep(20000);
	}
	cr_assert_fail("connect: %s", strerror(errno));
	return -1;
}

static int wait_udp_listener(void)
{
	/* Until the UDP listener is up, a datagram to it would be refused:
	 * the first TCP connect proves the worker has opened both. */
	int fd = client(SOCK_STREAM);

	close(fd);
	return client(SOCK_DGRAM);
}

Test(games_seam, tcp_first_bytes, .init = setup, .fini = teardown)
{
	char buf[64];
	int bad = client(SOCK_STREAM), good, up;
	ssize_t n;

	/* Refused: the client is closed and no upstream connection is made. */
	cr_assert_eq(send(bad, "JUNK!", 5, 0), 5);
	n = recv(bad, buf, sizeof(buf), 0);
	cr_expect(n == 0 || (n < 0 && errno == ECONNRESET), "refused client not closed: %zd", n);
	cr_expect_eq(atomic_load(&tcp_calls), 1);
	close(bad);
	/* Passed in two pieces: MORE, then PASS; the upstream gets every byte. */
	good = client(SOCK_STREAM);
	cr_assert_eq(send(good, "GO", 2, 0), 2);
	for (int i = 0; i < 5000 && atomic_load(&tcp_calls) < 2; i++)
		usleep(1000);
	cr_assert_eq(atomic_load(&tcp_calls), 2, "the first piece was not judged");
	cr_assert_eq(send(good, "OD hello", 8, 0), 8);
	up = accept(up_tcp, NULL, NULL);
	cr_assert(up >= 0, "no upstream connection: %s", strerror(errno));
	n = 0;
	while (n < 10) {
		ssize_t r = recv(up, buf + n, sizeof(buf) - (size_t)n, 0);

		cr_assert(r > 0, "upstream read: %zd", r);
		n += r;
	}
	cr_expect(!memcmp(buf, "GOOD hello", 10));
	cr_expect_eq(atomic_load(&tcp_calls), 3);
	/* After the verdict, the relay runs without asking again. */
	cr_assert_eq(send(up, "pong", 4, 0), 4);
	cr_assert_eq(recv(good, buf, sizeof(buf), 0), 4);
	cr_expect(!memcmp(buf, "pong", 4));
	cr_expect_eq(atomic_load(&tcp_calls), 3);
	close(up);
	close(good);
	/* The refused connection never reached the upstream. */
	struct pollfd p = { .fd = up_tcp, .events = POLLIN };
	cr_expect_eq(poll(&p, 1, 0), 0, "a refused client got an upstream connection");
}

static void expect_up_dgram(const char *want)
{
	char buf[64];
	ssize_t n = recv(up_udp, buf, sizeof(buf), 0);

	cr_assert(n >= 0, "upstream got nothing (want %s): %s", want, strerror(errno));
	cr_expect(n == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)n),
		  "upstream got '%.*s', want '%s'", (int)n, buf, want);
}

Test(games_seam, udp_datagrams, .init = setup, .fini = teardown)
{
	int c = wait_udp_listener();

	/* Refused before a session exists: dropped, no session opened. */
	cr_assert_eq(send(c, "JUNK", 4, 0), 4);
	cr_assert_eq(send(c, "GOOD 1", 6, 0), 6);
	expect_up_dgram("GOOD 1");
	cr_expect_eq(atomic_load(&udp_calls), 2);
	cr_expect_eq(atomic_load(&udp_first_calls), 2, "both came before a session");
	/* Within the session: a refused datagram is dropped, the next passes. */
	cr_assert_eq(send(c, "JUNK", 4, 0), 4);
	cr_assert_eq(send(c, "GOOD 2", 6, 0), 6);
	expect_up_dgram("GOOD 2");
	cr_expect_eq(atomic_load(&udp_calls), 4);
	cr_expect_eq(atomic_load(&udp_first_calls), 2);
	/* CLOSE ends the session: the next datagram opens a new one. */
	cr_assert_eq(send(c, "BYE", 3, 0), 3);
	cr_assert_eq(send(c, "GOOD 3", 6, 0), 6);
	expect_up_dgram("GOOD 3");
	cr_expect_eq(atomic_load(&udp_calls), 6);
	cr_expect_eq(atomic_load(&udp_first_calls), 3);
	close(c);
}

static struct game_verdict always_more(const struct game_validator *v, const uint8_t *buf,
				       size_t len)
{
	(void)v, (void)buf, (void)len;
	return (struct game_verdict){ GAME_VERDICT_MORE, AEGIS_GAME_R_NONE };
}

Test(games_seam, verdict_helpers)
{
	static const struct game_validator none = { .name = "none" };
	static const struct game_validator undecided = { .name = "more", .tcp_first = always_more };
	uint8_t big[AEGIS_GAME_FIRST_MAX] = { 0 };
	struct game_verdict v;

	v = game_tcp_first(NULL, "x", 1);
	cr_expect_eq(v.kind, GAME_VERDICT_PASS);
	v = game_udp_datagram(&none, "x", 1, true);
	cr_expect_eq(v.kind, GAME_VERDICT_PASS, "no hook: the path passes");
	v = game_tcp_first(&undecided, big, sizeof(big) - 1);
	cr_expect_eq(v.kind, GAME_VERDICT_MORE);
	/* Still undecided at the bound: closed as too long. */
	v = game_tcp_first(&undecided, big, sizeof(big));
	cr_expect_eq(v.kind, GAME_VERDICT_CLOSE);
	cr_expect_eq(v.reason, AEGIS_GAME_R_TOO_LONG);
	cr_expect_str_eq(game_reason_name(v.reason), "game_too_long");
	cr_expect_str_eq(game_reason_name(AEGIS_GAME_R_MAX), "game_unknown");
	v = game_udp_datagram(&trivial, (const uint8_t *)"GO", 2, false);
	cr_expect_eq(v.kind, GAME_VERDICT_DROP, "MORE means nothing for a datagram");
}
