//! The command line: clap definitions only (doc comments are the help text).
//! A leaf: it imports nothing of ours but plain types.
//!
//! Parsing and the exit point are in `main.rs`; validation into domain types
//! happens in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod job;
pub use job::{JobOptionArgs, TriggerArgs, TriggerKind, TriggerPart};

/// Schedule shell commands from the terminal: a cron replacement with exact
/// time zones, history and a foreground scheduler.
#[derive(Debug, Parser)]
#[command(
    name = "tick",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = TICK_EXAMPLES
)]
pub struct Cli {
    /// Jobs file, or a PostgreSQL URL (postgres://USER@HOST/DB?schema=S);
    /// its folder must exist [default: $TICK_DB, else
    /// $XDG_DATA_HOME/tick/jobs.db, else ~/.local/share/tick/jobs.db,
    /// whose folders are created]
    #[arg(long, global = true, value_name = "PATH|URL")]
    pub db: Option<PathBuf>,

    /// When to use colour
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Say more (repeat for even more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Say only what was asked for, and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add a job: a trigger and a shell command
    ///
    /// Prints the new job's id. COMMAND runs under `/bin/sh -c` (or --shell); several words
    /// are joined with shell quoting, so `-- echo "a b"` keeps its argument.
    #[command(after_help = ADD_EXAMPLES)]
    Add(AddArgs),

    /// List jobs, soonest next run first
    ///
    /// On a terminal the table fits its width: the command is cut first,
    /// then the name, then next runs show only the relative time. Piped, or
    /// with --wide, every column is whole.
    #[command(after_help = LIST_EXAMPLES)]
    List(ListArgs),

    /// Show every field of a job, its next 5 fire times and last 10 executions
    #[command(after_help = "Examples:\n  tick show backup\n  tick show backup --json")]
    Show(ShowArgs),

    /// Pause jobs: they do not fire until resumed (by hand, or by the runner at --until)
    #[command(after_help = PAUSE_EXAMPLES)]
    Pause(PauseArgs),

    /// Resume paused jobs; the next run is computed from now (missed runs are not run)
    #[command(after_help = "Examples:\n  tick resume backup\n  tick resume --all")]
    Resume(SelectArgs),

    /// Remove jobs (their history is kept)
    #[command(after_help = "Examples:\n  tick remove backup\n  tick remove k3xq9m backup")]
    Remove(RemoveArgs),

    /// Change a job's name, command or options in place; its id and history stay
    #[command(after_help = MODIFY_EXAMPLES)]
    Modify(ModifyArgs),

    /// Give a job a new trigger; its id and history stay
    #[command(after_help = RESCHEDULE_EXAMPLES)]
    Reschedule(RescheduleArgs),

    /// Show executions, newest first (including those of removed jobs)
    #[command(
        after_help = "Examples:\n  tick history\n  tick history backup --limit 5\n  tick history --status failed --json\n  tick history --name 'web-*' --status failed\n  tick history --wide"
    )]
    History(HistoryArgs),

    /// Print the captured output of a job's latest (or a given) execution
    ///
    /// The latest execution that ran, not a missed or skipped fire after
    /// it. With --follow, a running execution's output is shown as it comes
    /// (within about a second), until it ends.
    #[command(
        after_help = "Examples:\n  tick logs backup\n  tick logs backup --execution 42\n  tick logs backup --follow"
    )]
    Logs(LogsArgs),

    /// Run a job once now, in the foreground, recorded as an execution
    ///
    /// Exits with the job's exit code (a signal as 128+n, a timeout as 124).
    #[command(after_help = "Examples:\n  tick fire backup\n  tick fire backup --timeout 10m")]
    Fire(FireArgs),

    /// Run the past fires of a job that have no execution
    ///
    /// Every fire of the job's trigger after --from and up to --to that has
    /// no execution yet (not run, missed or skipped) runs, recorded with
    /// its past scheduled time and the reason `backfill`: one after another,
    /// or all at once with --overlap allow. A runner runs them, each once,
    /// whichever runner takes it; without a live runner nothing is stored
    /// (exit 1). A second backfill of the same range finds nothing.
    #[command(
        after_help = "Examples:\n  tick backfill db --from '2026-03-01 00:00' --to now --dry-run\n  tick backfill db --from '2026-03-01 00:00' --to '2026-03-02 00:00'"
    )]
    Backfill(BackfillArgs),

    /// Delete executions older than a duration
    #[command(after_help = "Examples:\n  tick prune --older-than 30d")]
    Prune(PruneArgs),

    /// Add the jobs of a crontab file (all or nothing)
    ///
    /// Reads comments, blank lines, NAME=value lines (CRON_TZ sets the zone
    /// of the lines after it, SHELL their --shell; MAILTO is not carried,
    /// said with a note), 5-field lines and macros, and `%` as crontab
    /// does; `# tick:` lines (written by `tick export`) give the job below
    /// them its other options. Jobs run in your home folder, as cron runs
    /// them. A job already there (same trigger, zone, command and
    /// environment) is not added again. System crontabs (/etc/crontab,
    /// /etc/cron.d/*, --system) have a user field: taken out for your own
    /// lines, refused for another user's; a user crontab whose lines start
    /// with a user name is refused, pointing to --system. Cron still runs
    /// what was imported until you remove it: --crontab --remove does.
    #[command(
        after_help = "Examples:\n  tick import --crontab --remove\n  crontab -l | tick import\n  tick import --dry-run my.crontab\n  tick import /etc/cron.d/backup"
    )]
    Import(ImportArgs),

    /// Write the jobs that crontab can express as a crontab, warning about the rest
    #[command(after_help = "Examples:\n  tick export > my.crontab\n  tick export | crontab -")]
    Export(ExportArgs),

    /// Say whether a runner is running, and how the jobs stand
    ///
    /// Whether a `tick run` holds the jobs file (its pid, host and since
    /// when), the jobs by state, the next fire and the last failure. With
    /// no runner, no job fires.
    #[command(after_help = "Examples:\n  tick status\n  tick status --json")]
    Status(StatusArgs),

    /// Run the scheduler in the foreground until SIGINT or SIGTERM
    ///
    /// Spawns each job's command when its trigger fires, records every
    /// execution, and logs one line per event on stderr. The first SIGINT or
    /// SIGTERM stops firing and waits for running jobs; a second kills them.
    /// A second `tick run` on the same jobs file stands by and takes over
    /// when the first stops.
    #[command(
        after_help = "Examples:\n  tick run\n  tick run --max-workers 4 --no-echo\n  tick --db ~/work/jobs.db run"
    )]
    Run(RunArgs),

    /// Serve the jobs over HTTP: a JSON API, a web page and Prometheus metrics
    ///
    /// The API is under /api/v1 (its OpenAPI document at
    /// /api/v1/openapi.json), the page at /, metrics at /metrics and a health
    /// check at /healthz. With --token-file, every request but /healthz
    /// needs its token (a Bearer header, or a login on the page); without
    /// one, reads are open on loopback and the server takes no writes. `tick run --http` serves the same from inside the runner.
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(ServeArgs),
    /// List the runners registered on the store and their leases
    ///
    /// Name, host, pid, version, when it started and last renewed its
    /// lease, its running executions, and its state: alive, gone (stopped
    /// cleanly) or expired (its lease ran out; another runner took over).
    #[command(
        after_help = "Examples:\n  tick runners\n  tick --db postgres://tick@db.example/jobs runners --json"
    )]
    Runners(RunnersArgs),

    /// Copy every job (and with --history every execution) to another store, all or nothing
    ///
    /// FROM and TO are each a jobs file or a PostgreSQL URL. A job id that
    /// exists in TO is refused unless --replace; jobs keep their ids, state
    /// and next run. Stop the runners of FROM first if the copy is a move.
    #[command(
        after_help = "Examples:\n  tick copy jobs.db postgres://tick@db.example/jobs --history\n  tick copy postgres://tick@db.example/jobs backup.db --replace"
    )]
    Copy(CopyArgs),

    /// Preview the next fire times of a trigger
    ///
    /// Prints one fire time per line, RFC 3339 with the trigger zone's offset,
    /// strictly after --from (default: now). Like `systemd-analyze calendar
    /// --iterations`. A schedule with no fire after --from (a date before
    /// it, an expression that can never fire) prints nothing and says so
    /// on stderr.
    #[command(after_help = NEXT_EXAMPLES)]
    Next(NextArgs),

    /// Write shell completions or man pages into a folder
    #[command(hide = true)]
    Generate(GenerateArgs),
}

const TICK_EXAMPLES: &str = "\
Examples:
  tick add cron '0 3 * * *' --name nightly -- backup.sh --full
  tick list
  tick run                 # the scheduler: nothing fires without it
  tick status
  tick logs nightly --follow
  tick next cron '30 9 * * mon-fri' --tz Europe/Berlin -n 5

Each subcommand has its own --help and man page (man tick-add).";

const ADD_EXAMPLES: &str = "\
Examples:
  tick add cron '0 3 * * *' -- backup.sh
  tick add cron '*/15 * * * *' --name sync --tz Europe/Berlin \\
      -- rsync -a /srv/www/ /mnt/backup/www/
  tick add cron --hour 5 --minute 30 --day-of-week mon-fri \\
      --id report -- ./report.sh
  tick add interval --every 90s --timeout 30s \\
      -- curl -fsS https://example.com/health
  tick add date --in 2h -- 'notify-send \"Tea is ready\"'
  tick add date --at \"$(date -d tomorrow +%F) 09:00\" -- ./standup.sh
  tick add any 'cron 0 9 * * mon-fri' 'cron 0 12 * * sat,sun' \\
      --tz Europe/Berlin -- ./digest.sh";

const MODIFY_EXAMPLES: &str = "\
Examples:
  tick modify backup --name nightly-backup --timeout 1h
  tick modify backup --env BACKUP_DIR=/mnt/b \\
      -- backup.sh --full
  tick modify backup --unset-env BACKUP_DIR --name none";

const RESCHEDULE_EXAMPLES: &str = "\
Examples:
  tick reschedule backup cron '0 4 * * *'
  tick reschedule sync interval --every 30m
  tick reschedule backup all 'cron 0 3 * * *' 'cron --day \"last fri\"'";

const SERVE_EXAMPLES: &str = "\
Examples:
  tick serve
  tick serve --read-only --listen 127.0.0.1:9000
  (umask 077; head -c 24 /dev/urandom | base64 > ~/.tick-token)
  tick serve --listen 0.0.0.0:8484 --token-file ~/.tick-token
  curl -H \"Authorization: Bearer $(cat ~/.tick-token)\" \\
    -X POST localhost:8484/api/v1/jobs/backup/pause";

const NEXT_EXAMPLES: &str = "\
Examples:
  tick next cron '30 9 * * mon-fri' --tz Europe/Berlin -n 5
  tick next cron '0 0 L * 5L'
  tick next cron --hour 5 --minute 30 --day 'last fri'
  tick next cron '30 2 * * *' --tz America/New_York \\
      --from '2026-03-07 12:00' -n 3
  tick next interval --every 1h30m --start '2026-12-01 08:00'
  tick next date --in 2h
  tick next any 'cron 0 9 * * mon-fri' 'cron 0 12 * * sat,sun' \\
      --tz Europe/Berlin
  tick next all 'cron 0 0 13 * *' 'cron 0 0 * * fri' -n 3";

const LIST_EXAMPLES: &str = "Examples:
  tick list
  tick list --wide
  tick list --all --json
  tick list --state paused
  tick list --state active,finished --name 'web-*' --limit 10";

/// `tick history`
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this job's executions (its id, or a name only one job has)
    #[arg(value_name = "ID")]
    pub id: Option<String>,
    /// Only executions with this status
    #[arg(long, value_name = "STATUS", value_parser = status_parser())]
    pub status: Option<crate::model::Status>,
    /// Only executions of jobs whose id or name matches this shell pattern
    /// (`*`, `?`, `[...]`; `\` quotes the next character; case-sensitive)
    #[arg(long, value_name = "GLOB")]
    pub name: Option<String>,
    /// At most this many executions
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Print a JSON array
    #[arg(long)]
    pub json: bool,
    /// Show every column whole, however wide the terminal (piped output
    /// always is), and what each run cost: USER and SYS CPU time, peak MEM
    #[arg(short, long)]
    pub wide: bool,
}

/// Accepts exactly the names of the execution statuses.
fn status_parser() -> impl clap::builder::TypedValueParser<Value = crate::model::Status> {
    use crate::model::Status;
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Status::ALL.map(Status::as_str))
        .map(|s| s.parse::<Status>().unwrap_or(Status::Running))
}

/// Accepts exactly the names of the job states.
fn state_parser() -> impl clap::builder::TypedValueParser<Value = crate::model::JobState> {
    use crate::model::JobState;
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["active", "paused", "finished"])
        .map(|s| s.parse::<JobState>().unwrap_or(JobState::Active))
}

/// `tick logs`
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Job id, or a name only one job has
    #[arg(value_name = "ID")]
    pub id: String,
    /// This execution instead of the latest
    #[arg(long, value_name = "N")]
    pub execution: Option<i64>,
    /// Write stdout's captured bytes only, exactly as they are (no header,
    /// no ==> stdout <== lines, no stderr, control characters unescaped
    /// also on a terminal), as for `tick logs ID --raw > out.bin`
    #[arg(long)]
    pub raw: bool,
    /// With --raw: stderr's bytes instead of stdout's
    #[arg(long, requires = "raw")]
    pub stderr: bool,
    /// Follow a running execution's output as it comes, until it ends; on
    /// a job that has not run yet, wait for its first execution
    #[arg(short, long)]
    pub follow: bool,
}

/// `tick fire`
#[derive(Debug, Args)]
pub struct FireArgs {
    /// Job id, or a name only one job has
    #[arg(value_name = "ID")]
    pub id: String,
    /// Stop the command after this long (instead of the job's --timeout)
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Attempt a failed run again, up to N more times, after the job's
    /// retry delays [default: 0: fire runs once, whatever the job's --retries]
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
}

/// `tick backfill`
#[derive(Debug, Args)]
pub struct BackfillArgs {
    /// Job id, or a name only one job has
    #[arg(value_name = "ID")]
    pub id: String,
    /// Fires after this time: RFC 3339, or 'YYYY-MM-DD HH:MM[:SS]' in the
    /// job's zone
    #[arg(long, value_name = "DATETIME", required = true)]
    pub from: String,
    /// Fires up to this time (not later than now), or now
    #[arg(long, value_name = "DATETIME|now", required = true)]
    pub to: String,
    /// List the fires that would run; store nothing
    #[arg(long)]
    pub dry_run: bool,
    /// queue: one after another; allow: all at once [default: queue]
    #[arg(long, value_name = "queue|allow")]
    pub overlap: Option<String>,
}

/// `tick prune`
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Delete executions that finished longer ago than this, e.g. 30d
    #[arg(long, value_name = "DURATION", required = true)]
    pub older_than: String,
}

/// `tick import`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The crontab file, or - for standard input [default: -]
    #[arg(value_name = "FILE|-")]
    pub file: Option<String>,
    /// Read a system crontab: a user field between the schedule and the
    /// command (the default for /etc/crontab and /etc/cron.d/*)
    #[arg(long, conflicts_with = "crontab")]
    pub system: bool,
    /// Import your crontab: what `crontab -l` prints
    #[arg(long, conflicts_with = "file")]
    pub crontab: bool,
    /// With --crontab: once the jobs are imported, empty your crontab
    /// (`crontab -r`, a copy kept beside the jobs file), so that cron no
    /// longer runs them too
    #[arg(long, requires = "crontab", conflicts_with = "dry_run")]
    pub remove: bool,
    /// Print what would be imported, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// The words of a crontab's `# tick:` lines (written by `tick export`,
/// read by `tick import`): the options of `tick add` that a crontab line
/// has no place for. Not a command of its own.
#[derive(Debug, Parser)]
#[command(
    name = "# tick:",
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub struct TickLine {
    #[command(flatten)]
    pub options: JobOptionArgs,
    /// First allowed fire (inclusive)
    #[arg(long, value_name = "DATETIME")]
    pub start: Option<String>,
    /// Last allowed fire (inclusive)
    #[arg(long, value_name = "DATETIME")]
    pub end: Option<String>,
    /// Random delay in [0, DURATION] added to each fire
    #[arg(long, value_name = "DURATION")]
    pub jitter: Option<String>,
    /// When the first fire happens
    #[arg(long, value_name = "DATETIME")]
    pub first_run: Option<String>,
    /// A variable of the lines above that this job does not have
    #[arg(long, value_name = "KEY")]
    pub unset_env: Vec<String>,
}

/// `tick export`
#[derive(Debug, Args)]
pub struct ExportArgs {}

/// `tick status`
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print a JSON object
    #[arg(long)]
    pub json: bool,
}

/// `tick run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Most job processes running at once; further fires wait for a slot
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_workers: u16,

    /// Do not echo the jobs' output lines on stdout
    #[arg(long)]
    pub no_echo: bool,

    /// Run CMD for every event (executed, error, missed, skipped, interrupted),
    /// with the event as JSON on stdin and TICK_* variables
    #[arg(long, value_name = "CMD")]
    pub on_event: Option<String>,

    /// Send runner events to TARGET: http(s)://URL or mailto:ADDRESS
    /// (repeatable). On PostgreSQL: `runner-lost`, once, when a runner's
    /// lease runs out
    #[arg(long, value_name = "TARGET")]
    pub notify: Vec<String>,

    /// This runner's name in `tick runners` and the history [default: HOST:PID]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// How long this runner's lease holds without a renewal (renewed every
    /// sixth of it); a runner that stops renewing is taken over at most 2 s
    /// after it runs out
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub lease: String,

    /// Also serve the jobs over HTTP on ADDR, as `tick serve` does (the
    /// health check then also says whether this runner's loop is alive)
    #[arg(
        long,
        value_name = "ADDR",
        num_args = 0..=1,
        default_missing_value = DEFAULT_LISTEN,
        help_heading = "HTTP"
    )]
    pub http: Option<String>,

    /// With --http: the file holding the token every request but /healthz
    /// needs (yours, mode 0600)
    #[arg(long, value_name = "FILE", requires = "http", help_heading = "HTTP")]
    pub token_file: Option<PathBuf>,

    /// With --http: serve no writes at all
    #[arg(long, requires = "http", help_heading = "HTTP")]
    pub read_only: bool,
}

/// Where `tick serve` and `tick run --http` listen unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8484";

/// `tick serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, IP:PORT (port 0: any free port). A
    /// non-loopback address needs --token-file
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: String,

    /// The file holding the token every request but /healthz needs: at
    /// least 16 characters, owned and readable only by you (mode 0600).
    /// Without it the server takes no writes
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Serve no writes at all (no adding, changing, pausing or running jobs)
    #[arg(long)]
    pub read_only: bool,
}

/// `tick runners`
#[derive(Debug, Args)]
pub struct RunnersArgs {
    /// Print a JSON array
    #[arg(long)]
    pub json: bool,
    /// Show every column whole, however wide the terminal (piped output
    /// always is)
    #[arg(short, long)]
    pub wide: bool,
}

/// `tick copy`
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The store to copy from: a jobs file or a PostgreSQL URL
    #[arg(value_name = "FROM")]
    pub from: PathBuf,
    /// The store to copy into (created if missing)
    #[arg(value_name = "TO")]
    pub to: PathBuf,
    /// Copy every execution (with its captured output) too
    #[arg(long)]
    pub history: bool,
    /// Overwrite jobs of TO that have the same id (their history stays)
    #[arg(long)]
    pub replace: bool,
}

/// `tick next`
#[derive(Debug, Args)]
pub struct NextArgs {
    #[command(flatten)]
    pub trigger: TriggerArgs,

    /// Show fires strictly after this DATETIME [default: now]
    #[arg(long, value_name = "DATETIME")]
    pub from: Option<String>,

    /// How many fire times to print
    #[arg(short = 'n', long, value_name = "COUNT", default_value_t = 10)]
    pub count: usize,

    /// Print a JSON array instead of lines
    #[arg(long)]
    pub json: bool,
}

/// `tick add`
#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub trigger: TriggerArgs,

    /// Job id [default: a short generated one]
    #[arg(long, value_name = "ID", help_heading = "Job options")]
    pub id: Option<String>,

    /// Overwrite the job with the same --id (its history stays)
    #[arg(long, requires = "id", help_heading = "Job options")]
    pub replace: bool,

    /// Add the job paused
    #[arg(long, help_heading = "Job options")]
    pub paused: bool,

    /// When the first fire happens (`now` or a DATETIME); later ones follow the trigger
    #[arg(long, value_name = "now|DATETIME", help_heading = "Job options")]
    pub first_run: Option<String>,

    #[command(flatten)]
    pub options: JobOptionArgs,

    /// The shell command, after `--`
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `tick list`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Include finished jobs
    #[arg(long)]
    pub all: bool,
    /// Only jobs in these states (repeat it, or separate them with commas);
    /// `finished` lists finished jobs without --all
    #[arg(long, value_name = "STATE", value_delimiter = ',', value_parser = state_parser())]
    pub state: Vec<crate::model::JobState>,
    /// Only jobs whose id or name matches this shell pattern (`*`, `?`,
    /// `[...]`; `\` quotes the next character; case-sensitive)
    #[arg(long, value_name = "GLOB")]
    pub name: Option<String>,
    /// At most this many jobs, the first in list order
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print a JSON array
    #[arg(long)]
    pub json: bool,
    /// Show every column whole, however wide the terminal (piped output
    /// always is)
    #[arg(short, long)]
    pub wide: bool,
}

/// `tick show`
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Job id, or a name only one job has
    pub id: String,
    /// Print a JSON object
    #[arg(long)]
    pub json: bool,
}

/// `tick pause` / `tick resume`
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// Job ids, or names only one job has each
    #[arg(
        required_unless_present = "all",
        conflicts_with = "all",
        value_name = "ID"
    )]
    pub ids: Vec<String>,
    /// Every job
    #[arg(long)]
    pub all: bool,
}

const PAUSE_EXAMPLES: &str = "Examples:
  tick pause backup
  tick pause backup --note 'disk swap' --until '2026-03-09 08:00'
  tick pause --all";

/// `tick pause`
#[derive(Debug, Args)]
pub struct PauseArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Why: shown by list (as paused*), show, the page and --json until the job resumes
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Resume by itself then (a running `tick run` does it); in the job's zone unless it has an offset
    #[arg(long, value_name = "DATETIME")]
    pub until: Option<String>,
}

/// `tick remove`
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// Job ids, or names only one job has each
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
}

/// `tick modify`
#[derive(Debug, Args)]
pub struct ModifyArgs {
    /// Job id, or a name only one job has
    pub id: String,

    /// New shell command, as one string (or give it after `--`)
    #[arg(long, value_name = "COMMAND", help_heading = "Job options")]
    pub command: Option<String>,

    /// Remove a variable from the command's environment (repeatable)
    #[arg(long, value_name = "KEY", help_heading = "Job options")]
    pub unset_env: Vec<String>,

    #[command(flatten)]
    pub options: JobOptionArgs,

    /// The new shell command after `--`, as `add` takes it: several words
    /// are joined with shell quoting
    #[arg(last = true, value_name = "COMMAND", conflicts_with = "command")]
    pub words: Vec<String>,
}

/// `tick reschedule`
#[derive(Debug, Args)]
pub struct RescheduleArgs {
    /// Job id, or a name only one job has
    #[arg(value_name = "ID")]
    pub id: String,

    #[command(flatten)]
    pub trigger: TriggerArgs,
}

/// `tick generate`
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to generate
    #[arg(value_enum)]
    pub what: GenerateWhat,
    /// Folder to write into
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateWhat {
    /// bash, zsh, fish, elvish and PowerShell completions
    Completions,
    /// One man page for tick and one per subcommand
    Man,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        super::Cli::command().debug_assert();
        super::TriggerPart::command().debug_assert();
    }

    #[test]
    fn every_example_fits_a_man_page_line() {
        let cmd = super::Cli::command();
        for sub in std::iter::once(&cmd).chain(cmd.get_subcommands()) {
            let after = sub.get_after_help().map(|h| h.to_string());
            for line in after.unwrap_or_default().lines() {
                assert!(
                    line.len() <= 70,
                    "{}: {line:?} is longer than 70",
                    sub.get_name()
                );
            }
        }
    }

    #[test]
    fn every_subcommand_has_a_description_and_an_example() {
        let cmd = super::Cli::command();
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = sub.get_name();
            assert!(
                sub.get_about().is_some_and(|a| !a.to_string().is_empty()),
                "{name} has no description"
            );
            let after = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                after.starts_with("Examples:\n") && after.contains(&format!("tick {name}")),
                "{name} has no example"
            );
        }
    }
}
