//! `flock(fd, op)`: BSD whole-file locks. A lock belongs to the open file description
//! (shared by dup and fork), conflicts with locks held through other descriptions of the same
//! inode, is converted in place by a second flock on the same description, and is released
//! by LOCK_UN or when the description's last reference goes ([`release`], from `File`'s
//! drop). Independent of POSIX record locks, as on Linux. A blocked LOCK_SH/LOCK_EX waits on
//! one wait queue, interruptibly (ERESTARTSYS: restarted under SA_RESTART, as Linux).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::{Errno, Result};
use kairos_fs::vfs::InodeKey;

use super::SysResult;
use super::args::Fd;
use crate::file::File;
use crate::proc::Thread;
use crate::sync::wait_queue::WaitQueue;

const LOCK_SH: i32 = 1;
const LOCK_EX: i32 = 2;
const LOCK_NB: i32 = 4;
const LOCK_UN: i32 = 8;

/// Holders per inode: (open file description id, exclusive).
static FLOCKS: spin::Mutex<BTreeMap<InodeKey, Vec<(usize, bool)>>> = spin::Mutex::new(BTreeMap::new());
static RELEASED: WaitQueue = WaitQueue::new();

fn description_id(file: &File) -> usize {
    core::ptr::from_ref(file) as usize
}

/// Takes the lock if nothing conflicts (converting an existing lock of this description).
fn try_lock(key: InodeKey, id: usize, exclusive: bool) -> bool {
    let mut table = FLOCKS.lock();
    let holders = table.entry(key).or_default();
    if holders.iter().any(|&(other, ex)| other != id && (ex || exclusive)) {
        return false;
    }
    holders.retain(|&(other, _)| other != id);
    holders.push((id, exclusive));
    true
}

fn unlock(key: InodeKey, id: usize) {
    let mut table = FLOCKS.lock();
    if let Some(holders) = table.get_mut(&key) {
        holders.retain(|&(other, _)| other != id);
        if holders.is_empty() {
            table.remove(&key);
        }
    }
    drop(table);
    RELEASED.wake_all();
}

/// Drops the flock `file` holds (its description is going away).
pub fn release(file: &File) {
    if let Some(inode) = &file.inode {
        let key = inode.key();
        let held = FLOCKS.lock().get(&key).is_some_and(|h| h.iter().any(|&(id, _)| id == description_id(file)));
        if held {
            unlock(key, description_id(file));
        }
    }
}

/// `flock(fd, op)`: EBADF for a bad (or O_PATH) descriptor, EINVAL for a bad operation,
/// EWOULDBLOCK with LOCK_NB on a conflict.
pub async fn sys_flock(t: &Arc<Thread>, fd: Fd, op: i32) -> SysResult {
    let file = super::read::io_file(t, fd)?;
    let inode = file.inode.clone().ok_or(Errno::EINVAL)?;
    let key = inode.key();
    let id = description_id(&file);
    let exclusive = match op & !LOCK_NB {
        LOCK_SH => false,
        LOCK_EX => true,
        LOCK_UN => {
            unlock(key, id);
            return Ok(0);
        }
        _ => return Err(Errno::EINVAL.into()),
    };
    if try_lock(key, id, exclusive) {
        return Ok(0);
    }
    if op & LOCK_NB != 0 {
        return Err(Errno::EAGAIN.into());
    }
    // Linux drops a lock being converted before waiting for the new one.
    unlock(key, id);
    let waited: Result<()> =
        super::interruptible(t, RELEASED.wait_until(|| try_lock(key, id, exclusive).then_some(()))).await;
    waited?;
    Ok(0)
}
