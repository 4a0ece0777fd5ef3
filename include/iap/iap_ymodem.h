/*
 * iapboot - YModem receiver (batch, CRC-16), fed byte by byte like the
 * frame decoder: the bootloader takes a file from a terminal program
 * (Tera Term, minicom, SecureCRT, lrzsz `sb`) without the `iap` tool.
 *
 * No I/O except through the callbacks, no buffers of its own (the block
 * buffer is the caller's), time passed in as now_ms (wraps).
 *
 * What goes over the line (receiver's view):
 *
 *   -> 'C' every c_ms until the sender starts (c_tries of them)
 *   <- SOH 00 FF  name NUL size [mtime mode ...] NUL... CRC   (block 0)
 *   -> ACK 'C'                      begin(name, size); refused: CAN CAN
 *   <- SOH/STX n ~n  128/1024 bytes  CRC-16/XMODEM (high byte first)
 *   -> ACK                          data(): the new bytes, clipped to
 *                                   size (the 0x1A padding past it is
 *                                   never handed over)
 *      ACK without data()           the previous block again (a lost ACK)
 *      NAK                          bad CRC, bad complement, a gap inside
 *                                   the block (byte_ms), no block in
 *                                   block_ms; `retries` in a row: cancel
 *      CAN CAN                      another block number (out of sequence)
 *   <- EOT  -> NAK  <- EOT  -> ACK  end(); its error: CAN CAN instead of
 *                                   ACK. With eot_ack the first EOT is
 *                                   ACKed at once (both are in use).
 *   -> 'C'  <- SOH 00 FF 00...      the empty block 0 ends the batch: ACK,
 *                                   done. A sender that does not send it
 *                                   (or whose last bytes are lost) ends
 *                                   the session as done after a few 'C'.
 *   <- CAN CAN (any time)           the sender aborts: IAP_ERR_CANCELED
 *
 * The receiver cancels with IAP_YMODEM_CANCEL_COUNT CAN bytes. A file
 * without a size in block 0 is refused (data could not be clipped).
 */
#ifndef IAP_YMODEM_H
#define IAP_YMODEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IAP_YMODEM_SOH 0x01u /* 128-byte block */
#define IAP_YMODEM_STX 0x02u /* 1024-byte block */
#define IAP_YMODEM_EOT 0x04u
#define IAP_YMODEM_ACK 0x06u
#define IAP_YMODEM_NAK 0x15u
#define IAP_YMODEM_CAN 0x18u
#define IAP_YMODEM_CRC 0x43u /* 'C': send blocks with CRC-16 */
#define IAP_YMODEM_PAD 0x1Au /* padding of the last block */

#define IAP_YMODEM_BLOCK_SOH	128u
#define IAP_YMODEM_BLOCK_STX	1024u
#define IAP_YMODEM_CANCEL_COUNT 5u

/* Defaults of the zero fields of struct iap_ymodem_cfg. */
#define IAP_YMODEM_C_MS	     1000u
#define IAP_YMODEM_C_TRIES   60u
#define IAP_YMODEM_BYTE_MS   1000u
#define IAP_YMODEM_BLOCK_MS  3000u
#define IAP_YMODEM_PURGE_MS  200u
#define IAP_YMODEM_RETRIES   10u
#define IAP_YMODEM_END_POLLS 3u

struct iap_ymodem_cfg {
	/*
	 * The file, through three callbacks on ctx; each returns 0 to go
	 * on or a negative IAP_ERR_* to cancel the transfer (that error is
	 * then the session's result). name is NUL-terminated and valid
	 * during the call only; data points into buf.
	 */
	int (*begin)(void *ctx, const char *name, uint32_t size);
	int (*data)(void *ctx, const uint8_t *data, uint32_t len);
	int (*end)(void *ctx); /* after EOT: 0 = the file is good */
	void *ctx;
	/* Bytes to the sender. Returns 0 or a negative IAP_ERR_*. */
	int (*send)(void *ctx, const uint8_t *data, size_t len);
	void *send_ctx;
	uint8_t *buf;	   /* one block's data: >= 128 bytes, */
	uint16_t buf_size; /* >= 1024 to take STX blocks */
	/* Timing and limits; 0 takes the IAP_YMODEM_* default. */
	uint32_t c_ms;	   /* 'C' poll interval until block 0 */
	uint32_t byte_ms;  /* longest gap between bytes of a block */
	uint32_t block_ms; /* longest wait for the next block */
	uint32_t purge_ms; /* quiet line before the NAK of a bad block */
	uint16_t c_tries;  /* 'C' polls before giving up (timeout) */
	uint8_t retries;   /* NAKs in a row before cancelling */
	uint8_t eot_ack;   /* 1: ACK the first EOT; 0: NAK it, ACK the next */
};

struct iap_ymodem {
	struct iap_ymodem_cfg cfg;
	uint8_t state;	/* internal: what the next byte is */
	uint8_t phase;	/* internal: where the session is */
	uint8_t hdr;	/* SOH or STX of the block being received */
	uint8_t num[2]; /* its block number and complement */
	uint8_t crc[2];
	uint8_t expect;	   /* next block number */
	uint8_t can;	   /* CAN bytes in a row */
	uint8_t errors;	   /* NAKs in a row */
	uint16_t polls;	   /* 'C' sent in this wait */
	uint16_t len;	   /* data bytes of this block */
	uint16_t pos;	   /* bytes of this block taken after its header byte */
	uint8_t have_prev; /* a block of this file was taken (duplicates) */
	uint32_t size;	   /* of the file, from block 0 */
	uint32_t got;	   /* bytes handed to data() */
	uint32_t t_rx;	   /* last byte received */
	uint32_t t_tx;	   /* last poll or reply sent */
	int result;	   /* IAP_YMODEM_RUN, _DONE or the error */
	/* Statistics */
	uint32_t files, blocks, naks, dups;
};

#define IAP_YMODEM_RUN	0 /* feed more bytes (or none, for the timers) */
#define IAP_YMODEM_DONE 1 /* the batch ended; every file was accepted */

/**
 * iap_ymodem_start() - set y up over cfg and send the first 'C'.
 * Returns IAP_YMODEM_RUN, IAP_ERR_INVAL (no callbacks, buf under 128
 * bytes) or the send error.
 */
int iap_ymodem_start(struct iap_ymodem *y, const struct iap_ymodem_cfg *cfg,
		     uint32_t now_ms);

/**
 * iap_ymodem_input() - feed n received bytes (n may be 0) at now_ms; the
 * answers and the callbacks happen inside. Returns IAP_YMODEM_RUN,
 * IAP_YMODEM_DONE, or the negative error that ended the session:
 * IAP_ERR_CANCELED (the sender's CAN CAN), IAP_ERR_TIMEDOUT (no sender, or
 * timeouts in a row), IAP_ERR_CORRUPT (bad blocks in a row),
 * IAP_ERR_PROTO (a block out of sequence, EOT before size bytes),
 * IAP_ERR_BADMSG (block 0 without a name terminator or a size),
 * IAP_ERR_OVERFLOW (an STX block with buf under 1024 bytes),
 * IAP_ERR_FBIG (a block past the announced size), a callback's error or
 * a send error. The receiver has sent its CANs where it cancelled. Once
 * ended, the same result is returned and input is ignored.
 */
int iap_ymodem_input(struct iap_ymodem *y, uint32_t now_ms, const uint8_t *data,
		     size_t n);

/** iap_crc16_xmodem() - CRC-16/XMODEM (poly 0x1021, init 0) of len bytes. */
uint16_t iap_crc16_xmodem(uint16_t crc, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* IAP_YMODEM_H */
