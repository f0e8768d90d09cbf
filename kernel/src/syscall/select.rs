//! `select` and `pselect6`: readiness of descriptor bitmaps, on the wait machinery of
//! `poll.rs`. A set bit for a descriptor that is not open is EBADF; `nfds` beyond the size
//! of the descriptor table is clamped to it, as Linux does. The remaining time is written
//! back to the timeout (a `timeval` for `select`, a `timespec` for `pselect6`).

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use kairos_abi::flags::OpenFlags;
use kairos_abi::types::{NSEC_PER_SEC, PollEvents, Timespec, Timeval, USEC_PER_SEC};
use kairos_abi::{Errno, Result};

use super::SysResult;
use super::args::{read_bytes, read_val, write_bytes, write_val};
use super::poll::{Timeout, finish_wait, no_restart, queues_of, set_temp_sigmask, wait_ready};
use crate::file::File;
use crate::proc::Thread;

/// Bits per `fd_set` word (`long`).
const WORD_BITS: usize = 64;

/// The three sets: read, write, except.
type FdSets = [Vec<u64>; 3];

/// The events that make a descriptor ready for each set (Linux's `POLLIN_SET`,
/// `POLLOUT_SET`, `POLLEX_SET`).
fn set_events() -> [PollEvents; 3] {
    use PollEvents as P;
    [
        P::POLLRDNORM | P::POLLRDBAND | P::POLLIN | P::POLLHUP | P::POLLERR,
        P::POLLWRBAND | P::POLLWRNORM | P::POLLOUT | P::POLLERR,
        P::POLLPRI,
    ]
}

/// The size Linux's descriptor table would have for the open descriptors (at least 64,
/// then powers of two of 128-descriptor blocks): `nfds` is clamped to it.
fn max_fds(t: &Thread) -> usize {
    let len = t.files().lock().len();
    if len <= WORD_BITS { WORD_BITS } else { (len / 128 + 1).next_power_of_two() * 128 }
}

/// Reads one `fd_set` of `words` words (all clear for NULL).
fn read_set(t: &Thread, addr: u64, words: usize) -> Result<Vec<u64>> {
    if addr == 0 {
        return Ok(vec![0; words]);
    }
    let bytes = read_bytes(t, addr, words * 8)?;
    Ok(bytes.chunks_exact(8).map(|c| u64::from_ne_bytes(c.try_into().unwrap_or_default())).collect())
}

/// The open files of every descriptor below `n` named in any set (EBADF for one that is not
/// open). `O_PATH` descriptors are kept as `None`: open, but never ready.
fn files_of(t: &Thread, sets: &FdSets, n: usize) -> Result<Vec<(usize, Option<Arc<File>>)>> {
    let files = t.files();
    let table = files.lock();
    let mut out = Vec::new();
    for fd in 0..n {
        let (w, bit) = (fd / WORD_BITS, 1u64 << (fd % WORD_BITS));
        if sets.iter().all(|s| s[w] & bit == 0) {
            continue;
        }
        let file = table.get(fd as i32)?;
        out.push((fd, Some(file).filter(|f| !f.flags().contains(OpenFlags::O_PATH))));
    }
    Ok(out)
}

/// The ready subsets and the total number of bits set in them.
fn scan(sets: &FdSets, files: &[(usize, Option<Arc<File>>)]) -> (usize, FdSets) {
    let words = sets[0].len();
    let mut out: FdSets = [vec![0; words], vec![0; words], vec![0; words]];
    let mut count = 0;
    let events = set_events();
    for (fd, file) in files {
        let Some(file) = file else { continue };
        let ready = file.poll();
        let (w, bit) = (fd / WORD_BITS, 1u64 << (fd % WORD_BITS));
        for i in 0..3 {
            if sets[i][w] & bit != 0 && ready.intersects(events[i]) {
                out[i][w] |= bit;
                count += 1;
            }
        }
    }
    (count, out)
}

/// The body of `select` and `pselect6`.
async fn do_select(t: &Thread, nfds: i32, addrs: [u64; 3], timeout: Timeout) -> SysResult {
    if nfds < 0 {
        return Err(Errno::EINVAL.into());
    }
    let n = (nfds as usize).min(max_fds(t));
    let words = n.div_ceil(WORD_BITS);
    let sets: FdSets = [read_set(t, addrs[0], words)?, read_set(t, addrs[1], words)?, read_set(t, addrs[2], words)?];
    let files = files_of(t, &sets, n)?;
    let mut result = scan(&sets, &files);
    if result.0 == 0 && timeout != Timeout::Zero {
        let queues = queues_of(files.iter().filter_map(|(_, f)| f.as_ref()));
        let ready = || Some(scan(&sets, &files)).filter(|r| r.0 > 0);
        result = match wait_ready(t, &queues, timeout, ready).await.map_err(no_restart)? {
            Some(r) => r,
            None => scan(&sets, &files),
        };
    }
    for (addr, set) in addrs.iter().zip(&result.1) {
        if *addr != 0 {
            write_bytes(t, *addr, bytemuck::cast_slice(set))?;
        }
    }
    Ok(result.0 as isize)
}

/// `select(nfds, readfds, writefds, exceptfds, timeout)`.
pub async fn sys_select(
    t: &Arc<Thread>,
    nfds: i32,
    readfds: u64,
    writefds: u64,
    exceptfds: u64,
    tvp: u64,
) -> SysResult {
    let timeout = if tvp == 0 {
        Timeout::Never
    } else {
        let tv: Timeval = read_val(t, tvp)?;
        // Linux normalizes the microseconds before validating.
        let sec = tv.tv_sec.saturating_add(tv.tv_usec / USEC_PER_SEC);
        let nsec = (tv.tv_usec % USEC_PER_SEC) * 1000;
        if sec < 0 || nsec < 0 {
            return Err(Errno::EINVAL.into());
        }
        Timeout::after_nanos((sec as u64).saturating_mul(NSEC_PER_SEC as u64).saturating_add(nsec as u64))
    };
    let result = do_select(t, nfds, [readfds, writefds, exceptfds], timeout).await;
    finish_wait(t, result, timeout, |left| write_val(t, tvp, &Timeval::from_micros(left / 1000)))
}

/// `pselect6(nfds, readfds, writefds, exceptfds, timeout, sigmask)`: `sigmask` points to a
/// `{ const sigset_t *ss; size_t ss_len; }` pair (NULL, or a NULL `ss`: no mask change).
pub async fn sys_pselect6(
    t: &Arc<Thread>,
    nfds: i32,
    readfds: u64,
    writefds: u64,
    exceptfds: u64,
    tsp: u64,
    sigmask: u64,
) -> SysResult {
    let timeout = Timeout::from_user_timespec(t, tsp)?;
    if sigmask != 0 {
        let [ss, len]: [u64; 2] = read_val(t, sigmask)?;
        set_temp_sigmask(t, ss, len as usize)?;
    }
    let result = do_select(t, nfds, [readfds, writefds, exceptfds], timeout).await;
    finish_wait(t, result, timeout, |left| write_val(t, tsp, &Timespec::from_nanos(left)))
}
