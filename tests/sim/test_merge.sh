#!/usr/bin/env bash
# iap merge: the production image (bootloader + meta record + application)
# compared byte for byte with the same image built by srec_cat, its HEX
# output read back by srec_cat, and the image used as the simulator's flash:
# the device boots the application on its first power-up and still takes
# updates. Bad inputs are refused with a clear message and leave no file.
# shellcheck source=tests/sim/lib.sh
source "$IAP_TESTLIB"

command -v srec_cat >/dev/null || fail "srec_cat not found (package srecord)"

# meta_bin IAP WRITE_SIZE OUT: the meta record as the device writes it:
# the 256-byte header of the .iap, then the commit word "COMM" padded with
# zeros to max(4, write size).
meta_bin() {
	local iap=$1 ws=$2 out=$3 n
	n=$((ws > 4 ? ws : 4))
	{
		head -c 256 "$iap"
		printf 'COMM'
		head -c $((n - 4)) /dev/zero
	} >"$out"
}

# expected_bin BOOT META META_ADDR APP APP_ADDR OUT: srec_cat's image from
# 0x08000000 to the end of the payload, gaps 0xFF.
expected_bin() {
	local boot=$1 meta=$2 meta_addr=$3 app=$4 app_addr=$5 out=$6 end
	end=$((app_addr + $(stat -c %s "$app")))
	srec_cat '(' "$boot" -binary -offset 0x08000000 \
		"$meta" -binary -offset "$meta_addr" \
		"$app" -binary -offset "$app_addr" ')' \
		-fill 0xFF 0x08000000 "$end" -offset -0x08000000 \
		-o "$out" -binary || fail "srec_cat could not build $out"
}

# pad FILE SIZE OUT: FILE followed by 0xFF up to SIZE bytes (a whole flash).
pad() {
	srec_cat "$1" -binary -fill 0xFF 0 "$2" -o "$3" -binary ||
		fail "srec_cat could not pad $1"
}

# check_board BOARD META_ADDR APP_ADDR WRITE_SIZE FLASH_SIZE RAMTOP BOOT_SIZE
check_board() {
	local board=$1 meta=$2 app=$3 ws=$4 fsize=$5 ramtop=$6 bsize=$7
	local d=$WORK/$board
	mkdir -p "$d"

	make_bin "$d/boot.bin" 0x08000000 "$bsize" "boot-$board" "$ramtop"
	make_bin "$d/app.bin" "$app" 30001 "app-$board" "$ramtop"
	"$IAP" pack --addr "$app" --version 1.4.2+9 -o "$d/app.iap" \
		"$d/app.bin" >/dev/null || fail "$board: pack"

	"$IAP" merge --boot "$d/boot.bin" --app "$d/app.iap" --layout "$board" \
		-o "$d/merged.bin" --hex "$d/merged.hex" >"$d/merge.log" 2>&1 ||
		{ cat "$d/merge.log"; fail "$board: iap merge"; }
	ok "$board: iap merge wrote $(stat -c %s "$d/merged.bin") bytes"

	# (1) The same image built by srec_cat, byte for byte.
	meta_bin "$d/app.iap" "$ws" "$d/meta.bin"
	expected_bin "$d/boot.bin" "$d/meta.bin" "$meta" "$d/app.bin" "$app" \
		"$d/expected.bin"
	cmp "$d/merged.bin" "$d/expected.bin" ||
		fail "$board: merged.bin differs from srec_cat's image"
	ok "$board: merged.bin equals srec_cat's boot + meta + app image"

	srec_cat "$d/merged.hex" -intel -offset -0x08000000 \
		-o "$d/from-hex.bin" -binary ||
		fail "$board: srec_cat cannot read merged.hex"
	cmp "$d/merged.bin" "$d/from-hex.bin" ||
		fail "$board: merged.hex differs from merged.bin"
	ok "$board: merged.hex, read by srec_cat, equals merged.bin"

	# (2) First power-up of a device programmed with the image.
	pad "$d/merged.bin" "$fsize" "$d/flash.bin"
	start_sim "$board" "$d/flash.bin" --hello-ms 50
	wait_sim
	[ "$SIM_RC" -eq 0 ] || fail "$board: simulator exit $SIM_RC"
	sim_says "iap-sim: boot $(printf '0x%08x' "$app") version 1.4.2+9 (valid image)"
	ok "$board: first power-up boots the merged application"

	# The bootloader keeps working: the application asks for an update.
	make_bin "$d/v2.bin" "$app" 20000 "v2-$board" "$ramtop"
	"$IAP" pack --addr "$app" --version 2.0.0 -o "$d/v2.iap" \
		"$d/v2.bin" >/dev/null || fail "$board: pack v2"
	start_sim "$board" "$d/flash.bin" --request-update
	"$IAP" flash --port "$SIM_PTY" "$d/v2.iap" >"$d/flash.log" 2>&1 ||
		{ cat "$d/flash.log"; fail "$board: update after merge"; }
	wait_sim
	sim_says "version 2.0.0"
	cmp -n "$bsize" "$d/flash.bin" "$d/boot.bin" ||
		fail "$board: the update touched the bootloader"
	ok "$board: the merged device takes an update; bootloader untouched"
}

check_board f103c8 0x08003C00 0x08004000 2 65536 0x20005000 9000
check_board f407vg 0x08004000 0x08008000 4 1048576 0x20020000 15000

# --- An application packed on the fly (raw .bin), a HEX bootloader, and an
# explicit layout with an 8-byte write unit.
D=$WORK/explicit
mkdir -p "$D"
make_bin "$D/boot.bin" 0x08000000 3000 boot-x 0x20005000
"$IAP" pack --addr 0x08000000 -o "$D/boot.iap" "$D/boot.bin" >/dev/null || fail "pack boot"
srec_cat "$D/boot.bin" -binary -offset 0x08000000 -o "$D/boot.hex" -intel ||
	fail "srec_cat boot.hex"
make_bin "$D/app.bin" 0x08002000 5001 app-x 0x20005000
"$IAP" merge --boot "$D/boot.hex" --app "$D/app.bin" --version 3.1.0 \
	--meta-addr 0x08001000 --meta-size 0x800 --app-addr 0x08002000 \
	--app-size 0x6000 --write-size 8 -o "$D/merged.bin" >"$D/m.log" 2>&1 ||
	{ cat "$D/m.log"; fail "merge with an explicit layout"; }
"$IAP" pack --addr 0x08002000 --version 3.1.0 -o "$D/app.iap" "$D/app.bin" >/dev/null ||
	fail "pack app"
meta_bin "$D/app.iap" 8 "$D/meta.bin"
[ "$(stat -c %s "$D/meta.bin")" -eq 264 ] || fail "meta.bin size"
expected_bin "$D/boot.bin" "$D/meta.bin" 0x08001000 "$D/app.bin" 0x08002000 \
	"$D/expected.bin"
cmp "$D/merged.bin" "$D/expected.bin" ||
	fail "explicit layout: merged.bin differs from srec_cat's image"
ok "raw app packed on the fly, HEX bootloader, 8-byte commit unit: equals srec_cat"

# --- (3) Bad inputs: a clear message, exit 1, and no output file.
B=$WORK/bad
mkdir -p "$B"
make_bin "$B/app.bin" 0x08004000 20000 app 0x20005000
"$IAP" pack --addr 0x08004000 -o "$B/app.iap" "$B/app.bin" >/dev/null || fail "pack"

make_bin "$B/bigboot.bin" 0x08000000 17408 big 0x20005000
expect_fail "bootloader overlapping the meta region" \
	"bootloader is 17408 bytes and runs into the meta region at 0x08003C00" \
	"$IAP" merge --boot "$B/bigboot.bin" --app "$B/app.iap" --layout f103c8 \
	-o "$B/out.bin" --hex "$B/out.hex"

make_bin "$B/boot.bin" 0x08000000 4096 boot 0x20005000
make_bin "$B/big.bin" 0x08004000 $((0xC000 + 4)) big 0x20005000
"$IAP" pack --addr 0x08004000 -o "$B/big.iap" "$B/big.bin" >/dev/null || fail "pack big"
expect_fail "application larger than the slot" \
	"application is 49156 bytes, larger than the 49152-byte slot at 0x08004000" \
	"$IAP" merge --boot "$B/boot.bin" --app "$B/big.iap" --layout f103c8 \
	-o "$B/out.bin" --hex "$B/out.hex"

make_bin "$B/f4.bin" 0x08008000 4096 f4 0x20005000
"$IAP" pack --addr 0x08008000 -o "$B/f4.iap" "$B/f4.bin" >/dev/null || fail "pack f4"
expect_fail "application linked for another address" \
	"application linked for 0x08008000, but the application slot is at 0x08004000" \
	"$IAP" merge --boot "$B/boot.bin" --app "$B/f4.iap" --layout f103c8 \
	-o "$B/out.bin" --hex "$B/out.hex"
expect_fail "raw application linked for another address" \
	"reset vector 0x08008201 is outside the image" \
	"$IAP" merge --boot "$B/boot.bin" --app "$B/f4.bin" --layout f103c8 \
	-o "$B/out.bin"

expect_fail "bootloader not at the flash base" \
	"starts at 0x08001000, not at the flash base 0x08000000" \
	"$IAP" merge --boot "$B/boot.bin" --boot-addr 0x08001000 \
	--app "$B/app.iap" --layout f103c8 -o "$B/out.bin"

cp "$B/app.iap" "$B/corrupt.iap"
printf 'X' | dd of="$B/corrupt.iap" bs=1 seek=5000 conv=notrunc status=none
expect_fail "image payload hash mismatch" "payload SHA-256 does not match" \
	"$IAP" merge --boot "$B/boot.bin" --app "$B/corrupt.iap" --layout f103c8 \
	-o "$B/out.bin" --hex "$B/out.hex"

if [ -e "$B/out.bin" ] || [ -e "$B/out.hex" ] ||
	[ -n "$(find "$B" -name '*.tmp')" ]; then
	fail "a failed merge left a file"
fi
ok "failed merges leave no output file"

rc=0
"$IAP" merge --boot "$B/boot.bin" --app "$B/app.iap" -o "$B/out.bin" \
	>/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "merge without a layout: exit $rc, expected 2"
ok "merge without a layout is a usage error (exit 2)"
finish
