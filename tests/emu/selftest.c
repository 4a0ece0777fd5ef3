/*
 * iap-emu self-test: a bare-metal program that checks the parts of the
 * board model the bootloader and the example application do not reach:
 * SVC, PendSV, PRIMASK, NVIC interrupts pended by software, preemption by
 * priority, the exception frame's alignment, WFI sleeping until SysTick,
 * SysTick on HCLK/8, a vector table in RAM, the DWT cycle counter, USART1
 * transmission by DMA and reception by interrupt. It ends through
 * semihosting (iap-emu --semihosting) with 0 or the number of the failed
 * check. Built per family: -DSELFTEST_F1 (RM0008) or -DSELFTEST_F4
 * (RM0090); the test feeds "ping\n" with --uart-input and expects
 * "dma tx ok" in the --uart-log. Started with the first flash unit
 * write-protected (--option-bytes, test_wrp.sh), it also checks that the
 * flash controller refuses to program or erase it.
 */
#include <stdint.h>

#define REG(a) (*(volatile uint32_t *)(uintptr_t)(a))

#define SYST_CSR    REG(0xE000E010u)
#define SYST_RVR    REG(0xE000E014u)
#define SYST_CVR    REG(0xE000E018u)
#define NVIC_ISER0  REG(0xE000E100u)
#define NVIC_IPR(n) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (n)))
#define NVIC_STIR   REG(0xE000EF00u)
#define SCB_ICSR    REG(0xE000ED04u)
#define SCB_VTOR    REG(0xE000ED08u)
#define SCB_CCR	    REG(0xE000ED14u)
#define SCB_DEMCR   REG(0xE000EDFCu)
#define DWT_CTRL    REG(0xE0001000u)
#define DWT_CYCCNT  REG(0xE0001004u)

#define IRQ_LOW	   5u
#define IRQ_HIGH   6u
#define IRQ_USART1 37u

#define USART1_SR  REG(USART1 + 0x00u)
#define USART1_DR  REG(USART1 + 0x04u)
#define USART1_BRR REG(USART1 + 0x08u)
#define USART1_CR1 REG(USART1 + 0x0Cu)
#define USART1_CR3 REG(USART1 + 0x14u)
#define NVIC_ISER1 REG(0xE000E104u)

#define FLASH_KEYR   REG(FLASH_R + 0x04u)
#define FLASH_SR     REG(FLASH_R + 0x0Cu)
#define FLASH_CR     REG(FLASH_R + 0x10u)
#define FLASH_AR     REG(FLASH_R + 0x14u) /* F1 */
#define FLASH_WRPERR (1u << 4)		  /* F1 WRPRTERR, F4 WRPERR */
#define FLASH_BASE   0x08000000u

#if defined(SELFTEST_F1)
#define USART1	     0x40013800u
#define CLOCKS_ON()  (REG(0x40021014u) |= 1u, REG(0x40021018u) |= 1u << 14)
#define BRR_115200   69u	      /* 8 MHz HSI */
#define TXDMA_NDTR   REG(0x40020048u) /* DMA1 channel 4 */
#define TXDMA_PAR    REG(0x4002004Cu)
#define TXDMA_MAR    REG(0x40020050u)
#define TXDMA_CR     REG(0x40020044u)
#define TXDMA_GO     ((1u << 4) | (1u << 7) | 1u)    /* DIR MINC EN */
#define TXDMA_DONE() (REG(0x40020000u) & (1u << 13)) /* TCIF4 */
#define FLASH_R	     0x40022000u
#define WRP_ON()     (!(REG(FLASH_R + 0x20u) & 1u)) /* WRPR: pages 0-3 */
#define FLASH_PG     1u
#define FLASH_ERASE  (1u << 1) /* PER, with AR */
#define FLASH_STRT   (1u << 6)
#define FLASH_LOCK   (1u << 7)
#define FLASH_BSY    1u
typedef uint16_t flash_unit; /* half-word programming */
#elif defined(SELFTEST_F4)
#define USART1	     0x40011000u
#define CLOCKS_ON()  (REG(0x40023830u) |= 1u << 22, REG(0x40023844u) |= 1u << 4)
#define BRR_115200   139u	      /* 16 MHz HSI */
#define TXDMA_CR     REG(0x400264B8u) /* DMA2 stream 7 */
#define TXDMA_NDTR   REG(0x400264BCu)
#define TXDMA_PAR    REG(0x400264C0u)
#define TXDMA_MAR    REG(0x400264C4u)
#define TXDMA_GO     ((4u << 25) | (1u << 10) | (1u << 6) | 1u)
#define TXDMA_DONE() (REG(0x40026404u) & (1u << 27)) /* TCIF7 */
#define FLASH_R	     0x40023C00u
#define WRP_ON()     (!(REG(FLASH_R + 0x14u) & (1u << 16))) /* nWRP0 */
#define FLASH_PG     (1u | (2u << 8))			    /* PSIZE x32 */
#define FLASH_ERASE  ((1u << 1) | (2u << 8))		    /* SER, SNB 0 */
#define FLASH_STRT   (1u << 16)
#define FLASH_LOCK   (1u << 31)
#define FLASH_BSY    (1u << 16)
typedef uint32_t flash_unit;
#else
#error "build with -DSELFTEST_F1 or -DSELFTEST_F4"
#endif

extern uint32_t _estack[], _sbss[], _ebss[];

int main(void);
void Reset_Handler(void);
void SVC_Handler(void);
void svc_c(uint32_t frame);
void PendSV_Handler(void);
void SysTick_Handler(void);
void Irq_Low_Handler(void);
void Irq_High_Handler(void);
void Unexpected_Handler(void);
void USART1_IRQHandler(void);

static volatile uint32_t ticks, svc_calls, pendsv_calls, ram_ticks;
static volatile uint32_t order[4], norder, misaligned;
static volatile uint8_t rx[8];
static volatile uint32_t nrx;

#define VECTORS (16u + 48u)

__attribute__((section(".isr_vector"),
	       used)) static void (*const vectors[VECTORS])(void) = {
	(void (*)(void))(uintptr_t)_estack,
	Reset_Handler,
	Unexpected_Handler, /* NMI */
	Unexpected_Handler, /* HardFault */
	Unexpected_Handler,
	Unexpected_Handler,
	Unexpected_Handler,
	0,
	0,
	0,
	0,
	SVC_Handler,
	Unexpected_Handler,
	0,
	PendSV_Handler,
	SysTick_Handler,
	Unexpected_Handler,
	Unexpected_Handler,
	Unexpected_Handler,
	Unexpected_Handler,
	Unexpected_Handler,
	Irq_Low_Handler,  /* IRQ 5 */
	Irq_High_Handler, /* IRQ 6 */
	[16 + IRQ_USART1] = USART1_IRQHandler,
};

/* A copy in RAM, 512-byte aligned for VTOR. */
static void (*ram_vectors[VECTORS])(void) __attribute__((aligned(512)));

static void semihost_exit(uint32_t code)
{
	static volatile uint32_t block[2];
	register uint32_t r0 __asm("r0") = 0x20u; /* SYS_EXIT_EXTENDED */
	register uint32_t r1 __asm("r1") = (uint32_t)(uintptr_t)block;

	block[0] = 0x20026u; /* ADP_Stopped_ApplicationExit */
	block[1] = code;
	__asm volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
	for (;;) {
	}
}

static void check(int ok, uint32_t code)
{
	if (!ok) {
		semihost_exit(code);
	}
}

static uint32_t sp_now(void)
{
	uint32_t sp;

	__asm volatile("mov %0, sp" : "=r"(sp));
	return sp;
}

void Unexpected_Handler(void)
{
	semihost_exit(99);
}

void SysTick_Handler(void)
{
	ticks++;
}

static void RamTick_Handler(void)
{
	ram_ticks++;
}

/* The frame starts at the SP the handler is entered with. */
__attribute__((naked)) void SVC_Handler(void)
{
	__asm volatile("mov r0, sp\n\t"
		       "b svc_c");
}

void svc_c(uint32_t frame)
{
	svc_calls++;
	if ((SCB_CCR & (1u << 9)) && (frame & 7u)) {
		misaligned++;
	}
}

void PendSV_Handler(void)
{
	pendsv_calls++;
}

void Irq_High_Handler(void)
{
	order[norder++ & 3u] = 2;
}

void Irq_Low_Handler(void)
{
	order[norder++ & 3u] = 1;
	/* A higher priority interrupt preempts this handler at once. */
	NVIC_STIR = IRQ_HIGH;
	__asm volatile("dsb\n\tisb" ::: "memory");
	order[norder++ & 3u] = 3;
}

void USART1_IRQHandler(void)
{
	if (USART1_SR & (1u << 5)) { /* RXNE; reading DR clears it */
		rx[nrx++ & 7u] = (uint8_t)USART1_DR;
	}
}

static void usart_checks(void)
{
	static const char msg[] = "dma tx ok\r\n";
	uint32_t t0;

	CLOCKS_ON();
	USART1_BRR = BRR_115200;
	USART1_CR3 = 1u << 7; /* DMAT */
	USART1_CR1 = (1u << 13) | (1u << 5) | (1u << 3) | (1u << 2);
	NVIC_ISER1 = 1u << (IRQ_USART1 - 32u);
	/* 13: transmission by DMA, then TC once the last bit is out */
	TXDMA_PAR = USART1 + 0x04u;
	TXDMA_MAR = (uint32_t)(uintptr_t)msg;
	TXDMA_NDTR = sizeof(msg) - 1u;
	TXDMA_CR = TXDMA_GO;
	t0 = ticks;
	while (!TXDMA_DONE() && ticks - t0 < 100u) {
	}
	check(TXDMA_DONE() != 0, 13);
	while (!(USART1_SR & (1u << 6)) && ticks - t0 < 100u) {
	}
	check((USART1_SR & (1u << 6)) != 0, 14);
	/* 15: "ping\n" from the host, by the RXNE interrupt */
	while (nrx < 5u && ticks - t0 < 200u) {
	}
	check(nrx == 5u && rx[0] == 'p' && rx[3] == 'g' && rx[4] == '\n', 15);
	/* 16: a frame time of quiet line after the last byte: IDLE */
	while (!(USART1_SR & (1u << 4)) && ticks - t0 < 300u) {
	}
	check((USART1_SR & (1u << 4)) != 0, 16);
}

/* 17-20: the first flash unit is write-protected: a program (of zeros,
 * which the F1 takes even over data) and an erase set the error flag and
 * leave it as it was. */
static void wrp_checks(void)
{
	volatile flash_unit *cell = (volatile flash_unit *)FLASH_BASE;
	flash_unit before = *cell;
	uint32_t reset = REG(FLASH_BASE + 4u);

	FLASH_KEYR = 0x45670123u;
	FLASH_KEYR = 0xCDEF89ABu;
	FLASH_SR = FLASH_WRPERR;
	FLASH_CR = FLASH_PG;
	*cell = 0;
	while (FLASH_SR & FLASH_BSY) {
	}
	check((FLASH_SR & FLASH_WRPERR) != 0, 17);
	check(*cell == before, 18);
	FLASH_SR = FLASH_WRPERR;
	FLASH_CR = FLASH_ERASE;
#if defined(SELFTEST_F1)
	FLASH_AR = FLASH_BASE;
#endif
	FLASH_CR = FLASH_ERASE | FLASH_STRT;
	while (FLASH_SR & FLASH_BSY) {
	}
	check((FLASH_SR & FLASH_WRPERR) != 0, 19);
	check(REG(FLASH_BASE + 4u) == reset && *cell == before, 20);
	FLASH_SR = FLASH_WRPERR;
	FLASH_CR = FLASH_LOCK;
}

void Reset_Handler(void)
{
	for (uint32_t *p = _sbss; p < _ebss; p++) {
		*p = 0;
	}
	(void)main();
	semihost_exit(98);
}

/* SVC with the SP 4 bytes off 8-byte alignment: with CCR.STKALIGN the
 * frame is realigned, and the SP comes back as it was. */
static uint32_t svc_odd_stack(void)
{
	uint32_t before = sp_now();

	__asm volatile("sub sp, sp, #4\n\t"
		       "svc 0\n\t"
		       "add sp, sp, #4" ::
			       : "memory");
	return sp_now() == before;
}

int main(void)
{
	uint32_t t0, c0;

	/* 1: SysTick on the processor clock (HSI after reset) */
	SYST_RVR = 1000u - 1u;
	SYST_CVR = 0;
	SYST_CSR = 7u;
	while (ticks < 5u) {
	}
	/* 2: WFI sleeps until the next tick */
	t0 = ticks;
	__asm volatile("wfi");
	check(ticks == t0 + 1u, 2);

	/* 3: SVC, with the stack realigned and restored */
	check(svc_odd_stack() == 1u, 3);
	check(svc_calls == 1u, 4);

	/* 5: PendSV at once; masked by PRIMASK until CPSIE */
	SCB_ICSR = 1u << 28;
	__asm volatile("dsb\n\tisb" ::: "memory");
	check(pendsv_calls == 1u, 5);
	__asm volatile("cpsid i" ::: "memory");
	SCB_ICSR = 1u << 28;
	__asm volatile("dsb\n\tisb" ::: "memory");
	check(pendsv_calls == 1u, 6);
	__asm volatile("cpsie i" ::: "memory");
	__asm volatile("dsb\n\tisb" ::: "memory");
	check(pendsv_calls == 2u, 7);

	/* 8: NVIC: a low priority interrupt preempted by a higher one */
	NVIC_IPR(IRQ_LOW) = 0x80u;
	NVIC_IPR(IRQ_HIGH) = 0x40u;
	NVIC_ISER0 = (1u << IRQ_LOW) | (1u << IRQ_HIGH);
	NVIC_STIR = IRQ_LOW;
	__asm volatile("dsb\n\tisb" ::: "memory");
	check(norder == 3u && order[0] == 1u && order[1] == 2u &&
		      order[2] == 3u,
	      8);

	/* 9: SysTick on HCLK/8: 8 times slower */
	SYST_CSR = 0;
	SYST_RVR = 125u - 1u;
	SYST_CVR = 0;
	t0 = ticks;
	SCB_DEMCR |= 1u << 24;
	DWT_CYCCNT = 0;
	DWT_CTRL |= 1u;
	SYST_CSR = 3u; /* CLKSOURCE = 0 */
	c0 = DWT_CYCCNT;
	while (ticks < t0 + 4u) {
	}
	c0 = DWT_CYCCNT - c0;
	/* 10: four periods of 125 x 8 cycles, give or take one */
	check(c0 >= 3000u && c0 <= 5100u, 10);

	usart_checks();

	/* 11: the vector table moved to RAM */
	for (uint32_t i = 0; i < VECTORS; i++) {
		ram_vectors[i] = vectors[i];
	}
	ram_vectors[15] = RamTick_Handler;
	SCB_VTOR = (uint32_t)(uintptr_t)ram_vectors;
	__asm volatile("dsb\n\tisb" ::: "memory");
	t0 = ticks;
	while (ram_ticks < 3u) {
	}
	check(ticks == t0, 11);
	check(misaligned == 0, 12);
	if (WRP_ON()) {
		wrp_checks();
	}
	semihost_exit(0);
	return 0;
}
