//! `tick add`: validate everything (`args::new_job`), then write one job
//! in one transaction (`ops::add`); print its id.

use anyhow::Result;

use super::Ctx;
use crate::cli::AddArgs;

pub fn run(args: &AddArgs, ctx: &Ctx) -> Result<()> {
    // The job runs where it was added, unless --cwd says otherwise.
    let here = match &args.options.cwd {
        Some(_) => None,
        None => Some(crate::args::job_options::current_dir()?),
    };
    let (job, warnings) = crate::args::new_job(args, ctx.now(), here)?;
    let (store, id) = crate::ops::add::add(job, ctx)?;
    println!("{id}");
    for w in warnings {
        eprintln!("warning: {w}");
    }
    super::status::runner_note_for_add(ctx, store.as_ref())?;
    Ok(())
}
