// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Slow readers and connection hogs (issue 17, defect 6): the per-source
 * cap (user/engine/srccap.c), the buffer budget's choice of what to shed
 * (user/http/http_buf.c), and their config keys (http.clients,
 * proxy_engine.http_memory).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "config/config.h"
#include "config/http_cfg.h"
#include "config/proxy_config.h"
#include "engine/slots.h"
#include "engine/srccap.h"
#include "http/http_conn.h"
#include "lib/addr.h"
#include "unit/fixtures.h"

#define NAME "c.yaml"

static struct aegis_addr addr(const char *s)
{
	struct aegis_addr a;

	cr_assert_eq(addr_parse(s, &a), 0, "%s", s);
	return a;
}

Test(srccap, caps_each_source_alone)
{
	struct srccap *s = srccap_new(3);
	struct aegis_addr a = addr("198.18.0.1"), b = addr("2001:db8::1");

	cr_assert_not_null(s);
	for (int i = 0; i < 3; i++)
		cr_assert(srccap_take(s, &a, 1000), "connection %d", i);
	cr_assert_not(srccap_take(s, &a, 1000), "the 4th is over the cap");
	cr_assert_eq(srccap_count(s, &a, 1000), 3);
	cr_assert(srccap_take(s, &b, 1000), "another source is not affected");
	srccap_put(s, &a, 1001);
	cr_assert_eq(srccap_count(s, &a, 1001), 2);
	cr_assert(srccap_take(s, &a, 1002), "a closed connection frees a place");
	cr_assert_not(srccap_take(s, &a, 1002));
	srccap_free(s);
}

Test(srccap, puts_never_go_below_zero)
{
	struct srccap *s = srccap_new(1);
	struct aegis_addr a = addr("198.18.0.2");

	srccap_put(s, &a, 5);		/* never counted: ignored */
	cr_assert(srccap_take(s, &a, 6));
	srccap_put(s, &a, 7);
	srccap_put(s, &a, 8);
	cr_assert_eq(srccap_count(s, &a, 9), 0);
	cr_assert(srccap_take(s, &a, 9));
	cr_assert_not(srccap_take(s, &a, 9), "an extra put gave no extra place");
	srccap_free(s);
}

/* A flood of fresh sources fills the pool; a source at its cap may then
 * be forgotten, but nobody is refused wrongly and nothing allocates. */
Test(srccap, fresh_source_flood)
{
	struct srccap *s = srccap_new(2);
	struct aegis_addr a;

	for (uint32_t i = 0; i < 4 * SRCCAP_ENTRIES; i++) {
		memset(&a, 0, sizeof(a));
		a.w[0] = i + 1;
		cr_assert(srccap_take(s, &a, 10), "fresh source %u", i);
	}
	srccap_free(s);
}

/* ---- the budget's choice ---- */

static struct slot_table conns;
static struct http_conn *shed_order[8];
static unsigned int n_shed;

static void on_shed(struct worker *w, struct http_conn *c)
{
	(void)w;
	shed_order[n_shed++] = c;
	c->state = HC_CLOSING;
}

static struct http_conn *conn_with(size_t bytes, uint64_t backlog_since_ms)
{
	struct http_conn *c = slots_take(&conns);

	cr_assert_not_null(c);
	c->state = HC_EXCHANGE;
	cr_assert_not_null(hbuf_reserve(&c->out[HC_CLIENT], bytes));
	c->cw_since_ms = backlog_since_ms;
	return c;
}

static void release(struct http_conn *c)
{
	hc_release_bufs(c);
	http_buf_conn_freed(c);
	c->state = HC_FREE;
}

Test(http_buf, sheds_the_stalled_reader_first_and_stops_in_budget)
{
	struct http_conn *fast, *stalled, *big, *idle;
	uint64_t now = 100000, before = http_buf_total();

	cr_assert_eq(slots_init(&conns, 16, sizeof(struct http_conn)), 0);
	fast = conn_with(256 * 1024, now - 500);	/* a download keeping up */
	stalled = conn_with(128 * 1024, now - 60000);	/* a minute without reading it all */
	big = conn_with(512 * 1024, 0);			/* large, nothing waits for the client */
	idle = slots_take(&conns);			/* no buffers: never shed */
	idle->state = HC_HEAD;
	cr_assert_eq(http_buf_total() - before, (256 + 128 + 512) * 1024);

	cr_assert_eq(http_buf_shed(NULL, &conns, before + 1024 * 1024, now, on_shed), 0,
		     "under budget: nothing shed");
	/* 128 KiB over: the stalled reader alone brings it back. */
	cr_assert_eq(http_buf_shed(NULL, &conns, before + 768 * 1024, now, on_shed), 1);
	cr_assert_eq(shed_order[0], stalled);
	cr_assert_eq(http_buf_shed(NULL, &conns, before + 768 * 1024, now, on_shed), 0,
		     "its bytes count as leaving until freed: not shed twice");
	release(stalled);
	cr_assert_eq(http_buf_total() - before, 768 * 1024);
	/* Far over: by bytes x backlog age, then bytes. */
	cr_assert_eq(http_buf_shed(NULL, &conns, before + 16 * 1024, now, on_shed), 2);
	cr_assert_eq(shed_order[1], big, "512 KiB x 1 outranks 256 KiB x 1");
	cr_assert_eq(shed_order[2], fast);
	cr_assert_eq(idle->state, HC_HEAD);
	release(big);
	release(fast);
	cr_assert_eq(http_buf_total(), before);
	slots_free(&conns);
}

/* ---- config ---- */

#define HEAD \
	"proxies:\n" \
	"  - name: web\n" \
	"    protocol: http\n" \
	"    origin: { ports: 8080 }\n" \
	"    http:\n"
#define HOSTS \
	"      hosts:\n" \
	"        - names: [example.com]\n" \
	"          routes: [ { path: /, upstreams: [\"http://198.18.1.2:8080\"] } ]\n"

Test(http_clients_config, defaults_and_keys)
{
	struct aegis_config *c = load_ok(HEAD HOSTS);
	const struct http_cfg *h = c->proxies[0].http;

	cr_assert_eq(h->clients.max_per_source, HTTP_DEF_PER_SOURCE);
	cr_assert_eq(h->clients.min_read_rate, HTTP_DEF_MIN_READ_RATE);
	cr_assert_eq(c->engine.http_memory, CFG_DEF_ENGINE_HTTP_MEMORY);
	config_free(c);
	c = load_ok("proxy_engine: { http_memory: 64M }\n"
		    HEAD "      clients: { max_per_source: 0, min_read_rate: 5k }\n" HOSTS);
	h = c->proxies[0].http;
	cr_assert_eq(h->clients.max_per_source, 0);
	cr_assert_eq(h->clients.min_read_rate, 5000);
	cr_assert_eq(c->engine.http_memory, 64000000);
	config_free(c);
}

Test(http_clients_config, errors_name_the_line)
{
	static const struct err_case cases[] = {
		{ HEAD "      clients: { max_per_source: -1 }\n" HOSTS, 6, "max_per_source" },
		{ HEAD "      clients: { max_per_source: 2M }\n" HOSTS, 6, "max_per_source" },
		{ HEAD "      clients: { min_read_rate: fast }\n" HOSTS, 6, "min_read_rate" },
		{ HEAD "      clients: { min_rate: 1k }\n" HOSTS, 6, "min_rate" },
		{ "proxy_engine:\n  http_memory: 1M\n", 2, "http_memory" },
		{ "proxy_engine:\n  http_memory: 2000G\n", 2, "http_memory" },
	};

	EXPECT_ERRORS(cases);
}
