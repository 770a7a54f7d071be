#!/usr/bin/env python3
"""Validate the holdout corpus manifest and the sample files it describes.

Checks:
  * manifest.json is a list of entries with file/format/must_vanish/must_keep
    (and "lines" for hl7/x12/csv/text); every sample file in this folder is listed.
  * every must_vanish string is >= 4 characters and occurs in its file;
  * every must_keep string occurs in its file at least once OUTSIDE every
    must_vanish occurrence (so a perfect masker can keep it);
  * no string is in both lists; spec_notes.md has an empty must_vanish;
  * SSN-shaped must_vanish values are plausible but fictional-looking
    (area not 000/666/9xx, group not 00, serial not 0000, not 123-45-6789);
  * each file parses in its declared format and its line count matches.

Exit status 0 when everything passes, 1 otherwise.
"""
import csv
import io
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
FORMATS = {"json", "xml", "hl7", "x12", "csv", "text"}
LINE_FORMATS = {"hl7", "x12", "csv", "text"}
NOT_SAMPLES = {"manifest.json", "check_manifest.py"}

errors = []


def err(file, msg):
    errors.append(f"{file}: {msg}")


def occurrences(text, s):
    out, i = [], text.find(s)
    while i != -1:
        out.append((i, i + len(s)))
        i = text.find(s, i + 1)
    return out


def check_json(name, text):
    try:
        json.loads(text)
    except ValueError as e:
        err(name, f"invalid JSON: {e}")


def check_xml(name, raw):
    try:
        ET.fromstring(raw)
    except ET.ParseError as e:
        err(name, f"XML not well-formed: {e}")


def check_hl7(name, raw, text):
    crlf = raw.count(b"\r\n")
    lone_cr = raw.count(b"\r") - crlf
    lone_lf = raw.count(b"\n") - crlf
    if sum(1 for c in (crlf, lone_cr, lone_lf) if c) > 1:
        err(name, "mixed HL7 segment terminators")
    lines = text.splitlines()
    if not lines or not lines[0].startswith("MSH|^~\\&|"):
        err(name, "first segment must be MSH with |^~\\& encoding characters")
    for n, line in enumerate(lines, 1):
        if not re.match(r"^[A-Z][A-Z0-9]{2}\|", line):
            err(name, f"line {n}: not an HL7 segment")
    # Field-position sanity for the segments the corpus relies on.
    for line in lines:
        f = line.split("|")
        if f[0] == "PID" and len(f) > 19 and f[19] and not re.fullmatch(r"\d{3}-\d{2}-\d{4}", f[19]):
            err(name, "PID-19 is not an SSN")
        if f[0] == "PID" and len(f) > 7 and not re.fullmatch(r"\d{8}", f[7]):
            err(name, "PID-7 is not a YYYYMMDD date")
        if f[0] == "GT1" and (len(f) <= 12 or not re.fullmatch(r"\d{3}-\d{2}-\d{4}", f[12])):
            err(name, "GT1-12 is not an SSN")
        if f[0] == "IN1":
            if len(f) <= 36 or not f[16] or not re.fullmatch(r"\d{8}", f[18]) or not f[19] or not f[36]:
                err(name, "IN1-16/18/19/36 not populated as expected")


def check_x12(name, text):
    lines = text.splitlines()
    st_idx = se_idx = None
    for n, line in enumerate(lines, 1):
        if not line.endswith("~") or line.count("~") != 1:
            err(name, f"line {n}: must hold exactly one segment ending in ~")
        if not re.match(r"^[A-Z][A-Z0-9]{1,2}\*", line):
            err(name, f"line {n}: bad segment id")
        seg_id = line.split("*", 1)[0]
        if seg_id == "ST":
            st_idx = n
        if seg_id == "SE":
            se_idx = n
            declared = int(line.rstrip("~").split("*")[1])
            if st_idx is not None and declared != n - st_idx + 1:
                err(name, f"SE count {declared} != actual {n - st_idx + 1}")
    if st_idx is None or se_idx is None:
        err(name, "missing ST/SE")
    for seg in ("NM1*IL*", "NM1*QC*", "N3*", "N4*", "DMG*D8*"):
        if seg not in text:
            err(name, f"missing {seg}")


def check_csv(name, text):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        err(name, "empty CSV")
        return
    width = len(rows[0])
    for n, r in enumerate(rows, 1):
        if len(r) != width:
            err(name, f"row {n} has {len(r)} columns, header has {width}")
    if len(rows) - 1 != 5:
        err(name, f"expected 5 data rows, got {len(rows) - 1}")
    if not any('"' in l for l in text.splitlines()[1:]):
        err(name, "expected a quoted field")


def check_text(name, text):
    if name == "sql_rows.txt":
        table = [l for l in text.splitlines() if "|" in l or "-+-" in l]
        bars = {l.count("|") for l in table if "-+-" not in l}
        if len(bars) != 1:
            err(name, "psql rows have differing column counts")


SSN_RE = re.compile(r"^(\d{3})-(\d{2})-(\d{4})$")


def main():
    with open(os.path.join(HERE, "manifest.json"), encoding="utf-8") as fh:
        manifest = json.load(fh)
    if not isinstance(manifest, list):
        print("manifest.json must be a list")
        return 1

    listed = set()
    total_vanish = total_keep = 0
    for entry in manifest:
        name = entry.get("file")
        fmt = entry.get("format")
        mv = entry.get("must_vanish")
        mk = entry.get("must_keep")
        listed.add(name)
        if fmt not in FORMATS:
            err(name, f"unknown format {fmt!r}")
        if not isinstance(mv, list) or not isinstance(mk, list):
            err(name, "must_vanish/must_keep must be lists")
            continue
        path = os.path.join(HERE, name)
        if not os.path.isfile(path):
            err(name, "file missing")
            continue
        raw = open(path, "rb").read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            err(name, f"not UTF-8: {e}")
            continue

        total_vanish += len(mv)
        total_keep += len(mk)

        if name == "spec_notes.md" and mv:
            err(name, "spec_notes.md must have an empty must_vanish")
        if len(set(mv)) != len(mv):
            err(name, "duplicate must_vanish entries")
        if len(set(mk)) != len(mk):
            err(name, "duplicate must_keep entries")
        for s in set(mv) & set(mk):
            err(name, f"string in both lists: {s!r}")

        spans = []
        for s in mv:
            if not isinstance(s, str) or len(s) < 4:
                err(name, f"must_vanish entry shorter than 4 chars: {s!r}")
                continue
            occ = occurrences(text, s)
            if not occ:
                err(name, f"must_vanish not found: {s!r}")
            spans.extend(occ)
            m = SSN_RE.match(s)
            if m:
                a, g, ser = m.groups()
                if a in ("000", "666") or a.startswith("9") or g == "00" or ser == "0000" or s == "123-45-6789":
                    err(name, f"SSN not in a valid-looking range: {s!r}")
        for s in mk:
            if not isinstance(s, str) or not s:
                err(name, f"bad must_keep entry: {s!r}")
                continue
            occ = occurrences(text, s)
            if not occ:
                err(name, f"must_keep not found: {s!r}")
                continue
            free = [o for o in occ if not any(o[0] < e and b < o[1] for b, e in spans)]
            if not free:
                err(name, f"must_keep only occurs inside must_vanish values: {s!r}")

        if fmt in LINE_FORMATS:
            n_lines = len(text.splitlines())
            if entry.get("lines") != n_lines:
                err(name, f"lines={entry.get('lines')} but file has {n_lines}")

        if fmt == "json":
            check_json(name, text)
        elif fmt == "xml":
            check_xml(name, raw)
        elif fmt == "hl7":
            check_hl7(name, raw, text)
        elif fmt == "x12":
            check_x12(name, text)
        elif fmt == "csv":
            check_csv(name, text)
        elif fmt == "text":
            check_text(name, text)

    on_disk = {f for f in os.listdir(HERE)
               if os.path.isfile(os.path.join(HERE, f)) and f not in NOT_SAMPLES and not f.startswith(".")}
    for f in sorted(on_disk - listed):
        err(f, "sample file not listed in manifest")

    if errors:
        for e in errors:
            print("FAIL", e)
        return 1
    print(f"OK files={len(manifest)} must_vanish={total_vanish} must_keep={total_keep}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
