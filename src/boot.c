/*
 * iapboot - boot decision and the bootloader main state machine
 * (table and modes in iap_boot.h and docs/DESIGN.md).
 */
#include <string.h>

#include "iap/iap_boot.h"
#include "iap/iap_err.h"
#include "iap/iap_install.h"
#include "iap/iap_rollback.h"

/*
 * Raise the anti-rollback record to a valid image's counter once it runs
 * for good: at once on a single-slot or overwrite layout (the old image is
 * gone), after it confirmed itself on a swap layout (until then a revert
 * may bring the old one back). A failure leaves the record where it was:
 * the next boot tries again.
 */
static void raise_record(const struct iap_flash *f, const struct iap_layout *l,
			 const struct iap_image_hdr *h)
{
	struct iap_state st;

	if (!IAP_CFG_TRUST || !l->rollback_size) {
		return;
	}
	if (IAP_INSTALL_BUILT(IAP_INSTALL_SWAP) &&
	    l->install == IAP_INSTALL_SWAP &&
	    (iap_state_read(f, l, &st) != 0 ||
	     st.image != IAP_IMAGE_CONFIRMED)) {
		return;
	}
	(void)iap_rollback_raise(f, l->rollback_addr, l->rollback_size,
				 h->security_counter);
}

int iap_boot_decide(const struct iap_flash *f, const struct iap_layout *l,
		    uint32_t loader_version, int update_requested,
		    uint8_t *scratch, uint32_t scratch_size,
		    struct iap_boot_decision *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->action = IAP_BOOT_UPDATE;
	out->jump_addr = l->app_addr;
	if (scratch_size < 16 || iap_layout_check(l, f) != 0) {
		return IAP_ERR_INVAL;
	}
	err = iap_image_read_meta(f, l, &out->hdr);
	if (err == IAP_ERR_NOENT) {
		out->reason = IAP_REASON_NO_IMAGE;
		return 0;
	}
	if (!err) {
		/* Without IAP_TRUST_F_BOOT_SIG the signature was checked on
		 * receipt and at install; the boot checks hash and counter. */
		struct iap_layout lb;
		const struct iap_layout *lv = l;

		if (IAP_CFG_TRUST && l->trust &&
		    !(l->trust->flags & IAP_TRUST_F_BOOT_SIG)) {
			lb = *l;
			lb.trust = 0;
			lv = &lb;
		}
		err = iap_image_verify_slot(f, lv, &out->hdr, loader_version,
					    scratch, scratch_size);
	}
	if (err) {
		out->reason = IAP_REASON_BAD_IMAGE;
		out->err = err;
		return 0;
	}
	out->app_valid = 1;
	raise_record(f, l, &out->hdr);
	if (update_requested) {
		out->reason = IAP_REASON_REQUESTED;
		return 0;
	}
	out->action = IAP_BOOT_JUMP;
	out->reason = IAP_REASON_VALID;
	return 0;
}

const char *iap_boot_reason_str(int reason)
{
	switch (reason) {
	case IAP_REASON_VALID:
		return "valid image";
	case IAP_REASON_REQUESTED:
		return "update requested by the application";
	case IAP_REASON_NO_IMAGE:
		return "no image";
	case IAP_REASON_BAD_IMAGE:
		return "image failed verification";
	case IAP_REASON_HELLO:
		return "host connected";
	case IAP_REASON_UPDATED:
		return "new image installed";
	case IAP_REASON_IDLE:
		return "no host activity";
	case IAP_REASON_BOOT_CMD:
		return "boot requested by the host";
	case IAP_REASON_MENU:
		return "terminal menu";
	case IAP_REASON_MENU_BOOT:
		return "boot chosen in the menu";
	default:
		return "unknown";
	}
}

static void set_mode(struct iap_loader *ld, uint8_t mode, uint32_t now_ms)
{
	ld->mode = mode;
	ld->t_mode = now_ms;
}

/* Install what is staged, then decide what to boot and serve. */
static int install_and_decide(struct iap_loader *ld, int update_requested)
{
	const struct iap_server_cfg *sc = &ld->cfg.server;
	int err;

	(void)iap_install(sc->flash, sc->layout, sc->loader_version,
			  sc->scratch, sc->scratch_size, &ld->record);
	err = iap_boot_decide(sc->flash, sc->layout, sc->loader_version,
			      update_requested, sc->scratch, sc->scratch_size,
			      &ld->boot);
	if (!err) {
		err = iap_server_init(&ld->srv, sc, ld->boot.app_valid,
				      &ld->boot.hdr);
	}
	ld->srv.last_boot = ld->record;
	return err;
}

int iap_loader_start(struct iap_loader *ld, const struct iap_loader_cfg *cfg,
		     int update_requested, uint32_t now_ms)
{
	int err;

	memset(ld, 0, sizeof(*ld));
	ld->cfg = *cfg;
	ld->t_rx = now_ms;
	ld->t_req = now_ms;
	err = install_and_decide(ld, update_requested);
	if (err) {
		return err;
	}
	if (ld->boot.action == IAP_BOOT_UPDATE) {
		set_mode(ld, IAP_MODE_UPDATE, now_ms);
		return IAP_LOADER_RUN;
	}
	if (cfg->hello_ms == 0) {
		ld->exit_reason = IAP_REASON_VALID;
		set_mode(ld, IAP_MODE_JUMP, now_ms);
		return IAP_LOADER_JUMP;
	}
	set_mode(ld, IAP_MODE_HELLO, now_ms);
	return IAP_LOADER_RUN;
}

static int leave(struct iap_loader *ld, uint8_t reason, uint32_t now_ms)
{
	ld->exit_reason = reason;
	ld->boot.hdr = ld->srv.app;
	set_mode(ld, IAP_MODE_JUMP, now_ms);
	return IAP_LOADER_JUMP;
}

/* BOOT after a staged upload: what a reset would do, without the reset. */
static int boot_staged(struct iap_loader *ld, uint32_t now_ms)
{
	int err = install_and_decide(ld, 0);

	if (err) {
		return err;
	}
	if (ld->boot.action == IAP_BOOT_JUMP) {
		return leave(ld,
			     ld->record.event == IAP_EVENT_INSTALLED
				     ? IAP_REASON_UPDATED
				     : IAP_REASON_BOOT_CMD,
			     now_ms);
	}
	set_mode(ld, IAP_MODE_UPDATE, now_ms);
	return IAP_LOADER_RUN;
}

/* The flash changed outside the protocol (an upload from the menu): what
 * does it hold now? The boot record of this start is kept. */
static int redecide(struct iap_loader *ld)
{
	const struct iap_server_cfg *sc = &ld->cfg.server;
	int err;

	err = iap_boot_decide(sc->flash, sc->layout, sc->loader_version, 0,
			      sc->scratch, sc->scratch_size, &ld->boot);
	if (!err) {
		err = iap_server_init(&ld->srv, sc, ld->boot.app_valid,
				      &ld->boot.hdr);
	}
	ld->srv.last_boot = ld->record;
	return err;
}

/* What the menu asks for. Returns a loader result, or 0 to go on. */
static int menu_step(struct iap_loader *ld, uint32_t now_ms, const uint8_t *rx,
		     size_t n, int *eaten)
{
	int a = ld->cfg.menu(ld, now_ms, rx, n);
	int err;

	*eaten = 0;
	switch (a) {
	case IAP_MENU_OPENED:
		if (ld->mode == IAP_MODE_HELLO) {
			ld->boot.reason = IAP_REASON_MENU;
			set_mode(ld, IAP_MODE_UPDATE, now_ms);
		}
		return 0;
	case IAP_MENU_BOOT:
		return leave(ld, IAP_REASON_MENU_BOOT, now_ms);
	case IAP_MENU_INSTALLED:
		err = redecide(ld);
		if (err) {
			return err;
		}
		if (ld->boot.app_valid) {
			return leave(ld, IAP_REASON_UPDATED, now_ms);
		}
		*eaten = 1;
		return 0;
	case IAP_MENU_CHANGED:
		err = redecide(ld);
		if (err) {
			return err;
		}
		*eaten = 1;
		return 0;
	case IAP_MENU_EATEN:
		*eaten = 1;
		return 0;
	default:
		return a < 0 ? a : 0;
	}
}

/* Switch the line; a port that fails to switch stays where it was. */
static void baud_set(struct iap_loader *ld, uint32_t baud, uint8_t state,
		     uint32_t now_ms)
{
	const struct iap_server_cfg *sc = &ld->cfg.server;

	if (sc->set_baud(sc->baud_ctx, baud, 1) == 0) {
		ld->baud = baud;
		ld->baud_state = state;
		ld->t_baud = now_ms;
	}
}

/* BAUD answered, the new rate proven, or back to the old rate. */
static void baud_step(struct iap_loader *ld, int heard, uint32_t now_ms)
{
	const struct iap_server_cfg *sc = &ld->cfg.server;
	uint32_t req = ld->srv.baud_req;

	if (!sc->set_baud) {
		return;
	}
	if (req) {
		ld->srv.baud_req = 0;
		ld->baud_prev = ld->baud ? ld->baud : sc->baud;
		baud_set(ld, req, IAP_BAUD_PROVING, now_ms);
		return;
	}
	if (ld->baud_state == IAP_BAUD_PROVING && heard) {
		ld->baud_state = IAP_BAUD_SWITCHED;
	} else if (ld->baud_state == IAP_BAUD_PROVING &&
		   now_ms - ld->t_baud >= IAP_BAUD_PROVE_MS) {
		/* Nobody answered at the new rate: the old one worked. */
		baud_set(ld, ld->baud_prev,
			 ld->baud_prev == sc->baud ? IAP_BAUD_BASE
						   : IAP_BAUD_SWITCHED,
			 now_ms);
		ld->t_req = now_ms;
	} else if (ld->baud_state == IAP_BAUD_SWITCHED &&
		   now_ms - ld->t_req >= IAP_BAUD_IDLE_MS) {
		baud_set(ld, sc->baud, IAP_BAUD_BASE, now_ms);
	}
}

int iap_loader_poll(struct iap_loader *ld, uint32_t now_ms, const uint8_t *rx,
		    size_t n)
{
	int heard = 0;

	if (ld->mode == IAP_MODE_JUMP) {
		return IAP_LOADER_JUMP;
	}
	if (!ld->polled) {
		/* The windows start now that the loader can listen. */
		ld->polled = 1;
		ld->t_mode = now_ms;
		ld->t_rx = now_ms;
		ld->t_req = now_ms;
	}
	if (ld->cfg.menu) {
		int eaten;
		int r = menu_step(ld, now_ms, rx, n, &eaten);

		if (r != 0 || ld->mode == IAP_MODE_JUMP) {
			return r;
		}
		if (eaten) {
			/* A transfer has the line: no timer runs out. */
			ld->t_rx = now_ms;
			ld->t_req = now_ms;
			return IAP_LOADER_RUN;
		}
	}
	if (n) {
		int r = iap_server_input(&ld->srv, rx, n);

		ld->t_rx = now_ms;
		if (r < 0) {
			return r;
		}
		if (r != IAP_SERVER_IDLE) {
			heard = 1;
			ld->t_req = now_ms;
			if (ld->mode == IAP_MODE_HELLO) {
				ld->boot.reason = IAP_REASON_HELLO;
				set_mode(ld, IAP_MODE_UPDATE, now_ms);
			}
			/* A protocol host took over: the menu gives way. */
			ld->menu.state = IAP_MENU_CLOSED;
		}
		if (r == IAP_SERVER_BOOT && ld->srv.staged) {
			return boot_staged(ld, now_ms);
		}
		if (r == IAP_SERVER_BOOT) {
			return leave(ld,
				     ld->srv.state == IAP_STATE_VERIFIED
					     ? IAP_REASON_UPDATED
					     : IAP_REASON_BOOT_CMD,
				     now_ms);
		}
	} else if (ld->cfg.gap_ms && now_ms - ld->t_rx >= ld->cfg.gap_ms) {
		iap_server_line_idle(&ld->srv);
	}
	baud_step(ld, heard, now_ms);
	if (ld->menu.state != IAP_MENU_CLOSED) {
		ld->t_req = now_ms; /* the idle timeout starts once it closes */
		return IAP_LOADER_RUN;
	}
	if (iap_menu_holds(&ld->menu)) {
		return IAP_LOADER_RUN; /* Enter may be coming */
	}
	/* Garbage on the line keeps neither timer from running out. */
	if (ld->mode == IAP_MODE_HELLO &&
	    now_ms - ld->t_mode >= ld->cfg.hello_ms) {
		return leave(ld, IAP_REASON_VALID, now_ms);
	}
	if (ld->mode == IAP_MODE_UPDATE &&
	    (ld->srv.app_valid || ld->srv.staged) &&
	    ld->srv.state != IAP_STATE_RECEIVING && ld->cfg.idle_ms &&
	    now_ms - ld->t_req >= ld->cfg.idle_ms) {
		/* A staged image the host did not BOOT is installed now. */
		return ld->srv.staged ? boot_staged(ld, now_ms)
				      : leave(ld, IAP_REASON_IDLE, now_ms);
	}
	return IAP_LOADER_RUN;
}
