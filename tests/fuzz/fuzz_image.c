/*
 * libFuzzer target: the 256-byte image header (iap_image_hdr_decode,
 * iap_image_hdr_encode) and iap_image_check_fit against the f103c8 and
 * f103cb-swap layouts of the simulator's board table.
 *
 * Input: 256 header bytes, then optionally 4 bytes of loader version.
 * A header that decodes re-encodes to the same 256 bytes; a header built
 * from the same bytes as fields encodes, then decodes to the same fields
 * (refused only for unknown flags); check_fit accepts exactly the headers
 * with image_size 1..app_size, load_addr = app_addr, a matching board,
 * min_loader <= loader version and no signature.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_proto.h"
#include "sim.h"

static void check_fit(const struct iap_image_hdr *h, const char *board,
		      uint32_t loader)
{
	const struct sim_board *b = sim_board_find(board);
	const struct iap_layout *l;
	int want, err;

	CHECK(b != NULL);
	l = &b->layout;
	want = h->image_size >= 1 && h->image_size <= l->app_size &&
	       h->load_addr == l->app_addr &&
	       (!l->board_id || !h->board_id || l->board_id == h->board_id) &&
	       h->min_loader <= loader && h->sig_type <= IAP_SIG_ED25519;
	/* These layouts are open devices: a signature is not checked, an
	 * unknown signature type is refused. */
	err = iap_image_check_fit(h, l, loader);
	CHECK(err <= 0);
	if (err == 0) {
		CHECK(h->image_size >= 1 && h->image_size <= l->app_size);
		CHECK(h->load_addr == l->app_addr);
	}
	CHECK((err == 0) == want);
}

static void fields_from(const uint8_t *p, struct iap_image_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->flags = iap_get_le32(&p[0]) & 3u; /* mostly 0: known flags */
	h->image_size = iap_get_le32(&p[4]);
	h->load_addr = iap_get_le32(&p[8]);
	h->board_id = iap_get_le32(&p[12]);
	h->version.major = p[16];
	h->version.minor = p[17];
	h->version.patch = iap_get_le16(&p[18]);
	h->version.build = iap_get_le32(&p[20]);
	h->security_counter = iap_get_le32(&p[24]);
	h->min_loader = iap_get_le32(&p[28]);
	memcpy(h->sha256, &p[32], sizeof(h->sha256));
	h->key_id = iap_get_le32(&p[64]);
	h->sig_type = iap_get_le32(&p[68]);
	memcpy(h->signature, &p[72], sizeof(h->signature));
}

static int same_fields(const struct iap_image_hdr *a,
		       const struct iap_image_hdr *b)
{
	return a->flags == b->flags && a->image_size == b->image_size &&
	       a->load_addr == b->load_addr && a->board_id == b->board_id &&
	       a->version.major == b->version.major &&
	       a->version.minor == b->version.minor &&
	       a->version.patch == b->version.patch &&
	       a->version.build == b->version.build &&
	       a->security_counter == b->security_counter &&
	       a->min_loader == b->min_loader &&
	       memcmp(a->sha256, b->sha256, sizeof(a->sha256)) == 0 &&
	       a->key_id == b->key_id && a->sig_type == b->sig_type &&
	       memcmp(a->signature, b->signature, sizeof(a->signature)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[IAP_IMAGE_HDR_SIZE], out[IAP_IMAGE_HDR_SIZE];
	struct iap_image_hdr h, h2;
	uint32_t loader = IAP_LOADER_VERSION(0, 1, 0);
	int err;

	if (size < IAP_IMAGE_HDR_SIZE) {
		return 0;
	}
	memcpy(in, data, sizeof(in));
	if (size >= IAP_IMAGE_HDR_SIZE + 4) {
		loader = iap_get_le32(&data[IAP_IMAGE_HDR_SIZE]);
	}

	/* Decode: what decodes re-encodes to the very same bytes. */
	err = iap_image_hdr_decode(in, &h);
	CHECK(err == 0 || err == IAP_ERR_BADMSG || err == IAP_ERR_CORRUPT);
	if (err == 0) {
		iap_image_hdr_encode(&h, out);
		CHECK(memcmp(in, out, sizeof(in)) == 0);
		CHECK((h.flags & ~IAP_IMAGE_F_KNOWN) == 0);
		check_fit(&h, "f103c8", loader);
		check_fit(&h, "f103cb-swap", loader);
	}

	/* Encode: fields from the input round-trip through the bytes. */
	fields_from(in, &h);
	iap_image_hdr_encode(&h, out);
	err = iap_image_hdr_decode(out, &h2);
	if (h.flags & ~IAP_IMAGE_F_KNOWN) {
		CHECK(err == IAP_ERR_BADMSG);
	} else {
		CHECK(err == 0);
		CHECK(same_fields(&h, &h2));
	}
	check_fit(&h, "f103c8", loader);
	check_fit(&h, "f103cb-swap", loader);
	return 0;
}
