/*
 * iapboot - anti-rollback record: a log of (value, ~value) entries over
 * one or more whole sectors (format in iap_rollback.h).
 *
 * Why a power cut can neither lower the record nor invent a value.
 *
 * Flash can only change an entry in two directions: a program clears bits
 * (1 -> 0), an erase sets them (0 -> 1); a cut stops either part way, which
 * in the model of port/sim (and of NOR flash in general) leaves some of the
 * bits it was to change changed and the others as they were. Take an entry
 * (w0, w1) and call a bit position i "double" when w0 and w1 both have a 1
 * there. Invariant: every entry in the region either
 *   (a) is exactly (v, ~v) for a value v that some raise programmed
 *       (the raise may have been cut: every bit made it anyway), or
 *   (b) has at least one double position (erased entries: all of them).
 * Valid entries, w1 == ~w0, have no double position, so they are all (a).
 * The invariant holds for an erased region, and each operation keeps it:
 *   - A program only goes onto an entry that reads all 0xFF (the slots
 *     after the last non-erased entry of a sector; the flash refuses a
 *     unit that was programmed since its erase). Aiming at (v, ~v), it
 *     leaves (v | m0, ~v | m1) where m0, m1 are the bits not cleared yet.
 *     A bit i in m0 is a 0 of v, so ~v has a 1 there and w1 too: i is
 *     double. Likewise for a bit in m1. So the entry is either complete,
 *     (a) with the value being raised, or (b).
 *   - An erase, complete or cut, only sets bits. In an (a) entry, setting
 *     bit i of w0 (a 0 of v) meets a 1 in w1 = ~v, and setting a bit of w1
 *     meets a 1 in w0: the entry stays (v, ~v) or becomes (b). A double
 *     position stays double. Entries in other sectors are not touched.
 * So read() only ever returns 0 or a value some raise asked for: never a
 * value higher than every value raised. A torn entry that happens to be
 * complete reads as the new value, which the raise asked for.
 *
 * Never lower: a raise that returned 0 read its entry back, complete. An
 * entry only disappears in an erase, and raise() never erases the sector
 * that holds the current maximum (which is at least the value of the last
 * completed raise): it erases another one, then programs the new, higher
 * entry there. A cut during that erase or that program leaves the maximum
 * where it was; once the new entry is complete, the maximum moves to it.
 * With one sector there is nothing else to erase, so a full sector is an
 * error rather than a risk.
 *
 * Both halves assume the region held only entries to begin with: erased
 * at provisioning, not left over from other data (which may contain a pair
 * w1 == ~w0 by chance).
 */
#include <string.h>

#include "iap/iap_err.h"
#include "iap/iap_flash.h"
#include "iap/iap_proto.h"
#include "iap/iap_rollback.h"

enum {
	ENTRY_MAX = 16, /* largest write unit (iap_flash_check_geometry()) */
	CHUNK = 64	/* bytes read at a time: whole entries of any size */
};

/* A checked region: its entry size and how many sectors it covers. */
struct region {
	uint32_t addr;
	uint32_t esize;
	uint32_t sectors;
};

/* What one sector holds. */
struct sector_scan {
	uint32_t start, size;
	uint32_t slots; /* entries that fit */
	uint32_t next;	/* slot after the last non-erased entry */
	int valid;	/* 1: at least one valid entry */
	uint32_t max;	/* the highest valid entry */
};

static int region_check(const struct iap_flash *f, uint32_t addr, uint32_t size,
			struct region *r)
{
	uint32_t ws = f->write_size;
	uint64_t end = (uint64_t)addr + size;
	uint64_t pos = addr;

	if (ws == 0 || ws > ENTRY_MAX || (ws & (ws - 1)) != 0) {
		return IAP_ERR_INVAL;
	}
	r->addr = addr;
	r->esize = IAP_ROLLBACK_ENTRY_SIZE(ws);
	r->sectors = 0;
	while (pos < end) {
		uint32_t start, ssize;

		if (iap_flash_sector(f, (uint32_t)pos, &start, &ssize) != 0) {
			return IAP_ERR_FAULT;
		}
		if (start != pos || ssize > end - pos) {
			return IAP_ERR_ALIGN;
		}
		if (ssize < r->esize) {
			return IAP_ERR_INVAL;
		}
		pos += ssize;
		r->sectors++;
	}
	return 0;
}

/* Sector number idx of a checked region. */
static int region_sector(const struct iap_flash *f, const struct region *r,
			 uint32_t idx, uint32_t *start, uint32_t *size)
{
	uint32_t pos = r->addr;

	for (;;) {
		int err = iap_flash_sector(f, pos, start, size);

		if (err || idx-- == 0) {
			return err;
		}
		pos = *start + *size;
	}
}

/* Bytes 8.. of an entry (write units above 8 bytes) all erased. */
static int tail_erased(const uint8_t *p, uint32_t esize)
{
	uint8_t all = IAP_FLASH_ERASED;

	for (uint32_t i = 8; i < esize; i++) {
		all &= p[i];
	}
	return all == IAP_FLASH_ERASED;
}

/* len bytes of buf all erased, a word at a time (len a multiple of 8). */
static int all_erased(const uint8_t *buf, uint32_t len)
{
	uint32_t all = 0xFFFFFFFFu;

	for (uint32_t i = 0; i < len; i += 4) {
		all &= iap_get_le32(&buf[i]);
	}
	return all == 0xFFFFFFFFu;
}

static int scan_sector(const struct iap_flash *f, const struct region *r,
		       uint32_t idx, struct sector_scan *s)
{
	uint8_t buf[CHUNK];
	uint32_t slot = 0;
	int err = region_sector(f, r, idx, &s->start, &s->size);

	if (err) {
		return err;
	}
	s->slots = s->size / r->esize;
	s->next = 0;
	s->valid = 0;
	s->max = 0;
	while (slot < s->slots) {
		uint32_t n = s->slots - slot;

		if (n > CHUNK / r->esize) {
			n = CHUNK / r->esize;
		}
		err = f->read(f->ctx, s->start + slot * r->esize, buf,
			      n * r->esize);
		if (err) {
			return err;
		}
		if (all_erased(buf, n * r->esize)) {
			/* The log's erased tail: nothing to decode. */
			slot += n;
			continue;
		}
		for (uint32_t i = 0; i < n; i++, slot++) {
			const uint8_t *e = &buf[i * r->esize];
			uint32_t w0 = iap_get_le32(e);
			uint32_t w1 = iap_get_le32(e + 4);

			if ((w0 & w1) == 0xFFFFFFFFu &&
			    tail_erased(e, r->esize)) {
				continue;
			}
			s->next = slot + 1;
			if (w1 == (uint32_t)~w0 && (!s->valid || w0 > s->max)) {
				s->valid = 1;
				s->max = w0;
			}
		}
	}
	return 0;
}

/* The highest valid entry of the region and the sector that holds it. */
static int scan_region(const struct iap_flash *f, const struct region *r,
		       int *valid, uint32_t *max, uint32_t *where)
{
	*valid = 0;
	*max = 0;
	*where = 0;
	for (uint32_t i = 0; i < r->sectors; i++) {
		struct sector_scan s;
		int err = scan_sector(f, r, i, &s);

		if (err) {
			return err;
		}
		if (s.valid && (!*valid || s.max > *max)) {
			*valid = 1;
			*max = s.max;
			*where = i;
		}
	}
	return 0;
}

/* Program one entry in one call, then check what the flash holds. */
static int put_entry(const struct iap_flash *f, uint32_t at, uint32_t esize,
		     uint32_t value)
{
	uint8_t e[ENTRY_MAX], back[ENTRY_MAX];
	int err;

	memset(e, 0, sizeof(e));
	iap_put_le32(e, value);
	iap_put_le32(e + 4, ~value);
	err = f->prog(f->ctx, at, e, esize);
	if (!err) {
		err = f->read(f->ctx, at, back, esize);
	}
	if (!err && memcmp(e, back, esize) != 0) {
		err = IAP_ERR_IO;
	}
	return err;
}

int iap_rollback_read(const struct iap_flash *f, uint32_t addr, uint32_t size,
		      uint32_t *value)
{
	struct region r;
	uint32_t max, where;
	int valid, err;

	if (size == 0) {
		*value = 0;
		return 0;
	}
	err = region_check(f, addr, size, &r);
	if (!err) {
		err = scan_region(f, &r, &valid, &max, &where);
	}
	if (!err) {
		*value = max;
	}
	return err;
}

int iap_rollback_raise(const struct iap_flash *f, uint32_t addr, uint32_t size,
		       uint32_t value)
{
	struct region r;
	uint32_t max, where, victim;
	struct sector_scan s;
	int valid, err;

	if (size == 0) {
		return value == 0 ? 0 : IAP_ERR_FBIG;
	}
	err = region_check(f, addr, size, &r);
	if (!err) {
		err = scan_region(f, &r, &valid, &max, &where);
	}
	if (err || max >= value) {
		return err;
	}
	/*
	 * Append: the sector of the maximum first, then the following ones
	 * in turn. Slots after the last non-erased entry only, so leftovers
	 * of a cut raise are never programmed over.
	 */
	for (uint32_t k = 0; k < r.sectors; k++) {
		err = scan_sector(f, &r, (where + k) % r.sectors, &s);
		if (err) {
			return err;
		}
		for (uint32_t slot = s.next; slot < s.slots; slot++) {
			err = put_entry(f, s.start + slot * r.esize, r.esize,
					value);
			if (err != IAP_ERR_NOTERASED) {
				return err;
			}
		}
	}
	/* Full. Never erase the sector of the maximum: with one sector,
	 * the record stays as it is. */
	if (r.sectors < 2) {
		return IAP_ERR_FBIG;
	}
	victim = valid ? (where + 1) % r.sectors : 0;
	err = region_sector(f, &r, victim, &s.start, &s.size);
	if (!err) {
		err = f->erase(f->ctx, s.start);
	}
	if (!err) {
		err = put_entry(f, s.start, r.esize, value);
	}
	return err;
}
