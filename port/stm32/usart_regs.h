/*
 * iapboot - USART registers, the same block on STM32F1 (RM0008 27.6) and
 * STM32F4 (RM0090 30.6); b is the peripheral's base address.
 */
#ifndef IAP_USART_REGS_H
#define IAP_USART_REGS_H

#include "cm_regs.h"

#define USART_SR(b)  MMIO32((b) + 0x00u)
#define USART_DR(b)  MMIO32((b) + 0x04u)
#define USART_BRR(b) MMIO32((b) + 0x08u)
#define USART_CR1(b) MMIO32((b) + 0x0Cu)
#define USART_CR3(b) MMIO32((b) + 0x14u)

#define USART_SR_RXNE  (1u << 5)
#define USART_SR_TC    (1u << 6)
#define USART_SR_TXE   (1u << 7)
#define USART_CR1_RE   (1u << 2)
#define USART_CR1_TE   (1u << 3)
#define USART_CR1_UE   (1u << 13)
#define USART_CR3_DMAR (1u << 6)

/* Oversampling by 16: BRR is the bus clock over the baud rate, rounded. */
#define USART_BRR_VALUE(pclk, baud) (((pclk) + (baud) / 2u) / (baud))

#endif /* IAP_USART_REGS_H */
