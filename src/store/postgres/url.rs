//! Where a PostgreSQL store is: a `postgres://` or `postgresql://` URL in
//! libpq's form, read into [`PgUrl`] before anything connects, and the
//! password it needs (from the URL, `PGPASSWORD` or `~/.pgpass`).
//!
//! A password never leaves this file in any text: [`PgUrl`]'s `Display`
//! and `Debug` show the URL as given with the password taken out.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::UsageError;

/// libpq's `sslmode`, as far as tick supports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, without checking its certificate
    /// (libpq's default).
    Prefer,
    /// TLS or no connection; the certificate is not checked (as in libpq).
    Require,
    /// TLS with the certificate checked against the system's roots and the
    /// host name.
    VerifyFull,
}

const SSLMODES: &str = "disable, prefer, require, verify-full";

/// Query parameters tick reads; anything else is refused.
const PARAMETERS: &str =
    "host, port, user, password, dbname, sslmode, application_name, connect_timeout, schema";

/// A parsed PostgreSQL URL.
#[derive(Clone, PartialEq, Eq)]
pub struct PgUrl {
    /// The URL as given, without its password: what every message shows.
    shown: String,
    /// Host names, addresses or socket folders (starting with `/`), each
    /// with its port if one was given; empty: `PGHOST` or the default.
    pub hosts: Vec<(String, Option<u16>)>,
    pub user: Option<String>,
    password: Option<String>,
    pub dbname: Option<String>,
    pub sslmode: Option<SslMode>,
    pub application_name: Option<String>,
    pub connect_timeout: Option<u64>,
    /// The schema holding tick's tables (`?schema=`, default `tick`).
    pub schema: String,
}

impl fmt::Display for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgUrl({})", self.shown)
    }
}

/// Whether `--db`/`TICK_DB` names a PostgreSQL store rather than a file.
pub fn is_url(s: &str) -> bool {
    let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

fn bad(url: &str, what: impl fmt::Display) -> UsageError {
    UsageError::new(format!("invalid PostgreSQL URL {url}: {what}"))
}

/// `%XX` escapes decoded; the result must be UTF-8.
fn decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("'{}' is not a %XX escape", s.get(i..).unwrap_or("%")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "an escape is not UTF-8".to_string())
}

fn parse_port(url: &str, p: &str) -> Result<u16, UsageError> {
    p.parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| bad(url, format!("port '{p}' is not a number from 1 to 65535")))
}

/// `host[:port]`, `[v6]:port` or a `%2F`-escaped socket folder.
fn parse_host(url: &str, part: &str) -> Result<(String, Option<u16>), UsageError> {
    let (host, port) = if let Some(rest) = part.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| bad(url, format!("'{part}' lacks its closing ']'")))?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match part.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (part.to_string(), None),
        }
    };
    let host = decode(&host).map_err(|e| bad(url, e))?;
    let port = port.map(|p| parse_port(url, p)).transpose()?;
    Ok((host, port))
}

fn parse_sslmode(url: &str, v: &str) -> Result<SslMode, UsageError> {
    match v {
        "disable" => Ok(SslMode::Disable),
        "prefer" => Ok(SslMode::Prefer),
        "require" => Ok(SslMode::Require),
        "verify-full" => Ok(SslMode::VerifyFull),
        other => Err(bad(
            url,
            format!("unknown sslmode '{other}' (valid: {SSLMODES})"),
        )),
    }
}

/// A schema name as PostgreSQL folds an unquoted one: tick quotes it, so
/// only plain names are accepted.
fn check_schema(url: &str, s: &str) -> Result<(), UsageError> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(bad(
            url,
            format!("schema '{s}' is not a plain name (lower-case letters, digits and _, at most 63, not starting with a digit)"),
        ))
    }
}

/// The URL as shown: the password cut out of the user part and of the
/// query.
fn shown_text(
    scheme: &str,
    userinfo: Option<&str>,
    hostlist: &str,
    path: &str,
    query: &str,
) -> String {
    let shown_user = userinfo.map(|u| u.split_once(':').map_or(u, |(name, _)| name));
    let shown_query: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("password="))
        .collect();
    let mut shown = format!("{scheme}://");
    if let Some(u) = shown_user {
        shown.push_str(u);
        shown.push('@');
    }
    shown.push_str(hostlist);
    if !path.is_empty() {
        shown.push('/');
        shown.push_str(path);
    }
    if !shown_query.is_empty() {
        shown.push('?');
        shown.push_str(&shown_query.join("&"));
    }
    shown
}

impl PgUrl {
    /// Read a URL; every error names the bad part and what would be valid,
    /// never the password.
    pub fn parse(raw: &str) -> Result<PgUrl, UsageError> {
        let (scheme, rest) = raw.split_once("://").unwrap_or(("", raw));
        // The user part ends at the LAST '@': a password may hold '/', '?'
        // or '@' unescaped and still never be read as anything else (an '@'
        // after it must be written %40).
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((u, r)) => (Some(u), r),
            None => (None, rest),
        };
        let (body, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (hostlist, path) = body.split_once('/').unwrap_or((body, ""));
        let shown = shown_text(scheme, userinfo, hostlist, path, query);
        let url = shown.as_str();

        let mut out = PgUrl {
            shown: shown.clone(),
            hosts: Vec::new(),
            user: None,
            password: None,
            dbname: None,
            sslmode: None,
            application_name: None,
            connect_timeout: None,
            schema: "tick".into(),
        };
        if let Some(u) = userinfo {
            out.set_userinfo(url, u)?;
        }
        if !hostlist.is_empty() {
            for part in hostlist.split(',') {
                out.hosts.push(parse_host(url, part)?);
            }
        }
        if !path.is_empty() {
            out.dbname = Some(decode(path).map_err(|e| bad(url, e))?);
        }
        let (schema, ports) = out.set_query(url, query)?;
        out.set_ports(url, ports)?;
        if let Some(s) = schema {
            check_schema(url, &s)?;
            out.schema = s;
        }
        Ok(out)
    }

    /// The user part: a user name and maybe a password.
    fn set_userinfo(&mut self, url: &str, u: &str) -> Result<(), UsageError> {
        let (name, pass) = match u.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (u, None),
        };
        if !name.is_empty() {
            self.user = Some(decode(name).map_err(|e| bad(url, e))?);
        }
        if let Some(p) = pass {
            // Never quote the password's text back.
            self.password =
                Some(decode(p).map_err(|_| bad(url, "the password has a bad %XX escape"))?);
        }
        Ok(())
    }

    /// libpq's parameters after `?`; returns the schema and ports given,
    /// which are checked once everything is read.
    fn set_query(
        &mut self,
        url: &str,
        query: &str,
    ) -> Result<(Option<String>, Vec<u16>), UsageError> {
        let mut schema = None;
        let mut ports = Vec::new();
        for kv in query.split('&').filter(|kv| !kv.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            if k == "password" {
                self.password =
                    Some(decode(v).map_err(|_| bad(url, "the password has a bad %XX escape"))?);
                continue;
            }
            let v = decode(v).map_err(|e| bad(url, e))?;
            match k {
                "host" => self.hosts = v.split(',').map(|h| (h.to_string(), None)).collect(),
                "port" => {
                    ports = v
                        .split(',')
                        .map(|p| parse_port(url, p))
                        .collect::<Result<_, _>>()?;
                }
                "user" => self.user = Some(v),
                "dbname" => self.dbname = Some(v),
                "sslmode" => self.sslmode = Some(parse_sslmode(url, &v)?),
                "application_name" => self.application_name = Some(v),
                "connect_timeout" => {
                    self.connect_timeout = Some(v.parse().map_err(|_| {
                        bad(
                            url,
                            format!("connect_timeout '{v}' is not a number of seconds"),
                        )
                    })?)
                }
                "schema" => schema = Some(v),
                other => {
                    let valid = format!("unknown parameter '{other}' (valid: {PARAMETERS})");
                    return Err(bad(url, valid));
                }
            }
        }
        Ok((schema, ports))
    }

    /// `port=`: one for every host, or one per host.
    fn set_ports(&mut self, url: &str, ports: Vec<u16>) -> Result<(), UsageError> {
        if ports.is_empty() {
            return Ok(());
        }
        if self.hosts.is_empty() {
            self.hosts.push((String::new(), None));
        }
        if ports.len() != 1 && ports.len() != self.hosts.len() {
            return Err(bad(url, "give one port, or one per host"));
        }
        for (i, h) in self.hosts.iter_mut().enumerate() {
            h.1 = Some(ports[i.min(ports.len() - 1)]);
        }
        Ok(())
    }

    /// The password given in the URL itself, if any.
    pub fn url_password(&self) -> Option<&str> {
        self.password.as_deref()
    }
}

/// One `~/.pgpass` line's fields, `\:` and `\\` unescaped; `None` for a
/// comment, a blank or malformed line.
fn pgpass_fields(line: &str) -> Option<[String; 5]> {
    if line.starts_with('#') || line.trim().is_empty() {
        return None;
    }
    let mut fields: Vec<String> = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut()?.push(chars.next().unwrap_or('\\')),
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut()?.push(c),
        }
    }
    fields.try_into().ok()
}

/// The password of the first line of a `.pgpass` text that matches host,
/// port, database and user (`*` matches anything), as libpq reads it.
pub fn pgpass_lookup(text: &str, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let port = port.to_string();
    text.lines().filter_map(pgpass_fields).find_map(|f| {
        let matches = |field: &str, value: &str| field == "*" || field == value;
        (matches(&f[0], host)
            && matches(&f[1], &port)
            && matches(&f[2], db)
            && matches(&f[3], user))
        .then(|| f[4].clone())
    })
}

/// Where libpq looks for the password file: `PGPASSFILE`, else `~/.pgpass`.
fn pgpass_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PGPASSFILE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| Path::new(&h).join(".pgpass"))
}

/// The password for a connection: the URL's, else `PGPASSWORD`, else the
/// first matching line of the password file (which, as libpq insists, must
/// not be readable by group or others: such a file is ignored). A socket
/// folder matches the host `localhost`.
pub fn password_for(url: &PgUrl, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    if let Some(p) = url.url_password() {
        return Some(p.to_string());
    }
    if let Some(p) = std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()) {
        return Some(p);
    }
    let path = pgpass_path()?;
    let meta = std::fs::metadata(&path).ok()?;
    use std::os::unix::fs::PermissionsExt;
    if !meta.is_file() || meta.permissions().mode() & 0o077 != 0 {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let host = if host.starts_with('/') || host.is_empty() {
        "localhost"
    } else {
        host
    };
    pgpass_lookup(&text, host, port, db, user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_no_password() {
        let u = PgUrl::parse("postgres://ann:s3cr%40t@db.example:6543/jobs?sslmode=require&password=other&schema=team_a").unwrap();
        assert_eq!(
            u.to_string(),
            "postgres://ann@db.example:6543/jobs?sslmode=require&schema=team_a"
        );
        assert!(!format!("{u:?}").contains("s3cr"));
        assert_eq!(u.url_password(), Some("other"));
        assert_eq!(u.user.as_deref(), Some("ann"));
        assert_eq!(u.hosts, vec![("db.example".to_string(), Some(6543))]);
        assert_eq!(u.dbname.as_deref(), Some("jobs"));
        assert_eq!(u.sslmode, Some(SslMode::Require));
        assert_eq!(u.schema, "team_a");
    }

    #[test]
    fn socket_folders_ipv6_and_several_hosts() {
        let u = PgUrl::parse("postgresql://%2Fvar%2Frun%2Fpostgresql/db").unwrap();
        assert_eq!(u.hosts, vec![("/var/run/postgresql".to_string(), None)]);
        let u = PgUrl::parse("postgresql:///db?host=/tmp&port=5433").unwrap();
        assert_eq!(u.hosts, vec![("/tmp".to_string(), Some(5433))]);
        let u = PgUrl::parse("postgres://[::1]:5432,b:7/x").unwrap();
        assert_eq!(
            u.hosts,
            vec![("::1".to_string(), Some(5432)), ("b".to_string(), Some(7))]
        );
        assert_eq!(u.schema, "tick");
        assert!(is_url("PostgreSQL://x") && is_url("postgres://") && !is_url("/tmp/postgres://x"));
    }

    #[test]
    fn errors_name_the_value_and_never_the_password() {
        let e = PgUrl::parse("postgres://u:hunter2@h/db?sslmode=allow").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid PostgreSQL URL postgres://u@h/db?sslmode=allow: unknown sslmode 'allow' (valid: disable, prefer, require, verify-full)"
        );
        let e = PgUrl::parse("postgres://u:hunter2@h:99999/db").unwrap_err();
        assert!(e.to_string().contains("port '99999'"), "{e}");
        assert!(!e.to_string().contains("hunter2"));
        let e = PgUrl::parse("postgres://h/db?sslcert=x&password=hunter2").unwrap_err();
        assert!(e.to_string().contains("unknown parameter 'sslcert'"), "{e}");
        assert!(!e.to_string().contains("hunter2"));
        let e = PgUrl::parse("postgres://u:hun%zzter2@h/db").unwrap_err();
        assert!(!e.to_string().contains("hun"), "{e}");
        let u = PgUrl::parse("postgres://u:a/b?c@d@h/db").unwrap();
        assert_eq!(u.to_string(), "postgres://u@h/db");
        assert_eq!(u.url_password(), Some("a/b?c@d"));
        let e = PgUrl::parse("postgres://h/db?schema=Bad-Name").unwrap_err();
        assert!(e.to_string().contains("schema 'Bad-Name'"), "{e}");
    }

    #[test]
    fn pgpass_matches_as_libpq_does() {
        let text = "# comment\n\
                    other:5432:*:ann:nope\n\
                    localhost:5432:jobs:ann:pa\\:ss\\\\word\n\
                    *:*:*:ann:fallback\n";
        assert_eq!(
            pgpass_lookup(text, "localhost", 5432, "jobs", "ann").as_deref(),
            Some("pa:ss\\word")
        );
        assert_eq!(
            pgpass_lookup(text, "db", 1, "x", "ann").as_deref(),
            Some("fallback")
        );
        assert_eq!(pgpass_lookup(text, "db", 1, "x", "bob"), None);
        assert_eq!(pgpass_lookup("a:b:c\n", "a", 1, "c", "d"), None);
    }
}
