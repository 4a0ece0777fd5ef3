/*
 * iap - host side of update protocol v1, independent of the transport.
 *
 * The client sends one request at a time and waits for the answer with the
 * same seq (stop and wait). When no answer arrives in time it sends the very
 * same frame again (same seq): the device answers a repeated request from
 * its cache without executing it twice, so a lost answer costs one resend
 * and never a second erase or write. Answers carrying another seq are left
 * over from earlier requests and are dropped.
 *
 * A struct iap_client holds both frame buffers (about 128 KiB); allocate it
 * with calloc() or give it static storage rather than putting it on a small
 * stack.
 */
#ifndef IAP_CLIENT_H
#define IAP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "iap/iap_image.h"
#include "iap/iap_proto.h"

/*
 * Transport callbacks. write sends all len bytes and returns 0 or a negative
 * IAP_ERR_*. read waits up to timeout_ms for at least one byte and returns
 * the number of bytes stored in buf (1..cap), 0 when the time ran out, or a
 * negative IAP_ERR_*.
 */
typedef int (*iap_xport_write_fn)(void *ctx, const uint8_t *data, size_t len);
typedef int (*iap_xport_read_fn)(void *ctx, uint8_t *buf, size_t cap,
				 uint32_t timeout_ms);

#define IAP_CLIENT_TIMEOUT_MS 1000u /* INFO, WRITE, BOOT, ABORT */
#define IAP_CLIENT_RETRIES    5u    /* resends after the first try */
#define IAP_CLIENT_HELLO_MS   100u  /* INFO repeat period while waiting */
/* Answers to any of the last n hellos count: every hello of a call up to
 * 12.8 s (half the seq space), so that an answer held up behind a backlog
 * on a slow line (a killed host's frames still in flight) is taken. */
#define IAP_CLIENT_HELLO_WINDOW 128u

struct iap_client {
	iap_xport_write_fn write;
	iap_xport_read_fn read;
	void *ctx;

	uint8_t seq; /* seq of the last request sent */
	struct iap_dec dec;
	uint8_t rx_payload[IAP_FRAME_MAX_PAYLOAD];
	uint8_t tx_frame[IAP_FRAME_MAX_PAYLOAD + IAP_FRAME_OVERHEAD];
	uint8_t in[512]; /* bytes read but not yet fed to the decoder */
	size_t in_pos, in_len;

	/* What the device said in its last INFO answer. */
	struct iap_info info;
	int have_info;
	uint32_t image_size; /* of the update started, for FINISH's timeout */

	/* Outcome of the last request. */
	int answered;	    /* 1: the result is the device's own status */
	uint8_t failed_cmd; /* iap_client_stream(): START or WRITE failed */
	unsigned int tries; /* frames sent for it */

	/*
	 * PROGRESS events (IAP_START_F_PROGRESS) that arrive while the
	 * answer to a request is awaited: each one is passed here (phase
	 * IAP_PROGRESS_*, bytes done of total) and restarts that request's
	 * timeout, since the device is at work. NULL: only the timeout.
	 */
	void (*on_progress)(void *ctx, uint8_t phase, uint32_t done,
			    uint32_t total);
	void *progress_ctx;

	/* Statistics over the client's life. */
	uint32_t requests, resends, stale, timeouts;
	uint32_t events;       /* PROGRESS frames taken */
	uint32_t rewinds;      /* stream: sent again from the device's offset */
	uint64_t resent_bytes; /* stream: data bytes sent more than once */
	uint64_t tx_bytes, rx_bytes;
};

/**
 * iap_client_init() - set up cl over a transport. The first request uses
 * seq first_seq + 1; pass a varying value (time, pid) so a device still
 * holding the answer to an earlier session's request does not mistake a
 * new request for a resend. Cannot fail.
 */
void iap_client_init(struct iap_client *cl, iap_xport_write_fn wr,
		     iap_xport_read_fn rd, void *ctx, uint8_t first_seq);

/**
 * iap_client_request() - send cmd with payload (len bytes) under a new seq
 * and wait up to timeout_ms for its answer; on silence send the same frame
 * again, up to retries more times. The answer's body (what follows the
 * status) is copied into resp_buf, at most resp_cap bytes, and *resp_len
 * receives the number copied (resp_buf and resp_len may be NULL).
 *
 * Returns the device's status (0 or a negative IAP_ERR_*; cl->answered is
 * 1), or, with cl->answered 0: IAP_ERR_TIMEDOUT after retries + 1 tries,
 * IAP_ERR_PROTO for an answer too short to hold a status, IAP_ERR_OVERFLOW
 * for a payload too long for a frame, or the transport's error.
 */
int iap_client_request(struct iap_client *cl, uint8_t cmd, const void *payload,
		       uint16_t len, void *resp_buf, size_t resp_cap,
		       size_t *resp_len, uint32_t timeout_ms,
		       unsigned int retries);

/**
 * iap_client_hello() - send INFO every IAP_CLIENT_HELLO_MS until the device
 * answers or wait_ms has passed.
 * A device with a valid application listens only for a short window after
 * reset, so this is how a session starts. An answer to any of the last
 * IAP_CLIENT_HELLO_WINDOW INFOs of this call is taken. On success cl->info is
 * filled. Returns 0, IAP_ERR_TIMEDOUT, the device's status, IAP_ERR_BADMSG for
 * an INFO body that does not parse, or the transport's error.
 */
int iap_client_hello(struct iap_client *cl, uint32_t wait_ms);

/**
 * iap_client_info() - ask for INFO; fills cl->info and, if out is not NULL,
 * *out. Returns 0, IAP_ERR_BADMSG (body does not parse) or as
 * iap_client_request().
 */
int iap_client_info(struct iap_client *cl, struct iap_info *out);

/**
 * iap_client_start() - START an update of the application slot with header
 * h. The device checks the header and erases before it answers, so the
 * timeout comes from iap_client_start_timeout_ms(). Returns as
 * iap_client_request().
 */
int iap_client_start(struct iap_client *cl, const struct iap_image_hdr *h);

/**
 * iap_client_start_slot() - START into slot IAP_SLOT_APP or IAP_SLOT_STAGE
 * (stage: the installed image stays, the device installs the new one after
 * BOOT; INFO caps must have IAP_CAP_STAGE). Returns as iap_client_start().
 */
int iap_client_start_slot(struct iap_client *cl, uint8_t slot,
			  const struct iap_image_hdr *h);

/**
 * iap_client_write() - WRITE len bytes of the payload at offset (multiples
 * of the device's write_size, len + 4 within its max_payload). *next_off
 * (may be NULL) receives the offset the device expects next, also when it
 * refuses the chunk. Returns as iap_client_request(), or IAP_ERR_PROTO for
 * an answer without next_offset.
 */
int iap_client_write(struct iap_client *cl, uint32_t offset,
		     const uint8_t *data, uint16_t len, uint32_t *next_off);

/**
 * iap_client_finish() - FINISH: the device hashes the slot and commits the
 * metadata. Returns as iap_client_request().
 */
int iap_client_finish(struct iap_client *cl);

/**
 * iap_client_finish_boot() - FINISH and BOOT sent together, for an update
 * of the application slot: START took the installed image, so BOOT can
 * only be accepted after this FINISH committed the new one, and after a
 * failed FINISH it is refused (IAP_ERR_NOENT) with the device still in its
 * bootloader. Saves BOOT's round trip. Returns 0 (verified, committed,
 * booting), or the first error with cl->failed_cmd saying whether FINISH
 * or BOOT failed (IAP_CMD_BOOT: the image is committed); as
 * iap_client_request() otherwise.
 */
int iap_client_finish_boot(struct iap_client *cl);

/** iap_client_boot() - BOOT. Returns as iap_client_request(). */
int iap_client_boot(struct iap_client *cl);

/** iap_client_abort() - ABORT the update in progress. As above. */
int iap_client_abort(struct iap_client *cl);

/**
 * iap_client_start_timeout_ms() - how long START may take: a generous
 * erase estimate for every sector of the meta region and of the first
 * image_size bytes of the slot, from the INFO geometry, at least 5 s.
 * Without geometry (region_count 0) a fixed 60 s. Returns milliseconds.
 */
uint32_t iap_client_start_timeout_ms(const struct iap_info *info,
				     uint32_t image_size);

/**
 * iap_client_finish_timeout_ms() - how long FINISH may take: hashing
 * image_size bytes of flash plus writing the metadata (5 s + 1 s per
 * 256 KiB). Returns milliseconds.
 */
uint32_t iap_client_finish_timeout_ms(uint32_t image_size);

/* Progress of a stream: bytes the device has acknowledged so far. */
typedef void (*iap_stream_progress_fn)(void *ctx, uint32_t acked);
/* Polled between frames: nonzero stops the stream (IAP_ERR_CANCELED). */
typedef int (*iap_stream_cancel_fn)(void *ctx);

struct iap_stream_opts {
	uint32_t chunk;	    /* data bytes per WRITE: a multiple of write_size */
	uint32_t window;    /* frames in flight (1 = stop and wait) */
	uint32_t baud;	    /* line rate, for the timeouts (0: unknown) */
	uint32_t slot_addr; /* where the payload goes (erase estimates) */
	uint32_t start;	    /* first offset to send (a resumed START's) */
	/* Compressed (IAP_START_F_LZSS): the slot offset the device has
	 * reached after off stream bytes, for the erase estimates; NULL
	 * when stream offsets are slot offsets. */
	uint32_t (*unpacked)(void *map_ctx, uint32_t off);
	void *map_ctx;
	iap_stream_progress_fn progress;
	iap_stream_cancel_fn cancel;
	void *ctx;
	/* A START to send first, with the window right behind it instead of
	 * after its answer (iap_client_start_req()); len 0: none, the
	 * session was started before. */
	const uint8_t *start_req;
	uint16_t start_len;
	uint32_t start_timeout_ms;
};

/**
 * iap_client_stream() - protocol v2: send the len bytes of data (padded to
 * the write unit) after a START with IAP_START_F_STREAM, keeping up to
 * o->window WRITE frames in flight. The device acknowledges each frame
 * with its next_offset (cumulative); an IAP_ERR_AGAIN answer (a frame was
 * lost before) or silence past the timeout sends again from the device's
 * next_offset. The timeout counts the line time of the bytes in flight and
 * the erase time of every sector they start (from the INFO geometry).
 * *acked (may be NULL) receives the bytes acknowledged, also on failure.
 *
 * With o->start_len the START goes first and the window right behind it:
 * the device takes the frames in order, so the START's erase and round
 * trip overlap the data. WRITE answers before the START's are left over
 * from an earlier session and are ignored; without START's answer in time
 * the same START frame goes again (the device answers it from its cache
 * or starts afresh) and the data again from o->start.
 *
 * Returns 0, the device's refusal of the START or a WRITE (cl->answered
 * 1, cl->failed_cmd says which),
 * IAP_ERR_TIMEDOUT after IAP_CLIENT_RETRIES + 1 silent timeouts in a row,
 * IAP_ERR_PROTO for an answer that makes no sense, IAP_ERR_CANCELED, or
 * the transport's error.
 */
int iap_client_stream(struct iap_client *cl, const uint8_t *data, uint32_t len,
		      const struct iap_stream_opts *o, uint32_t *acked);

/**
 * iap_client_start_flags() - START into slot with v2 flags
 * (IAP_START_F_*; 0 is iap_client_start_slot()). With
 * IAP_START_F_STREAM the device erases only the meta region here, so the
 * timeout covers that alone. Returns as iap_client_start().
 */
int iap_client_start_flags(struct iap_client *cl, uint8_t slot, uint8_t flags,
			   const struct iap_image_hdr *h);

/**
 * iap_client_start_at() - START with flags; with IAP_START_F_RESUME in
 * flags the device keeps the slot below payload offset from and expects
 * the WRITEs from there (from comes from iap_client_resume_point()).
 * Returns as iap_client_start().
 */
int iap_client_start_at(struct iap_client *cl, uint8_t slot, uint8_t flags,
			const struct iap_image_hdr *h, uint32_t from);

/**
 * iap_client_start_req() - the payload of that START in req, and in
 * *timeout_ms how long its answer may take; for a START that
 * iap_client_stream() sends ahead of its data. Returns the payload length.
 */
uint16_t iap_client_start_req(struct iap_client *cl, uint8_t slot,
			      uint8_t flags, const struct iap_image_hdr *h,
			      uint32_t from, uint8_t req[IAP_START_RESUME_SIZE],
			      uint32_t *timeout_ms);

/* One HASH answer: what the slot holds, sector by sector. */
struct iap_hash_ans {
	uint32_t off;	/* where the first entry starts */
	unsigned int n; /* entries */
	uint16_t blank; /* bit i: entry i is all erased */
	uint8_t digest[IAP_HASH_MAX_ENTRIES][IAP_HASH_DIGEST_SIZE];
};

/**
 * iap_client_hash() - HASH the bytes [off, off + len) of slot: one entry
 * per flash sector from off, clipped to the range, at most
 * IAP_HASH_MAX_ENTRIES (ask again from the end of the last one for the
 * rest). Returns as iap_client_request(), or IAP_ERR_PROTO for an answer
 * that does not parse.
 */
int iap_client_hash(struct iap_client *cl, uint8_t slot, uint32_t off,
		    uint32_t len, struct iap_hash_ans *out);

/**
 * iap_client_resume_point() - how much of the padded image data (len
 * bytes) the device's slot already holds, by HASH (docs/PROTOCOL.md,
 * "Resume"): *from receives the start of the first sector whose bytes
 * differ from data, or len when all agree. The sector before that one is
 * counted as missing too unless the writing had reached the next sector
 * (its first write unit agrees and is not blank): its last unit may be the
 * one a cut tore. 0 without HASH (no IAP_CAP_RESUME or no geometry in
 * INFO). Returns 0 or as iap_client_hash().
 */
int iap_client_resume_point(struct iap_client *cl, uint8_t slot,
			    const uint8_t *data, uint32_t len, uint32_t *from);

/**
 * iap_client_cmd_name() - "INFO", "START" ... for a command byte.
 * Returns a static string, "?" for unknown commands.
 */
const char *iap_client_cmd_name(uint8_t cmd);

#endif /* IAP_CLIENT_H */
