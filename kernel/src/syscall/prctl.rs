//! `prctl`: the options programs actually use — thread name, parent-death signal, child
//! subreaper, no_new_privs, dumpable. Others return EINVAL as on Linux for unknown options.

use alloc::string::String;
use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::*;
use kairos_abi::signal::valid_signal;

use super::SysResult;
use super::args::{read_bytes, write_bytes, write_val};
use crate::proc::Thread;

/// `prctl(option, arg2, ...)`.
pub fn sys_prctl(t: &Arc<Thread>, option: i32, arg2: u64, _arg3: u64) -> SysResult {
    let p = &t.process;
    match option {
        PR_SET_NAME => {
            let raw = read_bytes(t, arg2, 16)?;
            let end = raw.iter().position(|&b| b == 0).unwrap_or(15).min(15);
            *p.comm.lock() = String::from_utf8_lossy(&raw[..end]).into_owned();
            Ok(0)
        }
        PR_GET_NAME => {
            let mut buf = [0u8; 16];
            let name = p.comm.lock().clone();
            let n = name.len().min(15);
            buf[..n].copy_from_slice(&name.as_bytes()[..n]);
            write_bytes(t, arg2, &buf)?;
            Ok(0)
        }
        PR_SET_PDEATHSIG => {
            let sig = arg2 as u32;
            if sig != 0 && !valid_signal(sig) {
                return Err(Errno::EINVAL.into());
            }
            p.state.lock().pdeath_signal = sig;
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            let sig = p.state.lock().pdeath_signal as i32;
            write_val(t, arg2, &sig)?;
            Ok(0)
        }
        PR_SET_CHILD_SUBREAPER => {
            p.state.lock().child_subreaper = arg2 != 0;
            Ok(0)
        }
        PR_GET_CHILD_SUBREAPER => {
            let v = i32::from(p.state.lock().child_subreaper);
            write_val(t, arg2, &v)?;
            Ok(0)
        }
        PR_SET_NO_NEW_PRIVS => {
            if arg2 != 1 {
                return Err(Errno::EINVAL.into());
            }
            p.state.lock().no_new_privs = true;
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => Ok(isize::from(p.state.lock().no_new_privs)),
        PR_GET_DUMPABLE => Ok(isize::from(p.state.lock().dumpable)),
        PR_SET_DUMPABLE => {
            if arg2 > 1 {
                return Err(Errno::EINVAL.into());
            }
            p.state.lock().dumpable = arg2 == 1;
            Ok(0)
        }
        PR_GET_TIMERSLACK => Ok(p.state.lock().timer_slack_ns as isize),
        PR_SET_TIMERSLACK => {
            p.state.lock().timer_slack_ns = if arg2 == 0 { 50_000 } else { arg2 };
            Ok(0)
        }
        PR_GET_KEEPCAPS => Ok(isize::from(p.state.lock().keep_caps)),
        PR_SET_KEEPCAPS => {
            if arg2 > 1 {
                return Err(Errno::EINVAL.into());
            }
            p.state.lock().keep_caps = arg2 == 1;
            Ok(0)
        }
        _ => {
            log::debug!(target: "syscall", "prctl option {option} not supported");
            Err(Errno::EINVAL.into())
        }
    }
}
