#!/bin/sh
# Shared helpers for integration tests (sourced, never run by tests/run.sh
# because it is not executable). Expects tools/lab.sh to be sourced too.

BUILD=${AEGIS_BUILD:-build}
AEGISCTL=$(realpath "$BUILD/aegisctl")
AEGISD=$(realpath "$BUILD/aegisd" 2>/dev/null || echo "$BUILD/aegisd")
BPF_OBJ=$(realpath "$BUILD/aegis.bpf.o")
TEST_NAME=$(basename "$0" .sh)

# A test may set FAIL_LOG to a file whose tail is shown on failure.
FAIL_LOG=""
fail() {
	echo "FAIL [$TEST_NAME]: $*" >&2
	[ -n "$FAIL_LOG" ] && [ -e "$FAIL_LOG" ] && tail -n 30 "$FAIL_LOG" >&2
	exit 1
}
pass() { echo "ok   [$TEST_NAME]: $*"; }
skip() { echo "SKIP [$TEST_NAME]: $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root"

# json_get PATH: reads JSON on stdin, prints the value at a dotted path.
json_get() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$1"
}

# tcp_listen NS PORT: a TCP server that accepts and answers "ok" forever.
tcp_listen() {
	lab_spawn ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1]))); s.listen(1024)
while True:
    c, _ = s.accept()
    try: c.sendall(b"ok\n")
    except OSError: pass
    c.close()' "$2"
	wait_port "$1" tcp "$2"
}

# udp_echo NS PORT: a UDP echo server.
udp_echo() {
	lab_spawn ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(65535); s.sendto(d, a)' "$2"
	wait_port "$1" udp "$2"
}

wait_port() {
	for _ in $(seq 50); do
		ip netns exec "$1" ss -lnH --"$2" "sport = :$3" | grep -q . && return 0
		sleep 0.1
	done
	fail "nothing listens on $2/$3 in $1"
}

# tcp_probe NS ADDR PORT: connect and read the greeting within 2 s.
tcp_probe() {
	ip netns exec "$1" python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
sys.exit(0 if c.recv(16) == b"ok\n" else 1)' "$2" "$3" 2>/dev/null
}

# udp_probe NS ADDR PORT: one datagram out, the echo back within 2 s.
udp_probe() {
	ip netns exec "$1" python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(b"ping", (sys.argv[1], int(sys.argv[2])))
sys.exit(0 if s.recv(16) == b"ping" else 1)' "$2" "$3" 2>/dev/null
}

# san_check LOG: a daemon's sanitizer reports (ASan build) fail the test.
san_check() {
	if grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$1" 2>/dev/null; then
		grep -E -A25 "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$1" | head -60 >&2
		fail "sanitizer report in the daemon's log"
	fi
}
