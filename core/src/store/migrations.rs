//! Schema changes are numbered migrations applied in one transaction each, tracked in
//! `PRAGMA user_version`. A store written by a newer build is refused rather than guessed at.

use rusqlite::Connection;

use crate::error::{Error, Result};

const MIGRATIONS: &[&str] = &[
    // 1: documents as snapshot + incremental chunks, the pending-edit log, local drafts and
    // the index tables that lists and timelines read.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
    CREATE TABLE documents (
        id BLOB PRIMARY KEY,
        kind TEXT NOT NULL,
        snapshot BLOB NOT NULL,
        chunk_bytes INTEGER NOT NULL DEFAULT 0,
        quarantine_reason TEXT,
        quarantined_at INTEGER
    );
    CREATE TABLE chunks (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id BLOB NOT NULL REFERENCES documents(id),
        bytes BLOB NOT NULL
    );
    CREATE INDEX chunks_by_doc ON chunks(doc_id, seq);
    CREATE TABLE pending_edits (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id BLOB NOT NULL,
        edit TEXT NOT NULL
    );
    CREATE INDEX pending_by_doc ON pending_edits(doc_id, seq);
    CREATE TABLE scorecard_drafts (
        interview_id BLOB PRIMARY KEY,
        draft TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE idx_candidates (
        id BLOB PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        source TEXT,
        applied_at INTEGER NOT NULL,
        decision TEXT,
        decided_at INTEGER,
        status TEXT NOT NULL,
        next_action TEXT,
        waiting_since INTEGER NOT NULL,
        closed INTEGER NOT NULL DEFAULT 0,
        problem TEXT
    );
    CREATE INDEX candidates_by_next_action ON idx_candidates(closed, waiting_since);
    CREATE TABLE idx_events (
        candidate_id BLOB NOT NULL,
        source_doc BLOB NOT NULL,
        ord INTEGER NOT NULL,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        interview_id BLOB,
        actor TEXT,
        detail TEXT
    );
    CREATE INDEX events_by_candidate ON idx_events(candidate_id, at);
    CREATE INDEX events_by_source ON idx_events(source_doc);
    CREATE TABLE idx_interviews (
        id BLOB PRIMARY KEY,
        candidate_id BLOB NOT NULL,
        title TEXT,
        scheduled_start INTEGER NOT NULL,
        minutes INTEGER NOT NULL,
        lead TEXT NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
        -- The interview's read model (JSON), so reopening it shows at once.
        view TEXT
    );
    -- Each stage's notes as of the last durable change, for the same reason.
    CREATE TABLE idx_notes (
        interview_id BLOB NOT NULL,
        stage TEXT NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (interview_id, stage)
    );
    CREATE INDEX interviews_by_candidate ON idx_interviews(candidate_id);
    CREATE TABLE idx_panelists (
        interview_id BLOB NOT NULL,
        interviewer TEXT NOT NULL,
        submitted_at INTEGER,
        PRIMARY KEY (interview_id, interviewer)
    );
    CREATE INDEX panelists_by_interviewer ON idx_panelists(interviewer, submitted_at);
    CREATE TABLE idx_templates (id BLOB PRIMARY KEY, name TEXT NOT NULL);
    -- Sync state per (document, peer storage id): the heads both sides are known to share,
    -- so a reconnect resumes instead of starting over.
    CREATE TABLE sync_states (
        doc_id BLOB NOT NULL,
        peer TEXT NOT NULL,
        state BLOB NOT NULL,
        PRIMARY KEY (doc_id, peer)
    );
    -- Panels this install leads or joined: the secret that proves membership.
    CREATE TABLE panels (
        interview_id BLOB PRIMARY KEY,
        candidate_id BLOB NOT NULL,
        secret BLOB NOT NULL,
        tag BLOB NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX panels_by_tag ON panels(tag);
    -- Fields that hold several concurrent values, per document, for the conflicts list.
    CREATE TABLE idx_conflicts (
        doc_id BLOB NOT NULL,
        field TEXT NOT NULL,
        values_count INTEGER NOT NULL,
        PRIMARY KEY (doc_id, field)
    );
    "#,
    // 2: problems met in what peers wrote (skipped values, orphaned changes, healing).
    r#"
    CREATE TABLE problems (
        doc_id BLOB NOT NULL,
        kind TEXT NOT NULL,
        path TEXT NOT NULL,
        detail TEXT NOT NULL,
        actor TEXT,
        author TEXT,
        written_at INTEGER,
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (doc_id, kind, path)
    );
    "#,
    // Trust: each panel's signed roster (keyed by its genesis hash), this device's outgoing
    // runs per document, what each peer device sent (to spot replays and equivocation),
    // envelopes held until the phone learns more, and envelopes refused (device, reason).
    r#"
    CREATE TABLE rosters (
        genesis BLOB PRIMARY KEY,
        interview_id BLOB,
        entries BLOB NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE outbox_runs (
        genesis BLOB NOT NULL,
        doc_id BLOB NOT NULL,
        seq INTEGER NOT NULL,
        heads BLOB NOT NULL,
        PRIMARY KEY (genesis, doc_id)
    );
    CREATE TABLE envelopes_seen (
        genesis BLOB NOT NULL,
        device BLOB NOT NULL,
        doc_id BLOB NOT NULL,
        seq INTEGER NOT NULL,
        digest BLOB NOT NULL,
        PRIMARY KEY (genesis, device, doc_id, seq)
    );
    CREATE TABLE envelopes_held (
        genesis BLOB NOT NULL,
        digest BLOB NOT NULL,
        bytes BLOB NOT NULL,
        reason TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (genesis, digest)
    );
    CREATE TABLE envelope_rejections (
        genesis BLOB NOT NULL,
        device TEXT,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE TABLE seat_tokens (
        join_box BLOB PRIMARY KEY,
        genesis BLOB NOT NULL,
        seat TEXT,
        token BLOB NOT NULL,
        expires INTEGER NOT NULL,
        used_by BLOB
    );
    CREATE TABLE join_requests (
        id INTEGER PRIMARY KEY,
        join_box BLOB NOT NULL,
        genesis BLOB NOT NULL,
        device BLOB NOT NULL,
        agreement BLOB NOT NULL,
        label TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        decided TEXT
    );
    CREATE TABLE joins (
        join_box BLOB PRIMARY KEY,
        token BLOB NOT NULL,
        lead TEXT NOT NULL,
        expires INTEGER NOT NULL,
        genesis BLOB
    );
    CREATE TABLE roster_actors (
        actor TEXT PRIMARY KEY,
        seat TEXT NOT NULL,
        genesis BLOB NOT NULL
    );
    CREATE TABLE roster_posts (
        genesis BLOB PRIMARY KEY,
        head BLOB NOT NULL
    );
    CREATE TABLE mailboxes (
        doc_id BLOB PRIMARY KEY,
        genesis BLOB NOT NULL,
        device BLOB NOT NULL,
        epoch INTEGER NOT NULL,
        actor BLOB NOT NULL,
        ingested INTEGER NOT NULL DEFAULT 0
    );
    "#,
    // At rest: each candidate's content key, wrapped under the app's key (store/content_keys.rs).
    r#"
    CREATE TABLE content_keys (
        candidate_id BLOB PRIMARY KEY,
        wrapped BLOB NOT NULL
    );
    "#,
    // Erasure: tombstones of erased ids (refused from any peer forever), each erasure's
    // signed record and the session keys of its panels (to answer a stale phone with the
    // record), the panel devices expected to acknowledge and their acknowledgements, this
    // device's own outboxes kept to carry the record, legal holds, and the retention rule.
    r#"
    CREATE TABLE erased_ids (
        id BLOB PRIMARY KEY,
        kind TEXT NOT NULL,
        candidate BLOB NOT NULL,
        erased_at INTEGER NOT NULL
    );
    CREATE TABLE erasures (
        candidate BLOB PRIMARY KEY,
        record BLOB NOT NULL,
        erased_at INTEGER NOT NULL
    );
    CREATE TABLE erased_sessions (
        tag BLOB PRIMARY KEY,
        psk BLOB NOT NULL,
        candidate BLOB NOT NULL
    );
    CREATE TABLE erasure_devices (
        candidate BLOB NOT NULL,
        signing BLOB NOT NULL,
        agreement BLOB NOT NULL,
        PRIMARY KEY (candidate, signing)
    );
    CREATE TABLE erasure_acks (
        candidate BLOB NOT NULL,
        device BLOB NOT NULL,
        ack BLOB NOT NULL,
        PRIMARY KEY (candidate, device)
    );
    CREATE TABLE erasure_outboxes (
        doc_id BLOB PRIMARY KEY,
        candidate BLOB NOT NULL
    );
    CREATE TABLE legal_holds (
        candidate BLOB PRIMARY KEY,
        set_at INTEGER NOT NULL
    );
    CREATE TABLE retention_rule (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        after_decision_days INTEGER,
        after_inactive_days INTEGER
    );
    "#,
    // Refused envelopes keep a stable code beside their English text, so the apps word
    // them without parsing prose. Rows from before get their code from their text once.
    r#"
    ALTER TABLE envelope_rejections ADD COLUMN code TEXT NOT NULL DEFAULT 'other';
    UPDATE envelope_rejections SET code = CASE
        WHEN reason LIKE 'the envelope is malformed%' THEN 'malformed'
        WHEN reason LIKE 'the envelope does not open%' THEN 'undecryptable'
        WHEN reason LIKE 'the envelope''s signature is not%' THEN 'bad_signature'
        WHEN reason LIKE 'the envelope is for another panel%' THEN 'wrong_panel'
        WHEN reason LIKE 'the envelope is about something erased%' THEN 'erased'
        WHEN reason LIKE '%is not a member of the panel' THEN 'not_member'
        WHEN reason LIKE '%wrote to a document that is not the panel''s%' THEN 'not_in_panel'
        WHEN reason LIKE '%sent a change that is not its own%' THEN 'foreign_change'
        WHEN reason LIKE '%run is not the run it signed%' THEN 'run_mismatch'
        WHEN reason LIKE '%broke a write rule: a panelist may not write%' THEN 'admin_only'
        WHEN reason LIKE '%broke a write rule: a panelist may write only their own scorecard%' THEN 'others_scorecard'
        WHEN reason LIKE '%scorecard is submitted and cannot change%'
          OR reason LIKE '%replaces the map of submitted scorecards%'
          OR reason LIKE '%scorecard is not written as one sealed card%' THEN 'scorecard_changed'
        WHEN reason LIKE '%broke a write rule%' THEN 'write_rule'
        WHEN reason LIKE '%signed two different envelopes%' THEN 'equivocation'
        ELSE 'other' END;
    "#,
    // Joining through the relay: the join-box documents this device posts to or answers
    // (a joiner's request and the reply it waits for; a lead's answer to one device). Ids
    // and device keys only, no personal data.
    r#"
    CREATE TABLE join_box_docs (
        doc_id BLOB PRIMARY KEY,
        join_box BLOB NOT NULL,
        role TEXT NOT NULL,
        device BLOB
    );
    "#,
    // Compaction by epochs (trust/compaction.rs): each device's newest accepted or sealed run
    // header per panel document, the snapshots posted or verified per epoch, the epoch whose
    // snapshots let this phone drop older outboxes, refused snapshots, and outboxes retired
    // (deleted at the next open).
    r#"
    CREATE TABLE run_headers (
        genesis BLOB NOT NULL,
        doc_id BLOB NOT NULL,
        device BLOB NOT NULL,
        seq INTEGER NOT NULL,
        header BLOB NOT NULL,
        PRIMARY KEY (genesis, doc_id, device)
    );
    CREATE TABLE epoch_snapshots (
        genesis BLOB NOT NULL,
        epoch INTEGER NOT NULL,
        doc_id BLOB NOT NULL,
        heads BLOB NOT NULL,
        PRIMARY KEY (genesis, epoch, doc_id)
    );
    CREATE TABLE compacted_epochs (
        genesis BLOB PRIMARY KEY,
        epoch INTEGER NOT NULL
    );
    CREATE TABLE snapshot_problems (
        genesis BLOB NOT NULL,
        device TEXT,
        code TEXT NOT NULL DEFAULT 'snapshot_refused',
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE TABLE retired_outboxes (
        doc_id BLOB PRIMARY KEY
    );
    "#,
];

pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Whether the file at `conn` is new (no schema yet): it then takes the form (encrypted or
/// plaintext) it is first opened in.
pub fn is_fresh(conn: &Connection) -> Result<bool> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))?;
    Ok(version == 0 && tables == 0)
}

pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, LATEST)
}

/// The version whose migration contains `needle` (tests stop just before it to check it).
#[cfg(test)]
pub(crate) fn version_of(needle: &str) -> i64 {
    MIGRATIONS.iter().position(|m| m.contains(needle)).expect("a migration with that text") as i64 + 1
}

/// Applies the migrations up to `version` (tests stop short of the latest to check one).
pub(crate) fn migrate_to(conn: &mut Connection, version: i64) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > LATEST {
        return Err(Error::StoreTooNew {
            found: current,
            known: LATEST,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().take(version as usize).skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
