/*
 * Signed images and the anti-rollback record, end to end: the signature
 * check of a header against a key table (every bit of the signed bytes
 * and of the signature matters), the server refusing what it must not
 * take before it erases anything, the boot decision raising the record
 * and refusing an older image, the boot-time signature policy, and what
 * INFO reports. Signatures are made with OpenSSL (tools/iap/sigkey.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "helper_dev.h"
#include "iap/iap_boot.h"
#include "iap/iap_crc.h"
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_install.h"
#include "iap/iap_proto.h"
#include "iap/iap_rollback.h"
#include "iap/iap_server.h"
#include "iap/iap_trust.h"
#include "sigkey.h"

#define SECURE	    "f103cb-secure"
#define SECURE_ID   0x0103CB00u
#define ID_GOOD	    7u
#define ID_OTHER    9u
#define ID_REVOKED  4u
#define ID_SAMPLE   1u
#define ID_STRANGER 12u
#define IMG_MAX	    0xC000u

/* Keys from OpenSSL: three in the table, one nobody trusts. */
static EVP_PKEY *k_good, *k_other, *k_revoked, *k_stranger;
static struct iap_pubkey table[4];
/* good, other, revoked */
static struct iap_trust t_main = {table, 3, 0};
static struct iap_trust t_bootsig = {table, 3, IAP_TRUST_F_BOOT_SIG};
/* ... and the sample key */
static struct iap_trust t_sample = {table, 4, IAP_TRUST_F_BOOT_SIG};

static uint8_t img[IMG_MAX], img2[IMG_MAX];
static uint8_t scratch[256];

static EVP_PKEY *keygen(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	assert_non_null(k);
	return k;
}

static void table_key(struct iap_pubkey *p, uint32_t id, uint32_t flags,
		      EVP_PKEY *k)
{
	p->key_id = id;
	p->flags = flags;
	assert_int_equal(iap_key_raw_public(k, p->key), 0);
}

static int keys_setup(void **state)
{
	(void)state;
	k_good = keygen();
	k_other = keygen();
	k_revoked = keygen();
	k_stranger = keygen();
	table_key(&table[0], ID_GOOD, 0, k_good);
	table_key(&table[1], ID_OTHER, 0, k_other);
	table_key(&table[2], ID_REVOKED, IAP_PUBKEY_F_REVOKED, k_revoked);
	table[3].key_id = ID_SAMPLE;
	table[3].flags = IAP_PUBKEY_F_SAMPLE;
	memcpy(table[3].key, iap_sample_pubkey, IAP_PUBKEY_SIZE);
	return 0;
}

static int keys_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(k_good);
	EVP_PKEY_free(k_other);
	EVP_PKEY_free(k_revoked);
	EVP_PKEY_free(k_stranger);
	return 0;
}

/*
 * Flash files still open: a failed assertion leaves the test at once, and
 * the teardown closes (and removes) them. Devices live in static storage
 * for that reason.
 */
static struct dev *live[4];

static void open_dev(struct dev *d, const char *board)
{
	dev_open(d, board);
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		if (!live[i]) {
			live[i] = d;
			return;
		}
	}
	fail_msg("too many open devices");
}

static void close_dev(struct dev *d)
{
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		if (live[i] == d) {
			live[i] = NULL;
		}
	}
	dev_close(d);
}

static int close_all(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		if (live[i]) {
			dev_close(live[i]);
			live[i] = NULL;
		}
	}
	return 0;
}

static void sign(struct iap_image_hdr *h, EVP_PKEY *k, uint32_t id)
{
	char err[200];

	assert_int_equal(iap_image_sign(h, k, id, "test", err, sizeof(err)), 0);
}

/* An image of size bytes for l, security counter cnt, signed by k as id
 * (k NULL: unsigned). */
static void signed_image(const struct iap_layout *l, uint8_t *buf,
			 uint32_t size, uint32_t seed, uint32_t cnt,
			 EVP_PKEY *k, uint32_t id, struct iap_image_hdr *h)
{
	make_image(l, buf, size, seed, h, (uint8_t)cnt, 0);
	h->security_counter = cnt;
	if (k) {
		sign(h, k, id);
	}
}

static uint32_t record_of(const struct dev *d)
{
	uint32_t v = 0xDEADBEEFu;

	assert_int_equal(iap_rollback_read(d->flash, d->layout->rollback_addr,
					   d->layout->rollback_size, &v),
			 0);
	return v;
}

static void decide(const struct dev *d, struct iap_boot_decision *bd)
{
	assert_int_equal(iap_boot_decide(d->flash, d->layout, LOADER_VER, 0,
					 scratch, sizeof(scratch), bd),
			 0);
}

/* ---- 1. the header's signature against a key table ---- */

static void test_sig_valid_and_refused(void **state)
{
	struct iap_layout l = sim_board_find(SECURE)->layout;
	struct iap_image_hdr h, x;
	(void)state;

	l.trust = &t_main;
	signed_image(&l, img, 3000, 1, 2, k_good, ID_GOOD, &h);
	assert_int_equal(iap_image_check_sig(&h, &t_main), 0);
	assert_int_equal(iap_image_check_fit(&h, &l, LOADER_VER), 0);
	signed_image(&l, img, 3000, 1, 2, k_other, ID_OTHER, &x);
	assert_int_equal(iap_image_check_sig(&x, &t_main), 0);
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER), 0);

	/* Unsigned; an empty header too: the signature comes first. */
	signed_image(&l, img, 3000, 1, 2, NULL, 0, &x);
	assert_int_equal(iap_image_check_sig(&x, &t_main), IAP_ERR_UNSIGNED);
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER),
			 IAP_ERR_UNSIGNED);
	x.image_size = 0;
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER),
			 IAP_ERR_UNSIGNED);

	x = h;
	x.sig_type = 2;
	assert_int_equal(iap_image_check_sig(&x, &t_main), IAP_ERR_NOTSUP);
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER),
			 IAP_ERR_NOTSUP);
	x.sig_type = 0xFFFFFFFFu;
	assert_int_equal(iap_image_check_sig(&x, &t_main), IAP_ERR_NOTSUP);

	/* A key the table lacks, and key id 0 with a signature type. */
	x = h;
	sign(&x, k_stranger, ID_STRANGER);
	assert_int_equal(iap_image_check_sig(&x, &t_main), IAP_ERR_KEY);
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER), IAP_ERR_KEY);
	x = h;
	x.key_id = 0;
	assert_int_equal(iap_image_check_sig(&x, &t_main), IAP_ERR_KEY);
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER), IAP_ERR_KEY);

	/* Revoked: refused as such, a valid signature by it or not. */
	x = h;
	sign(&x, k_revoked, ID_REVOKED);
	assert_int_equal(iap_image_check_sig(&x, &t_main), IAP_ERR_REVOKED);
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER),
			 IAP_ERR_REVOKED);
	x = h;
	x.key_id = ID_REVOKED;
	assert_int_equal(iap_image_check_sig(&x, &t_main), IAP_ERR_REVOKED);

	/* A key of the table under another's id; a stranger under ours. */
	x = h;
	sign(&x, k_good, ID_OTHER);
	assert_int_equal(iap_image_check_sig(&x, &t_main), IAP_ERR_SIGNATURE);
	x = h;
	sign(&x, k_stranger, ID_GOOD);
	assert_int_equal(iap_image_check_sig(&x, &t_main), IAP_ERR_SIGNATURE);
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER),
			 IAP_ERR_SIGNATURE);

	/* An empty table knows no key. */
	{
		struct iap_trust none = {table, 0, 0};

		assert_int_equal(iap_image_check_sig(&h, &none), IAP_ERR_KEY);
	}
}

/* What a header whose byte off, bit b was flipped must get. */
static int expected_flip(uint32_t off, uint32_t b)
{
	if (off < 12 || (off >= 40 && off < 48)) {
		return IAP_ERR_BADMSG; /* magic .. flags, reserved */
	}
	if (off >= 80 && off < 84) {
		return IAP_ERR_KEY; /* 7 ^ (1 << n) is in no table entry */
	}
	if (off >= 84 && off < 88) {
		return off == 84 && b == 0 ? IAP_ERR_UNSIGNED : IAP_ERR_NOTSUP;
	}
	return IAP_ERR_SIGNATURE;
}

static void test_sig_every_signed_bit(void **state)
{
	struct iap_layout l = sim_board_find(SECURE)->layout;
	uint8_t raw[IAP_IMAGE_HDR_SIZE], bad[IAP_IMAGE_HDR_SIZE];
	struct iap_image_hdr h, x;
	uint32_t checked = 0;
	(void)state;

	l.trust = &t_main;
	signed_image(&l, img, 5000, 2, 3, k_good, ID_GOOD, &h);
	iap_image_hdr_encode(&h, raw);
	assert_int_equal(iap_image_hdr_decode(raw, &x), 0);
	assert_int_equal(iap_image_check_sig(&x, &t_main), 0);
	for (uint32_t off = 0; off < IAP_IMAGE_SIGNED_SIZE; off++) {
		for (uint32_t b = 0; b < 8; b++) {
			int want = expected_flip(off, b);
			int err;

			memcpy(bad, raw, sizeof(bad));
			bad[off] ^= (uint8_t)(1u << b);
			iap_put_le32(&bad[252], iap_crc32(0, bad, 252));
			err = iap_image_hdr_decode(bad, &x);
			if (err) {
				assert_int_equal(err, want);
				continue;
			}
			checked++;
			err = iap_image_check_sig(&x, &t_main);
			if (err != want) {
				print_error("byte %u bit %u: %d, want %d\n",
					    (unsigned)off, (unsigned)b, err,
					    want);
			}
			assert_int_equal(err, want);
			assert_int_equal(
				iap_image_check_fit(&x, &l, LOADER_VER), want);
		}
	}
	/* Size .. min_loader and sha256 .. sig_type reached the check. */
	assert_int_equal(checked, (28u + 40u) * 8u);
}

static void test_sig_every_signature_bit(void **state)
{
	struct iap_layout l = sim_board_find(SECURE)->layout;
	struct iap_image_hdr h, x;
	(void)state;

	l.trust = &t_main;
	signed_image(&l, img, 777, 3, 1, k_other, ID_OTHER, &h);
	assert_int_equal(iap_image_check_sig(&h, &t_main), 0);
	for (uint32_t i = 0; i < IAP_IMAGE_SIG_SIZE * 8u; i++) {
		x = h;
		x.signature[i / 8u] ^= (uint8_t)(1u << (i % 8u));
		assert_int_equal(iap_image_check_sig(&x, &t_main),
				 IAP_ERR_SIGNATURE);
		assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER),
				 IAP_ERR_SIGNATURE);
	}
}

/* S + L (the group order): the same point, a non-canonical signature. */
static void test_sig_malleable_s(void **state)
{
	static const uint8_t order[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
		0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
	struct iap_layout l = sim_board_find(SECURE)->layout;
	struct iap_image_hdr h;
	uint32_t carry = 0;
	(void)state;

	signed_image(&l, img, 2000, 4, 1, k_good, ID_GOOD, &h);
	for (uint32_t i = 0; i < 32; i++) {
		uint32_t s = (uint32_t)h.signature[32 + i] + order[i] + carry;

		h.signature[32 + i] = (uint8_t)s;
		carry = s >> 8;
	}
	assert_int_equal(carry, 0); /* S < L leaves room below 2^256 */
	assert_int_equal(iap_image_check_sig(&h, &t_main), IAP_ERR_SIGNATURE);
}

/* Signed, and still refused by the size check before any flash work. */
static void test_sig_wrapping_size(void **state)
{
	struct iap_layout l = sim_board_find(SECURE)->layout;
	struct iap_image_hdr h;
	(void)state;

	l.trust = &t_main;
	signed_image(&l, img, 1000, 5, 1, NULL, 0, &h);
	h.image_size = 0xFFFFFFF0u;
	sign(&h, k_good, ID_GOOD);
	assert_int_equal(iap_image_check_sig(&h, &t_main), 0);
	assert_int_equal(iap_image_check_fit(&h, &l, LOADER_VER), IAP_ERR_FBIG);
	h.image_size = l.app_size + 1u;
	sign(&h, k_good, ID_GOOD);
	assert_int_equal(iap_image_check_fit(&h, &l, LOADER_VER), IAP_ERR_FBIG);
	h.image_size = l.app_size;
	sign(&h, k_good, ID_GOOD);
	assert_int_equal(iap_image_check_fit(&h, &l, LOADER_VER), 0);
}

/* No trust on the layout: an open device. */
static void test_open_device(void **state)
{
	struct iap_layout l = sim_board_find(SECURE)->layout;
	struct iap_image_hdr h, x;
	(void)state;

	assert_null(l.trust);
	signed_image(&l, img, 3000, 6, 1, k_good, ID_GOOD, &h);
	assert_int_equal(iap_image_check_sig(&h, NULL), 0);
	assert_int_equal(iap_image_check_fit(&h, &l, LOADER_VER), 0);
	x = h;
	x.signature[0] ^= 1u; /* not checked without keys */
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER), 0);
	x = h;
	sign(&x, k_stranger, ID_STRANGER);
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER), 0);
	signed_image(&l, img, 3000, 6, 1, NULL, 0, &x);
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER), 0);
	x = h;
	x.sig_type = 2;
	assert_int_equal(iap_image_check_sig(&x, NULL), 0);
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER),
			 IAP_ERR_NOTSUP);
	/* The same layout with keys refuses the unsigned one. */
	l.trust = &t_main;
	signed_image(&l, img, 3000, 6, 1, NULL, 0, &x);
	assert_int_equal(iap_image_check_fit(&x, &l, LOADER_VER),
			 IAP_ERR_UNSIGNED);
}

/* ---- 2. the server on the simulated flash ---- */

struct rig {
	struct dev d;
	struct iap_layout l;
	struct iap_server srv;
	uint8_t rx[1100], tx[400];
	struct iap_dec dec;
	uint8_t resp[400];
	int responses;
	uint8_t resp_cmd, resp_seq;
	int status;
	uint8_t body[400];
	uint16_t body_len;
	uint8_t seq;
};

static int capture(void *ctx, const uint8_t *data, size_t len)
{
	struct rig *r = ctx;
	size_t used;

	while (len) {
		if (iap_dec_sink(&r->dec, data, len, &used) == IAP_DEC_FRAME &&
		    r->dec.cmd != (IAP_CMD_PROGRESS | IAP_CMD_RESP)) {
			r->responses++;
			r->resp_cmd = r->dec.cmd;
			r->resp_seq = r->dec.seq;
			r->status = (int16_t)iap_get_le16(r->resp);
			r->body_len = (uint16_t)(r->dec.frame_len - 2u);
			memcpy(r->body, &r->resp[2], r->body_len);
		}
		data += used;
		len -= used;
	}
	return 0;
}

/* The board's flash and a copy of its layout with the trust t. */
static void rig_open(struct rig *r, const char *board,
		     const struct iap_trust *t)
{
	memset(r, 0, sizeof(*r));
	open_dev(&r->d, board);
	r->l = *r->d.layout;
	r->l.trust = t;
	r->d.layout = &r->l;
	iap_dec_init(&r->dec, r->resp, sizeof(r->resp));
}

/* Power on: the boot decision, then the server on what it found. */
static void rig_boot(struct rig *r, struct iap_boot_decision *bd)
{
	struct iap_server_cfg cfg;

	decide(&r->d, bd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.flash = r->d.flash;
	cfg.layout = &r->l;
	cfg.loader_version = LOADER_VER;
	cfg.rx_buf = r->rx;
	cfg.rx_cap = (uint16_t)sizeof(r->rx);
	cfg.tx_buf = r->tx;
	cfg.tx_cap = (uint16_t)sizeof(r->tx);
	cfg.scratch = scratch;
	cfg.scratch_size = sizeof(scratch);
	cfg.send = capture;
	cfg.send_ctx = r;
	assert_int_equal(
		iap_server_init(&r->srv, &cfg, bd->app_valid, &bd->hdr), 0);
}

/* One request; returns the server's result (IAP_SERVER_*). */
static int request(struct rig *r, uint8_t cmd, const void *p, uint16_t len)
{
	uint8_t frame[1200];
	uint8_t seq = ++r->seq;
	int n = iap_frame_encode(frame, sizeof(frame), cmd, seq, p, len);
	int before = r->responses;
	int res;

	assert_true(n > 0);
	res = iap_server_input(&r->srv, frame, (size_t)n);
	assert_int_equal(r->responses, before + 1);
	assert_int_equal(r->resp_cmd, cmd | IAP_CMD_RESP);
	assert_int_equal(r->resp_seq, seq);
	return res;
}

static int req(struct rig *r, uint8_t cmd, const void *p, uint16_t len)
{
	(void)request(r, cmd, p, len);
	return r->status;
}

static int start(struct rig *r, uint8_t slot, const struct iap_image_hdr *h)
{
	uint8_t p[IAP_START_REQ_SIZE];

	memset(p, 0, sizeof(p));
	p[0] = slot;
	iap_image_hdr_encode(h, &p[4]);
	return req(r, IAP_CMD_START, p, sizeof(p));
}

static int write_at(struct rig *r, uint32_t off, const uint8_t *data,
		    uint32_t n)
{
	uint8_t p[1100];

	iap_put_le32(p, off);
	memcpy(&p[4], data, n);
	return req(r, IAP_CMD_WRITE, p, (uint16_t)(n + 4u));
}

/* All of buf in 1 KiB chunks, the last one padded to the write unit. */
static void upload(struct rig *r, const uint8_t *buf, uint32_t size)
{
	uint32_t ws = r->d.flash->write_size;

	for (uint32_t off = 0; off < size; off += 1024u) {
		uint8_t chunk[1024];
		uint32_t n = size - off < 1024u ? size - off : 1024u;
		uint32_t padded = (n + ws - 1u) / ws * ws;

		memset(chunk, 0xFF, sizeof(chunk));
		memcpy(chunk, &buf[off], n);
		assert_int_equal(write_at(r, off, chunk, padded), 0);
		assert_int_equal(iap_get_le32(r->body), off + padded);
	}
}

static void info(struct rig *r, struct iap_info *in)
{
	assert_int_equal(req(r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(r->body_len, IAP_INFO_SIZE);
	assert_int_equal(iap_info_decode(r->body, r->body_len, in), 0);
}

static uint8_t *snapshot(const struct rig *r)
{
	uint8_t *p = malloc(r->d.sf.size);

	assert_non_null(p);
	memcpy(p, r->d.sf.mem, r->d.sf.size);
	return p;
}

static const uint8_t *at(const struct rig *r, uint32_t addr)
{
	return &r->d.sf.mem[addr - r->d.sf.base];
}

static int all_erased(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (p[i] != IAP_FLASH_ERASED) {
			return 0;
		}
	}
	return 1;
}

/* A secure device with a signed image, counter 5, installed and booted
 * once (the record is 5 from there on). */
static void rig_installed(struct rig *r, const struct iap_trust *t,
			  struct iap_image_hdr *h)
{
	struct iap_boot_decision bd;

	rig_open(r, SECURE, t);
	signed_image(&r->l, img, 6000, 10, 5, k_good, ID_GOOD, h);
	dev_install(&r->d, img, h);
	rig_boot(r, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_int_equal(record_of(&r->d), 5);
}

enum bad_kind {
	BAD_UNSIGNED,
	BAD_STRANGER,
	BAD_REVOKED,
	BAD_SIG_BIT,
	BAD_WRONG_KEY,
	BAD_KEY_ZERO,
	BAD_SIG_TYPE,
	BAD_COUNTER,
	BAD_BOARD,
	BAD_WRAP,
	BAD_ADDR,
	BAD_COUNT
};

/* A header the secure device must refuse, and the error it gets. */
static int bad_header(const struct iap_layout *l, int kind,
		      struct iap_image_hdr *h)
{
	signed_image(l, img2, 4000, 20, 6, NULL, 0, h);
	switch (kind) {
	case BAD_UNSIGNED:
		return IAP_ERR_UNSIGNED;
	case BAD_STRANGER:
		sign(h, k_stranger, ID_STRANGER);
		return IAP_ERR_KEY;
	case BAD_REVOKED:
		sign(h, k_revoked, ID_REVOKED);
		return IAP_ERR_REVOKED;
	case BAD_SIG_BIT:
		sign(h, k_good, ID_GOOD);
		h->signature[40] ^= 0x10u;
		return IAP_ERR_SIGNATURE;
	case BAD_WRONG_KEY:
		sign(h, k_stranger, ID_GOOD);
		return IAP_ERR_SIGNATURE;
	case BAD_KEY_ZERO:
		sign(h, k_good, ID_GOOD);
		h->key_id = 0;
		return IAP_ERR_KEY;
	case BAD_SIG_TYPE:
		sign(h, k_good, ID_GOOD);
		h->sig_type = 2;
		return IAP_ERR_NOTSUP;
	case BAD_COUNTER:
		h->security_counter = 3;
		sign(h, k_good, ID_GOOD);
		return IAP_ERR_ROLLBACK;
	case BAD_BOARD:
		h->board_id = 0x04070000u;
		sign(h, k_good, ID_GOOD);
		return IAP_ERR_BOARD;
	case BAD_WRAP:
		h->image_size = 0xFFFFFFF0u;
		sign(h, k_good, ID_GOOD);
		return IAP_ERR_FBIG;
	default:
		h->load_addr = l->app_addr + 0x400u;
		sign(h, k_good, ID_GOOD);
		return IAP_ERR_RANGE;
	}
}

/*
 * Every refused START, to either slot, leaves the flash as it was (not
 * one erase or program) and the installed image valid: INFO says so,
 * BOOT is taken and the next boot decision still finds it.
 */
static void test_server_start_refused(void **state)
{
	struct iap_boot_decision bd;
	struct iap_image_hdr h, bad;
	struct iap_info in;
	static struct rig r;
	(void)state;

	rig_installed(&r, &t_main, &h);
	for (int kind = 0; kind < BAD_COUNT; kind++) {
		for (uint8_t slot = 0; slot < 2; slot++) {
			int want = bad_header(&r.l, kind, &bad);
			uint64_t erases = r.d.sf.erases;
			uint64_t progs = r.d.sf.progs;
			uint8_t *before = snapshot(&r);
			int got = start(&r, slot, &bad);

			if (got != want) {
				print_error("kind %d slot %u: %d, want %d\n",
					    kind, (unsigned)slot, got, want);
			}
			assert_int_equal(got, want);
			assert_int_equal(r.d.sf.erases, erases);
			assert_int_equal(r.d.sf.progs, progs);
			assert_memory_equal(r.d.sf.mem, before, r.d.sf.size);
			free(before);
			info(&r, &in);
			assert_int_equal(in.app_valid, 1);
			assert_int_equal(in.state, IAP_STATE_IDLE);
			assert_int_equal(in.app_counter, 5);
			assert_int_equal(in.rollback, 5);
			assert_int_equal(in.stage_state, IAP_STAGE_EMPTY);
			/* No session: a WRITE is refused, nothing written. */
			assert_int_equal(write_at(&r, 0, img2, 16),
					 IAP_ERR_PERM);
			assert_int_equal(r.d.sf.progs, progs);
		}
	}
	assert_int_equal(request(&r, IAP_CMD_BOOT, NULL, 0), IAP_SERVER_BOOT);
	assert_int_equal(r.status, 0);
	decide(&r.d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_memory_equal(&bd.hdr, &h, sizeof(h));
	/* The same counter as the record is taken: the refusals were
	 * specific. */
	signed_image(&r.l, img2, 4000, 20, 5, k_other, ID_OTHER, &bad);
	assert_int_equal(start(&r, IAP_SLOT_STAGE, &bad), 0);
	assert_true(r.d.sf.erases > 0);
	close_dev(&r.d);
}

/*
 * A valid signature over the header does not make the payload right:
 * WRITEs of other bytes (same vector table) fail the hash at FINISH and
 * nothing is committed, to the app slot or the stage.
 */
static void test_server_finish_wrong_payload(void **state)
{
	struct iap_boot_decision bd;
	struct iap_image_hdr h, nh, got;
	struct iap_boot_record rec;
	struct iap_info in;
	static struct rig r;
	(void)state;

	/* Stage slot: the installed image stays, nothing is pending. */
	rig_installed(&r, &t_main, &h);
	signed_image(&r.l, img2, 5001, 30, 6, k_good, ID_GOOD, &nh);
	make_image(&r.l, img2, 5001, 31, &got, 6, 0); /* other bytes */
	assert_memory_not_equal(got.sha256, nh.sha256, IAP_IMAGE_HASH_SIZE);
	assert_int_equal(start(&r, IAP_SLOT_STAGE, &nh), 0);
	upload(&r, img2, 5001);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), IAP_ERR_CORRUPT);
	assert_int_equal(iap_stage_state(r.d.flash, &r.l, NULL),
			 IAP_STAGE_EMPTY);
	info(&r, &in);
	assert_int_equal(in.state, IAP_STATE_IDLE);
	assert_int_equal(in.app_valid, 1);
	assert_int_equal(in.stage_state, IAP_STAGE_EMPTY);
	assert_int_equal(iap_install(r.d.flash, &r.l, LOADER_VER, scratch,
				     sizeof(scratch), &rec),
			 0);
	assert_int_equal(rec.event, IAP_EVENT_NONE);
	decide(&r.d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_memory_equal(&bd.hdr, &h, sizeof(h));
	assert_int_equal(record_of(&r.d), 5);

	/* App slot: the old image went with START; no record after. */
	assert_int_equal(start(&r, IAP_SLOT_APP, &nh), 0);
	upload(&r, img2, 5001);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), IAP_ERR_CORRUPT);
	assert_int_equal(iap_image_read_meta(r.d.flash, &r.l, &got),
			 IAP_ERR_NOENT);
	info(&r, &in);
	assert_int_equal(in.app_valid, 0);
	assert_int_equal(in.app_counter, 0);
	assert_int_equal(req(&r, IAP_CMD_BOOT, NULL, 0), IAP_ERR_NOENT);
	decide(&r.d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_NO_IMAGE);
	assert_int_equal(bd.app_valid, 0);
	assert_int_equal(record_of(&r.d), 5);

	/* The right bytes under the same header are taken, signature and
	 * all. */
	signed_image(&r.l, img2, 5001, 30, 6, k_good, ID_GOOD, &nh);
	assert_int_equal(start(&r, IAP_SLOT_APP, &nh), 0);
	upload(&r, img2, 5001);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_int_equal(iap_image_read_meta(r.d.flash, &r.l, &got), 0);
	assert_memory_equal(&got, &nh, sizeof(nh));
	decide(&r.d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_int_equal(record_of(&r.d), 6);
	close_dev(&r.d);
}

/* WRITEs past the signed size are refused; nothing lands behind it. */
static void test_server_write_past_size(void **state)
{
	struct iap_boot_decision bd;
	struct iap_image_hdr h;
	uint8_t chunk[1040];
	uint64_t progs;
	static struct rig r;
	uint32_t end;
	(void)state;

	memset(chunk, 0, sizeof(chunk));
	/* A whole slot: the next page is the scratch of the swap. */
	rig_open(&r, SECURE, &t_main);
	rig_boot(&r, &bd);
	end = r.l.app_addr + r.l.app_size;
	assert_int_equal(r.l.scratch_addr, end);
	signed_image(&r.l, img, r.l.app_size, 40, 1, k_good, ID_GOOD, &h);
	assert_int_equal(start(&r, IAP_SLOT_APP, &h), 0);
	upload(&r, img, r.l.app_size - 1024u);
	progs = r.d.sf.progs;
	assert_int_equal(write_at(&r, r.l.app_size, chunk, 2), IAP_ERR_FAULT);
	assert_int_equal(write_at(&r, r.l.app_size - 2u, chunk, 4),
			 IAP_ERR_FAULT);
	assert_int_equal(write_at(&r, r.l.app_size - 1024u, chunk, 1026),
			 IAP_ERR_FAULT);
	assert_int_equal(write_at(&r, 0xFFFFFFFEu, chunk, 4), IAP_ERR_FAULT);
	assert_int_equal(r.d.sf.progs, progs);
	assert_int_equal(write_at(&r, r.l.app_size - 1024u,
				  &img[r.l.app_size - 1024u], 1024),
			 0);
	assert_int_equal(write_at(&r, r.l.app_size, chunk, 2), IAP_ERR_FAULT);
	assert_true(all_erased(at(&r, end), r.l.scratch_size));
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_true(all_erased(at(&r, end), r.l.scratch_size));
	close_dev(&r.d);

	/* An odd size: the padded last unit is the end. */
	rig_open(&r, SECURE, &t_main);
	rig_boot(&r, &bd);
	signed_image(&r.l, img, 3001, 41, 1, k_good, ID_GOOD, &h);
	assert_int_equal(start(&r, IAP_SLOT_APP, &h), 0);
	upload(&r, img, 3001);
	progs = r.d.sf.progs;
	assert_int_equal(write_at(&r, 3002, chunk, 2), IAP_ERR_FAULT);
	assert_int_equal(write_at(&r, 3000, chunk, 4), IAP_ERR_FAULT);
	assert_int_equal(r.d.sf.progs, progs);
	assert_true(
		all_erased(at(&r, r.l.app_addr + 3002u), r.l.app_size - 3002u));
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_true(
		all_erased(at(&r, r.l.app_addr + 3002u), r.l.app_size - 3002u));
	close_dev(&r.d);
}

/*
 * A refused START must not forget a staged image that FINISH committed:
 * the flash still holds it pending, so BOOT (which installs it) must be
 * taken after any refusal alike.
 *
 * Regression: cmd_start() cleared s->staged (and the VERIFIED state)
 * before iap_stage_open_at(), so a START that the counter check refused
 * (IAP_ERR_ROLLBACK, likewise RANGE/ALIGN of a resume) left the server
 * thinking nothing was staged: BOOT was answered IAP_ERR_NOENT while INFO
 * said the stage was pending. A header refused earlier (IAP_ERR_UNSIGNED)
 * kept it.
 */
static void test_server_refused_start_keeps_staged(void **state)
{
	struct iap_boot_decision bd;
	struct iap_image_hdr h, bad;
	struct iap_info in;
	static struct rig r;
	(void)state;

	for (int kind = 0; kind < 2; kind++) {
		rig_open(&r, SECURE, &t_main);
		assert_int_equal(iap_rollback_raise(r.d.flash,
						    r.l.rollback_addr,
						    r.l.rollback_size, 5),
				 0);
		rig_boot(&r, &bd);
		assert_int_equal(bd.reason, IAP_REASON_NO_IMAGE);
		signed_image(&r.l, img, 4000, 50, 6, k_good, ID_GOOD, &h);
		assert_int_equal(start(&r, IAP_SLOT_STAGE, &h), 0);
		upload(&r, img, 4000);
		assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
		(void)bad_header(&r.l, kind ? BAD_COUNTER : BAD_UNSIGNED, &bad);
		assert_int_equal(start(&r, IAP_SLOT_APP, &bad),
				 kind ? IAP_ERR_ROLLBACK : IAP_ERR_UNSIGNED);
		info(&r, &in);
		assert_int_equal(in.stage_state, IAP_STAGE_PENDING);
		if (!kind) {
			assert_int_equal(request(&r, IAP_CMD_BOOT, NULL, 0),
					 IAP_SERVER_BOOT);
		} else {
			int res = request(&r, IAP_CMD_BOOT, NULL, 0);

			if (res != IAP_SERVER_BOOT) {
				print_error("BOOT after a ROLLBACK refusal: "
					    "status %d, staged %u\n",
					    r.status, (unsigned)r.srv.staged);
			}
			assert_int_equal(res, IAP_SERVER_BOOT);
		}
		close_dev(&r.d);
	}
}

/* ---- 3. the anti-rollback record through the boot decision ---- */

static void test_rollback_single_slot(void **state)
{
	struct iap_boot_decision bd;
	struct iap_image_hdr h;
	static struct dev d;
	struct iap_layout l;
	uint64_t ops;
	(void)state;

	open_dev(&d, SECURE);
	l = *d.layout;
	l.install = IAP_INSTALL_NONE;
	l.trust = &t_main;
	d.layout = &l;
	assert_int_equal(iap_layout_check(&l, d.flash), 0);
	assert_int_equal(record_of(&d), 0);

	signed_image(&l, img, 3000, 60, 5, k_good, ID_GOOD, &h);
	dev_install(&d, img, &h);
	decide(&d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_int_equal(record_of(&d), 5);
	/* Again: the record already says so, no flash operation. */
	ops = d.sf.ops_done;
	decide(&d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_int_equal(d.sf.ops_done, ops);

	/* An older image in the meta record: refused, record kept. */
	signed_image(&l, img, 3000, 61, 3, k_good, ID_GOOD, &h);
	dev_install(&d, img, &h);
	ops = d.sf.ops_done;
	decide(&d, &bd);
	assert_int_equal(bd.action, IAP_BOOT_UPDATE);
	assert_int_equal(bd.reason, IAP_REASON_BAD_IMAGE);
	assert_int_equal(bd.err, IAP_ERR_ROLLBACK);
	assert_int_equal(bd.app_valid, 0);
	assert_int_equal(d.sf.ops_done, ops);
	assert_int_equal(record_of(&d), 5);

	/* The same counter boots; a higher one raises the record. */
	signed_image(&l, img, 3000, 62, 5, k_good, ID_GOOD, &h);
	dev_install(&d, img, &h);
	decide(&d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_int_equal(record_of(&d), 5);
	signed_image(&l, img, 3000, 63, 9, k_other, ID_OTHER, &h);
	dev_install(&d, img, &h);
	decide(&d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_int_equal(record_of(&d), 9);
	close_dev(&d);
}

/* Stage buf for h the way FINISH leaves it: payload, then the record. */
static void stage(struct dev *d, const uint8_t *buf,
		  const struct iap_image_hdr *h)
{
	const struct iap_layout *l = d->layout;
	uint32_t ws = d->flash->write_size;
	uint32_t whole = h->image_size / ws * ws;
	uint8_t last[16];

	assert_int_equal(iap_flash_erase_span(d->flash, l->stage_meta_addr,
					      l->stage_meta_size),
			 0);
	assert_int_equal(
		iap_flash_erase_span(d->flash, l->stage_addr, h->image_size),
		0);
	assert_int_equal(
		d->flash->prog(d->flash->ctx, l->stage_addr, buf, whole), 0);
	if (whole < h->image_size) {
		memset(last, IAP_FLASH_ERASED, sizeof(last));
		memcpy(last, &buf[whole], h->image_size - whole);
		assert_int_equal(d->flash->prog(d->flash->ctx,
						l->stage_addr + whole, last,
						ws),
				 0);
	}
	assert_int_equal(
		iap_image_write_record(d->flash, l->stage_meta_addr, h), 0);
}

/* Old image (counter 2) confirmed, a new one (counter 5) swapped in on
 * trial. */
static void swap_to_trial(struct dev *d, struct iap_layout *l,
			  struct iap_image_hdr *ho, struct iap_image_hdr *hn)
{
	struct iap_boot_decision bd;
	struct iap_boot_record rec;
	struct iap_state st;
	uint64_t ops;

	open_dev(d, SECURE);
	*l = *d->layout;
	l->trust = &t_main;
	d->layout = l;
	assert_int_equal(l->install, IAP_INSTALL_SWAP);
	signed_image(l, img, 4000, 70, 2, k_good, ID_GOOD, ho);
	dev_install(d, img, ho);
	decide(d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_int_equal(record_of(d), 2);

	signed_image(l, img2, 5000, 71, 5, k_good, ID_GOOD, hn);
	stage(d, img2, hn);
	assert_int_equal(iap_install(d->flash, l, LOADER_VER, scratch,
				     sizeof(scratch), &rec),
			 0);
	assert_int_equal(rec.event, IAP_EVENT_INSTALLED);
	assert_int_equal(iap_state_read(d->flash, l, &st), 0);
	assert_int_equal(st.image, IAP_IMAGE_TEST);
	/* On trial: it boots, and the record stays where it was. */
	ops = d->sf.ops_done;
	decide(d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_int_equal(bd.app_valid, 1);
	assert_int_equal(bd.hdr.security_counter, 5);
	assert_int_equal(d->sf.ops_done, ops);
	assert_int_equal(record_of(d), 2);
}

static void test_rollback_swap_confirmed(void **state)
{
	struct iap_boot_decision bd;
	struct iap_image_hdr ho, hn;
	struct iap_layout l;
	static struct dev d;
	(void)state;

	swap_to_trial(&d, &l, &ho, &hn);
	assert_int_equal(iap_confirm(d.flash, &l), 0);
	decide(&d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_memory_equal(&bd.hdr, &hn, sizeof(hn));
	assert_int_equal(record_of(&d), 5);
	close_dev(&d);
}

/* Not confirmed: the revert brings back the old image, which still
 * boots because the trial did not raise the record. */
static void test_rollback_swap_reverted(void **state)
{
	struct iap_boot_decision bd;
	struct iap_image_hdr ho, hn;
	struct iap_boot_record rec;
	struct iap_layout l;
	static struct dev d;
	(void)state;

	swap_to_trial(&d, &l, &ho, &hn);
	assert_int_equal(iap_install(d.flash, &l, LOADER_VER, scratch,
				     sizeof(scratch), &rec),
			 0);
	assert_int_equal(rec.event, IAP_EVENT_REVERTED);
	decide(&d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_memory_equal(&bd.hdr, &ho, sizeof(ho));
	assert_int_equal(record_of(&d), 2);
	close_dev(&d);
}

/* The install step checks a staged image as START would. */
static void test_install_refuses_staged(void **state)
{
	struct iap_boot_decision bd;
	struct iap_image_hdr ho, hs;
	struct iap_boot_record rec;
	struct iap_layout l;
	static struct dev d;
	(void)state;

	open_dev(&d, SECURE);
	l = *d.layout;
	l.trust = &t_main;
	d.layout = &l;
	signed_image(&l, img, 4000, 80, 4, k_good, ID_GOOD, &ho);
	dev_install(&d, img, &ho);
	decide(&d, &bd);
	assert_int_equal(record_of(&d), 4);
	for (int kind = 0; kind < 3; kind++) {
		int want = kind == 0 ? IAP_ERR_UNSIGNED
				     : (kind == 1 ? IAP_ERR_ROLLBACK
						  : IAP_ERR_SIGNATURE);

		signed_image(&l, img2, 3000, 81, kind == 1 ? 3u : 6u,
			     kind ? k_good : NULL, ID_GOOD, &hs);
		if (kind == 2) {
			hs.signature[63] ^= 0x01u;
		}
		stage(&d, img2, &hs);
		assert_int_equal(iap_install(d.flash, &l, LOADER_VER, scratch,
					     sizeof(scratch), &rec),
				 0);
		assert_int_equal(rec.event, IAP_EVENT_REFUSED);
		assert_int_equal(rec.err, want);
		decide(&d, &bd);
		assert_int_equal(bd.reason, IAP_REASON_VALID);
		assert_memory_equal(&bd.hdr, &ho, sizeof(ho));
	}
	assert_int_equal(record_of(&d), 4);
	close_dev(&d);
}

/* ---- 4. the signature at every boot ---- */

static void test_boot_sig_policy(void **state)
{
	struct iap_boot_decision bd;
	struct iap_image_hdr h, x;
	struct iap_layout l;
	static struct dev d;
	(void)state;

	open_dev(&d, SECURE);
	l = *d.layout;
	l.install = IAP_INSTALL_NONE;
	l.trust = &t_bootsig;
	d.layout = &l;
	signed_image(&l, img, 7000, 90, 2, k_good, ID_GOOD, &h);
	dev_install(&d, img, &h);
	decide(&d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);

	/* The meta record rewritten with one signature bit changed (CRC
	 * right, payload and hash untouched). */
	x = h;
	x.signature[17] ^= 0x80u;
	assert_int_equal(
		iap_flash_erase_span(d.flash, l.meta_addr, l.meta_size), 0);
	assert_int_equal(iap_image_write_meta(d.flash, &l, &x), 0);
	assert_int_equal(iap_image_read_meta(d.flash, &l, &bd.hdr), 0);
	assert_memory_equal(&bd.hdr, &x, sizeof(x));
	decide(&d, &bd);
	assert_int_equal(bd.action, IAP_BOOT_UPDATE);
	assert_int_equal(bd.reason, IAP_REASON_BAD_IMAGE);
	assert_int_equal(bd.err, IAP_ERR_SIGNATURE);
	assert_int_equal(bd.app_valid, 0);
	l.trust = &t_main;
	decide(&d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_int_equal(bd.action, IAP_BOOT_JUMP);

	/* Unsigned in the record: the same. */
	signed_image(&l, img, 7000, 90, 2, NULL, 0, &x);
	assert_int_equal(
		iap_flash_erase_span(d.flash, l.meta_addr, l.meta_size), 0);
	assert_int_equal(iap_image_write_meta(d.flash, &l, &x), 0);
	l.trust = &t_bootsig;
	decide(&d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_BAD_IMAGE);
	assert_int_equal(bd.err, IAP_ERR_UNSIGNED);
	l.trust = &t_main;
	decide(&d, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);

	/* The hash is checked with or without the flag. */
	x = h;
	x.sha256[0] ^= 1u;
	sign(&x, k_good, ID_GOOD);
	assert_int_equal(
		iap_flash_erase_span(d.flash, l.meta_addr, l.meta_size), 0);
	assert_int_equal(iap_image_write_meta(d.flash, &l, &x), 0);
	decide(&d, &bd);
	assert_int_equal(bd.err, IAP_ERR_CORRUPT);
	l.trust = &t_bootsig;
	decide(&d, &bd);
	assert_int_equal(bd.err, IAP_ERR_CORRUPT);
	close_dev(&d);
}

/* ---- 5. INFO ---- */

static void test_info_reports_trust(void **state)
{
	static struct iap_pubkey many[300];
	struct iap_trust t_many = {many, 300, 0};
	struct iap_boot_decision bd;
	struct iap_image_hdr h;
	struct iap_info in;
	static struct rig r;
	(void)state;

	/* Sample key, boot check, record: everything. */
	rig_installed(&r, &t_sample, &h);
	info(&r, &in);
	assert_int_equal(in.trust, IAP_TRUST_INFO_SIGNED |
					   IAP_TRUST_INFO_BOOT_SIG |
					   IAP_TRUST_INFO_SAMPLE |
					   IAP_TRUST_INFO_ROLLBACK);
	assert_int_equal(in.key_count, 4);
	assert_int_equal(in.rollback, 5);
	assert_int_equal(in.app_counter, 5);
	assert_int_equal(in.board_id, SECURE_ID);
	/* An update: its counter at once, the record at the next boot. */
	signed_image(&r.l, img2, 2222, 100, 8, k_other, ID_OTHER, &h);
	assert_int_equal(start(&r, IAP_SLOT_APP, &h), 0);
	upload(&r, img2, 2222);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	info(&r, &in);
	assert_int_equal(in.app_valid, 1);
	assert_int_equal(in.app_counter, 8);
	assert_int_equal(in.rollback, 5);
	rig_boot(&r, &bd);
	info(&r, &in);
	assert_int_equal(in.rollback, 8);
	assert_int_equal(in.app_counter, 8);
	close_dev(&r.d);

	/* No sample key, no boot check. */
	rig_installed(&r, &t_main, &h);
	info(&r, &in);
	assert_int_equal(in.trust,
			 IAP_TRUST_INFO_SIGNED | IAP_TRUST_INFO_ROLLBACK);
	assert_int_equal(in.key_count, 3);
	close_dev(&r.d);

	/* Keys without a record; the count saturates. */
	rig_open(&r, "f103c8", &t_many);
	rig_boot(&r, &bd);
	info(&r, &in);
	assert_int_equal(in.trust, IAP_TRUST_INFO_SIGNED);
	assert_int_equal(in.key_count, 255);
	assert_int_equal(in.rollback, 0);
	assert_int_equal(in.app_counter, 0);
	close_dev(&r.d);

	/* An open device still tells its image's counter. */
	rig_open(&r, "f103c8", NULL);
	signed_image(&r.l, img, 1500, 101, 3, NULL, 0, &h);
	dev_install(&r.d, img, &h);
	rig_boot(&r, &bd);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	info(&r, &in);
	assert_int_equal(in.trust, 0);
	assert_int_equal(in.key_count, 0);
	assert_int_equal(in.rollback, 0);
	assert_int_equal(in.app_counter, 3);
	close_dev(&r.d);
}

static void test_info_codec(void **state)
{
	uint8_t buf[IAP_INFO_SIZE + 8];
	struct iap_info in, out;
	(void)state;

	memset(&in, 0, sizeof(in));
	in.proto_version = 2;
	in.window = 7;
	in.rx_ring = 4096;
	in.trust = 0x0F;
	in.key_count = 200;
	in.rollback = 0xA1B2C3D4u;
	in.app_counter = 0x01020304u;
	assert_int_equal(iap_info_encode(&in, buf), IAP_INFO_SIZE);
	assert_int_equal(buf[IAP_INFO_EXT3_OFF], 0x0F);
	assert_int_equal(buf[IAP_INFO_EXT3_OFF + 1], 200);
	assert_int_equal(iap_get_le32(&buf[IAP_INFO_EXT3_OFF + 4]),
			 0xA1B2C3D4u);
	assert_int_equal(iap_get_le32(&buf[IAP_INFO_EXT3_OFF + 8]),
			 0x01020304u);
	assert_int_equal(iap_info_decode(buf, IAP_INFO_SIZE, &out), 0);
	assert_int_equal(out.trust, 0x0F);
	assert_int_equal(out.key_count, 200);
	assert_int_equal(out.rollback, 0xA1B2C3D4u);
	assert_int_equal(out.app_counter, 0x01020304u);
	assert_int_equal(out.window, 7);
	assert_int_equal(out.rx_ring, 4096);

	/* A device from before signatures: the body ends at EXT3. */
	for (size_t len = IAP_INFO_EXT3_OFF; len < IAP_INFO_SIZE; len++) {
		assert_int_equal(iap_info_decode(buf, len, &out), 0);
		assert_int_equal(out.window, 7);
		assert_int_equal(out.rx_ring, 4096);
		assert_int_equal(out.trust, 0);
		assert_int_equal(out.key_count, 0);
		assert_int_equal(out.rollback, 0);
		assert_int_equal(out.app_counter, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sig_valid_and_refused,
					  close_all),
		cmocka_unit_test_teardown(test_sig_every_signed_bit, close_all),
		cmocka_unit_test_teardown(test_sig_every_signature_bit,
					  close_all),
		cmocka_unit_test_teardown(test_sig_malleable_s, close_all),
		cmocka_unit_test_teardown(test_sig_wrapping_size, close_all),
		cmocka_unit_test_teardown(test_open_device, close_all),
		cmocka_unit_test_teardown(test_server_start_refused, close_all),
		cmocka_unit_test_teardown(test_server_finish_wrong_payload,
					  close_all),
		cmocka_unit_test_teardown(test_server_write_past_size,
					  close_all),
		cmocka_unit_test_teardown(
			test_server_refused_start_keeps_staged, close_all),
		cmocka_unit_test_teardown(test_rollback_single_slot, close_all),
		cmocka_unit_test_teardown(test_rollback_swap_confirmed,
					  close_all),
		cmocka_unit_test_teardown(test_rollback_swap_reverted,
					  close_all),
		cmocka_unit_test_teardown(test_install_refuses_staged,
					  close_all),
		cmocka_unit_test_teardown(test_boot_sig_policy, close_all),
		cmocka_unit_test_teardown(test_info_reports_trust, close_all),
		cmocka_unit_test_teardown(test_info_codec, close_all),
	};

	return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
