/*
 * iapboot - the Blue Pill with the bootloader write-protecting its own
 * pages (IAP_CFG_WRP, docs/WRITE_PROTECTION.md); the layout gives the
 * bootloader 16 KiB, whole units of the F1's protection; bluepill's
 * hardware.
 * Addresses are in layout.h.
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define BOARD_NAME "bluepill-wrp"

#define IAP_CFG_WRP 1 /* protect the bootloader's pages at start-up */

#include "../bluepill/hw.h"

#endif /* IAP_BOARD_H */
