/*
 * iap-emu - the real STM32 firmware on an instruction-level board model:
 * a Cortex-M3/M4 core from Unicorn, flash with the NOR rules and the
 * datasheet timing of its controller, RCC, GPIO, USART1 with DMA
 * reception on a pseudo-terminal, SysTick, SCB and NVIC. See README.md in
 * this directory.
 *
 * Time is emulated: one instruction is one core clock cycle, plus the
 * cycles the core stalls while the flash is busy. Peripherals are brought
 * up to date lazily (emu_sync()) whenever the firmware looks at them and
 * at every slice boundary; only SysTick and interrupt requests end a
 * slice early.
 */
#ifndef IAP_EMU_H
#define IAP_EMU_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unicorn/unicorn.h>

#include "sim.h"

#define EMU_FLASH_BASE	0x08000000u
#define EMU_RAM_BASE	0x20000000u
#define EMU_CCM_BASE	0x10000000u
#define EMU_PERIPH_BASE 0x40000000u
#define EMU_PPB_BASE	0xE0000000u
#define EMU_PPB_SIZE	0x00100000u

/* Option bytes: F1 at 0x1FFFF800 in the information block (16 bytes);
 * F4 as the model keeps them (emu_flash.c). */
#define EMU_OB_SIZE	 16u
#define EMU_F1_OB_OFFSET 0x800u /* in the block at 0x1FFFF000 */

#define EMU_PS_PER_S  1000000000000ull
#define EMU_PS_PER_MS 1000000000ull
#define EMU_PS_PER_US 1000000ull

/* Exit status of iap-emu. */
#define EMU_EXIT_OK	  0 /* the application was reached (and ran) */
#define EMU_EXIT_ERROR	  1 /* fault, model violation (--strict), I/O */
#define EMU_EXIT_USAGE	  2
#define EMU_EXIT_LIMIT	  3 /* --max-insns / --max-ms before the app */
#define EMU_EXIT_POWERCUT 4 /* --cut-after: the power went (flash saved) */

enum emu_family { EMU_F1 = 1, EMU_F4 = 4 };

struct emu_board {
	const char *name;
	const char *aliases; /* other names, space separated */
	const char *desc;
	int family;	     /* enum emu_family */
	int cpu;	     /* UC_CPU_ARM_CORTEX_M3 / _M4 */
	uint32_t cpuid;	     /* SCB CPUID */
	uint32_t idcode;     /* DBGMCU IDCODE */
	uint32_t flash_size; /* bytes, at EMU_FLASH_BASE */
	uint32_t page_size;  /* F1: erase page */
	uint32_t ram_size;   /* at EMU_RAM_BASE */
	uint32_t ccm_size;   /* F4: core-coupled RAM at EMU_CCM_BASE */
	uint32_t app_addr;   /* the application slot of the firmware */
	uint32_t hsi_hz, hse_hz, lsi_hz;
	uint32_t max_sysclk_hz;
	uint32_t stkalign; /* CCR.STKALIGN after reset */
};

const struct emu_board *emu_board_find(const char *name);
const struct emu_board *emu_board_all(size_t *count);

/* ---- peripherals ------------------------------------------------------ */

#define EMU_RCC_WORDS 64u

struct emu_rcc {
	uint32_t r[EMU_RCC_WORDS]; /* by offset / 4 */
	/* PLLON just cleared: PLLRDY still reads 1 once, as the PLL takes a
	 * few cycles to stop; its configuration is not writable until then. */
	int pll_stopping;
};

struct emu_flashc {
	uint32_t acr, cr, sr, ar, optcr;
	int key_state;	      /* 1 after KEY1 */
	int hard_locked;      /* a wrong key: locked until reset */
	int opt_key_state;    /* FLASH_OPTKEYR: 1 after the first key */
	int opt_hard_locked;  /* F4: a wrong option key, until reset */
	uint32_t obr, wrpr;   /* F1: the option bytes loaded at reset */
	uint32_t nwrp;	      /* F4: nWRP in force (bit n: sector n free) */
	uint64_t busy_end_ps; /* the operation in progress ends */
	uint32_t pend_sr;     /* SR bits set when it ends */
	/* statistics since reset */
	uint64_t erases, programs, prog_bytes, busy_ps;
};

struct emu_usart {
	uint32_t sr, brr, cr1, cr2, cr3, gtpr;
	uint16_t rdr;
	int tx_busy; /* shift register holds a byte */
	uint8_t tx_shift;
	uint64_t tx_end_ps; /* the byte in the shift register is out */
	int tx_hold_full;   /* TDR holds a byte (TXE = 0) */
	uint8_t tx_hold;
	int announced;	/* UE was reported */
	int idle_armed; /* a byte came since the last IDLE */
	uint64_t rx_bytes, tx_bytes, rx_overrun, rx_off;
};

struct emu_dma_ch {
	uint32_t cr, ndtr, par, m0ar, m1ar, fcr;
	uint32_t reload; /* NDTR as programmed, for circular mode */
	uint32_t flags;	 /* EMU_DMA_F_* */
};

#define EMU_DMA_F_TC  1u
#define EMU_DMA_F_HT  2u
#define EMU_DMA_F_TE  4u
#define EMU_DMA_F_FE  8u
#define EMU_DMA_F_DME 16u

struct emu_dma {
	struct emu_dma_ch ch[8]; /* F1 channel c at ch[c - 1], F4 stream s */
};

struct emu_gpio {
	uint32_t r[10]; /* by offset / 4 */
	uint32_t changes[16];
};

#define EMU_GPIO_PORTS 9u

struct emu_iwdg {
	int started, access;
	uint32_t pr, rlr;
	uint64_t deadline_ps;
};

struct emu_systick {
	uint32_t csr, rvr, cvr;
	uint32_t div_rem; /* core cycles towards the next /8 tick */
};

struct emu_scb {
	uint32_t vtor, aircr, scr, ccr, shcsr, cpacr, demcr;
	uint8_t shpr[12]; /* priorities of exceptions 4..15 */
	int pend_st, pend_sv, pend_nmi;
};

#define EMU_IRQS 96u

struct emu_nvic {
	uint32_t iser[3], ispr[3];
	uint8_t ipr[EMU_IRQS];
};

/* ---- the line (USART1 <-> pseudo-terminal) ---------------------------- */

#define EMU_RXQ 16384u

struct emu_line {
	struct sim_link link;
	int open;
	uint8_t q[EMU_RXQ]; /* from the host, not yet received */
	size_t head, len;
	uint64_t head_end_ps;	/* the first queued byte is complete */
	uint64_t free_ps;	/* the line is idle from here */
	FILE *log;		/* --uart-log: what the board sent */
	uint8_t input[EMU_RXQ]; /* --uart-input */
	size_t input_len;
	int input_sent;
	uint64_t tx_dropped;
	int baud_warned;
};

/* ---- pending fix-ups of stores into flash ------------------------------ */

#define EMU_FIXUPS 32u

struct emu_fixup {
	uint32_t off;	 /* in the flash */
	uint32_t size;	 /* 1, 2, 4 or 8 */
	uint8_t data[8]; /* what the cells hold after the store */
};

/* ---- power cuts (--cut-after, emu_flash.c) ----------------------------- */

enum emu_cut_mode { EMU_CUT_CLEAN = 0, EMU_CUT_TORN = 1 };

/* One unit stored by the programming run a torn cut hit: what it held. */
struct emu_cut_unit {
	uint32_t off;
	uint8_t size;
	uint8_t old[8];
};

/*
 * Flash operations, counted from power-on: an erase (STRT with PER, SER or
 * MER) is one; a programming run, the stores the controller accepts from
 * setting CR.PG to clearing it (the drivers hold PG over one whole program
 * call of the core), is one, whatever its number of units.
 */
struct emu_cut {
	uint64_t ops, erases, runs, units;
	int in_run;	   /* a programming run is open */
	uint32_t run_off;  /* its first store */
	uint32_t run_size; /* bytes stored so far */
	int tearing;	   /* the cut hit the open run: torn when it ends */
	int dead;	   /* the power is gone: the flash changes no more */
	uint64_t rnd;	   /* xorshift64 state of the torn model */
	struct emu_cut_unit *journal;
	size_t njournal, cap;
	FILE *log; /* --op-log */
};

/* ---- the whole board --------------------------------------------------- */

struct emu_opts {
	const char *board;
	const char *flash_file;
	const char *boot_file;
	const char *load_file; /* FILE@ADDR */
	const char *dump_file;
	const char *uart_log;
	const char *uart_input;
	const char *layout_file; /* --layout: the firmware's layout.env */
	const char *op_log;	 /* --op-log */
	const char *ob_file;	 /* --option-bytes */
	int save;
	int run_app;
	uint64_t run_app_ms; /* 0: until another limit */
	uint64_t max_insns;
	uint64_t max_ms;
	double speed; /* emulated / real time; 0 = unthrottled */
	int trace;
	int trace_io;
	int trace_gpio;
	int strict;
	int exact; /* never skip idle polling */
	int semihosting;
	int request_update;
	int no_pty;
	uint32_t app_addr; /* 0: the board's */
	uint32_t app_size; /* 0: up to the end of the flash */
	int quiet;
	uint64_t cut_at; /* 0: never; else this flash op (from 1) is cut */
	int cut_mode;	 /* enum emu_cut_mode */
	uint64_t cut_seed;
};

struct emu {
	const struct emu_opts *o;
	const struct emu_board *b;
	uc_engine *uc;

	uint8_t *flash, *ram, *ccm;
	uint32_t app_lo, app_hi;

	/* time */
	uint64_t insns;	       /* executed since power-on */
	uint64_t synced_insns; /* accounted into now_ps */
	uint64_t now_ps;
	uint64_t mps_per_cycle; /* 1e15 / hclk */
	uint64_t mps_rem;
	uint32_t hclk, pclk2;
	uint64_t stop_at;   /* the code hook stops the slice here */
	uint64_t slice_end; /* the slice's own limit */
	uint64_t stall_ps;  /* spent stalled on flash since power-on */
	uint64_t real_t0_ns;

	/* the current run since reset */
	uint64_t reset_insns, reset_ps, reset_stall_ps;
	unsigned resets;
	int reset_req;
	const char *reset_why;
	int app_seen, app_stop;
	uint32_t app_pc;
	uint64_t app_entry_ps;
	int first_poll_seen;
	uint64_t last_rx_insns; /* when the last byte from the host arrived */

	uint32_t pc;	      /* start of the block being executed */
	uint32_t last_pc[16]; /* ring of recent block addresses */
	uint64_t blocks;

	/* instructions per translated block, by address */
	struct emu_tbc {
		uint32_t addr;
		uint32_t size;
		uint32_t count;
	} tbc[4096];

	/* idle polling: the same register read twice with nothing done in
	 * between (see emu_idle_poll()) */
	uint64_t activity;
	uint32_t poll_addr, poll_val;
	uint64_t poll_act;
	uint64_t idle_ps;  /* emulated time skipped while idle */
	uint64_t sleep_ps; /* emulated time asleep in WFI/WFE */
	int irq_sources;   /* some USART/DMA interrupt enable is set */

	/* peripherals */
	struct emu_rcc rcc;
	struct emu_flashc fc;
	struct emu_usart us;
	struct emu_dma dma[2];
	struct emu_gpio gpio[EMU_GPIO_PORTS];
	struct emu_iwdg iwdg;
	struct emu_systick st;
	struct emu_scb scb;
	struct emu_nvic nvic;
	uint32_t dwt_ctrl, dwt_cyccnt;
	uint32_t active; /* bitmap of active system exceptions 1..15 */
	uint32_t irq_active[3];
	uint64_t exc_count[16 + EMU_IRQS];
	uint32_t systick_vtor; /* table the last SysTick went through */
	uint64_t app_systicks; /* taken since the application was reached */

	struct emu_line line;
	struct emu_fixup fix[EMU_FIXUPS];
	unsigned nfix;
	struct emu_cut cut;
	uint32_t code_lo, code_hi; /* flash changed under translated code */

	/* The option bytes as stored (emu_flash.c, EMU_OB_SIZE bytes); they
	 * load into the controller at every reset. */
	uint8_t ob[16];
	uint64_t wrp_refused; /* program/erase refused: write-protected */

	/* outcome */
	int exit_code; /* -1 while running */
	int fault;
	char fault_msg[256];
	uint64_t violations;
	uint64_t mem_fault_addr;
	int mem_fault_type, mem_fault_size;
};

/* emu_cpu.c: engine, time, exceptions */
int emu_engine_create(struct emu *e);
void emu_engine_destroy(struct emu *e);
void emu_sync(struct emu *e);
void emu_stall(struct emu *e, uint64_t ps);
void emu_request_stop(struct emu *e);
void emu_set_clock(struct emu *e, uint32_t hclk, uint32_t pclk2);
uint64_t emu_cycles_to_ps(const struct emu *e, uint64_t cycles);
uint64_t emu_ps_to_cycles(const struct emu *e, uint64_t ps);
int emu_take_exception(struct emu *e);
int emu_idle_poll(struct emu *e, uint32_t addr, uint32_t value);
int emu_sleep(struct emu *e);
void emu_tbc_flush(struct emu *e);
int emu_exception_pending(struct emu *e, int *deliverable);
void emu_fault(struct emu *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void emu_violation(struct emu *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void emu_say(const struct emu *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void emu_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void emu_dump_regs(struct emu *e, FILE *out);
uint32_t emu_reg(struct emu *e, int reg);

/* emu_sys.c: SysTick, SCB, NVIC, DWT, DBGMCU (the PPB) */
void emu_sys_reset(struct emu *e);
void emu_systick_count(struct emu *e, uint64_t cycles);
uint64_t emu_systick_cycles_to_event(const struct emu *e);
uint64_t emu_ppb_read(uc_engine *uc, uint64_t off, unsigned size, void *user);
void emu_ppb_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value,
		   void *user);
int emu_exc_priority(const struct emu *e, unsigned num);

/* emu_flash.c: flash memory and its controller */
void emu_flashc_reset(struct emu *e);
void emu_flash_store(struct emu *e, uint32_t off, unsigned size,
		     uint64_t value);
void emu_flash_fixup(struct emu *e);
uint32_t emu_flashc_read(struct emu *e, uint32_t off);
void emu_flashc_write(struct emu *e, uint32_t off, uint32_t v, uint32_t mask);
void emu_flashc_update(struct emu *e);
int emu_cut_init(struct emu *e);
void emu_cut_finish(struct emu *e);
void emu_cut_report(const struct emu *e);
int emu_ob_init(struct emu *e);
int emu_ob_save(const struct emu *e);
void emu_ob_report(const struct emu *e);
void emu_ob_announce(const struct emu *e);
uint8_t emu_ob_read(const struct emu *e, uint32_t off);
void emu_ob_store(struct emu *e, uint32_t off, unsigned size, uint64_t value);

/* emu_periph.c: the peripheral bus, RCC, GPIO, IWDG */
void emu_periph_reset(struct emu *e, int power_on);
uint64_t emu_periph_read(uc_engine *uc, uint64_t off, unsigned size,
			 void *user);
void emu_periph_write(uc_engine *uc, uint64_t off, unsigned size,
		      uint64_t value, void *user);
uint64_t emu_info_read(uc_engine *uc, uint64_t off, unsigned size, void *user);
void emu_info_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value,
		    void *user);
void emu_rcc_describe(const struct emu *e, char *buf, size_t cap);
int emu_rcc_is_reset_state(const struct emu *e, char *why, size_t cap);
void emu_iwdg_update(struct emu *e);
void emu_gpio_report(const struct emu *e);

/* emu_usart.c: USART1, DMA, the line */
void emu_usart_reset(struct emu *e);
void emu_dma_reset(struct emu *e, unsigned n);
uint32_t emu_usart_read(struct emu *e, uint32_t off);
void emu_usart_write(struct emu *e, uint32_t off, uint32_t v, uint32_t mask);
uint32_t emu_dma_read(struct emu *e, unsigned n, uint32_t off);
void emu_dma_write(struct emu *e, unsigned n, uint32_t off, uint32_t v,
		   uint32_t mask);
void emu_usart_update(struct emu *e);
uint64_t emu_usart_next_event(struct emu *e);
int emu_usart_irq(const struct emu *e, uint32_t *irqs);
int emu_line_open(struct emu *e);
void emu_line_poll(struct emu *e);
int emu_line_fd(const struct emu *e);
void emu_line_close(struct emu *e, int linger_ms);

#endif /* IAP_EMU_H */
