//! Where a notice goes: `http://URL` or `https://URL` (a JSON POST) or
//! `mailto:ADDRESS` (local `sendmail -t`). Read and checked when a job is
//! added, so that a typo is an error then rather than a silence later;
//! shown in logs without what could be a secret (a webhook's path, a
//! password): `scheme://host` only.

/// The longest target taken.
pub const MAX_LEN: usize = 2048;

/// A checked target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A webhook: the URL as given, and how it is shown.
    Web { url: String, shown: String },
    /// Mail through the local `sendmail`: one or more addresses, `,`-separated.
    Mail { to: String },
}

impl Target {
    /// Read a target; `Err` says what is wrong with it, in words that fit
    /// after "invalid --notify '...': ".
    pub fn parse(text: &str) -> Result<Target, String> {
        if text.len() > MAX_LEN {
            return Err(format!("it is longer than {MAX_LEN} characters"));
        }
        if let Some(to) = text.strip_prefix("mailto:") {
            check_addresses(to)?;
            return Ok(Target::Mail { to: to.to_string() });
        }
        let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let shown = check_url(text)?;
            return Ok(Target::Web {
                url: text.to_string(),
                shown,
            });
        }
        Err("use http://URL, https://URL or mailto:ADDRESS".into())
    }

    /// How the target is shown in logs and to people: `scheme://host[:port]`
    /// (with `/…` when there was more) or `mailto:ADDRESS`.
    pub fn shown(&self) -> String {
        match self {
            Target::Web { shown, .. } => shown.clone(),
            Target::Mail { to } => format!("mailto:{to}"),
        }
    }
}

/// A target as it may be shown whether or not it is valid: for anything
/// with `://`, the scheme and host only; `mailto:` as is; else the first
/// 40 characters.
pub fn redact(text: &str) -> String {
    if let Some((scheme, rest)) = text.split_once("://") {
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let host = rest[..end].rsplit('@').next().unwrap_or("");
        let more = if end < rest.len() || rest[..end].contains('@') {
            "/…"
        } else {
            ""
        };
        return format!("{scheme}://{host}{more}");
    }
    if text.starts_with("mailto:") {
        return text.to_string();
    }
    text.chars().take(40).collect()
}

/// An http(s) URL: a host (name, IPv4 or `[IPv6]`), an optional port, and
/// no spaces or control characters anywhere. Returns how it is shown.
fn check_url(url: &str) -> Result<String, String> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a URL has no spaces or control characters (write a space as %20)".into());
    }
    let (_, rest) = url.split_once("://").unwrap_or(("", url));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let (host, port) = match host_port.strip_prefix('[') {
        Some(v6) => {
            let (h, after) = v6
                .split_once(']')
                .ok_or("an IPv6 host needs its closing ]")?;
            if h.is_empty()
                || !h
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            {
                return Err(format!("'[{h}]' is not an IPv6 address"));
            }
            (
                host_port[..h.len() + 2].to_string(),
                after.strip_prefix(':'),
            )
        }
        None => match host_port.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (host_port.to_string(), None),
        },
    };
    let name_ok = host
        .split('.')
        .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if host.is_empty() || (!host.starts_with('[') && !name_ok) {
        return Err(format!("'{host}' is not a host name or address"));
    }
    if let Some(p) = port {
        if p.parse::<u16>().map_or(true, |n| n == 0) {
            return Err(format!("port '{p}' is not a number from 1 to 65535"));
        }
    }
    let scheme = &url[..url.find("://").unwrap_or(0)];
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    let more = if end < rest.len() || authority.contains('@') {
        "/…"
    } else {
        ""
    };
    Ok(format!(
        "{}://{host}{port}{more}",
        scheme.to_ascii_lowercase()
    ))
}

/// `user@example.com`, a local user such as `root`, or several of them
/// separated by commas (as cron's `MAILTO` takes them): letters, digits
/// and `._%+=-` before an optional `@domain`, never starting with `-`.
fn check_addresses(to: &str) -> Result<(), String> {
    if to.trim().is_empty() {
        return Err("give an address after mailto:, e.g. mailto:ops@example.com".into());
    }
    for one in to.split(',') {
        let one = one.trim();
        let (local, domain) = match one.split_once('@') {
            Some((l, d)) => (l, Some(d)),
            None => (one, None),
        };
        let local_ok = !local.is_empty()
            && !local.starts_with('-')
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._%+=-".contains(c));
        let domain_ok = domain.is_none_or(|d| {
            !d.is_empty()
                && d.split('.').all(|l| {
                    !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        });
        if !local_ok || !domain_ok {
            return Err(format!(
                "'{}' is not a mail address (like ops@example.com, or a local user like root)",
                crate::escape::text(one, crate::escape::Newlines::Escape)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_and_shown_without_secrets() {
        let t = Target::parse("https://hooks.slack.com/services/T0/B0/SECRET").unwrap();
        assert_eq!(t.shown(), "https://hooks.slack.com/…");
        let t = Target::parse("http://user:pw@127.0.0.1:8080").unwrap();
        assert_eq!(t.shown(), "http://127.0.0.1:8080/…");
        let t = Target::parse("https://[::1]:9/x").unwrap();
        assert_eq!(t.shown(), "https://[::1]:9/…");
        assert_eq!(
            Target::parse("https://ntfy.sh").unwrap().shown(),
            "https://ntfy.sh"
        );
        assert_eq!(
            Target::parse("mailto:ops@example.com,root").unwrap(),
            Target::Mail {
                to: "ops@example.com,root".into()
            }
        );
        for bad in [
            "ftp://x",
            "hooks.slack.com",
            "https://",
            "https://a b",
            "https://x:0/",
            "https://x:99999/",
            "https://bad_host/",
            "mailto:",
            "mailto:-oQ/tmp@x",
            "mailto:a b@x",
            "mailto:a@x\nBcc: y@z",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(redact("htps://h.example/secret?x"), "htps://h.example/…");
        assert_eq!(redact("https://u:p@h"), "https://h/…");
    }
}
