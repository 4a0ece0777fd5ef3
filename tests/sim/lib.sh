# Shared by the end-to-end tests: run the real `iap` against `iap-sim` on a
# pseudo-terminal. Sourced; expects IAP and IAP_SIM (set by ctest).
set -u

: "${IAP:?set IAP to the iap binary}"
: "${IAP_SIM:?set IAP_SIM to the iap-sim binary}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/iap-e2e.XXXXXX")
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

CHECKS=0
fail() {
	echo "FAIL: $*" >&2
	if [ -n "${SIM_LOG:-}" ] && [ -f "$SIM_LOG" ]; then
		echo "--- simulator output:" >&2
		cat "$SIM_LOG" >&2
	fi
	exit 1
}
ok() {
	CHECKS=$((CHECKS + 1))
	echo "ok: $*"
}

# le32 VALUE: four raw bytes, little-endian.
le32() {
	local v=$1
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((v & 255)) \
		$(((v >> 8) & 255)) $(((v >> 16) & 255)) $(((v >> 24) & 255)))"
}

# make_bin FILE ADDR SIZE SEED RAMTOP: an application image linked at ADDR:
# initial SP = RAMTOP, reset handler at ADDR+0x201, then bytes drawn from
# SEED (the same SEED gives the same bytes; they do not compress, so
# `iap flash` sends them as they are: compressed transfers have tests of
# their own, on real firmware).
make_bin() {
	local file=$1 addr=$2 size=$3 seed=$4 ramtop=$5 key
	key=$(printf 'iapboot test image %s' "$seed" | sha256sum | cut -c1-32)
	{
		le32 "$ramtop"
		le32 $((addr + 0x201))
		openssl enc -aes-128-ctr -nosalt -K "$key" -iv 0 -in /dev/zero 2>/dev/null |
			head -c $((size - 8)) || true
	} >"$file"
	[ "$(stat -c %s "$file")" -eq "$size" ] || fail "make_bin: wrong size"
}

# slot_is IMAGE FLASH ADDR: the slot at ADDR of the flash file FLASH (a
# board at 0x08000000) holds IMAGE byte for byte.
slot_is() {
	local off=$(($3 - 0x08000000))
	cmp -n "$(stat -c %s "$1")" "$1" <(tail -c +$((off + 1)) "$2")
}

# kill_at_progress PID LOG PCT: once the iap flash running as PID has
# printed PCT% of its progress into LOG, kill it (SIGKILL: no ABORT, no
# goodbye), as a user pulling the plug on the host.
kill_at_progress() {
	local pid=$1 log=$2 pct=$3
	for _ in $(seq 3000); do
		grep -q "^ *$pct%" "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	grep -q "^ *$pct%" "$log" || { cat "$log"; fail "the upload never reached $pct%"; }
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# start_sim BOARD FLASH [iap-sim options...]: sets SIM_PID SIM_PTY SIM_LOG.
start_sim() {
	SIM_LOG=$(mktemp "$WORK/sim.XXXXXX")
	"$IAP_SIM" --board "$1" --flash "$2" "${@:3}" >"$SIM_LOG" 2>&1 &
	SIM_PID=$!
	SIM_PTY=
	for _ in $(seq 200); do
		SIM_PTY=$(sed -n 's/^iap-sim: pty //p' "$SIM_LOG")
		[ -n "$SIM_PTY" ] && return 0
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "iap-sim did not announce its pty"
}

# wait_sim: wait for the simulator to exit; sets SIM_RC.
wait_sim() {
	local i
	for i in $(seq 600); do
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$SIM_PID" 2>/dev/null && fail "iap-sim still running"
	SIM_RC=0
	wait "$SIM_PID" || SIM_RC=$?
	SIM_PID=
}

# stop_sim: the simulated board loses power.
stop_sim() {
	kill "$SIM_PID" 2>/dev/null
	wait "$SIM_PID" 2>/dev/null
	SIM_PID=
}

sim_says() {
	grep -q -- "$1" "$SIM_LOG" || fail "simulator did not say '$1'"
}

# expect_fail DESCRIPTION PATTERN CMD...: CMD must exit non-zero and print
# PATTERN (a grep -E expression) on stderr or stdout.
expect_fail() {
	local what=$1 pattern=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "$what: exit 0, expected failure; output: $out"
	echo "$out" | grep -Eq -- "$pattern" ||
		fail "$what: message does not match '$pattern': $out"
	ok "$what (exit $rc: $(echo "$out" | grep -E -m1 -- "$pattern"))"
}

finish() {
	echo "$CHECKS passed, 0 failed"
}

# fresh_install BOARD FLASH IMAGE VERSION: erase FLASH, upload IMAGE to a
# new simulator and check it boots VERSION.
fresh_install() {
	rm -f "$2"
	start_sim "$1" "$2"
	"$IAP" flash --port "$SIM_PTY" "$3" >"$WORK/i.log" 2>&1 ||
		{ cat "$WORK/i.log"; fail "install $4"; }
	wait_sim
	sim_says "version $4"
}

# The terminal menu, as a user of a terminal program drives it. A test
# that uses these defines term_pty (prints the device's pty) and TERM_LOG
# (what the device wrote on the line collects there).

# drain [SECONDS]: read what the device wrote on the line for a moment.
drain() {
	timeout "${1:-0.4}" cat "$(term_pty)" >>"$TERM_LOG" 2>/dev/null || true
}

# key K: type K on the terminal, collect the answer.
key() {
	printf "$1" >"$(term_pty)"
	sleep 0.25
	drain
}

# upload FILE [sb options...]: Enter, 1, then lrzsz sb sends FILE. sb's
# exit status is not looked at: it flushes its tty on exit, which on a
# pty can drop its last bytes; tests check the device instead.
upload() {
	local file=$1 pty
	shift
	pty=$(term_pty)
	: >"$TERM_LOG"
	key '\r'
	grep -q "1  upload an .iap image" "$TERM_LOG" || fail "no menu on Enter"
	key '1'
	grep -q "start the ymodem send" "$TERM_LOG" || fail "no prompt after 1"
	(cd "$(dirname "$file")" &&
		timeout 120 sb "$@" "$(basename "$file")" <"$pty" \
			>"$pty" 2>>"$WORK/sb.log") || true
}

# term_says TEXT: the device wrote TEXT on the line.
term_says() {
	drain 1
	grep -qF -- "$1" "$TERM_LOG" ||
		{ cat -A "$TERM_LOG" >&2; fail "terminal did not show '$1'"; }
}

# sender_killed FILE: Enter, 1, sb -k starts sending FILE and is killed
# after a second; a block cut short is NAKed after a quiet second; then
# the cancel a terminal program sends (CAN CAN ...).
sender_killed() {
	local pty sbpid
	pty=$(term_pty)
	: >"$TERM_LOG"
	key '\r'
	key '1'
	sb -k "$1" <"$pty" >"$pty" 2>/dev/null &
	sbpid=$!
	sleep 1
	kill -9 $sbpid 2>/dev/null
	wait $sbpid 2>/dev/null
	sleep 1.5
	printf '\x18\x18\x18\x18\x18' >"$pty"
	sleep 1
}
