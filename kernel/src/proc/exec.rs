//! Program loading: ELF executables (static, static-PIE, and with `PT_INTERP`, whose
//! interpreter is loaded beside them), the initial stack (argc, argv, envp, auxv) in the SysV
//! layout, and `#!` scripts.

use alloc::string::String;
use alloc::vec::Vec;

use goblin::elf::{Elf, header, program_header};
use kairos_abi::auxv;
use kairos_abi::{Errno, Result, return_errno};

use crate::arch::layout::PAGE_SIZE;
use crate::mm::vm::{AddressSpace, STACK_SIZE, STACK_TOP, VmKind, VmProt};

/// Where a position-independent main program is placed (Linux's ELF_ET_DYN_BASE without
/// randomisation).
pub const PIE_BASE: u64 = 0x5555_5555_4000;

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

/// Parses and checks an x86_64 ELF image.
pub fn parse(data: &[u8]) -> Result<Elf<'_>> {
    let elf = Elf::parse(data).map_err(|_| Errno::ENOEXEC)?;
    if !elf.is_64 || elf.header.e_machine != header::EM_X86_64 {
        return_errno!(ENOEXEC, "not an x86_64 ELF");
    }
    if elf.header.e_type != header::ET_EXEC && elf.header.e_type != header::ET_DYN {
        return_errno!(ENOEXEC, "not an executable");
    }
    Ok(elf)
}

/// Maps the `PT_LOAD` segments of `elf` at `bias` (0 for ET_EXEC) into `mm`.
/// Returns (lowest address, highest end).
fn map_segments(mm: &mut AddressSpace, elf: &Elf<'_>, data: &[u8], bias: u64) -> Result<(u64, u64)> {
    let mut lo = u64::MAX;
    let mut hi = 0;
    for ph in elf.program_headers.iter().filter(|p| p.p_type == program_header::PT_LOAD) {
        if ph.p_filesz > ph.p_memsz || ph.p_vaddr % PAGE_SIZE != ph.p_offset % PAGE_SIZE {
            return_errno!(ENOEXEC, "bad PT_LOAD");
        }
        let file_end = ph.p_offset.checked_add(ph.p_filesz).ok_or(Errno::ENOEXEC)?;
        if file_end > data.len() as u64 {
            return_errno!(ENOEXEC, "segment beyond end of file");
        }
        let vstart = bias.checked_add(ph.p_vaddr).ok_or(Errno::ENOEXEC)?;
        let vend = vstart.checked_add(ph.p_memsz).ok_or(Errno::ENOEXEC)?;
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
        let (start, end) = (page_down(vstart), page_up(vend));
        // Segments may share a boundary page: map only what is new, then widen the rights of
        // the shared page to the union.
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
        mm.load_bytes(vstart, &data[ph.p_offset as usize..file_end as usize])?;
        lo = lo.min(start);
        hi = hi.max(vend);
    }
    if lo == u64::MAX {
        return_errno!(ENOEXEC, "no loadable segment");
    }
    Ok((lo, hi))
}

/// Loads the main program. When it names an interpreter, the caller loads that next with
/// [`load_interpreter`].
pub fn load_program(mm: &mut AddressSpace, data: &[u8]) -> Result<LoadedProgram> {
    let elf = parse(data)?;
    let bias = if elf.header.e_type == header::ET_DYN { PIE_BASE } else { 0 };
    let (_, hi) = map_segments(mm, &elf, data, bias)?;
    let phdr = elf
        .program_headers
        .iter()
        .find(|p| p.p_type == program_header::PT_PHDR)
        .map(|p| p.p_vaddr + bias)
        .or_else(|| {
            elf.program_headers
                .iter()
                .find(|p| {
                    p.p_type == program_header::PT_LOAD
                        && p.p_offset <= elf.header.e_phoff
                        && elf.header.e_phoff < p.p_offset + p.p_filesz
                })
                .map(|p| bias + p.p_vaddr + (elf.header.e_phoff - p.p_offset))
        })
        .unwrap_or(0);
    let interp = elf.interpreter.map(String::from);
    let entry = elf.header.e_entry + bias;
    Ok(LoadedProgram {
        entry,
        start: entry,
        phdr,
        phent: u64::from(elf.header.e_phentsize),
        phnum: elf.program_headers.len() as u64,
        interp_base: 0,
        brk: page_up(hi),
        interp,
    })
}

/// Loads the dynamic linker (an ET_DYN image) at a free address and makes it the start.
pub fn load_interpreter(mm: &mut AddressSpace, data: &[u8], prog: &mut LoadedProgram) -> Result<()> {
    let elf = parse(data)?;
    if elf.header.e_type != header::ET_DYN {
        return_errno!(ELIBBAD, "interpreter is not position independent");
    }
    let span = elf
        .program_headers
        .iter()
        .filter(|p| p.p_type == program_header::PT_LOAD)
        .map(|p| page_up(p.p_vaddr + p.p_memsz))
        .max()
        .ok_or(Errno::ELIBBAD)?;
    let base = mm.find_free(span, 0).ok_or(Errno::ENOMEM)?;
    map_segments(mm, &elf, data, base)?;
    prog.interp_base = base;
    prog.start = base + elf.header.e_entry;
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
