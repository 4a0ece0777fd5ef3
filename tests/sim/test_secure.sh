#!/usr/bin/env bash
# Signed images end to end on the f103cb-secure board (swap with revert and
# an anti-rollback record), each iap-sim process a power-on of a device
# whose key table holds the sample key (id 1), a second key (id 2) and a
# key to be revoked (id 3). Every attack is refused with its own error
# before the slot is touched, and the installed image keeps booting:
# unsigned, unknown key, revoked key, a changed signed field, a header
# whose size wraps, an image linked over the bootloader, another board's
# image, a lower security counter. Then key rotation, the record raised
# only once a new image confirmed itself, and the boot-time signature
# check (--boot-sig) against a meta record changed in flash.
# shellcheck source=tests/sim/lib.sh
source "$IAP_TESTLIB"

SRC=$(cd "$(dirname "$IAP_TESTLIB")/../.." && pwd)
SAMPLE=$SRC/keys/sample.pem
BOARD=f103cb-secure
APP=0x08006C00
META=0x08006000
RAMTOP=0x20005000
FLASH=$WORK/dev.flash
D=$WORK
cd "$D" || fail "cd $D"

# hexkey PEM: the raw public key in hex, as iap export-key prints it.
hexkey() {
	"$IAP" export-key --pub "$1" --key-id 9 -o "$D/k.c" 2>/dev/null |
		awk '/key id/ {print $4}'
}
"$IAP" keygen -o k2.pem >/dev/null || fail "keygen k2"
"$IAP" keygen -o k3.pem >/dev/null || fail "keygen k3"
"$IAP" keygen -o k4.pem >/dev/null || fail "keygen k4"
K2=$(hexkey k2.pem)
K3=$(hexkey k3.pem)
[ ${#K2} -eq 64 ] && [ ${#K3} -eq 64 ] || fail "raw keys: '$K2' '$K3'"
TRUST=(--trust-sample --trust-key "2:$K2" --trust-key "3:$K3")
# The committed sample table is what iap export-key writes for the key.
(cd "$SRC" && "$IAP" export-key --pub keys/sample.pub.pem --key-id 1 \
	-o "$D/sample_keys.c" >/dev/null 2>&1) || fail "export-key of the sample key"
cmp -s "$D/sample_keys.c" "$SRC/keys/sample_keys.c" ||
	fail "keys/sample_keys.c is not what iap export-key writes (make it again, keys/README.md)"
ok "keys/sample_keys.c is iap export-key's output for keys/sample.pub.pem"

# img NAME VERSION COUNTER [pack options]: a signed image (the sample key
# unless the options give --key/--key-id).
img() {
	local name=$1 v=$2 c=$3
	shift 3
	local key=(--key "$SAMPLE" --key-id 1)
	case " $* " in *" --key "* | *" --unsigned "*) key=() ;; esac
	local args=()
	for a in "$@"; do [ "$a" = --unsigned ] || args+=("$a"); done
	make_bin "$name.bin" $APP $((3000 + c * 7 + ${#name})) "$name" $RAMTOP
	"$IAP" pack --addr $APP --version "$v" --security-counter "$c" \
		"${key[@]}" "${args[@]}" -o "$name.iap" "$name.bin" >/dev/null ||
		fail "pack $name"
}

# power_on [iap-sim options]: a power-on that boots without a host.
power_on() {
	start_sim $BOARD "$FLASH" --hello-ms 0 "${TRUST[@]}" "$@"
	wait_sim
	[ "$SIM_RC" -eq 0 ] || fail "power-on: exit $SIM_RC"
}

# refused WHAT PATTERN IMAGE [iap flash options]: iap flash --force sends
# IMAGE, the device refuses it with PATTERN, nothing in flash changes, the
# installed image boots at the next power-on.
refused() {
	local what=$1 pattern=$2 image=$3
	shift 3
	cp "$FLASH" before.flash
	start_sim $BOARD "$FLASH" --request-update --idle-ms 300 "${TRUST[@]}"
	expect_fail "$what" "$pattern" "$IAP" flash --force --port "$SIM_PTY" "$@" "$image"
	wait_sim
	cmp -s before.flash "$FLASH" || fail "$what: the flash changed"
}

img v1 1.0.0 1
img v2 2.0.0 2
img v3 3.0.0 3
img v0 0.9.0 0
img unsigned 2.0.0 2 --unsigned
img k2img 2.1.0 2 --key k2.pem --key-id 2
img k3img 2.2.0 2 --key k3.pem --key-id 3
img k4img 2.3.0 2 --key k4.pem --key-id 4
img other 2.0.0 2 --board-id 0x0BAD0001

# --- A signed install on an erased device.
rm -f "$FLASH"
start_sim $BOARD "$FLASH" "${TRUST[@]}"
"$IAP" flash --port "$SIM_PTY" v1.iap >i.log 2>&1 || { cat i.log; fail "install v1"; }
wait_sim
sim_says "signatures required: 3 key(s), 0 revoked"
sim_says "WARNING: the key table holds the public SAMPLE key"
sim_says "boot 0x08006c00 version 1.0.0"
grep -q "signatures required (Ed25519, 3 key id(s), the SAMPLE key among them)" i.log ||
	{ cat i.log; fail "iap flash does not show the trust"; }
grep -q "warning: the device trusts the public SAMPLE key" i.log ||
	{ cat i.log; fail "iap flash does not warn about the sample key"; }
ok "a signed 1.0.0 installs; the device and iap flash say it trusts the SAMPLE key"
power_on
sim_says "anti-rollback record: security counter 1"
sim_says "boot 0x08006c00 version 1.0.0 (valid image)"
ok "1.0.0 boots and raised the record to its counter 1"

# --- The attacks: each refused before anything is erased.
expect_fail "iap flash refuses an unsigned image for this device" \
	"not signed, and the device accepts signed images only" \
	bash -c "$(declare -f start_sim wait_sim); IAP_SIM=$IAP_SIM; WORK=$WORK; \
		start_sim $BOARD $FLASH --request-update --idle-ms 300 ${TRUST[*]}; \
		$IAP flash --port \$SIM_PTY unsigned.iap; rc=\$?; wait_sim; exit \$rc"
refused "unsigned image (--force)" "IAP_ERR_UNSIGNED" unsigned.iap
refused "image signed with a key the device lacks" "IAP_ERR_KEY" k4img.iap
# Key 3 revoked: a bootloader rebuilt with `iap export-key --revoke 3`.
TRUST=(--trust-sample --trust-key "2:$K2" --revoke 3)
refused "image signed with a revoked key" "IAP_ERR_REVOKED" k3img.iap
# One signed field changed (the version), the header CRC made right again.
{ head -c 24 v2.iap; printf '\x07'; tail -c +26 v2.iap | head -c 227; } >forged.tmp
crc=$(head -c 252 forged.tmp | gzip -c | tail -c 8 | head -c 4 | od -An -tu4 | tr -d ' ')
{ cat forged.tmp; le32 "$crc"; tail -c +257 v2.iap; } >forged.iap
"$IAP" info forged.iap >/dev/null 2>&1 || fail "forged.iap is not a well-formed .iap"
refused "a signed field changed after signing" "IAP_ERR_SIGNATURE" forged.iap
# A size that wraps the slot arithmetic, CRC right: the signature fails first.
{ head -c 12 v2.iap; le32 0xFFFFFFF0; tail -c +17 v2.iap | head -c 236; } >wrap.tmp
crc=$(head -c 252 wrap.tmp | gzip -c | tail -c 8 | head -c 4 | od -An -tu4 | tr -d ' ')
{ cat wrap.tmp; le32 "$crc"; } >wrap.hdr
start_sim $BOARD "$FLASH" --request-update --idle-ms 300 "${TRUST[@]}"
cp "$FLASH" before.flash
expect_fail "iap flash refuses a header whose size wraps" "trailing|truncated|size|bytes" \
	"$IAP" flash --force --port "$SIM_PTY" wrap.hdr
wait_sim
cmp -s before.flash "$FLASH" || fail "wrapped size: the flash changed"
refused "another board's image" "IAP_ERR_BOARD" other.iap
power_on
sim_says "boot 0x08006c00 version 1.0.0 (valid image)"
ok "after every refusal 1.0.0 still boots, the flash unchanged"

# --- Key rotation: key 2 installs; then a bootloader with key 2 only.
start_sim $BOARD "$FLASH" --request-update "${TRUST[@]}" --confirm
"$IAP" flash --port "$SIM_PTY" --slot stage k2img.iap >u.log 2>&1 || { cat u.log; fail "stage k2img"; }
wait_sim
sim_says "boot 0x08006c00 version 2.1.0 (new image installed)"
sim_says "application confirmed the image"
TRUST=(--trust-key "2:$K2")
power_on
sim_says "boot 0x08006c00 version 2.1.0 (valid image)"
sim_says "anti-rollback record: security counter 2"
refused "after the rotation, an image signed with the old key" "IAP_ERR_KEY" v3.iap --slot stage
ok "key rotation: 2.1.0 signed with key 2 installs; a table without key 1 refuses key 1's images"
TRUST=(--trust-sample --trust-key "2:$K2")

# --- Anti-rollback: lower counter refused before anything is erased.
refused "an image with a lower security counter (--force)" "IAP_ERR_ROLLBACK" v1.iap --slot stage
expect_fail "iap flash names the rollback before sending" "security counter 0, below the device's anti-rollback record 2" \
	bash -c "$(declare -f start_sim wait_sim); IAP_SIM=$IAP_SIM; WORK=$WORK; \
		start_sim $BOARD $FLASH --request-update --idle-ms 300 ${TRUST[*]}; \
		$IAP flash --port \$SIM_PTY --slot stage v0.iap; rc=\$?; wait_sim; exit \$rc"
# 3.0.0 (counter 3) on trial, never confirmed: the record stays at 2.
start_sim $BOARD "$FLASH" --request-update "${TRUST[@]}"
"$IAP" flash --port "$SIM_PTY" --slot stage v3.iap >u.log 2>&1 || { cat u.log; fail "stage v3"; }
wait_sim
sim_says "boot 0x08006c00 version 3.0.0 (new image installed)"
sim_says "anti-rollback record: security counter 2"
power_on
sim_says "boot record: reverted"
sim_says "boot 0x08006c00 version 2.1.0"
sim_says "anti-rollback record: security counter 2"
ok "3.0.0 on trial did not raise the record; the revert to 2.1.0 (counter 2) boots"
# Confirmed this time: the record follows at the next power-on.
start_sim $BOARD "$FLASH" --request-update "${TRUST[@]}" --confirm
"$IAP" flash --port "$SIM_PTY" --slot stage v3.iap >u.log 2>&1 || { cat u.log; fail "stage v3 again"; }
wait_sim
power_on
sim_says "boot 0x08006c00 version 3.0.0 (valid image)"
start_sim $BOARD "$FLASH" --request-update --idle-ms 300 "${TRUST[@]}"
"$IAP" status --port "$SIM_PTY" >s.log 2>&1 || { cat s.log; fail "iap status"; }
wait_sim
grep -q "anti-rollback record: security counter 3 (installed image: 3)" s.log ||
	{ cat s.log; fail "iap status does not show the record at 3"; }
refused "2.0.0 after 3.0.0 confirmed" "IAP_ERR_ROLLBACK" v2.iap --slot stage
ok "3.0.0 confirmed: the record is 3, 2.0.0 is refused"

# --- The boot-time check: a signature byte of the meta record changed in
# flash (CRC made right), as an application that rewrote it would.
off=$((META - 0x08000000))
head -c $((off + 256)) "$FLASH" | tail -c 256 >meta.bin
{ head -c 100 meta.bin; printf '\x5a'; tail -c +102 meta.bin | head -c 151; } >meta.tmp
crc=$(gzip -c meta.tmp | tail -c 8 | head -c 4 | od -An -tu4 | tr -d ' ')
{ cat meta.tmp; le32 "$crc"; } >meta.new
dd if=meta.new of="$FLASH" bs=1 seek=$off conv=notrunc status=none
power_on
sim_says "boot 0x08006c00 version 3.0.0 (valid image)"
ok "without --boot-sig the boot checks hash and counter: the changed signature is not seen"
start_sim $BOARD "$FLASH" --hello-ms 0 "${TRUST[@]}" --boot-sig
for _ in $(seq 100); do
	grep -q "update mode" "$SIM_LOG" && break
	sleep 0.05
done
stop_sim
sim_says "update mode (image failed verification)"
grep -q "boot 0x08006c00" "$SIM_LOG" && fail "--boot-sig booted an image whose signature fails"
ok "with --boot-sig the changed signature keeps the device in update mode"
finish
