/*
 * iapboot - the Blue Pill (port/boards/bluepill/hw.h): single slot, terminal
 * menu. Addresses are in layout.h.
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define BOARD_NAME "bluepill"

#include "../bluepill/hw.h"

#endif /* IAP_BOARD_H */
