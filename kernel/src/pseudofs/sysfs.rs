//! `sysfs`: the small part of `/sys` that boot scripts look at.
//!
//! `kernel/`, `class/` (`block/`, `tty/` with links to the devices), `block/NAME/{dev,size,ro,removable}`
//! for every registered disk, `dev/block/MAJ:MIN` and `dev/char/` links, `devices/virtual/`
//! holding the device directories the links point to, and an empty `fs/cgroup/` for a
//! cgroup mount point (mounting cgroup2 itself fails with ENODEV: not supported).
//! Nothing else: an absent file is absent, not faked.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::types::SYSFS_MAGIC;
use kairos_fs::vfs::Inode;

use super::{Node, PseudoFs, list_fn};

/// A new `sysfs` instance.
pub fn new_instance() -> Arc<dyn Inode> {
    let fs = PseudoFs::new(SYSFS_MAGIC, kairos_abi::Errno::EPERM);
    Node::root(&fs, 0o555, list_fn(root_entries), None)
}

fn empty(_: &Arc<Node>) -> Vec<Arc<Node>> {
    Vec::new()
}

fn root_entries(r: &Arc<Node>) -> Vec<Arc<Node>> {
    alloc::vec![
        Node::dir(
            r,
            "kernel",
            0o755,
            list_fn(|k| {
                alloc::vec![
                    Node::dir(k, "mm", 0o755, list_fn(empty)),
                    Node::dir(k, "security", 0o755, list_fn(empty)),
                    Node::text(k, "uevent_seqnum", 0o444, || Ok(String::from("0\n"))),
                ]
            })
        ),
        Node::dir(
            r,
            "class",
            0o755,
            list_fn(|c| {
                alloc::vec![
                    Node::dir(
                        c,
                        "block",
                        0o755,
                        list_fn(|b| {
                            super::devfs::block_devices()
                                .iter()
                                .map(|e| {
                                    Node::fixed_link(
                                        b,
                                        &e.name,
                                        &alloc::format!("../../devices/virtual/block/{}", e.name),
                                    )
                                })
                                .collect()
                        })
                    ),
                    Node::dir(c, "tty", 0o755, list_fn(|_| Vec::new())),
                    Node::dir(c, "net", 0o755, list_fn(empty)),
                ]
            })
        ),
        Node::dir(
            r,
            "block",
            0o755,
            list_fn(|b| {
                super::devfs::block_devices()
                    .iter()
                    .map(|e| Node::fixed_link(b, &e.name, &alloc::format!("../devices/virtual/block/{}", e.name)))
                    .collect()
            })
        ),
        Node::dir(
            r,
            "dev",
            0o755,
            list_fn(|d| {
                alloc::vec![
                    Node::dir(
                        d,
                        "block",
                        0o755,
                        list_fn(|b| {
                            super::devfs::block_devices()
                                .iter()
                                .map(|e| {
                                    let name = alloc::format!("{}:{}", e.major, e.minor);
                                    Node::fixed_link(
                                        b,
                                        &name,
                                        &alloc::format!("../../devices/virtual/block/{}", e.name),
                                    )
                                })
                                .collect()
                        })
                    ),
                    Node::dir(d, "char", 0o755, list_fn(empty)),
                ]
            })
        ),
        Node::dir(
            r,
            "devices",
            0o755,
            list_fn(|d| {
                alloc::vec![Node::dir(
                    d,
                    "virtual",
                    0o755,
                    list_fn(|v| { alloc::vec![Node::dir(v, "block", 0o755, list_fn(block_dirs))] })
                )]
            })
        ),
        Node::dir(r, "fs", 0o755, list_fn(|f| alloc::vec![Node::dir(f, "cgroup", 0o755, list_fn(empty))])),
        Node::dir(r, "firmware", 0o755, list_fn(empty)),
        Node::dir(r, "module", 0o755, list_fn(empty)),
        Node::dir(r, "power", 0o755, list_fn(empty)),
    ]
}

/// `devices/virtual/block/NAME/{dev,size,ro,removable,uevent}`.
fn block_dirs(v: &Arc<Node>) -> Vec<Arc<Node>> {
    super::devfs::block_devices()
        .into_iter()
        .map(|e| {
            let e2 = e.clone();
            Node::dir(
                v,
                &e.name,
                0o755,
                list_fn(move |d| {
                    let e = &e2;
                    let ro = if e.device.read_only() { "1\n" } else { "0\n" };
                    alloc::vec![
                        Node::constant(d, "dev", &alloc::format!("{}:{}\n", e.major, e.minor)),
                        Node::text(d, "size", 0o444, {
                            let dev = e.device.clone();
                            move || Ok(alloc::format!("{}\n", dev.sector_count()))
                        }),
                        Node::constant(d, "ro", ro),
                        Node::constant(d, "removable", "0\n"),
                        Node::constant(
                            d,
                            "uevent",
                            &alloc::format!("MAJOR={}\nMINOR={}\nDEVNAME={}\nDEVTYPE=disk\n", e.major, e.minor, e.name),
                        ),
                    ]
                }),
            )
        })
        .collect()
}
