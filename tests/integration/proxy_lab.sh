#!/bin/sh
# The io_uring TCP/UDP proxy in a netns lab, with real sockets:
# client ns --veth-- edge ns (aegisd: XDP + proxy) --veth-- upstream ns.
# TCP echo and bulk transfer (bytes identical, small and large writes),
# UDP echo sessions, port ranges one-to-one and fan-out, an upstream killed
# mid-test is ejected and readmitted, PROXY v1/v2 parsed by the upstream,
# PROXY accepted from a trusted balancer, draining keeps a connection alive
# through a reload, 1,000 concurrent connections, access-log lines, and the
# XDP side (upstreams allow-listed, the proxy's xdp policy on its port).
set -u
cd "$(dirname "$0")/../.."
. tools/lab.sh
. tests/integration/lib.sh

lab_init
EDGE=$(lab_ns edge) || skip "cannot create network namespaces"
CLI=$(lab_ns cli)
UP=$(lab_ns up)
IF_E="ae${LAB_TAG}e"
lab_link "$CLI" "ae${LAB_TAG}c" "198.18.0.2/24 2001:db8::2/64" "$EDGE" "$IF_E" "198.18.0.1/24 198.18.0.5/24 2001:db8::1/64"
lab_link "$EDGE" "ae${LAB_TAG}f" "198.18.1.1/24" "$UP" "ae${LAB_TAG}u" "198.18.1.2/24 198.18.1.3/24"

RUN=/run/aegis-proxy-$LAB_TAG
mkdir -p "$RUN/bpf"
mount -t bpf bpf "$RUN/bpf" || skip "cannot mount bpffs"
cleanup_proxy() {
	pkill -f "aegisd -c $RUN/" 2>/dev/null
	sleep 0.3
	lab_cleanup
	umount "$RUN/bpf" 2>/dev/null
	rm -rf "$RUN"
}
trap cleanup_proxy EXIT

UPY="python3 $(pwd)/tests/integration/upstream.py"
CLIENT="python3 $(pwd)/tests/integration/proxy_client.py"
up() { lab_spawn ip netns exec "$UP" $UPY "$@"; }
cli() { ip netns exec "$CLI" $CLIENT "$@"; }
ctl() { "$AEGISCTL" -p "$RUN/bpf/aegis" "$@"; }

up tcp-echo 35000
up udp-echo 35000
up tcp-echo 35001 --pp
up udp-echo 35001 --pp
for p in 36000 36001 36002; do up tcp-echo $p --tag "p$p"; done
up tcp-echo 37000 --tag a37000
up tcp-echo 37001 --tag a37001
wait_port "$UP" tcp 37001
wait_port "$UP" udp 35001

CFG=$RUN/aegis.yaml
write_config() {	# $1: idle timeout of the "echo" proxy (changing it forces a drain)
	cat > "$CFG.tmp" <<EOF
interfaces: [ $IF_E ]
pin_dir: $RUN/bpf/aegis
state_dir: $RUN/state
log: { status_interval: 1s, level: debug }
events: { output: $RUN/events.jsonl }
proxies:
  - name: echo
    protocol: tcp-udp
    origin: { addresses: ["0.0.0.0", "::"], ports: 25000 }
    upstream: { addresses: [198.18.1.2], ports: 35000 }
    timeouts: { idle: $1 }
    draining: { timeout: 20s }
    access_log: { path: $RUN/access.log }
    xdp: { per_source: { syn: { rate: 1000, burst: 2000 } } }
  - name: pp
    protocol: tcp-udp
    origin: { ports: 25001 }
    upstream: { addresses: [198.18.1.2], ports: 35001 }
    proxy_protocol: { send: v2 }
    timeouts: { udp_session: 1s }
    access_log: { path: $RUN/pp.log }
  - name: ppu
    protocol: udp
    origin: { ports: 25006 }
    upstream: { addresses: [198.18.1.2], ports: 35001 }
    proxy_protocol: { send: v2, accept_from: [198.18.0.0/24] }
    health_check: { enabled: false }
    access_log: { enabled: false }
  - name: pp1
    protocol: tcp
    origin: { ports: 25002 }
    upstream: { addresses: [198.18.1.2], ports: 35001 }
    proxy_protocol: { send: v1, accept_from: [198.18.0.0/24] }
    access_log: { enabled: false }
  - name: map
    protocol: tcp
    origin: { ports: "26000-26002" }
    upstream: { addresses: [198.18.1.2], ports: "36000-36002" }
    one_to_one: true
    access_log: { enabled: false }
  - name: short
    protocol: tcp
    origin: { ports: 25004 }
    upstream: { addresses: [198.18.1.2], ports: 35000 }
    timeouts: { idle: 1s }
    access_log: { path: $RUN/short.log }
  - name: dead
    protocol: tcp
    origin: { ports: 25005 }
    upstream: { addresses: [198.18.1.9], ports: 35000 }
    timeouts: { connect: 500ms }
    health_check: { enabled: false }
    access_log: { path: $RUN/dead.log }
  - name: tiny
    protocol: tcp
    origin: { ports: 25003 }
    upstream: { addresses: [198.18.1.2], ports: 35000 }
    limits: { max_connections: 3 }
    access_log: { enabled: false }
  - name: fan
    protocol: tcp
    origin: { ports: "27000-27001" }
    upstream: { addresses: [198.18.1.2, 198.18.1.3], ports: "37000-37001" }
    one_to_one: false
    balance: { algorithm: round-robin }
    health_check: { interval: 300ms, timeout: 200ms, fails: 2, passes: 1 }
    access_log: { enabled: false }
EOF
	mv "$CFG.tmp" "$CFG"
}
write_config 300s
LOG=$RUN/aegisd.log
FAIL_LOG=$LOG
ip netns exec "$EDGE" "$AEGISD" -c "$CFG" >>"$LOG" 2>&1 &
DPID=$!
for _ in $(seq 50); do grep -q "running" "$LOG" && break; sleep 0.1; done
grep -q "running" "$LOG" || { cat "$LOG" >&2; fail "aegisd did not start"; }
sleep 0.3

# TCP and UDP echo, both families on the client side.
[ "$(cli echo 198.18.0.1 25000 hello)" = hello ] || fail "TCP echo over IPv4"
[ "$(cli echo 2001:db8::1 25000 hello6)" = hello6 ] || fail "TCP echo over IPv6"
for i in 1 2 3; do
	[ "$(cli udp 198.18.0.1 25000 "dgram$i")" = "dgram$i" ] || fail "UDP echo $i"
done
[ "$(cli udp 2001:db8::1 25000 dgram6)" = dgram6 ] || fail "UDP echo over IPv6"
# The listener is 0.0.0.0: a reply must come from the address the client used.
[ "$(cli udp-conn 198.18.0.5 25000 second)" = second ] || fail "UDP reply not from the secondary address"
pass "TCP and UDP echo through the proxy (IPv4 and IPv6 clients)"

cli bulk 198.18.0.1 25000 32 >/dev/null || fail "bulk transfer"
pass "32 MiB bulk transfer in 1 B..256 KiB writes: echoed bytes identical"

# PROXY protocol towards the upstream (parsed there), v2 TCP and UDP, v1 TCP.
out=$(cli echo 198.18.0.1 25001 x)
echo "$out" | grep -q "^PP 198.18.0.2 [0-9]" || fail "PROXY v2 (TCP) not seen upstream: $out"
out=$(cli udp 198.18.0.1 25001 y)
echo "$out" | grep -q "^PP 198.18.0.2 [0-9]*|y" || fail "PROXY v2 (UDP) not seen upstream: $out"
pass "PROXY v2 over TCP and UDP parsed by the upstream with the real client address"

# From a trusted balancer: its header names the client; ours passes it on (v1).
out=$(cli send-pp 198.18.0.1 25002 'PROXY TCP4 203.0.113.7 198.18.0.1 4242 25002\r\n')
echo "$out" | grep -q "^PP 203.0.113.7 4242" || fail "trusted PROXY v1 not forwarded: $out"
pass "PROXY v1 accepted from a trusted balancer and forwarded as v1"
out=$(cli udp-pp 198.18.0.1 25006 203.0.113.9 5555)
[ "$out" = "PP 203.0.113.9 5555|lb" ] || fail "trusted PROXY v2 over UDP not forwarded: $out"
pass "PROXY v2 over UDP from a trusted balancer: the upstream sees the real client, the reply returns"

# Port ranges: one-to-one keeps the offset; fan-out balances over all targets.
for p in 0 1 2; do
	out=$(cli echo 198.18.0.1 2600$p z)
	[ "$out" = "p3600$p:z" ] || fail "one-to-one 2600$p went to '$out'"
done
seen=$(for i in $(seq 12); do cli echo 198.18.0.1 27000 z | cut -d: -f1; done | sort -u | tr '\n' ' ')
[ "$seen" = "a37000 a37001 " ] || fail "fan-out reached only: $seen"
pass "port ranges: one-to-one 26000-26002 -> 36000-36002; fan-out over 4 targets"

# Kill the upstream on 37001: it is ejected, then readmitted when back.
pkill -f "upstream.py tcp-echo 37001" ; sleep 1.5
grep -q "upstream 198.18.1.[23] port 37001 ejected" "$LOG" || fail "dead upstream not ejected"
for i in $(seq 8); do
	out=$(cli echo 198.18.0.1 27001 z) || fail "connection failed with one upstream down"
	[ "${out%%:*}" = a37000 ] || fail "picked the dead upstream: $out"
done
up tcp-echo 37001 --tag a37001
sleep 1.5
grep -q "upstream 198.18.1.[23] port 37001 healthy again" "$LOG" || fail "upstream not readmitted"
seen=$(for i in $(seq 12); do cli echo 198.18.0.1 27000 z | cut -d: -f1; done | sort -u | tr '\n' ' ')
[ "$seen" = "a37000 a37001 " ] || fail "readmitted upstream unused: $seen"
pass "killed upstream ejected (traffic avoids it) and readmitted when it returns"

cli concurrent 198.18.0.1 25000 1000 >/dev/null || fail "1000 concurrent connections"
pass "1,000 concurrent connections echo"

# Timeouts: idle closes a silent connection; connect gives up on a dead
# upstream; an idle UDP session expires.
cli hold 198.18.0.1 25004 2 >/dev/null 2>&1 && fail "idle timeout (1s) did not close a silent connection"
t0=$(date +%s%N)
[ -z "$(cli echo 198.18.0.1 25005 x 2>/dev/null)" ] || fail "dead upstream answered"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 3000 ] || fail "connect timeout (500ms) took ${ms}ms"
sleep 0.2
grep -q '"close":"idle_timeout"' "$RUN/short.log" || fail "idle close not logged"
grep -q '"close":"connect_timeout"' "$RUN/dead.log" || fail "connect timeout not logged"
grep -q '"protocol":"udp".*"close":"idle_timeout"' "$RUN/pp.log" || fail "UDP session did not expire"
pass "idle timeout, connect timeout (${ms}ms for 500ms) and UDP session expiry, each logged"

# A proxy at its connection limit sheds new connections, counts and logs it.
HOLDS=""
for i in 1 2 3; do cli hold 198.18.0.1 25003 2 >/dev/null & HOLDS="$HOLDS $!"; done
sleep 0.7
out=$(cli echo 198.18.0.1 25003 over 2>&1)
# Shed means closed at once: EOF, a reset, or "not connected" on the half-close.
[ -z "$out" ] || echo "$out" | grep -q "reset\|closed\|not connected\|Broken pipe" ||
	fail "4th connection over the limit was served: $out"
for h in $HOLDS; do wait "$h" || fail "a connection within the limit failed"; done
for _ in $(seq 20); do grep -q "proxy engine: shed 1 new" "$LOG" && break; sleep 0.1; done
grep -q "proxy engine: shed 1 new" "$LOG" || fail "shedding not logged"
[ "$(cli echo 198.18.0.1 25003 again)" = again ] || fail "limit not released after close"
pass "max_connections 3: the 4th is shed (counted, logged), served again once below the limit"

# Draining: a reload that changes "echo" drains it; an open connection lives on.
sheds=$(grep -c "proxy engine: shed" "$LOG")
cli hold 198.18.0.1 25000 3 >"$RUN/hold.out" 2>&1 &
HOLD=$!
sleep 1
write_config 301s
for _ in $(seq 30); do grep -q "proxy echo: draining" "$LOG" && break; sleep 0.1; done
grep -q "proxy echo: draining" "$LOG" || fail "reload did not drain the changed proxy"
[ "$(cli echo 198.18.0.1 25000 new)" = new ] || fail "new connections fail after the reload"
wait $HOLD || fail "draining cut the open connection: $(cat "$RUN/hold.out")"
grep -q "proxy pp: draining" "$LOG" && fail "reload drained an unchanged proxy"
[ "$(grep -c "proxy engine: shed" "$LOG")" = "$sheds" ] || fail "draining counted as shedding"
pass "reload drains the changed proxy: its open connection completes, unchanged ones untouched"

# XDP side and access log.
for a in 198.18.1.2 198.18.1.3; do
	ctl allow list | grep -q "^$a/32" || fail "upstream $a not on the XDP allow-list"
done
ctl policy show | grep -q "tcp-udp 25000" || fail "proxy xdp policy not on port 25000"
python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
tcp = [l for l in lines if l["protocol"] == "tcp" and l["bytes_in"] == 32 << 20]
assert tcp and tcp[0]["bytes_out"] == 32 << 20 and tcp[0]["source"] == "198.18.0.2", tcp
assert tcp[0]["close"] == "client_closed", tcp  # the client half-closed first
assert any(l["protocol"] == "tcp" and l["close"] for l in lines)
' "$RUN/access.log" || fail "access log lines missing or wrong"
pass "upstreams allow-listed in XDP; proxy xdp policy on its port; JSON access log"

kill -TERM $DPID
wait $DPID || fail "aegisd exited non-zero"
grep -q '"protocol":"udp"' "$RUN/access.log" || fail "UDP sessions not logged at stop"
san_check "$LOG"
pass "clean stop; UDP sessions logged"
