//! `quetma account add`: accounts from the command line.

use std::process::ExitCode;

use anyhow::{Result, bail};
use quetma_server::service::accounts::{self, Role};
use quetma_server::state::{AppState, Clock, Config, Keys};

use super::serve::DbArgs;

/// `quetma account …`.
#[derive(clap::Subcommand)]
pub enum AccountCommand {
    /// Create an account. The password comes from QUETMA_NEW_PASSWORD, or a random one is printed.
    Add(AddArgs),
    /// List accounts.
    List(ListArgs),
}

/// Arguments of `quetma account add`.
#[derive(clap::Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Role: venue_owner, ward_officer, tracing_officer, admin.
    #[arg(long)]
    pub role: String,
    /// Username.
    #[arg(long)]
    pub username: String,
    /// Ward (xã / phường) code (ward officers).
    #[arg(long)]
    pub ward: Option<i64>,
}

/// Arguments of `quetma account list`.
#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub db: DbArgs,
}

async fn state(db: &DbArgs) -> Result<AppState> {
    let db = db.open().await?;
    // Account commands sign nothing: throwaway keys satisfy the state.
    let (keys, _) = Keys::generate().map_err(anyhow::Error::msg)?;
    Ok(AppState::new(db, keys, Config::default(), Clock::system()))
}

/// Runs an account command.
pub fn account(cmd: &AccountCommand) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        match cmd {
            AccountCommand::Add(a) => {
                let role: Role = a.role.parse()?;
                let (password, generated) = match std::env::var("QUETMA_NEW_PASSWORD") {
                    Ok(p) if !p.is_empty() => (p, false),
                    _ => (
                        quetma_server::service::random_token::<15>()?.to_lowercase(),
                        true,
                    ),
                };
                let state = state(&a.db).await?;
                let acc =
                    match accounts::create_account(&state, &a.username, &password, role, a.ward)
                        .await
                    {
                        Ok(acc) => acc,
                        Err(e) => bail!("{e}"),
                    };
                println!(
                    "Đã tạo tài khoản / account created: {} ({}, {})",
                    acc.username,
                    role.as_str(),
                    role.label_vi()
                );
                if generated {
                    println!("Mật khẩu / password: {password}");
                }
                Ok(ExitCode::SUCCESS)
            }
            AccountCommand::List(a) => {
                let state = state(&a.db).await?;
                for acc in accounts::list_accounts(&state).await? {
                    println!(
                        "{}\t{}\t{}",
                        acc.username,
                        acc.role.as_str(),
                        acc.ward_code.map(|w| w.to_string()).unwrap_or_default()
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}
