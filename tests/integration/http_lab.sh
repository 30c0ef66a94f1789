#!/bin/sh
# The HTTP proxy in a netns lab, with real clients (curl, wrk, raw sockets,
# tests/integration/ws_client.py) and real upstreams
# (tests/integration/http_upstream.py):
#
#   cli 198.18.0.2 (+ .3, a trusted proxy) --veth-- edge 198.18.0.1 (aegisd)
#       --veth-- up 198.18.1.2 (A :8080, API :8081, F :8082 answers 500)
#                   198.18.1.3 (B :8080)
#
# One check per line, "PASS" or "FAIL"; the script fails if any check
# fails, and always removes the lab. Checks: bodies through intact (0 B,
# 1 B, 10 MiB by Content-Length and chunked; 10 MiB download), forwarding
# headers (X-Forwarded-For from an untrusted client not believed, from a
# trusted one believed), response header rewrite, hop-by-hop headers,
# Host and path routing with a default host, keep-alive on both sides,
# pipelining, HEAD/204/304, WebSocket, 504/502, circuit breaker,
# smuggling and bare-CR refused before the upstream, slowloris, rate
# limit 429, WAF enforce 403 and detect (flag event), bot UA, funnel, a
# bounded wrk run, the security event file.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/lab.sh
. tests/integration/lib.sh

command -v curl >/dev/null || skip "curl not installed (tools/deps.sh)"
[ -x "$AEGISD" ] || skip "$AEGISD not built"

lab_init
EDGE=$(lab_ns edge) || skip "cannot create network namespaces"
CLI=$(lab_ns cli)
UP=$(lab_ns up)
IF_E="ae${LAB_TAG}e"
lab_link "$CLI" "ae${LAB_TAG}c" "198.18.0.2/24 198.18.0.3/24 198.18.0.4/24 2001:db8::2/64" \
	"$EDGE" "$IF_E" "198.18.0.1/24 2001:db8::1/64"
lab_link "$EDGE" "ae${LAB_TAG}f" "198.18.1.1/24" "$UP" "ae${LAB_TAG}u" "198.18.1.2/24 198.18.1.3/24"

RUN=/run/aegis-http-$LAB_TAG
mkdir -p "$RUN/bpf"
mount -t bpf bpf "$RUN/bpf" || skip "cannot mount bpffs"
DPID=""
cleanup_http() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && sleep 0.3 && kill -KILL "$DPID" 2>/dev/null
	lab_cleanup
	umount "$RUN/bpf" 2>/dev/null
	rm -rf "$RUN"
}
trap cleanup_http EXIT

UPY="python3 $(pwd)/tests/integration/http_upstream.py"
WS="python3 $(pwd)/tests/integration/ws_client.py"
up() {	# NAME ADDR:PORT
	lab_spawn ip netns exec "$UP" $UPY --listen "$2" --name "$1" \
		--stats "$RUN/$1.stats" --log "$RUN/$1.log"
}
up A 198.18.1.2:8080
up API 198.18.1.2:8081
up F 198.18.1.2:8082
up B 198.18.1.3:8080
for p in 8080 8081 8082; do wait_port "$UP" tcp $p; done

CFG=$RUN/aegis.yaml
EVENTS=$RUN/http-events.log
cat > "$CFG" <<EOF
interfaces: [ $IF_E ]
pin_dir: $RUN/bpf/aegis
state_dir: $RUN/state
log: { status_interval: 1s, level: debug }
events: { output: $RUN/events.jsonl }
proxy_engine: { workers: 2 }
proxies:
  - name: web
    protocol: http
    origin: { addresses: ["0.0.0.0", "::"], ports: 80 }
    health_check: { enabled: false }
    draining: { timeout: 0 }
    access_log: { path: $RUN/access.log }
    proxy_protocol: { accept_from: [198.18.0.4/32] }
    timeouts: { client_write: 2s }
    http:
      mode: enforce
      trusted_proxies: [198.18.0.3/32]
      limits: { body: 16M }
      timeouts: { header: 2s, body: 2s, keepalive: 30s, response: 2s }
      tarpit: { delay: 1s }
      rate_limits:
        paths: [ { prefix: /limited, rate: 2, per: 1m, burst: 2 } ]
      bots: { block_after: 0 }
      allow: { paths: [/health] }
      funnel: [ { gate: /signup, target: /register, action: block, memory: 5m } ]
      circuit_breaker: { failures: 3, open: 30s, half_open: 1 }
      events: { path: $EVENTS }
      hosts:
        - names: [a.test]
          default: true
          routes:
            - { path: /, upstreams: ["http://198.18.1.2:8080"] }
            - { path: /api, upstreams: ["http://198.18.1.2:8081"] }
        - names: [b.test]
          routes: [ { path: /, upstreams: ["http://198.18.1.3:8080"] } ]
        - names: [detect.test]
          mode: detect
          routes: [ { path: /, upstreams: ["http://198.18.1.2:8080"] } ]
        - names: [breaker.test]
          routes: [ { path: /, upstreams: ["http://198.18.1.2:8082"] } ]
        - names: [api.test]
          routes: [ { path: /v1, upstreams: ["http://198.18.1.2:8081"] } ]
        - names: [dead.test]
          routes: [ { path: /, upstreams: ["http://198.18.1.2:8089"] } ]
EOF
LOG=$RUN/aegisd.log
FAIL_LOG=$LOG
"$AEGISD" --check -c "$CFG" >"$RUN/check.out" 2>&1 || { cat "$RUN/check.out" >&2; fail "config rejected"; }
ip netns exec "$EDGE" "$AEGISD" -c "$CFG" >>"$LOG" 2>&1 &
DPID=$!
# Hyperscan compiles the WAF at start: seconds, far more under ASan.
for _ in $(seq 1200); do grep -q "running" "$LOG" && break; sleep 0.1; done
grep -q "running" "$LOG" || { tail -n 20 "$LOG" >&2; fail "aegisd did not start"; }
wait_port "$EDGE" tcp 80

# ---- helpers ----
FAILED=0
NCHECK=0
ok() { NCHECK=$((NCHECK + 1)); echo "PASS [$TEST_NAME]: $*"; }
bad() { NCHECK=$((NCHECK + 1)); FAILED=$((FAILED + 1)); echo "FAIL [$TEST_NAME]: $*"; }
check() {	# DESCRIPTION COMMAND...: PASS if the command succeeds
	d=$1; shift
	if out=$("$@" 2>&1); then ok "$d"; else bad "$d${out:+: $(echo "$out" | tail -n 3 | tr '\n' ' ')}"; fi
}
C() { ip netns exec "$CLI" "$@"; }
URL=http://198.18.0.1
hcurl() { C curl -s -m 10 "$@"; }
# jpy EXPR: evaluates EXPR over the JSON on stdin as d; exits 0 if true.
jpy() {
	python3 -c '
import json, sys
raw = sys.stdin.read()
try:
    d = json.loads(raw)
except ValueError:
    sys.exit("not JSON: %r" % raw[:300])
if not eval(sys.argv[1]):
    sys.exit("false: %s on %s" % (sys.argv[1], raw[:400]))' "$1"
}
stat_of() {	# UPSTREAM PATH: requests it received for PATH
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["by_path"].get(sys.argv[2], 0))' \
		"$RUN/$1.stats" "$2"
}
# raw PYTHON: runs a python snippet in the client namespace with a socket
# helper: conn() connects to the proxy; resp(s) reads one response and
# returns (status, headers dict, body), honouring HEAD/204/304.
raw() {
	C python3 -c '
import socket, sys, time
def conn():
    s = socket.create_connection(("198.18.0.1", 80), timeout=10)
    return s
class R:
    def __init__(self, s): self.s, self.b = s, b""
    def fill(self):
        d = self.s.recv(65536)
        if not d: raise EOFError("closed")
        self.b += d
    def line(self):
        while b"\r\n" not in self.b: self.fill()
        l, self.b = self.b.split(b"\r\n", 1); return l.decode("latin-1")
    def take(self, n):
        while len(self.b) < n: self.fill()
        o, self.b = self.b[:n], self.b[n:]; return o
    def resp(self, head=False):
        st = self.line(); code = int(st.split(" ")[1]); h = {}
        while True:
            l = self.line()
            if not l: break
            k, _, v = l.partition(":"); h[k.strip().lower()] = v.strip()
        if head or code in (204, 304) or code < 200: return code, h, b""
        if "chunked" in h.get("transfer-encoding", ""):
            body = b""
            while True:
                n = int(self.line().split(";")[0], 16)
                if n == 0:
                    while self.line(): pass
                    return code, h, body
                body += self.take(n); self.line()
        return code, h, self.take(int(h.get("content-length", "0")))
'"$1"
}

# ---- bodies ----
mkbody() {	# FILE BYTES: alphanumeric (no byte a WAF signature could match)
	python3 -c '
import random, string, sys
r = random.Random(5); a = (string.ascii_letters + string.digits).encode()
n = int(sys.argv[2]); out = bytearray(r.choice(a) for _ in range(min(n, 65536)))
with open(sys.argv[1], "wb") as f:
    while n > 0:
        f.write(out[:n]); n -= len(out[:n])' "$1" "$2"
}
for n in 0 1 10485760; do mkbody "$RUN/body.$n" $n; done
out=$(hcurl -H 'Host: a.test' "$URL/hello?x=1")
check "GET through the proxy: the upstream's echo" \
	jpy "d['upstream'] == 'A' and d['method'] == 'GET' and d['target'] == '/hello?x=1'" <<EOF
$out
EOF
out=$(hcurl -g -H 'Host: a.test' "http://[2001:db8::1]/v6")
check "GET over IPv6: echoed, X-Real-IP is the IPv6 client" \
	jpy "d['upstream'] == 'A' and d['headers'].get('x-real-ip') == '2001:db8::2'" <<EOF
$out
EOF
for n in 0 1 10485760; do
	want=$(sha256sum < "$RUN/body.$n" | cut -d' ' -f1)
	out=$(hcurl -H 'Host: a.test' -H 'Content-Type: application/octet-stream' \
		--data-binary @"$RUN/body.$n" "$URL/upload")
	check "POST $n B (Content-Length): upstream got the same sha256" \
		jpy "d['body_len'] == $n and d['body_sha256'] == '$want'" <<EOF
$out
EOF
done
want=$(sha256sum < "$RUN/body.10485760" | cut -d' ' -f1)
out=$(hcurl -H 'Host: a.test' -H 'Content-Type: application/octet-stream' \
	-H 'Transfer-Encoding: chunked' --data-binary @"$RUN/body.10485760" "$URL/upload")
check "POST 10 MiB chunked: upstream got the same sha256" \
	jpy "d['body_len'] == 10485760 and d['body_sha256'] == '$want'" <<EOF
$out
EOF
hcurl -H 'Host: a.test' -D "$RUN/big.h" -o "$RUN/big.out" "$URL/big?bytes=10485760"
got=$(sha256sum < "$RUN/big.out" | cut -d' ' -f1)
want=$(tr -d '\r' < "$RUN/big.h" | sed -n 's/^[Xx]-[Bb]ody-[Ss]ha256: //p')
check "10 MiB download: $(stat -c %s "$RUN/big.out") B, sha256 as the upstream's" \
	test -n "$want" -a "$got" = "$want" -a "$(stat -c %s "$RUN/big.out")" = 10485760

# ---- forwarding headers ----
out=$(hcurl -H 'Host: a.test' -H 'X-Forwarded-For: 203.0.113.9' "$URL/hdr")
check "X-Forwarded-For/X-Real-IP/X-Request-ID upstream; an untrusted client's XFF not believed" \
	jpy "d['headers'].get('x-real-ip') == '198.18.0.2' and d['headers'].get('x-forwarded-for', '').split(',')[-1].strip() == '198.18.0.2' and d['headers'].get('x-request-id')" <<EOF
$out
EOF
out=$(hcurl --interface 198.18.0.3 -H 'Host: a.test' -H 'X-Forwarded-For: 203.0.113.9' "$URL/hdr")
check "a trusted proxy's X-Forwarded-For names the client (X-Real-IP 203.0.113.9)" \
	jpy "d['headers'].get('x-real-ip') == '203.0.113.9'" <<EOF
$out
EOF
check "PROXY v1 from a trusted balancer (198.18.0.4): X-Real-IP is the client it names" raw '
import json
s = socket.socket(); s.bind(("198.18.0.4", 0)); s.settimeout(10); s.connect(("198.18.0.1", 80)); rd = R(s)
s.sendall(b"PROXY TCP4 203.0.113.7 198.18.0.1 40000 80\r\nGET /pp HTTP/1.1\r\nHost: a.test\r\n\r\n")
c, h, b = rd.resp(); d = json.loads(b)
assert c == 200 and d["headers"].get("x-real-ip") == "203.0.113.7", (c, d["headers"])'
hcurl -H 'Host: a.test' -D "$RUN/h.txt" -o /dev/null "$URL/hdr"
check "Server and X-Powered-By removed; security headers added" sh -c "
	! grep -qi '^server:' '$RUN/h.txt' && ! grep -qi '^x-powered-by:' '$RUN/h.txt' &&
	grep -qi '^x-content-type-options: nosniff' '$RUN/h.txt' && grep -qi '^x-frame-options:' '$RUN/h.txt' &&
	grep -qi '^x-upstream: A' '$RUN/h.txt'"
out=$(hcurl -H 'Host: a.test' -H 'Connection: keep-alive, X-Hop' -H 'X-Hop: secret' \
	-H 'Keep-Alive: timeout=5' -H 'Proxy-Connection: keep-alive' -H 'X-End: kept' "$URL/hop")
check "hop-by-hop headers (Connection-listed, Keep-Alive, Proxy-Connection) not forwarded" \
	jpy "'x-hop' not in d['headers'] and 'keep-alive' not in d['headers'] and 'proxy-connection' not in d['headers'] and d['headers'].get('x-end') == 'kept'" <<EOF
$out
EOF

# ---- routing ----
r() { hcurl -H "Host: $1" "$URL$2" | python3 -c 'import json, sys; print(json.load(sys.stdin)["upstream"])' 2>/dev/null; }
check "Host routing: a.test -> A, b.test -> B, B.TEST. -> B, unknown -> default host (A)" \
	test "$(r a.test /) $(r b.test /) $(r B.TEST. /x) $(r unknown.test /)" = "A B B A"
code=$(hcurl -H 'Host: api.test' -o "$RUN/404.b" -w '%{http_code}' "$URL/v2")
check "no route for the path: 404 with a JSON body (got $code)" sh -c "
	[ '$code' = 404 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"status\"] == 404 else 1)' '$RUN/404.b'"
check "path prefix routing: /api/x and /api -> API, /apix and / -> A" \
	test "$(r a.test /api/x) $(r a.test /api) $(r a.test /apix) $(r a.test /)" = "API API A A"

# ---- keep-alive ----
n=$(hcurl -H 'Host: a.test' -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects} ' \
	"$URL/k1" "$URL/k2" "$URL/k3")
check "client keep-alive: 3 URLs on one connection (curl num_connects: $n)" test "$n" = "1 0 0 "
out=$(hcurl -H 'Host: b.test' "$URL/u1" "$URL/u2" "$URL/u3" | python3 -c '
import json, sys
d = [json.loads(l) for l in sys.stdin if l.strip()]
print(" ".join("%d/%d" % (x["conn"], x["conn_requests"]) for x in d))')
check "upstream keep-alive: B saw 3 requests on one TCP connection (conn/count: $out)" python3 -c '
import sys
v = [tuple(map(int, x.split("/"))) for x in sys.argv[1].split()]
assert len(v) == 3 and len({c for c, _ in v}) == 1 and v[2][1] >= 3 and v[2][1] == v[0][1] + 2, v' "$out"

# ---- pipelining, HEAD/204/304 ----
check "pipelining: 3 requests in one write, 3 responses in order" raw '
s = conn(); rd = R(s)
s.sendall(b"".join(b"GET /p%d HTTP/1.1\r\nHost: a.test\r\n\r\n" % i for i in (1, 2, 3)))
import json
got = [json.loads(rd.resp()[2])["target"] for _ in range(3)]
assert got == ["/p1", "/p2", "/p3"], got'
check "HEAD, 204 and 304 without a body (the next response parses)" raw '
s = conn(); rd = R(s)
s.sendall(b"HEAD /big?bytes=5000 HTTP/1.1\r\nHost: a.test\r\n\r\nGET /204 HTTP/1.1\r\nHost: a.test\r\n\r\n"
          b"GET /304 HTTP/1.1\r\nHost: a.test\r\n\r\nGET /after HTTP/1.1\r\nHost: a.test\r\n\r\n")
c, h, b = rd.resp(head=True); assert c == 200 and h.get("content-length") == "5000", (c, h)
c, h, b = rd.resp(); assert c == 204, c
c, h, b = rd.resp(); assert c == 304, c
import json
c, h, b = rd.resp(); assert c == 200 and json.loads(b)["target"] == "/after", (c, b[:100])'

# ---- WebSocket ----
check "WebSocket: handshake, 9 messages (to 70,000 B, fragmented, ping) echoed, close" \
	C $WS 198.18.0.1 80 --host a.test -n 9

# ---- upstream failures ----
t0=$(date +%s%N)
code=$(hcurl -H 'Host: a.test' -o /dev/null -w '%{http_code}' "$URL/slow?ms=5000")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "slow upstream: 504 after timeouts.response 2s (got $code after ${ms} ms)" \
	test "$code" = 504 -a "$ms" -ge 1800 -a "$ms" -lt 4500
code=$(hcurl -H 'Host: dead.test' -o /dev/null -w '%{http_code}' "$URL/")
check "dead upstream (nothing listens): 502 (got $code)" test "$code" = 502
check "upstream dies mid-request: 502, and the same client connection goes on (pipelined too)" raw '
s = conn(); rd = R(s)
s.sendall(b"GET /die HTTP/1.1\r\nHost: a.test\r\n\r\n")
c, h, b = rd.resp(); assert c == 502, c
s.sendall(b"GET /after-die HTTP/1.1\r\nHost: a.test\r\n\r\n")
import json
c, h, b = rd.resp(); assert c == 200 and json.loads(b)["target"] == "/after-die", (c, b[:80])
s.sendall(b"GET /die HTTP/1.1\r\nHost: a.test\r\n\r\nGET /piped-after-die HTTP/1.1\r\nHost: a.test\r\n\r\n")
c, h, b = rd.resp(); assert c == 502, c
c, h, b = rd.resp(); assert c == 200 and json.loads(b)["target"] == "/piped-after-die", (c, b[:80])'
want=$(sha256sum < "$RUN/body.10485760" | cut -d' ' -f1)
out=$(hcurl -H 'Host: a.test' -H 'Expect: 100-continue' -H 'Content-Type: application/octet-stream' \
	--data-binary @"$RUN/body.10485760" "$URL/expect")
check "Expect: 100-continue: answered by Aegis, 10 MiB body through intact" \
	jpy "d['body_len'] == 10485760 and d['body_sha256'] == '$want'" <<EOF
$out
EOF
codes=""
for i in $(seq 8); do
	codes="$codes$(hcurl -H 'Host: breaker.test' -o /dev/null -w '%{http_code}' "$URL/500") "
done
n1=$(stat_of F /500)
for i in 1 2 3; do hcurl -H 'Host: breaker.test' -o /dev/null "$URL/500"; done
n2=$(stat_of F /500)
last=$(hcurl -H 'Host: breaker.test' -o /dev/null -w '%{http_code}' "$URL/500")
check "circuit breaker: 500s open it, then 503 without reaching the upstream (codes: $codes; upstream count $n1 -> $n2)" \
	sh -c "[ '$last' = 503 ] && [ '$n1' = '$n2' ] && [ '$n1' -ge 3 ] && [ '$n1' -lt 8 ] &&
		echo '$codes' | grep -q '^500 500 500 '"

# ---- request hygiene and slow clients ----
check "smuggling: Content-Length + Transfer-Encoding gets 400" raw '
s = conn(); rd = R(s)
s.sendall(b"POST /smuggle-clte HTTP/1.1\r\nHost: a.test\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG")
c = rd.resp()[0]; assert c == 400, c'
check "smuggling: a bare CR line ending gets 400" raw '
s = conn(); rd = R(s)
s.sendall(b"GET /smuggle-cr HTTP/1.1\rHost: a.test\r\n\r\n")
c = rd.resp()[0]; assert c == 400, c'
check "an HTTP/0.9 request line gets 400 at once, not 408 at the header timeout" raw '
s = conn(); rd = R(s); t0 = time.time()
s.sendall(b"GET /nine\r\n")
c = rd.resp()[0]; el = time.time() - t0
assert c == 400 and el < 1.0, (c, el)'
check "OPTIONS * reaches the upstream (was 404: no route)" raw '
s = conn(); rd = R(s)
s.sendall(b"OPTIONS * HTTP/1.1\r\nHost: a.test\r\n\r\n")
c = rd.resp()[0]; assert c != 404 and c < 500, c'
check "the upstream never saw a smuggling attempt" sh -c "! grep -q smuggle '$RUN/A.log'"
check "slowloris (a header byte per second): closed by timeouts.header 2s" raw '
s = conn(); s.settimeout(1.5)
s.sendall(b"GET /slowloris HTTP/1.1\r\nHost: a.test\r\n")
t0 = time.time(); closed = False
for ch in b"X-Slow: " + b"a" * 30:
    try:
        s.sendall(bytes([ch]))
        d = s.recv(4096)
        if not d or d.startswith(b"HTTP/1.1 408"):
            closed = True; break
    except socket.timeout:
        continue
    except OSError:
        closed = True; break
    if time.time() - t0 > 8: break
el = time.time() - t0
assert closed and el < 4.5, "closed=%s after %.1f s" % (closed, el)'

check "a request body that stalls: 408 after timeouts.body 2s" raw '
s = conn(); rd = R(s)
s.sendall(b"POST /stall HTTP/1.1\r\nHost: a.test\r\nContent-Length: 100\r\n\r\nonly-part")
t0 = time.time(); c = rd.resp()[0]; el = time.time() - t0
assert c == 408 and 1.5 < el < 4.5, (c, el)'

check "requests split at random points (1..40 B writes): 60 answered in order, bodies intact" raw '
import random, json
rnd = random.Random(7)
for k in range(20):
    s = conn(); rd = R(s)
    body = bytes(rnd.choice(b"abcdefgh") for _ in range(rnd.randrange(0, 3000)))
    reqs = b"GET /split%d HTTP/1.1\r\nHost: a.test\r\n\r\n" % k
    reqs += b"POST /split%d-cl HTTP/1.1\r\nHost: a.test\r\nContent-Length: %d\r\n\r\n" % (k, len(body)) + body
    ch = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i+700]), body[i:i+700]) for i in range(0, len(body), 700))
    reqs += b"POST /split%d-ch HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n" % k + ch + b"0\r\n\r\n"
    i = 0
    while i < len(reqs):
        n = rnd.randrange(1, 41); s.sendall(reqs[i:i+n]); i += n
        if rnd.random() < 0.05: time.sleep(0.01)
    for suffix, blen in ((b"", 0), (b"-cl", len(body)), (b"-ch", len(body))):
        c, h, b = rd.resp(); d = json.loads(b)
        assert c == 200 and d["target"] == "/split%d%s" % (k, suffix.decode()) and d["body_len"] == blen, (k, c, d)
    s.close()'
check "hostile clients (garbage, truncated heads and bodies, early closes): aegisd still serves" raw '
import random
rnd = random.Random(11)
cases = [b"\x00\xff" * 50, b"GET / HTTP/1.1\r\nHost: a.test\r\nX: " + b"a" * 20000,
         b"POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 100\r\n\r\nabc",
         b"POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
         b"GET / HTTP/1.1\r\nHost: a.test\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
         b"GET /" + b"%" * 5000 + b" HTTP/1.1\r\nHost: a.test\r\n\r\n", b"\r\n" * 3000]
for _ in range(200):
    c = rnd.choice(cases)
    if rnd.random() < 0.3:
        c = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 400)))
    s = conn()
    try:
        s.sendall(c[:rnd.randrange(1, len(c) + 1)])
        if rnd.random() < 0.5:
            s.settimeout(0.2)
            try: s.recv(4096)
            except OSError: pass
    except OSError:
        pass
    s.close()
s = conn(); rd = R(s)
s.sendall(b"GET /still-alive HTTP/1.1\r\nHost: a.test\r\n\r\n")
assert rd.resp()[0] == 200'

check "slow reader (a 64 MiB download never read): closed by timeouts.client_write 2s" raw '
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.settimeout(10); s.connect(("198.18.0.1", 80))
s.sendall(b"GET /big?bytes=67108864 HTTP/1.1\r\nHost: a.test\r\n\r\n")
time.sleep(6)
s.settimeout(5); got = 0; t0 = time.time()
try:
    while True:
        d = s.recv(1 << 20)
        if not d: break
        got += len(d)
except OSError:
    pass
assert got < 67108864, "read %d bytes: the connection was not cut" % got'

# ---- detection ----
codes=""
for i in 1 2 3; do
	codes="$codes$(hcurl -H 'Host: a.test' -D "$RUN/rl.h" -o "$RUN/rl.b" -w '%{http_code}' "$URL/limited/x") "
done
check "rate limit (/limited, burst 2): 429 with JSON and Retry-After (codes: $codes)" sh -c "
	[ '$codes' = '200 200 429 ' ] && grep -qi '^retry-after: [1-9]' '$RUN/rl.h' &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"status\"] == 429 else 1)' '$RUN/rl.b'"
SQLI="/?id=1'%20OR%20'1'='1"
code=$(hcurl -H 'Host: a.test' -o "$RUN/waf.b" -w '%{http_code}' "$URL$SQLI")
check "WAF enforce: $SQLI gets 403 with a request id (got $code)" sh -c "
	[ '$code' = 403 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get(\"request_id\") else 1)' '$RUN/waf.b' &&
	! grep -q \"id=1'%20OR\" '$RUN/A.log'"
code=$(hcurl -H 'Host: a.test' -d "user=admin&pass=x' OR '1'='1' --" -o /dev/null -w '%{http_code}' "$URL/login-body")
check "WAF on the body prefix: a form with SQL injection gets 403, never reaches the upstream (got $code)" \
	sh -c "[ '$code' = 403 ] && ! grep -q login-body '$RUN/A.log'"
t0=$(date +%s%N)
code=$(hcurl -H 'Host: a.test' -o /dev/null -w '%{http_code}' "$URL/?q=%3Cscript%3Ealert(1)%3C/script%3E")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "tarpit: a blocked request is held 1 s before its 403 (got $code after $ms ms)" \
	test "$code" = 403 -a "$ms" -ge 900
code=$(hcurl -H 'Host: a.test' -o /dev/null -w '%{http_code}' "$URL/health$SQLI")
check "allow-listed path (/health): no inspection, forwarded (got $code)" test "$code" = 200
code=$(hcurl -H 'Host: detect.test' -o "$RUN/det.b" -w '%{http_code}' "$URL$SQLI")
sleep 0.3
check "WAF detect (host detect.test): forwarded (got $code), event with action flag" sh -c "
	[ '$code' = 200 ] && grep -q 'detect.test' '$EVENTS' &&
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if \"detect.test\" in l]
sys.exit(0 if any(e[\"action\"] == \"flag\" and e[\"mode\"] == \"detect\" and e[\"stage\"] == \"waf\" for e in ev) else 1)' '$EVENTS'"
code=$(hcurl -H 'Host: a.test' -A 'sqlmap/1.7.2#stable (https://sqlmap.org)' -o /dev/null -w '%{http_code}' "$URL/")
check "bot User-Agent (sqlmap) gets 403 (got $code)" test "$code" = 403
c1=$(hcurl -H 'Host: a.test' -o /dev/null -w '%{http_code}' "$URL/register")
c2=$(hcurl -H 'Host: a.test' -o /dev/null -w '%{http_code}' "$URL/signup")
c3=$(hcurl -H 'Host: a.test' -o /dev/null -w '%{http_code}' "$URL/register")
check "funnel: /register before /signup gets 403, after it 200 (got $c1 $c2 $c3)" \
	test "$c1 $c2 $c3" = "403 200 200"

# ---- load ----
if command -v wrk >/dev/null; then
	out=$(C timeout 20 wrk -t1 -c16 -d3s -H 'Host: a.test' -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' \
		-H 'Accept-Language: en' "$URL/wrk" 2>&1)
	reqs=$(echo "$out" | sed -n 's/^[[:space:]]*\([0-9]*\) requests in.*/\1/p')
	errs=$(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ')
	check "wrk -c16 3 s: ${reqs:-0} requests, no errors, no non-2xx${errs:+ ($errs)}" \
		test "${reqs:-0}" -gt 100 -a -z "$errs"
else
	bad "wrk not installed (tools/deps.sh installs it)"
fi

# ---- events ----
check "security events: valid JSON lines, each with an action (or a rate-cap summary)" python3 -c '
import json, sys
n = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if "suppressed" in e:
        assert e["suppressed"] > 0, e
        continue
    n += 1
    assert e["action"] in ("block", "flag"), e
    assert e["stage"] and e["source"] and "request_id" in e, e
assert n >= 5, "only %d events" % n' "$EVENTS"

sleep 1.2	# one more status line
st=$(grep -o 'http_requests=.*' "$LOG" | tail -n 1)
check "status line counts HTTP requests, blocks and refusals ($st)" sh -c "
	echo '$st' | grep -Eq 'http_requests=[1-9][0-9]{2,} http_blocked=[1-9][0-9]* http_flagged=[0-9]+ http_refused=[1-9][0-9]* http_upstream_errors=[1-9]'"

# ---- reload ----
sed -i 's/        - names: \[b.test\]/        - names: [b.test, c.test]/' "$CFG"
kill -HUP "$DPID"
got=""
for _ in $(seq 600); do
	got=$(r c.test /reload)
	[ "$got" = B ] && break
	sleep 0.1
done
check "reload (SIGHUP): a host name added to the config routes (c.test -> $got)" test "$got" = B
check "reload: the running config kept serving the others (a.test -> $(r a.test /))" test "$(r a.test /)" = A
check "reload: the replaced proxy's counters logged as it drains" \
	grep -Eq "proxy web: served [1-9][0-9]+ requests \(1xx [0-9]+, 2xx [1-9].*blocked [1-9].*upstream connections reused [1-9]" "$LOG"

conns=""
for _ in $(seq 50); do
	conns=$(grep -o 'conns=[0-9]*' "$LOG" | tail -n 1)
	[ "$conns" = conns=0 ] && break
	sleep 0.2
done
check "no connection left behind once the clients are gone ($conns)" test "$conns" = conns=0

check "access log: one JSON line per request with status, host, path and request id" python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert all(e["type"] == "access" and e["protocol"] == "http" for e in lines), lines[:2]
by = {e["path"]: e for e in lines}
assert by["/hello"]["status"] == 200 and by["/hello"]["host"] == "a.test" and by["/hello"]["request_id"], by["/hello"]
assert by["/die"]["status"] == 502, by["/die"]
assert any(e["status"] == 403 and e["action"] == "block" and e["stage"] == "waf" for e in lines)
# a 408 before any head parsed names the peer, never "::"
assert any(e["status"] == 408 and e["source"].startswith("198.18.0.") for e in lines), [e for e in lines if e["status"] == 408]
assert not [e for e in lines if e["source"] in ("::", "0.0.0.0", "")], [e for e in lines if e["source"] in ("::", "0.0.0.0", "")][:2]' "$RUN/access.log"

# ---- stop with nothing open: no drain wait ----
# A 20 s drain timeout: the stop must not wait it out once no connection
# is left (a proxy's per-worker scratch held it to the deadline).
sed -i 's/    draining: { timeout: 0 }/    draining: { timeout: 20s }/' "$CFG"
kill -HUP "$DPID"
for _ in $(seq 100); do
	grep -q "proxy web: drained" "$LOG" && [ "$(r a.test /)" = A ] && break
	sleep 0.1
done
for _ in $(seq 20); do r a.test / >/dev/null; done
sleep 1.2
t0=$(date +%s.%N)
kill -TERM "$DPID"
rc=0
wait "$DPID" || rc=$?
DPID=""
took=$(python3 -c "print(round($(date +%s.%N) - $t0, 2))")
check "aegisd stopped cleanly (exit $rc)" test "$rc" = 0
check "stop with no open connection does not wait the 20 s drain timeout (took ${took}s)" \
	python3 -c "import sys; sys.exit(0 if $took < 12 else 1)"
san_check "$LOG"
echo "$TEST_NAME: $((NCHECK - FAILED)) passed, $FAILED failed"
[ "$FAILED" = 0 ] || { tail -n 20 "$LOG" >&2; exit 1; }
