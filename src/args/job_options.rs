//! Job option flags (shared by `add` and `modify`) validated into
//! [`JobOptions`], plus the checks for ids and commands.

use crate::cli::JobOptionArgs;
use crate::error::UsageError;
use crate::escape::{self, Newlines};
use crate::model::{JobOptions, MaxRuns, MisfireGrace, DEFAULT_SHELL, MAX_RETRIES};
use crate::units::parse_duration;

impl JobOptionArgs {
    /// Apply the flags that were given onto `opts`; leave the rest.
    pub fn apply(&self, opts: &mut JobOptions) -> Result<(), UsageError> {
        self.apply_firing(opts)?;
        self.apply_process(opts)?;
        self.apply_history(opts)?;
        self.apply_listeners(opts)?;
        self.apply_notify(opts)?;
        self.apply_retries(opts)?;
        self.apply_limits(opts)
    }

    /// `--pause-after-failures N|none`, `--max-runs N|none` (N runs from
    /// now: the count starts again).
    fn apply_limits(&self, opts: &mut JobOptions) -> Result<(), UsageError> {
        if let Some(text) = &self.pause_after_failures {
            opts.pause_after_failures = count_or_none("--pause-after-failures", text)?;
        }
        if let Some(text) = &self.max_runs {
            opts.max_runs =
                count_or_none("--max-runs", text)?.map(|limit| MaxRuns { limit, started: 0 });
        }
        Ok(())
    }

    /// How it fires: `--max-instances`, `--coalesce`, `--misfire-grace`,
    /// `--timeout`.
    fn apply_firing(&self, opts: &mut JobOptions) -> Result<(), UsageError> {
        if let Some(n) = self.max_instances {
            if n == 0 {
                return Err(UsageError::new(
                    "invalid --max-instances 0: it must be at least 1",
                ));
            }
            opts.max_instances = n;
        }
        if let Some(p) = &self.overlap {
            opts.overlap = p
                .parse()
                .map_err(|e: String| UsageError::new(e.replace("overlap policy", "--overlap")))?;
        }
        if self.coalesce {
            opts.coalesce = true;
        }
        if self.no_coalesce {
            opts.coalesce = false;
        }
        if let Some(g) = &self.misfire_grace {
            opts.misfire_grace = misfire_grace(g)?;
        }
        if let Some(t) = &self.timeout {
            opts.timeout = if t.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(parse_timeout(t).map_err(|e| UsageError::new(format!("{e}, or none")))?)
            };
        }
        Ok(())
    }

    /// Where and with what it runs: `--cwd`, `--env`, `--shell`.
    fn apply_process(&self, opts: &mut JobOptions) -> Result<(), UsageError> {
        if let Some(dir) = &self.cwd {
            opts.cwd = Some(cwd(dir)?);
        }
        if let Some(shell) = &self.shell {
            opts.shell = shell_path("--shell", shell)?;
        }
        for kv in &self.env {
            let (k, v) = parse_env(kv)?;
            opts.env.insert(k, v);
        }
        Ok(())
    }

    /// `--keep-history`.
    fn apply_history(&self, opts: &mut JobOptions) -> Result<(), UsageError> {
        if let Some(n) = self.keep_history {
            if n == 0 {
                return Err(UsageError::new(
                    "invalid --keep-history 0: keep at least 1 execution (prune with 'tick prune')",
                ));
            }
            opts.keep_history = n;
        }
        Ok(())
    }

    /// `--on-success`, `--on-failure` (`none` removes one).
    fn apply_listeners(&self, opts: &mut JobOptions) -> Result<(), UsageError> {
        for (flag, value, slot) in [
            ("--on-success", &self.on_success, &mut opts.on_success),
            ("--on-failure", &self.on_failure, &mut opts.on_failure),
        ] {
            if let Some(cmd) = value {
                if cmd.trim().is_empty() {
                    return Err(UsageError::new(format!(
                        "invalid {flag} '': give a command, or none to remove the listener"
                    )));
                }
                *slot = (!cmd.eq_ignore_ascii_case("none")).then(|| cmd.clone());
            }
        }
        Ok(())
    }

    /// `--retries`, `--retry-delay`, `--retry-max-delay` (not shorter
    /// than the delay, whichever of them was given).
    fn apply_retries(&self, opts: &mut JobOptions) -> Result<(), UsageError> {
        if let Some(n) = self.retries {
            opts.retries = parse_retries(n)?;
        }
        for (flag, value, slot) in [
            ("--retry-delay", &self.retry_delay, &mut opts.retry_delay),
            (
                "--retry-max-delay",
                &self.retry_max_delay,
                &mut opts.retry_max_delay,
            ),
        ] {
            if let Some(text) = value {
                *slot = match parse_duration(text) {
                    Ok(0) => {
                        return Err(UsageError::new(format!(
                            "invalid {flag} '{text}': use at least 1s"
                        )))
                    }
                    Ok(secs) => secs,
                    Err(e) => return Err(UsageError::new(format!("{flag}: {e}"))),
                };
            }
        }
        if opts.retry_max_delay < opts.retry_delay {
            return Err(UsageError::new(format!(
                "invalid --retry-max-delay '{}': it is shorter than --retry-delay '{}'",
                crate::units::format_duration(opts.retry_max_delay),
                crate::units::format_duration(opts.retry_delay)
            )));
        }
        Ok(())
    }
}

impl crate::ops::jobs::OptionEdits for JobOptionArgs {
    fn apply_to(&self, opts: &mut JobOptions) -> Result<(), UsageError> {
        self.apply(opts)
    }
}

/// A count of at least 1, or `none`.
fn count_or_none(flag: &str, text: &str) -> Result<Option<u32>, UsageError> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(UsageError::new(format!(
            "invalid {flag} '{text}': give a whole number from 1 to {}, or none",
            u32::MAX
        ))),
    }
}

/// `--cwd DIR`: an existing folder, made absolute, as the text it is
/// stored as (a path that is not UTF-8 is refused, not mangled).
pub fn cwd(dir: &std::path::Path) -> Result<String, UsageError> {
    if dir.to_str().is_none() {
        let shown = escape::bytes(dir.as_os_str().as_encoded_bytes(), Newlines::Escape);
        return Err(UsageError::new(format!(
            "invalid --cwd '{}': it is not valid UTF-8: tick keeps jobs as text, so give a folder whose path is UTF-8",
            String::from_utf8_lossy(&shown)
        )));
    }
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !abs.is_dir() {
        return Err(UsageError::new(format!(
            "invalid --cwd '{}': not an existing folder",
            dir.display()
        )));
    }
    Ok(abs.to_string_lossy().into_owned())
}

/// The folder `tick add` runs in, recorded as the job's cwd when no
/// `--cwd` is given (as pueue does): a job then runs where it was added,
/// whichever runner or `tick fire` runs it. One that cannot be recorded
/// (deleted, or not UTF-8) is an error asking for `--cwd`.
pub fn current_dir() -> Result<String, UsageError> {
    let here = std::env::current_dir().map_err(|e| {
        UsageError::new(format!(
            "cannot read the current folder, where the job would run ({e}): give --cwd DIR"
        ))
    })?;
    here.to_str().map(str::to_string).ok_or_else(|| {
        let shown = escape::bytes(here.as_os_str().as_encoded_bytes(), Newlines::Escape);
        UsageError::new(format!(
            "the current folder '{}', where the job would run, is not valid UTF-8: tick keeps jobs as text, so give --cwd DIR",
            String::from_utf8_lossy(&shown)
        ))
    })
}

/// `--retries N`: 0 to [`MAX_RETRIES`]. The one check of every command
/// that takes it (`add`, `modify`, `fire`).
pub fn parse_retries(n: u32) -> Result<u32, UsageError> {
    if n > MAX_RETRIES {
        return Err(UsageError::new(format!(
            "invalid --retries {n}: at most {MAX_RETRIES}"
        )));
    }
    Ok(n)
}

/// `--timeout DURATION`: at least one second. The one check of every
/// command that takes a timeout (`add`, `modify`, `fire`).
pub fn parse_timeout(text: &str) -> Result<u64, UsageError> {
    match parse_duration(text) {
        Ok(0) => Err(UsageError::new(format!(
            "invalid --timeout '{text}': use at least 1s"
        ))),
        Ok(secs) => Ok(secs),
        Err(e) => Err(UsageError::new(format!("--timeout: {e}"))),
    }
}

/// `--misfire-grace`: `auto`, `none`, or a duration.
fn misfire_grace(text: &str) -> Result<MisfireGrace, UsageError> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(MisfireGrace::Auto);
    }
    if text.eq_ignore_ascii_case("none") {
        return Ok(MisfireGrace::Unlimited);
    }
    parse_duration(text)
        .map(MisfireGrace::Within)
        .map_err(|e| UsageError::new(format!("--misfire-grace: {e}, auto, or none")))
}

/// The longest string the kernel passes to a program as one argument or
/// one `KEY=VALUE` of its environment, counting the NUL that ends it:
/// Linux's `MAX_ARG_STRLEN` (32 pages of 4 KiB). A job's command is one
/// argument (`/bin/sh -c COMMAND`): a longer one would fail at every fire.
pub const MAX_ARG_BYTES: usize = 128 * 1024;

/// A string tick passes to the kernel when it starts a command (`what`
/// names it): no NUL (which would end it), and within [`MAX_ARG_BYTES`].
/// The one check of commands (also those of `tick import`) and of
/// environment variables, on the command line and over HTTP.
pub fn check_exec_string(what: &str, text: &str) -> Result<(), UsageError> {
    if text.contains('\0') {
        return Err(UsageError::new(format!(
            "invalid {what}: it contains a NUL byte, which no program can be given"
        )));
    }
    if text.len() >= MAX_ARG_BYTES {
        return Err(UsageError::new(format!(
            "invalid {what}: it is {} bytes, over the {} bytes (128 KiB with its NUL) that Linux passes as one argument or environment variable (MAX_ARG_STRLEN)",
            text.len(),
            MAX_ARG_BYTES - 1
        )));
    }
    Ok(())
}

/// An environment variable's name: not empty, letters, digits and `_`,
/// not starting with a digit (so no `=` and no NUL). `flag` and `given`
/// say where it came from in the message.
pub fn check_env_name(flag: &str, given: &str, name: &str) -> Result<(), UsageError> {
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(UsageError::new(format!(
            "invalid {flag} '{}': the name '{}' must be letters, digits and _, not starting with a digit",
            escape::text(given, Newlines::Escape),
            escape::text(name, Newlines::Escape)
        )));
    }
    Ok(())
}

/// `KEY=VALUE` with a portable variable name, as the kernel can pass it.
fn parse_env(kv: &str) -> Result<(String, String), UsageError> {
    let (k, v) = kv.split_once('=').ok_or_else(|| {
        UsageError::new(format!(
            "invalid --env '{}': expected KEY=VALUE",
            escape::text(kv, Newlines::Escape)
        ))
    })?;
    check_env_name("--env", kv, k)?;
    check_exec_string(&format!("--env {k}"), kv)?;
    Ok((k.to_string(), v.to_string()))
}

/// A job id: 1-64 of letters, digits, `.`, `_`, `-`, not starting with
/// `-`, and not `.` or `..` (which a path such as the page's link to the
/// job, `/jobs/ID`, would read as a folder).
pub fn validate_id(id: &str) -> Result<(), UsageError> {
    let valid = !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('-')
        && id != "."
        && id != ".."
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(UsageError::new(format!(
            "invalid job id '{}': use 1 to 64 letters, digits, '.', '_' or '-', not starting with '-', and not . or .. alone",
            escape::text(id, Newlines::Escape)
        )))
    }
}

/// One word is taken as a shell string as is (`-- 'a | b'`); several are
/// joined with shell quoting so each stays one argument.
pub fn join_command(words: &[String]) -> Result<String, UsageError> {
    let command = match words {
        [one] => one.clone(),
        many => shell_words::join(many),
    };
    if command.trim().is_empty() {
        return Err(UsageError::new("the command after -- is empty"));
    }
    Ok(command)
}

/// A name shown in listings: not blank, one line, no control characters
/// (an ESC in a name would reach every terminal that lists it).
pub fn validate_name(name: &str) -> Result<(), UsageError> {
    if name.trim().is_empty() || name.contains(char::is_control) {
        return Err(UsageError::new(format!(
            "invalid --name {name:?}: it must be one line of text without control characters, not blank"
        )));
    }
    Ok(())
}

/// A shell command tick will run (a job's with its `shell`, or a
/// listener's with `/bin/sh`) that the kernel cannot pass
/// ([`check_exec_string`]) or the shell cannot even read: refused now
/// rather than failing at every fire.
pub fn check_shell(what: &str, command: &str, shell: &str) -> Result<(), UsageError> {
    check_exec_string(what, command)?;
    crate::executor::check_syntax(what, command, shell)
}

/// `--shell PATH` (`what` names where it came from: `--shell`, or a
/// crontab's `SHELL`): an absolute path to an executable file, checked
/// when it is given rather than failing at every fire.
pub fn shell_path(what: &str, path: &str) -> Result<String, UsageError> {
    let shown = escape::text(path, Newlines::Escape);
    if !path.starts_with('/') {
        return Err(UsageError::new(format!(
            "invalid {what} '{shown}': give the shell's absolute path, e.g. /bin/bash"
        )));
    }
    check_exec_string(what, path)?;
    let p = std::path::Path::new(path);
    if !p.exists() {
        return Err(UsageError::new(format!(
            "invalid {what} '{shown}': no such file"
        )));
    }
    let executable = rustix::fs::access(p, rustix::fs::Access::EXEC_OK).is_ok();
    if !p.is_file() || !executable {
        return Err(UsageError::new(format!(
            "invalid {what} '{shown}': not an executable file"
        )));
    }
    Ok(path.to_string())
}

impl JobOptionArgs {
    /// The listener commands given (not `none`), each checked by
    /// [`check_shell`].
    pub fn check_listeners(&self) -> Result<(), UsageError> {
        for (flag, value) in [
            ("--on-success", &self.on_success),
            ("--on-failure", &self.on_failure),
        ] {
            if let Some(cmd) = value.as_deref().filter(|c| !c.eq_ignore_ascii_case("none")) {
                check_shell(flag, cmd, DEFAULT_SHELL)?;
            }
        }
        Ok(())
    }

    /// The name the flags give: `Some(None)` for `--name none` (no name).
    pub fn name(&self) -> Result<Option<Option<String>>, UsageError> {
        match &self.name {
            None => Ok(None),
            Some(n) if n.eq_ignore_ascii_case("none") => Ok(Some(None)),
            Some(n) => {
                validate_name(n)?;
                Ok(Some(Some(n.clone())))
            }
        }
    }
}
