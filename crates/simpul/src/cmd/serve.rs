//! `simpul serve`: run the server.

use std::process::ExitCode;

use anyhow::Context;
use simpul::config::{Config, LogFormat, ServeFlags, StoreArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    serve: ServeFlags,
    /// Seed the demo data set on first start (organisations; later: users, intelligence).
    #[arg(long)]
    demo: bool,
}

pub fn run(store: &StoreArgs, args: Args) -> ExitCode {
    let config = match Config::resolve(store, Some(&args.serve)) {
        Ok(c) => c,
        Err(e) => return super::usage(&e),
    };
    if let Err(e) = init_logging(&config) {
        return super::usage(&e);
    }
    let result = super::runtime().and_then(|rt| rt.block_on(serve(config, args.demo)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %super::one_line(&e), "simpul stopped");
            super::fail(&e)
        }
    }
}

fn init_logging(config: &Config) -> Result<(), String> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log_level)
        .map_err(|e| format!("log_level `{}`: {e}", config.log_level))?;
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let result = match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
    result.map_err(|e| format!("cannot start logging: {e}"))
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    tracing::info!(
        database = %config.database,
        listen = %config.listen,
        public_url = %config.public_url,
        "starting simpul"
    );
    let store = simpul::open_store(&config.database)
        .await
        .with_context(|| format!("cannot open database {}", config.database))?;
    let warninglists = simpul::load_warninglists(&config)?;
    let federation_key = simpul::federation::load_key(&config)?;
    let service = simpul::service(store)
        .with_import_lease(std::time::Duration::from_secs(config.import_lease_secs))
        .with_warninglists(warninglists)
        .with_decay(config.decay.clone())
        .with_verify_after_days(config.verify_after_days)
        .with_federation_key(federation_key)
        .with_webhook_private_targets(config.webhooks.allow_private_targets)
        .with_public_url(&config.public_url)
        .context("public_url")?;
    simpul::federation::apply_configured_peers(&service, &config).await?;
    // Import jobs this node or another left running when it stopped are marked failed (now, then
    // every half lease).
    tokio::spawn(service.clone().sweep_imports());
    let mut logins = Vec::new();
    if demo {
        let report = simpul_core::demo::seed(&service)
            .await
            .context("cannot seed the demo data")?;
        if report.seeded {
            tracing::info!(
                organisations = report.organisations_created,
                users = report.logins.len(),
                collections = report.intel.collections_created,
                objects = report.intel.objects_stored,
                "seeded the demo data"
            );
            // A store seeded by an earlier version gains what is new, and no logins: the
            // credentials file written then stays.
            if !report.logins.is_empty() {
                write_credentials(&config.data_dir, &report.logins)?;
            }
            logins = report.logins;
        }
    }
    let shutdown = shutdown_signal()?;
    let listener = simpul::bind(config.listen).await?;
    let addr = listener
        .local_addr()
        .context("cannot read the listening address")?;
    let service_for_index = service.clone();
    let service_for_peers = service.clone();
    let service_for_mail = service.clone();
    let service_for_checks = service.clone();
    let service_for_webhooks = service.clone();
    let service_for_requests = service.clone();
    let app = simpul::app(service, &config);
    println!(
        "simpul {} is serving on http://{addr}/",
        env!("CARGO_PKG_VERSION")
    );
    println!("  database: {}", config.database);
    let credentials = config.data_dir.join(CREDENTIALS_FILE);
    if !logins.is_empty() {
        println!(
            "  demo data seeded; these passwords are shown once (also in {}):",
            credentials.display()
        );
        for l in &logins {
            println!(
                "    {:<12} {:<10} {:<34} {}",
                l.org,
                l.role.as_str(),
                l.email,
                l.password
            );
        }
        if let Some(admin) = logins
            .iter()
            .find(|l| l.role == simpul_core::Role::SiteAdmin)
        {
            println!(
                "  sign in at http://{addr}/login as {} (site-admin)",
                admin.email
            );
        }
    } else if demo {
        println!(
            "  demo data already seeded; the logins are in {}",
            credentials.display()
        );
    }
    // The match index loads in the background and then follows the store every second.
    let warm = tokio::spawn(simpul_server::api::match_::keep_match_index_warm(
        service_for_index,
        std::time::Duration::from_secs(1),
    ));
    // Federation: every peer synced on its interval, one app node at a time.
    let peers = config.federation.schedule.then(|| {
        tokio::spawn(simpul::federation::schedule::keep_peers_synced(
            service_for_peers,
            config.federation.lease_secs,
        ))
    });
    // Outgoing mail: the outbox drained through the relay (or a warning that it waits).
    let mail = tokio::spawn(simpul::mail::keep_sending(
        service_for_mail,
        config.mail.clone(),
    ));
    // Webhooks: due deliveries POSTed to their receivers, signed, retried with backoff.
    let webhooks = tokio::spawn(simpul::webhooks::keep_delivering(
        service_for_webhooks,
        config.webhooks,
    ));
    // Action requests: due-soon and overdue notices, each once, over the service's clock.
    let request_notices = tokio::spawn(simpul::request_notices::keep_notifying(
        service_for_requests,
    ));
    // Scheduled communication checks: the due ones started every interval, once across nodes.
    let checks = tokio::spawn(simpul::comm_checks::keep_running_schedules(
        service_for_checks,
        std::time::Duration::from_secs(config.check_interval_secs),
    ));
    let served = simpul_server::serve(listener, app, shutdown).await;
    warm.abort();
    mail.abort();
    webhooks.abort();
    request_notices.abort();
    checks.abort();
    if let Some(p) = peers {
        p.abort();
    }
    served.context("server failed")?;
    tracing::info!("simpul stopped cleanly");
    Ok(())
}

/// A future that resolves on SIGINT or SIGTERM. The handlers are installed here, before the server
/// announces itself, so a signal that arrives right after the URL is printed is never missed.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests in flight");
    })
}

const CREDENTIALS_FILE: &str = "demo-credentials.txt";

/// Writes the generated demo logins to `DATA/demo-credentials.txt`, readable only by the owner.
fn write_credentials(
    data_dir: &std::path::Path,
    logins: &[simpul_core::demo::DemoLogin],
) -> anyhow::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let path = data_dir.join(CREDENTIALS_FILE);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(
        file,
        "# simpul demo logins (generated at first start; delete this file once noted)"
    )?;
    writeln!(file, "# organisation\trole\temail\tpassword")?;
    for l in logins {
        writeln!(
            file,
            "{}\t{}\t{}\t{}",
            l.org,
            l.role.as_str(),
            l.email,
            l.password
        )?;
    }
    file.sync_all()?;
    Ok(())
}
