/* exec_map_elf: hand-built ELF executables whose segments share a page, loaded by execve.
 *
 * The program's read-only code segment ends in the middle of a page and its writable data
 * segment starts in that same page (both from the same file page); the data segment's .bss
 * starts in the page after its file bytes, where the file holds junk that must read as zeros.
 * It prints the bytes of both segments in the shared page, stores into its data and .bss and
 * exits with the OR of every .bss byte (0). Run as ET_EXEC, as ET_DYN (static-PIE style), and
 * with a PT_INTERP naming a hand-built interpreter (its own data + .bss, jumps to AT_ENTRY);
 * each run twice, then the files must be unchanged. Then the header errors execve reports
 * (before the point of no return): ENOEXEC, and ENOENT for a missing interpreter.
 */
#include "common.h"
#include <elf.h>

#define PROG_SIZE 0x1400
#define INTERP_SIZE 0x1100
#define EXEC_BASE 0x400000

/* prog code at 0x100 (base-relative, RIP-relative addressing only):
 *     lea rsi, [rip + bss_start]   ; 0x1200
 *     mov ecx, 0x1f00              ; .bss up to 0x3100
 *     xor ebx, ebx
 * 1:  or bl, [rsi] ; inc rsi ; dec ecx ; jnz 1b
 *     write(1, a_tail (0x10f0), 32)  ; 16 bytes of each segment
 *     mov byte [rip + b_data], 'b' ; mov byte [rip + 0x30ff], 'z'
 *     write(1, b_data (0x1100), 16)
 *     exit_group(bl) */
static const unsigned char prog_code[] = {
    0x48, 0x8d, 0x35, 0xf9, 0x10, 0x00, 0x00, 0xb9, 0x00, 0x1f, 0x00, 0x00, 0x31, 0xdb, 0x0a, 0x1e,
    0x48, 0xff, 0xc6, 0xff, 0xc9, 0x75, 0xf7, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00, 0x00,
    0x00, 0x48, 0x8d, 0x35, 0xc8, 0x0f, 0x00, 0x00, 0xba, 0x20, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc6,
    0x05, 0xca, 0x0f, 0x00, 0x00, 0x62, 0xc6, 0x05, 0xc2, 0x2f, 0x00, 0x00, 0x7a, 0xb8, 0x01, 0x00,
    0x00, 0x00, 0xbf, 0x01, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x35, 0xb2, 0x0f, 0x00, 0x00, 0xba, 0x10,
    0x00, 0x00, 0x00, 0x0f, 0x05, 0x0f, 0xb6, 0xfb, 0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f, 0x05,
};

/* interpreter code at 0x100: finds AT_ENTRY in the auxv above argc/argv/envp, checks that its
 * .bss [0x1020, 0x4000) is zero (else exit_group(42)), writes imsg (0x1000, 16 bytes), stores
 * into imsg and .bss, and jumps to AT_ENTRY with the stack untouched:
 *     mov rcx, [rsp] ; lea rsi, [rsp + rcx*8 + 16]
 * 1:  mov rax, [rsi] ; add rsi, 8 ; test rax, rax ; jnz 1b
 * 2:  mov rax, [rsi] ; test rax, rax ; jz fail ; cmp rax, 9 ; je 3f ; add rsi, 16 ; jmp 2b
 * 3:  mov r12, [rsi + 8]
 *     lea rsi, [rip + 0x1020] ; mov ecx, 0x2fe0 ; xor ebx, ebx
 * 4:  or bl, [rsi] ; inc rsi ; dec ecx ; jnz 4b ; test bl, bl ; jnz fail
 *     write(1, imsg, 16) ; mov byte [rip + imsg], 'I' ; mov byte [rip + 0x1020], 'z'
 *     xor edx, edx ; jmp r12
 * fail: exit_group(42) */
static const unsigned char interp_code[] = {
    0x48, 0x8b, 0x0c, 0x24, 0x48, 0x8d, 0x74, 0xcc, 0x10, 0x48, 0x8b, 0x06, 0x48, 0x83, 0xc6, 0x08,
    0x48, 0x85, 0xc0, 0x75, 0xf4, 0x48, 0x8b, 0x06, 0x48, 0x85, 0xc0, 0x74, 0x56, 0x48, 0x83, 0xf8,
    0x09, 0x74, 0x06, 0x48, 0x83, 0xc6, 0x10, 0xeb, 0xec, 0x4c, 0x8b, 0x66, 0x08, 0x48, 0x8d, 0x35,
    0xec, 0x0e, 0x00, 0x00, 0xb9, 0xe0, 0x2f, 0x00, 0x00, 0x31, 0xdb, 0x0a, 0x1e, 0x48, 0xff, 0xc6,
    0xff, 0xc9, 0x75, 0xf7, 0x84, 0xdb, 0x75, 0x2b, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00,
    0x00, 0x00, 0x48, 0x8d, 0x35, 0xa7, 0x0e, 0x00, 0x00, 0xba, 0x10, 0x00, 0x00, 0x00, 0x0f, 0x05,
    0xc6, 0x05, 0x99, 0x0e, 0x00, 0x00, 0x49, 0xc6, 0x05, 0xb2, 0x0e, 0x00, 0x00, 0x7a, 0x31, 0xd2,
    0x41, 0xff, 0xe4, 0xbf, 0x2a, 0x00, 0x00, 0x00, 0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f, 0x05,
};

static void set_ehdr(unsigned char *buf, int type, uint64_t entry, int phnum) {
    Elf64_Ehdr *e = (Elf64_Ehdr *)buf;
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = type;
    e->e_machine = EM_X86_64;
    e->e_version = EV_CURRENT;
    e->e_entry = entry;
    e->e_phoff = sizeof(Elf64_Ehdr);
    e->e_ehsize = sizeof(Elf64_Ehdr);
    e->e_phentsize = sizeof(Elf64_Phdr);
    e->e_phnum = phnum;
}

static void set_phdr(unsigned char *buf, int i, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr,
                     uint64_t filesz, uint64_t memsz) {
    Elf64_Phdr *p = (Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr)) + i;
    p->p_type = type;
    p->p_flags = flags;
    p->p_offset = off;
    p->p_vaddr = p->p_paddr = vaddr;
    p->p_filesz = filesz;
    p->p_memsz = memsz;
    p->p_align = type == PT_LOAD ? 0x1000 : 1;
}

/* The program: [PT_INTERP,] code segment [0, 0x1100) R+X, data segment [0x1100, 0x3100) RW
 * with 0x100 file bytes; they share the page [0x1000, 0x2000). */
static void build_prog(unsigned char *buf, int type, const char *interp) {
    uint64_t base = type == ET_EXEC ? EXEC_BASE : 0;
    int n = 0;
    memset(buf, 0, PROG_SIZE);
    set_ehdr(buf, type, base + 0x100, interp ? 3 : 2);
    if (interp) {
        uint64_t off = sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr);
        strcpy((char *)buf + off, interp);
        set_phdr(buf, n++, PT_INTERP, PF_R, off, base + off, strlen(interp) + 1, strlen(interp) + 1);
    }
    set_phdr(buf, n++, PT_LOAD, PF_R | PF_X, 0, base, 0x1100, 0x1100);
    set_phdr(buf, n++, PT_LOAD, PF_R | PF_W, 0x1100, base + 0x1100, 0x100, 0x2000);
    memcpy(buf + 0x100, prog_code, sizeof prog_code);
    memcpy(buf + 0x10f0, "A-tail-in-page1\nB-data-shared!!\n", 32);
    memset(buf + 0x1200, 0xaa, PROG_SIZE - 0x1200); /* past the data segment's file bytes */
}

/* The interpreter (ET_DYN): code [0, 0x180) R+X, data [0x1000, 0x4000) RW with 0x20 file
 * bytes. */
static void build_interp(unsigned char *buf) {
    memset(buf, 0, INTERP_SIZE);
    set_ehdr(buf, ET_DYN, 0x100, 2);
    set_phdr(buf, 0, PT_LOAD, PF_R | PF_X, 0, 0, 0x180, 0x180);
    set_phdr(buf, 1, PT_LOAD, PF_R | PF_W, 0x1000, 0x1000, 0x20, 0x3000);
    memcpy(buf + 0x100, interp_code, sizeof interp_code);
    memcpy(buf + 0x1000, "interp: running\n", 16);
    memset(buf + 0x1020, 0xaa, INTERP_SIZE - 0x1020);
}

static void put_file(const char *path, const void *data, size_t len) {
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
        say("put_file %s: %s\n", path, errname(errno));
        exit(100);
    }
    close(fd);
}

static int same_file(const char *path, const unsigned char *data, size_t len) {
    static unsigned char got[PROG_SIZE + 1];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, got, sizeof got);
    close(fd);
    return n == (ssize_t)len && memcmp(got, data, len) == 0;
}

static void run(const char *what, const char *path) {
    say("--- %s\n", what);
    pid_t c = fork();
    if (c == 0) {
        char *argv[] = {(char *)path, NULL};
        char *envp[] = {"E=1", NULL};
        execve(path, argv, envp);
        say("execve: %s\n", errname(errno));
        _exit(127);
    }
    say("--- %s: %s\n", what, reap(c));
}

static unsigned char prog[PROG_SIZE], interp[INTERP_SIZE], bad[PROG_SIZE];

/* Writes a copy of the ET_EXEC program changed by `edit` and runs it. */
static void run_bad(const char *what, void (*edit)(unsigned char *)) {
    memcpy(bad, prog, PROG_SIZE);
    edit(bad);
    put_file("/tmp/exm/bad", bad, PROG_SIZE);
    run(what, "/tmp/exm/bad");
}

static Elf64_Ehdr *eh(unsigned char *b) { return (Elf64_Ehdr *)b; }
static Elf64_Phdr *ph(unsigned char *b, int i) { return (Elf64_Phdr *)(b + sizeof(Elf64_Ehdr)) + i; }
static void bad_machine(unsigned char *b) { eh(b)->e_machine = EM_386; }
static void bad_type(unsigned char *b) { eh(b)->e_type = ET_REL; }
static void bad_phentsize(unsigned char *b) { eh(b)->e_phentsize = 32; }
static void no_phdrs(unsigned char *b) { eh(b)->e_phnum = 0; }
static void phdrs_past_eof(unsigned char *b) { eh(b)->e_phoff = PROG_SIZE - 8; }
static void bad_magic(unsigned char *b) { b[1] = 'X'; }
static void interp_too_short(unsigned char *b) { ph(b, 0)->p_filesz = 1; }
static void interp_no_nul(unsigned char *b) { ph(b, 0)->p_filesz = 9; }
static void interp_missing(unsigned char *b) { strcpy((char *)b + ph(b, 0)->p_offset, "/tmp/exm/none"); }

int main(void) {
    scratch_dir("/tmp/exm");
    build_interp(interp);
    put_file("/tmp/exm/ld.so", interp, INTERP_SIZE);

    build_prog(prog, ET_EXEC, NULL);
    put_file("/tmp/exm/exec", prog, PROG_SIZE);
    run("ET_EXEC, segments sharing a page", "/tmp/exm/exec");
    run("ET_EXEC again", "/tmp/exm/exec");
    say("ET_EXEC file unchanged: %s\n", YESNO(same_file("/tmp/exm/exec", prog, PROG_SIZE)));

    build_prog(prog, ET_DYN, NULL);
    put_file("/tmp/exm/dyn", prog, PROG_SIZE);
    run("ET_DYN without interpreter", "/tmp/exm/dyn");
    run("ET_DYN again", "/tmp/exm/dyn");
    say("ET_DYN file unchanged: %s\n", YESNO(same_file("/tmp/exm/dyn", prog, PROG_SIZE)));

    build_prog(prog, ET_EXEC, "/tmp/exm/ld.so");
    put_file("/tmp/exm/interp", prog, PROG_SIZE);
    run("with PT_INTERP", "/tmp/exm/interp");
    run("with PT_INTERP again", "/tmp/exm/interp");
    say("files unchanged: %s\n", YESNO(same_file("/tmp/exm/interp", prog, PROG_SIZE) &&
                                       same_file("/tmp/exm/ld.so", interp, INTERP_SIZE)));

    run_bad("e_machine EM_386", bad_machine);
    run_bad("e_type ET_REL", bad_type);
    run_bad("e_phentsize 32", bad_phentsize);
    run_bad("e_phnum 0", no_phdrs);
    run_bad("program headers past the end of the file", phdrs_past_eof);
    run_bad("bad magic", bad_magic);
    run_bad("PT_INTERP of 1 byte", interp_too_short);
    run_bad("PT_INTERP without NUL", interp_no_nul);
    run_bad("missing interpreter", interp_missing);
    put_file("/tmp/exm/short", prog, 40);
    run("truncated header", "/tmp/exm/short");
    put_file("/tmp/exm/empty", "", 0);
    run("empty file", "/tmp/exm/empty");

    remove_tree("/tmp/exm");
    return 0;
}
