/*
 * iap - host command line tool: shared declarations between its commands.
 * Host code may allocate; every function that can fail returns 0 or a
 * negative IAP_ERR_* and writes a one-line English reason into err.
 */
#ifndef IAP_CLI_H
#define IAP_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "iap/iap_image.h"

#define IAP_ERRMSG_SIZE 256

/* Commands: argv[0] is the command name; return the process exit code. */
int iap_cmd_pack(int argc, char **argv);
int iap_cmd_info(int argc, char **argv);
int iap_cmd_flash(int argc, char **argv);
int iap_cmd_status(int argc, char **argv);
int iap_cmd_merge(int argc, char **argv);
int iap_cmd_list_ports(int argc, char **argv);
int iap_cmd_keygen(int argc, char **argv);
int iap_cmd_sign(int argc, char **argv);
int iap_cmd_verify(int argc, char **argv);
int iap_cmd_export_key(int argc, char **argv);

/* A contiguous memory image read from a firmware file. */
struct iap_blob {
	uint8_t *data; /* malloc'd; gaps between records filled with 0xFF */
	uint32_t size;
	uint32_t addr;	/* address of data[0] */
	int addr_known; /* 1 for HEX/ELF, 0 for raw binaries */
};

enum iap_input_fmt {
	IAP_FMT_AUTO = 0, /* by content: ELF magic, ':' HEX, else binary */
	IAP_FMT_BIN,
	IAP_FMT_HEX,
	IAP_FMT_ELF,
	IAP_FMT_IAP
};

/**
 * iap_blob_load() - read a .bin, Intel HEX or ELF file (loadable PT_LOAD
 * segments by physical address). Returns 0 or IAP_ERR_IO (cannot read),
 * IAP_ERR_BADMSG (malformed), IAP_ERR_FBIG (over 16 MiB span).
 */
int iap_blob_load(const char *path, enum iap_input_fmt fmt,
		  struct iap_blob *out, char *err, size_t errlen);
/** Free what iap_blob_load() allocated. */
void iap_blob_free(struct iap_blob *b);

/**
 * iap_ihex_write() - write data as Intel HEX (type 04 extended linear
 * addresses, 16 data bytes a line, type 05 start address if entry != 0,
 * type 01 end). Returns 0 or IAP_ERR_IO.
 */
int iap_ihex_write(const char *path, uint32_t addr, const uint8_t *data,
		   uint32_t size, uint32_t entry, char *err, size_t errlen);

/**
 * iap_file_load() - read an .iap file: header decoded and checked, payload
 * size equal to image_size, SHA-256 of the payload equal to the header's.
 * *payload is malloc'd. Returns 0, IAP_ERR_IO, IAP_ERR_BADMSG,
 * IAP_ERR_CORRUPT (hash or header CRC), IAP_ERR_FBIG or IAP_ERR_INVAL
 * (truncated file / trailing bytes).
 */
int iap_file_load(const char *path, struct iap_image_hdr *h, uint8_t **payload,
		  char *err, size_t errlen);

/*
 * Output files (iap_ihex_write(), iap_file_save(), iap_bin_write()) are
 * written to PATH.tmp, flushed and fsync'd, and only then renamed over PATH:
 * PATH is either as it was or complete, and a failure leaves no PATH.tmp.
 */

/**
 * iap_bin_write() - write size bytes of data to path as a raw binary. With
 * staged not NULL the rename is left to the caller, who may write other
 * files first: *staged receives the malloc'd name of the finished PATH.tmp,
 * for iap_tmp_commit(). Returns 0 or IAP_ERR_IO.
 */
int iap_bin_write(const char *path, const uint8_t *data, uint32_t size,
		  char **staged, char *err, size_t errlen);

/**
 * iap_tmp_commit() - rename a file staged by iap_bin_write() over path, or
 * with ok == 0 remove it; frees tmp. Returns 0, or IAP_ERR_IO when the file
 * was not renamed (it is removed).
 */
int iap_tmp_commit(char *tmp, const char *path, int ok, char *err,
		   size_t errlen);

/** iap_file_save() - write header (encoded) + payload. 0 or IAP_ERR_IO. */
int iap_file_save(const char *path, const struct iap_image_hdr *h,
		  const uint8_t *payload, char *err, size_t errlen);

/** Parse "1.2.3" or "1.2.3+45" into v. Returns 0 or IAP_ERR_INVAL. */
int iap_parse_version(const char *s, struct iap_version *v);

/** Parse a number in C notation (0x.., decimal) into *v. 0 or IAP_ERR_INVAL. */
int iap_parse_u32(const char *s, uint32_t *v);

/** Symbolic name of an IAP_ERR_* code ("IAP_ERR_FBIG"); never NULL. */
const char *iap_err_name(int err);

/**
 * iap_usage_error() - say "iap CMD: <message>" and "Try 'iap CMD --help'."
 * on stderr. Returns 2, the exit status of a usage error.
 */
int iap_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * iap_failure() - say "iap CMD: <message>" on stderr. Returns 1, the exit
 * status of a failure.
 */
int iap_failure(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* IAP_CLI_H */
