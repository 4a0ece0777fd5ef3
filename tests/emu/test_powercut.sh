#!/usr/bin/env bash
# Power cuts on the real bootloader binary in the board emulator. v1 is
# installed with the real `iap flash`; an update to v2 is run once without
# a cut (its flash operations listed by --op-log), then again with the
# power cut at a sample of those operations (iap-emu --cut-after, clean
# and torn), each followed by two power-ups of the board on the same flash
# and a clean `iap flash` of v2. After every power-up the board must boot
# exactly v1 or exactly v2 (v2 only once the update reached its commit
# word), or, on a single-slot layout, wait in update mode; never anything
# else. On a layout with a staging slot the update is `--slot stage` and
# the sample covers the install the bootloader does after BOOT as well:
# once the staged image is committed, the next power-up must finish the
# install and boot v2; before that it boots v1. With the swap install, v2
# runs on trial and blink never confirms itself: the power-up after its
# trial boot swaps v1 back (the revert), so the second power-up boots v1.
#
# One flash operation is what the controller sees as one: a page or sector
# erase, or a programming run (the half-word or word stores between
# setting and clearing FLASH_CR.PG: one program call of the core).
#
# Variables: EMU_PC_ALL=1 cuts every operation (clean and torn) however
# many there are; EMU_PC_VERBOSE=1 prints every cut point.
source "$IAP_TESTLIB"
source "$IAP_EMU_LIB"

UP_SPEED=${EMU_PC_UP_SPEED:-10} # uploads: emulated time 10x ahead of real time at most
ON_SPEED=50  # power-ups without a host
ON_MS=3000   # longer than the hello window (500 ms) and a boot's hashing
MAX_ALL=${EMU_PC_MAX_ALL:-40} # up to this many operations, every one is cut
INSTALL=${IAP_INSTALL:-0}
if [ "$INSTALL" -ne 0 ]; then
	# A power-up may finish a swap or an install first: on the F4, 128 KiB
	# sectors take 1 s to erase. Only single slot waits in update mode,
	# to the end of this limit.
	ON_MS=30000
	SLOT=(--slot stage)
	COMMIT_ADDR=$((IAP_STAGE_META_ADDR + 256))
	LAYOUT="staged ($([ "$INSTALL" -eq 2 ] && echo swap || echo overwrite))"
else
	SLOT=()
	COMMIT_ADDR=$((IAP_META_ADDR + 256))
	LAYOUT=single-slot
fi
META_OFF=$((IAP_META_ADDR - IAP_FLASH_BASE))
APP_OFF=$((IAP_APP_ADDR - IAP_FLASH_BASE))
BOOT_END=$((IAP_BOOT_ADDR + IAP_BOOT_SIZE))

# v1 and v2: the blink example with different tails, so the slot's bytes
# tell them apart; v2 spans several pages (F1) or two sectors (F4).
pad() {
	cp "$APP_BIN" "$1"
	yes "iapboot power-cut test $2" | head -c "$3" >>"$1" || true
}
if [ "$IAP_WRITE_SIZE" -eq 2 ]; then
	pad "$WORK/v1.bin" one 1000
	pad "$WORK/v2.bin" two 4500
else
	pad "$WORK/v1.bin" one 3000
	pad "$WORK/v2.bin" two 20000
fi
declare -A VER=([v1]=1.0.0+1 [v2]=2.0.0+2)
for v in v1 v2; do
	"$IAP" pack --addr "$IAP_APP_ADDR" --version "${VER[$v]}" \
		-o "$WORK/$v.iap" "$WORK/$v.bin" >/dev/null || fail "pack $v"
done
ENTRY=$(printf '0x%08x' $((0x$(reset_vector "$APP_BIN") & ~1)))

# holds VERSION DUMP: the app slot and the app meta record of the flash
# image DUMP hold exactly that version's payload and header.
holds() {
	local n
	n=$(stat -c %s "$WORK/$1.bin")
	cmp -s <(head -c 256 "$WORK/$1.iap") \
		<(tail -c +$((META_OFF + 1)) "$2" | head -c 256) &&
		cmp -s "$WORK/$1.bin" <(tail -c +$((APP_OFF + 1)) "$2" | head -c "$n")
}

# classify LOG DUMP UART RC: what one power-up of the board did. Sets
# VERDICT to v1 or v2 (jumped to the application's reset handler with the
# slot and its record holding exactly that image, which reports that
# version on USART1), wait (still in the bootloader's receive loop when
# the time was up), or bad (anything else, said in WHY).
classify() {
	local log=$1 dump=$2 uart=$3 rc=$4 at pc v
	VERDICT=bad
	WHY=
	if [ "$rc" -eq 0 ] && grep -q "^iap-emu: app entered at" "$log"; then
		at=$(sed -n 's/^iap-emu: app entered at \(0x[0-9a-f]*\) .*/\1/p' "$log")
		if [ "$at" != "$ENTRY" ]; then
			WHY="jumps to $at, not to the reset handler $ENTRY"
			return
		fi
		for v in v2 v1; do
			holds $v "$dump" || continue
			if ! grep -aq "version ${VER[$v]}," "$uart"; then
				WHY="jumps to $v, which prints '$(tr -d '\r' <"$uart" | grep -ao 'blink on .*' | tail -1)'"
				return
			fi
			VERDICT=$v
			return
		done
		WHY="jumps into the slot, which holds neither v1 nor v2 with its record"
		return
	fi
	if [ "$rc" -eq 3 ] && grep -q "^iap-emu: first receive poll" "$log"; then
		pc=$(sed -n 's/.*reached before the application: pc \(0x[0-9a-f]*\),.*/\1/p' "$log")
		if [ -n "$pc" ] && [ $((pc)) -ge $((IAP_BOOT_ADDR)) ] &&
			[ $((pc)) -lt $BOOT_END ]; then
			VERDICT=wait
			return
		fi
		WHY="neither jumped nor in the bootloader: pc $pc"
		return
	fi
	WHY="iap-emu exit $rc: $(grep -m1 -E 'fault|error|warning' "$log")"
}

# judge OP MODE N VERDICT [PREVIOUS]: may the N-th power-up (1 or 2) of a
# board whose update was cut at OP (MODE) do this, after PREVIOUS at the
# power-up before? 0, or 1 with WHY.
judge() {
	local op=$1 mode=$2 n=$3 v=$4 prev=${5:-}
	local committed=0
	# A torn commit word may have come out whole or not: either is right.
	if [ "$op" -gt "$COMMIT" ] || { [ "$op" -eq "$COMMIT" ] && [ "$mode" = torn ]; }; then
		committed=1
	fi
	if [ "$v" = wait ]; then
		if [ "$INSTALL" -ne 0 ]; then
			WHY="waits in update mode: a staged update keeps an image"
			return 1
		fi
		if [ "$op" -eq 1 ] && [ "$mode" = clean ]; then
			WHY="waits in update mode after a clean cut of the first operation: nothing had changed"
			return 1
		fi
		return 0
	fi
	if [ "$v" = v2 ] && [ $committed -eq 0 ]; then
		WHY="boots v2, but the cut came before its commit word (op $COMMIT)"
		return 1
	fi
	if [ "$v" != v1 ] && [ "$v" != v2 ]; then
		return 1
	fi
	case $INSTALL in
	0)
		# Single slot: the second power-up decides as the first.
		if [ -n "$prev" ] && [ "$v" != "$prev" ]; then
			WHY="boots $v after $prev at the power-up before"
			return 1
		fi
		;;
	1)
		# Overwrite: committed means installed at the next power-up.
		if [ "$op" -gt "$COMMIT" ] && [ "$v" = v1 ]; then
			WHY="boots v1, but staged v2 was committed (op $COMMIT): the install was not finished"
			return 1
		fi
		if [ -n "$prev" ] && [ "$v" != "$prev" ]; then
			WHY="boots $v after $prev at the power-up before"
			return 1
		fi
		;;
	2)
		# Swap, application that never confirms: the first power-up
		# after the commit finishes the swap and boots v2 on trial,
		# unless the swap was over and its trial boot had begun (op
		# TRIAL on): that boot was the trial, this one reverts. After a
		# v2, or after v1, the next power-up boots v1.
		if [ "$n" -eq 1 ] && [ "$op" -gt "$COMMIT" ] &&
			[ "$op" -lt "$TRIAL" ] && [ "$v" = v1 ]; then
			WHY="boots v1, but staged v2 was committed (op $COMMIT) and not yet tried: the swap was not finished"
			return 1
		fi
		if [ "$n" -eq 2 ] && [ "$v" = v2 ]; then
			WHY="boots v2 again: it never confirmed itself, its trial boot was at the power-up before"
			return 1
		fi
		;;
	esac
	return 0
}

# power_on FLASH TAG: one power-up without a host (the flash saved after
# it); sets VERDICT and WHY.
power_on() {
	run_emu "$WORK/on-$2.log" --flash "$1" --save --no-pty --max-ms $ON_MS \
		--speed $ON_SPEED --run-app=30 --uart-log "$WORK/on-$2.uart" --strict
	classify "$EMU_LOG" "$1" "$WORK/on-$2.uart" "$EMU_RC"
}

# upload FLASH IMAGE SPEED [iap-emu options]: the board, asked for an
# update by its application, takes IMAGE from the real `iap flash`; the
# application it then starts runs for 30 ms. Sets HOST_RC and EMU_RC (124:
# still running 60 s after the host gave up).
upload() {
	local flash=$1 image=$2 speed=$3
	shift 3
	start_emu "$WORK/up.log" --flash "$flash" --save --request-update \
		--speed "$speed" --run-app=30 --uart-log "$WORK/up.uart" --strict "$@"
	HOST_RC=0
	"$IAP" flash --port "$EMU_PTY" "${SLOT[@]}" "$image" >"$WORK/host.log" 2>&1 ||
		HOST_RC=$?
	for _ in $(seq 1200); do
		kill -0 "$EMU_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$EMU_PID" 2>/dev/null; then
		kill "$EMU_PID"
		wait "$EMU_PID" 2>/dev/null
		EMU_RC=124
	else
		EMU_RC=0
		wait "$EMU_PID" || EMU_RC=$?
	fi
	EMU_PID=
}

# What the host and the board said in the last upload.
upload_logs() {
	echo "--- iap flash:"
	grep -v '%' "$WORK/host.log" | tail -5
	echo "--- iap-emu:"
	tail -8 "$WORK/up.log"
}

# v1 onto a blank board with the bootloader only, as in the field.
V1FLASH=$WORK/v1.flash
rm -f "$V1FLASH"
SLOT_SAVED=("${SLOT[@]}")
SLOT=()
upload "$V1FLASH" "$WORK/v1.iap" 1 --boot "$BOOT_BIN"
SLOT=("${SLOT_SAVED[@]}")
[ "$HOST_RC" -eq 0 ] && [ "$EMU_RC" -eq 0 ] ||
	fail "install v1: iap flash $HOST_RC, iap-emu $EMU_RC $(upload_logs)"
power_on "$V1FLASH" v1
[ "$VERDICT" = v1 ] || fail "v1 installed, but a power-up: $VERDICT $WHY"
ok "$IAP_BOARD: v1 installed with iap flash boots"

# The update without a cut: its operations.
cp "$V1FLASH" "$WORK/clean.flash"
upload "$WORK/clean.flash" "$WORK/v2.iap" 1 --op-log "$WORK/ops.txt"
[ "$HOST_RC" -eq 0 ] && [ "$EMU_RC" -eq 0 ] ||
	fail "update to v2: iap flash $HOST_RC, iap-emu $EMU_RC $(upload_logs)"
classify "$WORK/up.log" "$WORK/clean.flash" "$WORK/up.uart" "$EMU_RC"
[ "$VERDICT" = v2 ] || fail "v2 installed, but the board: $VERDICT $WHY"
cp "$WORK/up.log" "$WORK/clean.log"
cp "$WORK/up.uart" "$WORK/clean.uart"
N=$(wc -l <"$WORK/ops.txt")
# op_at KIND ADDR [AFTER]: the first operation of KIND at ADDR after op AFTER.
op_at() {
	awk -v k="$1" -v a="$(printf '0x%08x' "$2")" -v after="${3:-0}" \
		'$1 > after && $2 == k && $3 == a {print $1; exit}' "$WORK/ops.txt"
}
COMMIT=$(op_at program $COMMIT_ADDR)
[ -n "$COMMIT" ] || fail "no commit word program in the update: $(cat "$WORK/ops.txt")"
# Swap: the first trial flag (iap_install.h: IAP_META_TRIAL_OFF, 304).
TRIAL=$((N + 1))
if [ "$INSTALL" -eq 2 ]; then
	TRIAL=$(op_at program $((IAP_META_ADDR + 304)) "$COMMIT")
	[ -n "$TRIAL" ] || fail "no trial flag program in the swap: $(cat "$WORK/ops.txt")"
fi
ERASES=$(grep -c ' erase ' "$WORK/ops.txt")
UNITS=$(awk '$2 == "program" {u += $4 / '"$IAP_WRITE_SIZE"'} END {print u}' "$WORK/ops.txt")
ok "$IAP_BOARD: $LAYOUT update v1 -> v2 ($(stat -c %s "$WORK/v2.bin") B): $N flash operations ($ERASES erases, $((N - ERASES)) programming runs of $UNITS units), commit word at op $COMMIT$([ "$INSTALL" -eq 2 ] && echo ", first trial flag at op $TRIAL")"
if [ "$N" -le $MAX_ALL ]; then
	sed 's/^/    op /' "$WORK/ops.txt"
else
	# The transfer and the last 12 in full, what is between in numbers.
	awk -v c="$COMMIT" -v n="$N" '
		$1 <= c || $1 > n - 12 {print "    op " $0; next}
		{e += $2 == "erase"; r += $2 == "program"; u += $2 == "program" ? $4 : 0}
		$1 == n - 12 {print "    ops " c + 1 "-" $1 ": " e " erases, " r " programming runs (" u " bytes)"}' \
		"$WORK/ops.txt"
fi

# The sample: every operation when there are few. Else, up to the commit
# (the transfer): the first operation, the erase in the middle, data at
# both ends and in the middle, the header, the commit word; after it (the
# install after BOOT): the first operation, 8 evenly spaced ones, the
# erase of the application's meta record and the program of its commit
# word, the last two; torn: one of each kind in each part.
kind_of() {
	awk -v n="$1" -v m="$(printf '0x%08x' $((IAP_META_ADDR)))" \
		-v sm="$(printf '0x%08x' $((IAP_STAGE_META_ADDR)))" \
		-v c="$COMMIT" -v t="$TRIAL" '$1 == n {
		p = $1 > c ? "install " : "";
		if ($1 == c) print "commit";
		else if ($1 == t) print "install trial flag";
		else if ($2 == "erase") print p "erase";
		else if (($3 == m || $3 == sm) && $4 == 256) print p "header";
		else print p "program"; exit }' "$WORK/ops.txt"
}
POINTS=()
if [ "$N" -le $MAX_ALL ] || [ "${EMU_PC_ALL:-0}" = 1 ]; then
	for op in $(seq "$N"); do
		POINTS+=("$op:clean" "$op:torn")
	done
else
	mapfile -t er < <(awk -v c="$COMMIT" '$2 == "erase" && $1 < c {print $1}' "$WORK/ops.txt")
	mapfile -t da < <(awk -v c="$COMMIT" '$2 == "program" && $1 < c - 1 {print $1}' "$WORK/ops.txt")
	sample=(1 "${er[$((${#er[@]} / 2))]}" "${da[0]}" "${da[$((${#da[@]} / 2))]}"
		"${da[-1]}" $((COMMIT - 1)) "$COMMIT")
	if [ "$N" -gt "$COMMIT" ]; then
		step=$(((N - COMMIT) / 8 + 1))
		for ((op = COMMIT + 1; op <= N; op += step)); do
			sample+=("$op")
		done
		meta_erase=$(op_at erase $IAP_META_ADDR "$COMMIT")
		app_commit=$(op_at program $((IAP_META_ADDR + 256)) "$COMMIT")
		sample+=($meta_erase $app_commit $((N - 1)) "$N")
	fi
	for op in $(printf '%s\n' "${sample[@]}" | sort -nu); do
		POINTS+=("$op:clean")
	done
	POINTS+=("1:torn" "${da[$((${#da[@]} / 2))]}:torn" "$((COMMIT - 1)):torn" "$COMMIT:torn")
	if [ "$N" -gt "$COMMIT" ]; then
		mapfile -t ie < <(awk -v c="$COMMIT" '$2 == "erase" && $1 > c {print $1}' "$WORK/ops.txt")
		POINTS+=("$((COMMIT + 1)):torn" "$(((COMMIT + N) / 2)):torn"
			"${ie[$((${#ie[@]} / 2))]}:torn" "$N:torn")
	fi
fi
POINTS+=("$((N + 1)):clean") # after the last operation: no cut

# cut_upload OP MODE SPEED: v1's flash, the update to v2 cut at OP. 0 when
# the cut came as planned (or, after the last op, the update completed);
# 2 when the host gave up before the cut (a machine too loaded for its
# timeouts: the attempt says nothing about the board), 1 otherwise.
cut_upload() {
	cp "$V1FLASH" "$F"
	upload "$F" "$WORK/v2.iap" "$3" --cut-after $(($1 - 1)) --cut-mode "$2" \
		--cut-seed "$seed"
	if [ "$1" -gt "$N" ]; then
		[ "$HOST_RC" -eq 0 ] && [ "$EMU_RC" -eq 0 ] && return 0
	elif [ "$EMU_RC" -eq 4 ]; then
		grep -q "power cut [a-z]* flash op $1 (" "$WORK/up.log" && return 0
		return 1
	fi
	[ "$HOST_RC" -ne 0 ] && ! grep -q "power cut" "$WORK/up.log" && return 2
	return 1
}

CUTS=0
FAILS=0
BOOTS=0
VOID=0
F=$WORK/cut.flash
declare -A SEEN=([v1]=0 [v2]=0 [wait]=0)
failure() {
	FAILS=$((FAILS + 1))
	echo "FAIL: $IAP_BOARD cut at op $op/$N ($kind, $mode, seed $seed): $*" >&2
}
for point in "${POINTS[@]}"; do
	op=${point%:*}
	mode=${point#*:}
	seed=$((op * 7919 + 17))
	kind=$( [ "$op" -le "$N" ] && kind_of "$op" || echo "none")
	CUTS=$((CUTS + 1))
	rc=0
	cut_upload "$op" "$mode" $UP_SPEED || rc=$?
	for _ in 1 2; do
		[ $rc -eq 2 ] || break
		VOID=$((VOID + 1))
		echo "note: op $op ($mode): the host gave up before the cut; again at --speed 1 $(upload_logs | tr '\n' ' ')"
		rc=0
		cut_upload "$op" "$mode" 1 || rc=$?
	done
	if [ $rc -ne 0 ]; then
		failure "the update was not cut as planned: iap flash $HOST_RC, iap-emu $EMU_RC $(upload_logs)"
		continue
	fi
	got=()
	prev=
	for p in 1 2; do
		power_on "$F" "$p"
		BOOTS=$((BOOTS + 1))
		if [ "$VERDICT" = bad ]; then
			failure "power-up $p: $WHY"
		elif ! judge "$op" "$mode" $p "$VERDICT" "$prev"; then
			failure "power-up $p: $WHY"
		fi
		SEEN[$VERDICT]=$((${SEEN[$VERDICT]:-0} + 1))
		got+=("$VERDICT")
		prev=$VERDICT
	done
	# Nothing is bricked: a clean update installs v2, which runs.
	upload "$F" "$WORK/v2.iap" $UP_SPEED
	if [ "$HOST_RC" -ne 0 ] || [ "$EMU_RC" -ne 0 ]; then
		# Again at real-time speed before calling the board bricked.
		upload "$F" "$WORK/v2.iap" 1
	fi
	if [ "$HOST_RC" -ne 0 ] || [ "$EMU_RC" -ne 0 ]; then
		failure "the clean update afterwards: iap flash $HOST_RC, iap-emu $EMU_RC $(upload_logs)"
		continue
	fi
	classify "$WORK/up.log" "$F" "$WORK/up.uart" "$EMU_RC"
	[ "$VERDICT" = v2 ] || failure "after the clean update: $VERDICT $WHY"
	if [ "${EMU_PC_VERBOSE:-0}" = 1 ]; then
		echo "    op $op ($kind, $mode): ${got[*]}"
	fi
done

echo "$IAP_BOARD $LAYOUT: clean update $N ops; $CUTS cut points ($(printf '%s\n' "${POINTS[@]}" | grep -c ':clean$') clean, of which 1 after the last op; $(printf '%s\n' "${POINTS[@]}" | grep -c ':torn$') torn); $BOOTS power-ups: v1 ${SEEN[v1]}, v2 ${SEEN[v2]}, update mode ${SEEN[wait]}; $FAILS failures; $VOID attempts retried (host gave up first)"
[ "$FAILS" -eq 0 ] || fail "$FAILS cut points broke the invariant"
case $INSTALL in
0) rule="boots exactly v1 or v2 (v2 only after its commit) or waits in update mode, twice the same" ;;
1) rule="boots exactly v1 before the stage commit and v2 after it, twice the same" ;;
2) rule="boots exactly v1 before the stage commit; after it, v2 on trial at the first power-up (the swap finished) and v1 at the second (reverted: blink never confirms)" ;;
esac
ok "$IAP_BOARD: every cut point $rule; a clean update then installs v2, which runs"

# Self-check: the test can fail. (1) v2 committed, then a byte of its
# payload changed in the flash file: the bootloader's hash check must keep
# it from running. (2) The checks above flag a slot that is not the image,
# v2 before its commit, and waiting where the layout must keep an image.
cp "$WORK/clean.flash" "$WORK/bad.flash"
off=$((APP_OFF + $(stat -c %s "$WORK/v2.bin") / 2))
b=$(od -An -tu1 -j $off -N1 "$WORK/bad.flash" | tr -d ' ')
printf "$(printf '\\x%02x' $((b ^ 0x5a)))" |
	dd of="$WORK/bad.flash" bs=1 seek=$off conv=notrunc status=none
cp "$WORK/bad.flash" "$WORK/bad2.flash"
power_on "$WORK/bad.flash" bad
case $VERDICT in
v1 | wait) ok "self-check: v2 with one byte changed in the slot is not run ($VERDICT)" ;;
*) fail "self-check: the bootloader ran a corrupted image ($VERDICT $WHY)" ;;
esac
classify "$WORK/clean.log" "$WORK/bad2.flash" "$WORK/clean.uart" 0
[ "$VERDICT" = bad ] || fail "self-check: a jump into a corrupted slot was taken for $VERDICT"
ok "self-check: a jump into a slot that differs from v2 is flagged ($WHY)"
judge "$COMMIT" clean 1 v2 && fail "self-check: v2 before its commit word was accepted"
ok "self-check: v2 booting after a clean cut of its commit word is flagged ($WHY)"
if [ "$INSTALL" -ne 0 ]; then
	judge "$COMMIT" clean 1 wait && fail "self-check: waiting on a staged board was accepted"
	ok "self-check: waiting in update mode on a staged board is flagged ($WHY)"
	judge $((COMMIT + 1)) clean 1 v1 && fail "self-check: an unfinished install was accepted"
	ok "self-check: v1 at the first power-up after the stage commit is flagged ($WHY)"
else
	judge 1 clean 1 wait && fail "self-check: waiting after nothing changed was accepted"
	ok "self-check: waiting after a clean cut of the first operation is flagged ($WHY)"
	judge "$N" clean 2 v1 wait && fail "self-check: a change between power-ups was accepted"
	ok "self-check: a different decision at the second power-up is flagged ($WHY)"
fi
finish
