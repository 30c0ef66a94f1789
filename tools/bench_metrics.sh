#!/bin/sh
# The cost of being scraped (issue 13): proxied HTTP requests/s through
# one aegisd worker while a real Prometheus scrapes /metrics every second,
# against the same aegisd unscraped, alternating runs; then the render
# time of /metrics with 64 HTTP proxies and 1024 hosts configured.
# A benchmark, not a test: it prints figures and a ratio.
#
#   tools/bench_metrics.sh [BUILD]      root; needs wrk, nginx, prometheus
#
# Knobs: BENCH_METRICS_WRK (default "-t1 -c64 -d5s"), BENCH_METRICS_RUNS
# (default 3 of each, medians shown).
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
AEGISD=$(realpath "$BUILD/aegisd")
WRK_ARGS=${BENCH_METRICS_WRK:--t1 -c64 -d5s}
RUNS=${BENCH_METRICS_RUNS:-3}
for t in wrk nginx prometheus curl; do
	command -v $t >/dev/null || { echo "bench_metrics: $t not installed (tools/deps.sh --bench)"; exit 0; }
done
. tools/lab.sh
. tools/bench_lib.sh
bench_lab_up bench_metrics net.core.somaxconn=4096

sed -e "s|@RUN@|$RUN|g" -e "s|@UP_ADDR@|198.18.1.2|g" tools/bench_http/upstream-nginx.conf \
	> "$RUN/nginx.conf"
mkdir -p "$RUN/upstream"
lab_spawn ip netns exec "$UP" nginx -p "$RUN/upstream" -c "$RUN/nginx.conf" -g 'daemon off;'
sleep 0.5

hosts() {	# N: host entries a.N.test ... for one proxy
	for h in $(seq "$1"); do
		echo "        - names: [h$h.test]"
		[ "$h" = 1 ] && echo "          default: true"
		echo "          routes: [ { path: /, upstreams: [\"http://198.18.1.2:8080\"] } ]"
	done
}
config() {	# PROXIES HOSTS_EACH
	echo "state_dir: $RUN/state"
	echo "log: { status_interval: 1h }"
	echo "proxy_engine: { workers: 1 }"
	echo "metrics: { listen: 127.0.0.1:9464 }"
	echo "proxies:"
	for p in $(seq "$1"); do
		cat <<YAML
  - name: web$p
    protocol: http
    origin: { addresses: ["0.0.0.0"], ports: $((8000 + p)) }
    health_check: { enabled: false }
    draining: { timeout: 0 }
    access_log: { enabled: false }
    http:
      mode: enforce
      allow_private_upstreams: true
      waf: { threshold: 0 }
      hosts:
YAML
		hosts "$2"
	done
}
start_aegisd() {	# CONFIG
	: > "$RUN/aegisd.log"
	ip netns exec "$EDGE" "$AEGISD" -c "$1" >>"$RUN/aegisd.log" 2>&1 &
	PEER_PID=$!
	for _ in $(seq 600); do
		grep -q "running" "$RUN/aegisd.log" && return 0
		kill -0 "$PEER_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench_metrics: aegisd did not start:"; tail -5 "$RUN/aegisd.log"
	exit 1
}
mkdir -p "$RUN/state" "$RUN/tsdb"
config 1 1 > "$RUN/one.yaml"
start_aegisd "$RUN/one.yaml"
cat > "$RUN/prometheus.yml" <<YAML
global: { scrape_interval: 1s, scrape_timeout: 900ms }
scrape_configs:
  - job_name: aegis
    static_configs: [ { targets: ["127.0.0.1:9464"] } ]
YAML

rps() {	# one wrk run: requests/s
	ip netns exec "$CLI" wrk $WRK_ARGS -H "Host: h1.test" "http://198.18.0.1:8001/" 2>&1 |
		sed -n 's/^Requests\/sec: *//p'
}
PROM=""
echo "Scrape cost: one aegisd worker, wrk $WRK_ARGS, $RUNS runs each, alternating"
for i in $(seq "$RUNS"); do
	echo "unscraped $(rps)" >> "$RUN/res"
	ip netns exec "$EDGE" prometheus --config.file="$RUN/prometheus.yml" \
		--storage.tsdb.path="$RUN/tsdb" --web.listen-address=127.0.0.1:9099 \
		> "$RUN/prometheus.log" 2>&1 &
	PROM=$!
	sleep 3
	echo "scraped $(rps)" >> "$RUN/res"
	kill "$PROM"; wait "$PROM" 2>/dev/null; PROM=""
done
awk '
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ v[$1] = v[$1] " " $2 }
	END {
		u = median(v["unscraped"]); s = median(v["scraped"])
		printf "  unscraped      %10.0f req/s  (runs:%s)\n", u, v["unscraped"]
		printf "  scraped 1/s    %10.0f req/s  (runs:%s)\n", s, v["scraped"]
		if (u > 0) printf "  ratio scraped/unscraped %.3f (goal >= 0.98)\n", s / u
	}' "$RUN/res"
stop_peer

config 64 16 > "$RUN/big.yaml"
start_aegisd "$RUN/big.yaml"
times=$(for _ in $(seq 20); do
	ip netns exec "$EDGE" curl -s -o "$RUN/big.txt" -w '%{time_total}\n' http://127.0.0.1:9464/metrics
done | sort -n)
echo "Render: 64 HTTP proxies x 16 hosts (1024), $(wc -l < "$RUN/big.txt") lines," \
	"$(wc -c < "$RUN/big.txt") bytes: median $(echo "$times" | sed -n 10p)s," \
	"max $(echo "$times" | tail -1)s over 20 scrapes (curl time_total)"
stop_peer
