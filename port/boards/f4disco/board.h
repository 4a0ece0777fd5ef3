/*
 * iapboot - the STM32F4DISCOVERY (port/boards/f4disco/hw.h): single slot,
 * terminal menu.
 * Addresses are in layout.h.
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define BOARD_NAME "f4disco"

#include "../f4disco/hw.h"

#endif /* IAP_BOARD_H */
