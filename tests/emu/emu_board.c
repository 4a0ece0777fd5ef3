/*
 * iap-emu - the boards: the chip (core, memories, clocks) and where the
 * firmware puts its application slot (port/boards/BOARD/layout.h). The
 * -swap boards are the same chips with the layout of a staging slot and
 * the swap install; --layout reads a build's layout.env instead.
 */
#include <string.h>

#include "emu.h"

static const struct emu_board boards[] = {
	{
		.name = "bluepill",
		.aliases = "f1 f103c8",
		.desc = "STM32F103C8 (Blue Pill), Cortex-M3, 64 KiB flash in "
			"1 KiB pages, 20 KiB SRAM",
		.family = EMU_F1,
		.cpu = UC_CPU_ARM_CORTEX_M3,
		.cpuid = 0x411FC231u, /* Cortex-M3 r1p1 (PM0056) */
		.idcode = 0x20036410u,
		.flash_size = 0x10000u,
		.page_size = 0x400u,
		.ram_size = 0x5000u,
		.app_addr = 0x08004000u,
		.hsi_hz = 8000000u,
		.hse_hz = 8000000u,
		.lsi_hz = 40000u,
		.max_sysclk_hz = 72000000u,
		.stkalign = 0, /* r1p1: CCR.STKALIGN resets to 0 */
	},
	{
		.name = "bluepill-swap",
		.aliases = "f1-swap",
		.desc = "STM32F103C8 (Blue Pill), Cortex-M3, 64 KiB flash in "
			"1 KiB pages, 20 KiB SRAM; layout with a staging slot "
			"(swap install)",
		.family = EMU_F1,
		.cpu = UC_CPU_ARM_CORTEX_M3,
		.cpuid = 0x411FC231u,
		.idcode = 0x20036410u,
		.flash_size = 0x10000u,
		.page_size = 0x400u,
		.ram_size = 0x5000u,
		.app_addr = 0x08004400u,
		.hsi_hz = 8000000u,
		.hse_hz = 8000000u,
		.lsi_hz = 40000u,
		.max_sysclk_hz = 72000000u,
		.stkalign = 0,
	},
	{
		.name = "bluepill-secure",
		.aliases = "f1-secure f103cb",
		.desc = "STM32F103CB (Blue Pill), Cortex-M3, 128 KiB flash in "
			"1 KiB pages, 20 KiB SRAM; signed images, swap "
			"install, "
			"anti-rollback record",
		.family = EMU_F1,
		.cpu = UC_CPU_ARM_CORTEX_M3,
		.cpuid = 0x411FC231u,
		.idcode = 0x20036410u,
		.flash_size = 0x20000u,
		.page_size = 0x400u,
		.ram_size = 0x5000u,
		.app_addr = 0x08006C00u,
		.hsi_hz = 8000000u,
		.hse_hz = 8000000u,
		.lsi_hz = 40000u,
		.max_sysclk_hz = 72000000u,
		.stkalign = 0,
	},
	{
		.name = "bluepill-wrp",
		.aliases = "f1-wrp",
		.desc = "STM32F103C8 (Blue Pill), Cortex-M3, 64 KiB flash in "
			"1 KiB pages, 20 KiB SRAM; a 16 KiB bootloader that "
			"write-protects its pages",
		.family = EMU_F1,
		.cpu = UC_CPU_ARM_CORTEX_M3,
		.cpuid = 0x411FC231u,
		.idcode = 0x20036410u,
		.flash_size = 0x10000u,
		.page_size = 0x400u,
		.ram_size = 0x5000u,
		.app_addr = 0x08004400u,
		.hsi_hz = 8000000u,
		.hse_hz = 8000000u,
		.lsi_hz = 40000u,
		.max_sysclk_hz = 72000000u,
		.stkalign = 0,
	},
	{
		.name = "qemu-f1",
		.aliases = "f100rb",
		.desc = "STM32F100RB (QEMU stm32vldiscovery), Cortex-M3, "
			"128 KiB flash in 1 KiB pages, 8 KiB SRAM",
		.family = EMU_F1,
		.cpu = UC_CPU_ARM_CORTEX_M3,
		.cpuid = 0x412FC231u, /* r2p1 */
		.idcode = 0x10016420u,
		.flash_size = 0x20000u,
		.page_size = 0x400u,
		.ram_size = 0x2000u,
		.app_addr = 0x08004000u,
		.hsi_hz = 8000000u,
		.hse_hz = 8000000u,
		.lsi_hz = 40000u,
		.max_sysclk_hz = 24000000u,
		.stkalign = 1,
	},
	{
		.name = "f4disco",
		.aliases = "f4 f407vg",
		.desc = "STM32F407VG (STM32F4DISCOVERY), Cortex-M4, 1 MiB "
			"flash in 4x16K+64K+7x128K sectors, 128 KiB SRAM + "
			"64 KiB CCM",
		.family = EMU_F4,
		.cpu = UC_CPU_ARM_CORTEX_M4,
		.cpuid = 0x410FC241u, /* Cortex-M4 r0p1 (PM0214) */
		.idcode = 0x10076413u,
		.flash_size = 0x100000u,
		.page_size = 0,
		.ram_size = 0x20000u,
		.ccm_size = 0x10000u,
		.app_addr = 0x08008000u,
		.hsi_hz = 16000000u,
		.hse_hz = 8000000u,
		.lsi_hz = 32000u,
		.max_sysclk_hz = 168000000u,
		.stkalign = 1,
	},
	{
		.name = "f4disco-swap",
		.aliases = "f4-swap",
		.desc = "STM32F407VG (STM32F4DISCOVERY), Cortex-M4, 1 MiB "
			"flash in 4x16K+64K+7x128K sectors, 128 KiB SRAM + "
			"64 KiB CCM; layout with a staging slot (swap install)",
		.family = EMU_F4,
		.cpu = UC_CPU_ARM_CORTEX_M4,
		.cpuid = 0x410FC241u,
		.idcode = 0x10076413u,
		.flash_size = 0x100000u,
		.page_size = 0,
		.ram_size = 0x20000u,
		.ccm_size = 0x10000u,
		.app_addr = 0x08020000u,
		.hsi_hz = 16000000u,
		.hse_hz = 8000000u,
		.lsi_hz = 32000u,
		.max_sysclk_hz = 168000000u,
		.stkalign = 1,
	},
	{
		.name = "f4disco-secure",
		.aliases = "f4-secure",
		.desc = "STM32F407VG (STM32F4DISCOVERY), Cortex-M4, 1 MiB "
			"flash in 4x16K+64K+7x128K sectors, 128 KiB SRAM + "
			"64 KiB CCM; signed images, swap install, "
			"anti-rollback record",
		.family = EMU_F4,
		.cpu = UC_CPU_ARM_CORTEX_M4,
		.cpuid = 0x410FC241u,
		.idcode = 0x10076413u,
		.flash_size = 0x100000u,
		.page_size = 0,
		.ram_size = 0x20000u,
		.ccm_size = 0x10000u,
		.app_addr = 0x08020000u,
		.hsi_hz = 16000000u,
		.hse_hz = 8000000u,
		.lsi_hz = 32000u,
		.max_sysclk_hz = 168000000u,
		.stkalign = 1,
	},
	{
		.name = "f4disco-wrp",
		.aliases = "f4-wrp",
		.desc = "STM32F407VG (STM32F4DISCOVERY), Cortex-M4, 1 MiB "
			"flash in 4x16K+64K+7x128K sectors, 128 KiB SRAM + "
			"64 KiB CCM; a bootloader that write-protects its "
			"sector",
		.family = EMU_F4,
		.cpu = UC_CPU_ARM_CORTEX_M4,
		.cpuid = 0x410FC241u,
		.idcode = 0x10076413u,
		.flash_size = 0x100000u,
		.page_size = 0,
		.ram_size = 0x20000u,
		.ccm_size = 0x10000u,
		.app_addr = 0x08008000u,
		.hsi_hz = 16000000u,
		.hse_hz = 8000000u,
		.lsi_hz = 32000u,
		.max_sysclk_hz = 168000000u,
		.stkalign = 1,
	},
	{
		.name = "qemu-f4",
		.aliases = "f405rg",
		.desc = "STM32F405RG (QEMU netduinoplus2), Cortex-M4, 1 MiB "
			"flash in 4x16K+64K+7x128K sectors, 128 KiB SRAM + "
			"64 KiB CCM",
		.family = EMU_F4,
		.cpu = UC_CPU_ARM_CORTEX_M4,
		.cpuid = 0x410FC241u,
		.idcode = 0x10076413u,
		.flash_size = 0x100000u,
		.page_size = 0,
		.ram_size = 0x20000u,
		.ccm_size = 0x10000u,
		.app_addr = 0x08008000u,
		.hsi_hz = 16000000u,
		.hse_hz = 8000000u,
		.lsi_hz = 32000u,
		.max_sysclk_hz = 168000000u,
		.stkalign = 1,
	},
};

static int word_in(const char *list, const char *w)
{
	size_t n = strlen(w);

	while (*list) {
		size_t k = strcspn(list, " ");

		if (k == n && !strncmp(list, w, n)) {
			return 1;
		}
		list += k;
		while (*list == ' ') {
			list++;
		}
	}
	return 0;
}

const struct emu_board *emu_board_find(const char *name)
{
	for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++) {
		if (!strcmp(boards[i].name, name) ||
		    word_in(boards[i].aliases, name)) {
			return &boards[i];
		}
	}
	return NULL;
}

const struct emu_board *emu_board_all(size_t *count)
{
	*count = sizeof(boards) / sizeof(boards[0]);
	return boards;
}
