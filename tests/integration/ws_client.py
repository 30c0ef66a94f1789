#!/usr/bin/env python3
"""A minimal RFC 6455 WebSocket client for the proxy tests (stdlib only).

  ws_client.py HOST PORT [--path /ws] [--host HEADER] [-n N] [--timeout S]

Opens a TCP connection, sends the opening handshake (GET PATH, Upgrade:
websocket, a random Sec-WebSocket-Key) and checks the 101 answer and its
Sec-WebSocket-Accept. Then N messages (default 5), masked as a client
must: text and binary alternately, payloads of 0 B, 7-bit, 16-bit and
64-bit lengths (up to 70,000 B), one of them split in two fragments, and a
ping. Every echo must come back byte for byte in order (a pong for the
ping). Finally a close frame (1000) and the server's close. Prints
"ok N messages echoed" and exits 0; otherwise prints why and exits 1.
"""
import argparse
import base64
import hashlib
import os
import socket
import sys

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC11B85"
SIZES = [0, 5, 125, 126, 1000, 65535, 65536, 70000]


def frame(op, data, fin=True):
    key = os.urandom(4)
    n = len(data)
    b0 = (0x80 if fin else 0) | op
    if n < 126:
        hdr = bytes([b0, 0x80 | n])
    elif n < 65536:
        hdr = bytes([b0, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        hdr = bytes([b0, 0x80 | 127]) + n.to_bytes(8, "big")
    return hdr + key + bytes(b ^ key[i % 4] for i, b in enumerate(data))


class Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def take(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError("connection closed by the peer")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            d = self.sock.recv(4096)
            if not d:
                raise EOFError("closed during the handshake: %r" % self.buf)
            self.buf += d
        h, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return h.decode("latin-1")

    def frame(self):
        b0, b1 = self.take(2)
        if b1 & 0x80:
            raise ValueError("server frame is masked")
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(self.take(2), "big")
        elif n == 127:
            n = int.from_bytes(self.take(8), "big")
        return bool(b0 & 0x80), b0 & 0x0F, self.take(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--path", default="/ws")
    ap.add_argument("--host", dest="host_hdr")
    ap.add_argument("-n", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=5)
    a = ap.parse_args()

    s = socket.create_connection((a.host, a.port), timeout=a.timeout)
    r = Reader(s)
    key = base64.b64encode(os.urandom(16)).decode()
    host = a.host_hdr or a.host
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "User-Agent: aegis-ws-test/1.0\r\n\r\n" % (a.path, host, key)).encode())
    head = r.head()
    lines = head.split("\r\n")
    if not lines[0].startswith("HTTP/1.1 101"):
        sys.exit("handshake refused: %s" % lines[0])
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    want = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
    if hdrs.get("sec-websocket-accept") != want:
        sys.exit("bad Sec-WebSocket-Accept %r (want %r)" % (hdrs.get("sec-websocket-accept"), want))
    if "websocket" not in hdrs.get("upgrade", "").lower():
        sys.exit("101 without Upgrade: websocket")

    for i in range(a.n):
        size = SIZES[i % len(SIZES)]
        op = 1 if i % 2 == 0 else 2
        data = (("msg %d " % i) * (size // 6 + 1)).encode()[:size] if op == 1 \
            else bytes((i * 7 + j) % 256 for j in range(size))
        if i == 2 and size > 1:		# fragmented: first part, continuation
            s.sendall(frame(op, data[:size // 2], fin=False) + frame(0, data[size // 2:]))
        else:
            s.sendall(frame(op, data))
        fin, rop, got = r.frame()
        if not fin or rop != op or got != data:
            sys.exit("message %d (%d B, op %d): echo differs (op %d, %d B)" %
                     (i, size, op, rop, len(got)))
        if i == 1:
            s.sendall(frame(9, b"ping!"))
            fin, rop, got = r.frame()
            if rop != 10 or got != b"ping!":
                sys.exit("ping: got op %d %r, want a pong" % (rop, got))
    s.sendall(frame(8, (1000).to_bytes(2, "big")))
    fin, rop, got = r.frame()
    if rop != 8:
        sys.exit("close: got op %d, want a close frame" % rop)
    s.close()
    print("ok %d messages echoed" % a.n)


if __name__ == "__main__":
    try:
        main()
    except (OSError, EOFError, ValueError) as e:
        sys.exit("websocket: %s" % e)
