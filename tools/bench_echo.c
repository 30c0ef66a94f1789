// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_echo: the upstream of the proxy benchmarks (tools/bench_proxy.sh).
 * A TCP and UDP echo server on one port, one thread, epoll, non-blocking:
 * cheap enough per connection that the proxy in front of it, not this
 * server, is what a connection-rate benchmark measures.
 *
 *   bench_echo -p PORT [-a ADDR] [-t MAX_SECONDS]
 *
 * TCP: every byte read is written back; a client's EOF closes the
 * connection once everything is echoed (the client closes first, so
 * TIME_WAIT stays on the client side). UDP: each datagram goes back to its
 * sender. ADDR defaults to :: (dual stack). The server exits on SIGTERM or
 * SIGINT, and after MAX_SECONDS (default 900) whatever happens, so a
 * forgotten one cannot outlive a benchmark by much.
 */
#include <errno.h>
#include <fcntl.h>
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

#define MAX_EVENTS 256
#define BUF_SIZE   65536
#define UDP_BATCH  32
#define UDP_MAX    2048

/* A connection whose echo could not be written at once keeps the rest
 * here and stops reading until the socket is writable again. */
struct conn {
	int fd;
	bool eof;
	size_t off, len;
	char *pending;
};

static volatile sig_atomic_t stop;
static char buf[BUF_SIZE];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_echo -p PORT [-a ADDR] [-t MAX_SECONDS]\n"
		   "TCP and UDP echo server (benchmark upstream); exits on SIGTERM\n");
}

static int make_socket(const char *addr, int port, int type)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1, zero = 0, fd;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return -1;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return -1;
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (type == SOCK_DGRAM) {
		int sz = 4 << 20;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	if (bind(fd, (struct sockaddr *)&ss, len) ||
	    (type == SOCK_STREAM && listen(fd, 4096))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void conn_close(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->pending);
	free(c);
}

/* Writes what is pending; returns -1 on a dead socket, 1 if some remains. */
static int conn_flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->pending + c->off, c->len - c->off, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN ? 1 : -1;
		c->off += (size_t)n;
	}
	c->off = c->len = 0;
	return 0;
}

static void conn_event(int ep, struct conn *c, uint32_t ev)
{
	struct epoll_event e = { .data.ptr = c };
	int r;

	if (c->len) {
		r = conn_flush(c);
		if (r < 0)
			goto dead;
		if (r > 0)
			return;
		/* Drained: read again. */
		e.events = EPOLLIN | EPOLLRDHUP;
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
		if (c->eof)
			goto dead;
	}
	if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		return;
	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0), w;

		if (n == 0) {
			c->eof = true;
			goto dead;
		}
		if (n < 0) {
			if (errno == EAGAIN)
				return;
			goto dead;
		}
		w = send(c->fd, buf, (size_t)n, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN)
			goto dead;
		if (w < 0)
			w = 0;
		if (w < n) {
			c->pending = malloc((size_t)(n - w));
			if (!c->pending)
				goto dead;
			memcpy(c->pending, buf + w, (size_t)(n - w));
			c->off = 0;
			c->len = (size_t)(n - w);
			e.events = EPOLLOUT;
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
			return;
		}
		if (n < (ssize_t)sizeof(buf))
			return;
	}
	return;
dead:
	conn_close(ep, c);
}

static void udp_event(int fd)
{
	static char dgram[UDP_BATCH][UDP_MAX];
	struct sockaddr_storage from[UDP_BATCH];
	struct mmsghdr msg[UDP_BATCH];
	struct iovec iov[UDP_BATCH];

	for (int rounds = 0; rounds < 64; rounds++) {
		int n, sent = 0;

		for (int i = 0; i < UDP_BATCH; i++) {
			iov[i] = (struct iovec){ dgram[i], UDP_MAX };
			msg[i].msg_hdr = (struct msghdr){
				.msg_name = &from[i], .msg_namelen = sizeof(from[i]),
				.msg_iov = &iov[i], .msg_iovlen = 1,
			};
		}
		n = recvmmsg(fd, msg, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++)
			iov[i].iov_len = msg[i].msg_len;
		/* Echo in a batch too; a full send buffer drops the rest, as UDP may. */
		while (sent < n) {
			int s = sendmmsg(fd, msg + sent, (unsigned)(n - sent), MSG_DONTWAIT);

			if (s <= 0)
				break;
			sent += s;
		}
		if (n < UDP_BATCH)
			return;
	}
}

int main(int argc, char **argv)
{
	const char *addr = "::";
	int port = 0, max_s = 900, opt, ep, lfd, ufd;
	struct epoll_event e, evs[MAX_EVENTS];
	struct rlimit rl;
	struct timespec t0, now;
	int listen_tag, udp_tag;

	while ((opt = getopt(argc, argv, "p:a:t:h")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 'a': addr = optarg; break;
		case 't': max_s = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (port <= 0 || port > 65535 || max_s <= 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	/* As many descriptors as the hard limit allows. */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	lfd = make_socket(addr, port, SOCK_STREAM);
	ufd = make_socket(addr, port, SOCK_DGRAM);
	if (lfd < 0 || ufd < 0) {
		fprintf(stderr, "bench_echo: cannot listen on %s port %d: %s\n", addr, port,
			strerror(errno));
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	/* The listeners are told apart from connections by these addresses. */
	e.events = EPOLLIN;
	e.data.ptr = &listen_tag;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e);
	e.data.ptr = &udp_tag;
	epoll_ctl(ep, EPOLL_CTL_ADD, ufd, &e);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	while (!stop) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, 500);

		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &udp_tag) {
				udp_event(ufd);
			} else if (evs[i].data.ptr == &listen_tag) {
				for (int k = 0; k < 64; k++) {
					int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
					struct conn *c;

					if (fd < 0)
						break;
					c = calloc(1, sizeof(*c));
					if (!c) {
						close(fd);
						continue;
					}
					c->fd = fd;
					e.events = EPOLLIN | EPOLLRDHUP;
					e.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
				}
			} else {
				conn_event(ep, evs[i].data.ptr, evs[i].events);
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= max_s) {
			fprintf(stderr, "bench_echo: %d s limit reached, exiting\n", max_s);
			break;
		}
	}
	return 0;
}
