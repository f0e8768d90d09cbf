//! The kernel's virtual address layout: where the image, the direct map of physical memory
//! and MMIO windows live. The lower half belongs to user space.

/// Base of the higher-half kernel image (`-2 GiB`, as `code-model=kernel` requires).
pub const KERNEL_VMA: u64 = 0xffff_ffff_8000_0000;
/// Base of the direct map of all physical memory (PML4 slot 256).
pub const HHDM_BASE: u64 = 0xffff_8000_0000_0000;
/// One past the highest user-space address (canonical lower half).
pub const USER_END: u64 = 0x0000_8000_0000_0000;
/// Size of a small page.
pub const PAGE_SIZE: u64 = 4096;
/// Size of a large (2 MiB) page.
pub const LARGE_PAGE_SIZE: u64 = 2 * 1024 * 1024;

/// The direct-map virtual address of a physical address.
pub const fn phys_to_virt(phys: u64) -> u64 {
    HHDM_BASE + phys
}

/// The physical address of a direct-map virtual address, if it is one.
pub const fn virt_to_phys_hhdm(virt: u64) -> Option<u64> {
    if virt >= HHDM_BASE && virt < HHDM_BASE + (1 << 46) { Some(virt - HHDM_BASE) } else { None }
}

/// Linker-provided section bounds, as addresses.
pub mod sections {
    unsafe extern "C" {
        static __kernel_start: u8;
        static __kernel_end: u8;
        static __text_start: u8;
        static __text_end: u8;
        static __rodata_start: u8;
        static __rodata_end: u8;
        static __data_start: u8;
        static __data_end: u8;
        static __boot_stack_guard: u8;
        static __boot_stack_bottom: u8;
        static __boot_stack_top: u8;
        static __ksyms_start: u8;
        static __ksyms_end: u8;
    }

    macro_rules! addr_of_symbol {
        ($name:ident, $sym:ident) => {
            #[doc = concat!("Address of the linker symbol `", stringify!($sym), "`.")]
            pub fn $name() -> u64 {
                // Taking the address of an extern static reads nothing.
                core::ptr::addr_of!($sym) as u64
            }
        };
    }
    addr_of_symbol!(kernel_start, __kernel_start);
    addr_of_symbol!(kernel_end, __kernel_end);
    addr_of_symbol!(text_start, __text_start);
    addr_of_symbol!(text_end, __text_end);
    addr_of_symbol!(rodata_start, __rodata_start);
    addr_of_symbol!(rodata_end, __rodata_end);
    addr_of_symbol!(data_start, __data_start);
    addr_of_symbol!(data_end, __data_end);
    addr_of_symbol!(boot_stack_guard, __boot_stack_guard);
    addr_of_symbol!(boot_stack_bottom, __boot_stack_bottom);
    addr_of_symbol!(boot_stack_top, __boot_stack_top);
    addr_of_symbol!(ksyms_start, __ksyms_start);
    addr_of_symbol!(ksyms_end, __ksyms_end);

    /// The `.ksyms` section: the symbol table written into the image after linking.
    pub fn ksyms() -> &'static [u8] {
        let start = ksyms_start();
        let len = ksyms_end() - start;
        // SAFETY: the linker script defines `.ksyms` as a read-only, mapped part of the image
        // between these two symbols; nothing writes it at run time.
        unsafe { core::slice::from_raw_parts(start as *const u8, len as usize) }
    }

    /// Physical address of a kernel-image virtual address.
    pub fn image_virt_to_phys(virt: u64) -> u64 {
        virt - super::KERNEL_VMA
    }
}
