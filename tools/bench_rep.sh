#!/bin/sh
# Reputation benchmark: how fast does an L7 attacker get dropped at L3?
# Benchmarks, not tests: figures and ratios; fails only when the lab
# cannot be built or a tool is missing.
#
#   tools/bench_rep.sh [BUILD_DIR]           (root: netns lab)
#
# Lab: attacker ns (BENCH_REP_SOURCES addresses, default 50, aliases
# 198.18.10.1.. on one veth) --veth-- edge ns (198.18.0.1). Each source
# sends SQL-injection requests over fresh connections until a connect gets
# no answer; the figure is the time from its first request to that
# connect (tools/bench_rep/attack.py), p50/p99 over the sources.
#
# Peers, one at a time on the same lab:
#   fail2ban  nginx (403 by a location rule, access log unbuffered) +
#             Debian's fail2ban: backend pyinotify, maxretry 1, usedns no,
#             iptables-allports DROP (its fastest settings; configs in
#             tools/bench_rep/).
#   aegis     aegisd: HTTP proxy with the WAF enforcing, the reputation
#             engine banning into XDP (native on the edge veth).
# Knobs: BENCH_REP_SOURCES (1..250), BENCH_REP_PEERS (default "fail2ban aegis").
set -u

BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
SOURCES=${BENCH_REP_SOURCES:-50}
PEERS=${BENCH_REP_PEERS:-fail2ban aegis}
case $SOURCES in *[!0-9]*|'') echo "bench_rep: BENCH_REP_SOURCES: 1..250" >&2; exit 2;; esac
[ "$SOURCES" -ge 1 ] && [ "$SOURCES" -le 250 ] ||
	{ echo "bench_rep: BENCH_REP_SOURCES: 1..250" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench_rep: needs root (network namespaces)" >&2; exit 1; }
for t in nginx fail2ban-server iptables python3; do
	command -v $t >/dev/null || { echo "bench_rep: $t missing (tools/deps.sh --bench)" >&2; exit 1; }
done
AEGISD=$(realpath "$BUILD/aegisd" 2>/dev/null)
AEGISCTL=$(realpath "$BUILD/aegisctl" 2>/dev/null)
CFG_DIR=$(realpath tools/bench_rep)

. tools/lab.sh
lab_init
RUN=$(mktemp -d /tmp/aegis-bench-rep.XXXXXX) || exit 1
PEER_PIDS=""
cleanup() {
	for p in $PEER_PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.3
	for p in $PEER_PIDS; do kill -KILL "$p" 2>/dev/null; done
	[ -f "$RUN/nginx.pid" ] && kill "$(cat "$RUN/nginx.pid")" 2>/dev/null
	lab_cleanup
	umount "$RUN/bpf" 2>/dev/null
	[ -n "${BENCH_REP_KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ATK=$(lab_ns a) || { echo "bench_rep: cannot create network namespaces" >&2; exit 1; }
EDGE=$(lab_ns e) || exit 1
IF_EDGE="ae${LAB_TAG}e"
lab_link "$ATK" "ae${LAB_TAG}a" "198.18.0.2/16" "$EDGE" "$IF_EDGE" "198.18.0.1/16" || exit 1
: > "$RUN/sources"
i=1
while [ $i -le "$SOURCES" ]; do
	ip -n "$ATK" addr add "198.18.10.$i/16" dev "ae${LAB_TAG}a"
	echo "198.18.10.$i" >> "$RUN/sources"
	i=$((i + 1))
done
for ns in "$ATK" "$EDGE"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
		net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=4096
done
LISTEN=198.18.0.1
PORT_NGINX=8080 PORT_AEGIS=8081
ATTACK_PATH="/search?id=1%27%20union%20select%20password%20from%20users--"

fill() {
	sed -e "s|@RUN@|$RUN|g" -e "s|@LISTEN@|$LISTEN|g" -e "s|@IF_EDGE@|$IF_EDGE|g" \
		-e "s|@PORT_NGINX@|$PORT_NGINX|g" -e "s|@PORT_AEGIS@|$PORT_AEGIS|g" \
		"$CFG_DIR/$1" > "$2"
}

# wait_port PORT: until something listens on the edge.
wait_port() {
	for _ in $(seq 300); do
		ip netns exec "$EDGE" ss -lntH "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

attack() {
	ip netns exec "$ATK" python3 "$CFG_DIR/attack.py" --json \
		--target "$LISTEN:$1" --path "$ATTACK_PATH" --sources "$RUN/sources" \
		--max-seconds "${BENCH_REP_MAX_SECONDS:-40}"
}

run_fail2ban() {
	fill nginx.conf "$RUN/nginx.conf"
	mkdir -p "$RUN/f2b/filter.d" "$RUN/f2b/jail.d"
	cp -r /etc/fail2ban/action.d /etc/fail2ban/filter.d/common.conf \
		/etc/fail2ban/paths-common.conf /etc/fail2ban/paths-debian.conf \
		/etc/fail2ban/jail.conf "$RUN/f2b/"
	mv "$RUN/f2b/common.conf" "$RUN/f2b/filter.d/"
	fill fail2ban.conf "$RUN/f2b/fail2ban.conf"
	fill jail.local "$RUN/f2b/jail.local"
	fill filter.conf "$RUN/f2b/filter.d/aegis-bench.conf"
	: > "$RUN/nginx-access.log"
	ip netns exec "$EDGE" nginx -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log" ||
		{ echo "bench_rep: nginx failed" >&2; return 1; }
	ip netns exec "$EDGE" fail2ban-server -f -x -c "$RUN/f2b" \
		-s "$RUN/fail2ban.sock" -p "$RUN/fail2ban.pid" >"$RUN/f2b.out" 2>&1 &
	PEER_PIDS="$PEER_PIDS $!"
	for _ in $(seq 100); do
		grep -q "Jail 'aegis-bench' started" "$RUN/fail2ban.log" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "Jail 'aegis-bench' started" "$RUN/fail2ban.log" 2>/dev/null ||
		{ echo "bench_rep: fail2ban did not start:" >&2; tail -5 "$RUN/f2b.out" "$RUN/fail2ban.log" >&2; return 1; }
	wait_port $PORT_NGINX || { echo "bench_rep: nginx not listening" >&2; return 1; }
	attack $PORT_NGINX > "$RUN/res.fail2ban"
	bans=$(grep -c "Ban 198.18" "$RUN/fail2ban.log")
	echo "fail2ban: $(cat "$RUN/res.fail2ban") ($bans bans logged)"
	kill "$(cat "$RUN/nginx.pid")" 2>/dev/null
}

# The peers one after the other on one lab: what fail2ban left (its
# process, its iptables DROP rules in the edge namespace) goes first.
peer_reset() {
	for p in $PEER_PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PEER_PIDS; do wait "$p" 2>/dev/null; done
	PEER_PIDS=""
	ip netns exec "$EDGE" iptables -F 2>/dev/null
	ip netns exec "$EDGE" iptables -X 2>/dev/null
}

run_aegis() {
	[ -x "$AEGISD" ] || { echo "bench_rep: $AEGISD not built" >&2; return 1; }
	peer_reset
	mkdir -p "$RUN/bpf" "$RUN/state" "$RUN/www"
	mount -t bpf bpf "$RUN/bpf" || { echo "bench_rep: cannot mount bpffs" >&2; return 1; }
	ip netns exec "$EDGE" python3 -m http.server 8090 --bind 127.0.0.1 --directory "$RUN/www" \
		>/dev/null 2>&1 &
	PEER_PIDS="$PEER_PIDS $!"
	cat > "$RUN/aegis.yaml" <<YAML
interfaces: [ $IF_EDGE ]
xdp_mode: native
pin_dir: $RUN/bpf/aegis
state_dir: $RUN/state
log: { status_interval: 10s }
events: { output: $RUN/aegis-events.jsonl }
proxies:
  - name: web
    protocol: http
    origin: { addresses: ["$LISTEN"], ports: $PORT_AEGIS }
    health_check: { enabled: false }
    http:
      mode: enforce
      allow_private_upstreams: true
      bots: { block_after: 0 }
      hosts:
        - names: [bench.test]
          default: true
          routes: [ { path: /, upstreams: ["http://127.0.0.1:8090"] } ]
reputation:
  enabled: true
  thresholds: { throttle: 20, ban: 25 }
  max_bans_per_sec: 1000
  control_socket: $RUN/aegisd.sock
YAML
	ip netns exec "$EDGE" "$AEGISD" -c "$RUN/aegis.yaml" >"$RUN/aegisd.log" 2>&1 &
	apid=$!
	PEER_PIDS="$PEER_PIDS $apid"
	for _ in $(seq 600); do
		grep -q "running" "$RUN/aegisd.log" && break
		kill -0 $apid 2>/dev/null || break
		sleep 0.1
	done
	grep -q running "$RUN/aegisd.log" && wait_port $PORT_AEGIS ||
		{ echo "bench_rep: aegisd did not start:" >&2; tail -5 "$RUN/aegisd.log" >&2; return 1; }
	attack $PORT_AEGIS > "$RUN/res.aegis"
	bans=$("$AEGISCTL" -p "$RUN/bpf/aegis" ban list | grep -c reputation)
	echo "aegis: $(cat "$RUN/res.aegis") ($bans reputation bans in XDP)"
}

# ratio A B: p99 of peer A over p99 of peer B (above 1: B dropped sooner)
ratio() {
	python3 -c '
import json, sys
a, b = (json.load(open(f))["p99_ms"] for f in sys.argv[1:3])
print("ratio fail2ban_p99/aegis_p99: %.1f" % (a / b) if b else "ratio: aegis p99 is 0 ms")' \
		"$RUN/res.$1" "$RUN/res.$2"
}

echo "== reputation: first attack request -> first packet dropped ($SOURCES sources) =="
for peer in $PEERS; do
	case $peer in
	fail2ban) run_fail2ban ;;
	aegis) run_aegis ;;
	*) echo "bench_rep: unknown peer $peer" >&2; exit 2 ;;
	esac
done
[ -s "$RUN/res.fail2ban" ] && [ -s "$RUN/res.aegis" ] && ratio fail2ban aegis
