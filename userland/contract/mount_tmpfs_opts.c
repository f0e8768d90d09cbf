// How /proc/mounts shows tmpfs options (Linux's shmem_show_options): size in KiB and
// nr_inodes only when not the defaults, mode as three octal digits only when not 1777,
// uid/gid when not 0, then inode64; plus the per-mount flags before them.
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *opts, unsigned long flags) {
    mkdir("/tmp/mto", 0755);
    if (mount("tmpfs", "/tmp/mto", "tmpfs", flags, opts) != 0) {
        printf("mount -o '%s': failed\n", opts);
        return;
    }
    FILE *f = fopen("/proc/mounts", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        char src[64], dir[128], type[32], o[256];
        if (sscanf(line, "%63s %127s %31s %255s", src, dir, type, o) == 4 && strcmp(dir, "/tmp/mto") == 0)
            printf("-o '%s' flags %#lx: %s %s\n", opts, flags, type, o);
    }
    if (f) fclose(f);
    umount("/tmp/mto");
}

int main(void) {
    int mounted = mount("proc", "/proc", "proc", 0, NULL) == 0;
    show("", 0);
    show("size=1m,mode=755", 0);
    show("size=1000k", MS_NOSUID | MS_NODEV);
    show("nr_inodes=100,uid=5,gid=6", 0);
    show("mode=1777", MS_NOEXEC);
    show("size=0,nr_inodes=0", 0);
    show("mode=0700", MS_RDONLY);
    rmdir("/tmp/mto");
    if (mounted) umount("/proc");
    return 0;
}
