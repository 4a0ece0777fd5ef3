#!/usr/bin/env bash
# Ed25519 image signatures against the openssl command line: a key made by
# `openssl genpkey` signs with `iap pack --key`; `openssl pkeyutl` accepts
# the signature of the 88 signed header bytes and refuses it when one of
# them changes; openssl reads the keys `iap keygen` writes; `iap verify`
# and `iap sign` interoperate with openssl's keys; the table
# `iap export-key` writes compiles with the bootloader's header and holds
# the raw keys openssl sees. No device is involved.
# shellcheck source=tests/sim/lib.sh
source "$IAP_TESTLIB"

command -v openssl >/dev/null || fail "openssl not found (package openssl)"
SRC=$(cd "$(dirname "$IAP_TESTLIB")/../.." && pwd)
CC=${CC:-cc}
APP=0x08004000
D=$WORK
cd "$D" || fail "cd $D"

# raw_pub PEM: the 32-byte raw public key of a PEM key (public or private)
# in hex, as openssl sees it (the last 32 bytes of the DER public key).
raw_pub() {
	local in=(-in "$1")
	grep -q 'PUBLIC KEY' "$1" && in=(-pubin "${in[@]}")
	openssl pkey "${in[@]}" -pubout -outform DER | tail -c 32 | od -An -tx1 -v | tr -d ' \n'
}

# signed_part IAP OUT / sig_part IAP OUT: bytes 0..87 and 88..151.
signed_part() { head -c 88 "$1" >"$2"; }
sig_part() { dd if="$1" of="$2" bs=1 skip=88 count=64 status=none; }

make_bin app.bin $APP 20001 sign 0x20005000

# --- (1) openssl's key signs with iap pack --key.
openssl genpkey -algorithm ed25519 -out ossl.pem 2>/dev/null || fail "openssl genpkey"
openssl pkey -in ossl.pem -pubout -out ossl.pub.pem || fail "openssl pkey -pubout"
"$IAP" pack --addr $APP --version 1.2.3 --key ossl.pem --key-id 0x2a \
	-o app.iap app.bin >pack.log 2>&1 || { cat pack.log; fail "iap pack --key"; }
[ "$(od -An -tu4 -j80 -N8 app.iap | tr -s ' ')" = " 42 1" ] ||
	fail "key id / sig type bytes: $(od -An -tu4 -j80 -N8 app.iap)"
[ "$(tail -c +153 app.iap | head -c 100 | tr -d '\0' | wc -c)" -eq 0 ] ||
	fail "reserved bytes 152..251 are not zero"
ok "iap pack --key with a key from openssl genpkey: key id 42, sig type 1"

# --- (2) openssl accepts the signature of the 88 signed bytes.
signed_part app.iap signed.bin
sig_part app.iap sig.bin
[ "$(stat -c %s signed.bin) $(stat -c %s sig.bin)" = "88 64" ] || fail "extract"
openssl pkeyutl -verify -pubin -inkey ossl.pub.pem -rawin -in signed.bin \
	-sigfile sig.bin >v.log 2>&1 || { cat v.log; fail "openssl rejects iap's signature"; }
ok "openssl pkeyutl -verify accepts iap's signature over bytes 0..87"

# Ed25519 is deterministic: openssl's own signature is the same bytes.
openssl pkeyutl -sign -inkey ossl.pem -rawin -in signed.bin -out osig.bin ||
	fail "openssl pkeyutl -sign"
cmp -s osig.bin sig.bin || fail "openssl signs the same 88 bytes differently"
ok "openssl pkeyutl -sign gives the signature iap wrote"

# One byte of the signed part changed (board id): openssl refuses.
cp signed.bin bad.bin
printf '\x01' | dd of=bad.bin bs=1 seek=20 conv=notrunc status=none
expect_fail "openssl refuses a changed board id" "[Ff]ail" \
	openssl pkeyutl -verify -pubin -inkey ossl.pub.pem -rawin -in bad.bin -sigfile sig.bin

# --- (3) iap verify with openssl's public key; other keys refused.
out=$("$IAP" verify --pub ossl.pub.pem app.iap) || fail "iap verify: $out"
[ "$out" = "app.iap: signature OK (Ed25519, key id 42)" ] || fail "verdict: $out"
ok "iap verify --pub (openssl's public key): $out"
"$IAP" info app.iap | grep -q "signed: Ed25519, key id 42" || fail "iap info"
ok "iap info shows the key id"

"$IAP" keygen -o iap.pem >keygen.log 2>&1 || { cat keygen.log; fail "iap keygen"; }
expect_fail "iap verify with another key" "signature INVALID" \
	"$IAP" verify --pub iap.pub.pem app.iap

cp app.iap payload.iap
printf 'Z' | dd of=payload.iap bs=1 seek=9000 conv=notrunc status=none
expect_fail "iap verify: payload changed" "payload SHA-256 does not match" \
	"$IAP" verify --pub ossl.pub.pem payload.iap

# --- (4) openssl reads iap keygen's keys; they are the same key pair.
[ "$(stat -c %a iap.pem)" = 600 ] || fail "private key mode $(stat -c %a iap.pem)"
grep -q -- '-----BEGIN PRIVATE KEY-----' iap.pem || fail "not PKCS#8 PEM"
openssl pkey -in iap.pem -noout -text 2>&1 | grep -q 'ED25519 Private-Key' ||
	fail "openssl pkey cannot read iap keygen's private key"
openssl pkey -pubin -in iap.pub.pem -noout 2>/dev/null ||
	fail "openssl pkey cannot read iap keygen's public key"
openssl pkey -in iap.pem -pubout | cmp -s - iap.pub.pem ||
	fail "iap.pub.pem is not openssl's public key of iap.pem"
ok "openssl pkey reads iap keygen's keys (private 0600, public = openssl pkey -pubout)"

# iap sign with iap's key: openssl verifies it with iap's public key.
"$IAP" sign --key iap.pem --key-id 7 app.iap -o resigned.iap >sign.log 2>&1 ||
	{ cat sign.log; fail "iap sign"; }
signed_part resigned.iap signed2.bin
sig_part resigned.iap sig2.bin
openssl pkeyutl -verify -pubin -inkey iap.pub.pem -rawin -in signed2.bin \
	-sigfile sig2.bin >v.log 2>&1 || { cat v.log; fail "openssl rejects iap sign's signature"; }
cmp -s <(tail -c +257 app.iap) <(tail -c +257 resigned.iap) || fail "iap sign changed the payload"
ok "iap sign replaces the signature; openssl verifies it with iap keygen's public key"
expect_fail "the old key no longer verifies the re-signed image" "signature INVALID" \
	"$IAP" verify --pub ossl.pub.pem resigned.iap

# --- (5) Keys of other types are refused with a clear message.
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out rsa.pem 2>/dev/null ||
	fail "openssl genpkey rsa"
expect_fail "iap pack --key with an RSA key" "rsa.pem: not an Ed25519 private key \(RSA key\)" \
	"$IAP" pack --addr $APP --key rsa.pem --key-id 1 -o rsa.iap app.bin
[ ! -e rsa.iap ] || fail "rsa.iap written"
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null ||
	fail "openssl genpkey ec"
openssl pkey -in ec.pem -pubout -out ec.pub.pem || fail "ec pubout"
expect_fail "iap verify --pub with an EC key" "ec.pub.pem: not an Ed25519 key \(EC key\)" \
	"$IAP" verify --pub ec.pub.pem app.iap

# --- (6) export-key: the table compiles and holds openssl's raw keys.
"$IAP" export-key --pub ossl.pub.pem --key-id 42 --pub iap.pem --key-id 7 \
	-o iap_keys.c >export.log 2>&1 || { cat export.log; fail "iap export-key"; }
cat >dump.c <<'EOF'
#include <stdio.h>
#include "iap/iap_keys.h"
int main(void)
{
	for (unsigned i = 0; i < iap_key_count; i++) {
		printf("%u ", (unsigned)iap_keys[i].key_id);
		for (unsigned j = 0; j < sizeof(iap_keys[i].key); j++) {
			printf("%02x", iap_keys[i].key[j]);
		}
		printf("\n");
	}
	return 0;
}
EOF
"$CC" -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Werror -I "$SRC/include" \
	-o dump dump.c iap_keys.c || fail "iap_keys.c does not compile"
expected="42 $(raw_pub ossl.pub.pem)
7 $(raw_pub iap.pub.pem)"
[ "$(./dump)" = "$expected" ] || fail "key table: $(./dump), expected $expected"
ok "iap export-key: the table compiles with include/iap/iap_keys.h and holds openssl's raw keys"

finish
