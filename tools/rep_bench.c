// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rep_bench: the reputation engine's cost on the request path. Producers
 * (one per worker) call rep_report() while the owner thread drains with
 * rep_tick(), as in aegisd; then readers call rep_action_of() on a full
 * table; and the owner's cost per report applied. Prints ns per call. Usage: rep_bench [WORKERS] [REPORTS_PER_WORKER]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "guard/reputation.h"

static struct rep *r;
static atomic_bool done;
static long per_worker = 5000000;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct aegis_addr addr_of(uint32_t i)
{
	struct aegis_addr a = { .w = { 0, 0, __builtin_bswap32(0xffff),
				       __builtin_bswap32(0xc6120000u | (i & 0xffff)) } };
	return a;
}

static void *producer(void *arg)
{
	unsigned int q = (unsigned int)(uintptr_t)arg;
	uint64_t t0 = now_ns();

	for (long i = 0; i < per_worker; i++) {
		struct aegis_addr a = addr_of((uint32_t)(i * 7 + q));

		rep_report(r, &a, AEGIS_REP_IN_CLEAN_REQUEST, q, 0);
	}
	return (void *)(uintptr_t)(now_ns() - t0);
}

static void *owner(void *arg)
{
	(void)arg;
	while (!atomic_load(&done))
		rep_tick(r, now_ns());
	rep_tick(r, now_ns());
	return NULL;
}

static void *reader(void *arg)
{
	uint64_t t0 = now_ns(), sum = 0;

	(void)arg;
	for (long i = 0; i < per_worker; i++) {
		struct aegis_addr a = addr_of((uint32_t)i * 13);

		sum += rep_action_of(r, &a);
	}
	if (sum == 42)
		puts("");
	return (void *)(uintptr_t)(now_ns() - t0);
}

int main(int argc, char **argv)
{
	unsigned int workers = argc > 1 ? (unsigned int)atoi(argv[1]) : 2;
	struct rep_cfg cfg;
	pthread_t own, th[64];
	struct rep_stats st;
	uint64_t ns = 0;
	char err[256];

	if (argc > 2)
		per_worker = atol(argv[2]);
	if (!workers || workers > 64 || per_worker <= 0) {
		fprintf(stderr, "usage: rep_bench [WORKERS 1-64] [REPORTS_PER_WORKER]\n");
		return 2;
	}
	rep_cfg_defaults(&cfg);
	cfg.enabled = true;
	if (rep_create(&r, &cfg, workers, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	pthread_create(&own, NULL, owner, NULL);
	for (unsigned int i = 0; i < workers; i++)
		pthread_create(&th[i], NULL, producer, (void *)(uintptr_t)i);
	for (unsigned int i = 0; i < workers; i++) {
		void *t;

		pthread_join(th[i], &t);
		ns += (uint64_t)(uintptr_t)t;
	}
	atomic_store(&done, true);
	pthread_join(own, NULL);
	rep_stats(r, &st);
	printf("rep_report: %u producers, %.1f ns/report, %llu applied, %llu dropped "
	       "(rings full while the owner lagged)\n", workers,
	       (double)ns / ((double)per_worker * workers), (unsigned long long)st.reports,
	       (unsigned long long)st.queue_drops);
	ns = 0;
	for (unsigned int i = 0; i < workers; i++)
		pthread_create(&th[i], NULL, reader, NULL);
	for (unsigned int i = 0; i < workers; i++) {
		void *t;

		pthread_join(th[i], &t);
		ns += (uint64_t)(uintptr_t)t;
	}
	uint64_t t0 = now_ns();

	for (long i = 0; i < per_worker; i++) {
		struct aegis_addr a = addr_of((uint32_t)i * 13);

		rep_apply(r, &a, AEGIS_REP_IN_CLEAN_REQUEST, 0, t0);
	}
	printf("rep_apply (owner thread): %.1f ns/report\n",
	       (double)(now_ns() - t0) / (double)per_worker);
	printf("rep_action_of: %u readers, %.1f ns/lookup over %llu tracked sources\n", workers,
	       (double)ns / ((double)per_worker * workers), (unsigned long long)st.entries);
	rep_destroy(r);
	return 0;
}
