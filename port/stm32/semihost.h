/*
 * iapboot - ARM semihosting calls for test builds under QEMU (-semihosting).
 * On a board without a debugger the BKPT faults: never in release builds.
 *
 * Exit codes of the bootloader's test build (IAP_TEST_SEMIHOST):
 *   STM32_TEST_EXIT_UPDATE + reason  it stayed in update mode; reason is
 *                                    enum iap_boot_reason (11 requested,
 *                                    12 no image, 13 bad image)
 *   STM32_TEST_EXIT_ERROR            iap_loader_start/poll failed
 *   STM32_TEST_EXIT_FAULT            a fault or unexpected exception
 * A test build that decides to jump does not exit: the application does.
 */
#ifndef IAP_STM32_SEMIHOST_H
#define IAP_STM32_SEMIHOST_H

#include <stdint.h>

#define STM32_TEST_EXIT_UPDATE 10u
#define STM32_TEST_EXIT_ERROR  0x70u
#define STM32_TEST_EXIT_FAULT  0x7Fu

/**
 * stm32_semihost_exit() - SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit
 * and code: QEMU exits with that status. Does not return.
 */
void stm32_semihost_exit(uint32_t code) __attribute__((noreturn));

/** stm32_semihost_write0() - SYS_WRITE0: s appears on QEMU's stdout. */
void stm32_semihost_write0(const char *s);

#endif /* IAP_STM32_SEMIHOST_H */
