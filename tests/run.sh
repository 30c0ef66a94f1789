#!/bin/sh
# Runs the test suites against the binaries in BUILD (default: build).
#   tests/run.sh [BUILD] [unit] [bpf] [integration]   (no suite = all)
# Exits non-zero if any suite fails; says which.
set -u
BUILD=${1:-build}
[ $# -gt 0 ] && shift
SUITES=${*:-unit bpf integration}
export AEGIS_BUILD="$BUILD"
failed=""

# Sanitizer reports from Criterion's forked workers or from daemons do not
# always change an exit code: in a sanitizer build, any report fails.
SAN_LOG=""
case "$BUILD" in *asan*) SAN_LOG=$(mktemp) ;; esac

run_suite() {
	name=$1; shift
	printf '== %s ==\n' "$name"
	if [ -n "$SAN_LOG" ]; then
		{ "$@" 2>&1; echo $? > "$SAN_LOG.rc"; } | tee "$SAN_LOG"
		rc=$(cat "$SAN_LOG.rc")
		grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$SAN_LOG" && rc=1
	else
		"$@"; rc=$?
	fi
	if [ "$rc" = 0 ]; then printf '== %s: ok ==\n' "$name"; else failed="$failed $name"; fi
}

for s in $SUITES; do
	case $s in
	unit)	[ -x "$BUILD/tests/unit_tests" ] &&
			run_suite unit "$BUILD/tests/unit_tests" --jobs 2 ;;
	bpf)	[ -x "$BUILD/tests/bpf_tests" ] &&
			run_suite bpf "$BUILD/tests/bpf_tests" --jobs 1 ;;
	integration)
		for t in tests/integration/*.sh; do
			[ -x "$t" ] || continue
			[ -e "$t" ] || continue
			run_suite "integration/$(basename "$t" .sh)" "$t"
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
