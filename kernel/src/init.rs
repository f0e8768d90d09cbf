//! Starting user space: the root filesystem (a tmpfs filled from the initramfs), `/dev`,
//! and process 1.
//!
//! Like Linux, the program is `rdinit=` (default `/init`), its arguments are the command-line
//! words after `--`, and its standard streams are `/dev/console`.
//!
//! `/dev`: like Linux with `CONFIG_DEVTMPFS_MOUNT`, a devtmpfs is mounted on `/dev` before
//! init runs (`devtmpfs.mount=0` on the command line turns that off; the nodes are then
//! created in the root filesystem's own `/dev`, next to the initramfs's). `/proc` and `/sys`
//! are only created as empty directories: mounting them is init's job, as on Linux.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::flags::OpenFlags;
use kairos_abi::signal::SigSet;
use kairos_fs::path::MountOptions;
use kairos_fs::tmpfs::Tmpfs;
use kairos_fs::vfs::{FileType, Inode};

use crate::file::{FdTable, File, FileKind, tty};
use crate::fsctx::{self, FsContext};
use crate::mm::vm::AddressSpace;
use crate::proc::process::{self, NO_ALTSTACK, Process, SigHandlers, Thread, ThreadResources};
use crate::pseudofs::{RealtimeClock, devfs};

/// Device number of `/dev/kairos-trace`.
pub const KAIROS_TRACE_DEV: (u32, u32) = devfs::KAIROS_TRACE_DEV;

async fn mkdir_p(root: &Arc<dyn Inode>, name: &str) -> Arc<dyn Inode> {
    match root.lookup(name).await {
        Ok(d) => d,
        Err(_) => root.create(name, FileType::Directory, 0o755, 0, 0, 0).await.expect("create directory in tmpfs"),
    }
}

/// Builds the root filesystem from the initramfs (if any) and sets up `/dev`.
pub async fn mount_root(initrd: Option<&'static [u8]>) {
    let options = crate::pseudofs::default_tmpfs_options();
    let tmpfs = Tmpfs::with_options(Arc::new(RealtimeClock), options);
    let root = tmpfs.root();
    if let Some(data) = initrd {
        match kairos_fs::cpio::populate(&root, data).await {
            Ok(n) => log::info!(target: "init", "initramfs: {n} entries unpacked"),
            Err(e) => log::error!(target: "init", "initramfs is corrupt: {e:?}"),
        }
    }
    let dev = mkdir_p(&root, "dev").await;
    for d in ["tmp", "proc", "sys", "root"] {
        mkdir_p(&root, d).await;
    }
    let vfs = fsctx::init(root);
    if crate::cmdline::options().get("devtmpfs.mount") == Some("0") {
        devfs::populate(&dev).await;
        return;
    }
    let options = MountOptions {
        source: String::from("devtmpfs"),
        fstype: String::from("devtmpfs"),
        flags: 0,
        data: String::from("mode=755"),
    };
    match vfs.mount(&dev, devfs::new_instance().await, options) {
        Ok(_) => log::info!(target: "init", "devtmpfs: mounted on /dev"),
        Err(e) => {
            log::error!(target: "init", "devtmpfs: cannot mount on /dev: {e:?}");
            devfs::populate(&dev).await;
        }
    }
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
