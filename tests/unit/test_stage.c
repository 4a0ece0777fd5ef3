/*
 * The stage writer (src/stage.c) on the staged F1 (2-byte write unit) and
 * F4 (4-byte write unit) boards: the happy path with in-order writes and
 * with appends of odd sizes, headers refused before any erase, the write
 * rules, a failed verification, a flash error, and layouts without a stage.
 * Each case also checks that the installed image is never touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper_dev.h"
#include "iap/iap_boot.h"
#include "iap/iap_crc.h"
#include "iap/iap_err.h"
#include "iap/iap_install.h"
#include "iap/iap_sha256.h"
#include "iap/iap_stage.h"

static uint8_t scratch[256];

/* A board with an installed image (version 1) and what it looked like. */
struct rig {
	struct dev d;
	uint8_t *old;
	struct iap_image_hdr ho;
	uint8_t *meta_copy, *app_copy; /* meta and app slot as installed */
	struct iap_stage_writer w;
};

static void rig_open(struct rig *r, const char *board)
{
	const struct iap_layout *l;

	memset(r, 0, sizeof(*r));
	dev_open(&r->d, board);
	l = r->d.layout;
	r->old = malloc(4000);
	assert_non_null(r->old);
	make_image(l, r->old, 4000, 1, &r->ho, 1, 0);
	dev_install(&r->d, r->old, &r->ho);
	r->meta_copy = malloc(l->meta_size);
	r->app_copy = malloc(l->app_size);
	assert_non_null(r->meta_copy);
	assert_non_null(r->app_copy);
	memcpy(r->meta_copy, &r->d.sf.mem[l->meta_addr - r->d.sf.base],
	       l->meta_size);
	memcpy(r->app_copy, &r->d.sf.mem[l->app_addr - r->d.sf.base],
	       l->app_size);
}

/* The installed image: same bytes in meta and slot, and it boots. */
static void assert_installed_untouched(struct rig *r)
{
	const struct iap_layout *l = r->d.layout;
	struct iap_boot_decision bd;

	assert_memory_equal(&r->d.sf.mem[l->meta_addr - r->d.sf.base],
			    r->meta_copy, l->meta_size);
	assert_memory_equal(&r->d.sf.mem[l->app_addr - r->d.sf.base],
			    r->app_copy, l->app_size);
	assert_int_equal(iap_boot_decide(r->d.flash, l, LOADER_VER, 0, scratch,
					 sizeof(scratch), &bd),
			 0);
	assert_int_equal(bd.action, IAP_BOOT_JUMP);
	assert_int_equal(bd.hdr.version.major, 1);
}

static void rig_free(struct rig *r)
{
	dev_close(&r->d);
	free(r->old);
	free(r->meta_copy);
	free(r->app_copy);
}

static void rig_close(struct rig *r)
{
	assert_installed_untouched(r);
	rig_free(r);
}

static int begin(struct rig *r, const struct iap_image_hdr *h)
{
	uint8_t raw[IAP_IMAGE_HDR_SIZE];

	iap_image_hdr_encode(h, raw);
	return iap_stage_begin(&r->w, r->d.flash, r->d.layout, raw, LOADER_VER);
}

static int finish(struct rig *r)
{
	return iap_stage_finish(&r->w, scratch, sizeof(scratch), LOADER_VER);
}

static const uint8_t *stage_mem(struct rig *r)
{
	return &r->d.sf.mem[r->d.layout->stage_addr - r->d.sf.base];
}

/* Pending, with header h, and the stage holds img then 0xFF padding. */
static void assert_pending(struct rig *r, const uint8_t *img,
			   const struct iap_image_hdr *h)
{
	uint32_t ws = r->d.flash->write_size;
	uint32_t padded = (h->image_size + ws - 1) / ws * ws;
	struct iap_image_hdr got;

	assert_int_equal(r->w.state, IAP_WRITER_DONE);
	assert_int_equal(iap_stage_state(r->d.flash, r->d.layout, &got),
			 IAP_STAGE_PENDING);
	assert_memory_equal(&got, h, sizeof(got));
	assert_memory_equal(stage_mem(r), img, h->image_size);
	for (uint32_t i = h->image_size; i < padded; i++) {
		assert_int_equal(stage_mem(r)[i], 0xFF);
	}
}

/* In order, chunk bytes at a time, the last chunk padded to the unit. */
static void write_all(struct rig *r, const uint8_t *img, uint32_t size,
		      uint32_t chunk)
{
	uint32_t ws = r->d.flash->write_size;
	uint8_t buf[1024];

	assert_true(chunk <= sizeof(buf) && chunk % ws == 0);
	for (uint32_t off = 0; off < size; off += chunk) {
		uint32_t n = size - off < chunk ? size - off : chunk;
		uint32_t padded = (n + ws - 1) / ws * ws;

		memset(buf, 0xFF, sizeof(buf));
		memcpy(buf, &img[off], n);
		assert_int_equal(iap_stage_write(&r->w, off, buf, padded), 0);
		assert_int_equal(r->w.next_off, off + padded);
	}
}

static void happy(const char *board, uint32_t size)
{
	uint8_t *img = malloc(size);
	struct iap_image_hdr h;
	struct iap_boot_record rec;
	struct rig r;

	rig_open(&r, board);
	make_image(r.d.layout, img, size, 2, &h, 2, 0);
	assert_int_equal(begin(&r, &h), 0);
	assert_int_equal(r.w.state, IAP_WRITER_RECEIVING);
	write_all(&r, img, size, 1000);
	/* Everything is in, nothing is pending before finish. */
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_EMPTY);
	assert_int_equal(finish(&r), 0);
	assert_pending(&r, img, &h);
	assert_installed_untouched(&r);
	/* What the bootloader does with it at the next boot. */
	assert_int_equal(iap_install(r.d.flash, r.d.layout, LOADER_VER, scratch,
				     sizeof(scratch), &rec),
			 0);
	assert_int_equal(rec.event, IAP_EVENT_INSTALLED);
	assert_memory_equal(&r.d.sf.mem[r.d.layout->app_addr - r.d.sf.base],
			    img, size);
	rig_free(&r);
	free(img);
}

static void test_happy_f103(void **state)
{
	(void)state;
	happy("f103cb-staged", 9001);
}

static void test_happy_f407(void **state)
{
	(void)state;
	happy("f407vg-staged", 20003);
}

/* Every hostile header: the right error, no flash op, writer unchanged. */
static void test_hostile_headers_refused_before_erase(void **state)
{
	struct iap_image_hdr h, bad;
	struct iap_layout lb;
	struct iap_stage_writer before;
	uint8_t raw[IAP_IMAGE_HDR_SIZE];
	uint8_t img[64];
	struct rig r;
	uint64_t ops, erases, progs;
	(void)state;

	rig_open(&r, "f103cb-staged");
	make_image(r.d.layout, img, sizeof(img), 3, &h, 2, 0);
	memset(&r.w, 0xA5, sizeof(r.w));
	memcpy(&before, &r.w, sizeof(before));
	ops = r.d.sf.ops_done;
	erases = r.d.sf.erases;
	progs = r.d.sf.progs;

	bad = h;
	bad.image_size = 0;
	assert_int_equal(begin(&r, &bad), IAP_ERR_BADMSG);
	bad = h;
	bad.image_size = r.d.layout->app_size + 1;
	assert_int_equal(begin(&r, &bad), IAP_ERR_FBIG);
	/* Fits the app slot (56 KiB), not the stage (55 KiB). */
	bad = h;
	bad.image_size = r.d.layout->stage_size + 2;
	assert_true(bad.image_size <= r.d.layout->app_size);
	assert_int_equal(begin(&r, &bad), IAP_ERR_FBIG);
	bad = h;
	bad.image_size = 0xFFFFFFF0u;
	assert_int_equal(begin(&r, &bad), IAP_ERR_FBIG);
	/* Linked for the stage slot: it would run from the app slot. */
	bad = h;
	bad.load_addr = r.d.layout->stage_addr;
	assert_int_equal(begin(&r, &bad), IAP_ERR_RANGE);
	bad = h;
	bad.min_loader = IAP_LOADER_VERSION(200, 0, 0);
	assert_int_equal(begin(&r, &bad), IAP_ERR_OLDLOADER);
	bad = h;
	bad.sig_type = 2;
	assert_int_equal(begin(&r, &bad), IAP_ERR_NOTSUP);
	bad = h;
	bad.flags = 0x80000000u;
	assert_int_equal(begin(&r, &bad), IAP_ERR_BADMSG);
	/* Another board's image on a board with an id. */
	lb = *r.d.layout;
	lb.board_id = 7;
	bad = h;
	bad.board_id = 8;
	iap_image_hdr_encode(&bad, raw);
	assert_int_equal(iap_stage_begin(&r.w, r.d.flash, &lb, raw, LOADER_VER),
			 IAP_ERR_BOARD);
	/* Broken CRC, bad magic, wrong header size. */
	iap_image_hdr_encode(&h, raw);
	raw[20] ^= 1;
	assert_int_equal(
		iap_stage_begin(&r.w, r.d.flash, r.d.layout, raw, LOADER_VER),
		IAP_ERR_CORRUPT);
	iap_image_hdr_encode(&h, raw);
	raw[0] = 'X';
	assert_int_equal(
		iap_stage_begin(&r.w, r.d.flash, r.d.layout, raw, LOADER_VER),
		IAP_ERR_BADMSG);
	iap_image_hdr_encode(&h, raw);
	raw[7] = 2; /* header size 512 */
	assert_int_equal(
		iap_stage_begin(&r.w, r.d.flash, r.d.layout, raw, LOADER_VER),
		IAP_ERR_BADMSG);
	/* A reserved byte set, behind a good CRC. */
	iap_image_hdr_encode(&h, raw);
	raw[40] = 1;
	iap_put_le32(&raw[252], iap_crc32(0, raw, 252));
	assert_int_equal(
		iap_stage_begin(&r.w, r.d.flash, r.d.layout, raw, LOADER_VER),
		IAP_ERR_BADMSG);

	assert_int_equal(r.d.sf.ops_done, ops);
	assert_int_equal(r.d.sf.erases, erases);
	assert_int_equal(r.d.sf.progs, progs);
	assert_memory_equal(&r.w, &before, sizeof(before));
	rig_close(&r);
}

/* A refused header in the middle of a session: the session goes on. */
static void test_refused_begin_keeps_session(void **state)
{
	static uint8_t img[3000];
	struct iap_image_hdr h, bad;
	struct rig r;
	uint64_t ops;
	(void)state;

	rig_open(&r, "f407vg-staged");
	make_image(r.d.layout, img, sizeof(img), 4, &h, 2, 0);
	assert_int_equal(begin(&r, &h), 0);
	assert_int_equal(iap_stage_write(&r.w, 0, img, 1000), 0);
	ops = r.d.sf.ops_done;
	bad = h;
	bad.load_addr += 4;
	assert_int_equal(begin(&r, &bad), IAP_ERR_RANGE);
	assert_int_equal(r.d.sf.ops_done, ops);
	assert_int_equal(r.w.state, IAP_WRITER_RECEIVING);
	assert_int_equal(r.w.next_off, 1000);
	write_all(&r, img, sizeof(img), 1000);
	assert_int_equal(finish(&r), 0);
	assert_pending(&r, img, &h);
	rig_close(&r);
}

static void test_layout_without_stage_refused(void **state)
{
	static uint8_t img[4096];
	struct iap_image_hdr h;
	struct iap_layout none;
	uint8_t raw[IAP_IMAGE_HDR_SIZE];
	struct iap_stage_writer w;
	struct dev d;
	uint64_t ops;
	(void)state;

	/* A single-slot board. */
	dev_open(&d, "f103c8");
	make_image(d.layout, img, sizeof(img), 5, &h, 1, 0);
	iap_image_hdr_encode(&h, raw);
	memset(&w, 0, sizeof(w));
	assert_int_equal(
		iap_stage_begin(&w, d.flash, d.layout, raw, LOADER_VER),
		IAP_ERR_NOTSUP);
	assert_int_equal(
		iap_stage_check(d.layout, IAP_SLOT_STAGE, raw, LOADER_VER, &h),
		IAP_ERR_NOTSUP);
	assert_int_equal(d.sf.ops_done, 0);
	assert_int_equal(w.state, IAP_WRITER_IDLE);
	dev_close(&d);

	/* Stage regions there, but no install strategy: nobody would
	 * install it. */
	dev_open(&d, "f103cb-staged");
	none = *d.layout;
	none.install = IAP_INSTALL_NONE;
	ops = d.sf.ops_done;
	assert_int_equal(iap_stage_begin(&w, d.flash, &none, raw, LOADER_VER),
			 IAP_ERR_NOTSUP);
	/* An unknown slot id. */
	assert_int_equal(iap_stage_check(d.layout, 2, raw, LOADER_VER, &h),
			 IAP_ERR_NOTSUP);
	assert_int_equal(d.sf.ops_done, ops);
	dev_close(&d);
}

static void write_rules(const char *board)
{
	static uint8_t img[4096];
	struct iap_image_hdr h;
	uint8_t other[64];
	struct rig r;
	uint32_t ws;

	rig_open(&r, board);
	ws = r.d.flash->write_size;
	make_image(r.d.layout, img, sizeof(img) - 1, 6, &h, 2, 0);
	img[sizeof(img) - 1] = 0xFF; /* the padding of the last unit */
	/* Nothing begun. */
	assert_int_equal(iap_stage_write(&r.w, 0, img, 64), IAP_ERR_PERM);
	assert_int_equal(iap_stage_append(&r.w, img, 1), IAP_ERR_PERM);
	assert_int_equal(finish(&r), IAP_ERR_PERM);
	assert_int_equal(begin(&r, &h), 0);
	assert_int_equal(iap_stage_write(&r.w, 0, img, 1024), 0);
	/* The same chunk again (the host missed the answer): accepted. */
	assert_int_equal(iap_stage_write(&r.w, 0, img, 1024), 0);
	assert_int_equal(iap_stage_write(&r.w, 512, &img[512], 256), 0);
	assert_int_equal(r.w.next_off, 1024);
	/* Same offset, other bytes. */
	memset(other, 0x5A, sizeof(other));
	assert_int_equal(iap_stage_write(&r.w, 0, other, 64), IAP_ERR_PROTO);
	/* A gap (bytes lost before it): send again from next_off. */
	assert_int_equal(iap_stage_write(&r.w, 2048, &img[2048], 64),
			 IAP_ERR_AGAIN);
	/* Reaching back below next_off and past it, other bytes below. */
	assert_int_equal(iap_stage_write(&r.w, 1024 - 64, other, 128),
			 IAP_ERR_PROTO);
	assert_int_equal(r.w.next_off, 1024);
	/* Misaligned offset or length, by less than a unit. */
	assert_int_equal(iap_stage_write(&r.w, 1024 + ws / 2, img, 64),
			 IAP_ERR_ALIGN);
	assert_int_equal(iap_stage_write(&r.w, 1024, img, 64 - 1),
			 IAP_ERR_ALIGN);
	/* Past the image, and offsets that would wrap. */
	assert_int_equal(iap_stage_write(&r.w, 4096, img, ws), IAP_ERR_FAULT);
	assert_int_equal(iap_stage_write(&r.w, 4096 - ws, img, 2 * ws),
			 IAP_ERR_FAULT);
	assert_int_equal(iap_stage_write(&r.w, 0xFFFFFFFCu, img, 8),
			 IAP_ERR_FAULT);
	/* Finish before everything is in: still receiving. */
	assert_int_equal(finish(&r), IAP_ERR_PROTO);
	assert_int_equal(r.w.state, IAP_WRITER_RECEIVING);
	assert_int_equal(r.w.next_off, 1024);
	/* None of that was programmed: the rest goes in, in a chunk that
	 * starts below next_off with the same bytes there, and verifies. */
	assert_int_equal(
		iap_stage_write(&r.w, 1024 - 64, &img[1024 - 64], 3072 + 64),
		0);
	assert_int_equal(r.w.next_off, 4096);
	assert_int_equal(iap_stage_finish(&r.w, scratch, 8, LOADER_VER),
			 IAP_ERR_INVAL);
	assert_int_equal(finish(&r), 0);
	assert_pending(&r, img, &h);
	/* Done: no more writes, no second finish. */
	assert_int_equal(iap_stage_write(&r.w, 0, img, 64), IAP_ERR_PERM);
	assert_int_equal(finish(&r), IAP_ERR_PERM);
	rig_close(&r);
}

static void test_write_rules_f103(void **state)
{
	(void)state;
	write_rules("f103cb-staged");
}

static void test_write_rules_f407(void **state)
{
	(void)state;
	write_rules("f407vg-staged");
}

/* Appends of odd sizes, cycling; the size is odd too. */
static void append(const char *board, uint32_t size)
{
	static const uint32_t sizes[] = {1, 3, 7, 1000, 2, 5, 64, 13, 4, 999};
	uint8_t *img = malloc(size);
	struct iap_image_hdr h;
	uint32_t off = 0;
	struct rig r;

	rig_open(&r, board);
	make_image(r.d.layout, img, size, 7, &h, 3, 1);
	assert_int_equal(begin(&r, &h), 0);
	for (uint32_t i = 0; off < size; i++) {
		uint32_t n = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];

		n = n < size - off ? n : size - off;
		assert_int_equal(iap_stage_append(&r.w, &img[off], n), 0);
		off += n;
		/* Only whole units are programmed; the rest waits. */
		assert_int_equal(r.w.next_off + r.w.tail_len, off);
		assert_true(r.w.tail_len < r.d.flash->write_size);
		assert_int_equal(r.w.next_off % r.d.flash->write_size, 0);
		assert_memory_equal(stage_mem(&r), img, r.w.next_off);
	}
	assert_int_equal(r.w.tail_len, size % r.d.flash->write_size);
	/* One byte more than the image has: refused, nothing taken. */
	assert_int_equal(iap_stage_append(&r.w, img, 1), IAP_ERR_FAULT);
	assert_int_equal(r.w.next_off + r.w.tail_len, size);
	/* Mixing in a unit-aligned write with a tail held. */
	if (r.w.tail_len) {
		assert_int_equal(iap_stage_write(&r.w, r.w.next_off, img,
						 r.d.flash->write_size),
				 IAP_ERR_PROTO);
	}
	assert_int_equal(finish(&r), 0);
	assert_pending(&r, img, &h);
	rig_close(&r);
	free(img);
}

static void test_append_odd_chunks_f103(void **state)
{
	(void)state;
	append("f103cb-staged", 9001);
	append("f103cb-staged", 12);
}

static void test_append_odd_chunks_f407(void **state)
{
	(void)state;
	append("f407vg-staged", 20003);
	append("f407vg-staged", 20002);
	append("f407vg-staged", 20001);
	append("f407vg-staged", 2004);
}

/* A finish that does not verify leaves nothing pending and ends it. */
static void test_hash_mismatch_nothing_pending(void **state)
{
	static uint8_t img[3001];
	struct iap_image_hdr h;
	struct rig r;
	(void)state;

	rig_open(&r, "f103cb-staged");
	make_image(r.d.layout, img, sizeof(img), 8, &h, 2, 0);
	img[1500] ^= 0x10; /* changed on the way */
	assert_int_equal(begin(&r, &h), 0);
	assert_int_equal(iap_stage_append(&r.w, img, sizeof(img)), 0);
	assert_int_equal(finish(&r), IAP_ERR_CORRUPT);
	assert_int_equal(r.w.state, IAP_WRITER_IDLE);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_EMPTY);
	assert_int_equal(iap_stage_append(&r.w, img, 1), IAP_ERR_PERM);
	assert_int_equal(finish(&r), IAP_ERR_PERM);

	/* Bad vectors with a matching hash: refused the same way. */
	img[1500] ^= 0x10;
	iap_put_le32(&img[4], 0x08000101); /* reset handler elsewhere */
	iap_sha256(img, sizeof(img), h.sha256);
	assert_int_equal(begin(&r, &h), 0);
	assert_int_equal(iap_stage_append(&r.w, img, sizeof(img)), 0);
	assert_int_equal(finish(&r), IAP_ERR_NOEXEC);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_EMPTY);
	rig_close(&r);
}

/* A program error ends the session; nothing is committed. */
static void test_flash_error_ends_session(void **state)
{
	static uint8_t img[2048];
	struct iap_image_hdr h;
	const uint8_t zero[4] = {0};
	struct rig r;
	(void)state;

	rig_open(&r, "f407vg-staged");
	make_image(r.d.layout, img, sizeof(img), 9, &h, 2, 0);
	assert_int_equal(begin(&r, &h), 0);
	assert_int_equal(iap_stage_append(&r.w, img, 1022), 0);
	/* Someone else programs the unit the writer goes to next. */
	assert_int_equal(r.d.flash->prog(r.d.flash->ctx,
					 r.d.layout->stage_addr + 1020, zero,
					 4),
			 0);
	assert_int_equal(iap_stage_append(&r.w, &img[1022], 100),
			 IAP_ERR_NOTERASED);
	assert_int_equal(r.w.state, IAP_WRITER_IDLE);
	assert_int_equal(iap_stage_append(&r.w, &img[1022], 1), IAP_ERR_PERM);
	assert_int_equal(finish(&r), IAP_ERR_PERM);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_EMPTY);
	rig_close(&r);
}

/* A new begin replaces a pending image: its record goes first. */
static void test_begin_drops_pending_image(void **state)
{
	static uint8_t img[2048];
	struct iap_image_hdr h;
	struct rig r;
	(void)state;

	rig_open(&r, "f103cb-staged");
	make_image(r.d.layout, img, sizeof(img), 10, &h, 2, 0);
	assert_int_equal(begin(&r, &h), 0);
	assert_int_equal(iap_stage_append(&r.w, img, sizeof(img)), 0);
	assert_int_equal(finish(&r), 0);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_PENDING);
	make_image(r.d.layout, img, sizeof(img), 11, &h, 3, 0);
	assert_int_equal(begin(&r, &h), 0);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_EMPTY);
	/* Abort: what was written stays uncommitted. */
	assert_int_equal(iap_stage_append(&r.w, img, 1000), 0);
	iap_stage_abort(&r.w);
	assert_int_equal(r.w.state, IAP_WRITER_IDLE);
	assert_int_equal(iap_stage_append(&r.w, img, 1), IAP_ERR_PERM);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_EMPTY);
	rig_close(&r);
}

static void test_cancel(void **state)
{
	static uint8_t img[1024];
	struct iap_image_hdr h;
	struct rig r;
	uint64_t ops;
	(void)state;

	rig_open(&r, "f103cb-staged");
	/* Nothing staged: nothing erased. */
	ops = r.d.sf.ops_done;
	assert_int_equal(iap_stage_cancel(r.d.flash, r.d.layout), 0);
	assert_int_equal(r.d.sf.ops_done, ops);
	make_image(r.d.layout, img, sizeof(img), 12, &h, 2, 0);
	assert_int_equal(begin(&r, &h), 0);
	assert_int_equal(iap_stage_append(&r.w, img, sizeof(img)), 0);
	assert_int_equal(finish(&r), 0);
	assert_int_equal(iap_stage_cancel(r.d.flash, r.d.layout), 0);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_EMPTY);
	rig_close(&r);
}

/*
 * Resume: a session cut after `cut` bytes, then iap_stage_open_at() from
 * the start of the sector holding the cut. Nothing below from is erased
 * or written again, the rest goes in, finish verifies the whole slot.
 */
static void resume(const char *board, uint32_t size, uint32_t cut)
{
	uint32_t ws, from, start, ssize, off;
	uint8_t *img = malloc(size), *below;
	uint64_t progs;
	struct iap_image_hdr h;
	struct rig r;

	assert_non_null(img);
	rig_open(&r, board);
	ws = r.d.flash->write_size;
	make_image(r.d.layout, img, size, 5, &h, 2, 0);
	assert_int_equal(iap_stage_open(&r.w, r.d.flash, r.d.layout,
					IAP_SLOT_STAGE, &h,
					IAP_STAGE_ERASE_AHEAD),
			 0);
	assert_int_equal(iap_stage_append(&r.w, img, cut), 0);
	iap_stage_abort(&r.w); /* the host is gone */
	assert_int_equal(iap_flash_sector(r.d.flash,
					  r.d.layout->stage_addr + cut, &start,
					  &ssize),
			 0);
	from = start - r.d.layout->stage_addr;
	assert_true(from > 0);
	below = malloc(from);
	assert_non_null(below);
	memcpy(below, stage_mem(&r), from);
	assert_memory_equal(below, img, from);

	/* Not a sector start, past the image, not a unit: refused, and
	 * neither the flash nor the writer changes. */
	progs = r.d.sf.progs + r.d.sf.erases;
	assert_int_equal(iap_stage_open_at(&r.w, r.d.flash, r.d.layout,
					   IAP_SLOT_STAGE, &h,
					   IAP_STAGE_ERASE_AHEAD, from + ws),
			 IAP_ERR_ALIGN);
	assert_int_equal(iap_stage_open_at(&r.w, r.d.flash, r.d.layout,
					   IAP_SLOT_STAGE, &h,
					   IAP_STAGE_ERASE_AHEAD, size + ws),
			 IAP_ERR_RANGE);
	if (ws > 1) {
		assert_int_equal(iap_stage_open_at(&r.w, r.d.flash, r.d.layout,
						   IAP_SLOT_STAGE, &h,
						   IAP_STAGE_ERASE_AHEAD,
						   from + 1),
				 IAP_ERR_ALIGN);
	}
	assert_int_equal(r.d.sf.progs + r.d.sf.erases, progs);
	assert_int_equal(r.w.state, IAP_WRITER_IDLE);

	assert_int_equal(iap_stage_open_at(&r.w, r.d.flash, r.d.layout,
					   IAP_SLOT_STAGE, &h,
					   IAP_STAGE_ERASE_AHEAD, from),
			 0);
	assert_int_equal(r.w.next_off, from);
	/* A resend below from is checked against the flash, not written. */
	assert_int_equal(iap_stage_write(&r.w, 0, img, ws), 0);
	assert_int_equal(iap_stage_append(&r.w, &img[from], size - from), 0);
	assert_memory_equal(stage_mem(&r), below, from);
	assert_int_equal(finish(&r), 0);
	assert_pending(&r, img, &h);
	/* from the end: nothing to write, and finish verifies again. */
	off = (size + ws - 1) / ws * ws;
	assert_int_equal(iap_stage_open_at(&r.w, r.d.flash, r.d.layout,
					   IAP_SLOT_STAGE, &h, 0, off),
			 0);
	assert_int_equal(finish(&r), 0);
	assert_pending(&r, img, &h);
	rig_close(&r);
	free(below);
	free(img);
}

static void test_resume_f103(void **state)
{
	(void)state;
	resume("f103cb-staged", 9001, 5000);
}

static void test_resume_f407(void **state)
{
	(void)state;
	resume("f407vg-staged", 180001, 140003);
}

/* The bytes below from are not the image's: finish refuses, nothing is
 * pending; a resume is never trusted further than the hash. */
static void test_resume_wrong_bytes_below_refused(void **state)
{
	uint8_t img[6000], other[6000];
	struct iap_image_hdr h, ho;
	struct rig r;

	(void)state;
	rig_open(&r, "f103cb-staged");
	make_image(r.d.layout, img, sizeof(img), 6, &h, 2, 0);
	make_image(r.d.layout, other, sizeof(other), 7, &ho, 2, 0);
	assert_int_equal(iap_stage_open(&r.w, r.d.flash, r.d.layout,
					IAP_SLOT_STAGE, &ho,
					IAP_STAGE_ERASE_AHEAD),
			 0);
	assert_int_equal(iap_stage_append(&r.w, other, 3000), 0);
	iap_stage_abort(&r.w);
	assert_int_equal(iap_stage_open_at(&r.w, r.d.flash, r.d.layout,
					   IAP_SLOT_STAGE, &h,
					   IAP_STAGE_ERASE_AHEAD, 2048),
			 0);
	assert_int_equal(iap_stage_append(&r.w, &img[2048], sizeof(img) - 2048),
			 0);
	assert_int_equal(finish(&r), IAP_ERR_CORRUPT);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_EMPTY);
	rig_close(&r);
}

/* Resumed without erase ahead (a v1-style START): the sectors from from
 * on are erased at open, those below are not. */
static void test_resume_erase_at_open(void **state)
{
	uint8_t img[6000];
	struct iap_image_hdr h;
	uint64_t erases;
	struct rig r;

	(void)state;
	rig_open(&r, "f103cb-staged");
	make_image(r.d.layout, img, sizeof(img), 8, &h, 2, 0);
	assert_int_equal(iap_stage_open(&r.w, r.d.flash, r.d.layout,
					IAP_SLOT_STAGE, &h, 0),
			 0);
	assert_int_equal(iap_stage_append(&r.w, img, 4100), 0);
	iap_stage_abort(&r.w);
	erases = r.d.sf.erases;
	assert_int_equal(iap_stage_open_at(&r.w, r.d.flash, r.d.layout,
					   IAP_SLOT_STAGE, &h, 0, 4096),
			 0);
	/* The stage meta sector, then the two sectors from 4096 on. */
	assert_int_equal(r.d.sf.erases - erases,
			 1 + (sizeof(img) - 4096 + 1023) / 1024);
	assert_memory_equal(stage_mem(&r), img, 4096);
	assert_int_equal(iap_stage_append(&r.w, &img[4096], sizeof(img) - 4096),
			 0);
	assert_int_equal(finish(&r), 0);
	assert_pending(&r, img, &h);
	rig_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_happy_f103),
		cmocka_unit_test(test_happy_f407),
		cmocka_unit_test(test_hostile_headers_refused_before_erase),
		cmocka_unit_test(test_refused_begin_keeps_session),
		cmocka_unit_test(test_layout_without_stage_refused),
		cmocka_unit_test(test_write_rules_f103),
		cmocka_unit_test(test_write_rules_f407),
		cmocka_unit_test(test_append_odd_chunks_f103),
		cmocka_unit_test(test_append_odd_chunks_f407),
		cmocka_unit_test(test_hash_mismatch_nothing_pending),
		cmocka_unit_test(test_flash_error_ends_session),
		cmocka_unit_test(test_begin_drops_pending_image),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_resume_f103),
		cmocka_unit_test(test_resume_f407),
		cmocka_unit_test(test_resume_wrong_bytes_below_refused),
		cmocka_unit_test(test_resume_erase_at_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
