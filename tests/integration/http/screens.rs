//! The page's new screens in headless Chromium (issue 31): every page at
//! 1280 and 390 px without sideways scrolling, the forms to add and change
//! a job (with the command line's messages, nothing written on a refusal),
//! run now from the jobs page with and without a runner, and hostile job
//! text in every chart, tooltip and form. (The same over plain HTTP:
//! `pictures.rs`.)

use serde_json::{json, Value};

use super::browser::{assert_inert, browser, Browser};
use super::forms::with_backup;
use super::page::{add_hostile, HOSTILE_NAME};
use super::pictures::jobs_count;
use super::{add_cron, cli_json, serve, token_file, TOKEN};
use crate::util::{wait_for, Env};

/// Log in through the page's form.
fn log_in(b: &Browser, base: &str) {
    b.go(&format!("{base}/login"));
    b.type_into("#token", TOKEN);
    b.click("#login");
    wait_for("the login", 10, || !b.url().contains("/login"));
}

/// The elements whose right edge is past the window's, and how wide the
/// document is against the window.
fn overflow(b: &Browser) -> Value {
    b.eval(
        "return {doc: document.documentElement.scrollWidth, win: window.innerWidth,
          out: [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map(e => e.tagName + '.' + (e.getAttribute('class') || '') + ' ' + Math.round(e.getBoundingClientRect().right))}",
    )
}

/// Every page, logged in (so with its buttons and forms), at 1280 and
/// 390 px: the document is no wider than the window, and no element
/// reaches past its right edge. (Before, the jobs table was 708 px wide
/// at 390, behind an inner sideways scroll; `/executions`, `/timeline`
/// and the forms did not exist.)
#[test]
#[cfg_attr(
    tick_no_chromium,
    ignore = "no /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)"
)]
fn every_page_fits_1280_and_390_px() {
    let env = Env::new();
    let tok = token_file(&env);
    add_hostile(&env);
    env.tick(&["fire", "evil"]).output();
    for i in 0..4 {
        let id = format!("job-with-a-rather-long-id-{i}");
        env.tick(&[
            "add",
            "cron",
            "*/15 9-17 * * mon-fri",
            "--tz",
            "America/Argentina/Buenos_Aires",
            "--id",
            &id,
            "--name",
            &format!("a name that is rather long as names go {i}"),
            "--",
            "rsync -a /srv/www/with/a/long/path/ /mnt/backup/www/with/a/long/path/",
        ])
        .ok();
    }
    // One long word as id, name and command: it wraps anywhere.
    let long = "x".repeat(64);
    env.tick(&[
        "add",
        "cron",
        "0 3 * * *",
        "--id",
        &long,
        "--name",
        &"n".repeat(120),
        "--",
        &format!("echo {}", "y".repeat(300)),
    ])
    .ok();
    add_cron(&env, "often", "* * * * * *", "exit 1");
    for _ in 0..22 {
        env.tick(&["fire", "often"]).output();
    }
    let server = serve(&env, &["--token-file", &tok]);
    let Some(b) = browser(1280, 900) else { return };
    log_in(&b, &server.base);
    let n = cli_json(&env, &["history", "evil", "--json"])[0]["id"]
        .as_i64()
        .unwrap();
    let pages = [
        "/".to_string(),
        "/jobs/evil".into(),
        "/jobs/often".into(),
        format!("/jobs/evil/executions/{n}"),
        "/executions".into(),
        "/timeline".into(),
        "/new".into(),
        "/jobs/evil/edit".into(),
        format!("/jobs/{long}"),
    ];
    for width in [1280, 390] {
        b.resize(width, 900);
        for path in &pages {
            b.go(&format!("{}{path}", server.base));
            let o = overflow(&b);
            assert_eq!(o["win"], json!(width), "{path}");
            assert!(
                o["doc"].as_u64() <= o["win"].as_u64() && o["out"] == json!([]),
                "{path} at {width} px scrolls sideways: {o}"
            );
            assert_inert(&b);
        }
        // The jobs table is one card per job on a phone.
        b.go(&format!("{}/", server.base));
        let header =
            b.eval("return getComputedStyle(document.querySelector('table.jobs thead')).display");
        assert_eq!(header == json!("none"), width == 390, "{header}");
    }
    // In dark mode the page and its pictures take the dark colours.
    let colours = |b: &Browser| {
        b.go(&format!("{}/jobs/often", server.base));
        b.eval(
            "return [getComputedStyle(document.body).backgroundColor,
                     getComputedStyle(document.querySelector('svg.durations rect.st-failed')).fill]",
        )
    };
    assert_eq!(
        colours(&b),
        json!(["rgb(251, 251, 250)", "rgb(193, 39, 45)"])
    );
    b.dark();
    assert_eq!(colours(&b), json!(["rgb(23, 24, 26)", "rgb(248, 81, 73)"]));
}

/// Add a job with the form, and give it a bad cron expression: the
/// command line's own message, and the jobs as they were.
#[test]
#[cfg_attr(
    tick_no_chromium,
    ignore = "no /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)"
)]
fn add_a_job_with_the_form_in_a_browser() {
    let env = Env::new();
    let tok = token_file(&env);
    let server = serve(&env, &["--token-file", &tok]);
    let Some(b) = browser(1280, 900) else { return };
    log_in(&b, &server.base);
    b.go(&format!("{}/", server.base));
    b.click("a[href='/new']");
    wait_for("the add form", 10, || b.url().ends_with("/new"));
    b.type_into("#f-trigger", "cron '0 3 * * *' --tz Europe/Berlin");
    b.type_into("#f-command", "backup.sh --full");
    b.type_into("#f-id", "backup");
    b.type_into("#f-options", "--timeout 1h");
    b.click("#submit");
    wait_for("the new job's page", 10, || {
        b.url().ends_with("/jobs/backup?did=added")
    });
    assert_eq!(b.text(".flash"), "Added.");
    let shown = cli_json(&env, &["show", "backup", "--json"]);
    assert_eq!(shown["trigger"], "cron 0 3 * * * (Europe/Berlin)");
    assert_eq!(shown["timeout_seconds"], 3600);

    let cli = env
        .tick(&["add", "cron", "0 3 * * * * *", "--", "true"])
        .usage_error();
    let before = (jobs_count(&env), env.snapshot());
    b.go(&format!("{}/new", server.base));
    b.type_into("#f-trigger", "cron '0 3 * * * * *'");
    b.type_into("#f-command", "true");
    b.click("#submit");
    wait_for("the refusal", 10, || {
        b.eval("return document.querySelectorAll('#form-error').length") == json!(1)
    });
    assert_eq!(b.text("#form-error"), cli.trim_start_matches("error: "));
    assert_eq!(
        b.eval("return document.querySelector('#f-command').value"),
        json!("true"),
        "what was typed is kept"
    );
    assert_eq!(
        (jobs_count(&env), env.snapshot()),
        before,
        "nothing written"
    );
}

/// Change a job's trigger and command with the form: a bad cron
/// expression shows the command line's message and writes nothing (not
/// the command either); a good one changes both.
#[test]
#[cfg_attr(
    tick_no_chromium,
    ignore = "no /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)"
)]
fn change_a_job_with_the_form_in_a_browser() {
    let env = Env::new();
    let server = with_backup(&env);
    let Some(b) = browser(1280, 900) else { return };
    log_in(&b, &server.base);
    b.go(&format!("{}/jobs/backup", server.base));
    b.click("#change");
    wait_for("the change form", 10, || {
        b.url().ends_with("/jobs/backup/edit")
    });
    assert_eq!(
        b.eval("return document.querySelector('#f-trigger').value"),
        json!("cron '0 3 * * *' --tz Europe/Berlin")
    );
    let cli = env
        .tick(&["reschedule", "backup", "cron", "70 3 * * *"])
        .usage_error();
    let before = env.snapshot();
    b.clear("#f-trigger");
    b.type_into("#f-trigger", "cron '70 3 * * *'");
    b.clear("#f-command");
    b.type_into("#f-command", "changed.sh");
    b.click("#submit");
    wait_for("the refusal", 10, || {
        b.eval("return document.querySelectorAll('#form-error').length") == json!(1)
    });
    assert_eq!(b.text("#form-error"), cli.trim_start_matches("error: "));
    assert_eq!(
        env.snapshot(),
        before,
        "nothing written, not the command either"
    );
    b.clear("#f-trigger");
    b.type_into("#f-trigger", "interval --every 2h");
    b.click("#submit");
    wait_for("the job's page", 10, || {
        b.url().ends_with("/jobs/backup?did=changed")
    });
    let shown = cli_json(&env, &["show", "backup", "--json"]);
    assert_eq!(shown["trigger"], "every 2h");
    assert_eq!(shown["command"], "changed.sh");
}

/// Run now from the jobs page: without a live runner a banner says so,
/// the button is disabled, and a post of its form is refused with the
/// reason, nothing written; with a runner it runs the job.
#[test]
#[cfg_attr(
    tick_no_chromium,
    ignore = "no /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)"
)]
fn run_now_from_the_jobs_page_with_and_without_a_runner() {
    let env = Env::new();
    let tok = token_file(&env);
    add_cron(&env, "backup", "0 3 * * *", "true");
    let server = serve(&env, &["--token-file", &tok]);
    let Some(b) = browser(1280, 900) else { return };
    log_in(&b, &server.base);
    b.go(&format!("{}/", server.base));
    assert!(b.text("#no-runner").starts_with("No runner is alive"));
    let button = "form[action='/jobs/backup/run'] button";
    assert_eq!(
        b.eval(&format!(
            "return document.querySelector(\"{button}\").disabled"
        )),
        json!(true)
    );
    let before = env.snapshot();
    // What a click would send if it could: the form, posted by the browser.
    b.eval("document.querySelector(\"form[action='/jobs/backup/run']\").submit()");
    wait_for("the refusal", 10, || b.url().ends_with("/jobs/backup/run"));
    assert!(
        b.text("main")
            .contains("no runner is running: start `tick run`"),
        "{}",
        b.text("main")
    );
    assert_eq!(env.snapshot(), before, "nothing written");

    let runner = env.runner("run", &[]);
    runner.wait_log("scheduler started", 10);
    b.go(&format!("{}/", server.base));
    assert_eq!(
        b.eval("return document.querySelectorAll('#no-runner').length"),
        json!(0)
    );
    b.click(button);
    wait_for("back on the jobs page", 10, || {
        b.url().ends_with("/?did=run&job=backup")
    });
    assert!(b.text(".flash").starts_with("Run now"));
    wait_for("the run", 10, || {
        cli_json(&env, &["history", "backup", "--json"])
            .as_array()
            .is_some_and(|a| !a.is_empty())
    });
}

/// A job whose name and output try markup: in every chart's and strip's
/// tooltip (SVG `<title>`), the timeline and the change form, the name is
/// the text it is, and nothing ran.
#[test]
#[cfg_attr(
    tick_no_chromium,
    ignore = "no /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)"
)]
fn hostile_text_stays_text_in_charts_tooltips_and_forms_in_a_browser() {
    let env = Env::new();
    let tok = token_file(&env);
    add_hostile(&env);
    env.tick(&["fire", "evil"]).output();
    let server = serve(&env, &["--token-file", &tok]);
    let Some(b) = browser(1280, 900) else { return };
    log_in(&b, &server.base);
    let titles = |b: &Browser| -> Vec<String> {
        let v =
            b.eval("return [...document.querySelectorAll('svg title')].map(t => t.textContent)");
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect()
    };
    let who = format!("evil ({HOSTILE_NAME})");
    for path in ["/", "/jobs/evil", "/timeline"] {
        b.go(&format!("{}{path}", server.base));
        assert_inert(&b);
        let t = titles(&b);
        assert!(
            t.iter().any(|t| t.contains(&who)),
            "{path}: the name as text in a picture's text: {t:?}"
        );
        assert_eq!(
            b.eval(
                "return document.querySelectorAll('svg script, svg foreignObject, svg b').length"
            ),
            json!(0)
        );
    }
    b.go(&format!("{}/jobs/evil", server.base));
    let marks = titles(&b);
    assert!(
        marks
            .iter()
            .any(|t| t.starts_with('#') && t.contains("success")),
        "{marks:?}"
    );
    b.go(&format!("{}/jobs/evil/edit", server.base));
    assert_eq!(
        b.eval("return document.querySelector('#f-name').value"),
        json!(HOSTILE_NAME)
    );
    assert!(b
        .eval("return document.querySelector('#f-command').value")
        .as_str()
        .unwrap()
        .contains("<img src=x onerror=alert(1)>"));
    assert_inert(&b);
}
