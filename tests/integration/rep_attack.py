#!/usr/bin/env python3
"""Bounded attackers for tests/integration/reputation_http_lab.sh, one
thread per source address (each bound to its own lab alias).

  waf ADDR...       3 SQL-injection requests each (403 from the WAF)
  flood ADDR...     80 requests each, back to back (429 past the rate limit)
  slowloris ADDR... 3 connections each sending half a head, held until closed
  hold ADDR         one clean keep-alive request, then wait: prints how many
                    seconds after "attack" (WAF requests on new connections)
                    the held connection was closed by the proxy
Every socket has a timeout; the run is bounded in requests and seconds.
Prints a JSON line of counts by outcome."""
import json, os, socket, sys, threading, time

HOST, PORT = sys.argv[1], int(sys.argv[2])
MODE, ADDRS = sys.argv[3], sys.argv[4:]
lock = threading.Lock()
out = {}

def count(k):
    with lock:
        out[k] = out.get(k, 0) + 1

def conn(src, timeout=3.0):
    fam = socket.AF_INET6 if ":" in src else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect((os.environ.get("REP_HOST6", "2001:db8::1") if ":" in src else HOST, PORT))
    return s

def request(src, path, keep=False):
    try:
        s = conn(src)
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: */*\r\n%s\r\n" %
                   (path, HOSTHDR, "" if keep else "Connection: close\r\n")).encode())
        data = s.recv(4096)
        s.close()
        return data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1 ") else "eof"
    except socket.timeout:
        return "timeout"
    except OSError:
        return "error"

SQLI = "/search?q=1%27%20OR%20%271%27%3D%271"

HOSTHDR = os.environ.get("REP_HOST", "a.test")

def run(src, n, path):
    for _ in range(n):
        r = request(src, path)
        count(r)
        if r in ("timeout", "error"):
            break	# banned: dropped in XDP from here on

def waf(src):
    run(src, 3, SQLI)

def flood(src):
    run(src, 80, "/flood")

def slowloris(src):
    socks = []
    for _ in range(3):
        try:
            s = conn(src, 6.0)
            s.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\nX-a: ")
            socks.append(s)
        except OSError:
            count("error")
    for s in socks:
        try:
            s.recv(4096)
            count("closed")
        except OSError:
            count("error")
        s.close()

def hold(src):
    s = conn(src, 20.0)
    s.sendall(b"GET /clean HTTP/1.1\r\nHost: a.test\r\n\r\n")
    if not s.recv(4096).startswith(b"HTTP/1.1 200"):
        print(json.dumps({"hold": "first request failed"}))
        return
    # The attack runs beside the wait: once banned, waf()'s next connect
    # times out in XDP, and that must not count as the close delay.
    t0 = time.monotonic()
    threading.Thread(target=waf, args=(src,), daemon=True).start()
    try:
        while s.recv(4096):
            pass
        out["closed_after_s"] = round(time.monotonic() - t0, 2)
    except socket.timeout:
        out["closed_after_s"] = -1

fn = {"waf": waf, "flood": flood, "slowloris": slowloris, "hold": hold}[MODE]
ts = [threading.Thread(target=fn, args=(a,)) for a in ADDRS]
for t in ts:
    t.start()
for t in ts:
    t.join(30)
print(json.dumps(out, sort_keys=True))
