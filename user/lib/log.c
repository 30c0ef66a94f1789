// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* aegisd's log lines; see log.h. */
#include <stdarg.h>
#include <time.h>

#include "lib/json.h"
#include "lib/log.h"

static enum cfg_log_format log_format = CFG_LOG_TEXT;
static enum cfg_log_level log_level = CFG_LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_setup(enum cfg_log_format format, enum cfg_log_level level)
{
	log_format = format;
	log_level = level;
}

void log_timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 ts.tv_nsec / 1000000);
}

void log_msg(enum cfg_log_level level, const char *fmt, ...)
{
	char ts[40], msg[1024];
	va_list ap;

	if (level < log_level || level > CFG_LOG_ERROR)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_timestamp(ts, sizeof(ts));
	if (log_format == CFG_LOG_JSON) {
		struct json j;

		json_init(&j, stderr);
		json_obj_open(&j);
		json_kstr(&j, "time", ts);
		json_kstr(&j, "level", level_names[level]);
		json_kstr(&j, "msg", msg);
		json_obj_close(&j);
	} else {
		fprintf(stderr, "%s %s: %s\n", ts, level_names[level], msg);
	}
	fflush(stderr);
}
