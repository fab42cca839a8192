//! Administration commands that work on the configured database directly, whether or not a server
//! runs: `org`, `community`, `user`, `token`, `audit`. The actor recorded in the audit log is
//! `cli:<login name>`.

use std::future::Future;
use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::Subcommand;
use simpul::config::{Config, StoreArgs};
use simpul_core::country::Country;
use simpul_core::org::{NewOrganisation, OrgKind, OrgStatus, ShortName};
use simpul_core::service::{NewToken, NewUser, OrgUpdate, UserUpdate};
use simpul_core::{CommunityName, Email, Principal, Role, Scopes, Service, TokenId, UserStatus};

/// Opens the store named by the configuration and runs `f` as the local operator.
pub(crate) fn with_service<F, Fut>(store: &StoreArgs, f: F) -> ExitCode
where
    F: FnOnce(Service, Principal) -> Fut,
    Fut: Future<Output = anyhow::Result<ExitCode>>,
{
    with_service_from(store, |_, svc| Ok(svc), f)
}

/// [`with_service`], the service first made ready by `prepare` from the configuration (the
/// federation key, say).
pub(crate) fn with_service_from<P, F, Fut>(store: &StoreArgs, prepare: P, f: F) -> ExitCode
where
    P: FnOnce(&Config, Service) -> anyhow::Result<Service>,
    F: FnOnce(Service, Principal) -> Fut,
    Fut: Future<Output = anyhow::Result<ExitCode>>,
{
    let config = match Config::resolve(store, None) {
        Ok(c) => c,
        Err(e) => return super::usage(&e),
    };
    let result = super::runtime().and_then(|rt| {
        rt.block_on(async {
            let store = simpul::open_store(&config.database)
                .await
                .with_context(|| format!("cannot open database {}", config.database))?;
            let operator = std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .unwrap_or_else(|_| "operator".into());
            // Links in mail a command queues (a communication check's) point at `public_url`.
            let svc = simpul::service(store).with_public_url(&config.public_url)?;
            let svc = prepare(&config, svc)?;
            f(svc, Principal::operator(operator)).await
        })
    });
    match result {
        Ok(code) => code,
        Err(e) => super::fail(&e),
    }
}

async fn set_org_status(
    svc: &Service,
    op: &Principal,
    short: &str,
    status: OrgStatus,
) -> anyhow::Result<simpul_core::Organisation> {
    let o = svc.org_by_short_name(op, short).await?;
    let update = OrgUpdate {
        status: Some(status),
        ..OrgUpdate::default()
    };
    Ok(svc.update_org(op, o.id, update).await?)
}

fn org_header() -> String {
    format!(
        "{:<14} {:<17} {:<3} {:<9} {:<36}  {}",
        "SHORT", "KIND", "CC", "STATUS", "ID", "NAME"
    )
}

fn org_line(o: &simpul_core::Organisation) -> String {
    format!(
        "{:<14} {:<17} {:<3} {:<9} {}  {}",
        o.short_name.as_str(),
        o.kind.as_str(),
        o.country
            .map(|c| c.to_string())
            .unwrap_or_else(|| "-".into()),
        o.status.as_str(),
        o.id,
        o.name
    )
}

// ---------------------------------------------------------------- org

#[derive(Debug, clap::Args)]
pub struct OrgArgs {
    #[command(subcommand)]
    command: OrgCommand,
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Create an organisation; prints its id.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        short: String,
        /// regional-cert, national-cert, sector-cert, government, international-org, industry, academia, other
        #[arg(long)]
        kind: String,
        /// ISO 3166-1 alpha-2 code
        #[arg(long)]
        country: Option<String>,
    },
    /// List organisations.
    List,
    /// Show one organisation.
    Show { short: String },
    /// Suspend an organisation: its users and tokens stop working at once.
    Suspend { short: String },
    /// Reactivate a suspended organisation.
    Activate { short: String },
    /// Print (RFC 2350 text, or `--json`) or save (`--set FILE.json`) a team profile.
    Profile(super::profile::ProfileArgs),
}

pub fn org(store: &StoreArgs, args: OrgArgs) -> ExitCode {
    with_service(store, |svc, op| async move {
        match args.command {
            OrgCommand::Add {
                name,
                short,
                kind,
                country,
            } => {
                let new = NewOrganisation {
                    name,
                    short_name: ShortName::parse(&short)?,
                    kind: kind.parse::<OrgKind>()?,
                    country: country.as_deref().map(Country::parse).transpose()?,
                };
                let org = svc.create_org(&op, new).await?;
                println!("{}", org.id);
            }
            OrgCommand::List => {
                println!("{}", org_header());
                for o in svc.list_orgs(&op).await? {
                    println!("{}", org_line(&o));
                }
            }
            OrgCommand::Show { short } => {
                let o = svc.org_by_short_name(&op, &short).await?;
                println!("{}", serde_json::to_string_pretty(&o)?);
            }
            OrgCommand::Suspend { short } => {
                let o = set_org_status(&svc, &op, &short, OrgStatus::Suspended).await?;
                println!("{}", org_line(&o));
            }
            OrgCommand::Activate { short } => {
                let o = set_org_status(&svc, &op, &short, OrgStatus::Active).await?;
                println!("{}", org_line(&o));
            }
            OrgCommand::Profile(args) => return super::profile::run(svc, op, args).await,
        }
        Ok(ExitCode::SUCCESS)
    })
}

// ---------------------------------------------------------------- community

#[derive(Debug, clap::Args)]
pub struct CommunityArgs {
    #[command(subcommand)]
    command: CommunityCommand,
}

#[derive(Debug, Subcommand)]
enum CommunityCommand {
    /// Create a sharing community.
    Add {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Add organisations (by short name) to a community.
    AddMember {
        name: String,
        #[arg(required = true)]
        shorts: Vec<String>,
    },
    /// List communities and their members.
    List,
}

pub fn community(store: &StoreArgs, args: CommunityArgs) -> ExitCode {
    with_service(store, |svc, op| async move {
        match args.command {
            CommunityCommand::Add { name, description } => {
                let c = svc
                    .create_community(&op, CommunityName::parse(&name)?, &description)
                    .await?;
                println!("{}", c.id);
            }
            CommunityCommand::AddMember { name, shorts } => {
                let mut ids = Vec::new();
                for s in &shorts {
                    ids.push(svc.org_by_short_name(&op, s).await?.id);
                }
                let c = svc.add_community_members(&op, &name, &ids).await?;
                println!("{}: {} members", c.name, c.members.len());
            }
            CommunityCommand::List => {
                let orgs = svc.list_orgs(&op).await?;
                for c in svc.list_communities(&op).await? {
                    let mut names: Vec<&str> = c
                        .members
                        .iter()
                        .filter_map(|m| {
                            orgs.iter()
                                .find(|o| o.id == *m)
                                .map(|o| o.short_name.as_str())
                        })
                        .collect();
                    names.sort_by_key(|n| n.to_lowercase());
                    println!("{}: {}", c.name, names.join(", "));
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

// ---------------------------------------------------------------- user

#[derive(Debug, clap::Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user. Without --password-stdin a strong password is generated and printed once.
    Add {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        /// site-admin, org-admin, analyst, read-only
        #[arg(long)]
        role: String,
        /// Display name (defaults to the email's local part).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List {
        #[arg(long)]
        org: Option<String>,
    },
    /// Change a user's role.
    SetRole { email: String, role: String },
    /// Disable a user: they cannot sign in and their tokens stop working.
    Disable { email: String },
    /// Enable a disabled user again.
    Enable { email: String },
    /// Set a new generated password and print it once.
    ResetPassword { email: String },
}

pub fn user(store: &StoreArgs, args: UserArgs) -> ExitCode {
    with_service(store, |svc, op| async move {
        match args.command {
            UserCommand::Add {
                org,
                email,
                role,
                name,
                password_stdin,
            } => {
                let email = Email::parse(&email)?;
                let role = role.parse::<Role>()?;
                let org = svc.org_by_short_name(&op, &org).await?;
                let password = if password_stdin {
                    let mut s = String::new();
                    std::io::stdin()
                        .read_to_string(&mut s)
                        .context("cannot read the password from stdin")?;
                    Some(s.trim_end_matches(['\r', '\n']).to_owned())
                } else {
                    None
                };
                let display_name = name.unwrap_or_else(|| {
                    email
                        .as_str()
                        .split('@')
                        .next()
                        .unwrap_or("user")
                        .to_owned()
                });
                let (user, generated) = svc
                    .create_user(
                        &op,
                        NewUser {
                            email,
                            display_name,
                            org_id: Some(org.id),
                            role,
                            password,
                        },
                    )
                    .await?;
                println!("{}", user.id);
                if let Some(pw) = generated {
                    println!("password: {pw}");
                }
            }
            UserCommand::List { org } => {
                let org_id = match org {
                    Some(s) => Some(svc.org_by_short_name(&op, &s).await?.id),
                    None => None,
                };
                let orgs = svc.list_orgs(&op).await?;
                let line = |email: &str, org: &str, role: &str, status: &str, id: &str| {
                    format!("{email:<40} {org:<14} {role:<10} {status:<8} {id}")
                };
                println!("{}", line("EMAIL", "ORG", "ROLE", "STATUS", "ID"));
                for u in svc.list_users(&op, org_id).await? {
                    let short = orgs
                        .iter()
                        .find(|o| o.id == u.org_id)
                        .map_or("?", |o| o.short_name.as_str());
                    let id = u.id.to_string();
                    println!(
                        "{}",
                        line(
                            u.email.as_str(),
                            short,
                            u.role.as_str(),
                            u.status.as_str(),
                            &id
                        )
                    );
                }
            }
            UserCommand::SetRole { email, role } => {
                let u = svc.user_by_email(&op, &email).await?;
                let role = role.parse::<Role>()?;
                let u = svc
                    .update_user(
                        &op,
                        u.id,
                        UserUpdate {
                            role: Some(role),
                            ..UserUpdate::default()
                        },
                    )
                    .await?;
                println!("{} is now {}", u.email, u.role);
            }
            UserCommand::Disable { email } => {
                let u = set_user_status(&svc, &op, &email, UserStatus::Disabled).await?;
                println!("{} is disabled", u.email);
            }
            UserCommand::Enable { email } => {
                let u = set_user_status(&svc, &op, &email, UserStatus::Active).await?;
                println!("{} is enabled", u.email);
            }
            UserCommand::ResetPassword { email } => {
                let u = svc.user_by_email(&op, &email).await?;
                println!("password: {}", svc.reset_password(&op, u.id).await?);
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

async fn set_user_status(
    svc: &Service,
    op: &Principal,
    email: &str,
    status: UserStatus,
) -> anyhow::Result<simpul_core::User> {
    let u = svc.user_by_email(op, email).await?;
    let update = UserUpdate {
        status: Some(status),
        ..UserUpdate::default()
    };
    Ok(svc.update_user(op, u.id, update).await?)
}

// ---------------------------------------------------------------- token

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; prints only the token.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Comma-separated: read, write, sync, admin.
        #[arg(long, default_value = "read")]
        scopes: String,
        /// Days until it expires (never, if absent).
        #[arg(long)]
        expires: Option<u32>,
    },
    /// List a user's tokens.
    List {
        #[arg(long)]
        user: String,
    },
    /// Revoke a token by id.
    Revoke { id: String },
}

pub fn token(store: &StoreArgs, args: TokenArgs) -> ExitCode {
    with_service(store, |svc, op| async move {
        match args.command {
            TokenCommand::Create {
                user,
                name,
                scopes,
                expires,
            } => {
                let scopes = Scopes::parse(&scopes)?;
                let (_, secret) = svc
                    .create_token_for(
                        &op,
                        &user,
                        NewToken {
                            name,
                            scopes,
                            expires_in_days: expires,
                        },
                    )
                    .await?;
                println!("{secret}");
            }
            TokenCommand::List { user } => {
                let fmt = |t: Option<time::OffsetDateTime>| {
                    t.map_or("-".to_owned(), simpul_core::clock::rfc3339_micros)
                };
                for t in svc.list_tokens_of(&op, &user).await? {
                    let state = if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    println!(
                        "{}  {:<20} {:<22} {:<8} expires {}  last used {}",
                        t.id,
                        t.name,
                        t.scopes.to_list(),
                        state,
                        fmt(t.expires_at),
                        fmt(t.last_used_at)
                    );
                }
            }
            TokenCommand::Revoke { id } => {
                let id: uuid::Uuid = id
                    .parse()
                    .map_err(|_| anyhow!("`{id}` is not a token id (a UUID)"))?;
                let t = svc.revoke_token(&op, TokenId(id)).await?;
                println!("revoked {} ({})", t.id, t.name);
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

// ---------------------------------------------------------------- audit

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the hash chain: exit 0 when intact, 1 naming the first entry that does not verify.
    Verify,
    /// Print the newest entries, oldest first.
    Tail {
        #[arg(short = 'n', default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
        n: u32,
    },
}

pub fn audit(store: &StoreArgs, args: AuditArgs) -> ExitCode {
    with_service(store, |svc, op| async move {
        match args.command {
            AuditCommand::Verify => match svc.verify_audit(&op).await? {
                Ok(n) => {
                    println!("audit log intact: {n} entries verified");
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    eprintln!("simpul: error: {b}");
                    Ok(ExitCode::FAILURE)
                }
            },
            AuditCommand::Tail { n } => {
                // Newest first, a page at a time, then printed oldest first.
                let page = simpul_core::audit::service::MAX_AUDIT_PAGE;
                let mut entries = Vec::new();
                let mut before = None;
                while entries.len() < n as usize {
                    let want = (n - entries.len() as u32).min(page);
                    let got = svc.list_audit(&op, None, before, want).await?;
                    let Some(last) = got.last() else { break };
                    before = Some(last.seq);
                    let short = got.len() < want as usize;
                    entries.extend(got);
                    if short {
                        break;
                    }
                }
                entries.reverse();
                for e in entries {
                    println!(
                        "{:>6} {} {:<24} {:<22} {} {}",
                        e.seq,
                        simpul_core::clock::rfc3339_micros(e.at),
                        e.action,
                        e.actor,
                        e.target.as_deref().unwrap_or("-"),
                        e.details
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}
