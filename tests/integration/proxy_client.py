#!/usr/bin/env python3
"""Clients for the proxy integration tests (real sockets, no deps).

  proxy_client.py echo HOST PORT [PAYLOAD]       one TCP round trip, prints the reply
  proxy_client.py send-pp HOST PORT HEADER       sends HEADER (\\r\\n escapes) then "x", prints reply
  proxy_client.py bulk HOST PORT MBYTES          random sizes, checks the echo is identical
  proxy_client.py concurrent HOST PORT N         N connections open at once, each echoes
  proxy_client.py udp HOST PORT [PAYLOAD]        one datagram round trip, prints the reply
  proxy_client.py hold HOST PORT SECONDS         connects, echoes once, waits, echoes again
  proxy_client.py udp-conn HOST PORT [PAYLOAD]   like udp, from a connected socket
  proxy_client.py udp-pp HOST PORT SRC SPORT     a datagram behind a PROXY v2 header naming SRC:SPORT
Exit 0 on success, 1 with a message on stderr otherwise.
"""
import hashlib
import os
import random
import selectors
import socket
import struct
import sys
import time


def fail(msg):
    sys.stderr.write("proxy_client: %s\n" % msg)
    sys.exit(1)


def connect(host, port, timeout=5):
    return socket.create_connection((host, port), timeout=timeout)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(min(65536, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf


def echo(host, port, payload=b"ping"):
    s = connect(host, port)
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    return out


def bulk(host, port, mbytes):
    rnd = random.Random(7)
    total = mbytes * 1024 * 1024
    data = os.urandom(1 << 20)
    sent = hashlib.sha256()
    got = hashlib.sha256()
    s = connect(host, port, timeout=30)
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    off = rcvd = 0
    shut = False
    deadline = time.time() + 120
    while rcvd < total:
        if time.time() > deadline:
            fail("bulk: timed out at %d of %d bytes" % (rcvd, total))
        for key, ev in sel.select(timeout=1):
            if ev & selectors.EVENT_WRITE and off < total:
                # Sizes from 1 byte to 256 KiB: small and large writes.
                n = min(rnd.choice([1, 7, 100, 1460, 4096, 65536, 262144]), total - off)
                chunk = data[off % len(data):off % len(data) + n]
                if len(chunk) < n:
                    chunk = (data + data)[off % len(data):off % len(data) + n]
                try:
                    w = s.send(chunk)
                except BlockingIOError:
                    w = 0
                sent.update(chunk[:w])
                off += w
            if off >= total and not shut:
                s.shutdown(socket.SHUT_WR)
                shut = True
                sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                try:
                    chunk = s.recv(262144)
                except BlockingIOError:
                    continue
                if not chunk:
                    fail("bulk: connection closed at %d of %d bytes" % (rcvd, total))
                got.update(chunk)
                rcvd += len(chunk)
    s.close()
    if sent.hexdigest() != got.hexdigest():
        fail("bulk: echoed bytes differ from sent bytes")
    print("bulk ok %d bytes" % total)


def concurrent(host, port, n):
    socks = []
    for i in range(n):
        try:
            socks.append(connect(host, port, timeout=10))
        except OSError as e:
            fail("concurrent: connection %d failed: %s" % (i, e))
    for i, s in enumerate(socks):
        s.sendall(b"c%05d" % i)
    for i, s in enumerate(socks):
        want = b"c%05d" % i
        got = recv_exact(s, len(want))
        if not got.endswith(want[-len(got):]) or len(got) != len(want):
            fail("concurrent: connection %d got %r" % (i, got))
    for s in socks:
        s.close()
    print("concurrent ok %d" % n)


def main():
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    arg = sys.argv[4] if len(sys.argv) > 4 else None
    try:
        if cmd == "echo":
            sys.stdout.write(echo(host, port, (arg or "ping").encode()).decode(errors="replace"))
        elif cmd == "send-pp":
            hdr = arg.encode().decode("unicode_escape").encode("latin-1")
            sys.stdout.write(echo(host, port, hdr + b"x").decode(errors="replace"))
        elif cmd == "bulk":
            bulk(host, port, int(arg))
        elif cmd == "concurrent":
            concurrent(host, port, int(arg))
        elif cmd == "udp":
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.settimeout(3)
            u.sendto((arg or "ping").encode(), (host, port))
            sys.stdout.write(u.recv(65535).decode(errors="replace"))
        elif cmd == "udp-conn":
            # connect(): replies from any other source address are dropped.
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.settimeout(3)
            u.connect((host, port))
            u.send((arg or "ping").encode())
            sys.stdout.write(u.recv(65535).decode(errors="replace"))
        elif cmd == "udp-pp":
            src, sport = sys.argv[4], int(sys.argv[5])
            body = socket.inet_aton(src) + socket.inet_aton(host) + struct.pack("!HH", sport, port)
            hdr = b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x12]) + struct.pack("!H", len(body)) + body
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.settimeout(3)
            u.sendto(hdr + b"lb", (host, port))
            sys.stdout.write(u.recv(65535).decode(errors="replace"))
        elif cmd == "hold":
            s = connect(host, port)
            s.sendall(b"one")
            a = recv_exact(s, 3)
            time.sleep(float(arg))
            s.sendall(b"two")
            b = recv_exact(s, 3)
            s.close()
            if a[-3:] != b"one" or b != b"two":
                fail("hold: got %r then %r" % (a, b))
            print("hold ok")
        else:
            fail("unknown command " + cmd)
    except OSError as e:
        fail("%s: %s" % (cmd, e))


if __name__ == "__main__":
    main()
