//! The binary: parse the command line, dispatch, print `error: ...` and map
//! the outcome to the exit code. The one exit point.

use clap::Parser;

use tick::cli::Cli;
use tick::error;

fn main() {
    // A shell asking for completions (TICK_COMPLETE set): answer, exit.
    tick::commands::complete::complete_if_asked();
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
/// one line on stderr (with clap's tips and where to read more) and exit
/// code 2.
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
            // Any bytes: `std::env::args` panics on an argument that is
            // not UTF-8, the very error being reported.
            let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
            let msg = tick::commands::usage::explain(&e, &argv);
            eprintln!("error: {}", error::one_line(&msg));
            error::EXIT_USAGE
        }
    }
}
