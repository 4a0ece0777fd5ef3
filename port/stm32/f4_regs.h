/*
 * iapboot - STM32F4 registers used by the port, names as in the reference
 * manual RM0090 (STM32F405/415, F407/417, F427/437, F429/439). Only what
 * the port uses: this is not a general register file.
 */
#ifndef IAP_F4_REGS_H
#define IAP_F4_REGS_H

#include "cm_regs.h"

/* Memory map (RM0090 2.3, register boundary addresses) */
#define GPIOA_BASE   0x40020000u
#define GPIOB_BASE   0x40020400u
#define GPIOC_BASE   0x40020800u
#define GPIOD_BASE   0x40020C00u
#define RCC_BASE     0x40023800u
#define FLASH_R_BASE 0x40023C00u /* the interface, not the memory */
#define DMA2_BASE    0x40026400u
#define USART1_BASE  0x40011000u

/* Reset and clock control (RM0090 7.3) */
#define RCC_CR	     MMIO32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR  MMIO32(RCC_BASE + 0x04u)
#define RCC_CFGR     MMIO32(RCC_BASE + 0x08u)
#define RCC_CIR	     MMIO32(RCC_BASE + 0x0Cu)
#define RCC_AHB1RSTR MMIO32(RCC_BASE + 0x10u)
#define RCC_APB2RSTR MMIO32(RCC_BASE + 0x24u)
#define RCC_AHB1ENR  MMIO32(RCC_BASE + 0x30u)
#define RCC_APB2ENR  MMIO32(RCC_BASE + 0x44u)
#define RCC_CSR	     MMIO32(RCC_BASE + 0x74u)

#define RCC_CR_HSION  (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSEON  (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_CSSON  (1u << 19)
#define RCC_CR_PLLON  (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)

#define RCC_PLLCFGR_PLLM(m) ((uint32_t)(m) << 0)	      /* 2 .. 63 */
#define RCC_PLLCFGR_PLLN(n) ((uint32_t)(n) << 6)	      /* 50 .. 432 */
#define RCC_PLLCFGR_PLLP(p) ((uint32_t)((p) / 2u - 1u) << 16) /* 2,4,6,8 */
#define RCC_PLLCFGR_PLLSRC  (1u << 22)			      /* 1: HSE */
#define RCC_PLLCFGR_PLLQ(q) ((uint32_t)(q) << 24)	      /* 2 .. 15 */
#define RCC_PLLCFGR_RESET   0x24003010u

#define RCC_CFGR_SW_MASK    (3u << 0)
#define RCC_CFGR_SW_HSI	    (0u << 0)
#define RCC_CFGR_SW_PLL	    (2u << 0)
#define RCC_CFGR_SWS_MASK   (3u << 2)
#define RCC_CFGR_SWS_HSI    (0u << 2)
#define RCC_CFGR_SWS_PLL    (2u << 2)
#define RCC_CFGR_PPRE1_DIV4 (5u << 10)
#define RCC_CFGR_PPRE2_DIV2 (4u << 13)

#define RCC_CSR_SFTRSTF (1u << 28) /* the last reset was SYSRESETREQ */

/* GPIO port n (A = 0) enable and reset bits in AHB1ENR/AHB1RSTR. */
#define RCC_AHB1_GPIO(n)       (1u << (n))
#define RCC_AHB1ENR_DMA2EN     (1u << 22)
#define RCC_AHB1RSTR_DMA2RST   (1u << 22)
#define RCC_AHB1ENR_RESET      0x00100000u /* CCMDATARAMEN */
#define RCC_APB2ENR_USART1EN   (1u << 4)
#define RCC_APB2RSTR_USART1RST (1u << 4)

/* Flash interface registers (RM0090 chapter 3) */
#define FLASH_ACR     MMIO32(FLASH_R_BASE + 0x00u)
#define FLASH_KEYR    MMIO32(FLASH_R_BASE + 0x04u)
#define FLASH_OPTKEYR MMIO32(FLASH_R_BASE + 0x08u)
#define FLASH_SR      MMIO32(FLASH_R_BASE + 0x0Cu)
#define FLASH_CR      MMIO32(FLASH_R_BASE + 0x10u)
#define FLASH_OPTCR   MMIO32(FLASH_R_BASE + 0x14u)

#define FLASH_ACR_LATENCY(ws) ((uint32_t)(ws) << 0)
#define FLASH_ACR_PRFTEN      (1u << 8)
#define FLASH_ACR_ICEN	      (1u << 9)
#define FLASH_ACR_DCEN	      (1u << 10)
#define FLASH_ACR_ICRST	      (1u << 11)
#define FLASH_ACR_DCRST	      (1u << 12)

#define FLASH_KEYR_KEY1 0x45670123u
#define FLASH_KEYR_KEY2 0xCDEF89ABu

#define FLASH_OPTKEYR_OPTKEY1 0x08192A3Bu
#define FLASH_OPTKEYR_OPTKEY2 0x4C5D6E7Fu

#define FLASH_SR_EOP	(1u << 0)
#define FLASH_SR_OPERR	(1u << 1)
#define FLASH_SR_WRPERR (1u << 4)
#define FLASH_SR_PGAERR (1u << 5)
#define FLASH_SR_PGPERR (1u << 6)
#define FLASH_SR_PGSERR (1u << 7)
#define FLASH_SR_BSY	(1u << 16)

#define FLASH_CR_PG	   (1u << 0)
#define FLASH_CR_SER	   (1u << 1)
#define FLASH_CR_SNB(n)	   ((uint32_t)(n) << 3) /* 0 .. 11 on F405/407 */
#define FLASH_CR_PSIZE_X32 (2u << 8)
#define FLASH_CR_STRT	   (1u << 16)
#define FLASH_CR_LOCK	   (1u << 31)

/* FLASH_OPTCR: the option bytes as loaded; OPTSTRT programs them anew. */
#define FLASH_OPTCR_OPTLOCK  (1u << 0)
#define FLASH_OPTCR_OPTSTRT  (1u << 1)
#define FLASH_OPTCR_RDP_MASK (0xFFu << 8)
#define FLASH_OPTCR_RDP_L2   (0xCCu << 8)	 /* level 2: options frozen */
#define FLASH_OPTCR_NWRP(n)  (1u << (16u + (n))) /* 0: sector n protected */

/* GPIO (RM0090 8.4): 2 bits per pin in MODER/PUPDR, 4 in AFR */
#define GPIO_MODER(port)   MMIO32((port) + 0x00u)
#define GPIO_OSPEEDR(port) MMIO32((port) + 0x08u)
#define GPIO_PUPDR(port)   MMIO32((port) + 0x0Cu)
#define GPIO_ODR(port)	   MMIO32((port) + 0x14u)
#define GPIO_BSRR(port)	   MMIO32((port) + 0x18u)
#define GPIO_AFRL(port)	   MMIO32((port) + 0x20u)
#define GPIO_AFRH(port)	   MMIO32((port) + 0x24u)

#define GPIO_MODER_OUTPUT 1u
#define GPIO_MODER_AF	  2u
#define GPIO_PUPDR_PULLUP 1u
#define GPIO_AF7_USART1	  7u

/* DMA2 (RM0090 10.5), stream s = 0..7 */
#define DMA_LIFCR     MMIO32(DMA2_BASE + 0x08u)
#define DMA_HIFCR     MMIO32(DMA2_BASE + 0x0Cu)
#define DMA_SxCR(s)   MMIO32(DMA2_BASE + 0x10u + 0x18u * (s))
#define DMA_SxNDTR(s) MMIO32(DMA2_BASE + 0x14u + 0x18u * (s))
#define DMA_SxPAR(s)  MMIO32(DMA2_BASE + 0x18u + 0x18u * (s))
#define DMA_SxM0AR(s) MMIO32(DMA2_BASE + 0x1Cu + 0x18u * (s))
#define DMA_SxM1AR(s) MMIO32(DMA2_BASE + 0x20u + 0x18u * (s))
#define DMA_SxFCR(s)  MMIO32(DMA2_BASE + 0x24u + 0x18u * (s))

#define DMA_SxCR_EN	   (1u << 0)
#define DMA_SxCR_CIRC	   (1u << 8)
#define DMA_SxCR_MINC	   (1u << 10)
#define DMA_SxCR_PL_HIGH   (2u << 16)
#define DMA_SxCR_DBM	   (1u << 18)
#define DMA_SxCR_CT	   (1u << 19)
#define DMA_SxCR_CHSEL(ch) ((uint32_t)(ch) << 25)
#define DMA_SxFCR_RESET	   0x00000021u

/* Flag-clear bits of stream s in LIFCR (s = 0..3) or HIFCR (s = 4..7):
 * CFEIF, CDMEIF, CTEIF, CHTIF, CTCIF at 0, 2, 3, 4, 5 of its group. */
#define DMA_IFCR_ALL(s)                  \
	(0x3Du << ((s) % 4u == 0   ? 0u  \
		   : (s) % 4u == 1 ? 6u  \
		   : (s) % 4u == 2 ? 16u \
				   : 22u))

#endif /* IAP_F4_REGS_H */
