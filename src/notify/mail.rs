//! A notice as mail, the way cron's `MAILTO` sends it: the message on the
//! standard input of the local `sendmail -oi -t` (found on `PATH`, else
//! `/usr/sbin/sendmail` or `/usr/lib/sendmail`), which reads the
//! recipients from its `To:` header. tick speaks no SMTP itself: whatever
//! delivers the machine's mail (Postfix, msmtp, nullmailer...) does.

use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{kill_process_group, Pid, Signal};

use super::Message;

/// Where `sendmail` is looked for after `PATH`.
const SENDMAIL: [&str; 2] = ["/usr/sbin/sendmail", "/usr/lib/sendmail"];

fn sendmail() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("sendmail"))
        .chain(SENDMAIL.iter().map(Into::into))
        .find(|p| rustix::fs::access(p, rustix::fs::Access::EXEC_OK).is_ok() && p.is_file())
}

/// The mail: headers, a blank line, the text (and the output's tail).
pub fn compose(to: &str, m: &Message) -> String {
    let mut mail = format!(
        "To: {to}\nSubject: {}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\nAuto-Submitted: auto-generated\nX-Tick-Event: {}\n",
        header_text(&m.subject()),
        m.event
    );
    if let Some(job) = &m.job_id {
        mail.push_str(&format!("X-Tick-Job: {}\n", header_text(job)));
    }
    mail.push('\n');
    // The text without the chat's fenced output; the whole tail instead.
    let text = m.text.split("\n```").next().unwrap_or(&m.text);
    mail.push_str(text);
    mail.push('\n');
    if let Some(out) = &m.output {
        mail.push_str("\nOutput (its last 2 KiB):\n\n");
        mail.push_str(out);
        if !out.ends_with('\n') {
            mail.push('\n');
        }
    }
    mail
}

/// A header's value: one line; RFC 2047 encoded when not plain ASCII.
fn header_text(s: &str) -> String {
    let one: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one.is_ascii() {
        return one;
    }
    format!("=?UTF-8?B?{}?=", base64(one.as_bytes()))
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Hand the mail to `sendmail`, waiting at most `timeout` for it.
pub fn send(to: &str, m: &Message, timeout: Duration) -> Result<(), String> {
    let program = sendmail()
        .ok_or("no sendmail found (on PATH, /usr/sbin or /usr/lib): install a mail transfer agent such as msmtp-mta or postfix")?;
    let mut child = Command::new(&program)
        .args(["-oi", "-t"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    // A mail is a few KiB: the pipe takes it whole.
    let written = child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(compose(to, m).as_bytes()));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                if let Some(pid) = Pid::from_raw(child.id() as i32) {
                    let _ = kill_process_group(pid, Signal::KILL);
                }
                let _ = child.wait();
                return Err(format!("sendmail took longer than {}s", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    };
    if let Some(Err(e)) = written {
        return Err(format!("cannot give sendmail the mail: {e}"));
    }
    match (status.code(), status.signal()) {
        (Some(0), _) => Ok(()),
        (Some(c), _) => Err(format!("sendmail exited with {c}")),
        (_, Some(s)) => Err(format!("sendmail was killed by signal {s}")),
        _ => Err("sendmail failed".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_encodes_as_the_rfc_says() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(header_text("a\nb"), "a b");
        assert_eq!(header_text("é"), "=?UTF-8?B?w6k=?=");
    }
}
