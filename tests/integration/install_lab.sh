#!/bin/sh
# `make install` into a DESTDIR, the way a sysadmin installs it:
# FHS paths, the systemd unit (systemd-analyze verify clean), the
# logrotate file (a real rotation), the installed aegisd run as the unit
# runs it with a NOTIFY_SOCKET (READY=1, RELOADING=1 + READY=1 on SIGHUP,
# STOPPING=1 on SIGTERM), then `make uninstall` keeping config and state.
# This machine's PID 1 is not systemd: the unit is verified, not started.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/lab.sh
. tests/integration/lib.sh

[ -x "$AEGISD" ] || skip "$AEGISD not built"
command -v systemd-analyze >/dev/null || skip "systemd-analyze missing"
command -v logrotate >/dev/null || skip "logrotate missing (tools/deps.sh)"

lab_init
NS=$(lab_ns srv) || skip "cannot create network namespaces"
ip -n "$NS" link set lo up
RUN=/run/aegis-inst-$LAB_TAG
ROOT=$RUN/root
mkdir -p "$RUN"
DPID="" LPID=""
cleanup_inst() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null
	lab_cleanup
	[ -n "${KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup_inst EXIT

# -o all: install what $BUILD holds, never rebuild it with other flags.
mk() { make --no-print-directory -s -o all BUILD="$BUILD" DESTDIR="$ROOT" PREFIX=/usr "$@"; }
mk install >"$RUN/install.out" 2>&1 || { cat "$RUN/install.out" >&2; fail "make install"; }
for f in usr/sbin/aegisd usr/sbin/aegisctl usr/lib/aegis/aegis.bpf.o usr/share/man/man8/aegisd.8 \
	usr/share/man/man8/aegisctl.8 etc/aegis/aegis.yaml etc/aegis/presets/standard.yaml \
	usr/lib/systemd/system/aegisd.service etc/logrotate.d/aegis; do
	[ -f "$ROOT/$f" ] || fail "make install: /$f missing"
done
[ -d "$ROOT/var/lib/aegis" ] && [ -d "$ROOT/var/log/aegis" ] || fail "state or log directory missing"
[ "$(stat -c %a "$ROOT/usr/sbin/aegisd")" = 755 ] || fail "aegisd mode $(stat -c %a "$ROOT/usr/sbin/aegisd")"
UNIT=$ROOT/usr/lib/systemd/system/aegisd.service
grep -qx "ExecStart=/usr/sbin/aegisd -c /etc/aegis/aegis.yaml" "$UNIT" || fail "unit: $(grep ExecStart "$UNIT")"
grep -qx "Type=notify" "$UNIT" || fail "unit is not Type=notify"
pass "make install DESTDIR PREFIX=/usr: binaries in sbin, config in /etc/aegis, state /var/lib/aegis, man pages, unit, logrotate"

echo "# edited" >> "$ROOT/etc/aegis/aegis.yaml"
mk install >/dev/null 2>&1 || fail "second make install"
grep -q "^# edited" "$ROOT/etc/aegis/aegis.yaml" || fail "a second install replaced the operator's aegis.yaml"
pass "a second install keeps the operator's aegis.yaml"

# systemd-analyze verify checks ExecStart exists: point it into the DESTDIR.
sed "s|/usr/sbin/|$ROOT/usr/sbin/|" "$UNIT" > "$RUN/aegisd.service"
out=$(systemd-analyze verify --man=no "$RUN/aegisd.service" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
pass "systemd-analyze verify: the unit is clean"

mkdir -p "$RUN/log"
sed "s|/var/log/aegis/|$RUN/log/|g" "$ROOT/etc/logrotate.d/aegis" > "$RUN/logrotate.conf"
echo '{"type":"access"}' > "$RUN/log/access.log"
echo '{"type":"reputation"}' > "$RUN/log/events.jsonl"
logrotate -f -s "$RUN/logrotate.state" "$RUN/logrotate.conf" >"$RUN/lr.out" 2>&1 ||
	fail "logrotate: $(cat "$RUN/lr.out")"
[ -s "$RUN/log/access.log.1" ] && [ -s "$RUN/log/events.jsonl.1" ] || fail "logrotate rotated nothing: $(ls "$RUN/log")"
[ ! -s "$RUN/log/access.log" ] || fail "access.log not truncated (copytruncate)"
pass "logrotate rotates the access log and the security events (copytruncate)"

# ---- the installed aegisd, run as the unit runs it ----
cat > "$ROOT/etc/aegis/aegis.yaml" <<YAML
state_dir: $ROOT/var/lib/aegis
pin_dir: $RUN/bpf/aegis
log: { status_interval: 0 }
proxies:
  - name: svc
    protocol: tcp
    origin: { addresses: ["127.0.0.1"], ports: 7100 }
    upstream: { addresses: ["127.0.0.1"], ports: 7101 }
    health_check: { enabled: false }
    draining: { timeout: 5s }
YAML
NOTIFY=$RUN/notify.sock
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "a", buffering=1)
while True:
    out.write(s.recv(4096).decode().replace("\n", " ") + "\n")' "$NOTIFY" "$RUN/notify.log" &
LPID=$!
for _ in $(seq 50); do [ -S "$NOTIFY" ] && break; sleep 0.1; done
LOG=$RUN/aegisd.log
FAIL_LOG=$LOG
ip netns exec "$NS" env NOTIFY_SOCKET="$NOTIFY" "$ROOT/usr/sbin/aegisd" -c "$ROOT/etc/aegis/aegis.yaml" >"$LOG" 2>&1 &
DPID=$!
waitfor() {	# PATTERN: a notify message matching it, within 10 s
	for _ in $(seq 100); do
		grep -q "$1" "$RUN/notify.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
waitfor "READY=1" || fail "no READY=1 from aegisd; notify: $(cat "$RUN/notify.log" 2>/dev/null); log: $(tail -3 "$LOG")"
grep -q "running" "$LOG" || fail "READY=1 before aegisd runs"
pass "the installed aegisd says READY=1 once running (Type=notify)"
kill -HUP "$DPID"
waitfor "RELOADING=1 MONOTONIC_USEC=[0-9]" || fail "no RELOADING=1 on SIGHUP: $(cat "$RUN/notify.log")"
for _ in $(seq 100); do [ "$(grep -c "READY=1" "$RUN/notify.log")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c "READY=1" "$RUN/notify.log")" -ge 2 ] || fail "no READY=1 after the reload: $(cat "$RUN/notify.log")"
pass "SIGHUP (ExecReload): RELOADING=1 with MONOTONIC_USEC, then READY=1"
kill -TERM "$DPID"
rc=0
wait "$DPID" || rc=$?
DPID=""
[ "$rc" = 0 ] || fail "aegisd exit $rc on SIGTERM"
waitfor "STOPPING=1" || fail "no STOPPING=1: $(cat "$RUN/notify.log")"
san_check "$LOG"
pass "SIGTERM: STOPPING=1, clean exit"

mk uninstall >"$RUN/uninstall.out" 2>&1 || { cat "$RUN/uninstall.out" >&2; fail "make uninstall"; }
left=$(cd "$ROOT" && find usr -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
[ ! -e "$ROOT/etc/logrotate.d/aegis" ] || fail "make uninstall left the logrotate file"
[ -f "$ROOT/etc/aegis/aegis.yaml" ] && [ -d "$ROOT/var/lib/aegis" ] || fail "make uninstall removed config or state"
pass "make uninstall removes what install added, keeps /etc/aegis and /var/lib/aegis"
