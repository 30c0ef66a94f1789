#!/bin/sh
# HTTP proxy benchmarks (run by tools/bench.sh after the proxy ones).
# Benchmarks, not tests: they print figures and ratios and fail only when
# the lab cannot be built or a tool is missing.
#
#   tools/bench_http.sh [BUILD_DIR]          (needs root for the netns lab)
#
# Lab: client ns (198.18.0.2, wrk) --veth-- proxy ns (198.18.0.1) --veth--
# upstream ns (198.18.1.2:8080, nginx with two workers answering a 69-byte
# body from memory). Each peer runs in the proxy namespace with one worker,
# one peer at a time; configs in tools/bench_http/.
#
# 1. Proxied requests/s: wrk $BENCH_HTTP_WRK (default -t1 -c64 -d5s)
#    GET /index.html?q=shoes&page=2 through: direct (no proxy: what the
#    upstream can do), Aegis WAF off, Aegis WAF on, nginx proxy_pass
#    (upstream keep-alive), HAProxy (mode http), nginx + ModSecurity +
#    OWASP CRS (paranoia level 1). req/s, p50, p99, errors, x nginx proxy.
# 2. Blocked requests/s: the same wrk against Aegis with the client's
#    network in http.deny (403) and nginx `deny` (403).
# 3. Detection (tools/bench_http/waf_compare.py): the OWASP CRS regression
#    corpus (../shared/corpora/crs-regression, when present; AEGIS_CRS_DIR)
#    and tests/waf/benign sent through Aegis (WAF on, enforce) and nginx +
#    ModSecurity + CRS PL1: blocked share per attack class (TPR) and per
#    benign file (FPR), side by side.
#
# Before each measurement one request checks the path: 200 and the
# upstream's body through a proxy, 403 from a deny row; otherwise a
# WARNING line. Knobs: BENCH_HTTP_WRK (wrk options), BENCH_HTTP_RUNS
# (1..9, median shown), BENCH_HTTP_PEERS (default "direct aegis aegis-waf
# nginx haproxy modsec aegis-deny nginx-deny"), BENCH_HTTP_DETECT (0 skips
# part 3). docs/BENCHMARKS.md ("HTTP") explains the output.
set -u

BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1

WRK_ARGS=${BENCH_HTTP_WRK:--t1 -c64 -d5s}
RUNS=${BENCH_HTTP_RUNS:-1}
PEERS=${BENCH_HTTP_PEERS:-direct aegis aegis-waf nginx haproxy modsec aegis-deny nginx-deny}
DETECT=${BENCH_HTTP_DETECT:-1}
URL_PATH="/index.html?q=shoes&page=2"
for peer in $PEERS; do
	case $peer in direct|aegis|aegis-waf|aegis-deny|nginx|nginx-deny|haproxy|modsec) ;;
	*) echo "bench_http: unknown peer $peer in BENCH_HTTP_PEERS" >&2; exit 2;; esac
done
case $RUNS in [1-9]) ;; *) echo "bench_http: BENCH_HTTP_RUNS must be 1..9" >&2; exit 2;; esac
case $WRK_ARGS in *[!-a-zA-Z0-9\ ]*) echo "bench_http: BENCH_HTTP_WRK: options only" >&2; exit 2;; esac
if [ "$(id -u)" != 0 ]; then
	echo "bench_http: needs root (network namespaces)" >&2
	exit 1
fi
for t in wrk nginx curl python3; do
	command -v $t >/dev/null || { echo "bench_http: $t missing (tools/deps.sh --bench)" >&2; exit 1; }
done
AEGISD=$(realpath "$BUILD/aegisd" 2>/dev/null)
CFG_DIR=$(realpath tools/bench_http)
MODSEC_SO=/usr/lib/nginx/modules/ngx_http_modsecurity_module.so

. tools/lab.sh
. tools/bench_lib.sh

bench_lab_up bench_http net.core.somaxconn=4096

UP_ADDR=198.18.1.2
LISTEN=198.18.0.1
DENY=198.18.0.0/24
PORT_AEGIS=8001 PORT_AEGIS_WAF=8002 PORT_AEGIS_DENY=8003
PORT_PROXY=8011 PORT_DENY=8012 PORT_MODSEC=8013 PORT_HAPROXY=8021

# fill TEMPLATE OUT: the @NAME@ placeholders of tools/bench_http/ files.
fill() {
	sed -e "s|@RUN@|$RUN|g" -e "s|@UP_ADDR@|$UP_ADDR|g" -e "s|@LISTEN@|$LISTEN|g" \
		-e "s|@DENY@|$DENY|g" -e "s|@IF_IDLE@|$IF_IDLE|g" \
		-e "s|@PORT_AEGIS@|$PORT_AEGIS|g" -e "s|@PORT_AEGIS_WAF@|$PORT_AEGIS_WAF|g" \
		-e "s|@PORT_AEGIS_DENY@|$PORT_AEGIS_DENY|g" -e "s|@PORT_PROXY@|$PORT_PROXY|g" \
		-e "s|@PORT_DENY@|$PORT_DENY|g" -e "s|@PORT_MODSEC@|$PORT_MODSEC|g" \
		-e "s|@PORT_HAPROXY@|$PORT_HAPROXY|g" "$CFG_DIR/$1" > "$2"
}

wait_port() {	# NS PORT [PID: give up when it exits]
	for _ in $(seq 100); do
		ip netns exec "$1" ss -lntH "sport = :$2" | grep -q . && return 0
		[ -z "${3:-}" ] || kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

mkdir -p "$RUN/upstream" "$RUN/nginx" "$RUN/aegis"
fill upstream-nginx.conf "$RUN/upstream/nginx.conf"
lab_spawn ip netns exec "$UP" nginx -e "$RUN/upstream/error.log" -p "$RUN/upstream" \
	-c "$RUN/upstream/nginx.conf" -g 'daemon off;'
wait_port "$UP" 8080 || { echo "bench_http: upstream nginx did not start:" >&2;
	cat "$RUN/upstream/error.log" >&2; exit 1; }
UP_BODY=$(ip netns exec "$UP" curl -s "http://$UP_ADDR:8080/")

peer_label() { case $1 in
	direct) echo "direct (no proxy)";;
	aegis) echo "aegis, WAF off";;
	aegis-waf) echo "aegis, WAF on (enforce)";;
	aegis-deny) echo "aegis http.deny (403)";;
	nginx) echo "nginx $(nginx -v 2>&1 | sed -n 's/^nginx version: nginx\///p') proxy_pass";;
	nginx-deny) echo "nginx deny (403)";;
	haproxy) echo "haproxy $(haproxy -v 2>/dev/null | sed -n '1s/^HAProxy version \([^ ]*\).*/\1/p') mode http";;
	modsec) echo "nginx + ModSecurity + CRS PL1";;
	esac; }
peer_url() { case $1 in
	direct) echo "http://$UP_ADDR:8080";;
	aegis) echo "http://$LISTEN:$PORT_AEGIS";;
	aegis-waf) echo "http://$LISTEN:$PORT_AEGIS_WAF";;
	aegis-deny) echo "http://$LISTEN:$PORT_AEGIS_DENY";;
	nginx) echo "http://$LISTEN:$PORT_PROXY";;
	nginx-deny) echo "http://$LISTEN:$PORT_DENY";;
	haproxy) echo "http://$LISTEN:$PORT_HAPROXY";;
	modsec) echo "http://$LISTEN:$PORT_MODSEC";;
	esac; }
peer_proc() { case $1 in aegis*) echo aegis;; nginx|nginx-deny) echo nginx;; *) echo "$1";; esac; }
want_status() { case $1 in *-deny) echo 403;; *) echo 200;; esac; }

PEER_LOG=""
RUNNING=""	# the process kind running now (aegis rows share one aegisd)
start_peer() {	# PEER; returns 1 (and says why) if it cannot run
	kind=$(peer_proc "$1")
	[ "$kind" = "$RUNNING" ] && return 0
	stop_peer
	RUNNING=""
	PEER_LOG="$RUN/$kind.log"
	: > "$PEER_LOG"
	case $kind in
	direct)
		;;
	aegis)
		[ -x "$AEGISD" ] || { echo "$BUILD/aegisd missing (run make first)"; return 1; }
		bench_bpffs || return 1
		fill aegis.yaml "$RUN/aegis/aegis.yaml"
		ip netns exec "$EDGE" "$AEGISD" -c "$RUN/aegis/aegis.yaml" >>"$PEER_LOG" 2>&1 &
		PEER_PID=$!
		for _ in $(seq 1200); do
			grep -q "running" "$PEER_LOG" && break
			kill -0 "$PEER_PID" 2>/dev/null || break
			sleep 0.1
		done
		grep -q "running" "$PEER_LOG" || { echo "aegisd did not start:"; tail -n 5 "$PEER_LOG"; return 1; }
		;;
	nginx|modsec)
		if [ "$kind" = modsec ]; then
			[ -e "$MODSEC_SO" ] || { echo "$MODSEC_SO missing (libnginx-mod-http-modsecurity)"; return 1; }
			[ -e /usr/share/modsecurity-crs/owasp-crs.load ] || { echo "modsecurity-crs not installed"; return 1; }
			fill nginx-modsec.conf "$RUN/nginx/nginx.conf"
			cp "$CFG_DIR/modsec-rules.conf" "$RUN/nginx/modsec-rules.conf"
		else
			fill nginx-proxy.conf "$RUN/nginx/nginx.conf"
		fi
		ip netns exec "$EDGE" nginx -e "$RUN/nginx/error.log" -p "$RUN/nginx" \
			-c "$RUN/nginx/nginx.conf" -g 'daemon off;' >>"$PEER_LOG" 2>&1 &
		PEER_PID=$!;;
	haproxy)
		command -v haproxy >/dev/null || { echo "haproxy not installed (tools/deps.sh --bench)"; return 1; }
		fill haproxy.cfg "$RUN/haproxy.cfg"
		ip netns exec "$EDGE" haproxy -db -f "$RUN/haproxy.cfg" >>"$PEER_LOG" 2>&1 &
		PEER_PID=$!;;
	esac
	port=$(peer_url "$1" | sed 's/.*://')
	if [ "$kind" != direct ] && ! wait_port "$EDGE" "$port" "$PEER_PID"; then
		echo "$1 is not listening on tcp $port:"
		tail -n 5 "$PEER_LOG"; tail -n 5 "$RUN/nginx/error.log" 2>/dev/null
		return 1
	fi
	RUNNING=$kind
	return 0
}

# check_path PEER: one request; WARNING unless the status (and, through a
# proxy, the upstream's body) is what the row is meant to measure.
check_path() {
	got=$(ip netns exec "$CLI" curl -s -m 5 -w '\n%{http_code}' "$(peer_url "$1")$URL_PATH")
	code=$(echo "$got" | tail -n 1)
	body=$(echo "$got" | sed '$d')
	want=$(want_status "$1")
	if [ "$code" != "$want" ]; then
		echo "  WARNING: $1: one request got HTTP $code, not $want: this row measures something else"
		return 1
	fi
	if [ "$want" = 200 ] && [ "$body" != "$UP_BODY" ]; then
		echo "  WARNING: $1: the body is not the upstream's"
		return 1
	fi
	return 0
}

RES="$RUN/results"
: > "$RES"
to_us() {	# wrk latency (12.3us, 1.2ms, 1.0s) -> microseconds
	echo "$1" | awk '{ v = $1 + 0; if ($1 ~ /us$/) f = 1; else if ($1 ~ /ms$/) f = 1000;
		else if ($1 ~ /s$/) f = 1000000; else f = 1; printf "%d", v * f }'
}
bench_wrk() {	# PEER
	# shellcheck disable=SC2086
	out=$(ip netns exec "$CLI" timeout 60 wrk $WRK_ARGS --latency "$(peer_url "$1")$URL_PATH" 2>&1)
	rps=$(echo "$out" | sed -n 's/^Requests\/sec:[[:space:]]*\([0-9.]*\).*/\1/p')
	if [ -z "$rps" ]; then
		echo "  $1: wrk failed: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
		echo "wrk $1 fail" >> "$RES"
		return
	fi
	p50=$(to_us "$(echo "$out" | awk '$1 == "50%" { print $2 }')")
	p99=$(to_us "$(echo "$out" | awk '$1 == "99%" { print $2 }')")
	total=$(echo "$out" | sed -n 's/^[[:space:]]*\([0-9]*\) requests in.*/\1/p')
	non2xx=$(echo "$out" | sed -n 's/.*Non-2xx or 3xx responses: \([0-9]*\).*/\1/p')
	sockerr=$(echo "$out" | sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' |
		awk '{ print $1 + $2 + $3 + $4 }')
	non2xx=${non2xx:-0} sockerr=${sockerr:-0}
	# Errors: socket errors, plus responses of the wrong kind (non-2xx
	# through a proxy; 2xx from a deny row).
	if [ "$(want_status "$1")" = 403 ]; then bad=$(( ${total:-0} - non2xx )); else bad=$non2xx; fi
	echo "wrk $1 $rps p50_us=$p50 p99_us=$p99 errors=$((bad + sockerr)) total=${total:-0}" >> "$RES"
	[ -z "${BENCH_HTTP_VERBOSE:-}" ] || echo "$out" | sed "s/^/  $1: /"
}

echo "HTTP benchmarks: one worker each, wrk $WRK_ARGS, GET $URL_PATH, $RUNS run(s)"
SKIPPED=""
for run in $(seq "$RUNS"); do
	for peer in $PEERS; do
		case " $SKIPPED " in *" $peer "*) continue;; esac
		if ! start_peer "$peer" > "$RUN/why" 2>&1; then
			echo "  $peer: SKIPPED, failed to start: $(sed '2,$s/^/    /' "$RUN/why")"
			SKIPPED="$SKIPPED $peer"
			stop_peer
			RUNNING=""
			continue
		fi
		check_path "$peer"
		bench_wrk "$peer"
		if [ -n "$PEER_PID" ] && ! kill -0 "$PEER_PID" 2>/dev/null; then
			echo "  $peer: WARNING: the process exited during the benchmark:"
			tail -n 5 "$PEER_LOG" | sed 's/^/    /'
		fi
	done
	stop_peer
	RUNNING=""
done

# table REF PEERS...: median req/s, min..max, ratio to REF, p50, p99, errors
table() {
	ref=$1
	shift
	labels=""
	for p in "$@"; do labels="$labels$(peer_label "$p")|"; done
	awk -v ref="$ref" -v peers="$*" -v labels="$labels" '
	function median(list,   a, n, i, j, t) {
		n = split(list, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		lo = a[1]; hi = a[n]
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == "wrk" {
		if ($3 == "fail") { failed[$2] = 1; next }
		vals[$2] = vals[$2] " " $3
		for (i = 4; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "p50_us") p50[$2] = p50[$2] " " kv[2]
			if (kv[1] == "p99_us") p99[$2] = p99[$2] " " kv[2]
			if (kv[1] == "errors") errs[$2] += kv[2]
		}
	}
	END {
		split(labels, lab, "|")
		n = split(peers, p, " ")
		if (vals[ref] != "") refv = median(vals[ref])
		printf "    %-32s %10s %17s %9s %8s %8s %8s\n", "peer", "req/s", "min..max", "x " ref, "p50 us", "p99 us", "errors"
		for (i = 1; i <= n; i++) {
			k = p[i]
			if (vals[k] == "") { printf "    %-32s %10s\n", lab[i], failed[k] ? "FAILED" : "not run"; continue }
			m = median(vals[k])
			printf "    %-32s %10.0f %17s", lab[i], m, sprintf("%.0f..%.0f", lo, hi)
			if (refv > 0) printf " %9.2f", m / refv; else printf " %9s", "-"
			printf " %8d %8d %8d\n", median(p50[k]), median(p99[k]), errs[k]
		}
	}' "$RES"
}
in_peers() { for x in $PEERS; do [ "$x" = "$1" ] && { echo "$1"; return; }; done; }
PASS_ROWS=$(for p in direct aegis aegis-waf nginx haproxy modsec; do in_peers $p; done | tr '\n' ' ')
DENY_ROWS=$(for p in aegis-deny nginx-deny; do in_peers $p; done | tr '\n' ' ')
echo
echo "== http 1/3 proxied requests/s: wrk $WRK_ARGS, 200 from the upstream =="
# shellcheck disable=SC2086
[ -n "$PASS_ROWS" ] && table nginx $PASS_ROWS
echo
echo "== http 2/3 blocked requests/s: the client's network denied, 403 =="
# shellcheck disable=SC2086
[ -n "$DENY_ROWS" ] && table nginx-deny $DENY_ROWS

# ---- 3. detection: the same corpora through Aegis and ModSecurity ----
echo
echo "== http 3/3 detection: CRS regression corpus (attacks) and tests/waf/benign =="
CRS_DIR=${AEGIS_CRS_DIR:-../shared/corpora/crs-regression}
if [ "$DETECT" = 0 ]; then
	echo "    skipped (BENCH_HTTP_DETECT=0)"
else
	: > "$RUN/detect"
	for peer in aegis-waf modsec; do
		if ! start_peer "$peer" > "$RUN/why" 2>&1; then
			echo "    $peer: SKIPPED, failed to start: $(head -3 "$RUN/why" | tr '\n' ' ')"
			continue
		fi
		ip netns exec "$CLI" python3 "$CFG_DIR/waf_compare.py" --name "$peer" \
			--target "$LISTEN:$(peer_url "$peer" | sed 's/.*://')" \
			--crs "$CRS_DIR" --benign tests/waf/benign >> "$RUN/detect" 2>"$RUN/detect.err" ||
			echo "    $peer: waf_compare.py failed: $(tail -n 3 "$RUN/detect.err" | tr '\n' ' ')"
		stop_peer
		RUNNING=""
	done
	python3 "$CFG_DIR/waf_compare.py" --table "$RUN/detect" \
		--label "aegis-waf=Aegis (enforce)" --label "modsec=ModSec+CRS PL1"
fi

# The ratios that matter, in one place.
ratio() {	# PEER REF
	awk -v p="$1" -v r="$2" '
	function med(l,   a, n, i, j, t) {
		n = split(l, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == "wrk" && $3 != "fail" && $2 == p { vp = vp " " $3 }
	$1 == "wrk" && $3 != "fail" && $2 == r { vr = vr " " $3 }
	END { if (vp != "" && vr != "" && med(vr) > 0) printf "%.2fx", med(vp) / med(vr); else printf "-" }' "$RES"
}
echo
echo "== http summary: medians, Aegis / peer =="
echo "    Aegis WAF off / nginx proxy: $(ratio aegis nginx);  / HAProxy: $(ratio aegis haproxy)"
echo "    Aegis WAF on  / nginx proxy: $(ratio aegis-waf nginx);  / nginx+ModSecurity+CRS: $(ratio aegis-waf modsec)"
echo "    Aegis deny    / nginx deny:  $(ratio aegis-deny nginx-deny)"
echo
echo "bench_http: done"
