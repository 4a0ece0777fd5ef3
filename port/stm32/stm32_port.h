/*
 * iapboot - what the files of the STM32 port share. The port is split by
 * peripheral generation, not by chip: *_f1.c serve every STM32F1 (page
 * flash controller, DMA channels), *_f4.c every STM32F4 (sector flash
 * controller, DMA streams); the rest is common to both. The board's
 * board.h says which family it is.
 */
#ifndef IAP_STM32_PORT_H
#define IAP_STM32_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "iap/iap_flash.h"
#include "iap_config.h"

#if defined(STM32_FAMILY_F1)
#include "f1_regs.h"
#define GPIO_PORT_BASE(n) (GPIOA_BASE + 0x400u * (n))
#elif defined(STM32_FAMILY_F4)
#include "f4_regs.h"
#define GPIO_PORT_BASE(n) (GPIOA_BASE + 0x400u * (n))
#else
#error "board.h must define STM32_FAMILY_F1 or STM32_FAMILY_F4"
#endif

/* The address checks below rely on a sane layout; catch it at build time. */
#if IAP_LAYOUT_BOOT_ADDR != IAP_LAYOUT_FLASH_BASE
#error "layout.h: the bootloader must start at the bottom of the flash"
#endif
#if IAP_LAYOUT_APP_ADDR % 512 != 0
#error "layout.h: VTOR needs the application aligned to 512 bytes"
#endif
#if IAP_LAYOUT_APP_ADDR + IAP_LAYOUT_APP_SIZE > \
	IAP_LAYOUT_FLASH_BASE + IAP_LAYOUT_FLASH_SIZE
#error "layout.h: the application slot ends past the flash"
#endif
#if IAP_LAYOUT_NOINIT_SIZE < 12 || IAP_LAYOUT_NOINIT_SIZE % 8 != 0
#error "layout.h: IAP_LAYOUT_NOINIT_SIZE holds the request word and the boot record, 8-aligned"
#endif

/* The update request word, at the bottom of RAM in both linker scripts. */
#define STM32_REQUEST_WORD MMIO32(IAP_LAYOUT_RAM_ADDR)
/* Then the boot record for the application (iap_install.h). */
#define STM32_BOOT_RECORD_MAGIC MMIO32(IAP_LAYOUT_RAM_ADDR + 4u)
#define STM32_BOOT_RECORD	MMIO32(IAP_LAYOUT_RAM_ADDR + 8u)

/* Spin bounds for ready flags; a spin is a few cycles, at least 8 MHz. */
#define STM32_SPINS_OSC	 0x20000u /* HSE start-up (2 ms typ), PLL lock */
#define STM32_SPINS_UART 0x20000u /* one character at 115200 is 87 us */

struct stm32_clocks {
	uint32_t hclk;	     /* core and SysTick */
	uint32_t pclk_usart; /* the bus USART1 sits on (APB2) */
};

/*
 * stm32_wait() - spin until (*reg & mask) == want, kicking the watchdog,
 * at most spins times. Returns 0 or IAP_ERR_TIMEDOUT. Every wait on a
 * hardware flag goes through here: QEMU's RCC and flash controller read 0.
 */
int stm32_wait(volatile uint32_t *reg, uint32_t mask, uint32_t want,
	       uint32_t spins);

/* clock_f1.c / clock_f4.c */

/**
 * stm32_clock_init() - PLL from the HSE crystal; if the crystal or the PLL
 * does not come up in time, stay on the HSI. Fills *c with what runs.
 */
void stm32_clock_init(struct stm32_clocks *c);
/** stm32_clock_deinit() - back to the reset clock tree (HSI, no PLL). */
void stm32_clock_deinit(void);

/* serial_f1.c / serial_f4.c: clocks, pins and the DMA of USART1 */

#define STM32_USART USART1_BASE

/** Enable and route USART1, its pins and its receive DMA. */
void stm32_serial_hw_init(void);
/**
 * stm32_dma_rx_start() - endless transfer from the USART data register
 * into ring (size bytes, wrapping at its end). Returns 0, or
 * IAP_ERR_NOTSUP when the DMA does not respond (QEMU does not model it).
 */
int stm32_dma_rx_start(volatile uint8_t *ring, uint32_t size);
/** Index in the ring of the next byte the DMA writes, 0 .. size - 1. */
uint32_t stm32_dma_rx_head(void);
/** USART1, its DMA and its pins back to their reset state, clocks off. */
void stm32_serial_hw_deinit(void);

/* usart.c */

/** USART1 at IAP_CFG_BAUD 8N1 from a bus clock of pclk Hz, DMA reception. */
void stm32_usart_init(uint32_t pclk);
/** Let the last byte leave the wire, then stm32_serial_hw_deinit(). */
void stm32_usart_deinit(void);
/*
 * Protocol baud switching (iap_server_cfg.set_baud): apply 0 checks that
 * the bus clock divides to baud within 2 % with oversampling by 16; apply 1
 * waits for the last byte to leave, then loads BRR. Returns 0 or
 * IAP_ERR_NOTSUP.
 */
int stm32_usart_set_baud(void *ctx, uint32_t baud, int apply);

/* flash_f1.c / flash_f4.c */

/** The flash ops of this chip, geometry from layout.h. */
extern const struct iap_flash stm32_flash;

#if IAP_CFG_WRP
/**
 * stm32_flash_wrp_boot() - write-protect the bootloader's region in the
 * option bytes (F1: WRP0-3, one bit per 4 KiB; F4: nWRP, one bit per
 * sector), keeping every other option as it is. Returns 0 when the region
 * is protected already, 1 when it has programmed the option bytes (they
 * take effect at the next reset, which the caller makes), or a negative
 * IAP_ERR_*: IAP_ERR_PERM when the read protection is on (F1: erasing the
 * option bytes would drop it; F4 level 2: they cannot change), else what
 * the controller reported.
 */
int stm32_flash_wrp_boot(void);
#endif

/* flash.c: helpers the flash drivers share (linked into the SDK too) */

/** Read callback: flash is memory-mapped. Returns 0 or IAP_ERR_FAULT. */
int stm32_flash_read(void *ctx, uint32_t addr, void *buf, uint32_t len);
/**
 * stm32_flash_writable() - whether [addr, addr+len) lies in the flash and
 * above the bootloader, which no update may touch. Returns 0 or
 * IAP_ERR_FAULT.
 */
int stm32_flash_writable(uint32_t addr, uint32_t len);

#endif /* IAP_STM32_PORT_H */
