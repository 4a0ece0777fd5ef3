#!/usr/bin/env bash
# Power cuts across processes: iap-sim exits at the cut (code 3) leaving the
# flash file as the cells were, clean or torn; the next power-on boots the
# old image or waits in update mode, and a clean upload then works. The
# systematic sweep is tests/powercut (in-process); this checks the options.
source "$IAP_TESTLIB"

BOARD=f103c8
APP=0x08004000
RAMTOP=0x20005000
FLASH=$WORK/dev.flash

make_bin "$WORK/v1.bin" $APP 3000 one $RAMTOP
make_bin "$WORK/v2.bin" $APP 5001 two $RAMTOP
"$IAP" pack --addr $APP --version 1.0.0 -o "$WORK/v1.iap" "$WORK/v1.bin" >/dev/null || fail "pack v1"
"$IAP" pack --addr $APP --version 2.0.0 -o "$WORK/v2.iap" "$WORK/v2.bin" >/dev/null || fail "pack v2"

expect_fail "bad --cut-mode" "clean or torn" \
	"$IAP_SIM" --board $BOARD --flash "$WORK/x.flash" --cut-mode half

# install_v1: a clean upload of 1.0.0 onto a fresh flash.
install_v1() {
	fresh_install $BOARD "$FLASH" "$WORK/v1.iap" 1.0.0
}

# An update to 2.0.0 takes 1 + 5 + 5 + 2 = 13 operations on this board
# (meta erase, page erases, WRITEs, header, commit word). --cut-after N
# cuts op N+1: a page erase (4), a WRITE (9), the commit word (13); 0 never.
for mode in clean torn; do
	for n in 0 3 8 12; do
		install_v1
		start_sim $BOARD "$FLASH" --request-update --cut-after $n \
			--cut-mode $mode --cut-seed $((n + 7))
		if [ "$n" -eq 0 ]; then
			# --cut-after 0 never cuts: the update completes.
			"$IAP" flash --port "$SIM_PTY" "$WORK/v2.iap" >"$WORK/u.log" 2>&1 ||
				{ cat "$WORK/u.log"; fail "uncut update"; }
			wait_sim
			[ "$SIM_RC" -eq 0 ] || fail "uncut update: exit $SIM_RC"
			ok "$mode --cut-after 0 never cuts"
			continue
		fi
		"$IAP" flash --port "$SIM_PTY" "$WORK/v2.iap" >"$WORK/u.log" 2>&1 &&
			fail "$mode cut after $n: the upload succeeded"
		wait_sim
		[ "$SIM_RC" -eq 3 ] || fail "$mode cut after $n: exit $SIM_RC, not 3"
		if [ $mode = torn ]; then
			sim_says "power cut during flash op $((n + 1))"
		else
			sim_says "power cut before flash op $((n + 1))"
		fi
		# Power on: never a partial image.
		start_sim $BOARD "$FLASH" --hello-ms 0 --idle-ms 100
		sleep 0.5
		if kill -0 "$SIM_PID" 2>/dev/null; then
			grep -Eq "update mode \((no image|image failed verification)\)" "$SIM_LOG" ||
				fail "$mode cut after $n: waits for another reason"
			state="update mode"
		else
			wait_sim
			sim_says "boot 0x08004000 version 1.0.0"
			state="boots 1.0.0"
			start_sim $BOARD "$FLASH" --request-update
		fi
		"$IAP" flash --port "$SIM_PTY" "$WORK/v2.iap" >"$WORK/r.log" 2>&1 ||
			{ cat "$WORK/r.log"; fail "$mode cut after $n: upload after the cut"; }
		wait_sim
		sim_says "version 2.0.0"
		ok "$mode cut at op $((n + 1)): exit 3, then $state, then 2.0.0 installed"
	done
done
finish
