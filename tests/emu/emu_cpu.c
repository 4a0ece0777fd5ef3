/*
 * iap-emu - the core: the Unicorn engine with the board's memory map and
 * hooks, emulated time, and the exception model Unicorn leaves out (it has
 * no NVIC): entry pushes the 8-word frame and vectors through VTOR, a
 * branch to EXC_RETURN arrives in the interrupt hook as EXCP_EXCEPTION_EXIT
 * and pops it (ARMv7-M ARM, B1.5.6 and B1.5.8).
 *
 * A stop must never be asked for from a memory or MMIO hook with
 * uc_emu_stop(): Unicorn then restarts the instruction that was being
 * executed, so its store or register access would happen twice. Hooks set
 * stop_at instead, and the code hook of the next instruction stops there.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "emu.h"

/* QEMU's exception numbers as the interrupt hook receives them. */
#define EXCP_UDEF	    1
#define EXCP_SWI	    2
#define EXCP_PREFETCH_ABORT 3
#define EXCP_DATA_ABORT	    4
#define EXCP_BKPT	    7
#define EXCP_EXCEPTION_EXIT 8
#define EXCP_NOCP	    17
#define EXCP_INVSTATE	    18
#define EXCP_STKOF	    19
#define EXCP_UNALIGNED	    22

#define EXC_NMI	    2u
#define EXC_SVCALL  11u
#define EXC_PENDSV  14u
#define EXC_SYSTICK 15u

#define XPSR_T	      (1u << 24)
#define XPSR_STKALIGN (1u << 9)
#define XPSR_KEEP     0xF80F0000u /* N Z C V Q and GE */
#define CCR_STKALIGN  (1u << 9)

#define SEMIHOST_BKPT 0xBEABu

#define MAX_VIOLATIONS_SHOWN 20u

/* ---- messages ---------------------------------------------------------- */

void emu_say(const struct emu *e, const char *fmt, ...)
{
	va_list ap;

	if (e->o->quiet) {
		return;
	}
	va_start(ap, fmt);
	fputs("iap-emu: ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

void emu_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fputs("iap-emu: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void emu_request_stop(struct emu *e)
{
	e->stop_at = 0;
}

void emu_fault(struct emu *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->fault) {
		va_start(ap, fmt);
		vsnprintf(e->fault_msg, sizeof(e->fault_msg), fmt, ap);
		va_end(ap);
		e->fault = 1;
	}
	e->exit_code = EMU_EXIT_ERROR;
	emu_request_stop(e);
}

void emu_violation(struct emu *e, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->violations++;
	if (e->violations <= MAX_VIOLATIONS_SHOWN) {
		emu_warn("firmware: %s (code block at 0x%08" PRIx32 ")", msg,
			 e->pc);
	} else if (e->violations == MAX_VIOLATIONS_SHOWN + 1) {
		emu_warn("firmware: further violations not shown");
	}
	if (e->o->strict) {
		emu_fault(e, "%s (--strict)", msg);
	}
}

/* ---- registers ---------------------------------------------------------- */

uint32_t emu_reg(struct emu *e, int reg)
{
	uint32_t v = 0;

	uc_reg_read(e->uc, reg, &v);
	return v;
}

static void set_reg(struct emu *e, int reg, uint32_t v)
{
	uc_reg_write(e->uc, reg, &v);
}

void emu_dump_regs(struct emu *e, FILE *out)
{
	static const char *const names[] = {
		"r0", "r1", "r2",  "r3",  "r4",	 "r5", "r6", "r7",
		"r8", "r9", "r10", "r11", "r12", "sp", "lr", "pc"};
	static const int ids[] = {
		UC_ARM_REG_R0,	UC_ARM_REG_R1, UC_ARM_REG_R2,  UC_ARM_REG_R3,
		UC_ARM_REG_R4,	UC_ARM_REG_R5, UC_ARM_REG_R6,  UC_ARM_REG_R7,
		UC_ARM_REG_R8,	UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
		UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR,  UC_ARM_REG_PC,
	};

	if (!e->uc) {
		return;
	}
	for (unsigned i = 0; i < 16; i++) {
		fprintf(out, "  %-4s 0x%08" PRIx32 "%s", names[i],
			emu_reg(e, ids[i]), i % 4 == 3 ? "\n" : "");
	}
	fprintf(out,
		"  xpsr 0x%08" PRIx32 "  msp 0x%08" PRIx32 "  psp 0x%08" PRIx32
		"  control 0x%" PRIx32 "\n",
		emu_reg(e, UC_ARM_REG_XPSR), emu_reg(e, UC_ARM_REG_MSP),
		emu_reg(e, UC_ARM_REG_PSP), emu_reg(e, UC_ARM_REG_CONTROL));
	fprintf(out,
		"  primask %" PRIu32 "  basepri 0x%" PRIx32
		"  faultmask %" PRIu32 "  vtor 0x%08" PRIx32 "\n",
		emu_reg(e, UC_ARM_REG_PRIMASK), emu_reg(e, UC_ARM_REG_BASEPRI),
		emu_reg(e, UC_ARM_REG_FAULTMASK), e->scb.vtor);
	fprintf(out, "  last blocks run:");
	for (uint64_t i = 16; i > 0; i--) {
		if (e->blocks >= i) {
			fprintf(out, " %08" PRIx32,
				e->last_pc[(e->blocks - i) & 15u]);
		}
	}
	fprintf(out, "\n  %" PRIu64 " instructions since reset, %.3f ms\n",
		e->insns - e->reset_insns,
		(double)(e->now_ps - e->reset_ps) / (double)EMU_PS_PER_MS);
}

/* ---- time --------------------------------------------------------------- */

uint64_t emu_cycles_to_ps(const struct emu *e, uint64_t cycles)
{
	return cycles * e->mps_per_cycle / 1000u;
}

uint64_t emu_ps_to_cycles(const struct emu *e, uint64_t ps)
{
	return ps * 1000u / e->mps_per_cycle;
}

static void irq_update(struct emu *e)
{
	uint32_t lines[3] = {0, 0, 0};

	emu_usart_irq(e, lines);
	for (unsigned i = 0; i < 3; i++) {
		e->nvic.ispr[i] |= lines[i] & ~e->irq_active[i];
	}
}

void emu_sync(struct emu *e)
{
	uint64_t d = e->insns - e->synced_insns;
	int deliverable = 0;

	if (d) {
		uint64_t t = d * e->mps_per_cycle + e->mps_rem;

		e->now_ps += t / 1000u;
		e->mps_rem = t % 1000u;
		e->synced_insns = e->insns;
		emu_systick_count(e, d);
		if (e->dwt_ctrl & 1u) {
			e->dwt_cyccnt += (uint32_t)d;
		}
	}
	emu_flashc_update(e);
	emu_usart_update(e);
	emu_iwdg_update(e);
	if (e->irq_sources) {
		irq_update(e);
	}
	if (emu_exception_pending(e, &deliverable) && deliverable) {
		emu_request_stop(e);
	}
}

void emu_stall(struct emu *e, uint64_t ps)
{
	uint64_t cycles;

	emu_sync(e);
	cycles = emu_ps_to_cycles(e, ps);
	e->now_ps += ps;
	e->stall_ps += ps;
	emu_systick_count(e, cycles);
	if (e->dwt_ctrl & 1u) {
		e->dwt_cyccnt += (uint32_t)cycles;
	}
	emu_sync(e);
	emu_request_stop(e);
}

static uint64_t real_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The next moment something changes that the firmware could see. */
static uint64_t next_event_ps(struct emu *e)
{
	uint64_t t = UINT64_MAX, c = emu_systick_cycles_to_event(e);

	if (c != UINT64_MAX) {
		t = e->now_ps + emu_cycles_to_ps(e, c);
	}
	if (e->line.len && e->line.head_end_ps < t) {
		t = e->line.head_end_ps;
	}
	if (e->us.tx_busy && e->us.tx_end_ps < t) {
		t = e->us.tx_end_ps;
	}
	if (e->fc.busy_end_ps && e->fc.busy_end_ps < t) {
		t = e->fc.busy_end_ps;
	}
	if (e->iwdg.started && e->iwdg.deadline_ps < t) {
		t = e->iwdg.deadline_ps;
	}
	return t;
}

/*
 * A status register read that returns what the last one returned, with
 * nothing done in between, is a busy-wait: until the next event the
 * firmware would only spin. When emulation lags real time (a sanitizer
 * build, a slow host), skip that time instead of running the spin, so the
 * host on the pseudo-terminal sees a device that keeps up. Never with
 * --exact or --speed 0: then every cycle is an instruction.
 * Returns 1 if time moved.
 */
int emu_idle_poll(struct emu *e, uint32_t addr, uint32_t value)
{
	int same = addr == e->poll_addr && value == e->poll_val &&
		   e->activity == e->poll_act;
	double lag_ns;
	uint64_t t, cap;

	e->poll_addr = addr;
	e->poll_val = value;
	e->poll_act = e->activity;
	if (!same || e->o->exact || e->o->speed <= 0) {
		return 0;
	}
	lag_ns = (double)(real_now_ns() - e->real_t0_ns) * e->o->speed -
		 (double)(e->now_ps / 1000u);
	if (lag_ns < 5e6) {
		return 0;
	}
	t = next_event_ps(e);
	cap = e->now_ps + (uint64_t)(lag_ns * 1000.0);
	t = t < cap ? t : cap;
	if (t == UINT64_MAX || t <= e->now_ps) {
		return 0;
	}
	{
		uint64_t ps = t - e->now_ps;
		uint64_t cycles = emu_ps_to_cycles(e, ps);

		e->now_ps = t;
		e->idle_ps += ps;
		emu_systick_count(e, cycles);
		if (e->dwt_ctrl & 1u) {
			e->dwt_cyccnt += (uint32_t)cycles;
		}
	}
	emu_sync(e);
	return 1;
}

/*
 * WFI/WFE: Unicorn returns from uc_emu_start() past the instruction. The
 * core sleeps until the next event that can pend an exception (ARMv7-M ARM
 * B1.5.19): time moves to it. Returns 0, or -1 (fault) when nothing could
 * ever wake the core.
 */
int emu_sleep(struct emu *e)
{
	int deliverable = 0;
	uint64_t t;

	emu_sync(e);
	if (emu_exception_pending(e, &deliverable)) {
		return 0; /* a pending exception wakes it at once */
	}
	t = next_event_ps(e);
	if (t == UINT64_MAX && e->irq_sources && e->line.open) {
		/* A byte from the host may wake it: look again in 1 ms */
		t = e->now_ps + EMU_PS_PER_MS;
	}
	if (t == UINT64_MAX) {
		emu_fault(e, "WFI/WFE with nothing enabled that could wake the "
			     "core (it would sleep forever)");
		return -1;
	}
	if (t > e->now_ps) {
		uint64_t ps = t - e->now_ps;
		uint64_t cycles = emu_ps_to_cycles(e, ps);

		e->now_ps = t;
		e->sleep_ps += ps;
		emu_systick_count(e, cycles);
		if (e->dwt_ctrl & 1u) {
			e->dwt_cyccnt += (uint32_t)cycles;
		}
		emu_sync(e);
	}
	return 0;
}

void emu_set_clock(struct emu *e, uint32_t hclk, uint32_t pclk2)
{
	emu_sync(e);
	if (!hclk) {
		hclk = e->b->hsi_hz;
	}
	e->hclk = hclk;
	e->pclk2 = pclk2 ? pclk2 : hclk;
	e->mps_per_cycle = (1000000000000000ull + hclk / 2u) / hclk;
	emu_request_stop(e); /* SysTick's next event moves */
}

/* ---- exceptions -----------------------------------------------------------
 */

static int group_prio(const struct emu *e, int prio)
{
	unsigned g = (e->scb.aircr >> 8) & 7u;

	if (prio < 0) {
		return prio;
	}
	return prio & ~(int)((2u << g) - 1u);
}

static int exc_active(const struct emu *e, unsigned num)
{
	if (num < 16) {
		return (e->active >> num) & 1u;
	}
	num -= 16;
	return (e->irq_active[num / 32] >> (num % 32)) & 1u;
}

static void set_active(struct emu *e, unsigned num, int on)
{
	uint32_t *w, bit;

	if (num < 16) {
		w = &e->active;
		bit = 1u << num;
	} else {
		w = &e->irq_active[(num - 16) / 32];
		bit = 1u << ((num - 16) % 32);
	}
	if (on) {
		*w |= bit;
	} else {
		*w &= ~bit;
	}
}

static int current_priority(struct emu *e)
{
	int cur = 256;
	uint32_t basepri;

	for (unsigned n = 1; n < 16 + EMU_IRQS; n++) {
		if (exc_active(e, n)) {
			int p = group_prio(e, emu_exc_priority(e, n));

			if (p < cur) {
				cur = p;
			}
		}
	}
	basepri = emu_reg(e, UC_ARM_REG_BASEPRI) & 0xFFu;
	if (basepri && group_prio(e, (int)basepri) < cur) {
		cur = group_prio(e, (int)basepri);
	}
	if (emu_reg(e, UC_ARM_REG_PRIMASK) & 1u) {
		cur = cur < 0 ? cur : 0;
	}
	if (emu_reg(e, UC_ARM_REG_FAULTMASK) & 1u) {
		cur = -1;
	}
	return cur;
}

/* The pending exception that goes first, or 0. */
int emu_exception_pending(struct emu *e, int *deliverable)
{
	unsigned best = 0;
	int best_prio = 1000;

	*deliverable = 0;
	if (!e->scb.pend_nmi && !e->scb.pend_sv && !e->scb.pend_st &&
	    !(e->nvic.ispr[0] & e->nvic.iser[0]) &&
	    !(e->nvic.ispr[1] & e->nvic.iser[1]) &&
	    !(e->nvic.ispr[2] & e->nvic.iser[2])) {
		return 0;
	}

	if (e->scb.pend_nmi) {
		best = EXC_NMI;
		best_prio = -2;
	}
	if (!best && e->scb.pend_sv) {
		best = EXC_PENDSV;
		best_prio = emu_exc_priority(e, EXC_PENDSV);
	}
	if (!best || best_prio > -2) {
		if (e->scb.pend_st &&
		    emu_exc_priority(e, EXC_SYSTICK) < best_prio) {
			best = EXC_SYSTICK;
			best_prio = emu_exc_priority(e, EXC_SYSTICK);
		}
		for (unsigned i = 0; i < EMU_IRQS; i++) {
			uint32_t bit = 1u << (i % 32);

			if ((e->nvic.ispr[i / 32] & e->nvic.iser[i / 32] &
			     bit) &&
			    emu_exc_priority(e, 16 + i) < best_prio) {
				best = 16 + i;
				best_prio = emu_exc_priority(e, 16 + i);
			}
		}
	}
	*deliverable = 0;
	if (best && !exc_active(e, best)) {
		*deliverable = group_prio(e, best_prio) < current_priority(e);
	}
	return (int)best;
}

static int in_ram(const struct emu *e, uint32_t a, uint32_t len)
{
	if (a >= EMU_RAM_BASE && a - EMU_RAM_BASE <= e->b->ram_size &&
	    len <= e->b->ram_size - (a - EMU_RAM_BASE)) {
		return 1;
	}
	return e->b->ccm_size && a >= EMU_CCM_BASE &&
	       a - EMU_CCM_BASE <= e->b->ccm_size &&
	       len <= e->b->ccm_size - (a - EMU_CCM_BASE);
}

/*
 * Entry to exception num with ret_pc the instruction to come back to:
 * stack r0-r3, r12, lr, the return address and xPSR (8-byte aligned when
 * CCR.STKALIGN), LR = EXC_RETURN, IPSR = num, PC from the vector table.
 * Returns 0, or -1 after emu_fault().
 */
static int exc_enter(struct emu *e, unsigned num, uint32_t ret_pc)
{
	static const int stacked[] = {UC_ARM_REG_R0,  UC_ARM_REG_R1,
				      UC_ARM_REG_R2,  UC_ARM_REG_R3,
				      UC_ARM_REG_R12, UC_ARM_REG_LR};
	uint32_t frame[8], xpsr, ctrl, sp, handler = 0;
	int align;

	xpsr = emu_reg(e, UC_ARM_REG_XPSR);
	ctrl = emu_reg(e, UC_ARM_REG_CONTROL);
	if ((xpsr & 0x1FFu) == 0 && (ctrl & 2u)) {
		emu_fault(e,
			  "exception %u while the thread runs on PSP: not "
			  "modelled",
			  num);
		return -1;
	}
	if (ctrl & 4u) {
		emu_fault(e,
			  "exception %u with an active FP context "
			  "(CONTROL.FPCA): not modelled",
			  num);
		return -1;
	}
	for (unsigned i = 0; i < 6; i++) {
		frame[i] = emu_reg(e, stacked[i]);
	}
	sp = emu_reg(e, UC_ARM_REG_SP) - 32u;
	align = (e->scb.ccr & CCR_STKALIGN) && (sp & 4u);
	if (align) {
		sp -= 4u;
	}
	frame[6] = ret_pc & ~1u;
	frame[7] = xpsr | (align ? XPSR_STKALIGN : 0u);
	if (!in_ram(e, sp, 32u) || uc_mem_write(e->uc, sp, frame, 32)) {
		emu_fault(e,
			  "exception %u: stacking at 0x%08" PRIx32
			  " outside RAM (a lock-up on silicon)",
			  num, sp);
		return -1;
	}
	if (uc_mem_read(e->uc, e->scb.vtor + 4u * num, &handler, 4) ||
	    !(handler & 1u)) {
		emu_fault(e,
			  "exception %u: vector at 0x%08" PRIx32
			  " is 0x%08" PRIx32 " (no Thumb handler there)",
			  num, e->scb.vtor + 4u * num, handler);
		return -1;
	}
	set_reg(e, UC_ARM_REG_SP, sp);
	set_reg(e, UC_ARM_REG_LR, (xpsr & 0x1FFu) ? 0xFFFFFFF1u : 0xFFFFFFF9u);
	set_reg(e, UC_ARM_REG_XPSR, (xpsr & XPSR_KEEP) | XPSR_T | num);
	set_reg(e, UC_ARM_REG_PC, handler | 1u);
	set_active(e, num, 1);
	e->activity++;
	switch (num) {
	case EXC_NMI:
		e->scb.pend_nmi = 0;
		break;
	case EXC_PENDSV:
		e->scb.pend_sv = 0;
		break;
	case EXC_SYSTICK:
		e->scb.pend_st = 0;
		e->systick_vtor = e->scb.vtor;
		if (e->app_seen && e->scb.vtor >= e->app_lo &&
		    e->scb.vtor < e->app_hi) {
			e->app_systicks++;
		}
		break;
	default:
		if (num >= 16) {
			e->nvic.ispr[(num - 16) / 32] &=
				~(1u << ((num - 16) % 32));
		}
		break;
	}
	if (num < 16 + EMU_IRQS) {
		e->exc_count[num]++;
	}
	if (e->o->trace || e->o->trace_io) {
		fprintf(stderr,
			"iap-emu: exception %u from 0x%08" PRIx32
			" -> 0x%08" PRIx32 " (VTOR 0x%08" PRIx32 ")\n",
			num, ret_pc, handler & ~1u, e->scb.vtor);
	}
	emu_request_stop(e);
	return 0;
}

static void exc_return(struct emu *e, uint32_t exc)
{
	static const int regs[] = {UC_ARM_REG_R0,  UC_ARM_REG_R1,
				   UC_ARM_REG_R2,  UC_ARM_REG_R3,
				   UC_ARM_REG_R12, UC_ARM_REG_LR};
	uint32_t frame[8], sp, ipsr;

	ipsr = emu_reg(e, UC_ARM_REG_XPSR) & 0x1FFu;
	if (exc != 0xFFFFFFF1u && exc != 0xFFFFFFF9u) {
		emu_fault(e,
			  "exception return 0x%08" PRIx32 " from %" PRIu32
			  ": %s",
			  exc, ipsr,
			  (exc & 0x10u) ? "to PSP: not modelled"
					: "with an FP frame: not modelled");
		return;
	}
	sp = emu_reg(e, UC_ARM_REG_SP);
	if (!in_ram(e, sp, 32u) || uc_mem_read(e->uc, sp, frame, 32)) {
		emu_fault(e,
			  "exception return: frame at 0x%08" PRIx32
			  " outside RAM",
			  sp);
		return;
	}
	if ((exc == 0xFFFFFFF9u) != ((frame[7] & 0x1FFu) == 0)) {
		emu_fault(e,
			  "exception return 0x%08" PRIx32
			  " with stacked IPSR %" PRIu32
			  " (INVPC UsageFault on silicon)",
			  exc, frame[7] & 0x1FFu);
		return;
	}
	set_active(e, ipsr, 0);
	e->activity++;
	sp += 32u + ((frame[7] & XPSR_STKALIGN) ? 4u : 0u);
	for (unsigned i = 0; i < 6; i++) {
		set_reg(e, regs[i], frame[i]);
	}
	set_reg(e, UC_ARM_REG_SP, sp);
	set_reg(e, UC_ARM_REG_XPSR, frame[7] & ~XPSR_STKALIGN);
	set_reg(e, UC_ARM_REG_PC, frame[6] | 1u);
	emu_request_stop(e);
}

int emu_take_exception(struct emu *e)
{
	int deliverable = 0;
	int num = emu_exception_pending(e, &deliverable);

	if (!num || !deliverable) {
		return 0;
	}
	return exc_enter(e, (unsigned)num, emu_reg(e, UC_ARM_REG_PC)) == 0;
}

/* ---- semihosting (BKPT 0xAB), for the QEMU test builds ------------------ */

static void semihost_write0(struct emu *e, uint32_t a)
{
	char c;

	fflush(stdout);
	while (uc_mem_read(e->uc, a++, &c, 1) == UC_ERR_OK && c) {
		fputc(c, stdout);
	}
	fflush(stdout);
}

static void semihost(struct emu *e, uint32_t pc)
{
	uint32_t op = emu_reg(e, UC_ARM_REG_R0);
	uint32_t arg = emu_reg(e, UC_ARM_REG_R1);
	uint32_t blk[3] = {0, 0, 0};
	uint32_t ret = 0;
	char c;

	switch (op) {
	case 0x03: /* SYS_WRITEC */
		if (uc_mem_read(e->uc, arg, &c, 1) == UC_ERR_OK) {
			fputc(c, stdout);
			fflush(stdout);
		}
		break;
	case 0x04: /* SYS_WRITE0 */
		semihost_write0(e, arg);
		break;
	case 0x05: /* SYS_WRITE: handle, buffer, length */
		if (uc_mem_read(e->uc, arg, blk, sizeof(blk)) == UC_ERR_OK) {
			for (uint32_t i = 0; i < blk[2]; i++) {
				if (uc_mem_read(e->uc, blk[1] + i, &c, 1)) {
					break;
				}
				fputc(c, stdout);
			}
			fflush(stdout);
		}
		break;
	case 0x18: /* SYS_EXIT: r1 is the reason */
		e->exit_code = arg == 0x20026u ? 0 : 1;
		emu_say(e, "semihosting exit %d at 0x%08" PRIx32, e->exit_code,
			pc);
		emu_request_stop(e);
		break;
	case 0x20: /* SYS_EXIT_EXTENDED: {reason, code} */
		if (uc_mem_read(e->uc, arg, blk, 8) == UC_ERR_OK) {
			e->exit_code =
				blk[0] == 0x20026u ? (int)(blk[1] & 0xFF) : 1;
		} else {
			e->exit_code = 1;
		}
		emu_say(e, "semihosting exit %d at 0x%08" PRIx32, e->exit_code,
			pc);
		emu_request_stop(e);
		break;
	default:
		ret = 0xFFFFFFFFu;
		break;
	}
	set_reg(e, UC_ARM_REG_R0, ret);
	set_reg(e, UC_ARM_REG_PC, (pc + 2u) | 1u);
	emu_request_stop(e);
}

/* ---- hooks -------------------------------------------------------------- */

/* Thumb-2: a half-word 0b11101, 0b11110 or 0b11111 in its top bits opens a
 * 32-bit instruction (ARMv7-M ARM A5.1). */
static uint32_t count_insns(const uint8_t *p, uint32_t size)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i + 1u < size;) {
		uint32_t top = p[i + 1u] >> 3;

		i += (top == 0x1Du || top == 0x1Eu || top == 0x1Fu) ? 4u : 2u;
		n++;
	}
	return n ? n : 1u;
}

static uint32_t block_insns(struct emu *e, uint32_t addr, uint32_t size)
{
	struct emu_tbc *c =
		&e->tbc[(addr >> 1) % (sizeof(e->tbc) / sizeof(e->tbc[0]))];
	uint32_t fs = e->b->flash_size;
	uint8_t buf[256];
	const uint8_t *p = NULL;

	if (c->addr == addr && c->size == size && c->count) {
		return c->count;
	}
	if (addr < fs && size <= fs - addr) {
		p = e->flash + addr;
	} else if (addr >= EMU_FLASH_BASE && addr - EMU_FLASH_BASE < fs &&
		   size <= fs - (addr - EMU_FLASH_BASE)) {
		p = e->flash + (addr - EMU_FLASH_BASE);
	} else if (size <= sizeof(buf) &&
		   uc_mem_read(e->uc, addr, buf, size) == UC_ERR_OK) {
		p = buf;
	}
	c->addr = addr;
	c->size = size;
	c->count = p ? count_insns(p, size) : (size + 3u) / 4u + 1u;
	return c->count;
}

void emu_tbc_flush(struct emu *e)
{
	memset(e->tbc, 0, sizeof(e->tbc));
}

/*
 * Instructions are counted a translated block at a time, before the block
 * runs; a stop asked for during a block takes effect at the next one.
 */
static void hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct emu *e = user;
	uint32_t pc = (uint32_t)addr;

	if (e->nfix) {
		emu_flash_fixup(e);
	}
	if (e->insns >= e->stop_at) {
		uc_emu_stop(uc);
		return;
	}
	if (!e->app_seen && pc >= e->app_lo && pc < e->app_hi) {
		e->app_seen = 1;
		e->app_stop = 1;
		e->app_pc = pc;
		emu_request_stop(e);
		uc_emu_stop(uc);
		return;
	}
	e->pc = pc;
	e->last_pc[e->blocks++ & 15u] = pc;
	e->insns += block_insns(e, pc, size);
}

static void hook_trace(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct emu *e = user;

	(void)uc;
	(void)size;
	fprintf(stderr, "iap-emu: trace 0x%08" PRIx32 " (block %" PRIu64 ")\n",
		(uint32_t)addr, e->blocks);
}

static void hook_flash_write(uc_engine *uc, uc_mem_type type, uint64_t addr,
			     int size, int64_t value, void *user)
{
	struct emu *e = user;
	uint32_t a = (uint32_t)addr;

	(void)uc;
	(void)type;
	emu_flash_store(e, a >= EMU_FLASH_BASE ? a - EMU_FLASH_BASE : a,
			(unsigned)size, (uint64_t)value);
}

static bool hook_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr,
			 int size, int64_t value, void *user)
{
	struct emu *e = user;

	(void)uc;
	(void)value;
	e->mem_fault_addr = addr;
	e->mem_fault_type = (int)type;
	e->mem_fault_size = size;
	return false;
}

static const char *excp_name(uint32_t intno)
{
	switch (intno) {
	case EXCP_UDEF:
		return "undefined instruction";
	case EXCP_PREFETCH_ABORT:
		return "prefetch abort";
	case EXCP_DATA_ABORT:
		return "data abort";
	case EXCP_NOCP:
		return "coprocessor not enabled (NOCP)";
	case EXCP_INVSTATE:
		return "invalid state (INVSTATE)";
	case EXCP_STKOF:
		return "stack overflow";
	case EXCP_UNALIGNED:
		return "unaligned access";
	default:
		return "CPU exception";
	}
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct emu *e = user;
	uint32_t pc = emu_reg(e, UC_ARM_REG_PC);
	uint16_t insn = 0;

	switch (intno) {
	case EXCP_EXCEPTION_EXIT:
		exc_return(e, pc | 1u);
		break;
	case EXCP_SWI:
		/* PC is already past the SVC. */
		exc_enter(e, EXC_SVCALL, pc);
		break;
	case EXCP_BKPT:
		uc_mem_read(uc, pc, &insn, 2);
		if (insn == SEMIHOST_BKPT && e->o->semihosting) {
			semihost(e, pc);
		} else {
			emu_fault(e,
				  "BKPT 0x%02x at 0x%08" PRIx32
				  " (no debugger: HardFault on silicon%s)",
				  insn & 0xFFu, pc,
				  insn == SEMIHOST_BKPT
					  ? "; --semihosting serves it"
					  : "");
		}
		break;
	default:
		emu_fault(e, "%s (QEMU exception %" PRIu32 ") at 0x%08" PRIx32,
			  excp_name(intno), intno, pc);
		break;
	}
	if (e->fault) {
		uc_emu_stop(uc);
	}
}

/* ---- the engine -----------------------------------------------------------
 */

/* Hook callbacks go through uc_hook_add's void *; void (*)(void) is the
 * one function type any other converts to and back. */
static void *cb(void (*fn)(void))
{
	union {
		void (*fn)(void);
		void *p;
	} u;

	u.fn = fn;
	return u.p;
}

#define CB(f) cb((void (*)(void))(f))

static int check(uc_err err, const char *what)
{
	if (err != UC_ERR_OK) {
		fprintf(stderr, "iap-emu: unicorn: %s: %s\n", what,
			uc_strerror(err));
		return -1;
	}
	return 0;
}

int emu_engine_create(struct emu *e)
{
	const struct emu_board *b = e->b;
	uint32_t fs = b->flash_size;
	uint32_t periph = b->family == EMU_F1 ? 0x24000u : 0x80000u;
	uint32_t info = b->family == EMU_F1 ? 0x1FFFF000u : 0x1FFF7000u;
	uc_hook h;

	if (check(uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &e->uc),
		  "uc_open")) {
		e->uc = NULL;
		return -1;
	}
	if (check(uc_ctl_set_cpu_model(e->uc, b->cpu), "cpu model") ||
	    /* BOOT0 low: main flash at 0 as well */
	    check(uc_mem_map_ptr(e->uc, 0, fs, UC_PROT_ALL, e->flash),
		  "map flash alias") ||
	    check(uc_mem_map_ptr(e->uc, EMU_FLASH_BASE, fs, UC_PROT_ALL,
				 e->flash),
		  "map flash") ||
	    check(uc_mem_map_ptr(e->uc, EMU_RAM_BASE, b->ram_size, UC_PROT_ALL,
				 e->ram),
		  "map SRAM") ||
	    (b->ccm_size &&
	     check(uc_mem_map_ptr(e->uc, EMU_CCM_BASE, b->ccm_size,
				  UC_PROT_READ | UC_PROT_WRITE, e->ccm),
		   "map CCM")) ||
	    check(uc_mmio_map(e->uc, EMU_PERIPH_BASE, periph, emu_periph_read,
			      e, emu_periph_write, e),
		  "map peripherals") ||
	    check(uc_mmio_map(e->uc, EMU_PPB_BASE, EMU_PPB_SIZE, emu_ppb_read,
			      e, emu_ppb_write, e),
		  "map system control space") ||
	    check(uc_mmio_map(e->uc, info, 0x1000u, emu_info_read, e,
			      emu_info_write, e),
		  "map device information") ||
	    check(uc_hook_add(e->uc, &h, UC_HOOK_BLOCK, CB(hook_block), e, 1,
			      0),
		  "block hook") ||
	    (e->o->trace && check(uc_hook_add(e->uc, &h, UC_HOOK_CODE,
					      CB(hook_trace), e, 1, 0),
				  "trace hook")) ||
	    check(uc_hook_add(e->uc, &h, UC_HOOK_MEM_WRITE,
			      CB(hook_flash_write), e, 0, fs - 1u),
		  "flash alias write hook") ||
	    check(uc_hook_add(e->uc, &h, UC_HOOK_MEM_WRITE,
			      CB(hook_flash_write), e, EMU_FLASH_BASE,
			      EMU_FLASH_BASE + fs - 1u),
		  "flash write hook") ||
	    check(uc_hook_add(e->uc, &h, UC_HOOK_MEM_INVALID, CB(hook_invalid),
			      e, 1, 0),
		  "invalid access hook") ||
	    check(uc_hook_add(e->uc, &h, UC_HOOK_INTR, CB(hook_intr), e, 1, 0),
		  "interrupt hook")) {
		emu_engine_destroy(e);
		return -1;
	}
	return 0;
}

void emu_engine_destroy(struct emu *e)
{
	if (e->uc) {
		uc_close(e->uc);
		e->uc = NULL;
	}
}
