/*
 * iapboot - bootloader settings of the STM32 port. A board's board.h (or
 * the build, -D...) may set any of them first; these are the defaults.
 */
#ifndef IAP_CONFIG_H
#define IAP_CONFIG_H

/* With a valid image, listen this long after reset for a host's hello. */
#ifndef IAP_CFG_HELLO_MS
#define IAP_CFG_HELLO_MS 500
#endif

/*
 * In update mode with a valid image (the application asked for an update),
 * boot that image again after this long without a request: a device whose
 * host never comes keeps running its application. 0 = wait forever.
 */
#ifndef IAP_CFG_IDLE_MS
#define IAP_CFG_IDLE_MS 30000
#endif

/* A line quiet this long drops a half-received frame. */
#ifndef IAP_CFG_GAP_MS
#define IAP_CFG_GAP_MS 100
#endif

/*
 * The terminal menu with the YModem upload (include/iap/iap_menu.h):
 * Enter alone on the line opens it. 0 leaves its code out (about 3 KiB
 * of flash).
 */
#ifndef IAP_CFG_MENU
#define IAP_CFG_MENU 1
#endif

/*
 * Boards with IAP_LAYOUT_SIGNED: check the installed image's signature at
 * every boot as well as on receipt and at install (docs/SIGNING.md). 0:
 * the boot checks the hash and the security counter only.
 */
#ifndef IAP_CFG_BOOT_SIG
#define IAP_CFG_BOOT_SIG 1
#endif

/*
 * 1: at start-up the bootloader write-protects its own flash pages
 * ([IAP_LAYOUT_BOOT_ADDR, +IAP_LAYOUT_BOOT_SIZE)) in the option bytes and
 * resets once so that they take effect (docs/WRITE_PROTECTION.md: what it
 * covers, and how to remove it again). The region must end on a unit of
 * the protection: 4 KiB on the F1, a sector on the F4.
 */
#ifndef IAP_CFG_WRP
#define IAP_CFG_WRP 0
#endif

#ifndef IAP_CFG_BAUD
#define IAP_CFG_BAUD 115200
#endif

/* Hashing and read-back buffer; larger only saves loop turns. */
#ifndef IAP_CFG_SCRATCH_SIZE
#define IAP_CFG_SCRATCH_SIZE 256
#endif

/*
 * Window of the decompressor for compressed transfers (iap flash sends
 * LZSS streams that fit it): a power of two, 256 .. 32768 bytes. 2 KiB
 * takes firmware to about 87 % of its size, 4 KiB to 86 %
 * (docs/COMPRESSION.md).
 */
#ifndef IAP_CFG_LZSS_WINDOW
#define IAP_CFG_LZSS_WINDOW 2048
#endif

#if IAP_CFG_SCRATCH_SIZE < 16
#error "IAP_CFG_SCRATCH_SIZE: the core needs at least 16 bytes"
#endif
#if IAP_CFG_MAX_PAYLOAD < 260
#error "IAP_CFG_MAX_PAYLOAD: a START request (260 bytes) must fit"
#endif
#if IAP_CFG_MAX_PAYLOAD > 65535
#error "IAP_CFG_MAX_PAYLOAD: the frame length field is 16 bits"
#endif
#if IAP_CFG_RX_RING < 64
#error "IAP_CFG_RX_RING: at least 64 bytes"
#endif
#if IAP_CFG_WRP != 0 && IAP_CFG_WRP != 1
#error "IAP_CFG_WRP: 0 or 1"
#endif
#if (IAP_CFG_LZSS_WINDOW & (IAP_CFG_LZSS_WINDOW - 1)) != 0 || \
	IAP_CFG_LZSS_WINDOW < 256 || IAP_CFG_LZSS_WINDOW > 32768
#error "IAP_CFG_LZSS_WINDOW: a power of two, 256 .. 32768"
#endif

#endif /* IAP_CONFIG_H */
