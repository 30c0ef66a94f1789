// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/guard/secevent.c: exact line format, hostile strings, bounds, the
 * per-second cap and its summary line, concurrent writers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/addr.h"
#include "guard/secevent.h"

#define SPAN(s) ((struct http_span){ (s), sizeof(s) - 1 })

static struct secevent sample(struct aegis_addr *a)
{
	struct secevent ev = {
		.wall_ms = 1795445063123ull,	/* 2026-11-23T14:44:23.123Z */
		.source = a,
		.host = SPAN("example.com"), .method = SPAN("GET"), .path = SPAN("/login"),
		.stage = HTTP_STAGE_RATE, .rule = "per_ip", .rule_id = 0,
		.action = HTTP_ACT_BLOCK, .mode = HTTP_MODE_ENFORCE,
		.request_id = "r-42", .status = 429, .score = 0,
	};

	cr_assert_eq(addr_parse("198.18.0.7", a), 0);
	return ev;
}

Test(secevent, exact_format)
{
	struct aegis_addr a;
	struct secevent ev = sample(&a);
	char buf[SECEVENT_LINE_MAX];
	int n = secevent_format(&ev, buf, sizeof(buf));

	cr_assert_gt(n, 0);
	cr_expect_str_eq(buf,
		"{\"time\":\"2026-11-23T14:44:23.123Z\",\"source\":\"198.18.0.7\","
		"\"host\":\"example.com\",\"method\":\"GET\",\"path\":\"/login\","
		"\"stage\":\"rate\",\"rule\":\"per_ip\",\"rule_id\":0,\"action\":\"block\","
		"\"mode\":\"enforce\",\"request_id\":\"r-42\",\"status\":429,\"score\":0}\n");
	cr_expect_eq((size_t)n, strlen(buf));
	cr_expect_eq(secevent_format(&ev, buf, 40), -ENOSPC);
}

Test(secevent, ipv6_and_missing_fields)
{
	struct aegis_addr a;
	struct secevent ev = { .wall_ms = 1000, .stage = HTTP_STAGE_WAF,
			       .action = HTTP_ACT_FLAG, .mode = HTTP_MODE_DETECT,
			       .rule_id = 942100, .score = 7 };
	char buf[1024];

	cr_assert_eq(addr_parse("2001:db8::1", &a), 0);
	ev.source = &a;
	cr_assert_gt(secevent_format(&ev, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf,
		"{\"time\":\"1970-01-01T00:00:01.000Z\",\"source\":\"2001:db8::1\","
		"\"host\":\"\",\"method\":\"\",\"path\":\"\",\"stage\":\"waf\",\"rule\":\"\","
		"\"rule_id\":942100,\"action\":\"flag\",\"mode\":\"detect\",\"request_id\":\"\","
		"\"status\":0,\"score\":7}\n");
}

/* Valid UTF-8 with no raw control byte: what any JSON reader accepts. */
static bool clean_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t k = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
			   (*p & 0xf8) == 0xf0 ? 4 : 0;

		if (!k || (*p < 0x20 && *p != '\n') || *p == 0x7f)
			return false;
		for (size_t i = 1; i < k; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		p += k;
	}
	return true;
}

Test(secevent, hostile_strings)
{
	static const char path[] = "/a\"b\\c\x01\x1f\x7f\n\xff\xc0\xaf\xed\xa0\x80\xe2\x82"
				   "\0z\xc3\xa9\xf0\x9f\x98\x80";
	struct aegis_addr a;
	struct secevent ev = sample(&a);
	char buf[SECEVENT_LINE_MAX];

	ev.path = (struct http_span){ path, sizeof(path) - 1 };
	ev.host = SPAN("evil\"},\"action\":\"pass");
	ev.rule = "bot_ua:\x1b[31m";
	cr_assert_gt(secevent_format(&ev, buf, sizeof(buf)), 0);
	cr_expect(strstr(buf, "\"path\":\"/a\\\"b\\\\c\\u0001\\u001f\\u007f\\n"
			 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\xc3\xa9\xf0\x9f\x98\x80\""), "%s", buf);
	cr_expect(strstr(buf, "\"host\":\"evil\\\"},\\\"action\\\":\\\"pass\""), "%s", buf);
	cr_expect(strstr(buf, "\"rule\":\"bot_ua:\\u001b[31m\""), "%s", buf);
	cr_expect(strstr(buf, "\"action\":\"block\""));
	cr_expect(clean_utf8(buf), "%s", buf);
	cr_expect_eq(strchr(buf, '\n'), buf + strlen(buf) - 1, "one line");
}

Test(secevent, long_fields_are_cut)
{
	struct aegis_addr a;
	struct secevent ev = sample(&a);
	char *path = malloc(100000), buf[SECEVENT_LINE_MAX];

	cr_assert_not_null(path);
	memset(path, '\x01', 100000);	/* worst case: 6 bytes each once escaped */
	ev.path = (struct http_span){ path, 100000 };
	ev.host = (struct http_span){ path, 100000 };
	ev.method = (struct http_span){ path, 100000 };
	cr_assert_gt(secevent_format(&ev, buf, sizeof(buf)), 0);
	cr_expect(strstr(buf, "\"status\":429"));
	free(path);
}

Test(secevent, from_verdict)
{
	struct aegis_addr a;
	struct http_req_head h = { .method = SPAN("POST"), .path = SPAN("/register"),
				   .host = SPAN("shop.example") };
	struct http_guard_in in = { .client = &a, .head = &h, .mode = HTTP_MODE_DETECT };
	struct http_verdict v = { .action = HTTP_ACT_FLAG, .stage = HTTP_STAGE_FUNNEL,
				  .status = 403, .rule = "funnel:/register", .score = 0 };
	struct secevent ev;
	char buf[1024];

	cr_assert_eq(addr_parse("198.18.0.9", &a), 0);
	secevent_from_verdict(&ev, &v, &in, "abc");
	ev.wall_ms = 1;
	cr_assert_gt(secevent_format(&ev, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf,
		"{\"time\":\"1970-01-01T00:00:00.001Z\",\"source\":\"198.18.0.9\","
		"\"host\":\"shop.example\",\"method\":\"POST\",\"path\":\"/register\","
		"\"stage\":\"funnel\",\"rule\":\"funnel:/register\",\"rule_id\":0,"
		"\"action\":\"flag\",\"mode\":\"detect\",\"request_id\":\"abc\","
		"\"status\":403,\"score\":0}\n");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static unsigned count_lines(const char *s, const char *needle)
{
	unsigned n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static int tmp_events(char *path)
{
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	fd = secevent_open(path);
	cr_assert_gt(fd, STDERR_FILENO);
	return fd;
}

Test(secevent, per_second_cap)
{
	char path[] = "/tmp/aegis-secevent-XXXXXX";
	int fd = tmp_events(path);
	struct aegis_addr a;
	struct secevent ev = sample(&a);
	char *out;

	for (int i = 0; i < SECEVENT_PER_SEC; i++)
		cr_assert_eq(secevent_write(fd, &ev, 5000 + i % 1000), 0);
	cr_expect_eq(secevent_write(fd, &ev, 5500), -EAGAIN);
	cr_expect_eq(secevent_write(fd, &ev, 5999), -EAGAIN);
	secevent_tick(fd, 5999);
	cr_expect_eq(secevent_write(fd, &ev, 6000), 0);
	cr_expect_eq(secevent_write(fd, &ev, 7000), 0);
	cr_expect_eq(secevent_suppressed(fd), 2);
	secevent_close(fd);
	out = slurp(path);
	cr_expect_eq(count_lines(out, "\"stage\":\"rate\""), SECEVENT_PER_SEC + 2);
	cr_expect_eq(count_lines(out, "\"suppressed\":2}\n"), 1);
	/* The summary precedes the next second's first event. */
	cr_expect_lt(strstr(out, "suppressed"), strstr(strstr(out, "suppressed"), "\"stage\""));
	cr_expect_eq(count_lines(out, "\n"), SECEVENT_PER_SEC + 3);
	free(out);
	unlink(path);
	/* A reused fd number starts with a clean cap. */
	strcpy(path, "/tmp/aegis-secevent-XXXXXX");
	fd = tmp_events(path);
	cr_expect_eq(secevent_suppressed(fd), 0);
	secevent_close(fd);
	unlink(path);
}

Test(secevent, open_errors)
{
	cr_expect_eq(secevent_open("/nonexistent-dir/x.log"), -ENOENT);
	cr_expect_eq(secevent_open(""), STDOUT_FILENO);
	secevent_close(STDOUT_FILENO);
	cr_expect_neq(fcntl(STDOUT_FILENO, F_GETFD), -1, "stdout stays open");
}

static int shared_fd;

static void *writer(void *p)
{
	struct aegis_addr a;
	struct secevent ev = sample(&a);

	(void)p;
	for (int i = 0; i < 200; i++)
		cr_assert_eq(secevent_write(shared_fd, &ev, 0), 0);
	return NULL;
}

Test(secevent, threads_whole_lines)
{
	char path[] = "/tmp/aegis-secevent-XXXXXX";
	pthread_t th[4];
	char *out;

	shared_fd = tmp_events(path);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, writer, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	secevent_close(shared_fd);
	out = slurp(path);
	cr_expect_eq(count_lines(out, "{\"time\""), 800);
	cr_expect_eq(count_lines(out, "\"score\":0}\n{\"time\""), 799);
	free(out);
	unlink(path);
}
