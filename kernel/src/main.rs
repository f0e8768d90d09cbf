//! Kairos: an x86_64 kernel that runs Linux programs, built around one idea — every blocking
//! operation in the kernel is an `async` future on a cooperative in-kernel executor.
//!
//! This crate is the kernel proper. `arch` holds every piece that touches the CPU or devices
//! directly (and nearly all `unsafe`); the rest is safe Rust: memory management, interrupt
//! dispatch, the console, clocks, the glue to the executor (`kairos-executor`), and the
//! kernel self-tests.
//!
//! Boot order (`kmain`): console → CPU features → memory (heap, frames, page tables) →
//! GDT/IDT → APIC and clock calibration → executor → first tasks → `Executor::run`.
#![no_std]
#![no_main]

extern crate alloc;

pub mod arch;
pub mod cmdline;
pub mod console;
pub mod debug;
pub mod diskfs;
pub mod drivers;
pub mod fault;
pub mod file;
pub mod fsctx;
pub mod futex;
pub mod init;
pub mod irq;
pub mod klog;
pub mod ksyms;
pub mod ktest;
pub mod logger;
pub mod mm;
pub mod monitor;
pub mod net;
pub mod proc;
pub mod pseudofs;
pub mod random;
pub mod sched;
pub mod strace;
pub mod sync;
pub mod syscall;
pub mod time;
pub mod tracedump;

use arch::boot::BootInfo;
use arch::{apic, cpu, gdt, heap, idt, paging, rtc};
use kairos_executor::{Config, Executor};
use log::LevelFilter;

use crate::sched::KernelPlatform;

/// Kernel version shown in the banner.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The kernel's safe entry point, called once by the boot stub.
pub fn kmain(boot: BootInfo) -> ! {
    let opts = cmdline::init(&boot);
    let level = match opts.get("loglevel") {
        Some("trace") => LevelFilter::Trace,
        Some("debug") => LevelFilter::Debug,
        Some("warn") => LevelFilter::Warn,
        Some("error") => LevelFilter::Error,
        _ => LevelFilter::Info,
    };
    console::log_to_com2(opts.get("klog") == Some("com2"));
    logger::init(level);
    tracedump::init(&opts);
    let features = cpu::init();

    // Memory: heap first (the frame allocator keeps its free lists on it), then frames below
    // 4 GiB (the boot tables map only those), then the real page tables, then the rest.
    let mut free = mm::free_ranges(&boot);
    let usable = free.total();
    let heap_size = mm::heap_size_for(usable);
    let heap_range = free.take_largest_below(heap_size, 1 << 32).expect("no RAM for the kernel heap");
    heap::init(heap_range.start, heap_range.len());
    // Needs the heap (the pid list).
    strace::init(&opts);
    for r in free.as_slice() {
        mm::frame::add_range(mm::PhysRange { start: r.start, end: r.end.min(1 << 32) });
    }
    paging::init(mm::ram_end(&boot), &mut mm::frame::BootFrames);
    for r in free.as_slice() {
        mm::frame::add_range(mm::PhysRange { start: r.start.max(1 << 32), end: r.end });
    }

    mm::frame::init_refcounts(mm::ram_end(&boot));
    gdt::init();
    idt::init();
    arch::user::init();
    apic::init();
    let (tsc_hz, apic_hz) = apic::calibrate(20);
    time::init(tsc_hz, rtc::read_unix_seconds());
    let boot_ms = (cpu::rdtsc() - boot.entry_tsc) * 1000 / tsc_hz.max(1);

    let (frames_total, frames_used) = mm::frame::stats();
    kprintln!(
        "Kairos {VERSION} (x86_64): {} MiB usable RAM ({} MiB heap, {} MiB in frames, {} in use), \
         TSC {}.{:03} MHz, APIC timer {}.{:03} MHz (calibrated against PIT), {} ms from entry to banner",
        usable >> 20,
        heap_range.len() >> 20,
        (frames_total * 4096) >> 20,
        frames_used,
        tsc_hz / 1_000_000,
        (tsc_hz / 1000) % 1000,
        apic_hz / 1_000_000,
        (apic_hz / 1000) % 1000,
        boot_ms,
    );
    log::info!(target: "boot", "cmdline: {:?}", opts.raw);
    log::info!(target: "boot", "cpu: {features:?}");
    if let Some(m) = boot.initrd {
        log::info!(target: "boot", "initrd: {} bytes at {:#x}", m.len, m.start);
    }

    *HOSTNAME.lock() = alloc::string::String::from("(none)");
    let executor = Executor::new(KernelPlatform, Config::default());
    sched::install(executor.spawner());
    if opts.get("trace") == Some("off") {
        executor.spawner().trace().set_enabled(false);
    }
    console::init_input();
    cpu::enable_interrupts();
    // Devices (PCI, virtio-blk): needs the executor for the completion tasks.
    drivers::probe();

    let initrd = boot.initrd.map(|m| arch::phys::reserved_slice(m.start, m.len));
    if opts.has("ktest") {
        drop(executor.spawn("ktest", ktest::run()).expect("spawn ktest"));
    } else if initrd.is_some() || opts.has("rdinit") || opts.has("root") {
        drop(executor.spawn("tty-input", file::tty::input_task()).expect("spawn tty input"));
        drop(executor.spawn("init", boot_user_space(initrd)).expect("spawn init"));
    } else {
        drop(executor.spawn("monitor", monitor::run()).expect("spawn monitor"));
    }
    executor.run()
}

/// Mounts the root filesystem and starts process 1 (`rdinit=`, default `/init`; its
/// arguments are the command-line words after `--`).
///
/// With `root=DEV` (and no initramfs) the root is the disk filesystem on DEV (`rw`/`ro`,
/// `rootfstype=`), devtmpfs is mounted on its /dev, and init is `init=` or the first of
/// /sbin/init, /etc/init, /bin/init, /bin/sh, as Linux tries them.
async fn boot_user_space(initrd: Option<&'static [u8]>) {
    let opts = cmdline::options();
    crate::mm::pagecache::spawn_flusher();
    let disk_root = opts.get("root").filter(|_| initrd.is_none());
    let args: alloc::vec::Vec<&str> =
        opts.raw.split(" -- ").nth(1).map(|a| a.split_ascii_whitespace().collect()).unwrap_or_default();
    let candidates: alloc::vec::Vec<&str> = match disk_root {
        Some(spec) => {
            let read_only = opts.has("ro") && !opts.has("rw");
            if let Err(e) = diskfs::mount_root(spec, read_only, opts.get("rootfstype")).await {
                log::error!(target: "init", "cannot mount root {spec}: {e:?}");
                power_off(arch::qemu::ExitCode::Failure);
            }
            match opts.get("init") {
                Some(p) => alloc::vec![p],
                None => alloc::vec!["/sbin/init", "/etc/init", "/bin/init", "/bin/sh"],
            }
        }
        None => {
            init::mount_root(initrd).await;
            alloc::vec![opts.get("rdinit").or_else(|| opts.get("init")).unwrap_or("/init")]
        }
    };
    let root = fsctx::vfs().root();
    let ctx = kairos_fs::PathCtx::new(&root, &root);
    for path in &candidates {
        // Only an existing file is tried (init takes pid 1 once).
        if candidates.len() > 1 && fsctx::vfs().resolve(&ctx, path, true).await.is_err() {
            continue;
        }
        match init::start_init(path, &args).await {
            Ok(()) => return,
            Err(e) => log::error!(target: "init", "cannot start init {path}: {e:?}"),
        }
    }
    power_off(arch::qemu::ExitCode::Failure);
}

/// Powers the machine off: dumps the trace if asked to (`trace=com3`), then leaves QEMU with
/// `code` (the harness's verdict).
pub fn power_off(code: arch::qemu::ExitCode) -> ! {
    tracedump::dump();
    arch::qemu::exit(code)
}

/// The host name (`uname -n`).
pub fn hostname() -> alloc::string::String {
    HOSTNAME.lock().clone()
}

/// Host name storage (sethostname later).
pub static HOSTNAME: spin::Mutex<alloc::string::String> = spin::Mutex::new(alloc::string::String::new());

/// The NIS domain name (`uname`'s `domainname`, `setdomainname`), "(none)" until set.
pub fn domainname() -> alloc::string::String {
    let d = DOMAINNAME.lock();
    if d.is_empty() { alloc::string::String::from("(none)") } else { d.clone() }
}

/// Domain name storage (empty = "(none)").
pub static DOMAINNAME: spin::Mutex<alloc::string::String> = spin::Mutex::new(alloc::string::String::new());
