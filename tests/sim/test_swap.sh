#!/usr/bin/env bash
# Swap install with revert end to end on the f103cb-swap board, across
# iap-sim processes (each one a power-on): a staged 2.0.0 is swapped in and
# boots on trial; without a confirmation the next power-on swaps 1.0.0
# back; 3.0.0 that confirms itself (--confirm) stays. Cuts during the swap
# finish it at the next power-on. SWAP_BOARD=f103cb-move SWAP_STAGE=0x08012000
# runs the same on the board that swaps by moving (test_swap_move.sh).
source "$IAP_TESTLIB"

BOARD=${SWAP_BOARD:-f103cb-swap}
STAGE=${SWAP_STAGE:-0x08011c00}
APP=0x08004000
RAMTOP=0x20005000
FLASH=$WORK/dev.flash

make_bin "$WORK/v1.bin" $APP 3000 one $RAMTOP
make_bin "$WORK/v2.bin" $APP 5001 two $RAMTOP
make_bin "$WORK/v3.bin" $APP 4100 three $RAMTOP
for v in 1 2 3; do
	"$IAP" pack --addr $APP --version $v.0.0 -o "$WORK/v$v.iap" "$WORK/v$v.bin" >/dev/null || fail "pack v$v"
done

# power_on [iap-sim options]: one power-on that boots without a host.
power_on() {
	start_sim $BOARD "$FLASH" --hello-ms 0 "$@"
	wait_sim
	[ "$SIM_RC" -eq 0 ] || fail "power-on: exit $SIM_RC"
}

# stage VERSION [iap-sim options]: upload into the staging slot and BOOT.
stage() {
	local v=$1
	shift
	start_sim $BOARD "$FLASH" --request-update "$@"
	"$IAP" flash --port "$SIM_PTY" --slot stage "$WORK/v$v.iap" >"$WORK/u.log" 2>&1 ||
		{ cat "$WORK/u.log"; fail "staging $v.0.0"; }
	wait_sim
}

fresh_install $BOARD "$FLASH" "$WORK/v1.iap" 1.0.0

# 2.0.0 never confirms itself: on trial at BOOT, reverted at the next power-on.
stage 2
sim_says "boot record: installed"
sim_says "boot 0x08004000 version 2.0.0 (new image installed)"
sim_says "image on trial: reverted at the next power-on"
ok "2.0.0 swapped in and booted on trial"
# The next power-on reverts; `iap status` reads what it did over the
# protocol, changing nothing, then lets it boot.
start_sim $BOARD "$FLASH" --request-update
"$IAP" status --port "$SIM_PTY" --boot >"$WORK/s.log" 2>&1 ||
	{ cat "$WORK/s.log"; fail "iap status after the revert"; }
wait_sim
sim_says "boot record: reverted: new image did not confirm itself"
sim_says "boot 0x08004000 version 1.0.0"
for want in "answered by:  the bootloader" \
	"installed:    1.0.0 at 0x08004000 (slot 55296 bytes), confirmed" \
	"install:      swap with revert" \
	"staged:       2.0.0 at $STAGE, reverted: it never confirmed itself" \
	"last boot:    reverted to the previous image: new image did not confirm itself (IAP_ERR_UNCONFIRMED)" \
	"boot:         sent"; do
	grep -qF -- "$want" "$WORK/s.log" || { cat "$WORK/s.log"; fail "iap status does not say '$want'"; }
done
ok "2.0.0 did not confirm: the next power-on swapped 1.0.0 back; iap status reports the revert"
power_on
grep -q "boot record" "$SIM_LOG" && fail "a boot record after the revert was done"
sim_says "boot 0x08004000 version 1.0.0 (valid image)"
ok "1.0.0 stays"

# The host sees it over the protocol.
start_sim $BOARD "$FLASH" --request-update
"$IAP" flash --port "$SIM_PTY" --slot stage "$WORK/v3.iap" >"$WORK/u.log" 2>&1 ||
	{ cat "$WORK/u.log"; fail "staging 3.0.0"; }
wait_sim
grep -q "staged: 2.0.0 (reverted: it never confirmed itself)" "$WORK/u.log" ||
	{ cat "$WORK/u.log"; fail "iap flash does not show the reverted image"; }
grep -q "swap install" "$WORK/u.log" || { cat "$WORK/u.log"; fail "iap flash does not name the swap install"; }
ok "iap flash reports the rejected 2.0.0 and the swap install"
sim_says "boot 0x08004000 version 3.0.0 (new image installed)"
# 3.0.0 was not confirmed in that run either: it is reverted now.
power_on
sim_says "boot 0x08004000 version 1.0.0"

# 3.0.0 confirms itself: it stays over power-ons. Staged without BOOT
# first: iap status shows it pending, then sends the BOOT.
start_sim $BOARD "$FLASH" --request-update --confirm
"$IAP" flash --port "$SIM_PTY" --slot stage --no-boot "$WORK/v3.iap" >"$WORK/u.log" 2>&1 ||
	{ cat "$WORK/u.log"; fail "staging 3.0.0 with --no-boot"; }
"$IAP" status --port "$SIM_PTY" --boot >"$WORK/s.log" 2>&1 || { cat "$WORK/s.log"; fail "iap status"; }
wait_sim
grep -qF "staged:       3.0.0 at $STAGE, pending: installed at the next boot" "$WORK/s.log" ||
	{ cat "$WORK/s.log"; fail "iap status does not show 3.0.0 pending"; }
grep -qF "installed:    1.0.0 at 0x08004000" "$WORK/s.log" || { cat "$WORK/s.log"; fail "iap status: installed"; }
ok "iap status: 3.0.0 pending in the staging slot, 1.0.0 installed"
sim_says "boot 0x08004000 version 3.0.0 (new image installed)"
sim_says "application confirmed the image"
power_on
sim_says "boot 0x08004000 version 3.0.0 (valid image)"
grep -q "on trial" "$SIM_LOG" && fail "3.0.0 still on trial after confirming"
power_on
sim_says "boot 0x08004000 version 3.0.0 (valid image)"
ok "3.0.0 confirmed itself and stays"

# Cuts during the swap after BOOT: the next power-on finishes the swap and
# boots 2.0.0 on trial (op numbers: staging 2.0.0 takes 15 operations;
# the swap after BOOT starts at op 16 with the journal erase).
for mode in clean torn; do
	for n in 15 20 40 55 68; do
		fresh_install $BOARD "$FLASH" "$WORK/v1.iap" 1.0.0
		start_sim $BOARD "$FLASH" --request-update --cut-after $n \
			--cut-mode $mode --cut-seed $((n + 11))
		"$IAP" flash --port "$SIM_PTY" --slot stage "$WORK/v2.iap" >"$WORK/u.log" 2>&1 ||
			grep -q "staged and verified" "$WORK/u.log" ||
			{ cat "$WORK/u.log"; fail "$mode cut after $n: the transfer failed"; }
		wait_sim
		[ "$SIM_RC" -eq 3 ] || fail "$mode cut after $n: exit $SIM_RC, not 3"
		power_on --confirm
		sim_says "boot 0x08004000 version 2.0.0"
		power_on
		sim_says "boot 0x08004000 version 2.0.0 (valid image)"
		ok "$mode cut at swap op $((n + 1)): the next power-on finished the swap; 2.0.0 confirmed"
	done
done
finish
