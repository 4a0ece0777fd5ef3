#!/usr/bin/env bash
# The factory image (`iap merge`: bootloader + metadata + application)
# boots the application, which then runs on its own: SysTick through its
# own vector table at the slot address, its version and VTOR printed on
# USART1, the LED blinking from SysTick time. Instruction counts are exact
# (--exact --speed 0): the boot cost with no update pending.
source "$IAP_TESTLIB"
source "$IAP_EMU_LIB"

factory 1.2.3+45 "$WORK/factory.bin"
run_emu "$WORK/emu.log" --flash "$WORK/factory.bin" --run-app=2100 \
	--uart-log "$WORK/uart.log" --exact --speed 0 --no-pty --strict
[ "$EMU_RC" -eq 0 ] || fail "iap-emu exit $EMU_RC"
emu_says "app entered at 0x0800[0-9a-f]* after [0-9]* instructions (VTOR=$APP_HEX"
no_violations "boot"
ok "$IAP_BOARD: the factory image boots the application"
grep "first receive poll\|app entered\|handover" "$EMU_LOG"
# The application gets the chip as after a reset (clock tree, SysTick, NVIC).
emu_says "handover: the chip as after reset"

emu_says "the application ran for 2100 ms"
ticks=$(sed -n 's/^iap-emu: application: \([0-9]*\) SysTick exceptions through its own table$/\1/p' "$EMU_LOG")
[ -n "$ticks" ] && [ "$ticks" -ge 2000 ] && [ "$ticks" -le 2100 ] ||
	fail "SysTick through the application's table: '$ticks' in 2100 ms"
emu_says "SysTick x[0-9]*, the last through the table at $APP_HEX"
ok "$IAP_BOARD: $ticks SysTick exceptions through the application's own table at $APP_HEX"

line="blink on $IAP_BOARD: version 1.2.3+45, VTOR $(printf '0x%08X' "$IAP_APP_ADDR")"
grep -aq "$line" "$WORK/uart.log" ||
	fail "USART1 did not carry '$line': $(cat -v "$WORK/uart.log")"
ok "$IAP_BOARD: the application printed '$line'"

grep -q "gpio P[A-I][0-9]* changed [2-9] times" "$EMU_LOG" ||
	fail "the LED did not blink: $(grep gpio "$EMU_LOG")"
ok "$IAP_BOARD: the LED blinks ($(sed -n 's/^iap-emu: gpio \(P[A-I][0-9]* changed [0-9]* times\).*/\1/p' "$EMU_LOG" | tail -1))"

# The same application with its initial stack at the top of the CCM RAM
# (0x10010000): the F4 layouts name it (IAP_LAYOUT_RAM2_*), so the
# bootloader starts it and it runs; the F1 has no such RAM, its bootloader
# refuses the image and stays in update mode.
cp "$APP_BIN" "$WORK/ccm.bin"
le32 0x10010000 | dd of="$WORK/ccm.bin" bs=1 conv=notrunc status=none
APP_BIN=$WORK/ccm.bin factory 1.2.4 "$WORK/ccm-factory.bin"
run_emu "$WORK/ccm.log" --flash "$WORK/ccm-factory.bin" --run-app=200 \
	--uart-log "$WORK/ccm-uart.log" --speed 0 --no-pty --strict --max-ms 1500
if [ $((IAP_RAM2_SIZE)) -ne 0 ]; then
	[ "$EMU_RC" -eq 0 ] || fail "stack in CCM: iap-emu exit $EMU_RC"
	emu_says "app entered at"
	emu_says "the application ran for 200 ms"
	no_violations "stack in CCM"
	grep -aq "blink on $IAP_BOARD: version 1.2.4" "$WORK/ccm-uart.log" ||
		fail "stack in CCM: no banner: $(cat -v "$WORK/ccm-uart.log")"
	ok "$IAP_BOARD: an application with its stack in CCM RAM boots and runs"
else
	emu_says "max-ms reached before the application"
	grep -q "app entered" "$EMU_LOG" && fail "the F1 bootloader started a stack in CCM"
	ok "$IAP_BOARD: an application with its stack at 0x10010000 is refused (no CCM RAM)"
fi
finish
