//! A command line clap refused, said in one line: clap's error, its "did
//! you mean" tips, and where to read more (the subcommand's own `--help`).
//! Three mistakes get their own words: a command without `--` before it,
//! a trigger option given to `modify`, and an argument that is not UTF-8
//! (named, where clap only says that one is not).

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, Parser};

use crate::cli::{Cli, Command, TriggerArgs};

/// The one line (without `error: `) for a usage error; `argv` is the
/// command line as given (any bytes), program name first.
pub fn explain(e: &clap::Error, argv: &[OsString]) -> String {
    let text: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if e.kind() == ErrorKind::InvalidUtf8 {
        let sub = subcommand(e, &text);
        return not_utf8(argv, sub.as_deref());
    }
    explain_text(e, &text)
}

/// [`explain`] of a command line that is text.
fn explain_text(e: &clap::Error, argv: &[String]) -> String {
    let sub = subcommand(e, argv);
    let help = match &sub {
        Some(name) => format!("see 'tick {name} --help'"),
        None => "see 'tick --help'".to_string(),
    };
    if let Some(own) = own_words(e, argv, sub.as_deref()) {
        return format!("{own} ({help})");
    }
    // clap's message up to its first blank line (the error and any
    // "[possible values: ...]"), folded onto one line, then its tips.
    let text = e.render().to_string();
    let mut msg = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(m) = msg.strip_prefix("error: ") {
        msg = m.to_string();
    }
    for tip in text.lines().filter_map(|l| l.trim().strip_prefix("tip: ")) {
        // "to pass '--x' as a value, use '-- --x'" would make it the
        // command of `add`: not advice to give.
        if !tip.starts_with("to pass ") {
            msg.push_str("; ");
            msg.push_str(tip);
        }
    }
    format!("{msg} ({help})")
}

/// An argument tick takes as text (all but paths) that is not UTF-8:
/// which one, shown with its bytes escaped, and the word before it.
fn not_utf8(argv: &[OsString], sub: Option<&str>) -> String {
    let bad: Vec<usize> = (1..argv.len())
        .filter(|&i| argv[i].to_str().is_none())
        .collect();
    // The one clap refused (a path may be any bytes): the first that,
    // alone not UTF-8, still fails to parse as not UTF-8.
    let refused = bad.iter().copied().find(|&i| {
        let line = argv.iter().enumerate().map(|(j, a)| match j == i {
            true => a.clone(),
            false => OsString::from(a.to_string_lossy().into_owned()),
        });
        Cli::try_parse_from(line).is_err_and(|e| e.kind() == ErrorKind::InvalidUtf8)
    });
    let Some(i) = refused.or(bad.first().copied()) else {
        return "an argument is not valid UTF-8".to_string();
    };
    let shown = |a: &OsString| {
        let bytes = crate::escape::bytes(a.as_encoded_bytes(), crate::escape::Newlines::Escape);
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let after = match i {
        1 => String::new(),
        _ => format!(", after {}", shown(&argv[i - 1])),
    };
    let help = match sub {
        Some(name) => format!("see 'tick {name} --help'"),
        None => "see 'tick --help'".to_string(),
    };
    format!(
        "argument {i} ('{}'{after}) is not valid UTF-8: tick keeps jobs as text, so give it as UTF-8 ({help})",
        shown(&argv[i])
    )
}

/// The subcommand the error is about: from clap's usage line, else the
/// first word of the command line that names one.
fn subcommand(e: &clap::Error, argv: &[String]) -> Option<String> {
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect();
    if let Some(ContextValue::StyledStr(usage)) = e.get(ContextKind::Usage) {
        let usage = usage.to_string();
        let word = usage
            .trim()
            .strip_prefix("Usage: tick ")
            .and_then(|u| u.split_whitespace().next());
        return word
            .filter(|w| names.iter().any(|n| n == w))
            .map(str::to_string);
    }
    argv.iter().skip(1).find(|a| names.contains(a)).cloned()
}

fn own_words(e: &clap::Error, argv: &[String], sub: Option<&str>) -> Option<String> {
    let invalid = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(s)) => s.join(" "),
        _ => String::new(),
    };
    match (e.kind(), sub) {
        (ErrorKind::MissingRequiredArgument, Some("add"))
            if invalid.contains("<COMMAND>") && !argv.iter().any(|a| a == "--") =>
        {
            Some(missing_separator(argv).unwrap_or_else(|| {
                "the command goes after '--', like tick add cron '0 9 * * *' -- echo hi".into()
            }))
        }
        (ErrorKind::UnknownArgument, Some("add")) => missing_separator(argv),
        (ErrorKind::UnknownArgument, Some("modify")) if is_trigger_flag(&invalid) => {
            let flag = invalid.split('=').next().unwrap_or(&invalid);
            Some(format!(
                "'{flag}' belongs to a trigger, which modify does not change: give the job a new trigger with tick reschedule ID TRIGGER, like tick reschedule ID interval --every 30m"
            ))
        }
        _ => None,
    }
}

/// Whether `--flag` (or `--flag=value`) is an option of TRIGGER.
fn is_trigger_flag(arg: &str) -> bool {
    let flag = arg.split('=').next().unwrap_or(arg);
    let Some(long) = flag.strip_prefix("--") else {
        return false;
    };
    TriggerArgs::augment_args(clap::Command::new("trigger"))
        .get_arguments()
        .any(|a| a.get_long() == Some(long))
}

/// `tick add` without `--`: the words after the trigger were read as part
/// of it (or as options: `backup.sh --full`). Said with the command line
/// it should have been: the same words with `--` where the shortest
/// command begins that leaves a valid trigger.
fn missing_separator(argv: &[String]) -> Option<String> {
    let add = argv.iter().position(|a| a == "add")?;
    if argv[add..].iter().any(|a| a == "--") {
        return None;
    }
    let now = chrono::Utc::now();
    let split = (add + 2..argv.len()).rev().find(|&p| {
        let mut line = argv[..p].to_vec();
        line.push("--".into());
        line.extend_from_slice(&argv[p..]);
        match Cli::try_parse_from(&line) {
            Ok(Cli {
                command: Command::Add(args),
                ..
            }) => args.trigger.to_trigger(now).is_ok(),
            _ => false,
        }
    })?;
    let command = shell_words::join(&argv[split..]);
    let mut line = vec!["tick".to_string()];
    line.extend(
        argv[1..split]
            .iter()
            .map(|w| shell_words::quote(w).into_owned()),
    );
    line.push("--".into());
    line.push(command.clone());
    Some(format!(
        "the command goes after '--': without it, {command:?} was read as part of the trigger; write {}",
        line.join(" ")
    ))
}
