/*
 * iap-emu - the flash memory and its program/erase controller.
 *
 * F1 (PM0075, RM0008 3.3.3): FPEC at 0x40022000; KEYR sequence
 * 0x45670123/0xCDEF89AB, a wrong key locks it until reset; CR PG/PER/MER/
 * STRT/LOCK, AR selects the page; SR BSY/PGERR/WRPRTERR/EOP. Half-words
 * only, programmed onto erased cells (0xFFFF) or zeroed (0x0000 is always
 * accepted), PGERR otherwise and nothing written. 52.5 us per half-word,
 * 20 ms per page erase (DS5319, typical).
 *
 * F4 (RM0090 3.5-3.9): controller at 0x40023C00; CR PG/SER/MER/SNB/PSIZE/
 * STRT/EOPIE/LOCK; SR BSY/EOP/OPERR/WRPERR/PGAERR/PGPERR/PGSERR; EOP only
 * with EOPIE. Sectors 4x16K, 64K, 7x128K; a store must match PSIZE
 * (PGPERR), be aligned (PGAERR), and happen with PG set (PGSERR). A cell
 * only goes from 1 to 0. 16 us per program; sector erase 250/550/1000 ms
 * (16K/64K/128K, x32) up to 400/1200/2000 ms at x8 (DS8626, typical).
 *
 * Option bytes and write protection, both families: see "option bytes"
 * below.
 *
 * Stores into the flash reach the hook before they land (Unicorn's
 * UC_HOOK_MEM_WRITE): the hook works out what the cells hold afterwards
 * and queues a fix-up that the next instruction's code hook applies. While
 * an operation runs, a core fetching from the flash stalls: emulated time
 * jumps by the busy time, SysTick and the USART's DMA go on meanwhile.
 *
 * Power cuts (--cut-after N, --cut-mode, --cut-seed): operations are
 * counted from power-on, an erase or a programming run (the stores from
 * CR.PG set to CR.PG cleared) each being one; operation N + 1 is cut. A
 * clean cut drops it whole; a torn cut leaves an erase partly done and a
 * run with a random prefix of its units programmed and one unit half
 * programmed (the rules of the simulator's flash, docs/SIMULATOR.md).
 * Then nothing reaches the flash any more and the run ends with
 * EMU_EXIT_POWERCUT.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

/* F1 */
#define F1_CR_PG	 (1u << 0)
#define F1_CR_PER	 (1u << 1)
#define F1_CR_MER	 (1u << 2)
#define F1_CR_OPTPG	 (1u << 4)
#define F1_CR_OPTER	 (1u << 5)
#define F1_CR_STRT	 (1u << 6)
#define F1_CR_LOCK	 (1u << 7)
#define F1_CR_OPTWRE	 (1u << 9)
#define F1_OBR_OPTERR	 (1u << 0)
#define F1_OBR_RDPRT	 (1u << 1)
#define F1_RDP_OFF	 0xA5u
#define F1_WRP_UNIT	 0x1000u /* one WRPR bit, every F1 density */
#define F1_CR_WRITABLE	 0x16F7u
#define F1_SR_BSY	 (1u << 0)
#define F1_SR_PGERR	 (1u << 2)
#define F1_SR_WRPRTERR	 (1u << 4)
#define F1_SR_EOP	 (1u << 5)
#define F1_ACR_RESET	 0x30u
#define F1_PROG_PS	 (52500u * 1000u) /* 52.5 us */
#define F1_PAGE_ERASE_MS 20u
#define F1_MASS_ERASE_MS 20u

/* F4 */
#define F4_CR_PG	 (1u << 0)
#define F4_CR_SER	 (1u << 1)
#define F4_CR_MER	 (1u << 2)
#define F4_CR_SNB(cr)	 (((cr) >> 3) & 0xFu)
#define F4_CR_PSIZE(cr)	 (((cr) >> 8) & 3u)
#define F4_CR_STRT	 (1u << 16)
#define F4_CR_EOPIE	 (1u << 24)
#define F4_CR_LOCK	 (1u << 31)
#define F4_CR_WRITABLE	 0x8301037Fu
#define F4_SR_EOP	 (1u << 0)
#define F4_SR_OPERR	 (1u << 1)
#define F4_SR_WRPERR	 (1u << 4)
#define F4_SR_PGAERR	 (1u << 5)
#define F4_SR_PGPERR	 (1u << 6)
#define F4_SR_PGSERR	 (1u << 7)
#define F4_SR_BSY	 (1u << 16)
#define F4_SR_W1C	 0xF3u
#define F4_ACR_ICEN	 (1u << 9)
#define F4_ACR_DCEN	 (1u << 10)
#define F4_ACR_ICRST	 (1u << 11)
#define F4_ACR_DCRST	 (1u << 12)
#define F4_OPTCR_RESET	 0x0FFFAAEDu
#define F4_OPTCR_OPTLOCK (1u << 0)
#define F4_OPTCR_OPTSTRT (1u << 1)
#define F4_OPTCR_WRITE	 0x0FFFFFEFu
#define F4_OPTCR_NWRP(v) (((v) >> 16) & 0xFFFu)
#define F4_RDP_L0	 0xAAu
#define F4_RDP_L2	 0xCCu
#define F4_OPT_MS	 250u /* OPTSTRT busy: the model's figure */
#define F4_SECTORS	 12u
#define OPTKEY1		 0x08192A3Bu /* F4; the F1 takes KEY1, KEY2 */
#define OPTKEY2		 0x4C5D6E7Fu
#define F4_PROG_PS	 (16u * EMU_PS_PER_US)
#define F4_MASS_ERASE_MS 8000u

#define KEY1 0x45670123u
#define KEY2 0xCDEF89ABu

/* Register offsets, both families */
#define FLASH_ACR     0x00u
#define FLASH_KEYR    0x04u
#define FLASH_OPTKEYR 0x08u
#define FLASH_SR      0x0Cu
#define FLASH_CR      0x10u
#define FLASH_AR      0x14u /* F1 */
#define FLASH_OPTCR   0x14u /* F4 */
#define FLASH_OBR     0x1Cu /* F1 */
#define FLASH_WRPR    0x20u /* F1 */

static void run_end(struct emu *e);
static void ob_load(struct emu *e);

static int is_f1(const struct emu *e)
{
	return e->b->family == EMU_F1;
}

void emu_flashc_reset(struct emu *e)
{
	struct emu_flashc *fc = &e->fc;

	run_end(e); /* a reset clears CR.PG */
	memset(fc, 0, sizeof(*fc));
	if (e->b->family == EMU_F1) {
		fc->cr = F1_CR_LOCK;
		fc->acr = F1_ACR_RESET;
	} else {
		fc->cr = F4_CR_LOCK;
	}
	ob_load(e);
}

static int locked(const struct emu *e)
{
	return e->fc.hard_locked ||
	       (e->fc.cr & (is_f1(e) ? F1_CR_LOCK : F4_CR_LOCK));
}

static int pc_in_flash(const struct emu *e)
{
	uint32_t fs = e->b->flash_size;

	return e->pc < fs ||
	       (e->pc >= EMU_FLASH_BASE && e->pc - EMU_FLASH_BASE < fs);
}

void emu_flashc_update(struct emu *e)
{
	struct emu_flashc *fc = &e->fc;

	if (fc->busy_end_ps && e->now_ps >= fc->busy_end_ps) {
		fc->busy_end_ps = 0;
		fc->sr |= fc->pend_sr;
		fc->pend_sr = 0;
		fc->cr &= ~(is_f1(e) ? F1_CR_STRT : F4_CR_STRT);
		if (!is_f1(e) && (fc->optcr & F4_OPTCR_OPTSTRT)) {
			/* the new nWRP are in force (see "option bytes") */
			fc->optcr &= ~F4_OPTCR_OPTSTRT;
			fc->nwrp =
				(uint32_t)(e->ob[8] | e->ob[9] << 8) & 0xFFFu;
		}
	}
}

/* An access that needs the controller idle waits for it (bus stall). */
static void wait_idle(struct emu *e)
{
	emu_sync(e);
	if (e->fc.busy_end_ps > e->now_ps) {
		emu_stall(e, e->fc.busy_end_ps - e->now_ps);
	}
}

static void op_start(struct emu *e, uint64_t ps, uint32_t done_sr)
{
	struct emu_flashc *fc = &e->fc;

	if (is_f1(e) && !(e->rcc.r[0] & 1u)) {
		emu_violation(e, "flash program/erase with the HSI off (the "
				 "FPEC is clocked by it, PM0075 2.3)");
	}
	if (!is_f1(e) && (fc->acr & F4_ACR_DCEN)) {
		static int warned;

		if (!warned) {
			warned = 1;
			emu_warn("flash written with the data cache on: reset "
				 "it (FLASH_ACR.DCRST) before reading the "
				 "changed cells (RM0090 3.5.2)");
		}
	}
	emu_sync(e);
	fc->busy_end_ps = e->now_ps + ps;
	fc->pend_sr = done_sr;
	fc->busy_ps += ps;
	/* The core fetches its next instruction from the flash: it waits
	 * until the operation is over. */
	if (pc_in_flash(e)) {
		emu_stall(e, ps);
	}
}

static void queue_fixup(struct emu *e, uint32_t off, unsigned size,
			const uint8_t *data)
{
	struct emu_fixup *f;

	if (e->nfix >= EMU_FIXUPS || size > sizeof(f->data)) {
		emu_fault(e, "more flash stores in one instruction than the "
			     "model keeps");
		return;
	}
	f = &e->fix[e->nfix++];
	f->off = off;
	f->size = size;
	memcpy(f->data, data, size);
}

void emu_flash_fixup(struct emu *e)
{
	for (unsigned i = 0; i < e->nfix; i++) {
		memcpy(e->flash + e->fix[i].off, e->fix[i].data,
		       e->fix[i].size);
	}
	e->nfix = 0;
}

/* The store does not change the cells. */
static void refuse(struct emu *e, uint32_t off, unsigned size)
{
	queue_fixup(e, off, size, e->flash + off);
}

static void erase(struct emu *e, uint32_t off, uint32_t size)
{
	memset(e->flash + off, 0xFF, size);
	if (e->code_hi <= e->code_lo) {
		e->code_lo = off;
		e->code_hi = off + size;
	} else {
		e->code_lo = off < e->code_lo ? off : e->code_lo;
		e->code_hi = off + size > e->code_hi ? off + size : e->code_hi;
	}
	e->fc.erases++;
	emu_tbc_flush(e);
	if (e->o->trace_io) {
		fprintf(stderr,
			"iap-emu: flash erase 0x%08" PRIx32 " %" PRIu32
			" bytes\n",
			EMU_FLASH_BASE + off, size);
	}
}

/* ---- power cuts ---------------------------------------------------------- */

/* xorshift64: the torn model's only source of randomness. */
static uint64_t cut_rnd(struct emu *e)
{
	uint64_t x = e->cut.rnd ? e->cut.rnd : 0x9E3779B97F4A7C15u;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	e->cut.rnd = x;
	return x;
}

static int torn(const struct emu *e)
{
	return e->o->cut_mode == EMU_CUT_TORN;
}

/* The operation just counted is the one the power loss hits. */
static int cut_due(const struct emu *e)
{
	return e->cut.ops == e->o->cut_at;
}

static void cut_log(struct emu *e, const char *what, uint32_t off,
		    uint32_t size, const char *note)
{
	if (e->cut.log) {
		fprintf(e->cut.log,
			"%" PRIu64 " %s 0x%08" PRIx32 " %" PRIu32 "%s\n",
			e->cut.ops, what, EMU_FLASH_BASE + off, size, note);
		fflush(e->cut.log);
	}
}

/*
 * The power is gone during operation cut.ops: the flash changes no more,
 * the slice stops, the run loop ends with EMU_EXIT_POWERCUT and main
 * writes the flash as the cut left it (--save, --dump).
 */
static void power_cut(struct emu *e, const char *what, uint32_t off,
		      uint32_t size, const char *detail)
{
	e->cut.dead = 1;
	e->exit_code = EMU_EXIT_POWERCUT;
	emu_say(e,
		"power cut %s flash op %" PRIu64 " (%s 0x%08" PRIx32
		", %" PRIu32 " bytes%s)",
		torn(e) ? "during" : "before", e->cut.ops, what,
		EMU_FLASH_BASE + off, size, detail);
	emu_request_stop(e);
}

/*
 * Torn erase: erasing drives bits towards 1 and stopped part way. Each
 * byte becomes its old value OR some random bits; a random share of the
 * bytes made it to 0xFF.
 */
static void tear_erase(struct emu *e, uint32_t off, uint32_t size)
{
	uint8_t share = (uint8_t)cut_rnd(e);

	for (uint32_t i = 0; i < size; i++) {
		uint64_t r = cut_rnd(e);

		if ((uint8_t)r < share) {
			e->flash[off + i] = 0xFF;
		} else {
			e->flash[off + i] |= (uint8_t)((r >> 8) & (r >> 16));
		}
	}
}

/*
 * Torn programming run: units before p programmed, unit p with a random
 * part of the bits it was to clear cleared, the later ones as they were.
 * Every unit of the run has landed (the firmware read each one back);
 * the journal holds what they held before. Returns p.
 */
static size_t tear_run(struct emu *e)
{
	struct emu_cut *c = &e->cut;
	size_t p = (size_t)(cut_rnd(e) % c->njournal);
	uint64_t bits = cut_rnd(e);

	for (size_t u = p + 1u; u < c->njournal; u++) {
		memcpy(e->flash + c->journal[u].off, c->journal[u].old,
		       c->journal[u].size);
	}
	for (unsigned i = 0; i < c->journal[p].size; i++) {
		uint8_t *cell = e->flash + c->journal[p].off + i;
		uint8_t old = c->journal[p].old[i];
		uint8_t clear = (uint8_t)(old & ~*cell);

		clear &= (uint8_t)(bits >> (8u * i));
		*cell = (uint8_t)(old & ~clear);
	}
	return p;
}

/* An erase of [off, off + size) starts. Returns 1 when the power goes
 * instead: nothing of it (clean) or part of it (torn) happened. */
static int cut_erase(struct emu *e, uint32_t off, uint32_t size)
{
	struct emu_cut *c = &e->cut;

	if (c->dead) {
		return 1;
	}
	c->ops++;
	c->erases++;
	if (!cut_due(e)) {
		cut_log(e, "erase", off, size, "");
		return 0;
	}
	if (torn(e)) {
		tear_erase(e, off, size);
	}
	cut_log(e, "erase", off, size, torn(e) ? " cut torn" : " cut clean");
	power_cut(e, "erase", off, size, "");
	return 1;
}

static int journal_add(struct emu *e, uint32_t off, unsigned size)
{
	struct emu_cut *c = &e->cut;

	if (c->njournal == c->cap) {
		size_t cap = c->cap ? 2u * c->cap : 1024u;
		struct emu_cut_unit *j = realloc(c->journal, cap * sizeof(*j));

		if (!j) {
			emu_fault(e, "out of memory (torn programming run)");
			return -1;
		}
		c->journal = j;
		c->cap = cap;
	}
	c->journal[c->njournal].off = off;
	c->journal[c->njournal].size = (uint8_t)size;
	memcpy(c->journal[c->njournal].old, e->flash + off, size);
	c->njournal++;
	return 0;
}

/* A program store the controller accepted. Returns 1 when it must not
 * land: the power is gone. */
static int cut_store(struct emu *e, uint32_t off, unsigned size)
{
	struct emu_cut *c = &e->cut;

	if (c->dead) {
		return 1;
	}
	if (!c->in_run) {
		c->in_run = 1;
		c->run_off = off;
		c->run_size = 0;
		c->ops++;
		c->runs++;
		if (cut_due(e)) {
			if (!torn(e)) {
				c->in_run = 0;
				cut_log(e, "program", off, 0, " cut clean");
				power_cut(e, "program", off, size,
					  ": its first unit");
				return 1;
			}
			c->tearing = 1;
			c->njournal = 0;
		}
	}
	if (c->tearing && journal_add(e, off, size)) {
		return 1;
	}
	c->run_size += size;
	c->units++;
	return 0;
}

/* CR.PG went clear: the programming run is over, or torn by the cut. */
static void run_end(struct emu *e)
{
	struct emu_cut *c = &e->cut;
	char detail[64];
	size_t p;

	if (!c->in_run) {
		return;
	}
	c->in_run = 0;
	if (!c->tearing) {
		cut_log(e, "program", c->run_off, c->run_size, "");
		return;
	}
	c->tearing = 0;
	emu_flash_fixup(e); /* the last store has landed */
	p = tear_run(e);
	snprintf(detail, sizeof(detail), ", torn at unit %zu of %zu", p,
		 c->njournal);
	cut_log(e, "program", c->run_off, c->run_size, " cut torn");
	power_cut(e, "program", c->run_off, c->run_size, detail);
}

int emu_cut_init(struct emu *e)
{
	e->cut.rnd = e->o->cut_seed;
	if (e->o->op_log) {
		e->cut.log = fopen(e->o->op_log, "w");
		if (!e->cut.log) {
			fprintf(stderr, "iap-emu: %s: cannot create\n",
				e->o->op_log);
			return -1;
		}
	}
	return 0;
}

void emu_cut_finish(struct emu *e)
{
	run_end(e);
	if (e->cut.log) {
		fclose(e->cut.log);
		e->cut.log = NULL;
	}
	free(e->cut.journal);
	e->cut.journal = NULL;
	e->cut.njournal = e->cut.cap = 0;
}

void emu_cut_report(const struct emu *e)
{
	const struct emu_cut *c = &e->cut;

	emu_say(e,
		"flash ops since power-on: %" PRIu64 " (%" PRIu64
		" erases, %" PRIu64 " programming runs of %" PRIu64
		" units in all)",
		c->ops, c->erases, c->runs, c->units);
}

/* ---- option bytes -------------------------------------------------------- */

/*
 * F1 (PM0075 2.4-2.5): eight half-words at 0x1FFFF800, each a byte and its
 * complement: RDP, USER, Data0, Data1, WRP0-3. FLASH_OPTKEYR (with the FPEC
 * unlocked) sets CR.OPTWRE; OPTER + STRT erases them all (as long as a page
 * erase), OPTPG programs one erased half-word (as long as a half-word; the
 * controller writes the complement itself). A reset loads them: a pair
 * that does not match reads as 0xFF and sets OBR.OPTERR; an RDP other than
 * 0xA5 is read protection, which write-protects the first 4 KiB as well.
 * WRPR bit n (0: protected) covers the 4 KiB at n * 4 KiB, bit 31 the
 * rest of the flash.
 *
 * F4 (RM0090 3.6-3.7, PM0059 2.6): FLASH_OPTKEYR clears OPTCR.OPTLOCK (a
 * wrong key locks it until reset); OPTCR is written, then OPTSTRT
 * programs all of it into the option bytes (BSY for F4_OPT_MS, the
 * model's figure). nWRP bit n (0: protected) covers sector n; the model
 * applies them when OPTSTRT completes, and loads them at every reset. RDP
 * from level 1 back to 0 (0xAA) mass-erases the flash; level 2 (0xCC)
 * freezes the option bytes. Kept as 16 bytes: [0] OPTCR[7:2] (user bits,
 * BOR), [1] RDP, [8..9] nWRP, the rest 0xFF.
 *
 * A program or erase that reaches a write-protected page or sector sets
 * WRPRTERR (F1) or WRPERR (F4) and changes nothing; it is the hardware at
 * work, not a rule the firmware broke. Option byte operations are not
 * flash operations for --cut-after.
 */

#define WRP_SHOWN 8u /* refused operations reported one by one */

static const uint8_t f1_ob_reset[EMU_OB_SIZE] = {
	0xA5, 0x5A, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00,
	0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00,
};

static void f4_ob_set(struct emu *e, uint32_t optcr)
{
	uint32_t nwrp = F4_OPTCR_NWRP(optcr) | 0xF000u;

	memset(e->ob, 0xFF, EMU_OB_SIZE);
	e->ob[0] = (uint8_t)(optcr & 0xFCu);
	e->ob[1] = (uint8_t)(optcr >> 8);
	e->ob[8] = (uint8_t)nwrp;
	e->ob[9] = (uint8_t)(nwrp >> 8);
}

/* What a reset loads from e->ob: F1 OBR and WRPR, F4 OPTCR and nWRP. */
static void ob_decode(const struct emu *e, struct emu_flashc *fc)
{
	if (is_f1(e)) {
		uint32_t v[8];
		int err = 0;

		for (unsigned i = 0; i < 8; i++) {
			uint8_t b = e->ob[2 * i];
			int match = (uint8_t)(b ^ e->ob[2 * i + 1]) == 0xFFu;

			v[i] = match ? b : 0xFFu;
			err |= !match;
		}
		fc->wrpr = v[4] | v[5] << 8 | v[6] << 16 | v[7] << 24;
		fc->obr = (err ? F1_OBR_OPTERR : 0u) |
			  (v[0] != F1_RDP_OFF ? F1_OBR_RDPRT : 0u) | v[1] << 2 |
			  v[2] << 10 | v[3] << 18;
	} else {
		uint32_t nwrp = (uint32_t)(e->ob[8] | e->ob[9] << 8) & 0xFFFu;

		fc->optcr = F4_OPTCR_OPTLOCK | (e->ob[0] & 0xFCu) |
			    (uint32_t)e->ob[1] << 8 | nwrp << 16;
		fc->nwrp = nwrp;
	}
}

static int f1_protected(const struct emu_flashc *fc, uint32_t off)
{
	uint32_t bit = off / F1_WRP_UNIT;

	bit = bit > 31u ? 31u : bit;
	return !((fc->wrpr >> bit) & 1u) ||
	       (bit == 0 && (fc->obr & F1_OBR_RDPRT));
}

static int f4_protected(const struct emu_flashc *fc, uint32_t sector)
{
	return sector < F4_SECTORS && !((fc->nwrp >> sector) & 1u);
}

static int f4_read_protected(uint32_t optcr)
{
	return ((optcr >> 8) & 0xFFu) != F4_RDP_L0;
}

/* "WRP pages 0-15 protected" or "no write protection", from *fc. */
static void ob_describe(const struct emu *e, const struct emu_flashc *fc,
			char *buf, size_t cap)
{
	uint32_t n = is_f1(e) ? e->b->flash_size / e->b->page_size
		     : e->b->flash_size >= 0x100000u
			     ? F4_SECTORS
			     : 4u + e->b->flash_size / 0x20000u;
	size_t len = 0;
	uint32_t first = 0, count = 0;
	int open = 0;

	buf[0] = 0;
	for (uint32_t i = 0; i <= n; i++) {
		int p = i < n &&
			(is_f1(e) ? f1_protected(fc, i * e->b->page_size)
				  : f4_protected(fc, i));

		if (p && !open) {
			open = 1;
			first = i;
		} else if (!p && open && len < cap) {
			open = 0;
			count += i - first;
			len += (size_t)snprintf(buf + len, cap - len,
						i - first > 1 ? "%s%" PRIu32
								"-%" PRIu32
							      : "%s%" PRIu32,
						len ? ", " : "", first, i - 1u);
		}
	}
	if (!count) {
		snprintf(buf, cap, "no write protection");
	} else {
		char ranges[160];

		snprintf(ranges, sizeof(ranges), "%s", buf);
		snprintf(buf, cap, "WRP %s%s %s protected",
			 is_f1(e) ? "page" : "sector", count > 1 ? "s" : "",
			 ranges);
	}
	len = strlen(buf);
	if (len < cap && (is_f1(e) ? (fc->obr & F1_OBR_RDPRT) != 0
				   : f4_read_protected(fc->optcr))) {
		snprintf(buf + len, cap - len, "; read protection on");
	}
}

static void ob_load(struct emu *e)
{
	ob_decode(e, &e->fc);
}

/* At a reset: what was loaded, unless it is as shipped. */
void emu_ob_announce(const struct emu *e)
{
	const struct emu_flashc *fc = &e->fc;
	char what[256];

	if (is_f1(e) ? fc->wrpr != 0xFFFFFFFFu || (fc->obr & F1_OBR_RDPRT)
		     : fc->nwrp != 0xFFFu || f4_read_protected(fc->optcr)) {
		ob_describe(e, fc, what, sizeof(what));
		emu_say(e, "option bytes loaded: %s", what);
	}
}

/* A program or erase reached a write-protected unit: nothing changes. */
static void wrp_refuse(struct emu *e, const char *what, uint32_t off)
{
	e->fc.sr |= is_f1(e) ? F1_SR_WRPRTERR : F4_SR_WRPERR;
	if (++e->wrp_refused <= WRP_SHOWN) {
		emu_say(e,
			"flash %s at 0x%08" PRIx32
			" refused: write-protected (%s)",
			what, EMU_FLASH_BASE + off,
			is_f1(e) ? "WRPRTERR" : "WRPERR");
	}
}

int emu_ob_init(struct emu *e)
{
	const char *path = e->o->ob_file;
	uint8_t buf[EMU_OB_SIZE + 1];
	size_t n;
	FILE *f;

	if (is_f1(e)) {
		memcpy(e->ob, f1_ob_reset, EMU_OB_SIZE);
	} else {
		f4_ob_set(e, F4_OPTCR_RESET);
	}
	if (!path) {
		return 0;
	}
	f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT) {
			return 0; /* as shipped: no protection */
		}
		fprintf(stderr, "iap-emu: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n != EMU_OB_SIZE) {
		fprintf(stderr,
			"iap-emu: %s: not %u bytes of option bytes "
			"(README.md)\n",
			path, EMU_OB_SIZE);
		return -1;
	}
	memcpy(e->ob, buf, EMU_OB_SIZE);
	return 0;
}

int emu_ob_save(const struct emu *e)
{
	const char *path = e->o->ob_file;
	FILE *f;

	if (!path) {
		return 0;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(e->ob, 1, EMU_OB_SIZE, f) != EMU_OB_SIZE ||
	    fclose(f) != 0) {
		fprintf(stderr, "iap-emu: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

void emu_ob_report(const struct emu *e)
{
	char now[256], next[256];
	struct emu_flashc fc;

	memset(&fc, 0, sizeof(fc));
	ob_decode(e, &fc);
	ob_describe(e, &e->fc, now, sizeof(now));
	ob_describe(e, &fc, next, sizeof(next));
	if (strcmp(now, next)) {
		emu_say(e,
			"option bytes: %s (programmed: %s at the next reset)",
			now, next);
	} else {
		emu_say(e, "option bytes: %s", now);
	}
	if (e->wrp_refused) {
		emu_say(e,
			"write protection: %" PRIu64
			" program/erase operations refused",
			e->wrp_refused);
	}
}

uint8_t emu_ob_read(const struct emu *e, uint32_t off)
{
	return is_f1(e) && off < EMU_OB_SIZE ? e->ob[off] : 0xFFu;
}

/* F1: a store into the option bytes, with OPTPG. */
void emu_ob_store(struct emu *e, uint32_t off, unsigned size, uint64_t value)
{
	struct emu_flashc *fc = &e->fc;
	uint32_t a = 0x1FFFF000u + EMU_F1_OB_OFFSET + off;

	e->activity++;
	if (!(fc->cr & F1_CR_OPTPG) || !(fc->cr & F1_CR_OPTWRE) || locked(e)) {
		emu_violation(e,
			      "store to option byte 0x%08" PRIx32
			      " without FLASH_CR.OPTPG and OPTWRE: nothing "
			      "written",
			      a);
		return;
	}
	if (size != 2 || (off & 1u)) {
		emu_violation(e,
			      "%u-byte store to option byte 0x%08" PRIx32
			      ": half-words only",
			      size, a);
		fc->sr |= F1_SR_PGERR;
		return;
	}
	wait_idle(e);
	if (e->ob[off] != 0xFF || e->ob[off + 1] != 0xFF) {
		emu_violation(e,
			      "programming option byte 0x%08" PRIx32
			      " that is not erased (0x%02x%02x): PGERR",
			      a, e->ob[off + 1], e->ob[off]);
		fc->sr |= F1_SR_PGERR;
		return;
	}
	e->ob[off] = (uint8_t)value;
	e->ob[off + 1] = (uint8_t)~value;
	if (e->o->trace_io) {
		fprintf(stderr,
			"iap-emu: option byte 0x%08" PRIx32 " = 0x%02x\n", a,
			e->ob[off]);
	}
	op_start(e, F1_PROG_PS, F1_SR_EOP);
}

static void optkeyr_write(struct emu *e, uint32_t v)
{
	struct emu_flashc *fc = &e->fc;
	uint32_t k1 = is_f1(e) ? KEY1 : OPTKEY1, k2 = is_f1(e) ? KEY2 : OPTKEY2;

	if (fc->opt_hard_locked) {
		return;
	}
	if (is_f1(e) && locked(e)) {
		emu_violation(e, "FLASH_OPTKEYR written with the FPEC locked: "
				 "FLASH_KEYR first (PM0075 2.4.3)");
		return;
	}
	if (!is_f1(e) && !(fc->optcr & F4_OPTCR_OPTLOCK)) {
		emu_violation(e, "FLASH_OPTKEYR written while OPTCR is "
				 "unlocked: locked until the next reset");
		fc->opt_hard_locked = 1;
		fc->optcr |= F4_OPTCR_OPTLOCK;
		return;
	}
	if (fc->opt_key_state == 0 && v == k1) {
		fc->opt_key_state = 1;
		return;
	}
	if (fc->opt_key_state == 1 && v == k2) {
		fc->opt_key_state = 0;
		if (is_f1(e)) {
			fc->cr |= F1_CR_OPTWRE;
		} else {
			fc->optcr &= ~F4_OPTCR_OPTLOCK;
		}
		return;
	}
	fc->opt_key_state = 0;
	emu_violation(e, "wrong FLASH_OPTKEYR sequence (0x%08" PRIx32 ")%s", v,
		      is_f1(e) ? "" : ": OPTCR locked until the next reset");
	if (!is_f1(e)) {
		fc->opt_hard_locked = 1;
	}
}

/* F4: OPTCR written (whole register value after the store's mask). */
static void f4_optcr_write(struct emu *e, uint32_t v)
{
	struct emu_flashc *fc = &e->fc;
	uint32_t was = fc->optcr;
	uint8_t rdp_was = e->ob[1];

	if ((was & F4_OPTCR_OPTLOCK) || fc->opt_hard_locked) {
		if ((v ^ was) & F4_OPTCR_WRITE & ~F4_OPTCR_OPTLOCK) {
			emu_violation(e,
				      "FLASH_OPTCR = 0x%08" PRIx32
				      " while OPTLOCK: ignored",
				      v);
		}
		return;
	}
	if (fc->busy_end_ps > e->now_ps) {
		emu_violation(e, "FLASH_OPTCR written while BSY");
		wait_idle(e);
	}
	fc->optcr = (v & F4_OPTCR_WRITE & ~F4_OPTCR_OPTSTRT) |
		    (was & F4_OPTCR_OPTSTRT);
	if (!(v & F4_OPTCR_OPTSTRT) || (was & F4_OPTCR_OPTSTRT)) {
		return;
	}
	if (rdp_was == F4_RDP_L2) {
		emu_say(e, "OPTSTRT with the read protection at level 2: the "
			   "option bytes cannot change");
		return;
	}
	fc->optcr |= F4_OPTCR_OPTSTRT;
	f4_ob_set(e, fc->optcr);
	emu_say(e, "option bytes programmed (OPTSTRT): OPTCR 0x%08" PRIx32,
		fc->optcr & ~(F4_OPTCR_OPTLOCK | F4_OPTCR_OPTSTRT));
	if (rdp_was != F4_RDP_L0 && e->ob[1] == F4_RDP_L0) {
		emu_say(e, "read protection level 1 -> 0: mass erase");
		erase(e, 0, e->b->flash_size);
	}
	op_start(e, (uint64_t)F4_OPT_MS * EMU_PS_PER_MS,
		 (fc->cr & F4_CR_EOPIE) ? F4_SR_EOP : 0u);
}

/* ---- F1 ------------------------------------------------------------------ */

static void f1_store(struct emu *e, uint32_t off, unsigned size, uint64_t value)
{
	struct emu_flashc *fc = &e->fc;
	uint16_t old, v = (uint16_t)value;
	uint8_t data[2];

	if (!(fc->cr & F1_CR_PG) || locked(e)) {
		emu_violation(e,
			      "store to flash 0x%08" PRIx32
			      " without FLASH_CR.PG%s: nothing written",
			      EMU_FLASH_BASE + off,
			      locked(e) ? " (controller locked)" : "");
		refuse(e, off, size);
		return;
	}
	if (size != 2 || (off & 1u)) {
		emu_violation(e,
			      "%u-byte store to flash 0x%08" PRIx32
			      ": the F1 programs aligned half-words only",
			      size, EMU_FLASH_BASE + off);
		fc->sr |= F1_SR_PGERR;
		refuse(e, off, size);
		return;
	}
	wait_idle(e);
	if (f1_protected(fc, off)) {
		wrp_refuse(e, "program", off);
		refuse(e, off, size);
		return;
	}
	old = (uint16_t)(e->flash[off] | e->flash[off + 1] << 8);
	if (old != 0xFFFFu && v != 0) {
		emu_violation(e,
			      "programming flash 0x%08" PRIx32
			      " holding 0x%04x with 0x%04x: PGERR",
			      EMU_FLASH_BASE + off, old, v);
		fc->sr |= F1_SR_PGERR;
		refuse(e, off, size);
		return;
	}
	if (cut_store(e, off, size)) {
		refuse(e, off, size);
		return;
	}
	data[0] = (uint8_t)v;
	data[1] = (uint8_t)(v >> 8);
	queue_fixup(e, off, 2, data);
	fc->programs++;
	fc->prog_bytes += 2;
	op_start(e, F1_PROG_PS, F1_SR_EOP);
}

static void f1_start(struct emu *e)
{
	struct emu_flashc *fc = &e->fc;
	uint32_t page = e->b->page_size;

	if ((fc->cr & F1_CR_PG) && (fc->cr & (F1_CR_PER | F1_CR_MER))) {
		emu_violation(e, "FLASH_CR.STRT with PG and an erase bit set");
		return;
	}
	if (fc->cr & F1_CR_OPTER) {
		if (!(fc->cr & F1_CR_OPTWRE) ||
		    (fc->cr & (F1_CR_PG | F1_CR_PER | F1_CR_MER))) {
			emu_violation(
				e,
				"FLASH_CR.STRT with OPTER%s: nothing "
				"erased",
				(fc->cr & F1_CR_OPTWRE)
					? " and another operation"
					: " without OPTWRE (FLASH_OPTKEYR)");
			fc->cr &= ~F1_CR_STRT;
			return;
		}
		memset(e->ob, 0xFF, EMU_OB_SIZE);
		emu_say(e, "option bytes erased (OPTER)");
		op_start(e, F1_PAGE_ERASE_MS * EMU_PS_PER_MS, F1_SR_EOP);
		return;
	}
	if (fc->cr & F1_CR_PER) {
		uint32_t a = fc->ar;

		if (a < EMU_FLASH_BASE ||
		    a - EMU_FLASH_BASE >= e->b->flash_size) {
			emu_violation(e,
				      "page erase with FLASH_AR 0x%08" PRIx32
				      " outside the flash",
				      a);
			return;
		}
		if (f1_protected(fc, a - EMU_FLASH_BASE)) {
			wrp_refuse(e, "page erase", a - EMU_FLASH_BASE);
			fc->cr &= ~F1_CR_STRT;
			return;
		}
		if (cut_erase(e, (a - EMU_FLASH_BASE) & ~(page - 1u), page)) {
			return;
		}
		erase(e, (a - EMU_FLASH_BASE) & ~(page - 1u), page);
		op_start(e, F1_PAGE_ERASE_MS * EMU_PS_PER_MS, F1_SR_EOP);
	} else if (fc->cr & F1_CR_MER) {
		/* The model refuses it when any page is protected. */
		for (uint32_t off = 0; off < e->b->flash_size; off += page) {
			if (f1_protected(fc, off)) {
				wrp_refuse(e, "mass erase", off);
				fc->cr &= ~F1_CR_STRT;
				return;
			}
		}
		if (cut_erase(e, 0, e->b->flash_size)) {
			return;
		}
		erase(e, 0, e->b->flash_size);
		op_start(e, F1_MASS_ERASE_MS * EMU_PS_PER_MS, F1_SR_EOP);
	}
}

static void f1_cr_write(struct emu *e, uint32_t v)
{
	struct emu_flashc *fc = &e->fc;
	uint32_t was = fc->cr;

	if (locked(e)) {
		if (v & (F1_CR_PG | F1_CR_PER | F1_CR_MER | F1_CR_OPTPG |
			 F1_CR_OPTER | F1_CR_STRT)) {
			emu_violation(e,
				      "FLASH_CR = 0x%08" PRIx32
				      " while locked: ignored",
				      v);
		}
		return;
	}
	if (fc->busy_end_ps > e->now_ps) {
		emu_violation(e, "FLASH_CR written while BSY");
		wait_idle(e);
	}
	/* OPTWRE: set by FLASH_OPTKEYR only, cleared by writing 0 */
	fc->cr = (v & F1_CR_WRITABLE & ~F1_CR_OPTWRE) |
		 (v & was & F1_CR_OPTWRE) | (fc->cr & F1_CR_STRT);
	if ((v & F1_CR_STRT) && !(was & F1_CR_STRT)) {
		fc->cr |= F1_CR_STRT;
		f1_start(e);
	}
}

/* ---- F4 ------------------------------------------------------------------ */

/* Sector n of a 1 MiB part: offset and size. */
static int f4_sector(uint32_t n, uint32_t *off, uint32_t *size)
{
	if (n < 4) {
		*off = n * 0x4000u;
		*size = 0x4000u;
	} else if (n == 4) {
		*off = 0x10000u;
		*size = 0x10000u;
	} else if (n < 12) {
		*off = 0x20000u * (n - 4u);
		*size = 0x20000u;
	} else {
		return -1;
	}
	return 0;
}

/* The sector that holds offset off. */
static uint32_t f4_sector_of(uint32_t off)
{
	if (off < 0x10000u) {
		return off / 0x4000u;
	}
	return off < 0x20000u ? 4u : 4u + off / 0x20000u;
}

static uint64_t f4_erase_ms(uint32_t size, uint32_t psize)
{
	static const uint16_t ms[3][3] = {
		/* x8, x16, x32 (x64 with VPP: as x32) */
		{400, 300, 250},    /* 16 KiB */
		{1200, 700, 550},   /* 64 KiB */
		{2000, 1100, 1000}, /* 128 KiB */
	};
	unsigned row = size == 0x4000u ? 0 : size == 0x10000u ? 1 : 2;

	return ms[row][psize > 2 ? 2 : psize];
}

static void f4_store(struct emu *e, uint32_t off, unsigned size, uint64_t value)
{
	struct emu_flashc *fc = &e->fc;
	unsigned psize = 1u << F4_CR_PSIZE(fc->cr);
	uint8_t data[8];
	int erased = 1, widened = 0;

	if (!(fc->cr & F4_CR_PG) || locked(e) ||
	    (fc->cr & (F4_CR_SER | F4_CR_MER))) {
		emu_violation(e,
			      "store to flash 0x%08" PRIx32
			      " without FLASH_CR.PG%s: PGSERR",
			      EMU_FLASH_BASE + off,
			      locked(e) ? " (controller locked)" : "");
		fc->sr |= F4_SR_PGSERR;
		refuse(e, off, size);
		return;
	}
	if (size != psize) {
		emu_violation(e,
			      "%u-byte store to flash 0x%08" PRIx32
			      " with PSIZE %u bytes: PGPERR",
			      size, EMU_FLASH_BASE + off, psize);
		fc->sr |= F4_SR_PGPERR;
		refuse(e, off, size);
		return;
	}
	if (off & (size - 1u)) {
		emu_violation(e,
			      "unaligned %u-byte store to flash 0x%08" PRIx32
			      ": PGAERR",
			      size, EMU_FLASH_BASE + off);
		fc->sr |= F4_SR_PGAERR;
		refuse(e, off, size);
		return;
	}
	wait_idle(e);
	if (f4_protected(fc, f4_sector_of(off))) {
		wrp_refuse(e, "program", off);
		refuse(e, off, size);
		return;
	}
	for (unsigned i = 0; i < size; i++) {
		uint8_t old = e->flash[off + i];
		uint8_t v = (uint8_t)(value >> (8 * i));

		erased &= old == 0xFF;
		widened |= (v & ~old) != 0;
		data[i] = old & v; /* a cell only goes from 1 to 0 */
	}
	if (!erased) {
		emu_violation(e,
			      "programming flash 0x%08" PRIx32
			      " that is not erased%s",
			      EMU_FLASH_BASE + off,
			      widened ? " (bits stay 0: the cells differ "
					"from what was written)"
				      : "");
	}
	if (cut_store(e, off, size)) {
		refuse(e, off, size);
		return;
	}
	queue_fixup(e, off, size, data);
	fc->programs++;
	fc->prog_bytes += size;
	op_start(e, F4_PROG_PS, (fc->cr & F4_CR_EOPIE) ? F4_SR_EOP : 0u);
}

static void f4_start(struct emu *e)
{
	struct emu_flashc *fc = &e->fc;
	uint32_t eop = (fc->cr & F4_CR_EOPIE) ? F4_SR_EOP : 0u;
	uint32_t off, size;

	if ((fc->cr & F4_CR_PG) ||
	    (fc->cr & (F4_CR_SER | F4_CR_MER)) == (F4_CR_SER | F4_CR_MER)) {
		emu_violation(e,
			      "FLASH_CR.STRT with CR 0x%08" PRIx32 ": PGSERR",
			      fc->cr);
		fc->sr |= F4_SR_PGSERR;
		return;
	}
	if (fc->cr & F4_CR_SER) {
		if (f4_sector(F4_CR_SNB(fc->cr), &off, &size) ||
		    off >= e->b->flash_size) {
			emu_violation(e,
				      "sector erase of SNB %" PRIu32
				      ": no such sector",
				      F4_CR_SNB(fc->cr));
			fc->sr |= F4_SR_OPERR;
			return;
		}
		if (f4_protected(fc, F4_CR_SNB(fc->cr))) {
			wrp_refuse(e, "sector erase", off);
			fc->cr &= ~F4_CR_STRT;
			return;
		}
		if (cut_erase(e, off, size)) {
			return;
		}
		erase(e, off, size);
		op_start(e,
			 f4_erase_ms(size, F4_CR_PSIZE(fc->cr)) * EMU_PS_PER_MS,
			 eop);
	} else if (fc->cr & F4_CR_MER) {
		for (uint32_t n = 0; n < F4_SECTORS; n++) {
			if (f4_protected(fc, n) && !f4_sector(n, &off, &size) &&
			    off < e->b->flash_size) {
				wrp_refuse(e, "mass erase", off);
				fc->cr &= ~F4_CR_STRT;
				return;
			}
		}
		if (cut_erase(e, 0, e->b->flash_size)) {
			return;
		}
		erase(e, 0, e->b->flash_size);
		op_start(e,
			 (uint64_t)F4_MASS_ERASE_MS *
				 (F4_CR_PSIZE(fc->cr) == 0 ? 2u : 1u) *
				 EMU_PS_PER_MS,
			 eop);
	}
}

static void f4_cr_write(struct emu *e, uint32_t v)
{
	struct emu_flashc *fc = &e->fc;
	uint32_t was = fc->cr;

	if (locked(e)) {
		if (v & (F4_CR_PG | F4_CR_SER | F4_CR_MER | F4_CR_STRT)) {
			emu_violation(e,
				      "FLASH_CR = 0x%08" PRIx32
				      " while locked: ignored",
				      v);
		}
		return;
	}
	if (fc->busy_end_ps > e->now_ps) {
		emu_violation(e, "FLASH_CR written while BSY");
		wait_idle(e);
	}
	fc->cr = (v & F4_CR_WRITABLE & ~F4_CR_STRT) | (fc->cr & F4_CR_STRT);
	if ((v & F4_CR_STRT) && !(was & F4_CR_STRT)) {
		fc->cr |= F4_CR_STRT;
		f4_start(e);
	}
}

static void f4_acr_write(struct emu *e, uint32_t v)
{
	struct emu_flashc *fc = &e->fc;

	if ((v & F4_ACR_ICRST) && (fc->acr & F4_ACR_ICEN)) {
		emu_violation(e, "FLASH_ACR.ICRST set with the instruction "
				 "cache on: it only resets a disabled cache");
	}
	if ((v & F4_ACR_DCRST) && (fc->acr & F4_ACR_DCEN)) {
		emu_violation(e, "FLASH_ACR.DCRST set with the data cache on: "
				 "it only resets a disabled cache");
	}
	fc->acr = v & 0x1F07u;
}

/* ---- both ---------------------------------------------------------------- */

void emu_flash_store(struct emu *e, uint32_t off, unsigned size, uint64_t value)
{
	e->activity++;
	if (e->nfix) {
		emu_flash_fixup(e); /* earlier stores have landed */
	}
	if (is_f1(e)) {
		f1_store(e, off, size, value);
	} else {
		f4_store(e, off, size, value);
	}
}

static void keyr_write(struct emu *e, uint32_t v)
{
	struct emu_flashc *fc = &e->fc;

	if (fc->hard_locked) {
		return;
	}
	if (!locked(e)) {
		emu_violation(e, "FLASH_KEYR written while unlocked: the "
				 "controller locks until the next reset");
		fc->hard_locked = 1;
		return;
	}
	if (fc->key_state == 0 && v == KEY1) {
		fc->key_state = 1;
		return;
	}
	if (fc->key_state == 1 && v == KEY2) {
		fc->key_state = 0;
		fc->cr &= is_f1(e) ? ~F1_CR_LOCK : ~F4_CR_LOCK;
		return;
	}
	emu_violation(e,
		      "wrong FLASH_KEYR sequence (0x%08" PRIx32
		      "): the controller locks until the next reset%s",
		      v, is_f1(e) ? "" : " (and a bus error)");
	fc->hard_locked = 1;
	fc->key_state = 0;
}

uint32_t emu_flashc_read(struct emu *e, uint32_t off)
{
	struct emu_flashc *fc = &e->fc;
	uint32_t v;
	int busy;

	emu_sync(e);
	if (e->nfix) {
		emu_flash_fixup(e); /* the store before this poll has landed */
	}
	busy = fc->busy_end_ps > e->now_ps;
	switch (off) {
	case FLASH_ACR:
		if (is_f1(e)) {
			/* PRFTBS follows PRFTBE */
			return (fc->acr & ~0x20u) | ((fc->acr & 0x10u) << 1);
		}
		return fc->acr;
	case FLASH_SR:
		v = fc->sr | (busy ? (is_f1(e) ? F1_SR_BSY : F4_SR_BSY) : 0u);
		if (busy && emu_idle_poll(e, 0x40022000u + off, v)) {
			busy = fc->busy_end_ps > e->now_ps;
			v = fc->sr |
			    (busy ? (is_f1(e) ? F1_SR_BSY : F4_SR_BSY) : 0u);
		}
		return v;
	case FLASH_CR:
		return fc->cr |
		       (fc->hard_locked ? (is_f1(e) ? F1_CR_LOCK : F4_CR_LOCK)
					: 0u);
	case 0x14u:
		return is_f1(e) ? fc->ar : fc->optcr;
	case FLASH_OBR:
		return is_f1(e) ? fc->obr : 0;
	case FLASH_WRPR:
		return is_f1(e) ? fc->wrpr : 0;
	default:
		return 0;
	}
}

void emu_flashc_write(struct emu *e, uint32_t off, uint32_t v, uint32_t mask)
{
	struct emu_flashc *fc = &e->fc;

	emu_sync(e);
	switch (off) {
	case FLASH_ACR:
		v = (fc->acr & ~mask) | (v & mask);
		if (is_f1(e)) {
			fc->acr = v & 0x1Fu;
		} else {
			f4_acr_write(e, v);
		}
		break;
	case FLASH_KEYR:
		keyr_write(e, v);
		break;
	case FLASH_OPTKEYR:
		optkeyr_write(e, v);
		break;
	case FLASH_SR:
		fc->sr &=
			~(v & mask &
			  (is_f1(e) ? (F1_SR_EOP | F1_SR_PGERR | F1_SR_WRPRTERR)
				    : F4_SR_W1C));
		break;
	case FLASH_CR:
		v = (fc->cr & ~mask) | (v & mask);
		if (is_f1(e)) {
			f1_cr_write(e, v);
		} else {
			f4_cr_write(e, v);
		}
		/* PG is bit 0 on both */
		if (!(fc->cr & F1_CR_PG) || fc->hard_locked) {
			run_end(e);
		}
		break;
	case 0x14u:
		if (is_f1(e)) {
			if (fc->busy_end_ps > e->now_ps) {
				emu_violation(e, "FLASH_AR written while BSY");
			}
			fc->ar = (fc->ar & ~mask) | (v & mask);
		} else {
			f4_optcr_write(e, (fc->optcr & ~mask) | (v & mask));
		}
		break;
	default:
		break;
	}
}
