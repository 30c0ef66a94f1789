// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Connection slot tables; see slots.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/slots.h"
#include "engine/uring_ud.h"

int slots_init(struct slot_table *t, uint32_t n, size_t stride)
{
	memset(t, 0, sizeof(*t));
	t->base = calloc(n ? n : 1, stride);
	if (!t->base)
		return -ENOMEM;
	t->n = n;
	t->stride = stride;
	for (uint32_t i = 0; i < n; i++)
		((struct slot *)slots_at(t, i))->next = i + 1 < n ? i + 1 : SLOT_NONE;
	t->free_head = n ? 0 : SLOT_NONE;
	return 0;
}

void slots_free(struct slot_table *t)
{
	free(t->base);
	memset(t, 0, sizeof(*t));
}

void *slots_take(struct slot_table *t)
{
	struct slot *s;
	uint32_t gen;

	if (t->free_head == SLOT_NONE)
		return NULL;
	s = slots_at(t, t->free_head);
	t->free_head = s->next;
	gen = (s->gen + 1) & UD_GEN_MASK;
	memset(s, 0, t->stride);
	s->gen = gen;
	s->next = SLOT_NONE;
	s->live = true;
	t->live++;
	return s;
}

void slots_put(struct slot_table *t, void *e)
{
	struct slot *s = e;

	s->live = false;
	s->next = t->free_head;
	t->free_head = slots_index(t, e);
	t->live--;
}

void *slots_lookup(const struct slot_table *t, uint32_t i, uint32_t gen)
{
	struct slot *s = slots_at(t, i);

	return s && s->live && s->gen == gen ? s : NULL;
}
