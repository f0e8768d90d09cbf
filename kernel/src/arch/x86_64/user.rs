//! Running user code: the bridge between an executor task and ring 3.
//!
//! Design: there is no kernel stack per thread. A user thread is an executor task whose
//! future owns a [`UserContext`]; [`enter_user`] saves the executor's callee-saved registers
//! and stack pointer in the per-CPU area and drops to user mode. Every way back — `syscall`,
//! an exception, a device interrupt — writes the user registers straight into that
//! `UserContext` (the TSS `rsp0` points just past its [`TrapFrame`], so the CPU and the entry
//! stubs push the frame into it) and then "returns" from `enter_user` on the executor stack.
//! The task then awaits whatever the trap needs and loops. All futures therefore live on the
//! heap inside their task, and one executor stack per CPU serves every thread.
//!
//! Return to user is `sysretq` after a plain syscall (the common case) and `iretq` otherwise
//! (after exceptions, interrupts, signal delivery, `execve`, or a non-canonical return
//! address). FPU/SSE/AVX state is saved with `xsave` into the context on every exit and
//! restored on entry; the kernel itself never touches those registers (soft-float target).

use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicU64, Ordering};

use x86_64::registers::model_specific::Msr;

use super::cpu;
use super::gdt::{KERNEL_CS, USER_CS, USER_DS};
use super::trap::TrapFrame;

/// `TrapFrame::vector` value meaning "entered through the `syscall` instruction".
pub const SYSCALL_VECTOR: u64 = 0x100;

/// Byte size of the FPU area (enough for x87+SSE+AVX XSAVE state).
pub const FPU_AREA_SIZE: usize = 1024;

/// Saved FPU/SSE/AVX state in XSAVE (or FXSAVE) layout.
#[repr(C, align(64))]
#[derive(Clone)]
pub struct FpuState(pub [u8; FPU_AREA_SIZE]);

impl FpuState {
    /// The state a new process starts with: x87 and SSE in their reset configuration.
    pub fn initial() -> FpuState {
        let mut s = FpuState([0; FPU_AREA_SIZE]);
        // FCW = 0x37f (all exceptions masked), MXCSR = 0x1f80 (all masked, round to nearest).
        s.0[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
        s.0[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
        s.0[28..32].copy_from_slice(&0xffffu32.to_le_bytes()); // MXCSR_MASK (fxsave only)
        // XSTATE_BV = x87|SSE: components restored from this image, AVX from its init state.
        s.0[512..520].copy_from_slice(&3u64.to_le_bytes());
        s
    }
}

/// A thread's FPU register image, in its own heap allocation reached only through a raw
/// pointer, so that it can be saved into while the owning `UserContext` is borrowed
/// elsewhere (lazy FPU switching, see [`enter_user`]).
///
/// The CPU's FPU registers hold the state of at most one thread at a time (`FPU_OWNER`);
/// that thread's image in memory is stale until [`FpuArea::bytes`] or a switch saves it.
pub struct FpuArea(core::ptr::NonNull<FpuState>);

// SAFETY: the allocation is owned uniquely by this value (like a Box); all access happens on
// the CPU that runs the owning thread with interrupts or cooperative scheduling excluding
// concurrent use.
unsafe impl Send for FpuArea {}
// SAFETY: shared access only reads through `bytes`, which copies out.
unsafe impl Sync for FpuArea {}

/// Address of the `FpuState` whose contents are live in this CPU's FPU registers (0: none).
static FPU_OWNER: AtomicU64 = AtomicU64::new(0);

impl FpuArea {
    /// The reset state.
    pub fn initial() -> FpuArea {
        FpuArea(core::ptr::NonNull::from(alloc::boxed::Box::leak(alloc::boxed::Box::new(FpuState::initial()))))
    }

    fn addr(&self) -> u64 {
        self.0.as_ptr() as u64
    }

    /// Writes the live registers back if this image is the one loaded.
    fn flush(&self) {
        if FPU_OWNER.load(Ordering::Relaxed) == self.addr() {
            save_fpu(self.0.as_ptr());
        }
    }

    /// A copy of the image (up to `len` bytes), current even if the registers hold it.
    pub fn bytes(&self, len: usize) -> alloc::vec::Vec<u8> {
        self.flush();
        // SAFETY: the allocation is valid for the lifetime of `self`, and no mutable
        // reference to it exists (all writes go through raw pointers in this module).
        let state = unsafe { &*self.0.as_ptr() };
        state.0[..len.min(FPU_AREA_SIZE)].to_vec()
    }

    /// Resets the image to the initial FPU state (signal handler entry).
    pub fn reset(&mut self) {
        let init = FpuState::initial();
        self.write(&init.0);
    }

    /// Replaces the first bytes of the image (sigreturn); the registers are reloaded from it
    /// on the next entry to user mode.
    pub fn write(&mut self, data: &[u8]) {
        let _ = FPU_OWNER.compare_exchange(self.addr(), 0, Ordering::Relaxed, Ordering::Relaxed);
        // SAFETY: `&mut self` gives exclusive ownership of the allocation; the owner marker
        // was cleared above, so `enter_user` will not overwrite it from the registers.
        let state = unsafe { &mut *self.0.as_ptr() };
        let n = data.len().min(FPU_AREA_SIZE);
        state.0[..n].copy_from_slice(&data[..n]);
    }
}

impl Clone for FpuArea {
    fn clone(&self) -> FpuArea {
        self.flush();
        // SAFETY: as in `bytes`.
        let copy = unsafe { (*self.0.as_ptr()).clone() };
        FpuArea(core::ptr::NonNull::from(alloc::boxed::Box::leak(alloc::boxed::Box::new(copy))))
    }
}

impl Drop for FpuArea {
    fn drop(&mut self) {
        // Forget the registers' owner before the memory goes away.
        let _ = FPU_OWNER.compare_exchange(self.addr(), 0, Ordering::Relaxed, Ordering::Relaxed);
        // SAFETY: the pointer came from `Box::leak` in this module and is freed exactly once.
        drop(unsafe { alloc::boxed::Box::from_raw(self.0.as_ptr()) });
    }
}

/// Everything a user thread needs to resume: registers, TLS bases and FPU state.
#[repr(C, align(64))]
#[derive(Clone)]
pub struct UserContext {
    /// General registers and the return frame; written by the entry paths.
    pub regs: TrapFrame,
    /// User FS base (TLS pointer).
    pub fs_base: u64,
    /// User GS base.
    pub gs_base: u64,
    /// Force the next return to use `iretq` (set after the frame was rewritten).
    pub force_iret: bool,
    /// The syscall number as it was at entry (`rax` is overwritten by the result); needed to
    /// restart an interrupted call. `u64::MAX` when not in a syscall.
    pub orig_rax: u64,
    /// FPU/SSE/AVX registers.
    pub fpu: FpuArea,
}

impl UserContext {
    /// A context that starts executing at `entry` with stack pointer `stack`.
    pub fn new(entry: u64, stack: u64) -> UserContext {
        let regs = TrapFrame {
            rip: entry,
            rsp: stack,
            cs: u64::from(USER_CS),
            ss: u64::from(USER_DS),
            rflags: 0x202, // IF set
            ..TrapFrame::default()
        };
        UserContext { regs, fs_base: 0, gs_base: 0, force_iret: true, orig_rax: u64::MAX, fpu: FpuArea::initial() }
    }

    /// Did this context last leave user mode through `syscall`?
    pub fn in_syscall(&self) -> bool {
        self.regs.vector == SYSCALL_VECTOR
    }
}

/// Per-CPU data reached through GS in the entry paths. Field offsets are used by the assembly.
#[repr(C)]
pub struct PerCpu {
    /// 0: executor stack pointer saved by `enter_user`.
    kernel_rsp: AtomicU64,
    /// 8: scratch slot for the user RSP during `syscall` entry.
    user_rsp_scratch: AtomicU64,
    /// 16: one past the current context's TrapFrame (same value as TSS.rsp0).
    frame_top: AtomicU64,
}

static CPU0: PerCpu =
    PerCpu { kernel_rsp: AtomicU64::new(0), user_rsp_scratch: AtomicU64::new(0), frame_top: AtomicU64::new(0) };

const MSR_FS_BASE: u32 = 0xc000_0100;
const MSR_GS_BASE: u32 = 0xc000_0101;
const MSR_KERNEL_GS_BASE: u32 = 0xc000_0102;
const MSR_EFER: u32 = 0xc000_0080;
const MSR_STAR: u32 = 0xc000_0081;
const MSR_LSTAR: u32 = 0xc000_0082;
const MSR_SFMASK: u32 = 0xc000_0084;

fn wrmsr(msr: u32, value: u64) {
    // SAFETY: only the architectural MSRs named above are written, with values that keep
    // the kernel's invariants (GS bases, syscall entry, flag mask).
    unsafe { Msr::new(msr).write(value) }
}

fn rdmsr(msr: u32) -> u64 {
    // SAFETY: reading the architectural MSRs above has no side effects.
    unsafe { Msr::new(msr).read() }
}

/// Sets up GS (per-CPU area) and the `syscall` MSRs on this CPU.
pub fn init() {
    wrmsr(MSR_GS_BASE, &CPU0 as *const PerCpu as u64);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1); // SCE
    // sysret loads CS = STAR[63:48] + 16, SS = STAR[63:48] + 8; syscall loads CS = STAR[47:32].
    wrmsr(MSR_STAR, (u64::from(KERNEL_DS_FOR_SYSRET) << 48) | (u64::from(KERNEL_CS) << 32));
    wrmsr(MSR_LSTAR, syscall_entry_address());
    // Clear IF, TF, DF, AC and NT on entry.
    wrmsr(MSR_SFMASK, 0x4_7700);
    // The kernel reaches user memory only through the direct map (`mm::vm`), never through
    // user addresses: SMAP turns any accidental direct access into a fault.
    if cpu::features().smap {
        let mut cr4 = x86_64::registers::control::Cr4::read();
        cr4.insert(x86_64::registers::control::Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION);
        // SAFETY: enabling SMAP only forbids kernel accesses to user pages, which the kernel
        // never makes.
        unsafe { x86_64::registers::control::Cr4::write(cr4) };
    }
}

/// Base selector for sysret: user SS = 0x10 + 8 = 0x18 (|3), user CS = 0x10 + 16 = 0x20 (|3).
const KERNEL_DS_FOR_SYSRET: u16 = 0x10;

global_asm!(
    r#"
    .section .text.user_entry, "ax"
    .global kairos_syscall_entry
kairos_syscall_entry:
    swapgs
    mov gs:[8], rsp
    mov rsp, gs:[16]
    push {user_ds}
    push qword ptr gs:[8]
    push r11
    push {user_cs}
    push rcx
    push 0
    push {syscall_vector}
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rsp, gs:[0]
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

    .global kairos_enter_user
kairos_enter_user:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    mov gs:[0], rsp
    mov rsp, rdi
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16
    test byte ptr [rsp - 16], 1
    jnz 1f
    swapgs
    iretq
1:
    mov rcx, [rsp]
    mov r11, [rsp + 16]
    mov rsp, [rsp + 24]
    swapgs
    sysretq

    /* Called from trap_common for traps taken in user mode (not NMI/#DF/#MC): the frame is
       already in the UserContext; resume the executor where enter_user left it. */
    .global kairos_return_from_user_trap
kairos_return_from_user_trap:
    swapgs
    mov rsp, gs:[0]
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret
    .text
    "#,
    user_ds = const USER_DS as u64,
    user_cs = const USER_CS as u64,
    syscall_vector = const SYSCALL_VECTOR,
);

unsafe extern "C" {
    fn kairos_syscall_entry();
    fn kairos_enter_user(frame: *mut TrapFrame);
}

/// Address written to LSTAR.
fn syscall_entry_address() -> u64 {
    kairos_syscall_entry as *const () as u64
}

static TSS_RSP0: AtomicU64 = AtomicU64::new(0);

/// Records where this CPU's TSS keeps `rsp0` (set by `gdt::init`).
pub fn set_tss_rsp0_slot(addr: u64) {
    TSS_RSP0.store(addr, Ordering::Relaxed);
}

fn save_fpu(fpu: *mut FpuState) {
    if cpu::features().xsave {
        // SAFETY: `fpu` points at a live FpuState (an FpuArea allocation, or FPU_OWNER,
        // which FpuArea's Drop clears before freeing); it is 64-byte aligned and
        // FPU_AREA_SIZE covers the XSAVE size of the components enabled in XCR0.
        unsafe { asm!("xsave64 [{}]", in(reg) fpu, in("eax") u32::MAX, in("edx") u32::MAX, options(nostack)) };
    } else {
        // SAFETY: as above; a 512-byte, 16-byte aligned FXSAVE area.
        unsafe { asm!("fxsave64 [{}]", in(reg) fpu, options(nostack)) };
    }
}

fn restore_fpu(fpu: *const FpuState) {
    if cpu::features().xsave {
        // SAFETY: as for `save_fpu`; the image was produced by xsave or `FpuState::initial`,
        // whose header is valid (reserved bytes zero).
        unsafe {
            asm!("xrstor64 [{}]", in(reg) fpu, in("eax") u32::MAX, in("edx") u32::MAX, options(nostack, readonly))
        };
    } else {
        // SAFETY: as for `save_fpu`.
        unsafe { asm!("fxrstor64 [{}]", in(reg) fpu, options(nostack, readonly)) };
    }
}

/// Is `addr` a canonical lower-half address that `sysretq` may return to?
fn sysret_safe(addr: u64) -> bool {
    addr < 0x0000_7fff_ffff_f000
}

/// Runs the thread in user mode until the next trap. On return, `ctx.regs` holds the user
/// registers and `ctx.regs.vector` says why we came back (`SYSCALL_VECTOR`, an exception
/// number, or a device interrupt vector). Interrupts are disabled on return; the caller
/// handles a device interrupt first, then enables them.
pub fn enter_user(ctx: &mut UserContext) {
    cpu::disable_interrupts();
    assert!(ctx.regs.cs == u64::from(USER_CS) && ctx.regs.ss == u64::from(USER_DS), "context not in user mode");
    ctx.regs.rflags = (ctx.regs.rflags & 0x3c_7fd7) | 0x202; // IF on, IOPL 0
    let use_sysret = ctx.in_syscall() && !ctx.force_iret && sysret_safe(ctx.regs.rip);
    ctx.force_iret = false;
    let frame = &mut ctx.regs as *mut TrapFrame;
    let top = frame as u64 + core::mem::size_of::<TrapFrame>() as u64;
    CPU0.frame_top.store(top, Ordering::Relaxed);
    let rsp0 = TSS_RSP0.load(Ordering::Relaxed);
    // SAFETY: `rsp0` is the address of the `privilege_stack_table[0]` field of this CPU's
    // leaked TSS; the CPU reads it only on a privilege change, which cannot happen while
    // interrupts are off in ring 0.
    unsafe { core::ptr::write_volatile(rsp0 as *mut u64, top) };
    // MSR writes are slow (emulated ones especially): skip them when the value is loaded.
    if LOADED_FS.load(Ordering::Relaxed) != ctx.fs_base {
        wrmsr(MSR_FS_BASE, ctx.fs_base);
    }
    if LOADED_GS.load(Ordering::Relaxed) != ctx.gs_base {
        wrmsr(MSR_KERNEL_GS_BASE, ctx.gs_base);
    }
    // Lazy FPU switching: the registers keep the last user thread's state across kernel
    // work (the kernel is soft-float); they are saved into that thread's image and reloaded
    // only when a different thread enters user mode.
    let owner = FPU_OWNER.load(Ordering::Relaxed);
    if owner != ctx.fpu.addr() {
        if owner != 0 {
            save_fpu(owner as *mut FpuState);
        }
        restore_fpu(ctx.fpu.0.as_ptr());
        FPU_OWNER.store(ctx.fpu.addr(), Ordering::Relaxed);
    }
    // The sysret flag travels in the otherwise unused `vector` low bit that the exit path
    // overwrites; `kairos_enter_user` tests it after popping the registers.
    ctx.regs.vector = u64::from(use_sysret);
    // SAFETY: `frame` points at a complete user-mode TrapFrame (CS/SS are user selectors,
    // RFLAGS sanitised above) inside `ctx`, which stays borrowed (so it cannot move) until
    // the trap path writes the next frame into it and resumes us here.
    unsafe { kairos_enter_user(frame) };
    // User mode may change its bases with wrfsbase/wrgsbase (FSGSBASE is enabled).
    ctx.fs_base = if cpu::features().fsgsbase { read_fs_base_insn() } else { rdmsr(MSR_FS_BASE) };
    ctx.gs_base = rdmsr(MSR_KERNEL_GS_BASE);
    LOADED_FS.store(ctx.fs_base, Ordering::Relaxed);
    LOADED_GS.store(ctx.gs_base, Ordering::Relaxed);
}

/// FS base and user GS base currently loaded in the MSRs (skips redundant writes).
static LOADED_FS: AtomicU64 = AtomicU64::new(u64::MAX);
static LOADED_GS: AtomicU64 = AtomicU64::new(u64::MAX);

fn read_fs_base_insn() -> u64 {
    let v: u64;
    // SAFETY: CR4.FSGSBASE is set (checked by the caller); rdfsbase only reads FS.base.
    unsafe { asm!("rdfsbase {}", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// The LSTAR target (exported for tests and debuggers).
pub fn syscall_entry_addr() -> u64 {
    syscall_entry_address()
}
