#!/bin/sh
# Integration: a burst of 200 TCP connections from 20 sources at a port
# with a per-source connection cap. Every connection must be tracked in
# aegis_flows and counted per source (the per-flow bpf_timer this replaced
# failed to arm under such bursts: flows went untracked, caps uncounted),
# and the cap must hold for the 11th connection of a source.
set -u
cd "$(dirname "$0")/../.."
. tools/lab.sh
. tests/integration/lib.sh

lab_init
SRV=$(lab_ns srv) || skip "cannot create network namespaces"
CLI=$(lab_ns cli)
IF_S="ae${LAB_TAG}s" IF_C="ae${LAB_TAG}c"
lab_link "$SRV" "$IF_S" "198.18.0.1/24" "$CLI" "$IF_C" "198.18.0.2/24"
for i in $(seq 10 29); do ip -n "$CLI" addr add "198.18.0.$i/24" dev "$IF_C" || fail "addr"; done

ctl() { ip netns exec "$SRV" "$AEGISCTL" -i "$IF_S" "$@"; }

# A listener that keeps every connection open.
lab_spawn ip netns exec "$SRV" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9100)); s.listen(1024)
held = []
while True:
    c, _ = s.accept(); held.append(c)'
wait_port "$SRV" tcp 9100 || fail "listener did not start"

ip -n "$SRV" link set dev "$IF_S" xdp obj "$BPF_OBJ" sec xdp || fail "attach failed"
# bpf timers run only while userspace holds their map (aegisd pins every
# map; a bare `ip link` attach holds none): pin every map, as aegisd does.
RUN=/run/aegis-burst-$LAB_TAG
mkdir -p "$RUN" && mount -t bpf bpf "$RUN" || skip "cannot mount bpffs"
trap 'lab_cleanup; umount "$RUN" 2>/dev/null; rmdir "$RUN" 2>/dev/null' EXIT
prog=$(ip -n "$SRV" -d link show dev "$IF_S" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1)
bpftool -j prog show id "$prog" | python3 -c '
import json, subprocess, sys
for m in json.load(sys.stdin)["map_ids"]:
    info = json.loads(subprocess.check_output(["bpftool", "-j", "map", "show", "id", str(m)]))
    subprocess.check_call(["bpftool", "map", "pin", "id", str(m), sys.argv[1] + "/" + info["name"]])
' "$RUN" || fail "could not pin the maps"
ctl policy set tcp 9100 max_conn_per_source 10 || fail "policy set failed"

# 20 sources x 10 connections at once, held open; then an 11th per source.
out=$(ip netns exec "$CLI" timeout 60 python3 -c '
import socket, sys
socks, ok = [], 0
for s in range(10, 30):
    for _ in range(10):
        c = socket.socket(); c.setblocking(False)
        c.bind(("198.18.0.%d" % s, 0))
        c.connect_ex(("198.18.0.1", 9100)); socks.append(c)
import select, time
deadline = time.time() + 20
pending = list(socks)
while pending and time.time() < deadline:
    _, w, _ = select.select([], pending, [], 1)
    for c in w:
        if c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0: ok += 1
        pending.remove(c)
over = []
for s in range(10, 30):
    c = socket.socket(); c.setblocking(False); c.bind(("198.18.0.%d" % s, 0))
    c.connect_ex(("198.18.0.1", 9100)); over.append(c)
time.sleep(2)
_, w, _ = select.select([], over, [], 0)
extra = sum(1 for c in w if c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0)
print(ok, extra)') || fail "client failed"
set -- $out
[ "$1" -eq 200 ] || fail "only $1 of 200 burst connections connected"
[ "$2" -eq 0 ] || fail "$2 connections over the per-source cap of 10 got through"
timer=$(ctl -j stats interval 0 | json_get "errors.flow_timer")
drops=$(ctl -j stats interval 0 | json_get "reasons.conn_per_source.packets")
[ "$timer" = 0 ] || fail "flow_timer errors: $timer"
[ "$drops" -ge 20 ] || fail "conn_per_source drops: $drops, expected >= 20"
pass "200 burst connections from 20 sources connected, the cap held ($drops SYNs over it dropped), flow_timer 0"
