/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * http_decode: the transformations a request field goes through before the
 * WAF (or the hygiene checks) look at it. Attackers hide payloads behind
 * encodings a backend will undo (double percent-encoding, %uXXXX, overlong
 * UTF-8, HTML entities, '+' for space, NUL bytes, "/./" and "//" in paths);
 * matching must happen on what the backend will finally see.
 *
 * Every function reads exactly `len` bytes (the input need not be
 * NUL-terminated, may contain NULs), writes at most `cap` bytes to `out`,
 * never NUL-terminates unless it says so, and returns the output length.
 * No transformation grows its input, so cap >= len never truncates. Any
 * byte sequence is valid input: malformed escapes are copied literally.
 */
#ifndef AEGIS_HTTP_DECODE_H
#define AEGIS_HTTP_DECODE_H

#include <stdbool.h>
#include <stddef.h>

/* Flags for hd_decode(), applied in this order. */
enum hd_flags {
	HD_URL       = 1u << 0, /* percent-decoding, %uXXXX, '+' kept */
	HD_PLUS      = 1u << 1, /* '+' is a space (query strings, forms) */
	HD_MULTI     = 1u << 2, /* repeat HD_URL until stable (max HD_MAX_PASSES) */
	HD_UTF8      = 1u << 3, /* overlong and fullwidth forms of ASCII -> ASCII */
	HD_HTML      = 1u << 4, /* HTML entities: &lt; &#60; &#x3c; (';' optional) */
	HD_NUL       = 1u << 5, /* drop NUL bytes, other C0 controls and DEL -> ' ' */
	HD_BACKSLASH = 1u << 6, /* '\' -> '/' (Windows-style paths) */
	HD_PATH      = 1u << 7, /* collapse '//', resolve '.' and '..' */
	HD_LOWER     = 1u << 8, /* ASCII lowercase */
	HD_SPACE     = 1u << 9, /* runs of whitespace -> one ' ' */
};

#define HD_MAX_PASSES 4

/* The usual chains: a query/form argument and a request path. */
#define HD_ARG  (HD_URL | HD_PLUS | HD_MULTI | HD_UTF8 | HD_HTML | HD_NUL)
#define HD_PATHS (HD_URL | HD_MULTI | HD_UTF8 | HD_NUL)

/* One pass of percent-decoding ("%41" -> 'A', "%u0041" -> 'A', "%u00e9" ->
 * UTF-8); with plus, '+' -> ' '. Invalid escapes are copied as they are. */
size_t hd_url_decode(const char *in, size_t len, char *out, size_t cap, bool plus);

/* HTML character references: the common named ones and numeric (decimal and
 * hex, with or without the ';'), code points emitted as UTF-8. */
size_t hd_html_decode(const char *in, size_t len, char *out, size_t cap);

/* Overlong UTF-8 encodings of code points below 0x80 (C0 AF, E0 80 AF ...)
 * and fullwidth forms (U+FF01..U+FF5E) become the ASCII byte; everything
 * else is copied. */
size_t hd_utf8_overlong(const char *in, size_t len, char *out, size_t cap);

/* Path normalisation in place: '//' collapsed, "/./" removed, "/x/../"
 * resolved. *escaped (if not NULL) is set when a '..' tried to climb above
 * the root, the traversal sign the hygiene checks reject. */
size_t hd_path_normalize(char *buf, size_t len, bool *escaped);

/* The evasion-free reading of an argument, scanned besides the decoded one:
 * SQL inline comments removed (the body of a MySQL executable comment
 * kept), so SEL, an empty comment, ECT reads SELECT; shell quoting and escapes removed
 * ('' "" `` \ ^ $@ $* ${x} $1 <() $()), so "c'a't", "c\at" and "w^ho^ami"
 * read as the command; ${IFS} and $IFS become a blank; runs of blanks one
 * space. Returns the output length, 0 when the result equals the input
 * (nothing to scan twice). Never grows its input; works in place. */
size_t hd_deobfuscate(const char *in, size_t len, char *out, size_t cap);

/* Applies the flags in enum order. `out` receives the result, NUL-terminated
 * when there is room (cap > result). Uses no heap: scratch is `out` itself
 * plus a stack buffer bounded by HD_STACK; longer inputs are cut to cap. */
size_t hd_decode(const char *in, size_t len, char *out, size_t cap, unsigned flags);

#endif
