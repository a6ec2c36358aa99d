//! The login: `GET /login` (the form), `POST /login` (check the token,
//! set the session cookie: HttpOnly, SameSite=Strict), `POST /logout`.

use super::{error_page, escape, html_response, layout, see_other, Refresh, Visitor};
use crate::http::server::{form_pairs, Request, Response};
use crate::http::App;

/// Send to the login page, coming back to `path` after.
pub fn to_login(path: &str) -> Response {
    see_other(&format!(
        "/login?next={}",
        crate::http::server::percent_encode(path)
    ))
}

/// Where to go after a login: only a path on this server, `/` followed by
/// anything but `/` or `\` (`//host` and `/\host` name another site), with
/// no control character (a browser drops a tab: `/<TAB>/evil.example` is
/// `//evil.example` to it). Anything else goes to `/`.
pub(super) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !matches!(n.as_bytes().get(1), Some(b'/' | b'\\'))
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// `GET /login` (the form), `POST /login` (check the token, set the
/// cookie), `POST /logout`.
pub fn login(app: &App, req: &Request, method: &str) -> Response {
    let v = Visitor::of(app, false);
    if method == "POST" {
        if let Some(why) = crate::http::auth::check_origin(req, true) {
            return html_response(
                403,
                layout(
                    "Not allowed",
                    &v,
                    Refresh::Never,
                    &format!("<p class=\"bad\">{}</p>", escape(&why)),
                ),
            );
        }
    }
    match (req.path.as_str(), method) {
        ("/logout", "POST") => {
            if let Some(id) = req.cookie(crate::http::auth::COOKIE) {
                app.sessions.close(id);
            }
            see_other("/").with(
                "Set-Cookie",
                format!(
                    "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
                    crate::http::auth::COOKIE
                ),
            )
        }
        ("/login", "GET") => {
            let next = req
                .query_pairs()
                .unwrap_or_default()
                .into_iter()
                .find(|(k, _)| k == "next")
                .map(|(_, v)| v);
            html_response(200, login_form(&v, &safe_next(next.as_deref()), None))
        }
        ("/login", "POST") => {
            let form = form_pairs(&String::from_utf8_lossy(&req.body)).unwrap_or_default();
            let get = |k: &str| {
                form.iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.as_str())
            };
            let next = safe_next(get("next"));
            if !app.throttle.allows(req.peer) {
                let why = "Too many wrong tokens from your address: wait a second and try again.";
                return html_response(429, login_form(&v, &next, Some(why)))
                    .with("Retry-After", "1");
            }
            let ok = match (&app.token, get("token")) {
                (Some(t), Some(given)) => t.matches(given.trim()),
                _ => false,
            };
            if !ok {
                // Slows down guessing (without holding the connection).
                app.throttle.failed(req.peer);
                let why = if app.token.is_none() {
                    "This server has no token (--token-file), so there is nothing to log in to."
                } else {
                    "Wrong token."
                };
                return html_response(401, login_form(&v, &next, Some(why)));
            }
            match app.sessions.open() {
                Ok(id) => see_other(&next).with(
                    "Set-Cookie",
                    format!(
                        "{}={id}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict",
                        crate::http::auth::COOKIE,
                        crate::http::auth::SESSION_TTL.as_secs()
                    ),
                ),
                Err(e) => error_page(&v, &e),
            }
        }
        _ => Response::error(405, "use GET or POST"),
    }
}

fn login_form(v: &Visitor, next: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"bad\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Log in</h1>{error}\n<p>Give the token of this server's <code>--token-file</code> \
to pause, resume and run jobs from this page.</p>\n\
<form method=\"post\" action=\"/login\" class=\"login\">\
<input type=\"hidden\" name=\"next\" value=\"{}\">\
<label>Token <input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"current-password\" required></label> \
<button id=\"login\">Log in</button></form>\n",
        escape(next)
    );
    layout("Log in", v, Refresh::Never, &body)
}
