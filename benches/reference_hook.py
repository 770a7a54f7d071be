#!/usr/bin/env python3
"""The hook a user might write instead of toolgate, for scripts/bench-hook to compare with:
read the event, match a few regexes, journal to SQLite, answer. It checks far less than
toolgate does (no shell parsing, no paths, no effects); it is the speed reference only."""
import json, os, re, sqlite3, sys, time

RULES = [
    ("rm-root", re.compile(r"\brm\s+(-\w*[rf]\w*\s+)+(/|~)(?![\w./])")),
    ("curl-pipe-shell", re.compile(r"\b(curl|wget)\b[^|]*\|\s*(ba|z)?sh\b")),
    ("secret-file", re.compile(r"(\.ssh/id_|\.aws/credentials|\.env\b)")),
    ("aws-key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("github-token", re.compile(r"\bghp_[0-9A-Za-z]{36}\b")),
    ("ssn", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
]

def main():
    try:
        event = json.load(sys.stdin)
    except ValueError:
        print("reference hook: not JSON", file=sys.stderr)
        return 2
    text = json.dumps(event.get("tool_input") or event.get("tool_response") or {})
    hit = next((name for name, rx in RULES if rx.search(text)), None)
    path = os.environ.get("REFERENCE_JOURNAL") or os.path.expanduser("~/.reference-hook.db")
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE IF NOT EXISTS calls (time REAL, tool TEXT, rule TEXT, input TEXT)")
    db.execute("INSERT INTO calls VALUES (?, ?, ?, ?)",
               (time.time(), event.get("tool_name"), hit, text[:4096]))
    db.commit()
    db.close()
    if hit:
        print(f"blocked by {hit}", file=sys.stderr)
        return 2
    return 0

if __name__ == "__main__":
    sys.exit(main())
