#!/usr/bin/env bash
# Compressed transfer end to end (docs/PROTOCOL.md, "Compressed transfer"):
# iap flash sends an LZSS stream, the simulated bootloader decompresses it
# into the slot as it streams; on both families, on a paced line with
# adapter latency, through flipped and dropped bytes, resumed after the
# host was killed; --compress on against a device that cannot take it is a
# clear error with nothing erased. Every run ends with the slot equal to
# the image and the image booted.
source "$IAP_TESTLIB"

# make_packable FILE ADDR SIZE RAMTOP: an image that compresses (text and
# runs of erased bytes, as firmware has tables and padding).
make_packable() {
	local file=$1 addr=$2 size=$3 ramtop=$4
	{
		le32 "$ramtop"
		le32 $((addr + 0x201))
		for i in $(seq 200); do
			seq $((i * 1000)) $((i * 1000 + 300)) | tr '\n' ' '
			head -c $((i * 37)) /dev/zero | tr '\0' '\377'
		done | head -c $((size - 8))
	} >"$file"
	[ "$(stat -c %s "$file")" -eq "$size" ] || fail "make_packable: wrong size"
}

# upload BOARD BIN IAP ADDR LOG "SIM OPTS" IAP-OPTS...: to a blank board.
upload() {
	local board=$1 bin=$2 iap=$3 addr=$4 log=$5 simopts=$6 flash
	flash=$WORK/$board.flash
	shift 6
	rm -f "$flash"
	# shellcheck disable=SC2086
	start_sim "$board" "$flash" --idle-ms 0 $simopts
	"$IAP" flash --port "$SIM_PTY" --baud-up off "$@" "$iap" >"$log" 2>&1 ||
		{ cat "$log"; fail "$board: iap flash $* (sim $simopts)"; }
	wait_sim
	[ "$SIM_RC" -eq 0 ] || fail "$board: simulator exit $SIM_RC"
	sim_says "boot $(printf '0x%08x' "$addr") version 1.0.0 (new image installed)"
	slot_is "$bin" "$flash" "$addr" || fail "$board: slot differs from the image ($simopts)"
}

F1=0x08004000
F4=0x08008000
make_packable "$WORK/f1.bin" $F1 40000 0x20005000
make_packable "$WORK/f4.bin" $F4 200000 0x20020000
"$IAP" pack -a $F1 --version 1.0.0 "$WORK/f1.bin" -o "$WORK/f1.iap" >/dev/null || fail "pack f1"
"$IAP" pack -a $F4 --version 1.0.0 "$WORK/f4.bin" -o "$WORK/f4.iap" >/dev/null || fail "pack f4"

# 1. The default (auto) compresses on both families, through adapter
# latency and the flash's datasheet timings.
upload f103c8 "$WORK/f1.bin" "$WORK/f1.iap" $F1 "$WORK/1.log" "--baud 115200 --latency 16 --timing" --baud 115200
grep -q "compressed: [0-9]* bytes sent for 40000" "$WORK/1.log" || { cat "$WORK/1.log"; fail "f103c8: not compressed"; }
ok "f103c8: $(grep -o 'compressed: .*' "$WORK/1.log"); $(grep -o '[0-9.]* KiB/s of firmware, [0-9]*%' "$WORK/1.log") of the line"
upload f407vg "$WORK/f4.bin" "$WORK/f4.iap" $F4 "$WORK/2.log" "--baud 921600 --latency 16 --timing" --baud 921600
grep -q "compressed: [0-9]* bytes sent for 200000 .*window 4096" "$WORK/2.log" || { cat "$WORK/2.log"; fail "f407vg: not compressed with a 4 KiB window"; }
ok "f407vg: $(grep -o 'compressed: .*' "$WORK/2.log")"

# 2. --compress off sends the image as it is.
upload f103c8 "$WORK/f1.bin" "$WORK/f1.iap" $F1 "$WORK/3.log" "" --compress off
grep -q "compressed:" "$WORK/3.log" && fail "--compress off compressed"
ok "--compress off: sent as it is"

# 3. Flipped and dropped bytes on the line: the stream is sent again from
# the device's stream offset, the image verified every time.
for p in 0.0002 0.001; do
	upload f103c8 "$WORK/f1.bin" "$WORK/f1.iap" $F1 "$WORK/4.log" "--flip $p --drop $p --fault-seed 7" --compress on
	ok "faulty line ($p flipped, $p dropped): $(grep -o '[0-9]* bytes sent again' "$WORK/4.log"), image verified"
done

# 4. Killed half way, then resumed: the stream starts at the resume offset.
rm -f "$WORK/r.flash"
start_sim f103c8 "$WORK/r.flash" --idle-ms 0 --baud 38400
"$IAP" flash --port "$SIM_PTY" --baud 38400 --baud-up off "$WORK/f1.iap" >"$WORK/k.log" 2>&1 &
kill_at_progress $! "$WORK/k.log" 50
"$IAP" flash --port "$SIM_PTY" --baud 38400 --baud-up off "$WORK/f1.iap" >"$WORK/r.log" 2>&1 ||
	{ cat "$WORK/r.log"; fail "resume of a compressed upload"; }
wait_sim
from=$(sed -n 's/.*sending from offset \([0-9]*\).*/\1/p' "$WORK/r.log")
[ -n "$from" ] && [ "$from" -gt 0 ] || { cat "$WORK/r.log"; fail "compressed upload: no resume"; }
grep -q "compressed: [0-9]* bytes sent for $((40000 - from)) " "$WORK/r.log" || { cat "$WORK/r.log"; fail "resumed stream does not start at $from"; }
sim_says "version 1.0.0 (new image installed)"
slot_is "$WORK/f1.bin" "$WORK/r.flash" $F1 || fail "resumed compressed upload: slot differs"
ok "compressed upload killed at 50%, resumed from offset $from, verified and booted"

# 5. --compress on against a device that cannot take it: said, nothing
# erased (a v1 device).
rm -f "$WORK/v1.flash"
start_sim f103c8 "$WORK/v1.flash" --idle-ms 0 --proto 1
expect_fail "--compress on, v1 device" "does not take compressed transfers" \
	"$IAP" flash --port "$SIM_PTY" --baud-up off --compress on "$WORK/f1.iap"
stop_sim
expect_fail "--compress bad value" "--compress is auto, on or off" \
	"$IAP" flash --port /dev/null --compress maybe "$WORK/f1.iap"

finish
