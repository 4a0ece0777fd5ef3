/*
 * iapboot - the board's struct iap_layout initialiser, from its layout.h:
 * one definition for the bootloader and for the SDK, so that both see the
 * same regions and the same install strategy.
 *
 * The staging slot and the swap regions are optional in layout.h:
 *
 *   IAP_LAYOUT_STAGE_ADDR, _STAGE_SIZE,          stage slot and its meta
 *   IAP_LAYOUT_STAGE_META_ADDR, _STAGE_META_SIZE region
 *   IAP_LAYOUT_INSTALL                           1 overwrite, 2 swap
 *   IAP_LAYOUT_SCRATCH_ADDR, _SCRATCH_SIZE,      swap only; right behind the
 *                                                app slot, the swap moves
 *                                                (iap_layout_swap_moves())
 *   IAP_LAYOUT_JOURNAL_ADDR, _JOURNAL_SIZE
 *   IAP_LAYOUT_TEST_BOOTS                        swap only, default 1
 *   IAP_LAYOUT_RAM2_ADDR, _RAM2_SIZE             a second RAM an application's
 *                                                initial stack may be in
 *                                                (F4 CCM RAM)
 *   IAP_LAYOUT_ROLLBACK_ADDR, _ROLLBACK_SIZE     the anti-rollback record
 *   IAP_LAYOUT_SIGNED                            1: the bootloader requires
 *                                                signed images (key table
 *                                                from the build, main.c)
 *
 * A board without them is a single-slot board (IAP_INSTALL_NONE).
 */
#ifndef IAP_STM32_LAYOUT_H
#define IAP_STM32_LAYOUT_H

#include "iap/iap_layout.h"
#include "layout.h"

#if defined(IAP_LAYOUT_INSTALL) && IAP_LAYOUT_INSTALL != 0
#define STM32_LAYOUT_INSTALL IAP_LAYOUT_INSTALL
#else
#define STM32_LAYOUT_INSTALL 0
#endif

/* A half-written layout.h is caught here, as in the bootloader's main.c. */
#if defined(IAP_LAYOUT_STAGE_ADDR) != (STM32_LAYOUT_INSTALL != 0)
#error "layout.h: a staging slot and IAP_LAYOUT_INSTALL (1 overwrite, 2 swap) go together"
#endif
#if defined(IAP_LAYOUT_SCRATCH_ADDR) != (STM32_LAYOUT_INSTALL == 2)
#error "layout.h: the swap install (2) and IAP_LAYOUT_SCRATCH_*, _JOURNAL_* go together"
#endif

#ifdef IAP_LAYOUT_STAGE_ADDR
#define STM32_LAYOUT_STAGE                             \
	.stage_addr = IAP_LAYOUT_STAGE_ADDR,           \
	.stage_size = IAP_LAYOUT_STAGE_SIZE,           \
	.stage_meta_addr = IAP_LAYOUT_STAGE_META_ADDR, \
	.stage_meta_size = IAP_LAYOUT_STAGE_META_SIZE, \
	.install = STM32_LAYOUT_INSTALL,
#else
#define STM32_LAYOUT_STAGE
#endif

#ifdef IAP_LAYOUT_SCRATCH_ADDR
#define STM32_LAYOUT_SWAP                        \
	.scratch_addr = IAP_LAYOUT_SCRATCH_ADDR, \
	.scratch_size = IAP_LAYOUT_SCRATCH_SIZE, \
	.journal_addr = IAP_LAYOUT_JOURNAL_ADDR, \
	.journal_size = IAP_LAYOUT_JOURNAL_SIZE,
#else
#define STM32_LAYOUT_SWAP
#endif

#ifdef IAP_LAYOUT_TEST_BOOTS
#define STM32_LAYOUT_TEST_BOOTS .test_boots = IAP_LAYOUT_TEST_BOOTS,
#else
#define STM32_LAYOUT_TEST_BOOTS
#endif

#ifdef IAP_LAYOUT_RAM2_ADDR
#define STM32_LAYOUT_RAM2 \
	.ram2_addr = IAP_LAYOUT_RAM2_ADDR, .ram2_size = IAP_LAYOUT_RAM2_SIZE,
#else
#define STM32_LAYOUT_RAM2
#endif

#ifdef IAP_LAYOUT_ROLLBACK_ADDR
#define STM32_LAYOUT_ROLLBACK                      \
	.rollback_addr = IAP_LAYOUT_ROLLBACK_ADDR, \
	.rollback_size = IAP_LAYOUT_ROLLBACK_SIZE,
#else
#define STM32_LAYOUT_ROLLBACK
#endif

/* clang-format off */
#define STM32_LAYOUT_INIT                                  \
	{                                                  \
		.boot_addr = IAP_LAYOUT_BOOT_ADDR,         \
		.boot_size = IAP_LAYOUT_BOOT_SIZE,         \
		.meta_addr = IAP_LAYOUT_META_ADDR,         \
		.meta_size = IAP_LAYOUT_META_SIZE,         \
		.app_addr = IAP_LAYOUT_APP_ADDR,           \
		.app_size = IAP_LAYOUT_APP_SIZE,           \
		.ram_addr = IAP_LAYOUT_RAM_ADDR,           \
		.ram_size = IAP_LAYOUT_RAM_SIZE,           \
		.board_id = IAP_LAYOUT_BOARD_ID,           \
		STM32_LAYOUT_STAGE                         \
		STM32_LAYOUT_SWAP                          \
		STM32_LAYOUT_TEST_BOOTS                    \
		STM32_LAYOUT_RAM2                          \
		STM32_LAYOUT_ROLLBACK                      \
	}
/* clang-format on */

#endif /* IAP_STM32_LAYOUT_H */
