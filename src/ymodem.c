/*
 * iapboot - YModem receiver (what goes over the line: iap_ymodem.h).
 *
 * Byte states:
 *
 *   HDR --SOH/STX--> BLOCK --n ~n data crc--> checked: good -> HDR
 *    |                 |  gap > byte_ms: NAK -> HDR           bad -> PURGE
 *    +--other byte (in a file)--> PURGE --quiet purge_ms: NAK--> HDR
 *
 * Session phases: FILE0 (block 0 wanted, 'C' polls) -> DATA (blocks, EOT)
 * -> EOT (first EOT NAKed, the second wanted) -> FILE0 (the next file or
 * the empty block 0) ... -> END.
 */
#include <string.h>

#include "iap/iap_err.h"
#include "iap/iap_ymodem.h"

enum ym_state { ST_HDR = 0, ST_BLOCK, ST_PURGE };
enum ym_phase { PH_FILE0 = 0, PH_DATA, PH_EOT, PH_END };

uint16_t iap_crc16_xmodem(uint16_t crc, const uint8_t *data, size_t len)
{
	uint32_t c = crc;

	while (len--) {
		c ^= (uint32_t)*data++ << 8;
		for (int i = 0; i < 8; i++) {
			c = (c << 1) ^ (0x1021u & (0u - ((c >> 15) & 1u)));
		}
	}
	return (uint16_t)c;
}

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

static int put(struct iap_ymodem *y, uint32_t now_ms, const uint8_t *b,
	       size_t n)
{
	y->t_tx = now_ms;
	return y->cfg.send(y->cfg.send_ctx, b, n);
}

static int put1(struct iap_ymodem *y, uint32_t now_ms, uint8_t b)
{
	return put(y, now_ms, &b, 1);
}

/* The session ends with err; the receiver's own decisions send CANs. */
static int fail(struct iap_ymodem *y, uint32_t now_ms, int err, int cancel)
{
	static const uint8_t cans[IAP_YMODEM_CANCEL_COUNT] = {
		IAP_YMODEM_CAN, IAP_YMODEM_CAN, IAP_YMODEM_CAN, IAP_YMODEM_CAN,
		IAP_YMODEM_CAN};

	y->phase = PH_END;
	y->state = ST_HDR;
	y->result = err;
	if (cancel) {
		(void)put(y, now_ms, cans, sizeof(cans));
	}
	return err;
}

static int done(struct iap_ymodem *y)
{
	y->phase = PH_END;
	y->state = ST_HDR;
	y->result = IAP_YMODEM_DONE;
	return IAP_YMODEM_DONE;
}

/* ACK, and 'C': send the next block (after block 0 and EOT). */
static int ack_c(struct iap_ymodem *y, uint32_t now_ms)
{
	static const uint8_t b[2] = {IAP_YMODEM_ACK, IAP_YMODEM_CRC};

	return put(y, now_ms, b, sizeof(b));
}

/* Wait for block 0 again (of the next file, or the end of the batch). */
static int want_file0(struct iap_ymodem *y, uint32_t now_ms)
{
	y->phase = PH_FILE0;
	y->polls = 1;
	return ack_c(y, now_ms);
}

/* EOT of the file, acknowledged: all bytes in, the caller's verdict. */
static int file_end(struct iap_ymodem *y, uint32_t now_ms)
{
	int r;

	if (y->got != y->size) {
		return fail(y, now_ms, IAP_ERR_PROTO, 1);
	}
	r = y->cfg.end(y->cfg.ctx);
	if (r) {
		return fail(y, now_ms, r, 1);
	}
	y->files++;
	return want_file0(y, now_ms);
}

/* A NAK, counted; with poll, a 'C' while the first data block is still
 * wanted (the sender did not hear the one after block 0). */
static int nak(struct iap_ymodem *y, uint32_t now_ms, int err, int poll)
{
	uint8_t b = IAP_YMODEM_NAK;

	y->state = ST_HDR;
	if (++y->errors > or_default(y->cfg.retries, IAP_YMODEM_RETRIES)) {
		return fail(y, now_ms, err, 1);
	}
	if (poll && y->phase == PH_DATA && y->expect == 1 && !y->have_prev) {
		b = IAP_YMODEM_CRC;
	}
	y->naks++;
	return put1(y, now_ms, b);
}

/* Block 0: "name\0size[ mtime mode ...]\0...". */
static int block0(struct iap_ymodem *y, uint32_t now_ms)
{
	const uint8_t *b = y->cfg.buf;
	uint32_t size = 0;
	size_t i = 0;
	int r;

	if (b[0] == 0) {
		/* The empty block 0: the batch is over. */
		r = put1(y, now_ms, IAP_YMODEM_ACK);
		return r ? fail(y, now_ms, r, 0) : done(y);
	}
	while (i < y->len && b[i]) {
		i++; /* the name */
	}
	if (++i >= y->len || b[i] < '0' || b[i] > '9') {
		return fail(y, now_ms, IAP_ERR_BADMSG, 1); /* no size */
	}
	for (; i < y->len && b[i] >= '0' && b[i] <= '9'; i++) {
		uint32_t d = (uint32_t)(b[i] - '0');

		if (size > (UINT32_MAX - d) / 10u) {
			return fail(y, now_ms, IAP_ERR_FBIG, 1);
		}
		size = size * 10u + d;
	}
	if (i < y->len && b[i] != ' ' && b[i] != 0) {
		return fail(y, now_ms, IAP_ERR_BADMSG, 1);
	}
	r = y->cfg.begin(y->cfg.ctx, (const char *)b, size);
	if (r) {
		return fail(y, now_ms, r, 1);
	}
	y->size = size;
	y->got = 0;
	y->expect = 1;
	y->have_prev = 0;
	y->phase = PH_DATA;
	return ack_c(y, now_ms);
}

static int data_block(struct iap_ymodem *y, uint32_t now_ms)
{
	uint8_t num = y->num[0];
	uint32_t n;
	int r;

	if (num == (uint8_t)(y->expect - 1u)) {
		/* Our ACK was lost: the block again, taken already (block 0
		 * again before any data: its ACK and 'C' again). */
		y->dups++;
		return y->have_prev ? put1(y, now_ms, IAP_YMODEM_ACK)
				    : ack_c(y, now_ms);
	}
	if (num != y->expect) {
		return fail(y, now_ms, IAP_ERR_PROTO, 1);
	}
	if (y->got >= y->size) {
		return fail(y, now_ms, IAP_ERR_FBIG, 1);
	}
	n = y->size - y->got;
	if (n > y->len) {
		n = y->len;
	}
	r = y->cfg.data(y->cfg.ctx, y->cfg.buf, n);
	if (r) {
		return fail(y, now_ms, r, 1);
	}
	y->got += n;
	y->expect++;
	y->have_prev = 1;
	return put1(y, now_ms, IAP_YMODEM_ACK);
}

static int block_done(struct iap_ymodem *y, uint32_t now_ms)
{
	uint16_t crc = (uint16_t)((y->crc[0] << 8) | y->crc[1]);

	y->state = ST_HDR;
	if ((uint8_t)(y->num[0] ^ y->num[1]) != 0xFFu ||
	    iap_crc16_xmodem(0, y->cfg.buf, y->len) != crc) {
		if (++y->errors >
		    or_default(y->cfg.retries, IAP_YMODEM_RETRIES)) {
			return fail(y, now_ms, IAP_ERR_CORRUPT, 1);
		}
		y->state = ST_PURGE; /* NAK once the line is quiet */
		return 0;
	}
	y->errors = 0;
	y->blocks++;
	if (y->phase == PH_FILE0) {
		if (y->num[0] != 0) {
			return fail(y, now_ms, IAP_ERR_PROTO, 1);
		}
		return block0(y, now_ms);
	}
	y->phase = PH_DATA; /* a block after a NAKed "EOT": it was noise */
	return data_block(y, now_ms);
}

static int eot(struct iap_ymodem *y, uint32_t now_ms)
{
	switch (y->phase) {
	case PH_DATA:
		if (!y->cfg.eot_ack) {
			y->phase = PH_EOT;
			y->naks++;
			return put1(y, now_ms, IAP_YMODEM_NAK);
		}
		return file_end(y, now_ms);
	case PH_EOT:
		return file_end(y, now_ms);
	default: /* PH_FILE0 */
		if (y->files) {
			/* Our ACK of the EOT was lost: once more. */
			return want_file0(y, now_ms);
		}
		return 0; /* stray, before any file */
	}
}

static int header_byte(struct iap_ymodem *y, uint32_t now_ms, uint8_t b)
{
	if (b == IAP_YMODEM_CAN) {
		if (++y->can >= 2) {
			return fail(y, now_ms, IAP_ERR_CANCELED, 0);
		}
		return 0;
	}
	y->can = 0;
	switch (b) {
	case IAP_YMODEM_SOH:
	case IAP_YMODEM_STX:
		y->len = b == IAP_YMODEM_STX ? IAP_YMODEM_BLOCK_STX
					     : IAP_YMODEM_BLOCK_SOH;
		if (y->len > y->cfg.buf_size) {
			return fail(y, now_ms, IAP_ERR_OVERFLOW, 1);
		}
		y->hdr = b;
		y->pos = 0;
		y->state = ST_BLOCK;
		return 0;
	case IAP_YMODEM_EOT:
		return eot(y, now_ms);
	default:
		if (y->phase != PH_FILE0 || y->files) {
			y->state = ST_PURGE; /* noise inside a transfer */
		}
		/* Before the first block: keys, echoes, stale bytes. */
		return 0;
	}
}

static int block_byte(struct iap_ymodem *y, uint32_t now_ms, uint8_t b)
{
	uint16_t p = y->pos++;

	if (p < 2) {
		y->num[p] = b;
	} else if (p < y->len + 2u) {
		y->cfg.buf[p - 2u] = b;
	} else {
		y->crc[p - 2u - y->len] = b;
		if (y->pos == y->len + 4u) {
			return block_done(y, now_ms);
		}
	}
	return 0;
}

int iap_ymodem_start(struct iap_ymodem *y, const struct iap_ymodem_cfg *cfg,
		     uint32_t now_ms)
{
	memset(y, 0, sizeof(*y));
	if (!cfg->begin || !cfg->data || !cfg->end || !cfg->send || !cfg->buf ||
	    cfg->buf_size < IAP_YMODEM_BLOCK_SOH) {
		y->phase = PH_END;
		y->result = IAP_ERR_INVAL;
		return IAP_ERR_INVAL;
	}
	y->cfg = *cfg;
	y->t_rx = now_ms;
	y->polls = 1;
	if (put1(y, now_ms, IAP_YMODEM_CRC) != 0) {
		return fail(y, now_ms, IAP_ERR_IO, 0);
	}
	return IAP_YMODEM_RUN;
}

/* Nothing came in time: polls, NAKs, the end of a quiet purge. */
static int timers(struct iap_ymodem *y, uint32_t now_ms)
{
	uint32_t since_rx = now_ms - y->t_rx;
	uint32_t since_tx = now_ms - y->t_tx;

	switch (y->state) {
	case ST_BLOCK:
		if (since_rx >=
		    or_default(y->cfg.byte_ms, IAP_YMODEM_BYTE_MS)) {
			return nak(y, now_ms, IAP_ERR_TIMEDOUT, 0);
		}
		return 0;
	case ST_PURGE:
		if (since_rx >=
		    or_default(y->cfg.purge_ms, IAP_YMODEM_PURGE_MS)) {
			y->state = ST_HDR;
			y->naks++;
			return put1(y, now_ms, IAP_YMODEM_NAK);
		}
		return 0;
	default:
		break;
	}
	if (y->phase == PH_FILE0) {
		uint32_t limit = y->files ? IAP_YMODEM_END_POLLS
					  : or_default(y->cfg.c_tries,
						       IAP_YMODEM_C_TRIES);

		if (since_tx < or_default(y->cfg.c_ms, IAP_YMODEM_C_MS)) {
			return 0;
		}
		if (y->polls >= limit) {
			/* After a good file the batch end may have been lost
			 * with the sender's last bytes: done all the same. */
			return y->files ? done(y)
					: fail(y, now_ms, IAP_ERR_TIMEDOUT, 1);
		}
		y->polls++;
		return put1(y, now_ms, IAP_YMODEM_CRC);
	}
	if (since_tx >= or_default(y->cfg.block_ms, IAP_YMODEM_BLOCK_MS)) {
		return nak(y, now_ms, IAP_ERR_TIMEDOUT, 1);
	}
	return 0;
}

int iap_ymodem_input(struct iap_ymodem *y, uint32_t now_ms, const uint8_t *data,
		     size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n && y->phase != PH_END; i++) {
		uint8_t b = data[i];

		y->t_rx = now_ms;
		switch (y->state) {
		case ST_HDR:
			r = header_byte(y, now_ms, b);
			break;
		case ST_BLOCK:
			r = block_byte(y, now_ms, b);
			break;
		default: /* ST_PURGE: wait for the line to be quiet */
			break;
		}
		if (r < 0 && y->phase != PH_END) {
			return fail(y, now_ms, r, 0); /* a send error */
		}
	}
	if (y->phase != PH_END) {
		r = timers(y, now_ms);
		if (r < 0 && y->phase != PH_END) {
			return fail(y, now_ms, r, 0);
		}
	}
	return y->phase == PH_END ? y->result : IAP_YMODEM_RUN;
}
