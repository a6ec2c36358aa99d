
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tick' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tick'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tick' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a job: a trigger and a shell command')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List jobs, soonest next run first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show every field of a job, its next 5 fire times and last 10 executions')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause jobs: they do not fire until resumed')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume paused jobs; the next run is computed from now (missed runs are not run)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove jobs (their history is kept)')
            [CompletionResult]::new('modify', 'modify', [CompletionResultType]::ParameterValue, 'Change a job''s name, command or options in place; its id and history stay')
            [CompletionResult]::new('reschedule', 'reschedule', [CompletionResultType]::ParameterValue, 'Give a job a new trigger; its id and history stay')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show executions, newest first (including those of removed jobs)')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print the captured output of a job''s latest (or a given) execution')
            [CompletionResult]::new('fire', 'fire', [CompletionResultType]::ParameterValue, 'Run a job once now, in the foreground, recorded as an execution')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete executions older than a duration')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Add the jobs of a crontab file (all or nothing)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the jobs that crontab can express as a crontab, warning about the rest')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the scheduler in the foreground until SIGINT or SIGTERM')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the jobs over HTTP: a JSON API, a web page and Prometheus metrics')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Preview the next fire times of a trigger')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages into a folder')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tick;add' {
            [CompletionResult]::new('--tz', '--tz', [CompletionResultType]::ParameterName, 'Time zone (IANA name) [default: $TZ, else the system zone; for a PART, the zone given after the parts]')
            [CompletionResult]::new('--start', '--start', [CompletionResultType]::ParameterName, 'First allowed fire (inclusive); an interval''s first fire')
            [CompletionResult]::new('--end', '--end', [CompletionResultType]::ParameterName, 'Last allowed fire (inclusive)')
            [CompletionResult]::new('--jitter', '--jitter', [CompletionResultType]::ParameterName, 'Random delay in [0, DURATION] added to each fire')
            [CompletionResult]::new('--second', '--second', [CompletionResultType]::ParameterName, 'Seconds field (APScheduler), e.g. 0, */10')
            [CompletionResult]::new('--minute', '--minute', [CompletionResultType]::ParameterName, 'Minute field, e.g. 30, */5, 0-29/10')
            [CompletionResult]::new('--hour', '--hour', [CompletionResultType]::ParameterName, 'Hour field, e.g. 5, 9-17')
            [CompletionResult]::new('--day', '--day', [CompletionResultType]::ParameterName, 'Day of month: 1-31, last, ''2nd mon'', ''last fri''')
            [CompletionResult]::new('--month', '--month', [CompletionResultType]::ParameterName, 'Month: 1-12 or jan-dec')
            [CompletionResult]::new('--day-of-week', '--day-of-week', [CompletionResultType]::ParameterName, 'Day of week: 0-6 with 0 = Monday, or mon-sun')
            [CompletionResult]::new('--week', '--week', [CompletionResultType]::ParameterName, 'ISO week of the year: 1-53')
            [CompletionResult]::new('--year', '--year', [CompletionResultType]::ParameterName, 'Year: 1970-9999')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Period of an interval, e.g. 90s, 15m, 1h30m, 2d, 1w')
            [CompletionResult]::new('--weeks', '--weeks', [CompletionResultType]::ParameterName, 'Interval weeks (added to the other units)')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'Interval days')
            [CompletionResult]::new('--hours', '--hours', [CompletionResultType]::ParameterName, 'Interval hours')
            [CompletionResult]::new('--minutes', '--minutes', [CompletionResultType]::ParameterName, 'Interval minutes')
            [CompletionResult]::new('--seconds', '--seconds', [CompletionResultType]::ParameterName, 'Interval seconds')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'When a date trigger fires')
            [CompletionResult]::new('--in', '--in', [CompletionResultType]::ParameterName, 'Fire a date trigger this long from now')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Job id [default: a short generated one]')
            [CompletionResult]::new('--first-run', '--first-run', [CompletionResultType]::ParameterName, 'When the first fire happens (`now` or a DATETIME); later ones follow the trigger')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A name to show in listings')
            [CompletionResult]::new('--max-instances', '--max-instances', [CompletionResultType]::ParameterName, 'Running copies allowed at once; further fires are skipped [default: 1]')
            [CompletionResult]::new('--misfire-grace', '--misfire-grace', [CompletionResultType]::ParameterName, 'How late a fire may start, or `none` for no limit [default: 60s]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop the command after this long (SIGTERM, then SIGKILL 5s later), or `none`')
            [CompletionResult]::new('--cwd', '--cwd', [CompletionResultType]::ParameterName, 'Working directory of the command')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment variable for the command (repeatable)')
            [CompletionResult]::new('--keep-history', '--keep-history', [CompletionResultType]::ParameterName, 'Executions of this job to keep, newest first [default: 100]')
            [CompletionResult]::new('--on-success', '--on-success', [CompletionResultType]::ParameterName, 'Run CMD after each successful execution (event JSON on stdin), or `none`')
            [CompletionResult]::new('--on-failure', '--on-failure', [CompletionResultType]::ParameterName, 'Run CMD after each failed, killed, timed-out or missed execution, or `none` (with --retries: after the last attempt only)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempt a failed, killed or timed-out execution again, up to N more times [default: 0]')
            [CompletionResult]::new('--retry-delay', '--retry-delay', [CompletionResultType]::ParameterName, 'Wait this long before the first retry, doubling after each [default: 30s]')
            [CompletionResult]::new('--retry-max-delay', '--retry-max-delay', [CompletionResultType]::ParameterName, 'The longest wait between attempts [default: 1h]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Overwrite the job with the same --id (its history stays)')
            [CompletionResult]::new('--paused', '--paused', [CompletionResultType]::ParameterName, 'Add the job paused')
            [CompletionResult]::new('--coalesce', '--coalesce', [CompletionResultType]::ParameterName, 'Run a backlog of missed fires once (the default)')
            [CompletionResult]::new('--no-coalesce', '--no-coalesce', [CompletionResultType]::ParameterName, 'Run every missed fire of a backlog')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;list' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include finished jobs')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;show' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON object')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;pause' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every job')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;resume' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every job')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;remove' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;modify' {
            [CompletionResult]::new('--command', '--command', [CompletionResultType]::ParameterName, 'New shell command')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A name to show in listings')
            [CompletionResult]::new('--max-instances', '--max-instances', [CompletionResultType]::ParameterName, 'Running copies allowed at once; further fires are skipped [default: 1]')
            [CompletionResult]::new('--misfire-grace', '--misfire-grace', [CompletionResultType]::ParameterName, 'How late a fire may start, or `none` for no limit [default: 60s]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop the command after this long (SIGTERM, then SIGKILL 5s later), or `none`')
            [CompletionResult]::new('--cwd', '--cwd', [CompletionResultType]::ParameterName, 'Working directory of the command')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment variable for the command (repeatable)')
            [CompletionResult]::new('--keep-history', '--keep-history', [CompletionResultType]::ParameterName, 'Executions of this job to keep, newest first [default: 100]')
            [CompletionResult]::new('--on-success', '--on-success', [CompletionResultType]::ParameterName, 'Run CMD after each successful execution (event JSON on stdin), or `none`')
            [CompletionResult]::new('--on-failure', '--on-failure', [CompletionResultType]::ParameterName, 'Run CMD after each failed, killed, timed-out or missed execution, or `none` (with --retries: after the last attempt only)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempt a failed, killed or timed-out execution again, up to N more times [default: 0]')
            [CompletionResult]::new('--retry-delay', '--retry-delay', [CompletionResultType]::ParameterName, 'Wait this long before the first retry, doubling after each [default: 30s]')
            [CompletionResult]::new('--retry-max-delay', '--retry-max-delay', [CompletionResultType]::ParameterName, 'The longest wait between attempts [default: 1h]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--coalesce', '--coalesce', [CompletionResultType]::ParameterName, 'Run a backlog of missed fires once (the default)')
            [CompletionResult]::new('--no-coalesce', '--no-coalesce', [CompletionResultType]::ParameterName, 'Run every missed fire of a backlog')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;reschedule' {
            [CompletionResult]::new('--tz', '--tz', [CompletionResultType]::ParameterName, 'Time zone (IANA name) [default: $TZ, else the system zone; for a PART, the zone given after the parts]')
            [CompletionResult]::new('--start', '--start', [CompletionResultType]::ParameterName, 'First allowed fire (inclusive); an interval''s first fire')
            [CompletionResult]::new('--end', '--end', [CompletionResultType]::ParameterName, 'Last allowed fire (inclusive)')
            [CompletionResult]::new('--jitter', '--jitter', [CompletionResultType]::ParameterName, 'Random delay in [0, DURATION] added to each fire')
            [CompletionResult]::new('--second', '--second', [CompletionResultType]::ParameterName, 'Seconds field (APScheduler), e.g. 0, */10')
            [CompletionResult]::new('--minute', '--minute', [CompletionResultType]::ParameterName, 'Minute field, e.g. 30, */5, 0-29/10')
            [CompletionResult]::new('--hour', '--hour', [CompletionResultType]::ParameterName, 'Hour field, e.g. 5, 9-17')
            [CompletionResult]::new('--day', '--day', [CompletionResultType]::ParameterName, 'Day of month: 1-31, last, ''2nd mon'', ''last fri''')
            [CompletionResult]::new('--month', '--month', [CompletionResultType]::ParameterName, 'Month: 1-12 or jan-dec')
            [CompletionResult]::new('--day-of-week', '--day-of-week', [CompletionResultType]::ParameterName, 'Day of week: 0-6 with 0 = Monday, or mon-sun')
            [CompletionResult]::new('--week', '--week', [CompletionResultType]::ParameterName, 'ISO week of the year: 1-53')
            [CompletionResult]::new('--year', '--year', [CompletionResultType]::ParameterName, 'Year: 1970-9999')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Period of an interval, e.g. 90s, 15m, 1h30m, 2d, 1w')
            [CompletionResult]::new('--weeks', '--weeks', [CompletionResultType]::ParameterName, 'Interval weeks (added to the other units)')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'Interval days')
            [CompletionResult]::new('--hours', '--hours', [CompletionResultType]::ParameterName, 'Interval hours')
            [CompletionResult]::new('--minutes', '--minutes', [CompletionResultType]::ParameterName, 'Interval minutes')
            [CompletionResult]::new('--seconds', '--seconds', [CompletionResultType]::ParameterName, 'Interval seconds')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'When a date trigger fires')
            [CompletionResult]::new('--in', '--in', [CompletionResultType]::ParameterName, 'Fire a date trigger this long from now')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;history' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only executions with this status')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many executions')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;logs' {
            [CompletionResult]::new('--execution', '--execution', [CompletionResultType]::ParameterName, 'This execution instead of the latest')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Write the captured bytes as they are, also on a terminal (where control characters are otherwise shown escaped, like \x1b)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;fire' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop the command after this long (instead of the job''s --timeout)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempt a failed run again, up to N more times, after the job''s retry delays [default: 0: fire runs once, whatever the job''s --retries]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;prune' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Delete executions that finished longer ago than this, e.g. 30d')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;import' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;export' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;run' {
            [CompletionResult]::new('--max-workers', '--max-workers', [CompletionResultType]::ParameterName, 'Most job processes running at once; further fires wait for a slot')
            [CompletionResult]::new('--on-event', '--on-event', [CompletionResultType]::ParameterName, 'Run CMD for every event (executed, error, missed, skipped, interrupted), with the event as JSON on stdin and TICK_* variables')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'This runner''s name in `tick runners` and the history [default: HOST:PID]')
            [CompletionResult]::new('--lease', '--lease', [CompletionResultType]::ParameterName, 'How long this runner''s lease holds without a renewal (renewed every sixth of it); a runner that stops renewing is taken over after it')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'Also serve the jobs over HTTP on ADDR, as `tick serve` does (the health check then also says whether this runner''s loop is alive)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'With --http: the file holding the token that writes need (mode 0600)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--no-echo', '--no-echo', [CompletionResultType]::ParameterName, 'Do not echo the jobs'' output lines on stdout')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'With --http: serve no writes at all')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on, IP:PORT (port 0: any free port). A non-loopback address needs --token-file')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'The file holding the token that writes need: at least 16 characters, readable only by you (mode 0600). Without it the server takes no writes')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Serve no writes at all (no adding, changing, pausing or running jobs)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;next' {
            [CompletionResult]::new('--tz', '--tz', [CompletionResultType]::ParameterName, 'Time zone (IANA name) [default: $TZ, else the system zone; for a PART, the zone given after the parts]')
            [CompletionResult]::new('--start', '--start', [CompletionResultType]::ParameterName, 'First allowed fire (inclusive); an interval''s first fire')
            [CompletionResult]::new('--end', '--end', [CompletionResultType]::ParameterName, 'Last allowed fire (inclusive)')
            [CompletionResult]::new('--jitter', '--jitter', [CompletionResultType]::ParameterName, 'Random delay in [0, DURATION] added to each fire')
            [CompletionResult]::new('--second', '--second', [CompletionResultType]::ParameterName, 'Seconds field (APScheduler), e.g. 0, */10')
            [CompletionResult]::new('--minute', '--minute', [CompletionResultType]::ParameterName, 'Minute field, e.g. 30, */5, 0-29/10')
            [CompletionResult]::new('--hour', '--hour', [CompletionResultType]::ParameterName, 'Hour field, e.g. 5, 9-17')
            [CompletionResult]::new('--day', '--day', [CompletionResultType]::ParameterName, 'Day of month: 1-31, last, ''2nd mon'', ''last fri''')
            [CompletionResult]::new('--month', '--month', [CompletionResultType]::ParameterName, 'Month: 1-12 or jan-dec')
            [CompletionResult]::new('--day-of-week', '--day-of-week', [CompletionResultType]::ParameterName, 'Day of week: 0-6 with 0 = Monday, or mon-sun')
            [CompletionResult]::new('--week', '--week', [CompletionResultType]::ParameterName, 'ISO week of the year: 1-53')
            [CompletionResult]::new('--year', '--year', [CompletionResultType]::ParameterName, 'Year: 1970-9999')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Period of an interval, e.g. 90s, 15m, 1h30m, 2d, 1w')
            [CompletionResult]::new('--weeks', '--weeks', [CompletionResultType]::ParameterName, 'Interval weeks (added to the other units)')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'Interval days')
            [CompletionResult]::new('--hours', '--hours', [CompletionResultType]::ParameterName, 'Interval hours')
            [CompletionResult]::new('--minutes', '--minutes', [CompletionResultType]::ParameterName, 'Interval minutes')
            [CompletionResult]::new('--seconds', '--seconds', [CompletionResultType]::ParameterName, 'Interval seconds')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'When a date trigger fires')
            [CompletionResult]::new('--in', '--in', [CompletionResultType]::ParameterName, 'Fire a date trigger this long from now')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Show fires strictly after this DATETIME [default: now]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many fire times to print')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many fire times to print')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array instead of lines')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;generate' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Jobs file [default: $TICK_DB, else $XDG_DATA_HOME/tick/jobs.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for even more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only what was asked for, and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tick;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a job: a trigger and a shell command')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List jobs, soonest next run first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show every field of a job, its next 5 fire times and last 10 executions')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause jobs: they do not fire until resumed')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume paused jobs; the next run is computed from now (missed runs are not run)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove jobs (their history is kept)')
            [CompletionResult]::new('modify', 'modify', [CompletionResultType]::ParameterValue, 'Change a job''s name, command or options in place; its id and history stay')
            [CompletionResult]::new('reschedule', 'reschedule', [CompletionResultType]::ParameterValue, 'Give a job a new trigger; its id and history stay')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show executions, newest first (including those of removed jobs)')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print the captured output of a job''s latest (or a given) execution')
            [CompletionResult]::new('fire', 'fire', [CompletionResultType]::ParameterValue, 'Run a job once now, in the foreground, recorded as an execution')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete executions older than a duration')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Add the jobs of a crontab file (all or nothing)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the jobs that crontab can express as a crontab, warning about the rest')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the scheduler in the foreground until SIGINT or SIGTERM')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the jobs over HTTP: a JSON API, a web page and Prometheus metrics')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Preview the next fire times of a trigger')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages into a folder')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tick;help;add' {
            break
        }
        'tick;help;list' {
            break
        }
        'tick;help;show' {
            break
        }
        'tick;help;pause' {
            break
        }
        'tick;help;resume' {
            break
        }
        'tick;help;remove' {
            break
        }
        'tick;help;modify' {
            break
        }
        'tick;help;reschedule' {
            break
        }
        'tick;help;history' {
            break
        }
        'tick;help;logs' {
            break
        }
        'tick;help;fire' {
            break
        }
        'tick;help;prune' {
            break
        }
        'tick;help;import' {
            break
        }
        'tick;help;export' {
            break
        }
        'tick;help;run' {
            break
        }
        'tick;help;serve' {
            break
        }
        'tick;help;next' {
            break
        }
        'tick;help;generate' {
            break
        }
        'tick;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
