#!/bin/sh
# aegisctl waf test, offline on a temporary config with a custom rule: an
# SQLi, an XSS and a custom-rule hit are reported with the rule that fired
# and the right verdict for the host's mode and threshold; a benign request
# passes; -j parses; a malformed request file and an unreadable config exit
# 1; bad arguments exit 2. No network, no aegisd.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

[ -x "$AEGISCTL" ] || fail "$AEGISCTL not built"
"$AEGISCTL" waf help >/dev/null 2>&1 ||
	fail "aegisctl has no 'waf' command (waf test support missing)"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAIL_LOG=$TMP/out
cat > "$TMP/aegis.yaml" <<'YAML'
proxies:
  - name: web
    protocol: http
    origin: { ports: 8080 }
    http:
      mode: enforce
      waf:
        threshold: 5
        rules:
          - { id: 100042, pattern: "internal-debug", literal: true, targets: [path, query], score: 5 }
      hosts:
        - names: [shop.example.com]
          mode: detect
          waf_threshold: 8
          routes: [ { path: /, upstreams: ["http://198.18.1.2:8080"] } ]
        - names: [example.com]
          default: true
          routes: [ { path: /, upstreams: ["http://198.18.1.3:8080"] } ]
YAML
CFG="$TMP/aegis.yaml"

# wt EXPECTED_RC ARGS...: runs `aegisctl waf test -c CFG ARGS`, output in $FAIL_LOG.
wt() {
	want=$1; shift
	"$AEGISCTL" waf test -c "$CFG" "$@" >"$FAIL_LOG" 2>&1
	rc=$?
	[ "$rc" = "$want" ] || fail "waf test $*: exit $rc, expected $want"
}
has() { grep -Eq "$1" "$FAIL_LOG" || fail "output lacks /$1/"; }
lacks() { grep -Eq "$1" "$FAIL_LOG" && fail "output has /$1/"; return 0; }

# the config must load: a parser without http support fails here, clearly
wt 0 GET / || exit 1
has "proxy web, host example.com: mode enforce, threshold 5"

wt 0 GET "/search?q=x' OR 'a'='a"
has "rule 10[0-9][0-9] +sqli +query-value"
has "verdict block"
pass "SQLi reported and blocked (enforce)"

wt 0 --host shop.example.com GET "/p?c=<script>alert(1)</script>"
has "host shop.example.com: mode detect, threshold 8"
has "rule 2001 +xss"
has "verdict flag"
pass "XSS reported, flagged in detect mode at the host's threshold"

wt 0 GET /tools/internal-debug
has "rule 100042 +custom +path +score 5"
has "verdict block"
pass "custom rule from the config fires"

wt 0 POST /contact -H "Content-Type: application/x-www-form-urlencoded" \
	-d "name=Ann+O%27Brien&msg=Please+select+your+plan%3B+drop+us+a+line"
has "total 0, verdict pass"
lacks "rule "
pass "benign request passes"

printf 'GET /a?id=1%%20union%%20select%%20null,2 HTTP/1.1\nHost: shop.example.com\n\n' > "$TMP/req.txt"
wt 0 -j -f "$TMP/req.txt"
v=$(json_get verdict < "$FAIL_LOG") || fail "-j output does not parse"
[ "$v" = flag ] || fail "-j verdict '$v', expected flag"
[ "$(json_get hits.0.class < "$FAIL_LOG")" = sqli ] || fail "-j first hit is not sqli"
pass "request file and -j"

printf 'NOT AN HTTP REQUEST\n\n' > "$TMP/bad.txt"
wt 1 -f "$TMP/bad.txt"
has "malformed request"
wt 1 -f "$TMP/missing.txt"
"$AEGISCTL" waf test -c "$TMP/none.yaml" GET / >"$FAIL_LOG" 2>&1
[ $? = 1 ] || fail "missing config: exit not 1"
pass "malformed request, unreadable file, missing config exit 1"

wt 2
wt 2 GET
wt 2 -f "$TMP/req.txt" GET /
wt 2 GET / -H "no colon here"
wt 2 GET relative/target
"$AEGISCTL" waf frobnicate >"$FAIL_LOG" 2>&1
[ $? = 2 ] || fail "unknown waf subcommand: exit not 2"
pass "usage errors exit 2"
