/*
 * Test helpers: a simulated board's flash on a temporary file, and
 * synthetic application images with a plausible vector table.
 */
#ifndef HELPER_DEV_H
#define HELPER_DEV_H

#include <stdint.h>

#include "iap/iap_image.h"
#include "sim.h"

struct dev {
	struct sim_flash sf;
	const struct sim_board *board;
	const struct iap_flash *flash;
	const struct iap_layout *layout;
	char path[64];
};

/* Open board `name` on a fresh erased flash file. Fails the test on error. */
void dev_open(struct dev *d, const char *name);
void dev_close(struct dev *d);

/*
 * Fill img (size bytes) as an application linked at l->app_addr: SP at the
 * top of RAM, reset handler inside the image, a pattern seeded by `seed`.
 * Then fill h for it (version major.minor.0, hash computed).
 */
void make_image(const struct iap_layout *l, uint8_t *img, uint32_t size,
		uint32_t seed, struct iap_image_hdr *h, uint8_t major,
		uint8_t minor);

/* Program img into the slot and commit its metadata, as an update would. */
void dev_install(struct dev *d, const uint8_t *img,
		 const struct iap_image_hdr *h);

#define LOADER_VER IAP_LOADER_VERSION(1, 0, 0)

#endif
