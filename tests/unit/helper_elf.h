/*
 * Test helper: build a small 32-bit ELF executable in memory, so the ELF
 * reader can be tested without a cross compiler.
 */
#ifndef HELPER_ELF_H
#define HELPER_ELF_H

#include <stddef.h>
#include <stdint.h>

#define HELPER_ELF_PT_LOAD 1u
#define HELPER_ELF_PT_NOTE 4u
#define HELPER_ELF_EM_ARM  40u

struct helper_seg {
	uint32_t type, vaddr, paddr, filesz, memsz;
	const uint8_t *data;
};

/*
 * helper_make_elf() - header, program headers, then each segment's filesz
 * bytes, into out (52 + 32 * n + data bytes). cls 1 = 32-bit, endian 1 =
 * little, 2 = big (the header is still written little-endian). Returns the
 * file size.
 */
size_t helper_make_elf(uint8_t *out, uint8_t cls, uint8_t endian,
		       uint16_t machine, const struct helper_seg *s,
		       unsigned n);

#endif /* HELPER_ELF_H */
