#!/usr/bin/env bash
# Run the libFuzzer targets (docs/FUZZING.md).
#
#   run.sh smoke FUZZER SEEDS OUTDIR   ctest: 10 s on a scratch copy of the
#                                      seed corpus (the tree is never written),
#                                      crash files go to OUTDIR
#   run.sh long BUILD SECONDS          make fuzz: every target for SECONDS,
#                                      corpus and crashes in BUILD/fuzz-out/
set -uo pipefail

smoke() {
	local fuzzer=$1 seeds=$2 out=$3 rc

	mkdir -p "$out"
	work=$(mktemp -d "${TMPDIR:-/tmp}/iapfuzz.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	# Both directories are loaded (every seed runs first); new inputs go
	# to the first one only, the scratch copy.
	"$fuzzer" -max_total_time=10 -timeout=25 -print_final_stats=1 \
		-artifact_prefix="$out/" "$work" "$seeds" >"$out/fuzz.log" 2>&1
	rc=$?
	grep -E '^#[0-9]+[[:space:]]+DONE' "$out/fuzz.log" | tail -n1
	if [ $rc -ne 0 ]; then
		tail -n 60 "$out/fuzz.log"
		echo "fuzz: $(basename "$fuzzer") failed ($rc), see $out/" >&2
	fi
	return $rc
}

long() {
	local build=$1 secs=$2 src bin name out rc fail=0 done_line execs

	src=$(cd "$(dirname "$0")" && pwd)
	bin=$build/tests/fuzz/bin
	if ! ls "$bin"/fuzz_* >/dev/null 2>&1; then
		echo "fuzz: no fuzz targets in $bin (clang or libclang-rt-14-dev missing? see the cmake output)" >&2
		return 1
	fi
	for f in "$bin"/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		name=${name#fuzz_}
		out=$build/fuzz-out/$name
		mkdir -p "$out/corpus" "$out/crashes"
		echo "fuzz: $name for ${secs}s ..."
		"$f" -max_total_time="$secs" -timeout=25 -print_final_stats=1 \
			-artifact_prefix="$out/crashes/" "$out/corpus" \
			"$src/corpus/$name" >"$out/fuzz.log" 2>&1
		rc=$?
		done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$out/fuzz.log" | tail -n1)
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log")
		if [ $rc -ne 0 ]; then
			fail=1
			echo "fuzz: $name FAILED ($rc): $(ls "$out/crashes")"
			grep -E 'ERROR|SUMMARY|invariant' "$out/fuzz.log" | head -5
		fi
		printf 'fuzz: %-7s execs %s  %s\n' "$name" "${execs:-?}" "$done_line"
	done
	return $fail
}

case ${1:-} in
smoke) shift; smoke "$@" ;;
long) shift; long "$@" ;;
*) echo "usage: $0 smoke FUZZER SEEDS OUTDIR | long BUILD SECONDS" >&2; exit 2 ;;
esac
