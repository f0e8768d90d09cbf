//! `proc`: the process information filesystem.
//!
//! Per process (`/proc/PID/`, also reachable as `/proc/TID/` for other threads, and per
//! thread under `task/TID/`): `stat` and `status` (Linux's field layouts), `statm`,
//! `cmdline` and `environ` (read from the process's memory), `maps`, `comm` (writable by the
//! process itself), `exe`/`cwd`/`root` links, `fd/` (links to the opened paths or
//! `pipe:[N]`, `anon_inode:[...]`), `mounts` and `mountinfo`. System wide: `self`,
//! `thread-self`, `mounts`, `meminfo`, `uptime`, `loadavg`, `cpuinfo`, `stat`,
//! `filesystems`, `partitions`, `cmdline`, `version`, and `sys/kernel/` (the UTS names, the
//! random ids, `pid_max`).
//!
//! Everything is generated when read, from the live kernel objects looked up by pid; a
//! process that went away reads as ESRCH, as on Linux. Numbers the kernel does not track
//! (page-fault counts, resident pages, context switches) read as 0.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;

use kairos_abi::types::PROC_SUPER_MAGIC;
use kairos_abi::{Errno, Error, Result};
use kairos_fs::path::{MountOptions, PathCtx};
use kairos_fs::vfs::{
    Credentials, FileType, Inode, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, dev_major, dev_minor, ready,
};

use super::{Content, LinkFn, Node, PseudoFs, ReadFn, list_fn};
use crate::file::{File, FileKind};
use crate::fsctx::vfs;
use crate::mm::vm::{VmKind, VmProt};
use crate::proc::Thread;
use crate::proc::process::{self, Pid, Process};

/// Clock ticks per second (`USER_HZ`, `AT_CLKTCK`).
const HZ: u64 = 100;
/// `MS_NOATIME` (mount flag).
const MS_NOATIME: u64 = 1024;
/// `MS_STRICTATIME`.
const MS_STRICTATIME: u64 = 1 << 24;

fn esrch() -> Error {
    Error::new(Errno::ESRCH)
}

fn ticks(ns: u64) -> u64 {
    ns / (1_000_000_000 / HZ)
}

/// A new `proc` instance (each mount gets its own; all show the same processes).
pub fn new_instance() -> Arc<dyn Inode> {
    // proc's lookup of a missing name fails (no negative entry), so creating one is ENOENT.
    let fs = PseudoFs::new(PROC_SUPER_MAGIC, Errno::ENOENT);
    Node::root(&fs, 0o555, list_fn(root_entries), Some(Arc::new(lookup_pid)))
}

/// The fixed entries of `/proc` followed by one directory per process.
fn root_entries(root: &Arc<Node>) -> Vec<Arc<Node>> {
    let mut v = alloc::vec![
        Node::link(root, "self", Arc::new(|| ready(self_target(false)))),
        Node::link(root, "thread-self", Arc::new(|| ready(self_target(true)))),
        Node::fixed_link(root, "mounts", "self/mounts"),
        Node::text(root, "meminfo", 0o444, || Ok(meminfo())),
        Node::text(root, "uptime", 0o444, || Ok(uptime())),
        Node::text(root, "loadavg", 0o444, || Ok(loadavg())),
        Node::text(root, "cpuinfo", 0o444, || Ok(cpuinfo())),
        Node::text(root, "stat", 0o444, || Ok(stat_global())),
        Node::text(root, "filesystems", 0o444, || Ok(filesystems())),
        Node::text(root, "partitions", 0o444, || Ok(partitions())),
        Node::text(root, "cmdline", 0o444, || Ok(alloc::format!("{}\n", crate::cmdline::options().raw))),
        Node::text(root, "version", 0o444, || Ok(version())),
        Node::dir(root, "sys", 0o555, list_fn(sys_entries)),
    ];
    for p in process::all_processes() {
        v.push(pid_dir(root, &p, p.pid, false));
    }
    v
}

/// `/proc/N` for a thread id N that is not a process (Linux lets those be looked up).
fn lookup_pid(root: &Arc<Node>, name: &str) -> Option<Arc<Node>> {
    let id: Pid = name.parse().ok()?;
    if name != alloc::format!("{id}") {
        return None;
    }
    if let Some(p) = process::find_process(id) {
        return Some(pid_dir(root, &p, id, false));
    }
    let t = process::find_thread(id)?;
    Some(pid_dir(root, &t.process, id, false))
}

/// `/proc/self` → `PID`, `/proc/thread-self` → `PID/task/TID` of the caller.
fn self_target(thread: bool) -> Result<String> {
    let t = current_thread().ok_or(Error::new(Errno::ENOENT))?;
    Ok(if thread { alloc::format!("{}/task/{}", t.process.pid, t.tid()) } else { alloc::format!("{}", t.process.pid) })
}

fn current_thread() -> Option<Arc<Thread>> {
    super::current_thread()
}

// ----------------------------------------------------------------------------------------
// Per-process directories
// ----------------------------------------------------------------------------------------

/// The directory of process `p` seen through id `id` (its pid, or a tid under `task/` when
/// `task` is set).
fn pid_dir(parent: &Arc<Node>, p: &Arc<Process>, id: Pid, task: bool) -> Arc<Node> {
    let owner = {
        let s = p.state.lock();
        (s.uid[1], s.gid[1])
    };
    let pid = p.pid;
    let tid = id;
    let list = list_fn(move |d| pid_entries(d, pid, tid, task));
    Node::new_child(
        parent,
        &alloc::format!("{id}"),
        FileType::Directory,
        0o555,
        Some(owner),
        Content::Dir { list, lookup: None },
    )
}

fn pid_entries(d: &Arc<Node>, pid: Pid, tid: Pid, task: bool) -> Vec<Arc<Node>> {
    let text_of =
        |f: fn(Pid, Pid) -> Result<String>| -> ReadFn { Arc::new(move || ready(f(pid, tid).map(String::into_bytes))) };
    let link = |f: fn(Pid, Pid) -> Result<String>| -> LinkFn { Arc::new(move || ready(f(pid, tid))) };
    let mut v = alloc::vec![
        Node::file(d, "stat", 0o444, text_of(stat_text), None),
        Node::file(d, "status", 0o444, text_of(status_text), None),
        Node::file(d, "statm", 0o444, text_of(statm_text), None),
        Node::file(d, "cmdline", 0o444, Arc::new(move || ready(memory_area(pid, tid, false))), None),
        Node::file(d, "environ", 0o400, Arc::new(move || ready(memory_area(pid, tid, true))), None),
        Node::file(d, "maps", 0o444, text_of(maps_text), None),
        Node::file(
            d,
            "comm",
            0o644,
            text_of(|pid, _| Ok(alloc::format!("{}\n", find(pid)?.comm.lock()))),
            Some(Arc::new(move |buf: &[u8]| write_comm(pid, buf))),
        ),
        Node::link(d, "exe", link(exe_target)),
        Node::link(d, "cwd", Arc::new(move || Box::pin(fs_link(pid, tid, false)))),
        Node::link(d, "root", Arc::new(move || Box::pin(fs_link(pid, tid, true)))),
        Node::dir(d, "fd", 0o500, list_fn(move |fd| fd_entries(fd, pid, tid))),
        Node::file(
            d,
            "mounts",
            0o444,
            Arc::new(|| Box::pin(async { mounts_text(false).await.map(String::into_bytes) })),
            None
        ),
        Node::file(
            d,
            "mountinfo",
            0o444,
            Arc::new(|| Box::pin(async { mounts_text(true).await.map(String::into_bytes) })),
            None,
        ),
    ];
    if !task {
        v.push(Node::dir(d, "task", 0o555, list_fn(move |td| task_entries(td, pid))));
    }
    v
}

fn task_entries(d: &Arc<Node>, pid: Pid) -> Vec<Arc<Node>> {
    let Some(p) = process::find_process(pid) else { return Vec::new() };
    let mut tids: Vec<Pid> = p.threads().iter().map(|t| t.tid()).collect();
    tids.sort_unstable();
    tids.into_iter().map(|tid| pid_dir(d, &p, tid, true)).collect()
}

fn find(pid: Pid) -> Result<Arc<Process>> {
    process::find_process(pid).ok_or_else(esrch)
}

/// The thread `tid` of `p` if alive, else any live thread of it (None for a zombie).
fn thread_of(p: &Process, tid: Pid) -> Option<Arc<Thread>> {
    let threads = p.threads();
    threads.iter().find(|t| t.tid() == tid).or_else(|| threads.first()).cloned()
}

/// One-letter state and its name, as `stat` and `status` show them.
fn state_of(p: &Process, tid: Pid) -> (char, &'static str) {
    let (zombie, stopped) = {
        let s = p.state.lock();
        (s.exit.is_some(), s.stopped.is_some())
    };
    if zombie {
        ('Z', "zombie")
    } else if stopped {
        ('T', "stopped")
    } else if current_thread().is_some_and(|t| t.tid() == tid || (t.process.pid == p.pid && tid == p.pid)) {
        ('R', "running")
    } else {
        ('S', "sleeping")
    }
}

/// Pending (process + thread), blocked, ignored and caught signal sets.
fn signal_sets(p: &Process, t: Option<&Arc<Thread>>) -> (u64, u64, u64, u64, u64) {
    let shared = p.pending.lock().set.bits();
    let Some(t) = t else { return (0, shared, 0, 0, 0) };
    let own = t.pending.lock().set.bits();
    let blocked = t.sigmask.lock().bits();
    let (mut ign, mut cgt) = (0u64, 0u64);
    let sighand = t.sighand();
    let h = sighand.lock();
    for (i, a) in h.actions.iter().enumerate() {
        if a.is_ignore() {
            ign |= 1 << i;
        } else if !a.is_default() {
            cgt |= 1 << i;
        }
    }
    (own, shared, blocked, ign, cgt)
}

/// Total size of the mappings, in bytes.
fn vm_size(t: Option<&Arc<Thread>>) -> (u64, u64, u64) {
    let Some(t) = t else { return (0, 0, 0) };
    let mm = t.mm();
    let mm = mm.lock();
    let (mut total, mut stack, mut data) = (0, 0, 0);
    for v in mm.vmas() {
        let len = v.end - v.start;
        total += len;
        if v.kind == VmKind::Stack {
            stack += len;
        } else if v.prot.contains(VmProt::WRITE) && v.file.is_none() {
            data += len;
        }
    }
    (total, stack, data)
}

/// The terminal device number (`tty_nr`) and foreground group of `sid`'s controlling tty.
fn ctty(sid: Pid) -> (u64, i64) {
    match crate::file::tty::ctty_of_session(sid) {
        Some(tty) => (u64::from(tty.encoded_device()), i64::from(tty.state.lock().fg_pgrp)),
        None => (0, -1),
    }
}

fn stat_text(pid: Pid, tid: Pid) -> Result<String> {
    let p = find(pid)?;
    let t = thread_of(&p, tid);
    let (state, _) = state_of(&p, tid);
    // Not under the state lock: ppid() takes it.
    let ppid = p.ppid();
    let (pgid, sid, nice, sched, rss_lim, children, exit, exit_signal) = {
        let s = p.state.lock();
        (s.pgid, s.sid, s.nice, s.sched, s.rlimits[5].0, s.children_times, s.exit, s.exit_signal)
    };
    let (tty_nr, tpgid) = ctty(sid);
    let comm = p.comm.lock().clone();
    let utime = ticks(p.cpu_ns.0.load(core::sync::atomic::Ordering::Relaxed));
    let stime = ticks(p.cpu_ns.1.load(core::sync::atomic::Ordering::Relaxed));
    let threads = p.threads().len().max(1);
    let (vsize, _, _) = vm_size(t.as_ref());
    let (own, shared, blocked, ign, cgt) = signal_sets(&p, t.as_ref());
    let img = p.exec_image.lock().clone();
    let brk_start = t.as_ref().map_or(0, |t| t.mm().lock().brk_start);
    let rt = if sched.0 == 1 || sched.0 == 2 { sched.1 } else { 0 };
    let prio = if rt > 0 { -1 - rt as i64 } else { 20 + i64::from(nice) };
    let exit_code = exit.map_or(0, |e| e.wstatus());
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{pid} ({comm}) {state} {ppid} {pgid} {sid} {tty_nr} {tpgid} {flags} 0 0 0 0 {utime} {stime} {cutime} {cstime} \
         {prio} {nice} {threads} 0 {start} {vsize} 0 {rss_lim} {startcode} {endcode} {startstack} 0 0 {sig} {blocked} \
         {ign} {cgt} 0 0 0 {exit_signal} 0 {rt} {policy} 0 0 0 0 0 {brk_start} {arg0} {arg1} {env0} {env1} {exit_code}",
        pid = tid,
        flags = 0,
        cutime = ticks(children.0),
        cstime = ticks(children.1),
        start = ticks(p.start_ns),
        startcode = img.image.0,
        endcode = img.image.1,
        startstack = img.stack_start,
        sig = own | shared,
        policy = sched.0,
        arg0 = img.args.0,
        arg1 = img.args.1,
        env0 = img.env.0,
        env1 = img.env.1,
    );
    Ok(s)
}

fn status_text(pid: Pid, tid: Pid) -> Result<String> {
    let p = find(pid)?;
    let t = thread_of(&p, tid);
    let (state, state_name) = state_of(&p, tid);
    let (pgid, sid, uid, gid, groups, no_new_privs, sigpending_lim) = {
        let s = p.state.lock();
        (s.pgid, s.sid, s.uid, s.gid, s.groups.clone(), s.no_new_privs, s.rlimits[11].0)
    };
    let (umask, fsuid, fsgid) = match &t {
        Some(t) => {
            let fs = t.fs();
            let fs = fs.lock();
            (fs.umask, fs.cred.fsuid, fs.cred.fsgid)
        }
        None => (0o022, uid[1], gid[1]),
    };
    let fdsize = t.as_ref().map_or(0, |t| t.files().lock().len()).max(64).next_power_of_two();
    let (vsize, stack, data) = vm_size(t.as_ref());
    let (own, shared, blocked, ign, cgt) = signal_sets(&p, t.as_ref());
    let queued = p.pending.lock().queue.len() + t.as_ref().map_or(0, |t| t.pending.lock().queue.len());
    let comm = p.comm.lock().clone();
    let mut s = String::new();
    let kb = |b: u64| b / 1024;
    let _ = write!(
        s,
        "Name:\t{comm}\nUmask:\t{umask:04o}\nState:\t{state} ({state_name})\nTgid:\t{pid}\nNgid:\t0\nPid:\t{tid}\n\
         PPid:\t{ppid}\nTracerPid:\t0\nUid:\t{}\t{}\t{}\t{fsuid}\nGid:\t{}\t{}\t{}\t{fsgid}\nFDSize:\t{fdsize}\nGroups:\t",
        uid[0],
        uid[1],
        uid[2],
        gid[0],
        gid[1],
        gid[2],
        ppid = p.ppid(),
    );
    for g in &groups {
        let _ = write!(s, "{g} ");
    }
    let _ = write!(
        s,
        "\nNStgid:\t{pid}\nNSpid:\t{tid}\nNSpgid:\t{pgid}\nNSsid:\t{sid}\nKthread:\t0\n\
         VmPeak:\t{:8} kB\nVmSize:\t{:8} kB\nVmLck:\t{:8} kB\nVmPin:\t{:8} kB\nVmHWM:\t{:8} kB\nVmRSS:\t{:8} kB\n\
         RssAnon:\t{:8} kB\nRssFile:\t{:8} kB\nRssShmem:\t{:8} kB\nVmData:\t{:8} kB\nVmStk:\t{:8} kB\n\
         VmExe:\t{:8} kB\nVmLib:\t{:8} kB\nVmPTE:\t{:8} kB\nVmSwap:\t{:8} kB\nHugetlbPages:\t{:8} kB\n\
         CoreDumping:\t0\nTHP_enabled:\t0\nuntag_mask:\t0xffffffffffffffff\nThreads:\t{threads}\n\
         SigQ:\t{queued}/{sigpending_lim}\nSigPnd:\t{own:016x}\nShdPnd:\t{shared:016x}\nSigBlk:\t{blocked:016x}\n\
         SigIgn:\t{ign:016x}\nSigCgt:\t{cgt:016x}\nCapInh:\t0000000000000000\nCapPrm:\t{cap:016x}\n\
         CapEff:\t{cap:016x}\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t{nnp}\n\
         Seccomp:\t0\nSeccomp_filters:\t0\nSpeculation_Store_Bypass:\tnot vulnerable\n\
         SpeculationIndirectBranch:\tunknown\nCpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\n\
         Mems_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
        kb(vsize),
        kb(vsize),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        kb(data),
        kb(stack),
        0,
        0,
        0,
        0,
        0,
        threads = p.threads().len().max(1),
        cap = if uid[1] == 0 { 0x1ff_ffff_ffffu64 } else { 0 },
        nnp = u8::from(no_new_privs),
    );
    Ok(s)
}

fn statm_text(pid: Pid, tid: Pid) -> Result<String> {
    let p = find(pid)?;
    let t = thread_of(&p, tid);
    let (vsize, stack, data) = vm_size(t.as_ref());
    let img = p.exec_image.lock().image;
    let text = img.1.saturating_sub(img.0);
    Ok(alloc::format!("{} 0 0 {} 0 {} 0\n", vsize / 4096, text / 4096, (data + stack) / 4096))
}

/// `cmdline` (argv strings) or `environ` (envp strings), read from the process's memory.
fn memory_area(pid: Pid, tid: Pid, env: bool) -> Result<Vec<u8>> {
    let p = find(pid)?;
    let Some(t) = thread_of(&p, tid) else { return Ok(Vec::new()) };
    let (start, end) = {
        let img = p.exec_image.lock();
        if env { img.env } else { img.args }
    };
    if end <= start {
        return Ok(Vec::new());
    }
    let mut buf = alloc::vec![0u8; (end - start) as usize];
    // A process that unmapped its stack reads as empty, as on Linux.
    if t.mm().lock().read_bytes(start, &mut buf).is_err() {
        return Ok(Vec::new());
    }
    Ok(buf)
}

fn write_comm(pid: Pid, buf: &[u8]) -> Result<usize> {
    // Linux: only the process's own threads may rename it.
    let me = current_thread().ok_or(Error::new(Errno::EINVAL))?;
    if me.process.pid != pid {
        return Err(Error::new(Errno::EINVAL));
    }
    let p = find(pid)?;
    // Linux keeps a trailing newline as part of the name.
    let name = String::from_utf8_lossy(&buf[..buf.len().min(15)]).into_owned();
    *p.comm.lock() = name;
    Ok(buf.len())
}

fn exe_target(pid: Pid, _tid: Pid) -> Result<String> {
    let p = find(pid)?;
    let path = p.exec_image.lock().exe_path.clone();
    if path.is_empty() || p.is_zombie() { Err(Error::new(Errno::ENOENT)) } else { Ok(path) }
}

/// The root of the reader (paths are shown relative to it, as Linux's `d_path`).
fn reader_root() -> Arc<dyn Inode> {
    current_thread().map_or_else(|| vfs().root(), |t| t.fs().lock().root.clone())
}

async fn fs_link(pid: Pid, tid: Pid, root: bool) -> Result<String> {
    let p = find(pid)?;
    let t = thread_of(&p, tid).ok_or(Error::new(Errno::ENOENT))?;
    let dir = {
        let fs = t.fs();
        let fs = fs.lock();
        if root { fs.root.clone() } else { fs.cwd.clone() }
    };
    vfs().path_of(&reader_root(), &dir).await
}

fn fd_entries(d: &Arc<Node>, pid: Pid, tid: Pid) -> Vec<Arc<Node>> {
    let Some(t) = process::find_process(pid).and_then(|p| thread_of(&p, tid)) else { return Vec::new() };
    let files: Vec<(i32, Arc<File>)> = t.files().lock().iter().map(|(fd, e)| (fd, e.file.clone())).collect();
    files
        .into_iter()
        .map(|(fd, file)| {
            let flags = file.flags();
            let acc = flags.access_mode();
            let mut perm = 0;
            if acc == 0 || acc == 2 {
                perm |= 0o500;
            }
            if acc == 1 || acc == 2 {
                perm |= 0o300;
            }
            let target: LinkFn = Arc::new(move || {
                let file = file.clone();
                Box::pin(async move { fd_target(pid, tid, &file).await })
            });
            Node::new_child(d, &alloc::format!("{fd}"), FileType::Symlink, perm, None, Content::Link(target))
        })
        .collect()
}

/// What `/proc/PID/fd/N` points to: the path of the file, or `pipe:[N]` / `anon_inode:[…]`.
async fn fd_target(pid: Pid, tid: Pid, file: &File) -> Result<String> {
    match &file.kind {
        FileKind::Pipe(pipe, _) => Ok(alloc::format!("pipe:[{}]", pipe_ino(pipe))),
        FileKind::SignalFd(_) => Ok(String::from("anon_inode:[signalfd]")),
        FileKind::Epoll(_) => Ok(String::from("anon_inode:[eventpoll]")),
        FileKind::PidFd(_) => Ok(String::from("anon_inode:[pidfd]")),
        FileKind::Socket(s) => Ok(alloc::format!("socket:[{}]", s.ino())),
        FileKind::Inode(inode) if inode.is_dir() => vfs().path_of(&reader_root(), inode).await,
        _ => match file.path.as_deref() {
            Some(p) if p.starts_with('/') => Ok(String::from(p)),
            Some(p) => {
                let cwd = fs_link(pid, tid, false).await?;
                Ok(alloc::format!("{}/{}", cwd.trim_end_matches('/'), p))
            }
            None => Ok(String::from("anon_inode:[unknown]")),
        },
    }
}

/// A stable number naming a pipe (its address, folded to look like an inode number).
fn pipe_ino<T>(pipe: &Arc<T>) -> u64 {
    let a = Arc::as_ptr(pipe) as *const u8 as usize as u64;
    (a >> 4) & 0xff_ffff
}

fn maps_text(pid: Pid, tid: Pid) -> Result<String> {
    let p = find(pid)?;
    let Some(t) = thread_of(&p, tid) else { return Ok(String::new()) };
    let img = p.exec_image.lock().clone();
    let (exe_dev, exe_ino) = img.exe.as_ref().map_or((0, 0), |e| {
        let m = e.metadata();
        (m.dev, m.ino)
    });
    let mm = t.mm();
    let mm = mm.lock();
    let mut out = String::new();
    for v in mm.vmas() {
        let r = if v.prot.contains(VmProt::READ) { 'r' } else { '-' };
        let w = if v.prot.contains(VmProt::WRITE) { 'w' } else { '-' };
        let x = if v.prot.contains(VmProt::EXEC) { 'x' } else { '-' };
        let s = if v.kind == VmKind::Shared { 's' } else { 'p' };
        let (offset, dev, ino, name): (u64, u64, u64, Option<String>) = if let Some(f) = &v.file {
            let m = f.cache.inode().metadata();
            (f.offset, m.dev, m.ino, Some(f.path.as_deref().map_or_else(String::new, String::from)))
        } else if v.kind == VmKind::Stack {
            (0, 0, 0, Some(String::from("[stack]")))
        } else if v.kind == VmKind::Heap {
            (0, 0, 0, Some(String::from("[heap]")))
        } else if img.exe.is_some() && v.start >= img.image.0 && v.end <= img.image.1 {
            (v.start - img.image.0, exe_dev, exe_ino, Some(img.exe_path.clone()))
        } else {
            (0, 0, 0, None)
        };
        let line_start = out.len();
        let _ = write!(
            out,
            "{:08x}-{:08x} {r}{w}{x}{s} {offset:08x} {:02x}:{:02x} {ino} ",
            v.start,
            v.end,
            dev_major(dev),
            dev_minor(dev)
        );
        if let Some(name) = name {
            while out.len() - line_start < 73 {
                out.push(' ');
            }
            out.push_str(&name);
        }
        out.push('\n');
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------
// Mounts
// ----------------------------------------------------------------------------------------

/// Escapes space, tab, newline and backslash as Linux's `mangle` does (`\040`...).
fn mangle(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            ' ' | '\t' | '\n' | '\\' => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The per-mount options (`rw,nosuid,nodev,noexec,relatime`).
pub fn mount_flags_text(flags: u64) -> String {
    let mut s = String::from(if flags & MS_RDONLY != 0 { "ro" } else { "rw" });
    for (bit, name) in [(MS_NOSUID, ",nosuid"), (MS_NODEV, ",nodev"), (MS_NOEXEC, ",noexec")] {
        if flags & bit != 0 {
            s.push_str(name);
        }
    }
    if flags & MS_NOATIME != 0 {
        s.push_str(",noatime");
    } else if flags & MS_STRICTATIME == 0 {
        s.push_str(",relatime");
    }
    s
}

/// `/proc/PID/mounts` (`mountinfo` false) or `/proc/PID/mountinfo`.
async fn mounts_text(info: bool) -> Result<String> {
    let root = reader_root();
    let mounts = vfs().mounts();
    let mut out = String::new();
    for m in &mounts {
        let path = match &m.mountpoint {
            None => String::from("/"),
            Some(mp) => match vfs().path_of(&root, mp).await {
                Ok(p) if !p.starts_with("(unreachable)") => p,
                _ => continue,
            },
        };
        let o: &MountOptions = &m.options;
        let flags = mount_flags_text(o.flags);
        let source = if o.source.is_empty() { "none" } else { &o.source };
        if info {
            let parent = m.mountpoint.as_ref().and_then(|mp| vfs().mount_of(&**mp)).map_or(m.id, |pm| pm.id);
            let dev = m.root.metadata().dev;
            let sb = if o.flags & MS_RDONLY != 0 { "ro" } else { "rw" };
            let _ = write!(
                out,
                "{} {} {}:{} / {} {flags} - {} {} {sb}",
                m.id,
                parent,
                dev_major(dev),
                dev_minor(dev),
                mangle(&path),
                mangle(&o.fstype),
                mangle(source)
            );
        } else {
            let _ = write!(out, "{} {} {} {flags}", mangle(source), mangle(&path), mangle(&o.fstype));
        }
        if !o.data.is_empty() {
            out.push(',');
            out.push_str(&mangle(&o.data));
        }
        out.push_str(if info { "\n" } else { " 0 0\n" });
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------
// System-wide files
// ----------------------------------------------------------------------------------------

fn meminfo() -> String {
    let m = crate::mm::memory_summary();
    let (total_kb, free_kb) = (m.total / 1024, m.free / 1024);
    let (cached_kb, buffers_kb) = (m.cached / 1024, m.buffers / 1024);
    // Clean cached pages and buffers can be dropped for memory.
    let available_kb = free_kb + (m.cached + m.buffers).saturating_sub(m.dirty) / 1024;
    let used_kb = total_kb.saturating_sub(free_kb);
    let mut s = String::new();
    let rows: [(&str, u64); 26] = [
        ("MemTotal:", total_kb),
        ("MemFree:", free_kb),
        ("MemAvailable:", available_kb),
        ("Buffers:", buffers_kb),
        ("Cached:", cached_kb),
        ("SwapCached:", 0),
        ("Active:", 0),
        ("Inactive:", 0),
        ("Unevictable:", 0),
        ("Mlocked:", 0),
        ("SwapTotal:", 0),
        ("SwapFree:", 0),
        ("Dirty:", m.dirty / 1024),
        ("Writeback:", 0),
        ("AnonPages:", 0),
        ("Mapped:", 0),
        ("Shmem:", 0),
        ("Slab:", 0),
        ("SReclaimable:", 0),
        ("SUnreclaim:", 0),
        ("KernelStack:", 0),
        ("PageTables:", 0),
        ("CommitLimit:", total_kb / 2),
        ("Committed_AS:", used_kb),
        ("VmallocTotal:", 0),
        ("VmallocUsed:", 0),
    ];
    for (name, kb) in rows {
        let _ = writeln!(s, "{name:<16}{kb:>8} kB");
    }
    s
}

/// Busy time of every process (user, system), including reaped children.
fn cpu_totals() -> (u64, u64) {
    let (mut user, mut sys) = (0, 0);
    for p in process::all_processes() {
        user += p.cpu_ns.0.load(core::sync::atomic::Ordering::Relaxed);
        sys += p.cpu_ns.1.load(core::sync::atomic::Ordering::Relaxed);
        let c = p.state.lock().children_times;
        user += c.0;
        sys += c.1;
    }
    (user, sys)
}

fn uptime() -> String {
    let now = crate::time::now_ns();
    let (u, s) = cpu_totals();
    let idle = now.saturating_sub(u + s);
    let cs = |ns: u64| (ns / 1_000_000_000, ns / 10_000_000 % 100);
    let (a, b) = cs(now);
    let (c, d) = cs(idle);
    alloc::format!("{a}.{b:02} {c}.{d:02}\n")
}

fn loadavg() -> String {
    let last = process::all_processes().iter().map(|p| p.pid).max().unwrap_or(0);
    alloc::format!("0.00 0.00 0.00 1/{} {last}\n", process::thread_count())
}

fn stat_global() -> String {
    let now = crate::time::now_ns();
    let (u, s) = cpu_totals();
    let idle = ticks(now.saturating_sub(u + s));
    let (u, s) = (ticks(u), ticks(s));
    let btime = (crate::time::realtime_ns().saturating_sub(now)) / 1_000_000_000;
    let procs = process::all_processes().len();
    alloc::format!(
        "cpu  {u} 0 {s} {idle} 0 0 0 0 0 0\ncpu0 {u} 0 {s} {idle} 0 0 0 0 0 0\nintr 0\nctxt 0\nbtime {btime}\n\
         processes {procs}\nprocs_running 1\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n"
    )
}

fn filesystems() -> String {
    let mut s = String::from("nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tdevpts\n");
    for t in crate::syscall::block_fs_types() {
        let _ = writeln!(s, "\t{t}");
    }
    s
}

fn partitions() -> String {
    let mut s = String::from("major minor  #blocks  name\n\n");
    for e in super::devfs::block_devices() {
        let _ = writeln!(s, "{:4}  {:7} {:10} {}", e.major, e.minor, e.device.sector_count() / 2, e.name);
    }
    s
}

fn version() -> String {
    alloc::format!(
        "Linux version {} (kairos@kairos) (rustc) {}\n",
        crate::syscall::RELEASE,
        crate::syscall::UTS_VERSION
    )
}

fn cpuinfo() -> String {
    use crate::arch::cpu::cpuid;
    let l0 = cpuid(0, 0);
    let mut vendor = Vec::new();
    for r in [l0.ebx, l0.edx, l0.ecx] {
        vendor.extend_from_slice(&r.to_le_bytes());
    }
    let l1 = cpuid(1, 0);
    let family_base = (l1.eax >> 8) & 0xf;
    let family = if family_base == 0xf { family_base + ((l1.eax >> 20) & 0xff) } else { family_base };
    let model = ((l1.eax >> 4) & 0xf) | if family_base >= 6 { ((l1.eax >> 16) & 0xf) << 4 } else { 0 };
    let stepping = l1.eax & 0xf;
    let max_ext = cpuid(0x8000_0000, 0).eax;
    let mut brand = Vec::new();
    if max_ext >= 0x8000_0004 {
        for leaf in 0x8000_0002..=0x8000_0004u32 {
            let r = cpuid(leaf, 0);
            for w in [r.eax, r.ebx, r.ecx, r.edx] {
                brand.extend_from_slice(&w.to_le_bytes());
            }
        }
    }
    let brand = String::from_utf8_lossy(&brand).trim_matches(|c: char| c == '\0' || c == ' ').replace('\0', "");
    let l7 = if l0.eax >= 7 { cpuid(7, 0) } else { l1 };
    let e1 = if max_ext >= 0x8000_0001 { cpuid(0x8000_0001, 0) } else { l1 };
    let mut flags = String::new();
    let tables: [(u32, &[(u32, &str)]); 4] = [
        (
            l1.edx,
            &[
                (0, "fpu"),
                (1, "vme"),
                (2, "de"),
                (3, "pse"),
                (4, "tsc"),
                (5, "msr"),
                (6, "pae"),
                (7, "mce"),
                (8, "cx8"),
                (9, "apic"),
                (11, "sep"),
                (12, "mtrr"),
                (13, "pge"),
                (14, "mca"),
                (15, "cmov"),
                (16, "pat"),
                (17, "pse36"),
                (19, "clflush"),
                (23, "mmx"),
                (24, "fxsr"),
                (25, "sse"),
                (26, "sse2"),
                (28, "ht"),
            ],
        ),
        (
            if max_ext >= 0x8000_0001 { e1.edx } else { 0 },
            &[(11, "syscall"), (20, "nx"), (26, "pdpe1gb"), (27, "rdtscp"), (29, "lm")],
        ),
        (
            l1.ecx,
            &[
                (0, "pni"),
                (1, "pclmulqdq"),
                (9, "ssse3"),
                (12, "fma"),
                (13, "cx16"),
                (19, "sse4_1"),
                (20, "sse4_2"),
                (21, "x2apic"),
                (22, "movbe"),
                (23, "popcnt"),
                (25, "aes"),
                (26, "xsave"),
                (28, "avx"),
                (29, "f16c"),
                (30, "rdrand"),
                (31, "hypervisor"),
            ],
        ),
        (
            if l0.eax >= 7 { l7.ebx } else { 0 },
            &[
                (0, "fsgsbase"),
                (3, "bmi1"),
                (5, "avx2"),
                (7, "smep"),
                (8, "bmi2"),
                (9, "erms"),
                (18, "rdseed"),
                (19, "adx"),
                (20, "smap"),
                (23, "clflushopt"),
                (29, "sha_ni"),
            ],
        ),
    ];
    for (reg, names) in tables {
        for &(bit, name) in names {
            if reg & (1 << bit) != 0 {
                if !flags.is_empty() {
                    flags.push(' ');
                }
                flags.push_str(name);
            }
        }
    }
    if max_ext >= 0x8000_0001 && e1.ecx & 1 != 0 {
        flags.push_str(" lahf_lm");
    }
    let hz = crate::time::tsc_hz();
    let (mhz, frac) = (hz / 1_000_000, hz / 1000 % 1000);
    let bogo = hz * 2 / 10_000;
    let addr = if max_ext >= 0x8000_0008 { cpuid(0x8000_0008, 0).eax } else { 0x3028 };
    alloc::format!(
        "processor\t: 0\nvendor_id\t: {}\ncpu family\t: {family}\nmodel\t\t: {model}\nmodel name\t: {brand}\n\
         stepping\t: {stepping}\ncpu MHz\t\t: {mhz}.{frac:03}\ncache size\t: 0 KB\nphysical id\t: 0\nsiblings\t: 1\n\
         core id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\ninitial apicid\t: 0\nfpu\t\t: yes\nfpu_exception\t: yes\n\
         cpuid level\t: {}\nwp\t\t: yes\nflags\t\t: {flags}\nbugs\t\t:\nbogomips\t: {}.{:02}\nclflush size\t: 64\n\
         cache_alignment\t: 64\naddress sizes\t: {} bits physical, {} bits virtual\npower management:\n\n",
        String::from_utf8_lossy(&vendor),
        l0.eax,
        bogo / 100,
        bogo % 100,
        addr & 0xff,
        (addr >> 8) & 0xff,
    )
}

// ----------------------------------------------------------------------------------------
// /proc/sys
// ----------------------------------------------------------------------------------------

fn sys_entries(d: &Arc<Node>) -> Vec<Arc<Node>> {
    alloc::vec![
        Node::dir(d, "kernel", 0o555, list_fn(sys_kernel_entries)),
        Node::dir(d, "fs", 0o555, list_fn(sys_fs_entries)),
    ]
}

/// An integer sysctl: reads `get()`, a write (root: the file is 0644) parses one integer
/// (surrounding blanks and a newline allowed; anything else EINVAL) and hands it to `set`,
/// which may refuse it with an errno.
fn int_sysctl(d: &Arc<Node>, name: &str, get: fn() -> i64, set: fn(i64) -> Result<()>) -> Arc<Node> {
    Node::file(
        d,
        name,
        0o644,
        Arc::new(move || ready(Ok(alloc::format!("{}\n", get()).into_bytes()))),
        Some(Arc::new(move |buf: &[u8]| {
            let text = core::str::from_utf8(buf).map_err(|_| Errno::EINVAL)?;
            let v: i64 = text.trim().parse().map_err(|_| Errno::EINVAL)?;
            set(v)?;
            Ok(buf.len())
        })),
    )
}

/// `kernel.panic`: seconds before rebooting after a panic. Stored and reported; Kairos stops
/// the machine at once on a panic whatever the value (the test harness's contract).
static PANIC_TIMEOUT: core::sync::atomic::AtomicI64 = core::sync::atomic::AtomicI64::new(0);
/// `kernel.unprivileged_bpf_disabled`: 2 (Linux's CONFIG_BPF_UNPRIV_DEFAULT_OFF default).
/// Kairos has no bpf(2) at all, so every value is true to what it allows.
static UNPRIV_BPF_DISABLED: core::sync::atomic::AtomicI64 = core::sync::atomic::AtomicI64::new(2);

fn sys_fs_entries(d: &Arc<Node>) -> Vec<Arc<Node>> {
    fn flag(v: i64) -> Result<bool> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Errno::EINVAL.into()),
        }
    }
    alloc::vec![
        int_sysctl(
            d,
            "protected_hardlinks",
            || i64::from(vfs().protected_hardlinks()),
            |v| {
                vfs().set_protected_hardlinks(flag(v)?);
                Ok(())
            }
        ),
        int_sysctl(
            d,
            "protected_symlinks",
            || i64::from(vfs().protected_symlinks()),
            |v| {
                vfs().set_protected_symlinks(flag(v)?);
                Ok(())
            }
        ),
    ]
}

/// A UTS name file: reads the name, a write (root: the file is 0644) replaces it.
fn uts_file(d: &Arc<Node>, name: &str, get: fn() -> String, set: fn(String)) -> Arc<Node> {
    Node::file(
        d,
        name,
        0o644,
        Arc::new(move || ready(Ok(alloc::format!("{}\n", get()).into_bytes()))),
        Some(Arc::new(move |buf: &[u8]| {
            let text = buf.strip_suffix(b"\n").unwrap_or(buf);
            set(String::from_utf8_lossy(&text[..text.len().min(64)]).into_owned());
            Ok(buf.len())
        })),
    )
}

fn sys_kernel_entries(d: &Arc<Node>) -> Vec<Arc<Node>> {
    alloc::vec![
        uts_file(d, "hostname", crate::hostname, |s| *crate::HOSTNAME.lock() = s),
        uts_file(d, "domainname", crate::domainname, |s| *crate::DOMAINNAME.lock() = s),
        Node::constant(d, "ostype", "Linux\n"),
        Node::text(d, "osrelease", 0o444, || Ok(alloc::format!("{}\n", crate::syscall::RELEASE))),
        Node::text(d, "version", 0o444, || Ok(alloc::format!("{}\n", crate::syscall::UTS_VERSION))),
        Node::constant(d, "pid_max", &alloc::format!("{}\n", process::PID_MAX)),
        int_sysctl(
            d,
            "panic",
            || PANIC_TIMEOUT.load(core::sync::atomic::Ordering::Relaxed),
            |v| {
                PANIC_TIMEOUT.store(v, core::sync::atomic::Ordering::Relaxed);
                Ok(())
            }
        ),
        int_sysctl(
            d,
            "unprivileged_bpf_disabled",
            || UNPRIV_BPF_DISABLED.load(core::sync::atomic::Ordering::Relaxed),
            |v| {
                // As Linux: 0..=2; once 1 (disabled for good) it cannot change.
                if !(0..=2).contains(&v) {
                    return Err(Errno::EINVAL.into());
                }
                if UNPRIV_BPF_DISABLED.load(core::sync::atomic::Ordering::Relaxed) == 1 && v != 1 {
                    return Err(Errno::EPERM.into());
                }
                UNPRIV_BPF_DISABLED.store(v, core::sync::atomic::Ordering::Relaxed);
                Ok(())
            }
        ),
        Node::dir(
            d,
            "random",
            0o555,
            list_fn(|r| {
                alloc::vec![
                    Node::text(r, "boot_id", 0o444, || Ok(alloc::format!("{}\n", boot_id()))),
                    Node::text(r, "uuid", 0o444, || Ok(alloc::format!("{}\n", uuid()))),
                    Node::constant(r, "entropy_avail", "256\n"),
                    Node::constant(r, "poolsize", "256\n"),
                ]
            })
        ),
    ]
}

/// A random (version 4) UUID.
fn uuid() -> String {
    let mut b = [0u8; 16];
    crate::random::fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::new();
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// The boot id: one UUID per boot.
fn boot_id() -> String {
    static ID: spin::Once<String> = spin::Once::new();
    ID.call_once(uuid).clone()
}

// ----------------------------------------------------------------------------------------
// Helpers for the rest of the kernel
// ----------------------------------------------------------------------------------------

/// The absolute path of the file `path` (relative to `start`, symlinks in it and at its end
/// followed) as `/proc/PID/exe` shows it; None if it cannot be found.
pub async fn canonical_path(
    root: &Arc<dyn Inode>,
    start: &Arc<dyn Inode>,
    cred: &Credentials,
    path: &str,
) -> Option<String> {
    let mut start = start.clone();
    let mut path = String::from(path);
    for _ in 0..kairos_fs::vfs::MAXSYMLINKS {
        let cx = PathCtx { root, cwd: &start, cred, umask: 0 };
        let parent = vfs().resolve_parent(&cx, &path).await.ok()?;
        let node = vfs().resolve(&cx, &path, false).await.ok()?;
        if node.file_type() == FileType::Symlink {
            path = node.readlink().await.ok()?;
            start = parent.dir;
            continue;
        }
        let dir = vfs().path_of(root, &parent.dir).await.ok()?;
        return Some(alloc::format!("{}/{}", dir.trim_end_matches('/'), parent.name));
    }
    None
}
