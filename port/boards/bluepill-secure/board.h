/*
 * iapboot - a Blue Pill with an STM32F103CB (128 KiB of flash; many
 * Blue Pills carry one) and the secure layout: signed images only, swap with
 * revert, anti-rollback record (layout.h); bluepill's hardware.
 * Addresses are in layout.h.
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define BOARD_NAME "bluepill-secure"

#define IAP_CFG_MENU 0 /* the protocol only */

#include "../bluepill/hw.h"

#endif /* IAP_BOARD_H */
