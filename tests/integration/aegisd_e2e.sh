#!/bin/sh
# End to end: aegisd in a netns lab with two client hosts on two shield
# interfaces. A policy of 100 SYN/s per source; a bounded hping3 SYN flood
# from one host is dropped at the expected rate while the other host's
# connections keep succeeding; aegisctl -j stats matches what was sent;
# reload on file change (and a bad file leaves the running state alone);
# bans survive a --keep restart (enforced while the daemon is down) and a
# full stop/start through the state file.
set -u
cd "$(dirname "$0")/../.."
. tools/lab.sh
. tests/integration/lib.sh

lab_init
SRV=$(lab_ns srv) || skip "cannot create network namespaces"
C1=$(lab_ns c1)
C2=$(lab_ns c2)
IF1="ae${LAB_TAG}a" IF2="ae${LAB_TAG}b"
lab_link "$SRV" "$IF1" "198.18.1.1/24 2001:db8:1::1/64" "$C1" "ae${LAB_TAG}x" "198.18.1.2/24 2001:db8:1::2/64"
lab_link "$SRV" "$IF2" "198.18.2.1/24" "$C2" "ae${LAB_TAG}y" "198.18.2.2/24"

RUN=/run/aegis-e2e-$LAB_TAG
mkdir -p "$RUN/bpf" "$RUN/state"
mount -t bpf bpf "$RUN/bpf" || skip "cannot mount bpffs"
PIN=$RUN/bpf/aegis
cleanup_e2e() {
	pkill -f "aegisd -c $RUN/" 2>/dev/null
	sleep 0.2
	lab_cleanup
	umount "$RUN/bpf" 2>/dev/null
	rm -rf "$RUN"
}
trap cleanup_e2e EXIT

CFG=$RUN/aegis.yaml
write_config() {
	cat > "$CFG.tmp" <<EOF
interfaces: [ $IF1, $IF2 ]
xdp_mode: native
pin_dir: $PIN
state_dir: $RUN/state
log: { status_interval: 1s }
events: { output: $RUN/events.jsonl }
deny: [ $1 ]
policies:
  - name: game
    protocol: tcp
    ports: [ "9000-9001" ]
    per_source: { syn: { rate: 100, burst: 100 } }
EOF
	mv "$CFG.tmp" "$CFG"
}

LOG=$RUN/aegisd.log
FAIL_LOG=$LOG
start_daemon() {
	# The log accumulates across restarts: wait for one more "running".
	runs=$(grep -c "running" "$LOG" 2>/dev/null || true)
	ip netns exec "$SRV" "$AEGISD" -c "$CFG" "$@" >>"$LOG" 2>&1 &
	DPID=$!
	for _ in $(seq 100); do
		[ -e "$PIN/aegis_bans" ] && [ "$(grep -c "running" "$LOG")" -gt "${runs:-0}" ] && return 0
		kill -0 $DPID 2>/dev/null || { cat "$LOG" >&2; fail "aegisd exited at start"; }
		sleep 0.1
	done
	cat "$LOG" >&2
	fail "aegisd did not start"
}
stop_daemon() {
	kill -TERM "$DPID"
	wait "$DPID" || fail "aegisd exited non-zero on SIGTERM"
}
ctl() { "$AEGISCTL" -p "$PIN" "$@"; }
stat_of() { ctl -j stats interval 0 | json_get "reasons.$1.packets"; }

write_config "198.18.9.0/24"
"$AEGISD" --check -c "$CFG" >/dev/null || fail "--check rejects the lab config"
start_daemon
ip -n "$SRV" link show "$IF1" | grep -q "xdp" || fail "program not attached to $IF1"
ip -n "$SRV" link show "$IF2" | grep -q "xdp" || fail "program not attached to $IF2"
pass "aegisd attached to two interfaces and pinned its maps"

# Phase 1: flood alone. Nothing listens on 9000, so the kernel answers a
# passing SYN with a RST and hping3's host sends nothing more: every packet
# to 9000 in this window is a flood SYN, either passed or dropped.
SENT=3000
p0=$(stat_of pass_policy) d0=$(stat_of rate_syn)
t0=$(date +%s.%N)
ip netns exec "$C1" timeout 30 hping3 -q -S -p 9000 -c $SENT -i u1000 198.18.1.1 >/dev/null 2>&1
t1=$(date +%s.%N)
p1=$(stat_of pass_policy) d1=$(stat_of rate_syn)
passed=$((p1 - p0)) dropped=$((d1 - d0))
[ $((passed + dropped)) -eq $SENT ] ||
	fail "stats: passed $passed + dropped $dropped != $SENT sent"
# GCRA admits burst + rate * elapsed. hping3 lingers ~1 s after its last
# packet, so the flood itself lasted between elapsed - 1.5 s and elapsed.
el=$(python3 -c "print(round($t1 - $t0, 2))")
lo=$(python3 -c "print(int((100 + 100 * max(0, $el - 1.5)) * 0.9))")
hi=$(python3 -c "print(int((100 + 100 * $el) * 1.1) + 20)")
[ "$passed" -ge "$lo" ] && [ "$passed" -le "$hi" ] ||
	fail "flood: $passed SYNs passed in ${el}s, expected $lo..$hi at 100/s burst 100"
pass "SYN flood: $SENT sent in ${el}s, $passed passed (expected $lo..$hi), $dropped dropped as rate_syn; stats add up"

# Phase 2: flood again while the second host connects to the same policy.
tcp_listen "$SRV" 9001
ip netns exec "$C1" timeout 30 hping3 -q -S -p 9001 -c 4000 -i u500 198.18.1.1 >/dev/null 2>&1 &
FLOOD=$!
ok=0
for _ in $(seq 30); do tcp_probe "$C2" 198.18.2.1 9001 && ok=$((ok + 1)); sleep 0.05; done
wait $FLOOD
[ $ok -eq 30 ] || fail "second host: only $ok/30 connections succeeded during the flood"
[ "$(stat_of rate_syn)" -gt "$d1" ] || fail "phase 2 flood was not limited"
pass "second host: 30/30 connections succeeded during the flood"

grep -q '"reason":"rate_syn"' "$RUN/events.jsonl" || fail "no rate_syn event in the event log"
grep -q '"type":"summary"' "$RUN/events.jsonl" || fail "no flood summary in the event log"
grep -q "status: pass=" "$LOG" || fail "no status line in the log"
pass "events: JSON lines and per-source flood summaries; status lines logged"

# Reload on file change: a new deny entry appears; a broken file changes nothing.
write_config "198.18.8.0/24"
# A reload adds before it removes (stricter first): wait for both halves.
for _ in $(seq 50); do
	l=$(ctl deny list)
	echo "$l" | grep -q "198.18.8.0/24" && ! echo "$l" | grep -q "198.18.9.0/24" && break
	sleep 0.1
done
ctl deny list | grep -q "198.18.8.0/24" || fail "reload did not add the new deny entry"
ctl deny list | grep -q "198.18.9.0/24" && fail "reload did not remove the old deny entry"
printf 'policies:\n  - name: x\n    protocol: tcp\n    ports: [ 0 ]\n' > "$CFG"
sleep 1
grep -q "reload (file changed) rejected" "$LOG" || fail "bad config not reported"
ctl deny list | grep -q "198.18.8.0/24" || fail "bad config changed the running state"
ctl policy show | grep -q "9000-9001" || fail "bad config removed the policy"
write_config "198.18.8.0/24"
kill -HUP $DPID
sleep 0.5
grep -q "reloaded .*SIGHUP" "$LOG" || fail "SIGHUP did not reload"
pass "reload on file change and SIGHUP; an invalid file is rejected and nothing changes"

# Bans: --keep restart keeps the program attached and the ban enforced.
ctl ban add 198.18.1.2 ttl 1h reason e2e || fail "ban add failed"
ip netns exec "$C1" ping -c 1 -W 1 198.18.1.1 >/dev/null && fail "banned host still answered"
stop_daemon
start_daemon --keep
kill -TERM $DPID; wait $DPID
ip -n "$SRV" link show "$IF1" | grep -q "xdp" || fail "--keep detached the program"
ip netns exec "$C1" ping -c 1 -W 1 198.18.1.1 >/dev/null && fail "ban not enforced while aegisd is down"
start_daemon
grep -q "adopted" "$LOG" || fail "restart did not adopt the kept program"
ctl ban list | grep -q "198.18.1.2 .*e2e" || fail "ban lost across the --keep restart"
pass "--keep: program stays attached, ban enforced while down, adopted on restart"

# Full stop: detached and unpinned; the state file brings the ban back.
stop_daemon
ip -n "$SRV" link show "$IF1" | grep -q "xdp" && fail "program still attached after stop"
[ -e "$PIN/aegis_bans" ] && fail "pins left after stop"
grep -q "^198.18.1.2	" "$RUN/state/bans.tsv" || fail "ban missing from the state file"
start_daemon
ctl ban list | grep -q "198.18.1.2 .*e2e" || fail "ban not restored from the state file"
ip netns exec "$C1" ping -c 1 -W 1 198.18.1.1 >/dev/null && fail "restored ban not enforced"
ip netns exec "$C2" ping -c 1 -W 1 198.18.2.1 >/dev/null || fail "unbanned host blocked"
stop_daemon
san_check "$LOG"
pass "stop detaches and unpins; the state file restores the ban on the next start"
