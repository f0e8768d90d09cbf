//! The CMOS real-time clock, read once at boot to set CLOCK_REALTIME.

use super::port::{inb, outb};

fn read_reg(reg: u8) -> u8 {
    outb(0x70, reg | 0x80); // keep NMIs disabled while selecting
    inb(0x71)
}

fn update_in_progress() -> bool {
    read_reg(0x0a) & 0x80 != 0
}

/// Seconds since the Unix epoch according to the RTC (assumed to be UTC).
pub fn read_unix_seconds() -> u64 {
    let read_all = || {
        while update_in_progress() {
            core::hint::spin_loop();
        }
        [read_reg(0x00), read_reg(0x02), read_reg(0x04), read_reg(0x07), read_reg(0x08), read_reg(0x09), read_reg(0x32)]
    };
    // Read until two consecutive reads agree, so we never see a half-updated time.
    let mut a = read_all();
    loop {
        let b = read_all();
        if a == b {
            break;
        }
        a = b;
    }
    let status_b = read_reg(0x0b);
    let bcd = status_b & 0x04 == 0;
    let conv = |v: u8| if bcd { (v & 0x0f) + (v >> 4) * 10 } else { v };
    let second = u64::from(conv(a[0]));
    let minute = u64::from(conv(a[1]));
    let mut hour = conv(a[2] & 0x7f);
    if status_b & 0x02 == 0 && a[2] & 0x80 != 0 {
        hour = (hour % 12) + 12;
    }
    let day = u64::from(conv(a[3]));
    let month = u64::from(conv(a[4]));
    let century = if a[6] != 0 { u64::from(conv(a[6])) } else { 20 };
    let year = century * 100 + u64::from(conv(a[5]));
    days_from_civil(year, month, day) * 86400 + u64::from(hour) * 3600 + minute * 60 + second
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
