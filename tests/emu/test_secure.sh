#!/usr/bin/env bash
# Signed images on the real secure bootloader (bluepill-secure: the sample
# key's table, swap with revert, anti-rollback record): it says at power-up
# that it trusts the sample key; a signed blink installs and runs; an
# unsigned image, an image signed with another key, a signed field changed
# after signing, another board's image and an image with a lower security
# counter are each refused at START with their own error and no flash
# operation (op log), and the installed image runs again; the record is
# raised to the counter of the image that runs.
source "$IAP_TESTLIB"
source "$IAP_EMU_LIB"

[ "${IAP_SIGNED:-0}" -eq 1 ] || fail "$IAP_BOARD: not a signed layout (IAP_SIGNED=${IAP_SIGNED:-0})"
[ $((${IAP_ROLLBACK_SIZE:-0})) -gt 0 ] || fail "$IAP_BOARD: no anti-rollback record"
SRC=$(cd "$(dirname "$IAP_TESTLIB")/../.." && pwd)
SAMPLE=$SRC/keys/sample.pem
ENTRY=$(printf '0x%08x' $((0x$(reset_vector "$APP_BIN") & ~1)))
D=$WORK
cd "$D" || fail "cd $D"

# img NAME VERSION COUNTER [pack options]: blink with a tail of its own,
# signed with the sample key unless the options say otherwise.
img() {
	local name=$1 v=$2 c=$3
	shift 3
	cp "$APP_BIN" "$name.bin"
	yes "iapboot secure test $name" | head -c $((1000 + 37 * c)) >>"$name.bin"
	local key=(--key "$SAMPLE" --key-id 1)
	case " $* " in *" --key "* | *" --unsigned "*) key=() ;; esac
	local args=()
	for a in "$@"; do [ "$a" = --unsigned ] || args+=("$a"); done
	"$IAP" pack --addr "$IAP_APP_ADDR" --version "$v" --security-counter "$c" \
		"${key[@]}" "${args[@]}" -o "$name.iap" "$name.bin" >/dev/null ||
		fail "pack $name"
}

# runs VERSION: the last run reached blink's reset handler, which printed
# VERSION.
runs() {
	emu_says "app entered at $ENTRY after [0-9]* instructions (VTOR=$APP_HEX"
	grep -aq "blink on $IAP_BOARD: version $1+0, VTOR" uart.log ||
		fail "the application does not print version $1: $(cat -v uart.log)"
}

# record_is N: what iap status reads of the anti-rollback record.
record_is() {
	start_emu emu-st.log --flash "$FLASH" --save --request-update --strict \
		--uart-log uart.log
	"$IAP" status --port "$EMU_PTY" --boot >st.log 2>&1 || { cat st.log; fail "iap status"; }
	wait_emu
	grep -q "anti-rollback record: security counter $1 " st.log ||
		{ cat st.log; fail "the record is not $1"; }
}

# refused WHAT ERROR IMAGE: iap flash --force sends IMAGE, the bootloader
# refuses START with ERROR before any flash operation, the installed image
# runs afterwards.
refused() {
	local what=$1 want=$2
	start_emu emu-r.log --flash "$FLASH" --save --request-update --strict \
		--run-app=50 --uart-log uart.log --op-log ops.txt
	expect_fail "$IAP_BOARD: $what" "$want" "$IAP" flash --force --port "$EMU_PTY" \
		--baud-up off "$3"
	"$IAP" status --port "$EMU_PTY" --boot >st.log 2>&1 || { cat st.log; fail "$what: iap status --boot"; }
	wait_emu
	[ ! -s ops.txt ] || { cat ops.txt; fail "$what: $(grep -c '' ops.txt) flash operations"; }
	runs "$4"
}

img v1 1.0.0 1
img v2 2.0.0 2
img v0 0.9.0 0
img unsigned 2.0.0 2 --unsigned
"$IAP" keygen -o other.pem >/dev/null || fail "keygen"
img otherkey 2.0.0 2 --key other.pem --key-id 1
img otherboard 2.0.0 2 --board-id 0x0BAD0001
# A signed field (the version) changed after signing, the CRC made right.
{ head -c 24 v2.iap; printf '\x07'; tail -c +26 v2.iap | head -c 227; } >forged.tmp
crc=$(gzip -c forged.tmp | tail -c 8 | head -c 4 | od -An -tu4 | tr -d ' ')
{ cat forged.tmp; le32 "$crc"; tail -c +257 v2.iap; } >forged.iap

FLASH=$WORK/flash.bin
start_emu emu1.log --boot "$BOOT_BIN" --flash "$FLASH" --save --strict \
	--run-app=50 --uart-log uart.log
"$IAP" flash --port "$EMU_PTY" v1.iap >f1.log 2>&1 || { cat f1.log; fail "iap flash v1"; }
wait_emu
[ "$EMU_RC" -eq 0 ] || fail "install v1: iap-emu exit $EMU_RC"
runs 1.0.0
no_violations "install v1"
grep -aq "iapboot: development build: trusts the public SAMPLE key" uart.log ||
	fail "the bootloader does not announce the sample key: $(cat -v uart.log)"
grep -q "signatures required (Ed25519, 1 key id(s), the SAMPLE key among them), checked on receipt, at install and at every boot" f1.log ||
	{ cat f1.log; fail "iap flash does not show the device's trust"; }
grep -q "warning: the device trusts the public SAMPLE key" f1.log ||
	{ cat f1.log; fail "iap flash does not warn about the sample key"; }
ok "$IAP_BOARD: a signed v1 installs and runs; the bootloader and iap flash name the SAMPLE key"
record_is 1
ok "$IAP_BOARD: the record follows the running image's counter (1)"

refused "unsigned image" "IAP_ERR_UNSIGNED" unsigned.iap 1.0.0
refused "image signed with a key the bootloader lacks" "IAP_ERR_SIGNATURE" otherkey.iap 1.0.0
refused "signed field changed after signing" "IAP_ERR_SIGNATURE" forged.iap 1.0.0
refused "another board's image" "IAP_ERR_BOARD" otherboard.iap 1.0.0
refused "lower security counter" "IAP_ERR_ROLLBACK" v0.iap 1.0.0

start_emu emu2.log --flash "$FLASH" --save --request-update --strict \
	--run-app=50 --uart-log uart.log
"$IAP" flash --port "$EMU_PTY" v2.iap >f2.log 2>&1 || { cat f2.log; fail "iap flash v2"; }
wait_emu
runs 2.0.0
record_is 2
refused "v1 after v2 ran (rollback)" "IAP_ERR_ROLLBACK" v1.iap 2.0.0
ok "$IAP_BOARD: v2 (counter 2) installed and ran: the record is 2 and v1 is refused"
finish
