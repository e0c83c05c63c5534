//! `concur-auth`: the SAP tutorials' token steps as one hardened command.
//!
//! Errors are one line on stderr with what to do; the exit codes are documented
//! in `--help` (see `exit_code.rs`). Only `token` prints a secret, because
//! printing it is what it is for.

mod cli;
mod commands;
mod demo;
mod exit_code;
mod list;
mod logging;
mod time_format;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("concur-auth: error: could not start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Init => commands::init(&cli.credentials),
            Command::Exchange { force } => commands::exchange(&cli, *force).await,
            Command::Token => commands::token(&cli).await,
            Command::Refresh => commands::refresh(&cli).await,
            Command::Status { json, check, days } => {
                // `--check`'s verdict is an exit status, not an error message.
                return commands::status(&cli, *json, check.then_some(*days))
                    .await
                    .map(|verdict| verdict.unwrap_or(0));
            }
            Command::Call {
                method, path, all, ..
            } if *all => match commands::manager(&cli) {
                Ok(manager) => list::print_all(manager, method, path).await,
                Err(err) => Err(err),
            },
            Command::Call {
                method, path, data, ..
            } => commands::call(&cli, method, path, data.as_deref()).await,
            Command::Revoke => commands::revoke(&cli).await,
            Command::Demo => demo::run().await,
        }
        .map(|()| 0)
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("concur-auth: error: {err}");
            ExitCode::from(exit_code::for_kind(err.kind()))
        }
    }
}
