//! The harness of the HTTP tests: a server on a random port (killed on
//! drop), a real HTTP client, raw sockets, the token file.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::Env;

pub const TOKEN: &str = "s3cret-token-for-tests-0123456789";

/// A `tick serve` (or `tick run --http`) in the background, killed and
/// reaped on drop.
pub struct Server {
    child: Child,
    stderr: PathBuf,
    pub port: u16,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Write the test token into a private file; its path.
pub fn token_file(env: &Env) -> String {
    let p = env.path().join("token");
    std::fs::write(&p, format!("{TOKEN}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p.to_str().unwrap().to_string()
}

/// `tick ARGS...` that serves (`serve --listen 127.0.0.1:0 ...` or `run
/// --http 127.0.0.1:0 ...`), once it says where.
pub fn start(env: &Env, name: &str, args: &[&str]) -> Server {
    let stderr = env.path().join(format!("{name}.err"));
    let child = env
        .command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("start tick");
    let mut server = Server {
        child,
        stderr,
        port: 0,
        base: String::new(),
    };
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        let log = server.log();
        if let Some(rest) = log.split("serving http://").nth(1) {
            let rest = rest.split_whitespace().next().unwrap();
            let port: String = rest.rsplit(':').next().unwrap().to_string();
            server.port = port.parse().unwrap();
            server.base = format!("http://127.0.0.1:{}", server.port);
            return server;
        }
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!("tick exited with {status:?}: {log}");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the server never said where it listens: {}", server.log());
}

pub fn serve(env: &Env, extra: &[&str]) -> Server {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    start(env, "serve", &args)
}

/// A reply: status, headers, body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `error` of a `{"error": "..."}`, asserting that shape.
    pub fn error(&self) -> String {
        let v = self.json();
        let obj = v.as_object().expect("an object");
        assert_eq!(obj.len(), 1, "only 'error': {v}");
        obj["error"].as_str().expect("a string").to_string()
    }
}

/// A real HTTP client (ureq) that reports 4xx and 5xx as replies.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
}

impl Client {
    pub fn new(server: &Server, token: Option<&str>) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Client {
            agent,
            base: server.base.clone(),
            token: token.map(str::to_string),
        }
    }

    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.request_with(method, path, body.map(|b| b.to_string()), &[])
    }

    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(t) = &self.token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let result = match body {
            Some(b) => self.agent.run(
                req.header("Content-Type", "application/json")
                    .body(b)
                    .unwrap(),
            ),
            None => self.agent.run(req.body(()).unwrap()),
        };
        let resp = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp.into_body().read_to_string().unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.request("POST", path, Some(body))
    }
}

/// Send raw bytes and read the reply until the server closes (or 15 s).
pub fn raw(port: u16, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `tick add cron EXPR --id ID -- COMMAND`.
pub fn add_cron(env: &Env, id: &str, expr: &str, command: &str) {
    env.tick(&["add", "cron", expr, "--id", id, "--", command])
        .ok();
}

pub fn cli_json(env: &Env, args: &[&str]) -> Value {
    serde_json::from_str(&env.tick(args).ok()).unwrap()
}

/// Times that are "now" when taken differ from one call to the next; the
/// rest must be equal.
pub fn without_relative(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("updated_at");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}
