//! panelnotes: the desktop companion on the Panel Notes core. Everything it does goes through
//! the same store and documents as the phones.

mod demo;
mod output;
mod sync;
mod when;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use panelnotes_core::model::{
    CandidateEventKind, LogisticsUpdate, NewCandidate, NewInterview, NextSteps, Outcome,
    QuestionKind, Recommendation, RiskTolerance, SalaryExpectation, ScorecardDraft, Template,
};
use panelnotes_core::transport::PanelInvite;
use panelnotes_core::{DocumentId, Error, Identity, InterviewerId, Store};

#[derive(Parser)]
#[command(name = "panelnotes", version, about = "Offline-first interview notes for panels")]
struct Cli {
    /// The store file [default: panelnotes/store.sqlite3 in your data directory].
    #[arg(long, global = true, env = "PANELNOTES_STORE")]
    store: Option<PathBuf>,
    /// Act as this interviewer (an email or handle); remembered by the store.
    #[arg(long = "as", global = true, env = "PANELNOTES_AS")]
    as_: Option<String>,
    /// Your display name, when setting --as for the first time.
    #[arg(long, global = true)]
    name: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show who you are acting as and where the store is.
    Whoami,
    /// Candidates: add, list, show their timeline, record events, logistics and the decision.
    #[command(subcommand)]
    Candidate(CandidateCmd),
    /// The candidate list: status, how long they wait, the next action.
    Candidates,
    /// Interviews: schedule, run the stages, questions, next steps.
    #[command(subcommand)]
    Interview(InterviewCmd),
    /// Write a stage's notes from stdin (or your $EDITOR with --editor).
    Notes {
        interview: String,
        stage: String,
        /// Append to the notes instead of replacing them.
        #[arg(long)]
        append: bool,
        /// Open the notes in $EDITOR.
        #[arg(long, conflicts_with = "append")]
        editor: bool,
        /// Print the notes instead of writing them.
        #[arg(long, conflicts_with_all = ["append", "editor"])]
        print: bool,
        /// Splice stdin in at this position (UTF-16 code units, as the apps count).
        #[arg(long, conflicts_with_all = ["append", "editor", "print"])]
        insert_at: Option<u64>,
        /// With --insert-at: first delete this many UTF-16 code units.
        #[arg(long, requires = "insert_at", default_value_t = 0)]
        delete: u64,
    },
    /// Your scorecard: draft (kept on this device), submit, and see the panel's once yours is in.
    #[command(subcommand)]
    Scorecard(ScorecardCmd),
    /// Interviews you sat on that still wait for your scorecard.
    Pending,
    /// Interview templates.
    #[command(subcommand)]
    Template(TemplateCmd),
    /// Export a candidate's dossier as Markdown.
    Export {
        candidate: String,
        /// Write to this file instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Load every document and report the ones that are damaged (quarantined).
    Verify,
    /// Fields that hold several concurrent values (two salary figures, two start dates...),
    /// with who wrote each and when. Without an id: every document.
    Conflicts { document: Option<String> },
    /// Keep one value of a conflicting field: `panelnotes resolve DOC FIELD N`, N as listed.
    Resolve { document: String, field: String, pick: usize },
    /// Make the invite (a URI for a QR code) that lets a phone join an interview's panel.
    Invite { interview: String },
    /// Join a panel from its invite.
    Join { invite: String },
    /// Sync the panels' documents: listen for panel members, dial one, or use a relay.
    Sync(SyncArgs),
    /// Play the playbook interview with a panel of three, from application to decision.
    Demo {
        /// Keep the demo's store here instead of a temporary directory.
        #[arg(long)]
        keep: Option<PathBuf>,
    },
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct SyncModeArgs {
    /// Accept panel members on this address (such as 0.0.0.0:7420 or 127.0.0.1:0).
    #[arg(long)]
    listen: Option<String>,
    /// Dial a panel member at this address.
    #[arg(long)]
    connect: Option<String>,
    /// Sync through an automerge-repo sync server (ws://host:port).
    #[arg(long)]
    relay: Option<String>,
}

#[derive(Args)]
struct SyncArgs {
    #[command(flatten)]
    mode: SyncModeArgs,
    /// Only this interview's panel [default: every panel this store knows].
    #[arg(long)]
    panel: Option<String>,
    /// With --listen: stop after this many sessions.
    #[arg(long)]
    sessions: Option<usize>,
    /// With --listen: stop after this many seconds.
    #[arg(long = "for")]
    for_seconds: Option<u64>,
}

#[derive(Subcommand)]
enum CandidateCmd {
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        contact: Option<String>,
        #[arg(long, default_value = "now")]
        applied_at: String,
    },
    List,
    /// The candidate's timeline, interviews, feedback and speed metrics.
    Show { candidate: String },
    /// Record an event: acknowledged, debrief-booked, debrief-held, offer-made,
    /// offer-accepted, offer-declined, withdrew, note.
    Event {
        candidate: String,
        kind: String,
        #[arg(long, default_value = "now")]
        at: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// What the candidate said about risk, pay, start date and notice.
    Logistics(LogisticsArgs),
    Decide {
        candidate: String,
        #[arg(value_enum)]
        outcome: OutcomeArg,
        #[arg(long, default_value = "now")]
        at: String,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutcomeArg {
    Hire,
    Reject,
}

#[derive(Args)]
struct LogisticsArgs {
    candidate: String,
    #[arg(long, value_enum)]
    risk: Option<RiskArg>,
    #[arg(long)]
    risk_notes: Option<String>,
    /// Their current yearly pay.
    #[arg(long, conflicts_with_all = ["salary_range", "salary_passed"])]
    salary_current: Option<i64>,
    /// The yearly range they expect, as MIN-MAX.
    #[arg(long, conflicts_with = "salary_passed")]
    salary_range: Option<String>,
    /// They preferred not to say.
    #[arg(long)]
    salary_passed: bool,
    #[arg(long, default_value = "EUR")]
    currency: String,
    /// YYYY-MM-DD
    #[arg(long)]
    start_date: Option<String>,
    #[arg(long)]
    notice_days: Option<u32>,
}

#[derive(Clone, Copy, ValueEnum)]
enum RiskArg {
    Comfortable,
    Cautious,
    Averse,
}

#[derive(Subcommand)]
enum InterviewCmd {
    Schedule {
        candidate: String,
        /// When it starts (UTC).
        #[arg(long)]
        at: String,
        /// Panelists, comma separated.
        #[arg(long, value_delimiter = ',', required = true)]
        panel: Vec<String>,
        /// The lead [default: the first panelist].
        #[arg(long)]
        lead: Option<String>,
        #[arg(long, default_value = panelnotes_core::model::PLAYBOOK_NAME)]
        template: String,
        #[arg(long)]
        minutes: Option<u32>,
        #[arg(long)]
        title: Option<String>,
        /// When it was booked (the timeline's "interview scheduled").
        #[arg(long, default_value = "now")]
        booked_at: String,
    },
    /// Stages with elapsed time against budget, questions and next steps.
    Show {
        interview: String,
        #[arg(long, default_value = "now")]
        now: String,
    },
    /// Start STAGE, or the next stage when none is given.
    Stage {
        interview: String,
        stage: Option<String>,
        #[arg(long, default_value = "now")]
        at: String,
    },
    End {
        interview: String,
        #[arg(long, default_value = "now")]
        at: String,
    },
    /// A question the candidate asked.
    Question {
        interview: String,
        text: String,
        #[arg(long, conflicts_with = "specific", required_unless_present = "specific")]
        generic: bool,
        #[arg(long)]
        specific: bool,
        #[arg(long, default_value = "now")]
        at: String,
    },
    NextSteps {
        interview: String,
        /// Whom they meet next (repeatable).
        #[arg(long)]
        meet: Vec<String>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Subcommand)]
enum ScorecardCmd {
    /// Create or update your draft (ratings 1-4).
    Draft {
        interview: String,
        #[arg(long)]
        technical: Option<u8>,
        #[arg(long)]
        challenge: Option<u8>,
        #[arg(long)]
        business: Option<u8>,
        #[arg(long)]
        questions: Option<u8>,
        /// strong-no, no, yes or strong-yes.
        #[arg(long)]
        recommend: Option<String>,
        #[arg(long)]
        comments: Option<String>,
    },
    Submit {
        interview: String,
        #[arg(long, default_value = "now")]
        at: String,
    },
    /// Your draft and the panel's submitted scorecards (sealed until yours is submitted).
    Show { interview: String },
}

#[derive(Subcommand)]
enum TemplateCmd {
    List,
    Show { template: String },
    /// Add a template from a JSON file: {"name": ..., "stages": [{"key", "title", "minutes", "guidance", "prompts": [{"text"}]}]}.
    Add { file: PathBuf },
    /// Replace a team template's name and stages from a JSON file.
    Edit { template: String, file: PathBuf },
}

/// What the CLI reports: a core error, or a failure of its own (files, the editor).
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    pub fn msg(m: impl Into<String>) -> Self {
        Failure(m.into())
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure(e.to_string())
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

fn identity(cli: &Cli, path: &std::path::Path) -> Result<Identity, Error> {
    let stored = Store::stored_identity(path)?;
    let id = match (&cli.as_, &stored) {
        (Some(a), _) => InterviewerId::new(a.clone())?,
        (None, Some(s)) => s.id.clone(),
        (None, None) => InterviewerId::new(std::env::var("USER").unwrap_or_else(|_| "me".into()))?,
    };
    let display_name = match (&cli.name, &stored) {
        (Some(n), _) => n.clone(),
        (None, Some(s)) if s.id == id => s.display_name.clone(),
        _ => id.as_str().split('@').next().unwrap_or(id.as_str()).to_owned(),
    };
    Ok(Identity { id, display_name })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    if let Command::Demo { keep } = &cli.command {
        return demo::run(keep.clone());
    }
    let path = cli.store.clone().unwrap_or_else(default_store);
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| Failure::msg(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let me = identity(&cli, &path)?;
    let mut store = Store::open(&path, me)?;
    let now = chrono::Utc::now();
    let id = |store: &Store, s: &str| -> Result<DocumentId, Error> { store.resolve_id(s) };
    match cli.command {
        Command::Demo { .. } => unreachable!("handled above"),
        Command::Whoami => {
            let me = store.identity();
            println!("{} ({}) — store {}", me.display_name, me.id, store.path().display());
        }
        Command::Candidates | Command::Candidate(CandidateCmd::List) => {
            print!("{}", output::candidate_list(&store.candidates()?, now));
        }
        Command::Candidate(CandidateCmd::Add { name, role, source, contact, applied_at }) => {
            let c = store.create_candidate(NewCandidate {
                name,
                role,
                source,
                contact,
                applied_at: when::parse(&applied_at)?,
            })?;
            println!("{c}");
        }
        Command::Candidate(CandidateCmd::Show { candidate }) => {
            let c = id(&store, &candidate)?;
            print!("{}", output::timeline(&store.timeline(c)?));
        }
        Command::Candidate(CandidateCmd::Event { candidate, kind, at, note }) => {
            let c = id(&store, &candidate)?;
            let k = CandidateEventKind::parse(&kind).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "unknown event {kind:?}; use one of acknowledged, debrief-booked, debrief-held, offer-made, offer-accepted, offer-declined, withdrew, note"
                ))
            })?;
            store.record_event(c, k, when::parse(&at)?, note)?;
        }
        Command::Candidate(CandidateCmd::Logistics(a)) => {
            let c = id(&store, &a.candidate)?;
            let currency = a.currency.to_uppercase();
            let salary = if a.salary_passed {
                Some(SalaryExpectation::Passed)
            } else if let Some(amount) = a.salary_current {
                Some(SalaryExpectation::Current { amount, currency })
            } else if let Some(r) = &a.salary_range {
                let (min, max) = r
                    .split_once('-')
                    .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
                    .ok_or_else(|| Error::InvalidArgument(format!("salary range {r:?} must be MIN-MAX")))?;
                Some(SalaryExpectation::Range { min, max, currency })
            } else {
                None
            };
            store.set_logistics(
                c,
                LogisticsUpdate {
                    risk_tolerance: a.risk.map(|r| match r {
                        RiskArg::Comfortable => RiskTolerance::Comfortable,
                        RiskArg::Cautious => RiskTolerance::Cautious,
                        RiskArg::Averse => RiskTolerance::Averse,
                    }),
                    risk_notes: a.risk_notes,
                    salary,
                    start_date: a.start_date.as_deref().map(when::date).transpose()?,
                    notice_period_days: a.notice_days,
                },
            )?;
        }
        Command::Candidate(CandidateCmd::Decide { candidate, outcome, at, reason }) => {
            let c = id(&store, &candidate)?;
            let o = match outcome {
                OutcomeArg::Hire => Outcome::Hire,
                OutcomeArg::Reject => Outcome::Reject,
            };
            store.decide(c, o, when::parse(&at)?, reason)?;
        }
        Command::Interview(InterviewCmd::Schedule { candidate, at, panel, lead, template, minutes, title, booked_at }) => {
            let c = id(&store, &candidate)?;
            let panelists = panel.into_iter().map(InterviewerId::new).collect::<Result<Vec<_>, _>>()?;
            let lead = match lead {
                Some(l) => InterviewerId::new(l)?,
                None => panelists.first().cloned().ok_or_else(|| Failure::msg("name at least one panelist"))?,
            };
            let template = store.find_template(&template)?;
            let i = store.schedule_interview(NewInterview {
                candidate_id: c,
                title,
                template,
                booked_at: when::parse(&booked_at)?,
                scheduled_start: when::parse(&at)?,
                minutes,
                panelists,
                lead,
            })?;
            println!("{i}");
        }
        Command::Interview(InterviewCmd::Show { interview, now }) => {
            let i = id(&store, &interview)?;
            let iv = store.interview(i)?;
            print!("{}", output::clock(&iv, &iv.clock(when::parse(&now)?)));
            for q in &iv.questions {
                println!("  question [{}] {}", q.kind.as_str(), q.text);
            }
            if let Some(n) = &iv.next_steps {
                println!("  next: meets {}", n.meet_next.join(", "));
            }
        }
        Command::Interview(InterviewCmd::Stage { interview, stage, at }) => {
            let i = id(&store, &interview)?;
            let at = when::parse(&at)?;
            match stage {
                Some(s) => {
                    store.start_stage(i, &s, at)?;
                    println!("started {s}");
                }
                None => match store.advance_stage(i, at)? {
                    Some(s) => println!("started {s}"),
                    None => println!("the last stage is running; end the interview with `panelnotes interview end`"),
                },
            }
        }
        Command::Interview(InterviewCmd::End { interview, at }) => {
            let i = id(&store, &interview)?;
            store.end_interview(i, when::parse(&at)?)?;
        }
        Command::Interview(InterviewCmd::Question { interview, text, generic: _, specific, at }) => {
            let i = id(&store, &interview)?;
            let kind = if specific { QuestionKind::Specific } else { QuestionKind::Generic };
            store.add_question(i, &text, kind, when::parse(&at)?)?;
        }
        Command::Interview(InterviewCmd::NextSteps { interview, meet, owner, note }) => {
            let i = id(&store, &interview)?;
            store.set_next_steps(i, NextSteps { meet_next: meet, owner: owner.map(InterviewerId::new).transpose()?, note })?;
        }
        Command::Notes { interview, stage, append, editor, print, insert_at, delete } => {
            let i = id(&store, &interview)?;
            let current = store.notes(i, &stage)?;
            if print {
                println!("{current}");
                return Ok(store.close()?);
            }
            let text = if editor {
                edit_in_editor(&current)?
            } else {
                let mut input = String::new();
                std::io::stdin()
                    .read_to_string(&mut input)
                    .map_err(|e| Failure::msg(format!("reading stdin: {e}")))?;
                input
            };
            if let Some(pos) = insert_at {
                store.splice_notes(i, &stage, pos, delete, &text)?;
            } else if append {
                let end = panelnotes_core::text::utf16_len(&current);
                let sep = if current.is_empty() || current.ends_with('\n') { "" } else { "\n" };
                store.splice_notes(i, &stage, end, 0, &format!("{sep}{text}"))?;
            } else {
                store.replace_notes(i, &stage, &text)?;
            }
        }
        Command::Scorecard(ScorecardCmd::Draft { interview, technical, challenge, business, questions, recommend, comments }) => {
            let i = id(&store, &interview)?;
            let mut d: ScorecardDraft = store.scorecard_draft(i)?.unwrap_or_default();
            if technical.is_some() {
                d.ratings.technical_depth = technical;
            }
            if challenge.is_some() {
                d.ratings.reaction_to_challenge = challenge;
            }
            if business.is_some() {
                d.ratings.business_understanding = business;
            }
            if questions.is_some() {
                d.ratings.question_quality = questions;
            }
            if let Some(r) = recommend {
                d.recommendation = Some(Recommendation::parse(&r).ok_or_else(|| {
                    Error::InvalidArgument(format!("recommendation {r:?}: use strong-no, no, yes or strong-yes (there is no neutral)"))
                })?);
            }
            if let Some(c) = comments {
                d.comments = c;
            }
            store.save_scorecard_draft(i, d)?;
        }
        Command::Scorecard(ScorecardCmd::Submit { interview, at }) => {
            let i = id(&store, &interview)?;
            store.submit_scorecard(i, when::parse(&at)?)?;
            print!("{}", output::scorecards(&store.scorecards(i)?));
        }
        Command::Scorecard(ScorecardCmd::Show { interview }) => {
            let i = id(&store, &interview)?;
            if let Some(d) = store.scorecard_draft(i)? {
                println!("Your draft (only on this device):");
                for (label, v) in d.ratings.labelled() {
                    println!("    {label:<28} {}", v.map(|v| format!("{v}/4")).unwrap_or_else(|| "—".into()));
                }
                println!("    recommendation: {}", d.recommendation.map(|r| r.title()).unwrap_or("—"));
            }
            print!("{}", output::scorecards(&store.scorecards(i)?));
        }
        Command::Pending => {
            let p = store.pending_feedback(now)?;
            if p.is_empty() {
                println!("No scorecards waiting for you.");
            }
            for f in p {
                println!(
                    "[{}] {} — interview ended {} ({} ago)",
                    output::short(f.interview_id),
                    f.candidate_name,
                    output::when(f.ended_at),
                    panelnotes_core::timeline::humanize(f.waiting)
                );
            }
        }
        Command::Template(TemplateCmd::List) => {
            for t in store.templates()? {
                let id = t.id.map(output::short).unwrap_or_else(|| "built-in".into());
                println!("{id:<9} {} ({} min, {} stages)", t.name, t.total_minutes(), t.stages.len());
            }
        }
        Command::Template(TemplateCmd::Show { template }) => {
            let t = store.find_template(&template)?;
            println!("{} — {} min", t.name, t.total_minutes());
            for s in &t.stages {
                println!("  {:<12} {} ({} min)", s.key, s.title, s.minutes);
                if !s.guidance.is_empty() {
                    println!("               {}", s.guidance);
                }
                for p in &s.prompts {
                    println!("               - {}", p.text);
                }
            }
        }
        Command::Template(TemplateCmd::Add { file }) => {
            let t = read_template(&file)?;
            println!("{}", store.create_template(t)?);
        }
        Command::Template(TemplateCmd::Edit { template, file }) => {
            let t = read_template(&file)?;
            let id = id(&store, &template)?;
            store.update_template(id, t)?;
        }
        Command::Export { candidate, output } => {
            let c = id(&store, &candidate)?;
            let md = store.export_markdown(c)?;
            match output {
                Some(p) => std::fs::write(&p, md).map_err(|e| Failure::msg(format!("writing {}: {e}", p.display())))?,
                None => print!("{md}"),
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
                println!("No conflicts.");
            }
            for c in &list {
                println!("{} {} [{}] {}", c.kind.as_str(), output::short(c.document), c.document, c.field);
                for (n, v) in c.values.iter().enumerate() {
                    let by = v.author.as_ref().map(|a| a.to_string()).unwrap_or_else(|| "unknown".into());
                    let at = v.at.map(output::when).unwrap_or_else(|| "unknown time".into());
                    println!("  {n}: {}  — {by}, {at}", v.value);
                }
            }
        }
        Command::Resolve { document, field, pick } => {
            let id = id(&store, &document)?;
            store.resolve_conflict(id, &field, pick)?;
            println!("kept value {pick} of {field}");
        }
        Command::Invite { interview } => {
            let i = id(&store, &interview)?;
            println!("{}", store.panel_invite(i)?.to_uri());
        }
        Command::Join { invite } => {
            let invite = PanelInvite::parse(&invite).map_err(|e| Failure::msg(e.to_string()))?;
            let panel = store.join_panel(&invite)?;
            println!(
                "joined the panel of interview {}; its documents arrive with the first sync",
                output::short(panel.interview)
            );
        }
        Command::Sync(args) => {
            let panels = match &args.panel {
                Some(p) => {
                    let i = id(&store, p)?;
                    vec![store.panel(i)?.ok_or_else(|| Failure::msg(format!("no panel for interview {i}: use `panelnotes invite` or `panelnotes join` first")))?]
                }
                None => store.panels()?,
            };
            return sync::run(store, panels, args);
        }
        Command::Verify => {
            let failed = store.verify()?;
            let q = store.quarantined()?;
            let problems = store.problems(None)?;
            if q.is_empty() {
                println!("All documents load.");
            }
            for d in &q {
                println!("quarantined {} {} since {}: {}", d.kind, d.id, output::when(d.at), d.reason);
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
                println!("problem {:?} in {} {}: {}{who}{when}", p.kind, p.document, p.path, p.detail);
            }
            if failed > 0 {
                store.close()?;
                return Err(Failure::msg(format!("{failed} damaged document(s) newly quarantined")));
            }
        }
    }
    Ok(store.close()?)
}

fn read_template(file: &std::path::Path) -> Result<Template, Failure> {
    let raw = std::fs::read_to_string(file).map_err(|e| Failure::msg(format!("reading {}: {e}", file.display())))?;
    serde_json::from_str(&raw).map_err(|e| Failure::msg(format!("{} is not a template: {e}", file.display())))
}

fn edit_in_editor(current: &str) -> Result<String, Failure> {
    let editor = std::env::var("VISUAL").or_else(|_| std::env::var("EDITOR")).unwrap_or_else(|_| "vi".into());
    let dir = tempfile::tempdir().map_err(|e| Failure::msg(format!("temporary file: {e}")))?;
    let path = dir.path().join("notes.md");
    std::fs::write(&path, current).map_err(|e| Failure::msg(format!("temporary file: {e}")))?;
    let status = std::process::Command::new(&editor)
        .arg(&path)
        .status()
        .map_err(|e| Failure::msg(format!("starting {editor}: {e}")))?;
    if !status.success() {
        return Err(Failure::msg(format!("{editor} exited with {status}; notes unchanged")));
    }
    std::fs::read_to_string(&path).map_err(|e| Failure::msg(format!("reading back the notes: {e}")))
}
