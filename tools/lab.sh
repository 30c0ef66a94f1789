#!/bin/sh
# Test lab helpers, sourced by tests, benchmarks and `make run`.
# Builds network namespaces joined by veth pairs; every name starts with
# "ae" and carries a per-run tag so parallel runs never collide, and
# lab_cleanup removes everything (call it from an EXIT trap).
#
#   . tools/lab.sh
#   lab_init                 # sets LAB_TAG, installs the cleanup trap
#   lab_ns NAME              # creates netns ae<tag>NAME, echoes its name
#   lab_link NS1 IF1 ADDR1 NS2 IF2 ADDR2   # veth pair, addresses with /len
#   lab_cleanup
#
# Lab addresses: 198.18.0.0/15 and 2001:db8::/32 only.

LAB_TAG=${LAB_TAG:-}
LAB_NETNS=""
LAB_PIDS=""

lab_init() {
	LAB_TAG=$(printf '%04x' $(( $$ % 65536 )))
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
}

lab_ns() {
	ns="ae${LAB_TAG}$1"
	ip netns add "$ns" || return 1
	LAB_NETNS="$LAB_NETNS $ns"
	ip -n "$ns" link set lo up
	# IPv6 DAD would delay addresses by a second or more.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 2>/dev/null
	echo "$ns"
}

# lab_link NS1 IF1 "ADDR4 ADDR6" NS2 IF2 "ADDR4 ADDR6"
lab_link() {
	ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6
	ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2" || return 1
	for a in $a1; do ip -n "$ns1" addr add "$a" dev "$if1" nodad 2>/dev/null ||
		ip -n "$ns1" addr add "$a" dev "$if1"; done
	for a in $a2; do ip -n "$ns2" addr add "$a" dev "$if2" nodad 2>/dev/null ||
		ip -n "$ns2" addr add "$a" dev "$if2"; done
	ip -n "$ns1" link set "$if1" up
	ip -n "$ns2" link set "$if2" up
}

# Run a command in the background and remember it for cleanup.
lab_spawn() {
	"$@" &
	LAB_PIDS="$LAB_PIDS $!"
}

# Mount bpffs inside a namespace: `ip netns exec` hides the host's.
lab_bpffs() {
	ip netns exec "$1" sh -c 'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf'
}

# Safe to call from any shell: it finds the namespaces by tag, since
# lab_ns often runs in a $(...) subshell that cannot update LAB_NETNS.
lab_cleanup() {
	for p in $LAB_PIDS; do kill "$p" 2>/dev/null; done
	for ns in $(ip netns list 2>/dev/null | awk -v t="ae${LAB_TAG}" 'index($1, t) == 1 {print $1}'); do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	for p in $LAB_PIDS; do wait "$p" 2>/dev/null; done
	LAB_PIDS=""
	LAB_NETNS=""
}
