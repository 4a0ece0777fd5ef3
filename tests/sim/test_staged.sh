#!/usr/bin/env bash
# Staged updates end to end on the f103cb-staged board: `iap flash --slot
# stage` receives into the staging slot while 1.0.0 stays installed; a cut
# in the middle of the transfer leaves 1.0.0 booting; BOOT after a complete
# transfer installs 2.0.0 and boots it, also when the power goes during
# the install (the next power-on finishes it).
source "$IAP_TESTLIB"

BOARD=f103cb-staged
APP=0x08004000
RAMTOP=0x20005000
FLASH=$WORK/dev.flash

make_bin "$WORK/v1.bin" $APP 3000 one $RAMTOP
make_bin "$WORK/v2.bin" $APP 5001 two $RAMTOP
"$IAP" pack --addr $APP --version 1.0.0 -o "$WORK/v1.iap" "$WORK/v1.bin" >/dev/null || fail "pack v1"
"$IAP" pack --addr $APP --version 2.0.0 -o "$WORK/v2.iap" "$WORK/v2.bin" >/dev/null || fail "pack v2"

expect_fail "bad --slot" "app or stage" \
	"$IAP" flash --port /dev/null --slot both "$WORK/v1.iap"

# A board without a staging slot says so before sending anything.
start_sim f103c8 "$WORK/plain.flash"
expect_fail "--slot stage on a single-slot board" "no staging slot" \
	"$IAP" flash --port "$SIM_PTY" --slot stage "$WORK/v1.iap"
stop_sim

# install_v1: 1.0.0 straight into the app slot of a fresh flash.
install_v1() {
	fresh_install $BOARD "$FLASH" "$WORK/v1.iap" 1.0.0
}

# Staging 2.0.0 (5001 B) takes 1 + 5 + 5 + 2 = 13 operations (stage meta
# erase, stage page erases, WRITEs, header, commit word); the install after
# BOOT 1 + 5 + 5 + 2 + 1 = 14 more (app meta erase, app page erases, page
# copies, app header and commit word, installed flag).
for mode in clean torn; do
	for n in 3 8 12; do
		install_v1
		start_sim $BOARD "$FLASH" --request-update --cut-after $n \
			--cut-mode $mode --cut-seed $((n + 3))
		"$IAP" flash --port "$SIM_PTY" --slot stage "$WORK/v2.iap" >"$WORK/u.log" 2>&1 &&
			fail "$mode cut after $n: the upload succeeded"
		wait_sim
		[ "$SIM_RC" -eq 3 ] || fail "$mode cut after $n: exit $SIM_RC, not 3"
		# Power on: 1.0.0 is still installed and boots.
		start_sim $BOARD "$FLASH" --hello-ms 0
		wait_sim
		[ "$SIM_RC" -eq 0 ] || fail "$mode cut after $n: power-on exit $SIM_RC"
		sim_says "boot 0x08004000 version 1.0.0 (valid image)"
		ok "$mode cut at staging op $((n + 1)): 1.0.0 still boots"
	done
done

# The whole staged update: the device installs 2.0.0 after BOOT.
install_v1
start_sim $BOARD "$FLASH" --request-update
"$IAP" flash --port "$SIM_PTY" --slot stage "$WORK/v2.iap" >"$WORK/u.log" 2>&1 ||
	{ cat "$WORK/u.log"; fail "staged update"; }
grep -q "installs 2.0.0" "$WORK/u.log" || { cat "$WORK/u.log"; fail "iap flash does not say it installs"; }
grep -q "staging slot 0x08012400" "$WORK/u.log" || { cat "$WORK/u.log"; fail "iap flash does not show the staging slot"; }
wait_sim
sim_says "boot record: installed"
sim_says "boot 0x08004000 version 2.0.0 (new image installed)"
ok "staged 2.0.0, installed and booted after BOOT"
start_sim $BOARD "$FLASH" --hello-ms 0
wait_sim
sim_says "boot 0x08004000 version 2.0.0 (valid image)"
ok "the next power-on boots 2.0.0 without installing again"

# Cut during the install the bootloader does after BOOT (ops 14..27).
for mode in clean torn; do
	for n in 13 17 22 26; do
		install_v1
		start_sim $BOARD "$FLASH" --request-update --cut-after $n \
			--cut-mode $mode --cut-seed $((n + 5))
		# The BOOT answer may or may not reach the host before the
		# power goes: either way the transfer was complete.
		"$IAP" flash --port "$SIM_PTY" --slot stage "$WORK/v2.iap" >"$WORK/u.log" 2>&1 ||
			grep -q "staged and verified" "$WORK/u.log" ||
			{ cat "$WORK/u.log"; fail "$mode cut after $n: the transfer failed"; }
		wait_sim
		[ "$SIM_RC" -eq 3 ] || fail "$mode cut after $n: exit $SIM_RC, not 3"
		start_sim $BOARD "$FLASH" --hello-ms 0
		wait_sim
		[ "$SIM_RC" -eq 0 ] || fail "$mode cut after $n: power-on exit $SIM_RC"
		sim_says "boot 0x08004000 version 2.0.0"
		ok "$mode cut at install op $((n + 1)): the next power-on boots 2.0.0"
	done
done
finish
