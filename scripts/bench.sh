#!/usr/bin/env bash
# make bench: figures, not pass/fail. Footprint of every bootloader build,
# update throughput through the simulator on a paced line with adapter
# latency and the datasheet flash timings, protocol v1 against v2, and
# (when the board emulator is built) the
# instructions from reset to the application's first instruction.
set -euo pipefail

BUILD=${1:-build}
# The timed host tools as users build them: optimised, without the
# sanitizers of the test build (ASan alone adds tens of ms to each start).
REL=${BENCH_BUILD:-$BUILD-release}
cmake -S . -B "$REL" -DCMAKE_BUILD_TYPE=Release -DIAP_SANITIZE=OFF >/dev/null
cmake --build "$REL" --target iap iap-sim -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
IAP=$REL/tools/iap/iap
SIM=$REL/port/sim/iap-sim
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

# sim_done: the simulator boots the image and exits once an update is
# done; after a failed one it would wait for a host forever: stopped after
# 10 s (the row then says failed).
sim_done() {
	for _ in $(seq 1000); do
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.01
	done
	kill "$SIM_PID" 2>/dev/null || true
	wait "$SIM_PID" 2>/dev/null || true
}

# run_update BOARD IMAGE.iap SIZE BAUD LATENCY_MS PROTO: one whole update
# (hello to boot) into iap-sim --timing; prints "seconds busy_ms resent".
run_update() {
	local board=$1 iap=$2 size=$3 baud=$4 lat=$5 proto=$6
	rm -f "$WORK/u.flash"
	# Emptied here, not by the child's redirection: the loop below must
	# not read the last run's pty from it.
	: >"$WORK/u.log"
	"$SIM" --board "$board" --flash "$WORK/u.flash" --baud "$baud" \
		--latency "$lat" --timing --idle-ms 0 >"$WORK/u.log" 2>&1 &
	SIM_PID=$!
	local pty=
	for _ in $(seq 100); do
		pty=$(sed -n 's/^iap-sim: pty //p' "$WORK/u.log")
		[ -n "$pty" ] && break
		sleep 0.05
	done
	local t0 t1
	t0=$(date +%s.%N)
	"$IAP" flash --port "$pty" --baud "$baud" --proto "$proto" \
		--baud-up "${BAUD_UP:-off}" --compress "${COMPRESS:-auto}" \
		"$iap" >"$WORK/u.out" 2>&1 || true
	t1=$(date +%s.%N)
	sim_done
	SIM_PID=
	local busy resent
	busy=$(sed -n 's/.*busy \([0-9]*\) ms.*/\1/p' "$WORK/u.log" | tail -1)
	resent=$(sed -n 's/.*; \([0-9]*\) bytes sent again/\1/p; s/.*; \([0-9]*\) resends/\1/p' "$WORK/u.out")
	grep -q "verified and committed" "$WORK/u.out" || busy=FAIL
	echo "$(echo "$t1 - $t0" | bc) ${busy:-0} ${resent:-0}"
}

make_image() {
	local board=$1 app=$2 ramtop=$3 size=$4
	{
		le32 "$ramtop"
		le32 $((app + 0x201))
		head -c $((size - 8)) /dev/urandom
	} >"$WORK/$board-$size.bin"
	"$IAP" pack --addr "$app" --version 1.0.0 -o "$WORK/$board-$size.iap" \
		"$WORK/$board-$size.bin" >/dev/null
}

# row BOARD SIZE BAUD LAT PROTO: one table row. Of the bound: the time the
# slower of the line (image bytes at 10 bits each) and the flash (its busy
# time in the datasheet model) needs, over the whole update's time.
row() {
	local board=$1 size=$2 baud=$3 lat=$4 proto=$5 r label
	label=$proto
	[ "${COMPRESS:-auto}" = on ] && label="$proto + LZSS"
	r=$(run_update "$board" "$WORK/${IMG:-$board}-$size.iap" "$size" "$baud" "$lat" "$proto")
	echo "$r" | awk -v b="$board" -v n="$size" -v baud="$baud" -v lat="$lat" -v p="$label" '{
		t = $1; busy = $2 / 1000.0; line = n * 10.0 / baud
		if ($2 == "FAIL") { printf "| %s | %d KiB | %d | %d ms | v%s | failed | | | |\n", b, n / 1024, baud, lat, p; exit }
		bound = (line > busy) ? line : busy
		printf "| %s | %d KiB | %d | %d ms | v%s | %.2f s | %.0f%% | %.0f%% (%s) | %d |\n",
			b, n / 1024, baud, lat, p, t, 100 * line / t, 100 * bound / t,
			(line > busy ? "line" : "flash"), $3 }'
}

echo
echo "## Update throughput, simulator: protocol v1 and v2, 1 and 16 ms adapter latency"
echo
echo "Whole update (iap flash from start to exit: hello, START, data, FINISH,"
echo "BOOT) into iap-sim --timing on a paced pty with --latency each way."
echo "'of line': image bytes at 10 bits/byte over the time; 'of bound': the"
echo "slower of the line and the flash's datasheet busy time, over the time."
echo
echo "| board | image | baud | latency | protocol | time | of line | of bound | bytes resent |"
echo "|---|---:|---:|---:|---|---:|---:|---:|---:|"
make_image f103c8 0x08004000 0x20005000 $((48 * 1024))
make_image f407vg 0x08008000 0x20020000 $((256 * 1024))
for baud in 115200 921600; do
	for lat in 1 16; do
		for p in 1 2; do
			row f103c8 $((48 * 1024)) $baud $lat $p
			row f407vg $((256 * 1024)) $baud $lat $p
		done
	done
done

echo
echo "## Default: start at 115200, switch up (iap flash --baud-up auto), 16 ms latency"
echo
echo "'of line' and 'of bound' against the 115200 line the update started on."
echo
echo "| board | image | baud | latency | protocol | time | of line | of bound | bytes resent |"
echo "|---|---:|---:|---:|---|---:|---:|---:|---:|"
BAUD_UP=auto row f103c8 $((48 * 1024)) 115200 16 2
BAUD_UP=auto row f407vg $((256 * 1024)) 115200 16 2

echo
echo "## How the time grows with the image (protocol v2, 16 ms latency)"
echo
echo "| board | image | baud | latency | protocol | time | of line | of bound | bytes resent |"
echo "|---|---:|---:|---:|---|---:|---:|---:|---:|"
for kib in 4 16 48; do
	make_image f103c8 0x08004000 0x20005000 $((kib * 1024))
	row f103c8 $((kib * 1024)) 115200 16 2
done
for kib in 4 64 256 992; do
	make_image f407vg 0x08008000 0x20020000 $((kib * 1024))
	row f407vg $((kib * 1024)) 921600 16 2
done

# code_image BOARD APP RAMTOP SIZE: an application of real Cortex-M code:
# a vector table, then newlib's whole libc (its .text and .rodata) and the
# project's firmware binaries, cut to SIZE. Sets IMG=code-BOARD.
code_image() {
	local board=$1 app=$2 ramtop=$3 size=$4 libc
	IMG=code-$board
	libc=$(arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -print-file-name=libc.a)
	echo 'void _start(void) { for (;;) ; }' >"$WORK/start.c"
	arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -Os -nostartfiles -nostdlib \
		-Wl,--whole-archive "$libc" -Wl,--no-whole-archive -lgcc \
		-Wl,--unresolved-symbols=ignore-all -Wl,-Ttext=$app \
		"$WORK/start.c" -o "$WORK/libc.elf" 2>/dev/null
	arm-none-eabi-objcopy -O binary -j .text -j .rodata "$WORK/libc.elf" "$WORK/libc.bin"
	{
		le32 "$ramtop"
		le32 $((app + 0x201))
		cat "$WORK/libc.bin" "$BUILD"/firmware/*/*.bin
	} | head -c "$size" >"$WORK/$IMG-$size.bin" || true
	"$IAP" pack --addr "$app" --version 1.0.0 -o "$WORK/$IMG-$size.iap" \
		"$WORK/$IMG-$size.bin" >/dev/null
	lzss_ratio=$(COMPRESS=on run_update "$board" "$WORK/$IMG-$size.iap" "$size" 921600 1 2 >/dev/null
		sed -n 's/.*compressed: \([0-9]*\) bytes sent for \([0-9]*\) (\([0-9.]*\)%).*/\3/p' "$WORK/u.out")
}

if command -v arm-none-eabi-gcc >/dev/null 2>&1 && ls "$BUILD"/firmware/*/*.bin >/dev/null 2>&1; then
	echo
	echo "## Compressed transfer (protocol v2 + LZSS), an application of real Cortex-M code"
	echo
	echo "The image: newlib's libc (.text and .rodata) and the project's firmware"
	echo "binaries behind a vector table. 'of line' above 100 %: more firmware"
	echo "bytes per second than the line carries. v2 rows: the same image sent"
	echo "as it is (--compress off)."
	echo
	echo "| board | image | baud | latency | protocol | time | of line | of bound | bytes resent |"
	echo "|---|---:|---:|---:|---|---:|---:|---:|---:|"
	code_image f103c8 0x08004000 0x20005000 $((48 * 1024))
	r1=$lzss_ratio
	code_image f407vg 0x08008000 0x20020000 $((256 * 1024))
	r4=$lzss_ratio
	for baud in 115200 921600; do
		for lat in 1 16; do
			IMG=code-f103c8 COMPRESS=off row f103c8 $((48 * 1024)) $baud $lat 2
			IMG=code-f103c8 COMPRESS=on row f103c8 $((48 * 1024)) $baud $lat 2
			IMG=code-f407vg COMPRESS=off row f407vg $((256 * 1024)) $baud $lat 2
			IMG=code-f407vg COMPRESS=on row f407vg $((256 * 1024)) $baud $lat 2
		done
	done
	echo
	echo "Compressed size: f103c8 image (48 KiB, 2 KiB window) ${r1:-?} %, f407vg image (256 KiB, 4 KiB window) ${r4:-?} %."
	echo "'of bound' counts the flash time and the uncompressed line time."
fi

# ymodem_row BOARD SIZE BAUD LAT: lrzsz `sb -k` (YModem-1K) into the
# bootloader's own receiver: Enter and 1 on the terminal, then sb; the time
# runs from sb's start to the simulator booting the new image.
ymodem_row() {
	local board=$1 size=$2 baud=$3 lat=$4 pty= t0 t1 busy
	rm -f "$WORK/y.flash"
	: >"$WORK/y.log"
	"$SIM" --board "$board" --flash "$WORK/y.flash" --baud "$baud" \
		--latency "$lat" --timing --idle-ms 0 >"$WORK/y.log" 2>&1 &
	SIM_PID=$!
	for _ in $(seq 100); do
		pty=$(sed -n 's/^iap-sim: pty //p' "$WORK/y.log")
		[ -n "$pty" ] && break
		sleep 0.05
	done
	stty -F "$pty" "$baud" raw -echo 2>/dev/null || true
	printf '\r' >"$pty"
	sleep 0.5
	printf '1' >"$pty"
	sleep 0.5
	timeout 1 cat "$pty" >/dev/null 2>&1 || true
	t0=$(date +%s.%N)
	(cd "$WORK" && timeout 300 sb -k "$board-$size.iap" <"$pty" >"$pty" 2>/dev/null) || true
	sim_done
	t1=$(date +%s.%N)
	SIM_PID=
	busy=$(sed -n 's/.*busy \([0-9]*\) ms.*/\1/p' "$WORK/y.log" | tail -1)
	grep -q "new image installed" "$WORK/y.log" || busy=FAIL
	echo "$(echo "$t1 - $t0" | bc) ${busy:-0}" | awk -v b="$board" -v n="$size" -v baud="$baud" -v lat="$lat" '{
		t = $1; busy = $2 / 1000.0; line = n * 10.0 / baud
		if ($2 == "FAIL") { printf "| %s | %d KiB | %d | %d ms | YModem-1K | failed | | | |\n", b, n / 1024, baud, lat; exit }
		bound = (line > busy) ? line : busy
		printf "| %s | %d KiB | %d | %d ms | YModem-1K (sb -k) | %.2f s | %.0f%% | %.0f%% (%s) | |\n",
			b, n / 1024, baud, lat, t, 100 * line / t, 100 * bound / t,
			(line > busy ? "line" : "flash") }'
}

if command -v sb >/dev/null 2>&1; then
	echo
	echo "## YModem from a terminal: lrzsz sb -k into the bootloader's receiver"
	echo
	echo "The .iap file of the v1/v2 table, sent from the menu (Enter, 1) with"
	echo "YModem-1K; the time from sb's start to the new image booting."
	echo
	echo "| board | image | baud | latency | protocol | time | of line | of bound | bytes resent |"
	echo "|---|---:|---:|---:|---|---:|---:|---:|---:|"
	make_image f103c8 0x08004000 0x20005000 $((48 * 1024))
	make_image f407vg 0x08008000 0x20020000 $((256 * 1024))
	for baud in 115200 921600; do
		for lat in 1 16; do
			ymodem_row f103c8 $((48 * 1024)) $baud $lat
			ymodem_row f407vg $((256 * 1024)) $baud $lat
		done
	done
fi

EMU=$(find "$BUILD" -name iap-emu -type f -perm -u+x 2>/dev/null | head -1)
if [ -n "$EMU" ] && [ -x "$BUILD/tests/emu/bench.sh" -o -f tests/emu/bench.sh ]; then
	echo
	echo "## Boot cost, board emulator (instructions from reset to the application)"
	echo
	bash tests/emu/bench.sh "$BUILD" "$EMU"
fi
