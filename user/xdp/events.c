// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Drop events to JSON lines, with flood summaries; see events.h. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "lib/addr.h"
#include "xdp/events.h"
#include "lib/json.h"
#include "lib/log.h"
#include "xdp/maps.h"
#include "lib/names.h"

static void events_write(struct events *e, const char *type, const struct aegis_addr *a,
			 unsigned int reason, unsigned int proto, unsigned int port,
			 uint64_t count, unsigned int len)
{
	char ts[40], src[ADDR_STRLEN];
	struct json j;

	log_timestamp(ts, sizeof(ts));
	json_init(&j, e->out);
	json_obj_open(&j);
	json_kstr(&j, "time", ts);
	json_kstr(&j, "type", type);
	json_kstr(&j, "layer", "xdp");
	json_kstr(&j, "source", addr_format(a, src, sizeof(src)));
	json_kstr(&j, "reason", names_stat(reason));
	json_kstr(&j, "action", "drop");
	json_ku64(&j, "protocol", proto);
	json_ku64(&j, "port", port);
	if (count)
		json_ku64(&j, "events", count);
	else
		json_ku64(&j, "length", len);
	json_obj_close(&j);
}

static uint32_t slot_hash(const struct aegis_addr *a, uint8_t reason)
{
	uint32_t h = 2166136261u;
	const unsigned char *p = (const unsigned char *)a;

	for (size_t i = 0; i < sizeof(*a); i++)
		h = (h ^ p[i]) * 16777619u;
	return (h ^ reason) * 16777619u;
}

static void summarize(struct events *e, const struct aegis_event *ev)
{
	uint32_t h = slot_hash(&ev->saddr, ev->reason);

	for (uint32_t i = 0; i < 16; i++) {
		struct events_slot *s = &e->slots[(h + i) % EVENTS_SUMMARY_SLOTS];

		if (s->used && s->reason == ev->reason &&
		    !memcmp(&s->addr, &ev->saddr, sizeof(s->addr))) {
			s->count++;
			return;
		}
		if (!s->used) {
			*s = (struct events_slot){ .addr = ev->saddr, .reason = ev->reason,
						   .used = 1, .port = ev->dport,
						   .proto = ev->proto, .count = 1 };
			return;
		}
	}
	e->dropped_slots++;	/* table crowded: aegisd's status line shows it */
}

static int on_event(void *ctx, void *data, size_t len)
{
	events_decode(ctx, data, len);
	return 0;
}

void events_decode(struct events *e, const void *data, size_t len)
{
	struct aegis_event evbuf;
	const struct aegis_event *ev = &evbuf;

	if (len < sizeof(evbuf))
		return;
	memcpy(&evbuf, data, sizeof(evbuf));	/* a record need not be aligned */
	e->total++;
	if (e->hook)
		e->hook(ev, e->hook_ctx);
	if (maps_now_ns() - e->window_start_ns >= 1000000000ull)
		events_tick(e);
	if (!e->summary || ++e->in_window <= EVENTS_DIRECT_PER_SEC) {
		events_write(e, "drop", &ev->saddr, ev->reason, ev->proto, ev->dport, 0, ev->len);
		return;
	}
	e->summarized++;
	summarize(e, ev);
}

int events_open(struct events *e, int ring_fd, const char *path, bool summary)
{
	memset(e, 0, sizeof(*e));
	e->summary = summary;
	e->out = stdout;
	if (path && path[0]) {
		e->out = fopen(path, "ae");
		if (!e->out)
			return -errno;
		e->own_out = true;
		setvbuf(e->out, NULL, _IOLBF, 0);
	}
	if (ring_fd < 0)	/* no XDP plane: security events only */
		return 0;
	e->rb = ring_buffer__new(ring_fd, on_event, e, NULL);
	if (!e->rb) {
		int ret = -errno;

		events_close(e);
		return ret;
	}
	e->window_start_ns = maps_now_ns();
	return 0;
}

int events_fd(const struct events *e)
{
	return e->rb ? ring_buffer__epoll_fd(e->rb) : -1;
}

void events_poll(struct events *e)
{
	if (e->rb)
		ring_buffer__consume(e->rb);
	fflush(e->out);
}

void events_tick(struct events *e)
{
	for (size_t i = 0; i < EVENTS_SUMMARY_SLOTS; i++) {
		struct events_slot *s = &e->slots[i];

		if (!s->used)
			continue;
		events_write(e, "summary", &s->addr, s->reason, s->proto, s->port, s->count, 0);
		s->used = 0;
	}
	e->in_window = 0;
	e->window_start_ns = maps_now_ns();
	fflush(e->out);
}

void events_close(struct events *e)
{
	if (e->rb)
		events_tick(e);
	ring_buffer__free(e->rb);
	e->rb = NULL;
	if (e->own_out && e->out)
		fclose(e->out);
	e->out = NULL;
}

void events_set_hook(struct events *e, events_hook hook, void *ctx)
{
	e->hook = hook;
	e->hook_ctx = ctx;
}
