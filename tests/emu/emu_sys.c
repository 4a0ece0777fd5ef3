/*
 * iap-emu - the private peripheral bus of the Cortex-M3/M4 (ARMv7-M ARM
 * B3.2-B3.4; PM0056, PM0214): SysTick, the SCB (CPUID, ICSR, VTOR, AIRCR,
 * CCR, SHPR), the NVIC registers, the DWT cycle counter and DBGMCU IDCODE.
 * The exceptions themselves are taken in emu_cpu.c.
 */
#include <inttypes.h>
#include <string.h>

#include "emu.h"

#define SYST_CSR_ENABLE	   (1u << 0)
#define SYST_CSR_TICKINT   (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)
#define SYST_CSR_COUNTFLAG (1u << 16)

#define ICSR_NMIPENDSET (1u << 31)
#define ICSR_PENDSVSET	(1u << 28)
#define ICSR_PENDSVCLR	(1u << 27)
#define ICSR_PENDSTSET	(1u << 26)
#define ICSR_PENDSTCLR	(1u << 25)
#define ICSR_ISRPENDING (1u << 22)
#define ICSR_RETTOBASE	(1u << 11)

#define AIRCR_VECTKEY	    0x05FAu
#define AIRCR_VECTKEYSTAT   0xFA050000u
#define AIRCR_PRIGROUP	    (7u << 8)
#define AIRCR_SYSRESETREQ   (1u << 2)
#define AIRCR_VECTCLRACTIVE (1u << 1)
#define AIRCR_VECTRESET	    (1u << 0)

#define PRIO_BITS_MASK 0xF0u /* STM32F1/F4 implement 4 priority bits */

/* Offsets in the PPB (from 0xE0000000). */
#define DWT_CTRL   0x01000u
#define DWT_CYCCNT 0x01004u
#define ICTR	   0x0E004u
#define SYST_CSR   0x0E010u
#define SYST_RVR   0x0E014u
#define SYST_CVR   0x0E018u
#define SYST_CALIB 0x0E01Cu
#define NVIC_ISER  0x0E100u
#define NVIC_ICER  0x0E180u
#define NVIC_ISPR  0x0E200u
#define NVIC_ICPR  0x0E280u
#define NVIC_IABR  0x0E300u
#define NVIC_IPR   0x0E400u
#define SCB_CPUID  0x0ED00u
#define SCB_ICSR   0x0ED04u
#define SCB_VTOR   0x0ED08u
#define SCB_AIRCR  0x0ED0Cu
#define SCB_SCR	   0x0ED10u
#define SCB_CCR	   0x0ED14u
#define SCB_SHPR   0x0ED18u
#define SCB_SHCSR  0x0ED24u
#define SCB_CFSR   0x0ED28u
#define SCB_BFAR   0x0ED38u
#define SCB_CPACR  0x0ED88u
#define SCB_DEMCR  0x0EDFCu
#define NVIC_STIR  0x0EF00u
#define DBGMCU_IDC 0x42000u
#define DBGMCU_CR  0x42004u

void emu_sys_reset(struct emu *e)
{
	memset(&e->st, 0, sizeof(e->st));
	memset(&e->scb, 0, sizeof(e->scb));
	memset(&e->nvic, 0, sizeof(e->nvic));
	e->scb.ccr = e->b->stkalign ? (1u << 9) : 0u;
	e->dwt_ctrl = 0;
	e->dwt_cyccnt = 0;
	e->active = 0;
	memset(e->irq_active, 0, sizeof(e->irq_active));
}

int emu_exc_priority(const struct emu *e, unsigned num)
{
	switch (num) {
	case 1:
		return -3;
	case 2:
		return -2;
	case 3:
		return -1;
	default:
		break;
	}
	if (num < 16) {
		return num >= 4 ? e->scb.shpr[num - 4] : 0;
	}
	return num - 16 < EMU_IRQS ? e->nvic.ipr[num - 16] : 0;
}

/* ---- SysTick --------------------------------------------------------------
 */

static void systick_wrap(struct emu *e)
{
	e->st.csr |= SYST_CSR_COUNTFLAG;
	if (e->st.csr & SYST_CSR_TICKINT) {
		e->scb.pend_st = 1;
	}
}

/*
 * The counter decrements once per clock; at 0 it sets COUNTFLAG (and pends
 * the exception with TICKINT), and the next clock reloads RVR: a period is
 * RVR + 1 clocks (ARMv7-M ARM B3.3.1).
 */
void emu_systick_count(struct emu *e, uint64_t cycles)
{
	struct emu_systick *s = &e->st;
	uint64_t n, period;

	if (!(s->csr & SYST_CSR_ENABLE)) {
		return;
	}
	if (s->csr & SYST_CSR_CLKSOURCE) {
		n = cycles;
	} else {
		uint64_t t = cycles + s->div_rem;

		n = t / 8u;
		s->div_rem = (uint32_t)(t % 8u);
	}
	period = (uint64_t)s->rvr + 1u;
	while (n) {
		if (s->cvr == 0) {
			if (s->rvr == 0) {
				return;
			}
			s->cvr = s->rvr;
			n--;
			continue;
		}
		if (n < s->cvr) {
			s->cvr -= (uint32_t)n;
			return;
		}
		n -= s->cvr;
		s->cvr = 0;
		systick_wrap(e);
		n %= period;
	}
}

uint64_t emu_systick_cycles_to_event(const struct emu *e)
{
	const struct emu_systick *s = &e->st;
	uint64_t counts;

	if ((s->csr & (SYST_CSR_ENABLE | SYST_CSR_TICKINT)) !=
		    (SYST_CSR_ENABLE | SYST_CSR_TICKINT) ||
	    (s->rvr == 0 && s->cvr == 0)) {
		return UINT64_MAX;
	}
	counts = s->cvr ? s->cvr : (uint64_t)s->rvr + 1u;
	if (s->csr & SYST_CSR_CLKSOURCE) {
		return counts;
	}
	return counts * 8u - s->div_rem;
}

/* ---- register access ------------------------------------------------------
 */

static uint32_t icsr_read(struct emu *e)
{
	uint32_t ipsr = emu_reg(e, UC_ARM_REG_XPSR) & 0x1FFu;
	uint32_t v = ipsr;
	unsigned nactive = 0;
	int deliverable = 0;
	int pend = emu_exception_pending(e, &deliverable);

	for (unsigned n = 1; n < 16; n++) {
		nactive += (e->active >> n) & 1u;
	}
	for (unsigned i = 0; i < 3; i++) {
		nactive += (unsigned)__builtin_popcount(e->irq_active[i]);
		if (e->nvic.ispr[i]) {
			v |= ICSR_ISRPENDING;
		}
	}
	if (nactive <= 1) {
		v |= ICSR_RETTOBASE;
	}
	v |= ((uint32_t)pend & 0x1FFu) << 12;
	v |= e->scb.pend_st ? ICSR_PENDSTSET : 0u;
	v |= e->scb.pend_sv ? ICSR_PENDSVSET : 0u;
	v |= e->scb.pend_nmi ? ICSR_NMIPENDSET : 0u;
	return v;
}

static uint32_t sys_read(struct emu *e, uint32_t off)
{
	uint32_t v;

	if (off >= NVIC_ISER && off < NVIC_ISER + 12u) {
		return e->nvic.iser[(off - NVIC_ISER) / 4u];
	}
	if (off >= NVIC_ICER && off < NVIC_ICER + 12u) {
		return e->nvic.iser[(off - NVIC_ICER) / 4u];
	}
	if (off >= NVIC_ISPR && off < NVIC_ISPR + 12u) {
		return e->nvic.ispr[(off - NVIC_ISPR) / 4u];
	}
	if (off >= NVIC_ICPR && off < NVIC_ICPR + 12u) {
		return e->nvic.ispr[(off - NVIC_ICPR) / 4u];
	}
	if (off >= NVIC_IABR && off < NVIC_IABR + 12u) {
		return e->irq_active[(off - NVIC_IABR) / 4u];
	}
	if (off >= NVIC_IPR && off < NVIC_IPR + EMU_IRQS) {
		const uint8_t *p = &e->nvic.ipr[off - NVIC_IPR];

		return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	}
	if (off >= SCB_SHPR && off < SCB_SHPR + 12u) {
		const uint8_t *p = &e->scb.shpr[off - SCB_SHPR];

		return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	}
	switch (off) {
	case DWT_CTRL:
		return e->dwt_ctrl;
	case DWT_CYCCNT:
		emu_sync(e);
		return e->dwt_cyccnt;
	case ICTR:
		return (EMU_IRQS / 32u) - 1u;
	case SYST_CSR:
		emu_sync(e);
		v = e->st.csr;
		e->st.csr &= ~SYST_CSR_COUNTFLAG;
		return v;
	case SYST_RVR:
		return e->st.rvr;
	case SYST_CVR:
		emu_sync(e);
		return e->st.cvr;
	case SYST_CALIB:
		/* TENMS: 1 ms at the highest HCLK / 8 */
		return e->b->max_sysclk_hz / 8000u - 1u;
	case SCB_CPUID:
		return e->b->cpuid;
	case SCB_ICSR:
		emu_sync(e);
		return icsr_read(e);
	case SCB_VTOR:
		return e->scb.vtor;
	case SCB_AIRCR:
		return AIRCR_VECTKEYSTAT | (e->scb.aircr & AIRCR_PRIGROUP);
	case SCB_SCR:
		return e->scb.scr;
	case SCB_CCR:
		return e->scb.ccr;
	case SCB_SHCSR:
		return e->scb.shcsr;
	case SCB_CPACR:
		return e->scb.cpacr;
	case SCB_DEMCR:
		return e->scb.demcr;
	case DBGMCU_IDC:
		return e->b->idcode;
	default:
		break;
	}
	if (off >= SCB_CFSR && off <= SCB_BFAR) {
		return 0; /* no fault is ever recorded */
	}
	return 0;
}

static void aircr_write(struct emu *e, uint32_t v)
{
	if ((v >> 16) != AIRCR_VECTKEY) {
		emu_violation(e,
			      "write 0x%08" PRIx32
			      " to SCB_AIRCR without VECTKEY 0x05FA: "
			      "ignored",
			      v);
		return;
	}
	e->scb.aircr = v & AIRCR_PRIGROUP;
	if (v & AIRCR_VECTCLRACTIVE) {
		e->active = 0;
		memset(e->irq_active, 0, sizeof(e->irq_active));
	}
	if (v & (AIRCR_SYSRESETREQ | AIRCR_VECTRESET)) {
		e->reset_req = 1;
		e->reset_why =
			(v & AIRCR_SYSRESETREQ) ? "SYSRESETREQ" : "VECTRESET";
		emu_request_stop(e);
	}
}

static void vtor_write(struct emu *e, uint32_t v)
{
	uint32_t mask =
		e->b->cpu == UC_CPU_ARM_CORTEX_M3 ? 0x3FFFFF80u : 0xFFFFFF80u;

	/* 68 (F1) or 98 (F4) vectors: the table size rounded up to a power
	 * of two is 512 bytes, the alignment VTOR needs (PM0056 4.4.4). */
	if (v & 0x1FFu) {
		emu_violation(e,
			      "VTOR = 0x%08" PRIx32
			      ": not aligned to 512 bytes, vectors would "
			      "be fetched from the wrong place",
			      v);
	}
	if ((v & mask) != v) {
		emu_violation(e, "VTOR = 0x%08" PRIx32 ": bits outside TBLOFF",
			      v);
	}
	e->scb.vtor = v & mask;
}

static void icsr_write(struct emu *e, uint32_t v)
{
	if (v & ICSR_NMIPENDSET) {
		e->scb.pend_nmi = 1;
	}
	if (v & ICSR_PENDSVSET) {
		e->scb.pend_sv = 1;
	}
	if (v & ICSR_PENDSVCLR) {
		e->scb.pend_sv = 0;
	}
	if (v & ICSR_PENDSTSET) {
		e->scb.pend_st = 1;
	}
	if (v & ICSR_PENDSTCLR) {
		e->scb.pend_st = 0;
	}
	emu_request_stop(e);
}

static void sys_write_bytes(uint8_t *p, uint32_t v, uint32_t mask)
{
	for (unsigned i = 0; i < 4; i++) {
		if (mask & (0xFFu << (8 * i))) {
			p[i] = (uint8_t)((v >> (8 * i)) & PRIO_BITS_MASK);
		}
	}
}

static void sys_write(struct emu *e, uint32_t off, uint32_t v, uint32_t mask)
{
	if (off >= NVIC_IPR && off < NVIC_IPR + EMU_IRQS) {
		sys_write_bytes(&e->nvic.ipr[off - NVIC_IPR], v, mask);
		return;
	}
	if (off >= SCB_SHPR && off < SCB_SHPR + 12u) {
		sys_write_bytes(&e->scb.shpr[off - SCB_SHPR], v, mask);
		return;
	}
	v &= mask;
	if (off >= NVIC_ISER && off < NVIC_ISER + 12u) {
		e->nvic.iser[(off - NVIC_ISER) / 4u] |= v;
		emu_request_stop(e);
		return;
	}
	if (off >= NVIC_ICER && off < NVIC_ICER + 12u) {
		e->nvic.iser[(off - NVIC_ICER) / 4u] &= ~v;
		return;
	}
	if (off >= NVIC_ISPR && off < NVIC_ISPR + 12u) {
		e->nvic.ispr[(off - NVIC_ISPR) / 4u] |= v;
		emu_request_stop(e);
		return;
	}
	if (off >= NVIC_ICPR && off < NVIC_ICPR + 12u) {
		e->nvic.ispr[(off - NVIC_ICPR) / 4u] &= ~v;
		return;
	}
	switch (off) {
	case DWT_CTRL:
		emu_sync(e);
		e->dwt_ctrl = v & 1u;
		break;
	case DWT_CYCCNT:
		emu_sync(e);
		e->dwt_cyccnt = v;
		break;
	case SYST_CSR:
		emu_sync(e);
		e->st.csr = (e->st.csr & SYST_CSR_COUNTFLAG) | (v & 7u);
		emu_request_stop(e);
		break;
	case SYST_RVR:
		emu_sync(e);
		e->st.rvr = v & 0xFFFFFFu;
		emu_request_stop(e);
		break;
	case SYST_CVR:
		/* Any write clears the counter and COUNTFLAG. */
		emu_sync(e);
		e->st.cvr = 0;
		e->st.csr &= ~SYST_CSR_COUNTFLAG;
		emu_request_stop(e);
		break;
	case SCB_ICSR:
		icsr_write(e, v);
		break;
	case SCB_VTOR:
		vtor_write(e, v);
		break;
	case SCB_AIRCR:
		aircr_write(e, v);
		break;
	case SCB_SCR:
		e->scb.scr = v & 0x16u;
		break;
	case SCB_CCR:
		e->scb.ccr = v & 0x31Bu;
		break;
	case SCB_SHCSR:
		e->scb.shcsr = v & 0x70000u;
		break;
	case SCB_CPACR:
		e->scb.cpacr = e->b->family == EMU_F4 ? v & 0x00F00000u : 0u;
		break;
	case SCB_DEMCR:
		e->scb.demcr = v;
		break;
	case NVIC_STIR:
		if ((v & 0x1FFu) < EMU_IRQS) {
			e->nvic.ispr[(v & 0x1FFu) / 32u] |= 1u << (v % 32u);
			emu_request_stop(e);
		}
		break;
	default:
		/* CFSR/HFSR (write-1-to-clear of flags never set), DBGMCU_CR,
		 * FPU and debug registers: accepted. */
		break;
	}
}

static void trace_io(const struct emu *e, const char *dir, uint32_t addr,
		     uint32_t v)
{
	if (e->o->trace_io) {
		fprintf(stderr,
			"iap-emu: io %s 0x%08" PRIx32 " 0x%08" PRIx32 "\n", dir,
			addr, v);
	}
}

uint64_t emu_ppb_read(uc_engine *uc, uint64_t off, unsigned size, void *user)
{
	struct emu *e = user;
	uint32_t o = (uint32_t)off;
	uint32_t shift = 8u * (o & 3u);
	uint32_t v = sys_read(e, o & ~3u);

	(void)uc;
	if (e->nfix) {
		emu_flash_fixup(e); /* stores before this access landed */
	}
	trace_io(e, "rd", EMU_PPB_BASE + o, v);
	v >>= shift;
	return size >= 4 ? v : v & ((1u << (8 * size)) - 1u);
}

void emu_ppb_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value,
		   void *user)
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
	trace_io(e, "wr", EMU_PPB_BASE + o, (uint32_t)value);
	e->activity++;
	sys_write(e, o & ~3u, (uint32_t)(value << shift), mask);
}
