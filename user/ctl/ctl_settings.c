// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * aegisctl settings: the runtime knobs of the XDP program (sanity
 * filters, event sampling), changed live without reloading it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

static const struct {
	const char *name;
	unsigned int bit;
} flag_names[] = {
	{ "drop_malformed", AEGIS_F_DROP_MALFORMED },
	{ "drop_fragments", AEGIS_F_DROP_FRAGMENTS },
	{ "tcp_flags", AEGIS_F_TCP_FLAGS },
	{ "reflection", AEGIS_F_REFLECTION },
};

#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static int settings_help(void)
{
	printf("Usage: aegisctl settings show\n"
	       "       aegisctl settings set KEY VALUE [KEY VALUE]...\n"
	       "KEY (on|off): drop_malformed drop_fragments tcp_flags reflection\n"
	       "KEY (number, 0 = unchecked): ttl_min ttl_max size_min size_max\n"
	       "     udp_payload_min udp_payload_max\n"
	       "events RATE[/BURST] (0 = off); reflection_ports default|none|P1,P2,...\n");
	return CTL_OK;
}

static int set_refl_ports(struct aegis_settings *s, const char *v)
{
	static const unsigned short defaults[] = { AEGIS_REFLECTION_PORTS };
	char *copy, *tok, *save = NULL;
	int ret = 0;

	memset(s->refl_ports, 0, sizeof(s->refl_ports));
	if (!strcmp(v, "none"))
		return 0;
	if (!strcmp(v, "default")) {
		for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
			s->refl_ports[defaults[i] / 64] |= 1ull << (defaults[i] % 64);
		return 0;
	}
	copy = strdup(v);
	if (!copy)
		return ctl_fail("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint16_t lo, hi;

		if (ctl_parse_port_range(tok, &lo, &hi)) {
			ret = CTL_USAGE;
			break;
		}
		for (uint32_t p = lo; p <= hi; p++)
			s->refl_ports[p / 64] |= 1ull << (p % 64);
	}
	free(copy);
	return ret;
}

static int set_number(struct aegis_settings *s, const char *k, const char *v, int *found)
{
	struct { const char *name; void *field; uint32_t max; bool byte; } nums[] = {
		{ "ttl_min", &s->ttl_min, 255, true },
		{ "ttl_max", &s->ttl_max, 255, true },
		{ "size_min", &s->pkt_len_min, 65535, false },
		{ "size_max", &s->pkt_len_max, 65535, false },
		{ "udp_payload_min", &s->udp_payload_min, 65535, false },
		{ "udp_payload_max", &s->udp_payload_max, 65535, false },
	};
	uint32_t n;

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(k, nums[i].name))
			continue;
		*found = 1;
		if (ctl_parse_u32(k, v, nums[i].max, &n))
			return CTL_USAGE;
		if (nums[i].byte)
			*(uint8_t *)nums[i].field = (uint8_t)n;
		else
			*(uint16_t *)nums[i].field = (uint16_t)n;
		return 0;
	}
	return 0;
}

static int settings_apply(struct aegis_settings *s, const char *k, const char *v)
{
	int found = 0;

	for (size_t i = 0; i < NFLAGS; i++) {
		if (strcmp(k, flag_names[i].name))
			continue;
		if (!strcmp(v, "on"))
			s->flags |= flag_names[i].bit;
		else if (!strcmp(v, "off"))
			s->flags &= ~flag_names[i].bit;
		else
			return ctl_usage("%s: expected on or off, not '%s'", k, v);
		return 0;
	}
	int ret = set_number(s, k, v, &found);

	if (found)
		return ret;
	if (!strcmp(k, "reflection_ports"))
		return set_refl_ports(s, v);
	if (!strcmp(k, "events")) {
		uint32_t rate = 0, burst;
		const char *slash = strchr(v, '/');
		char buf[16];

		snprintf(buf, sizeof(buf), "%.*s", slash ? (int)(slash - v) : (int)strlen(v), v);
		if (ctl_parse_u32("events", buf, 1000000, &rate))
			return CTL_USAGE;
		burst = rate;
		if (slash && ctl_parse_u32("events burst", slash + 1, 1000000, &burst))
			return CTL_USAGE;
		if (aegis_limit_init(&s->events, rate, burst ? burst : 1))
			return ctl_usage("events: rate/burst out of range");
		return 0;
	}
	return ctl_usage("settings: unknown key '%s' (see 'settings help')", k);
}

static unsigned int refl_count(const struct aegis_settings *s)
{
	unsigned int n = 0;

	for (int i = 0; i < AEGIS_REFL_WORDS; i++)
		n += (unsigned int)__builtin_popcountll(s->refl_ports[i]);
	return n;
}

static void settings_print(struct ctl *c, const struct aegis_settings *s)
{
	if (c->json) {
		json_obj_open(&c->j);
		for (size_t i = 0; i < NFLAGS; i++)
			json_kbool(&c->j, flag_names[i].name, s->flags & flag_names[i].bit);
		json_ku64(&c->j, "ttl_min", s->ttl_min);
		json_ku64(&c->j, "ttl_max", s->ttl_max);
		json_ku64(&c->j, "size_min", s->pkt_len_min);
		json_ku64(&c->j, "size_max", s->pkt_len_max);
		json_ku64(&c->j, "udp_payload_min", s->udp_payload_min);
		json_ku64(&c->j, "udp_payload_max", s->udp_payload_max);
		json_ku64(&c->j, "event_rate", s->events.rate);
		json_ku64(&c->j, "event_burst", s->events.burst);
		json_key(&c->j, "reflection_ports");
		json_arr_open(&c->j);
		for (uint32_t p = 0; p < 65536; p++)
			if (s->refl_ports[p / 64] >> (p % 64) & 1)
				json_u64(&c->j, p);
		json_arr_close(&c->j);
		json_obj_close(&c->j);
		return;
	}
	for (size_t i = 0; i < NFLAGS; i++)
		printf("%-16s %s\n", flag_names[i].name, s->flags & flag_names[i].bit ? "on" : "off");
	printf("%-16s %u..%u\n%-16s %u..%u\n%-16s %u..%u\n", "ttl", s->ttl_min, s->ttl_max,
	       "size", s->pkt_len_min, s->pkt_len_max, "udp_payload", s->udp_payload_min,
	       s->udp_payload_max);
	printf("%-16s %u/s burst %u\n%-16s %u ports\n", "events", s->events.rate,
	       s->events.burst, "reflection_ports", refl_count(s));
}

int do_settings(struct ctl *c, int argc, char **argv)
{
	struct aegis_settings s;

	if (argc < 1)
		return settings_help(), CTL_USAGE;
	if (ctl_is_help(argc, argv))
		return settings_help();
	if (!strcmp(argv[0], "show")) {
		if (argc > 1)
			return ctl_usage("settings show: unexpected argument '%s'", argv[1]);
		if (ctl_maps(c) || maps_settings_get(&c->maps, &s))
			return CTL_ERR;
		settings_print(c, &s);
		return CTL_OK;
	}
	if (strcmp(argv[0], "set"))
		return ctl_usage("settings: unknown action '%s' (show, set)", argv[0]);
	if (argc < 3 || (argc - 1) % 2)
		return ctl_usage("settings set: expected KEY VALUE pairs");
	/* Validate on a scratch copy first so a usage error never needs the maps. */
	memset(&s, 0, sizeof(s));
	for (int i = 1; i < argc; i += 2)
		if (settings_apply(&s, argv[i], argv[i + 1]))
			return CTL_USAGE;
	if (ctl_maps(c) || maps_settings_get(&c->maps, &s))
		return CTL_ERR;
	for (int i = 1; i < argc; i += 2)
		settings_apply(&s, argv[i], argv[i + 1]);
	if (maps_settings_set(&c->maps, &s))
		return ctl_fail("settings set: map update failed");
	return CTL_OK;
}
