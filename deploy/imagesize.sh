#!/usr/bin/env bash
# Estimates the size of the image deploy/Dockerfile builds, without docker:
# what each of its layers adds to the Debian base, from this machine's apt
# data and Go toolchain. Run on the Dockerfile's Debian release (bookworm)
# with apt lists present (apt-get update), from deploy/:
#
#   ./imagesize.sh [path/to/walkthrough-binary]
#
# The packages: apt-get resolves the Dockerfile's own `apt-get install`
# line (recommends off) against a dpkg status that holds the base — the
# closure of the release's Essential and Priority: required packages, what a
# slim image is made of — and the Installed-Size of each package it would
# add is summed; an upper bound, since slim images leave out /usr/share/doc,
# man pages and locales. The toolchain: a tar of GOROOT less what the
# Dockerfile removes. The binary: as built by the Dockerfile's go build line.
set -euo pipefail

cd "$(dirname "$0")"
release=$(sed -n 's/^FROM debian:\([a-z]*\)-slim.*/\1/p' Dockerfile)
here=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [[ "$release" != "$here" ]]; then
	echo "the image is Debian $release, this machine $here: its apt data would not match" >&2
	exit 1
fi
packages=$(grep -o 'apt-get install [^&]*' Dockerfile | tr ' ' '\n' | grep -v '^-' | grep -v '^apt-get$\|^install$\|^$\|^\\$')
goroot=$(go env GOROOT)
removed=$(sed -n 's|^RUN rm -rf \(/usr/local/go/.*\)|\1|p' Dockerfile)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
apt="apt-get -s -o Debug::NoLocking=1 --no-install-recommends"
: >"$work/empty"

# The base: every Essential or required package of the release, and what
# they depend on.
apt-cache dumpavail >"$work/avail"
required=$(awk -v RS= '/\nEssential: yes/ || /\nPriority: required/ { if (match($0, /^Package: [^\n]*/)) print substr($0, 10, RLENGTH - 9) }' "$work/avail" | sort -u)
# shellcheck disable=SC2086
$apt -o Dir::State::status="$work/empty" install $required 2>/dev/null | awk '/^Inst /{print $2}' | sort -u >"$work/base"
awk -v RS= -v ORS='\n\n' 'NR == FNR { base[$1]; next }
	{ if (match($0, /^Package: [^\n]*/)) { p = substr($0, 10, RLENGTH - 9); if ((p in base) && !(p in done)) { done[p]; print $0 "\nStatus: install ok installed" } } }' \
	RS='\n' "$work/base" RS= "$work/avail" >"$work/status"

# What the Dockerfile's install line adds to it, and how large it is.
# sizes sums field ($1: Installed-Size or Size) over the packages named on
# standard input (name and version, or name alone), one apt-cache call for
# all: the first stanza of each.
sizes() {
	# shellcheck disable=SC2046
	apt-cache show $(awk '{ print ($2 == "" ? $1 : $1 "=" $2) }') |
		awk -v RS= -v f="$1" '{ if (!match($0, /^Package: [^\n]*/)) next; p = substr($0, 10, RLENGTH - 9)
			if (p in seen) next; seen[p]
			if (match($0, "\n" f ": [0-9]+")) t += substr($0, RSTART + length(f) + 3, RLENGTH - length(f) - 3) }
			END { print t + 0 }'
}
# shellcheck disable=SC2086
$apt -o Dir::State::status="$work/status" install $packages 2>/dev/null |
	awk '/^Inst /{ v = $3; gsub(/[()]/, "", v); print $2, v }' >"$work/added"
base_kib=$(sizes Installed-Size <"$work/base")
added_kib=$(sizes Installed-Size <"$work/added")
added_debs=$(sizes Size <"$work/added")

# shellcheck disable=SC2086
excludes=$(for r in $removed; do printf -- '--exclude=%s ' "go/${r#/usr/local/go/}"; done)
# shellcheck disable=SC2086
go_tar=$(tar -C "$(dirname "$goroot")" -cf - $excludes "$(basename "$goroot")" | wc -c)
# shellcheck disable=SC2086
go_gz=$(tar -C "$(dirname "$goroot")" -cf - $excludes "$(basename "$goroot")" | gzip | wc -c)

bin=${1:-}
if [[ -z "$bin" ]]; then
	bin="$work/walkthrough"
	(cd .. && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin" ./cmd/walkthrough)
fi
bin_bytes=$(wc -c <"$bin")
bin_gz=$(gzip -c "$bin" | wc -c)

mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
echo "Debian $release; $(go env GOVERSION) at $goroot"
echo "base (required/essential closure, $(wc -l <"$work/base") packages, Installed-Size): $(mib $((base_kib * 1024)))"
echo "packages:" $packages
echo "  adds $(wc -l <"$work/added") packages: Installed-Size $(mib $((added_kib * 1024))), downloaded .debs $(mib "$added_debs")"
echo "Go toolchain (GOROOT less$(printf ' %s' $removed)): $(mib "$go_tar") as a layer, $(mib "$go_gz") gzipped"
echo "server binary: $(mib "$bin_bytes"), $(mib "$bin_gz") gzipped"
echo "added to the base: $(mib $((added_kib * 1024 + go_tar + bin_bytes))) unpacked (at most)"
echo "whole image: $(mib $((base_kib * 1024 + added_kib * 1024 + go_tar + bin_bytes))) unpacked (at most)"
