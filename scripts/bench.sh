#!/usr/bin/env bash
# make bench: figures, not pass/fail. Footprint of every bootloader build,
# update throughput through the simulator on a paced 115200 baud line with
# the datasheet flash timings, and (when the board emulator is built) the
# instructions from reset to the application's first instruction.
set -euo pipefail

BUILD=${1:-build}
IAP=$BUILD/tools/iap/iap
SIM=$BUILD/port/sim/iap-sim
WORK=$(mktemp -d "${TMPDIR:-/tmp}/iap-bench.XXXXXX")
SIM_PID=
trap '[ -n "$SIM_PID" ] && kill $SIM_PID 2>/dev/null; rm -rf "$WORK"' EXIT

le32() {
	local v=$1
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((v & 255)) \
		$(((v >> 8) & 255)) $(((v >> 16) & 255)) $(((v >> 24) & 255)))"
}

echo "## Footprint (arm-none-eabi-size)"
echo
echo "| build | text | data | bss | flash (text+data) |"
echo "|---|---:|---:|---:|---:|"
found=0
for elf in "$BUILD"/firmware/*/iapboot-*.elf; do
	[ -e "$elf" ] || continue
	found=1
	arm-none-eabi-size "$elf" | awk -v n="$(basename "$elf" .elf)" 'NR == 2 {
		printf "| %s | %d | %d | %d | %d |\n", n, $1, $2, $3, $1 + $2 }'
done
[ $found -eq 1 ] || echo "| (firmware not built: arm-none-eabi-gcc missing) | | | | |"

echo
echo "## Update throughput, simulator, 115200 baud 8N1 (11,520 B/s line rate)"
echo
echo "Paced pty, flash busy times from the datasheet (iap-sim --timing);"
echo "stop-and-wait protocol v1, largest frame the device accepts."
echo
echo "| board | image | erase | transfer | total | throughput | of line rate |"
echo "|---|---:|---:|---:|---:|---:|---:|"
bench_board() {
	local board=$1 app=$2 ramtop=$3 size=$4
	{
		le32 "$ramtop"
		le32 $((app + 0x201))
		head -c $((size - 8)) /dev/urandom
	} >"$WORK/$board.bin"
	"$IAP" pack --addr "$app" --version 1.0.0 -o "$WORK/$board.iap" "$WORK/$board.bin" >/dev/null
	"$SIM" --board "$board" --flash "$WORK/$board.flash" --baud 115200 --timing \
		>"$WORK/$board.log" 2>&1 &
	SIM_PID=$!
	local pty=
	for _ in $(seq 100); do
		pty=$(sed -n 's/^iap-sim: pty //p' "$WORK/$board.log")
		[ -n "$pty" ] && break
		sleep 0.05
	done
	"$IAP" flash --port "$pty" "$WORK/$board.iap" >"$WORK/$board.out" 2>&1
	wait $SIM_PID || true
	SIM_PID=
	# "verified and committed: 40.0 KiB in 5.6 s (7.1 KiB/s, 63% of ...)"
	# "  erase 0.85 s, transfer 4.77 s, verify and commit 0.01 s; 0 resends"
	awk -v b="$board" -v n="$size" '
		/verified and committed:/ {
			total = $7; rate = $9; sub(/\(/, "", rate); pct = $11
		}
		/erase .* transfer/ { erase = $2; xfer = $5 }
		END {
			printf "| %s | %d B | %s s | %s s | %s s | %s KiB/s | %s |\n",
				b, n, erase, xfer, total, rate, pct
		}' "$WORK/$board.out"
}
bench_board f103c8 0x08004000 0x20005000 $((48 * 1024))
bench_board f407vg 0x08008000 0x20020000 $((256 * 1024))

EMU=$(find "$BUILD" -name iap-emu -type f -perm -u+x 2>/dev/null | head -1)
if [ -n "$EMU" ] && [ -x "$BUILD/tests/emu/bench.sh" -o -f tests/emu/bench.sh ]; then
	echo
	echo "## Boot cost, board emulator (instructions from reset to the application)"
	echo
	bash tests/emu/bench.sh "$BUILD" "$EMU"
fi
