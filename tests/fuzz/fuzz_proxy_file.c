// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the files of `proxies_dir` (config/
 * proxy_config_load.c): the input is written as DIR/fuzz.yaml and a main
 * config that names DIR is loaded, so the bytes take the real path (the
 * directory listing, the regular-file check, the per-file parse, the
 * checks against the main file's proxies and policies). Checks: no crash,
 * leak or UB; a refusal names the file. Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

static char dir[] = "/tmp/aegis-fuzz-proxies-XXXXXX";
static char path[64], main_yaml[256];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aegis_config *cfg = NULL;
	char err[1024] = "";
	FILE *f;

	if (!path[0]) {
		if (!mkdtemp(dir))
			return 0;
		snprintf(path, sizeof(path), "%s/fuzz.yaml", dir);
		snprintf(main_yaml, sizeof(main_yaml),
			 "proxies_dir: %s\n"
			 "policies: [ { name: g, protocol: tcp, ports: [\"9000-9010\"] } ]\n", dir);
		atexit(cleanup);
	}
	if (size > 16384 || !(f = fopen(path, "w")))
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (config_load_string("main.yaml", main_yaml, &cfg, err, sizeof(err))) {
		if (cfg || !err[0])
			__builtin_trap();
		if (!strstr(err, "fuzz.yaml") && !strstr(err, "main.yaml"))
			__builtin_trap();
	}
	config_free(cfg);
	return 0;
}
