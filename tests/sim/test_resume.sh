#!/usr/bin/env bash
# Resume (docs/PROTOCOL.md, "Resume"): the host killed at several points,
# the device losing power in the middle (cleanly and with a torn write),
# then `iap flash` again sends only what the device does not hold, and the
# slot ends equal to the image, verified and booted. A different image, an
# image that shares only its beginning, --no-resume, and the stage slot.
source "$IAP_TESTLIB"

F1=0x08004000
BAUD="--baud 115200"

# flash_until PCT LOG IAP-OPTS...: run iap flash on the simulator's pty and
# kill it (SIGKILL: no ABORT, no goodbye) once its progress reaches PCT%.
flash_until() {
	local pct=$1 log=$2 pid
	shift 2
	"$IAP" flash --port "$SIM_PTY" $BAUD --baud-up off "$@" >"$log" 2>&1 &
	pid=$!
	kill_at_progress "$pid" "$log" "$pct"
}

# resumed_from LOG: the offset iap flash resumed at ("" if it did not).
resumed_from() {
	sed -n 's/.*sending from offset \([0-9]*\).*/\1/p' "$1"
}

# finish_upload IMAGE.iap LOG IAP-OPTS...: iap flash to the end.
finish_upload() {
	local iap=$1 log=$2
	shift 2
	"$IAP" flash --port "$SIM_PTY" $BAUD --baud-up off "$@" "$iap" >"$log" 2>&1 ||
		{ cat "$log"; fail "iap flash $iap $*"; }
}

# booted BIN FLASH VERSION: the simulator booted VERSION and the slot is BIN.
booted() {
	wait_sim
	[ "$SIM_RC" -eq 0 ] || fail "simulator exit $SIM_RC"
	sim_says "boot $(printf '0x%08x' $F1) version $3 (new image installed)"
	slot_is "$1" "$2" $F1 || fail "slot differs from $1"
}

SIZE=40000
make_bin "$WORK/a.bin" $F1 $SIZE 1 0x20005000
make_bin "$WORK/b.bin" $F1 $SIZE 2 0x20005000
# c: a's first 20 KiB, then b's bytes.
{ head -c 20480 "$WORK/a.bin"; tail -c +20481 "$WORK/b.bin"; } >"$WORK/c.bin"
"$IAP" pack -a $F1 --version 1.0.0 "$WORK/a.bin" -o "$WORK/a.iap" >/dev/null || fail "pack a"
"$IAP" pack -a $F1 --version 2.0.0 "$WORK/b.bin" -o "$WORK/b.iap" >/dev/null || fail "pack b"
"$IAP" pack -a $F1 --version 3.0.0 "$WORK/c.bin" -o "$WORK/c.iap" >/dev/null || fail "pack c"
FL=$WORK/f1.flash

# 1. The host killed at 25, 50 and 75 %: the rest only, then verified.
for pct in 25 50 75; do
	rm -f "$FL"
	start_sim f103c8 "$FL" --idle-ms 0 $BAUD
	flash_until $pct "$WORK/k.log" "$WORK/a.iap"
	finish_upload "$WORK/a.iap" "$WORK/r.log"
	from=$(resumed_from "$WORK/r.log")
	[ -n "$from" ] || { cat "$WORK/r.log"; fail "killed at $pct%: no resume"; }
	# At least what was acknowledged at the kill, less the page in
	# progress and the one before it.
	[ "$from" -ge $((SIZE * pct / 100 - 2048)) ] ||
		fail "killed at $pct%: resumed only from $from"
	[ $((from % 1024)) -eq 0 ] || fail "resume offset $from is not a page start"
	booted "$WORK/a.bin" "$FL" 1.0.0
	ok "host killed at $pct%: resumed from offset $from, image verified and booted"
done

# 2. The device loses power at 50 %: the host fails with a clear error; at
# the next power-up the bootloader stays in update mode (no image), and
# the upload goes on from what the flash holds.
rm -f "$FL"
start_sim f103c8 "$FL" --idle-ms 0 $BAUD
"$IAP" flash --port "$SIM_PTY" $BAUD --baud-up off "$WORK/a.iap" >"$WORK/k.log" 2>&1 &
HOST=$!
for _ in $(seq 1200); do
	grep -q "^ *50%" "$WORK/k.log" && break
	sleep 0.02
done
stop_sim
rc=0
wait $HOST || rc=$?
[ "$rc" -ne 0 ] || fail "iap flash exit 0 after the device lost power"
ok "device lost power at 50%: iap flash failed (exit $rc: $(grep -m1 'iap flash:' "$WORK/k.log"))"
start_sim f103c8 "$FL" --idle-ms 0 $BAUD
finish_upload "$WORK/a.iap" "$WORK/r.log"
from=$(resumed_from "$WORK/r.log")
[ -n "$from" ] && [ "$from" -ge $((SIZE / 2 - 2048)) ] ||
	{ cat "$WORK/r.log"; fail "after the power loss: resumed from '${from}'"; }
booted "$WORK/a.bin" "$FL" 1.0.0
ok "after a power loss at 50%: resumed from offset $from, image verified and booted"

# 3. Power cut by the flash model in the middle of a program operation,
# the unit torn (bits half programmed): never trusted, image verified.
for cut in 17 30; do
	rm -f "$FL"
	start_sim f103c8 "$FL" --idle-ms 0 --cut-after $cut --cut-mode torn
	"$IAP" flash --port "$SIM_PTY" --baud-up off "$WORK/a.iap" >"$WORK/k.log" 2>&1 &&
		fail "iap flash exit 0 through a power cut"
	wait_sim
	[ "$SIM_RC" -eq 3 ] || fail "simulator exit $SIM_RC, expected the power cut"
	start_sim f103c8 "$FL" --idle-ms 0
	finish_upload "$WORK/a.iap" "$WORK/r.log"
	from=$(resumed_from "$WORK/r.log")
	[ -n "$from" ] || { cat "$WORK/r.log"; fail "torn cut after $cut ops: no resume"; }
	booted "$WORK/a.bin" "$FL" 1.0.0
	ok "torn power cut after $cut flash operations: resumed from offset $from, image verified"
done

# 4. Another image after a partial one: nothing of a is taken for b; an
# image that shares a's first 20 KiB takes those but the last page (the
# page after them holds a's bytes, not c's: the writing of c never got
# there, so the last page's end is not known to be whole).
rm -f "$FL"
start_sim f103c8 "$FL" --idle-ms 0 $BAUD
flash_until 75 "$WORK/k.log" "$WORK/a.iap"
finish_upload "$WORK/c.iap" "$WORK/r.log" --no-boot
from=$(resumed_from "$WORK/r.log")
[ "$from" = 19456 ] || { cat "$WORK/r.log"; fail "c after a partial a: resumed from '${from}', expected 19456"; }
ok "an image sharing the first 20 KiB of a partial one: resumed from offset 19456"
flash_until 50 "$WORK/k.log" "$WORK/c.iap" --no-resume
grep -q "resuming" "$WORK/k.log" && fail "--no-resume resumed"
finish_upload "$WORK/b.iap" "$WORK/r.log"
grep -q "resuming" "$WORK/r.log" && { cat "$WORK/r.log"; fail "b resumed from a partial c"; }
booted "$WORK/b.bin" "$FL" 2.0.0
ok "a different image after a partial one: sent whole, verified and booted"

# 5. The stage slot: the installed image stays bootable while a staged
# upload is cut; the staged upload resumes and is installed.
FS=$WORK/staged.flash
SA=0x08004000
fresh_install f103cb-staged "$FS" "$WORK/a.iap" 1.0.0
start_sim f103cb-staged "$FS" --idle-ms 0 --request-update $BAUD
flash_until 50 "$WORK/k.log" --slot stage "$WORK/b.iap"
stop_sim
start_sim f103cb-staged "$FS" --hello-ms 50
wait_sim
sim_says "version 1.0.0 (valid image)"
ok "staged upload cut at 50%: the installed 1.0.0 still boots"
start_sim f103cb-staged "$FS" --idle-ms 0 --request-update $BAUD
finish_upload "$WORK/b.iap" "$WORK/r.log" --slot stage
from=$(resumed_from "$WORK/r.log")
[ -n "$from" ] && [ "$from" -ge $((SIZE / 2 - 2048)) ] ||
	{ cat "$WORK/r.log"; fail "staged: resumed from '${from}'"; }
wait_sim
sim_says "version 2.0.0"
slot_is "$WORK/b.bin" "$FS" $SA || fail "staged: slot differs from b"
ok "staged upload resumed from offset $from, installed and booted"

finish
