// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Shared config-test fixtures; see fixtures.h. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit/fixtures.h"

struct aegis_config *fx_load_ok(const char *name, const char *yaml)
{
	struct aegis_config *cfg = NULL;
	char err[512] = "";
	int ret = config_load_string(name, yaml, &cfg, err, sizeof(err));

	cr_assert_eq(ret, 0, "unexpected error: %s\nfor:\n%s", err, yaml);
	cr_assert_not_null(cfg);
	return cfg;
}

void fx_expect_error_in(const char *name, const char *yaml, const char *file, int line,
			const char *substr)
{
	struct aegis_config *cfg = (struct aegis_config *)&cfg;
	char err[512] = "", prefix[PATH_MAX + 32];
	int ret = config_load_string(name, yaml, &cfg, err, sizeof(err));

	if (line)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", file);
	cr_expect_eq(ret, -EINVAL, "want -EINVAL, got %d for:\n%s", ret, yaml);
	cr_expect_null(cfg, "config returned with an error for:\n%s", yaml);
	cr_expect(!strncmp(err, prefix, strlen(prefix)), "want '%s...', got '%s' for:\n%s",
		  prefix, err, yaml);
	cr_expect(strstr(err, substr), "want '%s' in '%s' for:\n%s", substr, err, yaml);
	if (!ret)
		config_free(cfg);
}

void fx_expect_errors(const char *name, const struct err_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fx_expect_error_in(name, cases[i].yaml, name, cases[i].line, cases[i].msg);
}

void fx_assert_addr(const struct aegis_addr *got, const char *want)
{
	struct aegis_addr w;
	char buf[ADDR_STRLEN];

	cr_assert_eq(addr_parse(want, &w), 0, "%s", want);
	cr_assert(!memcmp(got, &w, sizeof(w)), "address %s, want %s",
		  addr_format(got, buf, sizeof(buf)), want);
}

void fx_assert_cidr(const struct aegis_lpm_key *got, const char *want)
{
	struct aegis_lpm_key w;

	cr_assert_eq(addr_parse_cidr(want, &w, false), 0, "%s", want);
	cr_assert(!memcmp(got, &w, sizeof(w)), "cidr, want %s", want);
}

char *fx_write_temp(const char *content, size_t len)
{
	char *path = strdup("/tmp/aegis-cfg-XXXXXX");
	int fd;

	cr_assert_not_null(path);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
	return path;
}

void fx_tmpdir_make(struct fx_tmpdir *d)
{
	strcpy(d->path, "/tmp/aegis-proxies-XXXXXX");
	cr_assert_not_null(mkdtemp(d->path));
}

void fx_tmpdir_write(const struct fx_tmpdir *d, const char *name, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", d->path, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(content, f);
	fclose(f);
}

void fx_tmpdir_remove(const struct fx_tmpdir *d)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	cr_assert_eq(system(cmd), 0);
}
