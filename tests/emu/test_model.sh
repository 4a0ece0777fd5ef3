#!/usr/bin/env bash
# The board model on its own: selftest.c checks what the bootloader and the
# example application do not use (SVC, PendSV, PRIMASK, NVIC preemption by
# priority, frame alignment, WFI, SysTick on HCLK/8, DWT, a vector table in
# RAM) and ends through semihosting with 0 or the failed check.
source "$IAP_TESTLIB"
source "$IAP_EMU_LIB"
: "${IAP_EMU_SELFTEST:?set IAP_EMU_SELFTEST to selftest-CPU.elf}"

printf 'ping\n' >"$WORK/ping"
run_emu "$WORK/emu.log" --boot "$IAP_EMU_SELFTEST" --semihosting --exact \
	--speed 0 --no-pty --max-ms 2000 --uart-input "$WORK/ping" \
	--uart-log "$WORK/uart.log" --strict
[ "$EMU_RC" -eq 0 ] || fail "self-test failed check $EMU_RC"
emu_says "semihosting exit 0"
emu_says "exceptions: IRQ 6 x1"
emu_says "exceptions: IRQ 37 x5"
ok "$IAP_BOARD: exceptions, NVIC, WFI, SysTick and VTOR behave as on the core"
grep -aq "dma tx ok" "$WORK/uart.log" || fail "no DMA transmission: $(cat -v "$WORK/uart.log")"
ok "$IAP_BOARD: USART1 sends by DMA and receives by interrupt"
grep "exceptions:" "$EMU_LOG"

# A fault is reported with the registers, and exit 1: run from blank flash.
run_emu "$WORK/blank.log" --no-pty --speed 0
[ "$EMU_RC" -eq 1 ] || fail "blank flash: exit $EMU_RC, expected 1"
emu_says "fault: no reset vector"
ok "$IAP_BOARD: blank flash is reported as a fault (exit 1)"

# A jump into nowhere: the bootloader with its reset vector pointed at
# unmapped memory faults with the address and a register dump.
cp "$BOOT_BIN" "$WORK/bad.bin"
le32 0x30000001 | dd of="$WORK/bad.bin" bs=1 seek=4 conv=notrunc status=none
run_emu "$WORK/bad.log" --boot "$WORK/bad.bin" --no-pty --speed 0
[ "$EMU_RC" -eq 1 ] || fail "bad vector: exit $EMU_RC, expected 1"
emu_says "instruction fetch from unmapped address 0x30000000"
emu_says "  r0 "
ok "$IAP_BOARD: a fetch from unmapped memory is a fault with a register dump"
# SYSRESETREQ resets the model with RAM kept: the QEMU test builds (their
# bootloader ends through semihosting with 10 + the boot reason) on the
# QEMU boards' models; the application asks for an update, the bootloader
# comes back in update mode (11, requested).
QB=$(basename "${IAP_EMU_QEMU_FW:?}")
(
	# shellcheck source=/dev/null
	. "$IAP_EMU_QEMU_FW/layout.env"
	"$IAP" merge --boot "$IAP_EMU_QEMU_FW/iapboot-$QB-test.elf" \
		--app "$IAP_EMU_QEMU_FW/testapp-request-$QB.bin" --version 1.0.0 \
		--meta-addr "$IAP_META_ADDR" --meta-size "$IAP_META_SIZE" \
		--app-addr "$IAP_APP_ADDR" --app-size "$IAP_APP_SIZE" \
		--write-size "$IAP_WRITE_SIZE" --flash-base "$IAP_FLASH_BASE" \
		-o "$WORK/request.bin" >/dev/null
) || fail "iap merge ($QB test build)"
EMU_LOG=$WORK/request.log
SIM_LOG=$EMU_LOG
EMU_RC=0
timeout 120 "$IAP_EMU" --board "$QB" --flash "$WORK/request.bin" --semihosting \
	--run-app --no-pty --max-ms 5000 >"$EMU_LOG" 2>&1 || EMU_RC=$?
[ "$EMU_RC" -eq 11 ] || fail "$QB: exit $EMU_RC, expected 11 (update requested)"
emu_says "reset (SYSRESETREQ)"
ok "$QB: the application's SYSRESETREQ resets the board, the request word survives"
finish
