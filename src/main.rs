//! The `anhuan` command line.

use anhuan::config::Settings;
use anhuan::domain::Role;
use anhuan::service::{auth, enterprise_import, env_audits, photos, users, Ctx};
use anhuan::startup::{build_context, Application};
use anhuan::{api, db, telemetry};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "anhuan",
    version,
    about = "安环 — park safety and environmental inspection backend"
)]
struct Cli {
    /// TOML settings file (also ANHUAN_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (migrates the database first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the enterprise register.
    Enterprise {
        #[command(subcommand)]
        command: EnterpriseCommand,
    },
    /// Import lists (environmental inspection feedback).
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Photo store maintenance.
    Photos {
        #[command(subcommand)]
        command: PhotoCommand,
    },
    /// Print the OpenAPI description (the checked-in api-spec/openapi.json).
    Openapi,
    /// Sample files for the README's walkthrough.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Write a sample photo (EXIF orientation, time, GPS) and a sample
    /// 反馈问题清单.xlsx into DIR.
    Files { dir: PathBuf },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from ANHUAN_NEW_PASSWORD or stdin.
    Create {
        username: String,
        #[arg(long, value_parser = role_parser())]
        role: Role,
        #[arg(long)]
        display_name: Option<String>,
        /// Enterprise id (for role enterprise).
        #[arg(long)]
        enterprise: Option<uuid::Uuid>,
    },
    /// List accounts.
    List,
    /// Set a password (read from ANHUAN_NEW_PASSWORD or stdin); ends the user's sessions.
    SetPassword { username: String },
    /// Disable an account; ends its sessions.
    Disable { username: String },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a feedback list (XLSX or CSV) into an audit batch; all or nothing.
    EnvAudit {
        /// The batch id (from POST /api/v1/env-audits).
        batch: uuid::Uuid,
        file: PathBuf,
        /// Allow changes to items already imported (open items only).
        #[arg(long)]
        update: bool,
        /// The safety officer the import is recorded for.
        #[arg(long = "as")]
        as_user: String,
    },
}

#[derive(Subcommand)]
enum PhotoCommand {
    /// Delete blobs no upload references, older than the grace period.
    Gc {
        #[arg(long, default_value_t = 24)]
        grace_hours: i64,
    },
    /// Re-hash every original; report mismatches and missing blobs (exit 1 if any).
    Verify,
}

#[derive(Subcommand)]
enum EnterpriseCommand {
    /// Load enterprises from CSV (UTF-8 or GB18030; Chinese or English headers). All or nothing.
    Import { file: PathBuf },
}

/// `--role` accepts the role names, and `--help` lists them.
fn role_parser() -> impl clap::builder::TypedValueParser<Value = Role> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Role::ALL.map(Role::as_str))
        .map(|s| s.parse::<Role>().expect("a listed role parses"))
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("ANHUAN_NEW_PASSWORD") {
        return Ok(p);
    }
    eprint!("password: ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Photo decoding allocates and frees buffers of tens of megabytes on many
/// threads. glibc's adaptive mmap threshold would then keep them in the
/// heap for good; a fixed threshold returns them to the system when freed,
/// and two arenas per core bound fragmentation.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before any threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(
            libc::M_ARENA_MAX,
            2 * std::thread::available_parallelism().map_or(2, |n| n.get() as i32),
        );
    }
}

fn main() {
    tune_allocator();
    actix_web::rt::System::new().block_on(async_main());
}

async fn async_main() {
    if let Err(e) = run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn context(settings: &Settings) -> anyhow::Result<Ctx> {
    let s = settings.clone();
    actix_web::web::block(move || build_context(&s)).await?
}

fn print_problem(e: anhuan::error::AppError) -> anyhow::Error {
    let p = e.to_problem();
    let mut msg = format!("{} ({})", p.detail, p.code);
    for fe in p.errors {
        msg.push_str(&format!("\n  {}: {}", fe.field, fe.message));
    }
    anyhow::anyhow!(msg)
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        print!("{}", api::openapi::json());
        return Ok(());
    }
    // Printing the spec needs no settings; everything else does.
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(settings.log_format, &settings.log_level);
    match cli.command {
        Command::Openapi => unreachable!(),
        Command::Demo {
            command: DemoCommand::Files { dir },
        } => {
            for path in anhuan::service::demo::write_files(&dir)? {
                println!("{}", path.display());
            }
        }
        Command::Serve => {
            let app = Application::build(settings.clone()).await?;
            tracing::info!(bind = %settings.bind, port = app.port(), "anhuan listening");
            app.run_until_stopped().await?;
            tracing::info!("stopped");
        }
        Command::Migrate => {
            let url = settings.db_url().map_err(|e| {
                anyhow::anyhow!("invalid setting `database_url` (DATABASE_URL): {e}")
            })?;
            let applied = actix_web::web::block(move || {
                db::Db::connect(&url, 1, std::time::Duration::from_secs(10)).map(|_| ())
            })
            .await?;
            applied?;
            println!("database is up to date");
        }
        Command::User { command } => {
            let ctx = context(&settings).await?;
            match command {
                UserCommand::Create {
                    username,
                    role,
                    display_name,
                    enterprise,
                } => {
                    let password = read_password()?;
                    let u = users::create(
                        &ctx,
                        None,
                        users::NewUser {
                            username,
                            password,
                            role,
                            display_name,
                            enterprise_id: enterprise,
                            assigned_enterprise_ids: vec![],
                        },
                    )
                    .await
                    .map_err(print_problem)?;
                    println!("created {} ({}) {}", u.username, u.role, u.id);
                }
                UserCommand::List => {
                    for u in users::all(&ctx).await.map_err(print_problem)? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            u.id,
                            u.username,
                            u.role,
                            u.display_name,
                            if u.disabled { "disabled" } else { "active" }
                        );
                    }
                }
                UserCommand::SetPassword { username } => {
                    let id = users::find_id_by_username(&ctx, username.clone())
                        .await
                        .map_err(print_problem)?;
                    let password = read_password()?;
                    users::update(
                        &ctx,
                        None,
                        id,
                        users::UserPatch {
                            password: Some(password),
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(print_problem)?;
                    println!("password of {username} changed; its sessions were ended");
                }
                UserCommand::Disable { username } => {
                    let id = users::find_id_by_username(&ctx, username.clone())
                        .await
                        .map_err(print_problem)?;
                    users::update(
                        &ctx,
                        None,
                        id,
                        users::UserPatch {
                            disabled: Some(true),
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(print_problem)?;
                    println!("{username} disabled; its sessions were ended");
                }
            }
        }
        Command::Import {
            command:
                ImportCommand::EnvAudit {
                    batch,
                    file,
                    update,
                    as_user,
                },
        } => {
            let ctx = context(&settings).await?;
            let who = auth::principal_for(&ctx, as_user)
                .await
                .map_err(print_problem)?;
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("read {}: {e}", file.display()))?;
            let r = env_audits::import(&ctx, &who, batch, bytes, update)
                .await
                .map_err(print_problem)?;
            println!(
                "imported {}: {} new items, {} unchanged, {} updated; orders issued: {}",
                file.display(),
                r.created.len(),
                r.unchanged,
                r.updated.len(),
                if r.orders.is_empty() {
                    "none".to_string()
                } else {
                    r.orders.join(", ")
                }
            );
        }
        Command::Photos { command } => {
            let ctx = context(&settings).await?;
            match command {
                PhotoCommand::Gc { grace_hours } => {
                    let r = photos::gc(&ctx, chrono::Duration::hours(grace_hours))
                        .await
                        .map_err(print_problem)?;
                    for k in &r.deleted {
                        println!("deleted {k}");
                    }
                    println!(
                        "{} blobs examined, {} deleted, {} unreferenced but younger than {grace_hours} h kept",
                        r.examined,
                        r.deleted.len(),
                        r.kept_recent
                    );
                }
                PhotoCommand::Verify => {
                    let r = photos::verify(&ctx).await.map_err(print_problem)?;
                    for sha in &r.mismatched {
                        println!(
                            "MISMATCH original {sha}: stored bytes no longer hash to their name"
                        );
                    }
                    for k in &r.missing {
                        println!("MISSING {k}");
                    }
                    println!(
                        "{} originals checked, {} intact, {} mismatched, {} blobs missing",
                        r.checked,
                        r.ok,
                        r.mismatched.len(),
                        r.missing.len()
                    );
                    if !r.mismatched.is_empty() || !r.missing.is_empty() {
                        std::process::exit(1);
                    }
                }
            }
        }
        Command::Enterprise {
            command: EnterpriseCommand::Import { file },
        } => {
            let ctx = context(&settings).await?;
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("read {}: {e}", file.display()))?;
            let r = enterprise_import::import_csv(&ctx, bytes)
                .await
                .map_err(print_problem)?;
            println!(
                "imported {} ({}): {} created, {} updated, {} unchanged",
                file.display(),
                r.encoding,
                r.created,
                r.updated,
                r.unchanged
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_the_documented_commands() {
        for args in [
            vec!["anhuan", "serve"],
            vec!["anhuan", "migrate"],
            vec!["anhuan", "user", "create", "li", "--role", "inspector"],
            vec!["anhuan", "user", "set-password", "li"],
            vec!["anhuan", "enterprise", "import", "park.csv"],
            vec!["anhuan", "photos", "gc", "--grace-hours", "0"],
            vec!["anhuan", "photos", "verify"],
            vec!["anhuan", "openapi"],
            vec![
                "anhuan",
                "import",
                "env-audit",
                "0190b5d2-0000-7000-8000-000000000000",
                "list.xlsx",
                "--as",
                "officer",
            ],
        ] {
            assert!(Cli::try_parse_from(&args).is_ok(), "{args:?}");
        }
        assert!(Cli::try_parse_from(["anhuan", "user", "create", "li", "--role", "root"]).is_err());
    }
}
