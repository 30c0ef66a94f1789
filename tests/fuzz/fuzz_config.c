// Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I/usr/share/include/llhttp tests/fuzz/fuzz_config.c user/config/config*.c user/config/proxy_config*.c user/config/http_config*.c user/http/http_head.c user/http/http_req*.c user/lib/errbuf.c user/lib/addr.c user/lib/units.c /usr/share/llhttp/*.c -lyaml -lhs -o build/fuzz_config
// Run:   mkdir -p tests/fuzz/corpus_config && cp configs/aegis.yaml configs/presets/*.yaml configs/proxies/*.yaml tests/fuzz/corpus_config/ && build/fuzz_config -max_len=8192 -max_total_time=60 tests/fuzz/corpus_config
// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the config parser: any bytes either load into a
 * config or fail with "fuzz.yaml:..." and no leak. Not built by the
 * Makefile (it needs clang's libFuzzer); the commands above do it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aegis_config *cfg = NULL;
	char err[512] = "";
	char *yaml;

	/* config_load_string() takes a C string: the input stops at any NUL. */
	yaml = malloc(size + 1);
	if (!yaml)
		return 0;
	memcpy(yaml, data, size);
	yaml[size] = '\0';
	if (config_load_string("fuzz.yaml", yaml, &cfg, err, sizeof(err)) == 0) {
		config_free(cfg);
	} else if (cfg || (strncmp(err, "fuzz.yaml", 9) && !strstr(yaml, "proxies_dir"))) {
		/* proxies_dir's files are real files: their errors name them. */
		fprintf(stderr, "bad error contract: '%s'\n", err);
		abort();
	}
	free(yaml);
	return 0;
}
