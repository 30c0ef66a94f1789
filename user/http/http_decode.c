// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Request field decoding for the WAF. Each transformation writes no more
 * than it reads, so all of them also work in place (out == in); hd_decode()
 * relies on that to chain them without a heap.
 */
#include <string.h>

#include "http/http_decode.h"

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Code point as UTF-8 into o (room for 4); returns the byte count. */
static size_t put_utf8(unsigned cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Appends n bytes if they fit; a sequence never lands half-written. */
static bool emit(char *out, size_t cap, size_t *o, const char *b, size_t n)
{
	if (*o + n > cap)
		return false;
	memmove(out + *o, b, n);
	*o += n;
	return true;
}

size_t hd_url_decode(const char *in, size_t len, char *out, size_t cap, bool plus)
{
	size_t i = 0, o = 0;

	while (i < len && o < cap) {
		unsigned char c = (unsigned char)in[i];
		int h, l;

		if (c == '%' && i + 2 < len && (h = hexval(in[i + 1])) >= 0 &&
		    (l = hexval(in[i + 2])) >= 0) {
			out[o++] = (char)(h << 4 | l);
			i += 3;
		} else if (c == '%' && i + 5 < len && (in[i + 1] | 0x20) == 'u') {
			unsigned cp = 0;
			bool ok = true;
			char u[4];

			for (int k = 2; k < 6; k++) {
				int v = hexval(in[i + k]);
				if (v < 0) {
					ok = false;
					break;
				}
				cp = cp << 4 | (unsigned)v;
			}
			/* Fullwidth ASCII (U+FF01..FF5E), as IIS maps it. */
			if (ok && cp >= 0xff01 && cp <= 0xff5e)
				cp -= 0xfee0;
			if (ok) {
				size_t n = put_utf8(cp, u);
				if (!emit(out, cap, &o, u, n))
					break;
				i += 6;
			} else {
				out[o++] = (char)c;
				i++;
			}
		} else {
			out[o++] = (plus && c == '+') ? ' ' : (char)c;
			i++;
		}
	}
	return o;
}

static const struct { const char *name; unsigned char len; unsigned cp; } entities[] = {
	{ "lt", 2, '<' }, { "gt", 2, '>' }, { "amp", 3, '&' }, { "quot", 4, '"' },
	{ "apos", 4, '\'' }, { "nbsp", 4, ' ' }, { "tab", 3, '\t' },
	{ "newline", 7, '\n' }, { "colon", 5, ':' }, { "sol", 3, '/' },
	{ "bsol", 4, '\\' }, { "lpar", 4, '(' }, { "rpar", 4, ')' },
	{ "semi", 4, ';' }, { "equals", 6, '=' }, { "comma", 5, ',' },
	{ "period", 6, '.' }, { "excl", 4, '!' }, { "grave", 5, '`' },
	{ "lsqb", 4, '[' }, { "rsqb", 4, ']' }, { "lcub", 4, '{' },
	{ "rcub", 4, '}' }, { "dollar", 6, '$' }, { "num", 3, '#' },
	{ "percnt", 6, '%' }, { "plus", 4, '+' }, { "ast", 3, '*' },
	{ "vert", 4, '|' }, { "quest", 5, '?' },
};

/* Length of the reference at in[0] == '&' and its code point; 0 if none. */
static size_t html_ref(const char *in, size_t len, unsigned *cp)
{
	size_t i = 1;

	if (len >= 3 && in[1] == '#') {
		bool hex = (in[2] | 0x20) == 'x';
		unsigned v = 0;
		size_t start;
		int d;

		i = hex ? 3 : 2;
		start = i;
		/* Leading zeros are a classic padding trick: accept any number. */
		while (i < len && (d = hex ? hexval(in[i]) :
				   (in[i] >= '0' && in[i] <= '9' ? in[i] - '0' : -1)) >= 0) {
			if (v <= 0x10ffff)
				v = v * (hex ? 16 : 10) + (unsigned)d;
			i++;
		}
		if (i == start)
			return 0;
		if (v > 0x10ffff || v == 0 || (v >= 0xd800 && v <= 0xdfff))
			v = 0xfffd;
		if (i < len && in[i] == ';')
			i++;
		*cp = v;
		return i;
	}
	for (size_t k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
		size_t n = entities[k].len;

		if (len > n && !strncasecmp(in + 1, entities[k].name, n)) {
			/* Without ';' only when no letter follows (&ltx is text). */
			if (len > n + 1 && in[n + 1] == ';') {
				*cp = entities[k].cp;
				return n + 2;
			}
			if (len == n + 1 || !((in[n + 1] | 0x20) >= 'a' && (in[n + 1] | 0x20) <= 'z')) {
				*cp = entities[k].cp;
				return n + 1;
			}
		}
	}
	return 0;
}

size_t hd_html_decode(const char *in, size_t len, char *out, size_t cap)
{
	size_t i = 0, o = 0;

	while (i < len && o < cap) {
		unsigned cp;
		size_t n;

		if (in[i] == '&' && (n = html_ref(in + i, len - i, &cp)) > 0) {
			char u[4];
			size_t k = put_utf8(cp, u);

			/* The reference is at least as long as its UTF-8 form. */
			if (!emit(out, cap, &o, u, k))
				break;
			i += n;
		} else {
			out[o++] = in[i++];
		}
	}
	return o;
}

size_t hd_utf8_overlong(const char *in, size_t len, char *out, size_t cap)
{
	size_t i = 0, o = 0;

	while (i < len && o < cap) {
		unsigned char a = (unsigned char)in[i];

		if ((a == 0xc0 || a == 0xc1) && i + 1 < len &&
		    ((unsigned char)in[i + 1] & 0xc0) == 0x80) {
			out[o++] = (char)(((a & 0x1f) << 6) | ((unsigned char)in[i + 1] & 0x3f));
			i += 2;
		} else if (a == 0xe0 && i + 2 < len && ((unsigned char)in[i + 1] & 0xe0) == 0x80 &&
			   ((unsigned char)in[i + 1] & 0x3e) == 0 &&
			   ((unsigned char)in[i + 2] & 0xc0) == 0x80) {
			/* E0 80..81 xx: overlong for < 0x80. */
			out[o++] = (char)((((unsigned char)in[i + 1] & 0x01) << 6) |
					  ((unsigned char)in[i + 2] & 0x3f));
			i += 3;
		} else if (a == 0xef && i + 2 < len &&
			   (((unsigned char)in[i + 1] == 0xbc && (unsigned char)in[i + 2] >= 0x81 &&
			     (unsigned char)in[i + 2] <= 0xbf) ||
			    ((unsigned char)in[i + 1] == 0xbd && (unsigned char)in[i + 2] >= 0x80 &&
			     (unsigned char)in[i + 2] <= 0x9e))) {
			/* Fullwidth forms U+FF01..FF5E: backends that fold them see ASCII. */
			unsigned cp = 0xf000 | (((unsigned char)in[i + 1] & 0x3f) << 6) |
				      ((unsigned char)in[i + 2] & 0x3f);
			out[o++] = (char)(cp - 0xfee0);
			i += 3;
		} else if (a == 0xf0 && i + 3 < len && (unsigned char)in[i + 1] == 0x80 &&
			   ((unsigned char)in[i + 2] & 0xfe) == 0x80 &&
			   ((unsigned char)in[i + 3] & 0xc0) == 0x80) {
			out[o++] = (char)((((unsigned char)in[i + 2] & 0x01) << 6) |
					  ((unsigned char)in[i + 3] & 0x3f));
			i += 4;
		} else {
			out[o++] = (char)a;
			i++;
		}
	}
	return o;
}

size_t hd_path_normalize(char *buf, size_t len, bool *escaped)
{
	size_t i = 0, o = 0;
	bool abs = len > 0 && buf[0] == '/';

	if (escaped)
		*escaped = false;
	/* Segment by segment; o is the output end, segments start after '/'. */
	while (i < len) {
		size_t s = i, n;

		while (i < len && buf[i] != '/')
			i++;
		n = i - s;
		if (n == 0 && i < len) {
			/* Empty segment ('//' or the leading '/'). */
			if (o == 0 || buf[o - 1] != '/')
				buf[o++] = '/';
			i++;
			continue;
		}
		if (n == 1 && buf[s] == '.') {
			if (i < len)
				i++;
			continue;
		}
		if (n == 2 && buf[s] == '.' && buf[s + 1] == '.') {
			/* Drop the previous segment, keeping its leading '/'. */
			size_t root = abs ? 1 : 0;

			if (o <= root) {
				if (escaped)
					*escaped = true;
			} else {
				if (buf[o - 1] == '/')
					o--;
				while (o > root && buf[o - 1] != '/')
					o--;
			}
			if (i < len)
				i++;
			continue;
		}
		memmove(buf + o, buf + s, n);
		o += n;
		if (i < len) {
			buf[o++] = '/';
			i++;
		}
	}
	return o;
}

/* Scratch on the stack for the stages that cannot run in place. */
size_t hd_decode(const char *in, size_t len, char *out, size_t cap, unsigned flags)
{
	size_t n;

	if (cap == 0)
		return 0;
	/* Keep a byte for the terminator. */
	n = len < cap - 1 ? len : cap - 1;
	memmove(out, in, n);

	if (flags & (HD_URL | HD_MULTI)) {
		int passes = (flags & HD_MULTI) ? HD_MAX_PASSES : 1;

		for (int p = 0; p < passes; p++) {
			size_t m;

			if (!memchr(out, '%', n) && !(p == 0 && (flags & HD_PLUS)))
				break;
			/* '+' only means space in the first pass: a decoded %2B is a plus. */
			m = hd_url_decode(out, n, out, n, p == 0 && (flags & HD_PLUS));
			if (m == n && p > 0)
				break;
			n = m;
		}
	}
	if (flags & HD_UTF8)
		n = hd_utf8_overlong(out, n, out, n);
	if (flags & HD_HTML) {
		/* Twice: "&amp;lt;" hides "<" behind one level. */
		n = hd_html_decode(out, n, out, n);
		if (memchr(out, '&', n))
			n = hd_html_decode(out, n, out, n);
	}
	if (flags & HD_NUL) {
		size_t o = 0;

		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)out[i];

			if (c == 0)
				continue;
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				c = ' ';
			out[o++] = (char)c;
		}
		n = o;
	}
	if (flags & HD_BACKSLASH)
		for (size_t i = 0; i < n; i++)
			if (out[i] == '\\')
				out[i] = '/';
	if (flags & HD_PATH)
		n = hd_path_normalize(out, n, NULL);
	if (flags & HD_LOWER)
		for (size_t i = 0; i < n; i++)
			if (out[i] >= 'A' && out[i] <= 'Z')
				out[i] = (char)(out[i] | 0x20);
	if (flags & HD_SPACE) {
		size_t o = 0;
		bool sp = false;

		for (size_t i = 0; i < n; i++) {
			char c = out[i];
			bool w = c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
				 c == '\v' || c == '\f';

			if (w && sp)
				continue;
			sp = w;
			out[o++] = w ? ' ' : c;
		}
		n = o;
	}
	out[n] = '\0';
	return n;
}

/* Bytes of a shell no-op at in[0] ($@, ${x}, <(), ...), 0 if none; *blank
 * is set when the construct expands to a separator ($IFS). */
static size_t shell_noop(const char *in, size_t len, bool *blank)
{
	*blank = false;
	if (len >= 2 && in[0] == '$' && (in[1] == '@' || in[1] == '*' ||
					 (in[1] >= '0' && in[1] <= '9')))
		return 2;
	if (len >= 3 && (in[0] == '$' || in[0] == '<') && in[1] == '(' && in[2] == ')')
		return 3;
	if (len >= 4 && in[0] == '$' && !strncmp(in + 1, "IFS", 3)) {
		*blank = true;
		return 4;
	}
	if (len >= 3 && in[0] == '$' && in[1] == '{') {
		size_t i = 2;

		while (i < len && i < 34 && ((in[i] | 0x20) >= 'a' && (in[i] | 0x20) <= 'z'))
			i++;
		if (i < len && in[i] == '}') {
			*blank = i == 5 && !strncmp(in + 2, "IFS", 3);
			return i + 1;
		}
	}
	return 0;
}

/* A quote at in[0] closed again before the next blank. */
static bool quote_pair(const char *in, size_t len)
{
	for (size_t i = 1; i < len && i < 64; i++) {
		if (in[i] == in[0])
			return true;
		if (in[i] == ' ' || in[i] == '\t' || in[i] == '\n' || in[i] == '\r')
			return false;
	}
	return false;
}

/*
 * A comment at in[i]: "/ * ... * /" (read by SQL as a blank: *blank), a
 * MySQL executable comment's opening "/ *!NNNNN" (its body runs: kept) or
 * the "* /" that ends one. Returns the bytes it takes, 0 if none.
 */
static size_t comment_len(const char *in, size_t len, size_t i, bool *blank)
{
	size_t e = i + 2;

	*blank = false;
	if (in[i] == '*' && i + 1 < len && in[i + 1] == '/')
		return 2;
	if (in[i] != '/' || i + 1 >= len || in[i + 1] != '*')
		return 0;
	if (e < len && in[e] == '!') {
		for (e++; e < len && in[e] >= '0' && in[e] <= '9'; e++)
			;
		return e - i;
	}
	while (e + 1 < len && !(in[e] == '*' && in[e + 1] == '/'))
		e++;
	*blank = true;
	return (e + 1 < len ? e + 2 : len) - i;
}

/* Typographic quotes (U+2018, U+2019, U+00B4) that some database charsets
 * fold to ': their length in bytes at in[i], 0 if none. */
static size_t fold_quote_len(const char *in, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)in + i;

	if (u[0] == 0xe2 && i + 2 < len && u[1] == 0x80 && (u[2] == 0x98 || u[2] == 0x99))
		return 3;
	if (u[0] == 0xc2 && i + 1 < len && u[1] == 0xb4)
		return 2;
	return 0;
}

size_t hd_deobfuscate(const char *in, size_t len, char *out, size_t cap)
{
	size_t i = 0, o = 0;
	bool changed = false;
	char pending = 0; /* the quote that closes a pair being removed */

	while (i < len && o < cap) {
		char c = in[i];
		bool blank;
		size_t n;

		if ((n = comment_len(in, len, i, &blank)) > 0) {
			i += n;
			changed = true;
			if (blank && o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		if ((c == '\'' || c == '"' || c == '`') && (c == pending || quote_pair(in + i, len - i))) {
			/* Only a pair inside one word: "I'd" stays, "c'a't" goes. */
			pending = c == pending ? 0 : c;
			i++;
			changed = true;
			continue;
		}
		if ((n = fold_quote_len(in, len, i)) > 0) {
			out[o++] = '\'';
			i += n;
			changed = true;
			continue;
		}
		if (c == '^' || (c == '\\' && i + 1 < len && in[i + 1] != '\n')) {
			i++;
			changed = true;
			continue;
		}
		if ((c == '$' || c == '<') && (n = shell_noop(in + i, len - i, &blank)) > 0) {
			i += n;
			changed = true;
			if (blank)
				c = ' ';
			else
				continue;
		} else {
			i++;
		}
		if ((c == ' ' || c == '\t') && o > 0 && out[o - 1] == ' ') {
			changed = true;
			continue;
		}
		if (c == '\t') {
			c = ' ';
			changed = true;
		}
		out[o++] = c;
	}
	return changed ? o : 0;
}
