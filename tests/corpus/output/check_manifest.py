#!/usr/bin/env python3
"""Self-check for the corpus: every must_vanish / must_keep string occurs in its
file, line counts match, files parse in their own format, and the two lists do
not contradict each other. Exit code 0 on success."""
import csv, io, json, os, re, sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
errors = []
manifest = json.load(open(os.path.join(HERE, "manifest.json"), encoding="utf-8"))
listed = {e["file"] for e in manifest}
on_disk = {f for f in os.listdir(HERE) if f not in ("manifest.json", "check_manifest.py")}
if listed != on_disk:
    errors.append("manifest/disk mismatch: %s" % (listed ^ on_disk))

SSN_RE = re.compile(r"\b(\d{3})-(\d{2})-(\d{4})\b")
tot_v = tot_k = 0
for e in manifest:
    name, fmt = e["file"], e["format"]
    text = open(os.path.join(HERE, name), encoding="utf-8", newline="").read()
    for s in e["must_vanish"]:
        tot_v += 1
        if s not in text: errors.append(f"{name}: must_vanish not found: {s!r}")
        if len(s) < 4: errors.append(f"{name}: must_vanish too short: {s!r}")
    for s in e["must_keep"]:
        tot_k += 1
        if s not in text: errors.append(f"{name}: must_keep not found: {s!r}")
    for v in e["must_vanish"]:
        for k in e["must_keep"]:
            if v in k or (len(k) > 3 and k in v):
                errors.append(f"{name}: overlap vanish {v!r} / keep {k!r}")
    if len(set(e["must_vanish"])) != len(e["must_vanish"]):
        errors.append(f"{name}: duplicate must_vanish")
    if name == "spec_page.txt" and e["must_vanish"]:
        errors.append("spec_page.txt must have empty must_vanish")
    # SSN plausibility (fictional but valid-looking)
    for a, g, s in SSN_RE.findall(text):
        if a in ("000", "666") or a >= "900" or g == "00" or s == "0000" or a + g + s == "123456789":
            errors.append(f"{name}: implausible SSN {a}-{g}-{s}")
    # format parse
    lines = text.splitlines()
    if fmt == "json":
        json.loads(text)
    elif fmt == "xml":
        ET.fromstring(text.encode("utf-8"))
    elif fmt == "hl7":
        for ln in lines:
            if not re.match(r"^[A-Z][A-Z0-9]{2}\|", ln): errors.append(f"{name}: bad segment line {ln[:20]!r}")
        if not lines[0].startswith("MSH|^~\\&|"): errors.append(f"{name}: bad MSH")
    elif fmt == "x12":
        for ln in lines:
            if not ln.endswith("~") or ln.count("~") != 1: errors.append(f"{name}: bad x12 line {ln[:20]!r}")
        if len(lines[0]) != 106: errors.append(f"{name}: ISA not fixed width")
        se = [l for l in lines if l.startswith("SE*")][0]
        st_i = [i for i, l in enumerate(lines) if l.startswith("ST*")][0]
        se_i = lines.index(se)
        if int(se.split("*")[1]) != se_i - st_i + 1: errors.append(f"{name}: SE01 count wrong")
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        if len({len(r) for r in rows}) != 1: errors.append(f"{name}: ragged csv")
    if "lines" in e and e["lines"] != len(lines):
        errors.append(f"{name}: lines {e['lines']} != {len(lines)}")
    if fmt in ("hl7", "x12", "csv") and "lines" not in e:
        errors.append(f"{name}: lines missing")

# HL7 field positions that the corpus relies on
hl7 = open(os.path.join(HERE, "adt_a01.hl7"), encoding="utf-8").read().splitlines()
pid = [l for l in hl7 if l.startswith("PID|")][0].split("|")
assert pid[3].startswith("70923418^"), pid[3]
assert pid[7] == "19550830" and pid[19] == "298-41-6637", (pid[7], pid[19])
in1 = [l for l in hl7 if l.startswith("IN1|")][0].split("|")
assert in1[16].startswith("Kowalczyk") and in1[18] == "19550830" and in1[36] == "XQB884217093", (in1[16], in1[36])
gt1 = [l for l in hl7 if l.startswith("GT1|")][0].split("|")
assert gt1[3].startswith("Kowalczyk^Tomasz") and gt1[12] == "361-58-0472"

print(f"files={len(manifest)} must_vanish={tot_v} must_keep={tot_k}")
for err in errors: print("ERROR:", err)
sys.exit(1 if errors else 0)
