// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Per-source connection counts; see srccap.h. */
#include <stdlib.h>

#include "engine/srccap.h"
#include "lib/keytab.h"

struct srccap {
	struct keytab *tab;
	uint32_t max;
};

/* A count of 0 is dead: its slot is the first to be reused. */
static void set_expiry(uint32_t n, uint64_t now_ms, uint64_t *expire_ms)
{
	*expire_ms = n ? UINT64_MAX : now_ms;
}

struct op {
	uint32_t max;		/* take: the cap; put: 0 */
	uint64_t now_ms;
	uint32_t count;
};

static int take_fn(void *val, bool fresh, uint64_t *expire_ms, void *arg)
{
	struct op *o = arg;
	uint32_t *n = val;

	(void)fresh;
	if (*n >= o->max)
		return 0;
	(*n)++;
	set_expiry(*n, o->now_ms, expire_ms);
	return 1;
}

static int put_fn(void *val, bool fresh, uint64_t *expire_ms, void *arg)
{
	struct op *o = arg;
	uint32_t *n = val;

	(void)fresh;
	if (*n)
		(*n)--;
	set_expiry(*n, o->now_ms, expire_ms);
	return 0;
}

static int count_fn(void *val, bool fresh, uint64_t *expire_ms, void *arg)
{
	struct op *o = arg;

	(void)fresh;
	(void)expire_ms;
	o->count = *(uint32_t *)val;
	return 0;
}

struct srccap *srccap_new(uint32_t max_per_source)
{
	struct srccap *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->max = max_per_source;
	s->tab = keytab_new(SRCCAP_ENTRIES, sizeof(uint32_t));
	if (!s->tab) {
		free(s);
		return NULL;
	}
	return s;
}

void srccap_free(struct srccap *s)
{
	if (!s)
		return;
	keytab_free(s->tab);
	free(s);
}

bool srccap_take(struct srccap *s, const struct aegis_addr *src, uint64_t now_ms)
{
	struct op o = { .max = s->max, .now_ms = now_ms };

	return keytab_update(s->tab, src, sizeof(*src), now_ms, true, take_fn, &o) == 1;
}

void srccap_put(struct srccap *s, const struct aegis_addr *src, uint64_t now_ms)
{
	struct op o = { .now_ms = now_ms };

	keytab_update(s->tab, src, sizeof(*src), now_ms, false, put_fn, &o);
}

uint32_t srccap_count(struct srccap *s, const struct aegis_addr *src, uint64_t now_ms)
{
	struct op o = { .now_ms = now_ms };

	keytab_update(s->tab, src, sizeof(*src), now_ms, false, count_fn, &o);
	return o.count;
}
