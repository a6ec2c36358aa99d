//! The runner's LISTEN connection: a thread of its own that blocks on
//! PostgreSQL's notifications and calls `wake` when this store's jobs
//! changed. Notifications sent while it is disconnected are lost, so it
//! also calls `wake` after every reconnection (the runner re-reads). It
//! reconnects with backoff and never logs: the runner's own connection
//! tells of outages, and its one-second poll covers the gap.

use std::time::Duration;

use anyhow::Result;
use postgres::fallible_iterator::FallibleIterator;

use super::{PgUrl, CHANNEL};

/// Reconnection backoff: from the first to the second, doubling.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(250), Duration::from_secs(5));

/// Start the thread; it ends with the process.
pub fn spawn(url: PgUrl, wake: Box<dyn Fn() + Send>) -> Result<()> {
    std::thread::Builder::new()
        .name("tick-listen".into())
        .spawn(move || listen(&url, wake.as_ref()))?;
    Ok(())
}

fn listen(url: &PgUrl, wake: &dyn Fn()) {
    let mut backoff = BACKOFF.0;
    loop {
        match listen_once(url, wake) {
            // A session that lasted resets the backoff.
            Ok(()) => backoff = BACKOFF.0,
            Err(_) => {
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(BACKOFF.1);
            }
        }
    }
}

/// One connection's life: LISTEN, wake (changes may have been missed
/// before it: the runner reads its jobs while this thread connects), then
/// wake on every notification for this schema until the connection fails.
fn listen_once(url: &PgUrl, wake: &dyn Fn()) -> Result<()> {
    let mut client = super::connect(url)?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    wake();
    loop {
        {
            let mut notes = client.notifications();
            // Back now and then, to notice a connection that died quietly.
            let mut iter = notes.timeout_iter(Duration::from_secs(30));
            while let Some(n) = iter.next()? {
                if n.payload() == url.schema {
                    wake();
                }
            }
        }
        if client.is_closed() {
            anyhow::bail!("LISTEN connection closed");
        }
        client.batch_execute("SELECT 1")?;
    }
}
