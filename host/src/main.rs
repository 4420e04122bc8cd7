//! The `helloword` binary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use helloword::config::{Config, LogFormat, Secrets};
use helloword::gateway::Gateway;
use helloword::plugin::{GrantPolicy, Manifest, PluginKind, Runtime, RuntimeSettings, Services};
use helloword::telemetry::{self, Metrics};

/// mimalloc instead of glibc's malloc: under webhook load glibc's allocator was about 15 % of
/// the gateway's CPU, and ingest throughput rose by about 40 % with this one (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// HelloWord: the self-hosted after-sales emergency gateway.
#[derive(Parser)]
#[command(name = "helloword", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway.
    Serve {
        /// The gateway config file.
        #[arg(long, short, default_value = "helloword.toml")]
        config: PathBuf,
    },
    /// Run the deliveries a broken connector failed on through it again, once it is fixed.
    /// Stop the gateway first (the data folder is locked while it runs).
    Replay {
        /// The gateway config file.
        #[arg(long, short, default_value = "helloword.toml")]
        config: PathBuf,
    },
    /// Write a snapshot of the data folder (tickets, inbox, evidence files) to a file.
    /// While the gateway runs, ask it instead: `POST /api/export` writes the snapshot into
    /// `<data_dir>/exports/` without stopping anything.
    Export {
        /// The gateway config file.
        #[arg(long, short, default_value = "helloword.toml")]
        config: PathBuf,
        /// Where to write the snapshot.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Bring a snapshot back as the data folder of the config (which must not hold data yet).
    Restore {
        /// The gateway config file.
        #[arg(long, short, default_value = "helloword.toml")]
        config: PathBuf,
        /// The snapshot `helloword export` or `POST /api/export` wrote.
        #[arg(long)]
        from: PathBuf,
    },
    /// Move a sled deployment into PostgreSQL: every entry of the sled store in
    /// `<data_dir>/db` is copied into the (empty) database `storage.store` names, and checked
    /// against the snapshot digest. Stop the gateway first; the sled folder is left as it
    /// was, and evidence files stay in `<data_dir>/files` (share that folder between the
    /// gateways).
    Migrate {
        /// The gateway config file, with `storage.store` set to the PostgreSQL URL.
        #[arg(long, short, default_value = "helloword.toml")]
        config: PathBuf,
    },
    /// Erase one buyer's personal data (or every buyer's of a shop) from the data folder,
    /// then compact the store so no copy stays on disk. Stop the gateway first; while it
    /// runs, use `POST /api/erasures` instead.
    Erase {
        /// The gateway config file.
        #[arg(long, short, default_value = "helloword.toml")]
        config: PathBuf,
        /// The marketplace the buyer bought on (`shopify`, `ebay`, `amazon`, …).
        #[arg(long)]
        marketplace: String,
        /// The buyer's id at that marketplace.
        #[arg(long)]
        customer_id: Option<String>,
        /// The buyer's e-mail address.
        #[arg(long)]
        email: Option<String>,
        /// Another id of the same buyer there (repeatable).
        #[arg(long = "alias")]
        aliases: Vec<String>,
        /// One of the buyer's orders there (repeatable): its tickets are erased too.
        #[arg(long = "order")]
        orders: Vec<String>,
        /// Erase every buyer of this shop instead.
        #[arg(long, conflicts_with_all = ["customer_id", "email", "aliases", "orders"])]
        shop: Option<String>,
        /// Who asks, as the audit log shows it.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Inspect and create plugins.
    #[command(subcommand, visible_alias = "plugin")]
    Plugins(PluginsCommand),
    /// Check a config file and print what it resolves to.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand)]
enum PluginsCommand {
    /// Load the configured plugin folder and list every plugin with its state.
    List {
        /// The gateway config file.
        #[arg(long, short, default_value = "helloword.toml")]
        config: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Load one plugin (its folder or its plugin.toml) exactly as the gateway would, with
    /// what the config grants it (without a config: nothing beyond the default limits).
    Check {
        /// Plugin folder or manifest.
        path: PathBuf,
        /// Gateway config whose secrets, grants and limits to use (optional).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Make one call into a plugin exactly as the gateway would, and print the result, the
    /// time, peak memory and output size against the plugin's production limits (marking
    /// any it would exceed). Exits 1 when the call fails, the plugin answers with an error,
    /// or a limit would be exceeded.
    Run {
        /// The plugin: its folder, its plugin.toml, or its .wasm file (a plugin.toml beside
        /// it is used when there is one).
        path: PathBuf,
        #[command(flatten)]
        options: RunOptions,
    },
    /// Create a new plugin crate that builds and passes its own test as generated.
    New {
        /// Plugin name (lower case, digits and '-').
        name: String,
        /// The world it implements.
        #[arg(long, value_parser = ["marketplace-connector", "locale-pack", "compensation-policy", "translator"])]
        kind: String,
        /// Parent folder for the new crate.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Path of this repository's `sdk/` folder (default: the one this binary was built from).
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a config file.
    Check {
        /// The gateway config file.
        #[arg(default_value = "helloword.toml")]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { config } => serve(&config).await,
        Command::Replay { config } => {
            let config = Config::load(&config)?;
            telemetry::init_logging("warn", false);
            let gateway = Gateway::start(&config).await?;
            let report =
                helloword::ingest::replay::replay(&gateway.app.plugins, &gateway.app.store).await?;
            gateway.app.engine.process_pending().await?;
            for (old, new, events) in &report.replayed {
                println!("replayed delivery {old} as {new}: {events} events");
            }
            for seq in &report.settled {
                println!("settled delivery {seq}: acknowledged without events");
            }
            for (seq, why) in &report.kept {
                println!("kept delivery {seq}: {why}");
            }
            println!(
                "{} replayed, {} settled, {} kept for a later replay",
                report.replayed.len(),
                report.settled.len(),
                report.kept.len()
            );
            Ok(if report.kept.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Export { config, out } => {
            let config = Config::load(&config)?;
            let secrets =
                helloword::config::Secrets::resolve(&config.secrets).map_err(anyhow::Error::msg)?;
            let store = helloword::store::Store::open_at(&config.store_location(&secrets)?)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot open the store in {}: {e}. If the gateway is running, export \
                     through it: POST /api/export (as a lead) writes the snapshot into {}",
                        config.data_dir.display(),
                        config.data_dir.join("exports").display()
                    )
                })?;
            let file = std::fs::File::create(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let summary = store.export(file, Some(&config.data_dir.join("files")))?;
            print_snapshot("exported", &out, &summary);
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { config, from } => {
            let config = Config::load(&config)?;
            let file = std::fs::File::open(&from)
                .with_context(|| format!("cannot open {}", from.display()))?;
            let secrets =
                helloword::config::Secrets::resolve(&config.secrets).map_err(anyhow::Error::msg)?;
            let summary = match config.store_location(&secrets)? {
                helloword::store::Location::Postgres { url } => {
                    helloword::store::Store::restore_postgres(
                        file,
                        &url,
                        &config.data_dir.join("files"),
                    )?
                }
                helloword::store::Location::Sled { dir, .. } => {
                    helloword::store::Store::restore(file, &dir, &config.data_dir.join("files"))?
                }
            };
            print_snapshot("restored", &config.data_dir, &summary);
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { config } => {
            let config = Config::load(&config)?;
            let secrets =
                helloword::config::Secrets::resolve(&config.secrets).map_err(anyhow::Error::msg)?;
            let helloword::store::Location::Postgres { url } = config.store_location(&secrets)?
            else {
                anyhow::bail!(
                    "`storage.store` is sled; set it to the PostgreSQL URL to migrate into \
                     (the sled store is read from {})",
                    config.data_dir.join("db").display()
                );
            };
            let sled = config.data_dir.join("db");
            if !sled.exists() {
                anyhow::bail!("there is no sled store in {} to migrate", sled.display());
            }
            let summary =
                helloword::store::Store::migrate_to_postgres(&sled, config.store_cache_bytes, &url)
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "{e}. If the gateway is running on {}, stop it first",
                            sled.display()
                        )
                    })?;
            print_snapshot("migrated into PostgreSQL", &sled, &summary);
            Ok(ExitCode::SUCCESS)
        }
        Command::Erase {
            config,
            marketplace,
            customer_id,
            email,
            aliases,
            orders,
            shop,
            by,
        } => {
            if customer_id.is_none() && email.is_none() && aliases.is_empty() && shop.is_none() {
                anyhow::bail!(
                    "name the buyer (--customer-id, --email, --alias) or the --shop to erase"
                );
            }
            let config = Config::load(&config)?;
            let subject = helloword::store::Subject {
                marketplace,
                customer_id,
                email,
                aliases,
                orders,
                shop,
            };
            let db = config.data_dir.join("db");
            let files = config.data_dir.join("files");
            let erased = {
                let store = helloword::store::Store::open_with_cache(&db, config.store_cache_bytes)
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "cannot open the store in {}: {e}. If the gateway is running, ask it \
                             instead: POST /api/erasures",
                            config.data_dir.display()
                        )
                    })?;
                helloword::tickets::engine::erase_and_audit(&store, &subject, &by, Some(&files))
                    .await?
            };
            // Opening it again rewrites it without the erased values.
            drop(helloword::store::Store::open_with_cache(
                &db,
                config.store_cache_bytes,
            )?);
            println!(
                "erased {} profile(s), {} order(s), {} ticket(s), {} delivery(ies), {} file(s); the store is compacted",
                erased.profiles, erased.orders, erased.tickets, erased.deliveries, erased.files
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Plugins(PluginsCommand::List { config, json }) => list(&config, json).await,
        Command::Plugins(PluginsCommand::Check { path, config }) => {
            check(&path, config.as_deref()).await
        }
        Command::Plugins(PluginsCommand::Run { path, options }) => run_plugin(&path, options).await,
        Command::Plugins(PluginsCommand::New {
            name,
            kind,
            dir,
            sdk,
        }) => {
            let kind = PluginKind::from_world(&kind).context("unknown kind")?;
            let sdk = sdk.unwrap_or_else(helloword::scaffold::bundled_sdk_dir);
            let created = helloword::scaffold::new_plugin(&dir, &name, kind, &sdk)?;
            println!("Created {} ({kind}).", created.display());
            println!(
                "Build it:  cd {} && cargo build --target wasm32-wasip2 --release",
                created.display()
            );
            println!("Test it:   cargo test");
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(ConfigCommand::Check { config }) => {
            let config = Config::load(&config)?;
            helloword::gateway::check(&config)?;
            println!("Config is valid.");
            println!("  listen:       {}", config.listen);
            println!("  data folder:  {}", config.data_dir.display());
            println!("  plugins:      {}", config.plugin_dir.display());
            println!(
                "  secrets:      {}",
                config
                    .secrets
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)?;
    let telemetry = telemetry::init(
        "info",
        config.log_format == LogFormat::Json,
        config.traces.as_ref(),
    )?;
    if let Some(traces) = &config.traces {
        tracing::info!(message = "Exporting traces.", endpoint = %traces.traces_url);
    }
    helloword::gateway::run(&config, shutdown_signal()).await?;
    tracing::info!(message = "HelloWord stopped.");
    // Posting the last spans blocks for up to the exporter's timeout.
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

async fn list(config_path: &Path, as_json: bool) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)?;
    telemetry::init_logging("warn", false);
    let gateway = Gateway::start(&config).await?;
    let statuses = gateway.app.plugins.statuses();
    if as_json {
        println!("{}", serde_json::to_string_pretty(&statuses)?);
    } else {
        println!("{:<16} {:<22} {:<9} STATE", "ID", "KIND", "CONTRACT");
        for s in &statuses {
            let id = s.id.clone().unwrap_or_else(|| "?".into());
            let kind = s.kind.map(|k| k.world().to_string()).unwrap_or_default();
            let contract = s.contract.clone().unwrap_or_default();
            let state = match &s.error {
                Some(e) => format!("error: {e}"),
                None => "loaded".into(),
            };
            println!("{id:<16} {kind:<22} {contract:<9} {state}");
            for warning in &s.warnings {
                println!("{:<49} warning: {warning}", "");
            }
        }
    }
    let failed = statuses.iter().any(|s| s.error.is_some());
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

async fn check(path: &Path, config_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    telemetry::init_logging("warn", false);
    let manifest_path = if path.is_dir() {
        path.join("plugin.toml")
    } else {
        path.to_path_buf()
    };
    let (secrets, settings) = match config_path {
        Some(c) => {
            let config = Config::load(c)?;
            let secrets = Secrets::resolve(&config.secrets).map_err(anyhow::Error::msg)?;
            let mut settings = config.runtime_settings();
            settings.cache_dir = None;
            (secrets, settings)
        }
        None => (Secrets::default(), RuntimeSettings::default()),
    };
    let services = std::sync::Arc::new(Services::new(
        std::sync::Arc::new(secrets),
        Metrics::default(),
    )?);
    let runtime = Runtime::new(settings, services)?;
    let loaded = match Manifest::load(&manifest_path) {
        Ok(manifest) => runtime.load(manifest).await,
        Err(e) => Err(e.into()),
    };
    match loaded {
        Ok(plugin) => {
            println!(
                "OK: plugin `{}` ({}, contract {}) loads.",
                plugin.id(),
                plugin.manifest.kind,
                plugin.manifest.contract
            );
            for warning in &plugin.warnings {
                println!("warning: {warning}");
            }
            println!("{}", serde_json::to_string_pretty(&plugin.description)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// One line per tree and a total, for export and restore.
/// `helloword plugin run`'s options.
#[derive(clap::Args)]
struct RunOptions {
    /// The input: for `handle-webhook` a whole HTTP request (request line, headers, blank
    /// line, body) or just the body; for `poll` the cursor; for `culture-tips`,
    /// `compliance-phrases` and `language-markers` the market or language; for the
    /// others the JSON of the call's parameter. Without it, an empty input.
    #[arg(long, short)]
    input: Option<PathBuf>,
    /// The export to call (default: handle-webhook, render, decide or translate).
    #[arg(long)]
    call: Option<String>,
    /// A request header for `handle-webhook` (`Name: value`; repeatable).
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// A secret's value for this run (`name=value`; repeatable).
    #[arg(long = "secret")]
    secrets: Vec<String>,
    /// The world of a bare .wasm file without a plugin.toml (default: tried in turn).
    #[arg(long, value_parser = ["marketplace-connector", "locale-pack", "compensation-policy", "translator"])]
    kind: Option<String>,
    /// Gateway config whose secrets, grants and default limits to use. Without it the
    /// plugin gets what its manifest requests.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Print JSON instead of the report.
    #[arg(long)]
    json: bool,
}

/// The manifests `path` may stand for: its folder's or its own plugin.toml, or for a bare
/// .wasm one per world to try.
fn manifests_for(path: &Path, kind: Option<&str>) -> anyhow::Result<Vec<Manifest>> {
    let manifest_file = if path.is_dir() {
        Some(path.join("plugin.toml"))
    } else if path.extension().is_some_and(|e| e == "toml") {
        Some(path.to_path_buf())
    } else {
        let beside = path.with_file_name("plugin.toml");
        beside
            .exists()
            .then(|| Manifest::load(&beside).ok())
            .flatten()
            .filter(|m| m.component.canonicalize().ok() == path.canonicalize().ok())
            .map(|_| beside)
    };
    if let Some(file) = manifest_file {
        return Ok(vec![Manifest::load(&file)?]);
    }
    let wasm = path
        .canonicalize()
        .with_context(|| format!("cannot read {}", path.display()))?;
    let id: String = wasm
        .file_stem()
        .map(|s| s.to_string_lossy().to_ascii_lowercase().replace('_', "-"))
        .unwrap_or_else(|| "plugin".into())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let kinds: Vec<PluginKind> = match kind {
        Some(k) => vec![PluginKind::from_world(k).context("unknown kind")?],
        None => PluginKind::ALL.to_vec(),
    };
    kinds
        .into_iter()
        .map(|kind| {
            let text = format!(
                "[plugin]\nid = {id:?}\nkind = \"{kind}\"\ncontract = {:?}\ncomponent = {:?}\n",
                helloword::plugin::manifest::SUPPORTED_CONTRACTS[0],
                wasm.display().to_string()
            );
            Manifest::parse(&wasm.with_file_name("plugin.toml"), &text).map_err(Into::into)
        })
        .collect()
}

async fn run_plugin(path: &Path, options: RunOptions) -> anyhow::Result<ExitCode> {
    telemetry::init_logging("error", false);
    let (mut secrets, mut settings) = match &options.config {
        Some(c) => {
            let config = Config::load(c)?;
            let secrets = Secrets::resolve(&config.secrets).map_err(anyhow::Error::msg)?;
            (secrets, config.runtime_settings())
        }
        None => (
            Secrets::default(),
            RuntimeSettings {
                grants: GrantPolicy::AsRequested,
                ..RuntimeSettings::default()
            },
        ),
    };
    settings.cache_dir = None;
    for pair in &options.secrets {
        let (name, value) = pair
            .split_once('=')
            .with_context(|| format!("--secret {pair:?}: expected name=value"))?;
        secrets = secrets.with_value(name, value);
    }
    let headers = options
        .headers
        .iter()
        .map(|h| {
            h.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .with_context(|| format!("--header {h:?}: expected `Name: value`"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let input = match &options.input {
        Some(file) => {
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?
        }
        None => Vec::new(),
    };
    let services = std::sync::Arc::new(Services::new(
        std::sync::Arc::new(secrets),
        Metrics::default(),
    )?);
    let candidates = manifests_for(path, options.kind.as_deref())?;
    let mut last_error = None;
    let many = candidates.len() > 1;
    for manifest in candidates {
        match helloword::plugin::trial::run(
            settings.clone(),
            services.clone(),
            manifest,
            options.call.as_deref(),
            &input,
            &headers,
        )
        .await
        {
            Ok(trial) => {
                if options.json {
                    println!("{}", serde_json::to_string_pretty(&trial)?);
                } else {
                    print!("{}", trial.report());
                }
                return Ok(if trial.clean() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                });
            }
            // A bare component is tried as each world in turn.
            Err(e) if many => last_error = Some(e),
            Err(e) if e.to_string().contains("has no value") => {
                return Err(e.context("give the secret's value for this run with --secret NAME=VALUE, or --config a gateway config"));
            }
            Err(e) => return Err(e),
        }
    }
    Err(last_error
        .map(|e| e.context("the component loads as no world of the contract"))
        .unwrap_or_else(|| anyhow::anyhow!("nothing to run")))
}

fn print_snapshot(what: &str, path: &std::path::Path, summary: &helloword::store::ExportSummary) {
    for (tree, count) in &summary.trees {
        println!("{tree:>16}  {count}");
    }
    println!("{:>16}  {}", "evidence files", summary.files);
    println!(
        "{what} {} ({} bytes, sha256 {})",
        path.display(),
        summary.bytes,
        summary.sha256
    );
}
