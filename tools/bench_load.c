// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_load: the load generator of the proxy benchmarks
 * (tools/bench_proxy.sh). One thread, epoll, non-blocking sockets, IPv4 or
 * IPv6, against an echo server (tools/bench_echo.c) directly or through a
 * proxy.
 *
 *   bench_load tcp -a ADDR -p PORT [-c CONCURRENT] [-s SIZE] [-t SECS] [-w WARMUP]
 *       Connections per second: CONCURRENT slots (default 50), each one
 *       connecting, sending SIZE bytes (default 16), reading the echo in
 *       full, checking it and closing, then starting over at once. A
 *       connection with no progress for 2 s is abandoned (a timeout).
 *   bench_load udp -a ADDR -p PORT [-n SOCKETS] [-q WINDOW] [-r RATE] [-s SIZE]
 *                  [-t SECS] [-w WARMUP]
 *       Echoed datagrams per second: SOCKETS connected UDP sockets (default
 *       256, so as many source ports and proxy sessions), each keeping at
 *       most WINDOW requests (default 4) in flight: a reply makes room for
 *       the next request. Sending is capped at RATE datagrams/s (default
 *       1,000,000) on top of the window. A socket with requests out and no
 *       reply for 200 ms counts them lost and starts over.
 *
 * Both run WARMUP seconds (default 0.5) unmeasured, then SECS seconds
 * (default 5, at most 60) measured, then close everything and exit: they
 * never run longer than WARMUP + SECS plus a few milliseconds. The result
 * is one line of key=value pairs on stdout, e.g. for tcp
 *   rate=12345.6 done=61728 secs=5.000 errors=0 timeouts=0 bad=0 p50_us=812 p99_us=2410
 * where rate is completed connections (tcp) or replies (udp) per second of
 * the measured window, and the percentiles are of a connection's whole
 * life (connect to echo read) or a datagram's round trip. A benchmark, not
 * a test: exit 0 whatever the figures, 1 if nothing could be set up, 2 on
 * bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#define MAX_SECS      60.0
#define MAX_CONC      10000
#define MAX_SOCKETS   4096
#define MAX_WINDOW    64
#define MAX_SIZE      1400
#define TCP_STALL_NS  2000000000ull
#define UDP_LOST_NS   200000000ull
#define HIST_US       200000		/* 1 us buckets up to 200 ms, then one more */
#define BATCH         32

static uint32_t hist[HIST_US + 1];
static uint64_t hist_n;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_load tcp -a ADDR -p PORT [-c CONCURRENT] [-s SIZE] [-t SECS] [-w WARMUP]\n"
		"       bench_load udp -a ADDR -p PORT [-n SOCKETS] [-q WINDOW] [-r RATE] [-s SIZE]\n"
		"                      [-t SECS] [-w WARMUP]\n"
		"tcp: connect, send SIZE bytes, read the echo, close, repeat (connections/s)\n"
		"udp: SOCKETS source ports, WINDOW requests in flight each (replies/s)\n");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void hist_add(uint64_t ns)
{
	uint64_t us = ns / 1000;

	hist[us > HIST_US ? HIST_US : us]++;
	hist_n++;
}

static unsigned hist_pct(double p)
{
	uint64_t want = (uint64_t)(p * (double)hist_n), seen = 0;

	if (!hist_n)
		return 0;
	for (unsigned i = 0; i <= HIST_US; i++) {
		seen += hist[i];
		if (seen > want)
			return i;
	}
	return HIST_US;
}

static struct sockaddr_storage target;
static socklen_t target_len;

static int parse_target(const char *addr, int port)
{
	memset(&target, 0, sizeof(target));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&target;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		target_len = sizeof(*s6);
		return inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)&target;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	target_len = sizeof(*s4);
	return inet_pton(AF_INET, addr, &s4->sin_addr) == 1 ? 0 : -1;
}

/* ---- tcp: connections per second ---- */

enum { S_IDLE, S_CONNECTING, S_ECHO };

struct slot {
	int fd, state;
	size_t got;
	uint64_t start, progress;
};

struct tcp_stats {
	uint64_t done, errors, timeouts, bad, connect_fail;
};

static size_t req_size;
static char req[MAX_SIZE];

static void slot_end(int ep, struct slot *s)
{
	if (s->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
	}
	s->fd = -1;
	s->state = S_IDLE;
}

static void slot_start(int ep, struct slot *s, uint64_t now, struct tcp_stats *st, bool count)
{
	struct epoll_event e = { .events = EPOLLOUT, .data.ptr = s };
	int fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	s->fd = fd;
	s->got = 0;
	s->start = s->progress = now;
	if (fd < 0) {
		s->state = S_IDLE;	/* retried by the sweep */
		if (count)
			st->connect_fail++;
		return;
	}
	if (connect(fd, (struct sockaddr *)&target, target_len) && errno != EINPROGRESS) {
		if (count)
			st->connect_fail++;
		close(fd);
		s->fd = -1;
		s->state = S_IDLE;
		return;
	}
	s->state = S_CONNECTING;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static void slot_event(int ep, struct slot *s, uint32_t ev, uint64_t now, bool count,
		       struct tcp_stats *st)
{
	char buf[MAX_SIZE];

	if (s->state == S_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = s };

		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err || (ev & EPOLLERR)) {
			if (count)
				st->connect_fail++;
			goto restart;
		}
		if (send(s->fd, req, req_size, MSG_NOSIGNAL) != (ssize_t)req_size) {
			if (count)
				st->errors++;
			goto restart;
		}
		s->state = S_ECHO;
		s->progress = now;
		epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &e);
		return;
	}
	if (s->state != S_ECHO)
		return;
	for (;;) {
		ssize_t n = recv(s->fd, buf, req_size - s->got, 0);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {	/* reset or EOF before the whole echo */
			if (count)
				st->errors++;
			goto restart;
		}
		if (memcmp(buf, req + s->got, (size_t)n)) {
			if (count)
				st->bad++;
			goto restart;
		}
		s->got += (size_t)n;
		s->progress = now;
		if (s->got == req_size)
			break;
	}
	if (count) {
		st->done++;
		hist_add(now - s->start);
	}
restart:
	slot_end(ep, s);
	slot_start(ep, s, now, st, count);
}

static int run_tcp(int conc, double secs, double warm)
{
	static struct epoll_event evs[512];
	struct tcp_stats st = { 0 };
	struct slot *slots = calloc((size_t)conc, sizeof(*slots));
	uint64_t t0 = now_ns(), m0 = t0 + (uint64_t)(warm * 1e9),
		 m1 = m0 + (uint64_t)(secs * 1e9), now = t0, last_sweep = t0;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (!slots || ep < 0)
		return 1;
	for (size_t i = 0; i < req_size; i++)
		req[i] = (char)('a' + i % 26);
	for (int i = 0; i < conc; i++) {
		slots[i].fd = -1;
		slot_start(ep, &slots[i], now, &st, false);
	}
	while (now < m1) {
		int n = epoll_wait(ep, evs, 512, 5);
		bool count;

		now = now_ns();
		count = now >= m0 && now < m1;
		for (int i = 0; i < n; i++)
			slot_event(ep, evs[i].data.ptr, evs[i].events, now, count, &st);
		if (now - last_sweep < 5000000ull)
			continue;
		last_sweep = now;
		for (int i = 0; i < conc; i++) {
			struct slot *s = &slots[i];

			if (s->state == S_IDLE) {
				slot_start(ep, s, now, &st, count);
			} else if (now - s->progress > TCP_STALL_NS) {
				if (count)
					st.timeouts++;
				slot_end(ep, s);
				slot_start(ep, s, now, &st, count);
			}
		}
	}
	for (int i = 0; i < conc; i++)
		slot_end(ep, &slots[i]);
	printf("rate=%.1f done=%llu secs=%.3f errors=%llu connect_fail=%llu timeouts=%llu "
	       "bad=%llu p50_us=%u p99_us=%u\n",
	       (double)st.done / secs, (unsigned long long)st.done, secs,
	       (unsigned long long)st.errors, (unsigned long long)st.connect_fail,
	       (unsigned long long)st.timeouts, (unsigned long long)st.bad,
	       hist_pct(0.5), hist_pct(0.99));
	free(slots);
	close(ep);
	return 0;
}

/* ---- udp: echoed datagrams per second ---- */

struct usock {
	int fd, inflight;
	uint64_t last;		/* last send or reply */
};

struct udp_stats {
	uint64_t sent, replies, lost, errors, bad;
};

static int window, rate_cap;
static double tokens;

/* Sends up to (window - inflight) requests, as the rate cap allows. */
static void usock_fill(struct usock *u, uint64_t now, bool count, struct udp_stats *st)
{
	static char dg[MAX_WINDOW][MAX_SIZE];
	struct mmsghdr msg[MAX_WINDOW];
	struct iovec iov[MAX_WINDOW];
	int want = window - u->inflight, sent;

	if (want > (int)tokens)
		want = (int)tokens;
	if (want <= 0)
		return;
	for (int i = 0; i < want; i++) {
		memset(dg[i], 'u', req_size);
		memcpy(dg[i], &now, sizeof(now));	/* the reply's round trip */
		iov[i] = (struct iovec){ dg[i], req_size };
		msg[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	sent = sendmmsg(u->fd, msg, (unsigned)want, MSG_DONTWAIT);
	if (sent <= 0) {
		if (count && errno != EAGAIN)
			st->errors++;
		return;
	}
	tokens -= sent;
	u->inflight += sent;
	u->last = now;
	if (count)
		st->sent += (uint64_t)sent;
}

static void usock_read(struct usock *u, uint64_t now, bool count, struct udp_stats *st)
{
	static char dg[BATCH][MAX_SIZE + 1];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];

	for (int rounds = 0; rounds < 8; rounds++) {
		int n;

		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ dg[i], sizeof(dg[i]) };
			msg[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		n = recvmmsg(u->fd, msg, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && count)
				st->errors++;	/* e.g. ECONNREFUSED from an ICMP error */
			return;
		}
		for (int i = 0; i < n; i++) {
			uint64_t sent_at;

			if (msg[i].msg_len != req_size) {
				if (count)
					st->bad++;
				continue;
			}
			memcpy(&sent_at, dg[i], sizeof(sent_at));
			if (count) {
				st->replies++;
				hist_add(now - sent_at);
			}
		}
		u->inflight -= n;
		if (u->inflight < 0)	/* replies to requests already counted lost */
			u->inflight = 0;
		u->last = now;
		if (n < BATCH)
			return;
	}
}

static int run_udp(int nsock, double secs, double warm)
{
	static struct epoll_event evs[512];
	struct udp_stats st = { 0 };
	struct usock *us = calloc((size_t)nsock, sizeof(*us));
	uint64_t t0 = now_ns(), m0 = t0 + (uint64_t)(warm * 1e9),
		 m1 = m0 + (uint64_t)(secs * 1e9), now = t0, last_tok = t0, last_sweep = t0;
	/* The bucket holds at most 2 ms of sending, and at least one window. */
	double tok_max = rate_cap / 500.0 > window ? rate_cap / 500.0 : window;
	int ep = epoll_create1(EPOLL_CLOEXEC), sz = 1 << 20;

	if (!us || ep < 0)
		return 1;
	if (req_size < sizeof(uint64_t))
		req_size = sizeof(uint64_t);
	for (int i = 0; i < nsock; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = &us[i] };
		int fd = socket(target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&target, target_len)) {
			fprintf(stderr, "bench_load: udp socket %d: %s\n", i, strerror(errno));
			return 1;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		us[i].fd = fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
	}
	tokens = tok_max;
	while (now < m1) {
		int n = epoll_wait(ep, evs, 512, 1);
		bool count;

		now = now_ns();
		count = now >= m0 && now < m1;
		tokens += (double)(now - last_tok) * rate_cap / 1e9;
		if (tokens > tok_max)
			tokens = tok_max;
		last_tok = now;
		for (int i = 0; i < n; i++) {
			usock_read(evs[i].data.ptr, now, count, &st);
			usock_fill(evs[i].data.ptr, now, count, &st);
		}
		if (now - last_sweep < 1000000ull)
			continue;
		/* Every millisecond: refill what the rate cap held back, and
		 * give up on requests unanswered for too long. */
		last_sweep = now;
		for (int i = 0; i < nsock; i++) {
			struct usock *u = &us[i];

			if (u->inflight && now - u->last > UDP_LOST_NS) {
				if (count)
					st.lost += (uint64_t)u->inflight;
				u->inflight = 0;
			}
			if (u->inflight < window)
				usock_fill(u, now, count, &st);
		}
	}
	for (int i = 0; i < nsock; i++)
		close(us[i].fd);
	printf("rate=%.1f done=%llu secs=%.3f sent=%llu lost=%llu errors=%llu bad=%llu "
	       "p50_us=%u p99_us=%u\n",
	       (double)st.replies / secs, (unsigned long long)st.replies, secs,
	       (unsigned long long)st.sent, (unsigned long long)st.lost,
	       (unsigned long long)st.errors, (unsigned long long)st.bad,
	       hist_pct(0.5), hist_pct(0.99));
	free(us);
	close(ep);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode, *addr = NULL;
	int port = 0, conc = 50, nsock = 256, opt;
	double secs = 5, warm = 0.5;
	struct rlimit rl;

	if (argc < 2 || (strcmp(argv[1], "tcp") && strcmp(argv[1], "udp"))) {
		usage(argc > 1 && !strcmp(argv[1], "-h") ? stdout : stderr);
		return argc > 1 && !strcmp(argv[1], "-h") ? 0 : 2;
	}
	mode = argv[1];
	window = 4;
	rate_cap = 1000000;
	req_size = 16;
	optind = 2;
	while ((opt = getopt(argc, argv, "a:p:c:n:q:r:s:t:w:h")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': conc = atoi(optarg); break;
		case 'n': nsock = atoi(optarg); break;
		case 'q': window = atoi(optarg); break;
		case 'r': rate_cap = atoi(optarg); break;
		case 's': req_size = (size_t)atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'w': warm = atof(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!addr || port <= 0 || port > 65535 || optind != argc || parse_target(addr, port) ||
	    conc < 1 || conc > MAX_CONC || nsock < 1 || nsock > MAX_SOCKETS ||
	    window < 1 || window > MAX_WINDOW || rate_cap < 1 || req_size < 1 ||
	    req_size > MAX_SIZE || !(secs > 0 && secs <= MAX_SECS) ||
	    !(warm >= 0 && warm <= MAX_SECS)) {
		usage(stderr);
		return 2;
	}
	/* As many descriptors as the hard limit allows. */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return mode[0] == 't' ? run_tcp(conc, secs, warm) : run_udp(nsock, secs, warm);
}
