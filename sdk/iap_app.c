/*
 * iapboot - application side (see iap_app.h).
 */
#include <string.h>

#include "cm_regs.h"
#include "iap/iap_boot.h"
#include "iap/iap_err.h"
#include "iap/iap_flash.h"
#include "iap/iap_layout.h"
#include "iap/iap_port.h"
#include "iap/iap_stage.h"
#include "iap_app.h"
#include "layout.h"
#include "stm32_layout.h"
#include "stm32_port.h"

/* Staged images are checked against the bootloader built with this SDK;
 * the bootloader checks min_loader again before it installs. */
#ifndef IAP_APP_LOADER_VERSION
#ifndef IAP_LOADER_VERSION_MAJOR
#error "the build sets IAP_LOADER_VERSION_MAJOR/_MINOR/_PATCH or IAP_APP_LOADER_VERSION"
#endif
#define IAP_APP_LOADER_VERSION                                                 \
	IAP_LOADER_VERSION(IAP_LOADER_VERSION_MAJOR, IAP_LOADER_VERSION_MINOR, \
			   IAP_LOADER_VERSION_PATCH)
#endif

/* A line quiet this long drops a half-received frame (as the loader). */
#define APP_SERVE_GAP_MS IAP_CFG_GAP_MS

static const struct iap_layout app_layout = STM32_LAYOUT_INIT;

void iap_app_relocate_vtor(uint32_t base)
{
	SCB_VTOR = base;
	cm_dsb();
	cm_isb();
}

static void __attribute__((noreturn)) app_reset(void)
{
	cm_dsb();
	SCB_AIRCR = SCB_AIRCR_VECTKEY | (SCB_AIRCR & SCB_AIRCR_PRIGROUP) |
		    SCB_AIRCR_SYSRESETREQ;
	cm_dsb();
	for (;;) {
	}
}

void iap_app_request_update(void)
{
	cm_disable_irq();
	MMIO32(IAP_LAYOUT_RAM_ADDR) = IAP_REQUEST_MAGIC;
	app_reset();
}

void iap_app_install_reset(void)
{
	cm_disable_irq();
	app_reset();
}

/* Flash is memory-mapped; the meta records are inside it by construction.
 * Reading needs no driver, so what only reads does not link one. */
static int app_flash_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
	(void)ctx;
	memcpy(buf, (const void *)(uintptr_t)addr, len);
	return 0;
}

static const struct iap_flash app_flash_ro = {
	.write_size = IAP_LAYOUT_WRITE_SIZE,
	.read = app_flash_read,
};

int iap_app_version(struct iap_version *v)
{
	struct iap_image_hdr h;
	int err = iap_image_read_meta(&app_flash_ro, &app_layout, &h);

	if (!err && h.load_addr != IAP_LAYOUT_APP_ADDR) {
		err = IAP_ERR_RANGE;
	}
	if (!err) {
		*v = h.version;
	}
	return err;
}

int iap_app_boot_record(struct iap_boot_record *r)
{
	if (MMIO32(IAP_LAYOUT_RAM_ADDR + 4u) != IAP_BOOT_RECORD_MAGIC) {
		return IAP_ERR_NOENT;
	}
	iap_boot_record_unpack(MMIO32(IAP_LAYOUT_RAM_ADDR + 8u), r);
	return 0;
}

int iap_app_state(struct iap_state *st)
{
	return iap_state_read(&app_flash_ro, &app_layout, st);
}

int iap_app_confirm(void)
{
	int err = iap_confirm(&stm32_flash, &app_layout);

	iap_port_watchdog_kick();
	return err;
}

/* ---- staging from the application's own channel ---- */

static struct iap_stage_writer app_stage;

int iap_app_stage_begin(const uint8_t hdr256[IAP_IMAGE_HDR_SIZE])
{
	int err;

	if (app_layout.install == IAP_INSTALL_NONE) {
		return IAP_ERR_NOTSUP;
	}
	if (iap_layout_check(&app_layout, &stm32_flash)) {
		return IAP_ERR_INVAL;
	}
	err = iap_stage_begin(&app_stage, &stm32_flash, &app_layout, hdr256,
			      IAP_APP_LOADER_VERSION);
	iap_port_watchdog_kick();
	return err;
}

int iap_app_stage_write(const void *data, uint32_t len)
{
	int err = iap_stage_append(&app_stage, data, len);

	iap_port_watchdog_kick();
	return err;
}

int iap_app_stage_finish(void)
{
	uint8_t scratch[IAP_APP_SERVE_SCRATCH];
	int err = iap_stage_finish(&app_stage, scratch, sizeof(scratch),
				   IAP_APP_LOADER_VERSION);

	iap_port_watchdog_kick();
	return err;
}

/* ---- the protocol server inside the application ---- */

static int link_send(void *ctx, const uint8_t *data, size_t len)
{
	struct iap_app_link *link = ctx;

	return link->tx(link->ctx, data, (uint32_t)len);
}

/* Let the answer to BOOT leave the wire, then reset into the installer. */
static void __attribute__((noreturn)) serve_install(struct iap_app_link *link)
{
	uint32_t t0 = link->now_ms(link->ctx);

	while (link->now_ms(link->ctx) - t0 < IAP_APP_SERVE_DRAIN_MS) {
		iap_port_watchdog_kick();
	}
	iap_app_install_reset();
}

static int serve_init(struct iap_server *srv, struct iap_app_link *link)
{
	struct iap_server_cfg cfg;
	struct iap_image_hdr h;
	uint32_t rx_cap;
	int err;

	if (!link->rx || !link->tx || !link->now_ms || !link->buf ||
	    link->buf_size < IAP_APP_SERVE_BUF_MIN ||
	    iap_layout_check(&app_layout, &stm32_flash)) {
		return IAP_ERR_INVAL;
	}
	rx_cap = link->buf_size - IAP_SERVER_TX_MIN - IAP_APP_SERVE_SCRATCH;
	memset(&cfg, 0, sizeof(cfg));
	cfg.flash = &stm32_flash;
	cfg.layout = &app_layout;
	cfg.loader_version = IAP_APP_LOADER_VERSION;
	cfg.tx_buf = link->buf;
	cfg.tx_cap = IAP_SERVER_TX_MIN;
	cfg.scratch = link->buf + IAP_SERVER_TX_MIN;
	cfg.scratch_size = IAP_APP_SERVE_SCRATCH;
	cfg.rx_buf = cfg.scratch + IAP_APP_SERVE_SCRATCH;
	cfg.rx_cap = (uint16_t)(rx_cap < 0xFFFFu ? rx_cap : 0xFFFFu);
	cfg.send = link_send;
	cfg.send_ctx = link;
	cfg.stage_only = 1;
	/* The running image: INFO shows its version, BOOT may return to it,
	 * and what the bootloader did at this boot. */
	err = iap_image_read_meta(&app_flash_ro, &app_layout, &h);
	err = iap_server_init(srv, &cfg,
			      !err && h.load_addr == IAP_LAYOUT_APP_ADDR, &h);
	if (!err) {
		(void)iap_app_boot_record(&srv->last_boot);
	}
	return err;
}

int iap_app_serve(struct iap_app_link *link)
{
	/* About half a KiB: kept off the application's stack. */
	static struct iap_server srv;
	uint32_t t_rx, t_req;
	int err;

	if (app_layout.install == IAP_INSTALL_NONE) {
		return IAP_ERR_NOTSUP;
	}
	err = serve_init(&srv, link);
	if (err) {
		return err;
	}
	t_rx = t_req = link->now_ms(link->ctx);
	for (;;) {
		uint8_t chunk[64];
		int n = link->rx(link->ctx, chunk, sizeof(chunk));
		uint32_t now = link->now_ms(link->ctx);

		iap_port_watchdog_kick();
		if (n < 0) {
			return n;
		}
		if (n > 0) {
			int r = iap_server_input(&srv, chunk, (size_t)n);

			t_rx = now;
			if (r < 0) {
				return r;
			}
			if (r != IAP_SERVER_IDLE) {
				t_req = now;
			}
			if (r == IAP_SERVER_BOOT && srv.staged) {
				serve_install(link);
			}
			if (r == IAP_SERVER_BOOT) {
				return 0;
			}
		} else if (now - t_rx >= APP_SERVE_GAP_MS) {
			iap_server_line_idle(&srv);
		}
		if (link->idle_ms && now - t_req >= link->idle_ms) {
			return IAP_ERR_TIMEDOUT;
		}
	}
}
