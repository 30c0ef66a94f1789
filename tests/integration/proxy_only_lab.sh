#!/bin/sh
# aegisd without interfaces (proxy-only mode): no XDP plane, the proxies
# and everything at L7 run, reputation bans are held by the L7 fast
# reject.
#
#   cli 198.18.0.2 (legit), attackers 198.19.0.1-20, 198.19.3.1 (holds a
#       keep-alive connection) --veth-- edge 198.18.0.1 (aegisd, no XDP)
#       --veth-- up 198.18.1.2 (HTTP upstream, TCP echo)
#
# Checks: the validator refuses what only XDP enforces (policies, lists,
# a proxy's xdp: block) with file:line, and a file with neither interfaces
# nor proxies; aegisd runs with no program attached and nothing pinned;
# /metrics has no XDP family and says aegis_xdp_enabled 0;
# attackers get banned and then refused at L7 (403, stage reputation), their
# open connections closed; the legit client and the TCP proxy keep working.
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
lab_link "$CLI" "$IF_C" "198.18.0.2/24" "$EDGE" "$IF_E" "198.18.0.1/24"
lab_link "$EDGE" "ae${LAB_TAG}f" "198.18.1.1/24" "$UP" "ae${LAB_TAG}u" "198.18.1.2/24"
ip -n "$UP" route add default via 198.18.1.1
ip -n "$EDGE" route add 198.19.0.0/16 dev "$IF_E"
ATTACKERS=$(seq -f "198.19.0.%g" 1 20)
HOLD=198.19.3.1
for a in $ATTACKERS $HOLD; do echo "addr add $a/32 dev $IF_C"; done |
	ip -n "$CLI" -b - || fail "adding the attacker aliases"

RUN=/run/aegis-po-$LAB_TAG
mkdir -p "$RUN/state"
DPID=""
cleanup_po() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && sleep 0.3 && kill -KILL "$DPID" 2>/dev/null
	lab_cleanup
	[ -n "${KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup_po EXIT

lab_spawn ip netns exec "$UP" python3 tests/integration/http_upstream.py --listen 198.18.1.2:8080 \
	--name A --stats "$RUN/A.stats" --log "$RUN/A.log"
wait_port "$UP" tcp 8080
tcp_listen "$UP" 7000

SOCK=$RUN/aegisd.sock
CFG=$RUN/aegis.yaml
proxies() {
	cat <<YAML
proxies:
  - name: web
    protocol: http
    origin: { addresses: ["0.0.0.0"], ports: 80 }
    health_check: { enabled: false }
    draining: { timeout: 0 }
    access_log: { path: $RUN/access.log }
    http:
      mode: enforce
      timeouts: { header: 1s, body: 2s, keepalive: 30s, response: 2s }
      bots: { block_after: 0 }
      hosts:
        - names: [a.test]
          default: true
          routes: [ { path: /, upstreams: ["http://198.18.1.2:8080"] } ]
  - name: echo
    protocol: tcp
    origin: { addresses: ["0.0.0.0"], ports: 7000 }
    upstream: { addresses: ["198.18.1.2"], ports: 7000 }
    health_check: { enabled: false }
    draining: { timeout: 0 }
YAML
}
{
	echo "pin_dir: $RUN/bpf/aegis"
	echo "state_dir: $RUN/state"
	echo "log: { status_interval: 1s }"
	echo "events: { output: $RUN/events.jsonl }"
	echo "proxy_engine: { workers: 2 }"
	echo "metrics: { listen: 127.0.0.1:9464 }"
	proxies
	cat <<YAML
reputation:
  enabled: true
  softblock: 403
  thresholds: { throttle: 30, ban: 50 }
  control_socket: $SOCK
YAML
} > "$CFG"

# ---- the validator: what only XDP enforces is refused ----
"$AEGISD" --check -c "$CFG" >"$RUN/check.out" 2>&1 || { cat "$RUN/check.out" >&2; fail "config rejected"; }
grep -q "proxy-only mode" "$RUN/check.out" || fail "--check: $(cat "$RUN/check.out")"
refused() {	# WHAT FILE: --check must fail naming FILE:LINE and WHAT
	out=$("$AEGISD" --check -c "$2" 2>&1) && fail "$1 accepted without interfaces"
	echo "$out" | grep -q "$2:[0-9]*: $1 need an XDP interface" || fail "$1: $out"
}
for what in policies allow deny; do
	B=$RUN/bad-$what.yaml
	{
		echo "state_dir: $RUN/state"
		case $what in
		policies) printf 'policies:\n  - { name: g, protocol: udp, ports: [27015], per_source: { pps: 100 } }\n' ;;
		*) echo "$what: [198.18.9.0/24]" ;;
		esac
		proxies
	} > "$B"
	refused "$what" "$B"
done
B=$RUN/bad-xdp.yaml
{ echo "state_dir: $RUN/state"; proxies | sed 's/^    protocol: tcp$/    protocol: tcp\n    xdp: { per_source: { syn: 10 } }/'; } > "$B"
refused "a proxy's xdp: block" "$B"
printf 'state_dir: %s\n' "$RUN/state" > "$RUN/empty.yaml"
out=$("$AEGISD" --check -c "$RUN/empty.yaml" 2>&1) && fail "a file with neither interfaces nor proxies accepted"
echo "$out" | grep -q "no interfaces and no proxies" || fail "empty: $out"
pass "validator: policies, allow, deny and xdp: blocks need an interface (file:line); nothing to run is refused"

# ---- start without XDP ----
LOG=$RUN/aegisd.log
FAIL_LOG=$LOG
ip netns exec "$EDGE" "$AEGISD" -c "$CFG" >>"$LOG" 2>&1 &
DPID=$!
for _ in $(seq 600); do
	grep -q "running" "$LOG" && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
grep -q "running: no interfaces (proxy-only mode" "$LOG" || { tail -n 20 "$LOG" >&2; fail "aegisd did not start"; }
wait_port "$EDGE" tcp 80
[ -z "$(ip -n "$EDGE" link show | grep -i xdp)" ] || fail "an XDP program is attached"
[ ! -e "$RUN/bpf/aegis" ] || fail "maps pinned in proxy-only mode"
sleep 1.2
grep -q "status: xdp=off proxies=2" "$LOG" || fail "status line: $(grep status: "$LOG" | tail -1)"
pass "aegisd runs with no interfaces: no XDP program, nothing pinned, status says xdp=off"
M=$(ip netns exec "$EDGE" curl -s -m 3 http://127.0.0.1:9464/metrics)
echo "$M" | grep -q '^aegis_xdp_enabled 0$' || fail "/metrics: aegis_xdp_enabled is not 0"
! echo "$M" | grep -qE '^aegis_(xdp_packets|xdp_bytes|xdp_errors|map_entries)' ||
	fail "/metrics lists XDP families without the XDP plane"
echo "$M" | grep -q '^aegis_proxy_connections{proxy="web"} ' || fail "/metrics: no proxy web"
echo "$M" | grep -q '^aegis_reputation_sources ' || fail "/metrics: no reputation families"
if command -v promtool >/dev/null; then
	echo "$M" | promtool check metrics >/dev/null 2>&1 || fail "promtool check metrics (proxy-only)"
fi
pass "/metrics in proxy-only mode: no XDP families, aegis_xdp_enabled 0, proxies and reputation"

get() {	# SRC PATH: HTTP status
	ip netns exec "$CLI" curl -s -m 3 --interface "$1" -o /dev/null -w '%{http_code}' \
		-H "Host: a.test" "http://198.18.0.1$2"
}
ctl() { "$AEGISCTL" -s "$SOCK" "$@"; }
[ "$(get 198.18.0.2 /hello)" = 200 ] || fail "legit request through the HTTP proxy"
tcp_probe "$CLI" 198.18.0.1 7000 || fail "TCP proxy: no greeting from the upstream"
pass "HTTP and TCP proxies serve without the XDP plane"

# ---- reputation bans held at L7 ----
ATT="ip netns exec $CLI timeout 30 python3 tests/integration/rep_attack.py 198.18.0.1 80"
$ATT hold $HOLD > "$RUN/hold.out" &
HOLDP=$!
$ATT waf $ATTACKERS > "$RUN/waf.out"
wait $HOLDP
n=0
for a in $ATTACKERS; do
	st=$(get "$a" /clean)
	[ "$st" = 403 ] && n=$((n + 1))
done
[ "$n" = 20 ] || fail "$n of 20 banned attackers refused at L7; waf $(cat "$RUN/waf.out")"
grep '"stage":"reputation"' "$RUN/access.log" | grep -q '"198.19.0.1"' || fail "fast reject not logged with stage reputation"
[ "$(ctl -j rep show 198.19.0.1 | json_get action)" = ban ] ||
	fail "rep show: $(ctl rep show 198.19.0.1)"
grep '"type":"reputation"' "$RUN/events.jsonl" | grep '"198.19.0.1"' | grep '"to":"ban"' |
	grep -q '"enforced":"l7"' || fail "ban event does not say it is enforced at L7"
pass "20 attackers banned by reputation and refused at L7 (403, stage reputation; event enforced l7)"
closed=$(json_get closed_after_s < "$RUN/hold.out")
python3 -c "import sys; sys.exit(0 if 0 <= $closed < 3 else 1)" ||
	fail "a banned source's open keep-alive connection closed after $closed s (keepalive 30s)"
pass "the banned source's open connection closed ${closed}s after its attack began"
[ "$(get 198.18.0.2 /hello)" = 200 ] || fail "legit client refused after the attack"
pass "legit client still served"

kill -TERM "$DPID"
rc=0
wait "$DPID" || rc=$?
DPID=""
[ "$rc" = 0 ] || fail "aegisd exit $rc at stop"
[ ! -e "$RUN/state/bans.tsv" ] || fail "a bans.tsv written without the XDP plane"
san_check "$LOG"
pass "clean stop"
