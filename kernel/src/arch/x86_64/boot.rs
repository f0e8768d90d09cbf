//! The PVH entry: QEMU's `-kernel` starts us here in 32-bit protected mode with paging off
//! and `ebx` pointing at an `hvm_start_info`.
//!
//! The stub builds throw-away page tables (identity and higher-half maps of the first 4 GiB
//! with 2 MiB pages), enters long mode, switches to the boot stack and calls
//! [`kernel_entry_rust`], which turns the start info into a safe [`BootInfo`] and hands over
//! to `crate::kmain`. Nothing else lives here.

use core::arch::global_asm;

use super::layout::{HHDM_BASE, KERNEL_VMA};

// XEN_ELFNOTE_PHYS32_ENTRY = 18; QEMU reads the descriptor as a 64-bit physical address.
global_asm!(
    r#"
    .section .note.Xen, "a"
    .balign 4
    .long 4
    .long 8
    .long 18
    .asciz "Xen"
    .balign 4
    .quad _pvh_start32
    "#
);

global_asm!(
    r#"
    .section .boot.text, "ax"
    .code32
    .global _pvh_start32
_pvh_start32:
    cli
    cld
    mov esi, ebx

    /* Clear the seven boot page-table pages. */
    mov edi, offset boot_pml4
    xor eax, eax
    mov ecx, 7 * 1024
    rep stosd

    /* pml4[0] and pml4[256] (the direct map) -> pdpt_low; pml4[511] -> pdpt_high. */
    mov eax, offset boot_pdpt_low
    or eax, 3
    mov [boot_pml4], eax
    mov [boot_pml4 + 256 * 8], eax
    mov eax, offset boot_pdpt_high
    or eax, 3
    mov [boot_pml4 + 511 * 8], eax

    /* pdpt_low[i] -> pd[i] for the first 4 GiB; pdpt_high[510] -> pd[0] (-2 GiB -> 0). */
    mov eax, offset boot_pd
    or eax, 3
    mov [boot_pdpt_low], eax
    mov [boot_pdpt_high + 510 * 8], eax
    add eax, 4096
    mov [boot_pdpt_low + 8], eax
    mov [boot_pdpt_high + 511 * 8], eax
    add eax, 4096
    mov [boot_pdpt_low + 16], eax
    add eax, 4096
    mov [boot_pdpt_low + 24], eax

    /* 2048 large pages covering 4 GiB. */
    mov edi, offset boot_pd
    mov eax, 0x83
    xor edx, edx
    mov ecx, 2048
1:
    mov [edi], eax
    mov [edi + 4], edx
    add eax, 0x200000
    adc edx, 0
    add edi, 8
    loop 1b

    mov eax, offset boot_pml4
    mov cr3, eax
    mov eax, cr4
    or eax, 1 << 5
    mov cr4, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, (1 << 8) | (1 << 11)
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16) | 1
    mov cr0, eax

    lgdt [boot_gdt_ptr]
    /* ljmp 0x08:_pvh_start64 */
    .byte 0xea
    .long _pvh_start64
    .word 0x08

    .code64
_pvh_start64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    movabs rsp, offset __boot_stack_top
    xor ebp, ebp
    mov edi, esi
    movabs rax, offset {entry}
    call rax
2:
    hlt
    jmp 2b

    .section .boot.data, "aw"
    .balign 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff
    .quad 0x00cf92000000ffff
boot_gdt_end:
    .balign 4
    .word 0
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .boot.pagetables, "aw"
    .balign 4096
boot_pml4:
    .skip 4096
boot_pdpt_low:
    .skip 4096
boot_pdpt_high:
    .skip 4096
boot_pd:
    .skip 4 * 4096
    .text
    "#,
    entry = sym kernel_entry_rust,
);

/// `hvm_start_info.magic`.
const PVH_MAGIC: u32 = 0x336e_c578;

/// One entry of the firmware memory map (E820 types).
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryRegion {
    /// Physical start address.
    pub start: u64,
    /// Length in bytes.
    pub len: u64,
    /// E820 type: 1 = usable RAM, 2 = reserved, 3 = ACPI reclaimable, ...
    pub kind: u32,
}

impl MemoryRegion {
    /// E820 type of RAM the kernel may use.
    pub const USABLE: u32 = 1;
    /// One past the last byte.
    pub fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// A boot module (the initramfs, when QEMU is given `-initrd`).
#[derive(Clone, Copy, Debug, Default)]
pub struct BootModule {
    /// Physical start address.
    pub start: u64,
    /// Length in bytes.
    pub len: u64,
}

/// Most memory-map entries kept from the firmware.
pub const MAX_REGIONS: usize = 64;
/// Longest kernel command line kept.
pub const MAX_CMDLINE: usize = 1024;

/// What the loader told us, copied out of firmware memory into kernel-owned storage.
#[derive(Clone, Debug)]
pub struct BootInfo {
    /// Firmware memory map (unsorted, as given).
    pub regions: [MemoryRegion; MAX_REGIONS],
    /// Number of valid entries in `regions`.
    pub region_count: usize,
    /// Kernel command line bytes.
    pub cmdline: [u8; MAX_CMDLINE],
    /// Length of the command line.
    pub cmdline_len: usize,
    /// The first boot module, if any.
    pub initrd: Option<BootModule>,
    /// Physical address of the ACPI RSDP, when the loader gave one.
    pub rsdp: Option<u64>,
    /// TSC value read first thing at entry (for boot-time measurement).
    pub entry_tsc: u64,
}

impl BootInfo {
    /// The valid memory regions.
    pub fn regions(&self) -> &[MemoryRegion] {
        &self.regions[..self.region_count]
    }
    /// The command line as text (lossy: invalid UTF-8 yields an empty string).
    pub fn cmdline(&self) -> &str {
        core::str::from_utf8(&self.cmdline[..self.cmdline_len]).unwrap_or("")
    }
}

/// Reads a little-endian u32 at a physical address below 4 GiB through the boot direct map.
fn read_phys_u32(phys: u64) -> u32 {
    // SAFETY: the boot page tables map the first 4 GiB at HHDM_BASE; callers pass addresses
    // taken from the start-info structure, which the loader places in RAM below 4 GiB.
    unsafe { core::ptr::read_unaligned((HHDM_BASE + phys) as *const u32) }
}

fn read_phys_u64(phys: u64) -> u64 {
    u64::from(read_phys_u32(phys)) | (u64::from(read_phys_u32(phys + 4)) << 32)
}

fn read_phys_u8(phys: u64) -> u8 {
    // SAFETY: as for `read_phys_u32`.
    unsafe { core::ptr::read_volatile((HHDM_BASE + phys) as *const u8) }
}

/// Rust side of the entry: runs on the boot stack, higher half, interrupts off.
extern "C" fn kernel_entry_rust(start_info: u64) -> ! {
    let entry_tsc = super::cpu::rdtsc();
    let _ = KERNEL_VMA;
    super::serial::init_early();
    let mut info = BootInfo {
        regions: [MemoryRegion::default(); MAX_REGIONS],
        region_count: 0,
        cmdline: [0; MAX_CMDLINE],
        cmdline_len: 0,
        initrd: None,
        rsdp: None,
        entry_tsc,
    };
    if start_info >= 1 << 32 || read_phys_u32(start_info) != PVH_MAGIC {
        panic!("not started through PVH (start info at {start_info:#x})");
    }
    let nr_modules = read_phys_u32(start_info + 12);
    let modlist = read_phys_u64(start_info + 16);
    let cmdline = read_phys_u64(start_info + 24);
    let rsdp = read_phys_u64(start_info + 32);
    let memmap = read_phys_u64(start_info + 40);
    let memmap_entries = read_phys_u32(start_info + 48);
    if nr_modules > 0 && modlist != 0 {
        info.initrd = Some(BootModule { start: read_phys_u64(modlist), len: read_phys_u64(modlist + 8) });
    }
    if cmdline != 0 {
        while info.cmdline_len < MAX_CMDLINE {
            let b = read_phys_u8(cmdline + info.cmdline_len as u64);
            if b == 0 {
                break;
            }
            info.cmdline[info.cmdline_len] = b;
            info.cmdline_len += 1;
        }
    }
    if rsdp != 0 {
        info.rsdp = Some(rsdp);
    }
    for i in 0..(memmap_entries as usize).min(MAX_REGIONS) {
        let e = memmap + 24 * i as u64;
        info.regions[i] =
            MemoryRegion { start: read_phys_u64(e), len: read_phys_u64(e + 8), kind: read_phys_u32(e + 16) };
        info.region_count += 1;
    }
    crate::kmain(info)
}
