/*
 * blink - the little hardware the example needs, per family (hw_f1.c,
 * hw_f4.c). It runs on the reset clock (the HSI): the bootloader hands the
 * chip over in that state, and so does a reset.
 */
#ifndef BLINK_HW_H
#define BLINK_HW_H

/** LED pin as output, USART1 TX at 115200 8N1. */
void blink_hw_init(void);
/** LED on (1) or off (0), whatever the board's polarity. */
void blink_led(int on);
/** Send one byte, waiting for room. */
void blink_putc(char c);

#endif /* BLINK_HW_H */
