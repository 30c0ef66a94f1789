/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fixtures shared by the config tests (test_config.c, test_proxy_config.c,
 * test_http_config.c): load a YAML string and expect success or one
 * precise error, compare addresses and CIDRs, write temporary files and
 * directories. The macros use NAME, the file name a test file gives its
 * configs (it appears in every error message: "NAME:LINE: ...").
 */
#ifndef AEGIS_TEST_FIXTURES_H
#define AEGIS_TEST_FIXTURES_H

#include <stddef.h>

#include "lib/addr.h"
#include "config/config.h"

/* Loads yaml (named name) and asserts it is accepted. */
struct aegis_config *fx_load_ok(const char *name, const char *yaml);
/* Loads yaml (named name) and expects -EINVAL, no config, and an error
 * that starts "FILE:LINE: " ("FILE: " for line 0) and contains substr. */
void fx_expect_error_in(const char *name, const char *yaml, const char *file, int line,
			const char *substr);

struct err_case {
	const char *yaml;
	int line;
	const char *msg;
};

void fx_expect_errors(const char *name, const struct err_case *cases, size_t n);

#define load_ok(yaml)			fx_load_ok(NAME, yaml)
#define expect_error(yaml, line, s)	fx_expect_error_in(NAME, yaml, NAME, line, s)
#define EXPECT_ERRORS(cases)		fx_expect_errors(NAME, cases, sizeof(cases) / sizeof(cases[0]))

/* The address (CIDR) want parses to exactly *got. */
void fx_assert_addr(const struct aegis_addr *got, const char *want);
void fx_assert_cidr(const struct aegis_lpm_key *got, const char *want);

/* A new file under /tmp holding content; the caller unlinks and frees it. */
char *fx_write_temp(const char *content, size_t len);

struct fx_tmpdir {
	char path[64];
};

void fx_tmpdir_make(struct fx_tmpdir *d);
/* d/name := content. */
void fx_tmpdir_write(const struct fx_tmpdir *d, const char *name, const char *content);
/* rm -rf d. */
void fx_tmpdir_remove(const struct fx_tmpdir *d);

#endif /* AEGIS_TEST_FIXTURES_H */
