/*
 * iapboot - STM32F1 registers used by the port, names as in the reference
 * manual RM0008 (STM32F101/102/103/105/107) and, for the value line, RM0041
 * (STM32F100); the flash program/erase controller as in PM0075 (STM32F10xxx
 * Flash memory microcontrollers programming manual). Only what the port
 * uses: this is not a general register file.
 */
#ifndef IAP_F1_REGS_H
#define IAP_F1_REGS_H

#include "cm_regs.h"

/* Memory map (RM0008 3.3, register boundary addresses) */
#define RCC_BASE     0x40021000u
#define FLASH_R_BASE 0x40022000u /* the interface, not the memory */
#define DMA1_BASE    0x40020000u
#define GPIOA_BASE   0x40010800u
#define GPIOB_BASE   0x40010C00u
#define GPIOC_BASE   0x40011000u
#define GPIOD_BASE   0x40011400u
#define USART1_BASE  0x40013800u

/* Reset and clock control (RM0008 7.3) */
#define RCC_CR	     MMIO32(RCC_BASE + 0x00u)
#define RCC_CFGR     MMIO32(RCC_BASE + 0x04u)
#define RCC_CIR	     MMIO32(RCC_BASE + 0x08u)
#define RCC_APB2RSTR MMIO32(RCC_BASE + 0x0Cu)
#define RCC_AHBENR   MMIO32(RCC_BASE + 0x14u)
#define RCC_APB2ENR  MMIO32(RCC_BASE + 0x18u)
#define RCC_CSR	     MMIO32(RCC_BASE + 0x24u)

#define RCC_CR_HSION  (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSEON  (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_CSSON  (1u << 19)
#define RCC_CR_PLLON  (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)

#define RCC_CFGR_SW_MASK     (3u << 0)
#define RCC_CFGR_SW_HSI	     (0u << 0)
#define RCC_CFGR_SW_PLL	     (2u << 0)
#define RCC_CFGR_SWS_MASK    (3u << 2)
#define RCC_CFGR_SWS_HSI     (0u << 2)
#define RCC_CFGR_SWS_PLL     (2u << 2)
#define RCC_CFGR_PPRE1_DIV2  (4u << 8)
#define RCC_CFGR_PLLSRC	     (1u << 16) /* 1: HSE (through PREDIV1) */
#define RCC_CFGR_PLLMUL(mul) ((uint32_t)((mul)-2u) << 18) /* x2 .. x16 */

#define RCC_AHBENR_DMA1EN      (1u << 0)
#define RCC_AHBENR_RESET       0x00000014u /* SRAMEN | FLITFEN */
#define RCC_APB2ENR_IOPAEN     (1u << 2)
#define RCC_APB2ENR_USART1EN   (1u << 14)
#define RCC_APB2RSTR_IOPARST   (1u << 2)
#define RCC_APB2RSTR_USART1RST (1u << 14)

#define RCC_CSR_SFTRSTF (1u << 28) /* the last reset was SYSRESETREQ */

/* GPIO port n (A = 0) enable and reset bits in APB2ENR/APB2RSTR. */
#define RCC_APB2_IOP(n) (1u << (2u + (n)))

/* Flash interface registers (RM0008 3.3.3; PM0075 chapter 4) */
#define FLASH_ACR     MMIO32(FLASH_R_BASE + 0x00u)
#define FLASH_KEYR    MMIO32(FLASH_R_BASE + 0x04u)
#define FLASH_OPTKEYR MMIO32(FLASH_R_BASE + 0x08u)
#define FLASH_SR      MMIO32(FLASH_R_BASE + 0x0Cu)
#define FLASH_CR      MMIO32(FLASH_R_BASE + 0x10u)
#define FLASH_AR      MMIO32(FLASH_R_BASE + 0x14u)
#define FLASH_OBR     MMIO32(FLASH_R_BASE + 0x1Cu)
#define FLASH_WRPR    MMIO32(FLASH_R_BASE + 0x20u)

#define FLASH_ACR_LATENCY(ws) ((uint32_t)(ws) << 0)
#define FLASH_ACR_PRFTBE      (1u << 4)
#define FLASH_ACR_RESET	      0x00000030u /* PRFTBE | PRFTBS, 0 WS */

#define FLASH_KEYR_KEY1 0x45670123u
#define FLASH_KEYR_KEY2 0xCDEF89ABu
/* FLASH_OPTKEYR takes the same two keys; OPTWRE shows it took them. */

#define FLASH_SR_BSY	  (1u << 0)
#define FLASH_SR_PGERR	  (1u << 2)
#define FLASH_SR_WRPRTERR (1u << 4)
#define FLASH_SR_EOP	  (1u << 5)

#define FLASH_CR_PG	(1u << 0)
#define FLASH_CR_PER	(1u << 1)
#define FLASH_CR_OPTPG	(1u << 4)
#define FLASH_CR_OPTER	(1u << 5)
#define FLASH_CR_STRT	(1u << 6)
#define FLASH_CR_LOCK	(1u << 7)
#define FLASH_CR_OPTWRE (1u << 9)

/* FLASH_OBR: the option bytes as loaded at the last reset. */
#define FLASH_OBR_RDPRT	     (1u << 1)
#define FLASH_OBR_USER(obr)  (((obr) >> 2) & 0xFFu)
#define FLASH_OBR_DATA0(obr) (((obr) >> 10) & 0xFFu)
#define FLASH_OBR_DATA1(obr) (((obr) >> 18) & 0xFFu)

/*
 * Option bytes in the information block (PM0075 2.5): half-words of a
 * byte and its complement, which the controller writes itself (OPTPG
 * programs the low byte). Index 0 RDP, 1 USER, 2-3 Data0-1, 4-7 WRP0-3.
 * FLASH_WRPR holds WRP3..WRP0 as loaded at reset, a 0 bit protects: on
 * every F1, bit n covers the 4 KiB at n * 4 KiB (4 pages of 1 KiB or 2 of
 * 2 KiB), bit 31 the rest of the flash (PM0075 2.4.2).
 */
#define OB_BASE	    0x1FFFF800u
#define OB_HALF(i)  MMIO16(OB_BASE + 2u * (i))
#define OB_RDP_OFF  0xA5u /* read protection off (level 0) */
#define OB_WRP_UNIT 0x1000u

/* GPIO (RM0008 9.2): 4 bits per pin, CNF[1:0] MODE[1:0] */
#define GPIO_CRL(port)	MMIO32((port) + 0x00u)
#define GPIO_CRH(port)	MMIO32((port) + 0x04u)
#define GPIO_ODR(port)	MMIO32((port) + 0x0Cu)
#define GPIO_BSRR(port) MMIO32((port) + 0x10u)

#define GPIO_CNF_MODE_IN_FLOAT 0x4u /* CNF 01, MODE 00: reset state */
#define GPIO_CNF_MODE_IN_PUPD  0x8u /* CNF 10, MODE 00; ODR picks up/down */
#define GPIO_CNF_MODE_OUT_PP   0x2u /* CNF 00, MODE 10: push-pull, 2 MHz */
#define GPIO_CNF_MODE_AF_PP    0xBu /* CNF 10, MODE 11: AF push-pull 50 MHz */

/* DMA1 (RM0008 13.4), channel c = 1..7 */
#define DMA_ISR	     MMIO32(DMA1_BASE + 0x00u)
#define DMA_IFCR     MMIO32(DMA1_BASE + 0x04u)
#define DMA_CCR(c)   MMIO32(DMA1_BASE + 0x08u + 20u * ((c)-1u))
#define DMA_CNDTR(c) MMIO32(DMA1_BASE + 0x0Cu + 20u * ((c)-1u))
#define DMA_CPAR(c)  MMIO32(DMA1_BASE + 0x10u + 20u * ((c)-1u))
#define DMA_CMAR(c)  MMIO32(DMA1_BASE + 0x14u + 20u * ((c)-1u))

#define DMA_CCR_EN	 (1u << 0)
#define DMA_CCR_CIRC	 (1u << 5)
#define DMA_CCR_MINC	 (1u << 7)
#define DMA_CCR_PL_HIGH	 (2u << 12)
#define DMA_IFCR_CGIF(c) (0xFu << (4u * ((c)-1u))) /* all four flags */

#endif /* IAP_F1_REGS_H */
