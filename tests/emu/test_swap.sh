#!/usr/bin/env bash
# A staged update with the swap install on a board layout with a staging
# slot, on the real bootloader: v1 (the blink example) installed with
# `iap flash`; v2 staged with `iap flash --slot stage` while v1 stays in
# its slot; after BOOT the bootloader swaps the slots and starts v2, which
# runs and prints its version. Blink never confirms itself, so the next
# power-up swaps v1 back (the revert), and the one after that keeps v1.
source "$IAP_TESTLIB"
source "$IAP_EMU_LIB"

[ "${IAP_INSTALL:-0}" -eq 2 ] || fail "$IAP_BOARD: not a swap layout (IAP_INSTALL=${IAP_INSTALL:-0})"
STAGE_HEX=$(printf '0x%08x' "$IAP_STAGE_ADDR")
META_OFF=$((IAP_META_ADDR - IAP_FLASH_BASE))
APP_OFF=$((IAP_APP_ADDR - IAP_FLASH_BASE))
STAGE_OFF=$((IAP_STAGE_ADDR - IAP_FLASH_BASE))
ENTRY=$(printf '0x%08x' $((0x$(reset_vector "$APP_BIN") & ~1)))

# v1 and v2: blink with different tails, so the slots' bytes tell them apart.
cp "$APP_BIN" "$WORK/v1.bin"
yes "iapboot swap test one" | head -c 1000 >>"$WORK/v1.bin"
cp "$APP_BIN" "$WORK/v2.bin"
yes "iapboot swap test two" | head -c 6000 >>"$WORK/v2.bin"
"$IAP" pack --addr "$IAP_APP_ADDR" --version 1.0.0+1 -o "$WORK/v1.iap" \
	"$WORK/v1.bin" >/dev/null || fail "pack v1"
"$IAP" pack --addr "$IAP_APP_ADDR" --version 2.0.0+2 -o "$WORK/v2.iap" \
	"$WORK/v2.bin" >/dev/null || fail "pack v2"

# in_slot IMAGE OFFSET DUMP: DUMP holds IMAGE's payload at OFFSET.
in_slot() {
	cmp -s "$1" <(tail -c +$(($2 + 1)) "$3" | head -c "$(stat -c %s "$1")")
}

# runs VERSION: the last run reached blink's reset handler and it printed
# VERSION.
runs() {
	emu_says "app entered at $ENTRY after [0-9]* instructions (VTOR=$APP_HEX"
	grep -aq "blink on $IAP_BOARD: version $1, VTOR" "$WORK/uart.log" ||
		fail "the application does not print version $1: $(cat -v "$WORK/uart.log")"
}

FLASH=$WORK/flash.bin
start_emu "$WORK/emu1.log" --boot "$BOOT_BIN" --flash "$FLASH" --save \
	--run-app=50 --uart-log "$WORK/uart.log" --strict
"$IAP" flash --port "$EMU_PTY" "$WORK/v1.iap" >"$WORK/flash1.log" 2>&1 ||
	{ cat "$WORK/flash1.log"; fail "iap flash v1"; }
grep -q "staging slot $STAGE_HEX ($((IAP_STAGE_SIZE / 1024)) KiB), swap install" "$WORK/flash1.log" ||
	{ cat "$WORK/flash1.log"; fail "iap flash does not show the staging slot and the swap install"; }
wait_emu
[ "$EMU_RC" -eq 0 ] || fail "install v1: iap-emu exit $EMU_RC"
runs 1.0.0+1
no_violations "install v1"
ok "$IAP_BOARD: v1 installed into the application slot $APP_HEX with iap flash, runs"

# Staged: the transfer goes to the staging slot, v1 stays; BOOT swaps.
start_emu "$WORK/emu2.log" --flash "$FLASH" --save --request-update \
	--run-app=50 --uart-log "$WORK/uart.log" --strict --op-log "$WORK/ops.txt"
"$IAP" flash --port "$EMU_PTY" --slot stage "$WORK/v2.iap" >"$WORK/flash2.log" 2>&1 ||
	{ cat "$WORK/flash2.log"; fail "iap flash --slot stage v2"; }
grep -q "installs 2.0.0+2" "$WORK/flash2.log" ||
	{ cat "$WORK/flash2.log"; fail "iap flash does not say the bootloader installs 2.0.0+2"; }
wait_emu
[ "$EMU_RC" -eq 0 ] || fail "staged update: iap-emu exit $EMU_RC"
runs 2.0.0+2
no_violations "staged update"
in_slot "$WORK/v2.bin" $APP_OFF "$FLASH" || fail "the application slot does not hold v2"
in_slot "$WORK/v1.bin" $STAGE_OFF "$FLASH" || fail "the staging slot does not hold v1"
cmp -s <(head -c 256 "$WORK/v2.iap") <(tail -c +$((META_OFF + 1)) "$FLASH" | head -c 256) ||
	fail "the meta record is not v2's header"
ok "$IAP_BOARD: v2 staged at $STAGE_HEX, swapped in at BOOT, runs from $APP_HEX; v1 kept in the staging slot ($(grep -c '' "$WORK/ops.txt") flash operations)"
grep "flash ops since" "$EMU_LOG"

# Blink never confirms itself: the next power-up reverts, for good.
for n in 1 2; do
	run_emu "$WORK/emu-on$n.log" --flash "$FLASH" --save --no-pty --speed 10 \
		--max-ms 5000 --run-app=50 --uart-log "$WORK/uart.log" --strict
	[ "$EMU_RC" -eq 0 ] || fail "power-up $n: iap-emu exit $EMU_RC"
	runs 1.0.0+1
	no_violations "power-up $n"
	in_slot "$WORK/v1.bin" $APP_OFF "$FLASH" || fail "power-up $n: the application slot does not hold v1"
	grep "flash ops since" "$EMU_LOG"
done
in_slot "$WORK/v2.bin" $STAGE_OFF "$FLASH" || fail "the rejected v2 is not in the staging slot"
ok "$IAP_BOARD: v2 did not confirm itself: the next power-up swapped v1 back, the one after kept it"
finish
