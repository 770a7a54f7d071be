//! The compliance report: one self-contained HTML page (inline CSS and SVG, no scripts, no
//! network: a Content-Security-Policy forbids loading anything) that reads on screen and
//! prints. Every journal value is HTML-escaped; inputs shown are the redacted ones.

use super::query::Stats;
use super::record::{Record, rfc3339};
use std::collections::BTreeMap;
use std::fmt::Write;

/// What the page shows, gathered by the caller.
pub struct Facts<'a> {
    pub journal: &'a str,
    pub generated_us: i64,
    pub since_us: Option<i64>,
    pub until_us: Option<i64>,
    /// The filters given besides the period (`decision = deny`, ...), as shown.
    pub filters: Vec<(String, String)>,
    /// The first and last record's time in the whole journal.
    pub journal_span: Option<(i64, i64)>,
    pub stats: &'a Stats,
    pub latest_denials: &'a [Record],
    /// Denials matching the filters, of which `latest_denials` are the last.
    pub denials_total: i64,
    pub chain: Chain,
}

/// What verification of the whole journal found, for the Integrity section.
pub enum Chain {
    /// Verified: every record, the chain head, and how many damage markers were acknowledged.
    Verified {
        records: u64,
        head: Option<(i64, String)>,
        acknowledged: usize,
    },
    /// The chain is intact but the journal recorded damage nobody has acknowledged yet.
    Damaged {
        records: u64,
        head: Option<(i64, String)>,
        damage: Vec<(i64, String)>,
    },
    /// The journal was altered: the first problem.
    Failed(String),
    /// Verification could not run: why.
    NotRun(String),
}

/// HTML-escape text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Every day from the first to the last key, missing days as zero (keys are `YYYY-MM-DD`).
pub fn every_day(
    counts: &BTreeMap<String, i64>,
    from: Option<&str>,
    to: Option<&str>,
) -> Vec<(String, i64)> {
    let parse = |d: &str| {
        time::Date::parse(
            d,
            &time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
    };
    let first = from
        .or(counts.keys().next().map(String::as_str))
        .and_then(parse);
    let last = to
        .or(counts.keys().next_back().map(String::as_str))
        .and_then(parse);
    let (Some(mut day), Some(last)) = (first, last) else {
        return counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
    };
    let mut out = Vec::new();
    // A report spans at most ten years of days; beyond that the keys are shown as they are.
    while day <= last && out.len() < 3660 {
        let key = day.to_string();
        out.push((key.clone(), counts.get(&key).copied().unwrap_or(0)));
        match day.next_day() {
            Some(d) => day = d,
            None => break,
        }
    }
    out
}

/// Bars of denials per day, with axis labels; each bar carries its day and count.
fn chart(days: &[(String, i64)]) -> String {
    let (width, height, left, bottom, top) = (760.0_f64, 220.0_f64, 40.0, 30.0, 10.0);
    let max = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let plot_w = width - left - 10.0;
    let plot_h = height - bottom - top;
    let slot = plot_w / days.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg id="denials-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="Denials per day">"#
    );
    let _ = write!(
        svg,
        r#"<line x1="{left}" y1="{y}" x2="{x2}" y2="{y}" class="axis"/><text x="{tx}" y="{ty}" class="label" text-anchor="end">{max}</text><text x="{tx}" y="{y}" class="label" text-anchor="end">0</text>"#,
        y = height - bottom,
        x2 = width - 10.0,
        tx = left - 4.0,
        ty = top + 10.0,
        max = max as i64
    );
    let label_every = (days.len() / 8).max(1);
    for (i, (day, n)) in days.iter().enumerate() {
        let h = (*n as f64 / max) * plot_h;
        let bar = (slot * 0.8).clamp(1.0, 48.0);
        let x = left + i as f64 * slot + (slot - bar) / 2.0;
        let _ = write!(
            svg,
            r#"<rect class="bar" data-day="{day}" data-count="{n}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{day}: {n} denied</title></rect>"#,
            day = escape(day),
            y = height - bottom - h,
            w = bar,
        );
        if i % label_every == 0 {
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{y}" class="label">{}</text>"#,
                escape(day.get(5..).unwrap_or(day)),
                y = height - bottom + 16.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn table(
    title: &str,
    id: &str,
    heads: [&str; 2],
    rows: &BTreeMap<String, i64>,
    top: usize,
) -> String {
    let mut sorted: Vec<(&String, &i64)> = rows.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut html = format!(
        r#"<section id="{id}"><h2>{title}</h2><table><thead><tr><th>{}</th><th class="n">{}</th></tr></thead><tbody>"#,
        heads[0], heads[1]
    );
    if sorted.is_empty() {
        html.push_str(r#"<tr><td colspan="2" class="none">none</td></tr>"#);
    }
    let all = sorted.len();
    for (k, v) in sorted.into_iter().take(top) {
        let _ = write!(
            html,
            r#"<tr><td>{}</td><td class="n">{v}</td></tr>"#,
            escape(k)
        );
    }
    html.push_str("</tbody></table>");
    if all > top {
        let _ = write!(
            html,
            r#"<p class="meta cut">The {top} largest of {all} are shown; <code>toolgate journal stats</code> lists all.</p>"#
        );
    }
    html.push_str("</section>");
    html
}

fn cut(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

fn chain_text(chain: &Chain) -> String {
    let head = |h: &Option<(i64, String)>| match h {
        Some((seq, hash)) => format!(
            " Chain head: record <b>#{seq}</b>, hash <code>{}</code>; compare it with an anchor kept off this host (<code>toolgate journal verify --anchor {seq}:{}</code>).",
            escape(hash),
            escape(hash)
        ),
        None => String::new(),
    };
    match chain {
        Chain::Verified {
            records,
            head: h,
            acknowledged,
        } => format!(
            r#"<span class="ok">Chain verified</span>: all {records} records of the whole journal hash-chain correctly; none altered, removed or inserted.{}{}"#,
            if *acknowledged > 0 {
                format!(
                    " {acknowledged} damage marker(s) were acknowledged by <code>journal repair</code>."
                )
            } else {
                String::new()
            },
            head(h)
        ),
        Chain::Damaged {
            records,
            head: h,
            damage,
        } => format!(
            r#"<span class="bad">Chain intact, damage not yet acknowledged</span>: the {records} records hash-chain correctly, but the journal recorded damage (crash damage or missing files): {}.{}"#,
            damage
                .iter()
                .map(|(seq, what)| format!("#{seq}: {}", escape(what)))
                .collect::<Vec<_>>()
                .join("; "),
            head(h)
        ),
        Chain::Failed(problem) => format!(
            r#"<span class="bad">Chain verification FAILED</span>: {}"#,
            escape(problem)
        ),
        Chain::NotRun(why) => format!(
            r#"<span class="bad">Chain not verified</span>: {}"#,
            escape(why)
        ),
    }
}

pub fn render(f: &Facts) -> String {
    let s = f.stats;
    let day = |us: Option<i64>| us.map(|t| rfc3339(t).chars().take(10).collect::<String>());
    let first_day = day(f.since_us);
    // `until` is exclusive: the last day shown is the day before it when it falls at midnight.
    let last_day = day(f.until_us.map(|t| t - 1));
    let period = format!(
        "{} to {}",
        first_day
            .clone()
            .or_else(|| s.by_day.keys().next().cloned())
            .unwrap_or_else(|| "the beginning".into()),
        last_day
            .clone()
            .or_else(|| s.by_day.keys().next_back().cloned())
            .unwrap_or_else(|| "now".into())
    );
    let days = every_day(&s.denied_by_day, first_day.as_deref(), last_day.as_deref());
    let days = if days.is_empty() {
        every_day(&s.by_day, first_day.as_deref(), last_day.as_deref())
            .into_iter()
            .map(|(d, _)| (d, 0))
            .collect()
    } else {
        days
    };
    let count = |d: &str| s.by_decision.get(d).copied().unwrap_or(0);
    let mut html = String::with_capacity(32 * 1024);
    let _ = write!(
        html,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>toolgate compliance report: {period}</title>
<style>
body {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24; margin: 2em auto; max-width: 60em; padding: 0 1em; }}
h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }} h2 {{ font-size: 1.15em; margin-top: 1.8em; border-bottom: 1px solid #d0d7de; }}
.meta {{ color: #57606a; }}
.totals {{ display: flex; flex-wrap: wrap; gap: 1em; margin: 1em 0; }}
.total {{ border: 1px solid #d0d7de; border-radius: 6px; padding: 0.6em 1em; min-width: 7em; }}
.total b {{ display: block; font-size: 1.6em; }}
.deny b, .error b {{ color: #b42318; }} .ask b {{ color: #9a6700; }} .allow b {{ color: #1a7f37; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ text-align: left; padding: 0.25em 0.5em; border-bottom: 1px solid #eaeef2; vertical-align: top; }}
td.n, th.n {{ text-align: right; font-variant-numeric: tabular-nums; }} .none {{ color: #57606a; font-style: italic; }}
code {{ font: 12px ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(17em, 1fr)); gap: 0 2em; }}
td.t {{ white-space: nowrap; }}
.ok {{ color: #1a7f37; font-weight: 600; }} .bad {{ color: #b42318; font-weight: 600; }}
svg .bar {{ fill: #b42318; }} svg .axis {{ stroke: #57606a; }} svg .label {{ font-size: 11px; fill: #57606a; }}
@media print {{ body {{ margin: 0; max-width: none; font-size: 10pt; }} section {{ break-inside: avoid; }} .total {{ border-color: #000; }} }}
</style></head><body>
<h1>toolgate compliance report</h1>
<p class="meta">Period: <b>{period}</b> (UTC). {filters} The journal holds records from {span}. Journal: <code>{journal}</code>. Generated {generated}.</p>
<div class="totals" id="totals">
<div class="total all"><b>{total}</b>calls decided</div>
<div class="total deny"><b>{deny}</b>denied</div>
<div class="total ask"><b>{ask}</b>asked the user</div>
<div class="total allow"><b>{allow}</b>no objection</div>
<div class="total error"><b>{error}</b>could not be checked (blocked)</div>
</div>
<section id="integrity"><h2>Integrity</h2><p>{chain}</p>
<p>Records spooled and imported later: {spooled}. Records written by the fail-closed path (deadline, panic, abort): {failsafe}. Records that could be written nowhere (lost): {lost}. Journal restarts after corruption: {restarts}.</p></section>
<section id="denials"><h2>Denials per day</h2><p class="meta">Calls denied by a rule, or blocked because they could not be checked.</p>{chart}</section>
<div class="grid">
"#,
        period = escape(&period),
        journal = escape(f.journal),
        generated = escape(&rfc3339(f.generated_us)),
        total = s.total,
        deny = count("deny"),
        ask = count("ask"),
        allow = count("allow"),
        error = count("error"),
        filters = if f.filters.is_empty() {
            "No other filters: every record in the period is counted.".to_string()
        } else {
            format!(
                "Only records with {} are counted.",
                f.filters
                    .iter()
                    .map(|(k, v)| format!("<b>{}</b> = <code>{}</code>", escape(k), escape(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        span = match f.journal_span {
            Some((a, b)) => format!(
                "<b>{}</b> to <b>{}</b>",
                escape(&rfc3339(a)),
                escape(&rfc3339(b))
            ),
            None => "no time (it is empty)".to_string(),
        },
        chain = chain_text(&f.chain),
        failsafe = s.counters.get("failsafe").copied().unwrap_or(0),
        spooled = s.counters.get("spooled").copied().unwrap_or(0),
        lost = s.counters.get("lost").copied().unwrap_or(0),
        restarts = s.counters.get("restarts").copied().unwrap_or(0),
        chart = chart(&days),
    );
    html.push_str(&table(
        "Top rules",
        "rules",
        ["rule", "calls"],
        &s.by_rule,
        15,
    ));
    html.push_str(&table(
        "Top users",
        "users",
        ["user", "calls"],
        &s.by_user,
        15,
    ));
    html.push_str(&table(
        "Top tools",
        "tools",
        ["tool", "calls"],
        &s.by_tool,
        15,
    ));
    html.push_str(&table(
        "Patient data and secrets held back, by kind",
        "findings",
        ["kind (values are never stored)", "calls holding it"],
        &s.by_redaction,
        30,
    ));
    html.push_str(&table(
        "Patient data and secrets held back, by call",
        "findings-by-event",
        ["category", "calls"],
        &s.events_by_category,
        30,
    ));
    html.push_str(&table(
        "Policy revisions seen",
        "revisions",
        ["revision", "calls"],
        &s.by_policy_revision,
        30,
    ));
    let shown = f.latest_denials.len() as i64;
    let _ = write!(
        html,
        "</div>\n<section id=\"latest\"><h2>Latest denials</h2><p class=\"meta{}\">{}</p><table>",
        if f.denials_total > shown { " cut" } else { "" },
        if f.denials_total > shown {
            format!(
                "The latest {shown} of {} denials are shown; <code>toolgate journal query --decision deny</code> lists all.",
                f.denials_total
            )
        } else {
            format!("All {} denials are shown.", f.denials_total)
        }
    );
    html.push_str("<thead><thead><tr><th>time (UTC)</th><th>user</th><th>tool</th><th>rule and reason</th><th>input (redacted)</th></tr></thead><tbody>");
    if f.latest_denials.is_empty() {
        html.push_str(r#"<tr><td colspan="5" class="none">none in this period</td></tr>"#);
    }
    for r in f.latest_denials.iter().rev() {
        let _ = write!(
            html,
            "<tr><td class=\"t\">{}</td><td>{}</td><td>{}</td><td><b>{}</b><br>{}</td><td><code>{}</code></td></tr>",
            escape(
                &rfc3339(r.time_us)
                    .chars()
                    .take(19)
                    .collect::<String>()
                    .replace('T', " ")
            ),
            escape(r.user.as_deref().unwrap_or("")),
            escape(r.tool_name.as_deref().unwrap_or(&r.event)),
            escape(&r.rules.join(", ")),
            escape(&cut(&r.reason, 400)),
            escape(&cut(&r.input_redacted, 300)),
        );
    }
    html.push_str("</tbody></table></section>\n</body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_days_are_zero() {
        let counts: BTreeMap<String, i64> =
            [("2026-02-27".to_string(), 2), ("2026-03-02".to_string(), 5)].into();
        let days = every_day(&counts, None, None);
        let keys: Vec<&str> = days.iter().map(|(d, _)| d.as_str()).collect();
        assert_eq!(
            keys,
            ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]
        );
        assert_eq!(days[1].1, 0);
        assert_eq!(days[3].1, 5);
    }

    #[test]
    fn markup_in_journal_values_is_inert() {
        assert_eq!(
            escape("<script>alert('x')</script>&\u{1b}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\\u{1b}"
        );
    }
}
