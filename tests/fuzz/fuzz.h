/*
 * iapboot - what every fuzz target shares: the invariant check (a failed
 * one is a crash libFuzzer reports, with the expression on stderr), the
 * entry point's prototype, and a small generator for piece sizes.
 */
#ifndef IAP_FUZZ_H
#define IAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                              \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, \
				__FILE__, __LINE__);                          \
			abort();                                              \
		}                                                             \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* xorshift32: piece sizes from a seed taken from the input. */
static inline uint32_t fuzz_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

#endif /* IAP_FUZZ_H */
