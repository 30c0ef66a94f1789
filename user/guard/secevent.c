// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Security event lines and their rate-capped sink; see secevent.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/json.h"
#include "guard/secevent.h"

/* Input bytes kept per client-supplied field: a 4 KiB path is noise in a
 * log line, and the bounds keep the worst escaped line under LINE_MAX. */
#define SE_PATH_MAX	1024
#define SE_HOST_MAX	256
#define SE_SHORT_MAX	64
#define SE_REPL		"\xef\xbf\xbd"	/* U+FFFD */

/* Cap state of one fd; the last slot is shared by fds beyond the table. */
struct se_slot {
	int fd;			/* -1: free */
	uint64_t sec;		/* monotonic second being counted */
	uint32_t in_sec;
	uint64_t pending;	/* suppressed, not yet reported */
	uint64_t suppressed;	/* total */
};

static pthread_mutex_t se_lock = PTHREAD_MUTEX_INITIALIZER;
static struct se_slot se_slots[SECEVENT_MAX_FDS];
static bool se_ready;

static const char *const mode_names[] = {
	[HTTP_MODE_OFF] = "off", [HTTP_MODE_DETECT] = "detect", [HTTP_MODE_ENFORCE] = "enforce",
};

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* Valid UTF-8 copy of at most max input bytes into out (NUL-terminated;
 * out must hold 3 * max + 1). Invalid bytes and NUL become U+FFFD. */
static const char *se_clean(const char *p, size_t n, size_t max, char *out)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, o = 0;

	if (!p)
		n = 0;
	if (n > max)
		n = max;
	while (i < n) {
		size_t k = utf8_seq(s + i, n - i);

		if (k) {
			memcpy(out + o, s + i, k);
			o += k, i += k;
		} else {
			memcpy(out + o, SE_REPL, 3);
			o += 3, i++;
		}
	}
	out[o] = '\0';
	return out;
}

static void se_kspan(FILE *f, const char *key, const char *p, size_t n, size_t max)
{
	char tmp[3 * SE_PATH_MAX + 1];

	fprintf(f, ",\"%s\":", key);
	json_write_string(f, se_clean(p, n, max, tmp));
}

static void se_time(FILE *f, uint64_t wall_ms)
{
	struct timespec ts;
	time_t secs;
	struct tm tm;
	char buf[32];

	if (!wall_ms) {
		clock_gettime(CLOCK_REALTIME, &ts);
		wall_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	}
	secs = (time_t)(wall_ms / 1000);
	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "{\"time\":\"%s.%03uZ\"", buf, (unsigned)(wall_ms % 1000));
}

static const char *se_mode(enum http_mode m)
{
	return (unsigned)m <= HTTP_MODE_ENFORCE ? mode_names[m] : "unknown";
}

static void se_body(FILE *f, const struct secevent *ev)
{
	char src[ADDR_STRLEN] = "";

	se_time(f, ev->wall_ms);
	if (ev->source)
		addr_format(ev->source, src, sizeof(src));
	fprintf(f, ",\"source\":\"%s\"", src);
	se_kspan(f, "host", ev->host.p, ev->host.len, SE_HOST_MAX);
	se_kspan(f, "method", ev->method.p, ev->method.len, SE_SHORT_MAX);
	se_kspan(f, "path", ev->path.p, ev->path.len, SE_PATH_MAX);
	fprintf(f, ",\"stage\":\"%s\"", http_stage_name(ev->stage));
	se_kspan(f, "rule", ev->rule, ev->rule ? strlen(ev->rule) : 0, SE_SHORT_MAX);
	fprintf(f, ",\"rule_id\":%" PRIu32 ",\"action\":\"%s\",\"mode\":\"%s\"", ev->rule_id,
		http_action_name(ev->action), se_mode(ev->mode));
	se_kspan(f, "request_id", ev->request_id,
		 ev->request_id ? strlen(ev->request_id) : 0, SE_SHORT_MAX);
	fprintf(f, ",\"status\":%d,\"score\":%d}\n", ev->status, ev->score);
}

/* fmemopen over the caller's buffer: json_write_string() wants a FILE. */
static int se_print(char *buf, size_t cap, void (*fn)(FILE *, const void *), const void *arg)
{
	FILE *f;
	long len;

	if (cap < 2)
		return -ENOSPC;
	f = fmemopen(buf, cap, "w");
	if (!f)
		return -errno;
	setvbuf(f, NULL, _IONBF, 0);
	fn(f, arg);
	len = ftell(f);
	if (ferror(f) || len < 0 || (size_t)len >= cap - 1) {
		fclose(f);
		return -ENOSPC;
	}
	fclose(f);
	buf[len] = '\0';
	return (int)len;
}

static void se_body_cb(FILE *f, const void *ev)
{
	se_body(f, ev);
}

int secevent_format(const struct secevent *ev, char *buf, size_t cap)
{
	return se_print(buf, cap, se_body_cb, ev);
}

void secevent_from_verdict(struct secevent *ev, const struct http_verdict *v,
			   const struct http_guard_in *in, const char *request_id)
{
	const struct http_req_head *h = in->head;

	memset(ev, 0, sizeof(*ev));
	ev->source = in->client;
	if (h) {
		ev->host = h->host;
		ev->method = h->method;
		ev->path = h->path;
	}
	ev->stage = v->stage;
	ev->rule = v->rule;
	ev->rule_id = v->rule_id;
	ev->action = v->action;
	ev->mode = in->mode;
	ev->request_id = request_id;
	ev->status = v->status;
	ev->score = v->score;
}

int secevent_open(const char *path)
{
	int fd;

	if (!path || !path[0])
		return STDOUT_FILENO;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	return fd < 0 ? -errno : fd;
}

/* Under se_lock: fd's slot, claimed on first use. */
static struct se_slot *se_slot(int fd)
{
	struct se_slot *free_slot = NULL;

	if (!se_ready) {
		for (size_t i = 0; i < SECEVENT_MAX_FDS; i++)
			se_slots[i].fd = -1;
		se_ready = true;
	}
	for (size_t i = 0; i < SECEVENT_MAX_FDS - 1; i++) {
		if (se_slots[i].fd == fd)
			return &se_slots[i];
		if (se_slots[i].fd < 0 && !free_slot)
			free_slot = &se_slots[i];
	}
	if (!free_slot)
		return &se_slots[SECEVENT_MAX_FDS - 1];
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->fd = fd;
	return free_slot;
}

void secevent_close(int fd)
{
	pthread_mutex_lock(&se_lock);
	for (size_t i = 0; se_ready && i < SECEVENT_MAX_FDS - 1; i++)
		if (se_slots[i].fd == fd)
			se_slots[i].fd = -1;
	pthread_mutex_unlock(&se_lock);
	if (fd > STDERR_FILENO)
		close(fd);
}

static int se_write_all(int fd, const char *p, size_t n)
{
	ssize_t w = write(fd, p, n);

	if (w < 0)
		return -errno;
	return (size_t)w == n ? 0 : -EIO;
}

static void se_summary_cb(FILE *f, const void *arg)
{
	se_time(f, 0);
	fprintf(f, ",\"suppressed\":%" PRIu64 "}\n", *(const uint64_t *)arg);
}

/* Under se_lock: a new second reports what the last one suppressed. */
static void se_roll(int fd, struct se_slot *s, uint64_t now_ms)
{
	char line[128];
	int n;

	if (now_ms / 1000 == s->sec)
		return;
	s->sec = now_ms / 1000;
	s->in_sec = 0;
	if (!s->pending)
		return;
	n = se_print(line, sizeof(line), se_summary_cb, &s->pending);
	if (n > 0)
		se_write_all(fd, line, (size_t)n);
	s->pending = 0;
}

int secevent_write(int fd, const struct secevent *ev, uint64_t now_ms)
{
	char line[SECEVENT_LINE_MAX];
	struct se_slot *s;
	bool over;
	int n;

	pthread_mutex_lock(&se_lock);
	s = se_slot(fd);
	se_roll(fd, s, now_ms);
	over = s->in_sec >= SECEVENT_PER_SEC;
	if (over)
		s->pending++, s->suppressed++;
	else
		s->in_sec++;
	pthread_mutex_unlock(&se_lock);
	if (over)
		return -EAGAIN;
	/* Outside the lock: O_APPEND makes each write() land whole. */
	n = secevent_format(ev, line, sizeof(line));
	return n < 0 ? n : se_write_all(fd, line, (size_t)n);
}

void secevent_tick(int fd, uint64_t now_ms)
{
	pthread_mutex_lock(&se_lock);
	se_roll(fd, se_slot(fd), now_ms);
	pthread_mutex_unlock(&se_lock);
}

uint64_t secevent_suppressed(int fd)
{
	uint64_t n;

	pthread_mutex_lock(&se_lock);
	n = se_slot(fd)->suppressed;
	pthread_mutex_unlock(&se_lock);
	return n;
}
