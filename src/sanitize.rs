//! Terminal-safe rendering of attacker-controlled text.
//!
//! Commands, paths and prompts come from an agent that may have been prompt-injected. Before
//! any of it reaches a terminal or a reason string, control characters, escape sequences and
//! bidirectional overrides are made visible, inline passwords in URLs are masked, and the
//! length is bounded.

/// Longest excerpt of untrusted text that is ever printed.
pub const MAX_EXCERPT: usize = 200;

/// Escape control and bidi characters and cut to `max` characters (with a visible marker).
pub fn excerpt(text: &str, max: usize) -> String {
    let masked = mask_url_passwords(text);
    let mut out = String::with_capacity(masked.len().min(max.saturating_add(16)));
    for (count, ch) in masked.chars().enumerate() {
        if count >= max {
            out.push_str("…[cut]");
            break;
        }
        push_safe(&mut out, ch);
    }
    out
}

/// [`excerpt`] with the default bound.
pub fn safe(text: &str) -> String {
    excerpt(text, MAX_EXCERPT)
}

fn push_safe(out: &mut String, ch: char) {
    match ch {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if c.is_control() || is_bidi_or_invisible(c) => {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
        c => out.push(c),
    }
}

fn is_bidi_or_invisible(c: char) -> bool {
    matches!(c as u32,
        0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2069 | 0xFEFF)
}

/// `scheme://user:secret@host` -> `scheme://user:***@host`, so a reason never echoes a
/// password back (the journal's full redaction uses the content detectors).
pub fn mask_url_passwords(text: &str) -> std::borrow::Cow<'_, str> {
    let spans = url_password_spans(text);
    if spans.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.push_str("***");
        at = span.end;
    }
    out.push_str(&text[at..]);
    std::borrow::Cow::Owned(out)
}

/// Where passwords sit in `scheme://user:PASSWORD@host` URLs: between the first `:` and the
/// last `@` of the authority (which ends at the first `/`, blank or quote).
pub fn url_password_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].find("://") {
        let start = from + pos + 3;
        let end = text[start..]
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .map_or(text.len(), |e| start + e);
        let authority = &text[start..end];
        if let (Some(colon), Some(at)) = (authority.find(':'), authority.rfind('@'))
            && colon < at
        {
            spans.push(start + colon + 1..start + at);
        }
        from = end.max(start);
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_and_bidi() {
        assert_eq!(safe("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(safe("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(safe("l1\nl2"), "l1\\nl2");
    }

    #[test]
    fn unbounded_excerpts_do_not_overflow() {
        assert_eq!(excerpt("a\nb", usize::MAX), "a\\nb");
    }

    #[test]
    fn bounds_length() {
        let long = "a".repeat(1000);
        let out = excerpt(&long, 10);
        assert_eq!(out, format!("{}…[cut]", "a".repeat(10)));
    }

    #[test]
    fn masks_inline_url_passwords() {
        assert_eq!(
            safe("psql postgres://admin:hunter2@db.prod/x -c 1"),
            "psql postgres://admin:***@db.prod/x -c 1"
        );
        assert_eq!(
            safe("https://example.com/a:b@c"),
            "https://example.com/a:b@c"
        );
    }
}
