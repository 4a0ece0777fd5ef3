#!/usr/bin/env bash
# End to end: pack, upload over a pty with the real CLI, boot; a second
# update to a new version requested by the application; a plain reset boots
# the installed image at once. On the F1 and the F4 layout.
source "$IAP_TESTLIB"

run_board() {
	local board=$1 app=$2 ramtop=$3 size=$4
	local flash=$WORK/$board.flash

	make_bin "$WORK/v1.bin" "$app" "$size" one "$ramtop"
	make_bin "$WORK/v2.bin" "$app" $((size + 1234)) two "$ramtop"
	"$IAP" pack --addr "$app" --version 1.0.0+7 -o "$WORK/v1.iap" "$WORK/v1.bin" >/dev/null ||
		fail "pack v1"
	"$IAP" pack --addr "$app" --version 1.1.0+8 -o "$WORK/v2.iap" "$WORK/v2.bin" >/dev/null ||
		fail "pack v2"
	"$IAP" info "$WORK/v2.iap" | grep -q '1.1.0+8' || fail "iap info shows the version"
	ok "$board: packed two versions, iap info reads them"

	# A blank device waits in update mode; the upload boots 1.0.0.
	start_sim "$board" "$flash"
	sim_says "update mode (no image)"
	"$IAP" flash --port "$SIM_PTY" "$WORK/v1.iap" >"$WORK/flash1.log" 2>&1 ||
		{ cat "$WORK/flash1.log"; fail "$board: first upload"; }
	wait_sim
	[ "$SIM_RC" -eq 0 ] || fail "$board: simulator exit $SIM_RC"
	sim_says "boot $(printf '0x%08x' "$app") version 1.0.0+7"
	ok "$board: blank device updated to 1.0.0+7 and booted it"

	# The application asks for an update (RAM word + reset).
	start_sim "$board" "$flash" --request-update
	sim_says "update mode (update requested by the application)"
	"$IAP" flash --port "$SIM_PTY" "$WORK/v2.iap" >"$WORK/flash2.log" 2>&1 ||
		{ cat "$WORK/flash2.log"; fail "$board: second upload"; }
	wait_sim
	sim_says "boot $(printf '0x%08x' "$app") version 1.1.0+8"
	ok "$board: requested update to 1.1.0+8 booted"

	# iap status on a single-slot device: the installed image, no staging.
	start_sim "$board" "$flash" --request-update
	"$IAP" status --port "$SIM_PTY" --boot >"$WORK/status.log" 2>&1 ||
		{ cat "$WORK/status.log"; fail "$board: iap status"; }
	wait_sim
	grep -qF "installed:    1.1.0+8 at $(printf '0x%08x' "$app")" "$WORK/status.log" &&
		grep -qF "install:      none (single slot" "$WORK/status.log" &&
		grep -qF "last boot:    nothing to install" "$WORK/status.log" &&
		! grep -q "staged:" "$WORK/status.log" ||
		{ cat "$WORK/status.log"; fail "$board: iap status on a single-slot device"; }
	sim_says "boot $(printf '0x%08x' "$app") version 1.1.0+8 (boot requested by the host)"
	ok "$board: iap status reads 1.1.0+8, single slot, then BOOT starts it"

	# Power-on with no host: the new image boots after the hello window.
	start_sim "$board" "$flash" --hello-ms 100
	wait_sim
	[ "$SIM_RC" -eq 0 ] || fail "$board: simulator exit $SIM_RC"
	sim_says "boot $(printf '0x%08x' "$app") version 1.1.0+8 (valid image)"
	ok "$board: reset boots the installed 1.1.0+8"

	# The flash holds exactly the payload at the slot address.
	local off=$((app - 0x08000000))
	cmp -n "$(stat -c %s "$WORK/v2.bin")" "$WORK/v2.bin" \
		<(tail -c +$((off + 1)) "$flash") || fail "$board: slot differs from the image"
	ok "$board: slot contents equal the image byte for byte"
}

run_board f103c8 0x08004000 0x20005000 30000
run_board f407vg 0x08008000 0x20020000 150000
finish
