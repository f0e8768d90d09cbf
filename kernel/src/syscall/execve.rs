//! `execve` / `execveat`: replace the program of the calling process.
//!
//! Everything that can fail (path, permissions, `#!` resolution, ELF parsing, building the
//! new address space and stack) happens before the point of no return; after it the old
//! image is gone and the call cannot fail.
//!
//! The program (and its interpreter) are not read whole: `proc::exec` reads their headers
//! through the page cache and maps their segments from it.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use kairos_abi::Errno;
use kairos_abi::at::{AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW};
use kairos_fs::vfs::{FileType, Inode};

use super::SysResult;
use super::args::{Fd, read_path, read_string_array};
use crate::arch::user::UserContext;
use crate::mm::vm::AddressSpace;
use crate::proc::exec::{self, AuxCreds};
use crate::proc::process::{ExecImage, NO_ALTSTACK, SigHandlers, Thread};

/// Most bytes of argv + envp (Linux: a quarter of the 8 MiB stack limit).
const ARG_MAX: usize = 2 << 20;
/// Nested `#!` interpreters allowed.
const MAX_SHEBANG_DEPTH: usize = 4;

/// The absolute path of the program `path` (relative to `dirfd`) for `/proc/PID/exe`; empty
/// when it cannot be named (an `AT_EMPTY_PATH` exec).
async fn exe_path(t: &Arc<Thread>, dirfd: Fd, path: &str) -> String {
    let Ok(start) = super::openat::fd_inode(t, dirfd) else { return String::new() };
    let (root, cred) = {
        let fs = t.fs();
        let fs = fs.lock();
        (fs.root.clone(), fs.cred.clone())
    };
    if path.is_empty() {
        return String::new();
    }
    crate::pseudofs::procfs::canonical_path(&root, &start, &cred, path).await.unwrap_or_default()
}

async fn resolve(t: &Arc<Thread>, dirfd: Fd, path: &str, flags: u32) -> kairos_abi::Result<Arc<dyn Inode>> {
    let fs = t.fs().lock().clone();
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT.into());
        }
        return dirfd.file(t)?.inode.clone().ok_or(Errno::EACCES.into());
    }
    let start = if path.starts_with('/') || dirfd.0 == kairos_abi::at::AT_FDCWD {
        fs.cwd.clone()
    } else {
        let f = dirfd.file(t)?;
        let dir = f.inode.clone().ok_or(Errno::ENOTDIR)?;
        if !dir.is_dir() {
            return Err(Errno::ENOTDIR.into());
        }
        dir
    };
    let inode = crate::fsctx::vfs().resolve(&fs.path_ctx(&start), path, flags & AT_SYMLINK_NOFOLLOW == 0).await?;
    if inode.file_type() == FileType::Symlink {
        return Err(Errno::ELOOP.into());
    }
    Ok(inode)
}

fn check_executable(inode: &Arc<dyn Inode>) -> kairos_abi::Result<()> {
    let m = inode.metadata();
    if m.file_type() != FileType::Regular || m.mode & 0o111 == 0 {
        return Err(Errno::EACCES.into());
    }
    Ok(())
}

/// `execveat(dirfd, path, argv, envp, flags)`; `execve` passes AT_FDCWD and 0.
pub async fn sys_execve(
    t: &Arc<Thread>,
    ctx: &mut UserContext,
    dirfd: Fd,
    path: u64,
    argv: u64,
    envp: u64,
    flags: u32,
) -> SysResult {
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let path = read_path(t, path)?;
    let argv = read_string_array(t, argv, ARG_MAX)?;
    let envp = read_string_array(t, envp, ARG_MAX)?;
    exec_at(t, ctx, dirfd, path, argv, envp, flags).await
}

/// Replaces the image of `t` with the program at `path` (used by execve and to start init).
pub async fn exec_program(
    t: &Arc<Thread>,
    ctx: &mut UserContext,
    path: &str,
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
) -> SysResult {
    exec_at(t, ctx, Fd(kairos_abi::at::AT_FDCWD), String::from(path), argv, envp, 0).await
}

async fn exec_at(
    t: &Arc<Thread>,
    ctx: &mut UserContext,
    dirfd: Fd,
    mut path: String,
    mut argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
    flags: u32,
) -> SysResult {
    let mut inode = resolve(t, dirfd, &path, flags).await?;
    check_executable(&inode)?;
    let mut file = exec::ExecFile::new(&inode, &path);
    let mut head = file.head().await?;
    // AT_EXECFN and the command name come from the path the caller gave, even for scripts.
    let execfn = path.clone();
    // `#!` scripts: the interpreter runs with the script as an argument.
    let mut depth = 0;
    while let Some((interp, arg)) = exec::parse_shebang(&head) {
        depth += 1;
        if depth > MAX_SHEBANG_DEPTH {
            return Err(Errno::ELOOP.into());
        }
        let interp = String::from_utf8(interp).map_err(|_| Errno::ENOEXEC)?;
        let mut new_argv = alloc::vec![interp.clone().into_bytes()];
        if let Some(a) = arg {
            new_argv.push(a);
        }
        new_argv.push(path.clone().into_bytes());
        new_argv.extend(argv.into_iter().skip(1));
        argv = new_argv;
        inode = resolve(t, Fd(kairos_abi::at::AT_FDCWD), &interp, 0).await?;
        check_executable(&inode)?;
        file = exec::ExecFile::new(&inode, &interp);
        head = file.head().await?;
        path = interp;
    }
    let exe_path = exe_path(t, if depth == 0 { dirfd } else { Fd(kairos_abi::at::AT_FDCWD) }, &path).await;
    if !exe_path.is_empty() {
        file.set_path(&exe_path);
    }
    let mut mm = AddressSpace::new()?;
    let mut prog = exec::load_program(&mut mm, &file).await?;
    if let Some(interp) = prog.interp.clone() {
        let ld = resolve(t, Fd(kairos_abi::at::AT_FDCWD), &interp, 0).await?;
        exec::load_interpreter(&mut mm, &exec::ExecFile::new(&ld, &interp), &mut prog).await?;
    }
    mm.brk_start = prog.brk;
    mm.brk = prog.brk;
    let creds = {
        let st = t.process.state.lock();
        AuxCreds { uid: st.uid[0], euid: st.uid[1], gid: st.gid[0], egid: st.gid[1] }
    };
    let sp = exec::build_stack(&mut mm, &prog, &argv, &envp, execfn.as_bytes(), creds)?;
    let (args, env) = exec::string_areas(&argv, &envp, execfn.as_bytes());
    let image = ExecImage {
        exe_path,
        exe: Some(inode.clone()),
        image: (prog.phdr & !0xfff, (prog.brk + 0xfff) & !0xfff),
        args,
        env,
        stack_start: sp,
    };

    // --- point of no return ---
    let p = &t.process;
    for other in p.threads().iter().filter(|o| !Arc::ptr_eq(o, t)) {
        other.exiting.store(true, Ordering::Release);
        other.signal_wait.wake_all();
    }
    // Like Linux's de_thread: the other threads are gone before the new image runs, and a
    // secondary thread that execs takes over the process id.
    while p.threads().iter().any(|o| !Arc::ptr_eq(o, t)) {
        let deadline = crate::time::now_ns().saturating_add(200_000);
        crate::sched::spawner().sleep_until(deadline).await;
    }
    if !t.is_main() {
        let old_tid = t.tid();
        t.take_over_pid();
        crate::debug::remove(old_tid);
        crate::debug::update(t);
    }
    *t.mm.lock() = Arc::new(spin::Mutex::new(mm));
    let mut files = t.files().lock().clone();
    files.close_on_exec();
    *t.files.lock() = Arc::new(spin::Mutex::new(files));
    let mut handlers: SigHandlers = t.sighand().lock().clone();
    for a in handlers.actions.iter_mut() {
        if !a.is_ignore() && !a.is_default() {
            *a = kairos_abi::signal::SigAction::DEFAULT;
        }
    }
    *t.sighand.lock() = Arc::new(spin::Mutex::new(handlers));
    *t.altstack.lock() = NO_ALTSTACK;
    *t.saved_sigmask.lock() = None;
    t.robust_list.store(0, Ordering::Relaxed);
    t.clear_child_tid.store(0, Ordering::Relaxed);
    let name = execfn.rsplit('/').next().unwrap_or(&execfn);
    *p.comm.lock() = String::from(&name[..name.len().min(15)]);
    p.state.lock().did_exec = true;
    *p.exec_image.lock() = image;
    crate::proc::task::cancel_timers(p, false);
    t.vfork_done.store(true, Ordering::Release);
    t.vfork_wait.wake_all();
    *ctx = UserContext::new(prog.start, sp);
    Ok(0)
}
