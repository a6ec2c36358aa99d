//! A notice to a webhook: one JSON POST with `ureq` (blocking, small; TLS
//! through `native-tls`, the OpenSSL tick already links for PostgreSQL,
//! with the system's root certificates). No redirects followed: a
//! webhook that moved answers 3xx, which counts as a failure. The answer's
//! body is read (at most 64 KiB) and dropped.

use std::io::Read;
use std::sync::OnceLock;
use std::time::Duration;

use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::Agent;

use super::Message;

fn agent(timeout: Duration) -> &'static Agent {
    static AGENT: OnceLock<Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        let tls = TlsConfig::builder()
            .provider(TlsProvider::NativeTls)
            .root_certs(RootCerts::PlatformVerifier)
            .build();
        Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_idle_connections(4)
            .user_agent(concat!("tick/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .build()
            .into()
    })
}

/// POST `message` as JSON to `url` (shown as `shown` in what is said).
pub fn post(url: &str, shown: &str, message: &Message, timeout: Duration) -> Result<(), String> {
    let body = serde_json::to_vec(message).map_err(|e| e.to_string())?;
    // An error may quote the URL: never its secret part.
    let clean = |e: String| e.replace(url, shown);
    let mut response = agent(timeout)
        .post(url)
        .header("Content-Type", "application/json")
        .send(&body[..])
        .map_err(|e| clean(e.to_string()))?;
    let status = response.status();
    let mut sink = Vec::new();
    let _ = response
        .body_mut()
        .as_reader()
        .take(64 * 1024)
        .read_to_end(&mut sink);
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("it answered {status}"))
    }
}
