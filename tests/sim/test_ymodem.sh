#!/usr/bin/env bash
# The terminal menu and the YModem upload, driven as a user of a terminal
# program would: Enter, a digit, then lrzsz `sb` on the simulator's pty.
# The checks look at the device (what the simulator boots, the slot bytes,
# the text the device writes on the line), never at sb's exit status alone:
# lrzsz flushes its tty on exit, which on a pty can drop its last bytes.
source "$IAP_TESTLIB"

command -v sb >/dev/null || {
	echo "SKIP: lrzsz sb not installed"
	exit 0
}

BOARD=f103c8
APP=0x08004000
RAMTOP=0x20005000
SLOT=49152
FLASH=$WORK/dev.flash
TERM_LOG=$WORK/term.txt
term_pty() { echo "$SIM_PTY"; }

# booted VERSION BIN: the simulator booted VERSION after the upload, and
# the slot holds BIN byte for byte.
booted() {
	wait_sim
	[ "$SIM_RC" -eq 0 ] || fail "simulator exit $SIM_RC"
	sim_says "boot $APP version $1 (new image installed)"
	cmp -n "$(stat -c %s "$2")" "$2" \
		<(tail -c +$((APP - 0x08000000 + 1)) "$FLASH") ||
		fail "slot differs from $2"
}

# refused_then_boots VERSION TEXT: the upload was refused with TEXT
# before anything was erased, the device is back in the menu, and key 2
# boots the old VERSION.
refused_then_boots() {
	term_says "upload failed: $2"
	term_says "nothing was erased"
	kill -0 "$SIM_PID" 2>/dev/null || fail "device left the menu"
	key '2'
	wait_sim
	sim_says "boot $APP version $1 (boot chosen in the menu)"
	sim_says "flash ops 0 (erase 0"
}

pack() { # pack NAME SIZE VERSION
	make_bin "$WORK/$1.bin" $APP "$2" "$1" $RAMTOP
	"$IAP" pack --addr $APP --version "$3" -o "$WORK/$1.iap" "$WORK/$1.bin" \
		>/dev/null || fail "pack $1"
}

pack v1 3001 1.0.0+1   # 3257 bytes: not a multiple of 128 or 1024
pack v2 20111 1.1.0    # 20367 bytes
pack full $SLOT 2.0.0  # exactly the slot
pack over $((SLOT + 1)) 3.0.0
pack v4 7777 4.0.0

# --- A blank device: the menu in update mode, 1 KiB blocks.
rm -f "$FLASH"
start_sim $BOARD "$FLASH"
: >"$TERM_LOG"
key '\r'
key '3'
term_says "installed:    none (slot $APP, $SLOT bytes)"
term_says "last boot:    nothing to install"
key '2'
term_says "no valid image installed"
upload "$WORK/v1.iap" -k
booted 1.0.0+1 "$WORK/v1.bin"
ok "blank device: menu shows no image, sb -k uploads 3257 bytes, 1.0.0+1 boots"

# --- Enter in the hello window of a valid image; 128-byte blocks.
start_sim $BOARD "$FLASH" --hello-ms 1500
: >"$TERM_LOG"
key '\r'
sleep 2 # past the hello window: the menu holds the boot
kill -0 "$SIM_PID" 2>/dev/null || fail "booted under the open menu"
sim_says "update mode (terminal menu)"
key '3'
sha=$("$IAP" info "$WORK/v1.iap" | sed -n 's/^  sha256 *//p')
term_says "installed:    1.0.0+1 at $APP, 3001 bytes, board 0x00000000"
term_says "sha256:       ${sha:0:16}..."
upload "$WORK/v2.iap"
booted 1.1.0 "$WORK/v2.bin"
ok "Enter in the hello window opens the menu; show; plain sb (128) installs 1.1.0"

# --- An image exactly the slot size.
start_sim $BOARD "$FLASH" --request-update
upload "$WORK/full.iap" -k
booted 2.0.0 "$WORK/full.bin"
ok "an image exactly the slot size ($SLOT bytes) installs"

# --- One byte over the slot: refused from the header, nothing erased.
start_sim $BOARD "$FLASH" --request-update
upload "$WORK/over.iap" -k
refused_then_boots 2.0.0 "image larger than the slot"
ok "one byte over the slot: refused before any erase, 2.0.0 still boots"

# --- A plain .bin: refused, with how to make an .iap.
start_sim $BOARD "$FLASH" --request-update
upload "$WORK/v4.bin" -k
term_says "not an .iap image"
term_says "iap pack --addr $APP --version 1.0.0 -o app.iap app.bin"
refused_then_boots 2.0.0 "not an .iap image"
ok "a plain .bin: refused with the iap pack hint, nothing erased"

# --- A zero-length file.
: >"$WORK/empty.iap"
start_sim $BOARD "$FLASH" --request-update
upload "$WORK/empty.iap" -k
refused_then_boots 2.0.0 "the file is empty"
ok "a zero-length file: refused, nothing erased"

# --- The sender stops mid-transfer (paced line): back in the menu; the
# next upload works.
start_sim $BOARD "$FLASH" --request-update --baud 115200
stty -F "$SIM_PTY" 115200 # the terminal at the line's rate
sender_killed "$WORK/v2.iap"
term_says "upload failed: stopped by the sender"
term_says "the old image was erased: upload again"
kill -0 "$SIM_PID" 2>/dev/null || fail "device left the menu after the abort"
key '2'
term_says "no valid image installed"
upload "$WORK/v4.iap" -k
booted 4.0.0 "$WORK/v4.bin"
ok "sender killed mid-transfer: menu again, no partial image booted, next upload installs 4.0.0"

# --- The protocol still works next to an open menu.
start_sim $BOARD "$FLASH" --request-update
: >"$TERM_LOG"
key '\r'
"$IAP" status --port "$SIM_PTY" >"$WORK/status.log" 2>&1 ||
	{ cat "$WORK/status.log"; fail "iap status next to the menu"; }
grep -qF "installed:    4.0.0 at $APP" "$WORK/status.log" ||
	fail "iap status output"
"$IAP" flash --port "$SIM_PTY" "$WORK/v1.iap" >"$WORK/f.log" 2>&1 ||
	{ cat "$WORK/f.log"; fail "iap flash after the menu"; }
wait_sim
sim_says "boot $APP version 1.0.0+1"
ok "iap status and iap flash work with the menu open"

# --- Other layouts: the F4 (1 KiB blocks into a 4 KiB frame buffer) and
# a swap board (the app slot, as iap flash by default).
for spec in f407vg:0x08008000:0x20020000 f103cb-swap:0x08004000:0x20005000; do
	IFS=: read -r b APP RAMTOP <<<"$spec"
	FLASH=$WORK/$b.flash
	pack "$b" 40001 5.0.0
	rm -f "$FLASH"
	start_sim "$b" "$FLASH"
	upload "$WORK/$b.iap" -k
	booted 5.0.0 "$WORK/$b.bin"
	ok "$b: sb -k installs 5.0.0 into the app slot"
done
finish
