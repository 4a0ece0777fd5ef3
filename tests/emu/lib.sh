# Shared by the emu tests: the real firmware (bootloader and SDK example
# application) on iap-emu, driven by the real `iap` over the emulator's
# pseudo-terminal. Sourced after tests/sim/lib.sh ($IAP_TESTLIB), whose
# WORK, fail, ok, expect_fail, make_bin and finish it uses. Expects IAP_EMU,
# IAP_FW (the board's firmware build directory) and IAP_BOARD (set by ctest).
: "${IAP_EMU:?set IAP_EMU to the iap-emu binary}"
: "${IAP_FW:?set IAP_FW to the board's firmware build directory}"
: "${IAP_BOARD:?set IAP_BOARD to the firmware's board name}"

# shellcheck source=/dev/null
. "$IAP_FW/layout.env" || fail "no $IAP_FW/layout.env"

BOOT_BIN=$IAP_FW/iapboot-$IAP_BOARD.bin
APP_BIN=$IAP_FW/blink-$IAP_BOARD.bin
[ -f "$BOOT_BIN" ] || fail "no bootloader $BOOT_BIN"
[ -f "$APP_BIN" ] || fail "no application $APP_BIN"
APP_HEX=$(printf '0x%08x' "$IAP_APP_ADDR")
RAMTOP=$((IAP_RAM_ADDR + IAP_RAM_SIZE))

EMU_PID=
emu_cleanup() {
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null
	cleanup
}
trap emu_cleanup EXIT

# start_emu LOG [iap-emu options...]: the board powers up; sets EMU_PID,
# EMU_LOG and EMU_PTY. fail() shows the log (it is SIM_LOG for lib.sh).
start_emu() {
	EMU_LOG=$1
	SIM_LOG=$EMU_LOG
	shift
	# Emptied here, not by the child's redirection: a log file used
	# before must not show the last run's pty to the loop below.
	: >"$EMU_LOG"
	"$IAP_EMU" --board "$IAP_BOARD" --layout "$IAP_FW/layout.env" "$@" \
		>"$EMU_LOG" 2>&1 &
	EMU_PID=$!
	EMU_PTY=
	for _ in $(seq 200); do
		EMU_PTY=$(sed -n 's/^iap-emu: pty //p' "$EMU_LOG")
		[ -n "$EMU_PTY" ] && return 0
		kill -0 "$EMU_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "iap-emu did not announce its pty"
}

# wait_emu [SECONDS]: wait for the emulator to exit; sets EMU_RC.
wait_emu() {
	local n=$((${1:-60} * 20))
	for _ in $(seq "$n"); do
		kill -0 "$EMU_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$EMU_PID" 2>/dev/null && fail "iap-emu still running"
	EMU_RC=0
	wait "$EMU_PID" || EMU_RC=$?
	EMU_PID=
}

# stop_emu: the board loses power (iap-emu still saves with --save).
stop_emu() {
	kill "$EMU_PID" 2>/dev/null
	wait "$EMU_PID" 2>/dev/null
	EMU_PID=
}

# run_emu LOG [options...]: a run without a host, to its end; sets EMU_RC.
run_emu() {
	EMU_LOG=$1
	SIM_LOG=$EMU_LOG
	shift
	EMU_RC=0
	timeout 120 "$IAP_EMU" --board "$IAP_BOARD" \
		--layout "$IAP_FW/layout.env" "$@" >"$EMU_LOG" 2>&1 || EMU_RC=$?
}

emu_says() {
	grep -q -- "$1" "$EMU_LOG" || fail "iap-emu did not say '$1'"
}

# The firmware broke no rule the model checks (NOR programming, clock
# gates, key sequences, DMA and USART use...); --strict makes the first
# one a fault, this catches runs without it.
no_violations() {
	if grep -q "firmware rule violations" "$EMU_LOG"; then
		fail "$1: the firmware broke a rule of the model"
	fi
}

# The reset handler of a raw application image: its second vector.
reset_vector() {
	od -An -tx4 -j4 -N4 "$1" | tr -d ' '
}

# slot_equals IMAGE DUMP: the application slot of DUMP holds IMAGE.
slot_equals() {
	local off=$((IAP_APP_ADDR - IAP_FLASH_BASE))
	cmp -n "$(stat -c %s "$1")" "$1" <(tail -c +$((off + 1)) "$2")
}

# factory VERSION OUT: bootloader + metadata + application, as `iap merge`
# builds it for the production line, padded with erased bytes to the size
# of the flash (what the board holds, and what iap-emu --save writes).
factory() {
	"$IAP" merge --boot "$BOOT_BIN" --app "$APP_BIN" --version "$1" \
		--meta-addr "$IAP_META_ADDR" --meta-size "$IAP_META_SIZE" \
		--app-addr "$IAP_APP_ADDR" --app-size "$IAP_APP_SIZE" \
		--write-size "$IAP_WRITE_SIZE" --flash-base "$IAP_FLASH_BASE" \
		-o "$2" >"$WORK/merge.log" 2>&1 ||
		{ cat "$WORK/merge.log" >&2; fail "iap merge"; }
	local n
	n=$(stat -c %s "$2")
	[ "$n" -le $((IAP_FLASH_SIZE)) ] || fail "factory image larger than the flash"
	head -c $((IAP_FLASH_SIZE - n)) /dev/zero | tr '\0' '\377' >>"$2"
}
