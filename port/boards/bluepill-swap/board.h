/*
 * iapboot - the Blue Pill with a staging slot and the swap install
 * (layout.h); bluepill's hardware (port/boards/bluepill/hw.h).
 * Addresses are in layout.h.
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define BOARD_NAME "bluepill-swap"

/* No terminal menu (YModem): the swap bootloader with the decompressor
 * leaves about 3 KiB of its 16 KiB region, the menu needs about 4. */
#define IAP_CFG_MENU 0

#include "../bluepill/hw.h"

#endif /* IAP_BOARD_H */
