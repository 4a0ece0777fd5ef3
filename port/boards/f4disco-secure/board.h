/*
 * iapboot - the STM32F4DISCOVERY with the secure layout: signed images
 * only, swap with revert, anti-rollback record (layout.h); f4disco's
 * hardware.
 * Addresses are in layout.h.
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define BOARD_NAME "f4disco-secure"

#define IAP_CFG_MENU 0 /* the protocol only */

#include "../f4disco/hw.h"

#endif /* IAP_BOARD_H */
