/*
 * Protocol client: request/response matching, resends with the same seq,
 * stale answers, device status, timeouts, hello; then a whole update
 * against the real command handler on a simulated board.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "client.h"
#include "helper_dev.h"
#include "iap/iap_err.h"
#include "iap/iap_proto.h"
#include "iap/iap_server.h"

/*
 * Fake device: decodes what the client writes and queues encoded answers
 * for the client's reads. A read with nothing queued returns 0 at once,
 * which the client takes as "the timeout passed".
 */
struct fake {
	struct iap_dec dec;
	uint8_t dec_buf[1024];
	uint8_t out[16384];
	size_t out_len, out_pos;
	size_t read_step; /* bytes handed out per read, 0 = all */

	/* Script */
	int drop;	   /* drop this many answers, then answer */
	int silent;	   /* never answer */
	int ignore_info;   /* ignore this many INFO requests */
	int stale_first;   /* queue stale answers before the real one */
	int noise_first;   /* queue line noise before the answer */
	int16_t status;	   /* status of every answer */
	int read_err;	   /* read returns this when non-zero */
	int late_info;	   /* answer the n-th INFO with the first one's seq */
	int late_seq_back; /* ... or with the seq before the first one */
	int events_first;  /* PROGRESS frames before each answer */
	unsigned int read_delay_ms; /* each read that hands out bytes */
	uint32_t next_off;

	/* Log */
	int requests;
	uint8_t cmds[300], seqs[300];
	uint16_t lens[300];
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	iap_dec_init(&f->dec, f->dec_buf, sizeof(f->dec_buf));
}

static void fake_queue(struct fake *f, uint8_t cmd, uint8_t seq, int16_t status,
		       const uint8_t *body, uint16_t len)
{
	uint8_t payload[IAP_STATUS_SIZE + IAP_INFO_SIZE + 64];
	int n;

	assert_true(len <= IAP_INFO_SIZE + 64);
	iap_put_le16(payload, (uint16_t)status);
	if (len) {
		memcpy(&payload[IAP_STATUS_SIZE], body, len);
	}
	n = iap_frame_encode(&f->out[f->out_len], sizeof(f->out) - f->out_len,
			     cmd, seq, payload,
			     (uint16_t)(IAP_STATUS_SIZE + len));
	assert_true(n > 0);
	f->out_len += (size_t)n;
}

static void fake_info(struct iap_info *in)
{
	memset(in, 0, sizeof(*in));
	in->proto_version = IAP_PROTO_VERSION;
	in->max_payload = 1024;
	in->loader_version = IAP_LOADER_VERSION(0, 1, 0);
	in->board_id = 0xF103C8u;
	in->app_addr = 0x08004000u;
	in->app_size = 48u * 1024u;
	in->meta_addr = 0x08003C00u;
	in->write_size = 2;
	in->region_count = 1;
	in->regions[0].addr = 0x08000000u;
	in->regions[0].sector_size = 1024u;
	in->regions[0].count = 64u;
}

static void fake_info_answer(struct fake *f, uint8_t seq)
{
	struct iap_info in;
	uint8_t body[IAP_INFO_SIZE];

	fake_info(&in);
	fake_queue(f, IAP_CMD_INFO | IAP_CMD_RESP, seq, 0, body,
		   (uint16_t)iap_info_encode(&in, body));
}

static void fake_answer(struct fake *f)
{
	uint8_t cmd = f->dec.cmd, seq = f->dec.seq;
	uint8_t resp = (uint8_t)(cmd | IAP_CMD_RESP);
	uint8_t body[IAP_INFO_SIZE];
	uint16_t len = 0;

	if (f->requests < 300) {
		f->cmds[f->requests] = cmd;
		f->seqs[f->requests] = seq;
		f->lens[f->requests] = f->dec.frame_len;
	}
	f->requests++;
	if (f->silent) {
		return;
	}
	if (cmd == IAP_CMD_INFO && f->late_info) {
		/* (a few only: after 256 INFOs that seq is current again) */
		if (f->requests < f->late_info ||
		    (f->late_seq_back && f->requests > 5)) {
			return;
		}
		fake_info_answer(
			f, (uint8_t)(f->seqs[0] - (uint8_t)f->late_seq_back));
		return;
	}
	if (cmd == IAP_CMD_INFO && f->ignore_info > 0) {
		f->ignore_info--;
		return;
	}
	if (f->drop > 0) {
		f->drop--;
		return;
	}
	if (f->noise_first) {
		static const uint8_t noise[] = {0x00, 0xA5, 0x13, 0xA5, 0xFF,
						0xA5, 0x81, 0x00, 0x07};

		memcpy(&f->out[f->out_len], noise, sizeof(noise));
		f->out_len += sizeof(noise);
	}
	for (int i = 0; i < f->events_first; i++) {
		uint8_t ev[IAP_PROGRESS_SIZE - IAP_STATUS_SIZE] = {
			IAP_PROGRESS_VERIFY};

		iap_put_le32(&ev[2], 1000u * (uint32_t)(i + 1));
		iap_put_le32(&ev[6], 1000u * (uint32_t)f->events_first);
		fake_queue(f, IAP_CMD_PROGRESS | IAP_CMD_RESP, seq, 0, ev,
			   sizeof(ev));
	}
	if (f->stale_first) {
		/* An old answer to this command and one to another. */
		fake_queue(f, resp, (uint8_t)(seq - 1u), IAP_ERR_IO, NULL, 0);
		fake_queue(f, (uint8_t)(IAP_CMD_BOOT | IAP_CMD_RESP), seq,
			   IAP_ERR_PERM, NULL, 0);
	}
	if (cmd == IAP_CMD_INFO && !f->status) {
		struct iap_info in;

		fake_info(&in);
		len = (uint16_t)iap_info_encode(&in, body);
	} else if (cmd == IAP_CMD_WRITE) {
		uint32_t off = iap_get_le32(f->dec.buf);

		if (!f->status && off == f->next_off) {
			f->next_off += f->dec.frame_len - IAP_WRITE_REQ_HDR;
		}
		iap_put_le32(body, f->next_off);
		len = 4;
	}
	fake_queue(f, resp, seq, f->status, body, len);
}

static int fake_write(void *ctx, const uint8_t *data, size_t len)
{
	struct fake *f = ctx;

	while (len) {
		size_t used = 0;
		int r = iap_dec_sink(&f->dec, data, len, &used);

		data += used;
		len -= used;
		if (r == IAP_DEC_FRAME) {
			fake_answer(f);
		}
	}
	return 0;
}

static int fake_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
	struct fake *f = ctx;
	size_t n = f->out_len - f->out_pos;

	if (f->read_err) {
		return f->read_err;
	}
	if (!n) {
		f->out_len = 0;
		f->out_pos = 0;
		return 0;
	}
	if (n > cap) {
		n = cap;
	}
	if (f->read_step && n > f->read_step) {
		n = f->read_step;
	}
	if (f->read_delay_ms) {
		/* The bytes come after the delay, if the read waits that long
		 */
		unsigned int ms = f->read_delay_ms < timeout_ms
					  ? f->read_delay_ms
					  : timeout_ms;
		struct timespec ts = {0, (long)ms * 1000000L};

		nanosleep(&ts, NULL);
		if (ms < f->read_delay_ms) {
			return 0;
		}
	}
	memcpy(buf, &f->out[f->out_pos], n);
	f->out_pos += n;
	return (int)n;
}

static struct iap_client *new_client(struct fake *f, uint8_t first_seq)
{
	struct iap_client *cl = calloc(1, sizeof(*cl));

	assert_non_null(cl);
	fake_init(f);
	iap_client_init(cl, fake_write, fake_read, f, first_seq);
	return cl;
}

static void test_request_gets_its_answer(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 41);
	struct iap_info in;

	(void)state;
	assert_int_equal(iap_client_info(cl, &in), 0);
	assert_int_equal(f.requests, 1);
	assert_int_equal(f.cmds[0], IAP_CMD_INFO);
	assert_int_equal(f.seqs[0], 42);
	assert_int_equal(cl->answered, 1);
	assert_int_equal(cl->tries, 1);
	assert_int_equal(in.app_addr, 0x08004000u);
	assert_int_equal(in.regions[0].count, 64);
	assert_true(cl->have_info);

	/* The next request takes the next seq. */
	assert_int_equal(iap_client_boot(cl), 0);
	assert_int_equal(f.seqs[1], 43);
	free(cl);
}

/* Later versions append to INFO: a longer body must still parse. */
static void test_info_longer_body_accepted(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 0);
	struct iap_info in, got;
	uint8_t body[IAP_INFO_SIZE + 64];
	size_t n;

	(void)state;
	fake_info(&in);
	in.region_count = IAP_INFO_MAX_REGIONS;
	for (unsigned int i = 0; i < IAP_INFO_MAX_REGIONS; i++) {
		in.regions[i].addr = 0x08000000u + 0x10000u * i;
		in.regions[i].sector_size = 0x4000u;
		in.regions[i].count = 4;
	}
	memset(body, 0xEE, sizeof(body));
	n = iap_info_encode(&in, body);
	assert_int_equal(n, IAP_INFO_SIZE);
	f.silent = 1;
	fake_queue(&f, IAP_CMD_INFO | IAP_CMD_RESP, 1, 0, body,
		   (uint16_t)sizeof(body));
	assert_int_equal(iap_client_info(cl, &got), 0);
	assert_int_equal(got.region_count, IAP_INFO_MAX_REGIONS);
	assert_int_equal(got.regions[3].addr, 0x08030000u);
	free(cl);
}

static void test_seq_wraps(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 254);

	(void)state;
	assert_int_equal(iap_client_boot(cl), 0);
	assert_int_equal(iap_client_boot(cl), 0);
	assert_int_equal(iap_client_boot(cl), 0);
	assert_int_equal(f.seqs[0], 255);
	assert_int_equal(f.seqs[1], 0);
	assert_int_equal(f.seqs[2], 1);
	free(cl);
}

static void test_lost_answer_resent_with_same_seq(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 9);
	uint8_t data[64];
	uint32_t next = 0;

	(void)state;
	memset(data, 0x5A, sizeof(data));
	f.drop = 2;
	assert_int_equal(iap_client_write(cl, 0, data, sizeof(data), &next), 0);
	assert_int_equal(f.requests, 3);
	assert_int_equal(f.seqs[0], 10);
	assert_int_equal(f.seqs[1], 10);
	assert_int_equal(f.seqs[2], 10);
	assert_int_equal(f.lens[2], 4 + sizeof(data));
	assert_int_equal(cl->tries, 3);
	assert_int_equal(cl->resends, 2);
	assert_int_equal(next, sizeof(data));
	free(cl);
}

static void test_stale_answers_ignored(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 0);

	(void)state;
	f.stale_first = 1;
	f.read_step = 5; /* answers arrive in pieces */
	assert_int_equal(iap_client_finish(cl), 0);
	assert_int_equal(cl->answered, 1);
	assert_int_equal(cl->stale, 2);
	assert_int_equal(cl->tries, 1);
	free(cl);
}

struct seen {
	int calls;
	uint8_t phase;
	uint32_t done, total;
};

static void on_event(void *ctx, uint8_t phase, uint32_t done, uint32_t total)
{
	struct seen *s = ctx;

	s->calls++;
	s->phase = phase;
	s->done = done;
	s->total = total;
}

/*
 * PROGRESS frames for the request awaited go to on_progress; ones for
 * another seq are stale. Each restarts the request's timeout: four events
 * 100 ms apart and then the answer, with a 250 ms timeout and no resend,
 * still end in the answer; the same pacing without events times out.
 */
static void test_progress_events_extend_timeout(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 9);
	struct seen seen = {0};

	(void)state;
	cl->on_progress = on_event;
	cl->progress_ctx = &seen;
	f.events_first = 4;
	f.stale_first = 1;
	assert_int_equal(iap_client_finish(cl), 0);
	assert_int_equal(seen.calls, 4);
	assert_int_equal(cl->events, 4);
	assert_int_equal(cl->stale, 2);
	assert_int_equal(seen.phase, IAP_PROGRESS_VERIFY);
	assert_int_equal(seen.done, 4000);
	assert_int_equal(seen.total, 4000);

	f.stale_first = 0;
	f.read_step = IAP_FRAME_OVERHEAD + IAP_PROGRESS_SIZE;
	f.read_delay_ms = 100;
	assert_int_equal(iap_client_request(cl, IAP_CMD_FINISH, NULL, 0, NULL,
					    0, NULL, 250, 0),
			 0);
	assert_int_equal(cl->answered, 1);
	assert_int_equal(cl->tries, 1);
	assert_int_equal(seen.calls, 8);

	/* Without events the same pacing is a timeout: two stale frames,
	 * then the answer 300 ms after the request. */
	f.events_first = 0;
	f.stale_first = 1;
	f.read_step = IAP_FRAME_OVERHEAD + IAP_STATUS_SIZE;
	assert_int_equal(iap_client_request(cl, IAP_CMD_FINISH, NULL, 0, NULL,
					    0, NULL, 250, 0),
			 IAP_ERR_TIMEDOUT);
	free(cl);
}

static void test_line_noise_skipped(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 0);
	struct iap_info in;

	(void)state;
	f.noise_first = 1;
	f.read_step = 3;
	assert_int_equal(iap_client_info(cl, &in), 0);
	assert_int_equal(in.max_payload, 1024);
	free(cl);
}

static void test_device_status_returned(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 0);
	struct iap_image_hdr h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.image_size = 60000;
	h.load_addr = 0x08004000u;
	f.status = IAP_ERR_FBIG;
	assert_int_equal(iap_client_start(cl, &h), IAP_ERR_FBIG);
	assert_int_equal(cl->answered, 1);
	assert_int_equal(cl->tries, 1);
	/* START carries slot, three zero bytes and the 256-byte header. */
	assert_int_equal(f.cmds[0], IAP_CMD_START);
	assert_int_equal(f.lens[0], IAP_START_REQ_SIZE);
	free(cl);
}

static void test_write_refusal_keeps_next_offset(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 0);
	uint8_t data[8] = {0};
	uint32_t next = 123;

	(void)state;
	f.next_off = 16;
	f.status = IAP_ERR_PROTO;
	assert_int_equal(iap_client_write(cl, 32, data, sizeof(data), &next),
			 IAP_ERR_PROTO);
	assert_int_equal(cl->answered, 1);
	assert_int_equal(next, 16);
	free(cl);
}

static void test_timeout_after_retries(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 7);

	(void)state;
	f.silent = 1;
	assert_int_equal(iap_client_request(cl, IAP_CMD_BOOT, NULL, 0, NULL, 0,
					    NULL, 10, 3),
			 IAP_ERR_TIMEDOUT);
	assert_int_equal(cl->answered, 0);
	assert_int_equal(cl->tries, 4);
	assert_int_equal(f.requests, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(f.seqs[i], 8);
	}
	/* The next request moves on to a new seq. */
	f.silent = 0;
	assert_int_equal(iap_client_boot(cl), 0);
	assert_int_equal(f.seqs[4], 9);
	free(cl);
}

static void test_transport_error_returned(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 0);

	(void)state;
	f.read_err = IAP_ERR_IO;
	assert_int_equal(iap_client_boot(cl), IAP_ERR_IO);
	assert_int_equal(cl->answered, 0);
	free(cl);
}

static void test_write_checks_sizes(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 0);
	static uint8_t big[2048];

	(void)state;
	assert_int_equal(iap_client_info(cl, NULL), 0);
	/* max_payload 1024: 1020 data bytes fit, 1021 do not. */
	assert_int_equal(iap_client_write(cl, 0, big, 1021, NULL),
			 IAP_ERR_OVERFLOW);
	assert_int_equal(iap_client_write(cl, 0, big, 0, NULL),
			 IAP_ERR_OVERFLOW);
	assert_int_equal(f.requests, 1);
	assert_int_equal(iap_client_write(cl, 0, big, 1020, NULL), 0);
	free(cl);
}

static void test_hello_until_answer(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 100);

	(void)state;
	f.ignore_info = 3;
	assert_int_equal(iap_client_hello(cl, 5000), 0);
	assert_int_equal(f.requests, 4);
	assert_true(cl->have_info);
	assert_int_equal(cl->info.app_size, 48u * 1024u);
	free(cl);
}

/* A late answer to an earlier hello INFO counts too; one to an INFO from
 * before the hello does not. */
static void test_hello_accepts_earlier_seq(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 100);

	(void)state;
	f.late_info = 3;
	assert_int_equal(iap_client_hello(cl, 5000), 0);
	assert_int_equal(f.requests, 3);
	assert_int_equal(f.seqs[0], 101);
	assert_int_equal(f.seqs[2], 103);
	assert_int_equal(cl->stale, 0);

	/* The answer to the first hello, 40 hellos later (held up behind a
	 * backlog on a slow line): still this call's. */
	free(cl);
	cl = new_client(&f, 100);
	f.late_info = 40;
	assert_int_equal(iap_client_hello(cl, 10000), 0);
	assert_int_equal(f.requests, 40);
	assert_int_equal(cl->stale, 0);

	/* Only answers to INFOs sent before this hello: never accepted. */
	f.requests = 0;
	f.late_info = 1;
	f.late_seq_back = 1;
	assert_int_equal(iap_client_hello(cl, 30), IAP_ERR_TIMEDOUT);
	assert_true(cl->stale > 0);
	free(cl);
}

static void test_hello_times_out(void **state)
{
	struct fake f;
	struct iap_client *cl = new_client(&f, 0);

	(void)state;
	f.silent = 1;
	assert_int_equal(iap_client_hello(cl, 30), IAP_ERR_TIMEDOUT);
	assert_int_equal(cl->have_info, 0);
	assert_true(f.requests >= 1);
	free(cl);
}

static void test_timeouts_from_geometry(void **state)
{
	struct iap_info f1, f4;

	(void)state;
	/* F103: 48 pages of 1 KiB plus the meta page, generous. */
	fake_info(&f1);
	assert_true(iap_client_start_timeout_ms(&f1, 48u * 1024u) >= 48u * 40u);
	assert_int_equal(iap_client_start_timeout_ms(&f1, 1024), 5000);

	/* F407: 4 x 16K, 1 x 64K, 7 x 128K; slot from 0x08020000. */
	memset(&f4, 0, sizeof(f4));
	f4.app_addr = 0x08020000u;
	f4.meta_addr = 0x0800C000u;
	f4.region_count = 3;
	f4.regions[0].addr = 0x08000000u;
	f4.regions[0].sector_size = 16384u;
	f4.regions[0].count = 4;
	f4.regions[1].addr = 0x08010000u;
	f4.regions[1].sector_size = 65536u;
	f4.regions[1].count = 1;
	f4.regions[2].addr = 0x08020000u;
	f4.regions[2].sector_size = 131072u;
	f4.regions[2].count = 7;
	/* Three 128 KiB sectors at up to 4 s each must fit. */
	assert_true(iap_client_start_timeout_ms(&f4, 3u * 131072u) >= 12000u);
	assert_true(iap_client_start_timeout_ms(&f4, 3u * 131072u) >
		    iap_client_start_timeout_ms(&f4, 131072u));
	assert_int_equal(iap_client_start_timeout_ms(NULL, 1024), 60000);
	assert_int_equal(iap_client_finish_timeout_ms(1024), 6000);
	assert_int_equal(iap_client_finish_timeout_ms(1024u * 1024u), 9000);
}

/* ---- the real command handler behind the same transport ---- */

struct link {
	struct iap_server srv;
	uint8_t rx[2048], tx[IAP_SERVER_TX_MIN + 64], scratch[256];
	uint8_t out[4096];
	size_t out_len, out_pos;
	int drop_every;	  /* drop every n-th answer (0 = none) */
	uint8_t drop_cmd; /* and drop_left answers to this command */
	int drop_left;
	int answers;
	int booted;
};

static int link_send(void *ctx, const uint8_t *data, size_t len)
{
	struct link *l = ctx;

	l->answers++;
	if (l->drop_every && l->answers % l->drop_every == 0) {
		return 0;
	}
	if (l->drop_left && data[1] == (l->drop_cmd | IAP_CMD_RESP)) {
		l->drop_left--;
		return 0;
	}
	assert_true(l->out_len + len <= sizeof(l->out));
	memcpy(&l->out[l->out_len], data, len);
	l->out_len += len;
	return 0;
}

static int link_write(void *ctx, const uint8_t *data, size_t len)
{
	struct link *l = ctx;
	int r = iap_server_input(&l->srv, data, len);

	if (r == IAP_SERVER_BOOT) {
		l->booted = 1;
	}
	return r < 0 ? r : 0;
}

static int link_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
	struct link *l = ctx;
	size_t n = l->out_len - l->out_pos;

	(void)timeout_ms;
	if (!n) {
		l->out_len = 0;
		l->out_pos = 0;
		return 0;
	}
	n = n < cap ? n : cap;
	memcpy(buf, &l->out[l->out_pos], n);
	l->out_pos += n;
	return (int)n;
}

/* A link to a real server on an erased f103c8 (1 KiB pages, 2-byte unit). */
static struct link *link_open(struct dev *d)
{
	struct link *l = calloc(1, sizeof(*l));
	struct iap_server_cfg cfg;

	assert_non_null(l);
	dev_open(d, "f103c8");
	memset(&cfg, 0, sizeof(cfg));
	cfg.flash = d->flash;
	cfg.layout = d->layout;
	cfg.loader_version = LOADER_VER;
	cfg.rx_buf = l->rx;
	cfg.rx_cap = 1024;
	cfg.tx_buf = l->tx;
	cfg.tx_cap = sizeof(l->tx);
	cfg.scratch = l->scratch;
	cfg.scratch_size = sizeof(l->scratch);
	cfg.send = link_send;
	cfg.send_ctx = l;
	assert_int_equal(iap_server_init(&l->srv, &cfg, 0, NULL), 0);
	return l;
}

static void update_against_server(int drop_every)
{
	struct dev d;
	struct link *l;
	struct iap_client *cl = calloc(1, sizeof(*cl));
	struct iap_image_hdr h, got;
	uint32_t size = 10001, ws, chunk, padded, off = 0;
	uint8_t *img;

	assert_non_null(cl);
	l = link_open(&d);
	l->drop_every = drop_every;

	iap_client_init(cl, link_write, link_read, l, 200);
	assert_int_equal(iap_client_hello(cl, 1000), 0);
	assert_int_equal(cl->info.app_addr, d.layout->app_addr);
	assert_int_equal(cl->info.app_valid, 0);

	ws = cl->info.write_size;
	padded = (size + ws - 1u) / ws * ws;
	img = malloc(padded);
	assert_non_null(img);
	make_image(d.layout, img, size, 7, &h, 2, 5);
	memset(&img[size], 0xFF, padded - size);
	h.version.build = 4;

	assert_int_equal(iap_client_start(cl, &h), 0);
	chunk = cl->info.max_payload - IAP_WRITE_REQ_HDR;
	chunk -= chunk % ws;
	while (off < padded) {
		uint32_t n = padded - off < chunk ? padded - off : chunk;
		uint32_t next = 0;

		assert_int_equal(iap_client_write(cl, off, &img[off],
						  (uint16_t)n, &next),
				 0);
		assert_int_equal(next, off + n);
		off += n;
	}
	assert_int_equal(iap_client_finish(cl), 0);
	assert_int_equal(iap_client_boot(cl), 0);
	assert_int_equal(l->booted, 1);
	if (drop_every) {
		assert_true(cl->resends > 0);
	}

	assert_int_equal(iap_image_read_meta(d.flash, d.layout, &got), 0);
	assert_memory_equal(got.sha256, h.sha256, sizeof(h.sha256));
	assert_int_equal(got.version.build, 4);
	assert_int_equal(iap_image_verify_slot(d.flash, d.layout, &got,
					       LOADER_VER, l->scratch,
					       sizeof(l->scratch)),
			 0);
	free(img);
	free(cl);
	free(l);
	dev_close(&d);
}

static void test_update_against_server(void **state)
{
	(void)state;
	update_against_server(0);
}

/* Every third answer lost: resends must neither fail nor write twice. */
static void test_update_with_lost_answers(void **state)
{
	(void)state;
	update_against_server(3);
}

/*
 * START sent ahead of the data (iap_client_stream() with start_req): the
 * update verifies; a lost START answer makes the host send the same START
 * frame again and the data from the start (the WRITE answers before it are
 * ignored); a refused START ends the stream with the device's status,
 * failed_cmd START and nothing acknowledged.
 */
static void test_stream_start_ahead(void **state)
{
	enum { SIZE = 6001, PADDED = 6002 };
	static uint8_t img[PADDED];
	uint8_t req[IAP_START_RESUME_SIZE];
	struct iap_image_hdr h, got;
	struct iap_stream_opts o;
	struct iap_client *cl;
	struct link *l;
	uint32_t acked;
	struct dev d;

	(void)state;
	for (int lose = 0; lose < 2; lose++) {
		cl = calloc(1, sizeof(*cl));
		assert_non_null(cl);
		l = link_open(&d);
		make_image(d.layout, img, SIZE, 11, &h, 3, (uint8_t)lose);
		img[SIZE] = 0xFF;
		iap_client_init(cl, link_write, link_read, l, 70);
		assert_int_equal(iap_client_hello(cl, 1000), 0);
		memset(&o, 0, sizeof(o));
		o.chunk = 512;
		o.window = 3;
		o.start_req = req;
		o.start_len = iap_client_start_req(cl, IAP_SLOT_APP,
						   IAP_START_F_STREAM, &h, 0,
						   req, &o.start_timeout_ms);
		o.start_timeout_ms = 10;
		l->drop_cmd = IAP_CMD_START;
		l->drop_left = lose;
		assert_int_equal(iap_client_stream(cl, img, PADDED, &o, &acked),
				 0);
		assert_int_equal(acked, PADDED);
		assert_int_equal(cl->rewinds, (uint32_t)lose);
		if (lose) {
			assert_true(cl->stale >= 3); /* WRITE answers ignored */
			assert_int_equal(cl->resent_bytes, 3u * 512u);
		} else {
			assert_int_equal(cl->resent_bytes, 0);
		}
		assert_int_equal(iap_client_finish(cl), 0);
		assert_int_equal(iap_image_read_meta(d.flash, d.layout, &got),
				 0);
		assert_memory_equal(got.sha256, h.sha256, sizeof(h.sha256));
		free(cl);
		free(l);
		dev_close(&d);
	}

	/* An image for another address: START refused, nothing taken. */
	cl = calloc(1, sizeof(*cl));
	assert_non_null(cl);
	l = link_open(&d);
	make_image(d.layout, img, SIZE, 12, &h, 3, 9);
	h.load_addr += 0x400u;
	iap_client_init(cl, link_write, link_read, l, 90);
	assert_int_equal(iap_client_hello(cl, 1000), 0);
	o.start_len = iap_client_start_req(cl, IAP_SLOT_APP, IAP_START_F_STREAM,
					   &h, 0, req, &o.start_timeout_ms);
	assert_int_equal(iap_client_stream(cl, img, PADDED, &o, &acked),
			 IAP_ERR_RANGE);
	assert_int_equal(cl->answered, 1);
	assert_int_equal(cl->failed_cmd, IAP_CMD_START);
	assert_int_equal(acked, 0);
	free(cl);
	free(l);
	dev_close(&d);
}

/*
 * FINISH and BOOT sent together (iap_client_finish_boot()): the device
 * commits and boots; with FINISH's answer lost BOOT's 0 proves the
 * commit; with BOOT's answer lost BOOT alone goes again; a FINISH that
 * fails (a byte changed in flash) is reported as FINISH's and the device
 * refuses the BOOT behind it and stays in its bootloader.
 */
static void test_finish_boot_together(void **state)
{
	enum { SIZE = 3001, PADDED = 3002 };
	static uint8_t img[PADDED];
	struct iap_image_hdr h;
	struct iap_stream_opts o;
	struct iap_client *cl;
	struct link *l;
	struct dev d;

	(void)state;
	for (int c = 0; c < 4; c++) {
		cl = calloc(1, sizeof(*cl));
		assert_non_null(cl);
		l = link_open(&d);
		make_image(d.layout, img, SIZE, 13, &h, 4, (uint8_t)c);
		img[SIZE] = 0xFF;
		iap_client_init(cl, link_write, link_read, l, 120);
		assert_int_equal(iap_client_hello(cl, 1000), 0);
		memset(&o, 0, sizeof(o));
		o.chunk = 512;
		o.window = 2;
		assert_int_equal(iap_client_start_flags(cl, IAP_SLOT_APP,
							IAP_START_F_STREAM, &h),
				 0);
		assert_int_equal(iap_client_stream(cl, img, PADDED, &o, NULL),
				 0);
		l->drop_cmd = c == 1 ? IAP_CMD_FINISH : IAP_CMD_BOOT;
		l->drop_left = c == 1 || c == 2;
		if (c == 3) {
			d.sf.mem[d.layout->app_addr - d.sf.base + 100] ^= 0x01;
			assert_int_equal(iap_client_finish_boot(cl),
					 IAP_ERR_CORRUPT);
			assert_int_equal(cl->failed_cmd, IAP_CMD_FINISH);
			assert_int_equal(l->booted, 0);
			assert_int_equal(l->srv.app_valid, 0);
		} else {
			assert_int_equal(iap_client_finish_boot(cl), 0);
			assert_int_equal(l->booted, 1);
			assert_int_equal(cl->answered, 1);
			assert_int_equal(cl->resends, c == 2 ? 1u : 0u);
		}
		free(cl);
		free(l);
		dev_close(&d);
	}
}

/* Stream [0, n) of img after a fresh START, then leave (a killed host). */
static void partial_upload(struct iap_client *cl, const struct iap_image_hdr *h,
			   const uint8_t *img, uint32_t n)
{
	struct iap_stream_opts o;

	memset(&o, 0, sizeof(o));
	o.chunk = 512;
	o.window = 1;
	assert_int_equal(
		iap_client_start_flags(cl, IAP_SLOT_APP, IAP_START_F_STREAM, h),
		0);
	assert_int_equal(iap_client_stream(cl, img, n, &o, NULL), 0);
}

/*
 * What the device holds, found by HASH: the first page that differs; the
 * page before it too when the page after the run is untouched (its last
 * unit may be the one a cut tore); all of it when everything agrees. Then
 * the rest streamed from there gives a verified image.
 */
static void test_resume_point(void **state)
{
	enum { SIZE = 10001, PADDED = 10002 };
	struct dev d;
	struct link *l;
	struct iap_client *cl = calloc(1, sizeof(*cl));
	struct iap_image_hdr h, got;
	struct iap_stream_opts o;
	static uint8_t img[PADDED];
	uint8_t *slot;
	uint32_t from = 1;

	(void)state;
	assert_non_null(cl);
	l = link_open(&d);
	slot = &d.sf.mem[d.layout->app_addr - d.sf.base];
	make_image(d.layout, img, SIZE, 8, &h, 1, 2);
	img[SIZE] = 0xFF;
	iap_client_init(cl, link_write, link_read, l, 10);
	assert_int_equal(iap_client_hello(cl, 1000), 0);
	assert_true(cl->info.caps & IAP_CAP_RESUME);
	/* Nothing there: from 0, and one sector hashed to learn it. */
	assert_int_equal(
		iap_client_resume_point(cl, IAP_SLOT_APP, img, PADDED, &from),
		0);
	assert_int_equal(from, 0);
	/* Cut inside page 3: pages 0-2 whole, page 3 begun. */
	partial_upload(cl, &h, img, 3 * 1024 + 512);
	assert_int_equal(
		iap_client_resume_point(cl, IAP_SLOT_APP, img, PADDED, &from),
		0);
	assert_int_equal(from, 3 * 1024);
	/* Cut right after page 3: page 4 untouched, page 3 sent again. */
	partial_upload(cl, &h, img, 4 * 1024);
	assert_int_equal(
		iap_client_resume_point(cl, IAP_SLOT_APP, img, PADDED, &from),
		0);
	assert_int_equal(from, 3 * 1024);
	/* Everything in: nothing to send. */
	partial_upload(cl, &h, img, PADDED);
	assert_int_equal(
		iap_client_resume_point(cl, IAP_SLOT_APP, img, PADDED, &from),
		0);
	assert_int_equal(from, PADDED);
	/* A byte of page 6 is not the image's: from page 6. */
	slot[6 * 1024 + 100] &= 0x0F;
	assert_int_equal(
		iap_client_resume_point(cl, IAP_SLOT_APP, img, PADDED, &from),
		0);
	assert_int_equal(from, 6 * 1024);
	/* The rest from there: a verified image. */
	assert_int_equal(
		iap_client_start_at(cl, IAP_SLOT_APP,
				    IAP_START_F_STREAM | IAP_START_F_RESUME, &h,
				    from),
		0);
	memset(&o, 0, sizeof(o));
	o.chunk = 1000;
	o.window = 1;
	o.start = from;
	assert_int_equal(iap_client_stream(cl, img, PADDED, &o, NULL), 0);
	assert_int_equal(iap_client_finish(cl), 0);
	assert_int_equal(iap_image_read_meta(d.flash, d.layout, &got), 0);
	assert_memory_equal(slot, img, SIZE);
	/* The first page differs: from 0 whatever follows. */
	img[10] ^= 1;
	assert_int_equal(
		iap_client_resume_point(cl, IAP_SLOT_APP, img, PADDED, &from),
		0);
	assert_int_equal(from, 0);
	free(cl);
	free(l);
	dev_close(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_gets_its_answer),
		cmocka_unit_test(test_info_longer_body_accepted),
		cmocka_unit_test(test_seq_wraps),
		cmocka_unit_test(test_lost_answer_resent_with_same_seq),
		cmocka_unit_test(test_stale_answers_ignored),
		cmocka_unit_test(test_progress_events_extend_timeout),
		cmocka_unit_test(test_line_noise_skipped),
		cmocka_unit_test(test_device_status_returned),
		cmocka_unit_test(test_write_refusal_keeps_next_offset),
		cmocka_unit_test(test_timeout_after_retries),
		cmocka_unit_test(test_transport_error_returned),
		cmocka_unit_test(test_write_checks_sizes),
		cmocka_unit_test(test_hello_until_answer),
		cmocka_unit_test(test_hello_accepts_earlier_seq),
		cmocka_unit_test(test_hello_times_out),
		cmocka_unit_test(test_timeouts_from_geometry),
		cmocka_unit_test(test_update_against_server),
		cmocka_unit_test(test_update_with_lost_answers),
		cmocka_unit_test(test_stream_start_ahead),
		cmocka_unit_test(test_finish_boot_together),
		cmocka_unit_test(test_resume_point),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
