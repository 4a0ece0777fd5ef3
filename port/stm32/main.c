/*
 * iapboot - the bootloader's main on STM32: the same loop as the host
 * simulator's (port/sim/sim_main.c). Every decision is the core's
 * (iap_loader_start/iap_loader_poll); this file only wires the port to it.
 */
#include "iap/iap_boot.h"
#include "iap/iap_err.h"
#include "iap/iap_port.h"
#include "stm32_layout.h"
#include "stm32_port.h"

#ifndef IAP_LOADER_VERSION_MAJOR
#error "the build sets IAP_LOADER_VERSION_MAJOR/_MINOR/_PATCH"
#endif

#define RX_CHUNK 64u

static uint8_t rx_buf[IAP_CFG_MAX_PAYLOAD];
static uint8_t tx_buf[IAP_SERVER_TX_MIN];
static uint8_t scratch[IAP_CFG_SCRATCH_SIZE];
static uint8_t lzss_win[IAP_CFG_LZSS_WINDOW];
static struct iap_loader loader;

static int send_line(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	return iap_port_tx(data, len);
}

/* From layout.h, as the SDK sees it (stm32_layout.h). */
#if IAP_LAYOUT_SIGNED
#include "iap/iap_keys.h"

/* The key table comes from the build (IAP_FW_KEYS, `iap export-key`). */
static struct iap_trust trust;
static struct iap_layout layout = STM32_LAYOUT_INIT;

static void trust_init(void)
{
	trust.keys = iap_keys;
	trust.key_count = iap_key_count;
	trust.flags = IAP_CFG_BOOT_SIG ? IAP_TRUST_F_BOOT_SIG : 0u;
	layout.trust = &trust;
}

/* After the boot decision, so that it does not wait for the line. */
static void trust_announce(void)
{
	static const char sample[] =
		"iapboot: development build: trusts the public SAMPLE key\r\n";

	for (unsigned int i = 0; i < iap_key_count; i++) {
		if (iap_keys[i].flags & IAP_PUBKEY_F_SAMPLE) {
			(void)iap_port_tx((const uint8_t *)sample,
					  sizeof(sample) - 1u);
			break;
		}
	}
}
#else
static const struct iap_layout layout = STM32_LAYOUT_INIT;

static void trust_init(void)
{
}

static void trust_announce(void)
{
}
#endif

static const struct iap_loader_cfg loader_cfg = {
	.server =
		{
			.flash = &stm32_flash,
			.layout = &layout,
			.loader_version =
				IAP_LOADER_VERSION(IAP_LOADER_VERSION_MAJOR,
						   IAP_LOADER_VERSION_MINOR,
						   IAP_LOADER_VERSION_PATCH),
			.rx_buf = rx_buf,
			.rx_cap = IAP_CFG_MAX_PAYLOAD,
			.tx_buf = tx_buf,
			.tx_cap = sizeof(tx_buf),
			.scratch = scratch,
			.scratch_size = sizeof(scratch),
			.send = send_line,
			.send_ctx = 0,
			.rx_ring = IAP_CFG_RX_RING,
			.set_baud = stm32_usart_set_baud,
			.baud = IAP_CFG_BAUD,
			.lzss_win = lzss_win,
			.lzss_win_size = sizeof(lzss_win),
		},
	.hello_ms = IAP_CFG_HELLO_MS,
	.idle_ms = IAP_CFG_IDLE_MS,
	.gap_ms = IAP_CFG_GAP_MS,
#if IAP_CFG_MENU
	.menu = iap_menu_poll, /* Enter on the line: the terminal menu */
#endif
};

#ifdef IAP_TEST_SEMIHOST
#include "semihost.h"

/* Test builds end the run where the decision shows (see semihost.h). */
static void test_report(int r)
{
	if (r < 0) {
		stm32_semihost_exit(STM32_TEST_EXIT_ERROR);
	}
	if (loader.mode == IAP_MODE_UPDATE) {
		stm32_semihost_exit(STM32_TEST_EXIT_UPDATE +
				    loader.boot.reason);
	}
}
#else
static void test_report(int r)
{
	(void)r;
}
#endif

int main(void)
{
	uint8_t chunk[RX_CHUNK];
	int r;

	r = iap_port_init();
	if (!r) {
		trust_init();
		r = iap_loader_start(&loader, &loader_cfg,
				     iap_port_take_request(),
				     iap_port_now_ms());
		trust_announce();
	}
	test_report(r);
	while (r == IAP_LOADER_RUN) {
		size_t n = iap_port_rx(chunk, sizeof(chunk));

		r = iap_loader_poll(&loader, iap_port_now_ms(), chunk, n);
		iap_port_watchdog_kick();
	}
	test_report(r);
	if (r != IAP_LOADER_JUMP) {
		/* A dead line (or a layout the core refuses): start again from
		 * a clean reset rather than sit here. */
		iap_port_reset();
	}
	/* What the bootloader did, for the application (sdk/iap_app.h). */
	STM32_BOOT_RECORD_MAGIC = IAP_BOOT_RECORD_MAGIC;
	STM32_BOOT_RECORD = iap_boot_record_pack(&loader.record);
	iap_port_jump(loader.boot.jump_addr);
}
