#!/usr/bin/env python3
"""Detection comparison for tools/bench_http.sh: sends attack and benign
requests through an HTTP proxy and counts which ones it stops.

  waf_compare.py --name PEER --target ADDR:PORT [--crs DIR] [--benign DIR]
      Sends every request (one TCP connection each, 8 at a time) and
      prints one JSON line per class: {"peer", "kind": "attack"|"benign",
      "class", "n", "stopped", "status": {code: count}}. Stopped = the
      proxy answered 403 (a block) or 400 (a request it refused to parse);
      anything else means the request reached the upstream.
  waf_compare.py --table FILE [--label PEER=TEXT ...]
      Prints those lines side by side: TPR per attack class, FPR per
      benign file, totals.

Attacks: the OWASP CRS regression tests (go-ftw YAML, DIR/REQUEST-*/
*.yaml; a stage is an attack when its output expects rule ids), built the
way tests/waf/corpus_test.c builds them: method, uri, headers, data (a
Content-Length, and the form Content-Type curl -d would send, are added
when the test gives none; stages whose data is a
list, and encoded_request stages that are not valid base64, are left
out). Also the project's own attack sets (tests/waf/attacks/CLASS.txt,
classes "aegis-CLASS"): each payload percent-encoded as q in GET /search.
Benign: tests/waf/benign/*.txt, raw requests separated by "%%"
lines (line ends sent as CRLF, Content-Length recomputed).
"""
import argparse
import base64
import collections
import glob
import json
import os
import socket
import sys
from concurrent.futures import ThreadPoolExecutor


def crs_requests(d):
    import yaml  # python3-yaml (tools/deps.sh --bench)
    out = []
    for f in sorted(glob.glob(os.path.join(d, "REQUEST-*", "*.yaml"))):
        cls = os.path.basename(os.path.dirname(f))
        try:
            doc = yaml.safe_load(open(f, encoding="utf-8", errors="replace"))
        except yaml.YAMLError:
            continue
        for t in doc.get("tests", []) or []:
            for st in t.get("stages", []) or []:
                st = st.get("stage", st)
                inp, o = st.get("input") or {}, st.get("output") or {}
                exp = (o.get("log") or {}).get("expect_ids") or o.get("expect_ids")
                if not exp:
                    continue
                if "encoded_request" in inp:
                    try:
                        raw = base64.b64decode(inp["encoded_request"])
                    except ValueError:
                        continue
                    out.append((cls, raw))
                    continue
                data = inp.get("data")
                if isinstance(data, list):
                    continue
                body = (data or "").encode("utf-8", "surrogateescape") if not isinstance(data, bytes) else data
                hdrs = dict(inp.get("headers") or {})
                lower = {k.lower() for k in hdrs}
                if "host" not in lower:
                    hdrs["Host"] = "localhost"
                if body and "content-length" not in lower and "transfer-encoding" not in lower:
                    hdrs["Content-Length"] = str(len(body))
                if body and "content-type" not in lower:
                    # what curl -d and browsers send; without it ModSecurity
                    # parses no form arguments from the body
                    hdrs["Content-Type"] = "application/x-www-form-urlencoded"
                hdrs["Connection"] = "close"
                head = "%s %s %s\r\n" % (inp.get("method", "GET"), inp.get("uri", "/"),
                                         inp.get("version", "HTTP/1.1"))
                head += "".join("%s: %s\r\n" % (k, v) for k, v in hdrs.items()
                                if k.lower() != "connection") + "Connection: close\r\n\r\n"
                out.append((cls, head.encode("utf-8", "surrogateescape") + body))
    return out


def benign_requests(d):
    out = []
    for f in sorted(glob.glob(os.path.join(d, "*.txt"))):
        cls = os.path.basename(f)[:-4]
        text = open(f, "rb").read()
        for part in text.split(b"\n%%\n"):
            part = part.strip(b"\n")
            if part.startswith(b"%%"):
                part = part[2:].lstrip(b"\n")
            if not part:
                continue
            head, _, body = part.partition(b"\n\n")
            lines = [ln.rstrip(b"\r") for ln in head.split(b"\n")]
            lines = [ln for ln in lines if not ln.lower().startswith((b"content-length:", b"connection:"))]
            if body:
                lines.append(b"Content-Length: %d" % len(body))
            lines.append(b"Connection: close")
            out.append((cls, b"\r\n".join(lines) + b"\r\n\r\n" + body))
    return out


def own_attacks(d):
    """tests/waf/attacks/CLASS.txt: one payload a line ('#' comments), sent
    percent-encoded as the value of q in GET /search (as corpus_test.c)."""
    from urllib.parse import quote
    out = []
    for f in sorted(glob.glob(os.path.join(d, "*.txt"))):
        cls = "aegis-" + os.path.basename(f)[:-4]
        for ln in open(f, "rb").read().split(b"\n"):
            if not ln.strip() or ln.startswith(b"#"):
                continue
            out.append((cls, b"GET /search?q=%s HTTP/1.1\r\nHost: localhost\r\n"
                        b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
                        b"Accept: */*\r\nConnection: close\r\n\r\n" % quote(ln, safe="-._~").encode()))
    return out


def send(target, raw):
    host, port = target.rsplit(":", 1)
    try:
        s = socket.create_connection((host, int(port)), timeout=5)
        s.sendall(raw)
        buf = b""
        while b"\r\n" not in buf and len(buf) < 4096:
            d = s.recv(4096)
            if not d:
                break
            buf += d
        s.close()
        parts = buf.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    except OSError:
        return 0	# no answer: reset or timeout


def run(a):
    reqs = [("attack", c, r) for c, r in crs_requests(a.crs)] if a.crs and os.path.isdir(a.crs) else []
    if a.attacks and os.path.isdir(a.attacks):
        reqs += [("attack", c, r) for c, r in own_attacks(a.attacks)]
    reqs += [("benign", c, r) for c, r in benign_requests(a.benign)]
    with ThreadPoolExecutor(8) as ex:
        codes = list(ex.map(lambda x: send(a.target, x[2]), reqs))
    agg = collections.OrderedDict()
    for (kind, cls, _), code in zip(reqs, codes):
        e = agg.setdefault((kind, cls), {"n": 0, "stopped": 0, "status": collections.Counter()})
        e["n"] += 1
        e["stopped"] += code in (400, 403)
        e["status"][str(code)] += 1
    for (kind, cls), e in agg.items():
        print(json.dumps({"peer": a.name, "kind": kind, "class": cls, "n": e["n"],
                          "stopped": e["stopped"], "status": dict(e["status"])}))


def table(a):
    labels = dict(x.split("=", 1) for x in a.label)
    rows = [json.loads(ln) for ln in open(a.table) if ln.strip()]
    peers = list(labels) or sorted({r["peer"] for r in rows})
    got = {(r["peer"], r["kind"], r["class"]): r for r in rows}
    for kind, what in (("attack", "TPR: attacks stopped"), ("benign", "FPR: benign requests stopped")):
        classes = []
        for r in rows:
            if r["kind"] == kind and r["class"] not in classes:
                classes.append(r["class"])
        print("    %-42s %6s" % (what, "n") + "".join(" %22s" % labels.get(p, p) for p in peers))
        if not classes:
            print("    (no results)")
            continue
        tot = collections.Counter()
        for c in classes + ["all"]:
            n = None
            line = ""
            for p in peers:
                if c == "all":
                    e = {"n": tot[(p, "n")], "stopped": tot[(p, "s")]}
                else:
                    e = got.get((p, kind, c))
                    if e:
                        tot[(p, "n")] += e["n"]
                        tot[(p, "s")] += e["stopped"]
                if not e or not e["n"]:
                    line += " %22s" % "not run"
                    continue
                n = e["n"]
                line += " %15.1f%% %5d" % (100.0 * e["stopped"] / e["n"], e["stopped"])
            print("    %-42s %6s%s" % (c[:42], n if n is not None else "-", line))
        for p in peers:
            st = collections.Counter()
            for r in rows:
                if r["peer"] == p and r["kind"] == kind:
                    st.update(r["status"])
            if st:
                print("      %s, HTTP status of the %s: %s" % (labels.get(p, p), kind + "s",
                      ", ".join("%s x%d" % (k if k != "0" else "no answer", v)
                                for k, v in sorted(st.items()))))
        print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name")
    ap.add_argument("--target")
    ap.add_argument("--crs")
    ap.add_argument("--benign", default="tests/waf/benign")
    ap.add_argument("--attacks", default="tests/waf/attacks")
    ap.add_argument("--table")
    ap.add_argument("--label", action="append", default=[])
    a = ap.parse_args()
    if a.table:
        table(a)
    elif a.name and a.target:
        run(a)
    else:
        ap.error("--name and --target, or --table")


if __name__ == "__main__":
    sys.exit(main())
