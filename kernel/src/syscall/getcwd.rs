//! `getcwd`: the absolute path of the working directory, as the VFS finds it by walking up
//! (so it is current after renames). A removed working directory is ENOENT.

use alloc::sync::Arc;

use kairos_abi::Errno;

use super::SysResult;
use super::args::write_bytes;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// `getcwd(buf, size)`: the length written, including the NUL; ERANGE if it does not fit.
pub async fn sys_getcwd(t: &Arc<Thread>, buf: u64, size: usize) -> SysResult {
    let (root, cwd) = {
        let fs = t.fs();
        let fs = fs.lock();
        (fs.root.clone(), fs.cwd.clone())
    };
    if cwd.metadata().nlink == 0 {
        return Err(Errno::ENOENT.into());
    }
    let mut path = vfs().path_of(&root, &cwd).await?.into_bytes();
    path.push(0);
    if path.len() > size {
        return Err(Errno::ERANGE.into());
    }
    write_bytes(t, buf, &path)?;
    Ok(path.len() as isize)
}
