/*
 * iap-emu - the peripheral bus at 0x40000000: address decoding with the
 * bus clock gates of the RCC (a peripheral whose clock is off ignores
 * writes and reads 0), the RCC itself (ready flags follow the enables, the
 * clock tree is computed from CFGR/PLLCFGR and drives emulated time), GPIO
 * ports, the independent watchdog, and plain storage for the blocks the
 * firmware may touch but the model does not interpret.
 *
 * Register maps: RM0008 (F1) 3.3 and chapters 7, 9, 19; RM0090 (F4) 2.3
 * and chapters 5, 7, 8, 21.
 */
#include <inttypes.h>
#include <string.h>

#include "emu.h"

enum blk_kind {
	BLK_STORE,
	BLK_RCC,
	BLK_FLASH,
	BLK_USART1,
	BLK_DMA,
	BLK_GPIO,
	BLK_IWDG,
	BLK_PWR,
};

struct blk {
	uint32_t off; /* from 0x40000000, 1 KiB each */
	int kind;
	unsigned idx;
	const char *name;
};

static const struct blk f1_map[] = {
	{0x00000u, BLK_STORE, 0, "TIM2"},   {0x00400u, BLK_STORE, 0, "TIM3"},
	{0x00800u, BLK_STORE, 0, "TIM4"},   {0x02800u, BLK_STORE, 0, "RTC"},
	{0x02C00u, BLK_STORE, 0, "WWDG"},   {0x03000u, BLK_IWDG, 0, "IWDG"},
	{0x03800u, BLK_STORE, 0, "SPI2"},   {0x04400u, BLK_STORE, 0, "USART2"},
	{0x04800u, BLK_STORE, 0, "USART3"}, {0x05400u, BLK_STORE, 0, "I2C1"},
	{0x05800u, BLK_STORE, 0, "I2C2"},   {0x06C00u, BLK_STORE, 0, "BKP"},
	{0x07000u, BLK_PWR, 0, "PWR"},	    {0x10000u, BLK_STORE, 0, "AFIO"},
	{0x10400u, BLK_STORE, 0, "EXTI"},   {0x10800u, BLK_GPIO, 0, "GPIOA"},
	{0x10C00u, BLK_GPIO, 1, "GPIOB"},   {0x11000u, BLK_GPIO, 2, "GPIOC"},
	{0x11400u, BLK_GPIO, 3, "GPIOD"},   {0x11800u, BLK_GPIO, 4, "GPIOE"},
	{0x12400u, BLK_STORE, 0, "ADC1"},   {0x12C00u, BLK_STORE, 0, "TIM1"},
	{0x13000u, BLK_STORE, 0, "SPI1"},   {0x13800u, BLK_USART1, 0, "USART1"},
	{0x20000u, BLK_DMA, 0, "DMA1"},	    {0x21000u, BLK_RCC, 0, "RCC"},
	{0x22000u, BLK_FLASH, 0, "FLASH"},  {0x23000u, BLK_STORE, 0, "CRC"},
};

static const struct blk f4_map[] = {
	{0x00000u, BLK_STORE, 0, "TIM2"},    {0x00400u, BLK_STORE, 0, "TIM3"},
	{0x00800u, BLK_STORE, 0, "TIM4"},    {0x00C00u, BLK_STORE, 0, "TIM5"},
	{0x02800u, BLK_STORE, 0, "RTC"},     {0x02C00u, BLK_STORE, 0, "WWDG"},
	{0x03000u, BLK_IWDG, 0, "IWDG"},     {0x04400u, BLK_STORE, 0, "USART2"},
	{0x04800u, BLK_STORE, 0, "USART3"},  {0x05400u, BLK_STORE, 0, "I2C1"},
	{0x07000u, BLK_PWR, 0, "PWR"},	     {0x10000u, BLK_STORE, 0, "TIM1"},
	{0x11000u, BLK_USART1, 0, "USART1"}, {0x11400u, BLK_STORE, 0, "USART6"},
	{0x12000u, BLK_STORE, 0, "ADC"},     {0x13000u, BLK_STORE, 0, "SPI1"},
	{0x13800u, BLK_STORE, 0, "SYSCFG"},  {0x13C00u, BLK_STORE, 0, "EXTI"},
	{0x20000u, BLK_GPIO, 0, "GPIOA"},    {0x20400u, BLK_GPIO, 1, "GPIOB"},
	{0x20800u, BLK_GPIO, 2, "GPIOC"},    {0x20C00u, BLK_GPIO, 3, "GPIOD"},
	{0x21000u, BLK_GPIO, 4, "GPIOE"},    {0x21400u, BLK_GPIO, 5, "GPIOF"},
	{0x21800u, BLK_GPIO, 6, "GPIOG"},    {0x21C00u, BLK_GPIO, 7, "GPIOH"},
	{0x22000u, BLK_GPIO, 8, "GPIOI"},    {0x23000u, BLK_STORE, 0, "CRC"},
	{0x23800u, BLK_RCC, 0, "RCC"},	     {0x23C00u, BLK_FLASH, 0, "FLASH"},
	{0x26000u, BLK_DMA, 0, "DMA1"},	     {0x26400u, BLK_DMA, 1, "DMA2"},
};

/* RCC offsets and bits */
#define RCC_CR	       0x00u
#define F1_RCC_CFGR    0x04u
#define F1_RCC_APB2RST 0x0Cu
#define F1_RCC_AHBENR  0x14u
#define F1_RCC_APB2ENR 0x18u
#define F1_RCC_APB1ENR 0x1Cu
#define F1_RCC_CSR     0x24u
#define F4_RCC_PLLCFGR 0x04u
#define F4_RCC_CFGR    0x08u
#define F4_RCC_AHB1RST 0x10u
#define F4_RCC_APB2RST 0x24u
#define F4_RCC_AHB1ENR 0x30u
#define F4_RCC_APB1ENR 0x40u
#define F4_RCC_APB2ENR 0x44u
#define F4_RCC_CSR     0x74u

#define CR_HSION   (1u << 0)
#define CR_HSIRDY  (1u << 1)
#define CR_HSEON   (1u << 16)
#define CR_HSERDY  (1u << 17)
#define CR_CSSON   (1u << 19)
#define CR_PLLON   (1u << 24)
#define CR_PLLRDY  (1u << 25)
#define CR_I2SON   (1u << 26)
#define CR_I2SRDY  (1u << 27)
#define CSR_RMVF   (1u << 24)
#define CSR_PIN	   (1u << 26)
#define CSR_POR	   (1u << 27)
#define CSR_SFT	   (1u << 28)
#define CSR_IWDG   (1u << 29)
#define F4_CSR_BOR (1u << 25)

#define F4_PLLCFGR_RESET 0x24003010u
#define F1_CFGR_PLL	 0x003F0000u /* PLLSRC, PLLXTPRE, PLLMUL */

#define STORE_SLOTS 512u

struct store_slot {
	uint32_t addr, value;
};

/* Registers of blocks the model only stores; shared by all runs. */
static struct store_slot store[STORE_SLOTS];
static unsigned store_used;
static uint32_t warned_blocks[64];
static unsigned warned_count;

static const struct blk *find_blk(const struct emu *e, uint32_t off)
{
	const struct blk *map = e->b->family == EMU_F1 ? f1_map : f4_map;
	size_t n = e->b->family == EMU_F1 ? sizeof(f1_map) / sizeof(f1_map[0])
					  : sizeof(f4_map) / sizeof(f4_map[0]);

	for (size_t i = 0; i < n; i++) {
		if ((off & ~0x3FFu) == map[i].off) {
			return &map[i];
		}
	}
	return NULL;
}

static uint32_t *store_slot(uint32_t addr, int create)
{
	for (unsigned i = 0; i < store_used; i++) {
		if (store[i].addr == addr) {
			return &store[i].value;
		}
	}
	if (!create || store_used == STORE_SLOTS) {
		return NULL;
	}
	store[store_used].addr = addr;
	store[store_used].value = 0;
	return &store[store_used++].value;
}

static void warn_block(const char *what, uint32_t addr)
{
	uint32_t blk = addr & ~0x3FFu;

	for (unsigned i = 0; i < warned_count; i++) {
		if (warned_blocks[i] == blk) {
			return;
		}
	}
	if (warned_count < sizeof(warned_blocks) / sizeof(warned_blocks[0])) {
		warned_blocks[warned_count++] = blk;
	}
	emu_warn("%s 0x%08" PRIx32 ": not modelled (reads 0, writes ignored)",
		 what, addr);
}

/* ---- RCC ----------------------------------------------------------------- */

static uint32_t *rcc(struct emu *e, uint32_t off)
{
	return &e->rcc.r[off / 4u];
}

static uint32_t rcc_get(const struct emu *e, uint32_t off)
{
	return e->rcc.r[off / 4u];
}

static uint32_t cfgr_off(const struct emu *e)
{
	return e->b->family == EMU_F1 ? F1_RCC_CFGR : F4_RCC_CFGR;
}

static uint32_t ahb_div(uint32_t hpre)
{
	static const uint16_t div[8] = {2, 4, 8, 16, 64, 128, 256, 512};

	return (hpre & 8u) ? div[hpre & 7u] : 1u;
}

static uint32_t apb_div(uint32_t ppre)
{
	return (ppre & 4u) ? 2u << (ppre & 3u) : 1u;
}

/* SYSCLK from the source sws (0 HSI, 1 HSE, 2 PLL); 0 if not running. */
static uint32_t sysclk_of(const struct emu *e, uint32_t sws)
{
	uint32_t cfgr = rcc_get(e, cfgr_off(e));

	if (sws == 0) {
		return e->b->hsi_hz;
	}
	if (sws == 1) {
		return e->b->hse_hz;
	}
	if (sws != 2) {
		return 0;
	}
	if (e->b->family == EMU_F1) {
		uint32_t mul = ((cfgr >> 18) & 0xFu) + 2u;
		uint32_t in =
			(cfgr & (1u << 16))
				? e->b->hse_hz / ((cfgr & (1u << 17)) ? 2u : 1u)
				: e->b->hsi_hz / 2u;

		return in * (mul > 16u ? 16u : mul);
	} else {
		uint32_t p = rcc_get(e, F4_RCC_PLLCFGR);
		uint32_t m = p & 0x3Fu, n = (p >> 6) & 0x1FFu;
		uint32_t pdiv = (((p >> 16) & 3u) + 1u) * 2u;
		uint32_t in = (p & (1u << 22)) ? e->b->hse_hz : e->b->hsi_hz;

		if (m < 2u) {
			return 0;
		}
		return (uint32_t)((uint64_t)in / m * n / pdiv);
	}
}

static void clocks(const struct emu *e, uint32_t *sys, uint32_t *hclk,
		   uint32_t *pclk2)
{
	uint32_t cfgr = rcc_get(e, cfgr_off(e));
	uint32_t ppre2 =
		e->b->family == EMU_F1 ? (cfgr >> 11) & 7u : (cfgr >> 13) & 7u;

	*sys = sysclk_of(e, (cfgr >> 2) & 3u);
	*hclk = *sys / ahb_div((cfgr >> 4) & 0xFu);
	*pclk2 = *hclk / apb_div(ppre2);
}

static void check_pll(struct emu *e)
{
	if (e->b->family == EMU_F4) {
		uint32_t p = rcc_get(e, F4_RCC_PLLCFGR);
		uint32_t m = p & 0x3Fu, n = (p >> 6) & 0x1FFu;
		uint32_t in = (p & (1u << 22)) ? e->b->hse_hz : e->b->hsi_hz;
		uint64_t vco = m ? (uint64_t)in / m * n : 0;

		if (m < 2u || in / m < 1000000u || in / m > 2000000u ||
		    n < 50u || n > 432u || vco < 100000000u ||
		    vco > 432000000u) {
			emu_violation(e,
				      "PLL enabled with PLLCFGR 0x%08" PRIx32
				      ": VCO input or output out of range "
				      "(RM0090 7.3.2)",
				      p);
		}
	}
	if (sysclk_of(e, 2) > e->b->max_sysclk_hz) {
		emu_violation(e,
			      "PLL at %" PRIu32 " Hz, above the part's %" PRIu32
			      " Hz",
			      sysclk_of(e, 2), e->b->max_sysclk_hz);
	}
}

/* Wait states the flash needs at hclk (RM0008 3.3.3; RM0090 3.5.1 at
 * 2.7-3.6 V); the value line runs at 24 MHz at most with none. */
static uint32_t needed_ws(const struct emu *e, uint32_t hclk)
{
	if (e->b->family == EMU_F4) {
		return hclk ? (hclk - 1u) / 30000000u : 0;
	}
	if (e->b->max_sysclk_hz <= 24000000u) {
		return 0;
	}
	return hclk <= 24000000u ? 0 : hclk <= 48000000u ? 1u : 2u;
}

static void apply_clocks(struct emu *e)
{
	uint32_t sys, hclk, pclk2;

	clocks(e, &sys, &hclk, &pclk2);
	if (hclk != e->hclk || pclk2 != e->pclk2) {
		uint32_t ws = e->fc.acr & 7u;

		if (ws < needed_ws(e, hclk)) {
			emu_violation(e,
				      "HCLK %" PRIu32
				      " Hz with FLASH_ACR.LATENCY %" PRIu32
				      ": needs %" PRIu32
				      " wait states, the flash would return "
				      "garbage",
				      hclk, ws, needed_ws(e, hclk));
		}
		emu_set_clock(e, hclk, pclk2);
		if (e->o->trace_io) {
			fprintf(stderr,
				"iap-emu: clock: SYSCLK %" PRIu32
				" Hz, HCLK %" PRIu32 " Hz, PCLK2 %" PRIu32
				" Hz\n",
				sys, hclk, pclk2);
		}
	}
}

static int src_ready(const struct emu *e, uint32_t sw)
{
	uint32_t cr = rcc_get(e, RCC_CR);

	switch (sw) {
	case 0:
		return (cr & CR_HSION) != 0;
	case 1:
		return (cr & CR_HSEON) != 0;
	case 2:
		return (cr & CR_PLLON) != 0;
	default:
		return 0;
	}
}

static void rcc_cr_write(struct emu *e, uint32_t v)
{
	uint32_t *cr = rcc(e, RCC_CR);
	uint32_t sws = (rcc_get(e, cfgr_off(e)) >> 2) & 3u;
	uint32_t pll_src_hse =
		e->b->family == EMU_F1
			? (rcc_get(e, F1_RCC_CFGR) >> 16) & 1u
			: (rcc_get(e, F4_RCC_PLLCFGR) >> 22) & 1u;
	uint32_t ready = CR_HSIRDY | CR_HSERDY | CR_PLLRDY | CR_I2SRDY;

	/* A source that drives SYSCLK (directly or through the PLL) cannot
	 * be switched off (RM0008 7.3.1, RM0090 7.3.1). */
	if (sws == 0 || (sws == 2 && !pll_src_hse)) {
		v |= CR_HSION;
	}
	if (sws == 1 || (sws == 2 && pll_src_hse)) {
		v |= CR_HSEON;
	}
	if (sws == 2) {
		v |= CR_PLLON;
	}
	if ((v & CR_PLLON) && !(*cr & CR_PLLON)) {
		check_pll(e);
	}
	e->rcc.pll_stopping = (*cr & CR_PLLON) && !(v & CR_PLLON);
	*cr = v & ~ready;
}

/* The PLL's configuration may change only once it has stopped: PLLON 0
 * and PLLRDY read back 0 (RM0008 7.3.2, RM0090 7.3.2; what ST's HAL waits
 * for before it writes them). */
static int pll_running(const struct emu *e)
{
	return (rcc_get(e, RCC_CR) & CR_PLLON) || e->rcc.pll_stopping;
}

static void rcc_cfgr_write(struct emu *e, uint32_t v)
{
	uint32_t off = cfgr_off(e);
	uint32_t old = rcc_get(e, off);
	uint32_t sws = (old >> 2) & 3u;
	uint32_t sw = v & 3u;

	/* PLLSRC, PLLXTPRE and PLLMUL "can be written only when PLL is
	 * disabled" (RM0008 7.3.2): the write leaves them as they are. */
	if (e->b->family == EMU_F1 && pll_running(e) &&
	    ((v ^ old) & F1_CFGR_PLL)) {
		static int warned;

		if (!warned) {
			warned = 1;
			emu_warn("firmware: RCC_CFGR = 0x%08" PRIx32
				 " with the PLL on: PLLSRC/PLLXTPRE/PLLMUL "
				 "stay 0x%08" PRIx32
				 " (written only with the PLL off, RM0008 "
				 "7.3.2)",
				 v, old & F1_CFGR_PLL);
		}
		v = (v & ~F1_CFGR_PLL) | (old & F1_CFGR_PLL);
	}
	/* The switch happens once the new source is ready. */
	if (src_ready(e, sw)) {
		sws = sw;
	}
	*rcc(e, off) = (v & ~(3u << 2)) | (sws << 2);
	apply_clocks(e);
}

static uint32_t rcc_read(struct emu *e, uint32_t off)
{
	uint32_t v = rcc_get(e, off);

	if (off == RCC_CR) {
		/* Oscillators and PLLs lock at once; the HSE crystal is
		 * fitted on every board modelled. A stopped PLL reports
		 * PLLRDY once more. */
		v |= (v & CR_HSION) ? CR_HSIRDY : 0u;
		v |= (v & CR_HSEON) ? CR_HSERDY : 0u;
		v |= (v & CR_PLLON) || e->rcc.pll_stopping ? CR_PLLRDY : 0u;
		v |= (v & CR_I2SON) ? CR_I2SRDY : 0u;
		e->rcc.pll_stopping = 0;
	}
	return v;
}

static void reset_by_rcc(struct emu *e, uint32_t off, uint32_t set)
{
	int f1 = e->b->family == EMU_F1;

	if (f1 && off == F1_RCC_APB2RST) {
		if (set & (1u << 14)) {
			emu_usart_reset(e);
		}
		for (unsigned p = 0; p < 7 && p < EMU_GPIO_PORTS; p++) {
			if (set & (1u << (2 + p))) {
				memset(&e->gpio[p].r, 0, sizeof(e->gpio[p].r));
				e->gpio[p].r[0] = e->gpio[p].r[1] = 0x44444444u;
			}
		}
	}
	if (!f1 && off == F4_RCC_APB2RST && (set & (1u << 4))) {
		emu_usart_reset(e);
	}
	if (!f1 && off == F4_RCC_AHB1RST) {
		if (set & (1u << 21)) {
			emu_dma_reset(e, 0);
		}
		if (set & (1u << 22)) {
			emu_dma_reset(e, 1);
		}
		for (unsigned p = 0; p < EMU_GPIO_PORTS; p++) {
			if (set & (1u << p)) {
				memset(&e->gpio[p].r, 0, sizeof(e->gpio[p].r));
				if (p == 0) {
					e->gpio[0].r[0] = 0xA8000000u;
					e->gpio[0].r[3] = 0x64000000u;
				} else if (p == 1) {
					e->gpio[1].r[0] = 0x00000280u;
					e->gpio[1].r[2] = 0x000000C0u;
					e->gpio[1].r[3] = 0x00000100u;
				}
			}
		}
	}
}

static void rcc_write(struct emu *e, uint32_t off, uint32_t v, uint32_t mask)
{
	uint32_t old = rcc_get(e, off);

	v = (old & ~mask) | (v & mask);
	if (off == RCC_CR) {
		rcc_cr_write(e, v);
		apply_clocks(e);
		return;
	}
	if (off == cfgr_off(e)) {
		rcc_cfgr_write(e, v);
		return;
	}
	if (e->b->family == EMU_F4 && off == F4_RCC_PLLCFGR) {
		if (pll_running(e)) {
			emu_violation(e, "RCC_PLLCFGR written with the PLL on "
					 "(PLLON or PLLRDY still 1)");
		}
		*rcc(e, off) = v;
		return;
	}
	if (off == (e->b->family == EMU_F1 ? F1_RCC_CSR : F4_RCC_CSR)) {
		if (v & CSR_RMVF) {
			*rcc(e, off) = v & 0xFFu & ~CSR_RMVF;
		} else {
			*rcc(e, off) = (old & 0xFF000000u) | (v & 0xFFu);
		}
		return;
	}
	*rcc(e, off) = v;
	reset_by_rcc(e, off, v & ~old);
}

void emu_rcc_describe(const struct emu *e, char *buf, size_t cap)
{
	static const char *const src[4] = {"HSI", "HSE", "PLL", "?"};
	uint32_t sys, hclk, pclk2;
	uint32_t sws = (rcc_get(e, cfgr_off(e)) >> 2) & 3u;

	clocks(e, &sys, &hclk, &pclk2);
	snprintf(buf, cap,
		 "SYSCLK %.3g MHz from the %s, HCLK %.3g MHz, PCLK2 %.3g MHz",
		 sys / 1e6, src[sws], hclk / 1e6, pclk2 / 1e6);
}

/* Whether the clock tree and the enables are as after a reset. */
int emu_rcc_is_reset_state(const struct emu *e, char *why, size_t cap)
{
	int f1 = e->b->family == EMU_F1;
	uint32_t cr = rcc_get(e, RCC_CR) & (CR_HSION | CR_HSEON | (1u << 18) |
					    CR_CSSON | CR_PLLON | CR_I2SON);
	uint32_t cfgr = rcc_get(e, cfgr_off(e));
	size_t n = 0;

	why[0] = 0;
#define RCC_DIFF(cond, ...)                                                   \
	do {                                                                  \
		if ((cond) && n < cap) {                                      \
			n += (size_t)snprintf(why + n, cap - n, __VA_ARGS__); \
		}                                                             \
	} while (0)
	RCC_DIFF(cr != CR_HSION, " RCC_CR=0x%08" PRIx32, rcc_get(e, RCC_CR));
	RCC_DIFF(cfgr != 0, " RCC_CFGR=0x%08" PRIx32, cfgr);
	if (f1) {
		RCC_DIFF(rcc_get(e, F1_RCC_AHBENR) != 0x14u,
			 " RCC_AHBENR=0x%08" PRIx32, rcc_get(e, F1_RCC_AHBENR));
		RCC_DIFF(rcc_get(e, F1_RCC_APB2ENR) != 0,
			 " RCC_APB2ENR=0x%08" PRIx32,
			 rcc_get(e, F1_RCC_APB2ENR));
		RCC_DIFF(rcc_get(e, F1_RCC_APB1ENR) != 0,
			 " RCC_APB1ENR=0x%08" PRIx32,
			 rcc_get(e, F1_RCC_APB1ENR));
	} else {
		RCC_DIFF(rcc_get(e, F4_RCC_PLLCFGR) != F4_PLLCFGR_RESET,
			 " RCC_PLLCFGR=0x%08" PRIx32,
			 rcc_get(e, F4_RCC_PLLCFGR));
		RCC_DIFF(rcc_get(e, F4_RCC_AHB1ENR) != 0x00100000u,
			 " RCC_AHB1ENR=0x%08" PRIx32,
			 rcc_get(e, F4_RCC_AHB1ENR));
		RCC_DIFF(rcc_get(e, F4_RCC_APB2ENR) != 0,
			 " RCC_APB2ENR=0x%08" PRIx32,
			 rcc_get(e, F4_RCC_APB2ENR));
		RCC_DIFF(rcc_get(e, F4_RCC_APB1ENR) != 0,
			 " RCC_APB1ENR=0x%08" PRIx32,
			 rcc_get(e, F4_RCC_APB1ENR));
	}
#undef RCC_DIFF
	return n == 0;
}

static int clock_on(const struct emu *e, const struct blk *b)
{
	int f1 = e->b->family == EMU_F1;

	switch (b->kind) {
	case BLK_USART1:
		return f1 ? (rcc_get(e, F1_RCC_APB2ENR) >> 14) & 1u
			  : (rcc_get(e, F4_RCC_APB2ENR) >> 4) & 1u;
	case BLK_DMA:
		return f1 ? rcc_get(e, F1_RCC_AHBENR) & 1u
			  : (rcc_get(e, F4_RCC_AHB1ENR) >> (21 + b->idx)) & 1u;
	case BLK_GPIO:
		return f1 ? (rcc_get(e, F1_RCC_APB2ENR) >> (2 + b->idx)) & 1u
			  : (rcc_get(e, F4_RCC_AHB1ENR) >> b->idx) & 1u;
	default:
		return 1;
	}
}

static const char *clock_bit(const struct emu *e, const struct blk *b)
{
	int f1 = e->b->family == EMU_F1;

	switch (b->kind) {
	case BLK_USART1:
		return f1 ? "RCC_APB2ENR.USART1EN" : "RCC_APB2ENR.USART1EN";
	case BLK_DMA:
		return f1 ? "RCC_AHBENR.DMA1EN"
			  : (b->idx ? "RCC_AHB1ENR.DMA2EN"
				    : "RCC_AHB1ENR.DMA1EN");
	default:
		return f1 ? "RCC_APB2ENR.IOPxEN" : "RCC_AHB1ENR.GPIOxEN";
	}
}

/* ---- GPIO ------------------------------------------------------------------
 */

static uint32_t gpio_idr(const struct emu *e, unsigned port)
{
	const struct emu_gpio *g = &e->gpio[port];
	uint32_t idr = 0;

	for (unsigned pin = 0; pin < 16; pin++) {
		uint32_t bit = 1u << pin, lvl;

		if (e->b->family == EMU_F1) {
			uint32_t cfg =
				(g->r[pin / 8] >> (4 * (pin % 8))) & 0xFu;

			if (cfg & 3u) { /* output */
				lvl = g->r[3] & bit;
			} else { /* input: pull from ODR with CNF 10 */
				lvl = ((cfg >> 2) == 2u) ? g->r[3] & bit : 0;
			}
		} else {
			uint32_t mode = (g->r[0] >> (2 * pin)) & 3u;
			uint32_t pupd = (g->r[3] >> (2 * pin)) & 3u;

			lvl = mode == 1u ? g->r[5] & bit
					 : (pupd == 1u ? bit : 0);
		}
		idr |= lvl ? bit : 0u;
	}
	return idr;
}

static void gpio_odr(struct emu *e, unsigned port, uint32_t odr)
{
	struct emu_gpio *g = &e->gpio[port];
	unsigned odr_idx = e->b->family == EMU_F1 ? 3u : 5u;
	uint32_t changed = (g->r[odr_idx] ^ odr) & 0xFFFFu;

	g->r[odr_idx] = odr & 0xFFFFu;
	for (unsigned pin = 0; pin < 16; pin++) {
		if (!(changed & (1u << pin))) {
			continue;
		}
		g->changes[pin]++;
		if (e->o->trace_gpio) {
			emu_sync(e);
			emu_say(e, "gpio P%c%u = %u at %.3f ms", 'A' + port,
				pin, (odr >> pin) & 1u,
				(double)(e->now_ps - e->reset_ps) /
					(double)EMU_PS_PER_MS);
		}
	}
}

static uint32_t gpio_read(struct emu *e, unsigned port, uint32_t off)
{
	unsigned idx = off / 4u;
	int f1 = e->b->family == EMU_F1;

	if (idx >= 10) {
		return 0;
	}
	if ((f1 && idx == 2) || (!f1 && idx == 4)) {
		return gpio_idr(e, port);
	}
	if ((f1 && (idx == 4 || idx == 5)) || (!f1 && idx == 6)) {
		return 0; /* BSRR, BRR: write-only */
	}
	return e->gpio[port].r[idx];
}

static void gpio_write(struct emu *e, unsigned port, uint32_t off, uint32_t v,
		       uint32_t mask)
{
	struct emu_gpio *g = &e->gpio[port];
	unsigned idx = off / 4u;
	int f1 = e->b->family == EMU_F1;
	unsigned odr = f1 ? 3u : 5u;

	if (idx >= 10) {
		return;
	}
	if ((f1 && idx == 4) || (!f1 && idx == 6)) { /* BSRR */
		v &= mask;
		gpio_odr(e, port, (g->r[odr] | (v & 0xFFFFu)) & ~(v >> 16));
	} else if (f1 && idx == 5) { /* BRR */
		gpio_odr(e, port, g->r[odr] & ~(v & mask & 0xFFFFu));
	} else if (idx == odr) {
		gpio_odr(e, port, (g->r[odr] & ~mask) | (v & mask));
	} else if ((f1 && idx == 2) || (!f1 && idx == 4)) {
		/* IDR is read-only */
	} else {
		g->r[idx] = (g->r[idx] & ~mask) | (v & mask);
	}
}

void emu_gpio_report(const struct emu *e)
{
	for (unsigned p = 0; p < EMU_GPIO_PORTS; p++) {
		for (unsigned pin = 0; pin < 16; pin++) {
			unsigned odr = e->b->family == EMU_F1 ? 3u : 5u;

			if (e->gpio[p].changes[pin]) {
				emu_say(e,
					"gpio P%c%u changed %" PRIu32
					" times, now %u",
					'A' + p, pin, e->gpio[p].changes[pin],
					(e->gpio[p].r[odr] >> pin) & 1u);
			}
		}
	}
}

/* ---- IWDG ---------------------------------------------------------------- */

static uint64_t iwdg_period_ps(const struct emu *e)
{
	return (4ull << (e->iwdg.pr & 7u)) * EMU_PS_PER_S / e->b->lsi_hz;
}

static void iwdg_reload(struct emu *e)
{
	emu_sync(e);
	e->iwdg.deadline_ps =
		e->now_ps + ((uint64_t)e->iwdg.rlr + 1u) * iwdg_period_ps(e);
}

void emu_iwdg_update(struct emu *e)
{
	if (e->iwdg.started && e->now_ps >= e->iwdg.deadline_ps &&
	    !e->reset_req) {
		e->reset_req = 1;
		e->reset_why = "independent watchdog";
		emu_request_stop(e);
	}
}

static uint32_t iwdg_read(struct emu *e, uint32_t off)
{
	switch (off) {
	case 0x04:
		return e->iwdg.pr;
	case 0x08:
		return e->iwdg.rlr;
	default:
		return 0; /* KR write-only; SR: updates are instant */
	}
}

static void iwdg_write(struct emu *e, uint32_t off, uint32_t v)
{
	switch (off) {
	case 0x00:
		v &= 0xFFFFu;
		e->iwdg.access = v == 0x5555u;
		if (v == 0xAAAAu && e->iwdg.started) {
			iwdg_reload(e);
		} else if (v == 0xCCCCu) {
			if (!e->iwdg.started) {
				emu_say(e, "independent watchdog started");
			}
			e->iwdg.started = 1;
			iwdg_reload(e);
		}
		break;
	case 0x04:
		if (e->iwdg.access) {
			e->iwdg.pr = v & 7u;
		}
		break;
	case 0x08:
		if (e->iwdg.access) {
			e->iwdg.rlr = v & 0xFFFu;
		}
		break;
	default:
		break;
	}
}

/* ---- reset -----------------------------------------------------------------
 */

void emu_periph_reset(struct emu *e, int power_on)
{
	int f1 = e->b->family == EMU_F1;
	uint32_t csr_off = f1 ? F1_RCC_CSR : F4_RCC_CSR;
	uint32_t csr = rcc_get(e, csr_off);

	memset(&e->rcc, 0, sizeof(e->rcc));
	*rcc(e, RCC_CR) = 0x00000081u; /* HSION, HSITRIM 16; HSIRDY is read */
	if (f1) {
		*rcc(e, F1_RCC_AHBENR) = 0x14u;
	} else {
		*rcc(e, F4_RCC_PLLCFGR) = F4_PLLCFGR_RESET;
		*rcc(e, F4_RCC_AHB1ENR) = 0x00100000u;
		*rcc(e, 0x84u) = 0x20003000u; /* PLLI2SCFGR */
	}
	if (power_on) {
		csr = CSR_POR | CSR_PIN | (f1 ? 0u : F4_CSR_BOR);
	} else if (e->reset_why && !strcmp(e->reset_why, "independent "
							 "watchdog")) {
		csr |= CSR_IWDG | CSR_PIN;
	} else {
		csr |= CSR_SFT | CSR_PIN;
	}
	*rcc(e, csr_off) = csr;

	memset(e->gpio, 0, sizeof(e->gpio));
	for (unsigned p = 0; p < EMU_GPIO_PORTS; p++) {
		if (f1) {
			e->gpio[p].r[0] = e->gpio[p].r[1] = 0x44444444u;
		}
	}
	if (!f1) {
		e->gpio[0].r[0] = 0xA8000000u;
		e->gpio[0].r[3] = 0x64000000u;
		e->gpio[1].r[0] = 0x00000280u;
		e->gpio[1].r[2] = 0x000000C0u;
		e->gpio[1].r[3] = 0x00000100u;
	}
	memset(&e->iwdg, 0, sizeof(e->iwdg));
	e->iwdg.rlr = 0xFFFu;
	store_used = 0;
	emu_flashc_reset(e);
	emu_usart_reset(e);
	emu_dma_reset(e, 0);
	emu_dma_reset(e, 1);
	emu_sys_reset(e);
	e->irq_sources = 0;
	emu_tbc_flush(e);
}

/* ---- the bus ------------------------------------------------------------- */

static uint32_t periph_read32(struct emu *e, uint32_t off)
{
	const struct blk *b = find_blk(e, off);
	uint32_t r = off & 0x3FFu;
	uint32_t *slot;

	if (!b) {
		warn_block("read of peripheral address", EMU_PERIPH_BASE + off);
		return 0;
	}
	if (!clock_on(e, b)) {
		emu_violation(e,
			      "read of %s+0x%03" PRIx32
			      " with its clock off (%s = 0)",
			      b->name, r, clock_bit(e, b));
		return 0;
	}
	switch (b->kind) {
	case BLK_RCC:
		return rcc_read(e, r);
	case BLK_FLASH:
		return emu_flashc_read(e, r);
	case BLK_USART1:
		return emu_usart_read(e, r);
	case BLK_DMA:
		return emu_dma_read(e, b->idx, r);
	case BLK_GPIO:
		return gpio_read(e, b->idx, r);
	case BLK_IWDG:
		return iwdg_read(e, r);
	case BLK_PWR:
		slot = store_slot(EMU_PERIPH_BASE + off, 0);
		/* F4 PWR_CSR.VOSRDY: the regulator is always ready */
		return (slot ? *slot : 0u) |
		       ((e->b->family == EMU_F4 && r == 4u) ? 1u << 14 : 0u);
	default:
		slot = store_slot(EMU_PERIPH_BASE + off, 0);
		return slot ? *slot : 0;
	}
}

static void periph_write32(struct emu *e, uint32_t off, uint32_t v,
			   uint32_t mask)
{
	const struct blk *b = find_blk(e, off);
	uint32_t r = off & 0x3FFu;
	uint32_t *slot;

	if (!b) {
		warn_block("write to peripheral address",
			   EMU_PERIPH_BASE + off);
		return;
	}
	if (!(b->kind == BLK_IWDG && r == 0 && (v & 0xFFFFu) == 0xAAAAu)) {
		e->activity++; /* a watchdog kick changes nothing */
	}
	if (!clock_on(e, b)) {
		emu_violation(e,
			      "write 0x%08" PRIx32 " to %s+0x%03" PRIx32
			      " with its clock off (%s = 0): ignored",
			      v, b->name, r, clock_bit(e, b));
		return;
	}
	switch (b->kind) {
	case BLK_RCC:
		rcc_write(e, r, v, mask);
		break;
	case BLK_FLASH:
		emu_flashc_write(e, r, v, mask);
		break;
	case BLK_USART1:
		emu_usart_write(e, r, v, mask);
		break;
	case BLK_DMA:
		emu_dma_write(e, b->idx, r, v, mask);
		break;
	case BLK_GPIO:
		gpio_write(e, b->idx, r, v, mask);
		break;
	case BLK_IWDG:
		iwdg_write(e, r, v & mask);
		break;
	default:
		slot = store_slot(EMU_PERIPH_BASE + off, 1);
		if (slot) {
			*slot = (*slot & ~mask) | (v & mask);
		}
		break;
	}
}

uint64_t emu_periph_read(uc_engine *uc, uint64_t off, unsigned size, void *user)
{
	struct emu *e = user;
	uint32_t o = (uint32_t)off;
	uint32_t v = periph_read32(e, o & ~3u);

	(void)uc;
	if (e->nfix) {
		emu_flash_fixup(e); /* stores before this access landed */
	}
	if (e->o->trace_io) {
		fprintf(stderr,
			"iap-emu: io rd 0x%08" PRIx32 " 0x%08" PRIx32 "\n",
			EMU_PERIPH_BASE + o, v);
	}
	v >>= 8u * (o & 3u);
	return size >= 4 ? v : v & ((1u << (8 * size)) - 1u);
}

void emu_periph_write(uc_engine *uc, uint64_t off, unsigned size,
		      uint64_t value, void *user)
{
	struct emu *e = user;
	uint32_t o = (uint32_t)off;
	uint32_t shift = 8u * (o & 3u);
	uint32_t mask =
		size >= 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1u) << shift;

	(void)uc;
	if (e->nfix) {
		emu_flash_fixup(e); /* stores before this access landed */
	}
	if (e->o->trace_io) {
		fprintf(stderr,
			"iap-emu: io wr 0x%08" PRIx32 " 0x%08" PRIx32 "\n",
			EMU_PERIPH_BASE + o, (uint32_t)value);
	}
	periph_write32(e, o & ~3u, (uint32_t)(value << shift), mask);
}

/* ---- device information in system memory --------------------------------- */

uint64_t emu_info_read(uc_engine *uc, uint64_t off, unsigned size, void *user)
{
	struct emu *e = user;
	uint32_t o = (uint32_t)off;
	uint8_t bytes[8] = {0};
	uint32_t size_reg = e->b->family == EMU_F1 ? 0x7E0u : 0xA22u;
	uint32_t uid = e->b->family == EMU_F1 ? 0x7E8u : 0xA10u;
	uint64_t v = 0;

	(void)uc;
	for (unsigned i = 0; i < size && i < sizeof(bytes); i++) {
		uint32_t a = o + i;

		if (a == size_reg || a == size_reg + 1u) {
			uint32_t kib = e->b->flash_size / 1024u;

			bytes[i] = (uint8_t)(a == size_reg ? kib : kib >> 8);
		} else if (a >= uid && a < uid + 12u) {
			bytes[i] = (uint8_t)(0x30u + (a - uid) * 7u);
		} else if (e->b->family == EMU_F1 && a >= EMU_F1_OB_OFFSET &&
			   a < EMU_F1_OB_OFFSET + EMU_OB_SIZE) {
			bytes[i] = emu_ob_read(e, a - EMU_F1_OB_OFFSET);
		} else {
			bytes[i] = 0xFF;
		}
		v |= (uint64_t)bytes[i] << (8 * i);
	}
	return v;
}

void emu_info_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value,
		    void *user)
{
	struct emu *e = user;
	uint32_t o = (uint32_t)off;

	(void)uc;
	if (e->b->family == EMU_F1 && o >= EMU_F1_OB_OFFSET &&
	    o < EMU_F1_OB_OFFSET + EMU_OB_SIZE) {
		emu_ob_store(e, o - EMU_F1_OB_OFFSET, size, value);
		return;
	}
	emu_violation(e, "write to system memory 0x%08" PRIx32,
		      (e->b->family == EMU_F1 ? 0x1FFFF000u : 0x1FFF7000u) +
			      (uint32_t)off);
}
