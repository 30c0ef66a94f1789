#!/bin/sh
# Integration: the XDP object attached with `ip link` to a veth in a netns
# lab. Real traffic (ping, TCP, UDP, a bounded hping3 SYN flood) must pass
# or drop as configured, and the drops must show by reason in the counters.
# Detaching restores traffic. Everything is removed on exit.
set -u
cd "$(dirname "$0")/../.."
. tools/lab.sh
. tests/integration/lib.sh

lab_init
SRV=$(lab_ns srv) || skip "cannot create network namespaces"
CLI=$(lab_ns cli)
IF_S="ae${LAB_TAG}s" IF_C="ae${LAB_TAG}c"
lab_link "$SRV" "$IF_S" "198.18.0.1/24 2001:db8::1/64" "$CLI" "$IF_C" "198.18.0.2/24 2001:db8::2/64"

ctl() { ip netns exec "$SRV" "$AEGISCTL" -i "$IF_S" "$@"; }
in_cli() { ip netns exec "$CLI" "$@"; }
stat_of() { ctl -j stats interval 0 | json_get "reasons.$1.packets"; }

ip -n "$SRV" link set dev "$IF_S" xdp obj "$BPF_OBJ" sec xdp || fail "ip link could not attach $BPF_OBJ"

# A freshly attached program with empty maps passes everything.
in_cli ping -c 2 -i 0.2 -W 1 198.18.0.1 >/dev/null || fail "IPv4 ping blocked by empty program"
in_cli ping -6 -c 2 -i 0.2 -W 1 2001:db8::1 >/dev/null || fail "IPv6 ping blocked by empty program"
tcp_listen "$SRV" 9000
tcp_probe "$CLI" 198.18.0.1 9000 || fail "TCP blocked by empty program"
tcp_probe "$CLI" 2001:db8::1 9000 || fail "TCP over IPv6 blocked by empty program"
udp_echo "$SRV" 9001
udp_probe "$CLI" 198.18.0.1 9001 || fail "UDP blocked by empty program"
[ "$(stat_of pass)" -gt 0 ] || fail "pass counter did not move"
pass "empty program passes ping, TCP, UDP (v4 and v6)"

# Per-source SYN limit on port 9000: a bounded flood is mostly dropped.
ctl policy set tcp 9000 syn 50/50 || fail "policy set failed"
in_cli timeout 20 hping3 -q -S -p 9000 -c 1000 -i u2000 198.18.0.1 >/dev/null 2>&1
drops=$(stat_of rate_syn)
[ "$drops" -ge 500 ] || fail "SYN flood: only $drops rate_syn drops of 1000"
pass "hping3 SYN flood (1000 at ~500/s, limit 50/s): $drops dropped as rate_syn"

# Invalid TCP flags (SYN+FIN) are dropped when the filter is on.
ctl settings set tcp_flags on || fail "settings set failed"
in_cli timeout 10 hping3 -q -S -F -p 9002 -c 20 -i u10000 198.18.0.1 >/dev/null 2>&1
flags=$(stat_of tcp_flags)
[ "$flags" -ge 20 ] || fail "SYN+FIN: expected 20 tcp_flags drops, got $flags"
pass "SYN+FIN dropped as tcp_flags ($flags)"

# A ban cuts the client off in both families; unbanning restores it.
ctl ban add 198.18.0.2 reason lab || fail "ban add failed"
ctl ban add 2001:db8::2 || fail "ban add v6 failed"
in_cli ping -c 2 -i 0.2 -W 1 198.18.0.1 >/dev/null && fail "banned IPv4 source still answered"
in_cli ping -6 -c 2 -i 0.2 -W 1 2001:db8::1 >/dev/null && fail "banned IPv6 source still answered"
[ "$(stat_of ban)" -ge 4 ] || fail "ban drops not counted"
ctl ban del 198.18.0.2 && ctl ban del 2001:db8::2 || fail "ban del failed"
in_cli ping -c 1 -W 1 198.18.0.1 >/dev/null || fail "unbanned source still blocked"
pass "ban drops ping (v4, v6) and counts it; unban restores"

# Deny-list by CIDR.
ctl deny add 198.18.0.0/24 || fail "deny add failed"
in_cli ping -c 1 -W 1 198.18.0.1 >/dev/null && fail "deny-listed source still answered"
[ "$(stat_of deny)" -ge 1 ] || fail "deny drops not counted"
ctl deny del 198.18.0.0/24
pass "deny-list drops and counts"

# Detach: traffic flows without the program.
ip -n "$SRV" link set dev "$IF_S" xdp off || fail "detach failed"
ctl status >/dev/null 2>&1 && fail "aegisctl still finds a program after detach"
ctl ban add 198.18.0.2 reason x 2>/dev/null; [ $? -eq 1 ] || fail "expected exit 1 without a program"
in_cli ping -c 1 -W 1 198.18.0.1 >/dev/null || fail "traffic blocked after detach"
pass "detach restores traffic"

# libxdp (xdp-loader, behind its dispatcher) in generic mode: aegisctl
# still finds the maps through the interface and the program enforces.
lab_bpffs "$SRV"
ip netns exec "$SRV" sh -c "mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	xdp-loader load -m skb $IF_S $BPF_OBJ && $AEGISCTL -i $IF_S status | grep -q aegis &&
	$AEGISCTL -i $IF_S ban add 198.18.0.2 && xdp-loader status $IF_S" >/dev/null 2>&1 ||
	fail "xdp-loader generic-mode attach, or aegisctl through it, failed"
in_cli ping -c 1 -W 1 198.18.0.1 >/dev/null && fail "ban not enforced under xdp-loader (generic)"
ip netns exec "$SRV" sh -c "mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	xdp-loader unload -a $IF_S" || fail "xdp-loader unload failed"
in_cli ping -c 1 -W 1 198.18.0.1 >/dev/null || fail "traffic blocked after xdp-loader unload"
pass "xdp-loader (libxdp dispatcher, generic mode): found by aegisctl -i, enforces, unloads"
