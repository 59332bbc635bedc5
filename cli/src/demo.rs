//! `panelnotes demo`: the playbook's panel as three interviewers, each a separate
//! `panelnotes` process with its own store, taking notes offline through the 45-minute
//! structure and syncing over the LAN transport on loopback (encrypted with the panel's
//! secret). It prints the merged notes, the conflict and its resolution, the scorecards once
//! each panelist's own is in, and the candidate's timeline with its speed metrics. Along the
//! way, the playbook in the interviewer's hand: the debrief proposed and booked when the
//! interview is scheduled, the live kit with what is still uncovered, what the panel never
//! covered, and the debrief brief, partial and then complete.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Failure;

struct Panelist {
    name: &'static str,
    id: &'static str,
    store: PathBuf,
}

fn exe() -> Result<PathBuf, Failure> {
    std::env::current_exe().map_err(|e| Failure::msg(format!("cannot find the panelnotes binary: {e}")))
}

impl Panelist {
    fn command(&self, args: &[&str]) -> Result<Command, Failure> {
        let mut c = Command::new(exe()?);
        c.arg("--store").arg(&self.store);
        c.args(args);
        c.env_remove("PANELNOTES_STORE").env_remove("PANELNOTES_AS");
        Ok(c)
    }

    /// Runs `panelnotes ARGS` as this interviewer, showing the command and its output.
    fn run(&self, args: &[&str], stdin: Option<&str>, show: bool) -> Result<String, Failure> {
        let mut c = self.command(args)?;
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Failure::msg(format!("starting panelnotes: {e}")))?;
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin.unwrap_or("").as_bytes());
        }
        let out = child.wait_with_output().map_err(|e| Failure::msg(e.to_string()))?;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if show {
            let shown: Vec<String> = args.iter().map(|a| if a.contains(' ') { format!("{a:?}") } else { a.to_string() }).collect();
            say!("[{}] $ panelnotes {}", self.name, shown.join(" "));
            for line in text.lines() {
                say!("    {line}");
            }
        }
        if !out.status.success() {
            return Err(Failure::msg(format!(
                "{}'s `panelnotes {}` failed: {}",
                self.name,
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(text)
    }

    /// Sets up this interviewer's own store, once.
    fn init(&self) -> Result<(), Failure> {
        self.run(&["--as", self.id, "init", "--name", self.name], None, false).map(|_| ())
    }

    fn notes(&self, interview: &str, stage: &str, text: &str) -> Result<(), Failure> {
        say!("[{}] types into {stage}: {}", self.name, text.trim_end());
        self.run(&["notes", interview, stage, "--append"], Some(text), false).map(|_| ())
    }
}

/// One sync round: `host` listens on loopback, the others dial it in turn.
fn sync_round(host: &Panelist, dialers: &[&Panelist]) -> Result<(), Failure> {
    listening(host, dialers.len(), false, |addr| {
        for d in dialers {
            let out = d.run(&["sync", "--connect", addr], None, false)?;
            say!("[{}] synced with {}: {}", d.name, host.name, out.trim().split(": ").nth(1).unwrap_or(""));
        }
        Ok(())
    })
}

/// `host` listens on loopback until `sessions` phones were heard, while `f` dials it; what
/// the listener printed about joins is shown when `show` is set.
fn listening(host: &Panelist, sessions: usize, show: bool, f: impl FnOnce(&str) -> Result<(), Failure>) -> Result<(), Failure> {
    let sessions = sessions.to_string();
    let mut listener = host
        .command(&["sync", "--listen", "127.0.0.1:0", "--sessions", &sessions, "--for", "60"])?
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::msg(format!("starting the listener: {e}")))?;
    let mut lines = BufReader::new(listener.stdout.take().expect("piped"));
    let mut first = String::new();
    lines.read_line(&mut first).map_err(|e| Failure::msg(e.to_string()))?;
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| Failure::msg(format!("{} could not listen: {first}", host.name)))?
        .to_owned();
    say!("[{}] listening on {addr} (LAN transport, loopback)", host.name);
    f(&addr)?;
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(lines.get_mut(), &mut rest);
    if show {
        for line in rest.lines().filter(|l| l.starts_with("join")) {
            say!("[{}] {line}", host.name);
        }
    }
    let status = listener.wait().map_err(|e| Failure::msg(e.to_string()))?;
    if !status.success() {
        return Err(Failure::msg(format!("{}'s listener failed", host.name)));
    }
    Ok(())
}

fn heading(s: &str) {
    say!("\n== {s} ==\n");
}

pub fn run(keep: Option<PathBuf>) -> Result<(), Failure> {
    let tmp = tempfile::tempdir().map_err(|e| Failure::msg(format!("temporary directory: {e}")))?;
    let dir: PathBuf = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).map_err(|e| Failure::msg(format!("{}: {e}", dir.display())))?;
    let at = |name: &str| -> PathBuf {
        let p = dir.join(format!("{name}.sqlite3"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
        p
    };
    let ana = Panelist { name: "Ana", id: "ana@acme.test", store: at("ana") };
    let ben = Panelist { name: "Ben", id: "ben@acme.test", store: at("ben") };
    let cy = Panelist { name: "Cy", id: "cy@acme.test", store: at("cy") };

    heading("Panel Notes: three interviewers, three processes, three stores");
    say!("Ana leads the process; Ben and Cy are on the panel. Each runs their own `panelnotes`,");
    say!("set up once with `panelnotes init --as EMAIL --name NAME`.\n");
    for p in [&ana, &ben, &cy] {
        p.init()?;
    }
    let c = ana
        .run(&["candidate", "add", "--name", "Dana Example", "--role", "Senior data engineer", "--source", "referral", "--applied-at", "2026-03-02 09:00"], None, true)?
        .trim()
        .to_owned();
    ana.run(&["candidate", "event", &c, "acknowledged", "--at", "2026-03-02 11:30"], None, true)?;
    let i = ana
        .run(&["interview", "schedule", &c, "--at", "2026-03-04 09:00", "--panel", "ana@acme.test,ben@acme.test,cy@acme.test", "--lead", "ana@acme.test", "--title", "Panel interview", "--booked-at", "2026-03-02 11:40"], None, true)?
        .trim()
        .to_owned();
    say!("\nThe playbook: book the debrief with the whole panel now, right after the last interview.");
    ana.run(&["candidate", "debrief", &c], None, true)?;
    ana.run(&["candidate", "debrief", &c, "--book", "--booked-at", "2026-03-02 11:45"], None, true)?;
    say!("\nAna's phone starts the panel's signed roster and shows one QR code per seat: a");
    say!("single-use token, her device's fingerprint and an expiry; no document id, no secret.");
    let invites = ana.run(&["invite", &i, "--hours", "2"], None, false)?;
    say!("[Ana] $ panelnotes invite {i} --hours 2");
    let mut codes = std::collections::HashMap::new();
    for line in invites.lines() {
        if let Some((seat, uri)) = line.split_once(": ") {
            say!("    {seat}: {}…", &uri[..uri.len().min(60)]);
            codes.insert(seat.to_owned(), uri.to_owned());
        }
    }
    let code = |seat: &str| codes.get(seat).cloned().ok_or_else(|| Failure::msg(format!("no invite for {seat}")));
    let (ben_code, cy_code) = (code("ben@acme.test")?, code("cy@acme.test")?);
    say!("\nBen and Cy scan their codes; each phone sends a join request to Ana's, which admits a");
    say!("scheduled panelist to a free seat on its own and sends the welcome (the roster, with the");
    say!("panel's key wrapped to that device). From then on every change travels sealed and signed.");
    listening(&ana, 2, true, |addr| {
        ben.run(&["join", &ben_code, "--connect", addr, "--label", "Ben's Pixel"], None, true)?;
        cy.run(&["join", &cy_code, "--connect", addr, "--label", "Cy's iPhone"], None, true)?;
        Ok(())
    })?;
    say!("\nA photo of Ben's code, scanned by someone else, gets nothing:");
    let dee = Panelist { name: "Dee", id: "dee@elsewhere.test", store: at("dee") };
    dee.init()?;
    listening(&ana, 1, true, |addr| {
        match dee.run(&["join", &ben_code, "--connect", addr, "--label", "a photo"], None, false) {
            Ok(_) => Err(Failure::msg("a photo of a used code was admitted")),
            Err(e) => {
                say!("[Dee] {}", e.to_string().lines().last().unwrap_or_default().trim());
                Ok(())
            }
        }
    })?;
    ana.run(&["roster", &i], None, true)?;
    sync_round(&ana, &[&ben, &cy])?;

    heading("Wednesday 09:00: the interview, offline, each on their own device");
    ana.run(&["interview", "stage", &i, "--at", "2026-03-04 09:00"], None, true)?;
    ana.notes(&i, "pitch", "Pitched the data platform, our constraints (small team, on-call). Dana opted in.\n")?;
    ana.run(&["interview", "stage", &i, "--at", "2026-03-04 09:06"], None, true)?;
    say!("Notes are tied to a probe by a tag (#depth, #challenge, #impact) or a `## Technical depth` heading.");
    ana.notes(&i, "learn", "Ana: ran Spark on 200 nodes 🚀; explains shuffle cost clearly. #depth\n\n")?;
    say!("\nAna's kit at 09:20, on her own phone (the others' notes arrive when the phones sync):");
    ana.run(&["interview", "kit", &i, "--now", "2026-03-04 09:20"], None, true)?;
    ben.notes(&i, "learn", "Ben: challenged on sampling vs distributed training, paused, then a good trade-off answer. #challenge\n\n")?;
    cy.notes(&i, "learn", "Cy: knows the business why: cut reporting latency for sales (销售) from a day to an hour. #impact\n\n")?;
    ana.run(&["interview", "stage", &i, "--at", "2026-03-04 09:28"], None, true)?;
    ben.run(&["interview", "question", &i, "How is the culture?", "--generic", "--at", "2026-03-04 09:29"], None, true)?;
    cy.run(&["interview", "question", &i, "Why Postgres rather than a warehouse for the feature store?", "--specific", "--at", "2026-03-04 09:31"], None, true)?;
    ana.run(&["interview", "stage", &i, "--at", "2026-03-04 09:37"], None, true)?;
    say!("Ana and Ben both note the salary expectation, differently:");
    ana.run(&["candidate", "logistics", &c, "--salary-range", "90000-100000", "--risk", "comfortable", "--at", "2026-03-04 09:38"], None, true)?;
    ben.run(&["candidate", "logistics", &c, "--salary-range", "95000-110000", "--at", "2026-03-04 09:39"], None, true)?;
    cy.run(&["candidate", "logistics", &c, "--notice-days", "60", "--at", "2026-03-04 09:40"], None, true)?;
    ana.run(&["interview", "stage", &i, "--at", "2026-03-04 09:42"], None, true)?;
    ana.run(&["interview", "next-steps", &i, "--meet", "CTO", "--meet", "Head of Data", "--owner", "ana@acme.test"], None, true)?;
    say!("\nBefore closing, the phones sync in the room, and the kit says what is still open:");
    sync_round(&ana, &[&ben, &cy])?;
    ana.run(&["interview", "kit", &i, "--now", "2026-03-04 09:43"], None, true)?;
    ana.run(&["interview", "end", &i, "--at", "2026-03-04 09:47"], None, true)?;

    heading("After the interview: the phones sync (Ben, Cy, then Ben again, through Ana)");
    sync_round(&ana, &[&ben, &cy])?;
    sync_round(&ana, &[&ben])?;
    say!("\nThe merged notes, identical on all three devices:");
    ana.run(&["notes", &i, "learn", "--print"], None, true)?;
    let same = [&ben, &cy]
        .iter()
        .map(|p| p.run(&["notes", &i, "learn", "--print"], None, false))
        .collect::<Result<Vec<_>, _>>()?;
    let ana_notes = ana.run(&["notes", &i, "learn", "--print"], None, false)?;
    if same.iter().any(|n| *n != ana_notes) {
        return Err(Failure::msg("the panel's notes did not converge"));
    }
    ana.run(&["interview", "show", &i, "--now", "2026-03-04 09:47"], None, true)?;

    heading("The salary conflict is shown to a person, never dropped");
    say!("Each value names its author by roster seat: the device that signed the change, never what the");
    say!("document claims about itself.");
    let conflicts = cy.run(&["conflicts"], None, true)?;
    let pick = conflicts
        .lines()
        .find(|l| l.contains("ben@acme.test"))
        .and_then(|l| l.trim().split(':').next())
        .ok_or_else(|| Failure::msg("the salary conflict was not listed"))?
        .to_owned();
    say!("Ana confirms Ben's figure with Dana and keeps it:");
    ana.run(&["resolve", &c, "logistics.salary", &pick], None, true)?;

    heading("Scorecards: independent, sealed by encryption until your own is in");
    say!("Each phone encrypts its scorecard under a key of its own before it leaves; Ana's phone");
    say!("releases a key to a panelist once it has seen that panelist's own scorecard.");
    ana.run(&["scorecard", "draft", &i, "--technical", "4", "--challenge", "3", "--business", "3", "--questions", "4", "--recommend", "strong-yes", "--comments", "Deep Spark experience; sharp questions."], None, true)?;
    ana.run(&["scorecard", "submit", &i, "--at", "2026-03-04 10:05"], None, true)?;
    sync_round(&ana, &[&ben, &cy])?;
    say!("\nThe brief on Ana's phone is partial until the last scorecard arrives:");
    ana.run(&["candidate", "brief", &c], None, true)?;
    ben.run(&["scorecard", "show", &i], None, true)?;
    ben.run(&["scorecard", "draft", &i, "--technical", "3", "--challenge", "4", "--business", "3", "--questions", "3", "--recommend", "yes", "--comments", "Handled the challenge well."], None, true)?;
    ben.run(&["scorecard", "submit", &i, "--at", "2026-03-04 11:00"], None, true)?;
    cy.run(&["scorecard", "draft", &i, "--technical", "2", "--challenge", "3", "--business", "4", "--questions", "3", "--recommend", "yes", "--comments", "Understands business impact; Spark answers stayed shallow."], None, false)?;
    cy.run(&["scorecard", "submit", &i, "--at", "2026-03-04 12:00"], None, false)?;
    say!("[Cy] submits a Yes at 12:00.");
    sync_round(&ana, &[&ben, &cy])?;
    sync_round(&ana, &[&ben])?;
    say!("\nEvery scorecard is in and Ana's phone has released every key: Ben's phone opens them.");
    ben.run(&["scorecard", "show", &i], None, true)?;
    say!();
    cy.run(&["conflicts"], None, true)?;

    heading("Debrief and decision");
    say!("Every scorecard is in: the brief is complete, the widest disagreement first. It suggests nothing.");
    ana.run(&["candidate", "brief", &c], None, true)?;
    ana.run(&["candidate", "event", &c, "debrief-held", "--at", "2026-03-05 09:00"], None, true)?;
    ana.run(&["candidate", "decide", &c, "hire", "--at", "2026-03-05 09:30", "--reason", "Unanimous yes at the debrief"], None, true)?;

    heading("The candidate's timeline and how fast the process moved");
    ana.run(&["candidate", "show", &c], None, true)?;
    let md = dir.join("dana-example.md");
    ana.run(&["export", &c, "-o", &md.display().to_string()], None, false)?;
    if dir != tmp.path() {
        say!("\nStores: {}\nDossier: {}", dir.display(), md.display());
    } else {
        say!("\nThe Markdown dossier the lead shares has {} lines (`--keep DIR` keeps it).", std::fs::read_to_string(&md).map(|s| s.lines().count()).unwrap_or(0));
    }
    let _ = Path::new(&md);
    Ok(())
}
