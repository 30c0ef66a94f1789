// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the config parser: any bytes either load into a
 * config or fail with "fuzz.yaml:..." and no leak. Built by `make fuzz`.
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
