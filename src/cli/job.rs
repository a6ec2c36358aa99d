//! What a job is made of on the command line: its TRIGGER (also each
//! PART of `any`/`all`) and its options, shared by `add`, `modify`,
//! `reschedule` and `next`.

use std::path::PathBuf;

use clap::{Args, Parser, ValueEnum};

/// Options shared by `add` and `modify`. Unset means "default" on add and
/// "unchanged" on modify.
#[derive(Debug, Clone, Default, Args)]
pub struct JobOptionArgs {
    /// A name to show in listings, usable instead of the id where it is
    /// unique; `none` for no name (on modify: removes it)
    #[arg(long, value_name = "NAME|none", help_heading = "Job options")]
    pub name: Option<String>,

    /// Running copies allowed at once; further fires are skipped [default: 1]
    #[arg(long, value_name = "N", help_heading = "Job options")]
    pub max_instances: Option<u32>,

    /// When --max-instances copies run, a fire: skip (is recorded skipped),
    /// queue (waits, at most one, and starts as soon as a copy ends),
    /// replace (ends the oldest copy: SIGTERM, SIGKILL 5s later) or allow
    /// (runs: no limit) [default: skip]
    #[arg(
        long,
        value_name = "skip|queue|replace|allow",
        help_heading = "Job options"
    )]
    pub overlap: Option<String>,

    /// Run a backlog of missed fires once (the default)
    #[arg(long, overrides_with = "no_coalesce", help_heading = "Job options")]
    pub coalesce: bool,

    /// Run every missed fire of a backlog
    #[arg(long, help_heading = "Job options")]
    pub no_coalesce: bool,

    /// How late a fire may start: auto, a DURATION, or none [default: auto]
    ///
    /// auto: a fire up to a minute late runs; one later still, missed while
    /// no runner ran (or while every worker was busy), runs once, as long as
    /// the job's next fire has not come; a `date` job runs however late. Its
    /// history's reason says how late and why. A DURATION: a fire later than
    /// that is recorded missed. none: it runs however late.
    #[arg(long, value_name = "auto|DURATION|none", help_heading = "Job options")]
    pub misfire_grace: Option<String>,

    /// Stop the command after this long (SIGTERM, then SIGKILL 5s later), or `none`
    #[arg(long, value_name = "DURATION|none", help_heading = "Job options")]
    pub timeout: Option<String>,

    /// Folder the command runs in, under every runner and `tick fire`
    /// [default on add: the current folder]
    #[arg(long, value_name = "DIR", help_heading = "Job options")]
    pub cwd: Option<PathBuf>,

    /// Environment variable for the command (repeatable)
    #[arg(long, value_name = "KEY=VALUE", help_heading = "Job options")]
    pub env: Vec<String>,

    /// The shell that runs the command (`PATH -c COMMAND`): an absolute
    /// path to an executable, e.g. /bin/bash [default: /bin/sh]
    #[arg(long, value_name = "PATH", help_heading = "Job options")]
    pub shell: Option<String>,

    /// Executions of this job to keep, newest first [default: 100]
    #[arg(long, value_name = "N", help_heading = "Job options")]
    pub keep_history: Option<u32>,

    /// Run CMD after each successful execution (event JSON on stdin), or `none`
    #[arg(long, value_name = "CMD", help_heading = "Listeners")]
    pub on_success: Option<String>,

    /// Run CMD after each failed, killed, timed-out or missed execution, or `none`
    /// (with --retries: after the last attempt only)
    #[arg(long, value_name = "CMD", help_heading = "Listeners")]
    pub on_failure: Option<String>,

    /// Send notices to TARGET: http://URL or https://URL (a JSON POST; its
    /// `text` reads in Slack, Discord, Mattermost, ntfy) or mailto:ADDRESS
    /// (through the local sendmail, as cron's MAILTO); repeatable; `none`
    /// for none (on modify: the targets given replace the job's)
    #[arg(long, value_name = "TARGET", help_heading = "Notifications")]
    pub notify: Vec<String>,

    /// Which events notify, comma-separated: failure, success, recovery,
    /// output, missed, long, short, silent, paused [default: failure,recovery]
    #[arg(long, value_name = "EVENTS", help_heading = "Notifications")]
    pub notify_on: Option<String>,

    /// How long a run should take, MIN..MAX (either side may be empty:
    /// 10s..1h, ..30m, 5m..): `long` while a run passes MAX, `short` when
    /// one succeeds under MIN; `none` to drop it
    #[arg(long, value_name = "MIN..MAX|none", help_heading = "Notifications")]
    pub expect_duration: Option<String>,

    /// `silent` when no run succeeded for this long (a dead man's switch);
    /// `none` to drop it
    #[arg(long, value_name = "DURATION|none", help_heading = "Notifications")]
    pub expect_success_within: Option<String>,

    /// Attempt a failed, killed or timed-out execution again, up to N more times [default: 0]
    #[arg(long, value_name = "N", help_heading = "Retries")]
    pub retries: Option<u32>,

    /// Wait this long before the first retry, doubling after each [default: 30s]
    #[arg(long, value_name = "DURATION", help_heading = "Retries")]
    pub retry_delay: Option<String>,

    /// The longest wait between attempts [default: 1h]
    #[arg(long, value_name = "DURATION", help_heading = "Retries")]
    pub retry_max_delay: Option<String>,

    /// Pause the job after N failed runs in a row (a run's retries are part of it); none: never
    #[arg(long, value_name = "N|none", help_heading = "Retries")]
    pub pause_after_failures: Option<String>,

    /// Finish the job after N runs (counted from now on a modify); none: no limit
    #[arg(long, value_name = "N|none", help_heading = "Job options")]
    pub max_runs: Option<String>,
}

/// The kind of trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TriggerKind {
    /// A crontab expression, or APScheduler cron fields
    Cron,
    /// A fixed period of elapsed time
    Interval,
    /// Once, at a date and time
    Date,
    /// Whenever any of 2 to 16 PARTs fires (APScheduler's OrTrigger)
    Any,
    /// Whenever all of 2 to 16 PARTs fire at the same instant (AndTrigger)
    All,
}

/// TRIGGER: `cron EXPR | cron --hour ..`, `interval --every D`, `date --at T`,
/// `any PART PART..`, `all PART PART..`. Shared by `add`, `reschedule`, `next`
/// and, through [`TriggerPart`], by each PART.
#[derive(Debug, Clone, Default, Args)]
pub struct TriggerArgs {
    /// Trigger kind: cron, interval, date, any or all
    #[arg(value_enum, value_name = "TRIGGER", required = true)]
    pub kind: Option<TriggerKind>,

    /// cron: the crontab expression, 5 fields (min hour dom month dow), 6
    /// with seconds first, or a macro like @daily (one quoted word, or
    /// several). any/all: 2 to 16 PARTs, each one quoted trigger like
    /// 'cron 0 9 * * mon-fri'
    #[arg(value_name = "EXPR|PART")]
    pub operands: Vec<String>,

    /// Time zone (IANA name) [default: $TZ, else the system zone; for a
    /// PART, the zone given after the parts]
    #[arg(long, value_name = "ZONE", help_heading = "Trigger options")]
    pub tz: Option<String>,

    /// First allowed fire (inclusive); an interval's first fire
    #[arg(long, value_name = "DATETIME", help_heading = "Trigger options")]
    pub start: Option<String>,

    /// Last allowed fire (inclusive)
    #[arg(long, value_name = "DATETIME", help_heading = "Trigger options")]
    pub end: Option<String>,

    /// Random delay in [0, DURATION] added to each fire
    #[arg(long, value_name = "DURATION", help_heading = "Trigger options")]
    pub jitter: Option<String>,

    /// Seconds field (APScheduler), e.g. 0, */10
    #[arg(
        long,
        value_name = "EXPR",
        help_heading = "Cron fields (APScheduler style)"
    )]
    pub second: Option<String>,
    /// Minute field, e.g. 30, */5, 0-29/10
    #[arg(
        long,
        value_name = "EXPR",
        help_heading = "Cron fields (APScheduler style)"
    )]
    pub minute: Option<String>,
    /// Hour field, e.g. 5, 9-17
    #[arg(
        long,
        value_name = "EXPR",
        help_heading = "Cron fields (APScheduler style)"
    )]
    pub hour: Option<String>,
    /// Day of month: 1-31, last, '2nd mon', 'last fri'
    #[arg(
        long,
        value_name = "EXPR",
        help_heading = "Cron fields (APScheduler style)"
    )]
    pub day: Option<String>,
    /// Month: 1-12 or jan-dec
    #[arg(
        long,
        value_name = "EXPR",
        help_heading = "Cron fields (APScheduler style)"
    )]
    pub month: Option<String>,
    /// Day of week: 0-6 with 0 = Monday, or mon-sun
    #[arg(
        long,
        value_name = "EXPR",
        help_heading = "Cron fields (APScheduler style)"
    )]
    pub day_of_week: Option<String>,
    /// ISO week of the year: 1-53
    #[arg(
        long,
        value_name = "EXPR",
        help_heading = "Cron fields (APScheduler style)"
    )]
    pub week: Option<String>,
    /// Year: 1970-9999
    #[arg(
        long,
        value_name = "EXPR",
        help_heading = "Cron fields (APScheduler style)"
    )]
    pub year: Option<String>,

    /// Period of an interval, e.g. 90s, 15m, 1h30m, 2d, 1w
    #[arg(long, value_name = "DURATION", help_heading = "Interval")]
    pub every: Option<String>,
    /// Interval weeks (added to the other units)
    #[arg(long, value_name = "N", help_heading = "Interval")]
    pub weeks: Option<u64>,
    /// Interval days
    #[arg(long, value_name = "N", help_heading = "Interval")]
    pub days: Option<u64>,
    /// Interval hours
    #[arg(long, value_name = "N", help_heading = "Interval")]
    pub hours: Option<u64>,
    /// Interval minutes
    #[arg(long, value_name = "N", help_heading = "Interval")]
    pub minutes: Option<u64>,
    /// Interval seconds
    #[arg(long, value_name = "N", help_heading = "Interval")]
    pub seconds: Option<u64>,

    /// When a date trigger fires
    #[arg(
        long,
        value_name = "DATETIME",
        help_heading = "Date",
        conflicts_with = "in_"
    )]
    pub at: Option<String>,
    /// Fire a date trigger this long from now
    #[arg(long = "in", value_name = "DURATION", help_heading = "Date")]
    pub in_: Option<String>,
}

/// One PART of `any`/`all`: the words of a TRIGGER, split with shell
/// quoting and parsed with the same definitions, so a part accepts exactly
/// what the command line accepts.
#[derive(Debug, Parser)]
#[command(
    name = "PART",
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub struct TriggerPart {
    #[command(flatten)]
    pub trigger: TriggerArgs,
}
