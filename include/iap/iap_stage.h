/*
 * iapboot - writing an image into a slot: the stage writer.
 *
 * How a received image gets into flash, for the bootloader's protocol
 * server (src/server.c) and for an application that receives an image
 * over a channel of its own (sdk/iap_app.h):
 *
 *   begin   the raw 256-byte header is decoded and checked against the
 *           layout (size, load address, board, loader version, slot)
 *           before anything is erased; then the record's meta region and
 *           the sectors the image needs are erased.
 *   write   the payload in order, in whole write units (a repeated chunk
 *           is accepted when the bytes agree), or append pieces of any
 *           length: the writer keeps the last partial unit.
 *   finish  all bytes in, the vector table and the SHA-256 of the slot
 *           checked, then the header record and, last, its commit word
 *           are written.
 *
 * Into the stage slot (IAP_SLOT_STAGE, layouts with an install strategy)
 * nothing of the installed image is touched: once finished, the staged
 * image is pending and the bootloader installs it at its next boot
 * (iap_install()). Into the app slot (IAP_SLOT_APP: the single-slot
 * update, bootloader only) the installed image is gone from the first
 * erase until finish.
 *
 * The writer is caller-owned (static, stack, inside another struct);
 * between calls it keeps pointers only to the flash ops and the layout,
 * never to the data passed in. States: IDLE -begin/open-> RECEIVING
 * -finish-> DONE; a flash error or a failed verification -> IDLE.
 */
#ifndef IAP_STAGE_H
#define IAP_STAGE_H

#include <stdint.h>

#include "iap_flash.h"
#include "iap_image.h"
#include "iap_layout.h"
#include "iap_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest flash write unit (iap_flash_check_geometry()). */
#define IAP_STAGE_UNIT_MAX 16u

enum iap_writer_state {
	IAP_WRITER_IDLE = 0,	  /* nothing begun, or the session failed */
	IAP_WRITER_RECEIVING = 1, /* slot erased, payload going in */
	IAP_WRITER_DONE = 2	  /* verified and committed */
};

struct iap_stage_writer {
	const struct iap_flash *flash;
	const struct iap_layout *layout;
	struct iap_image_hdr hdr; /* the image being written */
	uint32_t slot_addr;	  /* where its payload goes */
	uint32_t meta_addr;	  /* where its record goes */
	uint32_t next_off;	  /* payload bytes programmed (whole units) */
	uint8_t state;		  /* enum iap_writer_state */
	uint8_t direct;		  /* 1: into the app slot (IAP_SLOT_APP) */
	uint8_t tail_len;	  /* iap_stage_append(): bytes held in tail */
	uint8_t ahead; /* IAP_STAGE_ERASE_AHEAD: slot erased lazily */
	uint8_t tail[IAP_STAGE_UNIT_MAX];
	uint32_t erased_end; /* slot bytes erased so far (erase ahead) */
};

/*
 * iap_stage_open() flags. ERASE_AHEAD: only the record's meta region is
 * erased at open; each slot sector is erased when the first byte for it
 * is programmed, so a host streaming frames (protocol v2) is not held up by
 * the whole slot's erase before its first byte moves, and the receive
 * ring takes the frames that arrive during each sector's erase.
 */
#define IAP_STAGE_ERASE_AHEAD 0x01u

/**
 * iap_stage_check() - what the header alone says, for a START into slot
 * (IAP_SLOT_APP or IAP_SLOT_STAGE): decode hdr256, then check it against
 * the layout (iap_image_check_fit(); into the stage slot also its size
 * against stage_size). Nothing is read from or written to flash.
 * Returns 0 and fills *h, IAP_ERR_NOTSUP for an unknown slot or the stage
 * slot of a layout without one (no install strategy), or the decode or
 * fit error (IAP_ERR_BADMSG, IAP_ERR_CORRUPT, IAP_ERR_FBIG,
 * IAP_ERR_RANGE, IAP_ERR_BOARD, IAP_ERR_OLDLOADER, IAP_ERR_NOTSUP).
 */
int iap_stage_check(const struct iap_layout *l, uint8_t slot,
		    const uint8_t hdr256[IAP_IMAGE_HDR_SIZE],
		    uint32_t loader_version, struct iap_image_hdr *h);

/**
 * iap_stage_open() - start writing the image h into slot: erase the
 * flash. Stage slot: the stage meta region, then the stage sectors the
 * image needs. App slot: a pending staged image's record
 * (iap_stage_cancel()), the app meta region, then the app sectors the
 * image needs. With IAP_STAGE_ERASE_AHEAD in flags the slot sectors are
 * left for the writes to erase, one by one, as the data reaches them.
 * h must have passed iap_stage_check() for slot and l, and f
 * iap_flash_check_geometry() (part of iap_layout_check()); the erases
 * are then inside the slot's regions. Returns 0 (w is RECEIVING) or the
 * erase error (w is IDLE).
 */
int iap_stage_open(struct iap_stage_writer *w, const struct iap_flash *f,
		   const struct iap_layout *l, uint8_t slot,
		   const struct iap_image_hdr *h, unsigned int flags);

/**
 * iap_stage_open_at() - iap_stage_open(), resuming at payload offset from:
 * the bytes of the slot below from are kept as they are and the writer
 * goes on at next_off = from (what the host proved to be in place, sector
 * by sector, with HASH; docs/PROTOCOL.md, "Resume"). Nothing below from is
 * erased or trusted: iap_stage_finish() hashes the whole slot as always.
 * from is 0, the image size rounded up to the write unit, or a sector
 * start inside the slot below it. Returns as iap_stage_open(), or before
 * any erase IAP_ERR_RANGE (from past the image) or IAP_ERR_ALIGN (not a
 * sector start, or not a whole write unit).
 */
int iap_stage_open_at(struct iap_stage_writer *w, const struct iap_flash *f,
		      const struct iap_layout *l, uint8_t slot,
		      const struct iap_image_hdr *h, unsigned int flags,
		      uint32_t from);

/**
 * iap_stage_begin() - iap_stage_check() then iap_stage_open() into the
 * stage slot: what an application calls with the header it received. A
 * refused header changes nothing, neither the flash nor w (a session in
 * progress goes on). Returns 0 or their error; IAP_ERR_NOTSUP on a
 * layout without a stage slot.
 */
int iap_stage_begin(struct iap_stage_writer *w, const struct iap_flash *f,
		    const struct iap_layout *l,
		    const uint8_t hdr256[IAP_IMAGE_HDR_SIZE],
		    uint32_t loader_version);

/**
 * iap_stage_write() - program len payload bytes at offset off. off and len
 * are multiples of the flash write unit; the last chunk may be padded up
 * to a whole unit. A chunk wholly below the bytes already programmed is
 * accepted if it reads back the same (a resend); one that reaches from
 * below next_off past it is accepted if its part below reads back the
 * same, and the rest is programmed. Opened with
 * IAP_STAGE_ERASE_AHEAD, the sectors the chunk reaches are erased first.
 * Returns 0,
 * IAP_ERR_PERM (not RECEIVING), IAP_ERR_FAULT (past the image),
 * IAP_ERR_ALIGN, IAP_ERR_PROTO (a resend with other bytes, or an append
 * tail pending), IAP_ERR_AGAIN (a gap: off is past next_off, bytes before
 * it were lost), a read error of a resend (these leave w as it was), or
 * the erase or program error (w is IDLE).
 */
int iap_stage_write(struct iap_stage_writer *w, uint32_t off,
		    const uint8_t *data, uint32_t len);

/**
 * iap_stage_append() - the next len payload bytes, any length: whole write
 * units are programmed at once, a last partial unit is kept in w until
 * more bytes come or iap_stage_finish() pads it with 0xFF. Do not mix
 * with iap_stage_write() in one session. Returns 0, IAP_ERR_PERM (not
 * RECEIVING), IAP_ERR_FAULT (more bytes than the image has; nothing is
 * taken), IAP_ERR_INVAL (a write unit over IAP_STAGE_UNIT_MAX), or the
 * program error (w is IDLE).
 */
int iap_stage_append(struct iap_stage_writer *w, const uint8_t *data,
		     uint32_t len);

/**
 * iap_stage_finish() - all bytes in: program the padded tail of
 * iap_stage_append(), check the vector table and the SHA-256 of the slot
 * (iap_image_verify_at()), then write the header record and, last, its
 * commit word. Into the stage slot the image is now pending. scratch
 * (>= 16 bytes) is the read and hash buffer. Returns 0 (w is DONE),
 * IAP_ERR_PERM (not RECEIVING), IAP_ERR_PROTO (bytes missing; w stays
 * RECEIVING), IAP_ERR_INVAL (scratch too small), or the verify or flash
 * error (w is IDLE, nothing is committed).
 */
int iap_stage_finish(struct iap_stage_writer *w, uint8_t *scratch,
		     uint32_t scratch_size, uint32_t loader_version);

/**
 * iap_stage_abort() - drop a session in progress (RECEIVING -> IDLE); what
 * was programmed stays, uncommitted. A DONE or IDLE writer is left as it
 * is. Cannot fail.
 */
void iap_stage_abort(struct iap_stage_writer *w);

/**
 * iap_stage_cancel() - make sure no staged image is installed at the next
 * boot: erase the stage meta region unless it is empty (a layout without
 * a stage has nothing to erase). Returns 0 or the erase error.
 */
int iap_stage_cancel(const struct iap_flash *f, const struct iap_layout *l);

#ifdef __cplusplus
}
#endif

#endif /* IAP_STAGE_H */
