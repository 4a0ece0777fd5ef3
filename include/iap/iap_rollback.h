/*
 * iapboot - anti-rollback record: a monotonic security counter in flash.
 *
 * The record lives in a region of one or more whole sectors, reserved for
 * it. It is a log of fixed-size entries; the value of the record is the
 * highest valid entry, 0 when there is none (an erased region).
 *
 * Entry: IAP_ROLLBACK_ENTRY_SIZE(write_size) = max(8, write_size) bytes,
 * at multiples of that size from the start of each sector:
 *
 *   0..3   value   le32
 *   4..7   ~value  le32 (the bitwise complement)
 *   8..    0       only when the write unit is larger than 8 bytes
 *
 * An entry is valid when its second word is the complement of its first;
 * an erased entry reads all 0xFF (and is not valid: ~0xFFFFFFFF is 0).
 *
 * Raising appends one entry, in one program call, into the first erased
 * slot after the last non-erased entry of a sector (so the leftovers of an
 * interrupted raise are skipped, never programmed over), then reads it
 * back. The sector of the current maximum is tried first, then the ones
 * after it in turn. When every sector is full:
 *   - with two or more sectors, the sector after the one that holds the
 *     current maximum is erased (never that one, so the erases go round)
 *     and the entry goes to its first slot;
 *   - with one sector the raise fails with IAP_ERR_FBIG without a program
 *     or an erase: the record keeps its value.
 * Capacity: one sector takes sector_size / entry_size raises (1 KiB F1
 * page: 128; 16 KiB F4 sector: 2048), one less for each raise that a power
 * cut interrupted. With n >= 2 sectors there is no limit but wear: every
 * sector_size / entry_size raises cost one sector erase, in turn over the
 * n sectors.
 *
 * Power cuts (a program that leaves a prefix of its units and part of the
 * bits of one more; an erase that leaves bytes at old | random bits):
 * after any cut, iap_rollback_read() returns at least the value of the
 * last raise that returned 0, and never a value that no raise asked for.
 * The argument is in src/rollback.c.
 *
 * The region must be erased once when the record is set up (a blank part,
 * or iap_flash_erase_span() at provisioning): left-over data may hold a
 * word and its complement by chance, which would read as a value. It must
 * not be shared with anything else, and it is not protected against a
 * deliberate rewrite: it stops an update to an older image; an attacker
 * with flash access is another threat model.
 */
#ifndef IAP_ROLLBACK_H
#define IAP_ROLLBACK_H

#include <stdint.h>

#include "iap_flash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes per entry for a flash whose write unit is ws bytes. */
#define IAP_ROLLBACK_ENTRY_SIZE(ws) ((ws) > 8u ? (uint32_t)(ws) : 8u)

/**
 * iap_rollback_read() - the value of the record in [addr, addr+size).
 * @f:     the flash
 * @addr:  first byte of the region, the start of a sector
 * @size:  whole sectors; 0 means there is no record: the value is 0
 * @value: receives the highest valid entry, 0 when there is none
 *
 * Only reads the flash. Returns 0, IAP_ERR_ALIGN (the region does not
 * start or end on a sector boundary), IAP_ERR_FAULT (outside the flash),
 * IAP_ERR_INVAL (write_size not a power of two up to 16, or a sector
 * smaller than an entry) or the read callback's error; on error *value is
 * left as it was.
 */
int iap_rollback_read(const struct iap_flash *f, uint32_t addr, uint32_t size,
		      uint32_t *value);

/**
 * iap_rollback_raise() - make the record at least value.
 * @f:     the flash
 * @addr:  first byte of the region, the start of a sector
 * @size:  whole sectors
 * @value: the new lowest value
 *
 * Does nothing, not one program or erase, when the record already is
 * value or more (so always for value 0). Otherwise appends an entry,
 * erasing one sector first when the region is full (see the file comment),
 * and reads it back. A slot that reads erased but that the flash refuses to
 * program (IAP_ERR_NOTERASED: a cut program that cleared no bit yet) is
 * skipped for the next one.
 *
 * Returns 0 when the record reads value or more; IAP_ERR_FBIG (used here
 * for "record full") when it cannot grow: a region of one sector whose
 * slots are all used, or size 0; IAP_ERR_IO when the entry read back
 * differs from what was programmed; the region errors of
 * iap_rollback_read(); or the error of a flash callback. After an error
 * the record still reads at least its value before the call.
 */
int iap_rollback_raise(const struct iap_flash *f, uint32_t addr, uint32_t size,
		       uint32_t value);

#ifdef __cplusplus
}
#endif

#endif /* IAP_ROLLBACK_H */
