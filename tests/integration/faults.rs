//! Files that fight back: a read-only filesystem, a full disk, a truncated
//! jobs file. Each gets a clear one-line error, exit 1, no panic, and the
//! file is left as it was (on a full disk: the same stored data and a file
//! that passes `PRAGMA integrity_check`). Read-only and full disks are real mounts (a
//! read-only bind mount, a 256 KiB tmpfs); where mounting is not allowed
//! (not root) these two tests are ignored (see build.rs), and say so if a
//! mount is refused anyway.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::Env;

struct Mount(PathBuf);

impl Mount {
    fn new(args: &[&str], at: &Path) -> Option<Mount> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(args)
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Mount(at.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn one_error_line(out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
#[cfg_attr(tick_not_root, ignore = "needs root, to bind-mount a folder read-only")]
fn read_only_filesystem() {
    let env = Env::new();
    let src = env.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let db = src.join("jobs.db");
    let db_s = db.to_str().unwrap();
    env.tick(&[
        "--db", db_s, "add", "--id", "a", "cron", "@daily", "--", "true",
    ])
    .ok();
    let ro = env.path().join("ro");
    let Some(bind) = Mount::new(&["--bind", src.to_str().unwrap()], &ro) else {
        crate::util::skipped("cannot bind-mount here");
        return;
    };
    assert!(Command::new("mount")
        .args(["-o", "remount,bind,ro"])
        .arg(&ro)
        .status()
        .unwrap()
        .success());
    let ro_db = ro.join("jobs.db");
    let ro_s = ro_db.to_str().unwrap();
    let before = (
        std::fs::read(&db).unwrap(),
        std::fs::read(src.join("jobs.db-wal")).unwrap_or_default(),
    );
    let err = one_error_line(
        &env.tick(&["--db", ro_s, "add", "cron", "@daily", "--", "x"])
            .output(),
    );
    assert!(
        err.starts_with(&format!(
            "error: cannot write jobs file {ro_s}: attempt to write a readonly database"
        )),
        "{err}"
    );
    // Reading still works.
    assert!(env
        .tick(&["--db", ro_s, "list"])
        .ok()
        .contains("cron @daily"));
    drop(bind);
    let after = (
        std::fs::read(&db).unwrap(),
        std::fs::read(src.join("jobs.db-wal")).unwrap_or_default(),
    );
    assert!(after == before, "the jobs file changed");
}

#[test]
#[cfg_attr(tick_not_root, ignore = "needs root, to mount a small tmpfs")]
fn full_disk() {
    let env = Env::new();
    let dir = env.path().join("small");
    let Some(_tmpfs) = Mount::new(&["-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs"], &dir)
    else {
        crate::util::skipped("cannot mount a tmpfs here");
        return;
    };
    let db = dir.join("jobs.db");
    let db_s = db.to_str().unwrap();
    env.tick(&[
        "--db", db_s, "add", "--id", "a", "cron", "@daily", "--", "true",
    ])
    .ok();
    // Fill the disk.
    let filler = dir.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let _ = std::io::Write::write_all(&mut f, &vec![0u8; 1 << 20]);
    drop(f);
    // SQLite may leave uncommitted frames at the end of the WAL (readers
    // ignore them): compare what is stored, and the file's integrity.
    let stored = || env.tick(&["--db", db_s, "list", "--all", "--json"]).ok();
    let before = stored();
    let big = "x".repeat(100_000);
    let err = one_error_line(
        &env.tick(&["--db", db_s, "add", "cron", "@daily", "--", &big])
            .output(),
    );
    assert!(
        err.contains(&format!(
            "cannot write jobs file {db_s}: database or disk is full"
        )),
        "{err}"
    );
    assert!(stored() == before, "the stored jobs changed");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    // Space again: the same add works and the old job is intact.
    std::fs::remove_file(&filler).unwrap();
    env.tick(&[
        "--db", db_s, "add", "--id", "b", "cron", "@daily", "--", &big,
    ])
    .ok();
    let listed = env.tick(&["--db", db_s, "list", "--json"]).ok();
    assert!(listed.contains("\"id\": \"a\"") && listed.contains("\"id\": \"b\""));
}

#[test]
fn truncated_jobs_file() {
    let env = Env::new();
    for i in 0..200 {
        env.tick(&[
            "add",
            "--id",
            &format!("j{i}"),
            "cron",
            "@daily",
            "--",
            &"x".repeat(200),
        ])
        .ok();
    }
    // Fold the WAL into the file, then cut the file in half.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    let _ = std::fs::remove_file(env.path().join("jobs.db-wal"));
    let _ = std::fs::remove_file(env.path().join("jobs.db-shm"));
    let bytes = std::fs::read(env.db()).unwrap();
    std::fs::write(env.db(), &bytes[..bytes.len() / 2]).unwrap();
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let before = std::fs::read(env.db()).unwrap();
    let out = env.tick(&["list"]).output();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("malformed") || err.contains("cannot open jobs file"),
        "{err}"
    );
    let out = env.tick(&["add", "cron", "@daily", "--", "x"]).output();
    assert_ne!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    assert!(
        std::fs::read(env.db()).unwrap() == before,
        "the truncated file changed"
    );
}
