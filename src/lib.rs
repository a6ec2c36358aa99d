//! tick: a cron replacement driven from the terminal.
//!
//! The crate is a library with a thin binary (`src/main.rs`), so tests reach
//! every module in-process. Arrows point down only, floor by floor:
//! `main → {commands, http} → {cli, args, output} → {scheduler, ops} →
//! {executor, store, listener, crontab, notify} → {trigger, model} → {error, clock,
//! units, escape, echo, log, process, rfc3339}`; `commands` starts `http`
//! (`tick serve`, `tick run --http`). `tests/integration/layering.rs` holds
//! the table and checks it.

pub mod args;
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
pub mod notify;
pub mod ops;
pub mod output;
pub mod process;
pub mod rfc3339;
pub mod scheduler;
pub mod store;
pub mod trigger;
pub mod units;
