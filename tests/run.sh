#!/bin/sh
# Runs the test suites against the binaries in BUILD (default: build).
#   tests/run.sh [BUILD] [unit] [bpf] [integration] [layering] [fuzz]
#                                                      (no suite = all)
# The unit phase starts with tools/layering.sh (the include rules of user/).
# fuzz runs every libFuzzer target of BUILD-fuzz/fuzz (`make fuzz`) for
# FUZZ_SECONDS each (default 10), seeded from tests/fuzz/corpus/NAME.
# Exits non-zero if any suite fails; says which.
set -u
BUILD=${1:-build}
[ $# -gt 0 ] && shift
SUITES=${*:-unit bpf integration fuzz}
export AEGIS_BUILD="$BUILD"
failed=""

# Sanitizer reports from Criterion's forked workers or from daemons do not
# always change an exit code: in a sanitizer build, any report fails.
SAN_LOG=""
case "$BUILD" in *asan*) SAN_LOG=$(mktemp) ;; esac
# Leaks are judged from the report (san_failed), not from LeakSanitizer's
# exit code: Criterion's runner would fail a clean suite with it.
[ -n "$SAN_LOG" ] && export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=0"

# True if LOG holds a sanitizer error, or a leak with a frame of ours.
# Criterion's runner process leaks a few bytes of its own at exit, now and
# then (a report whose every frame is in libcriterion, libc or the
# sanitizer): that is not a failure of the code under test.
san_failed() {
	grep -qE "ERROR: AddressSanitizer|runtime error:" "$1" && return 0
	awk '
		/^(Direct|Indirect) leak/ { inblk = 1; ours = 0; next }
		inblk && /^ *#[0-9]+ / {
			if ($0 !~ /libcriterion|libboxfort|libsanitizer|libasan|liblsan|libc\.so|ld-linux/)
				ours = 1
			next
		}
		inblk { if (ours) found = 1; inblk = 0 }
		END { if (inblk && ours) found = 1; exit found ? 0 : 1 }' "$1"
}

run_suite() {
	name=$1; shift
	printf '== %s ==\n' "$name"
	if [ -n "$SAN_LOG" ]; then
		{ "$@" 2>&1; echo $? > "$SAN_LOG.rc"; } | tee "$SAN_LOG"
		rc=$(cat "$SAN_LOG.rc")
		san_failed "$SAN_LOG" && rc=1
	else
		"$@"; rc=$?
	fi
	if [ "$rc" = 0 ]; then printf '== %s: ok ==\n' "$name"; else failed="$failed $name"; fi
}

# run_fuzz BIN: FUZZ_SECONDS of libFuzzer in a scratch corpus seeded from
# the committed seeds (and the shipped configs for the config parsers);
# output on failure only, and the crash input is kept for a reproducer.
run_fuzz() {
	name=$(basename "$1")
	work=$(mktemp -d)
	seeds=""
	[ -d "tests/fuzz/corpus/$name" ] && seeds="tests/fuzz/corpus/$name"
	case $name in fuzz_config) seeds="$seeds configs configs/presets" ;; esac
	case $name in fuzz_config|fuzz_proxy_file) seeds="$seeds configs/proxies" ;; esac
	"$1" -max_total_time="${FUZZ_SECONDS:-10}" -timeout=10 -rss_limit_mb=2048 \
		-max_len=8192 -close_fd_mask=3 -artifact_prefix="$work/" \
		"$work" $seeds >"$work.log" 2>&1
	rc=$?
	if [ "$rc" != 0 ]; then
		tail -n 40 "$work.log" >&2
		for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
			[ -e "$a" ] || continue
			mkdir -p "$BUILD-fuzz/artifacts"
			cp "$a" "$BUILD-fuzz/artifacts/$name-$(basename "$a")"
			echo "kept $BUILD-fuzz/artifacts/$name-$(basename "$a")" >&2
		done
	else
		grep -E "^(#[0-9]+|Done)" "$work.log" | tail -n 1
	fi
	rm -rf "$work" "$work.log"
	return "$rc"
}

for s in $SUITES; do
	case $s in
	unit)	run_suite layering tools/layering.sh
		[ -x "$BUILD/tests/unit_tests" ] &&
			run_suite unit "$BUILD/tests/unit_tests" --jobs 2 ;;
	layering)
		run_suite layering tools/layering.sh ;;
	bpf)	[ -x "$BUILD/tests/bpf_tests" ] &&
			run_suite bpf "$BUILD/tests/bpf_tests" --jobs 1 ;;
	integration)
		for t in tests/integration/*.sh; do
			[ -x "$t" ] || continue
			[ -e "$t" ] || continue
			run_suite "integration/$(basename "$t" .sh)" "$t"
		done ;;
	fuzz)	FZ="$BUILD-fuzz/fuzz"
		if ! ls "$FZ"/fuzz_* >/dev/null 2>&1; then
			echo "fuzz: no targets in $FZ (make fuzz)" >&2
			failed="$failed fuzz"
			continue
		fi
		for t in "$FZ"/fuzz_*; do
			run_suite "fuzz/$(basename "$t")" run_fuzz "$t"
		done ;;
	*)	echo "run.sh: unknown suite '$s'" >&2; exit 2 ;;
	esac
done

[ -n "$SAN_LOG" ] && rm -f "$SAN_LOG" "$SAN_LOG.rc"
if [ -n "$failed" ]; then
	echo "FAILED:$failed" >&2
	exit 1
fi
echo "all suites passed"
