//! Device drivers and the block-device registry.
//!
//! [`probe`] runs once at boot (after the heap, the executor and interrupts are up, before
//! user space): it enumerates PCI and brings up every virtio-blk disk it finds. The rest of
//! the kernel sees disks only through [`block_devices`] / [`block_device`], as
//! `kairos_fs::block::BlockDevice` trait objects, with Linux's names and device numbers.
//!
//! - [`pci`]: enumeration, BARs, capabilities, MSI-X (config space via `arch::pci_cfg`).
//! - [`virtio`]: the virtio 1.x modern PCI transport and the split virtqueue.
//! - [`virtio_blk`]: the async, interrupt-driven virtio-blk driver.
//! - [`virtio_blk_tests`]: its kernel self-tests (`ktest ktest.disk`).
//!
//! This module owns no `unsafe`: register and DMA access go through `arch::mmio`,
//! `arch::dma` and `arch::pci_cfg`.

pub mod pci;
pub mod virtio;
pub mod virtio_blk;
pub mod virtio_blk_tests;

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_fs::block::BlockDevice;

/// Block major number of virtio disks (as Linux's `virtio_blk` usually gets; `/dev/vda` is
/// 254:0).
pub const VIRTIO_BLK_MAJOR: u32 = 254;
/// Minor numbers per disk (the disk itself plus 15 partitions, as Linux).
pub const MINORS_PER_DISK: u32 = 16;

/// One registered block device.
#[derive(Clone)]
pub struct BlockDeviceEntry {
    /// Device name under `/dev`: `vda`, `vdb`, ... in PCI order, as Linux names them.
    pub name: String,
    /// Block major number ([`VIRTIO_BLK_MAJOR`]).
    pub major: u32,
    /// Block minor number: `16 * n` for the n-th disk (partitions would use the next 15).
    pub minor: u32,
    /// The device.
    pub device: Arc<dyn BlockDevice>,
}

static BLOCK_DEVICES: spin::Mutex<Vec<BlockDeviceEntry>> = spin::Mutex::new(Vec::new());
static VIRTIO_DISKS: spin::Mutex<Vec<Arc<virtio_blk::VirtioBlk>>> = spin::Mutex::new(Vec::new());

/// Every block device found at boot, in name order (`vda`, `vdb`, ...). For devtmpfs
/// (`/dev/vda` as block device `major:minor`) and for mounting `root=/dev/vda`.
pub fn block_devices() -> Vec<BlockDeviceEntry> {
    BLOCK_DEVICES.lock().clone()
}

/// The block device called `name` (`"vda"`; a leading `/dev/` is accepted).
pub fn block_device(name: &str) -> Option<Arc<dyn BlockDevice>> {
    let name = name.strip_prefix("/dev/").unwrap_or(name);
    BLOCK_DEVICES.lock().iter().find(|e| e.name == name).map(|e| e.device.clone())
}

/// The virtio-blk disks with their driver-specific interface (statistics, for tests).
pub fn virtio_disks() -> Vec<Arc<virtio_blk::VirtioBlk>> {
    VIRTIO_DISKS.lock().clone()
}

/// Linux's name of the `n`-th virtio disk: vda..vdz, vdaa, vdab, ...
fn disk_name(n: usize) -> String {
    let letter = |i: usize| char::from(b'a' + (i % 26) as u8);
    if n < 26 { format!("vd{}", letter(n)) } else { format!("vd{}{}", letter(n / 26 - 1), letter(n)) }
}

/// Finds and starts every supported device. Call once, from task-free boot code after the
/// executor is installed and interrupts are enabled.
pub fn probe() {
    let devices = pci::enumerate();
    log::info!(target: "pci", "{} PCI functions", devices.len());
    for dev in &devices {
        log::debug!(
            target: "pci",
            "{} {:04x}:{:04x} class {:06x}",
            dev.addr,
            dev.vendor,
            dev.device,
            dev.class
        );
    }
    for dev in devices {
        // Virtio block: modern id 0x1042, or the transitional id 0x1001 (which also has the
        // modern capabilities when the device supports virtio 1.x).
        if dev.vendor != virtio::VIRTIO_VENDOR || !(dev.device == 0x1042 || dev.device == 0x1001) {
            continue;
        }
        let index = VIRTIO_DISKS.lock().len();
        let name = disk_name(index);
        let disk = virtio::VirtioPci::new(dev).and_then(|t| virtio_blk::VirtioBlk::probe(t, name.clone(), index));
        match disk {
            Ok(disk) => {
                VIRTIO_DISKS.lock().push(disk.clone());
                BLOCK_DEVICES.lock().push(BlockDeviceEntry {
                    name,
                    major: VIRTIO_BLK_MAJOR,
                    minor: MINORS_PER_DISK * index as u32,
                    device: disk,
                });
            }
            Err(e) => log::warn!(target: "virtio-blk", "{}: not usable: {e:?}", dev.addr),
        }
    }
}
