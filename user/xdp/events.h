/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * aegisd's reader of the XDP drop-event ring: one JSON line per event,
 * or, past EVENTS_DIRECT_PER_SEC events in a second, one summary line per
 * source and reason for that second, so a flood cannot flood the log.
 */
#ifndef AEGIS_EVENTS_H
#define AEGIS_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aegis/maps.h"

#define EVENTS_DIRECT_PER_SEC	20
#define EVENTS_SUMMARY_SLOTS	1024

struct ring_buffer;
typedef void (*events_hook)(const struct aegis_event *ev, void *ctx);

struct events_slot {
	struct aegis_addr addr;
	uint8_t reason;
	uint8_t used;
	uint16_t port;
	uint8_t proto;
	uint64_t count;
};

struct events {
	struct ring_buffer *rb;
	FILE *out;
	bool own_out;
	bool summary;
	uint64_t window_start_ns;	/* CLOCK_MONOTONIC second being counted */
	uint64_t in_window;
	uint64_t total, summarized, dropped_slots;
	struct events_slot slots[EVENTS_SUMMARY_SLOTS];
	events_hook hook;		/* every event, before logging; may be NULL */
	void *hook_ctx;
};

/* One ring record (any bytes: too short is ignored; reason, proto and
 * address come from the XDP program and are printed by name or number).
 * events_poll() calls it; exposed for the fuzz target. */
void events_decode(struct events *e, const void *data, size_t len);

/* path "" writes to stdout. Returns 0 or negative errno. */
/* ring_fd < 0: no ring (no XDP plane), the output for security events only. */
int events_open(struct events *e, int ring_fd, const char *path, bool summary);
int events_fd(const struct events *e);		/* for epoll; -1 without a ring */
void events_poll(struct events *e);		/* drain the ring */
void events_tick(struct events *e);		/* call at least once a second */
void events_close(struct events *e);
/* Hands every event to hook (the reputation engine's XDP input). */
void events_set_hook(struct events *e, events_hook hook, void *ctx);

#endif /* AEGIS_EVENTS_H */
