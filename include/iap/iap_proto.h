/*
 * iapboot - update protocol v1: frame layout, commands and the frame codec.
 * Shared by the bootloader and the host tools; see docs/PROTOCOL.md.
 *
 * Frame (all multi-byte fields little-endian):
 *
 *   0     SOF       0xA5
 *   1     cmd       request: IAP_CMD_*; response: cmd | IAP_CMD_RESP
 *   2     seq       chosen by the host, echoed by the device
 *   3..4  len       payload length, 0 .. receiver's max_payload
 *   5     hchk      CRC-8 of bytes 0..4 (a corrupted length is caught early)
 *   6..   payload   len bytes
 *   +0..3 crc       CRC-32 of bytes 1 .. 5+len (cmd through payload)
 *
 * Every response payload starts with a status (int16, 0 or IAP_ERR_*).
 * A request that repeats the previous one (same seq and cmd) is answered
 * again without being executed twice, so the host can resend after a lost
 * answer. Unknown commands are answered with IAP_ERR_NOTSUP, never ignored.
 */
#ifndef IAP_PROTO_H
#define IAP_PROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IAP_PROTO_VERSION     2u
#define IAP_PROTO_SOF	      0xA5u
#define IAP_FRAME_HDR_SIZE    6u
#define IAP_FRAME_CRC_SIZE    4u
#define IAP_FRAME_OVERHEAD    (IAP_FRAME_HDR_SIZE + IAP_FRAME_CRC_SIZE)
#define IAP_FRAME_MAX_PAYLOAD 0xFFFFu

#define IAP_CMD_RESP 0x80u

enum iap_cmd {
	IAP_CMD_INFO = 0x01,   /* -> struct iap_info */
	IAP_CMD_START = 0x02,  /* slot u8, 3 x 0, 256-byte image header */
	IAP_CMD_WRITE = 0x03,  /* offset u32, data  -> next_offset u32 */
	IAP_CMD_FINISH = 0x04, /* verify hash + vectors, commit metadata */
	IAP_CMD_BOOT = 0x05,   /* answer, then leave the bootloader */
	IAP_CMD_ABORT = 0x06,  /* drop an update in progress */
	IAP_CMD_BAUD =
		0x07, /* v2: baud u32; answered, then the line switches */
	IAP_CMD_HASH = 0x08,	/* v2: slot u8, 3 x 0, offset u32, len u32 */
	IAP_CMD_PROGRESS = 0x09 /* v2: device to host only, see below */
};

/* Slot ids for START. */
#define IAP_SLOT_APP   0u
#define IAP_SLOT_STAGE 1u /* stage, install at the next boot */

/* INFO capability bits. */
#define IAP_CAP_STAGE	 0x01u /* START accepts IAP_SLOT_STAGE */
#define IAP_CAP_APP	 0x02u /* the running application answers: stage only */
#define IAP_CAP_STREAM	 0x04u /* v2: START takes IAP_START_F_STREAM */
#define IAP_CAP_BAUD	 0x08u /* v2: BAUD switches the line rate */
#define IAP_CAP_RESUME	 0x10u /* v2: HASH; START takes IAP_START_F_RESUME */
#define IAP_CAP_LZSS	 0x20u /* v2: START takes IAP_START_F_LZSS */
#define IAP_CAP_PROGRESS 0x40u /* v2: START takes IAP_START_F_PROGRESS */

/*
 * Baud switching (docs/PROTOCOL.md): after answering BAUD the device
 * listens at the new rate; unless a valid request arrives there within
 * IAP_BAUD_PROVE_MS it goes back to the old one. Once proven, it goes
 * back to the rate it started with after IAP_BAUD_IDLE_MS without a
 * request (longer than any sector erase), so a host that lost the line
 * finds the device at its reset rate again.
 */
#define IAP_BAUD_PROVE_MS 1000u
#define IAP_BAUD_IDLE_MS  5000u
#define IAP_BAUD_REQ_SIZE 4u

/* Sizes of the request/response bodies (after the status for responses). */
#define IAP_START_REQ_SIZE   (4u + 256u)
#define IAP_WRITE_REQ_HDR    4u
#define IAP_STATUS_SIZE	     2u
#define IAP_INFO_MAX_REGIONS 4u
#define IAP_INFO_FIXED_SIZE  52u
#define IAP_INFO_EXT_OFF     (IAP_INFO_FIXED_SIZE + 12u * IAP_INFO_MAX_REGIONS)
#define IAP_INFO_EXT_SIZE    20u
#define IAP_INFO_EXT2_OFF    (IAP_INFO_EXT_OFF + IAP_INFO_EXT_SIZE)
#define IAP_INFO_EXT2_SIZE   8u
#define IAP_INFO_EXT3_OFF    (IAP_INFO_EXT2_OFF + IAP_INFO_EXT2_SIZE)
#define IAP_INFO_EXT3_SIZE   12u
#define IAP_INFO_SIZE	     (IAP_INFO_EXT3_OFF + IAP_INFO_EXT3_SIZE)

/*
 * Protocol v2 (docs/PROTOCOL.md): START flags byte (request offset 1; 0 in
 * v1). STREAM: the host keeps up to INFO's window of WRITE frames in
 * flight; the device erases each sector as the data reaches it and answers
 * a WRITE past a gap (bytes lost on the line) with IAP_ERR_AGAIN and its
 * next_offset, from where the host sends again.
 */
#define IAP_START_F_STREAM 0x01u
#define IAP_START_F_ALL                                               \
	(IAP_START_F_STREAM | IAP_START_F_RESUME | IAP_START_F_LZSS | \
	 IAP_START_F_PROGRESS)

/*
 * Resume (docs/PROTOCOL.md): START with IAP_START_F_RESUME carries the
 * payload offset u32 the writing goes on from after the header (request
 * IAP_START_RESUME_SIZE bytes); the slot below it is kept, not erased.
 * The host finds that offset with HASH: for each flash sector of the slot
 * from offset on (clipped to [offset, offset + len)), up to
 * IAP_HASH_MAX_ENTRIES of them, the device answers the first
 * IAP_HASH_DIGEST_SIZE bytes of the SHA-256 of those bytes and whether
 * they are all erased. Answer body: offset u32, count u8, 0, blank mask
 * u16 (bit i: entry i all 0xFF), then count digests.
 */
#define IAP_START_F_RESUME 0x02u
/*
 * Compressed transfer (docs/PROTOCOL.md, "Compressed transfer"): the WRITE
 * data is an LZSS stream (docs/COMPRESSION.md) of the image from the
 * resume offset (0 without RESUME) on, its window at most INFO's
 * lzss_bits; WRITE offsets and next_offset count stream bytes, and the
 * device feeds what it decompresses to the slot. The hash is over the
 * decompressed image, as always.
 */
#define IAP_START_F_LZSS      0x04u
#define IAP_START_RESUME_SIZE (IAP_START_REQ_SIZE + 4u)
#define IAP_HASH_REQ_SIZE     12u
#define IAP_HASH_MAX_ENTRIES  14u
#define IAP_HASH_DIGEST_SIZE  8u
#define IAP_HASH_RESP_HDR     8u

/*
 * Progress events (docs/PROTOCOL.md, "Progress events"): in a session
 * whose START had IAP_START_F_PROGRESS, while START erases the slot (not
 * in a stream session: it erases ahead of the data there) and while
 * FINISH reads the image back, the device sends PROGRESS frames (cmd
 * IAP_CMD_PROGRESS | IAP_CMD_RESP, the seq of the request at work) at
 * each quarter of the work: status 0 (int16), phase u8, 0, done u32,
 * total u32 (bytes). The request's own answer follows as always; a host
 * that does not know PROGRESS drops the frames as stale answers.
 */
#define IAP_START_F_PROGRESS 0x08u
#define IAP_PROGRESS_ERASE   1u
#define IAP_PROGRESS_VERIFY  2u
#define IAP_PROGRESS_SIZE    12u
#define IAP_PROGRESS_STEPS   4u

/* The most frames a device announces in flight (seq space is 256). */
#define IAP_WINDOW_MAX 32u

/* The smallest max_payload a device may announce: START must fit. */
#define IAP_MIN_PAYLOAD IAP_START_REQ_SIZE

enum iap_dev_state {
	IAP_STATE_IDLE = 0,	 /* waiting for START */
	IAP_STATE_RECEIVING = 1, /* START accepted, slot erased, WRITEs go */
	IAP_STATE_VERIFIED = 2	 /* FINISH passed, metadata committed */
};

/* INFO response body (encoded LE; see docs/PROTOCOL.md for offsets). */
struct iap_info {
	uint8_t proto_version;
	uint8_t caps; /* capability bits, 0 in v1 */
	uint16_t max_payload;
	uint32_t loader_version;
	uint32_t board_id;
	uint32_t app_addr, app_size;
	uint32_t stage_addr, stage_size;
	uint32_t meta_addr;
	uint32_t write_size;
	uint8_t state;	   /* enum iap_dev_state */
	uint8_t app_valid; /* 1: a committed, verified image is installed */
	uint8_t app_ver_major, app_ver_minor;
	uint16_t app_ver_patch;
	uint32_t app_ver_build;
	uint8_t region_count;
	struct {
		uint32_t addr, sector_size, count;
	} regions[IAP_INFO_MAX_REGIONS];
	/* Appended (0 from a device that does not send them): */
	uint32_t stage_meta_addr;
	uint8_t install;     /* enum iap_install_kind */
	uint8_t stage_state; /* enum iap_stage_state */
	uint8_t boot_event;  /* enum iap_boot_event of the last boot */
	int16_t boot_err;    /* its error code */
	uint8_t stage_ver_major, stage_ver_minor; /* staged image, when */
	uint16_t stage_ver_patch;		  /* stage_state != 0 */
	uint32_t stage_ver_build;
	uint8_t app_state;  /* enum iap_image_state of the installed image */
	uint8_t boots_left; /* app_state TEST: boots before a revert */
	uint8_t stage_role; /* enum iap_stage_role (swap) */
	/* Appended in v2 (0 from a v1 device): */
	uint8_t window;	   /* WRITE frames the host may keep in flight */
	uint8_t lzss_bits; /* log2 of the LZSS window it takes (0: none) */
	uint32_t rx_ring;  /* bytes the device buffers while flash is busy */
	/* Appended with signatures (0 from an older device): */
	uint8_t trust;	      /* IAP_TRUST_INFO_* (iap_trust.h) */
	uint8_t key_count;    /* keys in its table, revoked ones included */
	uint32_t rollback;    /* its anti-rollback record */
	uint32_t app_counter; /* security counter of the installed image */
};

/** Serialise an INFO body; returns the number of bytes (IAP_INFO_SIZE). */
size_t iap_info_encode(const struct iap_info *in, uint8_t *out);
/** Parse an INFO body of len bytes. Returns 0 or IAP_ERR_BADMSG. */
int iap_info_decode(const uint8_t *in, size_t len, struct iap_info *out);

/**
 * iap_frame_encode() - build a whole frame in out.
 * Returns its length in bytes, or IAP_ERR_OVERFLOW if out_size is too small.
 */
int iap_frame_encode(uint8_t *out, size_t out_size, uint8_t cmd, uint8_t seq,
		     const void *payload, uint16_t len);

/*
 * Byte-fed frame decoder. No I/O: the caller sinks whatever bytes it has;
 * when a complete frame with a good CRC is in, sink stops and reports it.
 * Bad frames are dropped and the decoder hunts for the next SOF; the
 * counters say what was dropped.
 */
struct iap_dec {
	uint8_t *buf;  /* caller-owned payload buffer */
	uint16_t cap;  /* its size = largest payload accepted */
	uint8_t state; /* internal */
	uint8_t hdr[IAP_FRAME_HDR_SIZE];
	uint8_t crc[IAP_FRAME_CRC_SIZE];
	uint16_t pos; /* bytes of the current part received */
	uint16_t len; /* payload length of the current frame */
	/* Frame available after IAP_DEC_FRAME: */
	uint8_t cmd, seq;
	uint16_t frame_len;
	/* Statistics */
	uint32_t frames, bad_hdr, bad_crc, too_long, junk;
};

#define IAP_DEC_MORE  0 /* all input consumed, no frame yet */
#define IAP_DEC_FRAME 1 /* a frame is ready in cmd/seq/buf/frame_len */

/** Prepare d over a payload buffer of cap bytes. Cannot fail. */
void iap_dec_init(struct iap_dec *d, uint8_t *buf, uint16_t cap);
/** Forget any partial frame (e.g. after an idle gap). Cannot fail. */
void iap_dec_reset(struct iap_dec *d);
/**
 * iap_dec_sink() - feed up to len bytes; *consumed tells how many were
 * used. Returns IAP_DEC_FRAME (stopped right after a frame; the frame stays
 * valid until the next call) or IAP_DEC_MORE.
 */
int iap_dec_sink(struct iap_dec *d, const uint8_t *data, size_t len,
		 size_t *consumed);

/*
 * Little-endian helpers shared by the codec users. On a little-endian
 * target the copy is one (unaligned) load or store: Cortex-M3/M4 allow
 * them to normal memory, x86 too; byte by byte elsewhere.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint16_t iap_get_le16(const uint8_t *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}
static inline uint32_t iap_get_le32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}
static inline void iap_put_le16(uint8_t *p, uint16_t v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}
static inline void iap_put_le32(uint8_t *p, uint32_t v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}
#else
static inline uint16_t iap_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t iap_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}
static inline void iap_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void iap_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* IAP_PROTO_H */
