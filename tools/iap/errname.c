/*
 * iap - symbolic names of error codes, for messages a user can search for.
 */
#include "iap/iap_err.h"
#include "iap_cli.h"

const char *iap_err_name(int err)
{
	switch (err) {
	case IAP_OK:
		return "IAP_OK";
	case IAP_ERR_PERM:
		return "IAP_ERR_PERM";
	case IAP_ERR_NOENT:
		return "IAP_ERR_NOENT";
	case IAP_ERR_IO:
		return "IAP_ERR_IO";
	case IAP_ERR_NOEXEC:
		return "IAP_ERR_NOEXEC";
	case IAP_ERR_FAULT:
		return "IAP_ERR_FAULT";
	case IAP_ERR_BUSY:
		return "IAP_ERR_BUSY";
	case IAP_ERR_NOTERASED:
		return "IAP_ERR_NOTERASED";
	case IAP_ERR_INVAL:
		return "IAP_ERR_INVAL";
	case IAP_ERR_FBIG:
		return "IAP_ERR_FBIG";
	case IAP_ERR_RANGE:
		return "IAP_ERR_RANGE";
	case IAP_ERR_PROTO:
		return "IAP_ERR_PROTO";
	case IAP_ERR_BADMSG:
		return "IAP_ERR_BADMSG";
	case IAP_ERR_OVERFLOW:
		return "IAP_ERR_OVERFLOW";
	case IAP_ERR_CORRUPT:
		return "IAP_ERR_CORRUPT";
	case IAP_ERR_NOTSUP:
		return "IAP_ERR_NOTSUP";
	case IAP_ERR_ALIGN:
		return "IAP_ERR_ALIGN";
	case IAP_ERR_TIMEDOUT:
		return "IAP_ERR_TIMEDOUT";
	case IAP_ERR_CANCELED:
		return "IAP_ERR_CANCELED";
	case IAP_ERR_BOARD:
		return "IAP_ERR_BOARD";
	case IAP_ERR_OLDLOADER:
		return "IAP_ERR_OLDLOADER";
	case IAP_ERR_UNCONFIRMED:
		return "IAP_ERR_UNCONFIRMED";
	case IAP_ERR_UNSIGNED:
		return "IAP_ERR_UNSIGNED";
	case IAP_ERR_KEY:
		return "IAP_ERR_KEY";
	case IAP_ERR_REVOKED:
		return "IAP_ERR_REVOKED";
	case IAP_ERR_SIGNATURE:
		return "IAP_ERR_SIGNATURE";
	case IAP_ERR_ROLLBACK:
		return "IAP_ERR_ROLLBACK";
	default:
		return "IAP_ERR_UNKNOWN";
	}
}
