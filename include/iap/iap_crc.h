/*
 * iapboot - checksums: CRC-32 (IEEE 802.3, reflected poly 0xEDB88320, the
 * one zlib and Ethernet use; check value 0xCBF43926 for "123456789") and
 * CRC-8 (poly 0x07, init 0, check value 0xF4), bitwise so they fit a small
 * bootloader.
 */
#ifndef IAP_CRC_H
#define IAP_CRC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * iap_crc32() - continue a CRC-32 over len bytes. Start with crc = 0;
 * iap_crc32(iap_crc32(0, a, n), b, m) equals the CRC of a then b.
 * Returns the new CRC.
 */
uint32_t iap_crc32(uint32_t crc, const void *data, size_t len);

/** iap_crc8() - CRC-8/SMBUS of len bytes. Returns the CRC. */
uint8_t iap_crc8(const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* IAP_CRC_H */
