//! Which parts of the shared notes speak to which probe. Notes stay one plain Text per stage
//! (so concurrent typing merges as text), and the link to a probe is written in the text
//! itself, where every peer and every older build keeps it without a schema change:
//!
//! - a **heading** line, `## Technical depth` (any number of `#`, then a space), starts that
//!   probe's sub-section; every paragraph up to the next heading belongs to it, and a heading
//!   that names no probe ends it;
//! - a **tag**, `#depth`, `#challenge` or `#impact` (or a probe's key, `#technical_depth`),
//!   anywhere in a paragraph (lines between blank lines), gives that whole paragraph to the
//!   probe, wherever it stands (a tag wins over the section it is in).
//!
//! Names are matched without case, `_`/`-` read as spaces, and a trailing `:` ignored:
//! "Technical depth", "technical", "depth"; "Reaction to a challenge", "reaction",
//! "challenge"; "Business impact", "business", "impact".

use super::template::Probe;

/// One passage of notes that speaks to a probe: the evidence a rating is read with.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeNote {
    pub probe: Probe,
    /// The stage whose notes hold the passage.
    pub stage: String,
    pub text: String,
}

pub const ALL_PROBES: [Probe; 3] = [Probe::TechnicalDepth, Probe::ReactionToChallenge, Probe::BusinessImpact];

/// The probe a heading's or tag's words name, if any.
pub fn probe_named(words: &str) -> Option<Probe> {
    let n: String = words.trim().trim_end_matches(':').to_lowercase().replace(['_', '-'], " ");
    let n = n.split_whitespace().collect::<Vec<_>>().join(" ");
    match n.as_str() {
        "technical depth" | "technical" | "depth" => Some(Probe::TechnicalDepth),
        "reaction to a challenge" | "reaction to challenge" | "reaction" | "challenge" => Some(Probe::ReactionToChallenge),
        "business impact" | "business" | "impact" => Some(Probe::BusinessImpact),
        _ => None,
    }
}

/// `Some(words)` when the line is a Markdown-style heading (`#`s, then a space).
fn heading(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let rest = t.trim_start_matches('#');
    (rest.len() < t.len() && rest.starts_with([' ', '\t'])).then(|| rest.trim())
}

/// The probes a paragraph is tagged with, in the order first tagged.
fn tags(paragraph: &str) -> Vec<Probe> {
    let mut found = Vec::new();
    for word in paragraph.split_whitespace() {
        let Some(tag) = word.strip_prefix('#') else { continue };
        let tag = tag.trim_end_matches(|c: char| !c.is_alphanumeric());
        if let Some(p) = probe_named(tag) {
            if !found.contains(&p) {
                found.push(p);
            }
        }
    }
    found
}

/// Every passage of one stage's notes that speaks to a probe, in the order written: each
/// paragraph goes to the probes it is tagged with or, untagged, to its section's probe.
pub fn probe_notes(stage: &str, text: &str) -> Vec<ProbeNote> {
    let mut out = Vec::new();
    let mut section: Option<Probe> = None;
    let mut paragraph: Vec<&str> = Vec::new();
    let mut flush = |paragraph: &mut Vec<&str>, section: Option<Probe>| {
        let body = paragraph.join("\n").trim().to_owned();
        paragraph.clear();
        if body.is_empty() {
            return;
        }
        let tagged = tags(&body);
        let probes = if tagged.is_empty() { section.into_iter().collect() } else { tagged };
        for probe in probes {
            out.push(ProbeNote { probe, stage: stage.to_owned(), text: body.clone() });
        }
    };
    for line in text.lines() {
        if let Some(words) = heading(line) {
            flush(&mut paragraph, section);
            section = probe_named(words);
        } else if line.trim().is_empty() {
            flush(&mut paragraph, section);
        } else {
            paragraph.push(line);
        }
    }
    flush(&mut paragraph, section);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_make_sections_and_tags_claim_paragraphs() {
        let text = "Warm intro.\n\n## Technical depth\nBuilt the Spark pipeline.\nKnows shuffles.\n\n\
                    ## Other thoughts\nLikes cycling.\n\nPushed back on sampling #challenge\nthen conceded.\n\n\
                    # impact:\nCut cloud cost by 30%.";
        let notes = probe_notes("learn", text);
        let got: Vec<_> = notes.iter().map(|n| (n.probe, n.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (Probe::TechnicalDepth, "Built the Spark pipeline.\nKnows shuffles."),
                (Probe::ReactionToChallenge, "Pushed back on sampling #challenge\nthen conceded."),
                (Probe::BusinessImpact, "Cut cloud cost by 30%."),
            ]
        );
        assert!(notes.iter().all(|n| n.stage == "learn"));
    }

    #[test]
    fn untagged_text_and_empty_sections_speak_to_no_probe() {
        assert!(probe_notes("learn", "Nice person.\n#hashtag life\n\n## Depth\n\n## Misc\nx").is_empty());
        // A tag naming two probes gives the paragraph to both; "#1" is not a heading.
        let n = probe_notes("s", "#1 #depth #impact, strong");
        assert_eq!(n.iter().map(|n| n.probe).collect::<Vec<_>>(), [Probe::TechnicalDepth, Probe::BusinessImpact]);
        assert_eq!(probe_named("Reaction_to-a  challenge:"), Some(Probe::ReactionToChallenge));
        assert_eq!(probe_named("culture"), None);
    }
}
