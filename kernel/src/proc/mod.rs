//! Processes and threads.
//!
//! A *thread* (Linux "task") is one executor task running [`task::run_thread`]; it holds the
//! resources it may share with others — address space, file table, filesystem context and
//! signal handlers — as `Arc`s, exactly as `clone` flags choose. A *process* (thread group)
//! owns what all its threads share by definition: ids, parent/children, the process-directed
//! pending signals, job-control state and the exit status its parent collects with `wait4`.

pub mod exec;
pub mod process;
pub mod signal;
pub mod task;
pub mod wait;

pub use process::{Pid, Process, Thread};
