#!/usr/bin/env bash
# Bad input, each a clear error and a non-zero exit, and nothing lost:
# what the metadata tells is refused before anything is erased, so the old
# image still boots; a failure that shows only after erasing leaves the
# device in update mode, taking the next upload.
source "$IAP_TESTLIB"

BOARD=f103c8
APP=0x08004000
RAMTOP=0x20005000
FLASH=$WORK/dev.flash

make_bin "$WORK/v1.bin" $APP 20000 one $RAMTOP
make_bin "$WORK/v2.bin" $APP 40000 two $RAMTOP
"$IAP" pack --addr $APP --version 1.0.0 -o "$WORK/v1.iap" "$WORK/v1.bin" >/dev/null || fail "pack v1"
"$IAP" pack --addr $APP --version 2.0.0 -o "$WORK/v2.iap" "$WORK/v2.bin" >/dev/null || fail "pack v2"

# --- Files that are broken: refused by the CLI before the port is touched.
head -c 1000 "$WORK/v1.iap" >"$WORK/trunc.iap"
expect_fail "info: truncated image" "truncated" "$IAP" info "$WORK/trunc.iap"
expect_fail "flash: truncated image" "truncated" \
	"$IAP" flash --port /dev/null/none "$WORK/trunc.iap"

cp "$WORK/v1.iap" "$WORK/corrupt.iap"
printf 'X' | dd of="$WORK/corrupt.iap" bs=1 seek=5000 conv=notrunc status=none
expect_fail "info: corrupted payload" "SHA-256" "$IAP" info "$WORK/corrupt.iap"
expect_fail "flash: corrupted payload" "SHA-256" \
	"$IAP" flash --port /dev/null/none "$WORK/corrupt.iap"

cp "$WORK/v1.iap" "$WORK/hdr.iap"
printf '\x01' | dd of="$WORK/hdr.iap" bs=1 seek=20 conv=notrunc status=none
expect_fail "info: corrupted header" "CRC" "$IAP" info "$WORK/hdr.iap"

expect_fail "pack: reset vector outside the image" "reset vector" \
	"$IAP" pack --addr 0x08010000 -o "$WORK/x.iap" "$WORK/v1.bin"
[ ! -e "$WORK/x.iap" ] || fail "failed pack left an output file"
ok "failed pack leaves no output file"
expect_fail "pack: missing input" "no-such.bin" \
	"$IAP" pack --addr $APP -o "$WORK/x.iap" "$WORK/no-such.bin"

expect_fail "flash: no such port" "cannot open" \
	"$IAP" flash --port "$WORK/no-such-tty" "$WORK/v1.iap"
expect_fail "status: no such port" "iap status: .*cannot open" \
	"$IAP" status --port "$WORK/no-such-tty"
expect_fail "status: no --port" "--port is required" "$IAP" status
expect_fail "status: stray argument" "unexpected argument 'x.iap'" \
	"$IAP" status --port "$WORK/no-such-tty" x.iap

# --- Install 1.0.0, then offer images the device must refuse.
start_sim $BOARD "$FLASH"
"$IAP" flash --port "$SIM_PTY" "$WORK/v1.iap" >/dev/null 2>&1 || fail "install v1"
wait_sim
sim_says "version 1.0.0"

big=$((0xC000 + 4))
make_bin "$WORK/big.bin" $APP $big big $RAMTOP
"$IAP" pack --addr $APP -o "$WORK/big.iap" "$WORK/big.bin" >/dev/null || fail "pack big"
make_bin "$WORK/low.bin" 0x08000000 4096 low $RAMTOP
"$IAP" pack --addr 0x08000000 -o "$WORK/low.iap" "$WORK/low.bin" >/dev/null || fail "pack low"

start_sim $BOARD "$FLASH" --request-update
expect_fail "flash: image larger than the slot (host check)" "slot" \
	"$IAP" flash --port "$SIM_PTY" "$WORK/big.iap"
expect_fail "flash: image larger than the slot (device refuses)" "IAP_ERR_FBIG" \
	"$IAP" flash --force --port "$SIM_PTY" "$WORK/big.iap"
expect_fail "flash: image linked for another address (host check)" "0x08000000" \
	"$IAP" flash --port "$SIM_PTY" "$WORK/low.iap"
expect_fail "flash: image linked for another address (device refuses)" "IAP_ERR_RANGE" \
	"$IAP" flash --force --port "$SIM_PTY" "$WORK/low.iap"
stop_sim

# Power cycle without a host: the old image is intact and boots.
start_sim $BOARD "$FLASH" --hello-ms 50
wait_sim
sim_says "boot 0x08004000 version 1.0.0 (valid image)"
ok "refused images left 1.0.0 bootable"

# --- Garbage on the line before a good upload.
start_sim $BOARD "$FLASH" --request-update
head -c 20000 /dev/urandom >"$SIM_PTY"
"$IAP" flash --port "$SIM_PTY" "$WORK/v2.iap" >"$WORK/g.log" 2>&1 ||
	{ cat "$WORK/g.log"; fail "upload after garbage"; }
wait_sim
sim_says "version 2.0.0"
ok "garbage on the link is ignored; the upload after it works"

# --- The host dies in the middle of an upload (paced line: 115200 baud).
start_sim $BOARD "$FLASH" --request-update --baud 115200
"$IAP" flash --port "$SIM_PTY" --baud-up off "$WORK/v1.iap" >"$WORK/k.log" 2>&1 &
host=$!
sleep 1
kill -9 $host 2>/dev/null
wait $host 2>/dev/null
kill -0 "$SIM_PID" || fail "simulator died with the host"
ok "host killed mid-upload; device still in update mode"
stop_sim
# Reset: the partial image is never booted.
start_sim $BOARD "$FLASH" --hello-ms 50 --idle-ms 100
sleep 1
kill -0 "$SIM_PID" 2>/dev/null || fail "device left update mode with a partial image"
sim_says "update mode (no image)"
ok "after the cut link the device waits in update mode, not booting a partial image"
# The next upload is taken.
"$IAP" flash --port "$SIM_PTY" "$WORK/v2.iap" >"$WORK/r.log" 2>&1 ||
	{ cat "$WORK/r.log"; fail "upload after the cut"; }
wait_sim
sim_says "version 2.0.0"
ok "next upload after the cut installs and boots 2.0.0"
finish
