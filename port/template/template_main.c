/*
 * iapboot port template - the bootloader's main. It is the same on every
 * chip (port/stm32/main.c, port/sim/sim_main.c): the core's loader
 * decides, the port only feeds it bytes and time and jumps when told.
 * Copy it as it is; only the buffer sizes are yours to choose.
 */
#include "iap/iap_boot.h"
#include "iap/iap_install.h"
#include "iap/iap_port.h"
#include "layout.h"

extern const struct iap_flash tpl_flash;

/* The largest WRITE payload the device accepts (>= IAP_MIN_PAYLOAD). */
#define TPL_MAX_PAYLOAD (1024u + 4u)

static uint8_t rx_buf[TPL_MAX_PAYLOAD];
static uint8_t tx_buf[IAP_SERVER_TX_MIN];
static uint8_t scratch[256];
static struct iap_loader loader;

static int send_line(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	return iap_port_tx(data, len);
}

static const struct iap_layout layout = {
	.boot_addr = IAP_LAYOUT_BOOT_ADDR,
	.boot_size = IAP_LAYOUT_BOOT_SIZE,
	.meta_addr = IAP_LAYOUT_META_ADDR,
	.meta_size = IAP_LAYOUT_META_SIZE,
	.app_addr = IAP_LAYOUT_APP_ADDR,
	.app_size = IAP_LAYOUT_APP_SIZE,
	.ram_addr = IAP_LAYOUT_RAM_ADDR,
	.ram_size = IAP_LAYOUT_RAM_SIZE,
	.board_id = IAP_LAYOUT_BOARD_ID,
};

static const struct iap_loader_cfg cfg = {
	.server =
		{
			.flash = &tpl_flash,
			.layout = &layout,
			.loader_version = IAP_LOADER_VERSION(0, 1, 0),
			.rx_buf = rx_buf,
			.rx_cap = TPL_MAX_PAYLOAD,
			.tx_buf = tx_buf,
			.tx_cap = sizeof(tx_buf),
			.scratch = scratch,
			.scratch_size = sizeof(scratch),
			.send = send_line,
			/* Bytes your receive ring (DMA) holds while the flash
			 * is busy: sizes the protocol v2 window. */
			.rx_ring = 0,
		},
	.hello_ms = 500,  /* with a valid image: listen this long for a host */
	.idle_ms = 30000, /* update mode with a valid image: then boot it */
	.gap_ms = 100,	  /* a quiet line drops a half-received frame */
};

int main(void)
{
	uint8_t chunk[64];
	int r = iap_port_init();

	if (!r) {
		r = iap_loader_start(&loader, &cfg, iap_port_take_request(),
				     iap_port_now_ms());
	}
	while (r == IAP_LOADER_RUN) {
		size_t n = iap_port_rx(chunk, sizeof(chunk));

		r = iap_loader_poll(&loader, iap_port_now_ms(), chunk, n);
		iap_port_watchdog_kick();
	}
	if (r != IAP_LOADER_JUMP) {
		/* A dead line: start again from a clean reset. */
		iap_port_reset();
	}
	/* What the install step did, for the application (sdk/iap_app.h):
	 * the two no-init RAM words after the request word. */
	((volatile uint32_t *)IAP_LAYOUT_RAM_ADDR)[1] = IAP_BOOT_RECORD_MAGIC;
	((volatile uint32_t *)IAP_LAYOUT_RAM_ADDR)[2] =
		iap_boot_record_pack(&loader.record);
	iap_port_jump(loader.boot.jump_addr);
}
