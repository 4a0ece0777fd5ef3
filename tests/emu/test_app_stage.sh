#!/usr/bin/env bash
# A download made by the running application, on the real ARM binaries: the
# stage example (sdk/examples/stage) serves the protocol on USART1 itself
# (iap_app_serve()). `iap status` sees the application answer; `iap flash`
# into the application slot is refused there with nothing sent; `iap flash
# --slot stage` stages v2 through the application, whose BOOT resets into
# the bootloader, which swaps v2 in; v2 confirms itself, so it stays over
# the next power-up, with v1 kept in the staging slot.
source "$IAP_TESTLIB"
source "$IAP_EMU_LIB"

[ "${IAP_INSTALL:-0}" -eq 2 ] || fail "$IAP_BOARD: not a swap layout (IAP_INSTALL=${IAP_INSTALL:-0})"
STAGE_APP=$IAP_FW/stage-$IAP_BOARD.bin
[ -f "$STAGE_APP" ] || fail "no $STAGE_APP"
APP_OFF=$((IAP_APP_ADDR - IAP_FLASH_BASE))
STAGE_OFF=$((IAP_STAGE_ADDR - IAP_FLASH_BASE))
STAGE_HEX=$(printf '0x%08x' "$IAP_STAGE_ADDR")

cp "$STAGE_APP" "$WORK/v1.bin"
cp "$STAGE_APP" "$WORK/v2.bin"
yes "iapboot staged by the application" | head -c 3000 >>"$WORK/v2.bin"
"$IAP" pack --addr "$IAP_APP_ADDR" --version 1.0.0+1 -o "$WORK/v1.iap" \
	"$WORK/v1.bin" >/dev/null || fail "pack v1"
"$IAP" pack --addr "$IAP_APP_ADDR" --version 2.0.0+2 -o "$WORK/v2.iap" \
	"$WORK/v2.bin" >/dev/null || fail "pack v2"

in_slot() {
	cmp -s "$1" <(tail -c +$(($2 + 1)) "$3" | head -c "$(stat -c %s "$1")")
}

# app_runs N: wait until the application has been entered N times since
# power-up (each reset into the bootloader ends one run).
app_runs() {
	for _ in $(seq 1200); do
		[ "$(grep -c "app entered" "$EMU_LOG")" -ge "$1" ] && return 0
		kill -0 "$EMU_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "the application was not entered $1 time(s)"
}

# status_says TEXT...: `iap status` (answered by the application) says each.
status_says() {
	"$IAP" status --port "$EMU_PTY" >"$WORK/status.log" 2>&1 ||
		{ cat "$WORK/status.log"; fail "iap status"; }
	for want in "$@"; do
		grep -qF -- "$want" "$WORK/status.log" ||
			{ cat "$WORK/status.log"; fail "iap status does not say '$want'"; }
	done
}

FLASH=$WORK/flash.bin
start_emu "$WORK/emu.log" --boot "$BOOT_BIN" --flash "$FLASH" --save \
	--run-app=60000 --strict
"$IAP" flash --port "$EMU_PTY" "$WORK/v1.iap" >"$WORK/flash1.log" 2>&1 ||
	{ cat "$WORK/flash1.log"; fail "iap flash v1 into the bootloader"; }
app_runs 1
status_says "answered by:  the running application" \
	"installed:    1.0.0+1 at $APP_HEX" "confirmed" "staged:       none"
ok "$IAP_BOARD: v1 runs and answers iap status itself"

expect_fail "$IAP_BOARD: iap flash into the slot the application runs from" \
	"answered by the running application, which only stages images" \
	"$IAP" flash --port "$EMU_PTY" "$WORK/v2.iap"


"$IAP" flash --port "$EMU_PTY" --slot stage "$WORK/v2.iap" >"$WORK/flash2.log" 2>&1 ||
	{ cat "$WORK/flash2.log"; fail "iap flash --slot stage through the application"; }
grep -q "verified and committed" "$WORK/flash2.log" || fail "the application did not commit v2"
grep -q "installs 2.0.0+2" "$WORK/flash2.log" || fail "iap flash does not say the bootloader installs 2.0.0+2"
app_runs 2
emu_says "reset (SYSRESETREQ)"
status_says "answered by:  the running application" \
	"installed:    2.0.0+2 at $APP_HEX" "confirmed" \
	"staged:       1.0.0+1 at $STAGE_HEX, the previous image, kept for a revert" \
	"last boot:    installed an update"
ok "$IAP_BOARD: v2 staged by the running v1, swapped in by the bootloader after the application's reset, confirmed itself"
stop_emu
no_violations "staging through the application"

run_emu "$WORK/emu-on.log" --flash "$FLASH" --save --no-pty --speed 10 \
	--max-ms 5000 --run-app=50 --strict
[ "$EMU_RC" -eq 0 ] || fail "power-up: iap-emu exit $EMU_RC"
emu_says "app entered"
no_violations "power-up"
in_slot "$WORK/v2.bin" $APP_OFF "$FLASH" || fail "the application slot does not hold v2 after the power-up"
in_slot "$WORK/v1.bin" $STAGE_OFF "$FLASH" || fail "the staging slot does not hold v1"
ok "$IAP_BOARD: the confirmed v2 stays over a power-up; v1 is in the staging slot"
finish
