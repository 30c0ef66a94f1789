#!/bin/sh
# aegisctl against a netns lab, program attached with `ip link` (no aegisd):
# bans cut a host off (ping and TCP) and unbans restore it; a TTL ban
# expires by itself; every read command's -j output parses; bad arguments
# exit 2 naming the argument; runtime errors exit 1.
set -u
cd "$(dirname "$0")/../.."
. tools/lab.sh
. tests/integration/lib.sh

lab_init
SRV=$(lab_ns srv) || skip "cannot create network namespaces"
CLI=$(lab_ns cli)
IF_S="ae${LAB_TAG}s"
lab_link "$SRV" "$IF_S" "198.18.0.1/24 2001:db8::1/64" "$CLI" "ae${LAB_TAG}c" "198.18.0.2/24 2001:db8::2/64"
ip -n "$SRV" link set dev "$IF_S" xdp obj "$BPF_OBJ" sec xdp || fail "attach failed"

ctl() { ip netns exec "$SRV" "$AEGISCTL" -i "$IF_S" "$@"; }
reachable() {
	ip netns exec "$CLI" ping -c 1 -W 1 "$1" >/dev/null 2>&1 && tcp_probe "$CLI" "$1" 9000
}
tcp_listen "$SRV" 9000

reachable 198.18.0.1 || fail "host unreachable before any ban"
ctl ban add 198.18.0.2 reason "abuse report" || fail "ban add"
reachable 198.18.0.1 && fail "banned host: ping or TCP still works"
ctl ban list | grep -q "198.18.0.2 .*operator .*abuse report" || fail "ban list lacks the ban"
ctl ban del 198.18.0.2 || fail "ban del"
reachable 198.18.0.1 || fail "unbanned host: ping or TCP still fails"
pass "ban cuts ping and TCP; unban restores both"

ctl ban add 2001:db8::2 ttl 2s || fail "ban add v6 ttl"
reachable 2001:db8::1 && fail "banned IPv6 host still reachable"
sleep 2.5
reachable 2001:db8::1 || fail "TTL ban did not expire"
ctl ban list | grep -q "2001:db8::2" && fail "expired ban still listed"
pass "a 2s TTL ban expires by itself (IPv6)"

# Allow beats ban and deny.
ctl ban add 198.18.0.2 && ctl allow add 198.18.0.0/24 note lab || fail "allow add"
reachable 198.18.0.1 || fail "allow-listed host blocked by its ban"
ctl allow del 198.18.0.0/24 && ctl ban del 198.18.0.2 || fail "cleanup"
pass "allow-list wins over a ban"

# A CIDR ban expands to its addresses; wide CIDRs are refused.
ctl ban add 198.18.0.0/30 ttl 1h || fail "ban add /30"
[ "$(ctl -j ban list | json_get 3.address >/dev/null && echo 4)" = 4 ] || fail "/30 did not ban 4 addresses"
ctl ban del 198.18.0.0/30 || fail "ban del /30"
pass "CIDR bans expand to addresses and are removed together"

ctl policy set tcp 9000-9010 syn 100/200 max_conn_per_source 10 || fail "policy set"
ctl policy set udp 27015 udp_pps 1k udp_bps 1M || fail "policy set udp"
ctl settings set tcp_flags on events 10/20 || fail "settings set"
for cmd in "ban list" "allow list" "deny list" "policy show" "settings show" \
	"stats interval 0" "stats interval 200ms" "flows" "status"; do
	# shellcheck disable=SC2086
	ctl -j $cmd | python3 -c 'import json,sys; json.load(sys.stdin)' ||
		fail "-j $cmd is not valid JSON"
done
[ "$(ctl -j policy show | json_get 0.syn.burst)" = 200 ] || fail "policy JSON lacks syn burst"
[ "$(ctl -j settings show | json_get tcp_flags)" = True ] || fail "settings JSON lacks tcp_flags"
pass "-j output parses for every read command"

# Events: a banned host's ping shows up in the event stream.
ctl ban add 198.18.0.2 || fail "ban add"
(sleep 0.5; ip netns exec "$CLI" ping -c 3 -i 0.2 -W 1 198.18.0.1 >/dev/null 2>&1) &
ev=$(ctl -j events count 1 timeout 5s)
echo "$ev" | json_get reason | grep -qx ban || fail "no ban event: $ev"
ctl ban del 198.18.0.2
pass "events shows a sampled drop"

ctl top count 1 >/dev/null || fail "top count 1"
pass "top renders"

# Usage errors exit 2 and name the bad argument; runtime errors exit 1.
expect_exit() {
	want=$1 pattern=$2; shift 2
	out=$(ctl "$@" 2>&1); rc=$?
	[ $rc -eq "$want" ] || fail "aegisctl $*: exit $rc, expected $want ($out)"
	echo "$out" | grep -q -- "$pattern" || fail "aegisctl $*: message lacks '$pattern': $out"
}
expect_exit 2 "300.1.1.1" ban add 300.1.1.1
expect_exit 2 "1x" ban add 198.18.0.9 ttl 1x
expect_exit 2 "bogus" ban add 198.18.0.9 bogus 1
expect_exit 2 "198.18.0.1/24" deny add 198.18.0.1/24
expect_exit 2 "70000" policy set tcp 70000 syn 10
expect_exit 2 "udp only" policy set tcp 80 udp_pps 10
expect_exit 2 "sideways" policy set sideways 80
expect_exit 2 "frobnicate" frobnicate
expect_exit 2 "maybe" settings set tcp_flags maybe
expect_exit 2 "wider than" ban add 198.18.0.0/16
expect_exit 1 "not banned" ban del 198.18.0.77
out=$("$AEGISCTL" -i aenonexist0 stats 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "aenonexist0" || fail "missing interface: exit $rc: $out"
out=$("$AEGISCTL" -p /nonexistent/pins ban list 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "/nonexistent/pins" || fail "missing pins: exit $rc: $out"
pass "usage errors exit 2, runtime errors exit 1, each naming the culprit"
