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
complete -c tick -n "__fish_tick_needs_command" -f -a "next" -d 'Preview the next fire times of a trigger'
complete -c tick -n "__fish_tick_needs_command" -f -a "generate" -d 'Write shell completions or man pages into a folder'
complete -c tick -n "__fish_tick_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tick -n "__fish_tick_using_subcommand next" -l tz -d 'Time zone (IANA name) [default: $TZ, else the system zone]' -r
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
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from next generate help" -f -a "next" -d 'Preview the next fire times of a trigger'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from next generate help" -f -a "generate" -d 'Write shell completions or man pages into a folder'
complete -c tick -n "__fish_tick_using_subcommand help; and not __fish_seen_subcommand_from next generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
