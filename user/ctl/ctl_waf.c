// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * aegisctl waf test: runs one HTTP request through the WAF an HTTP proxy
 * of the config would use (waf_build: built-in plus custom rules) and
 * shows the rules that fired, the host's threshold and mode, and the
 * verdict. Offline: it needs the config, not a running aegisd, so rules
 * can be tried before they go live.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "ctl/ctl.h"
#include "config/http_cfg.h"
#include "config/http_config_priv.h"
#include "http/http_req.h"
#include "config/proxy_config.h"
#include "http/router.h"
#include "guard/waf.h"
#include "guard/waf_cfg.h"
#include "guard/waf_probe.h"

/* aegisd's default (user/aegisd.c, docs/aegisd.8). */
#define WAF_CLI_CONFIG	"/etc/aegis/aegis.yaml"
#define WAF_CLI_MAX_REQ	(1u << 20)	/* a request file larger than this is refused */
#define WAF_CLI_MAX_HDR	WAF_PROBE_MAX_HDR

struct waf_cli {
	const char *config, *proxy, *host, *file, *method, *target, *body;
	const char *hdrs[WAF_CLI_MAX_HDR];
	size_t n_hdrs;
	bool json;
};

static int waf_help(FILE *f)
{
	fprintf(f, "Usage: aegisctl waf test [-c CONFIG] [-p PROXY] [--host HOST] [-j]\n"
		"                       (-f FILE | METHOD TARGET [-H 'Name: value']... [-d BODY])\n"
		"  -c CONFIG  aegisd's config (default %s)\n"
		"  -p PROXY   the http proxy whose rules apply (needed when there are several)\n"
		"  --host H   the host whose threshold and mode apply (default: the Host header)\n"
		"  -f FILE    a raw HTTP/1.1 request ('-' = stdin); bare LF line ends are accepted\n"
		"  -j         JSON output\n"
		"Exit status 0 whatever the verdict; 1 bad config or request; 2 usage error.\n",
		WAF_CLI_CONFIG);
	return f == stdout ? CTL_OK : CTL_USAGE;
}

static int waf_parse_args(struct waf_cli *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'h' + 256 },
		{ "help", no_argument, NULL, '?' + 256 },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 0; /* glibc: full reset, main() parsed with "+" */
	while ((opt = getopt_long(argc, argv, "c:p:f:H:d:j", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': o->config = optarg; break;
		case 'p': o->proxy = optarg; break;
		case 'f': o->file = optarg; break;
		case 'd': o->body = optarg; break;
		case 'j': o->json = true; break;
		case 'h' + 256: o->host = optarg; break;
		case '?' + 256: waf_help(stdout); return -1;
		case 'H':
			if (o->n_hdrs == WAF_CLI_MAX_HDR)
				return ctl_usage("waf test: at most %d -H", WAF_CLI_MAX_HDR);
			if (!strchr(optarg, ':'))
				return ctl_usage("waf test: -H '%s': expected 'Name: value'", optarg);
			o->hdrs[o->n_hdrs++] = optarg;
			break;
		default:
			return waf_help(stderr);
		}
	}
	argc -= optind;
	argv += optind;
	if (o->file && (argc || o->n_hdrs || o->body))
		return ctl_usage("waf test: -f excludes METHOD TARGET, -H and -d");
	if (!o->file) {
		if (argc != 2)
			return ctl_usage("waf test: give -f FILE or METHOD TARGET (try 'aegisctl waf help')");
		o->method = argv[0];
		o->target = argv[1];
		if (o->target[0] != '/' && strncmp(o->target, "http://", 7))
			return ctl_usage("waf test: TARGET '%s' must start with '/' or http://", o->target);
	}
	return 0;
}

static int waf_read_file(const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 65536, n = 0;
	char *buf;
	int ret = CTL_ERR;

	if (!f)
		return ctl_fail("waf test: %s: %s", path, strerror(errno));
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			char *nb = cap >= WAF_CLI_MAX_REQ ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				ctl_fail("waf test: %s: larger than %u bytes", path, WAF_CLI_MAX_REQ);
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (!buf || ferror(f)) {
		ctl_fail("waf test: %s: %s", path, buf ? "read error" : "out of memory");
		goto out;
	}
	*out = buf;
	*len = n;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	if (f != stdin)
		fclose(f);
	return ret;
}

/* A file typed in an editor has bare LF line ends, which the parser
 * (rightly, on the wire) refuses: give its head CRLFs. The body stays. */
static int waf_crlf_head(char **raw, size_t *len)
{
	char *in = *raw, *out, *o;
	size_t head = *len, extra = 0;

	if (memchr(in, '\r', *len))
		return 0;
	for (size_t i = 0; i < *len; i++) {
		if (in[i] != '\n')
			continue;
		extra++;
		if (i + 1 < *len && in[i + 1] == '\n') {
			head = i + 2;
			extra++;
			break;
		}
	}
	out = o = malloc(*len + extra + 1);
	if (!out)
		return ctl_fail("waf test: out of memory");
	for (size_t i = 0; i < *len; i++) {
		if (i < head && in[i] == '\n')
			*o++ = '\r';
		*o++ = in[i];
	}
	free(in);
	*raw = out;
	*len = (size_t)(o - out);
	return 0;
}

/* The request from the command line's parts, or the file. */
static int waf_request(const struct waf_cli *o, struct waf_probe **out)
{
	struct waf_probe_in in = { .method = o->method, .target = o->target, .host = o->host,
				   .body = o->body, .body_len = o->body ? strlen(o->body) : 0 };
	char err[256], *raw = NULL;
	size_t len = 0;
	int ret;

	if (o->file) {
		ret = waf_read_file(o->file, &raw, &len);
		if (!ret)
			ret = waf_crlf_head(&raw, &len);
		if (ret) {
			free(raw);
			return ret;
		}
		ret = waf_probe_raw(raw, len, out, err, sizeof(err));
	} else {
		for (size_t i = 0; i < o->n_hdrs; i++)
			in.hdrs[in.n_hdrs++] = o->hdrs[i];
		ret = waf_probe_build(&in, out, err, sizeof(err));
	}
	return ret ? ctl_fail("waf test: %s", err) : 0;
}

/* The http proxy named by -p, or the only one. */
static int waf_pick_proxy(const struct aegis_config *cfg, const char *name,
			  const struct proxy_cfg **out)
{
	const struct proxy_cfg *found = NULL;
	size_t n_http = 0;

	for (size_t i = 0; i < cfg->n_proxies; i++) {
		const struct proxy_cfg *p = &cfg->proxies[i];

		if (name && !strcmp(p->name, name)) {
			if (!p->http)
				return ctl_fail("waf test: proxy '%s' is not protocol: http", name);
			*out = p;
			return 0;
		}
		if (p->http) {
			n_http++;
			found = p;
		}
	}
	if (name)
		return ctl_fail("waf test: no proxy named '%s'", name);
	if (n_http == 0)
		return ctl_fail("waf test: the config has no protocol: http proxy");
	if (n_http > 1)
		return ctl_fail("waf test: %zu http proxies; choose one with -p NAME", n_http);
	*out = found;
	return 0;
}

struct waf_cli_verdict {
	const char *host;	/* first name of the matched host, or "-" */
	enum http_mode mode;
	uint32_t threshold;
	const char *verdict;
};

static int waf_host_policy(const struct http_cfg *h, const struct waf_cli *o,
			   const struct waf_probe *q, int total, struct waf_cli_verdict *v)
{
	const struct http_req_head *head = waf_probe_head(q);
	const char *name = o->host ? o->host : head->host.p;
	size_t len = o->host ? strlen(o->host) : head->host.len;
	const struct http_host *host = NULL;
	struct router *r;

	if (router_new(h, &r))
		return ctl_fail("waf test: out of memory");
	host = router_match(r, name, len, head->norm_path.p, head->norm_path.len, NULL, NULL, NULL);
	router_free(r);
	v->host = host && host->n_names ? host->names[0] : "-";
	v->mode = host ? host->mode : h->mode;
	v->threshold = host ? host->waf_threshold : h->waf.threshold;
	if (v->mode == HTTP_MODE_OFF || v->threshold == 0)
		v->verdict = "pass";
	else if ((uint32_t)total < v->threshold)
		v->verdict = "pass";
	else
		v->verdict = v->mode == HTTP_MODE_ENFORCE ? "block" : "flag";
	return 0;
}

static void waf_print(struct ctl *c, const struct waf *w, const char *proxy,
		      const struct waf_result *res, const struct waf_cli_verdict *v, bool json)
{
	if (json) {
		json_obj_open(&c->j);
		json_kstr(&c->j, "proxy", proxy);
		json_kstr(&c->j, "host", v->host);
		json_kstr(&c->j, "mode", http_mode_words[v->mode]);
		json_ku64(&c->j, "threshold", v->threshold);
		json_ki64(&c->j, "total", res->total);
		json_kstr(&c->j, "verdict", v->verdict);
		json_key(&c->j, "hits");
		json_arr_open(&c->j);
	} else {
		printf("proxy %s, host %s: mode %s, threshold %u%s\n", proxy, v->host,
		       http_mode_words[v->mode], v->threshold, v->threshold ? "" : " (WAF off)");
	}
	for (unsigned i = 0; i < res->n_hits; i++) {
		const struct waf_hit *h = &res->hits[i];
		const struct waf_rule_info *ri = waf_rule_find(w, h->id);
		const char *desc = ri ? ri->desc : "?";

		if (json) {
			json_obj_open(&c->j);
			json_ku64(&c->j, "id", h->id);
			json_kstr(&c->j, "class", waf_class_name(h->cls));
			json_kstr(&c->j, "target", waf_target_name(h->target));
			json_ki64(&c->j, "score", h->score);
			json_kstr(&c->j, "description", desc);
			json_obj_close(&c->j);
		} else {
			printf("  rule %-6u %-7s %-11s score %-4d %s\n", h->id, waf_class_name(h->cls),
			       waf_target_name(h->target), h->score, desc);
		}
	}
	if (json) {
		json_arr_close(&c->j);
		json_obj_close(&c->j);
		fputc('\n', stdout);
	} else {
		printf("total %d, verdict %s\n", res->total, v->verdict);
	}
}

static int waf_test(struct ctl *c, const struct waf_cli *o)
{
	struct aegis_config *cfg = NULL;
	const struct proxy_cfg *p = NULL;
	struct waf_probe *q = NULL;
	struct waf_scratch *s = NULL;
	struct waf *w = NULL;
	struct waf_result res;
	struct waf_cli_verdict v = { 0 };
	char err[512] = "";
	int ret;

	if (config_load(o->config, &cfg, err, sizeof(err))) {
		ret = ctl_fail("waf test: %s", err);
		goto out;
	}
	ret = waf_pick_proxy(cfg, o->proxy, &p);
	if (!ret)
		ret = waf_request(o, &q);
	if (ret)
		goto out;
	if (waf_build(p->http, &w, err, sizeof(err))) {
		ret = ctl_fail("waf test: proxy %s: %s", p->name, err);
		goto out;
	}
	s = waf_scratch_new(w);
	if (!s || waf_inspect(w, s, waf_probe_request(q), &res)) {
		ret = ctl_fail("waf test: scan failed");
		goto out;
	}
	ret = waf_host_policy(p->http, o, q, res.total, &v);
	if (!ret)
		waf_print(c, w, p->name, &res, &v, o->json || c->json);
out:
	waf_scratch_free(s);
	waf_free(w);
	waf_probe_free(q);
	config_free(cfg);
	return ret;
}

int do_waf(struct ctl *c, int argc, char **argv)
{
	struct waf_cli o = { .config = WAF_CLI_CONFIG };
	int ret;

	if (argc < 1 || ctl_is_help(argc, argv))
		return waf_help(argc < 1 ? stderr : stdout);
	if (strcmp(argv[0], "test"))
		return ctl_usage("waf: unknown subcommand '%s' (only 'test')", argv[0]);
	ret = waf_parse_args(&o, argc, argv);
	if (ret < 0)
		return CTL_OK;
	if (ret)
		return ret;
	return waf_test(c, &o);
}
