/*
 * iapboot - the STM32F4 flash controller (RM0090 chapter 3): sectors of
 * unequal size (4 x 16K, 1 x 64K, 7 x 128K per MiB), erased by sector
 * number and programmed a word at a time (PSIZE x32, for a supply of
 * 2.7-3.6 V). One driver for every F4; the geometry comes from the board's
 * layout.h, and sector numbers are counted along it.
 *
 * Each operation unlocks the controller, runs, and locks it again. Waits on
 * BSY are bounded and kick the watchdog. Errors map to IAP_ERR_*: write
 * protection -> IAP_ERR_PERM, alignment or parallelism -> IAP_ERR_ALIGN,
 * sequence or operation error -> IAP_ERR_IO, a unit not erased ->
 * IAP_ERR_NOTERASED, BSY stuck -> IAP_ERR_TIMEDOUT, a read-back that
 * differs -> IAP_ERR_IO.
 */
#include "iap/iap_err.h"
#include "stm32_port.h"

/* Word program 100 us max, 128 KiB sector erase 2 s max at x32 (DS8626).
 * The CPU stalls while the flash is busy, so these rarely turn. */
#define F4_SPINS_PROG  0x00010000u
#define F4_SPINS_ERASE 0x04000000u

#define F4_SR_ERRORS                                          \
	(FLASH_SR_OPERR | FLASH_SR_WRPERR | FLASH_SR_PGAERR | \
	 FLASH_SR_PGPERR | FLASH_SR_PGSERR)

/* Sectors per bank on 1 MiB parts; the second bank's SNB starts at 16. */
#define F4_BANK_SECTORS 12u
#define F4_BANK2_SNB	16u

static const struct iap_flash_region f4_regions[] = {IAP_LAYOUT_REGIONS};

static void f4_lock(void)
{
	FLASH_CR = FLASH_CR_LOCK; /* also clears PG, SER and SNB */
}

static int f4_unlock(void)
{
	/* A wrong key sequence is a bus error: only when LOCK is set. */
	if (FLASH_CR & FLASH_CR_LOCK) {
		FLASH_KEYR = FLASH_KEYR_KEY1;
		FLASH_KEYR = FLASH_KEYR_KEY2;
	}
	if (FLASH_CR & FLASH_CR_LOCK) {
		return IAP_ERR_IO;
	}
	if (stm32_wait(&FLASH_SR, FLASH_SR_BSY, 0, F4_SPINS_PROG)) {
		f4_lock();
		return IAP_ERR_TIMEDOUT;
	}
	/* Flags of an earlier operation must not be taken for ours. */
	FLASH_SR = F4_SR_ERRORS | FLASH_SR_EOP;
	return 0;
}

static int f4_wait(uint32_t spins)
{
	uint32_t sr;

	if (stm32_wait(&FLASH_SR, FLASH_SR_BSY, 0, spins)) {
		return IAP_ERR_TIMEDOUT;
	}
	sr = FLASH_SR;
	FLASH_SR = F4_SR_ERRORS | FLASH_SR_EOP;
	if (sr & FLASH_SR_WRPERR) {
		return IAP_ERR_PERM;
	}
	if (sr & (FLASH_SR_PGAERR | FLASH_SR_PGPERR)) {
		return IAP_ERR_ALIGN;
	}
	if (sr & (FLASH_SR_PGSERR | FLASH_SR_OPERR)) {
		return IAP_ERR_IO;
	}
	return 0;
}

/* The SNB of the sector that starts at addr, counted along the regions. */
static int f4_sector_number(uint32_t addr, uint32_t *snb, uint32_t *size)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < sizeof(f4_regions) / sizeof(f4_regions[0]);
	     i++) {
		const struct iap_flash_region *r = &f4_regions[i];
		uint32_t off = addr - r->addr;

		if (addr >= r->addr && off / r->sector_size < r->count) {
			if (off % r->sector_size) {
				return IAP_ERR_ALIGN;
			}
			n += off / r->sector_size;
			*snb = n < F4_BANK_SECTORS
				       ? n
				       : n - F4_BANK_SECTORS + F4_BANK2_SNB;
			*size = r->sector_size;
			return 0;
		}
		n += r->count;
	}
	return IAP_ERR_FAULT;
}

static int f4_erased(uint32_t addr, uint32_t size)
{
	const volatile uint32_t *p = (const volatile uint32_t *)(uintptr_t)addr;

	for (uint32_t i = 0; i < size / 4u; i++) {
		if (p[i] != 0xFFFFFFFFu) {
			return 0;
		}
	}
	return 1;
}

static int f4_erase(void *ctx, uint32_t addr)
{
	uint32_t snb = 0, size = 0;
	int err;

	(void)ctx;
	err = f4_sector_number(addr, &snb, &size);
	if (!err) {
		err = stm32_flash_writable(addr, size);
	}
	if (!err) {
		err = f4_unlock();
	}
	if (!err) {
		FLASH_CR =
			FLASH_CR_PSIZE_X32 | FLASH_CR_SER | FLASH_CR_SNB(snb);
		FLASH_CR = FLASH_CR_PSIZE_X32 | FLASH_CR_SER |
			   FLASH_CR_SNB(snb) | FLASH_CR_STRT;
		err = f4_wait(F4_SPINS_ERASE);
		f4_lock();
	}
	if (!err && !f4_erased(addr, size)) {
		err = IAP_ERR_IO;
	}
	return err;
}

/* The controller does not refuse to program a non-erased word (it only
 * clears bits): the NOR rule of iap_flash.h is checked here. */
static int f4_prog_word(uint32_t addr, uint32_t v)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)addr;
	int err;

	if (*p != 0xFFFFFFFFu) {
		return IAP_ERR_NOTERASED;
	}
	*p = v;
	err = f4_wait(F4_SPINS_PROG);
	if (!err && *p != v) {
		err = IAP_ERR_IO;
	}
	return err;
}

static int f4_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
	const uint8_t *src = buf;
	int err;

	(void)ctx;
	if ((addr | len) & 3u) {
		return IAP_ERR_ALIGN;
	}
	err = stm32_flash_writable(addr, len);
	if (!err) {
		err = f4_unlock();
	}
	if (err) {
		return err;
	}
	FLASH_CR = FLASH_CR_PSIZE_X32 | FLASH_CR_PG;
	for (uint32_t i = 0; i < len && !err; i += 4u) {
		/* buf may be unaligned: assemble the word from bytes. */
		err = f4_prog_word(addr + i,
				   (uint32_t)src[i] |
					   (uint32_t)src[i + 1u] << 8 |
					   (uint32_t)src[i + 2u] << 16 |
					   (uint32_t)src[i + 3u] << 24);
	}
	f4_lock();
	return err;
}

const struct iap_flash stm32_flash = {
	.ctx = 0,
	.regions = f4_regions,
	.region_count = sizeof(f4_regions) / sizeof(f4_regions[0]),
	.write_size = IAP_LAYOUT_WRITE_SIZE,
	.read = stm32_flash_read,
	.prog = f4_prog,
	.erase = f4_erase,
};

#if IAP_CFG_WRP
/* The protection must end where the bootloader does: on a sector boundary
 * (sectors of 16, 16, 16, 16, 64, then 128 KiB). */
#if !(IAP_LAYOUT_BOOT_SIZE % 0x4000 == 0 && \
      IAP_LAYOUT_BOOT_SIZE <= 0x10000) &&   \
	IAP_LAYOUT_BOOT_SIZE % 0x20000 != 0
#error "IAP_CFG_WRP: on the F4 the bootloader region must be whole sectors"
#endif

/*
 * OPTCR holds the option bytes as loaded; OPTSTRT erases and programs them
 * all from it, so only the nWRP bits of the bootloader's sectors change.
 */
int stm32_flash_wrp_boot(void)
{
	uint32_t optcr = FLASH_OPTCR;
	uint32_t snb = 0, size = 0, want;
	int err;

	/* The sectors below the first one past the bootloader. */
	err = f4_sector_number(IAP_LAYOUT_BOOT_ADDR + IAP_LAYOUT_BOOT_SIZE,
			       &snb, &size);
	if (err || snb >= F4_BANK_SECTORS) {
		return err ? err : IAP_ERR_FAULT;
	}
	want = FLASH_OPTCR_NWRP(0) * ((1u << snb) - 1u);
	if (!(optcr & want)) {
		return 0;
	}
	if ((optcr & FLASH_OPTCR_RDP_MASK) == FLASH_OPTCR_RDP_L2) {
		return IAP_ERR_PERM;
	}
	if (optcr & FLASH_OPTCR_OPTLOCK) {
		FLASH_OPTKEYR = FLASH_OPTKEYR_OPTKEY1;
		FLASH_OPTKEYR = FLASH_OPTKEYR_OPTKEY2;
	}
	if (FLASH_OPTCR & FLASH_OPTCR_OPTLOCK) {
		return IAP_ERR_IO;
	}
	if (stm32_wait(&FLASH_SR, FLASH_SR_BSY, 0, F4_SPINS_PROG)) {
		err = IAP_ERR_TIMEDOUT;
	} else {
		FLASH_SR = F4_SR_ERRORS | FLASH_SR_EOP;
		optcr &= ~(want | FLASH_OPTCR_OPTLOCK);
		FLASH_OPTCR = optcr;
		FLASH_OPTCR = optcr | FLASH_OPTCR_OPTSTRT;
		err = f4_wait(F4_SPINS_ERASE);
	}
	FLASH_OPTCR |= FLASH_OPTCR_OPTLOCK;
	return err ? err : 1;
}
#endif
