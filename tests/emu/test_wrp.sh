#!/usr/bin/env bash
# Self-protection (IAP_CFG_WRP, docs/WRITE_PROTECTION.md) on the emulated
# option bytes: the bootloader's first power-up write-protects its own
# pages and resets so that they load; later power-ups find them protected
# and boot; `iap flash` updates the application with the protection on;
# the flash controller model refuses to program or erase a protected page
# (the model's self-test program, which writes there directly: the
# bootloader's own driver never tries), and the driver reports it as
# IAP_ERR_PERM where it does write (the metadata, protected on purpose); a
# read-protected chip is left as it is. The option bytes persist in a
# file (--option-bytes, saved by --save).
source "$IAP_TESTLIB"
source "$IAP_EMU_LIB"
: "${IAP_EMU_SELFTEST:?set IAP_EMU_SELFTEST to selftest-CPU.elf}"

FLASH=$WORK/flash.bin
OB=$WORK/ob.bin

# ob_file HEX FILE: option bytes as iap-emu --option-bytes reads them.
ob_file() {
	printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')" >"$2"
}

# f1_ob WRPR: the F1's 16 bytes with RDP 0xA5, USER and Data 0xFF, and
# WRP0-3 from WRPR (each byte followed by its complement).
f1_ob() {
	local w=$1 i out=a55aff00ff00ff00
	for i in 0 8 16 24; do
		out=$out$(printf '%02x%02x' $(((w >> i) & 255)) $((~(w >> i) & 255)))
	done
	echo "$out"
}

# What the bootloader region becomes, per family (F1: one WRP bit per
# 4 KiB, described by 1 KiB page; F4: one nWRP bit per sector). meta.bin
# protects the unit after it as well (the metadata), rdp.bin turns the
# read protection on (F1 RDP 0x00; F4 level 2, which freezes the options).
if [ $((IAP_WRITE_SIZE)) -eq 2 ]; then
	units=$((IAP_BOOT_SIZE / 4096))
	PROT="WRP pages 0-$((IAP_BOOT_SIZE / 1024 - 1)) protected"
	WANT_OB=$(f1_ob $(((0xFFFFFFFF << units) & 0xFFFFFFFF)))
	ob_file "$(f1_ob $(((0xFFFFFFFF << (units + 1)) & 0xFFFFFFFF)))" "$WORK/meta.bin"
	ob_file 00ffff00ff00ff00ff00ff00ff00ff00 "$WORK/rdp.bin"
	PROGRAMMED="option bytes erased (OPTER)"
	REFUSED="WRPRTERR"
	ERASE="page erase"
else
	[ $((IAP_BOOT_SIZE)) -eq $((0x4000)) ] || fail "the test knows a 16 KiB F4 bootloader only"
	PROT="WRP sector 0 protected"
	# [0] OPTCR[7:2] 0xEC, [1] RDP 0xAA, [8..9] nWRP (the model's bytes)
	WANT_OB=ecaaffffffffffff
	WANT_OB=${WANT_OB}feffffffffffffff
	ob_file ecaaffffffffffff"fcffffffffffffff" "$WORK/meta.bin"
	ob_file ecccffffffffffff"ffffffffffffffff" "$WORK/rdp.bin"
	PROGRAMMED="option bytes programmed (OPTSTRT)"
	REFUSED="WRPERR"
	ERASE="sector erase"
fi

"$IAP" pack --addr "$IAP_APP_ADDR" --version 1.0.0 -o "$WORK/app.iap" \
	"$APP_BIN" >/dev/null || fail "pack"
entry=$(printf '0x%08x' $((0x$(reset_vector "$APP_BIN") & ~1)))

# First power-up, blank board with the factory option bytes: the bootloader
# programs them, resets, and comes back protected, waiting for a host.
start_emu "$WORK/emu1.log" --boot "$BOOT_BIN" --flash "$FLASH" --save \
	--option-bytes "$OB" --strict
for _ in $(seq 100); do
	grep -q "first receive poll" "$EMU_LOG" && break
	sleep 0.05
done
emu_says "$PROGRAMMED"
emu_says "reset (SYSRESETREQ)"
emu_says "option bytes loaded: $PROT"
emu_says "first receive poll"
ok "$IAP_BOARD: first power-up: option bytes programmed, reset, $PROT"
grep -E "option bytes|reset \(" "$EMU_LOG"

"$IAP" flash --port "$EMU_PTY" "$WORK/app.iap" >"$WORK/flash1.log" 2>&1 ||
	{ cat "$WORK/flash1.log"; fail "iap flash"; }
wait_emu
[ "$EMU_RC" -eq 0 ] || fail "iap-emu exit $EMU_RC"
emu_says "app entered at $entry"
emu_says "option bytes: $PROT"
emu_says ", 2 resets"
no_violations "first power-up"
grep -q "refused: write-protected" "$EMU_LOG" && fail "the bootloader wrote into its own region"
[ "$(od -An -tx1 -v "$OB" | tr -d ' \n')" = "$WANT_OB" ] ||
	fail "option bytes $(od -An -tx1 -v "$OB" | tr -d ' \n'), expected $WANT_OB"
cmp -n "$(stat -c %s "$BOOT_BIN")" "$BOOT_BIN" "$FLASH" || fail "the bootloader changed"
slot_equals "$APP_BIN" "$FLASH" || fail "the slot differs from the image"
ok "$IAP_BOARD: iap flash with the protection on: application installed and entered; option bytes saved ($WANT_OB)"

# The next power-up finds the pages protected: no programming, no reset.
run_emu "$WORK/emu2.log" --flash "$FLASH" --option-bytes "$OB" --strict --no-pty
[ "$EMU_RC" -eq 0 ] || fail "second power-up: exit $EMU_RC"
emu_says "app entered at $entry"
emu_says ", 1 reset$"
grep -qE "SYSRESETREQ|option bytes (erased|programmed)" "$EMU_LOG" &&
	fail "second power-up: the option bytes were programmed again"
no_violations "second power-up"
ok "$IAP_BOARD: second power-up: protected already, straight to the application"

# An update of the application with the protection on, through the real
# bootloader (requested by the application's request word).
make_bin "$WORK/v2.bin" "$IAP_APP_ADDR" $((12 * 1024)) v2 $((IAP_RAM_ADDR + IAP_RAM_SIZE))
"$IAP" pack --addr "$IAP_APP_ADDR" --version 2.0.0 -o "$WORK/v2.iap" \
	"$WORK/v2.bin" >/dev/null || fail "pack v2"
start_emu "$WORK/emu3.log" --flash "$FLASH" --option-bytes "$OB" \
	--request-update --dump "$WORK/dump3.bin" --strict
"$IAP" flash --port "$EMU_PTY" "$WORK/v2.iap" >"$WORK/flash3.log" 2>&1 ||
	{ cat "$WORK/flash3.log"; fail "iap flash (update)"; }
wait_emu
[ "$EMU_RC" -eq 0 ] || fail "update: iap-emu exit $EMU_RC"
emu_says "app entered at $(printf '0x%08x' $((IAP_APP_ADDR + 0x200)))"
no_violations "update"
slot_equals "$WORK/v2.bin" "$WORK/dump3.bin" || fail "update: slot differs"
cmp -n "$(stat -c %s "$BOOT_BIN")" "$BOOT_BIN" "$WORK/dump3.bin" || fail "update: the bootloader changed"
ok "$IAP_BOARD: update over the protected bootloader: new image installed and entered, bootloader intact"

# The hardware side: a program that writes the first flash unit directly
# (the model's self-test) gets the error flag and changes nothing.
cp "$OB" "$WORK/ob-st.bin"
printf 'ping\n' >"$WORK/ping"
run_emu "$WORK/st.log" --boot "$IAP_EMU_SELFTEST" --option-bytes "$WORK/ob-st.bin" \
	--semihosting --exact --speed 0 --no-pty --max-ms 2000 \
	--uart-input "$WORK/ping" --strict
[ "$EMU_RC" -eq 0 ] || fail "self-test: failed check $EMU_RC (17-20: write protection)"
emu_says "flash program at 0x08000000 refused: write-protected ($REFUSED)"
emu_says "flash $ERASE at 0x08000000 refused: write-protected ($REFUSED)"
emu_says "write protection: 2 program/erase operations refused"
ok "$IAP_BOARD: program and erase of a protected unit refused by the controller ($REFUSED), contents unchanged"

# The real driver's answer to the protection: with the metadata unit
# protected too, the bootloader's first erase of an update is refused by
# the controller and `iap flash` gets IAP_ERR_PERM (WRPRTERR/WRPERR mapped
# by flash_f1.c/flash_f4.c); nothing changes.
cp "$FLASH" "$WORK/flash5.bin"
start_emu "$WORK/emu5.log" --flash "$WORK/flash5.bin" --option-bytes "$WORK/meta.bin" \
	--request-update --strict
"$IAP" flash --port "$EMU_PTY" "$WORK/v2.iap" >"$WORK/flash5.log" 2>&1 &&
	{ cat "$WORK/flash5.log"; fail "protected metadata: iap flash succeeded"; }
grep -q "IAP_ERR_PERM" "$WORK/flash5.log" ||
	{ cat "$WORK/flash5.log"; fail "protected metadata: no IAP_ERR_PERM"; }
stop_emu
emu_says "erase at $(printf '0x%08x' "$IAP_META_ADDR") refused: write-protected ($REFUSED)"
cmp -s "$FLASH" "$WORK/flash5.bin" || fail "protected metadata: the flash changed"
no_violations "protected metadata"
ok "$IAP_BOARD: a protected unit the bootloader must write: the driver reports IAP_ERR_PERM ($(grep -o 'refused [A-Z]*: [^(]*(IAP_ERR_PERM, -1)' "$WORK/flash5.log" | head -n 1))"

# A read-protected chip: the bootloader leaves the option bytes alone (F1:
# erasing them would drop the read protection; F4 level 2: frozen) and
# boots without resetting.
cp "$FLASH" "$WORK/flash4.bin"
cp "$WORK/rdp.bin" "$WORK/ob4.bin"
run_emu "$WORK/emu4.log" --flash "$WORK/flash4.bin" --save \
	--option-bytes "$WORK/ob4.bin" --strict --no-pty
[ "$EMU_RC" -eq 0 ] || fail "read-protected: exit $EMU_RC"
emu_says "app entered at $entry"
emu_says ", 1 reset$"
emu_says "read protection on"
cmp -s "$WORK/rdp.bin" "$WORK/ob4.bin" || fail "read-protected: the option bytes changed"
no_violations "read-protected"
ok "$IAP_BOARD: read protection on: option bytes left as they are, no reset, the application boots"
finish
