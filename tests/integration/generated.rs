//! The committed `completions/` and `man/` must match what the clap
//! definition generates. `UPDATE_GENERATED=1 cargo test` rewrites them.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::Env;

fn read_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap())
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().to_string(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn check(what: &str) {
    let env = Env::new();
    let fresh = env.path().join(what);
    env.tick(&[
        "generate",
        if what == "man" { "man" } else { "completions" },
        fresh.to_str().unwrap(),
    ])
    .ok();
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join(what);
    let want = read_dir(&fresh);
    assert!(!want.is_empty(), "generate wrote nothing");
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).unwrap();
        for (name, bytes) in &want {
            std::fs::write(committed.join(name), bytes).unwrap();
        }
        return;
    }
    let have = read_dir(&committed);
    let stale: Vec<&String> = want
        .keys()
        .chain(have.keys())
        .filter(|k| want.get(*k) != have.get(*k))
        .collect();
    assert!(
        stale.is_empty(),
        "{what}/ is stale ({stale:?}); regenerate with: UPDATE_GENERATED=1 cargo test --test integration generated"
    );
}

#[test]
fn completions_are_up_to_date() {
    check("completions");
}

#[test]
fn man_pages_are_up_to_date() {
    check("man");
}
