/*
 * iap-sim - host simulator of the iapboot bootloader: boards, a file-backed
 * NOR flash that obeys the part's rules, and the line transport.
 * See docs/SIMULATOR.md.
 */
#ifndef IAP_SIM_H
#define IAP_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "iap/iap_flash.h"
#include "iap/iap_layout.h"

/* Exit code of iap-sim when the simulated power is cut. */
#define SIM_EXIT_POWERCUT 3

/* Largest max_payload of any board: sizes the simulator's frame buffers. */
#define SIM_MAX_PAYLOAD 4100u

struct sim_board {
	const char *name; /* "f103c8", "f103cb", "f407vg" */
	const char *desc; /* "STM32F103C8 (Blue Pill), 64 KiB, 1 KiB pages" */
	const struct iap_flash_region *regions;
	uint32_t region_count;
	uint32_t write_size; /* 2 on F1 (half-word), 4 on F4 (x32) */
	struct iap_layout layout;
	uint16_t max_payload; /* frame payload buffer of the device */
	uint32_t rx_ring;     /* receive ring of the STM32 port, bytes */
	/*
	 * Datasheet timings (typical) for the optional timing model:
	 * program = prog_unit_us per write unit; erase of one sector =
	 * erase_us_base + erase_us_per_kib x its size in KiB.
	 */
	uint32_t prog_unit_us;	   /* one write unit */
	uint32_t erase_us_per_kib; /* sector erase time per KiB */
	uint32_t erase_us_base;	   /* fixed part of a sector erase */
};

/** The board called name, or NULL. */
const struct sim_board *sim_board_find(const char *name);
/** All boards; *count receives their number. */
const struct sim_board *sim_board_all(size_t *count);

/*
 * What a power cut does to the operation it hits (docs/SIMULATOR.md):
 *   CLEAN  the operation does not happen at all.
 *   TORN   part of it happens: a program leaves a random prefix of its
 *          units programmed and one more unit with a random part of its
 *          bits cleared, all of them counting as programmed; an erase leaves
 *          every byte of the sector at old | random bits, some bytes 0xFF,
 *          and only the units that read all 0xFF count as erased.
 * The randomness comes from cut_seed (xorshift), so a run is reproducible.
 */
enum sim_cut_mode { SIM_CUT_CLEAN = 0, SIM_CUT_TORN = 1 };

/*
 * What happens after the cut. EXIT: the process ends at once with
 * SIM_EXIT_POWERCUT (iap-sim: one process is one power-on). HALT: the
 * process goes on but the flash is dead: the operation that hit the cut and
 * every later read, program or erase return IAP_ERR_CANCELED and change
 * nothing, until sim_flash_power_on() (in-process power-cut tests).
 */
enum sim_cut_action { SIM_CUT_EXIT = 0, SIM_CUT_HALT = 1 };

/* Operation kinds, as passed to the power-cut point. */
enum sim_flash_op { SIM_OP_PROG = 0, SIM_OP_ERASE = 1 };

/* The operation a cut hit, for reports. */
struct sim_cut_info {
	uint64_t op_index; /* ops_done + 1 when it was hit */
	int op;		   /* enum sim_flash_op */
	uint32_t addr, len;
	uint32_t torn_units; /* TORN program: units fully programmed */
};

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
	int cut_mode;	    /* enum sim_cut_mode */
	int cut_action;	    /* enum sim_cut_action */
	uint64_t cut_seed;  /* xorshift state of the torn model (0: fixed) */
	int dead;	    /* HALT: power is off, every call is refused */
	uint64_t cuts;	    /* cuts taken since open */
	struct sim_cut_info last_cut;
	uint64_t erases, progs, bytes_programmed;
	uint32_t *sector_erases; /* per sector since open (sim_flash_wear()) */
	uint32_t wear_unit;	 /* smallest sector size: index granule */
	uint64_t busy_us;	 /* flash busy time from the timing model */
	int timing;		 /* 1: spend busy time for real */
	/* With timing: how the busy time is spent (NULL: sleep). The
	 * simulator hands it to the line, which goes on meanwhile. */
	void (*busy_hook)(void *ctx, uint64_t us);
	void *busy_ctx;
};

/**
 * sim_flash_open() - map the flash of board b onto the file at path; a
 * missing or empty file is created erased (0xFF). The file is locked
 * against a second simulator. Units that do not read all 0xFF count as
 * programmed. Counters start at 0, cut_after 0 (cut mode CLEAN, action
 * EXIT, seed 0), timing off.
 * Returns 0 or IAP_ERR_IO (cannot open/size mismatch/locked, with a message
 * on stderr).
 */
int sim_flash_open(struct sim_flash *f, const struct sim_board *b,
		   const char *path);
/**
 * sim_flash_power_on() - after a HALT cut: power comes back. The flash
 * accepts calls again (dead 0) and no cut is armed (cut_after 0); contents
 * and programmed flags stay as the cut left them, counters go on.
 */
void sim_flash_power_on(struct sim_flash *f);
/** Flush and close. */
void sim_flash_close(struct sim_flash *f);
/**
 * sim_flash_wear() - erases of the sector holding addr since the flash was
 * opened (the parts are rated for 10,000 per sector); 0 outside the flash.
 */
uint32_t sim_flash_wear(const struct sim_flash *f, uint32_t addr);

enum sim_link_kind { SIM_LINK_PTY = 0, SIM_LINK_STDIO = 1 };

#define SIM_LINK_PEND	 16384u	 /* bytes on their way to the device */
#define SIM_LINK_RINGMAX 131072u /* largest device receive ring */
#define SIM_LINK_TXQ	 8192u	 /* bytes on their way to the host */

/*
 * The line between the host's serial port and the device's UART
 * (docs/SIMULATOR.md). Per direction: bytes go on the wire back to back
 * at baud (10 bits each, 8N1), each is delivered latency_us after its stop
 * bit (a USB-serial adapter's latency), and a fault model may drop, flip
 * or duplicate it. Towards the device they land in its receive ring of
 * ring bytes (the DMA ring of the STM32 port): while the device is busy
 * (a flash operation, see sim_link_busy()) nobody takes them out, and a
 * byte that finds the ring full is lost, as on the chip. ring 0, or baud
 * 0 (unpaced), never loses a byte.
 */
struct sim_link {
	int kind;
	int in_fd, out_fd;
	int slave_fd;	     /* pty: kept open so the line survives the host */
	char path[128];	     /* pty: slave path to give to the host */
	uint32_t baud;	     /* 0: unpaced; else bytes are paced at 10 bits */
	uint32_t latency_us; /* added to every byte, each way */
	uint32_t ring;	     /* device receive ring in bytes (0: no limit) */
	/* Paced: bytes sent at another rate than the other end's (the host's
	 * termios speed on the pty), or above line_max (0: none; a cable or
	 * adapter that cannot carry it), arrive as garbage. */
	uint32_t line_max;
	uint64_t garbled; /* bytes that arrived as garbage */
	/* Fault model: per byte and direction, in parts per million. */
	uint32_t drop_ppm, flip_ppm, dup_ppm;
	uint64_t fault_seed;
	uint64_t rx_bytes, tx_bytes;
	uint64_t tx_dropped; /* bytes nobody took off the line (pty full) */
	uint64_t rx_lost;    /* bytes that found the receive ring full */
	uint64_t faults;     /* bytes dropped, flipped or duplicated */
	uint32_t ring_peak;  /* most bytes the ring held */
	int eof;	     /* stdio: input closed */
	/* Host -> device: bytes read from in_fd, each with its due time. */
	uint8_t pend[SIM_LINK_PEND];
	uint64_t pend_t[SIM_LINK_PEND];
	size_t pend_head, pend_len;
	uint64_t rx_wire_end; /* when the last byte read leaves the wire */
	/* The device's receive ring. */
	uint8_t rbuf[SIM_LINK_RINGMAX];
	size_t r_head, r_len;
	/* Device -> host, the same bookkeeping. */
	uint8_t txq[SIM_LINK_TXQ];
	uint64_t txq_t[SIM_LINK_TXQ];
	size_t txq_head, txq_len;
	uint64_t tx_wire_end;
};

/**
 * sim_link_open_pty() - open a pty in raw mode; path is filled, baud is 0.
 * Returns 0 or IAP_ERR_IO.
 */
int sim_link_open_pty(struct sim_link *l);
/** Use stdin/stdout; baud is 0. Returns 0. */
int sim_link_open_stdio(struct sim_link *l);
/**
 * sim_link_read() - wait up to timeout_ms for bytes. Returns the number
 * read (0 on timeout, on a signal, or at end of input: see l->eof) or
 * IAP_ERR_IO.
 */
int sim_link_read(struct sim_link *l, uint8_t *buf, size_t cap, int timeout_ms);
/**
 * sim_link_send() - send callback for iap_server_cfg (ctx = struct
 * sim_link *): puts all of data on the line. Paced, it returns once the
 * UART has taken the last byte, as the STM32 port's polled transmit does;
 * the bytes reach the host latency_us after they leave the wire.
 * Returns 0 or IAP_ERR_IO.
 */
int sim_link_send(void *ctx, const uint8_t *data, size_t len);
/**
 * sim_link_busy() - the device is busy for us microseconds (a flash
 * operation): the line goes on, bytes pile up in the receive ring (or are
 * lost once it is full), answers already sent reach the host. For
 * sim_flash's busy hook (ctx = struct sim_link *). Cannot fail.
 */
void sim_link_busy(void *ctx, uint64_t us);
/**
 * sim_link_host_baud() - the rate the host set on its end of the pty
 * (termios), 0 when unknown (stdio, or a rate without a B constant).
 */
uint32_t sim_link_host_baud(const struct sim_link *l);
/**
 * sim_link_linger() - before the simulator exits after a jump: give the
 * host up to linger_ms to read what was sent and close the pty, as it would
 * with a real device that keeps its line. Later input is discarded. Does
 * nothing in stdio mode. Cannot fail.
 */
void sim_link_linger(struct sim_link *l, int linger_ms);
void sim_link_close(struct sim_link *l);

/** Monotonic milliseconds (wraps after 49 days; compare differences). */
uint32_t sim_now_ms(void);

#endif /* IAP_SIM_H */
