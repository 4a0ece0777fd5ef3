#!/usr/bin/env bash
# Protocol v2 end to end on a paced line with USB-serial adapter latency
# and the flash's datasheet timings: a window of WRITEs in flight, erase as
# the data arrives; a v1 host against a v2 device and a v2 host against a
# v1 device; a window larger than the receive ring (bytes lost while the
# flash is busy, recovered); flipped, dropped and duplicated bytes at
# several rates. Every run ends with the slot equal to the image.
source "$IAP_TESTLIB"

# host_baud "SIM OPTS": the host's --baud for the simulator's --baud.
host_baud() {
	local b
	b=$(echo "$1" | sed -n 's/.*--baud \([0-9]*\).*/\1/p')
	[ -n "$b" ] && echo "--baud $b"
	return 0
}

# upload BOARD IMAGE.bin IMAGE.iap ADDR LOG "SIM OPTS" IAP OPTS...
upload() {
	local board=$1 bin=$2 iap=$3 addr=$4 log=$5 simopts=$6
	local flash=$WORK/$board.flash
	shift 6
	rm -f "$flash"
	# shellcheck disable=SC2086
	start_sim "$board" "$flash" --idle-ms 0 $simopts
	"$IAP" flash --port "$SIM_PTY" $(host_baud "$simopts") --baud-up off "$@" "$iap" >"$log" 2>&1 ||
		{ cat "$log"; fail "$board: iap flash $* (sim $simopts)"; }
	wait_sim
	[ "$SIM_RC" -eq 0 ] || fail "$board: simulator exit $SIM_RC"
	sim_says "boot $(printf '0x%08x' "$addr") version 1.0.0 (new image installed)"
	slot_is "$bin" "$flash" "$addr" || fail "$board: slot differs from the image ($simopts)"
}

# upload_faulty BOARD IMAGE.bin IMAGE.iap ADDR "SIM OPTS": over a faulty
# line, then a power-up without a host boots what was committed. (--no-boot:
# a lost answer to BOOT cannot be told from a device that has left.)
upload_faulty() {
	local board=$1 bin=$2 iap=$3 addr=$4 simopts=$5
	local flash=$WORK/$board.flash
	rm -f "$flash"
	# shellcheck disable=SC2086
	start_sim "$board" "$flash" --idle-ms 0 $simopts
	"$IAP" flash --port "$SIM_PTY" $(host_baud "$simopts") --baud-up off --no-boot "$iap" >"$WORK/fault.log" 2>&1 ||
		{ cat "$WORK/fault.log"; fail "$board: iap flash over a faulty line ($simopts)"; }
	grep -q "installed 1.0.0; staying" "$WORK/fault.log" || fail "$board: not installed ($simopts)"
	stop_sim
	slot_is "$bin" "$flash" "$addr" || fail "$board: slot differs from the image ($simopts)"
	start_sim "$board" "$flash" --hello-ms 50
	wait_sim
	sim_says "boot $(printf '0x%08x' "$addr") version 1.0.0 (valid image)"
}

F1=0x08004000
F4=0x08008000
make_bin "$WORK/f1.bin" $F1 12345 f1 0x20005000
make_bin "$WORK/f4.bin" $F4 70001 f4 0x20020000
"$IAP" pack --addr $F1 --version 1.0.0 -o "$WORK/f1.iap" "$WORK/f1.bin" >/dev/null || fail pack
"$IAP" pack --addr $F4 --version 1.0.0 -o "$WORK/f4.iap" "$WORK/f4.bin" >/dev/null || fail pack
LINE="--baud 115200 --latency 16 --timing"

# v2 on both families through a 16 ms adapter.
upload f103c8 "$WORK/f1.bin" "$WORK/f1.iap" $F1 "$WORK/a.log" "$LINE"
grep -q "protocol v2, window 3 x 1024 bytes" "$WORK/a.log" || { cat "$WORK/a.log"; fail "f103c8: not a v2 window of 3"; }
grep -q "; 0 bytes sent again" "$WORK/a.log" || { cat "$WORK/a.log"; fail "f103c8: clean line, yet bytes sent again"; }
sim_says "0 lost (ring full)"
ok "f103c8: v2, window 3, 16 ms latency: installed and booted, nothing lost or sent again"

upload f407vg "$WORK/f4.bin" "$WORK/f4.iap" $F4 "$WORK/b.log" "--baud 921600 --latency 16 --timing"
grep -q "protocol v2, window 23 x 4096 bytes" "$WORK/b.log" || { cat "$WORK/b.log"; fail "f407vg: not a v2 window of 23"; }
sim_says "0 lost (ring full)"
grep -q "^verifying: 100%  68.4/68.4 KiB" "$WORK/b.log" || { cat "$WORK/b.log"; fail "f407vg: no PROGRESS events while FINISH verified"; }
ok "f407vg: v2 at 921600 baud, window 23 across the 16K/16K/64K sectors: the ring never overflowed"

# v1 host, v2 device; v2 host, v1 device.
upload f103c8 "$WORK/f1.bin" "$WORK/f1.iap" $F1 "$WORK/c.log" "$LINE" --proto 1
grep -q "protocol v1: erase" "$WORK/c.log" || { cat "$WORK/c.log"; fail "--proto 1 did not speak v1"; }
ok "f103c8: a v1 host (iap flash --proto 1) updates a v2 device"
upload f103c8 "$WORK/f1.bin" "$WORK/f1.iap" $F1 "$WORK/d.log" "$LINE --proto 1"
grep -q "protocol v1: erase" "$WORK/d.log" || { cat "$WORK/d.log"; fail "v2 host did not fall back to v1"; }
! grep -q "^verifying:" "$WORK/d.log" || { cat "$WORK/d.log"; fail "PROGRESS events from a v1 device"; }
ok "f103c8: the v2 host falls back to v1 with a v1 device (no window, START flags refused)"

# A window the ring cannot hold: at 921600 baud, frames that arrive during a
# page erase find the 1 KiB ring full and are lost; the host sends again
# from the device's next_offset and the image still arrives whole.
upload f103c8 "$WORK/f1.bin" "$WORK/f1.iap" $F1 "$WORK/e.log" \
	"--baud 921600 --latency 1 --timing --ring 1024 --announce-ring 8192"
grep -Eq "lost \(ring full\)" "$SIM_LOG" && ! grep -q " 0 lost (ring full)" "$SIM_LOG" ||
	fail "the overcommitted ring lost nothing: the test proves nothing"
grep -Eq "; [1-9][0-9]* bytes sent again" "$WORK/e.log" || { cat "$WORK/e.log"; fail "no resend after ring overflow"; }
ok "f103c8: window of 7 into a 1 KiB ring: $(grep -o '[0-9]* lost (ring full)' "$SIM_LOG"), $(grep -o '[0-9]* bytes sent again' "$WORK/e.log"), image whole"

# Line faults, both directions, at several rates: never a wrong image.
for f in "--flip 0.0001" "--flip 0.001" "--drop 0.0005" "--dup 0.0005" \
	"--flip 0.0005 --drop 0.0005 --dup 0.0005"; do
	for seed in 1 2; do
		upload_faulty f103c8 "$WORK/f1.bin" "$WORK/f1.iap" $F1 \
			"$f --fault-seed $seed --baud 460800 --timing"
	done
	upload_faulty f407vg "$WORK/f4.bin" "$WORK/f4.iap" $F4 "$f --fault-seed 3"
	ok "faults $f: f103c8 (2 seeds) and f407vg committed whole images that boot"
done
finish
