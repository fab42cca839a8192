//! `simpul stix …`: STIX 2.1 tools. The logic lives in `simpul-stix`; this file only reads files and prints.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use simpul_stix::report::{Report, Summary, validate_reader};

/// STIX 2.1 tools.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate STIX 2.1 content: a bundle, a single object, a JSON array of objects, or JSON lines.
    ///
    /// Exit status: 0 all valid (warnings allowed), 1 some object invalid, 2 unreadable input.
    Validate {
        /// Files to validate; `-` reads standard input.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Print one JSON report per object and line: {"id","valid","errors":[{"path","message","severity","code"}]}.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `simpul stix`.
pub fn run(args: Args) -> ExitCode {
    match args.command {
        Command::Validate { files, json } => validate(&files, json),
    }
}

fn validate(files: &[PathBuf], json: bool) -> ExitCode {
    let opts = simpul::stix_validate_options();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (mut unreadable, mut invalid) = (false, false);
    for path in files {
        let name = path.display().to_string();
        let reader: Box<dyn Read> = if name == "-" {
            Box::new(io::stdin().lock())
        } else {
            match File::open(path) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    eprintln!("simpul stix validate: cannot read {name}: {e}");
                    unreadable = true;
                    continue;
                }
            }
        };
        let mut write_failed = false;
        let result = validate_reader(reader, &opts, |r| {
            if !write_failed && print_report(&mut out, &name, &r, json).is_err() {
                write_failed = true;
            }
        });
        match result {
            Ok(s) => {
                invalid |= s.invalid > 0 || s.invalid_bundles > 0;
                if !json {
                    let _ = writeln!(out, "{name}: {}", summary_line(&s));
                }
            }
            Err(e) => {
                let _ = out.flush();
                eprintln!("simpul stix validate: {name}: not readable as JSON: {e}");
                unreadable = true;
            }
        }
    }
    let _ = out.flush();
    if unreadable {
        ExitCode::from(2)
    } else if invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `2 objects, 1 invalid, 1 warning`, then `, 1 bundle invalid` when a bundle's envelope has an
/// error (a bundle is not counted as an object).
fn summary_line(s: &Summary) -> String {
    let mut line = format!(
        "{}, {} invalid, {}",
        counted(s.objects, "object"),
        s.invalid,
        counted(s.warnings, "warning")
    );
    if s.invalid_bundles > 0 {
        line += &format!(", {} invalid", counted(s.invalid_bundles, "bundle"));
    }
    line
}

/// `1 object`, `0 objects`, `2 objects`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn print_report(out: &mut impl Write, file: &str, r: &Report, json: bool) -> io::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, r).map_err(io::Error::other)?;
        return writeln!(out);
    }
    if r.errors.is_empty() {
        return Ok(());
    }
    let id = r.id.as_deref().unwrap_or("(no id)");
    writeln!(
        out,
        "{file}: {id}: {}",
        if r.valid {
            "valid, with warnings"
        } else {
            "INVALID"
        }
    )?;
    for i in &r.errors {
        writeln!(out, "  {i}")?;
    }
    Ok(())
}
