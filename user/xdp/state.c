// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Ban persistence; see state.h. Line format (tab-separated):
 *   ADDRESS  EXPIRES_UNIX_MS|0  CREATED_UNIX_MS  REASON  ORIGIN  NOTE
 * NOTE has \\, \t and \n escaped. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "xdp/state.h"

static int64_t mono_to_real_ms(uint64_t mono_ns)
{
	struct timespec r, m;
	int64_t off;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	off = ((int64_t)r.tv_sec - m.tv_sec) * 1000 + (r.tv_nsec - m.tv_nsec) / 1000000;
	return (int64_t)(mono_ns / 1000000) + off;
}

static uint64_t real_ms_to_mono_ns(int64_t real_ms)
{
	struct timespec r, m;
	int64_t off = 0;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	off = ((int64_t)r.tv_sec - m.tv_sec) * 1000 + (r.tv_nsec - m.tv_nsec) / 1000000;
	return real_ms - off <= 0 ? 1 : (uint64_t)(real_ms - off) * 1000000;
}

static void write_note(FILE *f, const char *note)
{
	for (int i = 0; i < AEGIS_NOTE_LEN && note[i]; i++) {
		char c = note[i];

		if (c == '\\' || c == '\t' || c == '\n')
			fprintf(f, "\\%c", c == '\t' ? 't' : c == '\n' ? 'n' : '\\');
		else
			fputc(c, f);
	}
}

static void read_note(const char *s, char *out)
{
	int n = 0;

	memset(out, 0, AEGIS_NOTE_LEN);
	for (; *s && *s != '\n' && n < AEGIS_NOTE_LEN - 1; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			out[n++] = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
		} else {
			out[n++] = *s;
		}
	}
}

struct save_ctx {
	FILE *f;
	int n;
};

static int save_one(const struct aegis_addr *a, const struct aegis_ban *b, void *ctx)
{
	struct save_ctx *s = ctx;
	char addr[ADDR_STRLEN];

	fprintf(s->f, "%s\t%" PRId64 "\t%" PRId64 "\t%u\t%u\t", addr_format(a, addr, sizeof(addr)),
		b->expires_ns ? mono_to_real_ms(b->expires_ns) : (int64_t)0,
		mono_to_real_ms(b->created_ns), b->reason, b->origin);
	write_note(s->f, b->note);
	fputc('\n', s->f);
	s->n++;
	return 0;
}

int state_save_bans(struct aegis_maps *m, const char *dir)
{
	char path[4096], tmp[4200];
	struct save_ctx s = {};
	int fd, ret;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_BANS_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	s.f = fdopen(fd, "w");
	if (!s.f) {
		close(fd);
		return -ENOMEM;
	}
	fprintf(s.f, "# aegis bans v1: address expires_unix_ms created_unix_ms reason origin note\n");
	ret = maps_ban_foreach(m, save_one, &s);
	if (!ret && (fflush(s.f) || fsync(fd)))
		ret = -errno;
	if (fclose(s.f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	return s.n;
}

/* Parses one line into a ban; returns 0, 1 if expired, -EINVAL if malformed. */
static int parse_line(char *line, struct aegis_addr *a, struct aegis_ban *b)
{
	char *f[6], *save = NULL, *p = line;
	long long exp, created;
	unsigned int reason, origin;
	int n = 0;

	for (; n < 5; n++) {
		f[n] = strtok_r(p, "\t", &save);
		p = NULL;
		if (!f[n])
			return -EINVAL;
	}
	f[5] = save ? save : "";
	if (addr_parse(f[0], a) || sscanf(f[1], "%lld", &exp) != 1 ||
	    sscanf(f[2], "%lld", &created) != 1 || sscanf(f[3], "%u", &reason) != 1 ||
	    sscanf(f[4], "%u", &origin) != 1 || exp < 0 || reason >= AEGIS_STAT_MAX ||
	    origin >= AEGIS_BAN_ORIGIN_MAX)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	if (exp) {
		struct timespec r;

		clock_gettime(CLOCK_REALTIME, &r);
		if (exp <= (long long)r.tv_sec * 1000 + r.tv_nsec / 1000000)
			return 1;
		b->expires_ns = real_ms_to_mono_ns(exp);
	}
	b->created_ns = real_ms_to_mono_ns(created);
	b->reason = reason;
	b->origin = origin;
	read_note(f[5], b->note);
	return 0;
}

int state_load_bans(struct aegis_maps *m, const char *dir, int *bad)
{
	char path[4096], line[512];
	struct aegis_addr a;
	struct aegis_ban b;
	int n = 0, ret = 0;
	FILE *f;

	*bad = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_BANS_FILE);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		int r = parse_line(line, &a, &b);

		if (r < 0) {
			(*bad)++;
			continue;
		}
		if (r > 0)
			continue;
		ret = maps_ban_put(m, &a, &b);
		if (ret)
			break;
		n++;
	}
	fclose(f);
	return ret ? ret : n;
}
