/*
 * Test helpers, see helper_dev.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper_dev.h"
#include "iap/iap_proto.h"
#include "iap/iap_sha256.h"

void dev_open(struct dev *d, const char *name)
{
	int fd;

	memset(d, 0, sizeof(*d));
	d->board = sim_board_find(name);
	assert_non_null(d->board);
	snprintf(d->path, sizeof(d->path), "/tmp/iaptest-XXXXXX");
	fd = mkstemp(d->path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sim_flash_open(&d->sf, d->board, d->path), 0);
	d->flash = &d->sf.ops;
	d->layout = &d->board->layout;
}

void dev_close(struct dev *d)
{
	sim_flash_close(&d->sf);
	unlink(d->path);
}

void make_image(const struct iap_layout *l, uint8_t *img, uint32_t size,
		uint32_t seed, struct iap_image_hdr *h, uint8_t major,
		uint8_t minor)
{
	uint32_t x = seed * 2654435761u + 1u;

	for (uint32_t i = 0; i < size; i++) {
		x = x * 1103515245u + 12345u;
		img[i] = (uint8_t)(x >> 16);
	}
	iap_put_le32(&img[0], l->ram_addr + l->ram_size);
	iap_put_le32(&img[4], (l->app_addr + (size > 0x200 ? 0x200 : 8)) | 1u);
	memset(h, 0, sizeof(*h));
	h->image_size = size;
	h->load_addr = l->app_addr;
	h->version.major = major;
	h->version.minor = minor;
	iap_sha256(img, size, h->sha256);
}

void dev_install(struct dev *d, const uint8_t *img,
		 const struct iap_image_hdr *h)
{
	uint32_t ws = d->flash->write_size;
	uint32_t whole = h->image_size / ws * ws;
	uint8_t tail[16];

	assert_int_equal(iap_flash_erase_span(d->flash, d->layout->meta_addr,
					      d->layout->meta_size),
			 0);
	assert_int_equal(iap_flash_erase_span(d->flash, d->layout->app_addr,
					      h->image_size),
			 0);
	assert_int_equal(
		d->flash->prog(d->flash->ctx, d->layout->app_addr, img, whole),
		0);
	if (whole < h->image_size) {
		memset(tail, 0xFF, sizeof(tail));
		memcpy(tail, &img[whole], h->image_size - whole);
		assert_int_equal(d->flash->prog(d->flash->ctx,
						d->layout->app_addr + whole,
						tail, ws),
				 0);
	}
	assert_int_equal(iap_image_write_meta(d->flash, d->layout, h), 0);
}
