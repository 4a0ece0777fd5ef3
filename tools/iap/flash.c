/*
 * iap flash - upload an .iap image to a device running the iapboot loader.
 *
 * Everything that can be checked on the host is checked before the first
 * byte goes out: the file (header and hash) before the port is opened, the
 * image against the device's INFO before START. START is the point of no
 * return: the device erases its slot there.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "device.h"
#include "iap/iap_err.h"
#include "iap/iap_install.h"
#include "iap/iap_lzss.h"
#include "iap_cli.h"
#include "serial.h"
#include "zstream.h"

#define EXIT_FAIL  1
#define EXIT_USAGE 2

#define DEFAULT_BAUD	115200u
#define DEFAULT_WAIT_MS 5000u
#define PROGRESS_MS	100u

enum { COMPRESS_AUTO = 0, COMPRESS_ON = 1, COMPRESS_OFF = 2 };

/* The largest window the host asks for: larger gains little on firmware
 * (docs/COMPRESSION.md). */
#define LZSS_BITS_MAX 12u

struct flash_opts {
	const char *port;
	const char *file;
	uint32_t baud;
	uint32_t wait_ms;
	uint32_t chunk;	  /* 0: as large as the device takes */
	uint32_t proto;	  /* 0: the best the device speaks; 1 or 2 */
	uint32_t window;  /* 0: what the device announces */
	uint32_t baud_up; /* 0: off, 1: auto, else the rate to ask for */
	int no_boot;
	int no_resume;
	int compress; /* COMPRESS_AUTO, _ON or _OFF */
	int force;
	int quiet;
	uint8_t slot; /* IAP_SLOT_APP or IAP_SLOT_STAGE */
};

struct progress {
	int on;	 /* draw anything at all */
	int tty; /* redraw one line; else plain lines at quarters */
	uint64_t t0, last;
	uint32_t total;
	uint32_t base; /* bytes already in place (a resumed upload) */
	unsigned int next_quarter;
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: iap flash --port PORT [OPTIONS] FILE.iap\n"
		"\n"
		"Upload an .iap image to a device in the iapboot bootloader, "
		"then start it.\n"
		"\n"
		"options:\n"
		"  -p, --port PORT   serial port (/dev/ttyUSB0, COM3, "
		"/dev/pts/N ...)\n"
		"  -b, --baud N      line speed (default %u)\n"
		"  -w, --wait MS     how long to keep calling the device, "
		"e.g. while you\n"
		"                    reset it into its hello window "
		"(default %u)\n"
		"  -c, --chunk N     at most N data bytes per WRITE (default: "
		"the most the\n"
		"                    device accepts)\n"
		"      --baud-up N   after the hello, switch the line to N "
		"baud (both ends,\n"
		"                    proven by a round trip, back to --baud "
		"if it fails);\n"
		"                    auto (default): the fastest of 921600, "
		"460800, 230400\n"
		"                    that works; off: stay at --baud\n"
		"      --proto N     1: one WRITE at a time (protocol v1); 2: "
		"a window of\n"
		"                    WRITEs in flight, erase as the data "
		"arrives (default:\n"
		"                    2 when the device speaks it)\n"
		"      --window N    at most N WRITEs in flight (default: the "
		"device's window)\n"
		"      --slot SLOT   app (default): replace the application "
		"directly;\n"
		"                    stage: receive into the staging slot "
		"while the\n"
		"                    application stays installed; the "
		"bootloader\n"
		"                    installs it at BOOT or the next reset\n"
		"      --no-boot     stay in the bootloader after the update\n"
		"      --compress C  auto (default): send the image LZSS-"
		"compressed when the\n"
		"                    device takes it (protocol v2) and it "
		"comes out smaller;\n"
		"                    on: always (an error if the device "
		"cannot); off: never\n"
		"      --no-resume   send the whole image even when the slot "
		"already holds\n"
		"                    the first sectors of it (protocol v2 "
		"asks by hash\n"
		"                    and sends only the rest)\n"
		"  -f, --force       send the image even when it fails the "
		"host-side checks\n"
		"                    (size, address, board, loader version); "
		"the device\n"
		"                    still checks and refuses it\n"
		"  -q, --quiet       print errors only\n"
		"  -h, --help        this text\n"
		"\n"
		"exit status: 0 updated, 1 failed (file, port, device), "
		"2 usage error\n",
		DEFAULT_BAUD, DEFAULT_WAIT_MS);
}

/* A number option: 0, or EXIT_USAGE once it has said what is wrong. */
static int opt_u32(const char *name, const char *arg, uint32_t *v, int nonzero)
{
	if (iap_parse_u32(arg, v) || (nonzero && !*v)) {
		fprintf(stderr, "iap flash: bad --%s '%s'\n", name, arg);
		return EXIT_USAGE;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct flash_opts *o)
{
	static const struct option longopts[] = {
		{"port", required_argument, NULL, 'p'},
		{"baud", required_argument, NULL, 'b'},
		{"wait", required_argument, NULL, 'w'},
		{"chunk", required_argument, NULL, 'c'},
		{"proto", required_argument, NULL, 'P'},
		{"window", required_argument, NULL, 'W'},
		{"baud-up", required_argument, NULL, 'U'},
		{"no-boot", no_argument, NULL, 'N'},
		{"no-resume", no_argument, NULL, 'R'},
		{"compress", required_argument, NULL, 'Z'},
		{"slot", required_argument, NULL, 'S'},
		{"force", no_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, r = 0;

	memset(o, 0, sizeof(*o));
	o->baud = DEFAULT_BAUD;
	o->wait_ms = DEFAULT_WAIT_MS;
	o->baud_up = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:b:w:c:fqh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'p':
			o->port = optarg;
			break;
		case 'b':
			r = opt_u32("baud", optarg, &o->baud, 1);
			break;
		case 'w':
			r = opt_u32("wait", optarg, &o->wait_ms, 0);
			break;
		case 'c':
			r = opt_u32("chunk", optarg, &o->chunk, 1);
			break;
		case 'P':
			r = opt_u32("proto", optarg, &o->proto, 1);
			if (!r && o->proto > 2u) {
				fprintf(stderr,
					"iap flash: --proto is 1 or 2, not "
					"'%s'\n",
					optarg);
				r = EXIT_USAGE;
			}
			break;
		case 'W':
			r = opt_u32("window", optarg, &o->window, 1);
			break;
		case 'U':
			if (!strcmp(optarg, "auto")) {
				o->baud_up = 1;
			} else if (!strcmp(optarg, "off")) {
				o->baud_up = 0;
			} else {
				r = opt_u32("baud-up", optarg, &o->baud_up, 1);
				if (!r && o->baud_up < 1200u) {
					fprintf(stderr,
						"iap flash: --baud-up is a "
						"rate, "
						"auto or off, not '%s'\n",
						optarg);
					r = EXIT_USAGE;
				}
			}
			break;
		case 'N':
			o->no_boot = 1;
			break;
		case 'R':
			o->no_resume = 1;
			break;
		case 'Z':
			if (!strcmp(optarg, "auto")) {
				o->compress = COMPRESS_AUTO;
			} else if (!strcmp(optarg, "on")) {
				o->compress = COMPRESS_ON;
			} else if (!strcmp(optarg, "off")) {
				o->compress = COMPRESS_OFF;
			} else {
				fprintf(stderr,
					"iap flash: --compress is auto, on or "
					"off, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'S':
			if (!strcmp(optarg, "app")) {
				o->slot = IAP_SLOT_APP;
			} else if (!strcmp(optarg, "stage")) {
				o->slot = IAP_SLOT_STAGE;
			} else {
				fprintf(stderr,
					"iap flash: --slot is app or stage, "
					"not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			o->force = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
		if (r) {
			return r;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "iap flash: %s\n",
			optind >= argc ? "no image file given"
				       : "only one image file, please");
		usage(stderr);
		return EXIT_USAGE;
	}
	o->file = argv[optind];
	if (!o->port) {
		fprintf(stderr, "iap flash: --port is required "
				"('iap list-ports' shows them)\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* What the device would refuse at START, said in the user's terms. */
static int check_image(const char *file, const struct iap_image_hdr *h,
		       const struct iap_info *in)
{
	char a[16], b[16];

	if (h->image_size > in->app_size) {
		fprintf(stderr,
			"iap flash: %s: image is %lu bytes but the device's "
			"application slot holds %lu\n",
			file, (unsigned long)h->image_size,
			(unsigned long)in->app_size);
		return -1;
	}
	if (h->load_addr != in->app_addr) {
		fprintf(stderr,
			"iap flash: %s: image is linked for 0x%08lx but the "
			"device's application slot starts at 0x%08lx\n",
			file, (unsigned long)h->load_addr,
			(unsigned long)in->app_addr);
		return -1;
	}
	if (h->board_id && in->board_id && h->board_id != in->board_id) {
		fprintf(stderr,
			"iap flash: %s: image is built for board id 0x%08lx "
			"but the device is board id 0x%08lx\n",
			file, (unsigned long)h->board_id,
			(unsigned long)in->board_id);
		return -1;
	}
	if ((in->trust & IAP_TRUST_INFO_SIGNED) && h->sig_type == 0) {
		fprintf(stderr,
			"iap flash: %s: image is not signed, and the device "
			"accepts signed images only (iap sign --key KEY.pem "
			"--key-id N)\n",
			file);
		return -1;
	}
	if ((in->trust & IAP_TRUST_INFO_ROLLBACK) &&
	    h->security_counter < in->rollback) {
		fprintf(stderr,
			"iap flash: %s: image has security counter %lu, "
			"below the device's anti-rollback record %lu: the "
			"device refuses older releases (pack it with "
			"--security-counter %lu or higher)\n",
			file, (unsigned long)h->security_counter,
			(unsigned long)in->rollback,
			(unsigned long)in->rollback);
		return -1;
	}
	if (h->min_loader > in->loader_version) {
		iap_fmt_loader(a, sizeof(a), h->min_loader);
		iap_fmt_loader(b, sizeof(b), in->loader_version);
		fprintf(stderr,
			"iap flash: %s: image needs bootloader %s or newer "
			"but the device runs %s\n",
			file, a, b);
		return -1;
	}
	return 0;
}

static double kib(uint64_t n)
{
	return (double)n / 1024.0;
}

static void progress_start(struct progress *p, const struct flash_opts *o,
			   uint32_t total)
{
	memset(p, 0, sizeof(*p));
	p->on = !o->quiet;
	p->tty = isatty(STDERR_FILENO);
	p->t0 = now_ms();
	p->total = total;
	p->next_quarter = 1;
}

static void progress_update(struct progress *p, uint32_t done)
{
	uint64_t t = now_ms();
	double secs = (double)(t - p->t0) / 1000.0;
	double rate = secs > 0.0 && done > p->base
			      ? (double)(done - p->base) / secs
			      : 0.0;
	unsigned int pct =
		p->total ? (unsigned int)((uint64_t)done * 100u / p->total)
			 : 100u;

	if (!p->on) {
		return;
	}
	if (p->tty) {
		char bar[21];
		unsigned int fill = pct / 5u, eta = 0;

		if (done < p->total && t - p->last < PROGRESS_MS) {
			return;
		}
		p->last = t;
		for (unsigned int i = 0; i < 20u; i++) {
			bar[i] = i < fill ? '#' : '.';
		}
		bar[20] = '\0';
		if (rate > 0.0) {
			eta = (unsigned int)((double)(p->total - done) / rate +
					     0.5);
		}
		fprintf(stderr,
			"\r[%s] %3u%%  %.1f/%.1f KiB  %.1f KiB/s  ETA "
			"%u:%02u ",
			bar, pct, kib(done), kib(p->total), rate / 1024.0,
			eta / 60u, eta % 60u);
		if (done >= p->total) {
			fputc('\n', stderr);
		}
		fflush(stderr);
		return;
	}
	/* A line per quarter; one passed on the way to a later one (a
	 * stream that compresses well) shows the bytes at that quarter. */
	while (p->next_quarter <= 4u && pct >= 25u * p->next_quarter) {
		uint32_t at = 25u * (p->next_quarter + 1u) <= pct
				      ? (uint32_t)((uint64_t)p->total *
						   p->next_quarter / 4u)
				      : done;

		fprintf(stderr, "%3u%%  %.1f/%.1f KiB  %.1f KiB/s\n",
			25u * p->next_quarter, kib(at), kib(p->total),
			rate / 1024.0);
		p->next_quarter++;
	}
}

/*
 * PROGRESS events from the device while it erases (a START that erases
 * the slot) or reads the image back (FINISH): one line that is redrawn on
 * a terminal, a line per event otherwise.
 */
static void device_event(void *ctx, uint8_t phase, uint32_t done,
			 uint32_t total)
{
	const struct progress *p = ctx;
	const char *what = phase == IAP_PROGRESS_ERASE	  ? "erasing"
			   : phase == IAP_PROGRESS_VERIFY ? "verifying"
							  : "working";
	unsigned int pct =
		total ? (unsigned int)((uint64_t)done * 100u / total) : 100u;

	if (!p->on) {
		return;
	}
	if (p->tty) {
		char bar[21];

		for (unsigned int i = 0; i < 20u; i++) {
			bar[i] = i < pct / 5u ? '#' : '.';
		}
		bar[20] = '\0';
		fprintf(stderr, "\r[%s] %3u%%  %s %.1f/%.1f KiB%s", bar, pct,
			what, kib(done), kib(total),
			done >= total ? "\n" : " ");
		fflush(stderr);
		return;
	}
	fprintf(stderr, "%s: %3u%%  %.1f/%.1f KiB\n", what, pct, kib(done),
		kib(total));
}

/* Protocol v2 when the device speaks it and the user did not ask for v1. */
static int use_stream(const struct flash_opts *o, const struct iap_info *in)
{
	return o->proto != 1u && in->proto_version >= 2u &&
	       (in->caps & IAP_CAP_STREAM);
}

static unsigned int stream_window(const struct flash_opts *o,
				  const struct iap_info *in)
{
	unsigned int w = in->window ? in->window : 1u;

	if (o->window && o->window < w) {
		w = o->window;
	}
	return w;
}

static void interrupted_msg(const struct progress *prog,
			    const struct flash_opts *o, uint32_t off)
{
	if (prog->on && prog->tty) {
		fputc('\n', stderr);
	}
	fprintf(stderr,
		o->slot == IAP_SLOT_STAGE
			? "iap flash: interrupted at offset %lu; nothing is "
			  "staged, the installed application is untouched\n"
			: "iap flash: interrupted at offset %lu; the device "
			  "has no application now and stays in its "
			  "bootloader; the same command sends the rest\n",
		(unsigned long)off);
}

/* v1: one WRITE at a time. Returns 0 or -1 (said). */
static int send_v1(struct iap_client *cl, struct iap_serial *port,
		   const struct flash_opts *o, const struct iap_image_hdr *h,
		   const uint8_t *buf, uint32_t padded, uint32_t chunk,
		   struct progress *prog)
{
	uint32_t off = 0;
	char what[64];
	int err;

	while (off < padded) {
		uint32_t n = padded - off < chunk ? padded - off : chunk;
		uint32_t next = 0;

		if (interrupted) {
			iap_client_request(cl, IAP_CMD_ABORT, NULL, 0, NULL, 0,
					   NULL, IAP_CLIENT_TIMEOUT_MS, 0);
			interrupted_msg(prog, o, off);
			return -1;
		}
		err = iap_client_write(cl, off, &buf[off], (uint16_t)n, &next);
		if (err) {
			if (prog->on && prog->tty) {
				fputc('\n', stderr);
			}
			snprintf(what, sizeof(what), "WRITE at offset %lu",
				 (unsigned long)off);
			iap_dev_report("iap flash", cl, port, o->port, "WRITE",
				       what, err);
			return -1;
		}
		if (next != off + n) {
			if (prog->on && prog->tty) {
				fputc('\n', stderr);
			}
			fprintf(stderr,
				"iap flash: the device expects offset %lu "
				"after WRITE at offset %lu (%lu bytes)\n",
				(unsigned long)next, (unsigned long)off,
				(unsigned long)n);
			return -1;
		}
		off += n;
		progress_update(prog,
				off < h->image_size ? off : h->image_size);
	}
	return 0;
}

struct stream_ui {
	struct progress *prog;
	uint32_t size;
	struct zstream *zs; /* compressed: stream offsets are not the image's */
};

static void stream_progress(void *ctx, uint32_t acked)
{
	struct stream_ui *ui = ctx;

	if (ui->zs) {
		acked = zstream_unpacked(ui->zs, acked);
	}
	progress_update(ui->prog, acked < ui->size ? acked : ui->size);
}

static int stream_cancel(void *ctx)
{
	(void)ctx;
	return interrupted != 0;
}

/*
 * START with the first window behind it (v2), when the device buffers a
 * whole frame while its flash is busy (its INFO ring): the START's erase
 * stalls a single-bank chip, and a device that receives without a ring (an
 * application polling its UART) would lose the frames behind it.
 */
static int start_ahead(const struct iap_info *in, uint32_t chunk)
{
	return in->proto_version >= 2u && (in->caps & IAP_CAP_STREAM) &&
	       in->rx_ring >= chunk + IAP_WRITE_REQ_HDR + IAP_FRAME_OVERHEAD;
}

/*
 * v2: START with flags, and right behind it a window of WRITEs in flight
 * (or START alone first, see start_ahead()).
 * Returns 0 or -1 (said).
 */
static int send_stream(struct iap_client *cl, struct iap_serial *port,
		       const struct flash_opts *o,
		       const struct iap_image_hdr *h, uint8_t flags,
		       const uint8_t *buf, uint32_t padded, uint32_t chunk,
		       uint32_t from, struct zstream *zs, struct progress *prog)
{
	struct iap_stream_opts so;
	struct stream_ui ui = {prog, h->image_size, zs};
	uint8_t start[IAP_START_RESUME_SIZE];
	uint32_t acked = from;
	char what[64];
	int err;

	memset(&so, 0, sizeof(so));
	if (start_ahead(&cl->info, chunk)) {
		so.start_req = start;
		so.start_len =
			iap_client_start_req(cl, o->slot, flags, h, from, start,
					     &so.start_timeout_ms);
	}
	so.chunk = chunk;
	so.window = stream_window(o, &cl->info);
	so.baud = iap_serial_baud(port);
	so.slot_addr = o->slot == IAP_SLOT_STAGE ? cl->info.stage_addr
						 : cl->info.app_addr;
	so.start = from;
	if (zs) {
		/* The stream from its first byte, whatever the resume. */
		buf = zs->z;
		padded = zs->len;
		so.start = 0;
		acked = 0;
		so.unpacked = zstream_unpacked;
		so.map_ctx = zs;
	}
	so.progress = stream_progress;
	so.cancel = stream_cancel;
	so.ctx = &ui;
	err = iap_client_stream(cl, buf, padded, &so, &acked);
	if (zs) {
		acked = zstream_unpacked(zs, acked);
	}
	if (err == IAP_ERR_CANCELED) {
		iap_client_request(cl, IAP_CMD_ABORT, NULL, 0, NULL, 0, NULL,
				   IAP_CLIENT_TIMEOUT_MS, 0);
		interrupted_msg(prog, o, acked);
		return -1;
	}
	if (err) {
		if (prog->on && prog->tty) {
			fputc('\n', stderr);
		}
		if (cl->failed_cmd == IAP_CMD_START) {
			iap_dev_report("iap flash", cl, port, o->port, "START",
				       "START", err);
			return -1;
		}
		snprintf(what, sizeof(what), "WRITE at offset %lu",
			 (unsigned long)acked);
		iap_dev_report("iap flash", cl, port, o->port, "WRITE", what,
			       err);
		return -1;
	}
	return 0;
}

/*
 * Compress the image from the resume offset on? auto: when the device
 * takes it and the stream is smaller. Returns 0 (*packed says, and zs
 * holds the stream when 1) or -1 (said).
 */
static int pack_decide(const struct flash_opts *o, const struct iap_info *in,
		       const struct iap_image_hdr *h, const uint8_t *buf,
		       uint32_t from, struct zstream *zs, int *packed)
{
	uint32_t end = h->image_size > from ? h->image_size : from;
	unsigned int bits = in->lzss_bits;
	int err;

	*packed = 0;
	if (o->compress == COMPRESS_OFF) {
		return 0;
	}
	if (!use_stream(o, in) || !(in->caps & IAP_CAP_LZSS) ||
	    bits < IAP_LZSS_MIN_BITS) {
		if (o->compress == COMPRESS_ON) {
			fprintf(stderr,
				"iap flash: --compress on: the device does "
				"not take compressed transfers (protocol v2, "
				"INFO capability bit 5)\n");
			return -1;
		}
		return 0;
	}
	if (bits > LZSS_BITS_MAX) {
		bits = LZSS_BITS_MAX;
	}
	err = zstream_make(zs, buf, from, end, bits);
	if (err) {
		fprintf(stderr, "iap flash: compressing the image: %s\n",
			iap_strerror(err));
		return -1;
	}
	if (o->compress == COMPRESS_AUTO && zs->len >= end - from) {
		zstream_free(zs); /* it does not get smaller */
		return 0;
	}
	*packed = 1;
	return 0;
}

/*
 * The transfer proper: START, WRITEs, FINISH. With *boot 1 on entry a v2
 * update of the application slot sends BOOT with FINISH
 * (iap_client_finish_boot()); *boot is then 0 (booting) or BOOT's error,
 * not yet said, and stays 1 when BOOT is the caller's to send. Returns 0
 * or -1 (said).
 */
static int transfer(struct iap_client *cl, struct iap_serial *port,
		    const struct flash_opts *o, const struct iap_image_hdr *h,
		    const uint8_t *payload, int *boot)
{
	const struct iap_info *in = &cl->info;
	uint32_t ws = in->write_size;
	uint32_t chunk = in->max_payload - IAP_WRITE_REQ_HDR;
	uint32_t padded = (h->image_size + ws - 1u) / ws * ws;
	int stream = use_stream(o, in);
	uint32_t from = 0;
	struct zstream zs;
	int packed = 0;
	uint8_t flags;
	uint32_t wire;
	uint64_t t_start, t_written, t_done;
	struct progress prog;
	uint8_t *buf;
	int err;

	if (o->chunk && o->chunk < chunk) {
		chunk = o->chunk;
	}
	chunk -= chunk % ws;
	if (!chunk) {
		fprintf(stderr,
			"iap flash: --chunk %lu is smaller than the device's "
			"write size %lu\n",
			(unsigned long)o->chunk, (unsigned long)ws);
		return -1;
	}
	/* The last unit is padded with erased bytes, as the device expects. */
	buf = malloc(padded);
	if (!buf) {
		fprintf(stderr, "iap flash: out of memory\n");
		return -1;
	}
	memset(buf, IAP_FLASH_ERASED, padded);
	memcpy(buf, payload, h->image_size);

	t_start = now_ms();
	if (stream && !o->no_resume) {
		err = iap_client_resume_point(cl, o->slot, buf, padded, &from);
		if (err) {
			iap_dev_report("iap flash", cl, port, o->port, "HASH",
				       "HASH", err);
			free(buf);
			return -1;
		}
	}
	if (pack_decide(o, in, h, buf, from, &zs, &packed)) {
		free(buf);
		return -1;
	}
	if (from && !o->quiet) {
		printf("resuming: %.1f of %.1f KiB are on the device already "
		       "(checked by hash), sending from offset %lu\n",
		       kib(from < h->image_size ? from : h->image_size),
		       kib(h->image_size), (unsigned long)from);
	}
	progress_start(&prog, o, h->image_size);
	cl->on_progress = device_event;
	cl->progress_ctx = &prog;
	flags = (uint8_t)((stream ? IAP_START_F_STREAM : 0u) |
			  (from ? IAP_START_F_RESUME : 0u) |
			  (packed ? IAP_START_F_LZSS : 0u) |
			  (stream && (in->caps & IAP_CAP_PROGRESS)
				   ? IAP_START_F_PROGRESS
				   : 0u));
	/* v2: START goes with the data (send_stream); v1: on its own. */
	err = stream && start_ahead(in, chunk)
		      ? 0
		      : iap_client_start_at(cl, o->slot, flags, h, from);
	if (err) {
		iap_dev_report("iap flash", cl, port, o->port, "START", "START",
			       err);
		free(buf);
		if (packed) {
			zstream_free(&zs);
		}
		return -1;
	}
	t_written = now_ms();
	progress_start(&prog, o, h->image_size);
	prog.base = from < h->image_size ? from : h->image_size;
	if (stream) {
		err = send_stream(cl, port, o, h, flags, buf, padded, chunk,
				  from, packed ? &zs : NULL, &prog);
	} else {
		err = send_v1(cl, port, o, h, buf, padded, chunk, &prog);
	}
	free(buf);
	wire = packed ? zs.len : padded - (from < padded ? from : padded);
	if (packed) {
		zstream_free(&zs);
	}
	if (err) {
		return -1;
	}
	t_done = now_ms();
	if (*boot && stream && o->slot == IAP_SLOT_APP && !interrupted) {
		err = iap_client_finish_boot(cl);
		if (!err || cl->failed_cmd == IAP_CMD_BOOT) {
			*boot = err;
			err = 0;
		}
	} else {
		*boot = 1;
		err = iap_client_finish(cl);
	}
	if (err) {
		iap_dev_report("iap flash", cl, port, o->port, "FINISH",
			       "FINISH", err);
		return -1;
	}
	if (!o->quiet) {
		uint64_t t_end = now_ms();
		double secs = (double)(t_end - t_start) / 1000.0;
		uint32_t kept = from < h->image_size ? from : h->image_size;
		double rate = secs > 0.0 ? (double)(h->image_size - kept) / secs
					 : 0.0;
		double wire_rate = secs > 0.0 ? (double)wire / secs : 0.0;

		uint32_t baud = iap_serial_baud(port);
		double line = (double)baud / 10.0;

		printf("verified and committed: %.1f KiB in %.1f s (%.1f "
		       "KiB/s%s, ",
		       kib(h->image_size), secs, rate / 1024.0,
		       packed ? " of firmware" : "");
		if (wire_rate <= line * 1.05) {
			printf("%.0f%% of the %lu baud line rate)\n",
			       rate * 100.0 / line, (unsigned long)baud);
		} else {
			/* A pseudo-terminal ignores the baud rate. */
			printf("faster than a %lu baud line: not a real "
			       "UART)\n",
			       (unsigned long)baud);
		}
		if (stream) {
			printf("  protocol v2, window %u x %lu bytes: resume "
			       "check %.2f s, start, transfer and erase %.2f "
			       "s, verify and commit %.2f s; %lu bytes sent "
			       "again\n",
			       stream_window(o, in), (unsigned long)chunk,
			       (double)(t_written - t_start) / 1000.0,
			       (double)(t_done - t_written) / 1000.0,
			       (double)(t_end - t_done) / 1000.0,
			       (unsigned long)cl->resent_bytes);
			if (packed) {
				printf("  compressed: %lu bytes sent for %lu "
				       "(%.1f%%), LZSS window %u bytes\n",
				       (unsigned long)wire,
				       (unsigned long)(h->image_size - kept),
				       h->image_size > kept
					       ? 100.0 * wire /
							 (h->image_size - kept)
					       : 0.0,
				       1u << zs.bits);
			}
		} else {
			printf("  protocol v1: erase %.2f s, transfer %.2f s, "
			       "verify and commit %.2f s; %lu resends\n",
			       (double)(t_written - t_start) / 1000.0,
			       (double)(t_done - t_written) / 1000.0,
			       (double)(t_end - t_done) / 1000.0,
			       (unsigned long)cl->resends);
		}
	}
	return 0;
}

int iap_cmd_flash(int argc, char **argv)
{
	struct flash_opts o;
	struct iap_image_hdr h;
	struct iap_serial *port = NULL;
	struct iap_client *cl = NULL;
	void (*old_sigint)(int);
	uint8_t *payload = NULL;
	char err[IAP_ERRMSG_SIZE];
	char ver[48];
	int rc = EXIT_FAIL;
	int boot;

	rc = parse_opts(argc, argv, &o);
	if (rc) {
		return rc < 0 ? 0 : rc;
	}
	rc = EXIT_FAIL;
	err[0] = '\0';
	if (iap_file_load(o.file, &h, &payload, err, sizeof(err))) {
		fprintf(stderr, "iap flash: %s\n", err);
		return EXIT_FAIL;
	}
	if (iap_serial_open(&port, o.port, o.baud, err, sizeof(err))) {
		fprintf(stderr, "iap flash: %s\n", err);
		goto out;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		fprintf(stderr, "iap flash: out of memory\n");
		goto out;
	}
	/* Start from a seq a previous session is unlikely to have used. */
	iap_client_init(cl, iap_serial_write, iap_serial_read, port,
			(uint8_t)(now_ms() ^ (uint64_t)getpid()));
	if (iap_dev_hello("iap flash", cl, port, o.port, o.wait_ms, o.quiet)) {
		goto out;
	}
	if (!o.quiet) {
		iap_dev_print(&cl->info);
	}
	if (iap_dev_check("iap flash", &cl->info)) {
		goto out;
	}
	if (o.slot == IAP_SLOT_APP && (cl->info.caps & IAP_CAP_APP)) {
		fprintf(stderr,
			"iap flash: %s is answered by the running "
			"application, which only stages images (use --slot "
			"stage, or reset the device into its bootloader)\n",
			o.port);
		goto out;
	}
	if (o.slot == IAP_SLOT_STAGE && !(cl->info.caps & IAP_CAP_STAGE)) {
		fprintf(stderr, "iap flash: the device has no staging slot "
				"(use --slot app)\n");
		goto out;
	}
	if (o.slot == IAP_SLOT_STAGE && h.image_size > cl->info.stage_size &&
	    !o.force) {
		fprintf(stderr,
			"iap flash: %s: %lu bytes do not fit the staging slot "
			"(%lu bytes)\n",
			o.file, (unsigned long)h.image_size,
			(unsigned long)cl->info.stage_size);
		goto out;
	}
	if (check_image(o.file, &h, &cl->info)) {
		if (!o.force) {
			fprintf(stderr, "iap flash: nothing was sent (--force "
					"sends it anyway and lets the device "
					"decide)\n");
			goto out;
		}
		fprintf(stderr, "iap flash: --force: sending it anyway\n");
	}

	if (o.baud_up) {
		static const uint32_t auto_rates[] = {921600u, 460800u,
						      230400u};
		uint32_t one = o.baud_up;
		int ask = o.baud_up != 1u;

		if (!iap_dev_baud_up(
			    "iap flash", cl, port, ask ? &one : auto_rates,
			    ask ? 1u
				: (unsigned int)(sizeof(auto_rates) /
						 sizeof(auto_rates[0])),
			    o.quiet)) {
			goto out;
		}
	}

	/* Plain C signal(): the tool also builds where sigaction is absent. */
	old_sigint = signal(SIGINT, on_sigint);
	boot = !o.no_boot;
	if (transfer(cl, port, &o, &h, payload, &boot)) {
		signal(SIGINT, old_sigint == SIG_ERR ? SIG_DFL : old_sigint);
		goto out;
	}
	signal(SIGINT, old_sigint == SIG_ERR ? SIG_DFL : old_sigint);

	iap_fmt_version(ver, sizeof(ver), h.version.major, h.version.minor,
			h.version.patch, (unsigned long)h.version.build);
	if (interrupted && boot == 1) {
		fprintf(stderr,
			"iap flash: interrupted; %s is installed and verified, "
			"the device stays in its bootloader\n",
			ver);
		goto out;
	}
	if (o.no_boot) {
		if (!o.quiet) {
			printf(o.slot == IAP_SLOT_STAGE
				       ? "staged %s; staying in the bootloader "
					 "(--no-boot), it is installed at the "
					 "next reset\n"
				       : "installed %s; staying in the "
					 "bootloader (--no-boot)\n",
			       ver);
		}
		rc = 0;
		goto out;
	}
	{
		int e = boot == 1 ? iap_client_boot(cl) : boot;

		if (e) {
			iap_dev_report("iap flash", cl, port, o.port, "BOOT",
				       "BOOT", e);
			fprintf(stderr,
				o.slot == IAP_SLOT_STAGE
					? "iap flash: %s is staged and "
					  "verified; the device installs it at "
					  "its next reset\n"
					: "iap flash: %s is installed and "
					  "verified; the device boots it at "
					  "its next reset\n",
				ver);
			goto out;
		}
	}
	if (!o.quiet) {
		printf(o.slot == IAP_SLOT_STAGE
			       ? "booting: the bootloader installs %s, then "
				 "starts it\n"
			       : "booting %s\n",
		       ver);
	}
	rc = 0;
out:
	free(cl);
	iap_serial_close(port);
	free(payload);
	return rc;
}
