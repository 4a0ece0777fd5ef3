/*
 * iapboot - the STM32F1 flash program/erase controller (PM0075): pages of
 * equal size, programmed a half-word at a time. One driver for every F1;
 * the geometry comes from the board's layout.h.
 *
 * Each operation unlocks the controller, runs, and locks it again, so a
 * stray write elsewhere in the bootloader cannot reach the flash. Waits on
 * BSY are bounded (the CPU stalls while the flash is busy, so they rarely
 * turn) and kick the watchdog. Errors map to IAP_ERR_*: write protection
 * -> IAP_ERR_PERM, a unit not erased -> IAP_ERR_NOTERASED, BSY stuck ->
 * IAP_ERR_TIMEDOUT, a read-back that differs -> IAP_ERR_IO.
 *
 * XL-density parts (768 KiB, 1 MiB) have a second bank with its own
 * registers at +0x40; it is not handled yet, so their layout must keep
 * the application slot in the first 512 KiB.
 */
#include "iap/iap_err.h"
#include "stm32_port.h"

/* Half-word program 70 us max, page erase 40 ms max (DS5319). */
#define F1_SPINS_PROG  0x00010000u
#define F1_SPINS_ERASE 0x00400000u

#define F1_SR_ERRORS (FLASH_SR_PGERR | FLASH_SR_WRPRTERR)

static const struct iap_flash_region f1_regions[] = {IAP_LAYOUT_REGIONS};

static void f1_lock(void)
{
	FLASH_CR = FLASH_CR_LOCK; /* also clears PG and PER */
}

static int f1_unlock(void)
{
	/* A key written while unlocked would lock the controller until the
	 * next reset, so only when LOCK is set. */
	if (FLASH_CR & FLASH_CR_LOCK) {
		FLASH_KEYR = FLASH_KEYR_KEY1;
		FLASH_KEYR = FLASH_KEYR_KEY2;
	}
	if (FLASH_CR & FLASH_CR_LOCK) {
		return IAP_ERR_IO;
	}
	if (stm32_wait(&FLASH_SR, FLASH_SR_BSY, 0, F1_SPINS_PROG)) {
		f1_lock();
		return IAP_ERR_TIMEDOUT;
	}
	/* Flags of an earlier operation must not be taken for ours. */
	FLASH_SR = F1_SR_ERRORS | FLASH_SR_EOP;
	return 0;
}

static int f1_wait(uint32_t spins)
{
	uint32_t sr;

	if (stm32_wait(&FLASH_SR, FLASH_SR_BSY, 0, spins)) {
		return IAP_ERR_TIMEDOUT;
	}
	sr = FLASH_SR;
	FLASH_SR = F1_SR_ERRORS | FLASH_SR_EOP;
	if (sr & FLASH_SR_WRPRTERR) {
		return IAP_ERR_PERM;
	}
	if (sr & FLASH_SR_PGERR) {
		return IAP_ERR_NOTERASED;
	}
	return 0;
}

static int f1_erased(uint32_t addr, uint32_t size)
{
	const volatile uint32_t *p = (const volatile uint32_t *)(uintptr_t)addr;

	for (uint32_t i = 0; i < size / 4u; i++) {
		if (p[i] != 0xFFFFFFFFu) {
			return 0;
		}
	}
	return 1;
}

static int f1_erase(void *ctx, uint32_t addr)
{
	uint32_t start, size;
	int err;

	(void)ctx;
	err = iap_flash_sector(&stm32_flash, addr, &start, &size);
	if (!err && start != addr) {
		err = IAP_ERR_ALIGN;
	}
	if (!err) {
		err = stm32_flash_writable(addr, size);
	}
	if (!err) {
		err = f1_unlock();
	}
	if (!err) {
		FLASH_CR = FLASH_CR_PER;
		FLASH_AR = addr;
		FLASH_CR = FLASH_CR_PER | FLASH_CR_STRT;
		err = f1_wait(F1_SPINS_ERASE);
		f1_lock();
	}
	if (!err && !f1_erased(addr, size)) {
		err = IAP_ERR_IO;
	}
	return err;
}

/*
 * The controller itself refuses a non-erased half-word (PGERR), except
 * when 0x0000 is written: the check in software keeps the NOR rule of
 * iap_flash.h for every value.
 */
static int f1_prog_half(uint32_t addr, uint16_t v)
{
	volatile uint16_t *p = (volatile uint16_t *)(uintptr_t)addr;
	int err;

	if (*p != 0xFFFFu) {
		return IAP_ERR_NOTERASED;
	}
	*p = v;
	err = f1_wait(F1_SPINS_PROG);
	if (!err && *p != v) {
		err = IAP_ERR_IO;
	}
	return err;
}

static int f1_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
	const uint8_t *src = buf;
	int err;

	(void)ctx;
	if ((addr | len) & 1u) {
		return IAP_ERR_ALIGN;
	}
	err = stm32_flash_writable(addr, len);
	if (!err) {
		err = f1_unlock();
	}
	if (err) {
		return err;
	}
	FLASH_CR = FLASH_CR_PG;
	for (uint32_t i = 0; i < len && !err; i += 2u) {
		/* buf may be unaligned: assemble the half-word from bytes. */
		err = f1_prog_half(addr + i,
				   (uint16_t)(src[i] | (src[i + 1u] << 8)));
	}
	f1_lock();
	return err;
}

const struct iap_flash stm32_flash = {
	.ctx = 0,
	.regions = f1_regions,
	.region_count = sizeof(f1_regions) / sizeof(f1_regions[0]),
	.write_size = IAP_LAYOUT_WRITE_SIZE,
	.read = stm32_flash_read,
	.prog = f1_prog,
	.erase = f1_erase,
};

#if IAP_CFG_WRP
/* The protection must end where the bootloader does: past it the metadata
 * page follows, which the bootloader writes. */
#if IAP_LAYOUT_BOOT_SIZE % OB_WRP_UNIT != 0 || \
	IAP_LAYOUT_BOOT_SIZE / OB_WRP_UNIT > 31
#error "IAP_CFG_WRP: on the F1 the bootloader region must be whole 4 KiB units (at most 124 KiB)"
#endif
#define F1_WRP_BOOT ((1u << (IAP_LAYOUT_BOOT_SIZE / OB_WRP_UNIT)) - 1u)

/*
 * The option bytes are erased as a whole (OPTER) and programmed again a
 * byte at a time (OPTPG) with what was loaded at reset, the WRP bits of
 * the bootloader cleared. Erased, RDP would read as protected at the next
 * reset: it goes back first, as level 0 (a chip with the read protection
 * on is left alone).
 */
int stm32_flash_wrp_boot(void)
{
	uint32_t wrpr = FLASH_WRPR;
	uint32_t obr = FLASH_OBR;
	uint8_t ob[8];
	int err;

	if (!(wrpr & F1_WRP_BOOT)) {
		return 0;
	}
	if (obr & FLASH_OBR_RDPRT) {
		return IAP_ERR_PERM;
	}
	wrpr &= ~F1_WRP_BOOT;
	ob[0] = OB_RDP_OFF;
	ob[1] = (uint8_t)FLASH_OBR_USER(obr);
	ob[2] = (uint8_t)FLASH_OBR_DATA0(obr);
	ob[3] = (uint8_t)FLASH_OBR_DATA1(obr);
	for (uint32_t i = 0; i < 4u; i++) {
		ob[4u + i] = (uint8_t)(wrpr >> (8u * i));
	}
	err = f1_unlock();
	if (!err) {
		FLASH_OPTKEYR = FLASH_KEYR_KEY1;
		FLASH_OPTKEYR = FLASH_KEYR_KEY2;
		err = (FLASH_CR & FLASH_CR_OPTWRE) ? 0 : IAP_ERR_IO;
	}
	if (!err) {
		FLASH_CR = FLASH_CR_OPTWRE | FLASH_CR_OPTER;
		FLASH_CR = FLASH_CR_OPTWRE | FLASH_CR_OPTER | FLASH_CR_STRT;
		err = f1_wait(F1_SPINS_ERASE);
	}
	if (!err) {
		FLASH_CR = FLASH_CR_OPTWRE | FLASH_CR_OPTPG;
	}
	for (uint32_t i = 0; i < sizeof(ob) && !err; i++) {
		OB_HALF(i) = ob[i];
		err = f1_wait(F1_SPINS_PROG);
		if (!err && (OB_HALF(i) & 0xFFu) != ob[i]) {
			err = IAP_ERR_IO;
		}
	}
	f1_lock(); /* also clears OPTWRE */
	return err ? err : 1;
}
#endif
