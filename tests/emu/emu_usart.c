/*
 * iap-emu - USART1 (RM0008 27.6, RM0090 30.6), the DMA controllers that
 * serve it (F1: DMA1 channel 5 RX, channel 4 TX, RM0008 13.3.7; F4: DMA2
 * stream 2 or 5 channel 4 RX, stream 7 channel 4 TX, RM0090 10.3.3) and
 * the line to the host on a pseudo-terminal.
 *
 * Bytes from the host wait in a queue and arrive one frame time apart
 * (start + data + stop bits at the baud rate BRR gives) in emulated time,
 * so a stalled core still gets them through its DMA, and a ring that is
 * too small overflows as it would. What the board sends leaves the shift
 * register a frame time after it was written to DR and only then reaches
 * the pseudo-terminal.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "emu.h"

#define SR_PE	(1u << 0)
#define SR_FE	(1u << 1)
#define SR_NE	(1u << 2)
#define SR_ORE	(1u << 3)
#define SR_IDLE (1u << 4)
#define SR_RXNE (1u << 5)
#define SR_TC	(1u << 6)
#define SR_TXE	(1u << 7)

#define CR1_RE	   (1u << 2)
#define CR1_TE	   (1u << 3)
#define CR1_IDLEIE (1u << 4)
#define CR1_RXNEIE (1u << 5)
#define CR1_TCIE   (1u << 6)
#define CR1_TXEIE  (1u << 7)
#define CR1_M	   (1u << 12)
#define CR1_UE	   (1u << 13)
#define CR1_OVER8  (1u << 15)
#define CR3_DMAR   (1u << 6)
#define CR3_DMAT   (1u << 7)

#define USART1_IRQ 37u

#define DEFAULT_BAUD 115200u

/* Normalised view of a DMA channel (F1) or stream (F4). */
struct dcfg {
	int en, m2p, circ, minc, dbm, ct;
	unsigned msize, psize, chsel;
	int tcie, htie, teie;
};

static int f1(const struct emu *e)
{
	return e->b->family == EMU_F1;
}

static uint32_t usart_base(const struct emu *e)
{
	return f1(e) ? 0x40013800u : 0x40011000u;
}

/* ---- timing ----------------------------------------------------------------
 */

/* Divider of PCLK2 per bit; 0 when BRR is not set. */
static uint32_t bit_div(const struct emu *e)
{
	uint32_t brr = e->us.brr & 0xFFFFu;

	if (e->us.cr1 & CR1_OVER8) {
		return ((brr >> 4) << 3) | (brr & 7u);
	}
	return brr;
}

static uint32_t usart_baud(const struct emu *e)
{
	uint32_t div = bit_div(e);

	return div ? e->pclk2 / div : 0;
}

/* One frame: start bit, 8 or 9 data bits, the stop bits of CR2.STOP. */
static uint64_t frame_ps(const struct emu *e)
{
	static const unsigned stop_halves[4] = {2, 1, 4, 3};
	unsigned halves = 2u + ((e->us.cr1 & CR1_M) ? 18u : 16u) +
			  stop_halves[(e->us.cr2 >> 12) & 3u];
	uint32_t div = bit_div(e);

	if (!div || !e->pclk2) {
		return (uint64_t)halves * (EMU_PS_PER_S / 2u) / DEFAULT_BAUD;
	}
	return (uint64_t)halves * (EMU_PS_PER_S / 2u) * div / e->pclk2;
}

/* ---- DMA
 * --------------------------------------------------------------------- */

static void dma_cfg(const struct emu *e, const struct emu_dma_ch *c,
		    struct dcfg *k)
{
	memset(k, 0, sizeof(*k));
	k->en = c->cr & 1u;
	if (f1(e)) {
		k->tcie = (c->cr >> 1) & 1u;
		k->htie = (c->cr >> 2) & 1u;
		k->teie = (c->cr >> 3) & 1u;
		k->m2p = (c->cr >> 4) & 1u;
		k->circ = (c->cr >> 5) & 1u;
		k->minc = (c->cr >> 7) & 1u;
		k->psize = 1u << ((c->cr >> 8) & 3u);
		k->msize = 1u << ((c->cr >> 10) & 3u);
	} else {
		k->teie = (c->cr >> 2) & 1u;
		k->htie = (c->cr >> 3) & 1u;
		k->tcie = (c->cr >> 4) & 1u;
		k->m2p = ((c->cr >> 6) & 3u) == 1u;
		k->circ = (c->cr >> 8) & 1u;
		k->minc = (c->cr >> 10) & 1u;
		k->psize = 1u << ((c->cr >> 11) & 3u);
		k->msize = 1u << ((c->cr >> 13) & 3u);
		k->dbm = (c->cr >> 18) & 1u;
		k->ct = (c->cr >> 19) & 1u;
		k->chsel = (c->cr >> 25) & 7u;
	}
}

/* The channel serving USART1 reception (rx = 1) or transmission. */
static struct emu_dma_ch *dma_for(struct emu *e, int rx, unsigned *ctl,
				  unsigned *num)
{
	struct dcfg k;

	if (f1(e)) {
		*ctl = 0;
		*num = rx ? 5u : 4u;
		return &e->dma[0].ch[*num - 1u];
	}
	*ctl = 1;
	if (rx) {
		static const unsigned streams[2] = {2, 5};

		for (unsigned i = 0; i < 2; i++) {
			dma_cfg(e, &e->dma[1].ch[streams[i]], &k);
			if (k.en && k.chsel == 4u) {
				*num = streams[i];
				return &e->dma[1].ch[streams[i]];
			}
		}
		*num = 2;
		return &e->dma[1].ch[2];
	}
	*num = 7;
	return &e->dma[1].ch[7];
}

static uint8_t *ram_ptr(struct emu *e, uint32_t a, uint32_t len)
{
	if (a >= EMU_RAM_BASE && a - EMU_RAM_BASE < e->b->ram_size &&
	    len <= e->b->ram_size - (a - EMU_RAM_BASE)) {
		return e->ram + (a - EMU_RAM_BASE);
	}
	if (e->b->ccm_size && a >= EMU_CCM_BASE &&
	    a - EMU_CCM_BASE < e->b->ccm_size &&
	    len <= e->b->ccm_size - (a - EMU_CCM_BASE)) {
		/* CCM is on the D-bus only: the DMA cannot reach it */
		return NULL;
	}
	return NULL;
}

/* One item moved: NDTR, half/complete flags, circular reload. */
static void dma_count(struct emu *e, struct emu_dma_ch *c, const struct dcfg *k)
{
	c->ndtr--;
	if (c->ndtr == c->reload / 2u) {
		c->flags |= EMU_DMA_F_HT;
	}
	if (c->ndtr == 0) {
		c->flags |= EMU_DMA_F_TC;
		if (k->circ || k->dbm) {
			c->ndtr = c->reload;
			if (k->dbm) {
				c->cr ^= 1u << 19;
			}
		} else if (!f1(e)) {
			c->cr &= ~1u; /* the stream ends */
		}
	}
}

static uint32_t dma_mem_addr(const struct emu_dma_ch *c, const struct dcfg *k)
{
	uint32_t base = (k->dbm && k->ct) ? c->m1ar : c->m0ar;

	return base + (k->minc ? (c->reload - c->ndtr) * k->msize : 0u);
}

static void dma_error(struct emu *e, struct emu_dma_ch *c, uint32_t a)
{
	emu_violation(e,
		      "DMA access to 0x%08" PRIx32
		      " outside SRAM: transfer error, channel disabled",
		      a);
	c->flags |= EMU_DMA_F_TE;
	c->cr &= ~1u;
}

/* Reception by DMA: returns 1 if the byte was taken. */
static int dma_rx(struct emu *e, uint8_t byte)
{
	unsigned ctl, num;
	struct emu_dma_ch *c = dma_for(e, 1, &ctl, &num);
	struct dcfg k;
	uint32_t a;
	uint8_t *p;

	dma_cfg(e, c, &k);
	if (!k.en || k.m2p || (!f1(e) && k.chsel != 4u) || !c->ndtr) {
		return 0;
	}
	if (c->par != usart_base(e) + 4u) {
		static int warned;

		if (!warned) {
			warned = 1;
			emu_violation(e,
				      "DMA%u %s %u serves USART1 RX but its "
				      "peripheral address is 0x%08" PRIx32
				      ", not USART1_DR",
				      ctl + 1u, f1(e) ? "channel" : "stream",
				      num, c->par);
		}
		return 0;
	}
	a = dma_mem_addr(c, &k);
	p = ram_ptr(e, a, k.msize);
	if (!p) {
		dma_error(e, c, a);
		return 0;
	}
	memset(p, 0, k.msize);
	p[0] = byte;
	dma_count(e, c, &k);
	return 1;
}

/* Transmission by DMA: the next byte, if the channel has one. */
static int dma_tx(struct emu *e, uint8_t *byte)
{
	unsigned ctl, num;
	struct emu_dma_ch *c = dma_for(e, 0, &ctl, &num);
	struct dcfg k;
	uint32_t a;
	uint8_t *p;

	if (!(e->us.cr3 & CR3_DMAT)) {
		return 0;
	}
	dma_cfg(e, c, &k);
	if (!k.en || !k.m2p || (!f1(e) && k.chsel != 4u) || !c->ndtr) {
		return 0;
	}
	a = dma_mem_addr(c, &k);
	p = ram_ptr(e, a, 1);
	if (!p) {
		/* The F1 and F4 DMA also read flash; the model reads it too */
		if (a >= EMU_FLASH_BASE &&
		    a - EMU_FLASH_BASE < e->b->flash_size) {
			p = e->flash + (a - EMU_FLASH_BASE);
		} else {
			dma_error(e, c, a);
			return 0;
		}
	}
	*byte = *p;
	dma_count(e, c, &k);
	return 1;
}

void emu_dma_reset(struct emu *e, unsigned n)
{
	memset(&e->dma[n], 0, sizeof(e->dma[n]));
	if (!f1(e)) {
		for (unsigned s = 0; s < 8; s++) {
			e->dma[n].ch[s].fcr = 0x21u;
		}
	}
}

static void first_poll(struct emu *e)
{
	if (!e->first_poll_seen) {
		e->first_poll_seen = 1;
		emu_say(e,
			"first receive poll after %" PRIu64
			" instructions (%.3f ms)",
			e->insns - e->reset_insns,
			(double)(e->now_ps - e->reset_ps) /
				(double)EMU_PS_PER_MS);
	}
}

static uint32_t f1_dma_read(const struct emu_dma *d, uint32_t off)
{
	uint32_t v = 0;
	unsigned c;

	if (off == 0x00) { /* ISR */
		for (c = 0; c < 7; c++) {
			uint32_t f = d->ch[c].flags & 7u;

			v |= ((f ? 1u : 0u) | f << 1) << (4 * c);
		}
		return v;
	}
	if (off < 0x08 || off >= 0x08 + 20u * 7u) {
		return 0;
	}
	c = (off - 0x08) / 20u;
	switch ((off - 0x08) % 20u) {
	case 0:
		return d->ch[c].cr;
	case 4:
		return d->ch[c].ndtr;
	case 8:
		return d->ch[c].par;
	case 12:
		return d->ch[c].m0ar;
	default:
		return 0;
	}
}

static void f1_dma_write(struct emu *e, struct emu_dma *d, uint32_t off,
			 uint32_t v)
{
	struct emu_dma_ch *ch;
	unsigned c;

	if (off == 0x04) { /* IFCR */
		for (c = 0; c < 7; c++) {
			uint32_t b = (v >> (4 * c)) & 0xFu;

			if (b & 1u) {
				d->ch[c].flags = 0;
			}
			d->ch[c].flags &= ~((b >> 1) & 7u);
		}
		return;
	}
	if (off < 0x08 || off >= 0x08 + 20u * 7u) {
		return;
	}
	c = (off - 0x08) / 20u;
	ch = &d->ch[c];
	switch ((off - 0x08) % 20u) {
	case 0:
		ch->cr = v & 0x7FFFu;
		break;
	case 4:
	case 8:
	case 12:
		if (ch->cr & 1u) {
			emu_violation(e,
				      "DMA1 channel %u: CNDTR/CPAR/CMAR "
				      "written while enabled: ignored",
				      c + 1u);
			break;
		}
		if ((off - 0x08) % 20u == 4) {
			ch->ndtr = ch->reload = v & 0xFFFFu;
		} else if ((off - 0x08) % 20u == 8) {
			ch->par = v;
		} else {
			ch->m0ar = v;
		}
		break;
	default:
		break;
	}
}

/* F4 flags of stream s in LISR/HISR: FEIF DMEIF TEIF HTIF TCIF. */
static unsigned f4_flag_shift(unsigned s)
{
	static const unsigned shift[4] = {0, 6, 16, 22};

	return shift[s % 4u];
}

static uint32_t f4_flags_out(uint32_t f)
{
	return ((f & EMU_DMA_F_FE) ? 1u : 0u) |
	       ((f & EMU_DMA_F_DME) ? 4u : 0u) |
	       ((f & EMU_DMA_F_TE) ? 8u : 0u) |
	       ((f & EMU_DMA_F_HT) ? 16u : 0u) |
	       ((f & EMU_DMA_F_TC) ? 32u : 0u);
}

static uint32_t f4_flags_in(uint32_t b)
{
	return ((b & 1u) ? EMU_DMA_F_FE : 0u) |
	       ((b & 4u) ? EMU_DMA_F_DME : 0u) |
	       ((b & 8u) ? EMU_DMA_F_TE : 0u) |
	       ((b & 16u) ? EMU_DMA_F_HT : 0u) |
	       ((b & 32u) ? EMU_DMA_F_TC : 0u);
}

static uint32_t f4_dma_read(const struct emu_dma *d, uint32_t off)
{
	unsigned s;
	uint32_t v = 0;

	if (off < 0x08) { /* LISR, HISR */
		for (s = (off ? 4u : 0u); s < (off ? 8u : 4u); s++) {
			v |= f4_flags_out(d->ch[s].flags) << f4_flag_shift(s);
		}
		return v;
	}
	if (off < 0x10 || off >= 0x10 + 0x18u * 8u) {
		return 0;
	}
	s = (off - 0x10) / 0x18u;
	switch ((off - 0x10) % 0x18u) {
	case 0x00:
		return d->ch[s].cr;
	case 0x04:
		return d->ch[s].ndtr;
	case 0x08:
		return d->ch[s].par;
	case 0x0C:
		return d->ch[s].m0ar;
	case 0x10:
		return d->ch[s].m1ar;
	case 0x14:
		return d->ch[s].fcr;
	default:
		return 0;
	}
}

static void f4_dma_write(struct emu *e, struct emu_dma *d, unsigned n,
			 uint32_t off, uint32_t v)
{
	struct emu_dma_ch *ch;
	unsigned s, reg;

	if (off == 0x08 || off == 0x0C) { /* LIFCR, HIFCR */
		for (s = (off == 0x0C ? 4u : 0u); s < (off == 0x0C ? 8u : 4u);
		     s++) {
			d->ch[s].flags &=
				~f4_flags_in((v >> f4_flag_shift(s)) & 0x3Fu);
		}
		return;
	}
	if (off < 0x10 || off >= 0x10 + 0x18u * 8u) {
		return;
	}
	s = (off - 0x10) / 0x18u;
	reg = (off - 0x10) % 0x18u;
	ch = &d->ch[s];
	if (reg == 0x00) {
		if (ch->cr & 1u) {
			/* Enabled: only EN may change (RM0090 10.5.5) */
			ch->cr = (ch->cr & ~1u) | (v & 1u);
			return;
		}
		if ((v & 1u) && ch->flags) {
			emu_violation(e,
				      "DMA%u stream %u enabled with event "
				      "flags still set (clear them in "
				      "LIFCR/HIFCR first)",
				      n + 1u, s);
		}
		ch->cr = v & 0x0FEFFFFFu;
		return;
	}
	if (ch->cr & 1u) {
		emu_violation(e,
			      "DMA%u stream %u: register +0x%02x written "
			      "while enabled: ignored",
			      n + 1u, s, reg);
		return;
	}
	switch (reg) {
	case 0x04:
		ch->ndtr = ch->reload = v & 0xFFFFu;
		break;
	case 0x08:
		ch->par = v;
		break;
	case 0x0C:
		ch->m0ar = v;
		break;
	case 0x10:
		ch->m1ar = v;
		break;
	case 0x14:
		ch->fcr = (v & 0x87u) | (ch->fcr & 0x38u);
		break;
	default:
		break;
	}
}

static void tx_pump(struct emu *e, uint64_t t);
static void input_start(struct emu *e);

/* Whether off is the NDTR of the channel serving USART1 reception. */
static int is_rx_ndtr(struct emu *e, unsigned n, uint32_t off)
{
	unsigned ctl, num;

	dma_for(e, 1, &ctl, &num);
	if (n != ctl) {
		return 0;
	}
	return f1(e) ? off == 0x0Cu + 20u * (num - 1u)
		     : off == 0x14u + 0x18u * num;
}

static uint32_t dma_read(struct emu *e, unsigned n, uint32_t off)
{
	return f1(e) ? f1_dma_read(&e->dma[n], off)
		     : f4_dma_read(&e->dma[n], off);
}

uint32_t emu_dma_read(struct emu *e, unsigned n, uint32_t off)
{
	uint32_t v;

	emu_sync(e);
	v = dma_read(e, n, off);
	if (is_rx_ndtr(e, n, off)) {
		first_poll(e);
		if (emu_idle_poll(e, 0x40020000u + 0x400u * n + off, v)) {
			v = dma_read(e, n, off);
		}
	}
	return v;
}

void emu_dma_write(struct emu *e, unsigned n, uint32_t off, uint32_t v,
		   uint32_t mask)
{
	uint32_t old = dma_read(e, n, off);

	emu_sync(e);
	/* Flag-clear registers are write-only: no merge with the old value */
	if ((f1(e) && off == 0x04) ||
	    (!f1(e) && (off == 0x08 || off == 0x0C))) {
		old = 0;
	}
	v = (old & ~mask) | (v & mask);
	if (f1(e)) {
		f1_dma_write(e, &e->dma[n], off, v);
	} else {
		f4_dma_write(e, &e->dma[n], n, off, v);
	}
	tx_pump(e, e->now_ps);
	e->irq_sources = emu_usart_irq(e, NULL);
}

/* ---- USART -----------------------------------------------------------------
 */

void emu_usart_reset(struct emu *e)
{
	uint64_t rx = e->us.rx_bytes, tx = e->us.tx_bytes;
	uint64_t ovr = e->us.rx_overrun, off = e->us.rx_off;

	memset(&e->us, 0, sizeof(e->us));
	e->us.sr = SR_TC; /* TXE is worked out from the transmit state */
	e->us.rx_bytes = rx;
	e->us.tx_bytes = tx;
	e->us.rx_overrun = ovr;
	e->us.rx_off = off;
}

static void line_send(struct emu *e, uint8_t c)
{
	struct emu_line *l = &e->line;

	e->us.tx_bytes++;
	if (l->log) {
		fputc(c, l->log);
	}
	if (!l->open) {
		return;
	}
	for (;;) {
		ssize_t n = write(l->link.out_fd, &c, 1);

		if (n == 1) {
			return;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		/* Nobody reads the line: the byte is lost, as on a wire. */
		l->tx_dropped++;
		return;
	}
}

static void start_shift(struct emu *e, uint8_t c, uint64_t t)
{
	e->us.tx_busy = 1;
	e->us.tx_shift = c;
	e->us.tx_end_ps = t + frame_ps(e);
	e->us.sr &= ~SR_TC;
}

/* Let the transmit DMA fill TDR whenever it is empty. */
static void tx_pump(struct emu *e, uint64_t t)
{
	uint8_t c;

	while (!e->us.tx_hold_full && dma_tx(e, &c)) {
		if (!e->us.tx_busy) {
			start_shift(e, c, t);
		} else {
			e->us.tx_hold = c;
			e->us.tx_hold_full = 1;
		}
	}
}

static void tx_update(struct emu *e)
{
	struct emu_usart *us = &e->us;

	while (us->tx_busy && us->tx_end_ps <= e->now_ps) {
		uint64_t t = us->tx_end_ps;

		line_send(e, us->tx_shift);
		us->tx_busy = 0;
		if (us->tx_hold_full) {
			us->tx_hold_full = 0;
			start_shift(e, us->tx_hold, t);
		}
		tx_pump(e, t);
		if (!us->tx_busy) {
			us->sr |= SR_TC;
		}
	}
}

static void rx_byte(struct emu *e, uint8_t c)
{
	struct emu_usart *us = &e->us;

	if ((us->cr1 & (CR1_UE | CR1_RE)) != (CR1_UE | CR1_RE)) {
		us->rx_off++; /* no receiver: the byte is lost */
		return;
	}
	us->rx_bytes++;
	us->idle_armed = 1;
	e->last_rx_insns = e->insns;
	if ((us->cr3 & CR3_DMAR) && dma_rx(e, c)) {
		return;
	}
	if (us->sr & SR_RXNE) {
		us->sr |= SR_ORE;
		us->rx_overrun++;
		return;
	}
	us->rdr = c;
	us->sr |= SR_RXNE;
}

static void host_baud_check(struct emu *e)
{
	struct emu_line *l = &e->line;
	struct termios t;
	uint32_t dev = usart_baud(e), host = 0;
	speed_t sp;

	if (l->baud_warned || !l->open || !dev ||
	    tcgetattr(l->link.slave_fd, &t) != 0) {
		return;
	}
	sp = cfgetospeed(&t);
	switch (sp) {
	case B9600:
		host = 9600;
		break;
	case B19200:
		host = 19200;
		break;
	case B38400:
		host = 38400;
		break;
	case B57600:
		host = 57600;
		break;
	case B115200:
		host = 115200;
		break;
	case B230400:
		host = 230400;
		break;
	case B460800:
		host = 460800;
		break;
	case B921600:
		host = 921600;
		break;
	default:
		return;
	}
	if ((uint64_t)(host > dev ? host - dev : dev - host) * 100u >
	    (uint64_t)dev * 3u) {
		l->baud_warned = 1;
		emu_warn("the host runs the line at %" PRIu32
			 " baud, USART1 at %" PRIu32
			 ": a real UART would read garbage",
			 host, dev);
	}
}

static void rx_update(struct emu *e)
{
	struct emu_line *l = &e->line;

	while (l->len && l->head_end_ps <= e->now_ps) {
		uint8_t c = l->q[l->head];

		l->head = (l->head + 1u) % EMU_RXQ;
		l->len--;
		l->free_ps = l->head_end_ps;
		rx_byte(e, c);
		if (l->len) {
			l->head_end_ps += frame_ps(e);
		}
	}
	/* A frame time of idle line after the last byte sets IDLE. */
	if (e->us.idle_armed && !l->len &&
	    e->now_ps >= l->free_ps + frame_ps(e)) {
		e->us.idle_armed = 0;
		e->us.sr |= SR_IDLE;
	}
}

void emu_usart_update(struct emu *e)
{
	rx_update(e);
	tx_update(e);
}

uint64_t emu_usart_next_event(struct emu *e)
{
	uint64_t t = UINT64_MAX;

	/* Only interrupts need the exact moment; polling and DMA are
	 * brought up to date whenever the firmware looks. */
	if (!e->irq_sources) {
		return t;
	}
	if (e->line.len) {
		t = e->line.head_end_ps;
	} else if (e->us.idle_armed) {
		t = e->line.free_ps + frame_ps(e);
	}
	if (e->us.tx_busy && e->us.tx_end_ps < t) {
		t = e->us.tx_end_ps;
	}
	return t;
}

static int dma_irq(const struct emu *e, const struct emu_dma_ch *c)
{
	struct dcfg k;

	dma_cfg(e, c, &k);
	return (k.tcie && (c->flags & EMU_DMA_F_TC)) ||
	       (k.htie && (c->flags & EMU_DMA_F_HT)) ||
	       (k.teie && (c->flags & EMU_DMA_F_TE));
}

static void set_irq(uint32_t *irqs, unsigned n)
{
	irqs[n / 32] |= 1u << (n % 32);
}

/*
 * The interrupt lines of USART1 and the DMA channels as levels; with irqs
 * NULL, whether any interrupt source is enabled at all.
 */
int emu_usart_irq(const struct emu *e, uint32_t *irqs)
{
	static const unsigned f4_dma2_irq[8] = {56, 57, 58, 59, 60, 68, 69, 70};
	static const unsigned f4_dma1_irq[8] = {11, 12, 13, 14, 15, 16, 17, 47};
	const struct emu_usart *us = &e->us;
	uint32_t sr = us->sr | (us->tx_hold_full ? 0u : SR_TXE);
	int any = (us->cr1 &
		   (CR1_IDLEIE | CR1_RXNEIE | CR1_TCIE | CR1_TXEIE)) != 0;

	for (unsigned n = 0; n < 2 && !any; n++) {
		for (unsigned c = 0; c < 8; c++) {
			struct dcfg k;

			dma_cfg(e, &e->dma[n].ch[c], &k);
			any |= k.tcie || k.htie || k.teie;
		}
	}
	if (!irqs) {
		return any;
	}
	if (((us->cr1 & CR1_RXNEIE) && (sr & (SR_RXNE | SR_ORE))) ||
	    ((us->cr1 & CR1_TXEIE) && (sr & SR_TXE)) ||
	    ((us->cr1 & CR1_TCIE) && (sr & SR_TC)) ||
	    ((us->cr1 & CR1_IDLEIE) && (sr & SR_IDLE))) {
		set_irq(irqs, USART1_IRQ);
	}
	for (unsigned c = 0; c < 8; c++) {
		if (f1(e)) {
			if (c < 7 && dma_irq(e, &e->dma[0].ch[c])) {
				set_irq(irqs, 11u + c);
			}
		} else {
			if (dma_irq(e, &e->dma[0].ch[c])) {
				set_irq(irqs, f4_dma1_irq[c]);
			}
			if (dma_irq(e, &e->dma[1].ch[c])) {
				set_irq(irqs, f4_dma2_irq[c]);
			}
		}
	}
	return any;
}

static void announce(struct emu *e)
{
	unsigned ctl, num;
	struct emu_dma_ch *c = dma_for(e, 1, &ctl, &num);
	struct dcfg k;

	if (e->us.announced || !(e->us.cr1 & CR1_UE)) {
		return;
	}
	e->us.announced = 1;
	dma_cfg(e, c, &k);
	emu_say(e,
		"usart1: %" PRIu32 " baud (BRR 0x%04" PRIx32 ", PCLK2 %" PRIu32
		" Hz)%s%s, reception %s",
		usart_baud(e), e->us.brr, e->pclk2,
		(e->us.cr1 & CR1_TE) ? ", TX" : "",
		(e->us.cr1 & CR1_RE) ? ", RX" : "",
		!(e->us.cr1 & CR1_RE)		 ? "off"
		: (e->us.cr3 & CR3_DMAR) && k.en ? "by DMA"
						 : "by polling or interrupt");
	if (!bit_div(e)) {
		emu_violation(e, "USART1 enabled with BRR = 0");
	}
}

uint32_t emu_usart_read(struct emu *e, uint32_t off)
{
	struct emu_usart *us = &e->us;
	uint32_t v;

	emu_sync(e);
	switch (off) {
	case 0x00:
		if (us->cr1 & CR1_RE) {
			first_poll(e);
		}
		v = us->sr | (us->tx_hold_full ? 0u : SR_TXE);
		if (emu_idle_poll(e, usart_base(e), v)) {
			v = us->sr | (us->tx_hold_full ? 0u : SR_TXE);
		}
		return v;
	case 0x04:
		v = us->rdr;
		us->sr &= ~(SR_RXNE | SR_ORE | SR_IDLE | SR_FE | SR_NE | SR_PE);
		return v;
	case 0x08:
		return us->brr;
	case 0x0C:
		return us->cr1;
	case 0x10:
		return us->cr2;
	case 0x14:
		return us->cr3;
	case 0x18:
		return us->gtpr;
	default:
		return 0;
	}
}

static void dr_write(struct emu *e, uint8_t c)
{
	struct emu_usart *us = &e->us;

	if ((us->cr1 & (CR1_UE | CR1_TE)) != (CR1_UE | CR1_TE)) {
		emu_violation(e, "USART1_DR written with the transmitter off "
				 "(CR1.UE/TE): the byte is not sent");
		return;
	}
	if (us->tx_hold_full) {
		emu_violation(e, "USART1_DR written while TXE = 0: the byte "
				 "before is lost");
		us->tx_hold = c;
		return;
	}
	if (!us->tx_busy) {
		start_shift(e, c, e->now_ps);
	} else {
		us->tx_hold = c;
		us->tx_hold_full = 1;
		us->sr &= ~SR_TC;
	}
}

void emu_usart_write(struct emu *e, uint32_t off, uint32_t v, uint32_t mask)
{
	struct emu_usart *us = &e->us;

	emu_sync(e);
	switch (off) {
	case 0x00:
		/* RXNE, TC, LBD, CTS are cleared by writing 0 */
		us->sr &= (v & mask) | ~(mask & (SR_RXNE | SR_TC | 0x300u));
		break;
	case 0x04:
		dr_write(e, (uint8_t)v);
		break;
	case 0x08:
		us->brr = ((us->brr & ~mask) | (v & mask)) & 0xFFFFu;
		break;
	case 0x0C:
		us->cr1 = ((us->cr1 & ~mask) | (v & mask)) & 0xBFFFu;
		announce(e);
		input_start(e);
		break;
	case 0x10:
		us->cr2 = ((us->cr2 & ~mask) | (v & mask)) & 0x7F7Fu;
		break;
	case 0x14:
		us->cr3 = ((us->cr3 & ~mask) | (v & mask)) & 0x0FFFu;
		break;
	case 0x18:
		us->gtpr = ((us->gtpr & ~mask) | (v & mask)) & 0xFFFFu;
		break;
	default:
		break;
	}
	tx_pump(e, e->now_ps);
	e->irq_sources = emu_usart_irq(e, NULL);
	if (e->irq_sources) {
		emu_request_stop(e); /* the next interrupt event moved */
	}
}

/* ---- the line -------------------------------------------------------------
 */

int emu_line_open(struct emu *e)
{
	struct emu_line *l = &e->line;

	if (e->o->uart_input) {
		FILE *f = fopen(e->o->uart_input, "rb");

		if (!f) {
			fprintf(stderr, "iap-emu: %s: %s\n", e->o->uart_input,
				strerror(errno));
			return -1;
		}
		l->input_len = fread(l->input, 1, sizeof(l->input), f);
		fclose(f);
	}
	if (e->o->uart_log) {
		l->log = fopen(e->o->uart_log, "wb");
		if (!l->log) {
			fprintf(stderr, "iap-emu: %s: %s\n", e->o->uart_log,
				strerror(errno));
			return -1;
		}
	}
	if (e->o->no_pty) {
		return 0;
	}
	if (sim_link_open_pty(&l->link) != 0) {
		return -1;
	}
	l->open = 1;
	/* Always printed: scripts wait for this line. */
	printf("iap-emu: pty %s\n", l->link.path);
	fflush(stdout);
	return 0;
}

int emu_line_fd(const struct emu *e)
{
	return e->line.open ? e->line.link.in_fd : -1;
}

/* Bytes the host puts on the line now; returns how many fit the queue. */
static size_t line_push(struct emu *e, const uint8_t *buf, size_t n)
{
	struct emu_line *l = &e->line;
	size_t k = 0;

	if (n && !l->len) {
		uint64_t start =
			l->free_ps > e->now_ps ? l->free_ps : e->now_ps;

		l->head_end_ps = start + frame_ps(e);
	}
	for (; k < n && l->len < EMU_RXQ; k++) {
		l->q[(l->head + l->len) % EMU_RXQ] = buf[k];
		l->len++;
	}
	return k;
}

void emu_line_poll(struct emu *e)
{
	struct emu_line *l = &e->line;

	while (l->open && l->len < EMU_RXQ) {
		uint8_t buf[512];
		size_t room = EMU_RXQ - l->len;
		ssize_t n = read(l->link.in_fd, buf,
				 room < sizeof(buf) ? room : sizeof(buf));

		if (n <= 0) {
			/* EAGAIN: nothing more; the slave end stays open
			 * (sim_link keeps it), so there is no hang-up. */
			return;
		}
		host_baud_check(e);
		line_push(e, buf, (size_t)n);
	}
}

/* --uart-input: sent once the receiver is first enabled. */
static void input_start(struct emu *e)
{
	struct emu_line *l = &e->line;

	if (l->input_len && !l->input_sent &&
	    (e->us.cr1 & (CR1_UE | CR1_RE)) == (CR1_UE | CR1_RE)) {
		l->input_sent = 1;
		if (line_push(e, l->input, l->input_len) < l->input_len) {
			emu_warn("--uart-input: only the first %u bytes are "
				 "sent",
				 EMU_RXQ);
		}
	}
}

void emu_line_close(struct emu *e, int linger_ms)
{
	struct emu_line *l = &e->line;

	if (l->open) {
		if (linger_ms > 0) {
			sim_link_linger(&l->link, linger_ms);
		}
		sim_link_close(&l->link);
		l->open = 0;
	}
	if (l->log) {
		fclose(l->log);
		l->log = NULL;
	}
}
