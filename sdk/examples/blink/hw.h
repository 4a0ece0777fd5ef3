/*
 * blink - the little hardware the examples need, per family (hw_f1.c,
 * hw_f4.c; examples/stage uses them too). It runs on the reset clock (the
 * HSI): the bootloader hands the chip over in that state, and so does a
 * reset.
 */
#ifndef BLINK_HW_H
#define BLINK_HW_H

/** LED pin as output, USART1 TX at 115200 8N1. */
void blink_hw_init(void);
/** LED on (1) or off (0), whatever the board's polarity. */
void blink_led(int on);
/** Send one byte, waiting for room. */
void blink_putc(char c);
/** USART1 reception on the board's RX pin too (the stage example). */
void blink_rx_init(void);
/** A received byte (0..255), or -1 when none is there. Does not wait. */
int blink_getc(void);

#endif /* BLINK_HW_H */
