#!/usr/bin/env bash
# Install what iapboot needs to build and test on Debian/Ubuntu, skipping
# packages that are already there. apt-get as root, through sudo otherwise.
set -euo pipefail

PACKAGES=(
	build-essential cmake pkg-config
	libserialport-dev libelf-dev libcmocka-dev libssl-dev
	srecord lrzsz openssl
	gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
	qemu-system-arm libunicorn-dev
)
# The fuzz targets (tests/fuzz): clang with libFuzzer. Debian 12 ships the
# runtime as libclang-rt-14-dev; where that name does not exist the
# install goes on without them and the fuzz tests are skipped.
OPTIONAL=(clang libclang-rt-14-dev)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: not a Debian/Ubuntu system; install by hand: a C compiler, cmake, pkg-config, libserialport, libelf, cmocka, OpenSSL 3 (libcrypto with its headers, and the openssl command), srecord, lrzsz, the GNU Arm Embedded toolchain with newlib, qemu-system-arm" >&2
	exit 0
fi

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
missing=()
for p in "${PACKAGES[@]}"; do
	installed "$p" || missing+=("$p")
done
optional=()
for p in "${OPTIONAL[@]}"; do
	installed "$p" || optional+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]} ${optional[*]}"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=()
elif command -v sudo >/dev/null 2>&1; then
	SUDO=(sudo)
else
	[ ${#missing[@]} -eq 0 ] && exit 0 # only the optional ones
	echo "install-deps: need root to install: ${missing[*]} (run: apt-get install ${missing[*]})" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq || [ ${#missing[@]} -eq 0 ]
if [ ${#missing[@]} -gt 0 ]; then
	"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ${#optional[@]} -gt 0 ]; then
	"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${optional[@]}" ||
		echo "install-deps: ${optional[*]} not installed: the fuzz tests are skipped" >&2
fi
