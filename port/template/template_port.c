/*
 * iapboot port template - the hooks of include/iap/iap_port.h for a new
 * chip. Each is a stub that compiles and says what the real one does;
 * port/stm32/ is the worked example (port.c, usart.c, clock_*.c,
 * serial_*.c). A port is thin: no decision about images or updates is
 * taken here, the core takes them all.
 */
#include "iap/iap_boot.h"
#include "iap/iap_err.h"
#include "iap/iap_port.h"
#include "layout.h"

/*
 * Clocks up, with a fallback: every wait on an oscillator or PLL ready
 * flag is bounded, and when one times out the chip stays on its internal
 * oscillator (a board with a dead crystal must still take an update).
 * Then a 1 ms tick (SysTick), then the serial line with reception running
 * in the background (DMA into a ring). Returns 0 or IAP_ERR_*.
 */
int iap_port_init(void)
{
	return 0;
}

/* Milliseconds since iap_port_init(), from the tick interrupt. */
uint32_t iap_port_now_ms(void)
{
	return 0;
}

/*
 * The application writes IAP_REQUEST_MAGIC to the first word of RAM
 * (IAP_LAYOUT_RAM_ADDR, kept out of both programs' data by the linker
 * scripts) and resets. Read it, clear it (a request is taken once), say
 * whether it was there.
 */
int iap_port_take_request(void)
{
	volatile uint32_t *word = (volatile uint32_t *)IAP_LAYOUT_RAM_ADDR;
	int requested = *word == IAP_REQUEST_MAGIC;

	*word = 0;
	return requested;
}

/*
 * Copy what arrived since the last call, up to cap bytes, without waiting:
 * with a DMA ring, from the ring's tail up to the DMA's write position.
 * Reception must go on while the CPU is stalled on a flash erase.
 */
size_t iap_port_rx(uint8_t *buf, size_t cap)
{
	(void)buf;
	(void)cap;
	return 0;
}

/* Send len bytes; each wait for room is bounded (IAP_ERR_IO). */
int iap_port_tx(const uint8_t *data, size_t len)
{
	(void)data;
	(void)len;
	return 0;
}

/* Reload the watchdog if it runs; never start it here. */
void iap_port_watchdog_kick(void)
{
}

/*
 * Hand over as after a reset: let the last byte leave the line; serial
 * peripheral, DMA, pins back to reset state and their clocks off; SysTick
 * off; clock tree back to the internal oscillator, PLL off; every NVIC
 * interrupt disabled (ICER) and cleared (ICPR), SysTick/PendSV pending
 * cleared (ICSR); VTOR = app_addr; interrupts unmasked (PRIMASK 0, as
 * after reset); MSP = first word of the application's vector table;
 * branch to the second. The core has already verified both words.
 */
void iap_port_jump(uint32_t app_addr)
{
	(void)app_addr;
	for (;;) {
	}
}

/* Reset the chip (on Cortex-M: SCB->AIRCR = VECTKEY | SYSRESETREQ). */
void iap_port_reset(void)
{
	for (;;) {
	}
}
