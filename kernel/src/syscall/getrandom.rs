//! `getrandom`.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::GrndFlags;

use super::SysResult;
use super::args::write_bytes;
use crate::proc::Thread;

/// `getrandom(buf, len, flags)`: the pool is always initialised, so it never blocks.
pub fn sys_getrandom(t: &Arc<Thread>, buf: u64, len: usize, flags: u32) -> SysResult {
    let flags = GrndFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
    if flags.contains(GrndFlags::GRND_RANDOM | GrndFlags::GRND_INSECURE) {
        return Err(Errno::EINVAL.into());
    }
    let len = len.min(33_554_431);
    let mut done = 0;
    let mut chunk = [0u8; 256];
    while done < len {
        let n = (len - done).min(chunk.len());
        crate::random::fill(&mut chunk[..n]);
        write_bytes(t, buf + done as u64, &chunk[..n])?;
        done += n;
    }
    Ok(len as isize)
}
