//! tick: a cron replacement driven from the terminal.
//!
//! The crate is a library with a thin binary (`src/main.rs`), so tests reach
//! every module in-process. Arrows point one way:
//! `cli → commands → scheduler → {executor, store} → {trigger, model}`, with `error`, `escape`, `clock` and `echo` at the bottom.

pub mod cli;
pub mod clock;
pub mod commands;
pub mod crontab;
pub mod echo;
pub mod error;
pub mod escape;
pub mod executor;
pub mod http;
pub mod listener;
pub mod log;
pub mod model;
pub mod output;
pub mod process;
pub mod rfc3339;
pub mod scheduler;
pub mod store;
pub mod trigger;
pub mod units;
