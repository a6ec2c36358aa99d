//! The runner's log: one line per event on stderr,
//! `2026-11-22T10:00:00.000Z  INFO  job backup started`. Every time in it,
//! the line's own and those in its messages, is written by [`time`]: RFC
//! 3339 in UTC, to the millisecond. Colour only when
//! stderr is a terminal and `NO_COLOR` is unset. Lines go through
//! [`crate::echo::LOG`]: bounded, dropped and counted when stderr does not
//! keep up, never a stall.

use std::io::IsTerminal;

use chrono::{DateTime, SecondsFormat, Utc};

/// An instant as the log writes it: `2026-11-22T10:00:00.000Z`.
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

#[derive(Debug, Clone)]
pub struct Logger {
    color: bool,
    /// `None`: say nothing (tests).
    max: Option<Level>,
}

impl Logger {
    /// `verbose` 0 = info, 1+ = debug; `quiet` = warnings and errors only.
    pub fn new(verbose: u8, quiet: bool) -> Logger {
        let color = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let max = match (quiet, verbose) {
            (true, _) => Level::Warn,
            (false, 0) => Level::Info,
            _ => Level::Debug,
        };
        Logger {
            color,
            max: Some(max),
        }
    }

    /// A logger that says nothing.
    pub fn silent() -> Logger {
        Logger {
            color: false,
            max: None,
        }
    }

    /// Whether debug lines are shown (`-v`): worth checking before building
    /// one on a hot path.
    pub fn debugging(&self) -> bool {
        self.max.is_some_and(|max| max >= Level::Debug)
    }

    pub fn log(&self, level: Level, msg: &str) {
        if self.max.is_none_or(|max| level > max) {
            return;
        }
        let (name, code) = match level {
            Level::Error => ("ERROR", "\x1b[31m"),
            Level::Warn => (" WARN", "\x1b[33m"),
            Level::Info => (" INFO", "\x1b[32m"),
            Level::Debug => ("DEBUG", "\x1b[2m"),
        };
        let now = time(Utc::now());
        let line = if self.color {
            format!("\x1b[2m{now}\x1b[0m {code}{name}\x1b[0m {msg}\n")
        } else {
            format!("{now} {name} {msg}\n")
        };
        // Never blocks: a stderr nobody reads must not stall the runner.
        crate::echo::LOG.push(b"", line.as_bytes());
    }

    pub fn info(&self, msg: &str) {
        self.log(Level::Info, msg)
    }
    pub fn warn(&self, msg: &str) {
        self.log(Level::Warn, msg)
    }
    pub fn error(&self, msg: &str) {
        self.log(Level::Error, msg)
    }
    pub fn debug(&self, msg: &str) {
        self.log(Level::Debug, msg)
    }
}
