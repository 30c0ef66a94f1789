// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The challenge page, its JSON twin and the answer parser; see chal_page.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/chal_page.h"
#include "http/http_decode.h"
#include "lib/outbuf.h"

const char chal_page_csp[] =
	"default-src 'none'; script-src 'unsafe-inline'; worker-src blob:; "
	"style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; "
	"frame-ancestors 'none'";

/*
 * The proof of work, run in a Web Worker built from this text: Web Crypto
 * in batches where the page is a secure context, else a plain SHA-256
 * (FIPS 180-4) in JS. It reports progress every 16384 tries.
 */
static const char worker_js[] =
	"\"use strict\";\n"
	"const K = new Uint32Array([\n"
	"0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,\n"
	"0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,\n"
	"0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,\n"
	"0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,\n"
	"0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,\n"
	"0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,\n"
	"0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,\n"
	"0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2\n"
	"]);\n"
	"const W = new Uint32Array(64);\n"
	"function sha256(m) {\n"
	"  const l = m.length, nb = ((l + 72) >> 6) << 6, b = new Uint8Array(nb);\n"
	"  b.set(m); b[l] = 0x80;\n"
	"  const dv = new DataView(b.buffer);\n"
	"  dv.setUint32(nb - 4, l * 8);\n"
	"  const H = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];\n"
	"  for (let o = 0; o < nb; o += 64) {\n"
	"    for (let i = 0; i < 16; i++) W[i] = dv.getUint32(o + i * 4);\n"
	"    for (let i = 16; i < 64; i++) {\n"
	"      const x = W[i - 15], y = W[i - 2];\n"
	"      W[i] = W[i - 16] + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) +\n"
	"             W[i - 7] + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10));\n"
	"    }\n"
	"    let [a, c, d, e, f, g, h, k] = H;\n"
	"    for (let i = 0; i < 64; i++) {\n"
	"      const t1 = (k + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) +\n"
	"                  ((f & g) ^ (~f & h)) + K[i] + W[i]) | 0;\n"
	"      const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +\n"
	"                  ((a & c) ^ (a & d) ^ (c & d))) | 0;\n"
	"      k = h; h = g; g = f; f = (e + t1) | 0; e = d; d = c; c = a; a = (t1 + t2) | 0;\n"
	"    }\n"
	"    H[0] += a; H[1] += c; H[2] += d; H[3] += e; H[4] += f; H[5] += g; H[6] += h; H[7] += k;\n"
	"  }\n"
	"  const out = new Uint8Array(32), ov = new DataView(out.buffer);\n"
	"  for (let i = 0; i < 8; i++) ov.setUint32(i * 4, H[i] >>> 0);\n"
	"  return out;\n"
	"}\n"
	"function ok(h, d) {\n"
	"  let i = 0;\n"
	"  for (; d >= 8; d -= 8, i++) if (h[i]) return false;\n"
	"  return d === 0 || (h[i] >> (8 - d)) === 0;\n"
	"}\n"
	"const enc = new TextEncoder();\n"
	"async function solve(t, d, report) {\n"
	"  const subtle = self.crypto && self.crypto.subtle;\n"
	"  for (let n = 0; ; ) {\n"
	"    if (subtle) {\n"
	"      const batch = [];\n"
	"      for (let i = 0; i < 128; i++) batch.push(subtle.digest(\"SHA-256\", enc.encode(t + \":\" + (n + i))));\n"
	"      const hs = await Promise.all(batch);\n"
	"      for (let i = 0; i < 128; i++) if (ok(new Uint8Array(hs[i]), d)) return n + i;\n"
	"      n += 128;\n"
	"    } else {\n"
	"      for (const end = n + 4096; n < end; n++) if (ok(sha256(enc.encode(t + \":\" + n)), d)) return n;\n"
	"    }\n"
	"    if (n % 16384 === 0) report(n);\n"
	"  }\n"
	"}\n"
	"self.onmessage = async (e) => {\n"
	"  const n = await solve(e.data.t, e.data.d, (p) => self.postMessage({ p: p }));\n"
	"  self.postMessage({ n: n });\n"
	"};\n";

/* The page's own script: starts the worker, shows progress, sends the answer. */
static const char page_js[] =
	"\"use strict\";\n"
	"(function () {\n"
	"  const d = document.documentElement.dataset, s = document.getElementById(\"s\");\n"
	"  const fail = function () { s.textContent = \"Your browser could not run the check: \" +\n"
	"    \"allow JavaScript and Web Workers for this site, then reload the page.\"; };\n"
	"  let wk;\n"
	"  try {\n"
	"    wk = new Worker(URL.createObjectURL(new Blob([document.getElementById(\"w\").textContent],\n"
	"      { type: \"text/javascript\" })));\n"
	"  } catch (e) { fail(); return; }\n"
	"  wk.onerror = fail;\n"
	"  wk.onmessage = function (e) {\n"
	"    if (e.data.p !== undefined) { s.textContent = \"Still checking (\" + e.data.p + \" tries)\"; return; }\n"
	"    s.textContent = \"Done. One moment...\";\n"
	"    location.replace(d.v + \"?t=\" + d.t + \"&n=\" + e.data.n + \"&r=\" +\n"
	"      encodeURIComponent(d.r) + (d.post ? \"&p=1\" : \"\"));\n"
	"  };\n"
	"  wk.postMessage({ t: d.t, d: Number(d.d) });\n"
	"})();\n";

static const char page_css[] =
	"body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:12vh auto;padding:0 1em;"
	"color:#222;background:#fafafa}h1{font-size:1.4em}p.s{color:#555}";

/* Text into HTML, attribute-safe. */
static void put_escaped(struct outbuf *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': outbuf_puts(o, "&amp;"); break;
		case '<': outbuf_puts(o, "&lt;"); break;
		case '>': outbuf_puts(o, "&gt;"); break;
		case '"': outbuf_puts(o, "&quot;"); break;
		case '\'': outbuf_puts(o, "&#39;"); break;
		default: outbuf_put(o, s, 1);
		}
	}
}

/* A return path into a query value (unreserved characters kept). */
static void put_urlencoded(struct outbuf *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~' || ch == '/')
			outbuf_put(o, s, 1);
		else
			outbuf_put(o, e, 3);
	}
}

static int done(const struct outbuf *o)
{
	return o->full ? -ENOSPC : (int)o->len;
}

static void put_head(struct outbuf *o, const char *title)
{
	outbuf_puts(o, "<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
		       "<meta name=\"robots\" content=\"noindex\">\n<title>");
	put_escaped(o, title);
	outbuf_puts(o, "</title>\n<style>");
	outbuf_puts(o, page_css);
	outbuf_puts(o, "</style>\n");
}

/* No JavaScript: the wait-and-refresh fallback, or an explanation. */
static void put_noscript(struct outbuf *o, const struct chal_page *p)
{
	char n[16];

	if (p->nojs_token) {
		snprintf(n, sizeof(n), "%u", p->nojs_wait_s);
		outbuf_puts(o, "<noscript><meta http-equiv=\"refresh\" content=\"");
		outbuf_puts(o, n);
		outbuf_puts(o, ";url=" AEGIS_CHAL_PATH_NOJS "?t=");
		outbuf_puts(o, p->nojs_token);
		outbuf_puts(o, "&amp;r=");
		put_urlencoded(o, p->ret);
		outbuf_puts(o, "\"></noscript>\n");
	}
	outbuf_puts(o, "<noscript><p>");
	if (p->nojs_token) {
		outbuf_puts(o, "JavaScript is off: this page will continue by itself in ");
		outbuf_puts(o, n);
		outbuf_puts(o, " seconds.");
	} else {
		outbuf_puts(o, "This check needs JavaScript. Allow it for this site and reload "
			       "the page.");
	}
	outbuf_puts(o, "</p></noscript>\n");
}

int chal_page_html(char *buf, size_t cap, const struct chal_page *p)
{
	struct outbuf o = { buf, cap, 0, false };
	char d[16];

	snprintf(d, sizeof(d), "%u", p->difficulty);
	outbuf_puts(&o, "<!doctype html>\n<html lang=\"en\" data-v=\"" AEGIS_CHAL_PATH_VERIFY
			"\" data-t=\"");
	outbuf_puts(&o, p->token);
	outbuf_puts(&o, "\" data-d=\"");
	outbuf_puts(&o, d);
	outbuf_puts(&o, "\" data-r=\"");
	put_escaped(&o, p->ret);
	outbuf_puts(&o, p->post ? "\" data-post=\"1\">\n<head>\n" : "\">\n<head>\n");
	put_head(&o, p->title);
	put_noscript(&o, p);
	outbuf_puts(&o, "</head>\n<body>\n<main>\n<h1>");
	put_escaped(&o, p->title);
	outbuf_puts(&o, "</h1>\n<p>");
	put_escaped(&o, p->text);
	outbuf_puts(&o, "</p>\n");
	if (p->post)
		outbuf_puts(&o, "<p><strong>Your form was not sent.</strong> Once this check is "
				"done, you will be asked to send it again.</p>\n");
	outbuf_puts(&o, "<p class=\"s\" id=\"s\" role=\"status\" aria-live=\"polite\">"
			"Checking your browser...</p>\n</main>\n"
			"<script type=\"text/plain\" id=\"w\">\n");
	outbuf_puts(&o, worker_js);
	outbuf_puts(&o, "</script>\n<script>\n");
	outbuf_puts(&o, page_js);
	outbuf_puts(&o, "</script>\n</body>\n</html>\n");
	return done(&o);
}

int chal_page_json(char *buf, size_t cap, const struct chal_page *p)
{
	int n = snprintf(buf, cap,
			 "{\"error\":\"challenge_required\",\"challenge\":{\"type\":\"pow\","
			 "\"algorithm\":\"sha256\",\"token\":\"%s\",\"difficulty\":%u,"
			 "\"verify\":\"" AEGIS_CHAL_PATH_VERIFY "\"}}",
			 p->token, p->difficulty);

	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int chal_page_resubmit(char *buf, size_t cap, const char *title, const char *ret)
{
	struct outbuf o = { buf, cap, 0, false };

	outbuf_puts(&o, "<!doctype html>\n<html lang=\"en\">\n<head>\n");
	put_head(&o, title);
	outbuf_puts(&o, "</head>\n<body>\n<main>\n<h1>Check complete</h1>\n"
			"<p role=\"status\"><strong>Your form was not sent.</strong> Go back and "
			"send it again; it will go through now.</p>\n<p><a href=\"");
	put_escaped(&o, ret);
	outbuf_puts(&o, "\">Continue</a></p>\n</main>\n</body>\n</html>\n");
	return done(&o);
}

/* ---- the answer ---- */

bool chal_return_ok(const char *s, size_t len)
{
	if (!len || len > CHAL_RETURN_MAX || s[0] != '/' ||
	    (len > 1 && (s[1] == '/' || s[1] == '\\')))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\')
			return false;
	return true;
}

static int take(const char **p, size_t *n, const char *v, size_t vlen)
{
	if (*p)
		return -EINVAL;	/* a key twice: which one counts is ambiguous */
	*p = v;
	*n = vlen;
	return 0;
}

static int set_field(struct chal_answer *a, const char *k, size_t klen, const char *v,
		     size_t vlen, const char **ret, size_t *ret_len)
{
	if (klen == 1 && *k == 't')
		return take(&a->token, &a->token_len, v, vlen);
	if (klen == 1 && *k == 'n')
		return take(&a->nonce, &a->nonce_len, v, vlen);
	if (klen == 1 && *k == 'r')
		return take(ret, ret_len, v, vlen);
	if (klen == 1 && *k == 'p') {
		if (a->post)
			return -EINVAL;
		a->post = true;
	}
	return 0;	/* cache busters and the like */
}

int chal_answer_parse(const char *q, size_t len, struct chal_answer *a)
{
	const char *ret = NULL;
	size_t ret_len = 0, i = 0;
	int rc;

	memset(a, 0, sizeof(*a));
	while (i < len) {
		size_t end = i, eq;

		while (end < len && q[end] != '&')
			end++;
		for (eq = i; eq < end && q[eq] != '='; eq++)
			;
		rc = set_field(a, q + i, eq - i, eq < end ? q + eq + 1 : q + end,
			       eq < end ? end - eq - 1 : 0, &ret, &ret_len);
		if (rc)
			return rc;
		i = end + 1;
	}
	strcpy(a->ret, "/");
	if (ret && ret_len <= 3 * CHAL_RETURN_MAX) {
		char tmp[CHAL_RETURN_MAX + 1];
		size_t n = hd_url_decode(ret, ret_len, tmp, sizeof(tmp), false);

		if (n <= CHAL_RETURN_MAX && chal_return_ok(tmp, n)) {
			memcpy(a->ret, tmp, n);
			a->ret[n] = '\0';
		}
	}
	return 0;
}
