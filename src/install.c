/*
 * iapboot - overwrite install of a staged image at boot (state table in
 * iap_install.h and docs/DESIGN.md).
 */
#include <string.h>

#include "iap/iap_err.h"
#include "iap/iap_install.h"
#include "iap/iap_proto.h"

/* A flag takes one write unit, at least a word (as the commit word). */
static uint32_t flag_len(const struct iap_flash *f)
{
	return f->write_size > 4 ? f->write_size : 4;
}

int iap_stage_state(const struct iap_flash *f, const struct iap_layout *l,
		    struct iap_image_hdr *h)
{
	struct iap_image_hdr tmp;
	uint8_t flag[16];
	uint32_t n = flag_len(f);
	int err;

	if (l->stage_meta_size == 0) {
		return IAP_STAGE_EMPTY;
	}
	err = iap_image_read_record(f, l->stage_meta_addr, h ? h : &tmp);
	if (err == IAP_ERR_NOENT) {
		return IAP_STAGE_EMPTY;
	}
	if (!err) {
		err = f->read(f->ctx,
			      l->stage_meta_addr + IAP_STAGE_INSTALLED_OFF,
			      flag, n);
	}
	if (err) {
		return err;
	}
	/* Any bit cleared counts: a torn flag write was still the last step. */
	for (uint32_t i = 0; i < n; i++) {
		if (flag[i] != IAP_FLASH_ERASED) {
			return IAP_STAGE_INSTALLED;
		}
	}
	return IAP_STAGE_PENDING;
}

static int mark_installed(const struct iap_flash *f, const struct iap_layout *l)
{
	uint8_t flag[16];
	int err;

	memset(flag, 0, sizeof(flag));
	iap_put_le32(flag, IAP_STAGE_INSTALLED_MAGIC);
	err = f->prog(f->ctx, l->stage_meta_addr + IAP_STAGE_INSTALLED_OFF,
		      flag, flag_len(f));
	/* Reads erased but was hit before: a torn write that cleared no bit. */
	return err == IAP_ERR_NOTERASED ? 0 : err;
}

/* App meta first (no bootable image from here on), then the sectors. */
static int copy_stage(const struct iap_flash *f, const struct iap_layout *l,
		      uint32_t size, uint8_t *buf, uint32_t buf_size)
{
	uint32_t ws = f->write_size;
	uint32_t chunk = buf_size - buf_size % ws;
	uint32_t padded = (size + ws - 1u) / ws * ws;
	int err;

	err = iap_flash_erase_span(f, l->meta_addr, l->meta_size);
	if (!err) {
		err = iap_flash_erase_span(f, l->app_addr, size);
	}
	for (uint32_t off = 0, n; !err && off < padded; off += n) {
		n = padded - off < chunk ? padded - off : chunk;
		err = f->read(f->ctx, l->stage_addr + off, buf, n);
		if (!err) {
			err = f->prog(f->ctx, l->app_addr + off, buf, n);
		}
	}
	return err;
}

/* Whether the app slot already holds exactly the staged image. */
static int app_has(const struct iap_flash *f, const struct iap_layout *l,
		   const struct iap_image_hdr *st, uint32_t loader_version,
		   uint8_t *buf, uint32_t buf_size)
{
	struct iap_image_hdr app;

	/* Both came out of iap_image_hdr_decode(), which zeroes first. */
	return iap_image_read_meta(f, l, &app) == 0 &&
	       memcmp(&app, st, sizeof(app)) == 0 &&
	       iap_image_verify_slot(f, l, st, loader_version, buf, buf_size) ==
		       0;
}

int iap_install(const struct iap_flash *f, const struct iap_layout *l,
		uint32_t loader_version, uint8_t *scratch,
		uint32_t scratch_size, struct iap_boot_record *rec)
{
	struct iap_image_hdr st;
	int err;

	memset(rec, 0, sizeof(*rec));
	/* A layout the decision will refuse is not written to either. */
	if (l->install != IAP_INSTALL_OVERWRITE || scratch_size < 16 ||
	    iap_layout_check(l, f) != 0) {
		return 0;
	}
	err = iap_stage_state(f, l, &st);
	if (err == IAP_STAGE_PENDING) {
		err = st.image_size > l->stage_size
			      ? IAP_ERR_FBIG
			      : iap_image_verify_at(f, l, &st, l->stage_addr,
						    loader_version, scratch,
						    scratch_size);
	} else if (err >= 0) {
		return 0; /* nothing staged, or already installed */
	}
	if (err) {
		/* Never installed; the image in the app slot stays. */
		rec->event = IAP_EVENT_REFUSED;
		rec->err = (int16_t)err;
		return 0;
	}
	if (!app_has(f, l, &st, loader_version, scratch, scratch_size)) {
		err = copy_stage(f, l, st.image_size, scratch, scratch_size);
		if (!err) {
			err = iap_image_verify_slot(f, l, &st, loader_version,
						    scratch, scratch_size);
		}
		if (!err) {
			err = iap_image_write_meta(f, l, &st);
		}
	}
	if (!err) {
		err = mark_installed(f, l);
	}
	rec->event = err ? IAP_EVENT_INSTALL_FAILED : IAP_EVENT_INSTALLED;
	rec->err = (int16_t)err;
	return err;
}
