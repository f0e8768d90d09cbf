//! Trap entry: 256 tiny assembly stubs push a uniform [`TrapFrame`]. Traps from kernel mode
//! call [`trap_dispatch`], which hands each trap to safe kernel code at once
//! (`crate::irq::handle_irq` for device interrupts, `crate::fault` for exceptions). Traps from
//! user mode have pushed their frame into the thread's `UserContext` and return to the
//! executor through `user.rs` instead.

use core::arch::global_asm;
use core::fmt;

/// Registers saved on every trap, in stack order (lowest address first).
#[repr(C)]
#[derive(Clone, Copy, Default)]
#[allow(missing_docs)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    /// Interrupt vector (0..=255).
    pub vector: u64,
    /// CPU error code, or 0 for vectors without one.
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

impl TrapFrame {
    /// Did the trap come from user mode?
    pub fn from_user(&self) -> bool {
        self.cs & 3 == 3
    }
}

impl fmt::Display for TrapFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "RIP {:#018x}  CS {:#06x}  RFLAGS {:#010x}  vector {} error {:#x}",
            self.rip, self.cs, self.rflags, self.vector, self.error_code
        )?;
        writeln!(f, "RSP {:#018x}  SS {:#06x}  RBP {:#018x}", self.rsp, self.ss, self.rbp)?;
        writeln!(f, "RAX {:#018x}  RBX {:#018x}  RCX {:#018x}", self.rax, self.rbx, self.rcx)?;
        writeln!(f, "RDX {:#018x}  RSI {:#018x}  RDI {:#018x}", self.rdx, self.rsi, self.rdi)?;
        writeln!(f, "R8  {:#018x}  R9  {:#018x}  R10 {:#018x}", self.r8, self.r9, self.r10)?;
        writeln!(f, "R11 {:#018x}  R12 {:#018x}  R13 {:#018x}", self.r11, self.r12, self.r13)?;
        write!(f, "R14 {:#018x}  R15 {:#018x}", self.r14, self.r15)
    }
}

global_asm!(
    r#"
    .altmacro
    .macro TRAP_STUB n
    .balign 16
    trap_stub_\n:
    .if (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
        push 0
    .endif
        push \n
        jmp trap_common
    .endm

    .macro TRAP_STUB_ADDR n
        .quad trap_stub_\n
    .endm

    .section .text.trap, "ax"
    .set i, 0
    .rept 256
        TRAP_STUB %i
        .set i, i + 1
    .endr

    .balign 16
trap_common:
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
    cld
    /* From user mode (CS.RPL = 3) and not on an IST stack: the frame sits in the thread's
       UserContext; go back to the executor. */
    test qword ptr [rsp + 18 * 8], 3
    jz 2f
    mov rax, [rsp + 15 * 8]
    cmp rax, 2
    je 2f
    cmp rax, 8
    je 2f
    cmp rax, 18
    je 2f
    jmp kairos_return_from_user_trap
2:
    mov rdi, rsp
    call {dispatch}
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
    iretq

    .section .rodata.trap_stubs, "a"
    .balign 8
    .global trap_stub_table
trap_stub_table:
    .set i, 0
    .rept 256
        TRAP_STUB_ADDR %i
        .set i, i + 1
    .endr
    .noaltmacro
    .text
    "#,
    dispatch = sym trap_dispatch,
);

unsafe extern "C" {
    static trap_stub_table: [u64; 256];
}

/// Entry address of the stub for `vector`.
pub fn stub_address(vector: u8) -> u64 {
    // SAFETY: `trap_stub_table` is an immutable table of 256 addresses emitted above.
    unsafe { trap_stub_table[usize::from(vector)] }
}

/// First vector used for device interrupts.
pub const IRQ_BASE: u8 = 32;
/// The spurious-interrupt vector of the local APIC.
pub const SPURIOUS_VECTOR: u8 = 0xff;

/// Called by `trap_common` with interrupts disabled and the frame on the current stack.
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    let vector = frame.vector as u8;
    if vector < IRQ_BASE {
        crate::fault::handle_exception(frame);
    } else if vector == SPURIOUS_VECTOR {
        // Spurious: no EOI.
    } else {
        crate::irq::handle_irq(vector);
        super::apic::eoi();
    }
}
