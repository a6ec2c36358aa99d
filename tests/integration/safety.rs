//! The jobs file against another local user: what tick reads beside the
//! jobs file (`-wal`, `-shm`, `-journal`, `.lock`) and the folders above it
//! are checked like the file itself; links never make a second file or a
//! second runner. Tests that need files of another user (`nobody`) run as
//! root; elsewhere they are ignored or say they were skipped, and under
//! `CI` they fail.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::util::Env;

const NOBODY: u32 = 65534;

/// Whether files can be given to another user here (root only).
fn can_chown(test: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test} needs root to make files another user's, and CI is set"
    );
    crate::util::skipped(&format!("{test} needs root to make files another user's"));
    false
}

fn me() -> u32 {
    rustix::process::geteuid().as_raw()
}

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::chown(path, Some(uid), None).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Exit 1, nothing on stdout, one `error: refusing jobs file ...` line
/// naming the real jobs file; returns that line.
fn refused(out: std::process::Output, db: &Path) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let real = std::fs::canonicalize(db).unwrap();
    assert!(
        err.starts_with(&format!("error: refusing jobs file {}: ", real.display())),
        "{err}"
    );
    err
}

/// A jobs file with one job and the files SQLite leaves beside it.
fn jobs_file(env: &Env, db: &Path) {
    // A --db's folder must exist (only the default location's is made).
    let dir = db.parent().unwrap();
    if !dir.exists() {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    env.tick(&[
        "--db",
        db.to_str().unwrap(),
        "add",
        "--id",
        "mine",
        "cron",
        "@daily",
        "--",
        "true",
    ])
    .ok();
}

fn beside(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

#[test]
fn a_group_writable_wal_is_refused_with_the_chmod_that_fixes_it() {
    // `chmod -R g+w` then tick's own advice (`chmod 600 jobs.db`) used to
    // leave the write-ahead log, where SQLite reads committed jobs from,
    // writable by the group.
    let env = Env::new();
    jobs_file(&env, &env.db());
    let wal = beside(&env.db(), "-wal");
    assert!(wal.exists(), "no write-ahead log to test with");
    chmod(&wal, 0o660);
    let before = env.snapshot();
    for args in [&["list"][..], &["add", "cron", "@daily", "--", "x"]] {
        let err = refused(env.tick(args).output(), &env.db());
        assert!(
            err.contains(&format!(
                "its write-ahead log {} is writable by group or others (mode 0660)",
                wal.display()
            )) && err.ends_with(&format!("fix with: chmod 600 {}\n", wal.display())),
            "{err}"
        );
    }
    assert_eq!(env.snapshot(), before);
    chmod(&wal, 0o600);
    assert!(env.tick(&["list"]).ok().contains("mine"));
}

#[test]
#[cfg_attr(tick_not_root, ignore = "needs root, to make files another user's")]
fn files_beside_the_jobs_file_owned_by_another_user_are_refused() {
    if !can_chown("files_beside_the_jobs_file_owned_by_another_user_are_refused") {
        return;
    }
    let env = Env::new();
    jobs_file(&env, &env.db());
    for (suffix, role) in [
        ("-wal", "its write-ahead log"),
        ("-shm", "its shared-memory index"),
        ("-journal", "its rollback journal"),
        (".lock", "its runner lock"),
    ] {
        let path = beside(&env.db(), suffix);
        if !path.exists() {
            std::fs::write(&path, "").unwrap();
            chmod(&path, 0o600);
        }
        chown(&path, NOBODY);
        let err = refused(env.tick(&["list"]).output(), &env.db());
        assert!(
            err.contains(&format!(
                "{role} {} is owned by uid {NOBODY}, not by you (uid {})",
                path.display(),
                me()
            )) && err.contains(&format!("chown {} {}", me(), path.display())),
            "{err}"
        );
        chown(&path, me());
    }
    assert!(env.tick(&["list"]).ok().contains("mine"));
}

#[test]
#[cfg_attr(tick_not_root, ignore = "needs root, to make files another user's")]
fn another_users_write_ahead_log_never_runs_as_you() {
    // The attack as reported: the folder belongs to another user, who puts
    // the write-ahead log of their own tick file beside your jobs file.
    if !can_chown("another_users_write_ahead_log_never_runs_as_you") {
        return;
    }
    let env = Env::new();
    let theirs = env.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    let their_db = theirs.join("jobs.db");
    let pwned = env.path().join("pwned");
    env.tick(&[
        "--db",
        their_db.to_str().unwrap(),
        "add",
        "--id",
        "backup",
        "cron",
        "* * * * * *",
        "--",
        &format!("id > {}", pwned.display()),
    ])
    .ok();
    let shared = env.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    let db = shared.join("jobs.db");
    jobs_file(&env, &db);
    chown(&shared, NOBODY);
    std::fs::copy(beside(&their_db, "-wal"), beside(&db, "-wal")).unwrap();
    let _ = std::fs::remove_file(beside(&db, "-shm"));
    let db_s = db.to_str().unwrap();
    let err = refused(env.tick(&["--db", db_s, "list"]).output(), &db);
    assert!(
        err.contains(&format!(
            "folder {} is owned by uid {NOBODY}, not by you (uid {}) or root",
            shared.display(),
            me()
        )),
        "{err}"
    );
    let mut runner = env.runner("run", &["--db", db_s]);
    let status = runner.wait_exit(10).expect("tick run did not refuse");
    assert_eq!(status.code(), Some(1), "{}", runner.log());
    assert!(
        runner.log().contains("refusing jobs file"),
        "{}",
        runner.log()
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!pwned.exists(), "their command ran as you");
}

#[test]
fn the_runner_lock_is_never_followed_nor_someone_elses() {
    let env = Env::new();
    jobs_file(&env, &env.db());
    // A file of yours the lock must not overwrite.
    let victim = env.path().join("victim");
    std::fs::write(&victim, "secret").unwrap();
    chmod(&victim, 0o600);
    let lock = beside(&env.db(), ".lock");
    std::os::unix::fs::symlink(&victim, &lock).unwrap();
    let mut runner = env.runner("run", &["--no-echo"]);
    let status = runner
        .wait_exit(10)
        .expect("tick run did not refuse the link");
    assert_eq!(status.code(), Some(1), "{}", runner.log());
    let log = runner.log();
    assert!(
        log.contains(&format!(
            "its runner lock {} is a symbolic link, which tick does not follow; remove it: rm {}",
            lock.display(),
            lock.display()
        )),
        "{log}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "secret");
    std::fs::remove_file(&lock).unwrap();
    if !can_chown("the_runner_lock_is_never_followed_nor_someone_elses") {
        return;
    }
    std::fs::write(&lock, "").unwrap();
    chmod(&lock, 0o600);
    chown(&lock, NOBODY);
    let mut runner = env.runner("run2", &["--no-echo"]);
    let status = runner
        .wait_exit(10)
        .expect("tick run took a lock of another user");
    assert_eq!(status.code(), Some(1), "{}", runner.log());
    assert!(
        runner.log().contains("its runner lock") && runner.log().contains("owned by uid 65534"),
        "{}",
        runner.log()
    );
}

#[test]
fn a_hard_linked_jobs_file_is_refused() {
    // SQLite keeps a write-ahead log per name: writes through two names
    // corrupted the file.
    let env = Env::new();
    jobs_file(&env, &env.db());
    let other = env.path().join("h.db");
    std::fs::hard_link(env.db(), &other).unwrap();
    let before = env.snapshot();
    for db in [env.db(), other.clone()] {
        let db_s = db.to_str().unwrap();
        for args in [&["list"][..], &["add", "cron", "@daily", "--", "x"]] {
            let mut all = vec!["--db", db_s];
            all.extend_from_slice(args);
            let err = refused(env.tick(&all).output(), &db);
            assert!(
                err.contains("it has 2 names (hard links)")
                    && err.contains(&format!("find / -xdev -samefile {db_s}")),
                "{err}"
            );
        }
    }
    assert_eq!(env.snapshot(), before);
    std::fs::remove_file(&other).unwrap();
    assert!(env.tick(&["list"]).ok().contains("mine"));
}

#[test]
fn a_symbolic_link_is_the_same_file_with_the_same_runner() {
    let env = Env::new();
    jobs_file(&env, &env.db());
    let real = std::fs::canonicalize(env.db()).unwrap();
    let link = env.path().join("link.db");
    std::os::unix::fs::symlink("jobs.db", &link).unwrap();
    let link_s = link.to_str().unwrap();
    // Reads and writes through the link reach the real file.
    env.tick(&[
        "--db", link_s, "add", "--id", "via-link", "cron", "@daily", "--", "true",
    ])
    .ok();
    assert!(env.tick(&["list"]).ok().contains("via-link"));
    // One runner: the second name finds the first runner's lock.
    let first = env.runner("first", &["--no-echo"]);
    first.wait_log("scheduler started", 10);
    let second = env.runner("second", &["--no-echo", "--db", link_s]);
    second.wait_log(&format!("{} is held by tick run (pid", real.display()), 10);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !second.log().contains("scheduler started"),
        "{}",
        second.log()
    );
    drop(second);
    drop(first);
    // Messages name the real file, not the link.
    chmod(&env.db(), 0o664);
    let err = refused(env.tick(&["--db", link_s, "list"]).output(), &env.db());
    assert!(
        err.contains(&format!("fix with: chmod 600 {}", real.display())),
        "{err}"
    );
}

#[test]
fn folders_others_can_write_are_refused_and_nothing_is_created_in_them() {
    let env = Env::new();
    let dir = env.path().join("d");
    let db = dir.join("jobs.db");
    let db_s = db.to_str().unwrap();
    jobs_file(&env, &db);
    chmod(&dir, 0o775);
    let err = refused(env.tick(&["--db", db_s, "list"]).output(), &db);
    assert!(
        err.contains(&format!(
            "folder {} is writable by group or others (mode 0775)",
            dir.display()
        )) && err.ends_with(&format!("fix with: chmod go-w {}\n", dir.display())),
        "{err}"
    );
    let new = dir.join("new.db");
    let out = env
        .tick(&[
            "--db",
            new.to_str().unwrap(),
            "add",
            "cron",
            "@daily",
            "--",
            "x",
        ])
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert!(!new.exists(), "a jobs file was created in a refused folder");
    // Sticky like /tmp: still refused as the jobs file's own folder, where
    // another user could create jobs.db-wal before SQLite does.
    chmod(&dir, 0o1777);
    let err = refused(env.tick(&["--db", db_s, "list"]).output(), &db);
    assert!(
        err.contains("is shared (mode 1777): another user could create jobs.db-wal"),
        "{err}"
    );
    // Above the folder, a writable folder is refused too; a sticky one is not.
    chmod(&dir, 0o700);
    chmod(env.path(), 0o777);
    let err = refused(env.tick(&["--db", db_s, "list"]).output(), &db);
    assert!(err.contains("mode 0777"), "{err}");
    chmod(env.path(), 0o1777);
    assert!(env.tick(&["--db", db_s, "list"]).ok().contains("mine"));
    chmod(env.path(), 0o700);
    if !can_chown("folders_others_can_write_are_refused_and_nothing_is_created_in_them") {
        return;
    }
    chown(&dir, NOBODY);
    let err = refused(env.tick(&["--db", db_s, "list"]).output(), &db);
    assert!(err.contains("is owned by uid 65534"), "{err}");
}

#[test]
fn fifos_devices_and_folders_get_a_clean_error() {
    let env = Env::new();
    let fifo = env.path().join("fifo.db");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let folder = env.path().join("folder.db");
    std::fs::create_dir(&folder).unwrap();
    for path in [fifo.as_path(), Path::new("/dev/null"), folder.as_path()] {
        let out = env.tick(&["--db", path.to_str().unwrap(), "list"]).output();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(
            err,
            format!(
                "error: jobs file {} is not a regular file\n",
                path.display()
            )
        );
    }
}
