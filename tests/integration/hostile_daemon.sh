#!/bin/sh
# aegisd against hostile files (issue 17), in a netns lab:
#  - a FIFO as the config file is refused at --check, at start and on
#    reload, without blocking;
#  - an empty or truncated config caught by the watcher or SIGHUP is
#    refused like at start (file:line), the running policies stay;
#  - the ban state file: a directory in its place is logged at load and
#    once (not every save), an empty bans.tsv falls back to bans.tsv.prev
#    and the log says what was restored.
set -u
cd "$(dirname "$0")/../.."
. tools/lab.sh
. tests/integration/lib.sh

lab_init
SRV=$(lab_ns srv) || skip "cannot create network namespaces"
C1=$(lab_ns c1)
IF1="ae${LAB_TAG}h"
lab_link "$SRV" "$IF1" "198.18.3.1/24" "$C1" "ae${LAB_TAG}i" "198.18.3.2/24"

RUN=/run/aegis-hostile-$LAB_TAG
mkdir -p "$RUN/bpf" "$RUN/state"
mount -t bpf bpf "$RUN/bpf" || skip "cannot mount bpffs"
PIN=$RUN/bpf/aegis
DPID=""
cleanup_hostile() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
	sleep 0.2
	lab_cleanup
	umount "$RUN/bpf" 2>/dev/null
	rm -rf "$RUN"
}
trap cleanup_hostile EXIT

CFG=$RUN/aegis.yaml
write_config() {
	cat > "$CFG.tmp" <<EOF
interfaces: [ $IF1 ]
xdp_mode: native
pin_dir: $PIN
state_dir: $RUN/state
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
: > "$LOG"
start_daemon() {
	runs=$(grep -c "running" "$LOG" 2>/dev/null || true)
	ip netns exec "$SRV" "$AEGISD" -c "$CFG" >>"$LOG" 2>&1 &
	DPID=$!
	for _ in $(seq 100); do
		[ -e "$PIN/aegis_bans" ] && [ "$(grep -c "running" "$LOG")" -gt "${runs:-0}" ] && return 0
		kill -0 $DPID 2>/dev/null || fail "aegisd exited at start"
		sleep 0.1
	done
	fail "aegisd did not start"
}
stop_daemon() {
	kill -TERM "$DPID"
	wait "$DPID" || fail "aegisd exited non-zero on SIGTERM"
	DPID=""
}
ctl() { "$AEGISCTL" -p "$PIN" "$@"; }
# wait_log N PATTERN: until the log holds more than N lines matching.
wait_log() {
	for _ in $(seq 50); do
		[ "$(grep -c -- "$2" "$LOG")" -gt "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# FIFO as the config file: refused, never blocks (timeout 5 would be 124).
mkfifo "$RUN/fifo.yaml"
timeout 5 "$AEGISD" --check -c "$RUN/fifo.yaml" >"$RUN/out" 2>&1; rc=$?
[ "$rc" = 1 ] || fail "--check on a FIFO: exit $rc (124 = blocked)"
grep -q "fifo.yaml: not a regular file (a FIFO)" "$RUN/out" || fail "--check on a FIFO: $(cat "$RUN/out")"
timeout 5 ip netns exec "$SRV" "$AEGISD" -c "$RUN/fifo.yaml" >"$RUN/out" 2>&1; rc=$?
[ "$rc" = 1 ] || fail "start on a FIFO: exit $rc"
pass "a FIFO as the config is refused at --check and start without blocking"

# The state file's place is taken by a directory: said at load, said once.
mkdir "$RUN/state/bans.tsv"
write_config
start_daemon
grep -q "bans.tsv is a directory" "$LOG" || fail "a directory as bans.tsv not logged at load"
pass "a directory in the state file's place is logged at load"

# Empty file through the watcher: refused, policies stay.
n=$(grep -c "reload (file changed) rejected" "$LOG")
: > "$CFG"
wait_log "$n" "reload (file changed) rejected" || fail "empty config: no rejection logged"
grep "reload (file changed) rejected" "$LOG" | tail -1 | grep -q "no interfaces and no proxies configured" ||
	fail "empty config: rejection does not say why"
ctl policy show | grep -q "9000-9001" || fail "empty config removed the policy"
# Truncated mid-line, then SIGHUP: rejected with file:line.
write_config
sleep 0.6
head -c 150 "$CFG" > "$CFG.cut"; cat "$CFG.cut" > "$CFG"
n=$(grep -c "reload (SIGHUP) rejected" "$LOG")
kill -HUP "$DPID"
wait_log "$n" "reload (SIGHUP) rejected" || fail "truncated config: no rejection on SIGHUP"
grep "reload (SIGHUP) rejected" "$LOG" | tail -1 | grep -q "aegis.yaml:[0-9]*: " ||
	fail "truncated config: rejection without file:line"
ctl policy show | grep -q "9000-9001" || fail "truncated config removed the policy"
grep -q "0 policies" "$LOG" && fail "an empty/truncated config was applied"
# The config path becomes a FIFO: SIGHUP is refused and aegisd still answers.
rm -f "$CFG"; mkfifo "$CFG"
n=$(grep -c "not a regular file (a FIFO)" "$LOG")
kill -HUP "$DPID"
wait_log "$n" "not a regular file (a FIFO)" || fail "reload of a FIFO: not refused (blocked?)"
rm -f "$CFG"; write_config
n=$(grep -c "reloaded .*SIGHUP" "$LOG")
kill -HUP "$DPID"
wait_log "$n" "reloaded .*SIGHUP" || fail "aegisd no longer reloads after the FIFO"
pass "empty, truncated and FIFO configs refused on reload (file:line); policies stay"

# Saves fail every 10 s while the directory is there: one error line.
sleep 21
c=$(grep -c "cannot save bans" "$LOG")
[ "$c" = 1 ] || fail "state save error logged $c times in 21 s, expected once"
rmdir "$RUN/state/bans.tsv"
ctl ban add 198.18.3.2 ttl 1h reason hostile || fail "ban add"
stop_daemon
grep -q "^198.18.3.2	" "$RUN/state/bans.tsv" || fail "ban not saved at stop"
pass "a failing save is logged once, not every interval; saving resumes"

# Second save keeps the first as .prev; an empty bans.tsv falls back to it.
start_daemon
stop_daemon
[ -s "$RUN/state/bans.tsv.prev" ] || fail "no previous copy kept"
: > "$RUN/state/bans.tsv"
start_daemon
grep -q "bans.tsv is empty" "$LOG" || fail "an empty state file is not logged"
grep -q "restored 1 bans from bans.tsv.prev" "$LOG" || fail "no restore from the previous copy"
ctl ban list | grep -q "198.18.3.2 .*hostile" || fail "ban lost with an empty state file"
stop_daemon
san_check "$LOG"
pass "an empty state file falls back to bans.tsv.prev, and says so"
