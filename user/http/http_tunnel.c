// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tunnel of an HTTP connection after 101 Switching Protocols (a
 * WebSocket, say); see http_conn.h. The request is logged as it starts;
 * from then on the connection is raw bytes both ways with the same
 * bounded queues (backpressure) and the proxy's idle timeout. Every I/O
 * event of a tunnel comes here (hx_on_recv / hx_on_sent / hx_on_error
 * tell it apart once); the request and response code never sees one.
 */
#include <stdatomic.h>

#include "http/http_conn.h"
#include "http/http_rt.h"

void hx_tunnel_start(struct worker *w, struct http_conn *c)
{
	atomic_fetch_add_explicit(&c->rt->st.tunnels, 1, memory_order_relaxed);
	hx_request_end(w, c);
	c->state = HC_TUNNEL;
	hx_tunnel_pump(w, c);
}

/* After a 101: bytes both ways as they come; a side's EOF is passed on
 * as a half-close once what it sent has gone out. */
void hx_tunnel_pump(struct worker *w, struct http_conn *c)
{
	for (int from = 0; from < 2; from++) {
		int to = !from;
		struct hbuf *in = &c->in[from];

		if (in->len && hc_queued(c, to) < HC_BUDGET) {
			if (hbuf_append(&c->out[to], in->p + in->off, in->len)) {
				hc_close(w, c, "out_of_memory");
				return;
			}
			if (from == HC_CLIENT)
				c->req_bytes += in->len;
			else
				c->resp_bytes += in->len;
			hbuf_consume(in, in->len);
		}
		hc_kick_send(w, c, to);
		if (c->s[from].eof && !in->len && !hc_queued(c, to) && !c->s[to].shut_wr) {
			hc_shut_wr(w, c, to);
			c->s[to].shut_wr = 1;
		}
	}
	if (c->s[HC_CLIENT].shut_wr && c->s[HC_UP].shut_wr)
		hc_close(w, c, "tunnel_closed");
}
