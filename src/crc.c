/*
 * iapboot - CRC-32 (reflected 0xEDB88320) and CRC-8 (0x07), bitwise: a
 * 1 KiB table would cost more flash than the bootloader saves in time.
 */
#include "iap/iap_crc.h"

uint32_t iap_crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++) {
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
		}
	}
	return ~crc;
}

uint8_t iap_crc8(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t crc = 0;

	while (len--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++) {
			uint32_t c = (uint32_t)crc << 1;

			crc = (uint8_t)((crc & 0x80u) ? c ^ 0x07u : c);
		}
	}
	return crc;
}
