//! `tick serve` and `tick run --http` (docs/http.md) through a real HTTP client
//! (ureq) and raw sockets, on a random local port: every endpoint, every
//! refusal (and that it wrote nothing), the limits, hostile text on the
//! page, its pictures and forms (`pictures.rs`, `forms.rs`), `/metrics`
//! through Prometheus' own parser, and the page in a real headless browser
//! (`browser.rs`, `screens.rs`). Every server a test starts is
//! killed when the test ends, however it ends.

mod api;
mod browser;
mod forms;
mod hardening;
mod harness;
mod metrics;
mod page;
mod pictures;
mod refusals;
mod screens;

pub use harness::*;
