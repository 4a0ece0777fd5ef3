#!/usr/bin/env bash
# make demo: an application image packed, uploaded over a pseudo-terminal to
# the simulated bootloader (paced at 115200 baud, flash timings of the
# STM32F103), verified and booted.
set -euo pipefail

BUILD=${1:-build}
IAP=$BUILD/tools/iap/iap
SIM=$BUILD/port/sim/iap-sim
WORK=$(mktemp -d "${TMPDIR:-/tmp}/iap-demo.XXXXXX")
SIM_PID=
trap '[ -n "$SIM_PID" ] && kill $SIM_PID 2>/dev/null; rm -rf "$WORK"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
le32() {
	local v=$1
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((v & 255)) \
		$(((v >> 8) & 255)) $(((v >> 16) & 255)) $(((v >> 24) & 255)))"
}

t0=$(date +%s.%N)

step "1. An application linked for 0x08004000 (Blue Pill layout: bootloader below)"
# Vector table: initial SP at the top of the F103's 20 KiB RAM, reset handler
# inside the image; the rest stands in for code.
{
	le32 0x20005000
	le32 $((0x08004000 + 0x201))
	yes "iapboot demo application" | head -c $((40 * 1024 - 8)) || true
} >"$WORK/app.bin"
ls -l "$WORK/app.bin" | awk '{print $5 " bytes: app.bin"}'

step "2. iap pack: wrap it with metadata (size, load address, version, SHA-256)"
"$IAP" pack --addr 0x08004000 --version 1.2.0+42 -o "$WORK/app.iap" "$WORK/app.bin"
"$IAP" info "$WORK/app.iap"

step "3. iap-sim: the bootloader on a simulated STM32F103C8, blank application slot"
"$SIM" --board f103c8 --flash "$WORK/device.flash" --baud 115200 --timing \
	>"$WORK/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do
	PTY=$(sed -n 's/^iap-sim: pty //p' "$WORK/sim.log")
	[ -n "$PTY" ] && break
	sleep 0.05
done
[ -n "${PTY:-}" ] || { cat "$WORK/sim.log"; exit 1; }
sed 's/^/   device| /' "$WORK/sim.log"

step "4. iap flash: upload over $PTY at 115200 baud"
"$IAP" flash --port "$PTY" "$WORK/app.iap"

step "5. The device verified the image and booted it"
for _ in $(seq 100); do
	kill -0 $SIM_PID 2>/dev/null || break
	sleep 0.05
done
wait $SIM_PID
SIM_PID=
sed 's/^/   device| /' "$WORK/sim.log"

t1=$(date +%s.%N)
size=$(stat -c %s "$WORK/app.bin")
awk -v a="$t0" -v b="$t1" -v n="$size" 'BEGIN {
	printf "\nDemo done in %.1f s: %d bytes uploaded, verified and booted.\n", b - a, n }'
