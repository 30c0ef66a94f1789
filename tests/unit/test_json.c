// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/lib/json.c: commas, nesting and escaping. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/json.h"

static char *render(void (*fn)(struct json *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	fn(&j);
	fclose(f);
	return buf;
}

static void nested(struct json *j)
{
	json_obj_open(j);
	json_kstr(j, "a", "x");
	json_key(j, "list");
	json_arr_open(j);
	json_u64(j, 1);
	json_i64(j, -2);
	json_obj_open(j);
	json_kbool(j, "t", true);
	json_obj_close(j);
	json_null_value(j);
	json_arr_close(j);
	json_kdouble(j, "d", 1.5);
	json_obj_close(j);
}

static void escapes(struct json *j)
{
	json_arr_open(j);
	json_str(j, "q\"b\\n\nt\tc\x01\x7f");
	json_str(j, NULL);
	json_arr_close(j);
}

Test(json, nesting_and_commas)
{
	char *s = render(nested);

	cr_assert_str_eq(s, "{\"a\":\"x\",\"list\":[1,-2,{\"t\":true},null],\"d\":1.500}\n");
	free(s);
}

Test(json, escaping)
{
	char *s = render(escapes);

	cr_assert_str_eq(s, "[\"q\\\"b\\\\n\\nt\\tc\\u0001\\u007f\",\"\"]\n");
	free(s);
}
