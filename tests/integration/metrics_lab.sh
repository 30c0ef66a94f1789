#!/bin/sh
# The /metrics endpoint scraped by a real Prometheus (Debian's package):
#
#   cli 198.18.0.2 (HTTP client), 198.18.0.3 (denied) --veth-- edge 198.18.0.1
#       (aegisd: XDP on the veth, HTTP proxy :80, metrics 127.0.0.1:9464;
#        prometheus 127.0.0.1:19090 scraping it every second)
#       --veth-- up 198.18.1.2 (HTTP upstream :8080)
#
# Checks: the validator refuses a non-loopback listen without allow_remote
# (file:line); `promtool check metrics` passes on the live output; the JSON
# form lists the same families; 404/405/400 answers; Prometheus scrapes
# aegisd (up == 1), and after 40 HTTP requests and 200 datagrams from a
# denied source the values it reports moved by exactly that traffic
# (aegis_http_requests_total, aegis_http_responses_total{code="2xx"},
# aegis_xdp_packets_total{reason="deny"} and its bytes); idle clients
# holding every scrape slot neither block the proxy nor the loop and are
# dropped by the timeout; every metric configs/grafana-dashboard.json
# queries exists in the live /metrics; clean stop.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/lab.sh
. tests/integration/lib.sh

command -v curl >/dev/null || skip "curl not installed (tools/deps.sh)"
command -v prometheus >/dev/null || skip "prometheus not installed (tools/deps.sh)"
command -v promtool >/dev/null || skip "promtool not installed (tools/deps.sh)"
[ -x "$AEGISD" ] || skip "$AEGISD not built"

lab_init
EDGE=$(lab_ns edge) || skip "cannot create network namespaces"
CLI=$(lab_ns cli)
UP=$(lab_ns up)
IF_E="ae${LAB_TAG}e"
lab_link "$CLI" "ae${LAB_TAG}c" "198.18.0.2/24 198.18.0.3/24" "$EDGE" "$IF_E" "198.18.0.1/24"
lab_link "$EDGE" "ae${LAB_TAG}f" "198.18.1.1/24" "$UP" "ae${LAB_TAG}u" "198.18.1.2/24"

RUN=/run/aegis-metrics-$LAB_TAG
mkdir -p "$RUN/bpf" "$RUN/state" "$RUN/tsdb"
mount -t bpf bpf "$RUN/bpf" || skip "cannot mount bpffs"
DPID="" PPID_PROM=""
cleanup_metrics() {
	[ -n "$PPID_PROM" ] && kill -TERM "$PPID_PROM" 2>/dev/null
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && sleep 0.3 && kill -KILL "$DPID" 2>/dev/null
	lab_cleanup
	umount "$RUN/bpf" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup_metrics EXIT

lab_spawn ip netns exec "$UP" python3 tests/integration/http_upstream.py --listen 198.18.1.2:8080 \
	--name A --stats "$RUN/A.stats" --log "$RUN/A.log"
wait_port "$UP" tcp 8080

MPORT=9464 PPORT=19090
CFG=$RUN/aegis.yaml
cat > "$CFG" <<EOF
interfaces: [ $IF_E ]
pin_dir: $RUN/bpf/aegis
state_dir: $RUN/state
log: { status_interval: 0s }
events: { output: $RUN/events.jsonl }
proxy_engine: { workers: 2 }
deny: [ 198.18.0.3/32 ]
reputation: { enabled: true, control_socket: $RUN/aegisd.sock }
metrics: { listen: 127.0.0.1:$MPORT }
proxies:
  - name: web
    protocol: http
    origin: { addresses: ["0.0.0.0"], ports: 80 }
    health_check: { enabled: false }
    draining: { timeout: 0 }
    access_log: { enabled: false }
    http:
      mode: enforce
      bots: { block_after: 0 }
      hosts:
        - names: [a.test]
          default: true
          routes: [ { path: /, upstreams: ["http://198.18.1.2:8080"] } ]
EOF

# ---- the validator: no authentication yet, so loopback unless asked ----
sed "s|metrics: { listen: 127.0.0.1:$MPORT }|metrics:\n  listen: 0.0.0.0:$MPORT|" "$CFG" > "$RUN/remote.yaml"
line=$(grep -n "listen: 0.0.0.0:$MPORT" "$RUN/remote.yaml" | cut -d: -f1)
out=$("$AEGISD" --check -c "$RUN/remote.yaml" 2>&1) && fail "a non-loopback metrics address accepted"
echo "$out" | grep -q "$RUN/remote.yaml:$line: metrics.listen: 0.0.0.0:$MPORT is not a loopback address" ||
	fail "remote listen: $out"
sed -i "s|  listen: 0.0.0.0:$MPORT|&\n  allow_remote: true|" "$RUN/remote.yaml"
"$AEGISD" --check -c "$RUN/remote.yaml" >/dev/null 2>&1 || fail "allow_remote: true refused"
pass "validator: a non-loopback listen needs allow_remote: true (file:line)"

LOG=$RUN/aegisd.log
FAIL_LOG=$LOG
ip netns exec "$EDGE" "$AEGISD" -c "$CFG" >>"$LOG" 2>&1 &
DPID=$!
for _ in $(seq 1200); do grep -q "running" "$LOG" && break; kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
grep -q "aegisd .* running" "$LOG" || fail "aegisd did not start"
grep -q "metrics: serving http://127.0.0.1:$MPORT/metrics" "$LOG" || fail "no metrics start line"
wait_port "$EDGE" tcp 80

E() { ip netns exec "$EDGE" "$@"; }
scrape() { E curl -s -m 5 "http://127.0.0.1:$MPORT/metrics$1"; }
families() { sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' | sort; }

# ---- the exposition ----
scrape "" > "$RUN/m1.txt" || fail "no answer from /metrics"
promtool check metrics < "$RUN/m1.txt" > "$RUN/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(head -n 5 "$RUN/promtool.out")"
for f in aegis_build_info aegis_xdp_packets_total aegis_xdp_bytes_total aegis_xdp_errors_total \
	 aegis_map_entries aegis_map_capacity aegis_proxy_connections aegis_upstream_healthy \
	 aegis_http_requests_total aegis_http_responses_total aegis_reputation_sources; do
	grep -q "^# TYPE $f " "$RUN/m1.txt" || fail "family $f missing"
done
grep -q '^aegis_xdp_enabled 1$' "$RUN/m1.txt" || fail "aegis_xdp_enabled is not 1"
grep -q '^aegis_map_capacity{map="aegis_bans"} 65536$' "$RUN/m1.txt" || fail "aegis_bans capacity"
grep -q '^aegis_map_entries{map="aegis_deny"} 1$' "$RUN/m1.txt" || fail "aegis_deny entries != 1"
grep -q '^aegis_upstream_healthy{proxy="web",balancer="0",upstream="198.18.1.2:8080"} 1$' \
	"$RUN/m1.txt" || fail "upstream health series"
pass "promtool check metrics passes on $(grep -c '^aegis_' "$RUN/m1.txt") samples of $(families < "$RUN/m1.txt" | wc -l) families"

scrape "?format=json" > "$RUN/m1.json" || fail "no answer from ?format=json"
python3 - "$RUN/m1.json" "$RUN/m1.txt" <<'PY' || fail "JSON and text disagree"
import json, sys
d = json.load(open(sys.argv[1]))
j = sorted(f["name"] for f in d["metrics"])
t = sorted(l.split()[2] for l in open(sys.argv[2]) if l.startswith("# TYPE "))
assert j == t, (set(j) ^ set(t))
cap = [s for f in d["metrics"] if f["name"] == "aegis_map_capacity" for s in f["samples"]
       if s["labels"] == {"map": "aegis_bans"}]
assert cap and cap[0]["value"] == 65536, cap
PY
pass "?format=json: the same $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["metrics"]))' "$RUN/m1.json") families"

code() { E curl -s -m 5 -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "http://127.0.0.1:$MPORT/")" = 404 ] || fail "/ is not 404"
[ "$(code -X POST "http://127.0.0.1:$MPORT/metrics")" = 405 ] || fail "POST is not 405"
[ "$(code "http://127.0.0.1:$MPORT/metrics?format=xml")" = 400 ] || fail "format=xml is not 400"
E curl -s -m 5 -D - -o /dev/null "http://127.0.0.1:$MPORT/metrics" | grep -qi "^Connection: close" ||
	fail "no Connection: close"
pass "404 for other paths, 405 for POST, 400 for an unknown format, Connection: close"
ms=$(for _ in $(seq 20); do E curl -s -m 5 -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$MPORT/metrics"; done |
	awk '{ t += $1 } END { printf "%.2f", t / NR * 1000 }')
pass "a scrape takes ${ms} ms on average (20 scrapes, curl time_total)"

# ---- a real Prometheus scraping aegisd ----
cat > "$RUN/prometheus.yml" <<EOF
global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: aegis
    static_configs: [ { targets: ["127.0.0.1:$MPORT"] } ]
EOF
promtool check config "$RUN/prometheus.yml" >/dev/null 2>&1 || fail "promtool check config"
E prometheus --config.file="$RUN/prometheus.yml" --storage.tsdb.path="$RUN/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" > "$RUN/prometheus.log" 2>&1 &
PPID_PROM=$!
q() {	# PROMQL: prints the first sample's value ("" if none)
	E curl -s -m 5 "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")'
}
# wait_q PROMQL PYCOND: until the value v satisfies PYCOND (20 s at most).
wait_q() {
	for _ in $(seq 40); do
		v=$(q "$1")
		[ -n "$v" ] && python3 -c "import sys; v=float(sys.argv[1]); sys.exit(0 if ($2) else 1)" "$v" &&
			return 0
		sleep 0.5
	done
	return 1
}
FAIL_LOG=$RUN/prometheus.log
wait_q 'up{job="aegis"}' 'v == 1' || fail "Prometheus does not scrape aegisd: up=$(q 'up{job="aegis"}')"
FAIL_LOG=$LOG
pass "Prometheus scrapes aegisd (up == 1)"

REQ='sum(aegis_http_requests_total{proxy="web"})'
OK2='sum(aegis_http_responses_total{proxy="web",code="2xx"})'
DENY='sum(aegis_xdp_packets_total{reason="deny",verdict="drop"})'
DENYB='sum(aegis_xdp_bytes_total{reason="deny"})'
wait_q "$DENY" 'v >= 0' || fail "no deny series in Prometheus"
HOST2='sum(aegis_http_host_responses_total{proxy="web",host="a.test",code="2xx"})'
r0=$(q "$REQ") o0=$(q "$OK2") d0=$(q "$DENY") b0=$(q "$DENYB") h0=$(q "$HOST2")
n=0
for i in $(seq 40); do
	st=$(ip netns exec "$CLI" curl -s -m 3 -o /dev/null -w '%{http_code}' --interface 198.18.0.2 \
		-H "Host: a.test" "http://198.18.0.1/n$i")
	[ "$st" = 200 ] && n=$((n + 1))
done
[ "$n" = 40 ] || fail "$n of 40 requests through the proxy answered 200"
ip netns exec "$CLI" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.3", 0))
for _ in range(200):
    s.sendto(b"x" * 58, ("198.18.0.1", 9999))'
# Frames of 100 bytes: 14 Ethernet + 20 IP + 8 UDP + 58.
want() { python3 -c "print(int(float('$1') + $2))"; }
wait_q "$REQ" "v >= $(want "$r0" 40)" || fail "requests: $(q "$REQ") after $r0 + 40"
wait_q "$OK2" "v >= $(want "$o0" 40)" || fail "2xx: $(q "$OK2") after $o0 + 40"
wait_q "$DENY" "v >= $(want "$d0" 200)" || fail "deny drops: $(q "$DENY") after $d0 + 200"
wait_q "$DENYB" "v >= $(want "$b0" 20000)" || fail "deny bytes: $(q "$DENYB") after $b0 + 20000"
sleep 2	# two more scrapes: nothing beyond the traffic sent may show up
[ "$(q "$REQ - $r0")" = 40 ] || fail "requests moved by $(q "$REQ - $r0"), not 40"
[ "$(q "$OK2 - $o0")" = 40 ] || fail "2xx moved by $(q "$OK2 - $o0"), not 40"
[ "$(q "$HOST2 - $h0")" = 40 ] || fail "host a.test 2xx moved by $(q "$HOST2 - $h0"), not 40"
[ "$(q "$DENY - $d0")" = 200 ] || fail "deny drops moved by $(q "$DENY - $d0"), not 200"
[ "$(q "$DENYB - $b0")" = 20000 ] || fail "deny bytes moved by $(q "$DENYB - $b0"), not 20000"
pass "Prometheus: 40 requests, 40 2xx (40 for host a.test), 200 deny drops and 20000 bytes, as sent"

# ---- latency histograms: one 300 ms answer lands in the (0.25, 0.5] bucket ----
HCNT='sum(aegis_http_request_duration_seconds_count{proxy="web"})'
UPB() { echo "sum(aegis_http_upstream_response_seconds_bucket{proxy=\"web\",le=\"$1\"})"; }
UP_IN="$(UPB 0.5) - $(UPB 0.25)"
wait_q "$HCNT" "v >= $(want "$r0" 40)" || fail "request histogram count: $(q "$HCNT")"
c0=$(q "$HCNT") u0=$(q "$UP_IN") f0=$(q "$(UPB 0.25)")
st=$(ip netns exec "$CLI" curl -s -m 3 -o /dev/null -w '%{http_code}' --interface 198.18.0.2 \
	-H "Host: a.test" "http://198.18.0.1/slow?ms=300")
[ "$st" = 200 ] || fail "slow request answered $st"
wait_q "$HCNT" "v >= $(want "$c0" 1)" || fail "request histogram did not count the slow request"
sleep 2
[ "$(q "$UP_IN - $u0")" = 1 ] || fail "(0.25 s, 0.5 s] upstream bucket moved by $(q "$UP_IN - $u0"), not 1"
[ "$(q "$(UPB 0.25) - $f0")" = 0 ] || fail "the 0.25 s bucket counted a 300 ms answer"
p95=$(q 'histogram_quantile(0.95, sum by (le) (aegis_http_upstream_response_seconds_bucket{proxy="web"}))')
[ -n "$p95" ] || fail "histogram_quantile over the upstream histogram: none"
# ---- guard decisions: three SQL injections blocked by the WAF ----
WAFB='sum(aegis_http_guard_decisions_total{proxy="web",stage="waf",action="block"})'
SQLI='sum(aegis_http_waf_decisions_total{proxy="web",class="sqli"})'
wait_q "$SQLI" 'v >= 0' || fail "no WAF class series in Prometheus"
w0=$(q "$WAFB") s0=$(q "$SQLI")
for i in 1 2 3; do
	st=$(ip netns exec "$CLI" curl -s -m 3 -o /dev/null -w '%{http_code}' --interface 198.18.0.2 \
		-H "Host: a.test" "http://198.18.0.1/item?id=1%27%20UNION%20SELECT%20password%20FROM%20users--")
	[ "$st" = 403 ] || fail "SQL injection $i answered $st, not 403"
done
wait_q "$SQLI" "v >= $(want "$s0" 3)" || fail "sqli decisions: $(q "$SQLI") after $s0 + 3"
sleep 2
[ "$(q "$WAFB - $w0")" = 3 ] || fail "waf blocks moved by $(q "$WAFB - $w0"), not 3"
[ "$(q "$SQLI - $s0")" = 3 ] || fail "sqli decisions moved by $(q "$SQLI - $s0"), not 3"
pass "Prometheus: 3 SQL injections as 3 WAF blocks, class sqli"
pass "Prometheus: the latency histograms count each request once; a 300 ms answer in (0.25 s, 0.5 s] (p95 ${p95}s)"

# ---- slow clients hold every slot: the loop and the proxy go on ----
ip netns exec "$EDGE" python3 - "$MPORT" <<'PY' > "$RUN/slow.out" 2>&1 &
import socket, sys, time
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
idle[1].sendall(b"GET /metr")		# a head that never ends
time.sleep(0.3)
c = socket.create_connection(("127.0.0.1", port)); c.settimeout(3)
print("extra:", c.recv(64).split(b"\r\n")[0].decode())
t = time.time()
for s in idle:
    s.settimeout(10)
    assert s.recv(64) == b"", "an idle client got an answer"
print("dropped after %.1f" % (time.time() - t))
PY
SLOW=$!
sleep 1
st=$(ip netns exec "$CLI" curl -s -m 3 -o /dev/null -w '%{http_code}' -H "Host: a.test" http://198.18.0.1/busy)
[ "$st" = 200 ] || fail "the proxy did not answer while scrape slots were held ($st)"
wait "$SLOW" || fail "slow clients: $(cat "$RUN/slow.out")"
grep -q "extra: HTTP/1.1 503" "$RUN/slow.out" || fail "a 17th client was not refused: $(cat "$RUN/slow.out")"
grep -q "dropped after [3-6]\." "$RUN/slow.out" || fail "idle clients: $(cat "$RUN/slow.out")"
scrape "" | grep -q '^aegis_build_info' || fail "/metrics does not answer after the slow clients"
pass "16 idle clients: a 17th gets 503, the proxy keeps serving, idle ones dropped by the 5 s timeout"

# ---- the Grafana dashboard queries only metrics that exist ----
scrape "" > "$RUN/m2.txt"
python3 - configs/grafana-dashboard.json "$RUN/m2.txt" <<'PY' > "$RUN/dash.out" 2>&1 || fail "dashboard: $(cat "$RUN/dash.out")"
import json, re, sys
d = json.load(open(sys.argv[1]))
used = {n for p in d["panels"] for t in p.get("targets", [])
        for n in re.findall(r"\baegis_[a-z0-9_]+", t["expr"])}
live = set()
for l in open(sys.argv[2]):
    if l.startswith("# TYPE "):
        name, kind = l.split()[2:4]
        live.add(name)
        if kind == "histogram":
            live.update(name + s for s in ("_bucket", "_sum", "_count"))
missing = sorted(used - live)
assert used, "the dashboard queries no aegis_ metric"
assert not missing, "not in /metrics: %s" % " ".join(missing)
print(len(used))
PY
pass "configs/grafana-dashboard.json: all $(cat "$RUN/dash.out") metrics it queries are in /metrics"

kill -TERM "$PPID_PROM"; wait "$PPID_PROM" 2>/dev/null; PPID_PROM=""
kill -TERM "$DPID"
rc=0
wait "$DPID" || rc=$?
DPID=""
[ "$rc" = 0 ] || fail "aegisd exit $rc at stop"
san_check "$LOG"
pass "clean stop"
