//! Adding and changing a job with the page's forms over plain HTTP
//! (issue 31): the form's fields are the words of `tick add` and `tick
//! modify`/`tick reschedule`, so a job added or changed there is the job
//! the command line makes, a bad value gets the command line's own
//! message and nothing is written. (In a browser: `screens.rs`.)

use super::pictures::{html_escape, jobs_count, Visitor};
use super::{cli_json, serve, token_file, Client};
use crate::util::Env;

/// The add form is `tick add TRIGGER OPTIONS -- COMMAND`: a job added
/// through it is the job the command line adds. (There was no form.)
#[test]
fn the_add_form_adds_as_the_command_line_does() {
    let env = Env::new();
    let tok = token_file(&env);
    let server = serve(&env, &["--token-file", &tok]);
    let v = Visitor::login(&server);
    let form = v.get("/new");
    assert!(
        form.body.contains("<form method=\"post\" action=\"/new\""),
        "{}",
        form.body
    );
    assert!(
        !form.body.contains("http-equiv=\"refresh\""),
        "a form does not refresh"
    );
    let added = v.post(
        "/new",
        &[
            ("trigger", "cron '30 4 * * mon-fri' --tz Europe/Berlin"),
            ("command", "backup.sh --full \"/srv/my files\""),
            ("id", "backup"),
            ("name", "nightly"),
            ("options", "--timeout 1h --retries 2 --env A=b"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    assert_eq!(added.header("location"), Some("/jobs/backup?did=added"));
    let shown = cli_json(&env, &["show", "backup", "--json"]);
    assert_eq!(shown["trigger"], "cron 30 4 * * mon-fri (Europe/Berlin)");
    assert_eq!(shown["command"], "backup.sh --full \"/srv/my files\"");
    assert_eq!(shown["name"], "nightly");
    assert_eq!(shown["timeout_seconds"], 3600);
    assert_eq!(shown["retries"], 2);
    assert_eq!(shown["env"]["A"], "b");
    assert_eq!(
        shown["cwd"],
        serde_json::Value::Null,
        "the runner's home, as over the API"
    );
}

/// A trigger the command line warns about (it never fires) is added, and
/// the job's page then says what `tick add` would have said.
#[test]
fn the_add_form_says_the_command_lines_warnings() {
    let env = Env::new();
    let tok = token_file(&env);
    let server = serve(&env, &["--token-file", &tok]);
    let v = Visitor::login(&server);
    let cli = env
        .tick(&["add", "--id", "cli", "cron", "0 0 30 2 *", "--", "true"])
        .output();
    let said = String::from_utf8_lossy(&cli.stderr).trim().to_string();
    assert!(said.starts_with("warning: "), "{said}");
    let added = v.post(
        "/new",
        &[
            ("trigger", "cron '0 0 30 2 *'"),
            ("command", "true"),
            ("id", "feb30"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let page = v.get("/jobs/feb30?did=added");
    assert!(
        page.body.contains(&html_escape(&said)),
        "{said}\n{}",
        page.body
    );
    // Said after the form only, not on every visit.
    assert!(!v.get("/jobs/feb30").body.contains("never fires"));
}

/// A bad cron expression or option in the add form shows the command
/// line's own message, keeps what was typed, and writes nothing; nor
/// does a post from another origin, or by no one logged in.
#[test]
fn a_bad_add_shows_the_command_lines_message_and_writes_nothing() {
    let env = Env::new();
    let tok = token_file(&env);
    env.tick(&["add", "cron", "0 3 * * *", "--", "true"]).ok();
    let server = serve(&env, &["--token-file", &tok]);
    let v = Visitor::login(&server);
    let before = (jobs_count(&env), env.snapshot());
    let cli = env
        .tick(&["add", "cron", "61 * * * *", "--id", "bad", "--", "true"])
        .usage_error();
    let bad = v.post(
        "/new",
        &[
            ("trigger", "cron '61 * * * *'"),
            ("command", "echo <kept>"),
            ("id", "bad"),
        ],
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    let msg = cli.trim_start_matches("error: ");
    assert!(
        bad.body.contains(&format!(
            "<p class=\"bad\" id=\"form-error\" role=\"alert\">{}</p>",
            html_escape(msg)
        )),
        "{msg}: {}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"cron &#39;61 * * * *&#39;\""),
        "kept: {}",
        bad.body
    );
    assert!(bad.body.contains(">echo &lt;kept&gt;</textarea>"));
    assert_eq!(
        (jobs_count(&env), env.snapshot()),
        before,
        "nothing written"
    );

    let bad_option = v.post(
        "/new",
        &[
            ("trigger", "cron '0 3 * * *'"),
            ("command", "true"),
            ("options", "--retries lots"),
        ],
    );
    assert_eq!(bad_option.status, 400);
    let cli = env
        .tick(&[
            "add",
            "cron",
            "0 3 * * *",
            "--retries",
            "lots",
            "--",
            "true",
        ])
        .usage_error();
    // clap's own message, without the command line's pointer to its --help.
    let first = cli
        .trim_start_matches("error: ")
        .trim_end_matches(" (see 'tick add --help')");
    assert!(
        bad_option.body.contains(&html_escape(first)),
        "{first}: {}",
        bad_option.body
    );
    let sneaky = v.post(
        "/new",
        &[
            ("trigger", "cron '0 3 * * *' -- rm -rf /"),
            ("command", "true"),
        ],
    );
    assert_eq!(sneaky.status, 400);
    assert!(sneaky.body.contains("may not hold `--`"));

    let foreign = v.c.request_with(
        "POST",
        "/new",
        Some("trigger=cron+%270+3+*+*+*%27&command=true".into()),
        &[
            ("Cookie", &v.cookie),
            ("Origin", "http://evil.example"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
    );
    assert_eq!(foreign.status, 403, "{}", foreign.body);
    let anonymous = Client::new(&server, None).request_with(
        "POST",
        "/new",
        Some("trigger=cron+%270+3+*+*+*%27&command=true".into()),
        &[
            ("Origin", &v.origin),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
    );
    assert_eq!(anonymous.status, 303, "to the login");
    assert_eq!(
        (jobs_count(&env), env.snapshot()),
        before,
        "nothing written"
    );
}

/// A server with job `backup` (`cron '0 3 * * *' --tz Europe/Berlin`,
/// named `nightly`, running `backup.sh`), and a logged-in visitor.
pub fn with_backup(env: &Env) -> super::Server {
    let tok = token_file(env);
    env.tick(&[
        "add",
        "cron",
        "0 3 * * *",
        "--tz",
        "Europe/Berlin",
        "--id",
        "backup",
        "--name",
        "nightly",
        "--",
        "backup.sh",
    ])
    .ok();
    serve(env, &["--token-file", &tok])
}

/// Post the change form of `backup` as it was shown, with `fields`.
fn change(v: &Visitor, fields: &[(&str, &str)]) -> super::Reply {
    let mut all = vec![
        ("trigger_was", "cron '0 3 * * *' --tz Europe/Berlin"),
        ("command_was", "backup.sh"),
        ("name_was", "nightly"),
    ];
    all.extend_from_slice(fields);
    v.post("/jobs/backup/edit", &all)
}

/// The change form shows the job as command-line words and changes what
/// was changed, as `tick modify` and `tick reschedule` would; what was
/// left as shown is left as it is. (There was no form.)
#[test]
fn the_change_form_changes_as_modify_and_reschedule_do() {
    let env = Env::new();
    let server = with_backup(&env);
    let v = Visitor::login(&server);
    let form = v.get("/jobs/backup/edit");
    for field in ["trigger", "trigger_was"] {
        assert!(
            form.body.contains(&format!(
                "name=\"{field}\" value=\"cron &#39;0 3 * * *&#39; --tz Europe/Berlin\""
            )),
            "{}",
            form.body
        );
    }
    let next_before = cli_json(&env, &["show", "backup", "--json"])["next_run_at"].clone();
    let ok = change(
        &v,
        &[
            ("trigger", "cron '0 3 * * *' --tz Europe/Berlin"),
            ("command", "backup.sh --full"),
            ("name", "nightly"),
            ("options", "--timeout 30m"),
        ],
    );
    assert_eq!(
        ok.header("location"),
        Some("/jobs/backup?did=changed"),
        "{}",
        ok.body
    );
    let shown = cli_json(&env, &["show", "backup", "--json"]);
    assert_eq!(shown["command"], "backup.sh --full");
    assert_eq!(shown["timeout_seconds"], 1800);
    assert_eq!(shown["next_run_at"], next_before, "the trigger untouched");

    let ok = change(
        &v,
        &[
            ("trigger", "interval --every 2h"),
            ("command", "backup.sh"),
            ("name", ""),
        ],
    );
    assert_eq!(ok.status, 303, "{}", ok.body);
    let shown = cli_json(&env, &["show", "backup", "--json"]);
    assert_eq!(shown["trigger"], "every 2h");
    assert_eq!(shown["timezone"], "Europe/Berlin", "its zone kept");
    assert_eq!(shown["name"], serde_json::Value::Null);
    assert_eq!(shown["timeout_seconds"], 1800, "options not given stay");
}

/// A bad cron expression in the change form shows the command line's
/// message and writes nothing, not even the other fields' changes (one
/// transaction); a form changing nothing says so.
#[test]
fn a_bad_change_shows_the_command_lines_message_and_writes_nothing() {
    let env = Env::new();
    let server = with_backup(&env);
    let v = Visitor::login(&server);
    let before = env.snapshot();
    let cli = env
        .tick(&["reschedule", "backup", "cron", "0 25 * * *"])
        .usage_error();
    let bad = change(
        &v,
        &[
            ("trigger", "cron '0 25 * * *'"),
            ("command", "other.sh"),
            ("name", "renamed"),
        ],
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    let msg = html_escape(cli.trim_start_matches("error: "));
    assert!(bad.body.contains(&msg), "{msg}: {}", bad.body);
    assert_eq!(
        env.snapshot(),
        before,
        "nothing written, not even the command"
    );
    assert!(
        bad.body
            .contains("name=\"command_was\" value=\"backup.sh\""),
        "the form still knows what was shown"
    );
    let taken = env.tick(&["add", "cron", "0 3 * * *", "--name", "taken", "--", "true"]);
    taken.ok();
    let before = env.snapshot();
    let clash = change(
        &v,
        &[
            ("trigger", "interval --every 1h"),
            ("command", "backup.sh"),
            ("name", "taken"),
        ],
    );
    assert_eq!(clash.status, 400, "{}", clash.body);
    assert!(clash.body.contains("has it already"), "{}", clash.body);
    assert_eq!(env.snapshot(), before, "nor the trigger, with a name taken");
    let same = change(
        &v,
        &[
            ("trigger", "cron '0 3 * * *' --tz Europe/Berlin"),
            ("command", "backup.sh"),
            ("name", "nightly"),
        ],
    );
    assert_eq!(same.status, 400);
    assert!(same.body.contains("nothing to change"));
    assert_eq!(env.snapshot(), before);
}
