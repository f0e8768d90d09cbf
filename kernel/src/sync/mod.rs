//! Synchronisation for async kernel code: wait queues whose waiters are futures.

pub mod wait_queue;

pub use wait_queue::WaitQueue;
