// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/guard/challenge.c and user/http/chal_page.c: tokens, proofs of work,
 * cookies, key rotation, the spent set, the answer and cookie parsers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard/challenge.h"
#include "http/chal_page.h"
#include "lib/addr.h"
#include "lib/b64url.h"

#define T0 1800000000ull	/* seconds: a fixed "now" */

static const uint8_t secret[AEGIS_CHAL_SECRET_LEN] = "0123456789abcdef0123456789abcde";

static struct challenge *mk(enum aegis_chal_binding b, uint32_t rotation, uint32_t spent)
{
	struct challenge_params p = { .rotation_s = rotation, .solve_s = rotation < 300 ? rotation : 300,
				      .spent_capacity = spent, .binding = b };
	struct challenge *ch;
	char err[256] = "";

	cr_assert_eq(challenge_new(&p, secret, &ch, err, sizeof(err)), 0, "%s", err);
	return ch;
}

static struct aegis_addr ip(const char *s)
{
	struct aegis_addr a;

	cr_assert_eq(addr_parse(s, &a), 0);
	return a;
}

/* The smallest nonce that solves token at bits. */
static void solve(const char *token, unsigned bits, char nonce[24])
{
	for (unsigned long long n = 0;; n++) {
		snprintf(nonce, 24, "%llu", n);
		if (challenge_pow_ok(token, strlen(token), nonce, strlen(nonce), bits))
			return;
	}
}

static enum aegis_chal_result verify(struct challenge *ch, const struct challenge_client *cl,
				     const char *tok, const char *nonce, uint64_t now_s)
{
	unsigned d;
	uint64_t at;

	return challenge_verify(ch, cl, tok, strlen(tok), nonce, nonce ? strlen(nonce) : 0, 3,
				now_s * 1000, &d, &at);
}

Test(challenge, b64url_round_trip)
{
	uint8_t in[31], out[31];
	char txt[64];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 1);
	for (size_t n = 0; n <= sizeof(in); n++) {
		cr_assert_eq(b64url_encode(in, n, txt, sizeof(txt)), 0);
		cr_assert_eq(strlen(txt), B64URL_LEN(n));
		cr_assert_eq(b64url_decode(txt, strlen(txt), out, sizeof(out)), (int)n);
		cr_assert(!memcmp(in, out, n));
	}
	cr_assert_eq(b64url_decode("A", 1, out, sizeof(out)), -EINVAL);
	cr_assert_eq(b64url_decode("AB", 2, out, sizeof(out)), -EINVAL, "non-zero padding bits");
	cr_assert_eq(b64url_decode("A+==", 4, out, sizeof(out)), -EINVAL);
}

Test(challenge, pow_round_trip)
{
	struct challenge *ch = mk(AEGIS_CHAL_BIND_IP, 3600, 1024);
	struct aegis_addr a = ip("198.18.0.2"), b = ip("198.18.0.3");
	struct challenge_client ca = { &a, NULL, 0 }, cb = { &b, NULL, 0 };
	char tok[AEGIS_CHAL_TOKEN_CHARS + 1], nonce[24], bad[24];
	unsigned d = 0;
	uint64_t at = 0;

	cr_assert_eq(challenge_issue(ch, &ca, 10, false, T0 * 1000 + 250, tok), 0);
	cr_assert_eq(strlen(tok), AEGIS_CHAL_TOKEN_CHARS);
	solve(tok, 10, nonce);
	for (unsigned long long n = 0;; n++) {	/* one that does not solve it */
		snprintf(bad, sizeof(bad), "%llu", n);
		if (!challenge_pow_ok(tok, strlen(tok), bad, strlen(bad), 10))
			break;
	}
	cr_assert_eq(verify(ch, &ca, tok, bad, T0 + 1), AEGIS_CHAL_WEAK);
	cr_assert_eq(verify(ch, &cb, tok, nonce, T0 + 1), AEGIS_CHAL_FORGED, "another client");
	cr_assert_eq(verify(ch, &ca, tok, "12x", T0 + 1), AEGIS_CHAL_MALFORMED);
	cr_assert_eq(verify(ch, &ca, tok, nonce, T0 + 301), AEGIS_CHAL_EXPIRED);
	cr_assert_eq(verify(ch, &ca, tok, nonce, T0 - 10), AEGIS_CHAL_EARLY, "issued in the future");
	cr_assert_eq(challenge_verify(ch, &ca, tok, strlen(tok), nonce, strlen(nonce), 0,
				      (T0 + 2) * 1000, &d, &at), AEGIS_CHAL_OK);
	cr_assert_eq(d, 10);
	cr_assert_eq(at, T0 * 1000 + 250);
	cr_assert_eq(verify(ch, &ca, tok, nonce, T0 + 3), AEGIS_CHAL_REPLAY, "spent once");
	challenge_free(ch);
}

/* Changing any byte of the token (salt, difficulty, time) breaks its MAC. */
Test(challenge, token_tamper)
{
	struct challenge *ch = mk(AEGIS_CHAL_BIND_IP, 3600, 1024);
	struct aegis_addr a = ip("2001:db8::5");
	struct challenge_client ca = { &a, NULL, 0 };
	char tok[AEGIS_CHAL_TOKEN_CHARS + 1], t2[AEGIS_CHAL_TOKEN_CHARS + 1], nonce[24];
	uint8_t raw[42];

	cr_assert_eq(challenge_issue(ch, &ca, 12, false, T0 * 1000, tok), 0);
	cr_assert_eq(b64url_decode(tok, strlen(tok), raw, sizeof(raw)), 42);
	raw[9] = 1;	/* difficulty 12 -> 1 */
	cr_assert_eq(b64url_encode(raw, sizeof(raw), t2, sizeof(t2)), 0);
	solve(t2, 1, nonce);
	cr_assert_eq(verify(ch, &ca, t2, nonce, T0 + 1), AEGIS_CHAL_FORGED, "difficulty lowered");
	b64url_decode(tok, strlen(tok), raw, sizeof(raw));
	raw[20] ^= 1;	/* the salt */
	b64url_encode(raw, sizeof(raw), t2, sizeof(t2));
	solve(t2, 12, nonce);
	cr_assert_eq(verify(ch, &ca, t2, nonce, T0 + 1), AEGIS_CHAL_FORGED, "salt chosen");
	/* A no-JS token is not a proof-of-work token, and the reverse. */
	cr_assert_eq(verify(ch, &ca, tok, NULL, T0 + 5), AEGIS_CHAL_MALFORMED);
	challenge_free(ch);
}

Test(challenge, nojs_time_lock)
{
	struct challenge *ch = mk(AEGIS_CHAL_BIND_IP, 3600, 1024);
	struct aegis_addr a = ip("198.18.0.2");
	struct challenge_client ca = { &a, NULL, 0 };
	char tok[AEGIS_CHAL_TOKEN_CHARS + 1];

	cr_assert_eq(challenge_issue(ch, &ca, 0, true, T0 * 1000, tok), 0);
	cr_assert_eq(verify(ch, &ca, tok, NULL, T0 + 1), AEGIS_CHAL_EARLY, "3 s wait not over");
	cr_assert_eq(verify(ch, &ca, tok, "0", T0 + 4), AEGIS_CHAL_MALFORMED, "not a PoW token");
	cr_assert_eq(verify(ch, &ca, tok, NULL, T0 + 4), AEGIS_CHAL_OK);
	cr_assert_eq(verify(ch, &ca, tok, NULL, T0 + 5), AEGIS_CHAL_REPLAY);
	challenge_free(ch);
}

Test(challenge, cookie_binding_and_expiry)
{
	struct challenge *ch = mk(AEGIS_CHAL_BIND_IP, 3600, 1024);
	struct aegis_addr a = ip("198.18.0.2"), b = ip("198.18.0.3");
	struct challenge_client ca = { &a, NULL, 0 }, cb = { &b, NULL, 0 };
	char ck[AEGIS_CHAL_COOKIE_CHARS + 1];
	unsigned d = 0;

	cr_assert_eq(challenge_cookie_mint(ch, &ca, 16, 600, T0, ck), 0);
	cr_assert_eq(strlen(ck), AEGIS_CHAL_COOKIE_CHARS);
	cr_assert_eq(challenge_cookie_check(ch, &ca, ck, strlen(ck), T0 + 599, &d), AEGIS_CHAL_OK);
	cr_assert_eq(d, 16);
	cr_assert_eq(challenge_cookie_check(ch, &cb, ck, strlen(ck), T0 + 1, &d), AEGIS_CHAL_FORGED);
	cr_assert_eq(challenge_cookie_check(ch, &ca, ck, strlen(ck), T0 + 600, &d),
		     AEGIS_CHAL_EXPIRED);
	for (size_t i = 0; i < strlen(ck); i++) {	/* every character matters */
		char t[sizeof(ck)];

		memcpy(t, ck, sizeof(ck));
		t[i] = t[i] == 'A' ? 'B' : 'A';
		cr_assert_neq(challenge_cookie_check(ch, &ca, t, strlen(t), T0 + 1, &d),
			      AEGIS_CHAL_OK, "tampered at %zu", i);
	}
	cr_assert_eq(challenge_cookie_check(ch, &ca, ck, 10, T0 + 1, &d), AEGIS_CHAL_MALFORMED);
	cr_assert_eq(challenge_cookie_mint(ch, &ca, 16, 3601, T0, ck), -EINVAL,
		     "outlives its key");
	challenge_free(ch);
}

Test(challenge, prefix_binding)
{
	struct challenge *ch = mk(AEGIS_CHAL_BIND_PREFIX, 3600, 1024);
	struct aegis_addr a = ip("198.18.0.2"), b = ip("198.18.0.77"), c = ip("198.18.1.2");
	struct aegis_addr v6a = ip("2001:db8:1:2::1"), v6b = ip("2001:db8:1:2:ffff::9");
	struct challenge_client ca = { &a, "Firefox", 7 }, cb = { &b, "Firefox", 7 };
	struct challenge_client cc = { &c, "Firefox", 7 }, cua = { &b, "curl", 4 };
	struct challenge_client c6a = { &v6a, "X", 1 }, c6b = { &v6b, "X", 1 };
	char ck[AEGIS_CHAL_COOKIE_CHARS + 1];
	unsigned d;

	cr_assert_eq(challenge_cookie_mint(ch, &ca, 16, 600, T0, ck), 0);
	cr_assert_eq(challenge_cookie_check(ch, &cb, ck, strlen(ck), T0, &d), AEGIS_CHAL_OK, "same /24");
	cr_assert_eq(challenge_cookie_check(ch, &cc, ck, strlen(ck), T0, &d), AEGIS_CHAL_FORGED);
	cr_assert_eq(challenge_cookie_check(ch, &cua, ck, strlen(ck), T0, &d), AEGIS_CHAL_FORGED,
		     "another User-Agent");
	cr_assert_eq(challenge_cookie_mint(ch, &c6a, 16, 600, T0, ck), 0);
	cr_assert_eq(challenge_cookie_check(ch, &c6b, ck, strlen(ck), T0, &d), AEGIS_CHAL_OK, "same /64");
	challenge_free(ch);
}

/* Current and previous epoch keys verify; older ones are retired. */
Test(challenge, key_rotation_overlap)
{
	struct challenge *ch = mk(AEGIS_CHAL_BIND_IP, 100, 1024);
	struct aegis_addr a = ip("198.18.0.2");
	struct challenge_client ca = { &a, NULL, 0 };
	char ck[AEGIS_CHAL_COOKIE_CHARS + 1];
	uint64_t start = 1800000099;	/* last second of its epoch */
	unsigned d;

	cr_assert_eq(challenge_cookie_mint(ch, &ca, 16, 100, start, ck), 0);
	cr_assert_eq(challenge_cookie_check(ch, &ca, ck, strlen(ck), start + 50, &d), AEGIS_CHAL_OK,
		     "signed by the previous epoch's key");
	challenge_free(ch);
	ch = mk(AEGIS_CHAL_BIND_IP, 100, 1024);
	cr_assert_eq(challenge_cookie_mint(ch, &ca, 16, 100, 1800000000, ck), 0);
	cr_assert_eq(challenge_cookie_check(ch, &ca, ck, strlen(ck), 1800000000 + 99, &d),
		     AEGIS_CHAL_OK);
	/* A forged long lifetime cannot pass: two epochs on, the key is gone. */
	cr_assert_eq(challenge_cookie_check(ch, &ca, ck, strlen(ck), 1800000000 + 200, &d),
		     AEGIS_CHAL_RETIRED);
	challenge_free(ch);
}

/* The spent set stays bounded: when no slot is free, BUSY, never a pass. */
Test(challenge, spent_set_bound)
{
	struct challenge *ch = mk(AEGIS_CHAL_BIND_IP, 3600, 1024);
	struct challenge_stats st;
	struct aegis_addr a = ip("198.18.0.2");
	struct challenge_client ca = { &a, NULL, 0 };
	char tok[AEGIS_CHAL_TOKEN_CHARS + 1], nonce[24];
	unsigned ok = 0, busy = 0;

	for (int i = 0; i < 3000; i++) {
		enum aegis_chal_result r;

		cr_assert_eq(challenge_issue(ch, &ca, 1, false, T0 * 1000, tok), 0);
		solve(tok, 1, nonce);
		r = verify(ch, &ca, tok, nonce, T0 + 1);
		cr_assert(r == AEGIS_CHAL_OK || r == AEGIS_CHAL_BUSY, "%s", challenge_result_name(r));
		ok += r == AEGIS_CHAL_OK;
		busy += r == AEGIS_CHAL_BUSY;
	}
	challenge_stats(ch, &st);
	cr_assert_eq(st.spent_capacity, 1024);
	cr_assert_leq(st.spent_used, 1024);
	cr_assert_eq(st.spent_used, ok);
	cr_assert_gt(busy, 0, "3000 tokens in 1024 slots");
	/* Once they expire, the slots are free again. */
	cr_assert_eq(challenge_issue(ch, &ca, 1, false, (T0 + 400) * 1000, tok), 0);
	solve(tok, 1, nonce);
	cr_assert_eq(verify(ch, &ca, tok, nonce, T0 + 401), AEGIS_CHAL_OK);
	challenge_free(ch);
}

Test(challenge, cookie_header_parse)
{
	const char *v;
	size_t n;

	cr_assert(challenge_cookie_find("a=1; aegis=XY; b=2", 18, "aegis", &v, &n));
	cr_assert(n == 2 && !memcmp(v, "XY", 2));
	cr_assert(challenge_cookie_find("aegis=\"Q\"", 9, "aegis", &v, &n));
	cr_assert(n == 1 && *v == 'Q');
	cr_assert(challenge_cookie_find(";;  aegis = Z ;", 15, "aegis", &v, &n));
	cr_assert(n == 1 && *v == 'Z', "spaces around the '=' tolerated");
	cr_assert(!challenge_cookie_find("xaegis=1; aegisx=2", 18, "aegis", &v, &n));
	cr_assert(!challenge_cookie_find("aegis", 5, "aegis", &v, &n), "no '='");
	cr_assert(challenge_cookie_find("aegis=", 6, "aegis", &v, &n) && n == 0);
}

Test(challenge, secret_file)
{
	char dir[] = "/tmp/aegis-chal-XXXXXX", path[64], err[256] = "";
	uint8_t s1[AEGIS_CHAL_SECRET_LEN], s2[AEGIS_CHAL_SECRET_LEN];
	struct stat st;
	FILE *f;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/challenge.key", dir);
	cr_assert_eq(challenge_secret_load(path, s1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(challenge_secret_load(path, s2, err, sizeof(err)), 0, "%s", err);
	cr_assert(!memcmp(s1, s2, sizeof(s1)), "the same secret after a restart");
	chmod(path, 0644);
	cr_assert_eq(challenge_secret_load(path, s2, err, sizeof(err)), -EPERM);
	cr_assert(strstr(err, "chmod 600"), "%s", err);
	f = fopen(path, "w");
	fputs("short", f);
	fclose(f);
	chmod(path, 0600);
	cr_assert_eq(challenge_secret_load(path, s2, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "exactly 32 bytes"), "%s", err);
	unlink(path);
	rmdir(dir);
}

Test(challenge, answer_parse)
{
	struct chal_answer a;
	const char *q = "t=TOK&n=123&r=%2Fshop%3Fa%3D1&x=y";

	cr_assert_eq(chal_answer_parse(q, strlen(q), &a), 0);
	cr_assert(a.token_len == 3 && !memcmp(a.token, "TOK", 3));
	cr_assert(a.nonce_len == 3 && !memcmp(a.nonce, "123", 3));
	cr_assert_str_eq(a.ret, "/shop?a=1");
	cr_assert(!a.post);
	q = "t=A&t=B";
	cr_assert_eq(chal_answer_parse(q, strlen(q), &a), -EINVAL, "duplicate key");
	static const char *unsafe[] = { "r=https%3A%2F%2Fevil.example", "r=%2F%2Fevil.example",
					"r=%2F%5Cevil", "r=%2Fa%0D%0ASet-Cookie", "r=" };
	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
		cr_assert_eq(chal_answer_parse(unsafe[i], strlen(unsafe[i]), &a), 0);
		cr_assert_str_eq(a.ret, "/", "%s", unsafe[i]);
	}
	q = "p=1&t=T";
	cr_assert_eq(chal_answer_parse(q, strlen(q), &a), 0);
	cr_assert(a.post && a.ret[0] == '/' && !a.nonce);
}

Test(challenge, page_escapes)
{
	char buf[16384];
	struct chal_page p = { .title = "<b>Hi</b>", .text = "\"quoted\" & more", .token = "TOK",
			       .difficulty = 16, .ret = "/a\"><script>", .nojs_token = "NJ",
			       .nojs_wait_s = 5, .post = true };
	int n = chal_page_html(buf, sizeof(buf), &p);

	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert(strstr(buf, "&lt;b&gt;Hi&lt;/b&gt;"));
	cr_assert(strstr(buf, "&quot;quoted&quot; &amp; more"));
	cr_assert(!strstr(buf, "\"><script>"), "return path not escaped");
	cr_assert(strstr(buf, "data-post=\"1\""));
	cr_assert(strstr(buf, "Your form was not sent"));
	cr_assert(strstr(buf, "content=\"5;url=/.aegis/challenge/nojs?t=NJ&amp;r=/a%22%3E%3Cscript%3E\""));
	cr_assert(strstr(buf, "aria-live"));
	cr_assert(!strstr(buf, "src=\"http"), "no external resources");
	cr_assert_eq(chal_page_html(buf, 100, &p), -ENOSPC);
	n = chal_page_json(buf, sizeof(buf), &p);
	cr_assert_gt(n, 0);
	cr_assert(strstr(buf, "\"token\":\"TOK\",\"difficulty\":16"));
}
