//! Path resolution, mounts, getcwd and the namespace operations of `Vfs`,
//! over tmpfs, checked against Linux's errno in each edge case.

mod common;

use std::sync::Arc;

use common::*;
use kairos_abi::{
    Errno,
    flags::{OpenFlags, RenameFlags},
};
use kairos_fs::{
    FileType, Inode, PathCtx, Tmpfs, Vfs,
    path::{LastKind, MountOptions},
    vfs::{Credentials, MS_RDONLY, makedev},
};

#[test]
fn absolute_relative_dot_dotdot_and_slashes() {
    let fx = Fx::new();
    let a = fx.mkdir("/a");
    let b = fx.mkdir("/a/b");
    let f = fx.create("/a/b/f", b"x");
    assert!(same(&fx.resolve("/").unwrap(), &fx.root));
    assert!(same(&fx.resolve("//").unwrap(), &fx.root));
    assert!(same(&fx.resolve("/a/b").unwrap(), &b));
    assert!(same(&fx.resolve("a/b").unwrap(), &b));
    assert!(same(&fx.resolve("//a///b//").unwrap(), &b));
    assert!(same(&fx.resolve("/a/./b/.").unwrap(), &b));
    assert!(same(&fx.resolve("/a/b/..").unwrap(), &a));
    assert!(same(&fx.resolve("/a/b/../../a/b/f").unwrap(), &f));
    assert!(same(&fx.resolve(".").unwrap(), &fx.root));
    // `..` at the root stays at the root.
    assert!(same(&fx.resolve("/..").unwrap(), &fx.root));
    assert!(same(&fx.resolve("/../../a/../..").unwrap(), &fx.root));
    assert!(same(&fx.resolve("..").unwrap(), &fx.root));
    // Relative to another start directory (a dirfd); absolute ignores it.
    assert!(same(&fx.resolve_from(&a, "b/f").unwrap(), &f));
    assert!(same(&fx.resolve_from(&b, "..").unwrap(), &a));
    assert!(same(&fx.resolve_from(&b, "/a").unwrap(), &a));
    assert!(same(&fx.resolve_from(&f, "/a").unwrap(), &a));
}

#[test]
fn walk_errors() {
    let fx = Fx::new();
    fx.mkdir("/d");
    let f = fx.create("/d/file", b"data");
    assert_eq!(errno(fx.resolve("")), Errno::ENOENT);
    assert_eq!(errno(fx.resolve("/missing")), Errno::ENOENT);
    assert_eq!(errno(fx.resolve("/missing/x")), Errno::ENOENT);
    assert_eq!(errno(fx.resolve("/d/missing/x")), Errno::ENOENT);
    // Intermediate non-directory.
    assert_eq!(errno(fx.resolve("/d/file/x")), Errno::ENOTDIR);
    assert_eq!(errno(fx.resolve("/d/file/.")), Errno::ENOTDIR);
    assert_eq!(errno(fx.resolve("/d/file/..")), Errno::ENOTDIR);
    // Trailing slash requires a directory.
    assert_eq!(errno(fx.resolve("/d/file/")), Errno::ENOTDIR);
    assert_eq!(errno(fx.lresolve("/d/file//")), Errno::ENOTDIR);
    assert!(fx.resolve("/d/").is_ok());
    assert_eq!(errno(fx.resolve("/d/missing/")), Errno::ENOENT);
    // A relative path from a start that is not a directory.
    assert_eq!(errno(fx.resolve_from(&f, "x")), Errno::ENOTDIR);
    assert_eq!(errno(fx.resolve_from(&f, ".")), Errno::ENOTDIR);
}

#[test]
fn name_and_path_length_limits() {
    let fx = Fx::new();
    let n255 = "n".repeat(255);
    let n256 = "n".repeat(256);
    assert_eq!(errno(fx.resolve(&format!("/{n255}"))), Errno::ENOENT);
    assert_eq!(errno(fx.resolve(&format!("/{n256}"))), Errno::ENAMETOOLONG);
    assert_eq!(errno(fx.resolve(&format!("/{n256}/x"))), Errno::ENAMETOOLONG);
    // A missing earlier component wins, as in Linux.
    assert_eq!(errno(fx.resolve(&format!("/missing/{n256}"))), Errno::ENOENT);
    fx.mkdir(&format!("/{n255}"));
    assert!(fx.resolve(&format!("/{n255}")).is_ok());
    assert_eq!(errno(block_on(fx.vfs.mkdir(&fx.cx(), &format!("/{n256}"), 0o755))), Errno::ENAMETOOLONG);
    // PATH_MAX counts the NUL: 4095 bytes are fine, 4096 are not.
    let long_ok = format!("/{}", "./".repeat(2046)) + "x"; // 1 + 4092 + 1 = 4094
    assert_eq!(long_ok.len(), 4094);
    assert_eq!(errno(fx.resolve(&long_ok)), Errno::ENOENT);
    let p4095 = format!("{}x", "/".repeat(4094));
    assert_eq!(p4095.len(), 4095);
    assert_eq!(errno(fx.resolve(&p4095)), Errno::ENOENT);
    let p4096 = format!("{}x", "/".repeat(4095));
    assert_eq!(errno(fx.resolve(&p4096)), Errno::ENAMETOOLONG);
}

#[test]
fn symlinks() {
    let fx = Fx::new();
    let d = fx.mkdir("/d");
    let sub = fx.mkdir("/d/sub");
    let f = fx.create("/d/sub/f", b"hello");
    fx.symlink("/d/sub", "/abs");
    fx.symlink("sub/f", "/d/rel");
    fx.symlink("../../d", "/d/sub/up");
    fx.symlink("rel", "/d/chain");
    fx.symlink("nowhere", "/dangling");
    fx.symlink("/d/sub/f", "/tofile");
    assert!(same(&fx.resolve("/abs").unwrap(), &sub));
    assert!(same(&fx.resolve("/abs/f").unwrap(), &f));
    assert!(same(&fx.resolve("/d/rel").unwrap(), &f));
    assert!(same(&fx.resolve("/d/chain").unwrap(), &f));
    assert!(same(&fx.resolve("/d/sub/up/sub/up").unwrap(), &d));
    // `..` after a symlink applies to the target's directory (physical walk).
    assert!(same(&fx.resolve("/abs/..").unwrap(), &d));
    // Final symlink: followed or not.
    let l = fx.lresolve("/d/rel").unwrap();
    assert_eq!(l.file_type(), FileType::Symlink);
    assert_eq!(block_on(l.readlink()).unwrap(), "sub/f");
    assert_eq!(errno(fx.resolve("/dangling")), Errno::ENOENT);
    assert_eq!(fx.lresolve("/dangling").unwrap().file_type(), FileType::Symlink);
    // A trailing slash forces following, and requires a directory.
    assert!(same(&fx.lresolve("/abs/").unwrap(), &sub));
    assert_eq!(errno(fx.lresolve("/tofile/")), Errno::ENOTDIR);
    assert_eq!(errno(fx.resolve("/tofile/x")), Errno::ENOTDIR);
    // Symlinks resolve within the process root (chroot).
    let cx = PathCtx::new(&d, &d);
    let chroot_abs = block_on(fx.vfs.resolve(&cx, "/sub/f", true)).unwrap();
    assert!(same(&chroot_abs, &f));
    fx.symlink("/sub", "/d/jailed");
    let j = block_on(fx.vfs.resolve(&cx, "jailed/f", true)).unwrap();
    assert!(same(&j, &f));
    assert!(same(&block_on(fx.vfs.resolve(&cx, "/../../..", true)).unwrap(), &d));
    // A trailing slash in the target requires a directory.
    fx.symlink("/d/sub/f/", "/slashfile");
    assert_eq!(errno(fx.resolve("/slashfile")), Errno::ENOTDIR);
}

#[test]
fn symlink_loops_and_limit() {
    let fx = Fx::new();
    fx.mkdir("/t");
    let target = fx.create("/t/target", b"");
    fx.symlink("self", "/t/self");
    fx.symlink("b", "/t/a");
    fx.symlink("a", "/t/b");
    assert_eq!(errno(fx.resolve("/t/self")), Errno::ELOOP);
    assert_eq!(errno(fx.resolve("/t/a")), Errno::ELOOP);
    assert_eq!(errno(fx.resolve("/t/a/x")), Errno::ELOOP);
    assert_eq!(errno(fx.lresolve("/t/a/")), Errno::ELOOP);
    // Not following the final one: no loop.
    assert!(fx.lresolve("/t/a").is_ok());
    // A chain of exactly 40 links resolves; 41 fail.
    fx.symlink("target", "/t/l0");
    for i in 1..=40 {
        fx.symlink(&format!("l{}", i - 1), &format!("/t/l{i}"));
    }
    assert!(same(&fx.resolve("/t/l39").unwrap(), &target));
    assert_eq!(errno(fx.resolve("/t/l40")), Errno::ELOOP);
    // The count spans the whole walk, not one link.
    fx.mkdir("/t/dir");
    fx.symlink("/t/dir", "/t/d0");
    for i in 1..=20 {
        fx.symlink(&format!("d{}", i - 1), &format!("/t/d{i}"));
    }
    // dN/x follows N+1 links to reach the directory, then x and l19..l0
    // (21 more): d18/x needs exactly 40, d19/x 41.
    fx.symlink("/t/l19", "/t/dir/x");
    assert!(same(&fx.resolve("/t/d18/x").unwrap(), &target));
    assert_eq!(errno(fx.resolve("/t/d19/x")), Errno::ELOOP);
    assert_eq!(errno(fx.resolve("/t/d20/x")), Errno::ELOOP);
    assert!(same(&fx.resolve("/t/d5/x").unwrap(), &target));
}

#[test]
fn resolve_parent_kinds() {
    let fx = Fx::new();
    let a = fx.mkdir("/a");
    let f = fx.create("/a/f", b"");
    fx.symlink("/a", "/link");
    let p = block_on(fx.vfs.resolve_parent(&fx.cx(), "/a/new")).unwrap();
    assert!(same(&p.dir, &a));
    assert_eq!((p.name.as_str(), p.kind, p.trailing_slash), ("new", LastKind::Normal, false));
    let p = block_on(fx.vfs.resolve_parent(&fx.cx(), "/link/new//")).unwrap();
    assert!(same(&p.dir, &a));
    assert_eq!((p.name.as_str(), p.kind, p.trailing_slash), ("new", LastKind::Normal, true));
    // The final symlink is not followed.
    let p = block_on(fx.vfs.resolve_parent(&fx.cx(), "/link")).unwrap();
    assert!(same(&p.dir, &fx.root));
    assert_eq!(p.name, "link");
    let p = block_on(fx.vfs.resolve_parent(&fx.cx(), "/")).unwrap();
    assert_eq!(p.kind, LastKind::Root);
    assert_eq!(block_on(fx.vfs.resolve_parent(&fx.cx(), "a/.")).unwrap().kind, LastKind::Dot);
    assert_eq!(block_on(fx.vfs.resolve_parent(&fx.cx(), "a/..")).unwrap().kind, LastKind::DotDot);
    assert_eq!(errno(block_on(fx.vfs.resolve_parent(&fx.cx(), ""))), Errno::ENOENT);
    assert_eq!(errno(block_on(fx.vfs.resolve_parent(&fx.cx(), "/a/f/x"))), Errno::ENOTDIR);
    assert_eq!(errno(block_on(fx.vfs.resolve_parent(&fx.cx().at(&f), "x"))), Errno::ENOTDIR);
    assert_eq!(errno(block_on(fx.vfs.resolve_parent(&fx.cx(), "/nope/x"))), Errno::ENOENT);
    let long = format!("/a/{}", "x".repeat(256));
    assert_eq!(errno(block_on(fx.vfs.resolve_parent(&fx.cx(), &long))), Errno::ENAMETOOLONG);
}

#[test]
fn mounts_and_dotdot_across_them() {
    let fx = Fx::new();
    let mnt = fx.mkdir("/mnt");
    fx.create("/mnt/hidden", b"under");
    let fs2 = Tmpfs::new(fx.clock.clock());
    let id = fx.vfs.mount(&mnt, fs2.root(), MountOptions { fstype: "tmpfs".into(), ..Default::default() }).unwrap();
    assert_eq!(id, 2);
    let r2 = fx.resolve("/mnt").unwrap();
    assert!(same(&r2, &fs2.root()));
    assert_eq!(errno(fx.resolve("/mnt/hidden")), Errno::ENOENT);
    let sub = fx.mkdir("/mnt/sub");
    assert_eq!(sub.fs_id(), fs2.fs_id());
    assert!(same(&fx.resolve("/mnt/..").unwrap(), &fx.root));
    assert!(same(&fx.resolve("/mnt/sub/../..").unwrap(), &fx.root));
    assert!(same(&fx.resolve_from(&sub, "../../mnt/sub").unwrap(), &sub));
    assert!(same(&fx.resolve_from(&r2, "..").unwrap(), &fx.root));
    // A symlink on the root fs into the mount.
    fx.symlink("/mnt/sub", "/tosub");
    assert!(same(&fx.resolve("/tosub").unwrap(), &sub));
    // Stacked mount on the mount root, then on a submount.
    let fs3 = Tmpfs::new(fx.clock.clock());
    fx.vfs.mount(&sub, fs3.root(), MountOptions::default()).unwrap();
    assert!(same(&fx.resolve("/mnt/sub").unwrap(), &fs3.root()));
    assert!(same(&fx.resolve("/mnt/sub/..").unwrap(), &r2));
    assert!(same(&fx.resolve("/mnt/sub/../..").unwrap(), &fx.root));
    assert_eq!(block_on(fx.vfs.path_of(&fx.root, &fs3.root())).unwrap(), "/mnt/sub");
    // Cross-mount operations.
    fx.create("/rootfile", b"");
    assert_eq!(errno(block_on(fx.vfs.link(&fx.cx(), "/rootfile", &fx.cx(), "/mnt/l", false))), Errno::EXDEV);
    assert_eq!(errno(block_on(fx.vfs.rename(&fx.cx(), "/rootfile", &fx.cx(), "/mnt/r", 0))), Errno::EXDEV);
    // Busy: mount points cannot be removed or renamed; busy mounts not unmounted.
    assert_eq!(errno(block_on(fx.vfs.rmdir(&fx.cx(), "/mnt"))), Errno::EBUSY);
    assert_eq!(errno(block_on(fx.vfs.rename(&fx.cx(), "/mnt", &fx.cx(), "/mnt2", 0))), Errno::EBUSY);
    assert_eq!(errno(fx.vfs.umount(&r2)), Errno::EBUSY);
    assert_eq!(errno(fx.vfs.umount(&fx.root)), Errno::EBUSY);
    assert_eq!(errno(fx.vfs.umount(&sub)), Errno::EINVAL);
    // The same filesystem cannot be mounted twice.
    let other = fx.mkdir("/other");
    assert_eq!(errno(fx.vfs.mount(&other, fs2.root(), MountOptions::default())), Errno::EBUSY);
    let f = fx.create("/file", b"");
    assert_eq!(errno(fx.vfs.mount(&f, Tmpfs::new(fx.clock.clock()).root(), MountOptions::default())), Errno::ENOTDIR);
    assert_eq!(fx.vfs.mounts().iter().map(|m| m.id).collect::<Vec<_>>(), vec![1, 2, 3]);
    // Unmount the inner one, then the outer: the covered directory reappears.
    fx.vfs.umount(&fs3.root()).unwrap();
    assert!(same(&fx.resolve("/mnt/sub").unwrap(), &sub));
    fx.vfs.umount(&r2).unwrap();
    assert_eq!(fx.read("/mnt/hidden"), b"under");
    assert!(fx.vfs.mount_of(&*r2).is_none());
}

#[test]
fn mount_over_root_and_read_only_mounts() {
    let fx = Fx::new();
    let fs2 = Tmpfs::new(fx.clock.clock());
    fx.vfs.mount(&fx.root, fs2.root(), MountOptions::default()).unwrap();
    assert!(same(&fx.vfs.root(), &fs2.root()));
    assert!(same(&fx.resolve("/").unwrap(), &fs2.root()));
    assert!(same(&fx.resolve("/..").unwrap(), &fs2.root()));
    let d = fx.mkdir("/x");
    assert_eq!(d.fs_id(), fs2.fs_id());
    assert!(same(&fx.resolve("/x/../..").unwrap(), &fs2.root()));

    let fx = Fx::new();
    fx.create("/f", b"");
    let ro = fx.mkdir("/ro");
    let fs3 = Tmpfs::new(fx.clock.clock());
    block_on(fs3.root().create("inside", FileType::Regular, 0o644, 0, 0, 0)).unwrap();
    fx.vfs.mount(&ro, fs3.root(), MountOptions { flags: MS_RDONLY, ..Default::default() }).unwrap();
    assert!(fx.vfs.is_read_only(&*fx.resolve("/ro").unwrap()));
    assert!(!fx.vfs.is_read_only(&*fx.resolve("/f").unwrap()));
    assert_eq!(errno(block_on(fx.vfs.mkdir(&fx.cx(), "/ro/d", 0o755))), Errno::EROFS);
    assert_eq!(errno(block_on(fx.vfs.mkdir(&fx.cx(), "/ro/inside", 0o755))), Errno::EEXIST);
    assert_eq!(errno(block_on(fx.vfs.unlink(&fx.cx(), "/ro/inside"))), Errno::EROFS);
    assert_eq!(errno(block_on(fx.vfs.open(&fx.cx(), "/ro/inside", OpenFlags::O_RDWR, 0))), Errno::EROFS);
    assert_eq!(errno(block_on(fx.vfs.open(&fx.cx(), "/ro/new", OpenFlags::O_CREAT, 0o644))), Errno::EROFS);
    assert!(block_on(fx.vfs.open(&fx.cx(), "/ro/inside", OpenFlags::O_RDONLY, 0)).is_ok());
    // Remount read-write, then the root read-only; a non-root directory is EINVAL.
    let ro_root = fx.resolve("/ro").unwrap();
    fx.vfs.remount(&ro_root, |o| o.flags &= !MS_RDONLY).unwrap();
    assert!(block_on(fx.vfs.mkdir(&fx.cx(), "/ro/d", 0o755)).is_ok());
    assert_eq!(fx.vfs.mounts().iter().map(|m| m.id).collect::<Vec<_>>(), vec![1, 2]);
    fx.vfs.remount(&fx.root, |o| o.flags |= MS_RDONLY).unwrap();
    assert_eq!(errno(block_on(fx.vfs.mkdir(&fx.cx(), "/d", 0o755))), Errno::EROFS);
    assert!(block_on(fx.vfs.mkdir(&fx.cx(), "/ro/d2", 0o755)).is_ok());
    let d = fx.resolve("/ro/d").unwrap();
    assert_eq!(errno(fx.vfs.remount(&d, |_| {})), Errno::EINVAL);
}

#[test]
fn getcwd_paths() {
    let fx = Fx::new();
    let c = fx.mkdir("/a");
    fx.mkdir("/a/b");
    let c2 = fx.mkdir("/a/b/c");
    assert_eq!(block_on(fx.vfs.path_of(&fx.root, &fx.root)).unwrap(), "/");
    assert_eq!(block_on(fx.vfs.path_of(&fx.root, &c2)).unwrap(), "/a/b/c");
    // Renaming an ancestor shows in the path.
    block_on(fx.vfs.rename(&fx.cx(), "/a/b", &fx.cx(), "/a/renamed", 0)).unwrap();
    assert_eq!(block_on(fx.vfs.path_of(&fx.root, &c2)).unwrap(), "/a/renamed/c");
    block_on(fx.vfs.rename(&fx.cx(), "/a/renamed/c", &fx.cx(), "/moved", 0)).unwrap();
    assert_eq!(block_on(fx.vfs.path_of(&fx.root, &c2)).unwrap(), "/moved");
    // Under a chroot, and outside of it.
    assert_eq!(block_on(fx.vfs.path_of(&c, &c)).unwrap(), "/");
    let inner = fx.resolve("/a/renamed").unwrap();
    assert_eq!(block_on(fx.vfs.path_of(&c, &inner)).unwrap(), "/renamed");
    assert_eq!(block_on(fx.vfs.path_of(&c, &c2)).unwrap(), "(unreachable)/moved");
    // A removed cwd has no path.
    block_on(fx.vfs.rmdir(&fx.cx(), "/moved")).unwrap();
    assert_eq!(errno(block_on(fx.vfs.path_of(&fx.root, &c2))), Errno::ENOENT);
    // Lookups in it fail; "." still names it.
    assert_eq!(errno(fx.resolve_from(&c2, "x")), Errno::ENOENT);
    assert_eq!(errno(block_on(fx.vfs.mkdir(&fx.cx().at(&c2), "x", 0o755))), Errno::ENOENT);
    assert!(same(&fx.resolve_from(&c2, ".").unwrap(), &c2));
    let f = fx.create("/file", b"");
    assert_eq!(errno(block_on(fx.vfs.path_of(&fx.root, &f))), Errno::ENOTDIR);
}

#[test]
fn create_ops_errnos() {
    let fx = Fx::new();
    fx.mkdir("/d");
    fx.create("/d/f", b"");
    let cx = fx.cx();
    // mkdir
    assert_eq!(errno(block_on(fx.vfs.mkdir(&cx, "/d", 0o755))), Errno::EEXIST);
    assert_eq!(errno(block_on(fx.vfs.mkdir(&cx, "/d/f", 0o755))), Errno::EEXIST);
    assert_eq!(errno(block_on(fx.vfs.mkdir(&cx, "/", 0o755))), Errno::EEXIST);
    assert_eq!(errno(block_on(fx.vfs.mkdir(&cx, "/d/.", 0o755))), Errno::EEXIST);
    assert_eq!(errno(block_on(fx.vfs.mkdir(&cx, "/d/..", 0o755))), Errno::EEXIST);
    assert_eq!(errno(block_on(fx.vfs.mkdir(&cx, "/nope/x", 0o755))), Errno::ENOENT);
    assert_eq!(errno(block_on(fx.vfs.mkdir(&cx, "/d/f/x", 0o755))), Errno::ENOTDIR);
    assert!(block_on(fx.vfs.mkdir(&cx, "/d/new/", 0o755)).is_ok());
    // Dangling symlink as the last component: EEXIST (not followed).
    fx.symlink("/d/target", "/d/dangle");
    assert_eq!(errno(block_on(fx.vfs.mkdir(&cx, "/d/dangle", 0o755))), Errno::EEXIST);
    // mknod / symlink / link with a trailing slash on a new name: ENOENT.
    assert_eq!(errno(block_on(fx.vfs.mknod(&cx, "/d/n/", FileType::Fifo, 0o644, 0))), Errno::ENOENT);
    assert_eq!(errno(block_on(fx.vfs.mknod(&cx, "/d/f/", FileType::Fifo, 0o644, 0))), Errno::EEXIST);
    assert_eq!(errno(block_on(fx.vfs.mknod(&cx, "/d/n", FileType::Directory, 0o644, 0))), Errno::EINVAL);
    assert_eq!(errno(block_on(fx.vfs.symlink(&cx, "x", "/d/s/"))), Errno::ENOENT);
    assert_eq!(errno(block_on(fx.vfs.symlink(&cx, "", "/d/s"))), Errno::ENOENT);
    assert_eq!(errno(block_on(fx.vfs.link(&cx, "/d/f", &cx, "/d/l/", false))), Errno::ENOENT);
    assert_eq!(errno(block_on(fx.vfs.link(&cx, "/d/f", &cx, "/d/f", false))), Errno::EEXIST);
    assert_eq!(errno(block_on(fx.vfs.link(&cx, "/d", &cx, "/d2", false))), Errno::EPERM);
    assert_eq!(errno(block_on(fx.vfs.link(&cx, "/nope", &cx, "/d2", false))), Errno::ENOENT);
    // Device node metadata.
    let dev = block_on(fx.vfs.mknod(&cx, "/d/null", FileType::CharDevice, 0o666, makedev(1, 3))).unwrap();
    let m = dev.metadata();
    assert_eq!(m.mode, 0o020666);
    assert_eq!(m.rdev, makedev(1, 3));
    // link follows a final symlink only when asked.
    fx.symlink("/d/f", "/d/tof");
    block_on(fx.vfs.link(&cx, "/d/tof", &cx, "/d/hard_to_link", false)).unwrap();
    block_on(fx.vfs.link(&cx, "/d/tof", &cx, "/d/hard_to_file", true)).unwrap();
    assert_eq!(fx.lresolve("/d/hard_to_link").unwrap().file_type(), FileType::Symlink);
    assert!(same(&fx.resolve("/d/hard_to_file").unwrap(), &fx.resolve("/d/f").unwrap()));
    assert_eq!(fx.resolve("/d/f").unwrap().metadata().nlink, 2);
}

#[test]
fn remove_ops_errnos() {
    let fx = Fx::new();
    fx.mkdir("/d");
    fx.mkdir("/d/e");
    fx.create("/d/e/x", b"");
    fx.create("/d/f", b"");
    fx.symlink("/d/e", "/d/ldir");
    let cx = fx.cx();
    assert_eq!(errno(block_on(fx.vfs.unlink(&cx, "/d/e"))), Errno::EISDIR);
    assert_eq!(errno(block_on(fx.vfs.unlink(&cx, "/d/e/"))), Errno::EISDIR);
    assert_eq!(errno(block_on(fx.vfs.unlink(&cx, "/d/f/"))), Errno::ENOTDIR);
    assert_eq!(errno(block_on(fx.vfs.unlink(&cx, "/d/."))), Errno::EISDIR);
    assert_eq!(errno(block_on(fx.vfs.unlink(&cx, "/"))), Errno::EISDIR);
    assert_eq!(errno(block_on(fx.vfs.unlink(&cx, "/d/nope"))), Errno::ENOENT);
    assert_eq!(errno(block_on(fx.vfs.rmdir(&cx, "/d/e/."))), Errno::EINVAL);
    assert_eq!(errno(block_on(fx.vfs.rmdir(&cx, "/d/e/.."))), Errno::ENOTEMPTY);
    assert_eq!(errno(block_on(fx.vfs.rmdir(&cx, "/"))), Errno::EBUSY);
    assert_eq!(errno(block_on(fx.vfs.rmdir(&cx, "/d/f"))), Errno::ENOTDIR);
    assert_eq!(errno(block_on(fx.vfs.rmdir(&cx, "/d/e"))), Errno::ENOTEMPTY);
    assert_eq!(errno(block_on(fx.vfs.rmdir(&cx, "/d/nope"))), Errno::ENOENT);
    // rmdir of a symlink to a directory: ENOTDIR (not followed).
    assert_eq!(errno(block_on(fx.vfs.rmdir(&cx, "/d/ldir"))), Errno::ENOTDIR);
    // unlink of the symlink removes the link, not the directory.
    block_on(fx.vfs.unlink(&cx, "/d/ldir")).unwrap();
    assert!(fx.exists("/d/e/x"));
    block_on(fx.vfs.unlink(&cx, "/d/e/x")).unwrap();
    block_on(fx.vfs.rmdir(&cx, "/d/e/")).unwrap();
    assert!(!fx.exists("/d/e"));
    assert_eq!(fx.resolve("/d").unwrap().metadata().nlink, 2);
}

#[test]
fn rename_through_vfs() {
    let fx = Fx::new();
    fx.mkdir("/a");
    fx.mkdir("/a/b");
    fx.create("/f", b"F");
    fx.create("/g", b"G");
    let cx = fx.cx();
    let rn = |o: &str, n: &str, fl: u32| block_on(fx.vfs.rename(&cx, o, &cx, n, fl));
    assert_eq!(errno(rn("/a/.", "/x", 0)), Errno::EBUSY);
    assert_eq!(errno(rn("/a/..", "/x", 0)), Errno::EBUSY);
    assert_eq!(errno(rn("/", "/x", 0)), Errno::EBUSY);
    assert_eq!(errno(rn("/f", "/a/.", 0)), Errno::EBUSY);
    assert_eq!(errno(rn("/f", "/a/.", RenameFlags::RENAME_NOREPLACE.bits())), Errno::EEXIST);
    assert_eq!(errno(rn("/f", "/x", 0x100)), Errno::EINVAL);
    assert_eq!(errno(rn("/f", "/x", RenameFlags::RENAME_WHITEOUT.bits())), Errno::EINVAL);
    assert_eq!(errno(rn("/f", "/x", 3)), Errno::EINVAL);
    assert_eq!(errno(rn("/nope", "/x", 0)), Errno::ENOENT);
    assert_eq!(errno(rn("/f/", "/x", 0)), Errno::ENOTDIR);
    assert_eq!(errno(rn("/f", "/x/", 0)), Errno::ENOTDIR);
    assert_eq!(errno(rn("/a", "/a/b/c", 0)), Errno::EINVAL);
    assert_eq!(errno(rn("/a", "/a/c", 0)), Errno::EINVAL);
    // The target is an ancestor of the source: not empty.
    assert_eq!(errno(rn("/a/b", "/a", 0)), Errno::ENOTEMPTY);
    assert_eq!(errno(rn("/f", "/g", RenameFlags::RENAME_NOREPLACE.bits())), Errno::EEXIST);
    assert_eq!(errno(rn("/f", "/nope", RenameFlags::RENAME_EXCHANGE.bits())), Errno::ENOENT);
    rn("/a/", "/a2/", 0).unwrap();
    assert!(fx.exists("/a2/b"));
    rn("/f", "/g", 0).unwrap();
    assert_eq!(fx.read("/g"), b"F");
    assert!(!fx.exists("/f"));
    rn("/g", "/a2/b", RenameFlags::RENAME_EXCHANGE.bits()).unwrap();
    assert_eq!(fx.read("/a2/b"), b"F");
    assert!(fx.resolve("/g").unwrap().is_dir());
    assert!(same(&fx.resolve("/g/..").unwrap(), &fx.root));
}

#[test]
fn open_semantics() {
    let fx = Fx::new();
    fx.mkdir("/d");
    fx.create("/d/f", b"contents");
    fx.symlink("/d/f", "/d/lf");
    fx.symlink("/d/new_target", "/d/dangle");
    fx.symlink("/d", "/d/ld");
    let cx = fx.cx();
    let open = |p: &str, fl: OpenFlags| block_on(fx.vfs.open(&cx, p, fl, 0o666));
    use OpenFlags as O;
    let (f, created) = open("/d/f", O::O_RDONLY).unwrap();
    assert!(!created);
    assert_eq!(read_all(&f), b"contents");
    assert!(same(&open("/d/lf", O::O_RDONLY).unwrap().0, &f));
    assert_eq!(errno(open("/d/lf", O::O_RDONLY | O::O_NOFOLLOW)), Errno::ELOOP);
    assert_eq!(errno(open("/d/ld", O::O_DIRECTORY | O::O_NOFOLLOW)), Errno::ENOTDIR);
    assert!(open("/d/ld/", O::O_DIRECTORY | O::O_NOFOLLOW).unwrap().0.is_dir());
    let (l, _) = open("/d/lf", O::O_PATH | O::O_NOFOLLOW).unwrap();
    assert_eq!(l.file_type(), FileType::Symlink);
    assert_eq!(errno(open("/d/f", O::O_DIRECTORY)), Errno::ENOTDIR);
    assert!(open("/d/ld", O::O_DIRECTORY).unwrap().0.is_dir());
    assert_eq!(errno(open("/d", O::O_WRONLY)), Errno::EISDIR);
    assert_eq!(errno(open("/d", O::O_RDWR)), Errno::EISDIR);
    assert!(open("/d", O::O_RDONLY).is_ok());
    assert_eq!(errno(open("/d", O::O_RDONLY | O::O_TRUNC)), Errno::EISDIR);
    assert_eq!(errno(open("/nope", O::O_RDONLY)), Errno::ENOENT);
    assert_eq!(errno(open("/d/f/", O::O_RDONLY)), Errno::ENOTDIR);
    // O_CREAT
    assert_eq!(errno(open("/d", O::O_CREAT)), Errno::EISDIR);
    assert_eq!(errno(open("/", O::O_CREAT)), Errno::EISDIR);
    assert_eq!(errno(open("/d/.", O::O_CREAT)), Errno::EISDIR);
    assert_eq!(errno(open("/d/newdir/", O::O_CREAT)), Errno::EISDIR);
    assert_eq!(errno(open("/d/x", O::O_CREAT | O::O_DIRECTORY)), Errno::EINVAL);
    assert_eq!(errno(open("/d/f", O::O_CREAT | O::O_EXCL)), Errno::EEXIST);
    assert_eq!(errno(open("/d/dangle", O::O_CREAT | O::O_EXCL)), Errno::EEXIST);
    assert_eq!(errno(open("/d/dangle", O::O_CREAT | O::O_NOFOLLOW)), Errno::ELOOP);
    assert_eq!(errno(open("/nope/x", O::O_CREAT)), Errno::ENOENT);
    assert_eq!(errno(open("/d/f/x", O::O_CREAT)), Errno::ENOTDIR);
    assert_eq!(errno(open("/d/x", O::O_TMPFILE)), Errno::EOPNOTSUPP);
    // A dangling symlink is followed and its target created.
    let (t, created) = open("/d/dangle", O::O_CREAT | O::O_WRONLY).unwrap();
    assert!(created);
    assert!(same(&t, &fx.resolve("/d/new_target").unwrap()));
    // Existing file with O_CREAT, and O_TRUNC.
    let (f2, created) = open("/d/lf", O::O_CREAT | O::O_WRONLY | O::O_TRUNC).unwrap();
    assert!(!created);
    assert!(same(&f2, &f));
    assert_eq!(f.metadata().size, 0);
    // umask and owner.
    let creds = Credentials { fsuid: 1000, fsgid: 100, groups: vec![] };
    let cx2 = PathCtx { cred: &creds, umask: 0o022, ..fx.cx() };
    let (n, created) = block_on(fx.vfs.open(&cx2, "/d/masked", O::O_CREAT | O::O_RDWR, 0o777)).unwrap();
    assert!(created);
    let m = n.metadata();
    assert_eq!((m.mode, m.uid, m.gid), (0o100755, 1000, 100));
    let dm = block_on(fx.vfs.mkdir(&cx2, "/d/mdir", 0o7777)).unwrap().metadata();
    assert_eq!(dm.mode, 0o041755);
}

#[test]
fn setgid_directories_pass_their_group() {
    let fx = Fx::new();
    let g = fx.mkdir("/g");
    g.setattr(&kairos_fs::SetAttr { mode: Some(0o2775), gid: Some(50), ..Default::default() }).unwrap();
    let creds = Credentials { fsuid: 7, fsgid: 8, groups: vec![] };
    let cx = PathCtx { cred: &creds, ..fx.cx() };
    let d = block_on(fx.vfs.mkdir(&cx, "/g/sub", 0o755)).unwrap().metadata();
    assert_eq!((d.uid, d.gid, d.mode & 0o7777), (7, 50, 0o2755));
    let f = block_on(fx.vfs.mknod(&cx, "/g/file", FileType::Regular, 0o644, 0)).unwrap().metadata();
    assert_eq!((f.uid, f.gid, f.mode & 0o7777), (7, 50, 0o644));
}

#[test]
fn permission_hook() {
    let fx = Fx::new();
    let priv_dir = fx.mkdir("/private");
    fx.create("/private/secret", b"s");
    priv_dir.setattr(&kairos_fs::SetAttr { mode: Some(0o700), ..Default::default() }).unwrap();
    let ro = fx.mkdir("/readonly");
    ro.setattr(&kairos_fs::SetAttr { mode: Some(0o555), ..Default::default() }).unwrap();
    let tmp = fx.mkdir("/tmp");
    tmp.setattr(&kairos_fs::SetAttr { mode: Some(0o1777), ..Default::default() }).unwrap();
    fx.create("/tmp/roots", b"");
    let user = Credentials { fsuid: 1000, fsgid: 1000, groups: vec![] };
    let cx = PathCtx { cred: &user, ..fx.cx() };
    // Off by default.
    assert!(block_on(fx.vfs.resolve(&cx, "/private/secret", true)).is_ok());
    fx.vfs.set_enforce_permissions(true);
    assert_eq!(errno(block_on(fx.vfs.resolve(&cx, "/private/secret", true))), Errno::EACCES);
    assert_eq!(errno(block_on(fx.vfs.mkdir(&cx, "/readonly/x", 0o755))), Errno::EACCES);
    assert_eq!(errno(block_on(fx.vfs.open(&cx, "/tmp/roots", OpenFlags::O_RDWR, 0))), Errno::EACCES);
    block_on(fx.vfs.mkdir(&cx, "/tmp/mine", 0o755)).unwrap();
    // Sticky /tmp: others' files cannot be removed, own ones can.
    assert_eq!(errno(block_on(fx.vfs.unlink(&cx, "/tmp/roots"))), Errno::EPERM);
    block_on(fx.vfs.rmdir(&cx, "/tmp/mine")).unwrap();
    // Root passes.
    assert!(fx.resolve("/private/secret").is_ok());
    fx.vfs.set_enforce_permissions(false);
    assert!(block_on(fx.vfs.resolve(&cx, "/private/secret", true)).is_ok());
}

/// A tiny foreign filesystem: a directory with a symlink whose target is
/// empty and a device that implements only the required methods.
struct MiniDir {
    fs: u64,
    empty_link: Arc<dyn Inode>,
}
struct MiniLink {
    fs: u64,
}
impl Inode for MiniDir {
    fn metadata(&self) -> kairos_fs::Metadata {
        kairos_fs::Metadata { ino: 1, mode: 0o040555, nlink: 2, ..Default::default() }
    }
    fn fs_id(&self) -> u64 {
        self.fs
    }
    fn lookup<'a>(&'a self, name: &'a str) -> kairos_fs::BoxFuture<'a, kairos_abi::Result<Arc<dyn Inode>>> {
        let r = if name == "empty" { Ok(self.empty_link.clone()) } else { Err(Errno::ENOENT.into()) };
        Box::pin(async move { r })
    }
}
impl Inode for MiniLink {
    fn metadata(&self) -> kairos_fs::Metadata {
        kairos_fs::Metadata { ino: 2, mode: 0o120777, nlink: 1, ..Default::default() }
    }
    fn fs_id(&self) -> u64 {
        self.fs
    }
    fn readlink<'a>(&'a self) -> kairos_fs::BoxFuture<'a, kairos_abi::Result<String>> {
        Box::pin(async { Ok(String::new()) })
    }
}

#[test]
fn foreign_filesystem_mounted_with_defaults() {
    let fx = Fx::new();
    let m = fx.mkdir("/mini");
    let fs = kairos_fs::vfs::alloc_fs_id();
    let mini: Arc<dyn Inode> = Arc::new(MiniDir { fs, empty_link: Arc::new(MiniLink { fs }) });
    fx.vfs.mount(&m, mini.clone(), MountOptions::default()).unwrap();
    assert_eq!(errno(fx.resolve("/mini/empty")), Errno::ENOENT);
    assert_eq!(fx.lresolve("/mini/empty").unwrap().file_type(), FileType::Symlink);
    // Default methods: EPERM for changes in a directory without them.
    assert_eq!(errno(block_on(fx.vfs.mkdir(&fx.cx(), "/mini/x", 0o755))), Errno::EPERM);
    assert_eq!(errno(block_on(mini.unlink("x"))), Errno::EPERM);
    assert_eq!(errno(block_on(mini.read_at(0, &mut [0; 4]))), Errno::EISDIR);
    assert_eq!(block_on(mini.readdir(0)).unwrap(), None);
    assert!(same(&fx.resolve("/mini/..").unwrap(), &fx.root));
    assert!(mini.downcast_ref::<MiniDir>().is_some());
    assert!(mini.downcast_ref::<MiniLink>().is_none());
}

#[test]
fn vfs_futures_are_send() {
    fn is_send<T: Send>(_: &T) {}
    let fx = Fx::new();
    let cx = fx.cx();
    is_send(&fx.vfs.resolve(&cx, "/", true));
    is_send(&fx.vfs.resolve_parent(&cx, "/x"));
    is_send(&fx.vfs.open(&cx, "/x", OpenFlags::O_CREAT, 0));
    is_send(&fx.vfs.rename(&cx, "/x", &cx, "/y", 0));
    is_send(&fx.vfs.path_of(&fx.root, &fx.root));
    is_send(&kairos_fs::cpio::populate(&fx.root, &[]));
    fn is_sync<T: Send + Sync>() {}
    is_sync::<Vfs>();
    is_sync::<Tmpfs>();
}
