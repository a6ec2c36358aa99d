//! A job store in PostgreSQL, shared by runners on several hosts. The
//! `postgres` crate is used only under this folder.
//!
//! - `mod.rs`: connecting (and reconnecting), transactions, NOTIFY;
//! - `url.rs`: the URL, its password, `~/.pgpass`;
//! - `schema.rs`: tables and migrations in one schema per store;
//! - `jobs.rs`: [`Jobs`](super::Jobs);
//! - `executions.rs`: [`History`](super::History);
//! - `runs.rs`: [`Runs`](super::Runs): due jobs, claims, execution rows;
//! - `runners.rs`: [`Runners`](super::Runners): runners and leases (times
//!   from the database's clock);
//! - `listen.rs`: the LISTEN connection that wakes a runner;
//! - `copy.rs`: `tick copy` into the database.
//!
//! The tables mirror the jobs file's (instants as integer milliseconds,
//! trigger and options as JSON text), so a row decodes the same way from
//! both ([`super::rows`]). Every write is one transaction; those that
//! change jobs also bump the `changes` sequence and NOTIFY channel `tick`
//! with the schema's name, on commit.
//!
//! A lost connection is dropped; the next call connects again (the runner's
//! outage logic spaces the tries).

mod backfill;
mod copy;
mod executions;
mod jobs;
mod listen;
mod notices;
mod pausing;
mod runners;
mod runs;
mod schema;
mod url;

use std::cell::RefCell;
use std::time::Duration;

use anyhow::{Context, Result};
use postgres::{Client, Config};

pub use url::{is_url, pgpass_lookup, PgUrl, SslMode};

use super::Location;

/// The channel every store's changes are announced on (payload: schema).
const CHANNEL: &str = "tick";

/// Each tick connection lets the server end it when it sits inside a
/// transaction this long: a runner stopped with SIGSTOP between reading
/// due jobs and claiming them must not hold their row locks (or its
/// runner row) until it is continued.
const IDLE_IN_TRANSACTION: &str = "5s";

/// The instant now on the database's clock, in milliseconds: lease times
/// are decided by one clock for every host.
const NOW_MS: &str = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/// An open PostgreSQL store.
pub struct PgStore {
    conn: RefCell<Conn>,
    location: Location,
    url: PgUrl,
    /// Transactions this store committed (its part of `Runs::version`).
    writes: std::cell::Cell<u64>,
}

/// The connection, if there is one, and whether a claim's transaction
/// (begun by `due_jobs`) is open on it.
struct Conn {
    client: Option<Client>,
    in_claim: bool,
}

impl PgStore {
    /// Connect; with `create`, create or migrate the schema; without it,
    /// `None` when the schema does not exist yet.
    pub fn open(url: &PgUrl, create: bool) -> Result<Option<PgStore>> {
        let location = Location::Postgres(url.clone());
        let mut client = connect(url).with_context(|| format!("cannot connect to {location}"))?;
        let ready = schema::prepare(&mut client, &url.schema, create)
            .with_context(|| format!("cannot prepare {location}"))?;
        if !ready {
            return Ok(None);
        }
        Ok(Some(PgStore {
            conn: RefCell::new(Conn {
                client: Some(client),
                in_claim: false,
            }),
            location,
            url: url.clone(),
            writes: std::cell::Cell::new(0),
        }))
    }

    fn schema(&self) -> &str {
        &self.url.schema
    }

    /// Run `f` on the connection (connecting again if it was lost); an
    /// open claim transaction is rolled back first. A storage error names
    /// the store; usage errors pass as they are.
    fn read<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.borrow_mut();
        let result = conn.client(&self.url).and_then(f);
        conn.settle(&result);
        named(result, &self.location)
    }

    /// One transaction: `f`, then (with `notify`) the change announced,
    /// then COMMIT; on any error, nothing.
    fn write<T>(&self, notify: bool, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let schema = self.schema().to_string();
        let result = self.read(|c| {
            c.batch_execute("BEGIN")?;
            let result = f(c).and_then(|v| {
                c.batch_execute(&commit_sql(&schema, notify))?;
                if notify {
                    // After the commit, never before: a runner polling the
                    // counter must not see it move while the change is
                    // still invisible (it would read the old jobs and keep
                    // them as current). Lost with the connection, the
                    // NOTIFY (sent at the commit) still tells.
                    let _ = c.batch_execute("SELECT nextval('changes')");
                }
                Ok(v)
            });
            if result.is_err() && !c.is_closed() {
                let _ = c.batch_execute("ROLLBACK");
            }
            result
        });
        self.wrote(&result);
        result
    }

    /// Count a commit of this store's own, if `result` says there was one.
    fn wrote<T>(&self, result: &Result<T>) {
        if result.is_ok() {
            self.writes.set(self.writes.get() + 1);
        }
    }
}

/// What ends a write: the announcement of a change (delivered on commit,
/// one per transaction), and the commit.
fn commit_sql(schema: &str, notify: bool) -> String {
    if notify {
        // The schema is a plain name (checked in url.rs): safe as a literal.
        format!("SELECT pg_notify('{CHANNEL}', '{schema}'); COMMIT")
    } else {
        "COMMIT".to_string()
    }
}

impl Conn {
    fn client(&mut self, url: &PgUrl) -> Result<&mut Client> {
        if self.client.as_ref().is_some_and(|c| c.is_closed()) {
            self.client = None;
        }
        if self.client.is_none() {
            self.in_claim = false;
            let mut c = connect(url)?;
            schema::use_schema(&mut c, &url.schema)?;
            self.client = Some(c);
        }
        let Some(client) = self.client.as_mut() else {
            anyhow::bail!("no connection");
        };
        if self.in_claim {
            self.in_claim = false;
            client.batch_execute("ROLLBACK")?;
        }
        Ok(client)
    }

    /// After a call: a connection that broke is dropped, so that the next
    /// call connects again.
    fn settle<T>(&mut self, result: &Result<T>) {
        if result.is_err() && self.client.as_ref().is_some_and(|c| c.is_closed()) {
            self.client = None;
            self.in_claim = false;
        }
    }
}

/// Name the store in a database error; usage errors (an unknown id) pass
/// through as they are.
fn named<T>(result: Result<T>, location: &Location) -> Result<T> {
    result.map_err(|e| {
        if e.is::<postgres::Error>() {
            e.context(crate::store::CannotUse::new(location))
        } else {
            e
        }
    })
}

/// `PGxxx` from the environment, if set and not empty.
fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// The login name of this process's user (libpq's default user).
fn os_user() -> Option<String> {
    if let Some(u) = env("USER").or_else(|| env("LOGNAME")) {
        return Some(u);
    }
    let uid = rustix::process::getuid().as_raw().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2] == uid).then(|| f[0].to_string())
    })
}

/// The connection settings libpq would use: the URL's, else `PGHOST`,
/// `PGPORT`, `PGUSER`, `PGDATABASE`, `PGSSLMODE`, `PGAPPNAME`,
/// `PGCONNECT_TIMEOUT`, else libpq's defaults (the local socket folder,
/// 5432, the login name, a database named like the user, `prefer`).
fn config(url: &PgUrl) -> Result<(Config, SslMode)> {
    let mut hosts = url.hosts.clone();
    if hosts.is_empty() || hosts.iter().all(|(h, _)| h.is_empty()) {
        let port = hosts.first().and_then(|h| h.1);
        hosts = match env("PGHOST") {
            Some(h) => h.split(',').map(|h| (h.to_string(), port)).collect(),
            None if std::path::Path::new("/var/run/postgresql").is_dir() => {
                vec![("/var/run/postgresql".to_string(), port)]
            }
            None => vec![("localhost".to_string(), port)],
        };
    }
    let default_port = env("PGPORT").and_then(|p| p.parse().ok()).unwrap_or(5432);
    let user = url
        .user
        .clone()
        .or_else(|| env("PGUSER"))
        .or_else(os_user)
        .unwrap_or_else(|| "postgres".into());
    let dbname = url
        .dbname
        .clone()
        .or_else(|| env("PGDATABASE"))
        .unwrap_or_else(|| user.clone());
    let sslmode = match (url.sslmode, env("PGSSLMODE")) {
        (Some(m), _) => m,
        (None, Some(m)) => {
            let given = format!("postgres://?sslmode={m}");
            PgUrl::parse(&given)
                .map_err(|_| {
                    crate::error::UsageError::new(format!(
                        "invalid PGSSLMODE '{m}' (valid: disable, prefer, require, verify-full)"
                    ))
                })?
                .sslmode
                .unwrap_or(SslMode::Prefer)
        }
        (None, None) => SslMode::Prefer,
    };
    let mut cfg = Config::new();
    for (h, p) in &hosts {
        cfg.host(h);
        cfg.port(p.unwrap_or(default_port));
    }
    let (first_host, first_port) = (&hosts[0].0, hosts[0].1.unwrap_or(default_port));
    if let Some(pw) = url::password_for(url, first_host, first_port, &dbname, &user) {
        cfg.password(pw);
    }
    cfg.user(&user)
        .dbname(&dbname)
        .application_name(
            &url.application_name
                .clone()
                .or_else(|| env("PGAPPNAME"))
                .unwrap_or_else(|| "tick".into()),
        )
        .connect_timeout(Duration::from_secs(
            url.connect_timeout
                .or_else(|| env("PGCONNECT_TIMEOUT").and_then(|t| t.parse().ok()))
                .unwrap_or(10),
        ))
        // A peer that vanished (a host down, a cable out) is noticed in
        // seconds, not after the system's two hours.
        .keepalives_idle(Duration::from_secs(10))
        .keepalives_interval(Duration::from_secs(5))
        .keepalives_retries(3)
        .tcp_user_timeout(Duration::from_secs(20))
        .ssl_mode(match sslmode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyFull => postgres::config::SslMode::Require,
        });
    Ok((cfg, sslmode))
}

/// Connect as the URL says, TLS as its sslmode says: `prefer` and
/// `require` encrypt without checking the certificate (as libpq does);
/// `verify-full` checks it against the system's roots and the host name.
fn connect(url: &PgUrl) -> Result<Client> {
    let (cfg, sslmode) = config(url)?;
    let check = sslmode == SslMode::VerifyFull;
    let tls = native_tls::TlsConnector::builder()
        .danger_accept_invalid_certs(!check)
        .danger_accept_invalid_hostnames(!check)
        .build()
        .context("cannot set up TLS")?;
    let mut client = cfg.connect(postgres_native_tls::MakeTlsConnector::new(tls))?;
    client.batch_execute(&format!(
        "SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION}'"
    ))?;
    Ok(client)
}

impl super::Store for PgStore {
    fn location(&self) -> &Location {
        &self.location
    }
}

/// Columns as [`rows`](super::rows) decodes them.
impl super::rows::Cells for postgres::Row {
    fn int(&self, i: usize) -> Result<Option<i64>> {
        use postgres::types::Type;
        Ok(match *self.columns()[i].type_() {
            Type::INT2 => self.try_get::<_, Option<i16>>(i)?.map(i64::from),
            Type::INT4 => self.try_get::<_, Option<i32>>(i)?.map(i64::from),
            _ => self.try_get(i)?,
        })
    }
    fn text(&self, i: usize) -> Result<Option<String>> {
        Ok(self.try_get(i)?)
    }
    fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        Ok(self.try_get(i)?)
    }
    fn flag(&self, i: usize) -> Result<bool> {
        Ok(self.try_get(i)?)
    }
}
