// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * YAML text -> struct cfg_node tree, from libyaml's event stream.
 *
 * Why not yaml_parser_load(): its document keeps aliases as shared nodes,
 * which lose the alias's own line and let "billion laughs" input blow up
 * any walk over the tree. Building the tree from events lets us reject an
 * alias where it is written, bound the nesting depth, and keep each
 * scalar's quoting style (only an unquoted "null" or "~" is null).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/config_priv.h"

struct builder {
	struct cfg_node *root;
	struct cfg_node *stack[CFG_MAX_DEPTH];	/* open sequences and mappings */
	int depth;
	int docs;
};

void cfg_node_free(struct cfg_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_kids; i++)
		cfg_node_free(n->kids[i]);	/* depth <= CFG_MAX_DEPTH */
	free(n->kids);
	free(n->text);
	free(n);
}

static int node_append(struct cfg_node *parent, struct cfg_node *kid)
{
	if (parent->n_kids == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct cfg_node **k = realloc(parent->kids, cap * sizeof(*k));

		if (!k)
			return -ENOMEM;
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n_kids++] = kid;
	return 0;
}

/* Hands n to the tree (root or the open container); frees it on failure. */
static int builder_add(struct cfg_ctx *c, struct builder *b, struct cfg_node *n)
{
	if (!b->depth) {
		if (b->root) {	/* unreachable: documents after the first are refused */
			cfg_node_free(n);
			return cfg_error(c, 0, "more than one root node");
		}
		b->root = n;
		return 0;
	}
	if (node_append(b->stack[b->depth - 1], n)) {
		cfg_node_free(n);
		cfg_error(c, 0, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int add_scalar(struct cfg_ctx *c, struct builder *b, const yaml_event_t *ev, int line)
{
	const char *val = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct cfg_node *n;

	/* "\0" escapes would silently cut every string comparison short. */
	if (memchr(val, 0, len))
		return cfg_error(c, line, "NUL character in a value");
	n = calloc(1, sizeof(*n));
	if (!n || !(n->text = strndup(val, len))) {
		free(n);
		cfg_error(c, 0, "out of memory");
		return -ENOMEM;
	}
	n->type = CFG_NODE_SCALAR;
	n->line = line;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return builder_add(c, b, n);
}

static int open_container(struct cfg_ctx *c, struct builder *b, enum cfg_node_type type,
			  int line)
{
	struct cfg_node *n;
	int ret;

	if (b->depth == CFG_MAX_DEPTH)
		return cfg_error(c, line, "nesting deeper than %d levels", CFG_MAX_DEPTH);
	n = calloc(1, sizeof(*n));
	if (!n) {
		cfg_error(c, 0, "out of memory");
		return -ENOMEM;
	}
	n->type = type;
	n->line = line;
	ret = builder_add(c, b, n);
	if (!ret)
		b->stack[b->depth++] = n;
	return ret;
}

static int builder_event(struct cfg_ctx *c, struct builder *b, const yaml_event_t *ev)
{
	int line = (int)ev->start_mark.line + 1;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->docs > 1)
			return cfg_error(c, line, "only one YAML document per file is allowed");
		return 0;
	case YAML_ALIAS_EVENT:
		return cfg_error(c, line, "aliases (*%s) are not supported; repeat the value",
				 (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		return add_scalar(c, b, ev, line);
	case YAML_SEQUENCE_START_EVENT:
		return open_container(c, b, CFG_NODE_SEQ, line);
	case YAML_MAPPING_START_EVENT:
		return open_container(c, b, CFG_NODE_MAP, line);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth)	/* libyaml pairs them; never index stack[-1] regardless */
			b->depth--;
		return 0;
	default:
		return 0;
	}
}

/* Reader errors (bad UTF-8, control characters) only carry a byte offset. */
static int line_at_offset(const char *buf, size_t len, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off && i < len; i++)
		line += buf[i] == '\n';
	return line;
}

static int syntax_error(struct cfg_ctx *c, const yaml_parser_t *p, const char *buf, size_t len)
{
	const char *problem = p->problem ? p->problem : "unknown error";
	int line;

	if (p->error == YAML_MEMORY_ERROR) {
		cfg_error(c, 0, "out of memory");
		return -ENOMEM;
	}
	if (p->error == YAML_READER_ERROR)
		return cfg_error(c, line_at_offset(buf, len, p->problem_offset),
				 "invalid YAML: %s", problem);
	line = (int)p->problem_mark.line + 1;
	if (p->context)
		return cfg_error(c, line, "invalid YAML: %s (%s at line %d)", problem,
				 p->context, (int)p->context_mark.line + 1);
	return cfg_error(c, line, "invalid YAML: %s", problem);
}

/* Parses buf into *root (NULL for a stream without content). */
int cfg_yaml_load(struct cfg_ctx *c, const char *buf, size_t len, struct cfg_node **root)
{
	struct builder b = { 0 };
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int ret = 0;

	*root = NULL;
	if (!yaml_parser_initialize(&parser)) {
		cfg_error(c, 0, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && !ret) {
		if (!yaml_parser_parse(&parser, &ev)) {
			ret = syntax_error(c, &parser, buf, len);
			break;
		}
		ret = builder_event(c, &b, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (ret)
		cfg_node_free(b.root);
	else
		*root = b.root;
	return ret;
}
