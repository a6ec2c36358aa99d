//! Whether a jobs file may be trusted, decided before SQLite opens
//! anything. The jobs file holds commands that run as you, so whoever can
//! change what tick reads can run commands as you: like cron with a crontab
//! and OpenSSH with `~/.ssh` (`StrictModes`), tick refuses files and folders
//! that someone else could change.
//!
//! - **One real path.** The folder is canonicalized and a jobs file given
//!   through a symbolic link is followed, once, here. Everything else (the
//!   files SQLite puts beside it, the runner lock, every message) derives
//!   from that path, so two names for one file never make two runners.
//! - **Folders.** Every folder from `/` down to the jobs file must be owned
//!   by you or root and not writable by group or others, or a folder above
//!   it could be renamed and replaced. A sticky folder (like `/tmp`) may be
//!   shared above it: nobody else can rename what you own there. The
//!   jobs file's own folder may not be shared even when sticky: SQLite
//!   creates and removes `-wal`, `-shm` and `-journal` by name there, and
//!   another user could create them first.
//! - **Files.** The jobs file, and its `-wal`, `-shm`, `-journal` and
//!   `.lock` when present: a regular file (not a link), owned by you, not
//!   writable by group or others, with one name (SQLite keeps one
//!   write-ahead log per name, so two hard links corrupt the file).
//! - **The runner lock** is opened without following a link, and the
//!   opened file is checked, not its name.
//!
//! Every refusal is one line naming the path and the `chmod`, `chown` or
//! move that fixes it. What is not here: SQLite itself (`mod.rs`) and the
//! runner lock's `flock` (`lock.rs`).

use std::fs::{DirBuilder, File, Metadata, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use rustix::fs::{Mode, OFlags};

/// The files SQLite and tick put beside the jobs file, and what they are.
const BESIDE: [(&str, &str); 4] = [
    ("-wal", "its write-ahead log"),
    ("-shm", "its shared-memory index"),
    ("-journal", "its rollback journal"),
    (".lock", "its runner lock"),
];

/// The jobs file for a command that writes: the file created (0600) when
/// missing, and its folder (0700) when `make_folder` (else a missing
/// folder is an error naming it). Returns the real path.
pub fn create(path: &Path, make_folder: bool) -> Result<PathBuf> {
    let (dir, _) = split(path)?;
    if !dir.exists() && !make_folder {
        bail!(
            "cannot create jobs file {}: the folder {} does not exist (check --db and $TICK_DB, or create the folder first)",
            path.display(),
            dir.display()
        );
    }
    if !dir.exists() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("cannot create folder {}", dir.display()))?;
    }
    let real = resolve(path)?;
    if std::fs::symlink_metadata(&real).is_ok() {
        return Ok(real);
    }
    // Nothing is created in a folder that would then be refused.
    check_folders(&real)?;
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(OFlags::NOFOLLOW.bits() as i32)
        .open(&real)
    {
        Ok(_) => Ok(real),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(real),
        Err(e) => Err(e).with_context(|| format!("cannot create jobs file {}", real.display())),
    }
}

/// The jobs file for a command that reads: its real path, or `None` when
/// there is none yet. A path that cannot be looked at (a folder that
/// cannot be entered, a file where a folder should be) is an error naming
/// why, not "no jobs".
pub fn existing(path: &Path) -> Result<Option<PathBuf>> {
    match std::fs::metadata(path) {
        Ok(_) => resolve(path).map(Some),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read jobs file {}", path.display())),
    }
}

/// The real path of a jobs file: its folder canonicalized, and the file
/// itself followed when it is a symbolic link.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let (dir, name) = split(path)?;
    let dir = std::fs::canonicalize(&dir)
        .with_context(|| format!("cannot open the folder of jobs file {}", path.display()))?;
    let joined = dir.join(name);
    match std::fs::symlink_metadata(&joined) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(&joined).with_context(|| {
            format!(
                "jobs file {} is a symbolic link to nothing; tick does not create files through links",
                path.display()
            )
        }),
        _ => Ok(joined),
    }
}

/// Everything [`create`] and [`existing`] promise, checked on the real
/// path just before SQLite opens it.
pub fn check(db: &Path) -> Result<()> {
    let meta = std::fs::symlink_metadata(db)
        .with_context(|| format!("cannot read jobs file {}", db.display()))?;
    if !meta.is_file() {
        bail!("jobs file {} is not a regular file", db.display());
    }
    check_folders(db)?;
    check_file(db, db, None, &meta)?;
    for (suffix, role) in BESIDE {
        let path = beside(db, suffix);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) => check_file(db, &path, Some(role), &meta)?,
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {role} {}", path.display()))
            }
        }
    }
    Ok(())
}

/// Open (or create, 0600) the runner lock of `db` for writing: never
/// through a symbolic link, and only if the opened file passes the checks
/// of [`check`].
pub fn open_lock(db: &Path) -> Result<(File, PathBuf)> {
    let path = beside(db, ".lock");
    let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = match rustix::fs::open(&path, flags, Mode::from_raw_mode(0o600)) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::LOOP) => bail!(
            "refusing jobs file {}: its runner lock {} is a symbolic link, which tick run would write through; remove it: rm {}",
            db.display(),
            path.display(),
            quote(&path)
        ),
        Err(e) => {
            return Err(std::io::Error::from(e))
                .with_context(|| format!("cannot open runner lock {}", path.display()))
        }
    };
    let file = File::from(fd);
    let meta = file
        .metadata()
        .with_context(|| format!("cannot read runner lock {}", path.display()))?;
    check_file(db, &path, Some("its runner lock"), &meta)?;
    Ok((file, path))
}

/// `db` with `suffix` appended to its name: `jobs.db-wal`, `jobs.db.lock`.
pub fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    db.with_file_name(name)
}

/// The folder (`.` for a bare name) and the file name of a jobs file path.
fn split(path: &Path) -> Result<(PathBuf, &std::ffi::OsStr)> {
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("jobs file {} does not name a file", path.display()))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((dir, name))
}

fn me() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// A path as a shell word, for the commands in hints.
fn quote(path: &Path) -> String {
    shell_words::quote(&path.to_string_lossy()).into_owned()
}

/// Every folder from the jobs file's own up to `/`: owned by you or root,
/// not writable by group or others; above the jobs file's folder, a sticky
/// one may be.
fn check_folders(db: &Path) -> Result<()> {
    check_folders_of(db, "jobs file", false)
}

/// Every folder from `file`'s own up to `/` (`file` a real path): owned by
/// you or root, not writable by group or others unless sticky. The file's
/// own folder may be sticky only when `own_may_be_sticky` (a file that
/// nothing creates beside it, like a token file in `/tmp`). `what` names
/// the file in refusals ("jobs file", "token file").
pub fn check_folders_of(file: &Path, what: &str, own_may_be_sticky: bool) -> Result<()> {
    let me = me();
    let Some(dir) = file.parent() else {
        return Ok(());
    };
    for (depth, folder) in dir.ancestors().enumerate() {
        let meta = std::fs::symlink_metadata(folder)
            .with_context(|| format!("cannot read folder {}", folder.display()))?;
        let mode = meta.mode() & 0o7777;
        let uid = meta.uid();
        if uid != me && uid != 0 {
            bail!(
                "refusing {what} {}: folder {} is owned by uid {uid}, not by you (uid {me}) or root, who could swap the files in it for their own; keep the {what} in a folder you own (or: chown {me} {})",
                file.display(),
                folder.display(),
                quote(folder)
            );
        }
        if mode & 0o022 == 0 {
            continue;
        }
        let sticky = mode & 0o1000 != 0;
        if depth == 0 && sticky && !own_may_be_sticky {
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            bail!(
                "refusing {what} {}: its folder {} is shared (mode {mode:04o}): another user could create {name}-wal there before SQLite does; keep the {what} in a folder of your own (mkdir -m 700 DIR)",
                file.display(),
                folder.display(),
            );
        }
        if !sticky {
            bail!(
                "refusing {what} {}: folder {} is writable by group or others (mode {mode:04o}), who could swap the files in it for their own; fix with: chmod go-w {}",
                file.display(),
                folder.display(),
                quote(folder)
            );
        }
    }
    Ok(())
}

/// A file that must be yours alone (`what` names it in the refusal, e.g.
/// "token file"), given its real path and metadata: owned by you (uid of
/// the process), with no access for group or others. A file someone else
/// owns could be theirs to change, whatever its mode.
pub fn check_private_file(path: &Path, what: &str, meta: &Metadata) -> Result<()> {
    let me = me();
    if meta.uid() != me {
        bail!(
            "refusing {what} {}: it is owned by uid {}, not by you (uid {me}), so its owner could change it; if it is yours: chown {me} {}",
            path.display(),
            meta.uid(),
            quote(path)
        );
    }
    Ok(())
}

/// The jobs file (`role` `None`) or a file beside it: a regular file of
/// yours, not writable by group or others, with one name.
fn check_file(db: &Path, path: &Path, role: Option<&str>, meta: &Metadata) -> Result<()> {
    let what = match role {
        None => "it".to_string(),
        Some(role) => format!("{role} {}", path.display()),
    };
    let refuse = |problem: String| anyhow!("refusing jobs file {}: {what} {problem}", db.display());
    if meta.file_type().is_symlink() {
        return Err(refuse(format!(
            "is a symbolic link, which tick does not follow; remove it: rm {}",
            quote(path)
        )));
    }
    if !meta.is_file() {
        return Err(refuse(format!(
            "is not a regular file; remove it: rm {}",
            quote(path)
        )));
    }
    let me = me();
    if meta.uid() != me {
        return Err(refuse(format!(
            "is owned by uid {}, not by you (uid {me}): it could hold commands that would run as you; if it is yours: chown {me} {}",
            meta.uid(),
            quote(path)
        )));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(refuse(format!(
            "is writable by group or others (mode {mode:04o}), who could add commands that run as you; fix with: chmod 600 {}",
            quote(path)
        )));
    }
    if meta.nlink() > 1 {
        return Err(refuse(format!(
            "has {} names (hard links): SQLite keeps a write-ahead log per name, and writes through two names corrupt it; keep one (find / -xdev -samefile {} lists them)",
            meta.nlink(),
            quote(path)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn private_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        dir
    }

    #[test]
    fn creates_a_private_file_and_resolves_a_link_to_it() {
        let dir = private_dir();
        let db = dir.path().join("sub/jobs.db");
        let real = create(&db, true).unwrap();
        assert!(create(&dir.path().join("none/jobs.db"), false)
            .unwrap_err()
            .to_string()
            .contains("does not exist"));
        assert_eq!(real, std::fs::canonicalize(&db).unwrap());
        check(&real).unwrap();
        let link = dir.path().join("link.db");
        std::os::unix::fs::symlink(&db, &link).unwrap();
        assert_eq!(resolve(&link).unwrap(), real);
        assert_eq!(existing(&link).unwrap(), Some(real));
        assert_eq!(existing(&dir.path().join("none.db")).unwrap(), None);
    }

    #[test]
    fn a_link_to_nothing_is_not_created_through() {
        let dir = private_dir();
        let target = dir.path().join("target.db");
        let link = dir.path().join("jobs.db");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = create(&link, false).unwrap_err().to_string();
        assert!(err.contains("is a symbolic link to nothing"), "{err}");
        assert!(!target.exists());
    }

    #[test]
    fn the_lock_is_never_opened_through_a_link() {
        let dir = private_dir();
        let db = create(&dir.path().join("jobs.db"), false).unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, beside(&db, ".lock")).unwrap();
        let err = format!("{:#}", open_lock(&db).unwrap_err());
        assert!(
            err.contains("runner lock") && err.contains("symbolic link"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        std::fs::remove_file(beside(&db, ".lock")).unwrap();
        let (_file, path) = open_lock(&db).unwrap();
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn shared_folders_are_refused_above_and_beside() {
        let dir = private_dir();
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        let db = create(&shared.join("jobs.db"), false).unwrap();
        for (mode, want) in [
            (0o770, "writable by group or others (mode 0770)"),
            (0o1777, "is shared (mode 1777)"),
        ] {
            std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(mode)).unwrap();
            let err = check(&db).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
        // Above the folder, a sticky one (like /tmp) is fine; a writable one is not.
        let inner = shared.join("inner");
        std::fs::create_dir(&inner).unwrap();
        std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(0o700)).unwrap();
        let db = create(&inner.join("jobs.db"), false).unwrap();
        check(&db).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o775)).unwrap();
        let err = check(&db).unwrap_err().to_string();
        assert!(err.contains("chmod go-w"), "{err}");
    }
}
