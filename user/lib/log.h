/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * aegisd's log: one line per message on stderr, as text
 * ("2026-11-23T10:00:00Z info: message") or JSON
 * ({"time":...,"level":"info","msg":"..."}), filtered by level.
 */
#ifndef AEGIS_LOG_H
#define AEGIS_LOG_H

#include <stdio.h>

/* Config values of log_format and log_level (config/ names them). */
enum cfg_log_format { CFG_LOG_TEXT, CFG_LOG_JSON };
enum cfg_log_level { CFG_LOG_DEBUG, CFG_LOG_INFO, CFG_LOG_WARN, CFG_LOG_ERROR };

void log_setup(enum cfg_log_format format, enum cfg_log_level level);
void log_msg(enum cfg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Formats the current UTC time as RFC 3339 with milliseconds. */
void log_timestamp(char *buf, size_t len);

#define log_debug(...) log_msg(CFG_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(CFG_LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(CFG_LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(CFG_LOG_ERROR, __VA_ARGS__)

#endif /* AEGIS_LOG_H */
