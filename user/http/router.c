// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * router: Host + path -> host and route of an http proxy (router.h).
 * Names sit in two sorted arrays (exact names, wildcard suffixes) searched
 * by bsearch; each host's routes are kept longest prefix first so the
 * first match is the longest.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "http/router.h"

struct rt_name {
	const char *s;			/* exact: "a.x.org"; wildcard: ".x.org" */
	size_t host;
};

struct rt_host {
	size_t *order;			/* route indexes, longest prefix first */
	size_t *plen;			/* strlen of each route's prefix, by index */
};

struct router {
	const struct http_cfg *h;
	struct rt_name *exact, *wild;
	size_t n_exact, n_wild;
	size_t def;			/* default host, SIZE_MAX if none */
	struct rt_host *hosts;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rt_name *)a)->s, ((const struct rt_name *)b)->s);
}

void router_free(struct router *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->hosts && i < r->h->n_hosts; i++) {
		free(r->hosts[i].order);
		free(r->hosts[i].plen);
	}
	free(r->hosts);
	free(r->exact);
	free(r->wild);
	free(r);
}

/* Sorts the routes of one host by prefix length, longest first (stable by index). */
static int host_build(const struct http_host *hh, struct rt_host *rh)
{
	size_t n = hh->n_routes;

	rh->order = malloc((n ? n : 1) * sizeof(*rh->order));
	rh->plen = malloc((n ? n : 1) * sizeof(*rh->plen));
	if (!rh->order || !rh->plen)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t j = i, len = strlen(hh->routes[i].prefix);

		rh->plen[i] = len;
		/* Insertion sort: at most HTTP_MAX_ROUTES entries, once per config. */
		for (; j > 0 && rh->plen[rh->order[j - 1]] < len; j--)
			rh->order[j] = rh->order[j - 1];
		rh->order[j] = i;
	}
	return 0;
}

static int names_build(struct router *r)
{
	const struct http_cfg *h = r->h;
	size_t total = 0;

	for (size_t i = 0; i < h->n_hosts; i++)
		total += h->hosts[i].n_names;
	r->exact = malloc((total ? total : 1) * sizeof(*r->exact));
	r->wild = malloc((total ? total : 1) * sizeof(*r->wild));
	if (!r->exact || !r->wild)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_hosts; i++) {
		for (size_t j = 0; j < h->hosts[i].n_names; j++) {
			const char *s = h->hosts[i].names[j];

			if (s[0] == '*')
				r->wild[r->n_wild++] = (struct rt_name){ s + 1, i };
			else
				r->exact[r->n_exact++] = (struct rt_name){ s, i };
		}
	}
	qsort(r->exact, r->n_exact, sizeof(*r->exact), name_cmp);
	qsort(r->wild, r->n_wild, sizeof(*r->wild), name_cmp);
	return 0;
}

int router_new(const struct http_cfg *h, struct router **out)
{
	struct router *r = calloc(1, sizeof(*r));
	int ret = -ENOMEM;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->h = h;
	r->def = SIZE_MAX;
	r->hosts = calloc(h->n_hosts ? h->n_hosts : 1, sizeof(*r->hosts));
	if (!r->hosts || names_build(r))
		goto out;
	for (size_t i = 0; i < h->n_hosts; i++) {
		if (host_build(&h->hosts[i], &r->hosts[i]))
			goto out;
		if (h->hosts[i].is_default && r->def == SIZE_MAX)
			r->def = i;
	}
	*out = r;
	r = NULL;
	ret = 0;
out:
	router_free(r);
	return ret;
}

static const struct rt_name *find(const struct rt_name *v, size_t n, const char *s)
{
	struct rt_name key = { s, 0 };

	return n ? bsearch(&key, v, n, sizeof(*v), name_cmp) : NULL;
}

/*
 * The Host value as the config writes names: lowercase, no port, no
 * trailing dot, IPv6 without brackets in canonical form. False if it
 * cannot be any configured name (too long, bad literal).
 */
static bool host_norm(const char *host, size_t len, char out[HTTP_MAX_HOSTNAME + 1])
{
	struct aegis_addr a;
	const char *end;
	size_t n;

	if (len && host[0] == '[') {
		if (!(end = memchr(host, ']', len)) || (size_t)(end - host - 1) > HTTP_MAX_HOSTNAME)
			return false;
		n = (size_t)(end - host - 1);
		memcpy(out, host + 1, n);
		out[n] = '\0';
		if (addr_parse(out, &a))
			return false;
		addr_format(&a, out, HTTP_MAX_HOSTNAME + 1);
		return true;
	}
	end = memchr(host, ':', len);
	n = end ? (size_t)(end - host) : len;
	if (n && host[n - 1] == '.')
		n--;
	if (!n || n > HTTP_MAX_HOSTNAME)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)host[i];

		out[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	out[n] = '\0';
	return true;
}

static size_t host_find(const struct router *r, const char *host, size_t len)
{
	char name[HTTP_MAX_HOSTNAME + 1];
	const struct rt_name *hit;

	if (!len || !host_norm(host, len, name))
		return r->def;
	if ((hit = find(r->exact, r->n_exact, name)))
		return hit->host;
	/* Leftmost dot first: the longest suffix wins. */
	for (const char *dot = strchr(name + 1, '.'); dot; dot = strchr(dot + 1, '.'))
		if ((hit = find(r->wild, r->n_wild, dot)))
			return hit->host;
	return r->def;
}

/* On a segment boundary: "/api" takes "/api" and "/api/x", not "/apix". */
static bool prefix_match(const char *prefix, size_t plen, const char *path, size_t len)
{
	if (!plen)
		return true;
	return len >= plen && !memcmp(prefix, path, plen) &&
	       (len == plen || prefix[plen - 1] == '/' || path[plen] == '/');
}

const struct http_host *router_match(const struct router *r, const char *host,
				     size_t host_len, const char *path, size_t path_len,
				     const struct http_route **route, size_t *host_index,
				     size_t *route_index)
{
	size_t hi = host_find(r, host, host_len), ri = SIZE_MAX;
	const struct http_host *hh = hi == SIZE_MAX ? NULL : &r->h->hosts[hi];

	for (size_t k = 0; hh && k < hh->n_routes; k++) {
		size_t i = r->hosts[hi].order[k];

		if (prefix_match(hh->routes[i].prefix, r->hosts[hi].plen[i], path, path_len)) {
			ri = i;
			break;
		}
	}
	if (route)
		*route = ri == SIZE_MAX ? NULL : &hh->routes[ri];
	if (host_index)
		*host_index = hi;
	if (route_index)
		*route_index = ri;
	return hh;
}
