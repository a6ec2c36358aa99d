//! The JSON API under `/api/v1`: what `tick list`, `show`, `add`,
//! `modify`, `reschedule`, `pause`, `resume`, `remove`, `history` and
//! `logs` do, through the same operations (`ops/`), with the same JSON as
//! their `--json`. `openapi.json` (served at `/api/v1/openapi.json`) describes it.
//!
//! Inputs become the commands' own argument structs, validated by `args/`: query parameters are
//! parsed by clap as the command line's flags (`?status=failed` is
//! `--status failed`), a trigger is one string of command-line words
//! (`"cron '0 3 * * *' --tz Europe/Berlin"`) parsed like a PART of
//! `any`/`all`, and job options take the names of the `--json` fields.
//! Errors are `{"error": "..."}`: 404 for an unknown job or execution, 400
//! for any other bad input, 409 for a run-now with no live runner, and
//! nothing is written.

use anyhow::Result;
use chrono::Utc;
use clap::Parser;
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};

use super::server::{Request, Response};
use super::App;
use crate::args::job_options::check_env_name;
use crate::args::trigger::{clap_message, parse_part, resolve_tz, Now};
use crate::cli::{AddArgs, HistoryArgs, JobOptionArgs, ListArgs, ModifyArgs, RescheduleArgs};
use crate::error::{chain_text, Conflict, UsageError};
use crate::model::{Execution, RunResult};
use crate::ops::{self, jobs};
use crate::output::{self, DetailsJson, RunnerJson};

/// The OpenAPI 3 document of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

pub fn handle(app: &App, req: &Request, method: &str, segs: &[&str]) -> Response {
    match route(app, req, method, segs) {
        Ok(resp) => resp,
        Err(e) => error_response(&e),
    }
}

fn route(app: &App, req: &Request, method: &str, segs: &[&str]) -> Result<Response> {
    let ctx = &app.ctx;
    Ok(match (method, segs) {
        ("GET", ["openapi.json"]) => Response::new(200, "application/json", OPENAPI),
        ("GET", ["jobs"]) => list_jobs(app, req)?,
        ("POST", ["jobs"]) => {
            // The body is read here, not in add_job: clap's parsers are
            // deep, and an HTTP thread's stack is small.
            add_job(app, &add_args(&json_body(req)?)?)?
        }
        ("GET", ["jobs", id]) => job_response(app, id, 200)?,
        ("PATCH", ["jobs", id]) => {
            let args = modify_args(id, &json_body(req)?)?;
            jobs::modify(ctx, &crate::args::change(&args)?)?;
            job_response(app, id, 200)?
        }
        ("DELETE", ["jobs", id]) => {
            jobs::remove(ctx, &[id.to_string()])?;
            Response::new(204, "application/json", "")
        }
        ("POST", ["jobs", id, action @ ("pause" | "resume")]) => {
            let ids = [id.to_string()];
            if *action == "pause" {
                let body = match req.body.is_empty() {
                    true => Map::new(),
                    false => json_body(req)?,
                };
                jobs::pause(ctx, Some(&ids), &pause_with(&body)?)?;
            } else {
                jobs::resume(ctx, Some(&ids))?;
            }
            job_response(app, id, 200)?
        }
        ("POST", ["jobs", id, "run"]) => {
            jobs::run_now(id, ctx)?;
            job_response(app, id, 202)?
        }
        ("POST", ["jobs", id, "reschedule"]) => {
            let args = reschedule_args(id, &json_body(req)?)?;
            jobs::reschedule(ctx, &args.id, &|now, zone| {
                args.trigger.validate(Now::clock(now), zone)
            })?;
            job_response(app, id, 200)?
        }
        ("GET", ["executions"]) => {
            let args = history_args(req)?;
            let tz = resolve_tz(None)?;
            let execs = ops::history::executions(&crate::args::history_selection(&args), ctx)?;
            let items: Vec<_> = execs
                .iter()
                .map(|e| output::ExecutionJson::new(e, tz))
                .collect();
            json(200, &items)
        }
        ("GET", ["jobs", id, "executions", n]) => {
            let (e, _) = captured(app, id, n)?;
            json(200, &output::ExecutionJson::new(&e, resolve_tz(None)?))
        }
        ("GET", ["jobs", id, "executions", n, "output"]) => {
            let (e, result) = captured(app, id, n)?;
            json(200, &OutputJson::new(&e, &result, resolve_tz(None)?))
        }
        ("GET", ["runners"]) => {
            let now = Utc::now();
            let tz = resolve_tz(None)?;
            let rows = ops::runners::runners(ctx)?;
            let items: Vec<_> = rows.iter().map(|r| RunnerJson::new(r, now, tz)).collect();
            json(200, &items)
        }
        (_, path) => return Ok(not_routed(method, path)),
    })
}

/// 405 for a known path and another method, else 404.
fn not_routed(method: &str, path: &[&str]) -> Response {
    match allowed(path) {
        Some(allow) => Response::error(405, &format!("{method} is not served here; use {allow}"))
            .with("Allow", allow),
        None => Response::error(
            404,
            &format!("no such API path: /api/v1/{}", path.join("/")),
        ),
    }
}

/// The methods a path under `/api/v1` takes.
pub(super) fn allowed(path: &[&str]) -> Option<&'static str> {
    Some(match path {
        ["openapi.json"] | ["executions"] | ["runners"] => "GET",
        ["jobs"] => "GET, POST",
        ["jobs", _] => "GET, PATCH, DELETE",
        ["jobs", _, "pause" | "resume" | "run" | "reschedule"] => "POST",
        ["jobs", _, "executions", _] | ["jobs", _, "executions", _, "output"] => "GET",
        _ => return None,
    })
}

/// The status for an error: 404 for input that names no job or execution,
/// 400 for other bad input, 409 for what the store's state refuses for
/// now (a run-now with no runner), 500 for the rest (the page's too).
pub(super) fn status_of(e: &anyhow::Error) -> u16 {
    if e.chain().any(|c| c.is::<Conflict>()) {
        return 409;
    }
    match e.chain().find_map(|c| c.downcast_ref::<UsageError>()) {
        Some(u) if u.is_missing() => 404,
        Some(_) => 400,
        None => 500,
    }
}

/// An error as the API's JSON.
fn error_response(e: &anyhow::Error) -> Response {
    let msg = chain_text(e);
    Response::error(status_of(e), &crate::error::one_line(&msg))
}

fn json(status: u16, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => Response::new(status, "application/json", body),
        Err(e) => Response::error(500, &format!("cannot write JSON: {e}")),
    }
}

/// `POST /api/v1/jobs`: add the job, answer with it as stored (read on
/// the connection that added it).
fn add_job(app: &App, args: &AddArgs) -> Result<Response> {
    let ctx = &app.ctx;
    // No folder of the caller's to record: without `cwd` the job runs in
    // the runner user's $HOME.
    let (new, _) = crate::args::new_job(args, ctx.now(), None)?;
    let (mut store, id) = ops::add::add(new, ctx)?;
    let job = store.job(&id)?;
    let details = ops::show::details_in(store.as_ref(), job, ctx.now())?;
    Ok(json(201, &DetailsJson::new(&details)).with("Location", format!("/api/v1/jobs/{id}")))
}

/// `tick show --json`'s object for a job.
fn job_response(app: &App, id: &str, status: u16) -> Result<Response> {
    let details = ops::show::details(id, &app.ctx)?;
    Ok(json(status, &DetailsJson::new(&details)))
}

/// `tick list --json`'s array, streamed as the command streams it: to the
/// connection, 64 KiB at a time (a listing is never held whole). An error
/// before the first 64 KiB is the response; a later one cuts it short.
fn list_jobs(app: &App, req: &Request) -> Result<Response> {
    let mut args: ListArgs = query_args::<Query<ListArgs>>(req, None)?.args;
    args.json = true;
    let sel = crate::args::list_selection(&args);
    let ctx = app.ctx.clone();
    let write = move |out: &mut dyn std::io::Write| -> Result<()> {
        let mut ser = serde_json::Serializer::new(out);
        let mut seq = ser.serialize_seq(None)?;
        ops::list::each(&sel, &ctx, &mut |l| {
            Ok(seq.serialize_element(&output::JobJson::new(l.job, l.last))?)
        })?;
        seq.end()?;
        Ok(())
    };
    Ok(Response::streamed(
        "application/json",
        Box::new(move |out| write(out).map_err(|e| error_response(&e))),
    ))
}

fn history_args(req: &Request) -> Result<HistoryArgs> {
    let mut args = query_args::<Query<HistoryArgs>>(req, Some("job"))?.args;
    args.json = true;
    Ok(args)
}

fn captured(app: &App, id: &str, n: &str) -> Result<(Execution, RunResult)> {
    let execution = match n {
        "latest" => None,
        n => Some(n.parse::<i64>().map_err(|_| {
            UsageError::new(format!(
                "invalid execution '{n}': give its number (see /api/v1/executions?job={id}) or latest"
            ))
        })?),
    };
    ops::logs::captured(id, execution, &app.ctx)
}

/// An execution and its captured output (bytes that are not UTF-8 shown
/// as U+FFFD).
#[derive(Serialize)]
struct OutputJson<'a> {
    #[serde(flatten)]
    execution: output::ExecutionJson<'a>,
    stdout: String,
    stderr: String,
    stdout_truncated: bool,
    stderr_truncated: bool,
}

impl<'a> OutputJson<'a> {
    fn new(e: &'a Execution, r: &RunResult, tz: chrono_tz::Tz) -> Self {
        OutputJson {
            execution: output::ExecutionJson::new(e, tz),
            stdout: String::from_utf8_lossy(&r.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&r.stderr).into_owned(),
            stdout_truncated: r.stdout_truncated,
            stderr_truncated: r.stderr_truncated,
        }
    }
}

// ---- query parameters: the command line's flags, parsed by clap ----

/// Query parameters read as a command's flags: `Query<ListArgs>` for `GET
/// /api/v1/jobs`, `Query<HistoryArgs>` for `GET /api/v1/executions`.
#[derive(Debug, Parser)]
#[command(
    name = "query",
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub(super) struct Query<A: clap::Args> {
    #[command(flatten)]
    pub(super) args: A,
}

/// Flags of the commands that shape a terminal's output, not what is
/// asked for: never query parameters.
const NOT_QUERIES: &[&str] = &["json", "wide", "follow", "raw"];

/// Parse the query as the command's flags: `key=value` is `--key value`,
/// a switch takes `true` or `false`; `positional` names the parameter that
/// is the command's positional argument.
fn query_args<P: Parser>(req: &Request, positional: Option<&str>) -> Result<P> {
    pairs_args(req.query_pairs().map_err(UsageError::new)?, positional)
}

/// [`query_args`] of pairs already read (the page drops its own first).
pub(super) fn pairs_args<P: Parser>(
    pairs: Vec<(String, String)>,
    positional: Option<&str>,
) -> Result<P> {
    let cmd = P::command();
    let mut words = Vec::new();
    let mut last = Vec::new();
    for (key, value) in pairs {
        if Some(key.as_str()) == positional {
            last.push(value);
            continue;
        }
        let flag = key.replace('_', "-");
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_long() == Some(flag.as_str()) && !NOT_QUERIES.contains(&flag.as_str()));
        let Some(arg) = arg else {
            let known: Vec<String> = cmd
                .get_arguments()
                .filter_map(|a| a.get_long())
                .filter(|l| !NOT_QUERIES.contains(l))
                .map(|l| l.replace('-', "_"))
                .chain(positional.map(str::to_string))
                .collect();
            return Err(UsageError::new(format!(
                "unknown query parameter '{key}' (known: {})",
                known.join(", ")
            ))
            .into());
        };
        if arg.get_action().takes_values() {
            words.push(format!("--{flag}={value}"));
        } else {
            match value.as_str() {
                "true" => words.push(format!("--{flag}")),
                "false" => {}
                v => {
                    return Err(
                        UsageError::new(format!("invalid {key}={v}: use true or false")).into(),
                    )
                }
            }
        }
    }
    if !last.is_empty() {
        words.push("--".into());
        words.extend(last);
    }
    P::try_parse_from(words).map_err(|e| UsageError::new(clap_message(&e)).into())
}

// ---- request bodies: JSON objects with the `--json` field names ----

/// A pause's optional body: `{"note": TEXT, "until": DATETIME}`.
fn pause_with(body: &Map<String, Value>) -> Result<jobs::PauseWith<'_>> {
    let text = |key: &str| -> Result<Option<&str>> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(UsageError::new(format!("'{key}' must be a string")).into()),
        }
    };
    if let Some(key) = body
        .keys()
        .find(|k| !["note", "until"].contains(&k.as_str()))
    {
        return Err(UsageError::new(format!(
            "unknown field '{key}' for a pause (valid: note, until)"
        ))
        .into());
    }
    Ok(jobs::PauseWith {
        note: text("note")?,
        until: text("until")?,
    })
}

fn json_body(req: &Request) -> Result<Map<String, Value>> {
    if req.body.is_empty() {
        return Err(UsageError::new("the request needs a JSON object as its body").into());
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(UsageError::new("the body must be a JSON object").into()),
        Err(e) => Err(UsageError::new(format!("the body is not valid JSON: {e}")).into()),
    }
}

/// The job option fields (`--json`'s names), as `add` and `modify` take them.
const OPTION_FIELDS: &[&str] = &[
    "name",
    "max_instances",
    "overlap",
    "coalesce",
    "misfire_grace_seconds",
    "timeout_seconds",
    "cwd",
    "env",
    "shell",
    "keep_history",
    "on_success",
    "on_failure",
    "retries",
    "retry_delay_seconds",
    "retry_max_delay_seconds",
    "pause_after_failures",
    "max_runs",
    "notify",
    "notify_on",
    "expect_duration",
    "expect_success_within_seconds",
];

fn unknown_field(key: &str, own: &[&str]) -> anyhow::Error {
    let valid: Vec<&str> = own.iter().chain(OPTION_FIELDS).copied().collect();
    UsageError::new(format!(
        "unknown field '{key}' (valid: {})",
        valid.join(", ")
    ))
    .into()
}

/// `POST /api/v1/jobs`.
fn add_args(body: &Map<String, Value>) -> Result<AddArgs> {
    const OWN: &[&str] = &[
        "trigger",
        "command",
        "id",
        "replace",
        "paused",
        "first_run_at",
    ];
    let mut trigger = None;
    let mut command = None;
    let mut args = AddArgs {
        trigger: Default::default(),
        id: None,
        replace: false,
        paused: false,
        first_run: None,
        options: JobOptionArgs::default(),
        command: Vec::new(),
    };
    for (key, v) in body {
        match key.as_str() {
            "trigger" => trigger = Some(trigger_words(v)?),
            "command" => command = Some(command_words(v)?),
            "id" => args.id = Some(string(key, v)?),
            "replace" => args.replace = boolean(key, v)?,
            "paused" => args.paused = boolean(key, v)?,
            "first_run_at" => args.first_run = Some(string(key, v)?),
            k if OPTION_FIELDS.contains(&k) => option(&mut args.options, k, v)?,
            k => return Err(unknown_field(k, OWN)),
        }
    }
    args.trigger = trigger.ok_or_else(|| {
        UsageError::new(
            "missing field 'trigger': e.g. \"cron '0 3 * * *'\" or \"interval --every 15m\"",
        )
    })?;
    args.command = command
        .ok_or_else(|| UsageError::new("missing field 'command': the shell command to run"))?;
    if args.replace && args.id.is_none() {
        return Err(UsageError::new("'replace' needs an 'id' (the job to overwrite)").into());
    }
    Ok(args)
}

/// `PATCH /api/v1/jobs/{id}`.
fn modify_args(id: &str, body: &Map<String, Value>) -> Result<ModifyArgs> {
    let mut args = ModifyArgs {
        id: id.to_string(),
        command: None,
        unset_env: Vec::new(),
        options: JobOptionArgs::default(),
        words: Vec::new(),
    };
    for (key, v) in body {
        match key.as_str() {
            "command" => args.words = command_words(v)?,
            "trigger" => {
                return Err(UsageError::new(format!(
                    "the trigger is changed by POST /api/v1/jobs/{id}/reschedule, not here"
                ))
                .into())
            }
            k if OPTION_FIELDS.contains(&k) => option(&mut args.options, k, v)?,
            k => return Err(unknown_field(k, &["command"])),
        }
    }
    Ok(args)
}

/// `POST /api/v1/jobs/{id}/reschedule`.
fn reschedule_args(id: &str, body: &Map<String, Value>) -> Result<RescheduleArgs> {
    if let Some(k) = body.keys().find(|k| *k != "trigger") {
        return Err(UsageError::new(format!("unknown field '{k}' (valid: trigger)")).into());
    }
    let trigger = body
        .get("trigger")
        .ok_or_else(|| UsageError::new("missing field 'trigger': e.g. \"cron '0 4 * * *'\""))?;
    Ok(RescheduleArgs {
        id: id.to_string(),
        trigger: trigger_words(trigger)?,
    })
}

/// A trigger: one string of command-line words (shell quoting), or an
/// array of words; read by the same clap definitions as the command line.
fn trigger_words(v: &Value) -> Result<crate::cli::TriggerArgs> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Array(_) => shell_words::join(string_list("trigger", v)?),
        _ => {
            return Err(type_error(
                "trigger",
                v,
                "a string like \"cron '0 3 * * *'\"",
            ))
        }
    };
    parse_part(&text).map_err(|e| UsageError::new(format!("invalid trigger '{text}': {e}")).into())
}

/// A command: one shell string, or an array of words joined with shell
/// quoting (as `tick add -- WORDS...` does).
fn command_words(v: &Value) -> Result<Vec<String>> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(_) => string_list("command", v),
        _ => Err(type_error("command", v, "a string or an array of strings")),
    }
}

/// One job option field onto the flags it stands for; `apply` then
/// validates it as the command line's flag.
fn option(o: &mut JobOptionArgs, key: &str, v: &Value) -> Result<()> {
    match key {
        "name" => o.name = Some(string(key, v)?),
        "max_instances" => o.max_instances = Some(whole(key, v)?),
        "overlap" => o.overlap = Some(string(key, v)?),
        "keep_history" => o.keep_history = Some(whole(key, v)?),
        "retries" => o.retries = Some(whole(key, v)?),
        "pause_after_failures" | "max_runs" => {
            let n = match v {
                Value::Null => "none".into(),
                _ => whole(key, v)?.to_string(),
            };
            match key {
                "max_runs" => o.max_runs = Some(n),
                _ => o.pause_after_failures = Some(n),
            }
        }
        "coalesce" => {
            let on = boolean(key, v)?;
            o.coalesce = on;
            o.no_coalesce = !on;
        }
        "misfire_grace_seconds" => o.misfire_grace = Some(duration(key, v, true)?),
        "timeout_seconds" => o.timeout = Some(duration(key, v, true)?),
        "retry_delay_seconds" => o.retry_delay = Some(duration(key, v, false)?),
        "retry_max_delay_seconds" => o.retry_max_delay = Some(duration(key, v, false)?),
        "notify" => {
            o.notify = match v {
                Value::Null => vec!["none".into()],
                Value::Array(a) if a.is_empty() => vec!["none".into()],
                Value::Array(_) => string_list(key, v)?,
                _ => vec![string(key, v)?],
            }
        }
        "notify_on" => {
            o.notify_on = Some(match v {
                Value::Array(_) => string_list(key, v)?.join(","),
                _ => string(key, v)?,
            })
        }
        "expect_duration" => o.expect_duration = Some(expect_duration(v)?),
        "expect_success_within_seconds" => o.expect_success_within = Some(duration(key, v, true)?),
        "cwd" => o.cwd = Some(string(key, v)?.into()),
        "shell" => o.shell = Some(string(key, v)?),
        "on_success" | "on_failure" => {
            let cmd = match v {
                Value::Null => "none".to_string(),
                _ => string(key, v)?,
            };
            if key == "on_success" {
                o.on_success = Some(cmd)
            } else {
                o.on_failure = Some(cmd)
            }
        }
        "env" => o.env = env_words(key, v)?,
        _ => return Err(unknown_field(key, &[])),
    }
    Ok(())
}

/// `env`: `{"KEY": "value"}` (or `["KEY=value"]`) as `--env` words.
fn env_words(key: &str, v: &Value) -> Result<Vec<String>> {
    Ok(match v {
        // The name is checked here, whole: one with `=` would read as
        // another KEY=VALUE.
        Value::Object(map) => map
            .iter()
            .map(|(k, val)| {
                let kv = format!("{k}={}", string("env", val)?);
                check_env_name("--env", &kv, k)?;
                Ok(kv)
            })
            .collect::<Result<_>>()?,
        Value::Array(_) => string_list(key, v)?,
        _ => {
            return Err(type_error(
                key,
                v,
                "an object of strings, like {\"KEY\": \"value\"}",
            ))
        }
    })
}

/// `expect_duration`: `"MIN..MAX"`, `{"min_seconds": .., "max_seconds": ..}`
/// (either may be null or left out), or null for none.
fn expect_duration(v: &Value) -> Result<String> {
    let want = "a string like \"10s..1h\", an object {\"min_seconds\": 10, \"max_seconds\": 3600}, or null";
    match v {
        Value::Null => Ok("none".into()),
        Value::String(s) => Ok(s.clone()),
        Value::Object(map) => {
            let mut sides = [String::new(), String::new()];
            for (k, n) in map {
                let at = match k.as_str() {
                    "min_seconds" => 0,
                    "max_seconds" => 1,
                    _ => return Err(type_error("expect_duration", v, want)),
                };
                if !n.is_null() {
                    let secs = n
                        .as_u64()
                        .ok_or_else(|| type_error("expect_duration", v, want))?;
                    sides[at] = format!("{secs}s");
                }
            }
            Ok(format!("{}..{}", sides[0], sides[1]))
        }
        _ => Err(type_error("expect_duration", v, want)),
    }
}

fn type_error(key: &str, v: &Value, want: &str) -> anyhow::Error {
    UsageError::new(format!("invalid {key} {v}: expected {want}")).into()
}

fn string(key: &str, v: &Value) -> Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| type_error(key, v, "a string"))
}

fn string_list(key: &str, v: &Value) -> Result<Vec<String>> {
    v.as_array()
        .and_then(|a| a.iter().map(|w| w.as_str().map(str::to_string)).collect())
        .ok_or_else(|| type_error(key, v, "an array of strings"))
}

fn boolean(key: &str, v: &Value) -> Result<bool> {
    v.as_bool()
        .ok_or_else(|| type_error(key, v, "true or false"))
}

fn whole(key: &str, v: &Value) -> Result<u32> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| type_error(key, v, "a whole number from 0 to 4294967295"))
}

/// Seconds as a number, or a DURATION string (`"1h30m"`, `"none"`); null
/// is `none` where the option takes it.
fn duration(key: &str, v: &Value, nullable: bool) -> Result<String> {
    match v {
        Value::Number(_) => v
            .as_u64()
            .map(|n| format!("{n}s"))
            .ok_or_else(|| type_error(key, v, "whole seconds, or a duration like \"1h30m\"")),
        Value::String(s) => Ok(s.clone()),
        Value::Null if nullable => Ok("none".into()),
        _ => Err(type_error(
            key,
            v,
            if nullable {
                "whole seconds, a duration like \"1h30m\", or null for none"
            } else {
                "whole seconds, or a duration like \"1h30m\""
            },
        )),
    }
}
