// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * aegisctl top: a live view refreshed each second with plain ANSI codes,
 * laid out for an 80x24 terminal: packets in/dropped per second, drops by
 * reason, top sources by (sampled) drops, bans, map fill. q quits.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "lib/addr.h"
#include "ctl/ctl.h"
#include "lib/names.h"

#define TOP_SOURCES 64
#define TOP_ROWS_REASONS 8
#define TOP_ROWS_SOURCES 6

struct top_src {
	struct aegis_addr addr;
	uint64_t drops;		/* sampled events seen, decayed each refresh */
	uint8_t last_reason;
};

struct top {
	struct ctl *c;
	struct top_src src[TOP_SOURCES];
	unsigned int nsrc;
	uint64_t events;
};

static volatile sig_atomic_t top_stop;

static void top_on_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

static int top_event(void *ctx, void *data, size_t len)
{
	struct top *t = ctx;
	const struct aegis_event *ev = data;
	unsigned int i, min = 0;

	if (len < sizeof(*ev))
		return 0;
	t->events++;
	for (i = 0; i < t->nsrc; i++)
		if (!memcmp(&t->src[i].addr, &ev->saddr, sizeof(ev->saddr)))
			break;
	if (i == t->nsrc) {
		if (t->nsrc < TOP_SOURCES) {
			t->nsrc++;
		} else {	/* replace the quietest */
			for (i = 1; i < TOP_SOURCES; i++)
				if (t->src[i].drops < t->src[min].drops)
					min = i;
			i = min;
		}
		t->src[i].addr = ev->saddr;
		t->src[i].drops = 0;
	}
	t->src[i].drops++;
	t->src[i].last_reason = ev->reason;
	return 0;
}

static int cmp_src(const void *a, const void *b)
{
	const struct top_src *x = a, *y = b;

	return x->drops < y->drops ? 1 : x->drops > y->drops ? -1 : 0;
}

static void top_draw(struct top *t, const struct aegis_counter *now,
		     const struct aegis_counter *prev, bool tty)
{
	uint64_t in = 0, drop = 0;
	unsigned int rows = 0;
	long bans = maps_count(&t->c->maps, MAPS_BANS);
	long flows = maps_count(&t->c->maps, MAPS_FLOWS);

	for (int i = 0; i < AEGIS_STAT_MAX; i++) {
		uint64_t d = now[i].packets - prev[i].packets;

		in += d;
		if (i >= AEGIS_STAT_FIRST_DROP)
			drop += d;
	}
	if (tty)
		printf("\033[H\033[2J");
	printf("aegis top  prog %u   in %llu pps   dropped %llu pps   (q quits)\n\n",
	       t->c->maps.prog_id, (unsigned long long)in, (unsigned long long)drop);
	printf("%-20s %12s %16s\n", "DROP REASON", "PPS", "TOTAL");
	for (int i = AEGIS_STAT_FIRST_DROP; i < AEGIS_STAT_MAX && rows < TOP_ROWS_REASONS; i++) {
		if (!now[i].packets)
			continue;
		printf("%-20s %12llu %16llu\n", names_stat(i),
		       (unsigned long long)(now[i].packets - prev[i].packets),
		       (unsigned long long)now[i].packets);
		rows++;
	}
	for (; rows < TOP_ROWS_REASONS; rows++)
		printf("\n");
	printf("\n%-40s %10s  %s\n", "TOP SOURCES (sampled drops)", "EVENTS", "LAST REASON");
	qsort(t->src, t->nsrc, sizeof(t->src[0]), cmp_src);
	rows = 0;
	for (unsigned int i = 0; i < t->nsrc && rows < TOP_ROWS_SOURCES; i++) {
		char a[ADDR_STRLEN];

		if (!t->src[i].drops)
			continue;
		printf("%-40s %10llu  %s\n", addr_format(&t->src[i].addr, a, sizeof(a)),
		       (unsigned long long)t->src[i].drops, names_stat(t->src[i].last_reason));
		rows++;
	}
	for (; rows < TOP_ROWS_SOURCES; rows++)
		printf("\n");
	printf("\nbans %ld/%u   flows %ld/%u   events %llu\n", bans,
	       t->c->maps.max_entries[MAPS_BANS], flows, t->c->maps.max_entries[MAPS_FLOWS],
	       (unsigned long long)t->events);
	fflush(stdout);
	/* Halve history each refresh so the list follows the current attack. */
	for (unsigned int i = 0; i < t->nsrc; i++)
		t->src[i].drops /= 2;
}

/* Waits up to ms for input; true if the operator pressed q. */
static bool top_wait_key(int ms, bool tty)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	char ch;

	if (!tty) {
		poll(NULL, 0, ms);
		return false;
	}
	if (poll(&p, 1, ms) > 0 && read(STDIN_FILENO, &ch, 1) == 1)
		return ch == 'q' || ch == 'Q';
	return false;
}

int do_top(struct ctl *c, int argc, char **argv)
{
	struct aegis_counter prev[AEGIS_STAT_MAX], now[AEGIS_STAT_MAX];
	struct sigaction sa = { .sa_handler = top_on_signal };
	struct termios old, raw;
	struct top *t;
	struct ring_buffer *rb;
	uint32_t count = 0;
	bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);

	if (ctl_is_help(argc, argv)) {
		printf("Usage: aegisctl top [count N]\n"
		       "Live view refreshed each second; q or Ctrl-C quits; count N stops after N frames.\n");
		return CTL_OK;
	}
	if (argc == 2 && !strcmp(argv[0], "count")) {
		if (ctl_parse_u32("count", argv[1], UINT32_MAX, &count))
			return CTL_USAGE;
	} else if (argc) {
		return ctl_usage("top: unexpected argument '%s'", argv[0]);
	}
	if (c->json)
		return ctl_usage("top: no JSON form; use 'stats' with -j");
	if (ctl_maps(c))
		return CTL_ERR;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ctl_fail("out of memory");
	t->c = c;
	rb = ring_buffer__new(c->maps.fd[MAPS_EVENTS], top_event, t, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (tty && !tcgetattr(STDIN_FILENO, &old)) {
		raw = old;
		raw.c_lflag &= (tcflag_t)~(ICANON | ECHO);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	maps_stats_read(&c->maps, prev);
	for (uint32_t frame = 0; !top_stop && (!count || frame < count); frame++) {
		if (top_wait_key(1000, tty))
			break;
		if (rb)
			ring_buffer__consume(rb);
		if (maps_stats_read(&c->maps, now))
			break;
		top_draw(t, now, prev, tty);
		memcpy(prev, now, sizeof(now));
	}
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
	ring_buffer__free(rb);
	free(t);
	return CTL_OK;
}
