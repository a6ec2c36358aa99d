//! The binary: parse the command line, dispatch, print `error: ...` and map
//! the outcome to the exit code. The one exit point.

use clap::Parser;

use tick::cli::Cli;
use tick::error;

fn main() {
    let code = match Cli::try_parse() {
        Ok(cli) => match tick::commands::dispatch(cli) {
            Ok(()) => error::EXIT_OK,
            Err(err) => {
                if !error::is_silent(&err) {
                    eprintln!("error: {}", error::one_line(&error::chain_text(&err)));
                }
                error::exit_code(&err)
            }
        },
        Err(e) => clap_error(e),
    };
    std::process::exit(code);
}

/// Help and version go to stdout as clap prints them; a usage error becomes
/// one line on stderr and exit code 2.
fn clap_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                error::EXIT_USAGE
            } else {
                error::EXIT_OK
            }
        }
        _ => {
            // clap's message up to its first blank line (the error and any
            // "[possible values: ...]"), folded onto one line.
            let text = e.render().to_string();
            let msg = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ");
            let msg = msg.strip_prefix("error: ").unwrap_or(&msg);
            eprintln!("error: {msg} (see 'tick --help')");
            error::EXIT_USAGE
        }
    }
}
