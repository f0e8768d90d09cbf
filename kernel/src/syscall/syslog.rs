//! `syslog(type, buf, len)` (glibc/musl `klogctl`): reads and controls the kernel log ring
//! (`crate::klog`), as `dmesg` uses it. Reading the whole log and its size is allowed to
//! everyone (Linux with `kernel.dmesg_restrict = 0`); the other actions need root.

use alloc::sync::Arc;

use kairos_abi::Errno;

use super::SysResult;
use crate::klog;
use crate::proc::Thread;

const CLOSE: i32 = 0;
const OPEN: i32 = 1;
const READ: i32 = 2;
const READ_ALL: i32 = 3;
const READ_CLEAR: i32 = 4;
const CLEAR: i32 = 5;
const CONSOLE_OFF: i32 = 6;
const CONSOLE_ON: i32 = 7;
const CONSOLE_LEVEL: i32 = 8;
const SIZE_UNREAD: i32 = 9;
const SIZE_BUFFER: i32 = 10;

/// `syslog(type, buf, len)`.
pub async fn sys_syslog(t: &Arc<Thread>, kind: i32, buf: u64, len: i32) -> SysResult {
    let root = t.process.state.lock().uid[1] == 0;
    match kind {
        READ_ALL | SIZE_BUFFER => {}
        CLOSE | OPEN | READ | READ_CLEAR | CLEAR | CONSOLE_OFF | CONSOLE_ON | CONSOLE_LEVEL | SIZE_UNREAD => {
            if !root {
                return Err(Errno::EPERM.into());
            }
        }
        _ => return Err(Errno::EINVAL.into()),
    }
    match kind {
        CLOSE | OPEN => Ok(0),
        READ | READ_ALL | READ_CLEAR => {
            if len < 0 || (buf == 0 && len > 0) {
                return Err(Errno::EINVAL.into());
            }
            if len == 0 {
                return Ok(0);
            }
            let mut out = alloc::vec![0u8; len as usize];
            let n = if kind == READ {
                // Blocks until something is unread, interruptibly.
                loop {
                    let n = klog::read_unread(&mut out);
                    if n > 0 {
                        break n;
                    }
                    let deadline = crate::time::now_ns().saturating_add(50_000_000);
                    super::interruptible(t, crate::sched::spawner().sleep_until(deadline)).await?;
                }
            } else {
                klog::read_all(&mut out, kind == READ_CLEAR)
            };
            t.mm().lock().write_bytes(buf, &out[..n])?;
            Ok(n as isize)
        }
        CLEAR => {
            klog::clear();
            Ok(0)
        }
        CONSOLE_OFF => {
            klog::set_console_level(1);
            Ok(0)
        }
        CONSOLE_ON => {
            klog::set_console_level(7);
            Ok(0)
        }
        CONSOLE_LEVEL => {
            if !(1..=8).contains(&len) {
                return Err(Errno::EINVAL.into());
            }
            klog::set_console_level(len.max(1) as u32);
            Ok(0)
        }
        SIZE_UNREAD => Ok(klog::unread() as isize),
        _ => Ok(klog::LOG_BUF_LEN as isize),
    }
}
