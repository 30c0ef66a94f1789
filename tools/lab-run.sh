#!/bin/sh
# `make run`: aegisd shielding game servers in a self-contained lab.
#
#   tools/lab-run.sh [BUILD]                   interactive: until Ctrl-C
#   LAB_RUN_SECONDS=N tools/lab-run.sh [BUILD] smoke test: checks, N s, exit
#
# Four network namespaces joined by veth pairs (names: "ae" + a per-run
# tag; addresses from 198.18.0.0/15 and 2001:db8::/32 only):
#
#   player    198.18.1.2 2001:db8:1::2 -- ae<tag>sp \
#                                                     shield 198.18.0.1 -- ae<tag>su -- upstream
#   attacker  198.18.2.2 2001:db8:2::2 -- ae<tag>sa /   2001:db8::1        198.18.3.1    198.18.3.2
#
# The shield namespace runs aegisd (XDP on the two client-facing veths,
# and its io_uring proxy engine) and an HTTP server on 8080. aegisd proxies
# tcp 25565 (a Minecraft-style game port) to the upstream's 35565 with a
# PROXY protocol v2 header, udp 27015 (a Source-style game port) to the
# upstream's 37015, and HTTP on port 80 (WAF in enforce mode, bots, rate
# limits) to the upstream's 38080 (tests/integration/http_upstream.py, a
# JSON echo). The upstream namespace has no route to the clients:
# the only way in is through Aegis. Its servers are
# tests/integration/upstream.py: a TCP echo that parses the PROXY header
# and answers "PP <client address> <port>" first, and a UDP echo.
#
# aegisd's maps are pinned on a bpffs mounted at /run/aegis-lab-<tag>/bpf
# in the root mount namespace, so aegisctl works from any shell. Nothing
# outside the lab is touched, and everything is removed on exit, Ctrl-C
# or failure.
set -u
cd "$(dirname "$0")/.." || exit 1
. tools/lab.sh

BUILD=${1:-build}
RUN_SECONDS=${LAB_RUN_SECONDS:-}
AEGISD_PID=""
AEGISD_RC=0
LAB_DIR=""
BPFFS=""
CLEANED=""
NS_OURS=""
STOP_NOW=""

say() { printf '%s\n' "lab: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, XDP, bpffs)"
case $RUN_SECONDS in
''|*[!0-9]*) [ -z "$RUN_SECONDS" ] || die "LAB_RUN_SECONDS must be a number of seconds" ;;
esac
for f in aegisd aegisctl aegis.bpf.o; do
	[ -e "$BUILD/$f" ] || die "$BUILD/$f missing: run 'make' first"
done
for t in ip python3 curl hping3 nc ss mountpoint setsid; do
	command -v "$t" >/dev/null 2>&1 || die "'$t' not found: run tools/deps.sh"
done
AEGISD=$(realpath "$BUILD/aegisd")
AEGISCTL=$(realpath "$BUILD/aegisctl")
UPSTREAM_PY=$(realpath tests/integration/upstream.py)
HTTP_UPSTREAM_PY=$(realpath tests/integration/http_upstream.py)
CLIENT_PY=$(realpath tests/integration/proxy_client.py)

# True while PID runs (a zombie does not count).
alive() {
	[ -n "$1" ] && [ -r "/proc/$1/status" ] &&
		! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# SIGTERM: aegisd drains its proxies (up to their draining.timeout, 5 s
# here), then detaches and unpins. A second SIGTERM (after a second Ctrl-C,
# or 10 s) stops it at once; SIGKILL after 15 s.
stop_aegisd() {
	[ -n "$AEGISD_PID" ] || return 0
	if alive "$AEGISD_PID"; then
		kill -TERM "$AEGISD_PID" 2>/dev/null
		i=0 again=""
		while alive "$AEGISD_PID" && [ $i -lt 150 ]; do
			if [ -z "$again" ] && { [ -n "$STOP_NOW" ] || [ $i -ge 100 ]; }; then
				say "stopping aegisd now (second SIGTERM)"
				kill -TERM "$AEGISD_PID" 2>/dev/null
				again=1
			fi
			sleep 0.1
			i=$((i + 1))
		done
		if alive "$AEGISD_PID"; then
			say "aegisd did not stop; killing it"
			kill -KILL "$AEGISD_PID" 2>/dev/null
		fi
	fi
	wait "$AEGISD_PID" 2>/dev/null
	AEGISD_RC=$?
	AEGISD_PID=""
	return 0
}

cleanup() {
	[ -n "$CLEANED" ] && return
	CLEANED=1
	# A second Ctrl-C must not cut the cleanup short: it only hurries aegisd.
	trap 'STOP_NOW=1' INT
	trap '' TERM HUP
	alive "$AEGISD_PID" &&
		say "stopping aegisd: its proxies drain first (Ctrl-C again to stop at once)"
	stop_aegisd
	# The upstream servers, anything else left in the namespaces, the namespaces.
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
ACCESS_LOG=$LAB_DIR/access.log
UPLOG=$LAB_DIR/upstream.log
HTTP_EVENTS=$LAB_DIR/http-events.log

# ---- network ----
ip netns list | grep -q "^ae$T" && die "namespaces ae$T* exist (another lab with tag $T?)"
NS_OURS=1
SHIELD=$(lab_ns shield) || die "cannot create network namespaces"
PLAYER=$(lab_ns player) || die "cannot create namespace ae${T}player"
ATTACKER=$(lab_ns attacker) || die "cannot create namespace ae${T}attacker"
UPSTREAM=$(lab_ns upstream) || die "cannot create namespace ae${T}upstream"
IF_SP=ae${T}sp IF_SA=ae${T}sa IF_SU=ae${T}su
lab_link "$SHIELD" "$IF_SP" "198.18.1.1/24 2001:db8:1::1/64" \
	"$PLAYER" "ae${T}p" "198.18.1.2/24 2001:db8:1::2/64" || die "cannot create veth pair"
lab_link "$SHIELD" "$IF_SA" "198.18.2.1/24 2001:db8:2::1/64" \
	"$ATTACKER" "ae${T}a" "198.18.2.2/24 2001:db8:2::2/64" || die "cannot create veth pair"
# The upstream only knows its link to the shield: no route to the clients.
lab_link "$SHIELD" "$IF_SU" "198.18.3.1/24" \
	"$UPSTREAM" "ae${T}u" "198.18.3.2/24" || die "cannot create veth pair"
# One service address for both clients, on the shield namespace's own lo.
ip -n "$SHIELD" addr add 198.18.0.1/32 dev lo || die "cannot add 198.18.0.1"
ip -n "$SHIELD" addr add 2001:db8::1/128 dev lo || die "cannot add 2001:db8::1"
ip -n "$PLAYER" route add default via 198.18.1.1 &&
	ip -n "$PLAYER" -6 route add default via 2001:db8:1::1 &&
	ip -n "$ATTACKER" route add default via 198.18.2.1 &&
	ip -n "$ATTACKER" -6 route add default via 2001:db8:2::1 || die "cannot add routes"

# ---- servers ----
wait_port() {	# NS tcp|udp PORT
	for _ in $(seq 100); do
		ip netns exec "$1" ss -lnH --"$2" "sport = :$3" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

printf 'Hello from the Aegis lab (namespace %s).\n' "$SHIELD" >"$LAB_DIR/www/index.html"
lab_spawn ip netns exec "$SHIELD" python3 -m http.server 8080 --bind :: \
	--directory "$LAB_DIR/www" >>"$LAB_DIR/http.log" 2>&1
# The game servers behind Aegis.
lab_spawn ip netns exec "$UPSTREAM" python3 "$UPSTREAM_PY" tcp-echo 35565 --pp >>"$UPLOG" 2>&1
lab_spawn ip netns exec "$UPSTREAM" python3 "$UPSTREAM_PY" udp-echo 37015 >>"$UPLOG" 2>&1
lab_spawn ip netns exec "$UPSTREAM" python3 "$HTTP_UPSTREAM_PY" --listen 198.18.3.2:38080 \
	--name web --stats "$LAB_DIR/http-upstream.stats" >>"$UPLOG" 2>&1
wait_port "$SHIELD" tcp 8080 || die "HTTP server did not start (see $LAB_DIR/http.log)"
wait_port "$UPSTREAM" tcp 35565 || die "upstream: nothing listens on tcp/35565 (see $UPLOG)"
wait_port "$UPSTREAM" udp 37015 || die "upstream: nothing listens on udp/37015 (see $UPLOG)"
wait_port "$UPSTREAM" tcp 38080 || die "upstream: nothing listens on tcp/38080 (see $UPLOG)"

# ---- config ----
# Global sections (events, sanity, maps, allow, deny) come from the
# standard preset when there is one; the lab supplies its own interfaces,
# paths, log, policies, proxy engine and proxies.
lab_sections() {
	cat <<EOF
interfaces: [$IF_SP, $IF_SA]
pin_dir: $PIN_DIR
state_dir: $LAB_DIR/state

log:
  level: info
  status_interval: 5s

# Plain XDP policies, for a port aegisd does not proxy.
policies:
  - name: web
    protocol: tcp
    ports: [8080]
    per_source:
      syn: { rate: 20, burst: 40 }
      new_conn: { rate: 20, burst: 40 }
    max_conn_per_source: 32

# Two workers with 16 MiB of receive buffers each (the defaults are one
# worker per CPU with 64 MiB each).
proxy_engine:
  workers: 2
  buffers: 1024
  buffer_size: 16384

# The game ports are proxied to the upstream namespace; each proxy's xdp:
# block is the XDP policy of its origin port (and the upstream address goes
# on the allow-list). UDP replies leave from the address the client sent
# to only if the listener is bound to it, hence the explicit addresses.
proxies:
  - name: game-tcp
    protocol: tcp
    origin: { addresses: [198.18.0.1, "2001:db8::1"], ports: 25565 }
    upstream: { addresses: [198.18.3.2], ports: 35565 }
    health_check: { interval: 2s, timeout: 1s }
    proxy_protocol: { send: v2 }      # the server sees the player, not Aegis
    timeouts: { idle: 10m }
    draining: { timeout: 5s }
    access_log: { path: $ACCESS_LOG }
    xdp:
      per_source:
        syn: { rate: 100, burst: 100 }
        new_conn: { rate: 50, burst: 50 }
      max_conn_per_source: 8
      strikes: { limit: 200, window: 10s, ban: 2m }
      syn_timeout: 10s
      flow_idle: 120s

  - name: game-udp
    protocol: udp
    origin: { addresses: [198.18.0.1, "2001:db8::1"], ports: 27015 }
    upstream: { addresses: [198.18.3.2], ports: 37015 }
    health_check: { enabled: false }  # probes are TCP connects
    timeouts: { udp_session: 30s }
    draining: { timeout: 5s }
    access_log: { path: $ACCESS_LOG }
    xdp:
      per_source:
        udp_pps: 500
        udp_bps: 1M
        new_conn: 20
      max_conn_per_source: 4
      strikes: { limit: 500, window: 10s, ban: 2m }
      flow_idle: 60s

  # A web site behind the HTTP proxy: every request is parsed and checked
  # (hygiene, rate limits, bot user agents, the WAF) before it reaches the
  # upstream; blocked ones get a JSON 403 with a request id, and each
  # decision is a JSON line in the events file.
  - name: site
    protocol: http
    origin: { addresses: [198.18.0.1, "2001:db8::1"], ports: 80 }
    health_check: { interval: 2s, timeout: 1s }
    draining: { timeout: 5s }
    access_log: { path: $ACCESS_LOG }
    http:
      mode: enforce
      rate_limits:
        per_ip: { rate: 50, burst: 100 }
      events: { path: $HTTP_EVENTS }
      hosts:
        - names: [lab.test]
          default: true
          routes: [ { path: /, upstreams: ["http://198.18.3.2:38080"] } ]
EOF
}

PRESET=configs/presets/standard.yaml
write_config() {
	{
		printf '# Aegis lab config (tools/lab-run.sh, tag %s). Edit and save: aegisd\n' "$T"
		printf '# reloads it (or: kill -HUP its pid). Removed when the lab stops.\n'
		if [ "$1" = preset ]; then
			printf '# Base: %s without interfaces, paths, log, policies and proxies.\n\n' "$PRESET"
			# Top-level keys the lab replaces are dropped with their blocks;
			# column-0 comments go too (they describe the preset, not the lab).
			awk '
				/^#/ { next }
				/^[A-Za-z_][A-Za-z0-9_]*:/ {
					k = $0; sub(/:.*/, "", k)
					skip = (k == "interfaces" || k == "xdp_mode" || k == "pin_dir" ||
						k == "state_dir" || k == "log" || k == "policies" ||
						k == "proxies" || k == "proxies_dir" || k == "proxy_engine")
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
		say "$PRESET does not combine with the lab config ($err); using the lab's own"
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

say "starting aegisd in $SHIELD (XDP on $IF_SP, $IF_SA; proxies on tcp/25565, udp/27015, http/80)"
# In its own session: Ctrl-C reaches this script, which stops aegisd with
# one SIGTERM (drain), then a second on a second Ctrl-C (stop now).
ip netns exec "$SHIELD" setsid "$AEGISD" -c "$CFG" &
AEGISD_PID=$!
ready=""
for _ in $(seq 200); do
	if ! alive "$AEGISD_PID"; then
		stop_aegisd
		die "aegisd exited (status $AEGISD_RC) before it was ready"
	fi
	# Pins appear first; then the policies, then the proxies' listeners.
	if [ -e "$PIN_DIR/aegis_ev_state" ] && ctl policy show 2>/dev/null | grep -q 25565 &&
		ip netns exec "$SHIELD" ss -lntH "sport = :25565" | grep -q . &&
		ip netns exec "$SHIELD" ss -lnuH "sport = :27015" | grep -q . &&
		ip netns exec "$SHIELD" ss -lntH "sport = :80" | grep -q .; then
		ready=1
		break
	fi
	sleep 0.1
done
[ -n "$ready" ] || die "aegisd did not pin its maps and open its listeners within 20 s"

# ---- checks ----
in_ns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

# A game connection through the proxy: the upstream answers
# "PP <address> <port>" (what the PROXY v2 header told it), then the echo.
tcp_game_ok() {	# NS ADDRESS EXPECTED-CLIENT-ADDRESS
	out=$(in_ns "$1" python3 "$CLIENT_PY" echo "$2" 25565 hello 2>&1)
	case $out in
	"PP $3 "[0-9]*"
hello") return 0 ;;
	esac
	say "  got: $(printf '%s' "$out" | tr '\n' '|')"
	return 1
}

udp_echo_ok() {	# NS ADDRESS
	[ "$(in_ns "$1" python3 "$CLIENT_PY" udp "$2" 27015 ping 2>/dev/null)" = ping ]
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
check "player -> tcp 198.18.0.1:25565 -> upstream: echo, PROXY v2 names 198.18.1.2" \
	tcp_game_ok "$PLAYER" 198.18.0.1 198.18.1.2
check "player -> tcp [2001:db8::1]:25565 -> upstream: echo, PROXY v2 names 2001:db8:1::2" \
	tcp_game_ok "$PLAYER" 2001:db8::1 2001:db8:1::2
check "player -> udp 198.18.0.1:27015 -> upstream: echo" udp_echo_ok "$PLAYER" 198.18.0.1
check "player -> udp [2001:db8::1]:27015 -> upstream: echo" udp_echo_ok "$PLAYER" 2001:db8::1
# HTTP through the proxy: a clean request reaches the echo server; an SQL
# injection is answered 403 by the WAF and never reaches it.
http_code() {	# NS URL
	in_ns "$1" curl -s -m 5 -o /dev/null -w '%{http_code}' "$2"
}
http_echo_ok() {	# NS URL: 200 and the upstream's JSON echo
	in_ns "$1" curl -fsS -m 5 "$2" | grep -q '"upstream": "web"'
}
SQLI="http://198.18.0.1/?id=1'%20OR%20'1'='1"
check "player -> http 198.18.0.1:80 -> upstream: 200, the upstream's echo" \
	http_echo_ok "$PLAYER" http://198.18.0.1/hello
check "player -> http [2001:db8::1]:80 -> upstream: 200" \
	http_echo_ok "$PLAYER" "http://[2001:db8::1]/hello"
check "attacker -> http SQL injection: 403 from the WAF" \
	test "$(http_code "$ATTACKER" "$SQLI")" = 403
check "upstream 198.18.3.2 on the XDP allow-list" \
	sh -c "'$AEGISCTL' -p '$PIN_DIR' allow list | grep -q '^198.18.3.2/32'"
check "proxy xdp blocks are XDP policies on tcp/25565 and udp/27015" \
	sh -c "'$AEGISCTL' -p '$PIN_DIR' policy show | grep -q ': tcp 25565\$' &&
		'$AEGISCTL' -p '$PIN_DIR' policy show | grep -q ': udp 27015\$'"

# ---- what to try ----
PID_SHOWN=$AEGISD_PID
cat <<EOF

================================================================================
 Aegis lab $T is up. aegisd (pid $PID_SHOWN) shields 198.18.0.1 / 2001:db8::1 in
 namespace $SHIELD: XDP on $IF_SP (player side) and $IF_SA (attacker side),
 and proxies to the game servers in namespace $UPSTREAM (198.18.3.2).

   proxies    tcp 25565 -> 198.18.3.2:35565  PROXY v2 (the server answers "PP <player> <port>")
              udp 27015 -> 198.18.3.2:37015  one session per player address
              http 80   -> 198.18.3.2:38080  WAF enforce, bot UAs, 50 req/s per IP (a JSON echo)
   local      HTTP :8080 in the shield namespace
   XDP        tcp 25565  syn 100/s, new_conn 50/s, max 8 conns/source, 200 strikes -> ban 2m
              udp 27015  udp_pps 500/s, udp_bps 1M/s, max 4 flows/source
              tcp 8080   syn 20/s, new_conn 20/s, max 32 conns/source
   config     $CFG
   logs       access: $ACCESS_LOG   upstream: $UPLOG
              HTTP security events: $HTTP_EVENTS
   pins       $PIN_DIR

 Try, from another terminal (as root):

 A game connection through Aegis; the server saw the player, not the proxy:
   ip netns exec $PLAYER python3 $CLIENT_PY echo 198.18.0.1 25565 hello
   ip netns exec $PLAYER python3 $CLIENT_PY echo 2001:db8::1 25565 hello
   ip netns exec $PLAYER python3 -c 'import socket; s = socket.create_connection(("198.18.0.1", 25565)); s.sendall(b"hi\n"); print(s.recv(100))'
   ip netns exec $PLAYER python3 $CLIENT_PY udp 198.18.0.1 27015 hello
   echo hello | ip netns exec $PLAYER nc -u -w1 198.18.0.1 27015
   ip netns exec $PLAYER curl http://198.18.0.1:8080/
   tail -f $ACCESS_LOG            # one JSON line per connection / UDP session

 HTTP through Aegis (WAF in enforce mode) to the upstream's JSON echo:
   ip netns exec $PLAYER curl -i http://198.18.0.1/hello                        # allowed: 200
   ip netns exec $ATTACKER curl -i "http://198.18.0.1/?id=1'%20OR%20'1'='1"    # blocked: 403 + request id
   ip netns exec $ATTACKER curl -i -A sqlmap/1.7 http://198.18.0.1/            # bot user agent: 403
   tail -f $HTTP_EVENTS   # one JSON line per blocked or flagged request

 Attacks (bounded) are dropped in XDP, and the attacker ends up banned:
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
   $AEGISCTL -p $PIN_DIR policy show      # tcp 25565, udp 27015 (the xdp: blocks), tcp 8080
   $AEGISCTL -p $PIN_DIR allow list       # the upstream, added by aegisd
   $AEGISCTL -p $PIN_DIR events count 10  # shares the ring with aegisd, which also logs events

 Reload: edit $CFG and save (aegisd reloads it), or: kill -HUP $PID_SHOWN
   A changed proxy drains (open connections get draining.timeout, 5 s here)
   while its new version takes new ones; unchanged proxies are not touched.
 Stop: Ctrl-C here (aegisd drains its proxies; Ctrl-C again stops at once).
================================================================================
EOF

# ---- run ----
if [ -z "$RUN_SECONDS" ]; then
	echo " aegisd's log follows. Ctrl-C stops aegisd and removes the lab."
	echo
	while alive "$AEGISD_PID"; do
		wait "$AEGISD_PID"	# returns early on Ctrl-C: the trap then cleans up
	done
	# aegisd stopped by itself (someone ran kill PID).
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
check "player still served during the attack (HTTP)" http_ok "$PLAYER" http://198.18.0.1:8080/
check "player still served during the attack (tcp 25565 via the proxy)" \
	tcp_game_ok "$PLAYER" 198.18.0.1 198.18.1.2
ctl stats interval 0

while alive "$AEGISD_PID" && [ $(($(date +%s) - START)) -lt "$RUN_SECONDS" ]; do
	sleep 0.5
done
alive "$AEGISD_PID" || { stop_aegisd; die "aegisd exited by itself (status $AEGISD_RC)"; }

# Stop while a player is mid-game: aegisd stops accepting, lets that
# connection finish (draining), and ends the UDP sessions.
in_ns "$PLAYER" python3 -c '
import socket, sys, time
c = socket.create_connection(("198.18.0.1", 25565), timeout=10)
def upto(want):
    buf = b""
    while not buf.endswith(want):
        d = c.recv(4096)
        if not d:
            sys.exit("closed before %r arrived" % want)
        buf += d
c.sendall(b"join\n"); upto(b"join\n")
time.sleep(2)
c.sendall(b"move\n"); upto(b"move\n")
c.close()' >"$LAB_DIR/game.out" 2>&1 &
GAME=$!
sleep 0.7
say "stopping aegisd with a game connection open (it drains first)"
t0=$(date +%s)
stop_aegisd
t1=$(date +%s)
wait "$GAME"
GAME_RC=$?
check "open game connection finished through the drain at stop (exit $GAME_RC)" \
	test "$GAME_RC" = 0
[ "$GAME_RC" = 0 ] || say "  $(tr '\n' ' ' <"$LAB_DIR/game.out")"
check "aegisd stopped within its 5 s drain timeout ($((t1 - t0)) s)" test $((t1 - t0)) -le 7
[ "$AEGISD_RC" = 0 ] || FAILED="$FAILED
  aegisd exit status $AEGISD_RC"
# Access log: a line per TCP connection (at close) and per UDP session
# (ended at stop), naming the player and the upstream.
check "access log: tcp and udp lines for player 198.18.1.2 -> upstream 198.18.3.2" \
	python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
def has(proto):
    return any(l["protocol"] == proto and l["source"] == "198.18.1.2" and
               l["upstream"] == "198.18.3.2" for l in lines)
sys.exit(0 if has("tcp") and has("udp") else 1)' "$ACCESS_LOG"
if [ -n "$FAILED" ]; then
	say "smoke test failed:$FAILED"
	exit 1
fi
say "smoke test passed (aegisd ran ${RUN_SECONDS}s, drained and stopped cleanly)"
exit 0
