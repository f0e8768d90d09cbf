//! epoll: an interest list of (descriptor, file) pairs with the events each wants, and the
//! readiness scan `epoll_wait` runs. Level-triggered by default; EPOLLET reports a file only
//! when its readiness changed since it was last reported; EPOLLONESHOT disables an entry
//! after one report. Entries hold the file weakly: when its last descriptor closes it drops
//! out, as on Linux.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use kairos_abi::types::PollEvents;
use kairos_abi::{Errno, Result};

use super::File;

/// EPOLLET.
pub const EPOLLET: u32 = 1 << 31;
/// EPOLLONESHOT.
pub const EPOLLONESHOT: u32 = 1 << 30;
/// EPOLLEXCLUSIVE.
pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
/// EPOLLWAKEUP.
pub const EPOLLWAKEUP: u32 = 1 << 29;
/// EPOLLRDHUP.
pub const EPOLLRDHUP: u32 = 0x2000;

/// One watched descriptor.
struct Interest {
    fd: i32,
    file: Weak<File>,
    events: u32,
    data: u64,
    /// ONESHOT entry already reported (until re-armed by EPOLL_CTL_MOD).
    disabled: bool,
    /// Readiness at the last report (for EPOLLET).
    last: u32,
}

/// An epoll instance.
#[derive(Default)]
pub struct Epoll {
    interests: spin::Mutex<Vec<Interest>>,
}

impl Epoll {
    /// A new, empty instance.
    pub fn new() -> Arc<Epoll> {
        Arc::new(Epoll::default())
    }

    fn position(list: &[Interest], fd: i32, file: &Arc<File>) -> Option<usize> {
        list.iter().position(|i| i.fd == fd && i.file.upgrade().is_some_and(|f| Arc::ptr_eq(&f, file)))
    }

    /// EPOLL_CTL_ADD.
    pub fn add(&self, fd: i32, file: &Arc<File>, events: u32, data: u64) -> Result<()> {
        let mut list = self.interests.lock();
        list.retain(|i| i.file.strong_count() > 0);
        if Self::position(&list, fd, file).is_some() {
            return Err(Errno::EEXIST.into());
        }
        list.push(Interest { fd, file: Arc::downgrade(file), events, data, disabled: false, last: 0 });
        Ok(())
    }

    /// EPOLL_CTL_MOD.
    pub fn modify(&self, fd: i32, file: &Arc<File>, events: u32, data: u64) -> Result<()> {
        let mut list = self.interests.lock();
        let i = Self::position(&list, fd, file).ok_or(Errno::ENOENT)?;
        let e = &mut list[i];
        e.events = events;
        e.data = data;
        e.disabled = false;
        e.last = 0;
        Ok(())
    }

    /// EPOLL_CTL_DEL.
    pub fn delete(&self, fd: i32, file: &Arc<File>) -> Result<()> {
        let mut list = self.interests.lock();
        let i = Self::position(&list, fd, file).ok_or(Errno::ENOENT)?;
        list.remove(i);
        Ok(())
    }

    /// The files watched (for waiting on their queues).
    pub fn files(&self) -> Vec<Arc<File>> {
        self.interests.lock().iter().filter_map(|i| i.file.upgrade()).collect()
    }

    /// Collects up to `max` ready entries as (events, data), applying ET/ONESHOT rules.
    pub fn collect(&self, max: usize) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        let mut list = self.interests.lock();
        list.retain(|i| i.file.strong_count() > 0);
        for e in list.iter_mut() {
            if out.len() >= max {
                break;
            }
            if e.disabled {
                continue;
            }
            let Some(file) = e.file.upgrade() else { continue };
            let ready = file.poll().bits() as u16 as u32;
            let wanted = (e.events & 0xffff) | (PollEvents::POLLERR | PollEvents::POLLHUP).bits() as u16 as u32;
            let hit = ready & wanted;
            if hit == 0 {
                e.last = 0;
                continue;
            }
            if e.events & EPOLLET != 0 && hit == e.last {
                continue;
            }
            e.last = hit;
            if e.events & EPOLLONESHOT != 0 {
                e.disabled = true;
            }
            out.push((hit, e.data));
        }
        out
    }

    /// Is any entry ready (for poll on the epoll fd itself)?
    pub fn poll(&self) -> PollEvents {
        let list = self.interests.lock();
        let any = list.iter().any(|e| {
            !e.disabled
                && e.file.upgrade().is_some_and(|f| {
                    let ready = f.poll().bits() as u16 as u32;
                    ready & ((e.events & 0xffff) | 0x18) != 0
                })
        });
        if any { PollEvents::POLLIN | PollEvents::POLLRDNORM } else { PollEvents::empty() }
    }
}
