/*
 * iapboot - the STM32F4DISCOVERY with the bootloader write-protecting its
 * own sector 0 (IAP_CFG_WRP, docs/WRITE_PROTECTION.md); f4disco's layout
 * and hardware.
 * Addresses are in layout.h.
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define BOARD_NAME "f4disco-wrp"

#define IAP_CFG_WRP 1 /* protect the bootloader's sector at start-up */

#include "../f4disco/hw.h"

#endif /* IAP_BOARD_H */
