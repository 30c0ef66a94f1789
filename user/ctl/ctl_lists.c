// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * aegisctl ban / allow / deny: the address tables.
 *   ban add ADDR|CIDR [ttl DUR] [reason TEXT]   (CIDR up to 256 addresses)
 *   ban del ADDR|CIDR     ban list
 *   allow|deny add CIDR [note TEXT]   allow|deny del CIDR   allow|deny list
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/addr.h"
#include "ctl/ctl.h"
#include "lib/names.h"
#include "lib/units.h"

/* Expanding a CIDR into per-address bans is bounded; wider nets belong on the deny-list. */
#define CTL_BAN_CIDR_MAX 256

static int ban_help(void)
{
	printf("Usage: aegisctl ban add ADDR|CIDR [ttl DUR] [reason TEXT]\n"
	       "       aegisctl ban del ADDR|CIDR\n"
	       "       aegisctl ban list\n"
	       "ADDR is IPv4 or IPv6; a CIDR bans each of its addresses (at most %d).\n"
	       "DUR: 90s, 10m, 2h, 7d; no ttl means permanent. TEXT: up to %d characters.\n",
	       CTL_BAN_CIDR_MAX, AEGIS_NOTE_LEN - 1);
	return CTL_OK;
}

/* Number of addresses in the prefix, or 0 if more than CTL_BAN_CIDR_MAX. */
static unsigned int cidr_size(const struct aegis_lpm_key *k)
{
	unsigned int host_bits = 128 - k->prefixlen;

	return host_bits > 8 ? 0 : 1u << host_bits;
}

static void cidr_nth(const struct aegis_lpm_key *k, unsigned int n, struct aegis_addr *out)
{
	unsigned char *b = (unsigned char *)out;

	*out = k->addr;
	b[15] = (unsigned char)(b[15] | n);
}

struct ban_args {
	struct aegis_lpm_key target;
	uint64_t ttl_ms;
	const char *reason;
};

static int ban_parse(int argc, char **argv, bool add, struct ban_args *a)
{
	if (argc < 1)
		return ctl_usage("ban %s: missing address", add ? "add" : "del");
	if (addr_parse_cidr(argv[0], &a->target, false))
		return ctl_usage("ban: invalid address or CIDR '%s'", argv[0]);
	if (!cidr_size(&a->target))
		return ctl_usage("ban: '%s' is wider than %d addresses; use 'deny add %s'",
				 argv[0], CTL_BAN_CIDR_MAX, argv[0]);
	for (int i = 1; i < argc; i += 2) {
		if (!add)
			return ctl_usage("ban del: unexpected argument '%s'", argv[i]);
		if (i + 1 >= argc)
			return ctl_usage("ban add: '%s' needs a value", argv[i]);
		if (!strcmp(argv[i], "ttl")) {
			if (ctl_parse_duration("ttl", argv[i + 1], &a->ttl_ms))
				return CTL_USAGE;
		} else if (!strcmp(argv[i], "reason")) {
			if (strlen(argv[i + 1]) >= AEGIS_NOTE_LEN)
				return ctl_usage("reason: at most %d characters", AEGIS_NOTE_LEN - 1);
			a->reason = argv[i + 1];
		} else {
			return ctl_usage("ban add: unknown argument '%s' (ttl, reason)", argv[i]);
		}
	}
	return 0;
}

static int ban_apply(struct ctl *c, const struct ban_args *a, bool add)
{
	unsigned int n = cidr_size(&a->target), done = 0;
	char buf[ADDR_STRLEN];
	struct aegis_addr addr;
	int ret = 0;

	for (unsigned int i = 0; i < n; i++) {
		cidr_nth(&a->target, i, &addr);
		if (add)
			ret = maps_ban_add(&c->maps, &addr, a->ttl_ms, AEGIS_BAN_OPERATOR, 0,
					   a->reason ? a->reason : "");
		else
			ret = maps_ban_del(&c->maps, &addr);
		if (ret == -ENOENT && !add && n > 1)
			continue;
		if (ret == -ENOENT)
			return ctl_fail("ban del: %s is not banned", addr_format(&addr, buf, sizeof(buf)));
		if (ret == -E2BIG || ret == -ENOMEM)
			return ctl_fail("ban add: ban table full (%u entries); %u added",
					c->maps.max_entries[MAPS_BANS], done);
		if (ret)
			return ctl_fail("ban: %s: %s", addr_format(&addr, buf, sizeof(buf)),
					strerror(-ret));
		done++;
	}
	if (!done && !add)
		return ctl_fail("ban del: no address of %s is banned", addr_format_cidr(&a->target, buf, sizeof(buf)));
	return CTL_OK;
}

struct ban_print {
	struct ctl *c;
	uint64_t now;
	unsigned int n;
};

static int ban_print_one(const struct aegis_addr *a, const struct aegis_ban *b, void *ctx)
{
	struct ban_print *p = ctx;
	char addr[ADDR_STRLEN], ttl[32] = "permanent", note[AEGIS_NOTE_LEN + 1];
	const char *reason = b->reason ? names_stat(b->reason) : "-";

	snprintf(note, sizeof(note), "%.*s", AEGIS_NOTE_LEN, b->note);
	/* Reputation bans name their dominant input in the note: "rep INPUT". */
	if (!b->reason && b->origin == AEGIS_BAN_REPUTATION && !strncmp(note, "rep ", 4))
		reason = note + 4;
	addr_format(a, addr, sizeof(addr));
	if (p->c->json) {
		json_obj_open(&p->c->j);
		json_kstr(&p->c->j, "address", addr);
		json_key(&p->c->j, "ttl_ms");
		if (b->expires_ns)
			json_u64(&p->c->j, (b->expires_ns - p->now) / 1000000);
		else
			json_null_value(&p->c->j);
		json_kstr(&p->c->j, "origin", names_origin(b->origin));
		json_kstr(&p->c->j, "reason", reason);
		json_kstr(&p->c->j, "note", note);
		json_ku64(&p->c->j, "age_ms", (p->now - b->created_ns) / 1000000);
		json_obj_close(&p->c->j);
	} else {
		if (!p->n)
			printf("%-40s %-10s %-9s %-16s %s\n", "ADDRESS", "EXPIRES", "ORIGIN",
			       "REASON", "NOTE");
		if (b->expires_ns)
			units_format_duration_ms((b->expires_ns - p->now + 999999) / 1000000 / 1000 * 1000,
						 ttl, sizeof(ttl));
		printf("%-40s %-10s %-9s %-16s %s\n", addr, ttl, names_origin(b->origin), reason,
		       note);
	}
	p->n++;
	return 0;
}

static int ban_list(struct ctl *c)
{
	struct ban_print p = { .c = c, .now = maps_now_ns() };
	int ret;

	if (c->json)
		json_arr_open(&c->j);
	ret = maps_ban_foreach(&c->maps, ban_print_one, &p);
	if (c->json)
		json_arr_close(&c->j);
	else if (!p.n)
		printf("no bans\n");
	return ret ? ctl_fail("ban list: %s", strerror(-ret)) : CTL_OK;
}

int do_ban(struct ctl *c, int argc, char **argv)
{
	struct ban_args a = {};
	bool add;

	if (argc < 1 || ctl_is_help(argc, argv))
		return argc < 1 ? (ban_help(), CTL_USAGE) : ban_help();
	if (!strcmp(argv[0], "list")) {
		if (argc > 1)
			return ctl_usage("ban list: unexpected argument '%s'", argv[1]);
		return ctl_maps(c) ?: ban_list(c);
	}
	if (strcmp(argv[0], "add") && strcmp(argv[0], "del"))
		return ctl_usage("ban: unknown action '%s' (add, del, list)", argv[0]);
	add = !strcmp(argv[0], "add");
	if (ban_parse(argc - 1, argv + 1, add, &a))
		return CTL_USAGE;
	return ctl_maps(c) ?: ban_apply(c, &a, add);
}

static int list_help(const char *name)
{
	printf("Usage: aegisctl %s add CIDR [note TEXT]\n"
	       "       aegisctl %s del CIDR\n"
	       "       aegisctl %s list\n"
	       "CIDR: 198.18.0.0/24, 2001:db8::/64, or a bare address.\n",
	       name, name, name);
	return CTL_OK;
}

struct list_print {
	struct ctl *c;
	unsigned int n;
};

static int list_print_one(const struct aegis_lpm_key *k, const struct aegis_list_entry *e,
			  void *ctx)
{
	struct list_print *p = ctx;
	char cidr[ADDR_STRLEN], note[AEGIS_NOTE_LEN + 1];

	snprintf(note, sizeof(note), "%.*s", AEGIS_NOTE_LEN, e->note);
	addr_format_cidr(k, cidr, sizeof(cidr));
	if (p->c->json) {
		json_obj_open(&p->c->j);
		json_kstr(&p->c->j, "cidr", cidr);
		json_kstr(&p->c->j, "note", note);
		json_obj_close(&p->c->j);
	} else {
		printf("%-44s %s\n", cidr, note);
	}
	p->n++;
	return 0;
}

static int do_list(struct ctl *c, enum maps_id which, const char *name, int argc, char **argv)
{
	struct list_print p = { .c = c };
	struct aegis_lpm_key k;
	const char *note = "";
	int ret;

	if (argc < 1 || ctl_is_help(argc, argv))
		return argc < 1 ? (list_help(name), CTL_USAGE) : list_help(name);
	if (!strcmp(argv[0], "list")) {
		if (argc > 1)
			return ctl_usage("%s list: unexpected argument '%s'", name, argv[1]);
		if (ctl_maps(c))
			return CTL_ERR;
		if (c->json)
			json_arr_open(&c->j);
		ret = maps_list_foreach(&c->maps, which, list_print_one, &p);
		if (c->json)
			json_arr_close(&c->j);
		else if (!p.n)
			printf("%s-list is empty\n", name);
		return ret ? ctl_fail("%s list: %s", name, strerror(-ret)) : CTL_OK;
	}
	bool add = !strcmp(argv[0], "add");

	if (!add && strcmp(argv[0], "del"))
		return ctl_usage("%s: unknown action '%s' (add, del, list)", name, argv[0]);
	if (argc < 2)
		return ctl_usage("%s %s: missing CIDR", name, argv[0]);
	if (addr_parse_cidr(argv[1], &k, false))
		return ctl_usage("%s: invalid CIDR '%s' (host bits must be zero)", name, argv[1]);
	if (add && argc == 4 && !strcmp(argv[2], "note")) {
		if (strlen(argv[3]) >= AEGIS_NOTE_LEN)
			return ctl_usage("note: at most %d characters", AEGIS_NOTE_LEN - 1);
		note = argv[3];
	} else if (argc > 2) {
		return ctl_usage("%s %s: unexpected argument '%s'", name, argv[0], argv[2]);
	}
	if (ctl_maps(c))
		return CTL_ERR;
	ret = add ? maps_list_add(&c->maps, which, &k, note) : maps_list_del(&c->maps, which, &k);
	if (ret == -ENOENT)
		return ctl_fail("%s del: %s is not listed", name, argv[1]);
	if (ret == -ENOSPC || ret == -E2BIG || ret == -ENOMEM)
		return ctl_fail("%s add: table full (%u entries)", name, c->maps.max_entries[which]);
	return ret ? ctl_fail("%s: %s", name, strerror(-ret)) : CTL_OK;
}

int do_allow(struct ctl *c, int argc, char **argv)
{
	return do_list(c, MAPS_ALLOW, "allow", argc, argv);
}

int do_deny(struct ctl *c, int argc, char **argv)
{
	return do_list(c, MAPS_DENY, "deny", argc, argv);
}
