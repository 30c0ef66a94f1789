// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Streaming JSON writer; see json.h. */
#include <inttypes.h>
#include <math.h>

#include "lib/json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
	j->after_key = false;
}

/* Separator before a value or key at the current level. */
static void json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
}

static void json_open(struct json *j, char c)
{
	json_sep(j);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void json_close(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_obj_open(struct json *j) { json_open(j, '{'); }
void json_obj_close(struct json *j) { json_close(j, '}'); }
void json_arr_open(struct json *j) { json_open(j, '['); }
void json_arr_close(struct json *j) { json_close(j, ']'); }

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs,
 * surrogates or code points past U+10FFFF), or 0. p is NUL-terminated. */
static int utf8_seq(const unsigned char *p)
{
	int n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* Attacker bytes (User-Agent, Host, paths) land here: control characters
 * are escaped and each byte that is not well-formed UTF-8 becomes U+FFFD,
 * so the output is always valid JSON (RFC 8259 requires UTF-8). */
void json_write_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		int n;

		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
			} else if (*p < 0x80) {
				fputc(*p, f);
			} else if ((n = utf8_seq(p))) {
				fwrite(p, 1, (size_t)n, f);
				p += n - 1;
			} else {
				fputs("\\ufffd", f);
			}
		}
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *k)
{
	json_sep(j);
	json_write_string(j->f, k);
	fputc(':', j->f);
	j->after_key = true;
}

void json_str(struct json *j, const char *s) { json_sep(j); json_write_string(j->f, s); }
void json_u64(struct json *j, uint64_t v) { json_sep(j); fprintf(j->f, "%" PRIu64, v); }
void json_i64(struct json *j, int64_t v) { json_sep(j); fprintf(j->f, "%" PRId64, v); }
void json_bool(struct json *j, bool v) { json_sep(j); fputs(v ? "true" : "false", j->f); }
void json_null_value(struct json *j) { json_sep(j); fputs("null", j->f); }

void json_double(struct json *j, double v)
{
	json_sep(j);
	if (isfinite(v))
		fprintf(j->f, "%.3f", v);
	else
		fputs("null", j->f);
}

void json_kstr(struct json *j, const char *k, const char *v) { json_key(j, k); json_str(j, v); }
void json_ku64(struct json *j, const char *k, uint64_t v) { json_key(j, k); json_u64(j, v); }
void json_ki64(struct json *j, const char *k, int64_t v) { json_key(j, k); json_i64(j, v); }
void json_kdouble(struct json *j, const char *k, double v) { json_key(j, k); json_double(j, v); }
void json_kbool(struct json *j, const char *k, bool v) { json_key(j, k); json_bool(j, v); }
