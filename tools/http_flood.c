// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * http_flood: the L7 attacker of the reputation flood benchmark
 * (tools/bench_rep_flood.sh). One thread, epoll, IPv4 or IPv6.
 *
 *   http_flood -a ADDR -p PORT -S SOURCES [-c CONCURRENT] [-t SECS]
 *              [-P PATH] [-H HOST] [-T STALL_MS]
 *
 * CONCURRENT slots (default 256), each binding its next socket to the next
 * address of SOURCES (a file, one address a line, at most 4096: aliases on
 * the lab veth), connecting, sending one "GET PATH" request with
 * "Connection: close", reading the answer to EOF and starting over. A
 * connection with no progress for STALL_MS (default 500) is abandoned: that
 * is what a source banned in XDP sees. It runs SECS seconds (default 10, at
 * most 60), then closes everything: bounded in time, and in packets by
 * the slot count. The result is one line of key=value pairs:
 *   sent=N answered=N s2xx=N s4xx=N other=N stalls=N errors=N rate=R
 *   timeline=A,B,...   (answers in each second of the run)
 * A benchmark tool, not a test: exit 0 whatever the figures, 1 if nothing
 * could be set up, 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#define MAX_SOURCES 4096
#define MAX_CONC    8192
#define MAX_SECS    60
#define REQ_MAX     2048

struct src {
	struct sockaddr_storage sa;
	socklen_t len;
};

struct slot {
	int fd;
	bool sending;
	size_t got;		/* bytes of the answer seen, up to the status */
	char head[16];		/* "HTTP/1.1 NNN" */
	uint64_t progress;
};

struct flood_stats {
	uint64_t sent, answered, s2xx, s4xx, other, stalls, errors;
	uint64_t timeline[MAX_SECS + 1];
};

static struct src sources[MAX_SOURCES];
static unsigned nsources, next_source;
static struct sockaddr_storage target;
static socklen_t target_len;
static char req[REQ_MAX];
static size_t req_len;
static uint64_t stall_ns = 500000000ull, t_start;
static struct flood_stats st;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int addr_fill(const char *s, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(s, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, s, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len = sizeof(*s4);
	return inet_pton(AF_INET, s, &s4->sin_addr) == 1 ? 0 : -1;
}

static int sources_load(const char *path)
{
	char line[128];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "http_flood: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) && nsources < MAX_SOURCES) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (!line[0])
			continue;
		if (addr_fill(line, 0, &sources[nsources].sa, &sources[nsources].len)) {
			fprintf(stderr, "http_flood: %s: '%s' is not an address\n", path, line);
			fclose(f);
			return -1;
		}
		nsources++;
	}
	fclose(f);
	if (!nsources)
		fprintf(stderr, "http_flood: %s: no addresses\n", path);
	return nsources ? 0 : -1;
}

static void slot_end(int ep, struct slot *s)
{
	if (s->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
	}
	s->fd = -1;
}

static void slot_start(int ep, struct slot *s, uint64_t now)
{
	struct src *src = &sources[next_source++ % nsources];
	struct epoll_event e = { .events = EPOLLOUT, .data.ptr = s };

	s->fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s->sending = true;
	s->got = 0;
	s->progress = now;
	if (s->fd < 0)
		return;		/* retried by the sweep */
	if (bind(s->fd, (struct sockaddr *)&src->sa, src->len) ||
	    (connect(s->fd, (struct sockaddr *)&target, target_len) && errno != EINPROGRESS)) {
		st.errors++;
		slot_end(ep, s);
		return;
	}
	epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &e);
}

static void answer_count(const struct slot *s, uint64_t now)
{
	uint64_t sec = (now - t_start) / 1000000000ull;

	st.answered++;
	st.timeline[sec > MAX_SECS ? MAX_SECS : sec]++;
	if (s->got >= 12 && s->head[9] == '2')
		st.s2xx++;
	else if (s->got >= 12 && s->head[9] == '4')
		st.s4xx++;
	else
		st.other++;
}

/* Returns true when the slot is done with its connection. */
static bool slot_io(int ep, struct slot *s, uint64_t now)
{
	char buf[4096];

	if (s->sending) {
		struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = s };

		if (send(s->fd, req, req_len, MSG_NOSIGNAL) != (ssize_t)req_len) {
			st.errors++;
			return true;
		}
		st.sent++;
		s->sending = false;
		s->progress = now;
		epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &e);
		return false;
	}
	for (;;) {
		ssize_t n = recv(s->fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EAGAIN)
			return false;
		if (n <= 0) {	/* EOF ends an answer; a reset before any is an error */
			if (s->got)
				answer_count(s, now);
			else
				st.errors++;
			return true;
		}
		if (s->got < sizeof(s->head))
			memcpy(s->head + s->got, buf,
			       (size_t)n < sizeof(s->head) - s->got ? (size_t)n
								    : sizeof(s->head) - s->got);
		s->got += (size_t)n;
		s->progress = now;
	}
}

static void sweep(int ep, struct slot *slots, int conc, uint64_t now)
{
	for (int i = 0; i < conc; i++) {
		struct slot *s = &slots[i];

		if (s->fd >= 0 && now - s->progress > stall_ns) {
			st.stalls++;
			slot_end(ep, s);
		}
		if (s->fd < 0)
			slot_start(ep, s, now);
	}
}

static int run(int conc, int secs)
{
	static struct epoll_event evs[512];
	struct slot *slots = calloc((size_t)conc, sizeof(*slots));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t now, end, last_sweep;

	if (!slots || ep < 0)
		return 1;
	now = last_sweep = t_start = now_ns();
	end = t_start + (uint64_t)secs * 1000000000ull;
	for (int i = 0; i < conc; i++) {
		slots[i].fd = -1;
		slot_start(ep, &slots[i], now);
	}
	while (now < end) {
		int n = epoll_wait(ep, evs, 512, 10);

		now = now_ns();
		for (int i = 0; i < n; i++) {
			struct slot *s = evs[i].data.ptr;

			if (slot_io(ep, s, now)) {
				slot_end(ep, s);
				slot_start(ep, s, now);
			}
		}
		if (now - last_sweep >= 10000000ull) {
			last_sweep = now;
			sweep(ep, slots, conc, now);
		}
	}
	for (int i = 0; i < conc; i++)
		slot_end(ep, &slots[i]);
	free(slots);
	close(ep);
	return 0;
}

static void report(int secs)
{
	printf("sent=%llu answered=%llu s2xx=%llu s4xx=%llu other=%llu stalls=%llu errors=%llu "
	       "rate=%.1f timeline=", (unsigned long long)st.sent,
	       (unsigned long long)st.answered, (unsigned long long)st.s2xx,
	       (unsigned long long)st.s4xx, (unsigned long long)st.other,
	       (unsigned long long)st.stalls, (unsigned long long)st.errors,
	       (double)st.answered / secs);
	for (int i = 0; i < secs; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)st.timeline[i]);
	printf("\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: http_flood -a ADDR -p PORT -S SOURCES [-c CONCURRENT] [-t SECS]\n"
		   "                  [-P PATH] [-H HOST] [-T STALL_MS]\n");
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *srcs = NULL, *path = "/", *host = "bench.test";
	int port = 0, conc = 256, secs = 10, opt;
	struct rlimit rl = { 65536, 65536 };

	while ((opt = getopt(argc, argv, "a:p:S:c:t:P:H:T:h")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'S': srcs = optarg; break;
		case 'c': conc = atoi(optarg); break;
		case 't': secs = atoi(optarg); break;
		case 'P': path = optarg; break;
		case 'H': host = optarg; break;
		case 'T': stall_ns = (uint64_t)atoi(optarg) * 1000000ull; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!addr || !srcs || port < 1 || port > 65535 || conc < 1 || conc > MAX_CONC ||
	    secs < 1 || secs > MAX_SECS || !stall_ns || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (addr_fill(addr, port, &target, &target_len)) {
		fprintf(stderr, "http_flood: '%s' is not an address\n", addr);
		return 2;
	}
	req_len = (size_t)snprintf(req, sizeof(req),
				   "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: http_flood\r\n"
				   "Connection: close\r\n\r\n", path, host);
	if (req_len >= sizeof(req)) {
		fprintf(stderr, "http_flood: path or host too long\n");
		return 2;
	}
	if (sources_load(srcs))
		return 1;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (run(conc, secs))
		return 1;
	report(secs);
	return 0;
}
