//! Segment descriptors and the task-state segment of each CPU.
//!
//! Selector layout is fixed by `syscall`/`sysret`: kernel code 0x08, kernel data 0x10, user
//! data 0x1b, user code 0x23, TSS 0x28. The TSS carries the interrupt stacks (IST) for double
//! fault, NMI and machine check, and `rsp0`, the stack the CPU switches to on a trap from user
//! mode.

use alloc::boxed::Box;
use alloc::vec;

use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;

/// Kernel code selector.
pub const KERNEL_CS: u16 = 0x08;
/// Kernel data selector.
pub const KERNEL_DS: u16 = 0x10;
/// User data selector (RPL 3).
pub const USER_DS: u16 = 0x1b;
/// User code selector (RPL 3).
pub const USER_CS: u16 = 0x23;

/// IST slot (1-based as in the IDT) for double faults.
pub const IST_DOUBLE_FAULT: u16 = 1;
/// IST slot for NMIs.
pub const IST_NMI: u16 = 2;
/// IST slot for machine checks.
pub const IST_MACHINE_CHECK: u16 = 3;

const IST_STACK_SIZE: usize = 32 * 1024;
const TRAP_STACK_SIZE: usize = 64 * 1024;

/// Bounds of one CPU's special stacks, for the backtrace walker.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuStacks {
    /// `[bottom, top)` of each IST stack and of the user-trap stack.
    pub ranges: [(u64, u64); 4],
}

static STACKS: spin::Once<CpuStacks> = spin::Once::new();

/// Stacks of the boot CPU (empty before `init`).
pub fn stacks() -> CpuStacks {
    STACKS.get().copied().unwrap_or_default()
}

fn leak_stack(size: usize) -> (u64, u64) {
    let stack = vec![0u8; size].leak();
    let bottom = stack.as_ptr() as u64;
    (bottom, (bottom + size as u64) & !0xf)
}

/// Builds and loads this CPU's GDT and TSS. Needs the heap.
pub fn init() {
    let mut tss = Box::new(TaskStateSegment::new());
    let df = leak_stack(IST_STACK_SIZE);
    let nmi = leak_stack(IST_STACK_SIZE);
    let mc = leak_stack(IST_STACK_SIZE);
    let trap = leak_stack(TRAP_STACK_SIZE);
    tss.interrupt_stack_table[usize::from(IST_DOUBLE_FAULT - 1)] = VirtAddr::new(df.1);
    tss.interrupt_stack_table[usize::from(IST_NMI - 1)] = VirtAddr::new(nmi.1);
    tss.interrupt_stack_table[usize::from(IST_MACHINE_CHECK - 1)] = VirtAddr::new(mc.1);
    tss.privilege_stack_table[0] = VirtAddr::new(trap.1);
    STACKS.call_once(|| CpuStacks { ranges: [df, nmi, mc, trap] });
    // The TSS is only ever reached through this raw pointer: the CPU reads it, and
    // `user::enter_user` rewrites `rsp0` through it, so no Rust reference may exist.
    let tss: *mut TaskStateSegment = Box::into_raw(tss);
    // SAFETY: `tss` is a valid, never-freed allocation; taking a field address reads nothing.
    super::user::set_tss_rsp0_slot(unsafe { core::ptr::addr_of_mut!((*tss).privilege_stack_table[0]) } as u64);

    let mut gdt = Box::new(GlobalDescriptorTable::new());
    let kcs = gdt.append(Descriptor::kernel_code_segment());
    let kds = gdt.append(Descriptor::kernel_data_segment());
    let uds = gdt.append(Descriptor::user_data_segment());
    let ucs = gdt.append(Descriptor::user_code_segment());
    // SAFETY: the TSS allocation is leaked, so it outlives the GDT that references it.
    let tss_sel = gdt.append(unsafe { Descriptor::tss_segment_unchecked(tss) });
    assert_eq!((kcs.0, kds.0, uds.0, ucs.0, tss_sel.0), (KERNEL_CS, KERNEL_DS, USER_DS, USER_CS, 0x28));
    let gdt: &'static GlobalDescriptorTable = Box::leak(gdt);
    gdt.load();
    // SAFETY: the selectors were just created in the loaded GDT with the matching types, and
    // the TSS is leaked ('static) so the CPU may reference it forever.
    unsafe {
        CS::set_reg(SegmentSelector(KERNEL_CS));
        DS::set_reg(SegmentSelector(KERNEL_DS));
        ES::set_reg(SegmentSelector(KERNEL_DS));
        SS::set_reg(SegmentSelector(KERNEL_DS));
        load_tss(tss_sel);
    }
}
