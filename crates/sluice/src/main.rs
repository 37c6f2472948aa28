//! The `sluice` command: runs Flink SQL scripts (`sluice run`), benchmarks them against
//! Flink (`sluice bench`), and hosts the other subcommands.

mod bench;
mod collect;
mod gen;
mod logging;
mod run;
mod service;
mod summary;
mod tableau;
mod tail;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: operators allocate many small, short-lived objects (MATCH_RECOGNIZE's
/// partial matches, per-batch vectors), which glibc's allocator serves slowly.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "sluice",
    version,
    about = "Run Apache Flink SQL pipelines unchanged, as one small fast binary",
    long_about = "Sluice runs Flink SQL scripts (CREATE TABLE, INSERT INTO, SELECT, EXECUTE STATEMENT SET, ...) \
with Flink's connectors and semantics, without a JVM or a cluster.\n\n\
Query results go to stdout; logs, progress and errors go to stderr."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How log lines on stderr look: text, or one JSON object per line (RUST_LOG filters them)
    #[arg(long, global = true, value_enum, default_value_t = logging::LogFormat::Text)]
    log_format: logging::LogFormat,
}

#[derive(Subcommand)]
enum Command {
    /// Run a Flink SQL script until its bounded inputs end (or until Ctrl-C)
    #[command(after_help = "Examples:\n  sluice run examples/iot_alerts.sql\n  sluice run job.sql -D table.local-time-zone=Europe/Rome\n  sluice run job.sql -D execution.checkpointing.interval=10s     (resumes from its last checkpoint when run again)\n  sluice run job.sql --fresh                                       (ignore and remove earlier checkpoints)")]
    Run {
        /// The SQL script; statements are separated by `;`
        script: PathBuf,
        /// Set a configuration option before the script runs, as `SET 'key' = 'value'` would
        #[arg(short = 'D', value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Print no progress or summary on stderr
        #[arg(short, long)]
        quiet: bool,
        /// With checkpoints on: start over instead of resuming from the job's last checkpoint
        #[arg(long)]
        fresh: bool,
    },
    /// Measure the IoT filter pipeline (file to file), and Flink on the same SQL when installed
    #[command(after_help = "Examples:\n  sluice bench --rows 2000000\n  sluice bench --rows 2000000 --no-flink\n  sluice bench --query group --sink blackhole\n  sluice bench --python                     (Python UDFs beside PyFlink's)\n  sluice bench --kafka                      (Apache Kafka from scripts/services.sh; Flink from scripts/flink.sh)\n  sluice bench --kafka --bootstrap-servers 127.0.0.1:9092 --rows 1000000 --query tumble\n  sluice bench --per-core                   (one core in steady state, beside Flink)\n  sluice bench --nexmark --events 300000    (Nexmark q0-q22 beside Flink)")]
    Bench(bench::BenchArgs),
    /// Produce fake seed data (pizza orders, IoT metrics, transactions, alarms) to Kafka
    #[command(after_help = gen::EXAMPLES)]
    Gen(gen::GenArgs),
    /// Run the job service: a REST API for applications, versions and deployments
    #[command(after_help = service::SERVER_EXAMPLES)]
    Server(service::ServerArgs),
    /// Bearer tokens of the job service
    #[command(subcommand)]
    Token(service::TokenCommand),
    /// Integrations (Kafka, PostgreSQL, OpenSearch connections) on a job service
    #[command(after_help = service::INTEGRATION_EXAMPLES)]
    Integration {
        #[command(flatten)]
        client: service::ClientArgs,
        #[command(subcommand)]
        command: service::IntegrationCommand,
    },
    /// Tables over integrations (the older workflow of tables and jobs)
    #[command(after_help = service::TABLE_EXAMPLES)]
    Table {
        #[command(flatten)]
        client: service::ClientArgs,
        #[command(subcommand)]
        command: service::TableCommand,
    },
    /// Jobs: a statement over tables, run at once
    #[command(after_help = service::JOB_EXAMPLES)]
    Job {
        #[command(flatten)]
        client: service::ClientArgs,
        #[command(subcommand)]
        command: service::JobCommand,
    },
    /// Applications and their versions on a job service (`sluice server`)
    #[command(after_help = service::APPLICATION_EXAMPLES)]
    Application {
        #[command(flatten)]
        client: service::ClientArgs,
        #[command(subcommand)]
        command: service::ApplicationCommand,
    },
    /// Deployments of application versions on a job service
    #[command(after_help = service::DEPLOYMENT_EXAMPLES)]
    Deployment {
        #[command(flatten)]
        client: service::ClientArgs,
        #[command(subcommand)]
        command: service::DeploymentCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let style = match cli.command {
        Command::Server(_) => logging::TextStyle::Timestamped,
        _ => logging::TextStyle::Short,
    };
    logging::init(cli.log_format, style);
    match cli.command {
        // Planning recurses once per level of the query: on a deep stack, so that a long
        // chain of terms or joins plans instead of overflowing.
        Command::Run { script, set, quiet, fresh } => {
            sluice_planner::with_query_stack(move || run::run_script(&script, &set, quiet, fresh)).unwrap_or_else(|e| {
                eprintln!("error: cannot start the planning thread: {e}");
                ExitCode::FAILURE
            })
        }
        Command::Bench(args) => bench::run(args),
        Command::Gen(args) => gen::run(args),
        Command::Server(args) => service::serve(args),
        Command::Token(command) => service::token(command),
        Command::Integration { client, command } => service::integration(client, command),
        Command::Table { client, command } => service::table(client, command),
        Command::Job { client, command } => service::job(client, command),
        Command::Application { client, command } => service::application(client, command),
        Command::Deployment { client, command } => service::deployment(client, command),
    }
}
