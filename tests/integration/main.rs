//! The one integration-test binary: the real `tick` binary on temp files,
//! plus in-process checks of the engine that need many cases.

mod bad_bytes;
mod boundary;
mod clock;
mod combined;
mod crash;
mod crontab;
mod dst;
mod everyday;
mod faults;
mod filters;
mod foreign;
mod fuzz;
mod generated;
mod history;
mod http;
mod jobs;
mod layering;
mod listeners;
mod next;
mod notify;
mod postgres;
mod readme;
mod reference;
mod retries;
mod run;
mod runner_faults;
mod safety;
mod scale;
mod strings;
mod terminal;
mod util;
mod validation;
mod zones;
