/*
 * iapboot - the stage writer (iap_stage.h): header checks before any
 * erase, in-order programming, verify then commit.
 */
#include <string.h>

#include "iap/iap_err.h"
#include "iap/iap_install.h"
#include "iap/iap_stage.h"

static int has_stage(const struct iap_layout *l)
{
	/* Constant 0 in a core built without install strategies. */
	return (IAP_INSTALL_BUILT(IAP_INSTALL_OVERWRITE) ||
		IAP_INSTALL_BUILT(IAP_INSTALL_SWAP)) &&
	       l->install != IAP_INSTALL_NONE && l->stage_size &&
	       l->stage_meta_size;
}

static int slot_ok(const struct iap_layout *l, uint8_t slot)
{
	if (slot == IAP_SLOT_APP) {
		return 0;
	}
	return slot == IAP_SLOT_STAGE && has_stage(l) ? 0 : IAP_ERR_NOTSUP;
}

/* The header against the layout; a staged image must fit both slots. */
static int fits(const struct iap_layout *l, uint8_t slot,
		const struct iap_image_hdr *h, uint32_t loader_version)
{
	int err = iap_image_check_fit(h, l, loader_version);

	if (!err && slot == IAP_SLOT_STAGE && h->image_size > l->stage_size) {
		err = IAP_ERR_FBIG;
	}
	return err;
}

int iap_stage_check(const struct iap_layout *l, uint8_t slot,
		    const uint8_t hdr256[IAP_IMAGE_HDR_SIZE],
		    uint32_t loader_version, struct iap_image_hdr *h)
{
	int err = slot_ok(l, slot);

	if (!err) {
		err = iap_image_hdr_decode(hdr256, h);
	}
	if (!err) {
		err = fits(l, slot, h, loader_version);
	}
	return err;
}

int iap_stage_cancel(const struct iap_flash *f, const struct iap_layout *l)
{
	/* A record that does not read back (torn, corrupt) goes too. */
	if (iap_stage_state(f, l, NULL) == IAP_STAGE_EMPTY) {
		return 0;
	}
	return iap_flash_erase_span(f, l->stage_meta_addr, l->stage_meta_size);
}

/*
 * Where a resumed write may start: a whole number of write units, at most
 * the padded image, and a sector start of the slot unless it is the very
 * end (an erase at from must not reach the bytes below it).
 */
static int resume_ok(const struct iap_flash *f, uint32_t slot_addr,
		     const struct iap_image_hdr *h, uint32_t from)
{
	uint32_t ws = f->write_size;
	uint32_t padded = (h->image_size + ws - 1u) / ws * ws;
	uint32_t start, size;
	int err;

	if (from > padded) {
		return IAP_ERR_RANGE;
	}
	if (from % ws) {
		return IAP_ERR_ALIGN;
	}
	if (from == 0 || from == padded) {
		return 0;
	}
	err = iap_flash_sector(f, slot_addr + from, &start, &size);
	if (!err && start != slot_addr + from) {
		err = IAP_ERR_ALIGN;
	}
	return err;
}

int iap_stage_open_at(struct iap_stage_writer *w, const struct iap_flash *f,
		      const struct iap_layout *l, uint8_t slot,
		      const struct iap_image_hdr *h, unsigned int flags,
		      uint32_t from)
{
	uint32_t slot_addr =
		slot == IAP_SLOT_STAGE ? l->stage_addr : l->app_addr;
	/* Lower than the record: refused before anything is erased. */
	int err = iap_image_check_counter(f, l, h);

	if (!err) {
		err = resume_ok(f, slot_addr, h, from);
	}
	if (err) {
		return err; /* nothing erased, w as it was */
	}
	if (h != &w->hdr) {
		w->hdr = *h;
	}
	w->flash = f;
	w->layout = l;
	w->next_off = from;
	w->state = IAP_WRITER_IDLE;
	w->tail_len = 0;
	w->direct = 0;
	w->ahead = (flags & IAP_STAGE_ERASE_AHEAD) ? 1u : 0u;
	w->erased_end = from;
	w->slot_addr = slot_addr;
	if (slot == IAP_SLOT_STAGE) {
		/* The installed image stays; only the stage is rewritten. */
		w->meta_addr = l->stage_meta_addr;
		err = iap_flash_erase_span(f, w->meta_addr, l->stage_meta_size);
	} else {
		/* A pending staged image would overwrite this one at boot. From
		 * there on the old image is gone: meta, then the slot. */
		w->direct = 1;
		w->meta_addr = l->meta_addr;
		err = iap_stage_cancel(f, l);
		if (!err) {
			err = iap_flash_erase_span(f, w->meta_addr,
						   l->meta_size);
		}
	}
	if (!err && !w->ahead) {
		if (from < w->hdr.image_size) {
			err = iap_flash_erase_span(f, w->slot_addr + from,
						   w->hdr.image_size - from);
		}
		w->erased_end = UINT32_MAX;
	}
	if (!err) {
		w->state = IAP_WRITER_RECEIVING;
	}
	return err;
}

int iap_stage_open(struct iap_stage_writer *w, const struct iap_flash *f,
		   const struct iap_layout *l, uint8_t slot,
		   const struct iap_image_hdr *h, unsigned int flags)
{
	return iap_stage_open_at(w, f, l, slot, h, flags, 0);
}

int iap_stage_begin(struct iap_stage_writer *w, const struct iap_flash *f,
		    const struct iap_layout *l,
		    const uint8_t hdr256[IAP_IMAGE_HDR_SIZE],
		    uint32_t loader_version)
{
	struct iap_image_hdr h;
	int err =
		iap_stage_check(l, IAP_SLOT_STAGE, hdr256, loader_version, &h);

	if (err) {
		return err;
	}
	return iap_stage_open(w, f, l, IAP_SLOT_STAGE, &h, 0);
}

/*
 * Erase ahead: the sectors from erased_end up to the one holding the last
 * byte of [0, end) of the slot. They lie inside the slot: end never passes
 * the image size rounded up to a write unit, and the slot is sector-aligned.
 */
static int erase_to(struct iap_stage_writer *w, uint32_t end)
{
	const struct iap_flash *f = w->flash;
	uint32_t start, size;
	int err;

	if (end <= w->erased_end) {
		return 0;
	}
	err = iap_flash_sector(f, w->slot_addr + end - 1u, &start, &size);
	if (!err) {
		err = iap_flash_erase_span(f, w->slot_addr + w->erased_end,
					   end - w->erased_end);
	}
	if (!err) {
		w->erased_end = start + size - w->slot_addr;
	}
	return err;
}

/* Program whole units at next_off; a flash error ends the session. */
static int prog_next(struct iap_stage_writer *w, const uint8_t *data,
		     uint32_t n)
{
	const struct iap_flash *f = w->flash;
	int err = erase_to(w, w->next_off + n);

	if (!err) {
		err = f->prog(f->ctx, w->slot_addr + w->next_off, data, n);
	}

	if (err) {
		w->state = IAP_WRITER_IDLE;
		return err;
	}
	w->next_off += n;
	return 0;
}

/* A chunk the slot already has: accepted if the bytes agree. */
static int write_again(const struct iap_stage_writer *w, uint32_t off,
		       const uint8_t *data, uint32_t n)
{
	const struct iap_flash *f = w->flash;
	uint8_t tmp[32];

	while (n) {
		uint32_t k = n < sizeof(tmp) ? n : (uint32_t)sizeof(tmp);
		int err = f->read(f->ctx, w->slot_addr + off, tmp, k);

		if (err) {
			return err;
		}
		if (memcmp(tmp, data, k)) {
			return IAP_ERR_PROTO;
		}
		off += k;
		data += k;
		n -= k;
	}
	return 0;
}

int iap_stage_write(struct iap_stage_writer *w, uint32_t off,
		    const uint8_t *data, uint32_t len)
{
	uint32_t ws, limit;

	if (w->state != IAP_WRITER_RECEIVING) {
		return IAP_ERR_PERM;
	}
	if (w->tail_len) {
		return IAP_ERR_PROTO;
	}
	ws = w->flash->write_size;
	/* The last chunk may be padded up to a whole write unit. */
	limit = (w->hdr.image_size + ws - 1u) / ws * ws;
	if (off > limit || len > limit - off) {
		return IAP_ERR_FAULT;
	}
	if (off % ws || len % ws) {
		return IAP_ERR_ALIGN;
	}
	if (off + len <= w->next_off) {
		return write_again(w, off, data, len);
	}
	if (off > w->next_off) {
		return IAP_ERR_AGAIN;
	}
	if (off < w->next_off) {
		/* Straddles next_off (the host resends in other chunk
		 * sizes): what is in must agree, the rest goes on. */
		uint32_t have = w->next_off - off;
		int err = write_again(w, off, data, have);

		if (err) {
			return err;
		}
		data += have;
		len -= have;
	}
	return prog_next(w, data, len);
}

int iap_stage_append(struct iap_stage_writer *w, const uint8_t *data,
		     uint32_t len)
{
	uint32_t ws, have;
	int err;

	if (w->state != IAP_WRITER_RECEIVING) {
		return IAP_ERR_PERM;
	}
	ws = w->flash->write_size;
	if (ws > IAP_STAGE_UNIT_MAX) {
		return IAP_ERR_INVAL; /* the tail would not hold a unit */
	}
	have = w->next_off + w->tail_len;
	if (have > w->hdr.image_size || len > w->hdr.image_size - have) {
		return IAP_ERR_FAULT;
	}
	while (len) {
		uint32_t n;

		if (w->tail_len || len < ws) {
			/* Fill the partial unit; program it once whole. */
			n = ws - w->tail_len < len ? ws - w->tail_len : len;
			memcpy(&w->tail[w->tail_len], data, n);
			w->tail_len = (uint8_t)(w->tail_len + n);
			if (w->tail_len == ws) {
				err = prog_next(w, w->tail, ws);
				if (err) {
					return err;
				}
				w->tail_len = 0;
			}
		} else {
			n = len / ws * ws;
			err = prog_next(w, data, n);
			if (err) {
				return err;
			}
		}
		data += n;
		len -= n;
	}
	return 0;
}

int iap_stage_finish(struct iap_stage_writer *w, uint8_t *scratch,
		     uint32_t scratch_size, uint32_t loader_version)
{
	uint32_t ws;
	int err;

	if (w->state != IAP_WRITER_RECEIVING) {
		return IAP_ERR_PERM;
	}
	if (w->next_off + w->tail_len < w->hdr.image_size) {
		return IAP_ERR_PROTO;
	}
	if (!scratch || scratch_size < 16) {
		return IAP_ERR_INVAL;
	}
	ws = w->flash->write_size;
	if (w->tail_len) {
		memset(&w->tail[w->tail_len], IAP_FLASH_ERASED,
		       ws - w->tail_len);
		err = prog_next(w, w->tail, ws);
		w->tail_len = 0;
		if (err) {
			return err;
		}
	}
	err = iap_image_verify_at(w->flash, w->layout, &w->hdr, w->slot_addr,
				  loader_version, scratch, scratch_size);
	if (!err) {
		err = iap_image_write_record(w->flash, w->meta_addr, &w->hdr);
	}
	w->state = err ? IAP_WRITER_IDLE : IAP_WRITER_DONE;
	return err;
}

void iap_stage_abort(struct iap_stage_writer *w)
{
	if (w->state == IAP_WRITER_RECEIVING) {
		w->state = IAP_WRITER_IDLE;
	}
	w->tail_len = 0;
}
