// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The layouts aegisd and aegisctl check every opened map against
 * (xdp/maps.c) are the program's own: every map of the real object, by
 * name, passes maps_check_layout. A map whose type, key or value changes
 * in bpf/ without userspace following fails here, not on an operator's
 * box as "stale pin".
 */
#include "harness.h"
#include "xdp/maps.h"

TestSuite(layouts, .init = h_setup, .fini = h_teardown);

Test(layouts, every_map_of_the_object_passes_the_check)
{
	struct bpf_map *map;
	unsigned int seen = 0;
	char err[256];

	bpf_object__for_each_map(map, skel->obj) {
		const char *name = bpf_map__name(map);
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int id;

		if (strncmp(name, "aegis_", 6))
			continue;	/* .rodata, .bss and friends */
		for (id = 0; id < MAPS_COUNT; id++)
			if (!strcmp(maps_name(id), name))
				break;
		cr_assert_lt(id, MAPS_COUNT, "%s: a map userspace does not know", name);
		cr_assert_eq(bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len), 0);
		err[0] = 0;
		cr_expect_eq(maps_check_layout(id, info.type, info.key_size, info.value_size,
					       info.max_entries, err, sizeof(err)), 0,
			     "%s: %s", name, err);
		seen++;
	}
	cr_assert_eq(seen, MAPS_COUNT, "object has %u aegis maps, userspace knows %d",
		     seen, MAPS_COUNT);
}
