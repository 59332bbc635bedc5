//! panelnotes: the desktop companion on the Panel Notes core. Everything it does goes through
//! the same store and documents as the phones.

// First, so its `say!` is in scope in the modules after it.
#[macro_use]
mod output;
mod panel;
mod relay_join;
mod args;
mod candidates;
mod demo;
mod erasure;
mod interviews;
mod key;
mod kit;
mod linking;
mod sync;
mod when;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use panelnotes_core::model::Template;
use panelnotes_core::{DocumentId, Error, Identity, InterviewerId, Store, StoreOptions};

pub use args::SyncArgs;
use args::{Cli, Command, TemplateCmd};

/// What the CLI reports: a core error, or a failure of its own (files, the editor).
#[derive(Debug)]
pub struct Failure(String, u8);

impl Failure {
    pub fn msg(m: impl Into<String>) -> Self {
        Failure(m.into(), 1)
    }

    pub fn with_code(m: impl Into<String>, code: u8) -> Self {
        Failure(m.into(), code)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match e {
            Error::WrongKey | Error::StoreEncrypted | Error::StoreNotEncrypted => key::EXIT_KEY,
            _ => 1,
        };
        Failure(e.to_string(), code)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn default_store() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("panelnotes")
        .join("store.sqlite3")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "error: {}", output::line(&e.to_string()));
            ExitCode::from(e.1)
        }
    }
}

/// `panelnotes init`: the one way a store gets (or, with --replace, changes) its identity.
/// Everything is checked before the store file is created.
fn init(path: &Path, as_: Option<&str>, name: &str, replace: bool) -> Result<(), Failure> {
    let id = InterviewerId::new(as_.ok_or_else(|| Failure::msg("say who you are: `panelnotes init --as YOU --name \"Your Name\"`"))?)?;
    if name.trim().is_empty() {
        return Err(Failure::msg("--name needs your display name"));
    }
    let me = Identity { id, display_name: name.trim().to_owned() };
    match Store::stored_identity(path)? {
        Some(old) if old == me => {
            say!("{} ({}) — store {} (already set up)", output::line(&me.display_name), me.id, path.display());
            return Ok(());
        }
        Some(old) if !replace => {
            return Err(Failure::msg(format!(
                "this store belongs to {}; `panelnotes init --replace --as {} --name ...` changes that",
                old.id, me.id
            )));
        }
        _ => {}
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        // Only this user may list the store's directory (its key file lives there too).
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| Failure::msg(format!("cannot create {}: {e}", dir.display())))?;
    }
    let key = key::load_or_create(path)?;
    let mut store = Store::open_with(path, me.clone(), StoreOptions { remember_identity: false, key: Some(key), ..Default::default() })?;
    store.set_identity(me.clone())?;
    store.close()?;
    say!("{} ({}) — store {}", output::line(&me.display_name), me.id, path.display());
    Ok(())
}

/// Who a command acts as: the store's identity, or for this command only, `--as`. Nothing
/// about it is written, so a one-off `--as` never sticks, whether the command works or not.
fn acting_as(path: &Path, as_: Option<&str>) -> Result<Identity, Failure> {
    let setup = || format!("run `panelnotes init --as YOU --name \"Your Name\"` first (store {})", path.display());
    if !path.exists() {
        return Err(Failure::msg(format!("there is no store yet: {}", setup())));
    }
    let stored = Store::stored_identity(path)?.ok_or_else(|| Failure::msg(format!("this store has no identity: {}", setup())))?;
    Ok(match as_ {
        None => stored,
        Some(a) => {
            let id = InterviewerId::new(a)?;
            if id == stored.id {
                stored
            } else {
                let display_name = id.as_str().split('@').next().unwrap_or(id.as_str()).to_owned();
                Identity { id, display_name }
            }
        }
    })
}

fn run(cli: Cli) -> Result<(), Failure> {
    when::set_zone(cli.tz.as_deref())?;
    let path = cli.store.clone().unwrap_or_else(default_store);
    match &cli.command {
        Command::Demo { keep } => return demo::run(keep.clone()),
        Command::Init { name, replace } => return init(&path, cli.as_.as_deref(), name, *replace),
        _ => {}
    }
    let me = acting_as(&path, cli.as_.as_deref())?;
    let key = key::load(&path)?;
    let mut store = Store::open_with(&path, me, StoreOptions { remember_identity: false, key: Some(key), ..Default::default() })?;
    let id = |store: &Store, s: &str| -> Result<DocumentId, Error> { store.resolve_id(s) };
    match cli.command {
        Command::Demo { .. } | Command::Init { .. } => unreachable!("handled above"),
        Command::Whoami => {
            let me = store.identity().clone();
            match Store::stored_identity(&path)? {
                Some(own) if own.id != me.id => say!(
                    "{} ({}) for this command only; the store belongs to {} ({}) — store {}",
                    output::line(&me.display_name),
                    me.id,
                    output::line(&own.display_name),
                    own.id,
                    path.display()
                ),
                _ => say!("{} ({}) — store {}", output::line(&me.display_name), me.id, path.display()),
            }
        }
        Command::Candidates => candidates::run(&mut store, args::CandidateCmd::List)?,
        Command::Candidate(c) => candidates::run(&mut store, c)?,
        Command::Interview(c) => interviews::run(&mut store, c)?,
        Command::Notes { interview, stage, append, editor, print, insert_at, delete } => {
            interviews::notes(&mut store, &interview, &stage, interviews::NotesMode { append, editor, print, insert_at, delete })?
        }
        Command::Scorecard(c) => interviews::scorecard(&mut store, c)?,
        Command::Acks { role, status, target_hours, now } => {
            use panelnotes_core::services::acknowledge::AcknowledgementFilter;
            use panelnotes_core::timeline::{humanize, CandidateStatus};
            let status = status
                .map(|s| CandidateStatus::parse(&s.replace('-', "_")).ok_or_else(|| Failure::msg(format!("unknown status {:?}", output::line(&s)))))
                .transpose()?;
            let queue = store.acknowledgement_queue(&AcknowledgementFilter { role, status }, chrono::Duration::hours(target_hours as i64), when::parse(&now)?)?;
            if queue.is_empty() {
                say!("Every application is acknowledged.");
            }
            for a in queue {
                let flag = if a.over_target { "OVER TARGET" } else { "" };
                say!("[{}] {} — {} — waiting {} {flag}", output::short(a.candidate_id), output::line(&a.name), output::line(&a.role), humanize(a.waiting));
            }
        }
        Command::Commitments { owner, now } => {
            let owner = owner.map(InterviewerId::new).transpose()?;
            let open = store.open_commitments(owner.as_ref(), when::parse(&now)?)?;
            if open.is_empty() {
                say!("No open commitments.");
            }
            for o in open {
                let flag = if o.overdue { " OVERDUE" } else { "" };
                say!(
                    "[{}] #{} {} by {}{flag}: {}",
                    output::short(o.interview_id),
                    o.index,
                    output::line(o.commitment.owner.as_str()),
                    output::when(o.commitment.due),
                    output::line(&o.commitment.text)
                );
            }
        }
        Command::Owed { interviewer, now } => {
            let who = interviewer.map(InterviewerId::new).transpose()?;
            let now = when::parse(&now)?;
            let owed = store.feedback_owed(who.as_ref(), now)?;
            if owed.is_empty() {
                say!("No scorecards owed.");
            }
            for o in owed {
                say!(
                    "{} owes [{}] {} — ended {} ({} ago), next reminder {}",
                    output::line(o.interviewer.as_str()),
                    output::short(o.interview_id),
                    output::line(&o.candidate_name),
                    output::when(o.ended_at),
                    panelnotes_core::timeline::humanize(o.waiting),
                    output::when(o.next_reminder_at),
                );
            }
        }
        Command::Pending => {
            let p = store.pending_feedback(chrono::Utc::now())?;
            if p.is_empty() {
                say!("No scorecards waiting for you.");
            }
            for f in p {
                say!(
                    "[{}] {} — interview ended {} ({} ago)",
                    output::short(f.interview_id),
                    output::line(&f.candidate_name),
                    output::when(f.ended_at),
                    panelnotes_core::timeline::humanize(f.waiting)
                );
            }
        }
        Command::Template(TemplateCmd::List) => {
            for t in store.templates()? {
                let id = t.id.map(output::short).unwrap_or_else(|| "built-in".into());
                say!("{id:<9} {} ({} min, {} stages)", output::line(&t.name), t.total_minutes(), t.stages.len());
            }
        }
        Command::Template(TemplateCmd::Show { template }) => {
            let t = store.find_template(&template)?;
            say!("{} — {} min", output::line(&t.name), t.total_minutes());
            for s in &t.stages {
                say!("  {:<12} {} ({} min)", output::line(&s.key), output::line(&s.title), s.minutes);
                if !s.guidance.is_empty() {
                    say!("               {}", output::line(&s.guidance));
                }
                for p in &s.prompts {
                    say!("               - {}", output::line(&p.text));
                }
            }
        }
        Command::Template(TemplateCmd::Add { file }) => {
            let t = read_template(&file)?;
            say!("{}", store.create_template(t)?);
        }
        Command::Template(TemplateCmd::Edit { template, file }) => {
            let t = read_template(&file)?;
            let found = store.find_template(&template)?;
            let id = found.id.ok_or_else(|| Failure::msg("the built-in playbook cannot be edited; add a team template"))?;
            store.update_template(id, t)?;
        }
        Command::Export { candidate, output } => {
            let c = candidates::resolve(&store, &candidate)?;
            let md = store.export_markdown(c)?;
            match output {
                Some(p) => std::fs::write(&p, md).map_err(|e| Failure::msg(format!("writing {}: {e}", p.display())))?,
                None => output::emit(&md),
            }
        }
        Command::Conflicts { document } => {
            let list = match document {
                Some(d) => {
                    let id = id(&store, &d)?;
                    store.conflicts(id)?
                }
                None => store.all_conflicts()?,
            };
            if list.is_empty() {
                say!("No conflicts.");
            }
            for c in &list {
                say!("{} {} [{}] {}", c.kind.as_str(), output::short(c.document), c.document, c.field);
                for (n, v) in c.values.iter().enumerate() {
                    let by = v.author.as_ref().map(|a| a.to_string()).unwrap_or_else(|| "unknown".into());
                    let at = v.at.map(output::when).unwrap_or_else(|| "unknown time".into());
                    say!("  {n}: {}  — {by}, {at}", output::conflicted_value(&v.value));
                }
            }
        }
        Command::Resolve { document, field, pick } => {
            let id = id(&store, &document)?;
            // The numbers are this CLI's shorthand for the tokens `conflicts` listed: map the
            // number through a fresh listing, so a changed conflict is refused, never misread.
            let listed = store.conflicts(id)?;
            let Some(c) = listed.iter().find(|c| c.field == field) else {
                return Err(Failure::msg(format!("no conflict on {field} of {id}")));
            };
            let Some(v) = c.values.get(pick) else {
                return Err(Failure::msg(format!("pick a value from 0 to {} for {field}", c.values.len() - 1)));
            };
            store.resolve_conflict(id, &field, &v.token)?;
            say!("kept value {pick} of {field}");
        }
        Command::Invite { interview, seat, open, hours } => {
            let i = id(&store, &interview)?;
            panel::invite(&mut store, i, seat, open, hours)?;
        }
        Command::Join { invite, connect, relay, ca, label } => match (connect, relay) {
            (Some(addr), _) => return panel::join(store, &invite, &addr, &label),
            (None, Some(url)) => return relay_join::join(store, &invite, &url, ca.as_deref(), &label),
            (None, None) => return Err(Failure::msg("choose --connect or --relay")),
        },
        Command::Requests => panel::requests(&store)?,
        Command::Admit { request, seat } => {
            let seat = InterviewerId::new(seat)?;
            store.admit_join_request(request, seat.clone())?;
            say!("admitted request {request} to {seat}; the phone gets its welcome when it asks again (through a relay: after your next `sync --relay`)");
        }
        Command::Refuse { request } => {
            store.refuse_join_request(request)?;
            say!("refused request {request}");
        }
        Command::Roster { interview, export } => {
            let i = id(&store, &interview)?;
            if export {
                panel::export_roster(&store, i)?;
            } else {
                panel::roster(&store, i)?;
            }
        }
        Command::Device => linking::device(&store),
        Command::CountersignLink { interview, device, label } => {
            let i = id(&store, &interview)?;
            linking::countersign(&store, i, &device, &label)?;
        }
        Command::Link { interview, code } => {
            let i = id(&store, &interview)?;
            linking::link(&mut store, i, &code)?;
        }
        Command::TakeRoster { code } => linking::take_roster(&mut store, &code)?,
        Command::TransferLead { interview, seat, device, keep_admin } => {
            let i = id(&store, &interview)?;
            linking::transfer_lead(&mut store, i, &seat, device.as_deref(), keep_admin)?;
        }
        Command::RemoveDevice { interview, fingerprint } => {
            let i = id(&store, &interview)?;
            panel::remove(&mut store, i, &fingerprint)?;
        }
        Command::Compact { interview } => {
            let i = id(&store, &interview)?;
            panel::compact(&mut store, i)?;
        }
        Command::Sync(args) => {
            let (panels, rosters) = match &args.panel {
                Some(p) => {
                    let i = id(&store, p)?;
                    match (store.roster_of_interview(i)?, store.panel(i)?) {
                        (Some(r), _) => (vec![], vec![r]),
                        (None, Some(p)) => (vec![p], vec![]),
                        (None, None) => return Err(Failure::msg(format!("no panel for interview {i}: `panelnotes invite` (the lead) or `panelnotes join` first"))),
                    }
                }
                None => (store.panels()?, store.rosters()?),
            };
            return sync::run(store, panels, rosters, args);
        }
        Command::Retention { dry_run, after_decision_days, after_inactive_days } => {
            erasure::retention(&mut store, dry_run, after_decision_days, after_inactive_days)?
        }
        Command::Verify => {
            let failed = store.verify()?;
            let q = store.quarantined()?;
            let problems = store.problems(None)?;
            if q.is_empty() {
                say!("All documents load.");
            }
            for d in &q {
                say!("quarantined {} {} since {}: {}", d.kind.as_str(), d.id, output::when(d.at), output::quarantine_reason(d.reason));
            }
            // Values skipped because a peer wrote them wrongly, and what sync had to drop or
            // repair. Paths and authors only: never the values.
            for p in &problems {
                let who = match (&p.author, &p.actor) {
                    (Some(a), _) => format!(" by {a}"),
                    (None, Some(actor)) => format!(" by actor {}", &actor[..actor.len().min(8)]),
                    _ => String::new(),
                };
                let when = p.written_at.map(|t| format!(" at {}", output::when(t))).unwrap_or_default();
                println!("problem in {} {}: {}{who}{when}", p.document, output::line(&p.path), output::problem_kind(p.kind));
            }
            if failed > 0 {
                store.close()?;
                return Err(Failure::msg(format!("{failed} damaged document(s) newly quarantined")));
            }
        }
    }
    Ok(store.close()?)
}

fn read_template(file: &Path) -> Result<Template, Failure> {
    let raw = std::fs::read_to_string(file).map_err(|e| Failure::msg(format!("reading {}: {e}", file.display())))?;
    serde_json::from_str(&raw).map_err(|e| Failure::msg(format!("{} is not a template: {e}", file.display())))
}
