#!/bin/sh
# The reputation engine fed by the proxies, with real traffic:
#
#   cli 198.18.0.2 (legit), .3 (trusted XFF proxy), .4 (trusted PROXY
#       protocol), 200+ attackers on 198.19.0.0/16 and 2001:db8::a:0/112
#       --veth-- edge 198.18.0.1 (aegisd, XDP native)
#       --veth-- up 198.18.1.2 (upstream)
#
# Attackers send WAF-matching requests (150: 100 IPv4, 50 IPv6), floods
# over the per-IP rate limit (30) and slowloris heads (20): each is banned
# in XDP within a bounded time (ban list, `ban` drops), the legit client
# keeps >= 99% success meanwhile, and a banned source's open keep-alive
# connection is closed at once. A client behind a trusted proxy (XFF and
# PROXY protocol) is soft-blocked at L7 (403 from the fast reject) and the
# proxies' own addresses are never banned. A host in `reputation: detect`
# scores and logs, bans nothing. A repeat offender's second ban is longer.
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
IF_E="ae${LAB_TAG}e" IF_C="ae${LAB_TAG}c"
lab_link "$CLI" "$IF_C" "198.18.0.2/24 198.18.0.3/24 198.18.0.4/24 2001:db8::2/64" \
	"$EDGE" "$IF_E" "198.18.0.1/24 2001:db8::1/64"
lab_link "$EDGE" "ae${LAB_TAG}f" "198.18.1.1/24" "$UP" "ae${LAB_TAG}u" "198.18.1.2/24"
ip -n "$UP" route add default via 198.18.1.1
ip -n "$CLI" route add 198.18.1.0/24 via 198.18.0.1
ip -n "$EDGE" route add 198.19.0.0/16 dev "$IF_E"
ip -n "$CLI" route add 198.18.0.1/32 dev "$IF_C" src 198.18.0.2 2>/dev/null

WAF4=$(seq -f "198.19.0.%g" 1 100)
WAF6=$(for i in $(seq 1 50); do printf "2001:db8::a:%x " "$i"; done)
FLOOD=$(seq -f "198.19.1.%g" 1 30)
SLOW=$(seq -f "198.19.2.%g" 1 20)
HOLD=198.19.3.1 REPEAT=198.19.4.1 DETECT=198.19.5.1
{
	for a in $WAF4 $FLOOD $SLOW $HOLD $REPEAT $DETECT; do echo "addr add $a/32 dev $IF_C"; done
	for a in $WAF6; do echo "addr add $a/128 dev $IF_C nodad"; done
} | ip -n "$CLI" -b - || fail "adding the attacker aliases"

RUN=/run/aegis-reph-$LAB_TAG
mkdir -p "$RUN/bpf" "$RUN/state"
mount -t bpf bpf "$RUN/bpf" || skip "cannot mount bpffs"
PIN=$RUN/bpf/aegis
DPID=""
cleanup_reph() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && sleep 0.3 && kill -KILL "$DPID" 2>/dev/null
	lab_cleanup
	umount "$RUN/bpf" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup_reph EXIT

lab_spawn ip netns exec "$UP" python3 tests/integration/http_upstream.py --listen 198.18.1.2:8080 \
	--name A --stats "$RUN/A.stats" --log "$RUN/A.log"
wait_port "$UP" tcp 8080

SOCK=$RUN/aegisd.sock
CFG=$RUN/aegis.yaml
cat > "$CFG" <<YAML
interfaces: [ $IF_E ]
xdp_mode: native
pin_dir: $PIN
state_dir: $RUN/state
log: { status_interval: 1s }
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
    http:
      mode: enforce
      trusted_proxies: [198.18.0.3/32]
      timeouts: { header: 1s, body: 2s, keepalive: 30s, response: 2s }
      rate_limits: { per_ip: { rate: 10, burst: 10 } }
      bots: { block_after: 0 }
      hosts:
        - names: [a.test]
          default: true
          routes: [ { path: /, upstreams: ["http://198.18.1.2:8080"] } ]
        - names: [detect.test]
          reputation: detect
          routes: [ { path: /, upstreams: ["http://198.18.1.2:8080"] } ]
reputation:
  enabled: true
  softblock: 403
  thresholds: { throttle: 30, ban: 50 }
  group: { ipv6: 128 }
  escalation: [ 20s, 2m ]
  max_bans_per_sec: 1000
  control_socket: $SOCK
YAML
LOG=$RUN/aegisd.log
FAIL_LOG=$LOG
"$AEGISD" --check -c "$CFG" >"$RUN/check.out" 2>&1 || { cat "$RUN/check.out" >&2; fail "config rejected"; }
ip netns exec "$EDGE" "$AEGISD" -c "$CFG" >>"$LOG" 2>&1 &
DPID=$!
for _ in $(seq 1200); do
	grep -q "running" "$LOG" && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
grep -q "running" "$LOG" || { tail -n 20 "$LOG" >&2; fail "aegisd did not start"; }
wait_port "$EDGE" tcp 80
ctl() { "$AEGISCTL" -p "$PIN" -s "$SOCK" "$@"; }
ATT="ip netns exec $CLI timeout 40 python3 tests/integration/rep_attack.py 198.18.0.1 80"
# banned_count ADDR...: how many of these are in aegis_bans with origin reputation
banned_count() {
	ctl -j ban list | python3 -c '
import json, sys
want = set(sys.argv[1:])
print(sum(1 for b in json.load(sys.stdin) if b["origin"] == "reputation" and b["address"] in want))' "$@"
}

# ---- the attack, with a legit client throughout ----
ip netns exec "$CLI" python3 -c '
import socket, sys, time
ok = 0
for i in range(100):
    try:
        s = socket.create_connection(("198.18.0.1", 80), timeout=3, source_address=("198.18.0.2", 0))
        s.sendall(b"GET /clean HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
        ok += s.recv(64).startswith(b"HTTP/1.1 200")
        s.close()
    except OSError:
        pass
    time.sleep(0.12)
print(ok)' > "$RUN/legit.out" &
LEGIT=$!
$ATT hold $HOLD > "$RUN/hold.out" &
HOLDP=$!
$ATT waf $WAF4 $WAF6 > "$RUN/waf.out" &
W=$!
$ATT flood $FLOOD > "$RUN/flood.out" &
F=$!
$ATT slowloris $SLOW > "$RUN/slow.out" &
S=$!
wait $W $F $S $HOLDP
ALL="$WAF4 $WAF6 $FLOOD $SLOW"
n=0
for _ in $(seq 100); do
	n=$(banned_count $ALL)
	[ "$n" -ge 200 ] && break
	sleep 0.1
done
[ "$n" -ge 200 ] || fail "$n of 200 attackers banned; waf $(cat "$RUN/waf.out") flood $(cat "$RUN/flood.out") slowloris $(cat "$RUN/slow.out"); $(ctl ban list | head -5); $(grep -v status: "$LOG" | tail -5)"
pass "200 attackers (150 WAF incl. 50 IPv6, 30 rate floods, 20 slowloris) banned in XDP by reputation"
ctl -j ban list | python3 -c '
import json, sys
r = {b["address"]: b["reason"] for b in json.load(sys.stdin)}
for a, want in (("198.19.0.1", "waf_sqli"), ("2001:db8::a:1", "waf_sqli"), ("198.19.1.1", "http_rate"), ("198.19.2.1", "slowloris")):
    if r.get(a) != want: sys.exit("%s: reason %s, want %s" % (a, r.get(a), want))' || fail "ban reasons"
pass "ban reasons name the dominant input (waf_sqli, http_rate, slowloris)"

wait $LEGIT
ok=$(cat "$RUN/legit.out")
[ "${ok:-0}" -ge 99 ] || fail "legit client: $ok/100 requests succeeded"
pass "legit client $ok/100 during the attack"

closed=$(json_get closed_after_s < "$RUN/hold.out")
python3 -c "import sys; sys.exit(0 if 0 <= $closed < 3 else 1)" ||
	fail "a banned source's open keep-alive connection closed after $closed s (keepalive 30s)"
pass "the banned source's open connection closed ${closed}s after its attack began"

ip netns exec "$CLI" curl -s -m 1 --interface 198.19.0.2 -o /dev/null http://198.18.0.1/ &&
	fail "a banned source still reached the proxy"
[ "$(ctl -j stats interval 0 | json_get reasons.ban.packets)" -gt 0 ] || fail "no ban drops in stats"
pass "banned sources dropped in XDP (ban drops counted)"

# ---- clients behind trusted proxies: soft block at L7 ----
xff() {	# CLIENT PATH: status through the XFF proxy 198.18.0.3
	ip netns exec "$CLI" curl -s -m 3 --interface 198.18.0.3 -H "X-Forwarded-For: $1" \
		-o /dev/null -w '%{http_code}' -H "Host: a.test" "http://198.18.0.1$2"
}
SQLI="/search?q=1%27%20OR%20%271%27%3D%271"
for _ in 1 2 3; do xff 198.18.77.7 "$SQLI" >/dev/null; done
sleep 0.3
st=""
for _ in $(seq 30); do st=$(xff 198.18.77.7 /clean); [ "$st" = 403 ] && break; sleep 0.1; done
[ "$st" = 403 ] || fail "XFF client not soft-blocked: /clean got $st"
grep '"stage":"reputation"' "$RUN/access.log" | grep -q 198.18.77.7 || fail "fast reject not logged with stage reputation"
[ "$(xff 198.18.77.8 /clean)" = 200 ] || fail "another client of the same proxy refused"
[ "$(ctl -j rep show 198.18.77.7 | json_get action)" = softblock ] || fail "rep show: $(ctl rep show 198.18.77.7)"
pass "client behind the XFF proxy soft-blocked at L7 (403, stage reputation); the proxy's other clients pass"

pp() {	# CLIENT PATH: status through the PROXY-protocol proxy 198.18.0.4
	ip netns exec "$CLI" python3 -c '
import socket, sys
s = socket.create_connection(("198.18.0.1", 80), timeout=3, source_address=("198.18.0.4", 0))
s.sendall(("PROXY TCP4 %s 198.18.0.1 5555 80\r\nGET %s HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n" % (sys.argv[1], sys.argv[2])).encode())
d = s.recv(64)
print(d.split(b" ")[1].decode() if d.startswith(b"HTTP/1.1 ") else "eof")' "$1" "$2" 2>/dev/null || echo err
}
for _ in 1 2 3; do pp 198.18.88.8 "$SQLI" >/dev/null; done
st=""
for _ in $(seq 30); do st=$(pp 198.18.88.8 /clean); [ "$st" = 403 ] && break; sleep 0.1; done
[ "$st" = 403 ] || fail "PROXY-protocol client not soft-blocked: /clean got $st"
[ "$(pp 198.18.88.9 /clean)" = 200 ] || fail "another PROXY-protocol client refused"
[ "$(banned_count 198.18.0.3 198.18.0.4 198.18.77.7 198.18.88.8)" = 0 ] ||
	fail "a trusted proxy or a client behind one is in aegis_bans: $(ctl ban list)"
pass "client behind PROXY protocol soft-blocked; neither proxy nor their clients in aegis_bans"

# ---- detect mode host ----
REP_HOST=detect.test $ATT waf $DETECT $DETECT > "$RUN/detect.out"
grep -q '"403": 6' "$RUN/detect.out" || fail "detect host: $(cat "$RUN/detect.out") (want 6 x 403, none dropped)"
sleep 1.2
[ "$(banned_count $DETECT)" = 0 ] || fail "detect mode banned"
ctl -j rep show $DETECT > "$RUN/detect.json" || fail "detect source not scored"
python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(0 if d["detect"] and d["score"] >= 50 and d["action"] == "none" else 1)' \
	< "$RUN/detect.json" || fail "detect: $(cat "$RUN/detect.json")"
grep '"type":"reputation"' "$RUN/events.jsonl" | grep "\"$DETECT\"" | grep '"mode":"detect"' | grep -q '"to":"ban"' ||
	fail "no detect-mode would-be ban event"
pass "reputation: detect host scores past the ban threshold, logs the would-be ban, bans nothing"

# ---- escalation ----
$ATT waf $REPEAT >/dev/null
for _ in $(seq 30); do [ "$(banned_count $REPEAT)" = 1 ] && break; sleep 0.1; done
[ "$(banned_count $REPEAT)" = 1 ] || fail "repeat offender not banned"
for _ in $(seq 300); do [ "$(banned_count $REPEAT)" = 0 ] && break; sleep 0.1; done
[ "$(banned_count $REPEAT)" = 0 ] || fail "first ban did not expire after 20s"
$ATT waf $REPEAT >/dev/null
for _ in $(seq 30); do [ "$(banned_count $REPEAT)" = 1 ] && break; sleep 0.1; done
ttl=$(ctl -j ban list | python3 -c '
import json, sys
print([b["ttl_ms"] for b in json.load(sys.stdin) if b["address"] == sys.argv[1]][0])' $REPEAT) ||
	fail "second ban missing"
[ "$ttl" -gt 20000 ] || fail "second ban TTL ${ttl}ms, want > 20s (escalation)"
ctl rep show $REPEAT | grep -q "ban history: 2 bans" || fail "history: $(ctl rep show $REPEAT)"
pass "repeat offender's second ban is longer (${ttl}ms > 20s)"

kill -TERM "$DPID"; wait "$DPID" || fail "aegisd exited non-zero"
DPID=""
san_check "$LOG"
