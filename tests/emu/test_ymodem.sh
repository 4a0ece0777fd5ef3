#!/usr/bin/env bash
# The terminal menu and its YModem upload in the real bootloader: Enter
# and a digit typed on the emulated USART1, lrzsz `sb` sending an .iap
# file into the firmware's own receiver (DMA reception while the core
# stalls on page or sector erases), the image verified, committed and
# booted. The checks look at the board (what it boots, the slot bytes, the
# text it writes on the line), never at sb's exit status alone.
source "$IAP_TESTLIB"
source "$IAP_EMU_LIB"

command -v sb >/dev/null || {
	echo "SKIP: lrzsz sb not installed"
	exit 0
}

FLASH=$WORK/flash.bin
TERM_LOG=$WORK/term.txt
term_pty() { echo "$EMU_PTY"; }
APP=$(printf '0x%08x' "$IAP_APP_ADDR")

pack() { # pack NAME SIZE VERSION
	make_bin "$WORK/$1.bin" "$IAP_APP_ADDR" "$2" "$1" "$RAMTOP"
	"$IAP" pack --addr "$IAP_APP_ADDR" --version "$3" -o "$WORK/$1.iap" \
		"$WORK/$1.bin" >/dev/null || fail "pack $1"
}

# booted DUMP BIN: the board reached the image's first instruction and
# its slot holds BIN byte for byte; nothing broke the model's rules.
booted() {
	wait_emu 120
	[ "$EMU_RC" -eq 0 ] || fail "iap-emu exit $EMU_RC"
	emu_says "app entered at $(printf '0x%08x' $((IAP_APP_ADDR + 0x200)))"
	no_violations "ymodem"
	slot_equals "$2" "$1" || fail "the slot differs from $2"
}

pack v1 20111 1.0.0 # 20367 bytes: not a multiple of 128 or 1024
pack v2 5003 2.0.0
pack over $((IAP_APP_SIZE + 1)) 3.0.0

# A blank board: update mode; the menu shows no image; sb -k (1 KiB
# blocks) installs v1, which boots.
start_emu "$WORK/emu1.log" --boot "$BOOT_BIN" --flash "$FLASH" --save \
	--dump "$WORK/dump1.bin" --strict --op-log "$WORK/ops1.log"
sleep 0.5
: >"$TERM_LOG"
key '\r'
key '3'
term_says "installed:    none (slot $APP"
upload "$WORK/v1.iap" -k
booted "$WORK/dump1.bin" "$WORK/v1.bin"
[ -s "$WORK/ops1.log" ] || fail "no flash operation logged for an upload"
ok "$IAP_BOARD: blank board, sb -k into the real bootloader's menu: 20367 bytes in 1 KiB blocks verified, committed, booted"

# The application asked for an update: a plain .bin is refused before
# anything is erased; 2 boots the installed image.
start_emu "$WORK/emu2.log" --flash "$FLASH" --save --request-update \
	--dump "$WORK/dump2.bin" --strict --op-log "$WORK/ops2.log"
sleep 0.5
upload "$WORK/v2.bin" -k
term_says "not an .iap image"
term_says "nothing was erased"
key '2'
booted "$WORK/dump2.bin" "$WORK/v1.bin"
[ ! -s "$WORK/ops2.log" ] || { cat "$WORK/ops2.log"; fail "a refused .bin erased or programmed flash"; }
ok "$IAP_BOARD: a plain .bin refused with no flash operation, 2 boots 1.0.0"

# One byte over the slot: refused from the header alone.
start_emu "$WORK/emu3.log" --flash "$FLASH" --save --request-update \
	--dump "$WORK/dump3.bin" --strict --op-log "$WORK/ops3.log"
sleep 0.5
upload "$WORK/over.iap" -k
term_says "image larger than the slot"
key '2'
booted "$WORK/dump3.bin" "$WORK/v1.bin"
[ ! -s "$WORK/ops3.log" ] || fail "an image over the slot erased flash"
ok "$IAP_BOARD: an image one byte over the slot refused before any erase"

# The sender is killed half way: the board stays in the menu with nothing
# bootable; then 128-byte blocks (plain sb) install v2.
start_emu "$WORK/emu4.log" --flash "$FLASH" --save --request-update \
	--dump "$WORK/dump4.bin" --strict
sleep 0.5
sender_killed "$WORK/v1.iap"
term_says "upload failed: stopped by the sender"
kill -0 "$EMU_PID" 2>/dev/null || fail "the board left the menu after the abort"
key '2'
term_says "no valid image installed"
upload "$WORK/v2.iap"
booted "$WORK/dump4.bin" "$WORK/v2.bin"
ok "$IAP_BOARD: sender killed mid-transfer: no partial image booted; 128-byte blocks then install 2.0.0"
finish
