#!/usr/bin/env bash
# QEMU boot tests: the real bootloader and test applications (ARM ELFs from
# the firmware build) on QEMU's stm32vldiscovery (STM32F100, the F1 port)
# and netduinoplus2 (STM32F405, the F4 port).
#
#   run.sh CASE
#
# Environment (set by tests/qemu/CMakeLists.txt): IAP (the host tool),
# QEMU (qemu-system-arm), IAP_FW (the board's firmware output directory,
# with layout.env), IAP_BOARD, IAP_MACHINE.
#
# The bootloader's test build (iapboot-BOARD-test) ends a run where its
# decision shows, through semihosting: exit 10 + reason when it stays in
# update mode (11 requested, 12 no image, 13 bad image), 0x70 on a loader
# error, 0x7F on a fault. When it jumps, the test application ends the run
# (0 = every check passed). QEMU runs with -icount shift=0, so runs are
# deterministic; it models neither RCC nor the flash controller nor DMA,
# which the bootloader survives by bounded waits and polled reception.
#
# Flash images are put together with `iap merge` (bootloader + metadata
# record + application, as a factory programs them), then damaged on
# purpose with dd for the refusal cases.
set -u

: "${IAP:?}" "${QEMU:?}" "${IAP_FW:?}" "${IAP_BOARD:?}" "${IAP_MACHINE:?}"
CASE=${1:?usage: run.sh CASE}

# shellcheck source=/dev/null
. "$IAP_FW/layout.env" || exit 1

VERSION=1.2.3+45
TIMEOUT=${IAP_QEMU_TIMEOUT:-60}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/iap-qemu.XXXXXX")
QEMU_PID=
cleanup() {
	[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $IAP_BOARD $CASE: $*" >&2
	for f in "$WORK/uart.log" "$WORK/qemu.log"; do
		if [ -s "$f" ]; then
			echo "--- $(basename "$f"):" >&2
			cat "$f" >&2
		fi
	done
	exit 1
}
ok() {
	echo "ok: $IAP_BOARD $CASE: $*"
}

# put FILE OFFSET IMAGE: write FILE into IMAGE at byte OFFSET.
put() {
	dd if="$1" of="$3" bs=4096 seek="$2" oflag=seek_bytes conv=notrunc \
		status=none || fail "dd into $3"
}

# ff SIZE: SIZE bytes of 0xFF (erased flash).
ff() {
	head -c "$1" /dev/zero | tr '\0' '\377'
}

# garbage SIZE: SIZE deterministic bytes that are no image.
garbage() {
	seq 1 1000000 | head -c "$1"
}

# image APP_BIN: $WORK/flash.bin = test bootloader + metadata + APP_BIN,
# from the flash base, as `iap merge` builds it for the factory.
image() {
	local boot=${BOOT_BIN:-$IAP_FW/iapboot-$IAP_BOARD-test.elf}
	"$IAP" merge --boot "$boot" --app "$1" --version "$VERSION" \
		--meta-addr "$IAP_META_ADDR" --meta-size "$IAP_META_SIZE" \
		--app-addr "$IAP_APP_ADDR" --app-size "$IAP_APP_SIZE" \
		--write-size "$IAP_WRITE_SIZE" --flash-base "$IAP_FLASH_BASE" \
		-o "$WORK/flash.bin" >"$WORK/merge.log" 2>&1 ||
		{ cat "$WORK/merge.log" >&2; fail "iap merge"; }
}

# qemu [loader args...]: run the machine until the firmware exits; sets RC.
qemu() {
	timeout "$TIMEOUT" "$QEMU" -M "$IAP_MACHINE" -display none \
		-monitor none -serial "file:$WORK/uart.log" \
		-semihosting -icount shift=0 "$@" >"$WORK/qemu.log" 2>&1
	RC=$?
	[ "$RC" -eq 124 ] && fail "no exit within $TIMEOUT s"
}

# expect CODE [loader args...]
expect() {
	local want=$1
	shift
	qemu "$@"
	[ "$RC" -eq "$want" ] || fail "exit code $RC, expected $want"
}

flash_args() {
	echo "-device loader,file=$WORK/flash.bin,addr=$IAP_FLASH_BASE,force-raw=on"
}

app() {
	echo "$IAP_FW/testapp-$1-$IAP_BOARD.bin"
}

case $CASE in
boot_jump)
	# A committed, verified image: the bootloader jumps to it.
	image "$(app entry)"
	expect 0 $(flash_args)
	ok "validated and jumped to $IAP_APP_ADDR"
	;;
vtor_systick)
	# The application gets the chip as after a reset and takes SysTick
	# through its own vector table (see testapp.c for the exit codes).
	image "$(app ticks)"
	expect 0 $(flash_args)
	ok "VTOR = $IAP_APP_ADDR, SysTick through the application's table"
	;;
app_version)
	image "$(app version)"
	expect 0 $(flash_args)
	grep -q "^version $VERSION\$" "$WORK/qemu.log" ||
		fail "iap_app_version() did not report $VERSION"
	ok "iap_app_version() = $VERSION"
	;;
request_update)
	# The application asks for an update: after the reset the bootloader
	# must stay in update mode although the image is valid.
	image "$(app request)"
	expect 11 $(flash_args)
	ok "request word honoured after reset (update mode, requested)"
	;;
blank_slot)
	# QEMU's blank flash reads 0x00: no commit word, no image.
	expect 12 -device "loader,file=$IAP_FW/iapboot-$IAP_BOARD-test.elf"
	ok "blank (0x00) meta and slot refused: update mode, no image"
	;;
erased_slot)
	image "$(app entry)"
	ff $((IAP_APP_ADDR + IAP_APP_SIZE - IAP_META_ADDR)) >"$WORK/ff.bin"
	put "$WORK/ff.bin" $((IAP_META_ADDR - IAP_FLASH_BASE)) "$WORK/flash.bin"
	expect 12 $(flash_args)
	ok "erased (0xFF) meta and slot refused: update mode, no image"
	;;
garbage_slot)
	# The record is committed and the vector table still plausible; only
	# the SHA-256 over the slot can tell the payload is not the image.
	image "$(app ticks)"
	size=$(stat -c %s "$(app ticks)")
	garbage $((size - 64)) >"$WORK/junk.bin"
	put "$WORK/junk.bin" $((IAP_APP_ADDR + 64 - IAP_FLASH_BASE)) \
		"$WORK/flash.bin"
	expect 13 $(flash_args)
	ok "garbage in the slot refused: update mode, bad image"
	;;
garbage_meta)
	# A commit word after a header that is not one.
	image "$(app ticks)"
	garbage 256 >"$WORK/junk.bin"
	put "$WORK/junk.bin" $((IAP_META_ADDR - IAP_FLASH_BASE)) "$WORK/flash.bin"
	expect 13 $(flash_args)
	ok "garbage metadata refused: update mode, bad image"
	;;
release_boot)
	# The release bootloader (500 ms hello window, no semihosting) boots
	# the image; the test application ends the run.
	BOOT_BIN=$IAP_FW/iapboot-$IAP_BOARD.elf image "$(app ticks)"
	expect 0 $(flash_args)
	ok "release bootloader: hello window, jump, VTOR, SysTick"
	;;
blink)
	# The SDK example prints its version and VTOR on USART1 and blinks
	# forever: wait for the line, then stop the machine.
	image "$IAP_FW/blink-$IAP_BOARD.bin"
	want="blink on $IAP_BOARD: version $VERSION, VTOR $IAP_APP_ADDR"
	"$QEMU" -M "$IAP_MACHINE" -display none -monitor none \
		-serial "file:$WORK/uart.log" -semihosting -icount shift=0 \
		$(flash_args) >"$WORK/qemu.log" 2>&1 &
	QEMU_PID=$!
	for _ in $(seq $((TIMEOUT * 10))); do
		grep -qF "$want" "$WORK/uart.log" 2>/dev/null && break
		kill -0 "$QEMU_PID" 2>/dev/null || fail "QEMU exited"
		sleep 0.1
	done
	grep -qF "$want" "$WORK/uart.log" || fail "no '$want' on USART1"
	ok "USART1: $want"
	;;
serial_protocol)
	# The release bootloader on a blank chip serves the protocol on USART1
	# (a pseudo-terminal here) to the real `iap flash`: INFO answers with
	# the layout; START is refused with IAP_ERR_IO because QEMU discards
	# flash writes and the erase read-back finds the sector not erased,
	# so nothing half-done can follow.
	"$IAP" pack --addr "$IAP_APP_ADDR" --version "$VERSION" \
		-o "$WORK/app.iap" "$(app entry)" >/dev/null || fail "iap pack"
	"$QEMU" -M "$IAP_MACHINE" -display none -monitor none -serial pty \
		-semihosting -icount shift=0 \
		-device "loader,file=$IAP_FW/iapboot-$IAP_BOARD.elf" \
		>"$WORK/qemu.log" 2>&1 &
	QEMU_PID=$!
	pty=
	for _ in $(seq 100); do
		pty=$(sed -n 's|.*redirected to \(/dev/pts/[0-9]*\).*|\1|p' \
			"$WORK/qemu.log")
		[ -n "$pty" ] && break
		sleep 0.1
	done
	[ -n "$pty" ] || fail "QEMU gave no pseudo-terminal"
	timeout "$TIMEOUT" "$IAP" flash --port "$pty" "$WORK/app.iap" \
		>"$WORK/uart.log" 2>&1
	RC=$?
	[ "$RC" -eq 1 ] || fail "iap flash exit $RC, expected 1"
	grep -q "^device: iapboot loader .*app slot $IAP_APP_ADDR" \
		"$WORK/uart.log" || fail "no INFO answer"
	grep -q "refused START: .*IAP_ERR_IO" "$WORK/uart.log" ||
		fail "START not refused with IAP_ERR_IO"
	ok "INFO over USART1, START refused after a failed erase read-back"
	;;
*)
	echo "run.sh: unknown case $CASE" >&2
	exit 2
	;;
esac
