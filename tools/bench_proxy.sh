#!/bin/sh
# Proxy benchmarks (run by tools/bench.sh after the XDP ones). Benchmarks,
# not tests: they print figures and ratios and fail only when the lab
# cannot be built or a tool is missing.
#
#   tools/bench_proxy.sh [BUILD_DIR]          (needs root for the netns lab)
#
# Lab: client ns --veth-- proxy ns --veth-- upstream ns. Each peer runs in
# the proxy namespace with one worker (aegisd `proxy_engine: {workers: 1}`,
# HAProxy `nbthread 1`, nginx `worker_processes 1`), one peer at a time,
# and the client reaches it on 198.18.0.1. "direct" is no proxy: the proxy
# namespace only routes (ip_forward) to the upstream 198.18.1.2;
# "direct-xdp" is the same with aegisd's XDP program on the client-facing
# veth of the proxy namespace (what XDP on a veth costs, proxy aside).
#
# 1. TCP throughput: iperf3 -c through each peer to iperf3 -s upstream.
# 2. TCP connections/s: build/tools/bench_load tcp (connect, 16 bytes,
#    echo, close) against build/tools/bench_echo upstream.
# 3. UDP replies/s: build/tools/bench_load udp (256 source ports, 4
#    requests in flight each) against the same echo server (no HAProxy:
#    it has no UDP proxy).
#
# Aegis is measured twice: with its XDP program on the client-facing veth
# (as deployed), and with it on an idle veth of the proxy namespace (the
# proxy engine alone, the veths as HAProxy and nginx see them). A veth
# with an XDP program receives through NAPI and stops its peer's GSO,
# which alone halves the throughput of a single TCP stream here.
#
# Knobs (environment): BENCH_PROXY_SECS (measured seconds per figure,
# default 5, 1..30), BENCH_PROXY_RUNS (default 1, 1..9; the median is
# shown), BENCH_PROXY_CONC (concurrent connections, default 50),
# BENCH_PROXY_UDP_ARGS (bench_load udp options, default "-n 256 -q 4 -s 64"),
# BENCH_PROXY_PEERS (default "direct direct-xdp aegis aegis-idle haproxy
# nginx"), BENCH_PROXY_VERBOSE (1: each measurement's raw line).
# docs/BENCHMARKS.md ("Proxy") explains the output.
set -u

BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1

SECS=${BENCH_PROXY_SECS:-5}
RUNS=${BENCH_PROXY_RUNS:-1}
CONC=${BENCH_PROXY_CONC:-50}
UDP_ARGS=${BENCH_PROXY_UDP_ARGS:--n 256 -q 4 -s 64}
PEERS=${BENCH_PROXY_PEERS:-direct direct-xdp aegis aegis-idle haproxy nginx}
for peer in $PEERS; do
	case $peer in direct|direct-xdp|aegis|aegis-idle|haproxy|nginx) ;;
	*) echo "bench_proxy: unknown peer $peer in BENCH_PROXY_PEERS" >&2; exit 2;; esac
done
case $SECS in [1-9]|[12][0-9]|30) ;; *) echo "bench_proxy: BENCH_PROXY_SECS must be 1..30" >&2; exit 2;; esac
case $RUNS in [1-9]) ;; *) echo "bench_proxy: BENCH_PROXY_RUNS must be 1..9" >&2; exit 2;; esac
case $CONC in [1-9]|[1-9][0-9]|[1-9][0-9][0-9]|1000) ;; *) echo "bench_proxy: BENCH_PROXY_CONC must be 1..1000" >&2; exit 2;; esac

for f in aegisd tools/bench_echo tools/bench_load; do
	if [ ! -x "$BUILD/$f" ]; then
		echo "bench_proxy: $BUILD/$f missing (run make first)" >&2
		exit 1
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "bench_proxy: needs root (network namespaces, XDP)" >&2
	exit 1
fi
AEGISD=$(realpath "$BUILD/aegisd")
ECHO_SRV=$(realpath "$BUILD/tools/bench_echo")
LOAD=$(realpath "$BUILD/tools/bench_load")
NGINX_STREAM=/usr/lib/nginx/modules/ngx_stream_module.so

. tools/lab.sh
. tools/bench_lib.sh

bench_lab_up bench_proxy

# The upstream: one echo server per peer (its own port, so that one peer's
# TIME_WAIT connections never meet the next one's), and iperf3 -s started
# for each measurement.
UP_ADDR=198.18.1.2
ECHO_PORTS="7000 7001 7002 7003 7004 7005"
echo_port() { case $1 in direct) echo 7000;; aegis) echo 7001;; aegis-idle) echo 7002;;
	haproxy) echo 7003;; nginx) echo 7004;; direct-xdp) echo 7005;; esac; }
for p in $ECHO_PORTS; do
	lab_spawn ip netns exec "$UP" "$ECHO_SRV" -a "$UP_ADDR" -p "$p" -t 900
done

wait_port() {	# NS tcp|udp PORT [PID: give up when it exits]
	for _ in $(seq 50); do
		ip netns exec "$1" ss -lnH --"$2" "sport = :$3" | grep -q . && return 0
		[ -z "${4:-}" ] || kill -0 "$4" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
for p in $ECHO_PORTS; do
	wait_port "$UP" udp "$p" || { echo "bench_proxy: bench_echo did not start" >&2; exit 1; }
done

# ---- peers: each listens on 198.18.0.1, BASE+1 -> iperf3, BASE+2 -> echo ----

peer_label() { case $1 in
	direct) echo "direct (routed, no proxy)";;
	direct-xdp) echo "direct, XDP on client veth";;
	aegis) echo "aegis (XDP on client veth)";;
	aegis-idle) echo "aegis (XDP on idle veth)";;
	haproxy) echo "haproxy $(haproxy -v 2>/dev/null | sed -n '1s/^HAProxy version \([^ ]*\).*/\1/p')";;
	nginx) echo "nginx $(nginx -v 2>&1 | sed -n 's/^nginx version: nginx\///p')";;
	esac; }
is_direct() { [ "${1%-xdp}" = direct ]; }
peer_addr() { if is_direct "$1"; then echo "$UP_ADDR"; else echo 198.18.0.1; fi; }
peer_port() {	# PEER iperf|echo
	case $1 in direct|direct-xdp)
		if [ "$2" = iperf ]; then echo 5201; else echo_port "$1"; fi; return;;
		aegis) b=25000;; aegis-idle) b=26000;; haproxy) b=27000;; nginx) b=28000;; esac
	[ "$2" = iperf ] && echo $((b + 1)) || echo $((b + 2))
}
peer_udp() { [ "$1" != haproxy ]; }

aegis_config() {	# PEER XDP_IFACE
	eb=$(peer_port "$1" echo)
	mkdir -p "$RUN/$1"
	cat > "$RUN/$1/aegis.yaml" <<EOF
interfaces: [ $2 ]
pin_dir: $RUN/bpf/$1
state_dir: $RUN/$1/state
log: { status_interval: 1s, level: info }
proxy_engine: { workers: 1 }
EOF
	is_direct "$1" && return 0
	cat >> "$RUN/$1/aegis.yaml" <<EOF
proxies:
  - name: iperf
    protocol: tcp
    origin: { addresses: [198.18.0.1], ports: $(peer_port "$1" iperf) }
    upstream: { addresses: [$UP_ADDR], ports: 5201 }
    health_check: { enabled: false }
    draining: { timeout: 0 }
    access_log: { enabled: false }
  - name: echo
    protocol: tcp-udp
    origin: { addresses: [198.18.0.1], ports: $eb }
    upstream: { addresses: [$UP_ADDR], ports: $(echo_port "$1") }
    health_check: { enabled: false }
    timeouts: { udp_session: 30s }
    draining: { timeout: 0 }
    access_log: { enabled: false }
EOF
}

haproxy_config() {
	cat > "$RUN/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 8000
defaults
    mode tcp
    timeout connect 5s
    timeout client 300s
    timeout server 300s
frontend iperf
    bind 198.18.0.1:$(peer_port haproxy iperf)
    default_backend iperf
backend iperf
    server s1 $UP_ADDR:5201
frontend echo
    bind 198.18.0.1:$(peer_port haproxy echo)
    default_backend echo
backend echo
    server s1 $UP_ADDR:$(echo_port haproxy)
EOF
}

nginx_config() {
	mkdir -p "$RUN/nginx"
	cat > "$RUN/nginx/nginx.conf" <<EOF
load_module $NGINX_STREAM;
worker_processes 1;
worker_rlimit_nofile 16384;
pid $RUN/nginx/nginx.pid;
error_log $RUN/nginx/error.log warn;
events { worker_connections 8000; }
stream {
    server {
        listen 198.18.0.1:$(peer_port nginx iperf);
        proxy_pass $UP_ADDR:5201;
    }
    server {
        listen 198.18.0.1:$(peer_port nginx echo);
        proxy_pass $UP_ADDR:$(echo_port nginx);
    }
    server {
        listen 198.18.0.1:$(peer_port nginx echo) udp;
        proxy_pass $UP_ADDR:$(echo_port nginx);
        proxy_timeout 30s;
    }
}
EOF
}

PEER_LOG=""
start_peer() {	# PEER; returns 1 (and says why) if it cannot run
	PEER_LOG="$RUN/$1.log"
	: > "$PEER_LOG"
	case $1 in
	direct)
		return 0;;
	aegis|aegis-idle|direct-xdp)
		bench_bpffs || return 1
		if [ "$1" = aegis-idle ]; then
			aegis_config "$1" "$IF_IDLE"
		else
			aegis_config "$1" "$IF_IN"
		fi
		ip netns exec "$EDGE" "$AEGISD" -c "$RUN/$1/aegis.yaml" >>"$PEER_LOG" 2>&1 &
		PEER_PID=$!
		for _ in $(seq 100); do
			grep -q "running" "$PEER_LOG" && break
			kill -0 "$PEER_PID" 2>/dev/null || break
			sleep 0.1
		done
		grep -q "running" "$PEER_LOG" || { echo "aegisd did not start:"; tail -n 5 "$PEER_LOG"; return 1; }
		[ "$1" = direct-xdp ] && return 0;;
	haproxy)
		command -v haproxy >/dev/null || { echo "haproxy not installed (tools/deps.sh --bench)"; return 1; }
		haproxy_config
		ip netns exec "$EDGE" haproxy -db -f "$RUN/haproxy.cfg" >>"$PEER_LOG" 2>&1 &
		PEER_PID=$!;;
	nginx)
		command -v nginx >/dev/null || { echo "nginx not installed (tools/deps.sh --bench)"; return 1; }
		[ -e "$NGINX_STREAM" ] || { echo "$NGINX_STREAM missing (libnginx-mod-stream)"; return 1; }
		nginx_config
		ip netns exec "$EDGE" nginx -e "$RUN/nginx/error.log" -p "$RUN/nginx" \
			-c "$RUN/nginx/nginx.conf" -g 'daemon off;' >>"$PEER_LOG" 2>&1 &
		PEER_PID=$!;;
	esac
	for port in $(peer_port "$1" iperf) $(peer_port "$1" echo); do
		if ! wait_port "$EDGE" tcp "$port" "$PEER_PID" || ! kill -0 "$PEER_PID" 2>/dev/null; then
			echo "$1 is not listening on tcp $port:"
			tail -n 5 "$PEER_LOG"; [ "$1" != nginx ] || tail -n 5 "$RUN/nginx/error.log" 2>/dev/null
			return 1
		fi
	done
	if peer_udp "$1" && ! wait_port "$EDGE" udp "$(peer_port "$1" echo)"; then
		echo "$1 is not listening on udp $(peer_port "$1" echo)"
		return 1
	fi
	return 0
}

# ---- the three measurements; each appends "BENCH PEER RATE key=value..." ----

RES="$RUN/results"
: > "$RES"
HAVE_IPERF=1
command -v iperf3 >/dev/null || HAVE_IPERF=""

bench_iperf() {	# PEER
	[ -n "$HAVE_IPERF" ] || return 0
	ip netns exec "$UP" timeout $((SECS + 30)) iperf3 -s -1 -B "$UP_ADDR" -p 5201 \
		>/dev/null 2>&1 &
	srv=$!
	wait_port "$UP" tcp 5201 || { echo "iperf3 -s did not start" >&2; kill $srv 2>/dev/null; return 0; }
	ip netns exec "$CLI" timeout $((SECS + 15)) iperf3 -c "$(peer_addr "$1")" \
		-p "$(peer_port "$1" iperf)" -t "$SECS" -J > "$RUN/iperf.json" 2>&1
	gbps=$(python3 -c '
import json, sys
try:
    j = json.load(open(sys.argv[1]))
    print("%.2f" % (j["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("fail")' "$RUN/iperf.json")
	if [ "$gbps" = fail ]; then
		echo "  $1: iperf3 failed: $(grep -o '"error":[^}]*' "$RUN/iperf.json" | head -1)"
	fi
	echo "iperf $1 $gbps" >> "$RES"
	[ -z "${BENCH_PROXY_VERBOSE:-}" ] || echo "  $1 iperf: $gbps Gbit/s"
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
}

udp_rcvbuf_errors() {	# counts of the client, proxy and upstream namespaces
	for ns in "$CLI" "$EDGE" "$UP"; do
		ip netns exec "$ns" nstat -asz UdpRcvbufErrors | awk '$1 == "UdpRcvbufErrors" { print $2 }'
	done | tr '\n' ' '
}

bench_load() {	# tcp|udp PEER
	if [ "$1" = tcp ]; then args="-c $CONC -s 16"; else args=$UDP_ARGS; fi
	[ "$1" = udp ] && rcvbuf_before=$(udp_rcvbuf_errors)
	# shellcheck disable=SC2086
	out=$(ip netns exec "$CLI" timeout $((SECS + 10)) "$LOAD" "$1" -a "$(peer_addr "$2")" \
		-p "$(peer_port "$2" echo)" -t "$SECS" $args 2>&1)
	rate=$(echo "$out" | sed -n 's/^rate=\([0-9.]*\) .*/\1/p')
	if [ -z "$rate" ]; then
		echo "  $2: bench_load $1 failed: $out"
		rate=fail
	fi
	if [ "$1" = udp ]; then
		# Where datagrams were lost: a full socket receive buffer, by namespace.
		out="$out $(echo "$rcvbuf_before $(udp_rcvbuf_errors)" |
			awk '{ printf "rcvbuf_drops=client:%d,proxy:%d,upstream:%d", $4 - $1, $5 - $2, $6 - $3 }')"
	fi
	echo "$1 $2 $rate $out" >> "$RES"
	[ -z "${BENCH_PROXY_VERBOSE:-}" ] || echo "  $2 $1: $out"
	if [ -n "${BENCH_PROXY_VERBOSE:-}" ] && [ "$1" = udp ]; then
		# Which of the proxy's sockets dropped: its listener, or the
		# upstream side (one socket per session for Aegis and nginx).
		ip netns exec "$EDGE" ss -uanmH | awk '
			/^UNCONN|^ESTAB/ { local = $4 }
			/skmem/ { if (match($0, /,d[0-9]+\)/)) {
				d = substr($0, RSTART + 2, RLENGTH - 3) + 0
				if (local ~ /^198\.18\.0\.1:/) l += d; else o += d; n++ } }
			END { printf "  %d UDP sockets in the proxy ns; drops: origin listener %d, upstream side %d\n", n, l, o }'
	fi
}

echo "Proxy benchmarks: one worker each, ${SECS} s per figure, $RUNS run(s)," \
	"$CONC concurrent TCP connections, UDP: bench_load udp $UDP_ARGS"
[ -n "$HAVE_IPERF" ] || echo "  iperf3 not installed (tools/deps.sh --bench): no throughput figures"
SKIPPED=""
for run in $(seq "$RUNS"); do
	for peer in $PEERS; do
		case " $SKIPPED " in *" $peer "*) continue;; esac
		if ! start_peer "$peer" > "$RUN/why" 2>&1; then
			echo "  $peer: SKIPPED, failed to start: $(sed '2,$s/^/    /' "$RUN/why")"
			SKIPPED="$SKIPPED $peer"
			stop_peer
			continue
		fi
		bench_iperf "$peer"
		bench_load tcp "$peer"
		peer_udp "$peer" && bench_load udp "$peer"
		if [ "${peer%-idle}" = aegis ] || [ "$peer" = direct-xdp ]; then
			# What aegisd says about the load: shedding, errors, its status.
			grep -E " (warn|error): " "$PEER_LOG" | head -5 | sed "s/^/  $peer (run $run) logged: /"
			st=$(grep "status:" "$PEER_LOG" | tail -1 | sed 's/.*status: //')
			[ -n "$st" ] && echo "  $peer (run $run) last status: $st"
		fi
		if [ -n "$PEER_PID" ] && ! kill -0 "$PEER_PID" 2>/dev/null; then
			echo "  $peer: WARNING: the process exited during the benchmark:"
			tail -n 5 "$PEER_LOG" | sed 's/^/    /'
		fi
		stop_peer
	done
done

# ---- tables: median over runs, min..max, ratio to the reference peer ----

# table BENCH UNIT REF FORMAT
table() {
	awk -v bench="$1" -v unit="$2" -v ref="$3" -v fmt="$4" -v peers="$PEERS" -v labels="$LABELS" '
	function median(list,   a, n, i, j, t) {
		n = split(list, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		lo[0] = a[1]; hi[0] = a[n]
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == bench {
		if ($3 == "fail") { failed[$2] = 1; next }
		vals[$2] = vals[$2] " " $3
		for (i = 4; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "p50_us") p50[$2] = p50[$2] " " kv[2]
			if (kv[1] == "p99_us") p99[$2] = p99[$2] " " kv[2]
			if (kv[1] ~ /^(errors|connect_fail|timeouts|bad)$/) errs[$2] += kv[2]
			if (kv[1] == "lost") lost[$2] += kv[2]
			if (kv[1] == "sent") sent[$2] += kv[2]
			if (kv[1] == "rcvbuf_drops") {
				split(kv[2], w, /[:,]/)
				wc[$2] += w[2]; wp[$2] += w[4]; wu[$2] += w[6]
			}
		}
	}
	END {
		split(labels, lab, "|")
		n = split(peers, p, " ")
		if (vals[ref] != "") refv = median(vals[ref])
		printf "    %-30s %12s %19s %11s", "peer", unit, "min..max", "x " ref
		if (bench != "iperf") printf " %8s %8s %7s", "p50 us", "p99 us", "errors"
		if (bench == "udp") printf " %7s", "lost %"
		printf "\n"
		for (i = 1; i <= n; i++) {
			k = p[i]
			if (bench == "udp" && k == "haproxy") continue
			if (vals[k] == "") {
				printf "    %-30s %12s\n", lab[i], failed[k] ? "FAILED" : "not run"
				continue
			}
			m = median(vals[k])
			printf "    %-30s %12s %19s", lab[i], sprintf(fmt, m), sprintf(fmt, lo[0]) ".." sprintf(fmt, hi[0])
			if (refv > 0) printf " %11.2f", m / refv; else printf " %11s", "-"
			if (bench != "iperf") printf " %8d %8d %7d", median(p50[k]), median(p99[k]), errs[k]
			if (bench == "udp") printf " %7.2f", sent[k] ? 100 * lost[k] / sent[k] : 0
			printf "\n"
			if (lost[k]) notes = notes sprintf("    %s: %d of %d requests lost; full socket receive buffers (UdpRcvbufErrors): client ns %d, proxy ns %d, upstream ns %d\n",
				lab[i], lost[k], sent[k], wc[k], wp[k], wu[k])
		}
		printf "%s", notes
	}' "$RES"
}
LABELS=""
for peer in $PEERS; do LABELS="$LABELS$(peer_label "$peer")|"; done

echo
echo "== proxy 1/3 TCP throughput: iperf3 -t $SECS, one stream =="
if [ -n "$HAVE_IPERF" ]; then
	table iperf "Gbit/s" haproxy "%.2f"
else
	echo "    skipped: iperf3 not installed"
fi
echo
echo "== proxy 2/3 TCP connections/s: connect, 16 B, echo, close; $CONC concurrent =="
table tcp "conn/s" haproxy "%.0f"
echo
echo "== proxy 3/3 UDP replies/s: bench_load udp $UDP_ARGS (sockets x in flight, size) =="
table udp "replies/s" nginx "%.0f"

# The ratios that matter, in one place: Aegis's proxy engine (XDP on the
# idle veth, the same conditions as the others) against each peer.
ratio() {	# BENCH PEER REF: median(PEER) / median(REF), or "-"
	awk -v b="$1" -v p="$2" -v r="$3" '
	function med(l,   a, n, i, j, t) {
		n = split(l, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == b && $3 != "fail" && $2 == p { vp = vp " " $3 }
	$1 == b && $3 != "fail" && $2 == r { vr = vr " " $3 }
	END { if (vp != "" && vr != "" && med(vr) > 0) printf "%.2fx", med(vp) / med(vr); else printf "-" }' "$RES"
}
echo
echo "== proxy summary: Aegis (one worker) / peer, medians =="
for a in aegis-idle aegis; do
	case " $PEERS " in *" $a "*) ;; *) continue;; esac
	printf '    %-28s  vs HAProxy: %s TCP Gbit/s, %s TCP conn/s;  vs nginx: %s TCP Gbit/s, %s TCP conn/s, %s UDP replies/s\n' \
		"$(peer_label "$a")" "$(ratio iperf "$a" haproxy)" "$(ratio tcp "$a" haproxy)" \
		"$(ratio iperf "$a" nginx)" "$(ratio tcp "$a" nginx)" "$(ratio udp "$a" nginx)"
done
echo
echo "bench_proxy: done"
echo
