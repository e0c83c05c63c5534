//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Manage SAP Concur OAuth2 tokens: the SAP tutorials' steps, hardened.
#[derive(Debug, Parser)]
#[command(name = "concur-auth", version, about, long_about = None)]
#[command(after_help = crate::exit_code::HELP)]
pub struct Cli {
    /// The tutorials' credentials file (appID, clientSecret, companyUUID, companyRequestToken).
    #[arg(long, global = true, value_name = "FILE", default_value = concur_auth::DEFAULT_CREDENTIALS_FILE)]
    pub credentials: PathBuf,

    /// Where the refresh token is kept (the tutorials' refreshTokenObjectFile.json).
    #[arg(long, global = true, value_name = "FILE", default_value = concur_auth::DEFAULT_TOKEN_FILE)]
    pub token_file: PathBuf,

    /// Token store instead of the token file: `redis://host:port/db` for a fleet
    /// sharing one Concur app, `memory:`, or a file path.
    #[arg(long, global = true, value_name = "LOCATION", env = "CONCUR_STORE")]
    pub store: Option<String>,

    /// Token host for the first exchange; later calls use the stored geolocation.
    #[arg(long, global = true, value_name = "URL", env = "CONCUR_BASE_URL", default_value = concur_auth::DEFAULT_BASE_URL)]
    pub base_url: String,

    /// Another host allowed to receive tokens (repeatable). Concur's own hosts always are.
    #[arg(long = "allow-host", global = true, value_name = "HOST")]
    pub allowed_hosts: Vec<String>,

    /// The access token turns stale (one refresh starts) when fewer than this
    /// many seconds are left (0 to 86400).
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        env = "CONCUR_LEEWAY_SECS",
        default_value_t = 300
    )]
    pub leeway: u64,

    /// The access token counts as expired (callers wait for the refresh) when
    /// fewer than this many seconds are left (0 to 3600).
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        env = "CONCUR_HARD_MARGIN_SECS",
        default_value_t = 30
    )]
    pub hard_margin: u64,

    /// Refresh from the stale instant on and fail if that fails, instead of
    /// printing the still-valid token with a warning.
    #[arg(long, global = true, env = "CONCUR_STRICT")]
    pub strict: bool,

    /// More log output on stderr (-v info, -vv debug). Secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write an empty credentials.json template (mode 0600; never overwrites).
    Init,
    /// Exchange the company request token for a refresh token and store it (one time).
    /// Refuses to replace a live refresh token (exit 3) unless --force.
    Exchange {
        /// Replace this app's live (not expired) refresh token. Another app's live
        /// token is never replaced: use a separate token store for this app.
        #[arg(long)]
        force: bool,
    },
    /// Print a valid access token and nothing else: curl -H "Authorization: Bearer $(concur-auth token)".
    Token,
    /// Refresh now, whatever the access token's age (under the store's lock): run it
    /// monthly from cron or a systemd timer so that an idle refresh token never lapses.
    Refresh,
    /// Show fresh/stale/expired and when each begins, both expiries, days left and the
    /// geolocation, without network and without secrets.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// For monitoring: exit 0 when the refresh token has more than --days left,
        /// 20 when it expires within --days, 21 when it has expired, 22 when nothing is stored.
        #[arg(long)]
        check: bool,
        /// With --check: how many days ahead to warn.
        #[arg(long, value_name = "N", default_value_t = 30, requires = "check")]
        days: i64,
    },
    /// Call a Concur API and print the reply body, e.g. `call GET /profile/identity/v4/Users/`;
    /// with `--all`, every record of a paged list, one JSON line each.
    Call {
        /// HTTP method.
        method: String,
        /// Path relative to the geolocation.
        path: String,
        /// JSON body to send.
        #[arg(long, value_name = "JSON", conflicts_with = "all")]
        data: Option<String>,
        /// Read the whole list (Identity v4 startIndex/count paging) and print
        /// one JSON record per line.
        #[arg(long)]
        all: bool,
    },
    /// Revoke every refresh token of the app for this company, and clear the token file.
    Revoke,
    /// Run the whole tutorial flow against an embedded fake Concur (no network, secrets redacted).
    Demo,
}
