/*
 * iapboot - one error enum for the core, the ports and the tools.
 *
 * Every function that can fail returns int: 0 (IAP_OK) or one of the negative
 * codes below. The values follow errno where one fits, so a host tool can
 * print them next to strerror-style text. The same numbers travel on the
 * wire (iap_proto.h), so they never change once released.
 */
#ifndef IAP_ERR_H
#define IAP_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

enum iap_err {
	IAP_OK = 0,
	IAP_ERR_PERM = -1,	 /* operation not allowed in this state */
	IAP_ERR_NOENT = -2,	 /* no image / nothing there */
	IAP_ERR_IO = -5,	 /* flash or transport failure */
	IAP_ERR_AGAIN = -11,	 /* bytes before this chunk were lost: resend */
	IAP_ERR_NOEXEC = -8,	 /* vector table not bootable */
	IAP_ERR_FAULT = -14,	 /* address outside the allowed region */
	IAP_ERR_BUSY = -16,	 /* resource busy, try again */
	IAP_ERR_NOTERASED = -17, /* programming a cell that is not erased */
	IAP_ERR_INVAL = -22,	 /* invalid argument / malformed request */
	IAP_ERR_FBIG = -27,	 /* image larger than the slot */
	IAP_ERR_RANGE = -34,	 /* image linked for another address */
	IAP_ERR_PROTO = -71,	 /* protocol error (sequence, framing) */
	IAP_ERR_BADMSG = -74,	 /* bad magic / unknown format version */
	IAP_ERR_OVERFLOW = -75,	 /* frame longer than the buffer */
	IAP_ERR_CORRUPT = -84,	 /* checksum or hash mismatch */
	IAP_ERR_NOTSUP = -95,	 /* unknown command or feature */
	IAP_ERR_ALIGN = -98,	 /* address or length not aligned */
	IAP_ERR_TIMEDOUT = -110, /* no answer in time */
	IAP_ERR_CANCELED = -125, /* power cut (simulator) or aborted */
	IAP_ERR_BOARD = -126,	 /* image built for another board */
	IAP_ERR_OLDLOADER = -127,   /* image needs a newer bootloader */
	IAP_ERR_UNCONFIRMED = -128, /* test image not confirmed: reverted */
	IAP_ERR_UNSIGNED = -129,    /* signature required, image unsigned */
	IAP_ERR_KEY = -130,	    /* signed with a key the loader lacks */
	IAP_ERR_REVOKED = -131,	    /* signed with a revoked key */
	IAP_ERR_SIGNATURE = -132,   /* signature does not verify */
	IAP_ERR_ROLLBACK = -133	    /* security counter below the record */
};

/**
 * iap_strerror() - short English text for an error code.
 * Returns a static string; never NULL, also for unknown codes.
 */
const char *iap_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* IAP_ERR_H */
