/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The management API's facts shared by the config (which validates keys
 * and scopes), aegisd (which serves the API, user/mgmt/api*.c) and
 * aegisctl (which calls it and prints key hashes): scope names, limits,
 * the key-hash format. docs/openapi.yaml and docs/CONFIG.md ("api") list
 * the same scopes.
 */
#ifndef AEGIS_API_H
#define AEGIS_API_H

/* X(enum suffix, name): what a key may do. "*" grants every scope. */
#define AEGIS_API_SCOPES(X)				\
	X(STATUS_READ,		"status:read")		\
	X(METRICS_READ,		"metrics:read")		\
	X(PROXIES_READ,		"proxies:read")		\
	X(PROXIES_WRITE,	"proxies:write")	\
	X(BANS_READ,		"bans:read")		\
	X(BANS_WRITE,		"bans:write")		\
	X(LISTS_READ,		"lists:read")		\
	X(LISTS_WRITE,		"lists:write")		\
	X(REPUTATION_READ,	"reputation:read")	\
	X(REPUTATION_WRITE,	"reputation:write")	\
	X(WAF_TEST,		"waf:test")		\
	X(CONFIG_WRITE,		"config:write")		\
	X(TOGGLES_READ,		"toggles:read")		\
	X(TOGGLES_WRITE,	"toggles:write")

enum aegis_api_scope {
#define AEGIS_API_SCOPE_ENUM(e, n) AEGIS_API_SCOPE_##e,
	AEGIS_API_SCOPES(AEGIS_API_SCOPE_ENUM)
#undef AEGIS_API_SCOPE_ENUM
	AEGIS_API_SCOPE__COUNT
};

#define AEGIS_API_SCOPE_ALL	((1u << AEGIS_API_SCOPE__COUNT) - 1)

#define AEGIS_API_DEF_LISTEN	"127.0.0.1:9091"
#define AEGIS_API_SOCKET_NAME	"api.sock"	/* in state_dir unless api.socket says */
#define AEGIS_API_MAX_KEYS	64
#define AEGIS_API_LABEL_MAX	64
#define AEGIS_API_KEY_BYTES	32		/* random bytes in a new key */
#define AEGIS_API_KEY_PREFIX	"aegis_"	/* then base64url of the bytes */
#define AEGIS_API_HASH_PREFIX	"sha256:"	/* then 64 hex digits */
#define AEGIS_API_HASH_LEN	32
#define AEGIS_API_BODY_MAX	(64 * 1024)
#define AEGIS_API_HEAD_MAX	8192
/* Failed authentications per source before it is refused (429) ... */
#define AEGIS_API_AUTH_FAILS	10
/* ... until this window, opened by its first failure, ends. */
#define AEGIS_API_AUTH_WINDOW_S	60

#endif /* AEGIS_API_H */
