/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The io_uring user_data codec: what a completion is about, packed into
 * 64 bits instead of a raw pointer, so a completion for a slot that was
 * freed and reused is recognised (generation mismatch) and ignored.
 *
 *   bits 56..63  op (enum ud_op)
 *   bits 55      side (0 client/listener, 1 upstream)
 *   bits 32..54  generation (23 bits)
 *   bits  0..31  slot index (connection, listener or session)
 */
#ifndef AEGIS_URING_UD_H
#define AEGIS_URING_UD_H

#include <stdint.h>

enum ud_op {
	UD_NONE,
	UD_WAKE,		/* eventfd poll: commands from the main thread */
	UD_ACCEPT,		/* listener slot */
	UD_RECV,		/* tcp conn slot + side */
	UD_SEND,		/* tcp conn slot + side (the side sent to) */
	UD_CONNECT,		/* tcp conn slot */
	UD_CONNECT_TIMEOUT,	/* linked timeout of a connect */
	UD_CANCEL,		/* cancel requests; conn slot */
	UD_UDP_RECV,		/* udp listener slot */
	UD_UDP_UP_RECV,		/* udp session slot */
	UD_UDP_SEND,		/* udp send context slot */
	UD_HTTP_RECV,		/* http conn slot + side */
	UD_HTTP_SEND,		/* http conn slot + side (the side sent to) */
	UD_HTTP_CONNECT,	/* http conn slot */
	UD_HTTP_CANCEL,		/* http conn slot: cancels, linked connect timeouts */
	UD_HTTP_POOL,		/* idle upstream slot: input while pooled */
};

#define UD_GEN_MASK ((1u << 23) - 1)

static inline uint64_t ud_pack(enum ud_op op, uint32_t slot, uint32_t gen, unsigned int side)
{
	return ((uint64_t)op << 56) | ((uint64_t)(side & 1) << 55) |
	       ((uint64_t)(gen & UD_GEN_MASK) << 32) | slot;
}

static inline enum ud_op ud_op(uint64_t ud) { return (enum ud_op)(ud >> 56); }
static inline unsigned int ud_side(uint64_t ud) { return (ud >> 55) & 1; }
static inline uint32_t ud_gen(uint64_t ud) { return (ud >> 32) & UD_GEN_MASK; }
static inline uint32_t ud_slot(uint64_t ud) { return (uint32_t)ud; }

#endif /* AEGIS_URING_UD_H */
