//! The content detectors on realistic developer traffic (tests/corpus/realistic.tsv and its
//! holdout, made by tests/corpus/make_realistic.py from templates written before reading
//! the detectors): does a row carrying patient data or a live credential get caught, and
//! does one without stay clean? Scored per row, through the whole pipeline, with a score
//! per shape of text. The holdout's templates are never tuned against; it is only scored.
//! Targets (issue 10): precision and recall of at least 0.98 for each class. The floors
//! asserted here are today's, so a change can only raise them.

use std::collections::BTreeMap;
mod common;
use common::unescape;
use toolgate::gate::Gate;
use toolgate::normalize::Context;
use toolgate::protocol;

fn event(tool: &str, text: &str) -> serde_json::Value {
    let cwd = "/home/dev/project";
    match tool {
        "Prompt" => {
            serde_json::json!({ "hook_event_name": "UserPromptSubmit", "cwd": cwd, "prompt": text })
        }
        "Bash" => serde_json::json!({
            "hook_event_name": "PreToolUse", "cwd": cwd, "tool_name": "Bash",
            "tool_input": { "command": text },
        }),
        "Write" => serde_json::json!({
            "hook_event_name": "PreToolUse", "cwd": cwd, "tool_name": "Write",
            "tool_input": { "file_path": "/home/dev/project/notes.txt", "content": text },
        }),
        mcp => serde_json::json!({
            "hook_event_name": "PreToolUse", "cwd": cwd, "tool_name": mcp,
            "tool_input": serde_json::from_str::<serde_json::Value>(text).expect("MCP arguments are JSON"),
        }),
    }
}

#[derive(Default)]
struct Score {
    /// Per class (`phi`, `secret`): true positives, false positives, false negatives.
    classes: BTreeMap<&'static str, [u32; 3]>,
    /// Per label: rows, rows caught (positives) or flagged (negatives).
    shapes: BTreeMap<String, [u32; 2]>,
    problems: Vec<String>,
    rows: u32,
}

impl Score {
    fn precision(&self, class: &str) -> f64 {
        let [tp, fp, _] = self.classes.get(class).copied().unwrap_or_default();
        tp as f64 / (tp + fp).max(1) as f64
    }
    fn recall(&self, class: &str) -> f64 {
        let [tp, _, fneg] = self.classes.get(class).copied().unwrap_or_default();
        tp as f64 / (tp + fneg).max(1) as f64
    }
}

fn score(gate: &Gate, corpus: &str) -> Score {
    let mut s = Score::default();
    for line in corpus.lines().skip(1).filter(|l| !l.is_empty()) {
        let cols: Vec<&str> = line.splitn(3, '\t').collect();
        let [label, tool, body] = cols[..] else {
            panic!("bad row: {line}")
        };
        s.rows += 1;
        let body = unescape(body);
        let decoded = protocol::decode(event(tool, &body).to_string().as_bytes()).unwrap();
        let hits = gate.decide(&decoded).1.hits;
        let phi = hits.iter().any(|h| h.rule.starts_with("phi."));
        let secret = hits.iter().any(|h| h.rule.starts_with("secrets."));
        let class = label.split(':').next().unwrap();
        for (name, found) in [("phi", phi), ("secret", secret)] {
            let entry = s.classes.entry(name).or_default();
            match (class == name, found) {
                (true, true) => entry[0] += 1,
                (false, true) => {
                    entry[1] += 1;
                    s.problems
                        .push(format!("{label}: flagged {name}: {body:?}"));
                }
                (true, false) => {
                    entry[2] += 1;
                    s.problems.push(format!("{label}: missed: {body:?}"));
                }
                (false, false) => {}
            }
        }
        let shape = s.shapes.entry(label.to_string()).or_default();
        shape[0] += 1;
        shape[1] += u32::from(if class == "none" {
            phi || secret
        } else {
            phi && class == "phi" || secret && class == "secret"
        });
    }
    s
}

fn report(name: &str, s: &Score) -> String {
    let mut out = report_classes(name, s);
    for (label, [rows, caught]) in &s.shapes {
        let what = if label.starts_with("none:") {
            "flagged"
        } else {
            "caught"
        };
        out.push_str(&format!("  {label:<26} {caught:>4}/{rows:<4} {what}\n"));
    }
    out
}

/// The per-class lines of a score: rows, then precision and recall for each class.
fn report_classes(name: &str, s: &Score) -> String {
    let mut out = format!("{name}: {} rows\n", s.rows);
    for class in ["phi", "secret"] {
        let [tp, fp, fneg] = s.classes.get(class).copied().unwrap_or_default();
        out.push_str(&format!(
            "  {class:<7} tp {tp:>4} fp {fp:>3} fn {fneg:>3}  precision {:.3}  recall {:.3}\n",
            s.precision(class),
            s.recall(class)
        ));
    }
    out
}

#[test]
fn realistic_corpus_scores() {
    let gate = Gate::load(None, Context::example(), true).expect("built-in packs load");
    let built = score(&gate, include_str!("corpus/realistic.tsv"));
    let holdout = score(&gate, include_str!("corpus/realistic-holdout.tsv"));
    eprintln!(
        "{}\n{}{}",
        built.problems.join("\n"),
        report("built", &built),
        report("holdout", &holdout)
    );
    assert!(built.rows >= 1000, "corpus shrank to {} rows", built.rows);
    assert!(
        holdout.rows >= 300,
        "holdout shrank to {} rows",
        holdout.rows
    );
    assert_class_floors("built", &built, BUILT_FLOORS);
    assert_class_floors("holdout", &holdout, HOLDOUT_FLOORS);
}

/// Each class's precision and recall stay at or above its floor.
fn assert_class_floors(set: &str, scored: &Score, floors: &[(&str, f64, f64)]) {
    for (class, precision, recall) in floors {
        assert!(
            scored.precision(class) >= *precision,
            "{set}: {class} precision {:.3} < {precision}",
            scored.precision(class)
        );
        assert!(
            scored.recall(class) >= *recall,
            "{set}: {class} recall {:.3} < {recall}",
            scored.recall(class)
        );
    }
}

/// Floors at today's scores (class, precision, recall): a change may only raise them. The
/// holdout's are asserted too, so a regression there fails, but it is never tuned against.
const BUILT_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.99, 0.99), ("secret", 0.99, 0.99)];
/// The holdout's PHI recall floor fell from 0.94 to 0.90 when session 9 added template
/// families (half of the new shapes' rows were missed). In session 10 fixes for new built
/// families lifted it to 0.958, then one more family's holdout templates (half missed)
/// brought it to 0.923: new shapes lower it, and it is never tuned against. Issue 31's
/// facts beside unlabelled names lifted it to 0.995.
const HOLDOUT_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.99, 0.99), ("secret", 0.99, 0.99)];

/// gitleaks' own rule test cases (MIT), imported by tests/corpus/import_gitleaks.py: its true
/// positives must be caught, its false positives left alone. Only the labels that are not
/// all right are listed.
#[test]
fn gitleaks_cases_score() {
    let gate = Gate::load(None, Context::example(), true).expect("built-in packs load");
    let scored = score(&gate, include_str!("corpus/gitleaks.tsv"));
    let mut out = format!("gitleaks: {} rows\n", scored.rows);
    let [tp, fp, fneg] = scored.classes.get("secret").copied().unwrap_or_default();
    out.push_str(&format!(
        "  secret  tp {tp:>4} fp {fp:>3} fn {fneg:>3}  precision {:.3}  recall {:.3}\n",
        scored.precision("secret"),
        scored.recall("secret")
    ));
    let (mut rules, mut perfect) = (0, 0);
    for (label, [rows, caught]) in &scored.shapes {
        let good = if label.starts_with("none:") {
            *caught == 0
        } else {
            caught == rows
        };
        rules += 1;
        perfect += u32::from(good);
        if !good {
            out.push_str(&format!("  {label:<48} {caught:>3}/{rows:<3}\n"));
        }
    }
    eprintln!(
        "{}\n{out}  {perfect}/{rules} labels all right",
        scored.problems.join("\n")
    );
    assert_secret_floors("gitleaks", &scored, 1000, GITLEAKS_FLOORS);
}

/// An imported corpus keeps its size and its secret precision and recall floors.
fn assert_secret_floors(name: &str, scored: &Score, min_rows: u32, floors: (f64, f64)) {
    assert!(
        scored.rows >= min_rows,
        "{name} cases shrank to {} rows",
        scored.rows
    );
    let (precision, recall) = floors;
    assert!(
        scored.precision("secret") >= precision,
        "{name}: precision {:.3} < {precision}",
        scored.precision("secret")
    );
    assert!(
        scored.recall("secret") >= recall,
        "{name}: recall {:.3} < {recall}",
        scored.recall("secret")
    );
}

/// detect-secrets' plugin test cases (Apache-2.0), imported by
/// tests/corpus/import_detect_secrets.py: what each plugin must flag and must leave alone.
/// Where toolgate's design differs (an all-`x` placeholder, AWS's documented EXAMPLE key)
/// the disagreement is counted, not hidden. Not a holdout: scored P 0.910 / R 0.251 as
/// first imported, then GitLab's other token prefixes, npm's UUID tokens, bare Telegram bot
/// tokens and Mailchimp keys were added from its misses.
#[test]
fn detect_secrets_cases_score() {
    let gate = Gate::load(None, Context::example(), true).expect("built-in packs load");
    let scored = score(&gate, include_str!("corpus/detect_secrets.tsv"));
    let [tp, fp, fneg] = scored.classes.get("secret").copied().unwrap_or_default();
    let mut out = format!(
        "detect-secrets: {} rows\n  secret  tp {tp:>4} fp {fp:>3} fn {fneg:>3}  precision {:.3}  recall {:.3}\n",
        scored.rows,
        scored.precision("secret"),
        scored.recall("secret")
    );
    for (label, [rows, caught]) in &scored.shapes {
        out.push_str(&format!("  {label:<32} {caught:>3}/{rows:<3}\n"));
    }
    eprintln!("{}\n{out}", scored.problems.join("\n"));
    assert_secret_floors("detect-secrets", &scored, 300, DETECT_SECRETS_FLOORS);
}

/// Floors at today's score on detect-secrets' cases (precision, recall).
const DETECT_SECRETS_FLOORS: (f64, f64) = (0.93, 0.33);

/// Floors at today's score on gitleaks' cases (precision, recall).
const GITLEAKS_FLOORS: (f64, f64) = (0.96, 0.88);

/// The issue-31 independent sets, written by a helper from the list of misses and
/// never from the code: tests/corpus/independent.tsv (tuned against) and
/// tests/corpus/independent-holdout.tsv (other people, templates and formats; only
/// scored). Floors at the scores reached; the target is 0.97 for both.
#[test]
fn independent_sets_score() {
    score_independent_pair(
        "independent",
        include_str!("corpus/independent.tsv"),
        include_str!("corpus/independent-holdout.tsv"),
        INDEPENDENT_FLOORS,
        INDEPENDENT_HOLDOUT_FLOORS,
        Holdout::Families,
    );
}

/// Score a built set and its holdout, print the built set's problems (the holdout's rows
/// are never printed: it is scored, not read) and both reports, and hold both to floors.
/// How much of a holdout's score is printed. A blind holdout shows only its per-class
/// totals: its family labels would tell whoever tunes the detectors what it holds.
#[derive(Clone, Copy)]
enum Holdout {
    Families,
    Blind,
}

fn score_independent_pair(
    name: &str,
    built: &str,
    holdout_text: &str,
    built_floors: &[(&str, f64, f64)],
    holdout_floors: &[(&str, f64, f64)],
    holdout: Holdout,
) {
    let gate = Gate::load(None, Context::example(), true).expect("built-in packs load");
    let built = score(&gate, built);
    let shown = holdout;
    let holdout = score(&gate, holdout_text);
    let problems: Vec<String> = built
        .problems
        .iter()
        .map(|p| format!("{name} {p}"))
        .collect();
    let holdout_name = format!("{name} holdout");
    eprintln!(
        "{}\n{}{}",
        problems.join("\n"),
        report(name, &built),
        match shown {
            Holdout::Families => report(&holdout_name, &holdout),
            Holdout::Blind => report_classes(&holdout_name, &holdout),
        }
    );
    assert_class_floors(name, &built, built_floors);
    assert_class_floors(&holdout_name, &holdout, holdout_floors);
}

/// A third pair of independent sets (issue 31, session 16), written by another helper from
/// the text alone, with families nobody had listed (DICOM tags, X12 835/837,
/// NCPDP, wristbands, vendors' token formats): tests/corpus/third.tsv (tuned against) and
/// tests/corpus/third-holdout.tsv (another organisation, other people, vendors and
/// templates; only scored). Floors at the scores measured when they arrived.
#[test]
fn third_independent_sets_score() {
    score_independent_pair(
        "third",
        include_str!("corpus/third.tsv"),
        include_str!("corpus/third-holdout.tsv"),
        THIRD_FLOORS,
        THIRD_HOLDOUT_FLOORS,
        Holdout::Families,
    );
}

/// When they arrived: PHI 0.966 / 0.926 and secrets 0.983 / 0.855 (built), PHI 0.976 /
/// 0.845 and secrets 0.909 / 0.741 (holdout).
const THIRD_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.99, 0.99), ("secret", 0.99, 0.97)];
const THIRD_HOLDOUT_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.98, 0.95), ("secret", 0.92, 0.90)];

/// A fourth pair (issue 31, session 17), written by a helper from the text alone,
/// briefed on the families the earlier holdouts still missed in aggregate (names from many
/// backgrounds, EMS and radiology reports, fixed-width rows, file names, wristbands,
/// Azure DevOps, Django and session secrets): tests/corpus/fourth.tsv (tuned against) and
/// tests/corpus/fourth-holdout.tsv (another organisation, people, vendors and templates;
/// only scored).
#[test]
fn fourth_independent_sets_score() {
    score_independent_pair(
        "fourth",
        include_str!("corpus/fourth.tsv"),
        include_str!("corpus/fourth-holdout.tsv"),
        FOURTH_FLOORS,
        FOURTH_HOLDOUT_FLOORS,
        Holdout::Families,
    );
}

/// When they arrived (with this session's name lists): PHI 0.978 / 0.677 and secrets 0.988 /
/// 0.884 (built), PHI 0.963 / 0.571 and secrets 0.945 / 0.800 (holdout).
const FOURTH_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.99, 0.95), ("secret", 0.99, 0.98)];
const FOURTH_HOLDOUT_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.98, 0.82), ("secret", 0.96, 0.86)];

/// A fifth pair (issue 31, session 18), written by a helper from the text alone
/// before any of this session's tuning: two imagined organisations (an Oregon group on AWS
/// and an Arizona group on GCP and Azure) with their own people, payers, vendors and
/// templates: tests/corpus/fifth.tsv (tuned against) and tests/corpus/fifth-holdout.tsv
/// (only scored).
#[test]
fn fifth_independent_sets_score() {
    score_independent_pair(
        "fifth",
        include_str!("corpus/fifth.tsv"),
        include_str!("corpus/fifth-holdout.tsv"),
        FIFTH_FLOORS,
        FIFTH_HOLDOUT_FLOORS,
        Holdout::Families,
    );
}

/// When they arrived: PHI 0.964 / 0.806 and secrets 1.000 / 0.856 (built), PHI 0.956 /
/// 0.691 and secrets 0.952 / 0.908 (holdout).
const FIFTH_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.99, 0.95), ("secret", 0.99, 0.97)];
const FIFTH_HOLDOUT_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.95, 0.76), ("secret", 0.95, 0.95)];

/// A sixth pair (issue 31, session 19), written by a helper from the text alone
/// before any of this session's tuning was scored against it: a Midwest system on premises
/// and Azure (tests/corpus/sixth.tsv, tuned against) and a Gulf Coast group on Google Cloud
/// and Snowflake with Vietnamese, Spanish, Haitian Creole and Tagalog speaking patients
/// (tests/corpus/sixth-holdout.tsv, only scored).
#[test]
fn sixth_independent_sets_score() {
    score_independent_pair(
        "sixth",
        include_str!("corpus/sixth.tsv"),
        include_str!("corpus/sixth-holdout.tsv"),
        SIXTH_FLOORS,
        SIXTH_HOLDOUT_FLOORS,
        Holdout::Families,
    );
}

/// When they arrived (scored with 71732ee): PHI 0.959 / 0.891 and secrets 0.973 / 0.877
/// (built), PHI 0.968 / 0.818 and secrets 0.975 / 0.857 (holdout).
const SIXTH_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.98, 0.97), ("secret", 0.99, 0.98)];
const SIXTH_HOLDOUT_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.97, 0.85), ("secret", 0.97, 0.89)];

/// A seventh pair (issue 31, session 21), written by a helper from the text and the
/// product's definitions alone: tests/corpus/seventh.tsv (a Pacific Northwest and Alaska
/// network on AWS: Meditech, eClinicalWorks, MUMPS globals, SAS, ZPL labels; tuned against)
/// and tests/corpus/seventh-holdout.tsv (a New England academic centre with Puerto Rico
/// affiliates; only scored).
#[test]
fn seventh_independent_sets_score() {
    score_independent_pair(
        "seventh",
        include_str!("corpus/seventh.tsv"),
        include_str!("corpus/seventh-holdout.tsv"),
        SEVENTH_FLOORS,
        SEVENTH_HOLDOUT_FLOORS,
        Holdout::Families,
    );
}

/// When they arrived (scored with 86c2916): PHI 0.980 / 0.822 and secrets 0.992 / 0.907
/// (built), PHI 0.937 / 0.706 and secrets 1.000 / 0.730 (holdout).
const SEVENTH_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.99, 0.96), ("secret", 0.99, 0.99)];
const SEVENTH_HOLDOUT_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.93, 0.72), ("secret", 0.98, 0.84)];

/// An eighth pair (issue 31, session 22), written by a helper from the text and the
/// product's definitions alone, told to keep its holdout's families out of its report:
/// tests/corpus/eighth.tsv (a rural network across south Georgia and the South Carolina
/// Lowcountry on Meditech, Oracle Cloud and Databricks; tuned against) and
/// tests/corpus/eighth-holdout.tsv (a Pacific island system on hosted Oracle Health,
/// Kubernetes, GitLab and Vault; blind: only its class totals are ever printed).
#[test]
fn eighth_independent_sets_score() {
    score_independent_pair(
        "eighth",
        include_str!("corpus/eighth.tsv"),
        include_str!("corpus/eighth-holdout.tsv"),
        EIGHTH_FLOORS,
        EIGHTH_HOLDOUT_FLOORS,
        Holdout::Blind,
    );
}

/// When they arrived (scored with 9e9eb34): PHI 0.959 / 0.907 and secrets 0.976 / 0.846
/// (built), PHI 0.920 / 0.885 and secrets 0.946 / 0.853 (holdout).
const EIGHTH_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.97, 0.97), ("secret", 0.99, 0.99)];
const EIGHTH_HOLDOUT_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.92, 0.88), ("secret", 0.94, 0.88)];

/// A ninth pair (issue 31, session 25), written by a helper from the text alone:
/// tests/corpus/ninth.tsv (a Mountain West network on Epic, Azure, Salesforce Health Cloud
/// and athenahealth; Diné, Hispanic New Mexican, Tongan, Somali and Afghan patients; tuned
/// against) and tests/corpus/ninth-holdout.tsv (a New York and New Jersey system on Oracle
/// Health and AWS; blind: only its class totals are ever printed).
#[test]
fn ninth_independent_sets_score() {
    score_independent_pair(
        "ninth",
        include_str!("corpus/ninth.tsv"),
        include_str!("corpus/ninth-holdout.tsv"),
        NINTH_FLOORS,
        NINTH_HOLDOUT_FLOORS,
        Holdout::Blind,
    );
}

/// When they arrived (scored with 3d8ca2b): PHI 0.916 / 0.911 and secrets 0.951 / 0.772
/// (built), PHI 0.958 / 0.934 and secrets 0.987 / 0.833 (holdout).
const NINTH_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.91, 0.91), ("secret", 0.96, 0.96)];
const NINTH_HOLDOUT_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.95, 0.94), ("secret", 0.98, 0.83)];

/// A tenth pair (issue 31, session 26), written by a helper from the text alone:
/// tests/corpus/tenth.tsv (a Pacific Northwest, Alaska and Hawaii network on Oracle Health,
/// MEDITECH and AWS; Alaska Native, Native Hawaiian, Samoan, Chamorro, Filipino, East
/// Asian, Russian- and Ukrainian-speaking, Marshallese and Vietnamese patients; tuned
/// against) and tests/corpus/tenth-holdout.tsv (a Great Lakes network on athenahealth,
/// eClinicalWorks and GCP; blind: only its class totals are ever printed).
#[test]
fn tenth_independent_sets_score() {
    score_independent_pair(
        "tenth",
        include_str!("corpus/tenth.tsv"),
        include_str!("corpus/tenth-holdout.tsv"),
        TENTH_FLOORS,
        TENTH_HOLDOUT_FLOORS,
        Holdout::Blind,
    );
}

/// When they arrived (scored with 954d21d): PHI 0.944 / 0.879 and secrets 0.951 / 0.899
/// (built), PHI 0.950 / 0.950 and secrets 0.972 / 0.767 (holdout). MCP rows whose text was
/// not a JSON object were wrapped as arguments (`{"text": ...}`, `{"query": ...}`) on import.
const TENTH_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.94, 0.87), ("secret", 0.95, 0.89)];
const TENTH_HOLDOUT_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.95, 0.95), ("secret", 0.97, 0.76)];

const INDEPENDENT_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.99, 0.95), ("secret", 0.99, 0.97)];
/// Before this work the holdout scored PHI 0.943 / 0.327 and secrets 0.870 / 0.339.
const INDEPENDENT_HOLDOUT_FLOORS: &[(&str, f64, f64)] =
    &[("phi", 0.96, 0.92), ("secret", 0.96, 0.91)];

/// Public material others wrote (tests/corpus/public.tsv, made by
/// tests/corpus/import_public.py, which names each source, its version and license): the
/// FHIR specification's and other packages' example resources, HL7 v2 messages from
/// python-hl7's and hl7apy's tests, X12 samples, and Faker's names and addresses in 20
/// locales. A fictional patient in a fixture is labelled a patient record: the gate cannot
/// know it is fictional, and a fixture copied from production looks the same. The
/// specifications' own example patients are the exception (issue 31): documentation.
/// Floors at the scores reached.
#[test]
fn public_material_scores() {
    let gate = Gate::load(None, Context::example(), true).expect("built-in packs load");
    let scored = score(&gate, include_str!("corpus/public.tsv"));
    let mut families: BTreeMap<String, [u32; 2]> = BTreeMap::new();
    for (label, [rows, caught]) in &scored.shapes {
        let family = label.split('-').next().unwrap_or(label).to_string();
        let entry = families.entry(family).or_default();
        entry[0] += rows;
        entry[1] += caught;
    }
    let mut out = report("public", &scored);
    for (family, [rows, caught]) in &families {
        out.push_str(&format!("  family {family:<20} {caught:>4}/{rows:<4}\n"));
    }
    let problems: Vec<String> = scored
        .problems
        .iter()
        .map(|p| format!("public {p}"))
        .collect();
    eprintln!("{}\n{out}", problems.join("\n"));
    assert!(
        scored.rows >= 400,
        "public material shrank to {} rows",
        scored.rows
    );
    assert_class_floors("public", &scored, PUBLIC_FLOORS);
}

/// First scored at PHI precision 0.899, recall 0.676. Session 23 relabelled the 25 rows
/// whose only patient is a specification's own example (Peter James Chalmers, Donald Duck,
/// Eve Everywoman) as none, as issue 31 asks: 13 of them are still flagged through other
/// weak findings in their narratives (drug and food names read as names, periods read as
/// birth dates), so precision fell from 0.938 to 0.864 with no change in what is flagged.
/// Session 24 relabelled six more whose narrative names only the example (`Peter CHALMERS`,
/// FHIR's `Patient/mom` Eve Everywoman) and took the noise away: capitalised ordinary
/// words are no name (`Oral Form`, `Acme Healthcare`), a resource's referenced clinicians
/// are not its patient, the example lends no fact to the words around it, de-identified
/// patients (a birth year) and a parser's test segment are no record; 0.988 / 0.888.
const PUBLIC_FLOORS: &[(&str, f64, f64)] = &[("phi", 0.98, 0.88)];
