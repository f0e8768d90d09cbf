//! Starting user space: the root filesystem (a tmpfs filled from the initramfs), the device
//! nodes of `/dev`, and process 1.
//!
//! Like Linux, the program is `rdinit=` (default `/init`), its arguments are the command-line
//! words after `--`, and its standard streams are `/dev/console`.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::flags::OpenFlags;
use kairos_abi::signal::SigSet;
use kairos_abi::types::Timespec;
use kairos_fs::tmpfs::Tmpfs;
use kairos_fs::vfs::{Clock, FileType, Inode, makedev};

use crate::file::{FdTable, File, FileKind, tty};
use crate::fsctx::{self, FsContext};
use crate::mm::vm::AddressSpace;
use crate::proc::process::{self, NO_ALTSTACK, Process, SigHandlers, Thread, ThreadResources};

/// The filesystem clock: CLOCK_REALTIME.
struct RealtimeClock;

impl Clock for RealtimeClock {
    fn now(&self) -> Timespec {
        let ns = crate::time::realtime_ns();
        Timespec { tv_sec: (ns / 1_000_000_000) as i64, tv_nsec: (ns % 1_000_000_000) as i64 }
    }
}

/// The device nodes created in `/dev`: (name, major, minor, mode).
const DEVICES: &[(&str, u32, u32, u32)] = &[
    ("null", 1, 3, 0o666),
    ("zero", 1, 5, 0o666),
    ("full", 1, 7, 0o666),
    ("random", 1, 8, 0o666),
    ("urandom", 1, 9, 0o666),
    ("tty", 5, 0, 0o666),
    ("console", 5, 1, 0o600),
    ("ttyS0", 4, 64, 0o660),
    ("kairos-trace", KAIROS_TRACE_DEV.0, KAIROS_TRACE_DEV.1, 0o400),
];

/// Device number of `/dev/kairos-trace` (a misc-major minor Linux leaves unassigned).
pub const KAIROS_TRACE_DEV: (u32, u32) = (10, 242);

async fn mkdir_p(root: &Arc<dyn Inode>, name: &str) -> Arc<dyn Inode> {
    match root.lookup(name).await {
        Ok(d) => d,
        Err(_) => root.create(name, FileType::Directory, 0o755, 0, 0, 0).await.expect("create directory in tmpfs"),
    }
}

/// Builds the root filesystem from the initramfs (if any).
pub async fn mount_root(initrd: Option<&'static [u8]>) {
    let tmpfs = Tmpfs::new(Arc::new(RealtimeClock));
    let root = tmpfs.root();
    if let Some(data) = initrd {
        match kairos_fs::cpio::populate(&root, data).await {
            Ok(n) => log::info!(target: "init", "initramfs: {n} entries unpacked"),
            Err(e) => log::error!(target: "init", "initramfs is corrupt: {e:?}"),
        }
    }
    let dev = mkdir_p(&root, "dev").await;
    for &(name, major, minor, mode) in DEVICES {
        if dev.lookup(name).await.is_err() {
            let _ = dev.create(name, FileType::CharDevice, mode, 0, 0, makedev(major, minor)).await;
        }
    }
    for d in ["tmp", "proc", "sys", "root"] {
        mkdir_p(&root, d).await;
    }
    fsctx::init(root);
}

/// Creates process 1 running `path` with `args`.
pub async fn start_init(path: &str, args: &[&str]) -> kairos_abi::Result<()> {
    let pid = process::alloc_pid().ok_or(kairos_abi::Errno::EAGAIN)?;
    assert_eq!(pid, 1, "init must be pid 1");
    let p = Process::new(pid, None);
    process::register_process(&p);
    let console = File::new(FileKind::Tty(tty::console()), None, Some(String::from("/dev/console")), OpenFlags::O_RDWR);
    let mut fds = FdTable::new();
    for fd in 0..3 {
        fds.set(fd, console.clone(), false);
    }
    let t = Thread::new(
        pid,
        p,
        ThreadResources {
            mm: Arc::new(spin::Mutex::new(AddressSpace::new()?)),
            files: Arc::new(spin::Mutex::new(fds)),
            fs: Arc::new(spin::Mutex::new(FsContext::initial())),
            sighand: Arc::new(spin::Mutex::new(SigHandlers::new())),
            sigmask: SigSet::EMPTY,
            altstack: NO_ALTSTACK,
        },
    );
    let mut argv: Vec<Vec<u8>> = alloc::vec![path.as_bytes().to_vec()];
    argv.extend(args.iter().map(|a| a.as_bytes().to_vec()));
    let envp: Vec<Vec<u8>> =
        alloc::vec![b"HOME=/".to_vec(), b"TERM=linux".to_vec(), b"PATH=/sbin:/usr/sbin:/bin:/usr/bin".to_vec()];
    let mut ctx = alloc::boxed::Box::new(crate::arch::user::UserContext::new(0, 0));
    crate::syscall::exec_program(&t, &mut ctx, path, argv, envp).await?;
    crate::proc::task::spawn(t, ctx)
}
