#!/bin/sh
# Reputation under an L7 flood: what the engine saves aegisd and its legit
# clients, and what scoring costs on the clean path. Benchmarks, not
# tests: figures and ratios; fails only when the lab cannot be built or a
# tool is missing.
#
#   tools/bench_rep_flood.sh [BUILD_DIR]      (root: netns lab)
#
# Lab: client ns (legit client 198.18.0.2; BENCH_FLOOD_SOURCES attacker
# aliases 198.18.10.1.., default 200) --veth-- edge ns (198.18.0.1):
# aegisd (one worker, XDP native on the edge veth, HTTP proxy, WAF
# enforcing) in front of nginx on the edge's 127.0.0.1.
#
# Rows, one aegisd each, on the same lab:
#   off      reputation disabled: the WAF answers every attack request 403
#   detect   reputation on, mode detect: every source scored, nothing
#            banned: the flood as aegisd carries it until bans land
#   enforce  reputation on (shipped weights and thresholds): attackers
#            banned into XDP; measured from BENCH_FLOOD_SETTLE seconds
#            (default 3) after the flood starts, i.e. after the bans
# Each row: tools/http_flood from every attacker address (SQL injection,
# fresh connections) while wrk measures the legit client, and aegisd's
# CPU share of a core over wrk's window (utime+stime from /proc). Ratio:
# legit req/s during the flood, enforce over off. Then the clean path:
# wrk alone, reputation off and enforce alternating BENCH_FLOOD_ROUNDS
# times (default 3), medians compared (goal: within 3%).
# Knobs: BENCH_FLOOD_SOURCES (1..250), BENCH_FLOOD_SECS (wrk window, 5),
# BENCH_FLOOD_CONC (flood slots, 512), BENCH_FLOOD_ROUNDS.
set -u

BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
SOURCES=${BENCH_FLOOD_SOURCES:-200}
SECS=${BENCH_FLOOD_SECS:-5}
SETTLE=${BENCH_FLOOD_SETTLE:-3}
CONC=${BENCH_FLOOD_CONC:-512}
ROUNDS=${BENCH_FLOOD_ROUNDS:-3}
for v in "$SOURCES" "$SECS" "$SETTLE" "$CONC" "$ROUNDS"; do
	case $v in *[!0-9]*|'') echo "bench_rep_flood: knobs are whole numbers" >&2; exit 2;; esac
done
[ "$SOURCES" -ge 1 ] && [ "$SOURCES" -le 250 ] ||
	{ echo "bench_rep_flood: BENCH_FLOOD_SOURCES: 1..250" >&2; exit 2; }
[ "$SECS" -ge 1 ] && [ $((SECS + SETTLE)) -le 50 ] ||
	{ echo "bench_rep_flood: BENCH_FLOOD_SECS + BENCH_FLOOD_SETTLE: 1..50" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench_rep_flood: needs root (network namespaces)" >&2; exit 1; }
for t in nginx wrk python3; do
	command -v $t >/dev/null || { echo "bench_rep_flood: $t missing (tools/deps.sh --bench)" >&2; exit 1; }
done
AEGISD=$(realpath "$BUILD/aegisd" 2>/dev/null)
FLOOD=$(realpath "$BUILD/tools/http_flood" 2>/dev/null)
[ -x "$AEGISD" ] && [ -x "$FLOOD" ] || { echo "bench_rep_flood: build first (make)" >&2; exit 1; }

. tools/lab.sh
lab_init
RUN=$(mktemp -d /tmp/aegis-bench-flood.XXXXXX) || exit 1
APID="" NPID=""
cleanup() {
	[ -n "$APID" ] && kill -KILL "$APID" 2>/dev/null
	[ -f "$RUN/nginx.pid" ] && kill "$(cat "$RUN/nginx.pid")" 2>/dev/null
	lab_cleanup
	umount "$RUN/bpf" 2>/dev/null
	[ -n "${BENCH_FLOOD_KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

CLI=$(lab_ns c) || { echo "bench_rep_flood: cannot create network namespaces" >&2; exit 1; }
EDGE=$(lab_ns e) || exit 1
IF_EDGE="ae${LAB_TAG}e"
lab_link "$CLI" "ae${LAB_TAG}c" "198.18.0.2/16" "$EDGE" "$IF_EDGE" "198.18.0.1/16" || exit 1
: > "$RUN/sources"
i=1
while [ $i -le "$SOURCES" ]; do
	ip -n "$CLI" addr add "198.18.10.$i/16" dev "ae${LAB_TAG}c"
	echo "198.18.10.$i" >> "$RUN/sources"
	i=$((i + 1))
done
for ns in "$CLI" "$EDGE"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
		net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=4096
done
LISTEN=198.18.0.1 PORT=8081
ATTACK_PATH="/search?id=1%27%20union%20select%20password%20from%20users--"

cat > "$RUN/nginx.conf" <<EOF
worker_processes 1;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:8090 backlog=4096;
        location / { return 200 "legit answer from the upstream\n"; }
    }
}
EOF
ip netns exec "$EDGE" nginx -c "$RUN/nginx.conf" ||
	{ echo "bench_rep_flood: nginx failed" >&2; exit 1; }
mkdir -p "$RUN/bpf"
mount -t bpf bpf "$RUN/bpf" || { echo "bench_rep_flood: cannot mount bpffs" >&2; exit 1; }

# aegis_conf ROW: the config for one row (off | detect | enforce).
aegis_conf() {
	rep="reputation: { enabled: false }"
	[ "$1" != off ] && rep="reputation:
  enabled: true
  mode: $1
  max_bans_per_sec: 1000
  control_socket: $RUN/state-$1/aegisd.sock"
	cat <<YAML
interfaces: [ $IF_EDGE ]
xdp_mode: native
pin_dir: $RUN/bpf/aegis-$1
state_dir: $RUN/state-$1
log: { status_interval: 10s }
events: { output: $RUN/events-$1.jsonl }
proxy_engine: { workers: 1 }
proxies:
  - name: web
    protocol: http
    origin: { addresses: ["$LISTEN"], ports: $PORT }
    health_check: { enabled: false }
    draining: { timeout: 0 }
    access_log: { enabled: false }
    http:
      mode: enforce
      allow_private_upstreams: true
      bots: { enabled: false }
      upstream_pool: { idle: 64, idle_timeout: 300s }
      timeouts: { keepalive: 300s }
      hosts:
        - names: [bench.test]
          default: true
          routes: [ { path: /, upstreams: ["http://127.0.0.1:8090"] } ]
$rep
YAML
}

aegis_start() {
	mkdir -p "$RUN/state-$1"
	aegis_conf "$1" > "$RUN/aegis-$1.yaml"
	ip netns exec "$EDGE" "$AEGISD" -c "$RUN/aegis-$1.yaml" >"$RUN/aegisd-$1.log" 2>&1 &
	APID=$!
	for _ in $(seq 600); do
		grep -q running "$RUN/aegisd-$1.log" && ip netns exec "$EDGE" ss -lntH "sport = :$PORT" |
			grep -q . && return 0
		kill -0 "$APID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench_rep_flood: aegisd ($1) did not start:" >&2
	tail -5 "$RUN/aegisd-$1.log" >&2
	return 1
}

aegis_stop() {
	kill -TERM "$APID" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$APID" 2>/dev/null || break
		[ "$i" = 20 ] && kill -TERM "$APID" 2>/dev/null
		sleep 0.1
	done
	kill -KILL "$APID" 2>/dev/null
	wait "$APID" 2>/dev/null
	APID=""
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$APID/stat"; }

# legit OUT: wrk from the legit address for SECS; aegisd's CPU share of one
# core over the window goes to OUT.cpu.
legit() {
	t0=$(cpu_ticks) s0=$(date +%s.%N)
	ip netns exec "$CLI" wrk -t1 -c20 -d"${SECS}s" --latency -H "Host: bench.test" \
		"http://$LISTEN:$PORT/" > "$1" 2>&1
	t1=$(cpu_ticks) s1=$(date +%s.%N)
	python3 -c 'import sys; t0,t1,s0,s1,hz=map(float,sys.argv[1:]); print("%.0f" % (100*(t1-t0)/hz/(s1-s0)))' \
		"$t0" "$t1" "$s0" "$s1" "$(getconf CLK_TCK)" > "$1.cpu"
}

# wrk_field FILE: "req/s p99_ms non2xx"
wrk_field() {
	python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", t)
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
err = re.search(r"Socket errors:.*", t)
ms = 0.0
if p99:
    ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
print("%s %.2f %s%s" % (rps.group(1) if rps else "0", ms, bad.group(1) if bad else "0",
      " (" + err.group(0) + ")" if err else ""))
PY
}

row() {
	aegis_start "$1" || return 1
	ip netns exec "$CLI" "$FLOOD" -a "$LISTEN" -p "$PORT" -S "$RUN/sources" -c "$CONC" \
		-t $((SECS + SETTLE + 1)) -P "$ATTACK_PATH" > "$RUN/flood-$1" 2>&1 &
	fpid=$!
	[ "$1" = enforce ] && sleep "$SETTLE"
	legit "$RUN/under-$1"
	wait "$fpid"
	bans=$(grep -c '"event":"banned"' "$RUN/events-$1.jsonl" 2>/dev/null)
	aegis_stop
	set -- "$1" $(wrk_field "$RUN/under-$1")
	printf '%-8s legit %9s req/s p99 %7s ms non-2xx %s | aegisd CPU %3s%% | ban events %s\n' \
		"$1" "$2" "$3" "$4" "$(cat "$RUN/under-$1.cpu")" "${bans:-0}"
	echo "         flood: $(cat "$RUN/flood-$1")"
}

# clean ROW ROUND: one wrk window without a flood; req/s to RUN/clean-ROW.
clean() {
	aegis_start "$1" || return 1
	legit "$RUN/clean-$1-$2"
	aegis_stop
	wrk_field "$RUN/clean-$1-$2" | cut -d' ' -f1 >> "$RUN/clean-$1"
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

ratio() {	# NAME A B: A over B
	python3 -c 'import sys; a,b=map(float,sys.argv[2:4]); print("ratio %s: %.2f" % (sys.argv[1], a/b if b else 0))' "$@"
}

rps() { wrk_field "$1" | cut -d' ' -f1; }

echo "== reputation under an L7 flood ($SOURCES attacker sources, $CONC flood slots; legit wrk -c20 ${SECS}s) =="
echo "   (detect: scored, nothing banned = before bans land; enforce: from ${SETTLE}s into the flood = after)"
for r in off detect enforce; do
	row $r || exit 1
done
ratio "legit req/s during the flood, enforce/off" "$(rps "$RUN/under-enforce")" "$(rps "$RUN/under-off")"
ratio "legit req/s during the flood, detect/off" "$(rps "$RUN/under-detect")" "$(rps "$RUN/under-off")"
echo
echo "== scoring on the clean path: proxied req/s, reputation off and enforce alternating, $ROUNDS rounds =="
for k in $(seq "$ROUNDS"); do
	clean off "$k" || exit 1
	clean enforce "$k" || exit 1
done
echo "off:     $(tr '\n' ' ' < "$RUN/clean-off")req/s (median $(median "$RUN/clean-off"))"
echo "enforce: $(tr '\n' ' ' < "$RUN/clean-enforce")req/s (median $(median "$RUN/clean-enforce"))"
ratio "clean req/s, enforce/off medians (goal >= 0.97)" "$(median "$RUN/clean-enforce")" "$(median "$RUN/clean-off")"
