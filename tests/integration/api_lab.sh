#!/bin/sh
# The management API, called with curl the way an operator's tooling would:
#
#   cli 198.18.0.2, 198.18.0.3, 198.18.0.4 --veth-- edge 198.18.0.1
#       (aegisd: XDP on the veth, HTTP proxy :80 with the WAF enforcing,
#        a UDP policy on :7000, API on 0.0.0.0:PORT with keys and on its
#        Unix socket) --veth-- up 198.18.1.2 (HTTP upstream :8080)
#
# Checks: the validator (keys needed off loopback, bad hash, unknown scope,
# file:line); every endpoint with the right scope, the wrong scope, no
# key and a bad key; malformed JSON, oversize bodies, unknown fields,
# wrong types, missing fields, wrong content type, unknown paths and
# methods; bans and lists through the API acting on real traffic; the
# HTTP kill switch and a per-host switch turning an enforced WAF block
# into a logged pass and back; the XDP kill switch letting a rate-limited
# port pass while the deny list still drops; disabling a proxy and
# ejecting its upstream; reputation top/explain/forget; reload with a
# broken file (422 with file:line, nothing changed) and a good one while
# other calls run concurrently; switches that do or do not survive a
# reload; failed authentications rate-limited per source (429); audit
# events naming the key's label; aegisctl over the socket; clean stop.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/lab.sh
. tests/integration/lib.sh

command -v curl >/dev/null || skip "curl not installed (tools/deps.sh)"
[ -x "$AEGISD" ] || skip "$AEGISD not built"

lab_init
EDGE=$(lab_ns edge) || skip "cannot create network namespaces"
CLI=$(lab_ns cli)
UP=$(lab_ns up)
IF_E="ae${LAB_TAG}e"
lab_link "$CLI" "ae${LAB_TAG}c" "198.18.0.2/24 198.18.0.3/24 198.18.0.4/24" "$EDGE" "$IF_E" \
	"198.18.0.1/24"
lab_link "$EDGE" "ae${LAB_TAG}f" "198.18.1.1/24" "$UP" "ae${LAB_TAG}u" "198.18.1.2/24"

RUN=/run/aegis-api-$LAB_TAG
mkdir -p "$RUN/bpf" "$RUN/state"
mount -t bpf bpf "$RUN/bpf" || skip "cannot mount bpffs"
DPID=""
cleanup_api() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && sleep 0.3 && kill -KILL "$DPID" 2>/dev/null
	lab_cleanup
	umount "$RUN/bpf" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup_api EXIT

lab_spawn ip netns exec "$UP" python3 tests/integration/http_upstream.py --listen 198.18.1.2:8080 \
	--name A --stats "$RUN/A.stats" --log "$RUN/A.log"
wait_port "$UP" tcp 8080

newkey() { "$AEGISCTL" api-key new > "$RUN/$1.key" || fail "api-key new"; }
key() { sed -n 's/^key: *//p' "$RUN/$1.key"; }
hash() { sed -n 's/^hash: *//p' "$RUN/$1.key"; }
for k in admin ro banner; do newkey $k; done
key admin | grep -qE '^aegis_[A-Za-z0-9_-]{43}$' || fail "key format: $(key admin)"
hash admin | grep -qE '^sha256:[0-9a-f]{64}$' || fail "hash format: $(hash admin)"
[ "$(key admin | tr -d '\n' | sha256sum | cut -c1-64)" = "$(hash admin | cut -c8-)" ] ||
	fail "the hash is not the SHA-256 of the key"

APORT=9091
SOCK=$RUN/state/api.sock
CFG=$RUN/aegis.yaml
write_cfg() {	# write_cfg [MODE]: the http mode (enforce by default)
	cat > "$CFG.tmp" <<EOF
interfaces: [ $IF_E ]
pin_dir: $RUN/bpf/aegis
state_dir: $RUN/state
log: { status_interval: 0s }
events: { output: $RUN/events.jsonl }
proxy_engine: { workers: 2 }
deny: [ 198.18.0.4/32 ]
reputation: { enabled: true, control_socket: $RUN/aegisd.sock, thresholds: { throttle: 0, ban: 100000 } }
api:
  listen: 0.0.0.0:$APORT
  keys:
    - { label: admin, hash: "$(hash admin)", scopes: ["*"] }
    - { label: ro, hash: "$(hash ro)", scopes: [status:read, proxies:read, bans:read] }
    - { label: banner, hash: "$(hash banner)", scopes: ["bans:*"] }
policies:
  - name: game
    protocol: udp
    ports: [ 7000 ]
    per_source: { pps: { rate: 5, burst: 5 } }
proxies:
  - name: web
    protocol: http
    origin: { addresses: ["0.0.0.0"], ports: 80 }
    health_check: { enabled: false }
    draining: { timeout: 0 }
    access_log: { enabled: false }
    http:
      mode: ${1:-enforce}
      bots: { block_after: 0 }
      hosts:
        - names: [a.test]
          default: true
          routes: [ { path: /, upstreams: ["http://198.18.1.2:8080"] } ]
EOF
	mv "$CFG.tmp" "$CFG"
}
write_cfg

# ---- the validator ----
check_refused() {	# check_refused FILE PATTERN WHAT
	out=$("$AEGISD" --check -c "$1" 2>&1) && fail "$3 accepted"
	echo "$out" | grep -q "$2" || fail "$3: $out"
}
grep -v "^  keys:\|^    - { label" "$CFG" > "$RUN/nokeys.yaml"
line=$(grep -n "listen: 0.0.0.0:$APORT" "$RUN/nokeys.yaml" | cut -d: -f1)
check_refused "$RUN/nokeys.yaml" "nokeys.yaml:$line: api.listen: 0.0.0.0:$APORT is not a loopback address: the API there needs keys" \
	"a non-loopback API without keys"
sed "s|$(hash ro)|$(key ro)|" "$CFG" > "$RUN/rawkey.yaml"
line=$(grep -n "label: ro" "$RUN/rawkey.yaml" | cut -d: -f1)
check_refused "$RUN/rawkey.yaml" "rawkey.yaml:$line: api.keys\[1\].hash: expected sha256:" "a raw key as hash"
sed "s|bans:read\]|bans:rite]|" "$CFG" > "$RUN/scope.yaml"
check_refused "$RUN/scope.yaml" "scope.yaml:13: api.keys\[1\].scopes: unknown scope 'bans:rite'" "an unknown scope"
"$AEGISD" --check -c "$CFG" >/dev/null || fail "the lab config is refused"
pass "validator: keys required off loopback, hashes not keys, known scopes (file:line)"

LOG=$RUN/aegisd.log
FAIL_LOG=$LOG
ip netns exec "$EDGE" "$AEGISD" -c "$CFG" >>"$LOG" 2>&1 &
DPID=$!
for _ in $(seq 1200); do grep -q "aegisd .* running" "$LOG" && break; kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
grep -q "aegisd .* running" "$LOG" || fail "aegisd did not start"
grep -q "api: serving http://0.0.0.0:$APORT/v1 (3 keys)" "$LOG" || fail "no API start line"
wait_port "$EDGE" tcp 80
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "API socket mode $(stat -c %a "$SOCK")"

E() { ip netns exec "$EDGE" "$@"; }
URL=http://127.0.0.1:$APORT
# call KEY METHOD PATH [BODY]: prints "STATUS BODY" (KEY "-": none)
call() {
	k=$1 m=$2 p=$3
	shift 3
	set -- -s -m 10 -o "${BODYF:-$RUN/body}" -w '%{http_code}' -X "$m" "$@"
	[ "$k" != - ] && set -- "$@" -H "Authorization: Bearer $k"
	st=$(E curl "$@" "$URL$p")
	echo "$st $(cat "${BODYF:-$RUN/body}")"
}
jcall() { b=$4; call "$1" "$2" "$3" -H 'Content-Type: application/json' --data-binary "$b"; }
expect() {	# expect STATUS "OUTPUT" WHAT
	[ "${2%% *}" = "$1" ] || fail "$3: wanted $1, got: $2"
}
field() { echo "$1" | cut -d' ' -f2- | json_get "$2"; }
ADMIN=$(key admin) RO=$(key ro) BANNER=$(key banner)

# ---- health, auth and scopes ----
expect 200 "$(call - GET /v1/health)" "health without a key"
for p in /v1/version /v1/status /v1/metrics /v1/proxies /v1/proxies/web /v1/proxies/web/connections \
	 /v1/proxies/web/upstreams /v1/bans /v1/lists/allow /v1/lists/deny /v1/reputation /v1/toggles; do
	expect 200 "$(call "$ADMIN" GET "$p")" "admin GET $p"
	r=$(call - GET "$p")
	expect 401 "$r" "no key GET $p"
	expect 401 "$(call aegis_not-a-real-key GET "$p")" "bad key GET $p"
	case $p in /v1/version|/v1/status|/v1/proxies*|/v1/bans) want=200 ;; *) want=403 ;; esac
	expect $want "$(call "$RO" GET "$p")" "ro key GET $p"
done
r=$(call - GET /v1/status -D "$RUN/hdr")
grep -qi '^WWW-Authenticate: Bearer' "$RUN/hdr" || fail "401 without WWW-Authenticate"
[ "$(field "$r" error.status)" = 401 ] || fail "401 body: $r"
r=$(E curl -s -m 5 -H "X-API-Key: $RO" "$URL/v1/version")
[ "$(echo "$r" | json_get api)" = v1 ] || fail "X-API-Key: $r"
r=$(jcall "$RO" PUT /v1/toggles/kill/http '{"on":true}')
expect 403 "$r" "ro key writing a toggle"
echo "$r" | grep -q "lacks the scope toggles:write" || fail "403 message: $r"
r=$(jcall "$BANNER" POST /v1/bans '{"address":"198.18.0.3","ttl":60}')
expect 201 "$r" "banner key banning"
expect 403 "$(jcall "$BANNER" POST /v1/lists/deny '{"cidr":"198.18.9.0/24"}')" "banner key on lists"
pass "health open; 12 read endpoints: 200 with a key in scope, 401 without or with a bad one, 403 out of scope"

# ---- bans act on real traffic ----
tcp_ok() { ip netns exec "$CLI" curl -s -m 2 -o /dev/null -w '%{http_code}' --interface "$1" \
	-H "Host: a.test" "http://198.18.0.1/$2"; }
[ "$(tcp_ok 198.18.0.3 x)" = 000 ] || fail "a banned source reached the proxy"
[ "$(tcp_ok 198.18.0.2 x)" = 200 ] || fail "an innocent source was refused"
r=$(call "$RO" GET /v1/bans)
echo "$r" | cut -d' ' -f2- | python3 -c '
import json, sys
b = [x for x in json.load(sys.stdin) if x["address"] == "198.18.0.3"]
assert b and b[0]["origin"] == "operator" and 0 < b[0]["expires_in_seconds"] <= 60, b' ||
	fail "ban list: $r"
expect 200 "$(call "$BANNER" DELETE /v1/bans/198.18.0.3)" "unban"
[ "$(tcp_ok 198.18.0.3 x)" = 200 ] || fail "an unbanned source is still refused"
expect 404 "$(call "$BANNER" DELETE /v1/bans/198.18.0.3)" "unban twice"
expect 404 "$(call "$BANNER" DELETE /v1/bans/not-an-address)" "unban garbage"
pass "bans: POST drops the source in XDP, GET lists it with its TTL, DELETE lets it back"

# ---- allow/deny lists ----
expect 201 "$(jcall "$ADMIN" POST /v1/lists/deny '{"cidr":"198.18.0.3/32","note":"api test"}')" "deny add"
[ "$(tcp_ok 198.18.0.3 x)" = 000 ] || fail "a denied source reached the proxy"
r=$(call "$ADMIN" GET /v1/lists/deny)
echo "$r" | grep -q '"cidr":"198.18.0.3/32","note":"api test","from_config":false' || fail "deny list: $r"
echo "$r" | grep -q '"cidr":"198.18.0.4/32","note":"config","from_config":true' || fail "deny list: $r"
expect 200 "$(call "$ADMIN" DELETE /v1/lists/deny/198.18.0.3%2F32)" "deny del"
[ "$(tcp_ok 198.18.0.3 x)" = 200 ] || fail "an undenied source is still refused"
expect 200 "$(jcall "$ADMIN" PUT /v1/lists/deny '{"entries":["198.18.7.0/24","198.18.8.0/24"]}')" "deny put"
r=$(jcall "$ADMIN" PUT /v1/lists/deny '{"entries":["198.18.8.0/24"]}')
[ "$(field "$r" removed)" = 1 ] || fail "replace removed: $r"
r=$(call "$ADMIN" GET /v1/lists/deny)
echo "$r" | grep -q 198.18.7.0 && fail "a replaced entry stayed: $r"
echo "$r" | grep -q 198.18.0.4/32 || fail "PUT removed the config's entry: $r"
r=$(jcall "$ADMIN" PUT /v1/lists/deny '{"entries":["198.18.9.0/24","198.18.9.1/24"]}')
expect 400 "$r" "a bad entry in PUT"
call "$ADMIN" GET /v1/lists/deny | grep -q 198.18.9.0 && fail "a rejected PUT changed the list"
pass "lists: add, delete (CIDR %2F-encoded), replace keeps the config's entries; a bad PUT changes nothing"

# ---- bad requests ----
r=$(jcall "$ADMIN" POST /v1/bans '{"address":"198.18.0.9","ttl":')
expect 400 "$r" "malformed JSON"
echo "$r" | grep -q "malformed JSON at line 1" || fail "malformed JSON message: $r"
r=$(jcall "$ADMIN" POST /v1/bans '{"address":"198.18.0.9","color":"red"}')
expect 400 "$r" "unknown field"
[ "$(field "$r" error.field)" = color ] || fail "unknown field not named: $r"
r=$(jcall "$ADMIN" POST /v1/bans '{"address":"198.18.0.9","ttl":"60"}')
expect 400 "$r" "wrong type"
[ "$(field "$r" error.field)" = ttl ] || fail "wrong type not named: $r"
r=$(jcall "$ADMIN" POST /v1/bans '{"ttl":60}')
[ "$(field "$r" error.field)" = address ] || fail "missing field not named: $r"
expect 400 "$(jcall "$ADMIN" POST /v1/bans '[1,2]')" "an array body"
r=$(call "$ADMIN" PUT /v1/lists/deny)
[ "$(field "$r" error.field)" = entries ] || fail "a PUT without a body: $r"
expect 400 "$(jcall "$ADMIN" POST /v1/bans '{"address":"198.18.0.9","address":"1.2.3.4"}')" "duplicate key"
expect 400 "$(jcall "$ADMIN" POST /v1/bans '{"address":"nope"}')" "bad address"
expect 415 "$(call "$ADMIN" POST /v1/bans --data-binary '{"address":"198.18.0.9"}' -H 'Content-Type: text/plain')" "text body"
head -c 70000 /dev/zero | tr '\0' ' ' > "$RUN/big.json"
expect 413 "$(call "$ADMIN" POST /v1/bans -H 'Content-Type: application/json' --data-binary @"$RUN/big.json")" "oversize body"
expect 404 "$(call "$ADMIN" GET /v1/nothing)" "unknown path"
r=$(call "$ADMIN" DELETE /v1/status -D "$RUN/hdr")
expect 405 "$r" "wrong method"
grep -qi '^Allow: GET' "$RUN/hdr" || fail "405 without Allow"
expect 400 "$(call "$ADMIN" GET /v1/status --data-binary x -H 'Content-Type: application/json')" "a body on GET"
expect 501 "$(call "$ADMIN" POST /v1/bans -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' --data-binary '{}')" "chunked"
call "$ADMIN" GET /v1/bans | grep -q 198.18.0.9 && fail "a refused request banned"
pass "400 (field named) for malformed JSON, unknown fields, wrong types, missing fields; 413, 415, 404, 405 + Allow, 501"

# ---- the HTTP kill switch and per-host switches ----
SQLI='item?id=1%27%20UNION%20SELECT%20password%20FROM%20users--'
[ "$(tcp_ok 198.18.0.2 "$SQLI")" = 403 ] || fail "the WAF does not block before the switch"
r=$(jcall "$ADMIN" PUT /v1/toggles/kill/http '{"on":true}')
expect 200 "$r" "kill http on"
[ "$(tcp_ok 198.18.0.2 "$SQLI")" = 200 ] || fail "the kill switch did not let the request through"
grep -q '"stage":"waf".*"action":"flag","mode":"detect"' "$LOG" ||
	fail "no detect-mode security event for the request the kill switch let through"
r=$(call "$ADMIN" GET /v1/status)
[ "$(field "$r" toggles.kill_http.on)" = True ] || fail "status does not show the kill switch: $r"
E curl -s -m 5 -H "Authorization: Bearer $ADMIN" "$URL/v1/metrics" > "$RUN/m.txt"
grep -q '^aegis_kill_switch{switch="http"} 1$' "$RUN/m.txt" || fail "metrics: kill switch not 1"
expect 200 "$(jcall "$ADMIN" PUT /v1/toggles/kill/http '{"on":false}')" "kill http off"
[ "$(tcp_ok 198.18.0.2 "$SQLI")" = 403 ] || fail "the WAF does not block after the switch"
grep -q '"type":"api_audit","time":[0-9]*,"key":"admin","source":"127.0.0.1","method":"PUT","path":"/v1/toggles/kill/http","what":"http kill switch ON' \
	"$RUN/events.jsonl" || fail "no audit event naming the key: $(grep api_audit "$RUN/events.jsonl" | tail -n 2)"
grep -q "api: PUT /v1/toggles/kill/http by 'admin' from 127.0.0.1: http kill switch ON" "$LOG" ||
	fail "no audit log line"
r=$(jcall "$ADMIN" PUT /v1/toggles/hosts/web/a.test '{"stages_off":["waf"]}')
expect 200 "$r" "host switch"
[ "$(tcp_ok 198.18.0.2 "$SQLI")" = 200 ] || fail "waf off for the host did not pass the request"
expect 200 "$(jcall "$ADMIN" PUT /v1/toggles/hosts/web/a.test '{"mode":"detect"}')" "host detect"
[ "$(tcp_ok 198.18.0.2 "$SQLI")" = 200 ] || fail "detect mode for the host blocked"
expect 200 "$(call "$ADMIN" DELETE /v1/toggles/hosts/web/a.test)" "host reset"
[ "$(tcp_ok 198.18.0.2 "$SQLI")" = 403 ] || fail "the host reset did not restore enforce"
expect 404 "$(jcall "$ADMIN" PUT /v1/toggles/hosts/web/b.test '{"mode":"off"}')" "unknown host"
expect 400 "$(jcall "$ADMIN" PUT /v1/toggles/hosts/web/a.test '{"mode":"loud"}')" "bad mode"
expect 400 "$(jcall "$ADMIN" PUT /v1/toggles/hosts/web/a.test '{"stages_off":["walls"]}')" "bad stage"
pass "kill switch: an enforced WAF block (403) passes (200) and is blocked again; per host waf off, detect, reset; audited with the key's label"

# ---- WAF test: the running proxy's rules, no traffic ----
r=$(jcall "$ADMIN" POST /v1/waf/test '{"target":"/item?id=1'"'"' UNION SELECT password FROM users--","headers":{"Host":"a.test"}}')
expect 200 "$r" "waf test"
echo "$r" | cut -d' ' -f2- | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert v["proxy"] == "web" and v["host"] == "a.test" and v["mode"] == "enforce", v
assert v["verdict"] == "block" and v["total"] >= v["threshold"] > 0, v
assert any(h["class"] == "sqli" for h in v["hits"]), v' || fail "waf test verdict: $r"
r=$(jcall "$ADMIN" POST /v1/waf/test '{"target":"/item?id=42","method":"POST","body":"a=1","headers":{"Content-Type":"application/x-www-form-urlencoded"}}')
[ "$(field "$r" verdict)" = pass ] || fail "a benign probe: $r"
expect 400 "$(jcall "$ADMIN" POST /v1/waf/test '{"target":"x"}')" "waf test target"
expect 400 "$(jcall "$ADMIN" POST /v1/waf/test '{"target":"/","headers":{"X":"a\r\nB: c"}}')" "header injection"
expect 400 "$(jcall "$ADMIN" POST /v1/waf/test '{"target":"/","method":"GET /x"}')" "method injection"
expect 404 "$(jcall "$ADMIN" POST /v1/waf/test '{"target":"/","proxy":"nope"}')" "waf test proxy"
expect 403 "$(jcall "$RO" POST /v1/waf/test '{"target":"/"}')" "waf test scope"
pass "waf test: a SQL injection probe gets block (sqli hits) from the live rules, a benign one pass; bad fields 400"

# ---- the XDP kill switch: the rate-limited port passes, lists still apply ----
udp_burst() {	# udp_burst SRC: 40 datagrams to the rate-limited port
	ip netns exec "$CLI" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for _ in range(40):
    s.sendto(b"x" * 32, ("198.18.0.1", 7000))' "$1"
}
xdpdrops() {	# xdpdrops REASON: packets dropped for it so far
	E curl -s -m 5 -H "Authorization: Bearer $ADMIN" "$URL/v1/metrics" |
		grep -F "aegis_xdp_packets_total{reason=\"$1\",verdict=\"drop\"} " | cut -d' ' -f2
}
ratedrops() { xdpdrops rate_pps; }
denydrops() { xdpdrops deny; }
d0=$(ratedrops); udp_burst 198.18.0.2; d1=$(ratedrops)
[ "$((d1 - d0))" -ge 30 ] || fail "the policy did not rate-limit ($d0 -> $d1)"
expect 200 "$(jcall "$ADMIN" PUT /v1/toggles/kill/xdp '{"on":true}')" "kill xdp on"
sleep 1.1
x0=$(denydrops); udp_burst 198.18.0.2; udp_burst 198.18.0.4; d2=$(ratedrops); x1=$(denydrops)
[ "$d2" = "$d1" ] || fail "rate drops under the XDP kill switch ($d1 -> $d2)"
[ "$((x1 - x0))" = 40 ] || fail "the deny list stopped applying under the XDP kill switch ($x0 -> $x1)"
r=$(call "$ADMIN" GET /v1/status)
[ "$(field "$r" xdp.policies_on)" = False ] || fail "status: policies_on: $r"
expect 200 "$(jcall "$ADMIN" PUT /v1/toggles/kill/xdp '{"on":false}')" "kill xdp off"
sleep 1.1
udp_burst 198.18.0.2; d3=$(ratedrops)
[ "$((d3 - d2))" -ge 30 ] || fail "the policy is not back after the XDP kill switch ($d2 -> $d3)"
pass "XDP kill switch: the rate-limited port passes 40 of 40, the deny list still drops 40; off again, limits return"

# ---- proxies: disable, enable, eject, readmit ----
r=$(call "$RO" GET /v1/proxies/web)
[ "$(field "$r" protocol)" = http ] && [ "$(field "$r" upstreams)" = 1 ] || fail "proxy: $r"
expect 404 "$(call "$RO" GET /v1/proxies/nope)" "unknown proxy"
expect 403 "$(call "$RO" POST /v1/proxies/web/disable)" "ro key disabling"
expect 200 "$(call "$ADMIN" POST /v1/proxies/web/disable)" "disable"
[ "$(tcp_ok 198.18.0.2 x)" = 000 ] || fail "a disabled proxy answered"
[ "$(field "$(call "$RO" GET /v1/proxies/web)" enabled)" = False ] || fail "enabled not false"
expect 200 "$(call "$ADMIN" POST /v1/proxies/web/enable)" "enable"
[ "$(tcp_ok 198.18.0.2 x)" = 200 ] || fail "an enabled proxy refused"
expect 200 "$(call "$ADMIN" POST /v1/proxies/web/upstreams/198.18.1.2:8080/eject)" "eject"
r=$(call "$RO" GET /v1/proxies/web/upstreams)
echo "$r" | grep -q '"address":"198.18.1.2:8080","balancer":0,"healthy":true,"ejected":true' ||
	fail "upstreams after eject: $r"
st=$(tcp_ok 198.18.0.2 x)
[ "$st" = 502 ] || [ "$st" = 503 ] || fail "a request with the only upstream ejected answered $st"
expect 200 "$(call "$ADMIN" POST /v1/proxies/web/upstreams/198.18.1.2:8080/readmit)" "readmit"
[ "$(tcp_ok 198.18.0.2 x)" = 200 ] || fail "no answer after readmit"
expect 404 "$(call "$ADMIN" POST /v1/proxies/web/upstreams/198.18.1.9:80/eject)" "unknown upstream"
"$AEGISCTL" -a "$SOCK" proxies > "$RUN/ctl.out" || fail "aegisctl proxies"
grep -qE '^web +http +enabled' "$RUN/ctl.out" || fail "aegisctl proxies: $(cat "$RUN/ctl.out")"
"$AEGISCTL" -a "$SOCK" proxy web | grep -q '198.18.1.2:8080 *healthy' || fail "aegisctl proxy web"
"$AEGISCTL" -a "$SOCK" -j proxies | json_get 0.name | grep -qx web || fail "aegisctl -j proxies"
pass "proxies: disable refuses new connections, enable, eject (502/503), readmit; aegisctl proxies/proxy over the socket"

# ---- reputation ----
r=$(call "$ADMIN" GET /v1/reputation/198.18.0.2)
expect 200 "$r" "reputation of a WAF offender"
r=$(call "$ADMIN" GET '/v1/reputation?limit=5')
echo "$r" | grep -q 198.18.0. || fail "reputation top: $r"
expect 400 "$(call "$ADMIN" GET '/v1/reputation?limit=0')" "limit 0"
expect 200 "$(call "$ADMIN" DELETE /v1/reputation/198.18.0.2)" "forget"
expect 404 "$(call "$ADMIN" GET /v1/reputation/198.18.0.2)" "forgotten record"
expect 200 "$(jcall "$ADMIN" PUT /v1/toggles/reputation '{"actions":false}')" "reputation actions off"
[ "$(field "$(call "$ADMIN" GET /v1/toggles)" switches.reputation_actions.on)" = False ] ||
	fail "reputation actions not off"
pass "reputation: explain, top, forget (404 after), actions switched off"

# ---- reload: refused, accepted, concurrent, what survives ----
expect 200 "$(jcall "$ADMIN" PUT /v1/toggles/kill/http '{"on":true}')" "kill http (transient)"
expect 200 "$(jcall "$ADMIN" PUT /v1/toggles/hosts/web/a.test '{"mode":"off","survive_reload":true}')" "persistent host switch"
cp "$CFG" "$RUN/good.yaml"
printf 'proxies:\n  - name: web\n    protocol: http\n    bogus: 1\n' >> "$CFG"
r=$(call "$ADMIN" POST /v1/reload -m 180)
expect 422 "$r" "reload of a broken file"
echo "$r" | grep -q "aegis.yaml:[0-9]*:" || fail "422 without file:line: $r"
[ "$(field "$(call "$ADMIN" GET /v1/toggles)" switches.kill_http.on)" = True ] ||
	fail "a refused reload cleared a switch"
cp "$RUN/good.yaml" "$CFG"
expect 403 "$(call "$RO" POST /v1/reload)" "ro key reloading"
# A reload compiles the WAF on the main loop (seconds; more under ASan):
# calls wait for it, so they get time.
( BODYF=$RUN/body.bg; for i in $(seq 30); do call "$RO" GET /v1/status -m 180; done > "$RUN/conc.out" ) &
CP=$!
for i in 1 2 3; do expect 200 "$(call "$ADMIN" POST /v1/reload -m 180)" "reload $i"; done
wait $CP
[ "$(grep -c '^200 ' "$RUN/conc.out")" = 30 ] || fail "calls during reloads: $(grep -v '^200 ' "$RUN/conc.out" | head -n 3)"
r=$(call "$ADMIN" GET /v1/toggles)
[ "$(field "$r" switches.kill_http.on)" = False ] || fail "a transient kill switch survived the reload"
[ "$(field "$r" switches.reputation_actions.on)" = True ] || fail "reputation actions still off after reload"
echo "$r" | grep -q '"host":"a.test","configured_mode":"enforce","mode_override":"off","effective_mode":"off"' ||
	fail "the persistent host switch did not survive: $r"
"$AEGISCTL" -a "$SOCK" toggles | grep -q "host web/a.test: mode off (configured enforce).*survives reloads" ||
	fail "aegisctl toggles: $("$AEGISCTL" -a "$SOCK" toggles)"
"$AEGISCTL" -a "$SOCK" toggles host web a.test reset >/dev/null || fail "aegisctl toggles host reset"
[ "$(tcp_ok 198.18.0.2 "$SQLI")" = 403 ] || fail "enforce not back after the reset"
pass "reload: a broken file gets 422 with file:line and changes nothing; 30 calls during 3 reloads all 200; transient switches end, persistent ones stay"

# ---- failed authentications are rate-limited per source ----
C() { ip netns exec "$CLI" curl -s -m 5 -o /dev/null -w '%{http_code}' --interface 198.18.0.3 "$@"; }
for i in $(seq 10); do
	[ "$(C -H "Authorization: Bearer wrong$i" "http://198.18.0.1:$APORT/v1/status")" = 401 ] ||
		fail "bad key $i not 401"
done
[ "$(C -H "Authorization: Bearer $ADMIN" "http://198.18.0.1:$APORT/v1/status")" = 429 ] ||
	fail "the 11th attempt, with the right key, is not 429"
ip netns exec "$CLI" curl -s -m 5 -D - -o /dev/null --interface 198.18.0.3 "http://198.18.0.1:$APORT/v1/status" |
	grep -qi '^Retry-After: [1-9]' || fail "429 without Retry-After"
[ "$(ip netns exec "$CLI" curl -s -m 5 -o /dev/null -w '%{http_code}' --interface 198.18.0.2 \
	-H "Authorization: Bearer $ADMIN" "http://198.18.0.1:$APORT/v1/status")" = 200 ] ||
	fail "another source was refused"
pass "10 failed authentications from one source: then 429 with Retry-After even with a good key; other sources unaffected"

kill -TERM "$DPID"
rc=0
wait "$DPID" || rc=$?
DPID=""
[ "$rc" = 0 ] || fail "aegisd exit $rc at stop"
[ -e "$SOCK" ] && fail "the API socket is left behind"
san_check "$LOG"
pass "clean stop, socket removed"
