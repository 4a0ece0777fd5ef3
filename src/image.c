/*
 * iapboot - image metadata: codec, checks against the layout, the meta
 * record in flash, and verification of the installed image.
 */
#include <string.h>

#include "iap/iap_crc.h"
#include "iap/iap_ed25519.h"
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_proto.h"
#include "iap/iap_rollback.h"
#include "iap/iap_sha256.h"

/* Field offsets, as documented in iap_image.h. */
enum {
	OFF_MAGIC = 0,
	OFF_FORMAT = 4,
	OFF_HDR_SIZE = 6,
	OFF_FLAGS = 8,
	OFF_SIZE = 12,
	OFF_LOAD = 16,
	OFF_BOARD = 20,
	OFF_VER = 24,
	OFF_SECCNT = 32,
	OFF_MINLDR = 36,
	OFF_RSVD1 = 40,
	OFF_SHA = 48,
	OFF_KEYID = 80,
	OFF_SIGTYPE = 84,
	OFF_SIG = 88,
	OFF_RSVD2 = 152,
	OFF_CRC = 252
};

void iap_image_hdr_encode(const struct iap_image_hdr *h,
			  uint8_t out[IAP_IMAGE_HDR_SIZE])
{
	memset(out, 0, IAP_IMAGE_HDR_SIZE);
	iap_put_le32(&out[OFF_MAGIC], IAP_IMAGE_MAGIC);
	iap_put_le16(&out[OFF_FORMAT], IAP_IMAGE_FORMAT);
	iap_put_le16(&out[OFF_HDR_SIZE], IAP_IMAGE_HDR_SIZE);
	iap_put_le32(&out[OFF_FLAGS], h->flags);
	iap_put_le32(&out[OFF_SIZE], h->image_size);
	iap_put_le32(&out[OFF_LOAD], h->load_addr);
	iap_put_le32(&out[OFF_BOARD], h->board_id);
	out[OFF_VER] = h->version.major;
	out[OFF_VER + 1] = h->version.minor;
	iap_put_le16(&out[OFF_VER + 2], h->version.patch);
	iap_put_le32(&out[OFF_VER + 4], h->version.build);
	iap_put_le32(&out[OFF_SECCNT], h->security_counter);
	iap_put_le32(&out[OFF_MINLDR], h->min_loader);
	memcpy(&out[OFF_SHA], h->sha256, IAP_IMAGE_HASH_SIZE);
	iap_put_le32(&out[OFF_KEYID], h->key_id);
	iap_put_le32(&out[OFF_SIGTYPE], h->sig_type);
	memcpy(&out[OFF_SIG], h->signature, IAP_IMAGE_SIG_SIZE);
	iap_put_le32(&out[OFF_CRC], iap_crc32(0, out, OFF_CRC));
}

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	while (n--) {
		acc |= *p++;
	}
	return acc == 0;
}

int iap_image_hdr_decode(const uint8_t in[IAP_IMAGE_HDR_SIZE],
			 struct iap_image_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (iap_get_le32(&in[OFF_MAGIC]) != IAP_IMAGE_MAGIC ||
	    iap_get_le16(&in[OFF_FORMAT]) != IAP_IMAGE_FORMAT ||
	    iap_get_le16(&in[OFF_HDR_SIZE]) != IAP_IMAGE_HDR_SIZE) {
		return IAP_ERR_BADMSG;
	}
	if (iap_crc32(0, in, OFF_CRC) != iap_get_le32(&in[OFF_CRC])) {
		return IAP_ERR_CORRUPT;
	}
	h->flags = iap_get_le32(&in[OFF_FLAGS]);
	if ((h->flags & ~IAP_IMAGE_F_KNOWN) != 0 ||
	    !all_zero(&in[OFF_RSVD1], OFF_SHA - OFF_RSVD1) ||
	    !all_zero(&in[OFF_RSVD2], OFF_CRC - OFF_RSVD2)) {
		return IAP_ERR_BADMSG;
	}
	h->image_size = iap_get_le32(&in[OFF_SIZE]);
	h->load_addr = iap_get_le32(&in[OFF_LOAD]);
	h->board_id = iap_get_le32(&in[OFF_BOARD]);
	h->version.major = in[OFF_VER];
	h->version.minor = in[OFF_VER + 1];
	h->version.patch = iap_get_le16(&in[OFF_VER + 2]);
	h->version.build = iap_get_le32(&in[OFF_VER + 4]);
	h->security_counter = iap_get_le32(&in[OFF_SECCNT]);
	h->min_loader = iap_get_le32(&in[OFF_MINLDR]);
	memcpy(h->sha256, &in[OFF_SHA], IAP_IMAGE_HASH_SIZE);
	h->key_id = iap_get_le32(&in[OFF_KEYID]);
	h->sig_type = iap_get_le32(&in[OFF_SIGTYPE]);
	memcpy(h->signature, &in[OFF_SIG], IAP_IMAGE_SIG_SIZE);
	return 0;
}

int iap_image_check_sig(const struct iap_image_hdr *h,
			const struct iap_trust *t)
{
	uint8_t raw[IAP_IMAGE_HDR_SIZE];
	const struct iap_pubkey *k = 0;

	if (!t) {
		return 0; /* an open device: the hash is all it checks */
	}
	if (!IAP_CFG_TRUST) {
		return IAP_ERR_NOTSUP; /* keys, but no verifier built */
	}
	if (h->sig_type == IAP_SIG_NONE) {
		return IAP_ERR_UNSIGNED;
	}
	if (h->sig_type != IAP_SIG_ED25519) {
		return IAP_ERR_NOTSUP;
	}
	for (uint32_t i = 0; i < t->key_count && h->key_id; i++) {
		if (t->keys[i].key_id == h->key_id) {
			k = &t->keys[i];
			break;
		}
	}
	if (!k) {
		return IAP_ERR_KEY;
	}
	if (k->flags & IAP_PUBKEY_F_REVOKED) {
		return IAP_ERR_REVOKED;
	}
	/* The signed bytes are the header's own encoding, rebuilt from the
	 * fields that every later check and the flash record use. */
	iap_image_hdr_encode(h, raw);
	return iap_ed25519_verify(h->signature, k->key, raw,
				  IAP_IMAGE_SIGNED_SIZE)
		       ? IAP_ERR_SIGNATURE
		       : 0;
}

int iap_image_check_fit(const struct iap_image_hdr *h,
			const struct iap_layout *l, uint32_t loader_version)
{
	/* With keys, nothing the header says is believed before its
	 * signature verifies: sizes, addresses and counters are signed. */
	int err = iap_image_check_sig(h, l->trust);

	if (err) {
		return err;
	}
	if (h->image_size == 0) {
		return IAP_ERR_BADMSG;
	}
	if (h->image_size > l->app_size) {
		return IAP_ERR_FBIG;
	}
	if (h->load_addr != l->app_addr) {
		return IAP_ERR_RANGE;
	}
	if (l->board_id && h->board_id && l->board_id != h->board_id) {
		return IAP_ERR_BOARD;
	}
	if (h->min_loader > loader_version) {
		return IAP_ERR_OLDLOADER;
	}
	/* An open device cannot check a signature of a kind it does not
	 * know; it takes Ed25519-signed images on their hash. */
	if (h->sig_type > IAP_SIG_ED25519) {
		return IAP_ERR_NOTSUP;
	}
	return 0;
}

int iap_image_check_counter(const struct iap_flash *f,
			    const struct iap_layout *l,
			    const struct iap_image_hdr *h)
{
	uint32_t rec = 0;
	int err;

	if (!IAP_CFG_TRUST || !l->rollback_size) {
		return 0;
	}
	err = iap_rollback_read(f, l->rollback_addr, l->rollback_size, &rec);
	if (err) {
		return err;
	}
	return h->security_counter < rec ? IAP_ERR_ROLLBACK : 0;
}

/* One past the end counts: the stack grows down from there. */
static int in_ram(uint32_t sp, uint32_t addr, uint32_t size)
{
	return size != 0 && sp >= addr && sp - addr <= size;
}

int iap_image_check_vectors(const uint8_t first8[8], uint32_t load_addr,
			    uint32_t size, const struct iap_layout *l)
{
	uint32_t sp = iap_get_le32(&first8[0]);
	uint32_t pc = iap_get_le32(&first8[4]);
	uint32_t pc_addr = pc & ~1u;

	if (size < 8 || (sp & 3u) != 0 ||
	    !(in_ram(sp, l->ram_addr, l->ram_size) ||
	      in_ram(sp, l->ram2_addr, l->ram2_size))) {
		return IAP_ERR_NOEXEC;
	}
	if ((pc & 1u) == 0 || pc_addr < load_addr + 8u ||
	    pc_addr - load_addr >= size) {
		return IAP_ERR_NOEXEC;
	}
	return 0;
}

int iap_image_hash_flash(const struct iap_flash *f, uint32_t addr,
			 uint32_t size, uint8_t *buf, uint32_t buf_size,
			 uint8_t out[IAP_IMAGE_HASH_SIZE])
{
	struct iap_sha256 sha;

	iap_sha256_init(&sha);
	while (size) {
		uint32_t n = size < buf_size ? size : buf_size;
		int err = f->read(f->ctx, addr, buf, n);

		if (err) {
			return err;
		}
		iap_sha256_update(&sha, buf, n);
		addr += n;
		size -= n;
	}
	iap_sha256_final(&sha, out);
	return 0;
}

int iap_image_read_record(const struct iap_flash *f, uint32_t addr,
			  struct iap_image_hdr *h)
{
	uint8_t raw[IAP_IMAGE_HDR_SIZE];
	uint8_t commit[4];
	int err;

	err = f->read(f->ctx, addr + IAP_META_COMMIT_OFF, commit, 4);
	if (err) {
		return err;
	}
	if (iap_get_le32(commit) != IAP_META_COMMIT_MAGIC) {
		return IAP_ERR_NOENT;
	}
	err = f->read(f->ctx, addr, raw, sizeof(raw));
	if (err) {
		return err;
	}
	return iap_image_hdr_decode(raw, h);
}

int iap_image_write_record(const struct iap_flash *f, uint32_t addr,
			   const struct iap_image_hdr *h)
{
	uint8_t raw[IAP_IMAGE_HDR_SIZE];
	uint8_t commit[16];
	uint32_t len = f->write_size > 4 ? f->write_size : 4;
	int err;

	iap_image_hdr_encode(h, raw);
	err = f->prog(f->ctx, addr, raw, sizeof(raw));
	if (err) {
		return err;
	}
	memset(commit, 0, sizeof(commit));
	iap_put_le32(commit, IAP_META_COMMIT_MAGIC);
	return f->prog(f->ctx, addr + IAP_META_COMMIT_OFF, commit, len);
}

int iap_image_read_meta(const struct iap_flash *f, const struct iap_layout *l,
			struct iap_image_hdr *h)
{
	return iap_image_read_record(f, l->meta_addr, h);
}

int iap_image_write_meta(const struct iap_flash *f, const struct iap_layout *l,
			 const struct iap_image_hdr *h)
{
	return iap_image_write_record(f, l->meta_addr, h);
}

int iap_image_verify_at(const struct iap_flash *f, const struct iap_layout *l,
			const struct iap_image_hdr *h, uint32_t addr,
			uint32_t loader_version, uint8_t *buf,
			uint32_t buf_size)
{
	uint8_t digest[IAP_IMAGE_HASH_SIZE];
	int err = iap_image_check_fit(h, l, loader_version);

	if (!err) {
		err = iap_image_check_counter(f, l, h);
	}
	if (err) {
		return err;
	}
	err = f->read(f->ctx, addr, buf, 8);
	if (err) {
		return err;
	}
	err = iap_image_check_vectors(buf, l->app_addr, h->image_size, l);
	if (err) {
		return err;
	}
	err = iap_image_hash_flash(f, addr, h->image_size, buf, buf_size,
				   digest);
	if (err) {
		return err;
	}
	return memcmp(digest, h->sha256, sizeof(digest)) ? IAP_ERR_CORRUPT : 0;
}

int iap_image_verify_slot(const struct iap_flash *f, const struct iap_layout *l,
			  const struct iap_image_hdr *h,
			  uint32_t loader_version, uint8_t *buf,
			  uint32_t buf_size)
{
	return iap_image_verify_at(f, l, h, l->app_addr, loader_version, buf,
				   buf_size);
}
