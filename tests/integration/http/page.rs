//! The web page over HTTP: hostile text stays text, the login and the
//! buttons, the cut marker. (In a real browser: `browser.rs`.)

use super::{add_cron, cli_json, serve, token_file, Client, Reply, TOKEN};
use crate::util::Env;

/// A job whose name, command and output are all attempts at markup.
pub const HOSTILE_NAME: &str = "<script>alert(\"name\")</script><b>bold</b>";
pub const HOSTILE_COMMAND: &str =
    "echo '<img src=x onerror=alert(1)>'; printf '</pre><script>alert(2)</script>\\033[31mred\\n'";

pub fn add_hostile(env: &Env) {
    env.tick(&[
        "add",
        "cron",
        "0 3 * * *",
        "--id",
        "evil",
        "--name",
        HOSTILE_NAME,
        "--",
        HOSTILE_COMMAND,
    ])
    .ok();
}

/// No markup of a job's makes it into the page: no script, no img, no
/// bold; the text is there, escaped.
fn assert_inert(r: &Reply, what: &str) {
    assert_eq!(r.status, 200, "{what}: {}", r.body);
    let csp = r.header("content-security-policy").unwrap_or("");
    assert!(csp.contains("default-src 'none'"), "{what}: CSP {csp}");
    let lower = r.body.to_lowercase();
    for bad in ["<script", "<img", "<b>"] {
        assert!(!lower.contains(bad), "{what} contains {bad}:\n{}", r.body);
    }
}

#[test]
fn hostile_names_commands_and_output_show_as_text() {
    let env = Env::new();
    add_hostile(&env);
    env.tick(&["fire", "evil"]).output();
    let server = serve(&env, &[]);
    let c = Client::new(&server, None);

    let list = c.get("/");
    assert_inert(&list, "jobs page");
    assert_eq!(
        list.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        list.body.contains(
            "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"
        ),
        "{}",
        list.body
    );
    assert!(
        list.body.contains("<meta http-equiv=\"refresh\""),
        "refreshes itself"
    );
    assert!(
        list.body.contains("name=\"viewport\""),
        "readable on a phone"
    );
    assert!(
        !list.body.contains("http://") && !list.body.contains("https://"),
        "nothing from elsewhere"
    );

    let job = c.get("/jobs/evil");
    assert_inert(&job, "job page");
    assert!(
        job.body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        job.body
    );
    assert!(job.body.contains("<h2>Next fires</h2>"));
    let n = c.get("/api/v1/executions?job=evil").json()[0]["id"]
        .as_i64()
        .unwrap();
    assert!(
        job.body
            .contains(&format!("href=\"/jobs/evil/executions/{n}\"")),
        "{}",
        job.body
    );

    let exec = c.get(&format!("/jobs/evil/executions/{n}"));
    assert_inert(&exec, "execution page");
    assert!(
        exec.body
            .contains("&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;\\x1b[31mred"),
        "{}",
        exec.body
    );

    let css = c.get("/static/tick.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(!css.body.contains("url("), "the sheet fetches nothing");

    let missing = c.get("/jobs/nope");
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("unknown job &#39;nope&#39;"),
        "{}",
        missing.body
    );
    assert_eq!(c.get("/jobs/evil/executions/999").status, 404);
    assert_eq!(c.get("/nowhere").status, 404);
}

#[test]
fn an_output_cut_at_64_kib_says_so_on_the_page() {
    let env = Env::new();
    add_cron(
        &env,
        "loud",
        "0 3 * * *",
        "head -c 100000 /dev/zero | tr '\\0' x",
    );
    env.tick(&["fire", "loud"]).output();
    let server = serve(&env, &[]);
    let page = Client::new(&server, None).get("/jobs/loud/executions/1");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("[... earlier output cut: only the last 64 KiB were kept ...]"),
        "{}",
        &page.body[..2000.min(page.body.len())]
    );
    assert!(page.body.contains(&"x".repeat(1000)));
}

/// The login form sets an HttpOnly, SameSite=Strict cookie; with it the
/// job page has buttons, and Pause pauses; without the page's own Origin
/// the same post is refused.
#[test]
fn log_in_then_pause_and_run_from_the_page() {
    let env = Env::new();
    let tok = token_file(&env);
    add_cron(&env, "backup", "0 3 * * *", "true");
    let server = serve(&env, &["--token-file", &tok]);
    let c = Client::new(&server, None);
    let origin = server.base.clone();
    let form = |path: &str, body: &str, headers: &[(&str, &str)]| {
        let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
        h.extend_from_slice(headers);
        c.request_with("POST", path, Some(body.to_string()), &h)
    };

    // With a token, the page itself needs the login.
    let job = c.get("/jobs/backup");
    assert_eq!(job.status, 303, "{}", job.body);
    assert_eq!(job.header("location"), Some("/login?next=%2Fjobs%2Fbackup"));
    assert!(c
        .get("/login?next=%2Fjobs%2Fbackup")
        .body
        .contains("value=\"/jobs/backup\""));

    let wrong = form("/login", "token=nope&next=%2F", &[("Origin", &origin)]);
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Wrong token."));
    assert!(wrong.header("set-cookie").is_none());
    let foreign = form(
        "/login",
        &format!("token={TOKEN}"),
        &[("Origin", "http://evil.example")],
    );
    assert_eq!(foreign.status, 403, "login CSRF: {}", foreign.body);

    let ok = form(
        "/login",
        &format!("token={TOKEN}&next=%2Fjobs%2Fbackup"),
        &[("Origin", &origin)],
    );
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.header("location"), Some("/jobs/backup"));
    let cookie = ok.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains(TOKEN),
        "the cookie is a session id, not the token"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let evil_next = form(
        "/login",
        &format!("token={TOKEN}&next=%2F%2Fevil.example"),
        &[("Origin", &origin)],
    );
    assert_eq!(evil_next.header("location"), Some("/"), "no open redirect");

    let job = c.request_with("GET", "/jobs/backup", None, &[("Cookie", &session)]);
    assert!(
        job.body.contains("<button id=\"pause\">Pause</button>"),
        "{}",
        job.body
    );
    assert!(job.body.contains("Log out"));

    let before = env.snapshot();
    let no_origin = c.request_with("POST", "/jobs/backup/pause", None, &[("Cookie", &session)]);
    assert_eq!(no_origin.status, 403, "{}", no_origin.body);
    assert!(
        no_origin.body.contains("must carry an Origin"),
        "{}",
        no_origin.body
    );
    let cross = c.request_with(
        "POST",
        "/jobs/backup/pause",
        None,
        &[("Cookie", &session), ("Origin", "http://evil.example")],
    );
    assert_eq!(cross.status, 403);
    assert_eq!(env.snapshot(), before, "refused posts wrote nothing");

    let paused = c.request_with(
        "POST",
        "/jobs/backup/pause",
        None,
        &[("Cookie", &session), ("Origin", &origin)],
    );
    assert_eq!(paused.status, 303, "{}", paused.body);
    assert_eq!(paused.header("location"), Some("/jobs/backup?did=paused"));
    let shown = cli_json(&env, &["show", "backup", "--json"]);
    assert_eq!(shown["state"], "paused");
    let page = c.request_with(
        "GET",
        "/jobs/backup?did=paused",
        None,
        &[("Cookie", &session)],
    );
    assert!(page.body.contains("<p class=\"flash\">Paused.</p>"));
    assert!(page.body.contains("id=\"resume\""));

    c.request_with(
        "POST",
        "/jobs/backup/resume",
        None,
        &[("Cookie", &session), ("Origin", &origin)],
    );
    // No runner: the page offers no run-now, says why, and a post of one
    // is refused with that reason, nothing written.
    let page = c.request_with("GET", "/jobs/backup", None, &[("Cookie", &session)]);
    assert!(!page.body.contains("id=\"run\""), "{}", page.body);
    assert!(
        page.body
            .contains("Run now: no runner is running: start `tick run`."),
        "{}",
        page.body
    );
    let before = env.snapshot();
    let run = || {
        c.request_with(
            "POST",
            "/jobs/backup/run",
            None,
            &[("Cookie", &session), ("Origin", &origin)],
        )
    };
    let refused = run();
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("no runner is running: start `tick run`"),
        "{}",
        refused.body
    );
    assert_eq!(env.snapshot(), before);
    let runner = env.runner("run", &[]);
    runner.wait_log("scheduler started", 10);
    let page = c.request_with("GET", "/jobs/backup", None, &[("Cookie", &session)]);
    assert!(page.body.contains("id=\"run\""), "{}", page.body);
    let ran = run();
    assert_eq!(ran.header("location"), Some("/jobs/backup?did=run"));
    crate::util::wait_for("the run-now execution", 10, || {
        cli_json(&env, &["history", "backup", "--json"])
            .as_array()
            .is_some_and(|a| !a.is_empty())
    });
    drop(runner);
    assert_eq!(
        cli_json(&env, &["show", "backup", "--json"])["state"],
        "active"
    );

    let out = form("/logout", "", &[("Cookie", &session), ("Origin", &origin)]);
    assert_eq!(out.status, 303);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = c.request_with(
        "POST",
        "/jobs/backup/pause",
        None,
        &[("Cookie", &session), ("Origin", &origin)],
    );
    // The session ended: back to the login, and nothing paused.
    assert_eq!(after.status, 303, "the session ended: {}", after.body);
    assert_eq!(
        after.header("location"),
        Some("/login?next=%2Fjobs%2Fbackup%2Fpause")
    );
    assert_eq!(
        cli_json(&env, &["show", "backup", "--json"])["state"],
        "active"
    );
    assert!(!server.log().contains(TOKEN));
}

/// Failures stand out on the page as in the terminal: LAST on the jobs
/// page and STATUS of the job's and the execution's pages carry a class
/// per status, red for a failure, yellow for what did not run (issue 26,
/// point 11).
#[test]
fn failures_stand_out_on_the_page() {
    let env = Env::new();
    add_cron(&env, "bad", "@daily", "exit 3");
    env.tick(&["fire", "bad"]).output();
    add_cron(&env, "good", "@daily", "true");
    env.tick(&["fire", "good"]).ok();
    let server = serve(&env, &[]);
    let c = Client::new(&server, None);
    let list = c.get("/");
    assert!(
        list.body
            .contains("<td class=\"st-failed\" data-label=\"LAST\">failed "),
        "{}",
        list.body
    );
    assert!(
        list.body
            .contains("<td class=\"st-success\" data-label=\"LAST\">success "),
        "{}",
        list.body
    );
    let job = c.get("/jobs/bad");
    assert!(
        job.body
            .contains("<td class=\"st-failed\" data-label=\"STATUS\">failed</td>"),
        "{}",
        job.body
    );
    let n = c.get("/api/v1/executions?job=bad").json()[0]["id"]
        .as_i64()
        .unwrap();
    let exec = c.get(&format!("/jobs/bad/executions/{n}"));
    assert!(exec.body.contains("class=\"st-failed\""), "{}", exec.body);
    let css = c.get("/static/tick.css").body;
    for status in [
        "failed",
        "timeout",
        "killed",
        "interrupted",
        "missed",
        "skipped",
    ] {
        assert!(css.contains(&format!(".st-{status}")), "{css}");
    }
    let rule = |class: &str| {
        let at = css.find(class).unwrap();
        css[at..].split('}').next().unwrap().to_string()
    };
    assert!(rule(".st-interrupted").contains("var(--bad)"), "{css}");
    assert!(rule(".st-skipped").contains("var(--warn)"), "{css}");
}
