// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The health-check thread; see healthcheck.h. A probe is a non-blocking
 * connect() watched with poll(): writable with SO_ERROR 0 is a pass,
 * anything else (refused, unreachable, no answer by the deadline) a
 * failure. The probe list changes only on add/remove, under a mutex the
 * thread also holds while it scans; probes never block the workers.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "engine/health.h"
#include "engine/healthcheck.h"
#include "lib/log.h"
#include "engine/proxy.h"

#define HC_TICK_MS 20

struct hc_probe {
	struct proxy *px;		/* holds a reference */
	struct lb *lb;
	size_t idx;
	struct health h;
	int fd;				/* connect in flight, or -1 */
};

struct healthcheck {
	pthread_t thread;
	pthread_mutex_t lock;
	bool stop;
	struct hc_probe *probes;
	size_t n, cap;
	unsigned int stagger;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void target_text(const struct hc_probe *p, char *buf, size_t len)
{
	const struct sockaddr_storage *ss = lb_target_addr(p->lb, p->idx);
	struct aegis_addr a;
	char host[ADDR_STRLEN];

	proxy_addr_of(ss, &a);
	snprintf(buf, len, "%s port %u", addr_format(&a, host, sizeof(host)),
		 ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
						 : ((const struct sockaddr_in *)ss)->sin_port));
}

static void log_transition(const struct hc_probe *p)
{
	char t[96];

	target_text(p, t, sizeof(t));
	if (p->h.healthy)
		log_info("proxy %s: upstream %s healthy again (%u passes)", p->px->cfg.name, t,
			 p->h.p.pass_threshold);
	else
		log_warn("proxy %s: upstream %s ejected (%u failed checks)", p->px->cfg.name, t,
			 p->h.p.fail_threshold);
}

static void probe_close(struct hc_probe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static void probe_end(struct hc_probe *p, bool ok, uint64_t now)
{
	probe_close(p);
	if (health_probe_end(&p->h, ok, now))
		log_transition(p);
}

static void probe_start(struct hc_probe *p, uint64_t now)
{
	const struct sockaddr_storage *ss = lb_target_addr(p->lb, p->idx);
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : sizeof(struct sockaddr_in);
	uint64_t deadline;

	if (health_probe_begin(&p->h, now, &deadline))
		return;
	p->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		probe_end(p, false, now);
		return;
	}
	if (connect(p->fd, (const struct sockaddr *)ss, len) == 0)
		probe_end(p, true, now);
	else if (errno != EINPROGRESS)
		probe_end(p, false, now);
}

/* One pass: finish probes whose connect completed, expire late ones,
 * start due ones. Called with the lock held. */
static void scan(struct healthcheck *hc, struct pollfd *pfd, size_t npfd)
{
	uint64_t now = now_ns();

	for (size_t i = 0, k = 0; i < hc->n; i++) {
		struct hc_probe *p = &hc->probes[i];

		if (p->fd >= 0 && k < npfd && pfd[k].fd == p->fd) {
			if (pfd[k].revents) {
				int soerr = 0;
				socklen_t sl = sizeof(soerr);

				getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
				probe_end(p, soerr == 0 && !(pfd[k].revents & (POLLERR | POLLHUP)), now);
			}
			k++;
		}
		if (p->fd >= 0 && now >= p->h.deadline_ns) {
			probe_close(p);
			if (health_probe_expire(&p->h, now))
				log_transition(p);
		}
		if (p->fd < 0 && health_probe_due(&p->h, now))
			probe_start(p, now);
	}
}

static void *hc_main(void *arg)
{
	struct healthcheck *hc = arg;
	struct pollfd *pfd = NULL;
	size_t cap = 0;

	for (;;) {
		size_t n = 0;

		pthread_mutex_lock(&hc->lock);
		if (hc->stop) {
			pthread_mutex_unlock(&hc->lock);
			break;
		}
		if (cap < hc->n) {
			struct pollfd *np = realloc(pfd, hc->n * sizeof(*pfd));

			if (np) {
				pfd = np;
				cap = hc->n;
			}
		}
		for (size_t i = 0; i < hc->n && n < cap; i++)
			if (hc->probes[i].fd >= 0)
				pfd[n++] = (struct pollfd){ .fd = hc->probes[i].fd, .events = POLLOUT };
		pthread_mutex_unlock(&hc->lock);
		poll(pfd, n, HC_TICK_MS);
		pthread_mutex_lock(&hc->lock);
		scan(hc, pfd, n);
		pthread_mutex_unlock(&hc->lock);
	}
	free(pfd);
	return NULL;
}

int healthcheck_start(struct healthcheck **out)
{
	struct healthcheck *hc = calloc(1, sizeof(*hc));
	int ret;

	if (!hc)
		return -ENOMEM;
	pthread_mutex_init(&hc->lock, NULL);
	ret = pthread_create(&hc->thread, NULL, hc_main, hc);
	if (ret) {
		pthread_mutex_destroy(&hc->lock);
		free(hc);
		return -ret;
	}
	*out = hc;
	return 0;
}

void healthcheck_add(struct healthcheck *hc, struct proxy *px)
{
	const struct proxy_health_cfg *c = &px->cfg.health;
	struct health_params hp = {
		.interval_ns = (uint64_t)c->interval_ms * 1000000,
		.timeout_ns = (uint64_t)c->timeout_ms * 1000000,
		.fail_threshold = c->fails,
		.pass_threshold = c->passes,
	};
	uint64_t now = now_ns();

	if (!hc || !c->enabled)
		return;
	pthread_mutex_lock(&hc->lock);
	for (size_t l = 0; l < px->n_lbs; l++)
		for (size_t i = 0; i < lb_count(px->lbs[l]); i++) {
			struct hc_probe *p;

			if (hc->n == hc->cap) {
				size_t cap = hc->cap ? hc->cap * 2 : 16;
				struct hc_probe *np = realloc(hc->probes, cap * sizeof(*np));

				if (!np) {
					log_error("health checks: out of memory");
					goto out;
				}
				hc->probes = np;
				hc->cap = cap;
			}
			p = &hc->probes[hc->n++];
			memset(p, 0, sizeof(*p));
			p->px = px;
			p->lb = px->lbs[l];
			p->idx = i;
			p->fd = -1;
			proxy_get(px);
			health_init(&p->h, &hp, lb_target_state(p->lb, i), now, hc->stagger++);
		}
out:
	pthread_mutex_unlock(&hc->lock);
}

void healthcheck_remove(struct healthcheck *hc, struct proxy *px)
{
	size_t kept = 0;

	if (!hc)
		return;
	pthread_mutex_lock(&hc->lock);
	for (size_t i = 0; i < hc->n; i++) {
		struct hc_probe *p = &hc->probes[i];

		if (p->px != px) {
			hc->probes[kept++] = *p;
			continue;
		}
		if (p->fd >= 0)
			close(p->fd);
		proxy_put(p->px);
	}
	hc->n = kept;
	pthread_mutex_unlock(&hc->lock);
}

void healthcheck_stop(struct healthcheck *hc)
{
	if (!hc)
		return;
	pthread_mutex_lock(&hc->lock);
	hc->stop = true;
	pthread_mutex_unlock(&hc->lock);
	pthread_join(hc->thread, NULL);
	for (size_t i = 0; i < hc->n; i++) {
		if (hc->probes[i].fd >= 0)
			close(hc->probes[i].fd);
		proxy_put(hc->probes[i].px);
	}
	free(hc->probes);
	pthread_mutex_destroy(&hc->lock);
	free(hc);
}
