#!/usr/bin/env bash
# Baud-rate switching: iap flash starts at 115200 and asks for more; both
# ends switch and prove the new rate with round trips, and fall back by
# themselves when it fails: a rate the device's USART refuses, a line that
# cannot carry it, a host that vanishes after the switch.
source "$IAP_TESTLIB"

APP=0x08004000
make_bin "$WORK/app.bin" $APP 20000 baud 0x20005000
"$IAP" pack --addr $APP --version 1.0.0 -o "$WORK/app.iap" "$WORK/app.bin" >/dev/null || fail pack
FLASH=$WORK/f.flash
LINE="--baud 115200 --latency 1 --timing --idle-ms 0"

slot_ok() {
	cmp -n 20000 "$WORK/app.bin" <(tail -c +$((0x4000 + 1)) "$FLASH") ||
		fail "slot differs from the image"
}

# flash_with "SIM OPTS" IAP OPTS...: a blank device updated; log in $WORK/f.log.
flash_with() {
	local simopts=$1
	shift
	rm -f "$FLASH"
	# shellcheck disable=SC2086
	start_sim f103c8 "$FLASH" $LINE $simopts
	"$IAP" flash --port "$SIM_PTY" "$@" "$WORK/app.iap" >"$WORK/f.log" 2>&1 ||
		{ cat "$WORK/f.log"; fail "iap flash $* (sim $simopts)"; }
	wait_sim
	sim_says "version 1.0.0 (new image installed)"
	slot_ok
}

flash_with ""
grep -q "line: 921600 baud (switched up from 115200)" "$WORK/f.log" || { cat "$WORK/f.log"; fail "no switch to 921600"; }
grep -q "of the 921600 baud line rate" "$WORK/f.log" || fail "the rate is not reported at 921600"
sim_says "line: 921600 baud"
ok "default: both ends switch to 921600 and the image goes at that rate"

flash_with "--max-baud 460800"
grep -q "line: 460800 baud (switched up from 115200)" "$WORK/f.log" || { cat "$WORK/f.log"; fail "no switch to 460800"; }
grep -q "line: 921600" "$SIM_LOG" && fail "the device switched to a rate it refused"
ok "a device whose USART stops at 460800 refuses 921600 before switching; 460800 is taken"

flash_with "--line-max-baud 230400"
grep -q "921600 baud did not work, back at 115200" "$WORK/f.log" &&
	grep -q "460800 baud did not work, back at 115200" "$WORK/f.log" &&
	grep -q "line: 230400 baud (switched up from 115200)" "$WORK/f.log" ||
	{ cat "$WORK/f.log"; fail "fallback through the rates"; }
ok "a line that carries 230400 at most: 921600 and 460800 fail, both ends fall back, 230400 works"

flash_with "--line-max-baud 115200" --baud-up 2000000
grep -q "2000000 baud did not work, back at 115200" "$WORK/f.log" &&
	grep -q "of the 115200 baud line rate" "$WORK/f.log" || { cat "$WORK/f.log"; fail "--baud-up 2000000 fallback"; }
ok "--baud-up 2000000 on a line that cannot: back at 115200, the update goes through"

flash_with "" --baud-up off
grep -q "of the 115200 baud line rate" "$WORK/f.log" || { cat "$WORK/f.log"; fail "--baud-up off"; }
grep -q "line: 921600" "$SIM_LOG" && fail "--baud-up off switched"
ok "--baud-up off stays at 115200"

flash_with "--proto 1"
grep -q "line: 115200 baud (the device cannot switch)" "$WORK/f.log" || { cat "$WORK/f.log"; fail "v1 device"; }
ok "a v1 device (no BAUD): the host stays at 115200"

# The host goes away in the middle at 921600: the device returns to 115200
# by itself and a host at 115200 finds it again. (40 KiB take about 2 s of
# flash time at that rate.)
make_bin "$WORK/big.bin" $APP 40000 big 0x20005000
"$IAP" pack --addr $APP --version 0.9.0 -o "$WORK/big.iap" "$WORK/big.bin" >/dev/null || fail pack
rm -f "$FLASH"
start_sim f103c8 "$FLASH" $LINE
"$IAP" flash --port "$SIM_PTY" --baud-up 921600 "$WORK/big.iap" >"$WORK/k.log" 2>&1 &
IAP_PID=$!
for _ in $(seq 100); do
	grep -q "line: 921600 baud (switched" "$WORK/k.log" && break
	sleep 0.02
done
sleep 0.3
kill -9 $IAP_PID 2>/dev/null
wait $IAP_PID 2>/dev/null
grep -q "line: 921600 baud (switched" "$WORK/k.log" || { cat "$WORK/k.log"; fail "the first host did not switch"; }
grep -q "verified and committed" "$WORK/k.log" && fail "the first host finished before it was killed"
"$IAP" flash --port "$SIM_PTY" --baud-up off --wait 10000 "$WORK/app.iap" >"$WORK/f.log" 2>&1 ||
	{ cat "$WORK/f.log"; fail "a host at 115200 after the killed one"; }
wait_sim
sim_says "line: 115200 baud"
sim_says "version 1.0.0 (new image installed)"
slot_ok
ok "host killed at 921600 mid-transfer: the device went back to 115200, a new host updated it"
finish
