/*
 * iapboot - the terminal menu and the YModem upload into the application
 * slot (what it does and how it is reached: iap_menu.h).
 *
 *   CLOSED --Enter alone--> OPEN --1--> YMODEM --ended--> SETTLE
 *     ^                      | 2, 3        (quiet line)     |
 *     +--idle, a frame-------+<------------ failed ---------+
 *                                           committed: the loader boots
 */
#include <stdarg.h>
#include <string.h>

#include "iap/iap_boot.h"
#include "iap/iap_err.h"
#include "iap/iap_menu.h"

/* Which message explains how the upload ended. */
enum menu_why {
	WHY_NONE = 0, /* the receiver's or the writer's error */
	WHY_EMPTY,    /* a file of 0 bytes */
	WHY_SHORT,    /* not even a header and one byte */
	WHY_SIZE,     /* block 0 size is not 256 + image size */
	WHY_SECOND,   /* a second file in the batch */
	WHY_NOT_IAP   /* no image header: a plain binary */
};

static const char *const why_text[] = {
	"",
	"the file is empty",
	"the file is too short for an .iap image",
	"the file size is not 256 + the image size in its header",
	"one file at a time",
	"not an .iap image (no image header)"};

/* The errors an upload meets, in a few words (iap_strerror() is more than
 * the small bootloaders can carry). */
static const struct {
	int8_t err;
	const char *text;
} err_text[] = {
	{IAP_ERR_FBIG, "image larger than the slot"},
	{IAP_ERR_RANGE, "image linked for another address"},
	{IAP_ERR_BOARD, "image built for another board"},
	{IAP_ERR_OLDLOADER, "image needs a newer bootloader"},
	{IAP_ERR_CORRUPT, "checksum or hash mismatch"},
	{IAP_ERR_NOEXEC, "vector table not bootable"},
	{IAP_ERR_CANCELED, "stopped by the sender"},
	{IAP_ERR_TIMEDOUT, "timed out"},
	{IAP_ERR_NOENT, "no file sent"},
};

static const char *const event_text[] = {"nothing to install",
					 "installed an update",
					 "refused the staged image",
					 "install failed",
					 "reverted to the previous image",
					 "booted the image on trial"};

static const char *err_str(int err)
{
	for (size_t i = 0; i < sizeof(err_text) / sizeof(err_text[0]); i++) {
		if (err_text[i].err == err) {
			return err_text[i].text;
		}
	}
	return "error";
}

#define SAY_MAX 128u

/*
 * Text out, formatted: %s string, %u uint32_t decimal, %d int, %x
 * uint32_t as 8 hex digits, %h the first 8 bytes at a uint8_t pointer in
 * hex, %v a struct iap_version pointer ("+build" only when there is one,
 * as the tools print versions). Longer text is cut at SAY_MAX. The first
 * send error sticks in m->tx_err.
 */
static void say(struct iap_loader *ld, const char *fmt, ...)
{
	const struct iap_server_cfg *sc = &ld->cfg.server;
	char b[SAY_MAX + 12];
	size_t n = 0;
	va_list ap;
	int err;

	va_start(ap, fmt);
	for (; *fmt && n < SAY_MAX; fmt++) {
		const struct iap_version *v;
		const uint8_t *p;
		const char *str;
		char d[10];
		uint32_t u;
		int i = 0;

		if (*fmt != '%') {
			b[n++] = *fmt;
			continue;
		}
		switch (*++fmt) {
		case 's':
			for (str = va_arg(ap, const char *);
			     *str && n < SAY_MAX;)
				b[n++] = *str++;
			continue;
		case 'v':
			v = va_arg(ap, const struct iap_version *);
			u = v->major;
			/* major . minor . patch [+ build]: four numbers */
			for (int part = 0; part < 4; part++) {
				if (part) {
					b[n++] = part == 3 ? '+' : '.';
				}
				do {
					d[i++] = (char)('0' + u % 10u);
					u /= 10u;
				} while (u);
				while (i) {
					b[n++] = d[--i];
				}
				u = part == 0	? v->minor
				    : part == 1 ? v->patch
						: v->build;
				if (part == 2 && !u) {
					break;
				}
			}
			continue;
		case 'x':
			u = va_arg(ap, uint32_t);
			for (i = 28; i >= 0; i -= 4) {
				b[n++] = "0123456789abcdef"[(u >> i) & 0xFu];
			}
			continue;
		case 'h':
			p = va_arg(ap, const uint8_t *);
			for (i = 0; i < 8; i++) {
				b[n++] = "0123456789abcdef"[p[i] >> 4];
				b[n++] = "0123456789abcdef"[p[i] & 0xFu];
			}
			continue;
		case 'd':
			i = va_arg(ap, int);
			if (i < 0) {
				b[n++] = '-';
			}
			u = (uint32_t)(i < 0 ? -i : i);
			i = 0;
			break;
		default: /* 'u' */
			u = va_arg(ap, uint32_t);
			break;
		}
		do {
			d[i++] = (char)('0' + u % 10u);
			u /= 10u;
		} while (u);
		while (i) {
			b[n++] = d[--i];
		}
	}
	va_end(ap);
	err = sc->send(sc->send_ctx, (const uint8_t *)b, n);
	if (err && !ld->menu.tx_err) {
		ld->menu.tx_err = err;
	}
}

/* No 'C', 'G' or '*' in here: a YModem sender may read it as an answer. */
static void show_menu(struct iap_loader *ld)
{
	uint32_t v = ld->cfg.server.loader_version;

	say(ld, "\r\n== iapboot %u.%u.%u ==\r\n", (v >> 16) & 0xFFu,
	    (v >> 8) & 0xFFu, v & 0xFFu);
	say(ld, "  1  upload an .iap image (ymodem)\r\n"
		"  2  boot the installed image\r\n"
		"  3  show the installed image\r\n> ");
}

/* Key 3: the installed image and the last boot, worded as `iap status`. */
static void show_image(struct iap_loader *ld)
{
	const struct iap_layout *l = ld->cfg.server.layout;
	const struct iap_image_hdr *h = &ld->srv.app;
	uint8_t ev = ld->record.event;

	if (ld->srv.app_valid) {
		say(ld, "3\r\ninstalled:    %v at 0x%x, %u bytes, board 0x%x",
		    &h->version, h->load_addr, h->image_size, h->board_id);
		say(ld, "\r\nsha256:       %h...", h->sha256);
	} else {
		say(ld, "3\r\ninstalled:    none (slot 0x%x, %u bytes)",
		    l->app_addr, l->app_size);
	}
	say(ld, "\r\nlast boot:    %s", event_text[ev < 6 ? ev : 0]);
	if (ld->record.err) {
		say(ld, ": %s (%d)", err_str(ld->record.err), ld->record.err);
	}
	say(ld, "\r\n");
}

/* ---- The upload: YModem callbacks into the stage writer. ---- */

static int up_begin(void *ctx, const char *name, uint32_t size)
{
	struct iap_menu *m = &((struct iap_loader *)ctx)->menu;

	(void)name;
	if (m->wr.state != IAP_WRITER_IDLE || m->erased) {
		m->why = WHY_SECOND;
		return IAP_ERR_BUSY;
	}
	m->size = size;
	m->hdr_len = 0;
	if (size == 0) {
		m->why = WHY_EMPTY;
		return IAP_ERR_BADMSG;
	}
	if (size <= IAP_IMAGE_HDR_SIZE) {
		m->why = WHY_SHORT;
		return IAP_ERR_BADMSG;
	}
	return 0;
}

/* The header is in: check it, then open the writer (the first erase). */
static int up_header(struct iap_loader *ld)
{
	const struct iap_server_cfg *sc = &ld->cfg.server;
	struct iap_menu *m = &ld->menu;
	struct iap_image_hdr h;
	int err;

	err = iap_stage_check(sc->layout, IAP_SLOT_APP, m->hdr,
			      sc->loader_version, &h);
	if (err) {
		return err;
	}
	if (m->size - IAP_IMAGE_HDR_SIZE != h.image_size) {
		m->why = WHY_SIZE;
		return IAP_ERR_INVAL;
	}
	m->erased = 1;
	err = iap_stage_open(&m->wr, sc->flash, sc->layout, IAP_SLOT_APP, &h,
			     IAP_STAGE_ERASE_AHEAD);
	if (err) {
	}
	return err;
}

static int up_data(void *ctx, const uint8_t *data, uint32_t len)
{
	static const uint8_t magic[4] = {'I', 'A', 'P', 'I'};
	struct iap_loader *ld = ctx;
	struct iap_menu *m = &ld->menu;
	int err;

	if (m->hdr_len < IAP_IMAGE_HDR_SIZE) {
		uint32_t k = IAP_IMAGE_HDR_SIZE - m->hdr_len;

		if (k > len) {
			k = len;
		}
		memcpy(&m->hdr[m->hdr_len], data, k);
		m->hdr_len = (uint16_t)(m->hdr_len + k);
		data += k;
		len -= k;
		if (memcmp(m->hdr, magic, m->hdr_len < 4u ? m->hdr_len : 4u) !=
		    0) {
			m->why = WHY_NOT_IAP; /* refused before any erase */
			return IAP_ERR_BADMSG;
		}
		if (m->hdr_len < IAP_IMAGE_HDR_SIZE) {
			return 0;
		}
		err = up_header(ld);
		if (err) {
			return err;
		}
	}
	if (!len) {
		return 0;
	}
	err = iap_stage_append(&m->wr, data, len);
	if (err) {
	}
	return err;
}

static int up_end(void *ctx)
{
	struct iap_loader *ld = ctx;
	const struct iap_server_cfg *sc = &ld->cfg.server;
	struct iap_menu *m = &ld->menu;
	int err;

	if (m->wr.state != IAP_WRITER_RECEIVING) {
		m->why = WHY_SHORT;
		return IAP_ERR_PROTO;
	}
	err = iap_stage_finish(&m->wr, sc->scratch, sc->scratch_size,
			       sc->loader_version);
	if (err) {
	}
	return err;
}

static void start_upload(struct iap_loader *ld, uint32_t now_ms)
{
	const struct iap_server_cfg *sc = &ld->cfg.server;
	struct iap_menu *m = &ld->menu;
	struct iap_ymodem_cfg yc;
	int err;

	say(ld, "1\r\nstart the ymodem send of the .iap file now "
		"(ctrl-x twice stops)\r\n");
	memset(&m->wr, 0, sizeof(m->wr));
	m->hdr_len = 0;
	m->erased = 0;
	m->why = WHY_NONE;
	m->size = 0;
	memset(&yc, 0, sizeof(yc));
	yc.begin = up_begin;
	yc.data = up_data;
	yc.end = up_end;
	yc.ctx = ld;
	yc.send = sc->send;
	yc.send_ctx = sc->send_ctx;
	yc.buf = sc->rx_buf;
	yc.buf_size = sc->rx_cap < IAP_YMODEM_BLOCK_STX ? sc->rx_cap
							: IAP_YMODEM_BLOCK_STX;
	/* The receive buffer is the frame decoder's: it starts afresh. */
	iap_server_line_idle(&ld->srv);
	m->state = IAP_MENU_YMODEM;
	err = iap_ymodem_start(&m->ym, &yc, now_ms);
	if (err < 0 && err != IAP_ERR_INVAL && !m->tx_err) {
		m->tx_err = err;
	}
}

/* The transfer is over and the line quiet: say how it went. */
static int report(struct iap_loader *ld, uint32_t now_ms)
{
	struct iap_menu *m = &ld->menu;

	if (!m->err) {
		say(ld,
		    "\r\nupload done: %v, %u bytes, verified; booting it\r\n",
		    &m->wr.hdr.version, m->wr.hdr.image_size);
		m->state = IAP_MENU_CLOSED;
		return IAP_MENU_INSTALLED;
	}
	if (m->why) {
		say(ld, "\r\nupload failed: %s", why_text[m->why]);
	} else {
		say(ld, "\r\nupload failed: %s (%d)", err_str(m->err), m->err);
	}
	if (m->why == WHY_NOT_IAP) {
		say(ld,
		    "\r\nmake one from the binary with: iap pack --addr "
		    "0x%x --version 1.0.0 -o app.iap app.bin",
		    ld->cfg.server.layout->app_addr);
	}
	say(ld, m->erased ? "\r\nthe old image was erased: upload again\r\n"
			  : "\r\nnothing was erased\r\n");
	m->state = IAP_MENU_OPEN;
	m->t_key = now_ms;
	show_menu(ld);
	return m->erased ? IAP_MENU_CHANGED : IAP_MENU_EATEN;
}

static int transfer(struct iap_loader *ld, uint32_t now_ms, const uint8_t *rx,
		    size_t n)
{
	struct iap_menu *m = &ld->menu;
	int r;

	if (m->state == IAP_MENU_YMODEM) {
		r = iap_ymodem_input(&m->ym, now_ms, rx, n);
		if (r == IAP_YMODEM_RUN) {
			return IAP_MENU_EATEN;
		}
		m->err = r == IAP_YMODEM_DONE ? 0 : r;
		if (m->wr.state == IAP_WRITER_DONE) {
			m->err = 0; /* committed; a second file was refused */
		} else if (!m->err) {
			m->err = IAP_ERR_NOENT; /* an empty batch */
		}
		m->state = IAP_MENU_SETTLE;
		m->t_end = now_ms;
		m->t_rx = now_ms;
		return IAP_MENU_EATEN;
	}
	/* SETTLE: the sender's last bytes (its CANs, an echo) drain. */
	if (n) {
		m->t_rx = now_ms;
	}
	if (now_ms - m->t_rx >= IAP_MENU_SETTLE_MS ||
	    now_ms - m->t_end >= IAP_MENU_SETTLE_MAX) {
		return report(ld, now_ms);
	}
	return IAP_MENU_EATEN;
}

/* The key watcher: returns the key of a burst that is one, else -1. */
static int watch(struct iap_menu *m, uint32_t gap, uint32_t now_ms,
		 const uint8_t *rx, size_t n)
{
	int key = -1;

	if (n) {
		if (!m->seen || now_ms - m->t_rx >= gap) {
			m->burst_len = 0; /* the line was quiet before */
			m->eol_only = 1;
			m->tail_eol = 1;
		}
		for (size_t i = 0; i < n; i++) {
			int eol = rx[i] == '\r' || rx[i] == '\n';

			if (m->burst_len == 0) {
				m->key = rx[i];
			} else if (!eol) {
				m->tail_eol = 0;
			}
			if (!eol) {
				m->eol_only = 0;
			}
			if (m->burst_len < 255u) {
				m->burst_len++;
			}
		}
		m->seen = 1;
		m->t_rx = now_ms;
		return -1;
	}
	if (m->burst_len && now_ms - m->t_rx >= gap) {
		if (m->eol_only) {
			key = '\r';
		} else if (m->burst_len <= 3u && m->tail_eol) {
			key = m->key;
		}
		m->burst_len = 0;
	}
	return key;
}

static int menu_key(struct iap_loader *ld, int key, uint32_t now_ms)
{
	struct iap_menu *m = &ld->menu;

	m->t_key = now_ms;
	if (key == '1') {
		start_upload(ld, now_ms);
		return IAP_MENU_EATEN;
	}
	if (key == '2' && ld->srv.app_valid) {
		say(ld, "2\r\nbooting %v\r\n", &ld->srv.app.version);
		m->state = IAP_MENU_CLOSED;
		return IAP_MENU_BOOT;
	}
	if (key == '2') {
		say(ld, "2\r\nno valid image installed: upload one with 1\r\n");
	} else if (key == '3') {
		show_image(ld);
	}
	show_menu(ld);
	return IAP_MENU_NONE;
}

int iap_menu_poll(struct iap_loader *ld, uint32_t now_ms, const uint8_t *rx,
		  size_t n)
{
	struct iap_menu *m = &ld->menu;
	uint32_t gap = ld->cfg.gap_ms ? ld->cfg.gap_ms : 100u;
	int key, a = IAP_MENU_NONE;

	if (m->state == IAP_MENU_YMODEM || m->state == IAP_MENU_SETTLE) {
		a = transfer(ld, now_ms, rx, n);
	} else {
		key = watch(m, gap, now_ms, rx, n);
		if (m->state == IAP_MENU_CLOSED) {
			if (key == '\r' &&
			    ld->srv.state != IAP_STATE_RECEIVING) {
				m->state = IAP_MENU_OPEN;
				m->t_key = now_ms;
				show_menu(ld);
				a = IAP_MENU_OPENED;
			}
		} else if (key >= 0) {
			a = menu_key(ld, key, now_ms);
		} else if (now_ms - m->t_key >= IAP_MENU_IDLE_MS) {
			m->state = IAP_MENU_CLOSED;
			say(ld, "\r\nmenu closed (no key for 60 s)\r\n");
		}
	}
	if (m->tx_err) {
		a = m->tx_err;
		m->tx_err = 0;
	}
	return a;
}
