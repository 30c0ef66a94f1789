#!/bin/sh
# Checks the include rules between the folders of user/ (docs/ARCHITECTURE.md,
# "Code map"): every quoted include names its folder, and a folder includes
# only itself, include/aegis/ and the folders its row below allows. Exits 1
# and lists each violation as FILE:LINE: what.
#   tools/layering.sh [REPO_DIR]        (run by tests/run.sh, suite "layering")
set -u
cd "${1:-$(dirname "$0")/..}" || exit 2

# folder: the other user/ folders it may include ("aegis" is include/aegis/).
RULES='
lib:
config: lib http guard
xdp: lib config
engine: lib config xdp http guard games
http: lib config engine guard
guard: lib config http xdp
games: lib config guard engine
mgmt: lib config xdp engine http guard games
ctl: lib config xdp http guard mgmt
'
# Headers a folder may not include even where its row allows the folder.
DENY='
guard: engine/worker.h
games: engine/worker.h
'

find user -name '*.[ch]' | sort | xargs awk -v rules="$RULES" -v deny="$DENY" '
	BEGIN {
		n = split(rules, rl, "\n")
		for (i = 1; i <= n; i++) {
			if (split(rl[i], f, /:[ ]*/) < 1 || f[1] == "")
				continue
			known[f[1]] = 1
			m = split(f[2], a, " ")
			for (j = 1; j <= m; j++)
				ok[f[1] "/" a[j]] = 1
		}
		n = split(deny, dl, "\n")
		for (i = 1; i <= n; i++)
			if (split(dl[i], f, /:[ ]*/) == 2)
				banned[f[1] "|" f[2]] = 1
	}
	/^[ \t]*#[ \t]*include[ \t]*"/ {
		hdr = $0
		sub(/^[^"]*"/, "", hdr)
		sub(/".*/, "", hdr)
		split(FILENAME, p, "/")
		from = (3 in p) ? p[2] : ""	# "" for user/aegisd.c and friends
		if (hdr !~ /\//) {
			if (hdr != "aegis.skel.h") {
				printf "%s:%d: \"%s\" does not name its folder\n", FILENAME, FNR, hdr
				bad = 1
			}
			next
		}
		to = hdr
		sub(/\/.*/, "", to)
		if (from == "" || to == "aegis" || to == from)
			next
		if (!(from in known)) {
			printf "%s:%d: folder user/%s has no row in tools/layering.sh\n", FILENAME, FNR, from
			bad = 1
		} else if (!((from "/" to) in ok)) {
			printf "%s:%d: user/%s may not include %s\n", FILENAME, FNR, from, hdr
			bad = 1
		} else if ((from "|" hdr) in banned) {
			printf "%s:%d: user/%s may not include %s\n", FILENAME, FNR, from, hdr
			bad = 1
		}
	}
	END { exit bad ? 1 : 0 }' || exit 1
