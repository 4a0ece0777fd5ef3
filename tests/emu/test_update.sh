#!/usr/bin/env bash
# The real bootloader on a blank board takes the real application from the
# real `iap flash` over the emulated USART1 (DMA reception while the core
# stalls on flash erase and programming), verifies it and jumps to its
# first instruction; the application slot then holds the image byte for
# byte, and the next power-up boots it without a host.
source "$IAP_TESTLIB"
source "$IAP_EMU_LIB"

FLASH=$WORK/flash.bin
"$IAP" pack --addr "$IAP_APP_ADDR" --version 1.2.0+7 -o "$WORK/app.iap" \
	"$APP_BIN" >/dev/null || fail "pack"
entry=$(printf '0x%08x' $((0x$(reset_vector "$APP_BIN") & ~1)))

# Blank flash, bootloader only: it waits in update mode.
start_emu "$WORK/emu1.log" --boot "$BOOT_BIN" --flash "$FLASH" --save \
	--dump "$WORK/dump.bin" --strict
sleep 1
kill -0 "$EMU_PID" 2>/dev/null || fail "the bootloader did not stay in update mode"
emu_says "first receive poll"
emu_says "reception by DMA"
ok "$IAP_BOARD: blank flash, the bootloader waits for a host (DMA reception)"

"$IAP" flash --port "$EMU_PTY" "$WORK/app.iap" >"$WORK/flash.log" 2>&1 ||
	{ cat "$WORK/flash.log"; fail "iap flash"; }
grep -q "verified and committed" "$WORK/flash.log" || fail "iap flash did not commit"
wait_emu
[ "$EMU_RC" -eq 0 ] || fail "iap-emu exit $EMU_RC"
emu_says "app entered at $entry after [0-9]* instructions (VTOR=$APP_HEX, MSP=$(printf '0x%08x' "$RAMTOP"))"
no_violations "update"
ok "$IAP_BOARD: iap flash updated the board; the core reached the application's reset handler $entry with VTOR $APP_HEX"
grep "app entered" "$EMU_LOG"

slot_equals "$APP_BIN" "$WORK/dump.bin" || fail "the slot differs from the image"
cmp -s "$WORK/dump.bin" "$FLASH" || fail "--dump and --save differ"
ok "$IAP_BOARD: application slot equals the image byte for byte"

# A large image at 921600 baud (iap flash switches the line up; the
# bootloader loads the new BRR): many erases and frames, the core stalled
# on the flash while the DMA keeps receiving into its ring; every byte in
# place. (A resend is the
# protocol at work, not a failure: on a loaded machine the emulator can
# miss the host's 1 s answer timeout.)
big=$((IAP_APP_SIZE < 100 * 1024 ? 40 * 1024 : 224 * 1024))
make_bin "$WORK/big.bin" "$IAP_APP_ADDR" "$big" big "$RAMTOP"
"$IAP" pack --addr "$IAP_APP_ADDR" --version 2.0.0 -o "$WORK/big.iap" \
	"$WORK/big.bin" >/dev/null || fail "pack big"
start_emu "$WORK/emu3.log" --flash "$FLASH" --request-update \
	--dump "$WORK/dump3.bin" --strict
"$IAP" flash --port "$EMU_PTY" "$WORK/big.iap" >"$WORK/flash3.log" 2>&1 ||
	{ cat "$WORK/flash3.log"; fail "iap flash (large image)"; }
wait_emu
[ "$EMU_RC" -eq 0 ] || fail "iap-emu exit $EMU_RC (large image)"
emu_says "app entered at $(printf '0x%08x' $((IAP_APP_ADDR + 0x200)))"
emu_says " 0 overruns"
no_violations "large image"
slot_equals "$WORK/big.bin" "$WORK/dump3.bin" || fail "large image: slot differs"
grep -q "line: 921600 baud (switched up from 115200)" "$WORK/flash3.log" ||
	{ cat "$WORK/flash3.log"; fail "large image: the line did not switch to 921600 (BRR)"; }
grep -Eq "protocol v2, window [2-9]" "$WORK/flash3.log" ||
	{ cat "$WORK/flash3.log"; fail "large image: not sent with a protocol v2 window"; }
grep -q "^verifying: 100%" "$WORK/flash3.log" ||
	{ cat "$WORK/flash3.log"; fail "large image: no PROGRESS events while FINISH verified"; }
ok "$IAP_BOARD: $((big / 1024)) KiB through the real bootloader, protocol v2 ($(grep -Eo 'window [0-9]+ x [0-9]+' "$WORK/flash3.log"), sectors erased as the data arrives, $(grep -c '^verifying:' "$WORK/flash3.log") PROGRESS events at FINISH): $(grep -o '[0-9.]* KiB/s, [0-9]*% of' "$WORK/flash3.log") the line rate, $(grep -o '[0-9]* bytes sent again' "$WORK/flash3.log")"
grep "boot:" "$EMU_LOG"

# Resume through the real bootloader: the host is killed half way through
# another image, then the board loses power; at the next power-up (no
# image: update mode) iap flash asks by HASH and sends only the rest.
make_bin "$WORK/big2.bin" "$IAP_APP_ADDR" "$big" big2 "$RAMTOP"
"$IAP" pack --addr "$IAP_APP_ADDR" --version 2.1.0 -o "$WORK/big2.iap" \
	"$WORK/big2.bin" >/dev/null || fail "pack big2"
cp "$FLASH" "$WORK/flash5.bin"
start_emu "$WORK/emu5.log" --flash "$WORK/flash5.bin" --save --request-update --strict
"$IAP" flash --port "$EMU_PTY" "$WORK/big2.iap" >"$WORK/flash5.log" 2>&1 &
kill_at_progress $! "$WORK/flash5.log" 50
stop_emu
start_emu "$WORK/emu6.log" --flash "$WORK/flash5.bin" --dump "$WORK/dump6.bin" --strict
"$IAP" flash --port "$EMU_PTY" "$WORK/big2.iap" >"$WORK/flash6.log" 2>&1 ||
	{ cat "$WORK/flash6.log"; fail "iap flash (resume)"; }
wait_emu
[ "$EMU_RC" -eq 0 ] || fail "iap-emu exit $EMU_RC (resume)"
from=$(sed -n 's/.*sending from offset \([0-9]*\).*/\1/p' "$WORK/flash6.log")
[ -n "$from" ] && [ "$from" -gt 0 ] || { cat "$WORK/flash6.log"; fail "resume: did not resume"; }
no_violations "resume"
slot_equals "$WORK/big2.bin" "$WORK/dump6.bin" || fail "resume: slot differs"
emu_says "app entered at $(printf '0x%08x' $((IAP_APP_ADDR + 0x200)))"
ok "$IAP_BOARD: host killed at 50%, board power-cycled: resumed from offset $from of $big, image verified and booted"

# Compressed, through the real bootloader's decompressor: an image made of
# real Cortex-M code (the board's bootloader and application binaries
# behind a vector table), sent as an LZSS stream.
{
	le32 "$RAMTOP"
	le32 $((IAP_APP_ADDR + 0x201))
	cat "$IAP_FW"/*.bin "$IAP_EMU_QEMU_FW"/*.bin "$APP_BIN"
} | head -c $((IAP_APP_SIZE - 4096)) >"$WORK/code.bin"
"$IAP" pack --addr "$IAP_APP_ADDR" --version 3.0.0 -o "$WORK/code.iap" \
	"$WORK/code.bin" >/dev/null || fail "pack code"
start_emu "$WORK/emu7.log" --flash "$FLASH" --request-update \
	--dump "$WORK/dump7.bin" --strict
"$IAP" flash --port "$EMU_PTY" --compress on "$WORK/code.iap" >"$WORK/flash7.log" 2>&1 ||
	{ cat "$WORK/flash7.log"; fail "iap flash --compress on"; }
wait_emu
[ "$EMU_RC" -eq 0 ] || fail "iap-emu exit $EMU_RC (compressed)"
grep -q "compressed: [0-9]* bytes sent" "$WORK/flash7.log" || { cat "$WORK/flash7.log"; fail "not compressed"; }
no_violations "compressed"
slot_equals "$WORK/code.bin" "$WORK/dump7.bin" || fail "compressed: slot differs"
emu_says "app entered at $(printf '0x%08x' $((IAP_APP_ADDR + 0x200)))"
ok "$IAP_BOARD: $(grep -o 'compressed: .*' "$WORK/flash7.log") through the real bootloader; image verified and booted"

# A v1 host (one WRITE at a time, everything erased at START) against the
# same bootloader.
start_emu "$WORK/emu4.log" --flash "$FLASH" --request-update \
	--dump "$WORK/dump4.bin" --strict
"$IAP" flash --port "$EMU_PTY" --proto 1 "$WORK/app.iap" >"$WORK/flash4.log" 2>&1 ||
	{ cat "$WORK/flash4.log"; fail "iap flash --proto 1"; }
wait_emu
[ "$EMU_RC" -eq 0 ] || fail "iap-emu exit $EMU_RC (v1 host)"
grep -q "protocol v1: erase" "$WORK/flash4.log" || fail "--proto 1 did not speak v1"
no_violations "v1 host"
slot_equals "$APP_BIN" "$WORK/dump4.bin" || fail "v1 host: slot differs"
ok "$IAP_BOARD: a v1 host updates the v2 bootloader"

# Power-up without a host: the committed image boots after the hello window.
run_emu "$WORK/emu2.log" --flash "$FLASH" --strict --no-pty
[ "$EMU_RC" -eq 0 ] || fail "second boot: exit $EMU_RC"
emu_says "app entered at $entry"
no_violations "second boot"
ok "$IAP_BOARD: the next power-up boots the installed image"
grep "app entered" "$EMU_LOG"
finish
