//! The command line: every command, flag and help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "panelnotes", version, about = "Offline-first interview notes for panels")]
pub struct Cli {
    /// The store file [default: panelnotes/store.sqlite3 in your data directory].
    #[arg(long, global = true, env = "PANELNOTES_STORE")]
    pub store: Option<PathBuf>,
    /// With `init`: who this store belongs to (an email or handle). With any other command:
    /// act as this interviewer for this one command; the store's own identity is unchanged.
    #[arg(long = "as", global = true, env = "PANELNOTES_AS")]
    pub as_: Option<String>,
    /// Show and read times in this zone: an IANA name (Europe/Berlin), UTC, or an offset
    /// (+05:30) [default: the system's zone].
    #[arg(long, global = true, env = "PANELNOTES_TZ")]
    pub tz: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Set up the store for you, once: `panelnotes init --as ana@acme.test --name "Ana"`.
    Init {
        /// Your display name.
        #[arg(long)]
        name: String,
        /// Change the identity of a store that already has one.
        #[arg(long)]
        replace: bool,
    },
    /// Show who you are acting as and where the store is.
    Whoami,
    /// Candidates: add, find, show their timeline, record events, logistics and the decision.
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
    /// Applicants not yet acknowledged, oldest first, flagged over the target.
    Acks {
        #[arg(long)]
        role: Option<String>,
        /// A status as `candidates` shows it, with underscores (interview_scheduled).
        #[arg(long)]
        status: Option<String>,
        /// The team's target, in hours.
        #[arg(long, default_value_t = 24)]
        target_hours: u32,
        #[arg(long, default_value = "now")]
        now: String,
    },
    /// Open next-step commitments across candidates, overdue first.
    Commitments {
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, default_value = "now")]
        now: String,
    },
    /// Scorecards owed across every candidate, by interviewer, with the next reminder
    /// (an hour after the interview, then daily).
    Owed {
        /// Only this interviewer's.
        #[arg(long)]
        interviewer: Option<String>,
        #[arg(long, default_value = "now")]
        now: String,
    },
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
    /// The team's retention rule: set it with --after-decision-days / --after-inactive-days
    /// (0 turns one off), list what it makes due with --dry-run, or run it (it also runs
    /// whenever the store opens).
    Retention {
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        after_decision_days: Option<u32>,
        #[arg(long)]
        after_inactive_days: Option<u32>,
    },
    /// Load every document and report the ones that are damaged (quarantined).
    Verify,
    /// Fields that hold several concurrent values (two salary figures, two start dates...),
    /// with who wrote each and when it was said. Without an id: every document.
    Conflicts { document: Option<String> },
    /// Keep one value of a conflicting field: `panelnotes resolve DOC FIELD N`, N as listed.
    Resolve { document: String, field: String, pick: usize },
    /// Seat invites (URIs for QR codes) for an interview's panel, one per scheduled seat;
    /// starts the panel's signed roster on first use (you must be the interview's lead).
    Invite {
        interview: String,
        /// Only this seat (an interviewer id).
        #[arg(long)]
        seat: Option<String>,
        /// An invite without a seat: the request waits for you (`requests`, `admit`).
        #[arg(long, conflicts_with = "seat")]
        open: bool,
        /// Valid for this many hours [default: to the end of the interview's day].
        #[arg(long)]
        hours: Option<u32>,
    },
    /// Join a panel: send the join request of a scanned invite to the lead's phone, or post
    /// it through a relay (run again, or `sync --relay`, to pick up the welcome).
    Join {
        invite: String,
        /// The lead's phone, listening (`panelnotes sync --listen`).
        #[arg(long, required_unless_present = "relay", conflicts_with = "relay")]
        connect: Option<String>,
        /// Post the request through an automerge-repo sync server: wss://host[:port] (ws://
        /// only on this machine); the lead's device answers when it syncs through it.
        #[arg(long)]
        relay: Option<String>,
        /// With --relay wss://: trust only this CA's certificate (PEM).
        #[arg(long, requires = "relay")]
        ca: Option<std::path::PathBuf>,
        /// What the lead's phone shows for this device.
        #[arg(long, default_value = "phone")]
        label: String,
    },
    /// Join requests waiting for you, the lead.
    Requests,
    /// Admit a waiting join request to a seat; the phone gets its welcome when it asks again.
    Admit {
        request: i64,
        #[arg(long)]
        seat: String,
    },
    /// Refuse a waiting join request.
    Refuse { request: i64 },
    /// An interview panel's roster: the lead, seats, devices and their fingerprints, the epoch.
    Roster {
        interview: String,
        /// Print the roster as a code instead, for a device linked to a seat (`take-roster`).
        #[arg(long)]
        export: bool,
    },
    /// This device's fingerprint and key code; a device of yours on a panel vouches for it
    /// with the code (`countersign-link`).
    Device,
    /// On your device that is on the panel: vouch for another device of yours (its code from
    /// `panelnotes device`). Prints a link code for an admin of the panel.
    CountersignLink {
        interview: String,
        device: String,
        /// What the panel shows for the new device.
        #[arg(long, default_value = "device")]
        label: String,
    },
    /// As an admin: link a device to its seat with the code `countersign-link` printed.
    Link { interview: String, code: String },
    /// On a linked device: take in the panel's roster (`roster --export` on a member's device).
    TakeRoster { code: String },
    /// As an admin: move the panel's lead to a seat (its device by fingerprint when it has
    /// several). Your seat stays an admin seat only with --keep-admin.
    TransferLead {
        interview: String,
        seat: String,
        #[arg(long)]
        device: Option<String>,
        #[arg(long)]
        keep_admin: bool,
    },
    /// Remove a device (by fingerprint) from a panel; what is written from now on is sealed
    /// from it.
    RemoveDevice { interview: String, fingerprint: String },
    /// Compact a panel's mailboxes, as an admin: a new epoch for the same members that starts
    /// from a signed snapshot, so phones stop syncing the older outboxes.
    Compact { interview: String },
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
pub struct SyncModeArgs {
    /// Accept panel members on this address (such as 0.0.0.0:7420 or 127.0.0.1:0).
    #[arg(long)]
    pub listen: Option<String>,
    /// Dial a panel member at this address.
    #[arg(long)]
    pub connect: Option<String>,
    /// Sync through an automerge-repo sync server: wss://host[:port] (ws:// only on this
    /// machine).
    #[arg(long)]
    pub relay: Option<String>,
}

#[derive(Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub mode: SyncModeArgs,
    /// Only this interview's panel [default: every panel this store knows].
    #[arg(long)]
    pub panel: Option<String>,
    /// With --listen: stop once this many phones (peers) have synced, however many panels
    /// each shares.
    #[arg(long)]
    pub sessions: Option<usize>,
    /// With --listen: stop after this many seconds.
    #[arg(long = "for")]
    pub for_seconds: Option<u64>,
    /// With --relay wss://: trust only this CA's certificate (PEM), for a relay with a
    /// private CA [default: the system's root certificates].
    #[arg(long, requires = "relay")]
    pub ca: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
pub enum CandidateCmd {
    Add {
        /// The candidate's name.
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
    /// Candidates whose name matches (every command also takes a name where it takes an id).
    Find { name: String },
    /// The candidate's timeline, interviews, feedback and speed metrics.
    Show { candidate: String },
    /// Record an event: acknowledged, debrief-booked, debrief-held, offer-made,
    /// offer-accepted, offer-declined, withdrew, note, candidate-informed.
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
    /// The decision; only the candidate's lead records it.
    Decide {
        candidate: String,
        #[arg(value_enum)]
        outcome: OutcomeArg,
        #[arg(long, default_value = "now")]
        at: String,
        #[arg(long)]
        reason: Option<String>,
        /// Decide although some scorecards are missing (refused otherwise).
        #[arg(long)]
        without_scorecards: bool,
    },
    /// Erase the candidate everywhere: destroys the panels' keys, purges this device, and
    /// tells every panel phone (a signed record of ids only). Needs --yes. Admins only;
    /// refused under a legal hold.
    Erase {
        candidate: String,
        /// Confirm: this cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// Set (or with --clear, lift) a legal hold: while set, nothing erases the candidate.
    Hold {
        candidate: String,
        #[arg(long)]
        clear: bool,
    },
    /// Access request: everything this device holds about the candidate, what each
    /// interviewer wrote included, as Markdown (default) or JSON.
    ExportAll {
        candidate: String,
        #[arg(long, value_enum, default_value = "markdown")]
        format: ExportFormat,
        /// Write to this file instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Erasures done or received here: how many of the panels' devices acknowledged.
    Erasures,
    /// Hand the process (debrief, decision) to another lead.
    Lead { candidate: String, lead: String },
    /// The debrief brief: partial (naming who is missing) until every scorecard is in; per
    /// rating the spread, disagreements first, with the evidence; questions, logistics, next
    /// steps. It never suggests a decision.
    Brief { candidate: String },
    /// The debrief: the proposed slot right after the last interview (with the whole panel,
    /// or a one-to-one's interviewer and the lead), booked with --book, exported with --ics.
    Debrief {
        candidate: String,
        /// Book it (the proposal, or --at/--minutes instead); only the candidate's lead books.
        #[arg(long)]
        book: bool,
        /// When the debrief starts, instead of the proposal's time.
        #[arg(long, requires = "book")]
        at: Option<String>,
        #[arg(long, requires = "book")]
        minutes: Option<u32>,
        /// When the booking is made (the timeline's "debrief booked").
        #[arg(long, requires = "book", default_value = "now")]
        booked_at: String,
        /// Write the booked debrief as an iCalendar invitation to this file.
        #[arg(long)]
        ics: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OutcomeArg {
    Hire,
    Reject,
}

#[derive(Args)]
pub struct LogisticsArgs {
    pub candidate: String,
    #[arg(long, value_enum)]
    pub risk: Option<RiskArg>,
    #[arg(long)]
    pub risk_notes: Option<String>,
    /// Their current yearly pay.
    #[arg(long, conflicts_with_all = ["salary_range", "salary_passed"])]
    pub salary_current: Option<i64>,
    /// The yearly range they expect, as MIN-MAX.
    #[arg(long, conflicts_with = "salary_passed")]
    pub salary_range: Option<String>,
    /// They preferred not to say.
    #[arg(long)]
    pub salary_passed: bool,
    #[arg(long, default_value = "EUR")]
    pub currency: String,
    /// YYYY-MM-DD; not before the day it was said.
    #[arg(long)]
    pub start_date: Option<String>,
    #[arg(long)]
    pub notice_days: Option<u32>,
    /// When they said it.
    #[arg(long, default_value = "now")]
    pub at: String,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RiskArg {
    Comfortable,
    Cautious,
    Averse,
}

#[derive(Subcommand)]
pub enum InterviewCmd {
    /// Book an interview; the timeline credits the booking to you.
    Schedule {
        candidate: String,
        /// When it starts.
        #[arg(long)]
        at: String,
        /// Panelists (emails or handles), comma separated.
        #[arg(long, value_delimiter = ',', required = true)]
        panel: Vec<String>,
        /// The interview's lead, one of the panel.
        #[arg(long)]
        lead: String,
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
    /// The live kit: the running stage's guidance and prompts by probe, its time against
    /// budget, and what is still uncovered (probes, logistics, the candidate's questions).
    /// Tie notes to a probe with a heading (`## Technical depth`) or a tag (`#depth`,
    /// `#challenge`, `#impact`).
    Kit {
        interview: String,
        #[arg(long, default_value = "now")]
        now: String,
    },
    /// Start STAGE, or the next stage when none is given. Starting a stage again adds a run.
    Stage {
        interview: String,
        stage: Option<String>,
        #[arg(long, default_value = "now")]
        at: String,
    },
    /// End the interview (once: `reopen` it to end it again); prints what the panel never
    /// covered.
    End {
        interview: String,
        #[arg(long, default_value = "now")]
        at: String,
    },
    /// Take back an interview's end, while no scorecard is in.
    Reopen { interview: String },
    /// A question the candidate asked: one of --generic/--specific.
    Question {
        interview: String,
        text: String,
        /// Could be asked of any company.
        #[arg(long, conflicts_with = "specific")]
        generic: bool,
        /// Informed by what they learnt about us.
        #[arg(long)]
        specific: bool,
        #[arg(long, default_value = "now")]
        at: String,
    },
    /// A commitment made in the room: OWNER does TEXT by --due.
    Commit {
        interview: String,
        text: String,
        #[arg(long)]
        owner: String,
        #[arg(long)]
        due: String,
        #[arg(long, default_value = "now")]
        at: String,
    },
    /// Mark commitment N (as `commitments` lists it) kept.
    Kept {
        interview: String,
        index: u32,
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
pub enum ScorecardCmd {
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
pub enum TemplateCmd {
    List,
    /// A template by name, by the id (or its first characters) `template list` shows, or
    /// "built-in".
    Show { template: String },
    /// Add a template from a JSON file: {"name": ..., "stages": [{"key", "title", "minutes", "guidance", "prompts": [{"text", "probe"}]}]}.
    /// A prompt's optional "probe" (technical_depth, reaction_to_challenge, business_impact)
    /// groups it in the live kit; prompts without one are the stage's points (the pitch).
    Add { file: PathBuf },
    /// Replace a team template's name and stages from a JSON file.
    Edit { template: String, file: PathBuf },
}
