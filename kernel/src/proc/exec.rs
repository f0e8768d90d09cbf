//! Program loading: ELF executables (static, static-PIE, and with `PT_INTERP`, whose
//! interpreter is loaded beside them), the initial stack (argc, argv, envp, auxv) in the SysV
//! layout, and `#!` scripts.
//!
//! Executables are read through the page cache of mapped files (`mm::pagecache`), never
//! copied whole: only the ELF header, the program headers and the `PT_INTERP` string are
//! read. Each `PT_LOAD` segment becomes
//! - a private file mapping of the cached pages for the pages that hold only its file bytes
//!   (shared read-only by every process running the program, copied on the first write),
//! - private anonymous pages for the page that holds both the end of its file bytes and the
//!   start of `.bss` (the file bytes copied in, the tail zero), for any page it shares with
//!   another segment (rights the union of both, both segments' bytes copied in), and for the
//!   rest of `.bss`.
//!
//! Like Linux, pages mapped from the file show the file's bytes outside the segment's own
//! range (before its start and after its end in the same page) when no `.bss` follows.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header;
use goblin::elf::program_header::{self, ProgramHeader};
use goblin::elf64::header::{Header, SIZEOF_EHDR};
use goblin::elf64::program_header::SIZEOF_PHDR;
use kairos_abi::auxv;
use kairos_abi::{Errno, Result, return_errno};
use kairos_fs::Inode;

use crate::arch::layout::PAGE_SIZE;
use crate::arch::phys;
use crate::mm::pagecache::{self, CachedFile};
use crate::mm::vm::{AddressSpace, STACK_SIZE, STACK_TOP, VmFile, VmKind, VmProt};

/// Where a position-independent main program is placed (Linux's ELF_ET_DYN_BASE without
/// randomisation).
pub const PIE_BASE: u64 = 0x5555_5555_4000;

/// Bytes of a file's start that decide how it is run (Linux's BINPRM_BUF_SIZE): the `#!`
/// line must fit in them.
pub const HEAD_SIZE: usize = 256;

/// Longest `PT_INTERP` string, its NUL included (Linux: PATH_MAX).
const MAX_INTERP: u64 = 4096;

/// Most bytes of program headers (Linux's limit).
const MAX_PHDRS_SIZE: usize = 65536;

/// What the loader learnt, for the auxiliary vector and the first registers.
#[derive(Clone, Debug, Default)]
pub struct LoadedProgram {
    /// Entry point of the program itself (AT_ENTRY).
    pub entry: u64,
    /// Where execution starts (the interpreter's entry when there is one).
    pub start: u64,
    /// Address of the program headers in memory (AT_PHDR).
    pub phdr: u64,
    /// Size of one program header (AT_PHENT).
    pub phent: u64,
    /// Number of program headers (AT_PHNUM).
    pub phnum: u64,
    /// Load address of the interpreter (AT_BASE), 0 without one.
    pub interp_base: u64,
    /// End of the highest segment: the initial program break.
    pub brk: u64,
    /// The `PT_INTERP` path, if any.
    pub interp: Option<String>,
}

fn page_down(a: u64) -> u64 {
    a & !(PAGE_SIZE - 1)
}

fn page_up(a: u64) -> u64 {
    (a + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

/// A file being executed, read through its page cache.
pub struct ExecFile {
    cache: Arc<CachedFile>,
    /// The file's size when it was opened for execution.
    size: u64,
    /// The path `/proc/PID/maps` shows for its mappings.
    path: Option<Arc<str>>,
}

impl ExecFile {
    /// Opens `inode` for loading; `path` names it in `/proc/PID/maps`.
    pub fn new(inode: &Arc<dyn Inode>, path: &str) -> ExecFile {
        let mut file = ExecFile { cache: pagecache::file(inode), size: inode.metadata().size, path: None };
        file.set_path(path);
        file
    }

    /// The bytes `[offset, offset + len)` of the file; ENOEXEC when they are not all in it.
    pub async fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let end = offset.checked_add(len as u64).filter(|&e| e <= self.size).ok_or(Errno::ENOEXEC)?;
        let mut out = alloc::vec![0u8; len];
        let mut pos = offset;
        while pos < end {
            let frame = self.cache.page(pos / PAGE_SIZE).await?;
            let in_page = pos % PAGE_SIZE;
            let n = (PAGE_SIZE - in_page).min(end - pos);
            let at = (pos - offset) as usize;
            phys::read_bytes(frame + in_page, &mut out[at..at + n as usize]);
            pos += n;
        }
        Ok(out)
    }

    /// Names the file `path` in `/proc/PID/maps` (empty: unnamed).
    pub fn set_path(&mut self, path: &str) {
        self.path = (!path.is_empty()).then(|| Arc::from(path));
    }

    /// The first [`HEAD_SIZE`] bytes (fewer if the file is shorter).
    pub async fn head(&self) -> Result<Vec<u8>> {
        self.read(0, self.size.min(HEAD_SIZE as u64) as usize).await
    }
}

/// The parts of an ELF image the loader needs: its header, program headers and interpreter.
#[derive(Debug)]
pub struct ElfImage {
    /// The ELF header.
    pub header: Header,
    /// Every program header.
    pub program_headers: Vec<ProgramHeader>,
    /// The `PT_INTERP` path, if any.
    pub interpreter: Option<String>,
}

/// Reads and checks the header and program headers of an x86_64 ELF executable (ENOEXEC for
/// anything else), and its `PT_INTERP` string.
pub async fn parse(file: &ExecFile) -> Result<ElfImage> {
    let ehdr = file.read(0, SIZEOF_EHDR).await?;
    let h = Header::parse(&ehdr).map_err(|_| Errno::ENOEXEC)?;
    if h.e_ident[..header::SELFMAG] != *header::ELFMAG
        || h.e_ident[header::EI_CLASS] != header::ELFCLASS64
        || h.e_ident[header::EI_DATA] != header::ELFDATA2LSB
        || h.e_machine != header::EM_X86_64
    {
        return_errno!(ENOEXEC, "not an x86_64 ELF");
    }
    if h.e_type != header::ET_EXEC && h.e_type != header::ET_DYN {
        return_errno!(ENOEXEC, "not an executable");
    }
    let phnum = usize::from(h.e_phnum);
    if usize::from(h.e_phentsize) != SIZEOF_PHDR || phnum == 0 || phnum * SIZEOF_PHDR > MAX_PHDRS_SIZE {
        return_errno!(ENOEXEC, "bad program headers");
    }
    let raw = file.read(h.e_phoff, phnum * SIZEOF_PHDR).await?;
    let program_headers =
        ProgramHeader::parse(&raw, 0, phnum, Ctx::new(Container::Big, Endian::Little)).map_err(|_| Errno::ENOEXEC)?;
    let interpreter = match program_headers.iter().find(|p| p.p_type == program_header::PT_INTERP) {
        None => None,
        Some(p) => {
            // Linux: a NUL-terminated path of at most PATH_MAX bytes.
            if p.p_filesz < 2 || p.p_filesz > MAX_INTERP {
                return_errno!(ENOEXEC, "bad PT_INTERP");
            }
            let mut bytes = file.read(p.p_offset, p.p_filesz as usize).await?;
            if bytes.pop() != Some(0) {
                return_errno!(ENOEXEC, "PT_INTERP not NUL-terminated");
            }
            let len = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            bytes.truncate(len);
            Some(String::from_utf8(bytes).map_err(|_| Errno::ENOEXEC)?)
        }
    };
    Ok(ElfImage { header: h, program_headers, interpreter })
}

/// One checked `PT_LOAD` segment, at its load address.
struct Segment {
    /// First byte in memory.
    start: u64,
    /// End of the bytes that come from the file.
    file_end: u64,
    /// End in memory (`.bss` is `[file_end, end)`).
    end: u64,
    /// File offset of `start`.
    offset: u64,
    prot: VmProt,
}

impl Segment {
    /// The pages the segment touches.
    fn pages(&self) -> (u64, u64) {
        (page_down(self.start), page_up(self.end))
    }
}

/// The `PT_LOAD` segments of `elf` at `bias`, checked: ENOEXEC unless each lies inside the
/// file, its file size is at most its memory size, and its address and offset are congruent
/// modulo the page size.
fn segments(elf: &ElfImage, file: &ExecFile, bias: u64) -> Result<Vec<Segment>> {
    let mut out = Vec::new();
    for ph in elf.program_headers.iter().filter(|p| p.p_type == program_header::PT_LOAD) {
        if ph.p_filesz > ph.p_memsz || ph.p_vaddr % PAGE_SIZE != ph.p_offset % PAGE_SIZE {
            return_errno!(ENOEXEC, "bad PT_LOAD");
        }
        let file_end = ph.p_offset.checked_add(ph.p_filesz).ok_or(Errno::ENOEXEC)?;
        if file_end > file.size {
            return_errno!(ENOEXEC, "segment beyond end of file");
        }
        let start = bias.checked_add(ph.p_vaddr).ok_or(Errno::ENOEXEC)?;
        let end = start.checked_add(ph.p_memsz).filter(|e| e.checked_add(PAGE_SIZE).is_some()).ok_or(Errno::ENOEXEC)?;
        let mut prot = VmProt::empty();
        if ph.is_read() {
            prot |= VmProt::READ;
        }
        if ph.is_write() {
            prot |= VmProt::WRITE;
        }
        if ph.is_executable() {
            prot |= VmProt::EXEC;
        }
        out.push(Segment { start, file_end: start + ph.p_filesz, end, offset: ph.p_offset, prot });
    }
    if out.is_empty() {
        return_errno!(ENOEXEC, "no loadable segment");
    }
    Ok(out)
}

/// Maps `[start, end)` as private anonymous memory with rights `prot`; pages an earlier
/// segment already mapped keep its bytes and get the union of both rights.
fn map_anonymous(mm: &mut AddressSpace, start: u64, end: u64, prot: VmProt) -> Result<()> {
    let mut a = start;
    while a < end {
        match mm.find_vma(a).map(|v| (v.end, v.prot)) {
            Some((vend_existing, old)) => {
                let upto = vend_existing.min(end);
                mm.protect(a, upto - a, old | prot)?;
                a = upto;
            }
            None => {
                let mut b = a;
                while b < end && mm.find_vma(b).is_none() {
                    b += PAGE_SIZE;
                }
                mm.map(a, b - a, prot, VmKind::Private).map_err(|_| Errno::ENOMEM)?;
                a = b;
            }
        }
    }
    Ok(())
}

/// Maps the `PT_LOAD` segments of `elf` at `bias` (0 for ET_EXEC) into `mm`, which no other
/// thread uses yet. Returns (lowest address, highest end).
async fn map_segments(mm: &mut AddressSpace, elf: &ElfImage, file: &ExecFile, bias: u64) -> Result<(u64, u64)> {
    let segs = segments(elf, file, bias)?;
    let mut lo = u64::MAX;
    let mut hi = 0;
    for (i, s) in segs.iter().enumerate() {
        let (first, last) = s.pages();
        // Pages below `file_pages_end` hold only file bytes of this segment; with `.bss`, the
        // page where the file bytes end is not one of them (its tail must read as zeros).
        let file_pages_end = if s.end > s.file_end { page_down(s.file_end) } else { last };
        let shared = |p: u64| {
            segs.iter().enumerate().any(|(j, t)| {
                let (tf, tl) = t.pages();
                j != i && tf <= p && p < tl
            })
        };
        let from_file = |p: u64| p < file_pages_end && !shared(p);
        let mut p = first;
        while p < last {
            let mapped_from_file = from_file(p);
            let mut q = p + PAGE_SIZE;
            while q < last && from_file(q) == mapped_from_file {
                q += PAGE_SIZE;
            }
            if mapped_from_file {
                let offset = page_down(s.offset) + (p - first);
                file.cache.populate(offset / PAGE_SIZE, (q - p) / PAGE_SIZE).await?;
                let vm_file = VmFile { cache: file.cache.clone(), offset, path: file.path.clone() };
                mm.map_file(p, q - p, s.prot, VmKind::Private, vm_file).map_err(|_| Errno::ENOMEM)?;
            } else {
                map_anonymous(mm, p, q, s.prot)?;
                let (from, to) = (s.start.max(p), s.file_end.min(q));
                if from < to {
                    let bytes = file.read(s.offset + (from - s.start), (to - from) as usize).await?;
                    mm.load_bytes(from, &bytes)?;
                }
            }
            p = q;
        }
        lo = lo.min(first);
        hi = hi.max(s.end);
    }
    Ok((lo, hi))
}

/// Loads the main program. When it names an interpreter, the caller loads that next with
/// [`load_interpreter`].
pub async fn load_program(mm: &mut AddressSpace, file: &ExecFile) -> Result<LoadedProgram> {
    let elf = parse(file).await?;
    let bias = if elf.header.e_type == header::ET_DYN { PIE_BASE } else { 0 };
    let (_, hi) = map_segments(mm, &elf, file, bias).await?;
    let phoff = elf.header.e_phoff;
    let phdr = elf
        .program_headers
        .iter()
        .find(|p| p.p_type == program_header::PT_PHDR)
        .map(|p| p.p_vaddr.wrapping_add(bias))
        .or_else(|| {
            elf.program_headers
                .iter()
                .find(|p| {
                    p.p_type == program_header::PT_LOAD
                        && p.p_offset <= phoff
                        && phoff < p.p_offset.saturating_add(p.p_filesz)
                })
                .map(|p| bias.wrapping_add(p.p_vaddr).wrapping_add(phoff - p.p_offset))
        })
        .unwrap_or(0);
    let entry = elf.header.e_entry.wrapping_add(bias);
    Ok(LoadedProgram {
        entry,
        start: entry,
        phdr,
        phent: u64::from(elf.header.e_phentsize),
        phnum: elf.program_headers.len() as u64,
        interp_base: 0,
        brk: page_up(hi),
        interp: elf.interpreter,
    })
}

/// Loads the dynamic linker (an ET_DYN image) at a free address and makes it the start.
pub async fn load_interpreter(mm: &mut AddressSpace, file: &ExecFile, prog: &mut LoadedProgram) -> Result<()> {
    let elf = parse(file).await?;
    if elf.header.e_type != header::ET_DYN {
        return_errno!(ELIBBAD, "interpreter is not position independent");
    }
    let span = segments(&elf, file, 0)?.iter().map(|s| page_up(s.end)).max().ok_or(Errno::ELIBBAD)?;
    let base = mm.find_free(span, 0).ok_or(Errno::ENOMEM)?;
    map_segments(mm, &elf, file, base).await?;
    prog.interp_base = base;
    prog.start = base.wrapping_add(elf.header.e_entry);
    Ok(())
}

/// Splits a `#!` line into (interpreter, optional single argument), as Linux does.
pub fn parse_shebang(data: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    if !data.starts_with(b"#!") {
        return None;
    }
    let line_end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len()).min(256);
    let line = &data[2..line_end];
    let trimmed: &[u8] = {
        let s = line.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(line.len());
        let e = line.iter().rposition(|&b| b != b' ' && b != b'\t' && b != b'\r').map_or(s, |p| p + 1);
        &line[s..e.max(s)]
    };
    if trimmed.is_empty() {
        return None;
    }
    match trimmed.iter().position(|&b| b == b' ' || b == b'\t') {
        None => Some((trimmed.to_vec(), None)),
        Some(p) => {
            let rest = &trimmed[p..];
            let s = rest.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(rest.len());
            let arg = &rest[s..];
            Some((trimmed[..p].to_vec(), (!arg.is_empty()).then(|| arg.to_vec())))
        }
    }
}

/// Credentials that go into the auxiliary vector.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuxCreds {
    /// Real, effective user id; real, effective group id.
    pub uid: u32,
    /// Effective uid.
    pub euid: u32,
    /// Real gid.
    pub gid: u32,
    /// Effective gid.
    pub egid: u32,
}

/// Where [`build_stack`] puts the argv and envp strings: `([args start, end), [env start,
/// end))`. They sit at the top of the stack, below only the `AT_EXECFN` string.
pub fn string_areas(argv: &[Vec<u8>], envp: &[Vec<u8>], execfn: &[u8]) -> ((u64, u64), (u64, u64)) {
    let env_end = STACK_TOP - 8 - (execfn.len() as u64 + 1);
    let env_start = env_end - envp.iter().map(|e| e.len() as u64 + 1).sum::<u64>();
    let args_start = env_start - argv.iter().map(|a| a.len() as u64 + 1).sum::<u64>();
    ((args_start, env_start), (env_start, env_end))
}

/// Maps the stack and writes argc/argv/envp/auxv; returns the initial stack pointer.
pub fn build_stack(
    mm: &mut AddressSpace,
    prog: &LoadedProgram,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    creds: AuxCreds,
) -> Result<u64> {
    mm.map(STACK_TOP - STACK_SIZE, STACK_SIZE, VmProt::READ | VmProt::WRITE, VmKind::Stack)?;
    // Strings first, from the top down.
    let mut sp = STACK_TOP - 8;
    let mut put = |mm: &mut AddressSpace, bytes: &[u8], nul: bool| -> Result<u64> {
        let len = bytes.len() as u64 + u64::from(nul);
        sp -= len;
        mm.load_bytes(sp, bytes)?;
        if nul {
            mm.load_bytes(sp + bytes.len() as u64, &[0])?;
        }
        Ok(sp)
    };
    let execfn_ptr = put(mm, execfn, true)?;
    let mut env_ptrs = Vec::with_capacity(envp.len());
    for e in envp.iter().rev() {
        env_ptrs.push(put(mm, e, true)?);
    }
    env_ptrs.reverse();
    let mut arg_ptrs = Vec::with_capacity(argv.len());
    for a in argv.iter().rev() {
        arg_ptrs.push(put(mm, a, true)?);
    }
    arg_ptrs.reverse();
    let platform = put(mm, b"x86_64", true)?;
    let mut random = [0u8; 16];
    crate::random::fill(&mut random);
    let random_ptr = put(mm, &random, false)?;

    let hwcap = u64::from(crate::arch::cpu::cpuid(1, 0).edx);
    let aux: [(u64, u64); 17] = [
        (auxv::AT_PHDR, prog.phdr),
        (auxv::AT_PHENT, prog.phent),
        (auxv::AT_PHNUM, prog.phnum),
        (auxv::AT_PAGESZ, PAGE_SIZE),
        (auxv::AT_BASE, prog.interp_base),
        (auxv::AT_FLAGS, 0),
        (auxv::AT_ENTRY, prog.entry),
        (auxv::AT_UID, u64::from(creds.uid)),
        (auxv::AT_EUID, u64::from(creds.euid)),
        (auxv::AT_GID, u64::from(creds.gid)),
        (auxv::AT_EGID, u64::from(creds.egid)),
        (auxv::AT_PLATFORM, platform),
        (auxv::AT_HWCAP, hwcap),
        (auxv::AT_CLKTCK, 100),
        (auxv::AT_SECURE, 0),
        (auxv::AT_RANDOM, random_ptr),
        (auxv::AT_EXECFN, execfn_ptr),
    ];
    let mut words: Vec<u64> = Vec::new();
    words.push(argv.len() as u64);
    words.extend_from_slice(&arg_ptrs);
    words.push(0);
    words.extend_from_slice(&env_ptrs);
    words.push(0);
    for (k, v) in aux {
        words.push(k);
        words.push(v);
    }
    words.push(auxv::AT_NULL);
    words.push(0);
    let mut start = (sp - words.len() as u64 * 8) & !15;
    if !start.is_multiple_of(16) {
        start -= 8;
    }
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    mm.load_bytes(start, &bytes)?;
    Ok(start)
}
