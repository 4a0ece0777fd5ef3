/*
 * iapboot - protocol v1 frame codec and INFO body codec.
 *
 * Decoder states (docs/PROTOCOL.md draws them):
 *
 *   HUNT --SOF--> HDR --6 bytes, hchk ok--> PAYLOAD --len bytes--> CRC
 *    ^             |  hchk bad: rescan hdr[1..] for SOF             |
 *    |             |  len > cap: drop                               |
 *    +-------------+------------------------------------------------+
 *                               4 bytes: good -> FRAME, bad -> drop
 */
#include <string.h>

#include "iap/iap_crc.h"
#include "iap/iap_err.h"
#include "iap/iap_proto.h"

enum dec_state { DEC_HUNT = 0, DEC_HDR, DEC_PAYLOAD, DEC_CRC };

int iap_frame_encode(uint8_t *out, size_t out_size, uint8_t cmd, uint8_t seq,
		     const void *payload, uint16_t len)
{
	size_t total = (size_t)len + IAP_FRAME_OVERHEAD;
	uint32_t crc;

	if (out_size < total) {
		return IAP_ERR_OVERFLOW;
	}
	out[0] = IAP_PROTO_SOF;
	out[1] = cmd;
	out[2] = seq;
	iap_put_le16(&out[3], len);
	out[5] = iap_crc8(out, 5);
	if (len) {
		memmove(&out[IAP_FRAME_HDR_SIZE], payload, len);
	}
	crc = iap_crc32(0, &out[1], (size_t)len + IAP_FRAME_HDR_SIZE - 1u);
	iap_put_le32(&out[IAP_FRAME_HDR_SIZE + len], crc);
	return (int)total;
}

void iap_dec_init(struct iap_dec *d, uint8_t *buf, uint16_t cap)
{
	memset(d, 0, sizeof(*d));
	d->buf = buf;
	d->cap = cap;
}

void iap_dec_reset(struct iap_dec *d)
{
	d->state = DEC_HUNT;
	d->pos = 0;
}

/*
 * A header failed its check: the SOF we locked on was data. Look for
 * another SOF among the bytes already taken, keep from there.
 */
static void dec_rescan_hdr(struct iap_dec *d)
{
	uint16_t i;

	for (i = 1; i < d->pos; i++) {
		if (d->hdr[i] == IAP_PROTO_SOF) {
			break;
		}
	}
	d->junk += i;
	if (i >= d->pos) {
		d->state = DEC_HUNT;
		d->pos = 0;
		return;
	}
	memmove(d->hdr, &d->hdr[i], (size_t)(d->pos - i));
	d->pos = (uint16_t)(d->pos - i);
}

static int dec_hdr_done(struct iap_dec *d)
{
	if (iap_crc8(d->hdr, 5) != d->hdr[5]) {
		d->bad_hdr++;
		dec_rescan_hdr(d);
		return 0;
	}
	d->len = iap_get_le16(&d->hdr[3]);
	if (d->len > d->cap) {
		d->too_long++;
		d->state = DEC_HUNT;
		d->pos = 0;
		return 0;
	}
	d->pos = 0;
	d->state = d->len ? DEC_PAYLOAD : DEC_CRC;
	return 0;
}

static int dec_crc_done(struct iap_dec *d)
{
	uint32_t crc = iap_crc32(0, &d->hdr[1], IAP_FRAME_HDR_SIZE - 1u);

	crc = iap_crc32(crc, d->buf, d->len);
	d->state = DEC_HUNT;
	d->pos = 0;
	if (crc != iap_get_le32(d->crc)) {
		d->bad_crc++;
		return 0;
	}
	d->frames++;
	d->cmd = d->hdr[1];
	d->seq = d->hdr[2];
	d->frame_len = d->len;
	return 1;
}

int iap_dec_sink(struct iap_dec *d, const uint8_t *data, size_t len,
		 size_t *consumed)
{
	size_t i = 0;

	while (i < len) {
		uint8_t b = data[i++];

		switch (d->state) {
		case DEC_HUNT:
			if (b == IAP_PROTO_SOF) {
				d->hdr[0] = b;
				d->pos = 1;
				d->state = DEC_HDR;
			} else {
				d->junk++;
			}
			break;
		case DEC_HDR:
			d->hdr[d->pos++] = b;
			while (d->state == DEC_HDR &&
			       d->pos == IAP_FRAME_HDR_SIZE) {
				dec_hdr_done(d);
			}
			break;
		case DEC_PAYLOAD:
			d->buf[d->pos++] = b;
			if (d->pos == d->len) {
				d->pos = 0;
				d->state = DEC_CRC;
			}
			break;
		default: /* DEC_CRC */
			d->crc[d->pos++] = b;
			if (d->pos == IAP_FRAME_CRC_SIZE && dec_crc_done(d)) {
				*consumed = i;
				return IAP_DEC_FRAME;
			}
			break;
		}
	}
	*consumed = i;
	return IAP_DEC_MORE;
}

size_t iap_info_encode(const struct iap_info *in, uint8_t *out)
{
	uint8_t n = in->region_count;

	if (n > IAP_INFO_MAX_REGIONS) {
		n = IAP_INFO_MAX_REGIONS;
	}
	memset(out, 0, IAP_INFO_SIZE);
	out[0] = in->proto_version;
	out[1] = in->caps;
	iap_put_le16(&out[2], in->max_payload);
	iap_put_le32(&out[4], in->loader_version);
	iap_put_le32(&out[8], in->board_id);
	iap_put_le32(&out[12], in->app_addr);
	iap_put_le32(&out[16], in->app_size);
	iap_put_le32(&out[20], in->stage_addr);
	iap_put_le32(&out[24], in->stage_size);
	iap_put_le32(&out[28], in->meta_addr);
	iap_put_le32(&out[32], in->write_size);
	out[36] = in->state;
	out[37] = in->app_valid;
	out[38] = in->app_ver_major;
	out[39] = in->app_ver_minor;
	iap_put_le16(&out[40], in->app_ver_patch);
	iap_put_le32(&out[44], in->app_ver_build);
	out[48] = n;
	for (uint8_t i = 0; i < n; i++) {
		uint8_t *r = &out[IAP_INFO_FIXED_SIZE + 12u * i];

		iap_put_le32(&r[0], in->regions[i].addr);
		iap_put_le32(&r[4], in->regions[i].sector_size);
		iap_put_le32(&r[8], in->regions[i].count);
	}
	/* Appended at a fixed offset; unused region entries stay zero. */
	out += IAP_INFO_EXT_OFF;
	iap_put_le32(&out[0], in->stage_meta_addr);
	out[4] = in->install;
	out[5] = in->stage_state;
	out[6] = in->boot_event;
	out[7] = in->app_state;
	iap_put_le16(&out[8], (uint16_t)in->boot_err);
	out[10] = in->stage_ver_major;
	out[11] = in->stage_ver_minor;
	iap_put_le16(&out[12], in->stage_ver_patch);
	out[14] = in->boots_left;
	out[15] = in->stage_role;
	iap_put_le32(&out[16], in->stage_ver_build);
	out += IAP_INFO_EXT_SIZE;
	out[0] = in->window;
	out[1] = in->lzss_bits;
	iap_put_le32(&out[4], in->rx_ring);
	out += IAP_INFO_EXT2_SIZE;
	out[0] = in->trust;
	out[1] = in->key_count;
	iap_put_le32(&out[4], in->rollback);
	iap_put_le32(&out[8], in->app_counter);
	return IAP_INFO_SIZE;
}

int iap_info_decode(const uint8_t *in, size_t len, struct iap_info *out)
{
	memset(out, 0, sizeof(*out));
	if (len < IAP_INFO_FIXED_SIZE) {
		return IAP_ERR_BADMSG;
	}
	out->proto_version = in[0];
	out->caps = in[1];
	out->max_payload = iap_get_le16(&in[2]);
	out->loader_version = iap_get_le32(&in[4]);
	out->board_id = iap_get_le32(&in[8]);
	out->app_addr = iap_get_le32(&in[12]);
	out->app_size = iap_get_le32(&in[16]);
	out->stage_addr = iap_get_le32(&in[20]);
	out->stage_size = iap_get_le32(&in[24]);
	out->meta_addr = iap_get_le32(&in[28]);
	out->write_size = iap_get_le32(&in[32]);
	out->state = in[36];
	out->app_valid = in[37];
	out->app_ver_major = in[38];
	out->app_ver_minor = in[39];
	out->app_ver_patch = iap_get_le16(&in[40]);
	out->app_ver_build = iap_get_le32(&in[44]);
	out->region_count = in[48];
	if (out->region_count > IAP_INFO_MAX_REGIONS ||
	    len < IAP_INFO_FIXED_SIZE + 12u * out->region_count) {
		return IAP_ERR_BADMSG;
	}
	for (uint8_t i = 0; i < out->region_count; i++) {
		const uint8_t *r = &in[IAP_INFO_FIXED_SIZE + 12u * i];

		out->regions[i].addr = iap_get_le32(&r[0]);
		out->regions[i].sector_size = iap_get_le32(&r[4]);
		out->regions[i].count = iap_get_le32(&r[8]);
	}
	if (len < IAP_INFO_EXT2_OFF) {
		return 0; /* a device without the appended fields */
	}
	in += IAP_INFO_EXT_OFF;
	out->stage_meta_addr = iap_get_le32(&in[0]);
	out->install = in[4];
	out->stage_state = in[5];
	out->boot_event = in[6];
	out->app_state = in[7];
	out->boot_err = (int16_t)iap_get_le16(&in[8]);
	out->stage_ver_major = in[10];
	out->stage_ver_minor = in[11];
	out->stage_ver_patch = iap_get_le16(&in[12]);
	out->boots_left = in[14];
	out->stage_role = in[15];
	out->stage_ver_build = iap_get_le32(&in[16]);
	if (len < IAP_INFO_EXT3_OFF) {
		return 0; /* a v1 device */
	}
	in += IAP_INFO_EXT_SIZE;
	out->window = in[0];
	out->lzss_bits = in[1];
	out->rx_ring = iap_get_le32(&in[4]);
	if (len < IAP_INFO_SIZE) {
		return 0; /* a device from before signatures */
	}
	in += IAP_INFO_EXT2_SIZE;
	out->trust = in[0];
	out->key_count = in[1];
	out->rollback = iap_get_le32(&in[4]);
	out->app_counter = iap_get_le32(&in[8]);
	return 0;
}
