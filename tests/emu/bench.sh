#!/usr/bin/env bash
# Boot cost on the board emulator, for `make bench` (scripts/bench.sh):
# instructions the real bootloader executes from reset to the
# application's first instruction, counted by iap-emu --exact (one
# instruction per core clock, no busy-wait skipped). Figures, not a test.
#
#   bench.sh BUILD [IAP_EMU]
#
# Rows per board: the factory image with the SDK's blink example and with
# a synthetic image that fills most of the slot (the boot decision hashes
# the whole installed image); and an update session with the real
# `iap flash`, where what counts is the path from the last byte of the
# BOOT request to the jump.
set -euo pipefail

BUILD=${1:?usage: bench.sh BUILD [IAP_EMU]}
EMU=${2:-$BUILD/tests/emu/iap-emu}
IAP=$BUILD/tools/iap/iap
WORK=$(mktemp -d "${TMPDIR:-/tmp}/iap-emu-bench.XXXXXX")
EMU_PID=
trap '[ -n "$EMU_PID" ] && kill $EMU_PID 2>/dev/null; rm -rf "$WORK"' EXIT

le32() {
	local v=$1
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((v & 255)) \
		$(((v >> 8) & 255)) $(((v >> 16) & 255)) $(((v >> 24) & 255)))"
}

# boot BOARD APP.bin|APP.iap [LOADER.bin]: print "decision_insns
# decision_ms total_insns total_ms"
boot() {
	local board=$1 app=$2 fw=$BUILD/firmware/$1
	local loader=${3:-$fw/iapboot-$board.bin}
	# shellcheck source=/dev/null
	. "$fw/layout.env"
	local ver=(--version 1.0.0)
	case "$app" in *.iap) ver=() ;; esac
	"$IAP" merge --boot "$loader" --app "$app" "${ver[@]}" \
		--meta-addr "$IAP_META_ADDR" --meta-size "$IAP_META_SIZE" \
		--app-addr "$IAP_APP_ADDR" --app-size "$IAP_APP_SIZE" \
		--write-size "$IAP_WRITE_SIZE" --flash-base "$IAP_FLASH_BASE" \
		-o "$WORK/factory.bin" >/dev/null
	"$EMU" --board "$board" --flash "$WORK/factory.bin" --exact --speed 0 \
		--no-pty >"$WORK/boot.log" 2>&1 || true
	sed -n 's/^iap-emu: first receive poll after \([0-9]*\) instructions (\([0-9.]*\) ms)$/\1 \2/p' \
		"$WORK/boot.log" | head -1 | tr '\n' ' '
	sed -n 's/^iap-emu: app entered at .* after \([0-9]*\) instructions.*/\1/p' \
		"$WORK/boot.log" | tr '\n' ' '
	sed -n 's/^iap-emu: boot: \([0-9.]*\) ms emulated.*/\1/p' "$WORK/boot.log"
}

# after_update BOARD: instructions from the last byte received (the BOOT
# request) to the application, in an update session at full accuracy.
after_update() {
	local board=$1 fw=$BUILD/firmware/$1 pty=
	# shellcheck source=/dev/null
	. "$fw/layout.env"
	"$IAP" pack --addr "$IAP_APP_ADDR" --version 1.0.0 -o "$WORK/app.iap" \
		"$fw/blink-$board.bin" >/dev/null
	"$EMU" --board "$board" --boot "$fw/iapboot-$board.bin" --exact \
		>"$WORK/update.log" 2>&1 &
	EMU_PID=$!
	for _ in $(seq 100); do
		pty=$(sed -n 's/^iap-emu: pty //p' "$WORK/update.log")
		[ -n "$pty" ] && break
		sleep 0.05
	done
	# Small frames: --exact does not skip busy-waits, so a slow host
	# must still answer within the CLI's 1 s per frame. Protocol v1:
	# BOOT alone, after FINISH's answer (v2 sends it along with FINISH).
	"$IAP" flash --proto 1 --chunk 256 --port "$pty" "$WORK/app.iap" >/dev/null 2>&1 || true
	wait $EMU_PID || true
	EMU_PID=
	sed -n 's/^iap-emu: \([0-9]*\) instructions from the last byte received.*/\1/p' \
		"$WORK/update.log"
}

echo "Counted by iap-emu --exact: every core clock is an instruction (the"
echo "model's 1 cycle per instruction; flash wait states not counted). A boot"
echo "with no update pending includes the hello window (IAP_CFG_HELLO_MS,"
echo "500 ms) in which the bootloader listens for a host; the decision is"
echo "reset to its first look at the receive ring (clock, USART and DMA set"
echo "up, metadata read, the whole image hashed with SHA-256)."
echo
echo "| board | image | decision: reset to first receive poll | reset to application | after an update: BOOT request to application |"
echo "|---|---:|---:|---:|---:|"
for board in bluepill f4disco; do
	fw=$BUILD/firmware/$board
	if [ ! -f "$fw/iapboot-$board.bin" ]; then
		echo "| $board | (firmware not built) | | | |"
		continue
	fi
	# shellcheck source=/dev/null
	. "$fw/layout.env"
	blink=$fw/blink-$board.bin
	big=$WORK/big-$board.bin
	size=$((IAP_APP_SIZE < 256 * 1024 ? IAP_APP_SIZE - 1024 : 256 * 1024))
	{
		le32 $((IAP_RAM_ADDR + IAP_RAM_SIZE))
		le32 $((IAP_APP_ADDR + 0x201))
		head -c $((size - 8)) /dev/urandom
	} >"$big"
	upd=$(after_update "$board")
	for img in "$blink" "$big"; do
		read -r d_insns d_ms insns ms < <(boot "$board" "$img") || true
		printf "| %s | %s, %d B | %s (%s ms) | %s (%s ms) | %s |\n" \
			"$board" "$(basename "$img")" "$(stat -c %s "$img")" \
			"${d_insns:-?}" "${d_ms:-?}" "${insns:-?}" "${ms:-?}" \
			"$([ "$img" = "$blink" ] && echo "${upd:-?}" || echo "")"
	done
done

echo
echo "Signed images (bluepill-secure, f4disco-secure: the sample key's table):"
echo "the boot decision with each check policy, on a signed image that fills"
echo "most of the slot. 'hash + counter' is the build with IAP_CFG_BOOT_SIG 0"
echo "(the signature was checked on receipt and before the install);"
echo "'signature too' the default. The difference is one Ed25519 verify."
echo
echo "| board | image | boot policy | decision: reset to first receive poll | reset to application |"
echo "|---|---:|---|---:|---:|"
SAMPLE=$(cd "$(dirname "$0")/../.." && pwd)/keys/sample.pem
for board in bluepill-secure f4disco-secure; do
	fw=$BUILD/firmware/$board
	if [ ! -f "$fw/iapboot-$board.bin" ] || [ ! -f "$fw/iapboot-$board-hashboot.bin" ]; then
		echo "| $board | (firmware not built) | | | |"
		continue
	fi
	# shellcheck source=/dev/null
	. "$fw/layout.env"
	size=$((IAP_APP_SIZE < 64 * 1024 ? IAP_APP_SIZE - 1024 : 64 * 1024))
	{
		le32 $((IAP_RAM_ADDR + IAP_RAM_SIZE))
		le32 $((IAP_APP_ADDR + 0x201))
		head -c $((size - 8)) /dev/urandom
	} >"$WORK/signed.bin"
	"$IAP" pack --addr "$IAP_APP_ADDR" --version 1.0.0 --key "$SAMPLE" \
		--key-id 1 -o "$WORK/signed.iap" "$WORK/signed.bin" >/dev/null
	for policy in hashboot default; do
		loader=$fw/iapboot-$board.bin
		what="signature too"
		if [ $policy = hashboot ]; then
			loader=$fw/iapboot-$board-hashboot.bin
			what="hash + counter"
		fi
		read -r d_insns d_ms insns ms < <(boot "$board" "$WORK/signed.iap" "$loader") || true
		printf "| %s | %d B | %s | %s (%s ms) | %s (%s ms) |\n" "$board" "$size" \
			"$what" "${d_insns:-?}" "${d_ms:-?}" "${insns:-?}" "${ms:-?}"
	done
done
