//! `simpul org profile SHORT [--json | --set FILE.json]`: an organisation's RFC 2350 team profile,
//! printed as the RFC's text or as JSON, or saved from a JSON file (silent on success; a bad
//! document is one line naming the field, exit 1).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use simpul_core::access::directory::Reader;
use simpul_core::directory::profile::TeamProfile;
use simpul_core::{Principal, Service};

/// What `org profile` does.
#[derive(Debug, clap::Args)]
pub struct ProfileArgs {
    /// The organisation's short name.
    short: String,
    /// Print the profile as JSON (the document `--set` reads) instead of RFC 2350 text.
    #[arg(long, conflicts_with = "set")]
    json: bool,
    /// Save the profile from this JSON file (the whole document).
    #[arg(long, value_name = "FILE.json")]
    set: Option<PathBuf>,
}

pub async fn run(svc: Service, op: Principal, args: ProfileArgs) -> anyhow::Result<ExitCode> {
    let org = svc.org_by_short_name(&op, &args.short).await?;
    if let Some(path) = args.set {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let doc = TeamProfile::from_json(&text).with_context(|| path.display().to_string())?;
        svc.put_profile(&op, org.id, doc)
            .await
            .with_context(|| path.display().to_string())?;
    } else if args.json {
        let v = svc.profile(Reader::Signed(&op), org.id).await?;
        println!("{}", serde_json::to_string_pretty(&v.profile)?);
    } else {
        print!("{}", svc.rfc2350(Reader::Signed(&op), org.id).await?);
    }
    Ok(ExitCode::SUCCESS)
}
