#!/bin/sh
# Installs the Debian packages Aegis needs to build, test and benchmark.
# Quiet and quick when everything is already there; needs root otherwise.
set -eu

PKGS="clang llvm libclang-rt-dev make gcc pkg-config libbpf-dev libxdp-dev xdp-tools bpftool
liburing-dev libyaml-dev libsystemd-dev libcriterion-dev libelf-dev zlib1g-dev libssl-dev libhyperscan-dev node-llhttp libcurl4-openssl-dev libjansson-dev
iproute2 iputils-ping netcat-openbsd hping3 tcpdump curl wrk python3 procps kmod logrotate
prometheus"
# Peers for `make bench` only (tools/deps.sh --bench): tests never need them.
# HTTP: nginx + ModSecurity v3 + OWASP CRS as a WAF peer; python3-yaml reads
# the CRS regression corpus (tools/bench_http/waf_compare.py).
[ "${1:-}" = --bench ] && PKGS="$PKGS haproxy nginx libnginx-mod-stream iperf3
libnginx-mod-http-modsecurity modsecurity-crs python3-yaml fail2ban
python3-pyinotify iptables"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "aegis: missing packages:$missing (run tools/deps.sh as root)" >&2
	exit 1
fi
echo "aegis: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
