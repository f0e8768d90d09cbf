//! Typed syscall arguments: raw register values become descriptors, user pointers and
//! strings here, and every access to user memory goes through the caller's address space
//! (a bad pointer is `EFAULT`, never a kernel fault).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::marker::PhantomData;

use bytemuck::{AnyBitPattern, NoUninit, Pod};
use kairos_abi::{Errno, Result};

use crate::file::File;
use crate::proc::Thread;

/// Longest path accepted (PATH_MAX).
pub const PATH_MAX: usize = 4096;

/// A file descriptor argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fd(pub i32);

impl Fd {
    /// From a register (the low 32 bits, as Linux reads an `int`).
    pub fn from_reg(r: u64) -> Fd {
        Fd(r as i32)
    }

    /// The open file it names (EBADF).
    pub fn file(self, t: &Thread) -> Result<Arc<File>> {
        t.files().lock().get(self.0)
    }
}

/// A typed pointer into user memory.
#[derive(Debug)]
pub struct UserPtr<T> {
    addr: u64,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T: Pod> UserPtr<T> {
    /// From a register.
    pub fn new(addr: u64) -> UserPtr<T> {
        UserPtr { addr, _t: PhantomData }
    }

    /// The raw address.
    pub fn addr(self) -> u64 {
        self.addr
    }

    /// NULL?
    pub fn is_null(self) -> bool {
        self.addr == 0
    }

    /// Reads the value.
    pub fn read(self, t: &Thread) -> Result<T> {
        let mut v = T::zeroed();
        t.mm().lock().read_bytes(self.addr, bytemuck::bytes_of_mut(&mut v))?;
        Ok(v)
    }

    /// Writes the value.
    pub fn write(self, t: &Thread, v: &T) -> Result<()> {
        t.mm().lock().write_bytes(self.addr, bytemuck::bytes_of(v))
    }

    /// Reads it if the pointer is not NULL.
    pub fn read_opt(self, t: &Thread) -> Result<Option<T>> {
        if self.is_null() { Ok(None) } else { self.read(t).map(Some) }
    }

    /// Writes it if the pointer is not NULL.
    pub fn write_opt(self, t: &Thread, v: &T) -> Result<()> {
        if self.is_null() { Ok(()) } else { self.write(t, v) }
    }

    /// Reads `n` consecutive values.
    pub fn read_array(self, t: &Thread, n: usize) -> Result<Vec<T>> {
        let mut v = alloc::vec![T::zeroed(); n];
        t.mm().lock().read_bytes(self.addr, bytemuck::cast_slice_mut(&mut v))?;
        Ok(v)
    }
}

/// Copies `len` bytes from user memory.
pub fn read_bytes(t: &Thread, addr: u64, len: usize) -> Result<Vec<u8>> {
    let mut v = alloc::vec![0u8; len];
    t.mm().lock().read_bytes(addr, &mut v)?;
    Ok(v)
}

/// Copies bytes to user memory.
pub fn write_bytes(t: &Thread, addr: u64, data: &[u8]) -> Result<()> {
    t.mm().lock().write_bytes(addr, data)
}

/// Writes a plain value to user memory.
pub fn write_val<T: NoUninit>(t: &Thread, addr: u64, v: &T) -> Result<()> {
    t.mm().lock().write_bytes(addr, bytemuck::bytes_of(v))
}

/// Reads a plain value from user memory.
pub fn read_val<T: AnyBitPattern + NoUninit>(t: &Thread, addr: u64) -> Result<T> {
    let mut v = T::zeroed();
    t.mm().lock().read_bytes(addr, bytemuck::bytes_of_mut(&mut v))?;
    Ok(v)
}

/// Reads a NUL-terminated path (ENAMETOOLONG, EFAULT; empty stays empty for the caller to
/// judge).
pub fn read_path(t: &Thread, addr: u64) -> Result<String> {
    let bytes = t.mm().lock().read_cstring(addr, PATH_MAX - 1)?;
    String::from_utf8(bytes).map_err(|_| Errno::ENOENT.into())
}

/// Reads a NULL-terminated array of string pointers (argv/envp), with a total size limit.
pub fn read_string_array(t: &Thread, addr: u64, max_total: usize) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let mut total = 0;
    for i in 0.. {
        let p: u64 = read_val(t, addr + 8 * i)?;
        if p == 0 {
            break;
        }
        // One string longer than MAX_ARG_STRLEN (32 pages) is E2BIG, as on Linux.
        let s = t
            .mm()
            .lock()
            .read_cstring(p, 32 * 4096)
            .map_err(|e| if e.errno() == Errno::ENAMETOOLONG { Errno::E2BIG.into() } else { e })?;
        total += s.len() + 1 + 8;
        if total > max_total {
            return Err(Errno::E2BIG.into());
        }
        out.push(s);
    }
    Ok(out)
}
