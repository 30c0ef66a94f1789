// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The connection slot table (engine/slots.h): every slot can be taken
 * once until put back, a take bumps the generation so an old completion
 * is recognised as stale, a taken element comes back zeroed.
 */
#include <criterion/criterion.h>

#include "engine/slots.h"
#include "engine/uring_ud.h"

struct elem {
	struct slot slot;
	int payload;
};

Test(slots, take_put_generation)
{
	struct slot_table t;
	struct elem *a, *b, *c;
	uint32_t ia, gen;

	cr_assert_eq(slots_init(&t, 2, sizeof(struct elem)), 0);
	a = slots_take(&t);
	b = slots_take(&t);
	cr_assert(a && b && a != b);
	cr_expect_null(slots_take(&t), "a full table gives nothing");
	cr_expect_eq(t.live, 2);
	ia = slots_index(&t, a);
	gen = a->slot.gen;
	cr_expect_eq(slots_lookup(&t, ia, gen), a);
	a->payload = 42;
	a->slot.inflight = 3;
	slots_put(&t, a);
	cr_expect_null(slots_lookup(&t, ia, gen), "a freed slot is stale");
	c = slots_take(&t);
	cr_expect_eq(c, a, "the freed slot is reused");
	cr_expect_eq(c->slot.gen, (gen + 1) & UD_GEN_MASK);
	cr_expect_eq(c->payload, 0);
	cr_expect_eq(c->slot.inflight, 0);
	cr_expect_null(slots_lookup(&t, ia, gen), "the old generation stays stale");
	cr_expect_eq(slots_lookup(&t, ia, c->slot.gen), c);
	cr_expect_null(slots_lookup(&t, 2, 0), "out of range");
	slots_free(&t);
}

Test(slots, generation_wraps_in_mask)
{
	struct slot_table t;
	struct elem *e;

	cr_assert_eq(slots_init(&t, 1, sizeof(struct elem)), 0);
	e = slots_take(&t);
	e->slot.gen = UD_GEN_MASK;
	slots_put(&t, e);
	e = slots_take(&t);
	cr_expect_eq(e->slot.gen, 0);
	slots_free(&t);
}
