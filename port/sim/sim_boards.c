/*
 * iap-sim - the simulated boards: flash geometry, layout and datasheet
 * timings (typical values).
 *
 * STM32F103x8/xB datasheet (DS5319), flash characteristics: 16-bit
 * programming time tPROG 40/52.5/70 us, page (1 KiB) erase time tERASE
 * 20..40 ms. The 20 KiB of SRAM is shared by both.
 *
 * STM32F405/407 datasheet (DS8626), x32 parallelism (2.7-3.6 V): word
 * programming 16 us, sector erase 16 KiB 250 ms, 64 KiB 550 ms, 128 KiB 1 s
 * (typical). A per-sector base plus a per-KiB part fits all three:
 * 143 ms + 6.7 ms/KiB gives 250, 572 and 1001 ms.
 */
#include <string.h>

#include "sim.h"

#define KIB 1024u

static const struct iap_flash_region f103c8_regions[] = {
	{0x08000000u, 1 * KIB, 64},
};

static const struct iap_flash_region f103cb_regions[] = {
	{0x08000000u, 1 * KIB, 128},
};

static const struct iap_flash_region f407vg_regions[] = {
	{0x08000000u, 16 * KIB, 4},
	{0x08010000u, 64 * KIB, 1},
	{0x08020000u, 128 * KIB, 7},
};

static const struct sim_board boards[] = {
	{
		.name = "f103c8",
		.desc = "STM32F103C8 (Blue Pill), 64 KiB, 1 KiB pages",
		.regions = f103c8_regions,
		.region_count = 1,
		.write_size = 2,
		.layout =
			{
				.boot_addr = 0x08000000u,
				.boot_size = 0x3C00u,
				.meta_addr = 0x08003C00u,
				.meta_size = 0x400u,
				.app_addr = 0x08004000u,
				.app_size = 0xC000u,
				.ram_addr = 0x20000000u,
				.ram_size = 20 * KIB,
			},
		.max_payload = 1024 + 4,
		.rx_ring = 4096,
		.prog_unit_us = 53,
		.erase_us_per_kib = 20000,
		.erase_us_base = 0,
	},
	{
		.name = "f103cb",
		.desc = "STM32F103CB, 128 KiB, 1 KiB pages",
		.regions = f103cb_regions,
		.region_count = 1,
		.write_size = 2,
		.layout =
			{
				.boot_addr = 0x08000000u,
				.boot_size = 0x3C00u,
				.meta_addr = 0x08003C00u,
				.meta_size = 0x400u,
				.app_addr = 0x08004000u,
				.app_size = 0x1C000u,
				.ram_addr = 0x20000000u,
				.ram_size = 20 * KIB,
			},
		.max_payload = 1024 + 4,
		.rx_ring = 4096,
		.prog_unit_us = 53,
		.erase_us_per_kib = 20000,
		.erase_us_base = 0,
	},
	{
		.name = "f407vg",
		.desc = "STM32F407VG, 1 MiB, sectors 4x16K 1x64K 7x128K",
		.regions = f407vg_regions,
		.region_count = 3,
		.write_size = 4,
		.layout =
			{
				.boot_addr = 0x08000000u,
				.boot_size = 0x4000u,
				.meta_addr = 0x08004000u,
				.meta_size = 0x4000u,
				.app_addr = 0x08008000u,
				.app_size = 0xF8000u,
				.ram_addr = 0x20000000u,
				.ram_size = 128 * KIB,
				/* CCM RAM, for an application's stack. */
				.ram2_addr = 0x10000000u,
				.ram2_size = 64 * KIB,
			},
		.max_payload = 4096 + 4,
		.rx_ring = 96 * KIB, /* as the f4disco boards */
		.prog_unit_us = 16,
		.erase_us_per_kib = 6700,
		.erase_us_base = 143000,
	},
	{
		/* 15 + 1 + 56 + 1 + 55 KiB: the stage is one page shorter
		 * than the app slot, so staged images are at most 55 KiB. */
		.name = "f103cb-staged",
		.desc = "STM32F103CB, 128 KiB, 1 KiB pages, staging slot "
			"(overwrite install)",
		.regions = f103cb_regions,
		.region_count = 1,
		.write_size = 2,
		.layout =
			{
				.boot_addr = 0x08000000u,
				.boot_size = 0x3C00u,
				.meta_addr = 0x08003C00u,
				.meta_size = 0x400u,
				.app_addr = 0x08004000u,
				.app_size = 0xE000u,
				.stage_meta_addr = 0x08012000u,
				.stage_meta_size = 0x400u,
				.stage_addr = 0x08012400u,
				.stage_size = 0xDC00u,
				.ram_addr = 0x20000000u,
				.ram_size = 20 * KIB,
				.install = IAP_INSTALL_OVERWRITE,
			},
		.max_payload = 1024 + 4,
		.rx_ring = 4096,
		.prog_unit_us = 53,
		.erase_us_per_kib = 20000,
		.erase_us_base = 0,
	},
	{
		/* Sectors: 0 boot, 1 meta, 2 stage meta, 3-4 unused,
		 * 5-7 app, 8-10 stage. */
		.name = "f407vg-staged",
		.desc = "STM32F407VG, 1 MiB, sectors 4x16K 1x64K 7x128K, "
			"staging slot (overwrite install)",
		.regions = f407vg_regions,
		.region_count = 3,
		.write_size = 4,
		.layout =
			{
				.boot_addr = 0x08000000u,
				.boot_size = 0x4000u,
				.meta_addr = 0x08004000u,
				.meta_size = 0x4000u,
				.app_addr = 0x08020000u,
				.app_size = 0x60000u,
				.stage_meta_addr = 0x08008000u,
				.stage_meta_size = 0x4000u,
				.stage_addr = 0x08080000u,
				.stage_size = 0x60000u,
				.ram_addr = 0x20000000u,
				.ram_size = 128 * KIB,
				/* CCM RAM, for an application's stack. */
				.ram2_addr = 0x10000000u,
				.ram2_size = 64 * KIB,
				.install = IAP_INSTALL_OVERWRITE,
			},
		.max_payload = 4096 + 4,
		.rx_ring = 96 * KIB, /* as the f4disco boards */
		.prog_unit_us = 16,
		.erase_us_per_kib = 6700,
		.erase_us_base = 143000,
	},
	{
		/* 15 + 1 + 54 + 1 + 54 + 1 (scratch) + 2 (journal) KiB. */
		.name = "f103cb-swap",
		.desc = "STM32F103CB, 128 KiB, 1 KiB pages, staging slot "
			"(swap install with revert)",
		.regions = f103cb_regions,
		.region_count = 1,
		.write_size = 2,
		.layout =
			{
				.boot_addr = 0x08000000u,
				.boot_size = 0x3C00u,
				.meta_addr = 0x08003C00u,
				.meta_size = 0x400u,
				.app_addr = 0x08004000u,
				.app_size = 0xD800u,
				.stage_meta_addr = 0x08011800u,
				.stage_meta_size = 0x400u,
				.stage_addr = 0x08011C00u,
				.stage_size = 0xD800u,
				.scratch_addr = 0x0801F400u,
				.scratch_size = 0x400u,
				.journal_addr = 0x0801F800u,
				.journal_size = 0x800u,
				.ram_addr = 0x20000000u,
				.ram_size = 20 * KIB,
				.install = IAP_INSTALL_SWAP,
				.test_boots = 1,
			},
		.max_payload = 1024 + 4,
		.rx_ring = 4096,
		.prog_unit_us = 53,
		.erase_us_per_kib = 20000,
		.erase_us_base = 0,
	},
	{
		/* As the f4disco-swap firmware: sectors 0-1 boot, 2 meta, 3
		 * stage meta, 4 journal, 5-7 app, 8-10 stage, 11 scratch. */
		.name = "f407vg-swap",
		.desc = "STM32F407VG, 1 MiB, sectors 4x16K 1x64K 7x128K, "
			"staging slot (swap install with revert)",
		.regions = f407vg_regions,
		.region_count = 3,
		.write_size = 4,
		.layout =
			{
				.boot_addr = 0x08000000u,
				.boot_size = 0x8000u,
				.meta_addr = 0x08008000u,
				.meta_size = 0x4000u,
				.app_addr = 0x08020000u,
				.app_size = 0x60000u,
				.stage_meta_addr = 0x0800C000u,
				.stage_meta_size = 0x4000u,
				.stage_addr = 0x08080000u,
				.stage_size = 0x60000u,
				.scratch_addr = 0x080E0000u,
				.scratch_size = 0x20000u,
				.journal_addr = 0x08010000u,
				.journal_size = 0x10000u,
				.ram_addr = 0x20000000u,
				.ram_size = 128 * KIB,
				/* CCM RAM, for an application's stack. */
				.ram2_addr = 0x10000000u,
				.ram2_size = 64 * KIB,
				.install = IAP_INSTALL_SWAP,
				.test_boots = 1,
			},
		.max_payload = 4096 + 4,
		.rx_ring = 96 * KIB, /* as the f4disco boards */
		.prog_unit_us = 16,
		.erase_us_per_kib = 6700,
		.erase_us_base = 143000,
	},
	{
		/* 15 + 1 + 54 + 1 (scratch: the app slot's move sector) + 1 +
		 * 54 + 2 (journal) KiB. */
		.name = "f103cb-move",
		.desc = "STM32F103CB, 128 KiB, 1 KiB pages, staging slot "
			"(swap install with revert, by moving)",
		.regions = f103cb_regions,
		.region_count = 1,
		.write_size = 2,
		.layout =
			{
				.boot_addr = 0x08000000u,
				.boot_size = 0x3C00u,
				.meta_addr = 0x08003C00u,
				.meta_size = 0x400u,
				.app_addr = 0x08004000u,
				.app_size = 0xD800u,
				.scratch_addr = 0x08011800u,
				.scratch_size = 0x400u,
				.stage_meta_addr = 0x08011C00u,
				.stage_meta_size = 0x400u,
				.stage_addr = 0x08012000u,
				.stage_size = 0xD800u,
				.journal_addr = 0x0801F800u,
				.journal_size = 0x800u,
				.ram_addr = 0x20000000u,
				.ram_size = 20 * KIB,
				.install = IAP_INSTALL_SWAP,
				.test_boots = 1,
			},
		.max_payload = 1024 + 4,
		.rx_ring = 4096,
		.prog_unit_us = 53,
		.erase_us_per_kib = 20000,
		.erase_us_base = 0,
	},
	{
		/* Sectors: 0 boot, 1 meta, 2 stage meta, 3 journal, 4 unused,
		 * 5-7 app, 8 scratch (the app slot's move sector), 9-11
		 * stage. */
		.name = "f407vg-move",
		.desc = "STM32F407VG, 1 MiB, sectors 4x16K 1x64K 7x128K, "
			"staging slot (swap install with revert, by moving)",
		.regions = f407vg_regions,
		.region_count = 3,
		.write_size = 4,
		.layout =
			{
				.boot_addr = 0x08000000u,
				.boot_size = 0x4000u,
				.meta_addr = 0x08004000u,
				.meta_size = 0x4000u,
				.app_addr = 0x08020000u,
				.app_size = 0x60000u,
				.scratch_addr = 0x08080000u,
				.scratch_size = 0x20000u,
				.stage_meta_addr = 0x08008000u,
				.stage_meta_size = 0x4000u,
				.stage_addr = 0x080A0000u,
				.stage_size = 0x60000u,
				.journal_addr = 0x0800C000u,
				.journal_size = 0x4000u,
				.ram_addr = 0x20000000u,
				.ram_size = 128 * KIB,
				/* CCM RAM, for an application's stack. */
				.ram2_addr = 0x10000000u,
				.ram2_size = 64 * KIB,
				.install = IAP_INSTALL_SWAP,
				.test_boots = 1,
			},
		.max_payload = 4096 + 4,
		.rx_ring = 96 * KIB, /* as the f4disco boards */
		.prog_unit_us = 16,
		.erase_us_per_kib = 6700,
		.erase_us_base = 143000,
	},
	{
		/* As the bluepill-secure firmware: 24 KiB for the bootloader
		 * with signatures, 24 + 1 + 2 (anti-rollback record) + 48 + 1
		 * (scratch: the app slot's move sector) + 1 + 48 + 2
		 * (journal) KiB, 1 KiB unused. */
		.name = "f103cb-secure",
		.desc = "STM32F103CB, 128 KiB, 1 KiB pages, staging slot "
			"(swap install with revert, by moving), anti-rollback "
			"record",
		.regions = f103cb_regions,
		.region_count = 1,
		.write_size = 2,
		.layout =
			{
				.boot_addr = 0x08000000u,
				.boot_size = 0x6000u,
				.meta_addr = 0x08006000u,
				.meta_size = 0x400u,
				.rollback_addr = 0x08006400u,
				.rollback_size = 0x800u,
				.board_id = 0x0103CB00u,
				.app_addr = 0x08006C00u,
				.app_size = 0xC000u,
				.scratch_addr = 0x08012C00u,
				.scratch_size = 0x400u,
				.stage_meta_addr = 0x08013000u,
				.stage_meta_size = 0x400u,
				.stage_addr = 0x08013400u,
				.stage_size = 0xC000u,
				.journal_addr = 0x0801F400u,
				.journal_size = 0x800u,
				.ram_addr = 0x20000000u,
				.ram_size = 20 * KIB,
				.install = IAP_INSTALL_SWAP,
				.test_boots = 1,
			},
		.max_payload = 1024 + 4,
		.rx_ring = 4096,
		.prog_unit_us = 53,
		.erase_us_per_kib = 20000,
		.erase_us_base = 0,
	},
	{
		/* Sectors: 0-1 boot, 2 meta, 3 stage meta, 4 journal, 5-6
		 * app, 7 scratch (the app slot's move sector), 8-9 stage,
		 * 10-11 anti-rollback record. */
		.name = "f407vg-secure",
		.desc = "STM32F407VG, 1 MiB, sectors 4x16K 1x64K 7x128K, "
			"staging slot (swap install with revert, by moving), "
			"anti-rollback record",
		.regions = f407vg_regions,
		.region_count = 3,
		.write_size = 4,
		.layout =
			{
				.boot_addr = 0x08000000u,
				.boot_size = 0x8000u,
				.meta_addr = 0x08008000u,
				.meta_size = 0x4000u,
				.stage_meta_addr = 0x0800C000u,
				.stage_meta_size = 0x4000u,
				.journal_addr = 0x08010000u,
				.journal_size = 0x10000u,
				.app_addr = 0x08020000u,
				.app_size = 0x40000u,
				.scratch_addr = 0x08060000u,
				.scratch_size = 0x20000u,
				.stage_addr = 0x08080000u,
				.stage_size = 0x40000u,
				.rollback_addr = 0x080C0000u,
				.rollback_size = 0x40000u,
				.board_id = 0x0407F400u,
				.ram_addr = 0x20000000u,
				.ram_size = 128 * KIB,
				.ram2_addr = 0x10000000u,
				.ram2_size = 64 * KIB,
				.install = IAP_INSTALL_SWAP,
				.test_boots = 1,
			},
		.max_payload = 4096 + 4,
		.rx_ring = 96 * KIB,
		.prog_unit_us = 16,
		.erase_us_per_kib = 6700,
		.erase_us_base = 143000,
	},
};

const struct sim_board *sim_board_find(const char *name)
{
	for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++) {
		if (strcmp(boards[i].name, name) == 0) {
			return &boards[i];
		}
	}
	return NULL;
}

const struct sim_board *sim_board_all(size_t *count)
{
	*count = sizeof(boards) / sizeof(boards[0]);
	return boards;
}
