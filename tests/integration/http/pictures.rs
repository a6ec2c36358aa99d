//! The page's pictures and forms over plain HTTP (issue 31): the strip of
//! each job's last 20 runs (the same on a file and on PostgreSQL), the
//! jobs page's filters, buttons and no-runner banner, `/executions`
//! filtered and paged, a job's charts, the timeline, hostile text in
//! every picture and form, and a finished execution that stops
//! refreshing. (The forms: `forms.rs`; in a real browser: `screens.rs`.)

use super::page::{add_hostile, HOSTILE_NAME};
use super::{add_cron, cli_json, serve, token_file, Client, Reply, Server, TOKEN};
use crate::util::{wait_for, Env};

/// A logged-in visitor: the session cookie and the server's own origin.
pub struct Visitor {
    pub c: Client,
    pub cookie: String,
    pub origin: String,
}

impl Visitor {
    /// Log in through the page's form.
    pub fn login(server: &Server) -> Visitor {
        let c = Client::new(server, None);
        let origin = server.base.clone();
        let ok = c.request_with(
            "POST",
            "/login",
            Some(format!("token={TOKEN}&next=%2F")),
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", &origin),
            ],
        );
        assert_eq!(ok.status, 303, "{}", ok.body);
        let cookie = ok.header("set-cookie").unwrap();
        let cookie = cookie.split(';').next().unwrap().to_string();
        Visitor { c, cookie, origin }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.c
            .request_with("GET", path, None, &[("Cookie", &self.cookie)])
    }

    /// A form's POST, with the page's own Origin.
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        self.c.request_with(
            "POST",
            path,
            Some(body.join("&")),
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", &self.cookie),
                ("Origin", &self.origin),
            ],
        )
    }
}

/// Percent-encoded as a browser's form does.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `<svg class="strip" ...>...</svg>` of job `id`'s row.
fn strip_of<'b>(page: &'b str, id: &str) -> &'b str {
    let row = page
        .split("<tr>")
        .find(|r| r.contains(&format!("<a href=\"/jobs/{id}\">")))
        .unwrap_or_else(|| panic!("no row for {id}: {page}"));
    let at = row
        .find("<svg class=\"strip\"")
        .unwrap_or_else(|| panic!("no strip for {id}: {row}"));
    &row[at..at + row[at..].find("</svg>").unwrap()]
}

/// The execution numbers a strip links to, in its order.
fn marks(strip: &str, id: &str) -> Vec<i64> {
    let prefix = format!("<a href=\"/jobs/{id}/executions/");
    strip
        .split(&prefix)
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The newest `n` execution numbers of a job, oldest first.
fn newest(env: &Env, id: &str, n: usize) -> Vec<i64> {
    oldest_first(&cli_json(
        env,
        &["history", id, "--limit", &n.to_string(), "--json"],
    ))
}

/// The execution numbers of `history --json`'s array, oldest first.
fn oldest_first(history: &serde_json::Value) -> Vec<i64> {
    let mut ids: Vec<i64> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    ids.reverse();
    ids
}

/// How many jobs there are, of every state.
pub fn jobs_count(env: &Env) -> usize {
    cli_json(env, &["list", "--all", "--json"])
        .as_array()
        .unwrap()
        .len()
}

/// 25 runs of `flaky` (every third fails) and one of `steady`.
fn with_history(env: &Env) {
    add_cron(
        env,
        "flaky",
        "0 3 * * *",
        "[ $(( $(date +%N) % 3 )) != 0 ] || exit 3",
    );
    add_cron(env, "steady", "0 4 * * *", "true");
    add_cron(env, "fresh", "0 5 * * *", "true");
    for _ in 0..25 {
        env.tick(&["fire", "flaky"]).output();
    }
    env.tick(&["fire", "steady"]).ok();
    env.tick(&["pause", "fresh"]).ok();
}

/// Each job's row has a strip of its last 20 runs, oldest left: one
/// coloured mark per run, failures red, each a link to its execution
/// with a tooltip; a job without runs says so. Without a live runner the
/// page has a banner saying nothing fires. (None of this was on the page
/// before: it had the LAST column only.)
#[test]
fn each_job_has_a_strip_of_its_last_20_runs() {
    let env = Env::new();
    with_history(&env);
    let server = serve(&env, &[]);
    let page = Client::new(&server, None).get("/");
    assert_eq!(page.status, 200);
    let strip = strip_of(&page.body, "flaky");
    assert_eq!(marks(strip, "flaky"), newest(&env, "flaky", 20), "{strip}");
    let history = cli_json(&env, &["history", "flaky", "--limit", "20", "--json"]);
    let failed = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "failed")
        .count();
    assert!(failed > 0, "some runs failed");
    assert_eq!(
        strip.matches("class=\"st-failed\"").count(),
        failed,
        "{strip}"
    );
    assert_eq!(
        strip.matches("class=\"st-success\"").count(),
        20 - failed,
        "{strip}"
    );
    assert!(strip.contains("aria-label=\"flaky: last 20 run(s), oldest first: "));
    assert!(
        strip.contains("<title>#"),
        "each mark has its text: {strip}"
    );
    assert_eq!(marks(strip_of(&page.body, "steady"), "steady").len(), 1);
    assert!(page.body.contains("no runs yet"));
    assert!(
        page.body.contains("id=\"no-runner\""),
        "no runner: a banner"
    );
    let runner = env.runner("run", &[]);
    runner.wait_log("scheduler started", 10);
    let page = Client::new(&server, None).get("/");
    assert!(!page.body.contains("id=\"no-runner\""), "{}", page.body);
}

/// The strip's one query answers the same on PostgreSQL as on a file.
#[test]
fn the_strip_is_the_same_on_postgres() {
    let Some(pg) = crate::postgres::Pg::new() else {
        return;
    };
    let env = Env::new();
    let db = ["--db", pg.url.as_str()];
    let on_pg = |args: &[&str]| {
        let mut all = db.to_vec();
        all.extend_from_slice(args);
        env.tick(&all).output()
    };
    on_pg(&["add", "cron", "0 3 * * *", "--id", "flaky", "--", "exit 3"]);
    on_pg(&["add", "cron", "0 3 * * *", "--id", "ok", "--", "true"]);
    for _ in 0..22 {
        on_pg(&["fire", "flaky"]);
    }
    on_pg(&["fire", "ok"]);
    let server = super::start(
        &env,
        "serve",
        &["--db", &pg.url, "serve", "--listen", "127.0.0.1:0"],
    );
    let page = Client::new(&server, None).get("/");
    assert_eq!(page.status, 200, "{}", page.body);
    let history = |id: &str| -> Vec<i64> {
        let out = on_pg(&["history", id, "--limit", "20", "--json"]);
        oldest_first(&serde_json::from_slice(&out.stdout).unwrap())
    };
    let flaky = strip_of(&page.body, "flaky");
    assert_eq!(marks(flaky, "flaky"), history("flaky"));
    assert_eq!(flaky.matches("class=\"st-failed\"").count(), 20);
    assert_eq!(marks(strip_of(&page.body, "ok"), "ok"), history("ok"));
}

/// The jobs page filters as `tick list --state --name` (the same flags,
/// the same messages), keeping the filters in its form.
#[test]
fn the_jobs_page_filters_by_state_and_name() {
    let env = Env::new();
    for id in ["web-1", "web-2", "db-1"] {
        add_cron(&env, id, "0 3 * * *", "true");
    }
    env.tick(&["pause", "web-2"]).ok();
    let server = serve(&env, &[]);
    let c = Client::new(&server, None);
    let rows = |path: &str| -> Vec<String> {
        let page = c.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        page.body
            .split("<tr>")
            .skip(2)
            .filter_map(|r| {
                let r = r.split("<a href=\"/jobs/").nth(1)?;
                Some(r[..r.find('"')?].to_string())
            })
            .collect()
    };
    assert_eq!(rows("/?name=web-*"), ["web-1", "web-2"]);
    assert_eq!(rows("/?state=paused"), ["web-2"]);
    assert_eq!(rows("/?state=active&name=web-*"), ["web-1"]);
    assert_eq!(
        rows("/?state=active&state=paused&name="),
        ["db-1", "web-1", "web-2"]
    );
    let form = c.get("/?state=paused&name=web-*").body;
    assert!(
        form.contains("name=\"name\" id=\"filter-name\" value=\"web-*\""),
        "{form}"
    );
    assert!(form.contains("value=\"paused\" checked"), "{form}");
    assert!(!form.contains("value=\"active\" checked"), "{form}");
    let bad = c.get("/?state=bogus");
    assert_eq!(bad.status, 400);
    let cli = env.tick(&["list", "--state", "bogus"]).usage_error();
    let msg = cli.trim_start_matches("error: ");
    let api = c.get("/api/v1/jobs?state=bogus").error();
    assert!(msg.starts_with(&api), "{api} is the command line's {msg}");
    assert!(bad.body.contains(&html_escape(&api)), "{}", bad.body);
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Pause, resume and run now on each row of the jobs page, as forms with
/// the login cookie and this server's Origin; back to the page with its
/// filters. Run now without a live runner is refused (409, the reason,
/// nothing written) and its button is disabled saying why; with one, it
/// runs.
#[test]
fn the_buttons_on_each_row_pause_resume_and_run_now() {
    let env = Env::new();
    let tok = token_file(&env);
    add_cron(&env, "backup", "0 3 * * *", "true");
    add_cron(&env, "other", "0 3 * * *", "true");
    let server = serve(&env, &["--token-file", &tok]);
    let v = Visitor::login(&server);
    let page = v.get("/?name=b*");
    assert!(
        page.body.contains("<form method=\"post\" action=\"/jobs/backup/pause\"><input type=\"hidden\" name=\"back\" value=\"/?name=b%2A\"><button>Pause</button></form>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            "<button disabled title=\"no runner is running: start `tick run`\">Run now</button>"
        ),
        "{}",
        page.body
    );
    let paused = v.post("/jobs/backup/pause", &[("back", "/?name=b%2A")]);
    assert_eq!(paused.status, 303, "{}", paused.body);
    assert_eq!(
        paused.header("location"),
        Some("/?name=b%2A&did=paused&job=backup")
    );
    assert_eq!(
        cli_json(&env, &["show", "backup", "--json"])["state"],
        "paused"
    );
    let flash = v.get("/?name=b%2A&did=paused&job=backup");
    assert!(flash
        .body
        .contains("<p class=\"flash\">Paused: backup.</p>"));
    assert!(flash.body.contains("action=\"/jobs/backup/resume\""));
    let elsewhere = v.post("/jobs/backup/resume", &[("back", "//evil.example/")]);
    assert_eq!(
        elsewhere.header("location"),
        Some("/?did=resumed&job=backup"),
        "only back to this server"
    );

    let before = env.snapshot();
    let refused = v.post("/jobs/other/run", &[("back", "/")]);
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused
        .body
        .contains("no runner is running: start `tick run`"));
    assert_eq!(env.snapshot(), before, "nothing written");

    let runner = env.runner("run", &[]);
    runner.wait_log("scheduler started", 10);
    let page = v.get("/");
    assert!(
        page.body.contains("action=\"/jobs/other/run\"><input type=\"hidden\" name=\"back\" value=\"/\"><button>Run now</button>"),
        "{}",
        page.body
    );
    let ran = v.post("/jobs/other/run", &[("back", "/")]);
    assert_eq!(ran.header("location"), Some("/?did=run&job=other"));
    wait_for("the run-now execution", 10, || {
        !cli_json(&env, &["history", "other", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    });
}

/// `/executions`: every job's executions, newest first, filtered as
/// `tick history` filters them, a page at a time with no run twice or
/// left out; statuses coloured. (It was 404 before.)
#[test]
fn executions_across_jobs_filtered_and_paged() {
    let env = Env::new();
    add_cron(&env, "a", "0 3 * * *", "exit 1");
    add_cron(&env, "b", "0 3 * * *", "true");
    for _ in 0..7 {
        env.tick(&["fire", "a"]).output();
        env.tick(&["fire", "b"]).ok();
    }
    let server = serve(&env, &[]);
    let c = Client::new(&server, None);
    let ids = |body: &str| -> Vec<i64> {
        body.split("<td data-label=\"EXEC\"><a href=\"/jobs/")
            .skip(1)
            .map(|s| {
                let s = &s[s.find("/executions/").unwrap() + 12..];
                s[..s.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    };
    let all: Vec<i64> = newest(&env, "a", 20)
        .into_iter()
        .chain(newest(&env, "b", 20))
        .collect();
    let mut expected = all.clone();
    expected.sort_unstable_by(|x, y| y.cmp(x));
    let mut seen = Vec::new();
    let mut path = "/executions?limit=5".to_string();
    loop {
        let page = c.get(&path);
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(ids(&page.body));
        match page
            .body
            .split("<a href=\"/executions?")
            .find(|s| s.contains("id=\"older\""))
        {
            Some(next) => {
                path = format!("/executions?{}", &next[..next.find('"').unwrap()])
                    .replace("&amp;", "&")
            }
            None => break,
        }
    }
    assert_eq!(seen, expected, "every execution once, newest first");
    let failed = c.get("/executions?job=a&status=failed");
    let shown = ids(&failed.body);
    assert_eq!(shown.len(), 7, "{}", failed.body);
    assert!(failed
        .body
        .contains("<td class=\"st-failed\" data-label=\"STATUS\">failed</td>"));
    assert!(!failed.body.contains("st-success\" data-label=\"STATUS\""));
    assert!(failed.body.contains("<option selected>failed</option>"));
    let bad = c.get("/executions?status=bogus");
    assert_eq!(bad.status, 400);
    let api = c.get("/api/v1/executions?status=bogus").error();
    assert!(bad.body.contains(&html_escape(&api)), "{}", bad.body);
    assert_eq!(c.get("/executions?job=nope").status, 404);
}

/// A job's page draws its last 50 runs: a bar per run as long as it took
/// and one of its peak memory, coloured by status, each a link with its
/// text; the timeline draws the next 24 hours of fires, bounded.
#[test]
fn a_jobs_charts_and_the_timeline() {
    let env = Env::new();
    add_cron(&env, "slow", "0 3 * * *", "sleep 0.2; exit 2");
    add_cron(&env, "busy", "* * * * * *", "true");
    for _ in 0..3 {
        env.tick(&["fire", "slow"]).output();
    }
    let server = serve(&env, &[]);
    let c = Client::new(&server, None);
    let job = c.get("/jobs/slow");
    let chart = &job.body[job
        .body
        .find("<svg class=\"chart durations\"")
        .expect("a chart")..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert_eq!(
        chart.matches("<rect class=\"st-failed\"").count(),
        3,
        "{chart}"
    );
    assert!(chart.contains("preserveAspectRatio=\"none\""));
    for id in newest(&env, "slow", 3) {
        assert!(
            chart.contains(&format!(
                "<a href=\"/jobs/slow/executions/{id}\"><title>#{id} failed (exit 2)"
            )),
            "{chart}"
        );
    }
    assert!(
        job.body.contains("<svg class=\"chart memory\""),
        "{}",
        job.body
    );
    assert!(job.body.contains(" · peak "), "memory in each tooltip");

    let tl = c.get("/timeline");
    assert_eq!(tl.status, 200, "{}", tl.body);
    let row = tl
        .body
        .split("<li>")
        .find(|r| r.contains("href=\"/jobs/busy\""))
        .unwrap();
    let ticks = row.matches("<rect class=\"fire\"").count();
    assert!(
        (300..=361).contains(&ticks),
        "a tick per 4 minutes: {ticks}"
    );
    assert!(row.contains("+ fires"), "{row}");
    assert!(tl.body.contains("href=\"/jobs/slow\""));
    for _ in 0..101 {
        env.tick(&["add", "cron", "0 * * * *", "--", "true"]).ok();
    }
    let tl = c.get("/timeline");
    assert!(
        tl.body.contains("id=\"more-jobs\""),
        "says it left jobs out"
    );
    assert_eq!(tl.body.matches("class=\"tl-name\"").count(), 100);
}

/// A job whose name, command and output try markup, and one whose name
/// holds an entity: every picture, tooltip and form shows them as text.
#[test]
fn hostile_text_is_text_in_every_picture_and_form() {
    let env = Env::new();
    let tok = token_file(&env);
    add_hostile(&env);
    env.tick(&[
        "add",
        "cron",
        "0 4 * * *",
        "--id",
        "amp",
        "--name",
        "a &amp; \"><img src=x onerror=alert(3)>",
        "--",
        "true",
    ])
    .ok();
    env.tick(&["fire", "evil"]).output();
    env.tick(&["fire", "amp"]).ok();
    let server = serve(&env, &["--token-file", &tok]);
    let v = Visitor::login(&server);
    let name = html_escape(HOSTILE_NAME);
    let amp = "a &amp;amp; &quot;&gt;&lt;img src=x onerror=alert(3)&gt;";
    for path in [
        "/",
        "/jobs/evil",
        "/jobs/evil/edit",
        "/timeline",
        "/executions",
        "/jobs/amp",
        "/jobs/amp/edit",
    ] {
        let page = v.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let lower = page.body.to_lowercase();
        for bad in ["<script", "<img", "<b>", "onerror=alert(3)>"] {
            assert!(!lower.contains(bad), "{path} has {bad}: {}", page.body);
        }
        let who = if path.contains("amp") {
            amp.to_string()
        } else {
            name.clone()
        };
        if path != "/jobs/evil" && path != "/jobs/amp" {
            assert!(
                page.body.contains(&who),
                "{path} shows the name as text: {}",
                page.body
            );
        }
    }
    let list = v.get("/").body;
    assert!(
        list.contains(&format!("aria-label=\"evil ({name}): last 1 run(s)")),
        "{list}"
    );
    assert!(
        list.contains(&format!("<title>amp ({amp}): last 1 run(s)")),
        "{list}"
    );
    let job = v.get("/jobs/evil").body;
    assert!(
        job.contains(&format!(
            "<title>How long the last 1 run(s) of evil ({name}) took"
        )),
        "{job}"
    );
    let form = v.get("/jobs/amp/edit").body;
    assert!(
        form.contains(&format!("name=\"name\" value=\"{amp}\"")),
        "{form}"
    );
    let tl = v.get("/timeline").body;
    assert!(tl.contains(&format!("<title>evil ({name}): ")), "{tl}");
}

/// A finished execution's page neither refreshes nor says it does; a
/// running one does, and says so. (Before, every execution's page said
/// "refreshes every 10s".)
#[test]
fn a_finished_execution_stops_refreshing() {
    let env = Env::new();
    add_cron(&env, "quick", "0 3 * * *", "true");
    add_cron(&env, "slow", "0 3 * * *", "sleep 5");
    env.tick(&["fire", "quick"]).ok();
    let mut fire = crate::util::Reaped(
        env.command(&["fire", "slow"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let server = serve(&env, &[]);
    let c = Client::new(&server, None);
    let done = c.get(&format!(
        "/jobs/quick/executions/{}",
        newest(&env, "quick", 1)[0]
    ));
    assert_eq!(done.status, 200);
    assert!(
        !done.body.contains("http-equiv=\"refresh\""),
        "{}",
        done.body
    );
    assert!(!done.body.contains("refreshes"), "{}", done.body);
    wait_for("the slow run", 10, || !newest(&env, "slow", 1).is_empty());
    let running = c.get(&format!(
        "/jobs/slow/executions/{}",
        newest(&env, "slow", 1)[0]
    ));
    assert!(
        running.body.contains("http-equiv=\"refresh\""),
        "{}",
        running.body
    );
    assert!(running.body.contains("refreshes every 10s"));
    assert!(fire.wait_exit(15).is_some(), "the run ended");
}
