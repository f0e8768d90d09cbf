//! Keys of the ELF auxiliary vector (`AT_*` from `linux/auxvec.h` and
//! `asm/auxvec.h`) that execve places on the new stack after `envp`, as
//! `(key: u64, value: u64)` pairs ending with `AT_NULL`.
//!
//! They share the `AT_` prefix with the `*at()` flags of [`crate::at`], so
//! they live in this module of their own.

abi_consts! {
    /// Auxiliary vector keys.
    table AUXV_KEYS: u64 {
        /// End of the vector.
        AT_NULL = 0,
        /// Entry to ignore.
        AT_IGNORE = 1,
        /// File descriptor of the program.
        AT_EXECFD = 2,
        /// Address of the program headers.
        AT_PHDR = 3,
        /// Size of a program header entry.
        AT_PHENT = 4,
        /// Number of program headers.
        AT_PHNUM = 5,
        /// Page size.
        AT_PAGESZ = 6,
        /// Load address of the interpreter.
        AT_BASE = 7,
        /// Flags (0).
        AT_FLAGS = 8,
        /// Entry point of the program.
        AT_ENTRY = 9,
        /// Program is not ELF.
        AT_NOTELF = 10,
        /// Real uid.
        AT_UID = 11,
        /// Effective uid.
        AT_EUID = 12,
        /// Real gid.
        AT_GID = 13,
        /// Effective gid.
        AT_EGID = 14,
        /// Address of the platform string ("x86_64").
        AT_PLATFORM = 15,
        /// CPU capabilities (CPUID 1 EDX on x86).
        AT_HWCAP = 16,
        /// Clock ticks per second (`times`).
        AT_CLKTCK = 17,
        /// Secure mode (setuid): 1, else 0.
        AT_SECURE = 23,
        /// Address of the base platform string.
        AT_BASE_PLATFORM = 24,
        /// Address of 16 random bytes.
        AT_RANDOM = 25,
        /// More CPU capabilities.
        AT_HWCAP2 = 26,
        /// rseq feature size.
        AT_RSEQ_FEATURE_SIZE = 27,
        /// rseq allocation alignment.
        AT_RSEQ_ALIGN = 28,
        /// Even more CPU capabilities.
        AT_HWCAP3 = 29,
        /// Yet more CPU capabilities.
        AT_HWCAP4 = 30,
        /// Address of the executable's file name.
        AT_EXECFN = 31,
        /// vsyscall entry (i386 only).
        AT_SYSINFO = 32,
        /// Address of the vDSO ELF header.
        AT_SYSINFO_EHDR = 33,
        /// Minimal signal stack size for the current CPU features.
        AT_MINSIGSTKSZ = 51,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(AT_PAGESZ, 6);
        assert_eq!(AT_RANDOM, 25);
        assert_eq!(AT_EXECFN, 31);
        assert_eq!(AT_SYSINFO_EHDR, 33);
        assert_eq!(AT_MINSIGSTKSZ, 51);
        let mut keys: Vec<i64> = AUXV_KEYS.iter().map(|(_, v)| *v).collect();
        keys.dedup();
        assert_eq!(keys.len(), AUXV_KEYS.len());
    }
}
