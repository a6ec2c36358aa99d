//! `tick serve`, and the HTTP server of `tick run --http`: check the
//! options, bind, and serve from the operations' context (`ops::Ctx`: the
//! same store, its own connections; nothing it does prints on stdout).
//!
//! The HTTP side itself lives in `src/http/`.

use anyhow::Result;

use super::Ctx;
use crate::cli::ServeArgs;
use crate::http::{Host, Options, Server};
use crate::log::Logger;

pub fn run(args: &ServeArgs, ctx: &Ctx) -> Result<()> {
    let opts = Options {
        listen: args.listen.clone(),
        token_file: args.token_file.clone(),
        read_only: args.read_only,
    };
    let server = Server::bind(&opts, quiet(ctx), Host::Serve)?;
    let log = Logger::new(ctx.verbose, ctx.quiet);
    log.info(&server.banner());
    server.run();
    Ok(())
}

/// Inside `tick run`: bind now (a bad address or token file stops the
/// runner before it starts), then serve from a thread of its own; the
/// runner's loop never waits on it.
pub fn start_in_runner(opts: &Options, ctx: &Ctx, log: &Logger) -> Result<()> {
    let server = Server::bind(opts, quiet(ctx), Host::Runner)?;
    log.info(&server.banner());
    std::thread::Builder::new()
        .name("tick-http-accept".into())
        .spawn(move || server.run())?;
    Ok(())
}

/// The server's own context: the same store, quiet, no colour.
fn quiet(ctx: &Ctx) -> crate::ops::Ctx {
    (**ctx).clone()
}
