#!/bin/sh
# The reputation engine in a real aegisd (phase 1: the XDP input). A
# source flooding SYNs over a policy's per-source limit is dropped in XDP;
# the sampled drop events raise its score until the engine bans it: seen
# in `aegisctl ban list` with origin reputation and a reason naming the
# input, in `aegisctl rep show` and `rep list -j`, as a "banned" security
# event, and as one alert at a local webhook receiver. A second host keeps
# connecting throughout. The offence history survives a restart; `rep
# forget` resets the source and lifts its ban.
set -u
cd "$(dirname "$0")/../.."
. tools/lab.sh
. tests/integration/lib.sh

lab_init
SRV=$(lab_ns srv) || skip "cannot create network namespaces"
C1=$(lab_ns c1)
C2=$(lab_ns c2)
IF1="ae${LAB_TAG}a" IF2="ae${LAB_TAG}b"
lab_link "$SRV" "$IF1" "198.18.1.1/24" "$C1" "ae${LAB_TAG}x" "198.18.1.2/24"
lab_link "$SRV" "$IF2" "198.18.2.1/24" "$C2" "ae${LAB_TAG}y" "198.18.2.2/24"

RUN=/run/aegis-rep-$LAB_TAG
mkdir -p "$RUN/bpf" "$RUN/state"
mount -t bpf bpf "$RUN/bpf" || skip "cannot mount bpffs"
PIN=$RUN/bpf/aegis
DPID=""
cleanup_rep() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	lab_cleanup
	umount "$RUN/bpf" 2>/dev/null
	rm -rf "$RUN"
}
trap cleanup_rep EXIT

# The webhook receiver, on the daemon's loopback.
lab_spawn ip netns exec "$SRV" python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        b = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(sys.argv[1], "ab") as f: f.write(b + b"\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", 8099), H).serve_forever()' "$RUN/hooks.jsonl"
wait_port "$SRV" tcp 8099
tcp_listen "$SRV" 9001

SOCK=$RUN/aegisd.sock
CFG=$RUN/aegis.yaml
cat > "$CFG" <<YAML
interfaces: [ $IF1, $IF2 ]
xdp_mode: native
pin_dir: $PIN
state_dir: $RUN/state
log: { status_interval: 1s }
events: { output: $RUN/events.jsonl }
policies:
  - name: game
    protocol: tcp
    ports: [ "9000-9001" ]
    per_source: { syn: { rate: 50, burst: 50 } }
reputation:
  enabled: true
  half_life: 10m
  thresholds: { throttle: 50, ban: 100 }
  escalation: [ 1m, 10m ]
  control_socket: $SOCK
  webhooks:
    - { url: "http://127.0.0.1:8099/hook?token=SECRET-TOKEN", kind: json }
YAML
"$AEGISD" --check -c "$CFG" >/dev/null || fail "--check rejects the lab config"

LOG=$RUN/aegisd.log
FAIL_LOG=$LOG
start_daemon() {
	runs=$(grep -c "running" "$LOG" 2>/dev/null || true)
	ip netns exec "$SRV" "$AEGISD" -c "$CFG" >>"$LOG" 2>&1 &
	DPID=$!
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && [ "$(grep -c "running" "$LOG")" -gt "${runs:-0}" ] && return 0
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
ctl() { "$AEGISCTL" -p "$PIN" -s "$SOCK" "$@"; }

start_daemon
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "control socket mode $(stat -c %a "$SOCK"), want 600"
pass "aegisd with reputation enabled; control socket mode 0600"

# A bounded SYN flood (2000 packets, 10 s at most) from c1; c2 keeps connecting.
ip netns exec "$C1" timeout 10 hping3 -q -S -p 9000 -c 2000 -i u2000 198.18.1.1 >/dev/null 2>&1 &
FLOOD=$!
ok=0
banned=""
for i in $(seq 60); do
	tcp_probe "$C2" 198.18.2.1 9001 && ok=$((ok + 1))
	if [ -z "$banned" ] && ctl ban list | grep "198.18.1.2 " | grep -q reputation; then
		banned=$i
	fi
	sleep 0.1
done
wait $FLOOD
[ -n "$banned" ] || fail "flooding source not banned by reputation: $(ctl ban list)"
[ $ok -eq 60 ] || fail "legit host: $ok/60 connections succeeded"
ctl ban list | grep "198.18.1.2 " | grep -q "rep xdp_rate" || fail "ban reason: $(ctl ban list)"
pass "flooding source banned by reputation (origin reputation, note 'rep xdp_rate') by probe $banned of 60; legit host 60/60"

ip netns exec "$C1" ping -c 1 -W 1 198.18.1.1 >/dev/null && fail "banned source still answered"
[ "$(ctl -j stats interval 0 | json_get reasons.ban.packets)" -gt 0 ] || fail "no ban drops"
pass "banned source dropped in XDP (ban drops counted)"

ctl rep show 198.18.1.2 > "$RUN/show.txt" || fail "rep show failed"
grep -q "action:     ban" "$RUN/show.txt" || fail "rep show: $(cat "$RUN/show.txt")"
grep -q "xdp_rate" "$RUN/show.txt" || fail "rep show lacks the input"
grep -q "ban history: 1 bans" "$RUN/show.txt" || fail "rep show history: $(cat "$RUN/show.txt")"
[ "$(ctl -j rep list | json_get 0.source)" = 198.18.1.2 ] || fail "rep list -j: $(ctl -j rep list)"
[ "$(ctl -j rep show 198.18.1.2 | json_get action)" = ban ] || fail "rep show -j"
ctl rep show 198.18.2.2 >/dev/null 2>&1 && fail "legit host has a reputation record"
pass "aegisctl rep show / rep list -j: score, inputs, action, ban history"

grep '"type":"reputation"' "$RUN/events.jsonl" | grep '"event":"banned"' | grep -q 198.18.1.2 ||
	fail "no banned security event"
grep '"type":"reputation"' "$RUN/events.jsonl" | grep -q '"event":"throttled"' ||
	fail "no throttled security event"
for _ in $(seq 30); do [ -s "$RUN/hooks.jsonl" ] && break; sleep 0.1; done
sleep 1
[ "$(grep -c '"event":"banned"' "$RUN/hooks.jsonl" 2>/dev/null)" = 1 ] ||
	fail "webhook: want one ban alert, got: $(cat "$RUN/hooks.jsonl" 2>/dev/null)"
grep -q SECRET-TOKEN "$LOG" "$RUN/events.jsonl" && fail "the webhook token was logged"
pass "security events throttled/banned; the webhook receiver got the ban alert once; token never logged"

stop_daemon
grep -q "^198.18.1.2	128	1	" "$RUN/state/rep_offences.tsv" ||
	fail "offence history not saved: $(cat "$RUN/state/rep_offences.tsv")"
start_daemon
grep -q "restored the ban history of 1 sources" "$LOG" || fail "history not restored"
ctl rep show 198.18.1.2 | grep -q "ban history: 1 bans" || fail "history lost: $(ctl rep show 198.18.1.2)"
pass "restart keeps the offence history"

ctl rep forget 198.18.1.2 | grep -q "forgotten" || fail "rep forget"
ctl rep show 198.18.1.2 >/dev/null 2>&1 && fail "forgotten source still has a record"
ctl ban list | grep -q "198.18.1.2 " && fail "forget did not lift the reputation ban"
ip netns exec "$C1" ping -c 1 -W 2 198.18.1.1 >/dev/null || fail "forgotten source still dropped"
pass "rep forget resets the source and lifts its ban"

stop_daemon
san_check "$LOG"
