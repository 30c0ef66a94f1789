/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small streaming JSON writer for aegisctl -j and aegisd's event and
 * log lines. Commas and nesting are tracked here so callers cannot emit
 * invalid JSON; strings are escaped per RFC 8259.
 */
#ifndef AEGIS_JSON_H
#define AEGIS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, FILE *f);
void json_obj_open(struct json *j);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j);
void json_arr_close(struct json *j);
void json_key(struct json *j, const char *k);
void json_str(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null_value(struct json *j);
/* key + value shorthands */
void json_kstr(struct json *j, const char *k, const char *v);
void json_ku64(struct json *j, const char *k, uint64_t v);
void json_ki64(struct json *j, const char *k, int64_t v);
void json_kdouble(struct json *j, const char *k, double v);
void json_kbool(struct json *j, const char *k, bool v);
/* Writes s as a JSON string (with quotes) to f. */
void json_write_string(FILE *f, const char *s);

#endif /* AEGIS_JSON_H */
