#!/bin/sh
# Lists C functions longer than a limit (the style guide: never over 80
# lines), longest first, and exits 1 if there is one.
#   tools/longfuncs.sh [-n LIMIT] [-a] [PATH...]   (default: 80, user/)
# -a lists every function (with its length) instead of only the long ones.
# A function is counted from its first signature line to the "}" in
# column 0 that closes the "{" in column 0 after it (kernel style).
set -u
limit=80
all=0
while [ $# -gt 0 ]; do
	case $1 in
	-n) limit=$2; shift 2;;
	-a) all=1; shift;;
	*) break;;
	esac
done
[ $# -gt 0 ] || set -- user
files=$(find "$@" -name '*.c' | sort)
[ -n "$files" ] || exit 0
# shellcheck disable=SC2086
awk -v limit="$limit" -v all="$all" '
	FNR == 1 { sig = ""; inbody = 0 }
	!inbody && /^[A-Za-z_].*\(/ && !/;[ \t]*$/ { sig = $0; start = FNR; next }
	!inbody && sig != "" && /^\{/ { inbody = 1; next }
	!inbody && sig != "" && !/^[ \t]/ { sig = "" }
	inbody && /^\}/ {
		n = FNR - start + 1
		name = sig; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
		if (all || n > limit)
			printf "%5d %s:%d %s\n", n, FILENAME, start, name
		inbody = 0; sig = ""
	}' $files | sort -rn | awk -v all="$all" -v limit="$limit" '
	{ print } $1 > limit { bad = 1 }
	END { exit bad ? 1 : 0 }'
