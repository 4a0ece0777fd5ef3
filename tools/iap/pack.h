/*
 * iap - what `iap pack` checks on a firmware payload before it becomes an
 * image, shared with the commands that pack on the fly (iap merge).
 */
#ifndef IAP_PACK_H
#define IAP_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "iap/iap_image.h"

/**
 * iap_check_vectors() - the first two words of a Cortex-M image linked at
 * addr: initial stack pointer a word-aligned SRAM address, reset vector a
 * Thumb address inside [addr + 8, addr + size). name starts the message;
 * hint (e.g. "--addr"), when not NULL, ends the one about an address.
 * Returns 0, IAP_ERR_NOEXEC (not a vector table) or IAP_ERR_RANGE (reset
 * vector outside the image: linked for another address).
 */
int iap_check_vectors(const char *name, const uint8_t *data, uint32_t size,
		      uint32_t addr, const char *hint, char *err,
		      size_t errlen);

/**
 * iap_pack_payload() - check a payload as `iap pack` does (not empty, inside
 * the 32-bit address space, iap_check_vectors()) and fill image_size,
 * load_addr and sha256 of h; its other fields are left as they are.
 * Returns 0, IAP_ERR_INVAL (empty), IAP_ERR_RANGE or IAP_ERR_NOEXEC.
 */
int iap_pack_payload(const char *name, const uint8_t *data, uint32_t size,
		     uint32_t addr, const char *hint, struct iap_image_hdr *h,
		     char *err, size_t errlen);

#endif /* IAP_PACK_H */
