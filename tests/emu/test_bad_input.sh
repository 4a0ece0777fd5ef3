#!/usr/bin/env bash
# Bad input to the emulated bootloader: an image larger than the slot and
# one linked for another address. `iap flash` refuses them itself; with
# --force the bootloader refuses them from the header, before erasing
# anything, with a clear error. The installed image is untouched and boots.
source "$IAP_TESTLIB"
source "$IAP_EMU_LIB"

FLASH=$WORK/flash.bin
factory 1.0.0+3 "$FLASH"
cp "$FLASH" "$WORK/before.bin"

make_bin "$WORK/big.bin" "$IAP_APP_ADDR" $((IAP_APP_SIZE + 4)) big "$RAMTOP"
"$IAP" pack --addr "$IAP_APP_ADDR" -o "$WORK/big.iap" "$WORK/big.bin" >/dev/null ||
	fail "pack big"
make_bin "$WORK/low.bin" "$IAP_BOOT_ADDR" 4096 low "$RAMTOP"
"$IAP" pack --addr "$IAP_BOOT_ADDR" -o "$WORK/low.iap" "$WORK/low.bin" >/dev/null ||
	fail "pack low"

# The application asked for an update: the bootloader waits for the host.
start_emu "$WORK/emu1.log" --flash "$FLASH" --save --request-update --strict
expect_fail "$IAP_BOARD: image larger than the slot (host check)" "slot" \
	"$IAP" flash --port "$EMU_PTY" "$WORK/big.iap"
expect_fail "$IAP_BOARD: image larger than the slot (device refuses)" "IAP_ERR_FBIG" \
	"$IAP" flash --force --port "$EMU_PTY" "$WORK/big.iap"
expect_fail "$IAP_BOARD: image linked for another address (host check)" \
	"$(printf '0x%08x' "$IAP_BOOT_ADDR")" \
	"$IAP" flash --port "$EMU_PTY" "$WORK/low.iap"
expect_fail "$IAP_BOARD: image linked for another address (device refuses)" "IAP_ERR_RANGE" \
	"$IAP" flash --force --port "$EMU_PTY" "$WORK/low.iap"
kill -0 "$EMU_PID" 2>/dev/null || fail "the bootloader left update mode"
stop_emu
no_violations "refusals"
cmp -s "$FLASH" "$WORK/before.bin" || fail "refused images changed the flash"
ok "$IAP_BOARD: refused images left the flash untouched (nothing erased)"

# Power-up without a host: the old image boots and runs.
run_emu "$WORK/emu2.log" --flash "$FLASH" --run-app=100 --uart-log "$WORK/uart.log" \
	--no-pty --strict
[ "$EMU_RC" -eq 0 ] || fail "boot after the refusals: exit $EMU_RC"
emu_says "app entered at"
grep -aq "version 1.0.0+3," "$WORK/uart.log" ||
	fail "the application does not report 1.0.0+3: $(cat -v "$WORK/uart.log")"
ok "$IAP_BOARD: the installed 1.0.0+3 still boots and runs"
finish
