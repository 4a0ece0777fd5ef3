/*
 * iap - resuming an upload: what the device's slot already holds, asked
 * sector by sector with HASH and compared with the image (client.h).
 */
#include <string.h>

#include "client.h"
#include "iap/iap_err.h"
#include "iap/iap_sha256.h"

int iap_client_hash(struct iap_client *cl, uint8_t slot, uint32_t off,
		    uint32_t len, struct iap_hash_ans *out)
{
	uint8_t req[IAP_HASH_REQ_SIZE];
	uint8_t body[IAP_HASH_RESP_HDR +
		     IAP_HASH_MAX_ENTRIES * IAP_HASH_DIGEST_SIZE];
	size_t blen = 0;
	/* Hashing runs at well over 32 KiB/s on the slowest part. */
	uint32_t timeout = IAP_CLIENT_TIMEOUT_MS + len / 32u;
	int err;

	memset(req, 0, sizeof(req));
	req[0] = slot;
	iap_put_le32(&req[4], off);
	iap_put_le32(&req[8], len);
	err = iap_client_request(cl, IAP_CMD_HASH, req, sizeof(req), body,
				 sizeof(body), &blen, timeout,
				 IAP_CLIENT_RETRIES);
	if (err) {
		return err;
	}
	if (blen < IAP_HASH_RESP_HDR) {
		return IAP_ERR_PROTO;
	}
	out->off = iap_get_le32(body);
	out->n = body[4];
	out->blank = iap_get_le16(&body[6]);
	if (out->off != off || out->n > IAP_HASH_MAX_ENTRIES ||
	    (len && !out->n) ||
	    blen != IAP_HASH_RESP_HDR + out->n * IAP_HASH_DIGEST_SIZE) {
		return IAP_ERR_PROTO;
	}
	memcpy(out->digest, &body[IAP_HASH_RESP_HDR],
	       out->n * IAP_HASH_DIGEST_SIZE);
	return 0;
}

/* End of the flash sector holding addr, from INFO; 0 if none does. */
static uint64_t sector_end(const struct iap_info *in, uint32_t addr)
{
	for (uint8_t i = 0; i < in->region_count; i++) {
		uint64_t ss = in->regions[i].sector_size;
		uint64_t rs = in->regions[i].addr;
		uint64_t re = rs + ss * in->regions[i].count;

		if (ss && addr >= rs && addr < re) {
			return rs + ((addr - rs) / ss + 1u) * ss;
		}
	}
	return 0;
}

static int same(const uint8_t *data, uint32_t n,
		const uint8_t digest[IAP_HASH_DIGEST_SIZE])
{
	uint8_t d[IAP_SHA256_SIZE];

	iap_sha256(data, n, d);
	return memcmp(d, digest, IAP_HASH_DIGEST_SIZE) == 0;
}

static int all_erased(const uint8_t *data, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (data[i] != IAP_FLASH_ERASED) {
			return 0;
		}
	}
	return 1;
}

/*
 * The leading run of sectors that agree with data: *run_end is where it
 * ends, *last the start of its last sector (0 when the run is empty).
 * The first request covers one sector only: a device that holds nothing
 * of the image hashes no more than that.
 */
static int agreeing_run(struct iap_client *cl, uint8_t slot, uint32_t base,
			const uint8_t *data, uint32_t len, uint32_t *run_end,
			uint32_t *last)
{
	const struct iap_info *in = &cl->info;
	uint32_t off = 0;
	int first = 1;

	*run_end = 0;
	*last = 0;
	while (off < len) {
		struct iap_hash_ans a;
		uint64_t se = sector_end(in, base + off);
		uint32_t ask;
		int err;

		if (!se) {
			return 0; /* outside the geometry INFO gave */
		}
		ask = first ? (uint32_t)(se - base - off) : len - off;
		if (ask > len - off) {
			ask = len - off;
		}
		first = 0;
		err = iap_client_hash(cl, slot, off, ask, &a);
		if (err) {
			return err;
		}
		for (unsigned int i = 0; i < a.n && off < len; i++) {
			uint64_t e = sector_end(in, base + off);
			uint32_t stop;

			if (!e) {
				return 0;
			}
			stop = e - base < len ? (uint32_t)(e - base) : len;
			if (!same(&data[off], stop - off, a.digest[i])) {
				return 0;
			}
			*last = off;
			off = stop;
			*run_end = off;
		}
	}
	return 0;
}

int iap_client_resume_point(struct iap_client *cl, uint8_t slot,
			    const uint8_t *data, uint32_t len, uint32_t *from)
{
	const struct iap_info *in = &cl->info;
	uint32_t base = slot == IAP_SLOT_STAGE ? in->stage_addr : in->app_addr;
	uint32_t ws = in->write_size ? in->write_size : 1u;
	uint32_t run_end, last;
	struct iap_hash_ans a;
	int err;

	*from = 0;
	if (!cl->have_info || !(in->caps & IAP_CAP_RESUME) ||
	    !in->region_count || !len) {
		return 0;
	}
	err = agreeing_run(cl, slot, base, data, len, &run_end, &last);
	if (err || run_end == 0 || run_end == len) {
		*from = err ? 0 : run_end;
		return err;
	}
	/* Had the writing reached the sector after the run? Only then is
	 * the run's last unit known not to be the one the cut tore. */
	if (ws <= len - run_end && !all_erased(&data[run_end], ws)) {
		err = iap_client_hash(cl, slot, run_end, ws, &a);
		if (err) {
			return err;
		}
		if (a.n == 1 && same(&data[run_end], ws, a.digest[0])) {
			*from = run_end;
			return 0;
		}
	}
	*from = last;
	return 0;
}
