#!/usr/bin/env python3
"""Time from a source's first attack request to its first dropped packet.

Each source address (bound locally: aliases on the lab veth) sends attack
requests over fresh connections, one after another, and stops at the first
connect that gets no answer (a SYN dropped) or is refused. The figure per
source is the start of that connect minus the send time of its first
request. Sources that never get dropped within --max-seconds are reported.

    attack.py --target 198.18.0.1:8080 --path '/?id=1%27%20union%20select%201--' \
        --sources FILE [--max-seconds 30] [--timeout 0.25] [--json]

Prints p50/p99/max of the times (ms), and how many sources were dropped.
Bounded: each source stops after --max-seconds or --max-requests."""
import argparse, json, socket, sys, threading, time


def one_source(src, host, port, req, args, out):
    first = None
    sent = 0
    deadline = time.monotonic() + args.max_seconds
    while time.monotonic() < deadline and sent < args.max_requests:
        fam = socket.AF_INET6 if ":" in src else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(args.timeout)
        t_connect = time.monotonic()
        try:
            s.bind((src, 0))
            s.connect((host, port))
        except (socket.timeout, ConnectionRefusedError):
            s.close()
            if first is not None:
                out[src] = (t_connect - first) * 1000.0
                return
            time.sleep(0.01)  # not attacked yet: the target is not up
            continue
        except OSError as e:
            s.close()
            sys.stderr.write("attack.py: %s: %s\n" % (src, e))
            out[src] = None
            return
        try:
            if first is None:
                first = time.monotonic()
            s.sendall(req)
            sent += 1
            while s.recv(65536):
                pass
        except (socket.timeout, OSError):
            pass
        finally:
            s.close()
        if args.interval:
            time.sleep(args.interval)
    out[src] = None


def pct(vals, p):
    if not vals:
        return float("nan")
    vals = sorted(vals)
    k = min(len(vals) - 1, max(0, int(round(p / 100.0 * len(vals) + 0.5)) - 1))
    return vals[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--path", required=True)
    ap.add_argument("--host-header", default="bench.test")
    ap.add_argument("--sources", required=True, help="file, one address a line")
    ap.add_argument("--max-seconds", type=float, default=30.0)
    ap.add_argument("--max-requests", type=int, default=5000)
    ap.add_argument("--timeout", type=float, default=0.25)
    ap.add_argument("--interval", type=float, default=0.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    host, _, port = args.target.rpartition(":")
    host = host.strip("[]")
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0\r\n"
           "Connection: close\r\n\r\n" % (args.path, args.host_header)).encode()
    srcs = [l.strip() for l in open(args.sources) if l.strip()]
    out = {}
    threads = [threading.Thread(target=one_source,
                                args=(s, host, int(port), req, args, out))
               for s in srcs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times = [v for v in out.values() if v is not None]
    res = {"sources": len(srcs), "dropped": len(times),
           "p50_ms": round(pct(times, 50), 1), "p99_ms": round(pct(times, 99), 1),
           "max_ms": round(max(times), 1) if times else None}
    print(json.dumps(res) if args.json else
          "sources %(sources)d dropped %(dropped)d p50 %(p50_ms)s ms p99 %(p99_ms)s ms max %(max_ms)s ms" % res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
