//! `onetrip`: the one binary of OneTrip.

mod audit;
mod backup;
mod bench;
mod bench_auth;
mod bench_cases;
mod bench_load;
mod bench_online;
mod calendar;
mod catalog;
mod config;
mod demo;
mod journal;
mod keys;
mod serve;
mod tls;
mod user;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use config::CommonArgs;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "onetrip",
    version,
    about = "一次办 OneTrip：政务服务平台（一个程序，内嵌数据库即可运行）"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (public hall, JSON API).
    Serve(serve::Args),
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Import, export, check or publish the service catalog.
    #[command(subcommand)]
    Catalog(catalog::Command),
    /// Load the demo county into the database and exit.
    Demo {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Measure password-verification cost and the per-request cost of authorization.
    BenchAuth(bench_auth::Args),
    /// Rotate or show the master keys of the field encryption.
    #[command(subcommand)]
    Keys(keys::Command),
    /// Manage staff accounts and their roles (first setup of a hall).
    #[command(subcommand)]
    User(user::Command),
    /// Measure throughput and latency of a running server against a generated catalog.
    Bench(bench::Args),
    /// Measure case submissions and complete cases over HTTP against the bare path.
    BenchCases(bench_cases::Args),
    /// Measure the applicant's side over HTTP: the form page, online submissions with
    /// uploads, and the timeline with a million cases.
    BenchOnline(bench_online::Args),
    /// Verify the security audit log's hash chain.
    #[command(subcommand)]
    Audit(audit::Command),
    /// Import or list the working calendar that time limits are counted on.
    #[command(subcommand)]
    Calendar(calendar::Command),
    /// Verify the case journal, or sign a checkpoint of it.
    #[command(subcommand)]
    Journal(journal::Command),
    /// Write a consistent copy of the database (safe while the server runs).
    Backup(backup::BackupArgs),
    /// Restore a backup into a new data directory or an empty PostgreSQL database.
    Restore(backup::RestoreArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    config::init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Migrate { common } => {
                let cfg = common.load()?;
                let store = cfg.open_store().await?;
                store.ready().await?;
                println!("数据库结构已是最新（{}）", store.backend());
                Ok(())
            }
            Command::Catalog(cmd) => catalog::run(cmd).await,
            Command::Demo { common } => demo::run(common).await,
            Command::Bench(args) => bench::run(args).await,
            Command::BenchCases(args) => bench_cases::run(args).await,
            Command::BenchOnline(args) => bench_online::run(args).await,
            Command::User(cmd) => user::run(cmd).await,
            Command::Keys(cmd) => keys::run(cmd).await,
            Command::BenchAuth(args) => bench_auth::run(args).await,
            Command::Audit(cmd) => audit::run(cmd).await,
            Command::Calendar(cmd) => calendar::run(cmd).await,
            Command::Journal(cmd) => journal::run(cmd).await,
            Command::Backup(args) => backup::backup(args).await,
            Command::Restore(args) => backup::restore(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}
