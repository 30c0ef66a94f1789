// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/http/http_decode.c: what the WAF sees after the backend's decoding. */
#include <criterion/criterion.h>
#include <string.h>

#include "http/http_decode.h"

static const char *dec(const char *in, unsigned flags)
{
	static char out[512];
	size_t n = hd_decode(in, strlen(in), out, sizeof(out), flags);

	cr_assert_lt(n, sizeof(out));
	cr_assert_eq(out[n], '\0');
	return out;
}

Test(waf_decode, percent_and_plus)
{
	cr_expect_str_eq(dec("a%20b+c", HD_URL), "a b+c");
	cr_expect_str_eq(dec("a%20b+c", HD_URL | HD_PLUS), "a b c");
	cr_expect_str_eq(dec("%2B", HD_URL | HD_PLUS | HD_MULTI), "+"); /* a decoded plus is a plus */
	cr_expect_str_eq(dec("%41%4a%4A", HD_URL), "AJJ");
	cr_expect_str_eq(dec("%u0041%u003C", HD_URL), "A<");
	cr_expect_str_eq(dec("%uff1cscript%uFF1E", HD_URL), "<script>"); /* fullwidth */
	/* malformed escapes stay literal */
	cr_expect_str_eq(dec("100%", HD_URL), "100%");
	cr_expect_str_eq(dec("%zz%4", HD_URL), "%zz%4");
	cr_expect_str_eq(dec("%u12", HD_URL), "%u12");
}

Test(waf_decode, double_encoding)
{
	cr_expect_str_eq(dec("%252e%252e%252f", HD_URL), "%2e%2e%2f");
	cr_expect_str_eq(dec("%252e%252e%252f", HD_URL | HD_MULTI), "../");
	cr_expect_str_eq(dec("%25252527", HD_URL | HD_MULTI), "'");
	cr_expect_str_eq(dec("..%2f..%2fetc", HD_PATHS), "../../etc");
	cr_expect_str_eq(dec("..%5c..%5cwin.ini", HD_PATHS | HD_BACKSLASH), "../../win.ini");
}

Test(waf_decode, overlong_utf8)
{
	cr_expect_str_eq(dec("..%c0%af..%c0%afetc", HD_URL | HD_UTF8), "../../etc");
	cr_expect_str_eq(dec("%c0%ae%c0%ae/", HD_URL | HD_UTF8), "../");
	cr_expect_str_eq(dec("%e0%80%af", HD_URL | HD_UTF8), "/");
	cr_expect_str_eq(dec("%f0%80%80%af", HD_URL | HD_UTF8), "/");
	cr_expect_str_eq(dec("%ef%bc%9cb%ef%bc%9e", HD_URL | HD_UTF8), "<b>");
	/* real UTF-8 untouched */
	cr_expect_str_eq(dec("caf\xc3\xa9 \xe2\x82\xac", HD_UTF8), "caf\xc3\xa9 \xe2\x82\xac");
	/* a lone lead byte at the end is copied */
	cr_expect_str_eq(dec("a\xc0", HD_UTF8), "a\xc0");
}

Test(waf_decode, html_entities)
{
	cr_expect_str_eq(dec("&lt;script&gt;", HD_HTML), "<script>");
	cr_expect_str_eq(dec("&#60;&#x3C;&#X3c;&#0000060;", HD_HTML), "<<<<");
	cr_expect_str_eq(dec("&#60&#x3e", HD_HTML), "<>");  /* no ';' */
	cr_expect_str_eq(dec("&LT;&quot;&apos;&colon;", HD_HTML), "<\"':");
	cr_expect_str_eq(dec("&amp;lt;", HD_HTML), "<");    /* two levels */
	cr_expect_str_eq(dec("AT&T &ltx &foo; &#;", HD_HTML), "AT&T &ltx &foo; &#;");
	cr_expect_str_eq(dec("&#233;", HD_HTML), "\xc3\xa9");
	cr_expect_str_eq(dec("&#99999999999;", HD_HTML), "\xef\xbf\xbd");
	cr_expect_str_eq(dec("%26lt;b%26gt;", HD_ARG), "<b>");
}

Test(waf_decode, nul_and_controls)
{
	char out[16];
	size_t n = hd_decode("a\0b\x01" "c\x7f\td", 8, out, sizeof(out), HD_NUL);

	cr_expect_eq(n, 7);
	cr_expect_str_eq(out, "ab c \td");
	cr_expect_str_eq(dec("file.php%00.jpg", HD_URL | HD_NUL), "file.php.jpg");
	n = hd_decode("file.php%00.jpg", 15, out, sizeof(out), HD_URL);
	cr_expect_eq(n, 13);
	cr_expect_eq(out[8], '\0');
}

Test(waf_decode, case_and_space)
{
	cr_expect_str_eq(dec("SeLeCt%20FrOm", HD_URL | HD_LOWER), "select from");
	cr_expect_str_eq(dec("a \t\n b\r\n\nc", HD_SPACE), "a b c");
}

Test(waf_decode, path_normalisation)
{
	static const struct { const char *in, *out; bool esc; } t[] = {
		{ "/a//b///c", "/a/b/c", false }, { "/a/./b/.", "/a/b/", false },
		{ "/a/b/../c", "/a/c", false }, { "/a/b/..", "/a/", false },
		{ "/../etc/passwd", "/etc/passwd", true }, { "/a/../../b", "/b", true },
		{ "a/../../b", "b", true }, { "/", "/", false }, { "", "", false },
		{ "/..", "/", true }, { "/a/.../b", "/a/.../b", false }, { "//", "/", false },
		{ "/a/b/", "/a/b/", false }, { "./x", "x", false },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[64];
		bool esc;
		size_t n = strlen(t[i].in);

		memcpy(buf, t[i].in, n);
		n = hd_path_normalize(buf, n, &esc);
		buf[n] = '\0';
		cr_expect_str_eq(buf, t[i].out, "%s", t[i].in);
		cr_expect_eq(esc, t[i].esc, "%s", t[i].in);
	}
	cr_expect_str_eq(dec("/static/%2e%2e/%2e%2e//admin/./x", HD_PATHS | HD_PATH), "/admin/x");
}

Test(waf_decode, bounded_output)
{
	char out[8];
	size_t n;

	memset(out, 'Z', sizeof(out));
	n = hd_decode("abcdefghijklmnop", 16, out, sizeof(out), HD_ARG);
	cr_expect_eq(n, 7);
	cr_expect_str_eq(out, "abcdefg");
	cr_expect_eq(hd_decode("abc", 3, out, 0, HD_ARG), 0);
	cr_expect_eq(out[0], 'a'); /* cap 0: nothing written */
	n = hd_url_decode("%u00e9%u00e9", 12, out, 3, false); /* 2-byte chars: only one fits */
	cr_expect_eq(n, 2);
	n = hd_html_decode("&#233;&#233;", 12, out, 3);
	cr_expect_eq(n, 2);
}
