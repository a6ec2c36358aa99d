//! Writing from the page: adding a job (`/new`), changing one
//! (`/jobs/ID/edit`) and the buttons (pause, resume, run now). Writes pass
//! the same checks as the API's (the token or its login cookie, SameSite
//! Strict, this server's own Origin: `App::refuse_write`) before they get
//! here.
//!
//! A form is read as the command line is: its fields become the words of
//! `tick add TRIGGER OPTIONS -- COMMAND` or `tick modify ID OPTIONS
//! --command COMMAND` (plus `tick reschedule ID TRIGGER`), parsed by the
//! same clap definitions and validated by the same `args/` functions, so a
//! bad value gets the command line's own message and nothing is written.

use anyhow::Result;
use clap::Parser;

use super::login::safe_next;
use super::{error_page, escape, html_response, layout, see_other, Refresh, Visitor};
use crate::args::spec_words::trigger_words;
use crate::args::trigger::{clap_message, parse_part, Now};
use crate::cli::{AddArgs, ModifyArgs};
use crate::error::{chain_text, UsageError};
use crate::http::api::{status_of, Query};
use crate::http::server::{form_pairs, Request, Response};
use crate::http::{html, App};
use crate::ops::{self, jobs};

/// A form's fields, by name.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn of(req: &Request) -> Fields {
        Fields(form_pairs(&String::from_utf8_lossy(&req.body)).unwrap_or_default())
    }

    /// A field's value, `""` when absent; a textarea's CR LF as LF.
    fn get(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.replace("\r\n", "\n"))
            .unwrap_or_default()
    }
}

/// `text` split into words with shell quoting, as a shell would; `what`
/// names the field. A `--` is refused: the command has its own field.
fn words(what: &str, text: &str) -> Result<Vec<String>, UsageError> {
    let words = shell_words::split(text).map_err(|e| {
        UsageError::new(format!(
            "invalid {what} '{text}': cannot split it into words: {e}"
        ))
    })?;
    if words.iter().any(|w| w == "--") {
        return Err(UsageError::new(format!(
            "invalid {what} '{text}': it may not hold `--` (the command has a field of its own)"
        )));
    }
    Ok(words)
}

/// The stack clap's parsing of a whole command's arguments runs on: more
/// than an HTTP thread has (a command's definitions are deep, and an
/// overflow would abort the server).
const PARSE_STACK: usize = 8 << 20;

/// `f` on a thread of its own with [`PARSE_STACK`], waited for.
fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("tick-http-form".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(s, f)?
            .join()
            .map_err(|_| anyhow::anyhow!("reading the form failed"))
    })
}

/// Words parsed as a command's arguments by its clap definitions; clap's
/// message (as the command line prints it, on one line) when they fail.
fn parse<A: clap::Args + Send>(words: Vec<String>) -> Result<A> {
    on_big_stack(move || {
        Query::<A>::try_parse_from(words)
            .map(|q| q.args)
            .map_err(|e| UsageError::new(clap_message(&e)))
    })?
    .map_err(Into::into)
}

/// One labelled field, with a hint under it.
fn field(label: &str, name: &str, value: &str, hint: &str, required: bool) -> String {
    let req = if required { " required" } else { "" };
    let input = if name == "command" {
        format!(
            "<textarea id=\"f-{name}\" name=\"{name}\" rows=\"2\" spellcheck=\"false\"{req}>{}</textarea>",
            escape(value)
        )
    } else {
        format!(
            "<input type=\"text\" id=\"f-{name}\" name=\"{name}\" value=\"{}\" spellcheck=\"false\" autocomplete=\"off\"{req}>",
            escape(value)
        )
    };
    format!("<label for=\"f-{name}\">{label}</label>{input}<p class=\"hint\">{hint}</p>\n")
}

/// The hidden copy of a field's value as the form showed it: what was not
/// changed is not sent as a change.
fn was(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{name}_was\" value=\"{}\">",
        escape(value)
    )
}

const TRIGGER_HINT: &str = "Command-line words, as after <code>tick add</code>: \
<code>cron '0 3 * * *' --tz Europe/Berlin</code>, <code>interval --every 15m</code>, \
<code>date --in 2h</code>, <code>any 'cron 0 9 * * mon-fri' 'cron 0 12 * * sat,sun'</code>.";

/// A form page, with `error` (the command line's message) above it.
fn form_page(title: &str, v: &Visitor, error: Option<&str>, form: &str) -> String {
    let error = error
        .map(|e| {
            format!(
                "<p class=\"bad\" id=\"form-error\" role=\"alert\">{}</p>\n",
                escape(e)
            )
        })
        .unwrap_or_default();
    let body = format!("<h1>{}</h1>\n{error}{form}", escape(title));
    layout(title, v, Refresh::Never, &body)
}

/// What a form page says to whoever may not write.
fn cannot(title: &str, v: &Visitor) -> Response {
    let body = format!(
        "<h1>{}</h1>\n<p id=\"cannot\">{}</p>\n",
        escape(title),
        escape(v.why_not())
    );
    html_response(200, layout(title, v, Refresh::Never, &body))
}

/// `GET /new`: the form to add a job.
pub(super) fn add_form(v: &Visitor) -> Response {
    if !v.can_write {
        return cannot("Add a job", v);
    }
    html_response(200, add_page(v, &Fields(Vec::new()), None))
}

fn add_page(v: &Visitor, f: &Fields, error: Option<&str>) -> String {
    let paused = if f.get("paused").is_empty() {
        ""
    } else {
        " checked"
    };
    let form = format!(
        "<form method=\"post\" action=\"/new\" class=\"job-form\">\n{}{}{}{}{}\
<label class=\"check\"><input type=\"checkbox\" name=\"paused\" value=\"true\"{paused}> Add it paused</label>\n\
<button id=\"submit\">Add the job</button></form>\n",
        field("Trigger", "trigger", &f.get("trigger"), TRIGGER_HINT, true),
        field(
            "Command",
            "command",
            &f.get("command"),
            "One shell string, run by <code>/bin/sh -c</code> (or the job's <code>--shell</code>).",
            true
        ),
        field("Id", "id", &f.get("id"), "Optional: a short one is made up without it.", false),
        field("Name", "name", &f.get("name"), "Optional, unique.", false),
        field(
            "Options",
            "options",
            &f.get("options"),
            "Optional job options as <code>tick add</code> takes them: <code>--timeout 1h --retries 2 --env KEY=VALUE --cwd /srv</code>. Without <code>--cwd</code> the job runs in the runner user's home.",
            false
        ),
    );
    form_page("Add a job", v, error, &form)
}

/// `POST /new`: `tick add TRIGGER OPTIONS [--id ID] [--name NAME]
/// [--paused] -- COMMAND`, then to the new job's page.
pub(super) fn add(app: &App, req: &Request, v: &Visitor) -> Response {
    let f = Fields::of(req);
    match add_job(app, &f) {
        Ok(id) => see_other(&format!("{}?did=added", html::path(&["jobs", &id]))),
        Err(e) => html_response(
            status_of(&e),
            add_page(v, &f, Some(&crate::error::one_line(&chain_text(&e)))),
        ),
    }
}

fn add_job(app: &App, f: &Fields) -> Result<String> {
    let mut w = words("trigger", &f.get("trigger"))?;
    w.extend(words("options", &f.get("options"))?);
    for (flag, key) in [("--id", "id"), ("--name", "name")] {
        let value = f.get(key);
        if !value.is_empty() {
            w.extend([flag.to_string(), value]);
        }
    }
    if f.get("paused") == "true" {
        w.push("--paused".into());
    }
    w.extend(["--".to_string(), f.get("command")]);
    let args: AddArgs = parse(w)?;
    let now = app.ctx.now();
    // No folder of the visitor's to record: without --cwd the job runs in
    // the runner user's $HOME (as over the API).
    let (new, _) = crate::args::new_job(&args, now, None)?;
    let (_, id) = ops::add::add(new, &app.ctx)?;
    Ok(id)
}

/// `GET /jobs/ID/edit`: the form to change a job, filled with what it has.
pub(super) fn edit_form(app: &App, id: &str, v: &Visitor) -> Response {
    if !v.can_write {
        return cannot("Change a job", v);
    }
    match ops::show::details(id, &app.ctx) {
        Ok(d) => {
            let j = &d.job;
            let f = Fields(vec![
                ("trigger".into(), trigger_words(&j.trigger)),
                ("command".into(), j.command.clone()),
                ("name".into(), j.name.clone().unwrap_or_default()),
            ]);
            html_response(200, edit_page(&j.id, v, &f, &f, None))
        }
        Err(e) => error_page(v, &e),
    }
}

/// The change form: `f` the values to show, `shown` the values as first
/// shown (kept hidden: a field left as it was is no change).
fn edit_page(id: &str, v: &Visitor, f: &Fields, shown: &Fields, error: Option<&str>) -> String {
    let form = format!(
        "<form method=\"post\" action=\"{}/edit\" class=\"job-form\">\n{}{}{}{}{}{}{}\
<button id=\"submit\">Change the job</button> <a href=\"{}\">Back to the job</a></form>\n",
        html::path(&["jobs", id]),
        field("Trigger", "trigger", &f.get("trigger"), TRIGGER_HINT, true),
        was("trigger", &shown.get("trigger")),
        field("Command", "command", &f.get("command"), "One shell string.", true),
        was("command", &shown.get("command")),
        field("Name", "name", &f.get("name"), "Empty: no name.", false),
        was("name", &shown.get("name")),
        field(
            "Options",
            "options",
            &f.get("options"),
            "Options to change, as <code>tick modify</code> takes them: <code>--timeout 1h --retries 2 --env KEY=VALUE --unset-env KEY --on-failure none</code>. Those not given stay as they are (the job's page lists them).",
            false
        ),
        html::path(&["jobs", id]),
    );
    form_page(&format!("Change job {id}"), v, error, &form)
}

/// `POST /jobs/ID/edit`: `tick modify ID OPTIONS --command C --name N` and
/// `tick reschedule ID TRIGGER` for the fields changed, both validated
/// first, then written in one transaction.
pub(super) fn edit(app: &App, req: &Request, id: &str, v: &Visitor) -> Response {
    let f = Fields::of(req);
    match edit_job(app, id, &f) {
        Ok(id) => see_other(&format!("{}?did=changed", html::path(&["jobs", &id]))),
        Err(e) => {
            let shown = Fields(
                ["trigger", "command", "name"]
                    .iter()
                    .map(|k| (k.to_string(), f.get(&format!("{k}_was"))))
                    .collect(),
            );
            let msg = crate::error::one_line(&chain_text(&e));
            html_response(status_of(&e), edit_page(id, v, &f, &shown, Some(&msg)))
        }
    }
}

fn edit_job(app: &App, id: &str, f: &Fields) -> Result<String> {
    let changed = |k: &str| f.get(k).trim() != f.get(&format!("{k}_was")).trim();
    let trigger = match f.get("trigger") {
        t if changed("trigger") && !t.trim().is_empty() => Some(
            on_big_stack(|| parse_part(&t))?
                .map_err(|e| UsageError::new(format!("invalid trigger '{t}': {e}")))?,
        ),
        _ => None,
    };
    let mut w = vec![id.to_string()];
    w.extend(words("options", &f.get("options"))?);
    if changed("command") {
        w.extend(["--command".to_string(), f.get("command")]);
    }
    if changed("name") {
        let name = f.get("name");
        w.extend([
            "--name".to_string(),
            if name.is_empty() { "none".into() } else { name },
        ]);
    }
    let modify: Option<ModifyArgs> = if w.len() > 1 { Some(parse(w)?) } else { None };
    if trigger.is_none() && modify.is_none() {
        return Err(UsageError::new(
            "nothing to change: change the trigger, the command, the name or give an option",
        )
        .into());
    }
    let change = modify.as_ref().map(crate::args::change).transpose()?;
    let build = trigger
        .as_ref()
        .map(|t| move |now, zone| t.validate(Now::clock(now), zone));
    let build = build.as_ref().map(|b| b as jobs::BuildTrigger);
    jobs::edit(&app.ctx, id, change.as_ref(), build)
}

/// The buttons: pause, resume, run now; then back where the button was
/// (`back`, a path of this server's) or to the job, saying what was done.
pub(super) fn act(app: &App, req: &Request, id: &str, action: &str) -> Response {
    let ids = [id.to_string()];
    let done = match action {
        "pause" => jobs::pause(&app.ctx, Some(&ids), &Default::default()).map(|_| "paused"),
        "resume" => jobs::resume(&app.ctx, Some(&ids)).map(|_| "resumed"),
        _ => jobs::run_now(id, &app.ctx).map(|_| "run"),
    };
    let back = Fields::of(req).get("back");
    match done {
        Ok(done) if !back.is_empty() => {
            let back = safe_next(Some(&back));
            let sep = if back.contains('?') { '&' } else { '?' };
            see_other(&format!(
                "{back}{sep}did={done}&job={}",
                crate::http::server::percent_encode(id)
            ))
        }
        Ok(done) => see_other(&format!("{}?did={done}", html::path(&["jobs", id]))),
        Err(e) => error_page(&Visitor::of(app, true), &e),
    }
}
