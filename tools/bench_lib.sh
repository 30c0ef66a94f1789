#!/bin/sh
# The lab the proxy benchmarks share (sourced by tools/bench_proxy.sh and
# tools/bench_http.sh after tools/lab.sh): client ns (198.18.0.2) --veth--
# proxy ns (198.18.0.1; 198.18.1.1 towards the upstream) --veth-- upstream
# ns (198.18.1.2), plus an idle veth pair inside the proxy namespace.
# The one peer under test runs as PEER_PID; RUN is the scratch directory.
#
#   bench_lab_up TOOL [SYSCTL...]   builds it (TOOL names messages and RUN;
#                                   extra sysctls for every namespace);
#                                   sets RUN, CLI, EDGE, UP, IF_IN, IF_IDLE
#   bench_bpffs                     mounts bpffs at $RUN/bpf once (aegisd)
#   stop_peer                       TERM, then TERM again, KILL after 5 s

PEER_PID=""
BPF_MOUNTED=""

stop_peer() {
	[ -n "$PEER_PID" ] || return 0
	kill -TERM "$PEER_PID" 2>/dev/null
	# aegisd drains for 0 s (draining: {timeout: 0}); a second signal
	# stops it at once, and nothing gets more than 5 s.
	for i in $(seq 50); do
		kill -0 "$PEER_PID" 2>/dev/null || break
		[ "$i" = 20 ] && kill -TERM "$PEER_PID" 2>/dev/null
		sleep 0.1
	done
	kill -KILL "$PEER_PID" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
	PEER_PID=""
}

bench_cleanup() {
	stop_peer
	lab_cleanup
	[ -n "$BPF_MOUNTED" ] && umount "$RUN/bpf" 2>/dev/null
	rm -rf "$RUN"
}

bench_bpffs() {
	[ -n "$BPF_MOUNTED" ] && return 0
	if ! { mkdir -p "$RUN/bpf" && mount -t bpf bpf "$RUN/bpf"; }; then
		echo "cannot mount bpffs"
		return 1
	fi
	BPF_MOUNTED=1
}

bench_lab_up() {	# TOOL [SYSCTL...]
	tool=$1
	shift
	lab_init
	RUN=$(mktemp -d "/tmp/aegis-$(echo "$tool" | tr _ -).XXXXXX") || exit 1
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	trap 'exit 141' PIPE
	CLI=$(lab_ns c) || { echo "$tool: cannot create network namespaces" >&2; exit 1; }
	EDGE=$(lab_ns p) || exit 1
	UP=$(lab_ns u) || exit 1
	IF_IN="ae${LAB_TAG}p"		# proxy ns, facing the client
	IF_IDLE="ae${LAB_TAG}x"		# proxy ns, carries no traffic
	lab_link "$CLI" "ae${LAB_TAG}c" "198.18.0.2/24" "$EDGE" "$IF_IN" "198.18.0.1/24" || exit 1
	lab_link "$EDGE" "ae${LAB_TAG}q" "198.18.1.1/24" "$UP" "ae${LAB_TAG}u" "198.18.1.2/24" || exit 1
	lab_link "$EDGE" "$IF_IDLE" "" "$EDGE" "ae${LAB_TAG}y" "" || exit 1
	for ns in "$CLI" "$EDGE" "$UP"; do
		# No IPv6 chatter; a wide port range and TIME_WAIT reuse, so that
		# thousands of short connections a second do not run out of ports.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1 "$@"
	done
	ip netns exec "$EDGE" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$CLI" route add 198.18.1.0/24 via 198.18.0.1
	ip -n "$UP" route add 198.18.0.0/24 via 198.18.1.1
}
