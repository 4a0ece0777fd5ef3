/*
 * iapboot - image metadata, the same 256 bytes in an .iap file (in front of
 * the payload), on the wire (START command) and in the meta region of flash.
 * All fields little-endian at fixed offsets; see docs/IMAGE_FORMAT.md.
 *
 *   off  size  field
 *     0     4  magic            IAP_IMAGE_MAGIC ("IAPI")
 *     4     2  format           IAP_IMAGE_FORMAT (1)
 *     6     2  header_size      IAP_IMAGE_HDR_SIZE (256)
 *     8     4  flags            IAP_IMAGE_F_* (unknown bits must be 0)
 *    12     4  image_size       payload bytes, 1 .. slot size
 *    16     4  load_addr        address the payload was linked for
 *    20     4  board_id         0 = any board
 *    24     1  ver_major
 *    25     1  ver_minor
 *    26     2  ver_patch
 *    28     4  ver_build
 *    32     4  security_counter (anti-rollback, later)
 *    36     4  min_loader       minimum bootloader version, 0x00MMmmpp, 0=any
 *    40     8  reserved (0)
 *    48    32  sha256           SHA-256 of the payload
 *    80     4  key_id           0 = unsigned
 *    84     4  sig_type         0 none, IAP_SIG_ED25519 (1)
 *    88    64  signature        over bytes 0..87 (IAP_IMAGE_SIGNED_SIZE)
 *   152   100  reserved (0)
 *   252     4  hdr_crc          CRC-32 of bytes 0..251
 *
 * In the meta region the header is followed, at IAP_META_COMMIT_OFF, by one
 * commit word written last: the record counts only once it is there.
 */
#ifndef IAP_IMAGE_H
#define IAP_IMAGE_H

#include <stdint.h>

#include "iap_flash.h"
#include "iap_layout.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IAP_IMAGE_MAGIC	    0x49504149u /* "IAPI" in memory order */
#define IAP_IMAGE_FORMAT    1u
#define IAP_IMAGE_HDR_SIZE  256u
#define IAP_IMAGE_HASH_SIZE 32u
#define IAP_IMAGE_SIG_SIZE  64u

/*
 * Signatures: sig_type IAP_SIG_ED25519 signs the first IAP_IMAGE_SIGNED_SIZE
 * bytes of the encoded header (magic .. sig_type, with the payload's
 * SHA-256); the 64-byte signature follows them at offset 88.
 */
#define IAP_SIG_NONE	      0u
#define IAP_SIG_ED25519	      1u
#define IAP_IMAGE_SIGNED_SIZE 88u

#define IAP_META_COMMIT_OFF   256u
#define IAP_META_COMMIT_MAGIC 0x4D4D4F43u /* "COMM" */
#define IAP_META_MIN_SIZE     (IAP_META_COMMIT_OFF + 16u)

/* No flags are defined in format 1; the field is here for later ones. */
#define IAP_IMAGE_F_KNOWN 0x00000000u

struct iap_version {
	uint8_t major;
	uint8_t minor;
	uint16_t patch;
	uint32_t build;
};

struct iap_image_hdr {
	uint32_t flags;
	uint32_t image_size;
	uint32_t load_addr;
	uint32_t board_id;
	struct iap_version version;
	uint32_t security_counter;
	uint32_t min_loader;
	uint8_t sha256[IAP_IMAGE_HASH_SIZE];
	uint32_t key_id;
	uint32_t sig_type;
	uint8_t signature[IAP_IMAGE_SIG_SIZE];
};

/**
 * iap_image_hdr_encode() - serialise h into out, computing magic, format,
 * header size and hdr_crc. Reserved bytes are zero. Cannot fail.
 */
void iap_image_hdr_encode(const struct iap_image_hdr *h,
			  uint8_t out[IAP_IMAGE_HDR_SIZE]);

/**
 * iap_image_hdr_decode() - parse and check a serialised header.
 * Returns 0, IAP_ERR_BADMSG (magic, format, header size, unknown flags or
 * non-zero reserved bytes), or IAP_ERR_CORRUPT (hdr_crc mismatch).
 */
int iap_image_hdr_decode(const uint8_t in[IAP_IMAGE_HDR_SIZE],
			 struct iap_image_hdr *h);

/**
 * iap_image_check_sig() - the header's signature against a trust (NULL: an
 * open device, always 0): unsigned (IAP_ERR_UNSIGNED), a signature type
 * other than Ed25519 (IAP_ERR_NOTSUP), a key id not in the table
 * (IAP_ERR_KEY) or revoked there (IAP_ERR_REVOKED), a signature that does
 * not verify over the first IAP_IMAGE_SIGNED_SIZE bytes of the header's
 * encoding (IAP_ERR_SIGNATURE). Returns 0 or that error.
 */
int iap_image_check_sig(const struct iap_image_hdr *h,
			const struct iap_trust *t);

/**
 * iap_image_check_fit() - what the header alone says against a layout:
 * first its signature when the layout has a trust (iap_image_check_sig()),
 * then size 0 (IAP_ERR_BADMSG), size over app_size (IAP_ERR_FBIG),
 * load_addr != app_addr (IAP_ERR_RANGE), board id (IAP_ERR_BOARD), minimum
 * bootloader version (IAP_ERR_OLDLOADER), an unknown signature type
 * (IAP_ERR_NOTSUP). Nothing is read from flash. Returns 0 or the first
 * failure.
 */
int iap_image_check_fit(const struct iap_image_hdr *h,
			const struct iap_layout *l, uint32_t loader_version);

/**
 * iap_image_check_counter() - the header's security counter against the
 * layout's anti-rollback record (none: 0). Returns 0, IAP_ERR_ROLLBACK
 * when the counter is below the record, or the flash error.
 */
int iap_image_check_counter(const struct iap_flash *f,
			    const struct iap_layout *l,
			    const struct iap_image_hdr *h);

/**
 * iap_image_check_vectors() - the first two words of an image: initial SP
 * inside RAM or the layout's second RAM (or one past the end of either)
 * and word aligned, reset handler inside
 * [load_addr + 8, load_addr + size) with the Thumb bit set.
 * Returns 0 or IAP_ERR_NOEXEC.
 */
int iap_image_check_vectors(const uint8_t first8[8], uint32_t load_addr,
			    uint32_t size, const struct iap_layout *l);

/**
 * iap_image_hash_flash() - SHA-256 of size bytes of flash at addr, read in
 * chunks through buf (any size >= 16). Returns 0 or the flash error.
 */
int iap_image_hash_flash(const struct iap_flash *f, uint32_t addr,
			 uint32_t size, uint8_t *buf, uint32_t buf_size,
			 uint8_t out[IAP_IMAGE_HASH_SIZE]);

/**
 * iap_image_read_record() - read and check the committed record of the
 * meta region at addr (app meta or stage meta). Returns 0 and fills *h,
 * IAP_ERR_NOENT when no committed record is there (erased, or commit word
 * missing), or the decode error.
 */
int iap_image_read_record(const struct iap_flash *f, uint32_t addr,
			  struct iap_image_hdr *h);

/**
 * iap_image_write_record() - program the header then, last, the commit
 * word into the erased meta region at addr. Returns 0 or the flash error.
 */
int iap_image_write_record(const struct iap_flash *f, uint32_t addr,
			   const struct iap_image_hdr *h);

/**
 * iap_image_verify_at() - the full check of an image stored at addr (the
 * app slot, or the stage slot for an image that will run from the app
 * slot): header fits the layout (signature included), security counter
 * not below the record, vector table bootable, SHA-256 of the bytes at
 * addr equals the header's. buf is scratch (>= 16 bytes).
 * Returns 0 or the first failure.
 */
int iap_image_verify_at(const struct iap_flash *f, const struct iap_layout *l,
			const struct iap_image_hdr *h, uint32_t addr,
			uint32_t loader_version, uint8_t *buf,
			uint32_t buf_size);

/**
 * iap_image_read_meta() - read and check the committed record of the meta
 * region. Returns 0 and fills *h, IAP_ERR_NOENT when no committed record is
 * there (erased, or commit word missing), or the decode error.
 */
int iap_image_read_meta(const struct iap_flash *f, const struct iap_layout *l,
			struct iap_image_hdr *h);

/**
 * iap_image_write_meta() - program the header then, last, the commit word
 * into an erased meta region. Returns 0 or the flash error.
 */
int iap_image_write_meta(const struct iap_flash *f, const struct iap_layout *l,
			 const struct iap_image_hdr *h);

/**
 * iap_image_verify_slot() - the full check of the installed image: header
 * fits the layout, vector table bootable, SHA-256 of the slot equals the
 * header's. buf is scratch (>= 16 bytes). Returns 0 or the first failure.
 */
int iap_image_verify_slot(const struct iap_flash *f, const struct iap_layout *l,
			  const struct iap_image_hdr *h,
			  uint32_t loader_version, uint8_t *buf,
			  uint32_t buf_size);

/** Pack major.minor.patch of a bootloader version into 0x00MMmmpp. */
#define IAP_LOADER_VERSION(ma, mi, pa)                                    \
	((((uint32_t)(ma)&0xFFu) << 16) | (((uint32_t)(mi)&0xFFu) << 8) | \
	 ((uint32_t)(pa)&0xFFu))

#ifdef __cplusplus
}
#endif

#endif /* IAP_IMAGE_H */
