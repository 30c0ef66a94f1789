// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Ban persistence; see state.h. Line format (tab-separated):
 *   ADDRESS  EXPIRES_UNIX_MS|0  CREATED_UNIX_MS  REASON  ORIGIN  NOTE
 * NOTE has \\, \t and \n escaped. The v2 header opens the file and
 * "# end COUNT" closes it; files without the v2 header (older versions)
 * are read without the end check. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/units.h"
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

#define STATE_HEADER "# aegis bans v2: address expires_unix_ms created_unix_ms reason origin note"
#define STATE_END "# end "

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

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

/* The current file becomes the previous copy (a hard link: the current
 * name never goes missing), unless it is not a usable file. */
static void keep_prev(const char *path, const char *prev)
{
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size == 0)
		return;
	unlink(prev);
	if (link(path, prev))
		unlink(prev);
}

static int write_tmp(struct aegis_maps *m, const char *tmp, int *count)
{
	struct save_ctx s = {};
	int fd, ret;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	s.f = fdopen(fd, "w");
	if (!s.f) {
		close(fd);
		return -ENOMEM;
	}
	fprintf(s.f, "%s\n", STATE_HEADER);
	ret = maps_ban_foreach(m, save_one, &s);
	fprintf(s.f, STATE_END "%d\n", s.n);
	if (!ret && (fflush(s.f) || ferror(s.f) || fsync(fd)))
		ret = errno ? -errno : -EIO;
	if (fclose(s.f) && !ret)
		ret = -errno;
	*count = s.n;
	return ret;
}

int state_save_bans(struct aegis_maps *m, const char *dir)
{
	char path[4096], tmp[4200], prev[4200];
	struct stat st;
	int ret, n = 0;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_BANS_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(prev, sizeof(prev), "%s" STATE_PREV_SUFFIX, path);
	if (!lstat(path, &st) && !S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EEXIST;
	ret = write_tmp(m, tmp, &n);
	if (!ret) {
		keep_prev(path, prev);
		if (rename(tmp, path))
			ret = -errno;
	}
	if (ret) {
		unlink(tmp);
		return ret;
	}
	ret = fsync_dir(dir);
	return ret ? ret : n;
}

static int parse_int(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || end == s || *end ? -EINVAL : 0;
}

/* Parses one line into a ban; returns 0, 1 if expired, -EINVAL if malformed
 * or out of range. */
static int parse_line(char *line, int64_t now_ms, struct aegis_addr *a, struct aegis_ban *b)
{
	char *f[6], *save = NULL, *p = line;
	long long exp, created, reason, origin;
	const long long far = now_ms + (long long)UNITS_MAX_DURATION_MS;
	int n = 0;

	for (; n < 5; n++) {
		f[n] = strtok_r(p, "\t", &save);
		p = NULL;
		if (!f[n])
			return -EINVAL;
	}
	f[5] = save ? save : "";
	if (addr_parse(f[0], a) || parse_int(f[1], &exp) || parse_int(f[2], &created) ||
	    parse_int(f[3], &reason) || parse_int(f[4], &origin) || exp < 0 || exp > far ||
	    created < 0 || created > far || reason < 0 || reason >= AEGIS_STAT_MAX ||
	    origin < 0 || origin >= AEGIS_BAN_ORIGIN_MAX)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	if (exp) {
		if (exp <= now_ms)
			return 1;
		b->expires_ns = real_ms_to_mono_ns(exp);
	}
	b->created_ns = real_ms_to_mono_ns(created);
	b->reason = (uint32_t)reason;
	b->origin = (uint32_t)origin;
	read_note(f[5], b->note);
	return 0;
}

static int sf_push(struct state_file *sf, const struct aegis_addr *a, const struct aegis_ban *b)
{
	if (sf->n == sf->cap) {
		size_t cap = sf->cap ? sf->cap * 2 : 64;
		struct state_ban *nb = realloc(sf->bans, cap * sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		sf->bans = nb;
		sf->cap = cap;
	}
	sf->bans[sf->n].addr = *a;
	sf->bans[sf->n].ban = *b;
	sf->n++;
	return 0;
}

/* The end line: "# end COUNT", COUNT = bans written (expired ones included). */
static void parse_end(struct state_file *sf, const char *line, long long seen)
{
	long long count;

	sf->complete = !parse_int(line + strlen(STATE_END), &count) && count == seen;
}

int state_parse(FILE *f, int64_t now_ms, struct state_file *sf)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long long seen = 0;
	int ret = 0, lineno = 0;

	memset(sf, 0, sizeof(*sf));
	sf->empty = true;
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct aegis_addr a;
		struct aegis_ban b;
		bool nl = len > 0 && line[len - 1] == '\n';

		sf->empty = false;
		lineno++;
		sf->complete = false;	/* only the last line may end the file */
		if (nl)
			line[--len] = '\0';
		if (lineno == 1 && !strcmp(line, STATE_HEADER)) {
			sf->versioned = true;
			continue;
		}
		if (sf->versioned && nl && !strncmp(line, STATE_END, strlen(STATE_END))) {
			parse_end(sf, line, seen);
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		seen++;
		if (len > STATE_MAX_LINE || (sf->versioned && !nl)) {
			sf->malformed++;	/* refused whole, never split */
			continue;
		}
		int r = parse_line(line, now_ms, &a, &b);

		if (r < 0)
			sf->malformed++;
		else if (r > 0)
			sf->expired++;
		else if ((ret = sf_push(sf, &a, &b)))
			break;
	}
	free(line);
	return ret;
}

void state_file_free(struct state_file *sf)
{
	free(sf->bans);
	memset(sf, 0, sizeof(*sf));
}

static int64_t now_real_ms(void)
{
	struct timespec r;

	clock_gettime(CLOCK_REALTIME, &r);
	return (int64_t)r.tv_sec * 1000 + r.tv_nsec / 1000000;
}

/* Reads one state file: 0, -ENOENT, -EISDIR, -EINVAL (not a regular
 * file) or another negative errno. */
static int read_one(const char *path, struct state_file *sf)
{
	struct stat st;
	FILE *f;
	int fd, ret;

	memset(sf, 0, sizeof(*sf));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		close(fd);
		return ret;
	}
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	ret = state_parse(f, now_real_ms(), sf);
	fclose(f);
	return ret;
}

static bool usable(const struct state_file *sf)
{
	return !sf->empty && (!sf->versioned || sf->complete);
}

/* Says what is wrong with the current file; "" if it can be used. */
static void describe(int r, const struct state_file *sf, bool have_prev, char *out, size_t len)
{
	out[0] = '\0';
	if (r == -ENOENT && have_prev)
		snprintf(out, len, STATE_BANS_FILE " is missing");
	else if (r == -EISDIR)
		snprintf(out, len, STATE_BANS_FILE " is a directory, not a file: bans cannot be "
			 "saved until it is removed");
	else if (r == -EINVAL)
		snprintf(out, len, STATE_BANS_FILE " is not a regular file");
	else if (r && r != -ENOENT)
		snprintf(out, len, STATE_BANS_FILE ": %s", strerror(-r));
	else if (!r && sf->empty)
		snprintf(out, len, STATE_BANS_FILE " is empty");
	else if (!r && !usable(sf))
		snprintf(out, len, STATE_BANS_FILE " is truncated (no end line): bans after the "
			 "cut are lost");
}

static int put_all(struct aegis_maps *m, const struct state_file *sf, int *n)
{
	for (size_t i = 0; i < sf->n; i++) {
		struct aegis_ban had;
		bool dup = !maps_ban_get(m, &sf->bans[i].addr, &had);
		int ret = maps_ban_put(m, &sf->bans[i].addr, &sf->bans[i].ban);

		if (ret)
			return ret;
		*n += !dup;	/* in both copies: one ban */
	}
	return 0;
}

int state_load_bans(struct aegis_maps *m, const char *dir, struct state_load_info *info)
{
	char path[4096], prev[4200];
	struct state_file cur, old = {};
	int rc, rp = -ENOENT, ret = 0, n = 0;

	memset(info, 0, sizeof(*info));
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_BANS_FILE);
	snprintf(prev, sizeof(prev), "%s" STATE_PREV_SUFFIX, path);
	rc = read_one(path, &cur);
	if (rc == -ENOMEM)
		return rc;
	if (rc || !usable(&cur))
		rp = read_one(prev, &old);
	describe(rc, &cur, rp != -ENOENT, info->problem, sizeof(info->problem));
	/* The previous copy first, then what the current one still holds (it is
	 * newer): a truncated file loses only what the previous copy lacks. */
	if (!rp && usable(&old)) {
		info->from_prev = true;
		info->expired += old.expired;
		info->malformed += old.malformed;
		ret = put_all(m, &old, &n);
	}
	if (!ret && !rc) {
		info->partial = !usable(&cur) && !cur.empty;
		info->expired += cur.expired;
		info->malformed += cur.malformed;
		ret = put_all(m, &cur, &n);
	}
	state_file_free(&cur);
	state_file_free(&old);
	info->restored = n;
	if (ret)
		return ret;
	return rc == -ENOENT || rc == 0 || info->from_prev ? n : rc;
}
