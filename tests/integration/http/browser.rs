//! The page in a real headless browser: Debian's Chromium driven through
//! chromedriver's WebDriver protocol (plain HTTP and JSON, spoken with the
//! same client as the API tests). Skipped, saying so, where either is
//! missing, except under CI (where `.ci/run` installs them).
//!
//! chromedriver runs in a process group of its own with a fresh profile
//! folder; dropping the [`Browser`] ends the session and kills the group,
//! so no browser outlives its test.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{kill_process_group, Pid, Signal};
use serde_json::{json, Value};

use super::page::{add_hostile, HOSTILE_NAME};
use super::{add_cron, cli_json, serve, token_file, TOKEN};
use crate::util::{wait_for, Env};

pub struct Browser {
    driver: Child,
    agent: ureq::Agent,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(format!("{}/session/{}", self.base, self.session))
            .call();
        if let Some(pid) = Pid::from_raw(self.driver.id() as i32) {
            let _ = kill_process_group(pid, Signal::KILL);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A headless Chromium, or `None` (after saying so) where there is none.
pub fn browser(width: u32, height: u32) -> Option<Browser> {
    let found = |p: &str| std::path::Path::new(p).exists();
    if !found("/usr/bin/chromium") || !found("/usr/bin/chromedriver") {
        assert!(
            std::env::var_os("CI").is_none(),
            "no chromium or chromedriver (apt-get install chromium chromium-driver), and CI is set"
        );
        crate::util::skipped("no /usr/bin/chromium or /usr/bin/chromedriver for the browser tests");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let profile = tempfile::tempdir().unwrap();
    let mut b = Browser {
        driver,
        agent,
        base: format!("http://127.0.0.1:{port}"),
        session: String::new(),
        _profile: profile,
    };
    let end = Instant::now() + Duration::from_secs(20);
    while b.agent.get(format!("{}/status", b.base)).call().is_err() {
        assert!(Instant::now() < end, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let args = [
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        format!("--user-data-dir={}", b._profile.path().display()),
        format!("--window-size={width},{height}"),
    ];
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}
    }}});
    let v = b.call("POST", "/session", Some(caps));
    b.session = v["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {v}"))
        .to_string();
    Some(b)
}

impl Browser {
    /// A WebDriver command; its `value`.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, b) => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(b.unwrap_or(json!({})).to_string()),
        };
        let text = resp
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
            .into_body()
            .read_to_string()
            .unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        v["value"].clone()
    }

    pub fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.call("GET", "/url", None).as_str().unwrap().to_string()
    }

    /// Run a script in the page (WebDriver's, not the page's: the page
    /// itself may run none).
    pub fn eval(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn element(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    pub fn text(&self, css: &str) -> String {
        let id = self.element(css);
        self.call("GET", &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn click(&self, css: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/click"), None);
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Empty a form field.
    pub fn clear(&self, css: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/clear"), None);
    }

    /// Make the page `width` CSS pixels wide (a window of that size:
    /// `--window-size` alone may give a wider one) and check it is.
    pub fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        );
        assert_eq!(
            self.eval("return window.innerWidth"),
            json!(width),
            "the window is {width} px wide"
        );
    }

    /// Show pages as the system's dark mode asks (`prefers-color-scheme:
    /// dark`, through Chromium's DevTools).
    pub fn dark(&self) {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": "Emulation.setEmulatedMedia", "params": {
                "features": [{"name": "prefers-color-scheme", "value": "dark"}]}})),
        );
    }

    /// Whether a JavaScript dialog (alert) is open.
    pub fn alert_open(&self) -> bool {
        self.call("GET", "/alert/text", None).is_string()
    }

    /// A PNG of the window.
    pub fn screenshot(&self) -> Vec<u8> {
        let b64 = self.call("GET", "/screenshot", None);
        base64_decode(b64.as_str().unwrap())
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, c)| {
            acc | (u32::from(val(*c)) << (18 - 6 * i))
        });
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

/// Nothing in the page is script, image or bold markup from a job, and
/// no dialog opened.
pub fn assert_inert(b: &Browser) {
    assert_eq!(b.eval("return document.scripts.length"), json!(0));
    assert_eq!(
        b.eval("return document.querySelectorAll('main img, main b').length"),
        json!(0)
    );
    assert!(!b.alert_open(), "a job's text opened a dialog");
}

#[test]
#[cfg_attr(
    tick_no_chromium,
    ignore = "no /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)"
)]
fn the_jobs_table_renders_and_hostile_text_stays_text_in_a_browser() {
    let env = Env::new();
    add_hostile(&env);
    env.tick(&[
        "add",
        "interval",
        "--every",
        "1h",
        "--id",
        "backup",
        "--name",
        "nightly backup",
        "--",
        "backup.sh",
    ])
    .ok();
    env.tick(&["fire", "evil"]).output();
    let server = serve(&env, &[]);
    let Some(b) = browser(1200, 800) else { return };
    b.go(&format!("{}/", server.base));
    assert_eq!(b.eval("return document.title"), json!("Jobs · tick"));
    let rows = b.eval("return [...document.querySelectorAll('main table')[0].tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText))");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let evil = rows.iter().find(|r| r[0] == "evil").expect("evil's row");
    assert_eq!(evil[1], HOSTILE_NAME, "the name shows as the text it is");
    assert_eq!(evil[6], "active", "STATE, after LAST 20 RUNS");
    let backup = rows.iter().find(|r| r[0] == "backup").unwrap();
    assert_eq!(backup[2], "every 1h");
    assert_inert(&b);

    b.click("a[href='/jobs/evil']");
    wait_for("the job page", 10, || b.url().ends_with("/jobs/evil"));
    assert_inert(&b);
    b.click("a[href='/jobs/evil/executions/1']");
    wait_for("the execution page", 10, || {
        b.url().ends_with("/executions/1")
    });
    let out = b.text("#stdout");
    assert!(out.contains("<img src=x onerror=alert(1)>"), "{out}");
    assert!(
        out.contains("</pre><script>alert(2)</script>\\x1b[31mred"),
        "{out}"
    );
    assert_inert(&b);
}

#[test]
#[cfg_attr(
    tick_no_chromium,
    ignore = "no /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)"
)]
fn pause_from_the_page_after_logging_in_in_a_browser() {
    let env = Env::new();
    let tok = token_file(&env);
    add_cron(&env, "backup", "0 3 * * *", "backup.sh");
    let server = serve(&env, &["--token-file", &tok]);
    let Some(b) = browser(1200, 800) else { return };
    // With a token file every page but the login needs the token: the
    // job's page sends a browser without one to the login.
    b.go(&format!("{}/jobs/backup", server.base));
    wait_for("the login page", 10, || b.url().contains("/login"));
    assert_eq!(
        b.eval("return document.querySelectorAll('#pause').length"),
        json!(0)
    );
    b.type_into("#token", "wrong-token-wrong-token");
    b.click("#login");
    wait_for("a refusal", 10, || {
        b.eval("return document.body.innerText")
            .as_str()
            .unwrap_or("")
            .contains("Wrong token.")
    });
    b.type_into("#token", TOKEN);
    b.click("#login");
    wait_for("back on the job page", 10, || {
        b.url().ends_with("/jobs/backup")
    });
    assert_eq!(
        b.eval("return document.cookie"),
        json!(""),
        "the session cookie is HttpOnly"
    );
    b.click("#pause");
    wait_for("the flash", 10, || b.url().ends_with("?did=paused"));
    assert_eq!(b.text(".flash"), "Paused.");
    let shown = cli_json(&env, &["show", "backup", "--json"]);
    assert_eq!(shown["state"], "paused");
    b.click("#resume");
    wait_for("resumed", 10, || b.url().ends_with("?did=resumed"));
    let shown = cli_json(&env, &["show", "backup", "--json"]);
    assert_eq!(shown["state"], "active");
}

/// On a phone-sized window the page does not overflow sideways (every
/// page at both widths, element by element: `screens.rs`).
#[test]
#[cfg_attr(
    tick_no_chromium,
    ignore = "no /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)"
)]
fn the_page_fits_a_phone() {
    let env = Env::new();
    add_hostile(&env);
    for i in 0..5 {
        let id = format!("job-with-a-rather-long-id-{i}");
        env.tick(&[
            "add",
            "cron",
            "*/15 9-17 * * mon-fri",
            "--tz",
            "America/Argentina/Buenos_Aires",
            "--id",
            &id,
            "--",
            "true",
        ])
        .ok();
    }
    let server = serve(&env, &[]);
    let Some(b) = browser(390, 844) else { return };
    b.resize(390, 844);
    for path in ["/", "/jobs/evil"] {
        b.go(&format!("{}{path}", server.base));
        let fits = b.eval("return document.documentElement.scrollWidth <= window.innerWidth + 1");
        assert_eq!(
            fits,
            json!(true),
            "{path} overflows: {}",
            b.eval("return [document.documentElement.scrollWidth, window.innerWidth]")
        );
        let font = b.eval("return parseFloat(getComputedStyle(document.body).fontSize)");
        assert!(font.as_f64().unwrap() >= 14.0, "{font}");
    }
    let png = b.screenshot();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}
