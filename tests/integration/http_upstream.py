#!/usr/bin/env python3
"""An HTTP/1.1 test upstream for the HTTP proxy tests (stdlib only, threaded).

  http_upstream.py --listen ADDR:PORT [--listen ...] [--name NAME]
                   [--stats FILE] [--log FILE]

ADDR may be an IPv4 or IPv6 literal ("[::]:8080" or ":::8080"). Every
response carries "Server: aegis-test-upstream" and "X-Powered-By:
PHP/0-test" (so a test can see the proxy strip them) and "X-Upstream:
NAME". Keep-alive is HTTP/1.1's: a connection serves requests until the
client sends "Connection: close" (or speaks HTTP/1.0 without keep-alive);
pipelined requests are answered in order.

Paths (query strings as shown):
  any other path  200, JSON echo: method, target, path, version, headers
                  (lower-case names; repeats joined by ", "), body_len,
                  body_sha256 (the de-chunked body), body_chunked, conn
                  (a per-TCP-connection id), conn_requests (requests so far
                  on that connection, this one included), peer, upstream.
  /slow?ms=N      the echo after N ms.
  /die            closes the connection without a response.
  /500            500 with a small JSON body.
  /status?code=N  status N with the echo (no body for 1xx/204/304).
  /204, /304      no body (304 with ETag); HEAD of any path: the GET
                  headers (Content-Length included), no body.
  /chunked?n=K    the echo as a chunked response in K chunks (default 3).
  /big?bytes=N    N bytes (pattern: byte i is i % 251), streamed in 64 KiB
                  writes, with X-Body-Sha256.
  /ws             WebSocket (RFC 6455) echo: text and binary messages are
                  sent back as they came; ping -> pong; close -> close.
  /__stats        counters as JSON (not counted themselves).

Counters (/__stats and, after every request, the --stats FILE written
atomically): connections, requests, by_path (request count per path
without the query), ws_messages. --log FILE gets one JSON line per request
(method, target, conn, headers). Exits on SIGTERM or SIGINT.
"""
import argparse
import base64
import hashlib
import json
import os
import signal
import socket
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC11B85"
MAX_HEAD = 64 * 1024


class Stats:
    def __init__(self, path, log):
        self.lock = threading.Lock()
        self.path = path
        self.log = open(log, "a", buffering=1) if log else None
        self.connections = 0
        self.requests = 0
        self.by_path = {}
        self.ws_messages = 0

    def new_conn(self):
        with self.lock:
            self.connections += 1
            cid = self.connections
        self.flush()
        return cid

    def request(self, req, cid):
        with self.lock:
            self.requests += 1
            p = req["path"]
            self.by_path[p] = self.by_path.get(p, 0) + 1
            if self.log:
                self.log.write(json.dumps({"method": req["method"], "target": req["target"],
                                           "conn": cid, "headers": req["headers"]}) + "\n")
        self.flush()

    def ws(self):
        with self.lock:
            self.ws_messages += 1
        self.flush()

    def snapshot(self):
        with self.lock:
            return {"connections": self.connections, "requests": self.requests,
                    "by_path": dict(self.by_path), "ws_messages": self.ws_messages}

    def flush(self):
        if not self.path:
            return
        snap = self.snapshot()
        tmp = "%s.%d.tmp" % (self.path, threading.get_ident())
        with open(tmp, "w") as f:
            json.dump(snap, f)
        os.replace(tmp, self.path)


class Closed(Exception):
    pass


class Conn:
    """Buffered reads over one client connection."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise Closed()
        self.buf += d

    def line(self, limit=MAX_HEAD):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                ln, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return ln
            if len(self.buf) > limit:
                raise ValueError("line too long")
            self.fill()

    def exactly(self, n, sink):
        while n > 0:
            if not self.buf:
                self.fill()
            take = self.buf[:n]
            self.buf = self.buf[len(take):]
            n -= len(take)
            sink(take)


def read_request(c):
    """Returns a dict, or None on a clean close between requests."""
    try:
        first = c.line()
    except Closed:
        return None
    while first in (b"\r\n", b"\n"):	# tolerated blank lines before a request
        first = c.line()
    parts = first.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3:
        raise ValueError("bad request line %r" % first)
    method, target, version = parts
    headers, order, size = {}, [], len(first)
    while True:
        ln = c.line()
        size += len(ln)
        if size > MAX_HEAD:
            raise ValueError("head too large")
        if ln in (b"\r\n", b"\n"):
            break
        name, _, value = ln.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip()
        order.append([name, value])
        headers[name] = headers[name] + ", " + value if name in headers else value
    h = hashlib.sha256()
    length = 0
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()

    def sink(b):
        nonlocal length
        length += len(b)
        h.update(b)
    if chunked:
        while True:
            size_line = c.line().split(b";")[0].strip()
            n = int(size_line, 16)
            if n == 0:
                while c.line() not in (b"\r\n", b"\n"):	# trailers
                    pass
                break
            c.exactly(n, sink)
            c.line()
    elif "content-length" in headers:
        c.exactly(int(headers["content-length"].split(",")[0]), sink)
    u = urlsplit(target)
    return {"method": method, "target": target, "path": u.path or "/",
            "query": parse_qs(u.query), "version": version, "headers": headers,
            "header_list": order, "body_len": length, "body_sha256": h.hexdigest(),
            "body_chunked": chunked}


def wants_close(req):
    conn = req["headers"].get("connection", "").lower()
    if req["version"] == "HTTP/1.0":
        return "keep-alive" not in conn
    return "close" in conn


REASONS = {101: "Switching Protocols", 200: "OK", 204: "No Content", 304: "Not Modified",
           400: "Bad Request", 404: "Not Found", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}


def head_bytes(status, headers, name):
    lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status")),
             "Server: aegis-test-upstream", "X-Powered-By: PHP/0-test",
             "X-Upstream: %s" % name]
    lines += ["%s: %s" % kv for kv in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def big_body(n):
    pat = bytes(i % 251 for i in range(251 * 261))	# 65511 B, a whole number of periods
    sent = 0
    while sent < n:
        piece = pat[:min(len(pat), n - sent)]
        sent += len(piece)
        yield piece


def big_sha(n):
    h = hashlib.sha256()
    for p in big_body(n):
        h.update(p)
    return h.hexdigest()


def ws_recv_frame(c):
    buf = []
    c.exactly(2, buf.append)
    hdr = b"".join(buf)
    fin, op = hdr[0] & 0x80, hdr[0] & 0x0F
    masked, n = hdr[1] & 0x80, hdr[1] & 0x7F
    if n == 126:
        buf = []
        c.exactly(2, buf.append)
        n = int.from_bytes(b"".join(buf), "big")
    elif n == 127:
        buf = []
        c.exactly(8, buf.append)
        n = int.from_bytes(b"".join(buf), "big")
    key = b""
    if masked:
        buf = []
        c.exactly(4, buf.append)
        key = b"".join(buf)
    buf = []
    c.exactly(n, buf.append)
    data = b"".join(buf)
    if masked:
        data = bytes(b ^ key[i % 4] for i, b in enumerate(data))
    return bool(fin), op, data, bool(masked)


def ws_frame(op, data):
    n = len(data)
    if n < 126:
        hdr = bytes([0x80 | op, n])
    elif n < 65536:
        hdr = bytes([0x80 | op, 126]) + n.to_bytes(2, "big")
    else:
        hdr = bytes([0x80 | op, 127]) + n.to_bytes(8, "big")
    return hdr + data


def serve_ws(c, req, args, stats):
    key = req["headers"].get("sec-websocket-key", "")
    if "websocket" not in req["headers"].get("upgrade", "").lower() or not key:
        body = b'{"error":"not a websocket handshake"}'
        c.sock.sendall(head_bytes(400, [("Content-Type", "application/json"),
                                        ("Content-Length", len(body)),
                                        ("Connection", "close")], args.name) + body)
        return
    accept = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
    c.sock.sendall(head_bytes(101, [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                    ("Sec-WebSocket-Accept", accept)], args.name))
    msg, msg_op = b"", 0
    while True:
        fin, op, data, masked = ws_recv_frame(c)
        if not masked:		# RFC 6455 5.1: a server must close on an unmasked frame
            c.sock.sendall(ws_frame(8, (1002).to_bytes(2, "big")))
            return
        if op == 8:
            c.sock.sendall(ws_frame(8, data[:2]))
            return
        if op == 9:
            c.sock.sendall(ws_frame(10, data))
            continue
        if op == 10:
            continue
        if op in (1, 2):
            msg, msg_op = data, op
        elif op == 0:
            msg += data
        if fin:
            c.sock.sendall(ws_frame(msg_op, msg))
            stats.ws()
            msg = b""


def respond(c, req, cid, nreq, peer, args, stats):
    """Answers one request; returns False to close the connection."""
    path, q, method = req["path"], req["query"], req["method"]
    if path == "/__stats":
        body = json.dumps(stats.snapshot()).encode()
        c.sock.sendall(head_bytes(200, [("Content-Type", "application/json"),
                                        ("Content-Length", len(body))], args.name) + body)
        return not wants_close(req)
    stats.request(req, cid)
    if path == "/die":
        return False
    if path == "/ws":
        serve_ws(c, req, args, stats)
        return False
    if path == "/slow":
        time.sleep(int(q.get("ms", ["1000"])[0]) / 1000.0)
    close = wants_close(req)
    conn_hdr = [("Connection", "close")] if close else []
    if req["version"] == "HTTP/1.0" and not close:
        conn_hdr = [("Connection", "keep-alive")]
    status = 200
    if path == "/500":
        status = 500
    elif path == "/204":
        status = 204
    elif path == "/304":
        status = 304
    elif path == "/status":
        status = int(q.get("code", ["200"])[0])
    if status in (204, 304) or 100 <= status < 200:
        extra = [("ETag", '"aegis-test"')] if status == 304 else []
        c.sock.sendall(head_bytes(status, extra + conn_hdr, args.name))
        return not close
    if path == "/big":
        n = int(q.get("bytes", ["1048576"])[0])
        c.sock.sendall(head_bytes(200, [("Content-Type", "application/octet-stream"),
                                        ("Content-Length", n), ("X-Body-Sha256", big_sha(n))]
                                  + conn_hdr, args.name))
        if method != "HEAD":
            for piece in big_body(n):
                c.sock.sendall(piece)
        return not close
    echo = {"method": method, "target": req["target"], "path": path,
            "version": req["version"], "headers": req["headers"],
            "body_len": req["body_len"], "body_sha256": req["body_sha256"],
            "body_chunked": req["body_chunked"], "conn": cid, "conn_requests": nreq,
            "peer": peer, "upstream": args.name}
    if status == 500:
        echo = {"error": "upstream failure (test)", "upstream": args.name}
    body = (json.dumps(echo) + "\n").encode()
    ctype = [("Content-Type", "application/json")]
    if path == "/chunked":
        c.sock.sendall(head_bytes(status, ctype + [("Transfer-Encoding", "chunked")] + conn_hdr,
                                  args.name))
        if method != "HEAD":
            k = max(1, int(q.get("n", ["3"])[0]))
            step = max(1, -(-len(body) // k))
            out = b""
            for i in range(0, len(body), step):
                piece = body[i:i + step]
                out += b"%x\r\n%s\r\n" % (len(piece), piece)
            c.sock.sendall(out + b"0\r\n\r\n")
        return not close
    c.sock.sendall(head_bytes(status, ctype + [("Content-Length", len(body))] + conn_hdr,
                              args.name) + (b"" if method == "HEAD" else body))
    return not close


def serve_conn(sock, peer, args, stats):
    cid = stats.new_conn()
    c = Conn(sock)
    nreq = 0
    try:
        while True:
            req = read_request(c)
            if req is None:
                break
            nreq += 1
            if not respond(c, req, cid, nreq, peer, args, stats):
                break
    except (Closed, OSError, ValueError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def listener(spec, args, stats):
    host, _, port = spec.rpartition(":")
    host = host.strip("[]") or "::"
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((host, int(port)))
    s.listen(4096)

    def loop():
        while True:
            conn, addr = s.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=serve_conn, args=(conn, addr[0], args, stats),
                             daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", action="append", required=True, help="ADDR:PORT")
    ap.add_argument("--name", default="up")
    ap.add_argument("--stats")
    ap.add_argument("--log")
    args = ap.parse_args()
    stats = Stats(args.stats, args.log)
    stats.flush()
    for spec in args.listen:
        listener(spec, args, stats)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
