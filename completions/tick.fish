# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tick_global_optspecs
    string join \n db= color= v/verbose q/quiet h/help V/version
end

function __fish_tick_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tick_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tick_using_subcommand
    set -l cmd (__fish_tick_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tick -n "__fish_tick_needs_command" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_needs_command" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_needs_command" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_needs_command" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_needs_command" -s h -l help -d 'Print help'
complete -c tick -n "__fish_tick_needs_command" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_needs_command" -f -a "add" -d 'Add a job: a trigger and a shell command'
complete -c tick -n "__fish_tick_needs_command" -f -a "list" -d 'List jobs, soonest next run first'
complete -c tick -n "__fish_tick_needs_command" -f -a "show" -d 'Show every field of a job, its next 5 fire times and last 10 executions'
complete -c tick -n "__fish_tick_needs_command" -f -a "pause" -d 'Pause jobs: they do not fire until resumed'
complete -c tick -n "__fish_tick_needs_command" -f -a "resume" -d 'Resume paused jobs; the next run is computed from now (missed runs are not run)'
complete -c tick -n "__fish_tick_needs_command" -f -a "remove" -d 'Remove jobs (their history is kept)'
complete -c tick -n "__fish_tick_needs_command" -f -a "modify" -d 'Change a job\'s name, command or options in place; its id and history stay'
complete -c tick -n "__fish_tick_needs_command" -f -a "reschedule" -d 'Give a job a new trigger; its id and history stay'
complete -c tick -n "__fish_tick_needs_command" -f -a "history" -d 'Show executions, newest first (including those of removed jobs)'
complete -c tick -n "__fish_tick_needs_command" -f -a "logs" -d 'Print the captured output of a job\'s latest (or a given) execution'
complete -c tick -n "__fish_tick_needs_command" -f -a "fire" -d 'Run a job once now, in the foreground, recorded as an execution'
complete -c tick -n "__fish_tick_needs_command" -f -a "prune" -d 'Delete executions older than a duration'
complete -c tick -n "__fish_tick_needs_command" -f -a "import" -d 'Add the jobs of a crontab file (all or nothing)'
complete -c tick -n "__fish_tick_needs_command" -f -a "export" -d 'Write the jobs that crontab can express as a crontab, warning about the rest'
complete -c tick -n "__fish_tick_needs_command" -f -a "run" -d 'Run the scheduler in the foreground until SIGINT or SIGTERM'
complete -c tick -n "__fish_tick_needs_command" -f -a "serve" -d 'Serve the jobs over HTTP: a JSON API, a web page and Prometheus metrics'
complete -c tick -n "__fish_tick_needs_command" -f -a "next" -d 'Preview the next fire times of a trigger'
complete -c tick -n "__fish_tick_needs_command" -f -a "generate" -d 'Write shell completions or man pages into a folder'
complete -c tick -n "__fish_tick_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tick -n "__fish_tick_using_subcommand add" -l tz -d 'Time zone (IANA name) [default: $TZ, else the system zone; for a PART, the zone given after the parts]' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l start -d 'First allowed fire (inclusive); an interval\'s first fire' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l end -d 'Last allowed fire (inclusive)' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l jitter -d 'Random delay in [0, DURATION] added to each fire' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l second -d 'Seconds field (APScheduler), e.g. 0, */10' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l minute -d 'Minute field, e.g. 30, */5, 0-29/10' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l hour -d 'Hour field, e.g. 5, 9-17' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l day -d 'Day of month: 1-31, last, \'2nd mon\', \'last fri\'' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l month -d 'Month: 1-12 or jan-dec' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l day-of-week -d 'Day of week: 0-6 with 0 = Monday, or mon-sun' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l week -d 'ISO week of the year: 1-53' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l year -d 'Year: 1970-9999' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l every -d 'Period of an interval, e.g. 90s, 15m, 1h30m, 2d, 1w' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l weeks -d 'Interval weeks (added to the other units)' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l days -d 'Interval days' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l hours -d 'Interval hours' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l minutes -d 'Interval minutes' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l seconds -d 'Interval seconds' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l at -d 'When a date trigger fires' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l in -d 'Fire a date trigger this long from now' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l id -d 'Job id [default: a short generated one]' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l first-run -d 'When the first fire happens (`now` or a DATETIME); later ones follow the trigger' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l name -d 'A name to show in listings' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l max-instances -d 'Running copies allowed at once; further fires are skipped [default: 1]' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l misfire-grace -d 'How late a fire may start, or `none` for no limit [default: 60s]' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l timeout -d 'Stop the command after this long (SIGTERM, then SIGKILL 5s later), or `none`' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l cwd -d 'Working directory of the command' -r -F
complete -c tick -n "__fish_tick_using_subcommand add" -l env -d 'Environment variable for the command (repeatable)' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l keep-history -d 'Executions of this job to keep, newest first [default: 100]' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l on-success -d 'Run CMD after each successful execution (event JSON on stdin), or `none`' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l on-failure -d 'Run CMD after each failed, killed, timed-out or missed execution, or `none` (with --retries: after the last attempt only)' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l retries -d 'Attempt a failed, killed or timed-out execution again, up to N more times [default: 0]' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l retry-delay -d 'Wait this long before the first retry, doubling after each [default: 30s]' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l retry-max-delay -d 'The longest wait between attempts [default: 1h]' -r
complete -c tick -n "__fish_tick_using_subcommand add" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand add" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand add" -l replace -d 'Overwrite the job with the same --id (its history stays)'
complete -c tick -n "__fish_tick_using_subcommand add" -l paused -d 'Add the job paused'
complete -c tick -n "__fish_tick_using_subcommand add" -l coalesce -d 'Run a backlog of missed fires once (the default)'
complete -c tick -n "__fish_tick_using_subcommand add" -l no-coalesce -d 'Run every missed fire of a backlog'
complete -c tick -n "__fish_tick_using_subcommand add" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand add" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tick -n "__fish_tick_using_subcommand add" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand list" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand list" -l all -d 'Include finished jobs'
complete -c tick -n "__fish_tick_using_subcommand list" -l json -d 'Print a JSON array'
complete -c tick -n "__fish_tick_using_subcommand list" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand list" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand list" -s h -l help -d 'Print help'
complete -c tick -n "__fish_tick_using_subcommand list" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand show" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand show" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand show" -l json -d 'Print a JSON object'
complete -c tick -n "__fish_tick_using_subcommand show" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand show" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand show" -s h -l help -d 'Print help'
complete -c tick -n "__fish_tick_using_subcommand show" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand pause" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand pause" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand pause" -l all -d 'Every job'
complete -c tick -n "__fish_tick_using_subcommand pause" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand pause" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand pause" -s h -l help -d 'Print help'
complete -c tick -n "__fish_tick_using_subcommand pause" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand resume" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand resume" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand resume" -l all -d 'Every job'
complete -c tick -n "__fish_tick_using_subcommand resume" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand resume" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand resume" -s h -l help -d 'Print help'
complete -c tick -n "__fish_tick_using_subcommand resume" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand remove" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand remove" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand remove" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand remove" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand remove" -s h -l help -d 'Print help'
complete -c tick -n "__fish_tick_using_subcommand remove" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand modify" -l command -d 'New shell command' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l name -d 'A name to show in listings' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l max-instances -d 'Running copies allowed at once; further fires are skipped [default: 1]' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l misfire-grace -d 'How late a fire may start, or `none` for no limit [default: 60s]' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l timeout -d 'Stop the command after this long (SIGTERM, then SIGKILL 5s later), or `none`' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l cwd -d 'Working directory of the command' -r -F
complete -c tick -n "__fish_tick_using_subcommand modify" -l env -d 'Environment variable for the command (repeatable)' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l keep-history -d 'Executions of this job to keep, newest first [default: 100]' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l on-success -d 'Run CMD after each successful execution (event JSON on stdin), or `none`' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l on-failure -d 'Run CMD after each failed, killed, timed-out or missed execution, or `none` (with --retries: after the last attempt only)' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l retries -d 'Attempt a failed, killed or timed-out execution again, up to N more times [default: 0]' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l retry-delay -d 'Wait this long before the first retry, doubling after each [default: 30s]' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l retry-max-delay -d 'The longest wait between attempts [default: 1h]' -r
complete -c tick -n "__fish_tick_using_subcommand modify" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand modify" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand modify" -l coalesce -d 'Run a backlog of missed fires once (the default)'
complete -c tick -n "__fish_tick_using_subcommand modify" -l no-coalesce -d 'Run every missed fire of a backlog'
complete -c tick -n "__fish_tick_using_subcommand modify" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand modify" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand modify" -s h -l help -d 'Print help'
complete -c tick -n "__fish_tick_using_subcommand modify" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l tz -d 'Time zone (IANA name) [default: $TZ, else the system zone; for a PART, the zone given after the parts]' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l start -d 'First allowed fire (inclusive); an interval\'s first fire' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l end -d 'Last allowed fire (inclusive)' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l jitter -d 'Random delay in [0, DURATION] added to each fire' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l second -d 'Seconds field (APScheduler), e.g. 0, */10' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l minute -d 'Minute field, e.g. 30, */5, 0-29/10' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l hour -d 'Hour field, e.g. 5, 9-17' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l day -d 'Day of month: 1-31, last, \'2nd mon\', \'last fri\'' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l month -d 'Month: 1-12 or jan-dec' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l day-of-week -d 'Day of week: 0-6 with 0 = Monday, or mon-sun' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l week -d 'ISO week of the year: 1-53' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l year -d 'Year: 1970-9999' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l every -d 'Period of an interval, e.g. 90s, 15m, 1h30m, 2d, 1w' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l weeks -d 'Interval weeks (added to the other units)' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l days -d 'Interval days' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l hours -d 'Interval hours' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l minutes -d 'Interval minutes' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l seconds -d 'Interval seconds' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l at -d 'When a date trigger fires' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l in -d 'Fire a date trigger this long from now' -r
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand reschedule" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand reschedule" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand reschedule" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand reschedule" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tick -n "__fish_tick_using_subcommand reschedule" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand history" -l status -d 'Only executions with this status' -r -f -a "running\t''
success\t''
failed\t''
killed\t''
timeout\t''
missed\t''
skipped\t''
interrupted\t''"
complete -c tick -n "__fish_tick_using_subcommand history" -l limit -d 'At most this many executions' -r
complete -c tick -n "__fish_tick_using_subcommand history" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand history" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand history" -l json -d 'Print a JSON array'
complete -c tick -n "__fish_tick_using_subcommand history" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand history" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand history" -s h -l help -d 'Print help'
complete -c tick -n "__fish_tick_using_subcommand history" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand logs" -l execution -d 'This execution instead of the latest' -r
complete -c tick -n "__fish_tick_using_subcommand logs" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand logs" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand logs" -l raw -d 'Write the captured bytes as they are, also on a terminal (where control characters are otherwise shown escaped, like \\x1b)'
complete -c tick -n "__fish_tick_using_subcommand logs" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand logs" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand logs" -s h -l help -d 'Print help'
complete -c tick -n "__fish_tick_using_subcommand logs" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand fire" -l timeout -d 'Stop the command after this long (instead of the job\'s --timeout)' -r
complete -c tick -n "__fish_tick_using_subcommand fire" -l retries -d 'Attempt a failed run again, up to N more times, after the job\'s retry delays [default: 0: fire runs once, whatever the job\'s --retries]' -r
complete -c tick -n "__fish_tick_using_subcommand fire" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand fire" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand fire" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand fire" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand fire" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tick -n "__fish_tick_using_subcommand fire" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand prune" -l older-than -d 'Delete executions that finished longer ago than this, e.g. 30d' -r
complete -c tick -n "__fish_tick_using_subcommand prune" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand prune" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand prune" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand prune" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand prune" -s h -l help -d 'Print help'
complete -c tick -n "__fish_tick_using_subcommand prune" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand import" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand import" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand import" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand import" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tick -n "__fish_tick_using_subcommand import" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand export" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand export" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand export" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand export" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand export" -s h -l help -d 'Print help'
complete -c tick -n "__fish_tick_using_subcommand export" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand run" -l max-workers -d 'Most job processes running at once; further fires wait for a slot' -r
complete -c tick -n "__fish_tick_using_subcommand run" -l on-event -d 'Run CMD for every event (executed, error, missed, skipped, interrupted), with the event as JSON on stdin and TICK_* variables' -r
complete -c tick -n "__fish_tick_using_subcommand run" -l name -d 'This runner\'s name in `tick runners` and the history [default: HOST:PID]' -r
complete -c tick -n "__fish_tick_using_subcommand run" -l lease -d 'How long this runner\'s lease holds without a renewal (renewed every sixth of it); a runner that stops renewing is taken over after it' -r
complete -c tick -n "__fish_tick_using_subcommand run" -l http -d 'Also serve the jobs over HTTP on ADDR, as `tick serve` does (the health check then also says whether this runner\'s loop is alive)' -r
complete -c tick -n "__fish_tick_using_subcommand run" -l token-file -d 'With --http: the file holding the token that writes need (mode 0600)' -r -F
complete -c tick -n "__fish_tick_using_subcommand run" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand run" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand run" -l no-echo -d 'Do not echo the jobs\' output lines on stdout'
complete -c tick -n "__fish_tick_using_subcommand run" -l read-only -d 'With --http: serve no writes at all'
complete -c tick -n "__fish_tick_using_subcommand run" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand run" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tick -n "__fish_tick_using_subcommand run" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand serve" -l listen -d 'Address to listen on, IP:PORT (port 0: any free port). A non-loopback address needs --token-file' -r
complete -c tick -n "__fish_tick_using_subcommand serve" -l token-file -d 'The file holding the token that writes need: at least 16 characters, readable only by you (mode 0600). Without it the server takes no writes' -r -F
complete -c tick -n "__fish_tick_using_subcommand serve" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand serve" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand serve" -l read-only -d 'Serve no writes at all (no adding, changing, pausing or running jobs)'
complete -c tick -n "__fish_tick_using_subcommand serve" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand serve" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tick -n "__fish_tick_using_subcommand serve" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand next" -l tz -d 'Time zone (IANA name) [default: $TZ, else the system zone; for a PART, the zone given after the parts]' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l start -d 'First allowed fire (inclusive); an interval\'s first fire' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l end -d 'Last allowed fire (inclusive)' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l jitter -d 'Random delay in [0, DURATION] added to each fire' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l second -d 'Seconds field (APScheduler), e.g. 0, */10' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l minute -d 'Minute field, e.g. 30, */5, 0-29/10' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l hour -d 'Hour field, e.g. 5, 9-17' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l day -d 'Day of month: 1-31, last, \'2nd mon\', \'last fri\'' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l month -d 'Month: 1-12 or jan-dec' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l day-of-week -d 'Day of week: 0-6 with 0 = Monday, or mon-sun' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l week -d 'ISO week of the year: 1-53' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l year -d 'Year: 1970-9999' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l every -d 'Period of an interval, e.g. 90s, 15m, 1h30m, 2d, 1w' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l weeks -d 'Interval weeks (added to the other units)' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l days -d 'Interval days' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l hours -d 'Interval hours' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l minutes -d 'Interval minutes' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l seconds -d 'Interval seconds' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l at -d 'When a date trigger fires' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l in -d 'Fire a date trigger this long from now' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l from -d 'Show fires strictly after this DATETIME [default: now]' -r
complete -c tick -n "__fish_tick_using_subcommand next" -s n -l count -d 'How many fire times to print' -r
complete -c tick -n "__fish_tick_using_subcommand next" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand next" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand next" -l json -d 'Print a JSON array instead of lines'
complete -c tick -n "__fish_tick_using_subcommand next" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand next" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand next" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tick -n "__fish_tick_using_subcommand next" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand generate" -l db -d 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]' -r -F
complete -c tick -n "__fish_tick_using_subcommand generate" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tick -n "__fish_tick_using_subcommand generate" -s v -l verbose -d 'Say more (repeat for even more)'
complete -c tick -n "__fish_tick_using_subcommand generate" -s q -l quiet -d 'Say only what was asked for, and errors'
complete -c tick -n "__fish_tick_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tick -n "__fish_tick_using_subcommand generate" -s V -l version -d 'Print version'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "add" -d 'Add a job: a trigger and a shell command'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "list" -d 'List jobs, soonest next run first'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "show" -d 'Show every field of a job, its next 5 fire times and last 10 executions'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "pause" -d 'Pause jobs: they do not fire until resumed'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "resume" -d 'Resume paused jobs; the next run is computed from now (missed runs are not run)'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "remove" -d 'Remove jobs (their history is kept)'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "modify" -d 'Change a job\'s name, command or options in place; its id and history stay'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "reschedule" -d 'Give a job a new trigger; its id and history stay'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "history" -d 'Show executions, newest first (including those of removed jobs)'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "logs" -d 'Print the captured output of a job\'s latest (or a given) execution'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "fire" -d 'Run a job once now, in the foreground, recorded as an execution'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "prune" -d 'Delete executions older than a duration'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "import" -d 'Add the jobs of a crontab file (all or nothing)'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "export" -d 'Write the jobs that crontab can express as a crontab, warning about the rest'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "run" -d 'Run the scheduler in the foreground until SIGINT or SIGTERM'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "serve" -d 'Serve the jobs over HTTP: a JSON API, a web page and Prometheus metrics'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "next" -d 'Preview the next fire times of a trigger'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "generate" -d 'Write shell completions or man pages into a folder'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from add list show pause resume remove modify reschedule history logs fire prune import export run serve next generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
