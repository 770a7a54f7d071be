#!/usr/bin/env python3
"""Build tests/corpus/content.tsv: labelled texts for the secret and PHI detectors.

Columns: labels (comma-separated detector kinds, or `none`), tool (Write, Bash, Prompt),
text (\\n and \\\\ escaped). Every value is synthetic (see synth.py). Labels name secret rules
(`aws-access-key-id`, ...) and PHI kinds (`ssn`, `mbi`, `name`, ...). Run it again to rebuild.
"""
import json, os, sys
sys.path.insert(0, os.path.dirname(__file__))
import synth as S

S.rng.seed(424242)
rows = []
def add(labels, tool, text):
    rows.append((labels, tool, text))

A = S.ALNUM
r = S.rand
# ---- secrets: positives ----------------------------------------------------------------
for i in range(6):
    add("aws-access-key-id", "Write", f"AWS_ACCESS_KEY_ID={S.aws_id()}")
for i in range(5):
    add("aws-access-key-id,aws-secret-access-key", "Write", f"[default]\naws_access_key_id = {S.aws_id()}\naws_secret_access_key = {S.aws_secret()}\n")
for i in range(6):
    add("github-token", ["Write", "Bash", "Prompt"][i % 3], [f"GITHUB_TOKEN={S.github()}", f"curl -H 'Authorization: token {S.github('gho')}' https://api.github.com/user", f"here is my token {S.github('ghs')}"][i % 3])
for i in range(4):
    add("gitlab-token", "Write", f"CI_TOKEN=glpat-{r(A + '_-', 20)}")
for i in range(4):
    add("slack-token", "Write", f"SLACK_TOKEN=xoxb-{r('0123456789', 12)}-{r('0123456789', 13)}-{r(A, 24)}")
for i in range(5):
    add("stripe-secret-key", "Write", f"stripe.api_key = \"{['sk_live_', 'rk_live_', 'sk_test_'][i % 3]}{r(A, 28)}\"")
for i in range(4):
    add("google-api-key", "Write", f"const key = 'AIza{r(A + '_-', 35)}';")
for i in range(4):
    add("ai-provider-key", "Write", [f"OPENAI_API_KEY=sk-proj-{r(A + '_-', 40)}T3BlbkFJ{r(A + '_-', 40)}", f"ANTHROPIC_API_KEY=sk-ant-api03-{r(A + '_-', 93)}AA"][i % 2])
for i in range(5):
    add("service-token", "Write", [f"SENDGRID_API_KEY=SG.{r(A + '_-', 22)}.{r(A + '_-', 43)}", f"//registry.npmjs.org/:_authToken=npm_{r(A, 36)}", f"password = pypi-AgEIcHlwaS5vcmc{r(A + '_-', 70)}", f"TWILIO_AUTH_TOKEN={r('0123456789abcdef', 32)}", f"twilio_secret: \"{r('0123456789abcdef', 32)}\""][i])
for i in range(4):
    add("jwt", ["Bash", "Write"][i % 2], [f"curl -H 'Authorization: Bearer {S.jwt()}' https://api.internal/v1", f"SESSION={S.jwt()}"][i % 2])
for i in range(4):
    body = "\n".join(r(A + "+/", 64) for _ in range(5))
    kind = ["RSA ", "OPENSSH ", "", "EC "][i]
    add("private-key", "Write", f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n-----END {kind}PRIVATE KEY-----\n")
for i in range(6):
    pw = r(A + "!#%^*", 14)
    add("connection-string-password", ["Write", "Bash"][i % 2], [f"DATABASE_URL=postgres://app:{pw}@db.internal:5432/app", f"psql 'postgresql://svc:{pw}@10.1.2.3/app' -c 'select 1'", f"MONGO=mongodb+srv://u:{pw}@c0.x.mongodb.net/db", f"mysql://root:{pw}@mysql.internal/app", f"Server=sql01;Database=app;User Id=app;Password={pw};", f"redis://default:{pw}@cache:6379"][i])
for i in range(5):
    pw = r(A + "!#%", 16)
    add("generic-password", "Write", [f"DB_PASSWORD = '{pw}'", f"api_key: \"{pw}\"", f"client_secret = \"{pw}\"", f"\"auth_token\": \"{pw}\"", f"SECRET_KEY = '{pw}'"][i])
# ---- secrets: hard negatives -----------------------------------------------------------
negs = [
    "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "GITHUB_TOKEN=ghp_" + "x" * 36,
    "GITHUB_TOKEN=ghp_" + r(A, 36),
    "GITHUB_TOKEN=${GITHUB_TOKEN}",
    "token = os.environ['GITHUB_TOKEN']",
    "STRIPE_PUBLISHABLE_KEY=pk_live_" + r(A, 24),
    "stripe.api_key = process.env.STRIPE_KEY",
    "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app_dev",
    "DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal/app",
    "DATABASE_URL=postgres://user:<password>@host:5432/db",
    "DATABASE_URL=mysql://root:root@127.0.0.1:3306/test",
    "TOKEN=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "-----BEGIN PUBLIC KEY-----\n" + "\n".join(r(A + "+/", 64) for _ in range(3)) + "\n-----END PUBLIC KEY-----",
    "-----BEGIN CERTIFICATE-----\n" + "\n".join(r(A + "+/", 64) for _ in range(3)) + "\n-----END CERTIFICATE-----",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + r(A, 40) + " dev@laptop",
    "const PEM_HEADER = '-----BEGIN PRIVATE KEY-----';",
    "password = 'changeme'",
    "password = 'password_confirmation'",
    "PASSWORD_MIN_LENGTH = 12",
    "api_key: \"${API_KEY}\"",
    "secret = get_secret('db')",
    "token = \"aaaaaaaaaaaaaaaaaaaa\"",
    "commit 3f9a2c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39",
    "uuid = '550e8400-e29b-41d4-a716-446655440000'",
    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "version = \"1.2.3-beta.4+build.5678\"",
    "card = '4111 1111 1111 1111'  # Stripe test card",
    "image: registry.example.com/app@sha256:" + r("0123456789abcdef", 64),
    "SLACK_WEBHOOK=https://hooks.slack.com/services/XXXXXXXXX/XXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX",
    "Keys start with AKIA, ghp_, sk_live_ or xoxb-.",
    "npm_config_registry=https://registry.npmjs.org/",
    "export OPENAI_API_KEY=sk-...",
    "let re = /ghp_[A-Za-z0-9]{36}/;",
    "integrity sha512-" + r(A + "+/", 86) + "==",
    "const token = crypto.randomBytes(32).toString('hex');",
    "Authorization: Bearer $TOKEN",
    "curl -u \"$USER:$PASS\" https://api.example.com",
    "mongodb://localhost:27017/test",
    "redis://localhost:6379/0",
]
for n in negs:
    add("none", "Write", n)

# ---- PHI: positives ---------------------------------------------------------------------
first = ["Maria", "Ruth", "Samuel", "Thanh", "Aisha", "Derek", "Ingrid", "Tomas", "Keiko", "Omar", "Priya", "Lucas"]
last = ["Lopez", "Okafor", "Brandt", "Nguyen", "Rahman", "Whitfield", "Lund", "Novak", "Sato", "Haddad", "Iyer", "Moreau"]
def name(i):
    return f"{first[i % len(first)]} {last[(i * 5) % len(last)]}"
def date(i):
    return f"{(i % 12) + 1:02d}/{(i * 7 % 27) + 1:02d}/{1930 + i * 3 % 70}"
for i in range(10):
    add("ssn", ["Write", "Prompt", "Bash"][i % 3], [f"SSN: {S.ssn()}", f"can you check why {S.ssn()} fails validation for the claim?", f"psql -c \"select * from members where ssn = '{S.ssn()}'\""][i % 3])
for i in range(4):
    add("ssn", "Write", f"social security number: {S.ssn().replace('-', '')}")
for i in range(5):
    add("mbi", "Prompt", [f"Medicare MBI {S.mbi()} shows as inactive", f"beneficiary id {S.mbi()}", f"MBI: {S.mbi(True)}", f"check eligibility for {S.mbi(True)}", f"mbi={S.mbi()}"][i])
for i in range(6):
    add("mrn", ["Write", "Prompt"][i % 2], [f"MRN: {S.rand('0123456789', 8)}", f"patient id {S.rand('0123456789', 7)} has a duplicate chart", f"Medical record number: A{S.rand('0123456789', 7)}", f"member id: W{S.rand('0123456789', 9)}", f"mrn={S.rand('0123456789', 9)}", f"Patient #: {S.rand('0123456789', 6)}"][i])
for i in range(8):
    add("dob,name", ["Write", "Prompt"][i % 2], f"Patient: {name(i)}\nDOB: {date(i)}")
for i in range(4):
    add("diagnosis,name", "Prompt", f"patient {name(i + 3)} was seen today, dx E11.{i + 1}, follow up in 3 months")
for i in range(3):
    add("age,diagnosis", "Write", f"92 y/o female, diagnosis I10, admitted from ED" if i == 0 else f"Age: {90 + i}, Dx: J44.{i}")
for i in range(3):
    add("npi,name", "Write", f"Patient: {name(i + 6)}\nReferring NPI: {S.npi()}")
for i in range(2):
    add("dea,name", "Write", f"Patient: {name(i + 8)}, prescriber DEA {S.dea()}")
for i in range(3):
    add("contact,name", "Prompt", f"Patient: {name(i + 1)}, call back at (555) 01{i}-20{i}1 or {first[i].lower()}.{last[i].lower()}@mailbox.org")
for i in range(3):
    add("contact,name", "Write", f"Patient: {name(i + 4)}\nAddress: {120 + i * 7} {['Maple', 'Harbor View', 'Oak'][i]} {['Street', 'Ave', 'Dr'][i]}, Springfield")
add("none", "Write", "Our office moved to 200 Harbor View Ave, Suite 4")
for i in range(5):
    add("hl7", "Write", f"MSH|^~\\&|EPIC|HOSP|||2024010{i}1200||ADT^A01|{i}|P|2.5\rPID|1||{S.rand('0123456789', 6)}^^^HOSP^MR||{last[i]}^{first[i]}||19{50 + i}0{i + 1}1{i}|F")
for i in range(4):
    add("fhir", "Write", json.dumps({"resourceType": "Patient", "name": [{"family": last[i], "given": [first[i]]}], "birthDate": f"19{40 + i}-0{i + 1}-1{i}"}))
for i in range(4):
    add("x12", "Write", f"ISA*00*          *00*~NM1*IL*1*{last[i].upper()}*{first[i].upper()}****MI*W{S.rand('0123456789', 9)}~DMG*D8*19{40 + i}0{i + 1}15*F~")
for i in range(4):
    add("dicom", "Write", f"(0010,0010) PN [{last[i]}^{first[i]}]\n(0010,0020) LO [{S.rand('0123456789', 7)}]")
# ---- PHI: hard negatives ----------------------------------------------------------------
phi_negs = [
    "SSN_RE = re.compile(r'^\\d{3}-\\d{2}-\\d{4}$')",
    "mask = 'XXX-XX-XXXX'",
    "assert not is_valid_ssn('000-12-3456')",
    "assert not is_valid_ssn('666-12-3456')",
    "assert not is_valid_ssn('900-12-3456')",
    "example SSN 078-05-1120 is the famous Woolworth specimen",
    "test_ssn = '123-45-6789'",
    "order number 482910375 shipped",
    "invoice 8472-19-2231-44 paid",
    "build 2024.03.14-4827 released",
    "timestamp 1700000000 (passes Luhn)",
    "NPI validation uses the Luhn algorithm with prefix 80840",
    "ICD10 = ['E11.9', 'E11.65', 'I10', 'J45.909']",
    "diagnosis codes are stored in dx_code (e.g. E11.9)",
    "Patient: John Doe\nDOB: 01/01/1970",
    "Patient: Jane Doe, SSN: XXX-XX-XXXX",
    "name: Test Patient",
    "{\"resourceType\": \"Patient\", \"name\": [{\"family\": \"<family>\"}], \"birthDate\": \"{{dob}}\"}",
    "{\"resourceType\": \"Practitioner\", \"name\": [{\"family\": \"Lopez\"}]}",
    "PID|1||||||",
    "if seg.startswith('PID|'): fields = seg.split('|')",
    "NM1*IL*1*DOE*JOHN****MI*XXXXXXXXX~",
    "(0010,0010) PN [ANONYMOUS]",
    "(0010,0010) Patient's Name tag is anonymised on export",
    "uuid 550E8400-E29B-41D4-A716-446655440000",
    "git sha 3f9a2c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39",
    "version 10.2.3-45-6789",
    "call the front desk at (555) 010-2001",
    "contact support@example.com for access",
    "DOB: 1984-03-12",
    "age: 92 (the building, in years)",
    "member id: XXXXXXXXX",
    "MRN: 0000000",
    "Medical record number format: 8 digits",
    "account number 1234567890 in the ledger test",
    "dea_regex = r'^[A-Z][A-Z9]\\d{7}$'",
    "the MBI format is 1EG4-TE5-MK73 style: 11 characters",
    "def validate_mbi(mbi: str) -> bool:",
    "Dr. Maria Lopez presented the quarterly results",
    "Meeting with Samuel Brandt at 3pm about the API",
    "SELECT ssn, dob FROM patients WHERE id = $1",
    "columns: patient_name, date_of_birth, mrn",
    "Lorem ipsum dolor sit amet, patient zero of the outage was the cache",
    "We saw 94 patients today in the clinic (aggregate count)",
    "diagnosis rates rose 12% in Q3",
    "phone regex: ^\\(\\d{3}\\) \\d{3}-\\d{4}$",
    "ZIP 02139 and state MA",
    "chmod 755 /srv/patients",
    "PATIENT_TABLE = 'patients_v2'",
    "dob = request.form['dob']",
    "card number 4111-1111-1111-1111 (test)",
    "flight LH 400-12-3456",
    "ticket ABC-123-45-6789",
    "2024-03-14 12:00:00 INFO patient sync finished in 123-45 ms",
]
for n in phi_negs:
    add("none", ["Write", "Prompt"][len(n) % 2], n)

def esc(t):
    return t.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")

out = os.path.join(os.path.dirname(__file__), "content.tsv")
with open(out, "w") as f:
    f.write("labels\ttool\ttext\n")
    for labels, tool, text in rows:
        f.write(f"{labels}\t{tool}\t{esc(text)}\n")
print(len(rows), "rows,", sum(1 for r in rows if r[0] != "none"), "positive")
