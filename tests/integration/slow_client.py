#!/usr/bin/env python3
"""Hostile HTTP clients for slow_clients_lab.sh (stdlib only). Each mode
prints one JSON line.

  slow_client.py hold SRC HOST PORT N
      Opens N connections from SRC and sends nothing; after 1.5 s counts
      those the server closed ("refused"). Then closes 5 open ones, opens 5
      more and counts again ("refused_after").
  slow_client.py trickle SRC HOST PORT PATH RATE SECONDS
      GET PATH (Connection: close) with a 4 KiB receive buffer, reading
      RATE bytes/s; stops at the server's close or after SECONDS:
      closed_after_s (null if it never closed), bytes (head included).
  slow_client.py stall SRC HOST PORT PATH N SECONDS
      N connections each GET PATH and never read; after SECONDS counts those
      the server closed (TCP_INFO: FIN or RST received).
"""
import json
import socket
import struct
import sys
import time

TCP_ESTABLISHED = 1


def connect(src, host, port, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((src, 0))
    s.settimeout(3)
    s.connect((host, int(port)))
    return s


def server_closed(s):
    """True once the peer sent FIN or RST (unread data does not hide it)."""
    state = struct.unpack("B", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[:1])[0]
    return state != TCP_ESTABLISHED


def hold(src, host, port, n):
    conns = [connect(src, host, port) for _ in range(int(n))]
    time.sleep(1.5)
    refused = sum(1 for s in conns if server_closed(s))
    live = [s for s in conns if not server_closed(s)]
    for s in live[:5]:
        s.close()
    time.sleep(0.5)
    more = [connect(src, host, port) for _ in range(5)]
    time.sleep(1.5)
    after = sum(1 for s in more if server_closed(s))
    print(json.dumps({"opened": len(conns), "refused": refused, "refused_after": after}))


def request(s, path, close=False):
    s.sendall(("GET %s HTTP/1.1\r\nHost: a.test\r\n%s\r\n"
               % (path, "Connection: close\r\n" if close else "")).encode())


def trickle(src, host, port, path, rate, seconds):
    s = connect(src, host, port, rcvbuf=4096)
    request(s, path, close=True)
    s.settimeout(0.2)
    t0, got, per_tick = time.time(), 0, max(1, int(rate) // 10)
    closed = None
    while time.time() - t0 < float(seconds):
        try:
            b = s.recv(per_tick)
        except socket.timeout:
            continue
        except ConnectionResetError:
            b = b""
        if not b:
            closed = round(time.time() - t0, 2)
            break
        got += len(b)
        time.sleep(0.1)
    print(json.dumps({"closed_after_s": closed, "bytes": got}))


def stall(src, host, port, path, n, seconds):
    conns = []
    for _ in range(int(n)):
        s = connect(src, host, port, rcvbuf=4096)
        request(s, path)
        conns.append(s)
    time.sleep(float(seconds))
    closed = sum(1 for s in conns if server_closed(s))
    print(json.dumps({"opened": len(conns), "closed": closed}))


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    {"hold": hold, "trickle": trickle, "stall": stall}[mode](*args)


if __name__ == "__main__":
    main()
