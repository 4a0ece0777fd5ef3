/*
 * iap-sim - host simulator of the iapboot bootloader: boards, a file-backed
 * NOR flash that obeys the part's rules, and the line transport.
 */
#ifndef IAP_SIM_H
#define IAP_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "iap/iap_flash.h"
#include "iap/iap_layout.h"

/* Exit code of iap-sim when the simulated power is cut. */
#define SIM_EXIT_POWERCUT 3

struct sim_board {
	const char *name; /* "f103c8", "f103cb", "f407vg" */
	const char *desc; /* "STM32F103C8 (Blue Pill), 64 KiB, 1 KiB pages" */
	const struct iap_flash_region *regions;
	uint32_t region_count;
	uint32_t write_size; /* 2 on F1 (half-word), 4 on F4 (x32) */
	struct iap_layout layout;
	uint16_t max_payload; /* frame payload buffer of the device */
	/* Datasheet timings (typical) for the optional timing model. */
	uint32_t prog_unit_us;	   /* one write unit */
	uint32_t erase_us_per_kib; /* sector erase time per KiB */
};

/** The board called name, or NULL. */
const struct sim_board *sim_board_find(const char *name);
/** All boards; *count receives their number. */
const struct sim_board *sim_board_all(size_t *count);

struct sim_flash {
	const struct sim_board *board;
	struct iap_flash ops; /* what the core uses; ctx points here */
	uint8_t *mem;	      /* whole flash image, mirrored in the file */
	uint32_t base, size;
	int fd;		  /* backing file */
	uint8_t *written; /* one flag per write unit: programmed since erase */
	/* Counters */
	uint64_t ops_done;  /* erase + program calls that completed */
	uint64_t cut_after; /* 0: never; else cut power on op cut_after+1 */
	uint64_t erases, progs, bytes_programmed;
	uint64_t busy_us; /* flash busy time from the timing model */
	int timing;	  /* 1: sleep busy time for real */
};

/**
 * sim_flash_open() - map the flash of board b onto the file at path; a
 * missing or empty file is created erased (0xFF). Returns 0 or IAP_ERR_IO
 * (cannot open/size mismatch, with a message on stderr).
 */
int sim_flash_open(struct sim_flash *f, const struct sim_board *b,
		   const char *path);
/** Flush and close. */
void sim_flash_close(struct sim_flash *f);

enum sim_link_kind { SIM_LINK_PTY = 0, SIM_LINK_STDIO = 1 };

struct sim_link {
	int kind;
	int in_fd, out_fd;
	int slave_fd;	/* pty: kept open so the line survives the host */
	char path[128]; /* pty: slave path to give to the host */
	uint32_t baud;	/* 0: unpaced; else bytes are paced at 10 bits */
	uint64_t rx_bytes, tx_bytes;
};

/** Open a pty in raw mode; path is filled. Returns 0 or IAP_ERR_IO. */
int sim_link_open_pty(struct sim_link *l);
/** Use stdin/stdout. Returns 0. */
int sim_link_open_stdio(struct sim_link *l);
/**
 * sim_link_read() - wait up to timeout_ms for bytes. Returns the number
 * read (0 on timeout) or IAP_ERR_IO.
 */
int sim_link_read(struct sim_link *l, uint8_t *buf, size_t cap, int timeout_ms);
/** Send callback for iap_server_cfg (ctx = struct sim_link *). */
int sim_link_send(void *ctx, const uint8_t *data, size_t len);
void sim_link_close(struct sim_link *l);

/** Monotonic milliseconds. */
uint32_t sim_now_ms(void);

#endif /* IAP_SIM_H */
