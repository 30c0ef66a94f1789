#!/usr/bin/env python3
"""Test upstreams for the proxy integration tests (real sockets, no deps).

  upstream.py tcp-echo PORT [--pp] [--tag TAG]
      Echo server. With --pp the first bytes must be a PROXY protocol v1 or
      v2 header: it is parsed and the server answers "PP <src> <sport>\\n"
      before echoing. --tag prefixes every reply with "TAG:" once, so tests
      can tell upstreams apart.
  upstream.py udp-echo PORT [--pp] [--tag TAG]
      Echo server for datagrams. With --pp each datagram must start with a
      PROXY v2 header; the reply is "PP <src> <sport>|" + payload.
Listens on :: (dual stack). Exits on SIGTERM.
"""
import socket
import struct
import sys
import threading

V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def parse_v2(buf):
    """Returns (src, sport, header_len) or None if incomplete; raises on junk."""
    if len(buf) < 16:
        return None
    if buf[:12] != V2_SIG:
        raise ValueError("bad v2 signature")
    ver_cmd, fam, length = buf[12], buf[13], struct.unpack("!H", buf[14:16])[0]
    if ver_cmd >> 4 != 2:
        raise ValueError("bad v2 version")
    if len(buf) < 16 + length:
        return None
    body = buf[16:16 + length]
    if ver_cmd & 0xF == 0:  # LOCAL
        return ("LOCAL", 0, 16 + length)
    if fam >> 4 == 1:
        src = socket.inet_ntop(socket.AF_INET, body[0:4])
        sport = struct.unpack("!H", body[8:10])[0]
    elif fam >> 4 == 2:
        src = socket.inet_ntop(socket.AF_INET6, body[0:16])
        sport = struct.unpack("!H", body[32:34])[0]
    else:
        raise ValueError("bad v2 family")
    return (src, sport, 16 + length)


def parse_pp(buf):
    if buf.startswith(b"PROXY "):
        end = buf.find(b"\r\n")
        if end < 0:
            if len(buf) > 107:
                raise ValueError("v1 too long")
            return None
        parts = buf[:end].decode().split(" ")
        if parts[1] == "UNKNOWN":
            return ("UNKNOWN", 0, end + 2)
        return (parts[2], int(parts[4]), end + 2)
    if V2_SIG.startswith(buf[:12]):
        return parse_v2(buf)
    raise ValueError("no PROXY header")


def tcp_client(conn, pp, tag):
    try:
        buf = b""
        if pp:
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buf += chunk
                got = parse_pp(buf)
                if got:
                    src, sport, used = got
                    conn.sendall(("PP %s %d\n" % (src, sport)).encode())
                    buf = buf[used:]
                    break
        if tag:
            conn.sendall(tag.encode() + b":")
        if buf:
            conn.sendall(buf)
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            conn.sendall(chunk)
        conn.shutdown(socket.SHUT_WR)
    except (OSError, ValueError):
        pass
    finally:
        conn.close()


def tcp_echo(port, pp, tag):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(4096)
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_client, args=(c, pp, tag), daemon=True).start()


def udp_echo(port, pp, tag):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    while True:
        data, addr = s.recvfrom(65535)
        prefix = tag.encode() + b":" if tag else b""
        if pp:
            try:
                got = parse_v2(data)
            except ValueError:
                got = None
            if not got:
                continue
            src, sport, used = got
            prefix += ("PP %s %d|" % (src, sport)).encode()
            data = data[used:]
        s.sendto(prefix + data, addr)


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    pp = "--pp" in sys.argv
    tag = sys.argv[sys.argv.index("--tag") + 1] if "--tag" in sys.argv else ""
    (tcp_echo if mode == "tcp-echo" else udp_echo)(port, pp, tag)


if __name__ == "__main__":
    main()
