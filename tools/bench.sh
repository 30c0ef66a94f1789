#!/bin/sh
# Aegis benchmarks (`make bench`). Benchmarks, not tests: they print
# figures and ratios and fail only when something cannot be set up.
#
#   tools/bench.sh [BUILD_DIR]          (needs root for the netns lab)
#
# 1. bench_xdp: ns per packet from BPF_PROG_TEST_RUN for an empty program,
#    xdp-tools' xdp-filter and the Aegis pass and drop paths.
# 2. flood: a live-frame XDP_TX generator floods a veth pair between two
#    lab namespaces; the receiver's drop rate in Mpps for an XDP_DROP-only
#    program and for Aegis dropping by rate limit and by ban.
#
# Knobs (environment): BENCH_XDP_ARGS (e.g. "-n 11"), FLOOD_ARGS
# (e.g. "-c 5000000 -n 3"). docs/BENCHMARKS.md explains the output.
set -eu

BUILD=${1:-build}
cd "$(dirname "$0")/.."

for t in bench_xdp flood; do
	if [ ! -x "$BUILD/tools/$t" ]; then
		echo "bench: $BUILD/tools/$t missing (run make first)" >&2
		exit 1
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (BPF programs, network namespaces)" >&2
	exit 1
fi

. tools/lab.sh

echo "Aegis benchmarks: $(uname -r), $(nproc) CPUs," \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo

echo "== 1/2 per-packet cost: BPF_PROG_TEST_RUN =="
# shellcheck disable=SC2086
"$BUILD/tools/bench_xdp" ${BENCH_XDP_ARGS:-}
echo

echo "== 2/2 drop rate on a veth: live-frame flood =="
lab_init
lab_ns g >/dev/null
lab_ns r >/dev/null
GEN_NS="ae${LAB_TAG}g"
RX_NS="ae${LAB_TAG}r"
GEN_IF="ae${LAB_TAG}a"
RX_IF="ae${LAB_TAG}b"
# No IPv6 on the lab links: no router solicitations or MLD reports from the
# generator's own stack mixing into the receiver's counters.
for ns in "$GEN_NS" "$RX_NS"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
lab_link "$GEN_NS" "$GEN_IF" "198.18.0.1/24" "$RX_NS" "$RX_IF" "198.18.0.2/24"

# shellcheck disable=SC2086
ip netns exec "$GEN_NS" "$BUILD/tools/flood" -i "$GEN_IF" -N "$RX_NS" -I "$RX_IF" \
	${FLOOD_ARGS:-}

lab_cleanup
for ns in "$GEN_NS" "$RX_NS"; do
	if ip netns list | grep -q "^$ns\b"; then
		echo "bench: namespace $ns was not removed" >&2
		exit 1
	fi
done
echo
tools/bench_proxy.sh "$BUILD"
echo "bench: done (lab $GEN_NS/$RX_NS removed)"
