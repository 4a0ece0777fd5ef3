/*
 * iapboot - error texts.
 */
#include "iap/iap_err.h"

const char *iap_strerror(int err)
{
	switch (err) {
	case IAP_OK:
		return "ok";
	case IAP_ERR_PERM:
		return "not allowed in this state";
	case IAP_ERR_NOENT:
		return "no image";
	case IAP_ERR_IO:
		return "I/O error";
	case IAP_ERR_NOEXEC:
		return "vector table not bootable";
	case IAP_ERR_FAULT:
		return "address outside the allowed region";
	case IAP_ERR_AGAIN:
		return "data before this chunk missing, resend from next "
		       "offset";
	case IAP_ERR_BUSY:
		return "busy";
	case IAP_ERR_NOTERASED:
		return "flash not erased";
	case IAP_ERR_INVAL:
		return "invalid argument";
	case IAP_ERR_FBIG:
		return "image larger than the slot";
	case IAP_ERR_RANGE:
		return "image linked for another address";
	case IAP_ERR_PROTO:
		return "protocol error";
	case IAP_ERR_BADMSG:
		return "bad magic or format";
	case IAP_ERR_OVERFLOW:
		return "frame too long";
	case IAP_ERR_CORRUPT:
		return "checksum mismatch";
	case IAP_ERR_NOTSUP:
		return "not supported";
	case IAP_ERR_ALIGN:
		return "misaligned address or length";
	case IAP_ERR_TIMEDOUT:
		return "timed out";
	case IAP_ERR_CANCELED:
		return "canceled";
	case IAP_ERR_BOARD:
		return "image built for another board";
	case IAP_ERR_OLDLOADER:
		return "image needs a newer bootloader";
	case IAP_ERR_UNCONFIRMED:
		return "new image did not confirm itself";
	case IAP_ERR_UNSIGNED:
		return "image not signed";
	case IAP_ERR_KEY:
		return "signed with an unknown key";
	case IAP_ERR_REVOKED:
		return "signed with a revoked key";
	case IAP_ERR_SIGNATURE:
		return "signature invalid";
	case IAP_ERR_ROLLBACK:
		return "security counter below the record (rollback)";
	default:
		return "unknown error";
	}
}
