//! CPU feature setup and small register helpers: TSC, CPUID, control registers, SSE/AVX
//! enablement (the kernel itself is soft-float; FPU state belongs to user threads).

use core::arch::asm;
use core::arch::x86_64::{__cpuid_count, CpuidResult};

use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
use x86_64::registers::xcontrol::{XCr0, XCr0Flags};

/// Reads the time-stamp counter.
#[inline(always)]
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc has no memory effects; CR4.TSD is clear so it is legal at CPL 0.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Executes CPUID.
pub fn cpuid(leaf: u32, subleaf: u32) -> CpuidResult {
    __cpuid_count(leaf, subleaf)
}

/// Features the kernel found and turned on at boot.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuFeatures {
    /// XSAVE enabled (user FPU state saved with xsave/xrstor).
    pub xsave: bool,
    /// AVX state enabled in XCR0.
    pub avx: bool,
    /// Size in bytes of the XSAVE area for the enabled state components (512 for fxsave).
    pub fpu_state_size: u32,
    /// SMEP enabled.
    pub smep: bool,
    /// SMAP enabled.
    pub smap: bool,
    /// 1 GiB pages supported.
    pub huge_pages: bool,
    /// RDRAND present.
    pub rdrand: bool,
    /// FSGSBASE instructions enabled.
    pub fsgsbase: bool,
}

static FEATURES: spin::Once<CpuFeatures> = spin::Once::new();

/// Features probed at boot (defaults before `init`).
pub fn features() -> CpuFeatures {
    FEATURES.get().copied().unwrap_or_default()
}

/// Turns on SSE, XSAVE/AVX (when present), write protection, NX, SMEP and global pages.
/// SMAP is probed here and turned on once user-copy routines exist (user-process work).
pub fn init() -> CpuFeatures {
    let leaf1 = cpuid(1, 0);
    let leaf7 = cpuid(7, 0);
    let ext1 = cpuid(0x8000_0001, 0);
    let mut f = CpuFeatures {
        huge_pages: ext1.edx & (1 << 26) != 0,
        rdrand: leaf1.ecx & (1 << 30) != 0,
        ..CpuFeatures::default()
    };

    let mut cr0 = Cr0::read();
    cr0.remove(Cr0Flags::EMULATE_COPROCESSOR | Cr0Flags::TASK_SWITCHED);
    cr0.insert(Cr0Flags::MONITOR_COPROCESSOR | Cr0Flags::WRITE_PROTECT | Cr0Flags::NUMERIC_ERROR);
    // SAFETY: enabling FPU/SSE use and kernel write protection keeps all existing mappings valid.
    unsafe { Cr0::write(cr0) };

    let mut cr4 = Cr4::read();
    cr4.insert(Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE | Cr4Flags::PAGE_GLOBAL);
    let has_xsave = leaf1.ecx & (1 << 26) != 0;
    if has_xsave {
        cr4.insert(Cr4Flags::OSXSAVE);
    }
    if leaf7.ebx & (1 << 7) != 0 {
        cr4.insert(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION);
        f.smep = true;
    }
    if leaf7.ebx & 1 != 0 {
        cr4.insert(Cr4Flags::FSGSBASE);
        f.fsgsbase = true;
    }
    // SAFETY: the kernel never executes user pages (SMEP), and the other bits only enable
    // instructions/state; none of them invalidates current mappings.
    unsafe { Cr4::write(cr4) };

    f.fpu_state_size = 512;
    if has_xsave {
        let mut xcr0 = XCr0Flags::X87 | XCr0Flags::SSE;
        if leaf1.ecx & (1 << 28) != 0 {
            xcr0 |= XCr0Flags::AVX;
            f.avx = true;
        }
        // SAFETY: only state components CPUID reports as supported are enabled.
        unsafe { XCr0::write(xcr0) };
        f.xsave = true;
        // CPUID.(EAX=0DH,ECX=0).EBX: XSAVE area size for the components enabled in XCR0.
        f.fpu_state_size = cpuid(0xd, 0).ebx;
    }
    // SMAP support is recorded; CR4.SMAP is set by the user-copy code path when it exists.
    f.smap = leaf7.ebx & (1 << 20) != 0;
    FEATURES.call_once(|| f);
    f
}

/// Reads CR2 (the faulting address of the last page fault).
pub fn read_cr2() -> u64 {
    x86_64::registers::control::Cr2::read_raw()
}

/// Reads CR3.
pub fn read_cr3() -> u64 {
    let (frame, _) = x86_64::registers::control::Cr3::read_raw();
    frame.start_address().as_u64()
}

/// Current frame pointer.
#[inline(always)]
pub fn read_rbp() -> u64 {
    let rbp: u64;
    // SAFETY: reads a register into a local; no memory access.
    unsafe { asm!("mov {}, rbp", out(reg) rbp, options(nomem, nostack, preserves_flags)) };
    rbp
}

/// Current stack pointer.
#[inline(always)]
pub fn read_rsp() -> u64 {
    let rsp: u64;
    // SAFETY: reads a register into a local; no memory access.
    unsafe { asm!("mov {}, rsp", out(reg) rsp, options(nomem, nostack, preserves_flags)) };
    rsp
}

/// Interrupts enabled?
pub fn interrupts_enabled() -> bool {
    x86_64::instructions::interrupts::are_enabled()
}

/// Runs `f` with interrupts disabled, restoring the previous state afterwards.
pub fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    x86_64::instructions::interrupts::without_interrupts(f)
}

/// Enables interrupts.
pub fn enable_interrupts() {
    x86_64::instructions::interrupts::enable();
}

/// Disables interrupts.
pub fn disable_interrupts() {
    x86_64::instructions::interrupts::disable();
}

/// Atomically enables interrupts and halts until the next one (`sti; hlt`: the interrupt
/// shadow of `sti` guarantees no interrupt is taken between the two).
pub fn enable_interrupts_and_halt() {
    x86_64::instructions::interrupts::enable_and_hlt();
}

/// Halts with interrupts off forever.
pub fn halt_forever() -> ! {
    loop {
        disable_interrupts();
        x86_64::instructions::hlt();
    }
}

/// A hardware random number, if the CPU has RDRAND and it succeeded.
pub fn rdrand() -> Option<u64> {
    if !features().rdrand {
        return None;
    }
    for _ in 0..10 {
        let v: u64;
        let ok: u8;
        // SAFETY: RDRAND is present (CPUID checked); it only writes the output registers.
        unsafe { asm!("rdrand {}", "setc {}", out(reg) v, out(reg_byte) ok, options(nomem, nostack)) };
        if ok != 0 {
            return Some(v);
        }
    }
    None
}
