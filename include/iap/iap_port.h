/*
 * iapboot - what a chip port provides to the bootloader's main loop.
 * The core never calls these; the port's main does, around
 * iap_loader_start() / iap_loader_poll() (include/iap/iap_boot.h).
 * port/template/ documents each hook for a new chip.
 */
#ifndef IAP_PORT_H
#define IAP_PORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bring up clocks (bounded waits, HSI fallback), tick, line. 0 or error. */
int iap_port_init(void);

/** Milliseconds since iap_port_init(); wraps at 2^32. */
uint32_t iap_port_now_ms(void);

/**
 * iap_port_take_request() - 1 if the application left IAP_REQUEST_MAGIC in
 * the no-init RAM word before resetting, else 0. The word is cleared, so a
 * request is taken once.
 */
int iap_port_take_request(void);

/**
 * iap_port_rx() - copy up to cap received bytes into buf without blocking.
 * Returns the number of bytes (0 if none). Reception keeps running in the
 * background (DMA into a ring) while the CPU stalls on flash.
 */
size_t iap_port_rx(uint8_t *buf, size_t cap);

/** Send len bytes, blocking until queued. Returns 0 or IAP_ERR_IO. */
int iap_port_tx(const uint8_t *data, size_t len);

/** Keep the independent watchdog from firing (no-op if unused). */
void iap_port_watchdog_kick(void);

/**
 * iap_port_jump() - hand the chip over to the application at app_addr:
 * peripherals and clocks the bootloader touched back to reset state,
 * SysTick off, pending interrupts cleared, VTOR = app_addr, MSP = its
 * initial SP, branch to its reset handler. Does not return.
 */
void iap_port_jump(uint32_t app_addr) __attribute__((noreturn));

/** iap_port_reset() - system reset (after an unrecoverable error). */
void iap_port_reset(void) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif /* IAP_PORT_H */
