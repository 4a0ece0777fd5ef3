/*
 * iapboot - the STM32F4DISCOVERY with a staging slot and the swap install
 * (layout.h); f4disco's hardware (port/boards/f4disco/hw.h).
 * Addresses are in layout.h.
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define BOARD_NAME "f4disco-swap"

#include "../f4disco/hw.h"

#endif /* IAP_BOARD_H */
