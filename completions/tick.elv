
use builtin;
use str;

set edit:completion:arg-completer[tick] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tick'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tick'= {
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add a job: a trigger and a shell command'
            cand list 'List jobs, soonest next run first'
            cand show 'Show every field of a job, its next 5 fire times and last 10 executions'
            cand pause 'Pause jobs: they do not fire until resumed'
            cand resume 'Resume paused jobs; the next run is computed from now (missed runs are not run)'
            cand remove 'Remove jobs (their history is kept)'
            cand modify 'Change a job''s name, command or options in place; its id and history stay'
            cand reschedule 'Give a job a new trigger; its id and history stay'
            cand history 'Show executions, newest first (including those of removed jobs)'
            cand logs 'Print the captured output of a job''s latest (or a given) execution'
            cand fire 'Run a job once now, in the foreground, recorded as an execution'
            cand prune 'Delete executions older than a duration'
            cand import 'Add the jobs of a crontab file (all or nothing)'
            cand export 'Write the jobs that crontab can express as a crontab, warning about the rest'
            cand run 'Run the scheduler in the foreground until SIGINT or SIGTERM'
            cand serve 'Serve the jobs over HTTP: a JSON API, a web page and Prometheus metrics'
            cand next 'Preview the next fire times of a trigger'
            cand generate 'Write shell completions or man pages into a folder'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tick;add'= {
            cand --tz 'Time zone (IANA name) [default: $TZ, else the system zone; for a PART, the zone given after the parts]'
            cand --start 'First allowed fire (inclusive); an interval''s first fire'
            cand --end 'Last allowed fire (inclusive)'
            cand --jitter 'Random delay in [0, DURATION] added to each fire'
            cand --second 'Seconds field (APScheduler), e.g. 0, */10'
            cand --minute 'Minute field, e.g. 30, */5, 0-29/10'
            cand --hour 'Hour field, e.g. 5, 9-17'
            cand --day 'Day of month: 1-31, last, ''2nd mon'', ''last fri'''
            cand --month 'Month: 1-12 or jan-dec'
            cand --day-of-week 'Day of week: 0-6 with 0 = Monday, or mon-sun'
            cand --week 'ISO week of the year: 1-53'
            cand --year 'Year: 1970-9999'
            cand --every 'Period of an interval, e.g. 90s, 15m, 1h30m, 2d, 1w'
            cand --weeks 'Interval weeks (added to the other units)'
            cand --days 'Interval days'
            cand --hours 'Interval hours'
            cand --minutes 'Interval minutes'
            cand --seconds 'Interval seconds'
            cand --at 'When a date trigger fires'
            cand --in 'Fire a date trigger this long from now'
            cand --id 'Job id [default: a short generated one]'
            cand --first-run 'When the first fire happens (`now` or a DATETIME); later ones follow the trigger'
            cand --name 'A name to show in listings'
            cand --max-instances 'Running copies allowed at once; further fires are skipped [default: 1]'
            cand --misfire-grace 'How late a fire may start, or `none` for no limit [default: 60s]'
            cand --timeout 'Stop the command after this long (SIGTERM, then SIGKILL 5s later), or `none`'
            cand --cwd 'Working directory of the command'
            cand --env 'Environment variable for the command (repeatable)'
            cand --keep-history 'Executions of this job to keep, newest first [default: 100]'
            cand --on-success 'Run CMD after each successful execution (event JSON on stdin), or `none`'
            cand --on-failure 'Run CMD after each failed, killed, timed-out or missed execution, or `none` (with --retries: after the last attempt only)'
            cand --retries 'Attempt a failed, killed or timed-out execution again, up to N more times [default: 0]'
            cand --retry-delay 'Wait this long before the first retry, doubling after each [default: 30s]'
            cand --retry-max-delay 'The longest wait between attempts [default: 1h]'
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand --replace 'Overwrite the job with the same --id (its history stays)'
            cand --paused 'Add the job paused'
            cand --coalesce 'Run a backlog of missed fires once (the default)'
            cand --no-coalesce 'Run every missed fire of a backlog'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;list'= {
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand --all 'Include finished jobs'
            cand --json 'Print a JSON array'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;show'= {
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand --json 'Print a JSON object'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;pause'= {
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand --all 'Every job'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;resume'= {
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand --all 'Every job'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;remove'= {
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;modify'= {
            cand --command 'New shell command'
            cand --name 'A name to show in listings'
            cand --max-instances 'Running copies allowed at once; further fires are skipped [default: 1]'
            cand --misfire-grace 'How late a fire may start, or `none` for no limit [default: 60s]'
            cand --timeout 'Stop the command after this long (SIGTERM, then SIGKILL 5s later), or `none`'
            cand --cwd 'Working directory of the command'
            cand --env 'Environment variable for the command (repeatable)'
            cand --keep-history 'Executions of this job to keep, newest first [default: 100]'
            cand --on-success 'Run CMD after each successful execution (event JSON on stdin), or `none`'
            cand --on-failure 'Run CMD after each failed, killed, timed-out or missed execution, or `none` (with --retries: after the last attempt only)'
            cand --retries 'Attempt a failed, killed or timed-out execution again, up to N more times [default: 0]'
            cand --retry-delay 'Wait this long before the first retry, doubling after each [default: 30s]'
            cand --retry-max-delay 'The longest wait between attempts [default: 1h]'
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand --coalesce 'Run a backlog of missed fires once (the default)'
            cand --no-coalesce 'Run every missed fire of a backlog'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;reschedule'= {
            cand --tz 'Time zone (IANA name) [default: $TZ, else the system zone; for a PART, the zone given after the parts]'
            cand --start 'First allowed fire (inclusive); an interval''s first fire'
            cand --end 'Last allowed fire (inclusive)'
            cand --jitter 'Random delay in [0, DURATION] added to each fire'
            cand --second 'Seconds field (APScheduler), e.g. 0, */10'
            cand --minute 'Minute field, e.g. 30, */5, 0-29/10'
            cand --hour 'Hour field, e.g. 5, 9-17'
            cand --day 'Day of month: 1-31, last, ''2nd mon'', ''last fri'''
            cand --month 'Month: 1-12 or jan-dec'
            cand --day-of-week 'Day of week: 0-6 with 0 = Monday, or mon-sun'
            cand --week 'ISO week of the year: 1-53'
            cand --year 'Year: 1970-9999'
            cand --every 'Period of an interval, e.g. 90s, 15m, 1h30m, 2d, 1w'
            cand --weeks 'Interval weeks (added to the other units)'
            cand --days 'Interval days'
            cand --hours 'Interval hours'
            cand --minutes 'Interval minutes'
            cand --seconds 'Interval seconds'
            cand --at 'When a date trigger fires'
            cand --in 'Fire a date trigger this long from now'
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;history'= {
            cand --status 'Only executions with this status'
            cand --limit 'At most this many executions'
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand --json 'Print a JSON array'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;logs'= {
            cand --execution 'This execution instead of the latest'
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand --raw 'Write the captured bytes as they are, also on a terminal (where control characters are otherwise shown escaped, like \x1b)'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;fire'= {
            cand --timeout 'Stop the command after this long (instead of the job''s --timeout)'
            cand --retries 'Attempt a failed run again, up to N more times, after the job''s retry delays [default: 0: fire runs once, whatever the job''s --retries]'
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;prune'= {
            cand --older-than 'Delete executions that finished longer ago than this, e.g. 30d'
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;import'= {
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;export'= {
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;run'= {
            cand --max-workers 'Most job processes running at once; further fires wait for a slot'
            cand --on-event 'Run CMD for every event (executed, error, missed, skipped, interrupted), with the event as JSON on stdin and TICK_* variables'
            cand --name 'This runner''s name in `tick runners` and the history [default: HOST:PID]'
            cand --lease 'How long this runner''s lease holds without a renewal (renewed every sixth of it); a runner that stops renewing is taken over after it'
            cand --http 'Also serve the jobs over HTTP on ADDR, as `tick serve` does (the health check then also says whether this runner''s loop is alive)'
            cand --token-file 'With --http: the file holding the token that writes need (mode 0600)'
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand --no-echo 'Do not echo the jobs'' output lines on stdout'
            cand --read-only 'With --http: serve no writes at all'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;serve'= {
            cand --listen 'Address to listen on, IP:PORT (port 0: any free port). A non-loopback address needs --token-file'
            cand --token-file 'The file holding the token that writes need: at least 16 characters, readable only by you (mode 0600). Without it the server takes no writes'
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand --read-only 'Serve no writes at all (no adding, changing, pausing or running jobs)'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;next'= {
            cand --tz 'Time zone (IANA name) [default: $TZ, else the system zone; for a PART, the zone given after the parts]'
            cand --start 'First allowed fire (inclusive); an interval''s first fire'
            cand --end 'Last allowed fire (inclusive)'
            cand --jitter 'Random delay in [0, DURATION] added to each fire'
            cand --second 'Seconds field (APScheduler), e.g. 0, */10'
            cand --minute 'Minute field, e.g. 30, */5, 0-29/10'
            cand --hour 'Hour field, e.g. 5, 9-17'
            cand --day 'Day of month: 1-31, last, ''2nd mon'', ''last fri'''
            cand --month 'Month: 1-12 or jan-dec'
            cand --day-of-week 'Day of week: 0-6 with 0 = Monday, or mon-sun'
            cand --week 'ISO week of the year: 1-53'
            cand --year 'Year: 1970-9999'
            cand --every 'Period of an interval, e.g. 90s, 15m, 1h30m, 2d, 1w'
            cand --weeks 'Interval weeks (added to the other units)'
            cand --days 'Interval days'
            cand --hours 'Interval hours'
            cand --minutes 'Interval minutes'
            cand --seconds 'Interval seconds'
            cand --at 'When a date trigger fires'
            cand --in 'Fire a date trigger this long from now'
            cand --from 'Show fires strictly after this DATETIME [default: now]'
            cand -n 'How many fire times to print'
            cand --count 'How many fire times to print'
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand --json 'Print a JSON array instead of lines'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;generate'= {
            cand --db 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]'
            cand --color 'When to use colour'
            cand -v 'Say more (repeat for even more)'
            cand --verbose 'Say more (repeat for even more)'
            cand -q 'Say only what was asked for, and errors'
            cand --quiet 'Say only what was asked for, and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tick;help'= {
            cand add 'Add a job: a trigger and a shell command'
            cand list 'List jobs, soonest next run first'
            cand show 'Show every field of a job, its next 5 fire times and last 10 executions'
            cand pause 'Pause jobs: they do not fire until resumed'
            cand resume 'Resume paused jobs; the next run is computed from now (missed runs are not run)'
            cand remove 'Remove jobs (their history is kept)'
            cand modify 'Change a job''s name, command or options in place; its id and history stay'
            cand reschedule 'Give a job a new trigger; its id and history stay'
            cand history 'Show executions, newest first (including those of removed jobs)'
            cand logs 'Print the captured output of a job''s latest (or a given) execution'
            cand fire 'Run a job once now, in the foreground, recorded as an execution'
            cand prune 'Delete executions older than a duration'
            cand import 'Add the jobs of a crontab file (all or nothing)'
            cand export 'Write the jobs that crontab can express as a crontab, warning about the rest'
            cand run 'Run the scheduler in the foreground until SIGINT or SIGTERM'
            cand serve 'Serve the jobs over HTTP: a JSON API, a web page and Prometheus metrics'
            cand next 'Preview the next fire times of a trigger'
            cand generate 'Write shell completions or man pages into a folder'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tick;help;add'= {
        }
        &'tick;help;list'= {
        }
        &'tick;help;show'= {
        }
        &'tick;help;pause'= {
        }
        &'tick;help;resume'= {
        }
        &'tick;help;remove'= {
        }
        &'tick;help;modify'= {
        }
        &'tick;help;reschedule'= {
        }
        &'tick;help;history'= {
        }
        &'tick;help;logs'= {
        }
        &'tick;help;fire'= {
        }
        &'tick;help;prune'= {
        }
        &'tick;help;import'= {
        }
        &'tick;help;export'= {
        }
        &'tick;help;run'= {
        }
        &'tick;help;serve'= {
        }
        &'tick;help;next'= {
        }
        &'tick;help;generate'= {
        }
        &'tick;help;help'= {
        }
    ]
    $completions[$command]
}
