#!/bin/sh
# `make run`: aegisd protecting a small upstream in a self-contained lab.
#
#   tools/lab-run.sh [BUILD]                   interactive: until Ctrl-C
#   LAB_RUN_SECONDS=N tools/lab-run.sh [BUILD] smoke test: checks, N s, exit
#
# Three network namespaces joined by veth pairs (names: "ae" + a per-run
# tag; addresses from 198.18.0.0/15 and 2001:db8::/32 only):
#
#   player    198.18.1.2 2001:db8:1::2 ---- ae<tag>sp \
#                                                       shield 198.18.0.1 2001:db8::1
#   attacker  198.18.2.2 2001:db8:2::2 ---- ae<tag>sa /
#
# The shield namespace runs the upstream (HTTP on 8080, TCP echo on 25565,
# UDP echo on 27015) and aegisd, which attaches XDP to both shield-side
# veths. Its maps are pinned on a bpffs mounted at /run/aegis-lab-<tag>/bpf
# in the root mount namespace, so aegisctl works from any shell.
# Nothing outside the lab is touched, and everything is removed on exit,
# Ctrl-C or failure.
set -u
cd "$(dirname "$0")/.." || exit 1
. tools/lab.sh

BUILD=${1:-build}
RUN_SECONDS=${LAB_RUN_SECONDS:-}
AEGISD_PID=""
LAB_DIR=""
BPFFS=""
CLEANED=""
NS_OURS=""

say() { printf '%s\n' "lab: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, XDP, bpffs)"
case $RUN_SECONDS in
''|*[!0-9]*) [ -z "$RUN_SECONDS" ] || die "LAB_RUN_SECONDS must be a number of seconds" ;;
esac
for f in aegisd aegisctl aegis.bpf.o; do
	[ -e "$BUILD/$f" ] || die "$BUILD/$f missing: run 'make' first"
done
for t in ip python3 curl hping3 nc ss mountpoint; do
	command -v "$t" >/dev/null 2>&1 || die "'$t' not found: run tools/deps.sh"
done
AEGISD=$(realpath "$BUILD/aegisd")
AEGISCTL=$(realpath "$BUILD/aegisctl")

# True while PID runs (a zombie does not count).
alive() {
	[ -n "$1" ] && [ -r "/proc/$1/status" ] &&
		! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# SIGTERM, then up to 10 s for aegisd to detach and unpin, then SIGKILL.
stop_aegisd() {
	[ -n "$AEGISD_PID" ] || return 0
	if alive "$AEGISD_PID"; then
		kill -TERM "$AEGISD_PID" 2>/dev/null
		i=0
		while alive "$AEGISD_PID" && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		alive "$AEGISD_PID" && say "aegisd did not stop; killing it" &&
			kill -KILL "$AEGISD_PID" 2>/dev/null
	fi
	wait "$AEGISD_PID" 2>/dev/null
	AEGISD_RC=$?
	AEGISD_PID=""
	return 0
}

cleanup() {
	[ -n "$CLEANED" ] && return
	CLEANED=1
	trap '' INT TERM HUP	# a second Ctrl-C must not cut the cleanup short
	stop_aegisd
	# The upstream, anything else left in the namespaces, the namespaces.
	[ -n "$NS_OURS" ] && lab_cleanup
	if [ -n "$BPFFS" ] && mountpoint -q "$BPFFS"; then
		umount "$BPFFS" 2>/dev/null || umount -l "$BPFFS"
	fi
	[ -n "$LAB_DIR" ] && rm -rf "$LAB_DIR"
	say "cleaned up (namespaces, veths, bpffs, $LAB_DIR)"
}

lab_init
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

T=$LAB_TAG
[ -e "/run/aegis-lab-$T" ] && die "/run/aegis-lab-$T exists (another lab with tag $T?)"
LAB_DIR=/run/aegis-lab-$T
mkdir -m 700 "$LAB_DIR" "$LAB_DIR/bpf" "$LAB_DIR/www" || die "cannot create $LAB_DIR"
BPFFS=$LAB_DIR/bpf
mount -t bpf bpf "$BPFFS" || die "cannot mount a bpffs on $BPFFS"
PIN_DIR=$BPFFS/aegis
CFG=$LAB_DIR/aegis.yaml

# ---- network ----
ip netns list | grep -q "^ae$T" && die "namespaces ae$T* exist (another lab with tag $T?)"
NS_OURS=1
SHIELD=$(lab_ns shield) || die "cannot create network namespaces"
PLAYER=$(lab_ns player) || die "cannot create namespace ae${T}player"
ATTACKER=$(lab_ns attacker) || die "cannot create namespace ae${T}attacker"
IF_SP=ae${T}sp IF_SA=ae${T}sa
lab_link "$SHIELD" "$IF_SP" "198.18.1.1/24 2001:db8:1::1/64" \
	"$PLAYER" "ae${T}p" "198.18.1.2/24 2001:db8:1::2/64" || die "cannot create veth pair"
lab_link "$SHIELD" "$IF_SA" "198.18.2.1/24 2001:db8:2::1/64" \
	"$ATTACKER" "ae${T}a" "198.18.2.2/24 2001:db8:2::2/64" || die "cannot create veth pair"
# One service address for both clients, on the shield namespace's own lo.
ip -n "$SHIELD" addr add 198.18.0.1/32 dev lo || die "cannot add 198.18.0.1"
ip -n "$SHIELD" addr add 2001:db8::1/128 dev lo || die "cannot add 2001:db8::1"
ip -n "$PLAYER" route add default via 198.18.1.1 &&
	ip -n "$PLAYER" -6 route add default via 2001:db8:1::1 &&
	ip -n "$ATTACKER" route add default via 198.18.2.1 &&
	ip -n "$ATTACKER" -6 route add default via 2001:db8:2::1 || die "cannot add routes"

# ---- upstream ----
printf 'Hello from the Aegis lab upstream (namespace %s).\n' "$SHIELD" >"$LAB_DIR/www/index.html"
cat >"$LAB_DIR/echo.py" <<'EOF'
# Echo server for the lab upstream: echo.py tcp|udp PORT (dual-stack).
import socket, socketserver, sys

class Dual:
    address_family = socket.AF_INET6
    allow_reuse_address = True
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

class TCPServer(Dual, socketserver.ThreadingTCPServer):
    daemon_threads = True
    request_queue_size = 1024

class UDPServer(Dual, socketserver.UDPServer):
    pass

class TCPEcho(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            while True:
                data = self.request.recv(65536)
                if not data:
                    return
                self.request.sendall(data)
        except OSError:
            pass

class UDPEcho(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        try:
            sock.sendto(data, self.client_address)
        except OSError:
            pass

proto, port = sys.argv[1], int(sys.argv[2])
server = TCPServer if proto == "tcp" else UDPServer
handler = TCPEcho if proto == "tcp" else UDPEcho
with server(("::", port), handler) as s:
    s.serve_forever()
EOF

UPLOG=$LAB_DIR/upstream.log
lab_spawn ip netns exec "$SHIELD" python3 -m http.server 8080 --bind :: \
	--directory "$LAB_DIR/www" >>"$UPLOG" 2>&1
lab_spawn ip netns exec "$SHIELD" python3 "$LAB_DIR/echo.py" tcp 25565 >>"$UPLOG" 2>&1
lab_spawn ip netns exec "$SHIELD" python3 "$LAB_DIR/echo.py" udp 27015 >>"$UPLOG" 2>&1

wait_port() {
	for _ in $(seq 100); do
		ip netns exec "$SHIELD" ss -lnH --"$1" "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	die "upstream: nothing listens on $1/$2 (see $UPLOG)"
}
wait_port tcp 8080
wait_port tcp 25565
wait_port udp 27015

# ---- config ----
# Global sections (events, sanity, maps, allow, deny) come from the
# standard preset when there is one; the lab supplies its own interfaces,
# paths, log and policies.
lab_sections() {
	cat <<EOF
interfaces: [$IF_SP, $IF_SA]
pin_dir: $PIN_DIR
state_dir: $LAB_DIR/state

log:
  level: info
  status_interval: 5s

policies:
  - name: game-tcp
    protocol: tcp
    ports: [25565]
    per_source:
      syn: { rate: 100, burst: 100 }
      new_conn: { rate: 50, burst: 50 }
    max_conn_per_source: 8
    strikes: { limit: 200, window: 10s, ban: 2m }
    syn_timeout: 10s
    flow_idle: 120s

  - name: game-udp
    protocol: udp
    ports: [27015]
    per_source:
      udp_pps: 500
      udp_bps: 1M
      new_conn: 20
    max_conn_per_source: 4
    strikes: { limit: 500, window: 10s, ban: 2m }
    flow_idle: 60s

  - name: web
    protocol: tcp
    ports: [8080]
    per_source:
      syn: { rate: 20, burst: 40 }
      new_conn: { rate: 20, burst: 40 }
    max_conn_per_source: 32
EOF
}

PRESET=configs/presets/standard.yaml
write_config() {
	{
		printf '# Aegis lab config (tools/lab-run.sh, tag %s). Edit and save: aegisd\n' "$T"
		printf '# reloads it (or: kill -HUP its pid). Removed when the lab stops.\n'
		if [ "$1" = preset ]; then
			printf '# Base: %s without interfaces, paths, log and policies.\n\n' "$PRESET"
			# Top-level keys the lab replaces are dropped with their blocks;
			# column-0 comments go too (they describe the preset, not the lab).
			awk '
				/^#/ { next }
				/^[A-Za-z_][A-Za-z0-9_]*:/ {
					k = $0; sub(/:.*/, "", k)
					skip = (k == "interfaces" || k == "xdp_mode" || k == "pin_dir" ||
						k == "state_dir" || k == "log" || k == "policies")
				}
				!skip' "$PRESET"
			echo
		else
			printf '\nsanity: { drop_malformed: true, tcp_flags: true, reflection: true }\n'
			printf 'events: { rate: 100, burst: 200, summary: true }\n\n'
		fi
		lab_sections
	} >"$CFG"
}

if [ -f "$PRESET" ]; then
	write_config preset
	if ! err=$("$AEGISD" -c "$CFG" --check 2>&1); then
		say "$PRESET does not combine with the lab policies ($err); using the lab's own"
		write_config own
	fi
else
	write_config own
fi
"$AEGISD" -c "$CFG" --check >/dev/null 2>&1 || {
	"$AEGISD" -c "$CFG" --check
	die "lab config $CFG is invalid"
}

# ---- aegisd ----
ctl() { "$AEGISCTL" -p "$PIN_DIR" "$@"; }

say "starting aegisd in $SHIELD (XDP on $IF_SP, $IF_SA)"
ip netns exec "$SHIELD" "$AEGISD" -c "$CFG" &
AEGISD_PID=$!
ready=""
for _ in $(seq 200); do
	if ! alive "$AEGISD_PID"; then
		stop_aegisd
		die "aegisd exited (status $AEGISD_RC) before it was ready"
	fi
	# Pins appear first; the policies are applied right after.
	if [ -e "$PIN_DIR/aegis_ev_state" ] && ctl policy show 2>/dev/null | grep -q 25565; then
		ready=1
		break
	fi
	sleep 0.1
done
[ -n "$ready" ] || die "aegisd did not pin its maps in $PIN_DIR within 20 s"

# ---- checks ----
in_ns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

tcp_echo_ok() {
	in_ns "$1" python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], 25565), timeout=2)
c.sendall(b"ping\n")
sys.exit(0 if c.recv(16) == b"ping\n" else 1)' "$2" 2>/dev/null
}

udp_echo_ok() {
	in_ns "$1" python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(b"ping", (sys.argv[1], 27015))
sys.exit(0 if s.recv(16) == b"ping" else 1)' "$2" 2>/dev/null
}

http_ok() {
	in_ns "$1" curl -fsS -m 3 -o /dev/null "$2"
}

FAILED=""
check() {
	what=$1
	shift
	if "$@"; then
		say "ok:   $what"
	else
		say "FAIL: $what"
		FAILED="$FAILED
  $what"
	fi
}

check "player -> HTTP 198.18.0.1:8080" http_ok "$PLAYER" http://198.18.0.1:8080/
check "player -> HTTP [2001:db8::1]:8080" http_ok "$PLAYER" "http://[2001:db8::1]:8080/"
check "player -> TCP echo 198.18.0.1:25565" tcp_echo_ok "$PLAYER" 198.18.0.1
check "player -> UDP echo 198.18.0.1:27015" udp_echo_ok "$PLAYER" 198.18.0.1
check "player -> UDP echo [2001:db8::1]:27015" udp_echo_ok "$PLAYER" 2001:db8::1

# ---- what to try ----
PID_SHOWN=$AEGISD_PID
cat <<EOF

================================================================================
 Aegis lab $T is up. aegisd (pid $PID_SHOWN) protects 198.18.0.1 / 2001:db8::1
 in namespace $SHIELD: XDP on $IF_SP (player side) and $IF_SA (attacker side).

   upstream   HTTP :8080   TCP echo :25565   UDP echo :27015   (log: $UPLOG)
   policies   tcp 25565  syn 100/s, new_conn 50/s, max 8 conns/source, 200 strikes -> ban 2m
              udp 27015  udp_pps 500/s, udp_bps 1M/s, max 4 flows/source
              tcp 8080   syn 20/s, new_conn 20/s, max 32 conns/source
   config     $CFG
   pins       $PIN_DIR

 Try, from another terminal (as root):

 Player traffic passes:
   ip netns exec $PLAYER curl http://198.18.0.1:8080/
   ip netns exec $PLAYER curl 'http://[2001:db8::1]:8080/'
   echo hello | ip netns exec $PLAYER nc -q1 198.18.0.1 25565
   echo hello | ip netns exec $PLAYER nc -u -w1 198.18.0.1 27015

 Attacks (bounded) are dropped, and the attacker ends up banned:
   ip netns exec $ATTACKER hping3 -S -p 25565 -c 20000 -i u100 198.18.0.1
   ip netns exec $ATTACKER hping3 --udp -s 40000 -k -p 27015 -d 100 -c 20000 -i u100 198.18.0.1
   ip netns exec $ATTACKER hping3 --udp -s 53 -k -p 27015 -c 100 -i u1000 198.18.0.1   # reflection
   ip netns exec $PLAYER timeout 5 sh -c 'for i in \$(seq 12); do nc -d 198.18.0.1 25565 & done; wait'   # conn cap 8

 Watch and edit the live maps:
   $AEGISCTL -p $PIN_DIR stats
   $AEGISCTL -p $PIN_DIR top
   $AEGISCTL -p $PIN_DIR ban list
   $AEGISCTL -p $PIN_DIR ban add 198.18.2.2 ttl 5m reason demo
   $AEGISCTL -p $PIN_DIR ban del 198.18.2.2
   $AEGISCTL -p $PIN_DIR flows
   $AEGISCTL -p $PIN_DIR policy show
   $AEGISCTL -p $PIN_DIR events count 10   # shares the ring with aegisd, which also logs events

 Reload: edit $CFG and save (aegisd reloads it), or: kill -HUP $PID_SHOWN
================================================================================
EOF

# ---- run ----
if [ -z "$RUN_SECONDS" ]; then
	echo " aegisd's log follows. Ctrl-C stops aegisd and removes the lab."
	echo
	while alive "$AEGISD_PID"; do
		wait "$AEGISD_PID"	# returns early on Ctrl-C: the trap then cleans up
	done
	# aegisd got the signal itself (Ctrl-C reaches it too, or kill PID).
	stop_aegisd
	[ "$AEGISD_RC" = 0 ] || die "aegisd exited with status $AEGISD_RC"
	say "aegisd stopped"
	exit 0
fi

say "LAB_RUN_SECONDS=$RUN_SECONDS: running the demo attack, then stopping"
START=$(date +%s)
stat_of() {
	ctl -j stats interval 0 | python3 -c '
import json, sys
r = json.load(sys.stdin)["reasons"]
print(sum(r[k]["packets"] for k in sys.argv[1:]))' "$@"
}
in_ns "$ATTACKER" timeout 10 hping3 -q -S -p 25565 -c 2000 -i u200 198.18.0.1 >/dev/null 2>&1
dropped=$(stat_of rate_syn rate_newconn ban)
check "attacker SYN flood (2000 at 5000/s): $dropped dropped (rate_syn, rate_newconn, ban)" \
	test "${dropped:-0}" -ge 1000
check "attacker banned by strikes" sh -c "'$AEGISCTL' -p '$PIN_DIR' ban list | grep -q '^198.18.2.2 .*xdp'"
check "player still served during the attack" http_ok "$PLAYER" http://198.18.0.1:8080/
ctl stats interval 0

while alive "$AEGISD_PID" && [ $(($(date +%s) - START)) -lt "$RUN_SECONDS" ]; do
	sleep 0.5
done
alive "$AEGISD_PID" || { stop_aegisd; die "aegisd exited by itself (status $AEGISD_RC)"; }
stop_aegisd
[ "$AEGISD_RC" = 0 ] || FAILED="$FAILED
  aegisd exit status $AEGISD_RC"
if [ -n "$FAILED" ]; then
	say "smoke test failed:$FAILED"
	exit 1
fi
say "smoke test passed (aegisd ran ${RUN_SECONDS}s, stopped cleanly)"
exit 0
