/*
 * stage - blink, updated while it runs. On a board with a staging slot
 * the host stages the next image into the running application over
 * USART1 (115200 8N1) with the same tool that talks to the bootloader:
 *
 *   iap flash --slot stage --port /dev/ttyUSB0 app.iap
 *
 * The application answers the protocol itself (iap_app_serve()); after
 * BOOT it resets, and the bootloader installs the staged image and starts
 * it. A new image on trial (swap install) confirms itself once it runs.
 *
 * USART1 is polled here to keep the example small: every byte must be
 * read within one character time (87 us at 115200). A real application
 * receives into a ring by DMA or interrupt and hands that to link.rx.
 */
#include "board.h"
#include "cm_regs.h"
#include "hw.h"
#include "iap/iap_err.h"
#include "iap/iap_proto.h"
#include "iap_app.h"

static volatile uint32_t ticks;

/* Frames of up to 1 KiB of data per WRITE. */
static uint8_t serve_buf[IAP_APP_SERVE_BUF_MIN + 1024u];

void SysTick_Handler(void);

void SysTick_Handler(void)
{
	ticks++;
}

static int link_rx(void *ctx, uint8_t *buf, uint32_t cap)
{
	int c = blink_getc();

	(void)ctx;
	if (c < 0 || cap == 0) {
		return 0;
	}
	buf[0] = (uint8_t)c;
	return 1;
}

static int link_tx(void *ctx, const uint8_t *data, uint32_t len)
{
	(void)ctx;
	while (len--) {
		blink_putc((char)*data++);
	}
	return 0;
}

static uint32_t link_now(void *ctx)
{
	(void)ctx;
	return ticks;
}

int main(void)
{
	struct iap_app_link link = {
		.rx = link_rx,
		.tx = link_tx,
		.now_ms = link_now,
		.buf = serve_buf,
		.buf_size = sizeof(serve_buf),
		.idle_ms = 5000, /* back to blinking when the host is gone */
	};

	iap_app_relocate_vtor(IAP_LAYOUT_APP_ADDR);
	blink_hw_init();
	blink_rx_init();
	SYST_RVR = STM32_HSI_HZ / 1000u - 1u;
	SYST_CVR = 0;
	SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;

	/* Up and running: keep this image (no-op unless on trial). */
	(void)iap_app_confirm();

	for (uint32_t n = 0;; n++) {
		uint32_t t0 = ticks;

		while (ticks - t0 < 500u) {
			/* A host's first frame (its SOF is taken here) goes
			 * unanswered; it sends INFO again until answered. */
			if (blink_getc() == IAP_PROTO_SOF) {
				(void)iap_app_serve(&link);
			}
		}
		blink_led((int)(n & 1u));
	}
}
