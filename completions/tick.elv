
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
            cand next 'Preview the next fire times of a trigger'
            cand generate 'Write shell completions or man pages into a folder'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tick;next'= {
            cand --tz 'Time zone (IANA name) [default: $TZ, else the system zone]'
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
            cand next 'Preview the next fire times of a trigger'
            cand generate 'Write shell completions or man pages into a folder'
            cand help 'Print this message or the help of the given subcommand(s)'
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
