/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The io_uring user_data codec: what a completion is about, packed into
 * 64 bits instead of a raw pointer, so a completion for a slot that was
 * freed and reused is recognised (generation mismatch) and ignored.
 *
 *   bits 60..63  family (enum ud_family)
 *   bits 56..63  op (enum ud_op: its family, then its number)
 *   bits 55      side (0 client/listener, 1 upstream)
 *   bits 32..54  generation (23 bits)
 *   bits  0..31  slot index (connection, listener or session)
 */
#ifndef AEGIS_URING_UD_H
#define AEGIS_URING_UD_H

#include <stdint.h>

/*
 * Who handles a completion: the worker itself or one protocol. The loop
 * hands a completion to the ops its family registered (worker.h), so the
 * op numbers carry their family in their top four bits.
 */
enum ud_family {
	UD_FAM_WORKER,		/* the worker's own requests */
	UD_FAM_TCP,		/* engine/tcp_proxy.c */
	UD_FAM_UDP,		/* engine/udp_proxy.c */
	UD_FAM_HTTP,		/* http/http_conn.c */
	UD_FAM_COUNT,
};

#define UD_OP(fam, n) (((unsigned int)(fam) << 4) | (n))

enum ud_op {
	UD_NONE = UD_OP(UD_FAM_WORKER, 0),	/* nothing to do (cancels) */
	UD_WAKE = UD_OP(UD_FAM_WORKER, 1),	/* eventfd poll: commands from the main thread */
	UD_ACCEPT = UD_OP(UD_FAM_WORKER, 2),	/* listener slot */
	UD_RECV = UD_OP(UD_FAM_TCP, 0),		/* tcp conn slot + side */
	UD_SEND,				/* tcp conn slot + side (the side sent to) */
	UD_CONNECT,				/* tcp conn slot */
	UD_CONNECT_TIMEOUT,			/* linked timeout of a connect */
	UD_CANCEL,				/* cancel requests; conn slot */
	UD_UDP_RECV = UD_OP(UD_FAM_UDP, 0),	/* udp listener slot */
	UD_UDP_UP_RECV,				/* udp session slot */
	UD_UDP_SEND,				/* udp send context slot */
	UD_HTTP_RECV = UD_OP(UD_FAM_HTTP, 0),	/* http conn slot + side */
	UD_HTTP_SEND,				/* http conn slot + side (the side sent to) */
	UD_HTTP_CONNECT,			/* http conn slot */
	UD_HTTP_CANCEL,				/* http conn slot: cancels, linked connect timeouts */
	UD_HTTP_POOL,				/* idle upstream slot: input while pooled */
};

#define UD_GEN_MASK ((1u << 23) - 1)

static inline uint64_t ud_pack(enum ud_op op, uint32_t slot, uint32_t gen, unsigned int side)
{
	return ((uint64_t)op << 56) | ((uint64_t)(side & 1) << 55) |
	       ((uint64_t)(gen & UD_GEN_MASK) << 32) | slot;
}

static inline enum ud_op ud_op(uint64_t ud) { return (enum ud_op)(ud >> 56); }
static inline enum ud_family ud_family(uint64_t ud) { return (enum ud_family)(ud >> 60); }
static inline unsigned int ud_side(uint64_t ud) { return (ud >> 55) & 1; }
static inline uint32_t ud_gen(uint64_t ud) { return (ud >> 32) & UD_GEN_MASK; }
static inline uint32_t ud_slot(uint64_t ud) { return (uint32_t)ud; }

#endif /* AEGIS_URING_UD_H */
