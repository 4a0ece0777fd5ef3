/*
 * iap - host side of update protocol v1 (see client.h and docs/PROTOCOL.md).
 */
#include <string.h>
#include <time.h>

#include "client.h"
#include "iap/iap_err.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void iap_client_init(struct iap_client *cl, iap_xport_write_fn wr,
		     iap_xport_read_fn rd, void *ctx, uint8_t first_seq)
{
	memset(cl, 0, sizeof(*cl));
	cl->write = wr;
	cl->read = rd;
	cl->ctx = ctx;
	cl->seq = first_seq;
	iap_dec_init(&cl->dec, cl->rx_payload, (uint16_t)IAP_FRAME_MAX_PAYLOAD);
}

static void drop_input(struct iap_client *cl)
{
	iap_dec_reset(&cl->dec);
	cl->in_pos = 0;
	cl->in_len = 0;
}

static int send_frame(struct iap_client *cl, size_t n)
{
	int err = cl->write(cl->ctx, cl->tx_frame, n);

	if (err) {
		return err < 0 ? err : IAP_ERR_IO;
	}
	cl->tx_bytes += n;
	return 0;
}

/*
 * Feed the bytes read but not yet decoded until a whole frame is in cl->dec.
 * Returns 1 (a frame) or 0 (nothing buffered is left).
 */
static int buffered_frame(struct iap_client *cl)
{
	while (cl->in_pos < cl->in_len) {
		size_t used = 0;
		int r = iap_dec_sink(&cl->dec, &cl->in[cl->in_pos],
				     cl->in_len - cl->in_pos, &used);

		cl->in_pos += used;
		if (r == IAP_DEC_FRAME) {
			return 1;
		}
	}
	return 0;
}

/* A PROGRESS frame for a request awaited is in cl->dec: pass it on. */
static void take_event(struct iap_client *cl)
{
	const uint8_t *p = cl->dec.buf;

	if (cl->dec.frame_len < IAP_PROGRESS_SIZE || iap_get_le16(p)) {
		cl->stale++;
		return;
	}
	cl->events++;
	if (cl->on_progress) {
		cl->on_progress(cl->progress_ctx, p[2], iap_get_le32(&p[4]),
				iap_get_le32(&p[8]));
	}
}

/*
 * Read and decode until an answer to cmd with a seq in
 * [first_seq, first_seq + count) is in cl->dec, or timeout_ms has passed
 * (since the last PROGRESS event for one of them: the device is at work).
 * Other frames are stale answers (or echoes) and are dropped. Returns 1
 * (answer ready), 0 (time is up) or the transport's error.
 */
static int wait_answer(struct iap_client *cl, uint8_t cmd, uint8_t first_seq,
		       unsigned int count, uint32_t timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	uint8_t want = (uint8_t)(cmd | IAP_CMD_RESP);

	for (;;) {
		uint64_t t;
		int n;

		while (buffered_frame(cl)) {
			if ((uint8_t)(cl->dec.seq - first_seq) >= count) {
				cl->stale++;
			} else if (cl->dec.cmd == want) {
				return 1;
			} else if (cl->dec.cmd ==
				   (IAP_CMD_PROGRESS | IAP_CMD_RESP)) {
				take_event(cl);
				deadline = now_ms() + timeout_ms;
			} else {
				cl->stale++;
			}
		}
		cl->in_pos = 0;
		cl->in_len = 0;
		t = now_ms();
		if (t >= deadline) {
			return 0;
		}
		n = cl->read(cl->ctx, cl->in, sizeof(cl->in),
			     (uint32_t)(deadline - t));
		if (n < 0) {
			return n;
		}
		if (n == 0) {
			return 0; /* the transport waited the whole time */
		}
		if ((size_t)n > sizeof(cl->in)) {
			return IAP_ERR_IO;
		}
		cl->rx_bytes += (uint64_t)n;
		cl->in_len = (size_t)n;
	}
}

/* Split the answer in cl->dec into status and body. */
static int take_answer(struct iap_client *cl, void *resp_buf, size_t resp_cap,
		       size_t *resp_len)
{
	const uint8_t *p = cl->dec.buf;
	size_t n = cl->dec.frame_len;
	int status;

	if (n < IAP_STATUS_SIZE) {
		return IAP_ERR_PROTO;
	}
	status = (int16_t)iap_get_le16(p);
	if (status > 0) {
		return IAP_ERR_PROTO;
	}
	n -= IAP_STATUS_SIZE;
	if (n > resp_cap) {
		n = resp_cap;
	}
	if (resp_buf && n) {
		memcpy(resp_buf, p + IAP_STATUS_SIZE, n);
	}
	if (resp_len) {
		*resp_len = resp_buf ? n : 0;
	}
	cl->answered = 1;
	return status;
}

int iap_client_request(struct iap_client *cl, uint8_t cmd, const void *payload,
		       uint16_t len, void *resp_buf, size_t resp_cap,
		       size_t *resp_len, uint32_t timeout_ms,
		       unsigned int retries)
{
	int n;

	cl->answered = 0;
	cl->tries = 0;
	if (resp_len) {
		*resp_len = 0;
	}
	/* payload may point into tx_frame itself: the encoder moves it. */
	n = iap_frame_encode(cl->tx_frame, sizeof(cl->tx_frame), cmd,
			     (uint8_t)(cl->seq + 1u), payload, len);
	if (n < 0) {
		return n;
	}
	cl->seq++;
	cl->requests++;
	for (;;) {
		int r = send_frame(cl, (size_t)n);

		if (r) {
			return r;
		}
		cl->tries++;
		r = wait_answer(cl, cmd, cl->seq, 1, timeout_ms);
		if (r < 0) {
			return r;
		}
		if (r > 0) {
			return take_answer(cl, resp_buf, resp_cap, resp_len);
		}
		cl->timeouts++;
		if (cl->tries > retries) {
			return IAP_ERR_TIMEDOUT;
		}
		/* A partial frame left from the silence would swallow the
		 * start of the next answer. */
		drop_input(cl);
		cl->resends++;
	}
}

static int parse_info(struct iap_client *cl, const uint8_t *body, size_t len)
{
	struct iap_info in;
	int err = iap_info_decode(body, len, &in);

	if (err) {
		return err;
	}
	cl->info = in;
	cl->have_info = 1;
	return 0;
}

int iap_client_hello(struct iap_client *cl, uint32_t wait_ms)
{
	uint8_t body[IAP_INFO_SIZE];
	uint64_t deadline = now_ms() + wait_ms;
	unsigned int sent = 0;

	cl->answered = 0;
	cl->tries = 0;
	for (;;) {
		unsigned int count;
		uint64_t t;
		uint32_t slice;
		size_t len = 0;
		int n, r;

		n = iap_frame_encode(cl->tx_frame, sizeof(cl->tx_frame),
				     IAP_CMD_INFO, (uint8_t)(cl->seq + 1u),
				     NULL, 0);
		if (n < 0) {
			return n;
		}
		cl->seq++;
		cl->requests++;
		r = send_frame(cl, (size_t)n);
		if (r) {
			return r;
		}
		sent++;
		cl->tries = sent;
		/* Any of the recent INFOs may be the one answered. */
		count = sent < IAP_CLIENT_HELLO_WINDOW
				? sent
				: IAP_CLIENT_HELLO_WINDOW;
		t = now_ms();
		slice = IAP_CLIENT_HELLO_MS;
		if (deadline > t && deadline - t < slice) {
			slice = (uint32_t)(deadline - t);
		}
		r = wait_answer(cl, IAP_CMD_INFO,
				(uint8_t)(cl->seq - (count - 1u)), count,
				slice);
		if (r < 0) {
			return r;
		}
		if (r > 0) {
			r = take_answer(cl, body, sizeof(body), &len);
			if (r) {
				return r;
			}
			return parse_info(cl, body, len);
		}
		if (now_ms() >= deadline) {
			cl->timeouts++;
			return IAP_ERR_TIMEDOUT;
		}
	}
}

int iap_client_info(struct iap_client *cl, struct iap_info *out)
{
	uint8_t body[IAP_INFO_SIZE];
	size_t len = 0;
	int err;

	err = iap_client_request(cl, IAP_CMD_INFO, NULL, 0, body, sizeof(body),
				 &len, IAP_CLIENT_TIMEOUT_MS,
				 IAP_CLIENT_RETRIES);
	if (err) {
		return err;
	}
	err = parse_info(cl, body, len);
	if (!err && out) {
		*out = cl->info;
	}
	return err;
}

/* Erase time of one sector: datasheet maxima with room to spare (F1 1 KiB
 * page 40 ms, F4 128 KiB sector up to 4 s with x8 parallelism). */
static uint64_t sector_erase_ms(uint32_t sector_size)
{
	return 100u + 40u * (((uint64_t)sector_size + 1023u) / 1024u);
}

/* Erase estimate for every sector overlapping [addr, addr + len). */
static uint64_t span_erase_ms(const struct iap_info *info, uint32_t addr,
			      uint32_t len)
{
	uint64_t lo = addr, hi = (uint64_t)addr + len, total = 0;

	for (uint8_t i = 0; i < info->region_count; i++) {
		uint64_t ss = info->regions[i].sector_size;
		uint64_t rs = info->regions[i].addr;
		uint64_t re = rs + ss * info->regions[i].count;
		uint64_t a, b;

		if (!ss || hi <= rs || lo >= re) {
			continue;
		}
		a = lo > rs ? (lo - rs) / ss : 0;
		b = hi < re ? (hi - rs + ss - 1u) / ss
			    : (uint64_t)info->regions[i].count;
		total += (b - a) * sector_erase_ms((uint32_t)ss);
	}
	return total;
}

uint32_t iap_client_start_timeout_ms(const struct iap_info *info,
				     uint32_t image_size)
{
	uint64_t ms;

	if (!info || !info->region_count) {
		return 60000u;
	}
	ms = span_erase_ms(info, info->app_addr, image_size ? image_size : 1);
	/* INFO gives where meta starts, not its size: count its first
	 * sector twice in case it spans two. */
	ms += 2u * span_erase_ms(info, info->meta_addr, 1);
	ms += IAP_CLIENT_TIMEOUT_MS;
	if (ms < 5000u) {
		ms = 5000u;
	}
	if (ms > 600000u) {
		ms = 600000u;
	}
	return (uint32_t)ms;
}

uint32_t iap_client_finish_timeout_ms(uint32_t image_size)
{
	uint64_t quarters = ((uint64_t)image_size + 262143u) / 262144u;

	return (uint32_t)(5000u + 1000u * quarters);
}

int iap_client_start(struct iap_client *cl, const struct iap_image_hdr *h)
{
	return iap_client_start_slot(cl, IAP_SLOT_APP, h);
}

int iap_client_start_slot(struct iap_client *cl, uint8_t slot,
			  const struct iap_image_hdr *h)
{
	return iap_client_start_flags(cl, slot, 0, h);
}

int iap_client_start_flags(struct iap_client *cl, uint8_t slot, uint8_t flags,
			   const struct iap_image_hdr *h)
{
	return iap_client_start_at(
		cl, slot, (uint8_t)(flags & ~IAP_START_F_RESUME), h, 0);
}

uint16_t iap_client_start_req(struct iap_client *cl, uint8_t slot,
			      uint8_t flags, const struct iap_image_hdr *h,
			      uint32_t from, uint8_t req[IAP_START_RESUME_SIZE],
			      uint32_t *timeout_ms)
{
	uint16_t len = IAP_START_REQ_SIZE;
	struct iap_info st;

	memset(req, 0, 4);
	req[0] = slot;
	req[1] = flags;
	iap_image_hdr_encode(h, &req[4]);
	if (flags & IAP_START_F_RESUME) {
		iap_put_le32(&req[IAP_START_REQ_SIZE], from);
		len = IAP_START_RESUME_SIZE;
	}
	/* Staged, the erases are in the stage slot and its meta region. */
	st = cl->info;
	if (slot == IAP_SLOT_STAGE) {
		st.app_addr = st.stage_addr;
		st.meta_addr = st.stage_meta_addr;
	}
	/* Streaming, the slot's sectors are erased later, with the data. */
	*timeout_ms = iap_client_start_timeout_ms(
		cl->have_info ? &st : NULL,
		(flags & IAP_START_F_STREAM) ? 0u : h->image_size);
	cl->image_size = h->image_size;
	return len;
}

int iap_client_start_at(struct iap_client *cl, uint8_t slot, uint8_t flags,
			const struct iap_image_hdr *h, uint32_t from)
{
	uint8_t req[IAP_START_RESUME_SIZE];
	uint32_t timeout;
	uint16_t len =
		iap_client_start_req(cl, slot, flags, h, from, req, &timeout);

	cl->failed_cmd = IAP_CMD_START;
	return iap_client_request(cl, IAP_CMD_START, req, len, NULL, 0, NULL,
				  timeout, IAP_CLIENT_RETRIES);
}

int iap_client_write(struct iap_client *cl, uint32_t offset,
		     const uint8_t *data, uint16_t len, uint32_t *next_off)
{
	uint8_t *payload = &cl->tx_frame[IAP_FRAME_HDR_SIZE];
	uint8_t body[4];
	size_t blen = 0;
	size_t plen = (size_t)len + IAP_WRITE_REQ_HDR;
	int err;

	cl->answered = 0;
	cl->tries = 0;
	if (!len || plen > IAP_FRAME_MAX_PAYLOAD ||
	    (cl->have_info && plen > cl->info.max_payload)) {
		return IAP_ERR_OVERFLOW;
	}
	/* Assemble the payload where the frame will hold it. */
	iap_put_le32(payload, offset);
	memmove(&payload[IAP_WRITE_REQ_HDR], data, len);
	err = iap_client_request(cl, IAP_CMD_WRITE, payload, (uint16_t)plen,
				 body, sizeof(body), &blen,
				 IAP_CLIENT_TIMEOUT_MS, IAP_CLIENT_RETRIES);
	if (cl->answered && blen == sizeof(body)) {
		if (next_off) {
			*next_off = iap_get_le32(body);
		}
	} else if (cl->answered && !err) {
		cl->answered = 0;
		return IAP_ERR_PROTO;
	}
	return err;
}

int iap_client_finish(struct iap_client *cl)
{
	return iap_client_request(cl, IAP_CMD_FINISH, NULL, 0, NULL, 0, NULL,
				  iap_client_finish_timeout_ms(cl->image_size),
				  IAP_CLIENT_RETRIES);
}

/* FINISH and BOOT, back to back, as one write (empty payloads). */
static int send_finish_boot(struct iap_client *cl, uint8_t fseq, int finish)
{
	size_t n = 0;
	int k;

	if (finish) {
		k = iap_frame_encode(cl->tx_frame, sizeof(cl->tx_frame),
				     IAP_CMD_FINISH, fseq, NULL, 0);
		if (k < 0) {
			return k;
		}
		n = (size_t)k;
	}
	k = iap_frame_encode(&cl->tx_frame[n], sizeof(cl->tx_frame) - n,
			     IAP_CMD_BOOT, (uint8_t)(fseq + 1u), NULL, 0);
	if (k < 0) {
		return k;
	}
	cl->tries++;
	return send_frame(cl, n + (size_t)k);
}

int iap_client_finish_boot(struct iap_client *cl)
{
	uint8_t fseq = (uint8_t)(cl->seq + 1u);
	uint32_t timeout = iap_client_finish_timeout_ms(cl->image_size);
	int finished = 0;
	uint64_t deadline;
	int err;

	cl->seq = (uint8_t)(cl->seq + 2u);
	cl->requests += 2;
	cl->answered = 0;
	cl->tries = 0;
	cl->failed_cmd = IAP_CMD_FINISH;
	err = send_finish_boot(cl, fseq, 1);
	deadline = now_ms() + timeout;
	while (!err) {
		uint64_t t;
		int n;

		while (buffered_frame(cl)) {
			uint8_t cmd = cl->dec.cmd, seq = cl->dec.seq;
			int status;

			if (cmd == (IAP_CMD_PROGRESS | IAP_CMD_RESP) &&
			    seq == fseq) {
				take_event(cl);
				deadline = now_ms() + timeout;
				continue;
			}
			if (!((cmd == (IAP_CMD_FINISH | IAP_CMD_RESP) &&
			       seq == fseq) ||
			      (cmd == (IAP_CMD_BOOT | IAP_CMD_RESP) &&
			       seq == (uint8_t)(fseq + 1u))) ||
			    cl->dec.frame_len < IAP_STATUS_SIZE) {
				cl->stale++;
				continue;
			}
			status = (int16_t)iap_get_le16(cl->dec.buf);
			if (status > 0) {
				return IAP_ERR_PROTO;
			}
			cl->answered = 1;
			if (cmd == (IAP_CMD_BOOT | IAP_CMD_RESP)) {
				/* BOOT is 0 only once this FINISH committed
				 * (START took the old image); refused with
				 * FINISH's answer lost, FINISH failed. */
				cl->failed_cmd = finished || !status
							 ? IAP_CMD_BOOT
							 : IAP_CMD_FINISH;
				return status;
			}
			if (status) {
				return status; /* BOOT's answer is NOENT */
			}
			finished = 1;
			cl->failed_cmd = IAP_CMD_BOOT;
			deadline = now_ms() + IAP_CLIENT_TIMEOUT_MS;
		}
		cl->in_pos = 0;
		cl->in_len = 0;
		t = now_ms();
		if (t >= deadline) {
			cl->timeouts++;
			if (cl->tries > IAP_CLIENT_RETRIES) {
				return IAP_ERR_TIMEDOUT;
			}
			/* The same frames again: the device answers a request
			 * it did last from its cache. */
			drop_input(cl);
			cl->resends++;
			err = send_finish_boot(cl, fseq, !finished);
			deadline = now_ms() +
				   (finished ? IAP_CLIENT_TIMEOUT_MS : timeout);
			continue;
		}
		n = cl->read(cl->ctx, cl->in, sizeof(cl->in),
			     (uint32_t)(deadline - t));
		if (n < 0) {
			return n;
		}
		if ((size_t)n > sizeof(cl->in)) {
			return IAP_ERR_IO;
		}
		cl->rx_bytes += (uint64_t)n;
		cl->in_len = (size_t)n;
	}
	return err;
}

int iap_client_boot(struct iap_client *cl)
{
	return iap_client_request(cl, IAP_CMD_BOOT, NULL, 0, NULL, 0, NULL,
				  IAP_CLIENT_TIMEOUT_MS, IAP_CLIENT_RETRIES);
}

int iap_client_abort(struct iap_client *cl)
{
	return iap_client_request(cl, IAP_CMD_ABORT, NULL, 0, NULL, 0, NULL,
				  IAP_CLIENT_TIMEOUT_MS, IAP_CLIENT_RETRIES);
}

const char *iap_client_cmd_name(uint8_t cmd)
{
	switch (cmd & (uint8_t)~IAP_CMD_RESP) {
	case IAP_CMD_INFO:
		return "INFO";
	case IAP_CMD_START:
		return "START";
	case IAP_CMD_WRITE:
		return "WRITE";
	case IAP_CMD_FINISH:
		return "FINISH";
	case IAP_CMD_BOOT:
		return "BOOT";
	case IAP_CMD_ABORT:
		return "ABORT";
	case IAP_CMD_BAUD:
		return "BAUD";
	case IAP_CMD_HASH:
		return "HASH";
	case IAP_CMD_PROGRESS:
		return "PROGRESS";
	default:
		return "?";
	}
}

/* Erase estimate of the sectors that start inside [addr, addr + len). */
static uint64_t sector_starts_ms(const struct iap_info *info, uint32_t addr,
				 uint32_t len)
{
	uint64_t lo = addr, hi = (uint64_t)addr + len, total = 0;

	for (uint8_t i = 0; i < info->region_count; i++) {
		uint64_t ss = info->regions[i].sector_size;
		uint64_t rs = info->regions[i].addr;
		uint64_t re = rs + ss * info->regions[i].count;
		uint64_t a;

		if (!ss || hi <= rs || lo >= re) {
			continue;
		}
		a = lo > rs ? (lo - rs + ss - 1u) / ss * ss + rs : rs;
		for (; a < hi && a < re; a += ss) {
			total += sector_erase_ms((uint32_t)ss);
		}
	}
	return total;
}

/* One WRITE frame in flight. */
struct sent {
	uint32_t off, len;
};

struct stream {
	struct iap_client *cl;
	const struct iap_stream_opts *o;
	const uint8_t *data;
	uint32_t len;	   /* padded length */
	uint32_t acked;	   /* device's next_offset, as far as it told us */
	uint32_t send_off; /* next byte to send */
	uint32_t high;	   /* first byte never sent */
	uint8_t first_seq; /* seq of the stream's first frame */
	uint8_t epoch_seq; /* first seq sent since the last rewind */
	uint8_t start_seq; /* of the START sent ahead (o->start_len) */
	int started;	   /* its answer is in (or there is none) */
	struct sent fl[IAP_WINDOW_MAX];
	unsigned int n_fl;   /* frames in fl, oldest first */
	uint64_t t_event;    /* last progress (or rewind) */
	unsigned int silent; /* timeouts in a row */
	uint32_t chunk;	     /* data bytes per frame now */
	uint32_t min_chunk;  /* smallest it shrinks to */
	unsigned int clean;  /* frames acknowledged since the last rewind */
};

/* Frames on this line keep failing: make them shorter. */
static void stream_shrink(struct stream *st)
{
	uint32_t ws = st->cl->have_info && st->cl->info.write_size
			      ? st->cl->info.write_size
			      : 1u;
	uint32_t c = st->chunk / 2u / ws * ws;

	st->chunk = c > st->min_chunk ? c : st->min_chunk;
	st->clean = 0;
}

/* A run of clean frames: back towards the full size. */
static void stream_grow(struct stream *st)
{
	if (++st->clean >= 16u && st->chunk < st->o->chunk) {
		uint32_t c = st->chunk * 2u;

		st->chunk = c < st->o->chunk ? c : st->o->chunk;
		st->clean = 0;
	}
}

static int stream_send_one(struct stream *st)
{
	struct iap_client *cl = st->cl;
	uint8_t *payload = &cl->tx_frame[IAP_FRAME_HDR_SIZE];
	uint32_t n = st->len - st->send_off;
	int fn;

	if (n > st->chunk) {
		n = st->chunk;
	}
	iap_put_le32(payload, st->send_off);
	memcpy(&payload[IAP_WRITE_REQ_HDR], &st->data[st->send_off], n);
	fn = iap_frame_encode(cl->tx_frame, sizeof(cl->tx_frame), IAP_CMD_WRITE,
			      (uint8_t)(cl->seq + 1u), payload,
			      (uint16_t)(n + IAP_WRITE_REQ_HDR));
	if (fn < 0) {
		return fn;
	}
	cl->seq++;
	cl->requests++;
	if (st->send_off < st->high) {
		cl->resent_bytes += n;
	}
	st->fl[st->n_fl].off = st->send_off;
	st->fl[st->n_fl].len = n;
	st->n_fl++;
	st->send_off += n;
	if (st->send_off > st->high) {
		st->high = st->send_off;
	}
	return send_frame(cl, (size_t)fn);
}

/* The START ahead of the data; again: the same frame (same seq). */
static int stream_send_start(struct stream *st, int again)
{
	struct iap_client *cl = st->cl;
	int fn;

	if (!again) {
		st->start_seq = (uint8_t)(cl->seq + 1u);
		cl->seq++;
		cl->requests++;
	}
	fn = iap_frame_encode(cl->tx_frame, sizeof(cl->tx_frame), IAP_CMD_START,
			      st->start_seq, st->o->start_req,
			      st->o->start_len);
	if (fn < 0) {
		return fn;
	}
	return send_frame(cl, (size_t)fn);
}

/* The answer to the START sent ahead is in cl->dec. */
static int stream_started(struct stream *st)
{
	struct iap_client *cl = st->cl;
	int status;

	if (cl->dec.frame_len < IAP_STATUS_SIZE) {
		return IAP_ERR_PROTO;
	}
	status = (int16_t)iap_get_le16(cl->dec.buf);
	if (status > 0) {
		return IAP_ERR_PROTO;
	}
	if (status) {
		cl->answered = 1;
		cl->failed_cmd = IAP_CMD_START;
		return status;
	}
	st->started = 1;
	st->t_event = now_ms(); /* the window's time runs from here */
	return 0;
}

/* How long the frames in flight may take to be acknowledged. */
static uint32_t stream_timeout_ms(const struct stream *st)
{
	const struct iap_client *cl = st->cl;
	uint64_t bytes = 0, ms = IAP_CLIENT_TIMEOUT_MS;

	for (unsigned int i = 0; i < st->n_fl; i++) {
		bytes += st->fl[i].len + IAP_WRITE_REQ_HDR + IAP_FRAME_OVERHEAD;
		if (cl->have_info) {
			uint32_t a = st->fl[i].off, b = a + st->fl[i].len;

			if (st->o->unpacked) {
				a = st->o->unpacked(st->o->map_ctx, a);
				b = st->o->unpacked(st->o->map_ctx, b);
			}
			ms += sector_starts_ms(&cl->info, st->o->slot_addr + a,
					       b - a);
		}
	}
	if (st->o->baud) {
		ms += bytes * 10u * 1000u / st->o->baud;
	}
	return ms > 600000u ? 600000u : (uint32_t)ms;
}

/* Send from off again: every frame in flight after it is void. */
static void stream_rewind(struct stream *st, uint32_t off)
{
	st->send_off = off;
	st->n_fl = 0;
	st->epoch_seq = (uint8_t)(st->cl->seq + 1u);
	st->cl->rewinds++;
	stream_shrink(st);
}

static void stream_acked(struct stream *st, uint32_t next)
{
	unsigned int k = 0;

	if (next <= st->acked) {
		return;
	}
	st->acked = next;
	while (k < st->n_fl && st->fl[k].off + st->fl[k].len <= next) {
		k++;
		stream_grow(st);
	}
	memmove(st->fl, &st->fl[k], (st->n_fl - k) * sizeof(st->fl[0]));
	st->n_fl -= k;
	st->t_event = now_ms();
	st->silent = 0;
	if (st->send_off < next) {
		st->send_off = next; /* a rewind went below what is in */
		st->n_fl = 0;
	}
	if (st->o->progress) {
		st->o->progress(st->o->ctx, next);
	}
}

/* An answer to one of the stream's WRITEs is in cl->dec. */
static int stream_answer(struct stream *st)
{
	struct iap_client *cl = st->cl;
	const uint8_t *p = cl->dec.buf;
	uint32_t next;
	int status;

	if (cl->dec.frame_len < IAP_STATUS_SIZE + 4u) {
		return IAP_ERR_PROTO;
	}
	status = (int16_t)iap_get_le16(p);
	next = iap_get_le32(&p[IAP_STATUS_SIZE]);
	if (status > 0 || next > st->len) {
		return IAP_ERR_PROTO;
	}
	if (status == IAP_ERR_AGAIN) {
		/* Frames sent before the last rewind report the same gap. */
		if ((uint8_t)(cl->dec.seq - st->epoch_seq) < 128u &&
		    next < st->send_off) {
			stream_acked(st, next);
			stream_rewind(st, st->acked);
		}
		return 0;
	}
	if (status) {
		cl->answered = 1;
		return status;
	}
	stream_acked(st, next);
	return 0;
}

int iap_client_stream(struct iap_client *cl, const uint8_t *data, uint32_t len,
		      const struct iap_stream_opts *o, uint32_t *acked)
{
	struct stream st;
	unsigned int window = o->window;
	int err = 0;

	if (window < 1u) {
		window = 1u;
	}
	if (window > IAP_WINDOW_MAX) {
		window = IAP_WINDOW_MAX;
	}
	if (!o->chunk || o->chunk + IAP_WRITE_REQ_HDR > IAP_FRAME_MAX_PAYLOAD ||
	    (cl->have_info &&
	     o->chunk + IAP_WRITE_REQ_HDR > cl->info.max_payload)) {
		return IAP_ERR_OVERFLOW;
	}
	memset(&st, 0, sizeof(st));
	st.cl = cl;
	st.o = o;
	st.data = data;
	st.len = len;
	if (o->start > len) {
		return IAP_ERR_RANGE;
	}
	st.acked = o->start;
	st.send_off = o->start;
	st.high = o->start;
	st.t_event = now_ms();
	st.chunk = o->chunk;
	st.min_chunk = o->chunk < 256u ? o->chunk : 256u;
	if (cl->have_info && cl->info.write_size > 1u) {
		st.min_chunk -= st.min_chunk % cl->info.write_size;
	}
	cl->answered = 0;
	cl->failed_cmd = IAP_CMD_WRITE;
	drop_input(cl);
	st.started = !o->start_len;
	if (!st.started) {
		err = stream_send_start(&st, 0);
		if (err) {
			goto out;
		}
	}
	st.first_seq = (uint8_t)(cl->seq + 1u);
	st.epoch_seq = st.first_seq;
	while (st.acked < st.len || !st.started) {
		uint64_t t, deadline;
		int n;

		if (o->cancel && o->cancel(o->ctx)) {
			err = IAP_ERR_CANCELED;
			break;
		}
		while (st.n_fl < window && st.send_off < st.len) {
			err = stream_send_one(&st);
			if (err) {
				goto out;
			}
		}
		/* Answers already read first, then the line. */
		while (buffered_frame(cl)) {
			if (!st.started &&
			    cl->dec.cmd == (IAP_CMD_START | IAP_CMD_RESP) &&
			    cl->dec.seq == st.start_seq) {
				err = stream_started(&st);
				if (err) {
					goto out;
				}
				continue;
			}
			/* Before START's answer: left from an earlier
			 * session. */
			if (!st.started ||
			    cl->dec.cmd != (IAP_CMD_WRITE | IAP_CMD_RESP) ||
			    (uint8_t)(cl->dec.seq - st.first_seq) >
				    (uint8_t)(cl->seq - st.first_seq)) {
				cl->stale++;
				continue;
			}
			err = stream_answer(&st);
			if (err) {
				goto out;
			}
			if (st.n_fl < window && st.send_off < st.len) {
				break; /* room in the window: send first */
			}
		}
		if (cl->in_pos < cl->in_len ||
		    (st.acked >= st.len && st.started)) {
			continue;
		}
		cl->in_pos = 0;
		cl->in_len = 0;
		t = now_ms();
		deadline = st.t_event + stream_timeout_ms(&st) +
			   (st.started ? 0u : o->start_timeout_ms);
		if (t >= deadline) {
			cl->timeouts++;
			if (++st.silent > IAP_CLIENT_RETRIES) {
				cl->tries = st.silent;
				cl->failed_cmd = st.started ? IAP_CMD_WRITE
							    : IAP_CMD_START;
				err = IAP_ERR_TIMEDOUT;
				break;
			}
			drop_input(cl);
			if (!st.started) {
				err = stream_send_start(&st, 1);
				if (err) {
					break;
				}
			}
			stream_rewind(&st, st.acked);
			st.t_event = t;
			continue;
		}
		n = cl->read(cl->ctx, cl->in, sizeof(cl->in),
			     (uint32_t)(deadline - t));
		if (n < 0) {
			err = n;
			break;
		}
		if ((size_t)n > sizeof(cl->in)) {
			err = IAP_ERR_IO;
			break;
		}
		cl->rx_bytes += (uint64_t)n;
		cl->in_len = (size_t)n;
	}
out:
	if (acked) {
		*acked = st.acked;
	}
	return err;
}
