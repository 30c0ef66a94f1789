#!/bin/sh
# aegisctl against hostile state and input (issue 17): foreign maps pinned
# under the Aegis names are refused with a sentence naming the map (no
# crash, no exit 0 for a ban XDP never sees); out-of-range TTLs, settings,
# bursts and intervals are usage errors (exit 2, one message, nothing
# applied). Maps are created with bpftool in a private bpffs mount.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
command -v bpftool >/dev/null || skip "bpftool missing"

RUN=$(mktemp -d /run/aegis-hostile-ctl-XXXXXX)
mount -t bpf bpf "$RUN" || { rmdir "$RUN"; skip "cannot mount bpffs"; }
cleanup() { umount "$RUN" 2>/dev/null; rm -rf "$RUN"; }
trap cleanup EXIT
OUT=$RUN.out
FAIL_LOG=$OUT

# Every map name, from their one definition.
NAMES=$(sed -n 's/^#define AEGIS_MAP_[A-Z_]*[[:space:]]*"\(aegis_[a-z_]*\)".*/\1/p' \
	include/aegis/maps.h)
[ "$(echo "$NAMES" | wc -w)" -ge 14 ] || fail "map names not found in include/aegis/maps.h"

# expect_refused WHAT NEEDLE CMD...: non-zero, not a crash, NEEDLE in stderr.
expect_refused() {
	what=$1 needle=$2; shift 2
	"$@" >"$OUT" 2>&1; rc=$?
	[ "$rc" -ne 0 ] || fail "$what: exit 0"
	[ "$rc" -lt 128 ] || fail "$what: killed by a signal (exit $rc)"
	grep -q -- "$needle" "$OUT" || fail "$what: no '$needle' in: $(cat "$OUT")"
}

# 1. One array per map name with 64 KiB values: the kernel would overwrite a
# caller's 112-byte buffer with them.
D=$RUN/big
mkdir "$D"
for n in $NAMES; do
	bpftool map create "$D/$n" type array key 4 value 65536 entries 1 name "$n" ||
		fail "bpftool map create $n"
done
expect_refused "settings show on 64 KiB values" \
	"aegis_settings: value size 65536, expected 8232" "$AEGISCTL" -p "$D" settings show
grep -q "stale pin" "$OUT" || fail "message does not say what to do: $(cat "$OUT")"
expect_refused "ban add on foreign maps" "aegis_settings: value size" \
	"$AEGISCTL" -p "$D" ban add 198.18.0.9
pass "maps with foreign value sizes refused by name, no crash"

# The right sizes but a plain hash where an LPM trie belongs, and a bans
# map of the wrong type: refused before anything is written.
D=$RUN/types
mkdir "$D"
bpftool map create "$D/aegis_settings" type array key 4 value 8232 entries 1 name aegis_settings
bpftool map create "$D/aegis_allow" type hash key 20 value 72 entries 16 name aegis_allow
for n in $NAMES; do
	[ -e "$D/$n" ] || bpftool map create "$D/$n" type array key 4 value 8 entries 1 name "$n"
done
expect_refused "ban add on a foreign hash" "aegis_allow: type hash, expected lpm_trie" \
	"$AEGISCTL" -p "$D" ban add 198.18.0.9
pass "a map of the wrong type is refused by name"

# 3. TTLs that would wrap the clock: refused, not a 25-minute ban.
expect_refused "ban ttl 213504d" "out of range" "$AEGISCTL" -p "$D" ban add 198.18.0.9 ttl 213504d
[ "$rc" = 2 ] || fail "ban ttl 213504d: exit $rc, expected 2"
expect_refused "ban ttl 99999999999999999999s" "out of range" \
	"$AEGISCTL" -p "$D" ban add 198.18.0.9 ttl 99999999999999999999s
expect_refused "ban ttl 3651d" "at most 3650d" "$AEGISCTL" -p "$D" ban add 198.18.0.9 ttl 3651d
pass "ban TTLs beyond 3650d refused (exit 2)"

# 4. settings set with one bad number among good keys: exit 2, one error.
expect_refused "settings set ttl_min 300" "ttl_min: invalid number '300'" \
	"$AEGISCTL" -p "$D" settings set drop_fragments on ttl_min 300
[ "$rc" = 2 ] || fail "settings set out of range: exit $rc, expected 2"
[ "$(grep -c . "$OUT")" = 1 ] || fail "settings set: not exactly one error: $(cat "$OUT")"
expect_refused "policy set syn 10/0" "invalid burst '0'" \
	"$AEGISCTL" -p "$D" policy set tcp 9000 syn 10/0
[ "$rc" = 2 ] || fail "policy set syn 10/0: exit $rc"
expect_refused "stats interval 2h" "interval: '2h' is out of range" \
	"$AEGISCTL" -p "$D" stats interval 2h
[ "$rc" = 2 ] || fail "stats interval 2h: exit $rc"
pass "settings set / policy set / stats interval: out of range is exit 2, one error"
