//! 16550 UART driver: polled output (safe from any context) and the receive interrupt that
//! moves bytes into a lock-free queue. The async byte stream built on it is `crate::console`.

use super::port::{inb, outb};

/// COM1: the console.
pub const COM1: u16 = 0x3f8;
/// COM2: the trace/debug channel.
pub const COM2: u16 = 0x2f8;
/// ISA IRQ line of COM1.
pub const COM1_IRQ: u8 = 4;

const DATA: u16 = 0;
const IER: u16 = 1;
const FCR: u16 = 2;
const LCR: u16 = 3;
const MCR: u16 = 4;
const LSR: u16 = 5;

const LSR_DATA_READY: u8 = 1;
const LSR_THR_EMPTY: u8 = 1 << 5;
const MCR_DTR_RTS_OUT2: u8 = 0x0b;
const MCR_LOOPBACK: u8 = 0x10;

fn init_port(base: u16) {
    outb(base + IER, 0x00);
    outb(base + LCR, 0x80); // DLAB
    outb(base + DATA, 0x01); // 115200 baud
    outb(base + IER, 0x00);
    outb(base + LCR, 0x03); // 8N1
    outb(base + FCR, 0xc7); // FIFO on, cleared, 14-byte threshold
    outb(base + MCR, MCR_DTR_RTS_OUT2);
}

/// Programs COM1 (and COM2) for polled output; called first thing at boot.
pub fn init_early() {
    init_port(COM1);
    init_port(COM2);
}

/// Enables the receive-data interrupt on COM1.
pub fn enable_rx_interrupt() {
    outb(COM1 + IER, 0x01);
}

/// Writes bytes to a UART, spinning on the transmit-empty bit. Converts `\n` to `\r\n` when
/// `crlf` is set.
pub fn write_bytes(base: u16, bytes: &[u8], crlf: bool) {
    for &b in bytes {
        if crlf && b == b'\n' {
            put(base, b'\r');
        }
        put(base, b);
    }
}

fn put(base: u16, b: u8) {
    while inb(base + LSR) & LSR_THR_EMPTY == 0 {
        core::hint::spin_loop();
    }
    outb(base + DATA, b);
}

/// Reads one received byte from COM1 if the UART holds one.
pub fn try_read() -> Option<u8> {
    if inb(COM1 + LSR) & LSR_DATA_READY != 0 { Some(inb(COM1 + DATA)) } else { None }
}

/// Turns COM1's internal loopback on or off (transmitted bytes come back as received bytes,
/// interrupts included). Used by the kernel self-tests.
pub fn set_loopback(on: bool) {
    let mcr = if on { MCR_DTR_RTS_OUT2 | MCR_LOOPBACK } else { MCR_DTR_RTS_OUT2 };
    outb(COM1 + MCR, mcr);
}
