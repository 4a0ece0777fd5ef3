/*
 * Test helper: a minimal ELF32 executable with program headers only; a
 * loader (and our reader) needs no section headers.
 */
#include <string.h>

#include "helper_elf.h"
#include "iap/iap_proto.h"

size_t helper_make_elf(uint8_t *out, uint8_t cls, uint8_t endian,
		       uint16_t machine, const struct helper_seg *s, unsigned n)
{
	size_t off = 52u + 32u * n;

	memset(out, 0, off);
	out[0] = 0x7F;
	out[1] = 'E';
	out[2] = 'L';
	out[3] = 'F';
	out[4] = cls;
	out[5] = endian;
	out[6] = 1;		   /* EV_CURRENT */
	iap_put_le16(out + 16, 2); /* ET_EXEC */
	iap_put_le16(out + 18, machine);
	iap_put_le32(out + 20, 1);
	iap_put_le32(out + 24, n ? s[0].vaddr | 1u : 0); /* e_entry */
	iap_put_le32(out + 28, 52);			 /* e_phoff */
	iap_put_le32(out + 36, 0x05000200u);		 /* EABI5 */
	iap_put_le16(out + 40, 52);
	iap_put_le16(out + 42, 32);
	iap_put_le16(out + 44, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *ph = out + 52 + 32 * i;

		iap_put_le32(ph + 0, s[i].type);
		iap_put_le32(ph + 4, (uint32_t)off);
		iap_put_le32(ph + 8, s[i].vaddr);
		iap_put_le32(ph + 12, s[i].paddr);
		iap_put_le32(ph + 16, s[i].filesz);
		iap_put_le32(ph + 20, s[i].memsz);
		iap_put_le32(ph + 24, 5); /* R+X */
		iap_put_le32(ph + 28, 4);
		memcpy(out + off, s[i].data, s[i].filesz);
		off += s[i].filesz;
	}
	return off;
}
