#!/usr/bin/env python3
"""Build tests/corpus/realistic.tsv and tests/corpus/realistic-holdout.tsv: developer traffic
as it looks in practice (prompts, SQL, fixtures, configs, CSV, HL7, X12, shell, MCP
arguments), written from templates before the detectors were read, with hard negatives at
least as many as positives.

Columns: label, tool, text. `label` is `phi:<shape>`, `secret:<shape>` or `none:<shape>`:
whether the row carries patient data or a live credential (what must not pass), and the
shape of text it is (for per-shape scores). tool is Write, Bash, Prompt or an MCP tool name
(text is then its JSON arguments). \\n, \\t and \\\\ are escaped.

Every fourth template of each family goes to the holdout file, whole: the holdout differs
from the built set in sentence shape, not only in values. The detectors are never tuned
against the holdout; only its score is printed. All values are synthetic.
Run it again to rebuild (the output is deterministic).
"""
import base64, json, os, random, sys
sys.path.insert(0, os.path.dirname(__file__))
import synth as S

rng = random.Random(20261203)
S.rng.seed(20261203)
HERE = os.path.dirname(os.path.abspath(__file__))

GIVEN = ["Maria", "James", "Aaliyah", "Wei", "José", "Siobhán", "Oluwaseun", "Priya", "Dmitri",
         "Fatima", "Hiroshi", "Guadalupe", "Thanh", "Keisha", "Mohammed", "Ingrid", "Rafael",
         "Nkechi", "Bartholomew", "Soo-jin", "Anastasia", "Tyrone", "Mei", "Ximena", "Emeka",
         "Lakshmi", "Björn", "Chidi", "Yolanda", "Rosalind", "Hamza", "Marisol", "Kwame", "Eleni"]
FAMILY = ["Lopez", "Okafor", "Nguyen", "Smith", "O'Connor", "Adebayo", "Patel", "Ivanov",
          "Haddad", "Tanaka", "Hernández", "Tran", "Washington", "Rahman", "Lindqvist",
          "Castillo", "Eze", "Kowalczyk", "Kim", "Papadopoulos", "Jackson", "Chen", "Ramírez",
          "Mensah", "Subramanian", "Johansson", "Nwosu", "García-Márquez", "Abernathy",
          "Al-Sayed", "Delacroix", "Mwangi", "Yilmaz", "Brennan-Walsh"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]

def name():
    return rng.choice(GIVEN), rng.choice(FAMILY)

def full():
    g, f = name()
    return f"{g} {f}"

def birth():
    return rng.randint(1931, 2012), rng.randint(1, 12), rng.randint(1, 28)

def d_us(d):
    y, m, dd = d
    return f"{m:02}/{dd:02}/{y}"

def d_iso(d):
    y, m, dd = d
    return f"{y}-{m:02}-{dd:02}"

def d_long(d):
    y, m, dd = d
    return f"{MONTHS[m - 1]} {dd}, {y}"

def d_euro(d):
    y, m, dd = d
    return f"{dd} {MONTHS[m - 1]} {y}"

def d_compact(d):
    y, m, dd = d
    return f"{y}{m:02}{dd:02}"

def any_date(d):
    return rng.choice([d_us, d_iso, d_long, d_euro])(d)

def recent():
    return rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28)

def phone():
    return f"({rng.choice(['617', '312', '415', '212', '713', '404', '206'])}) {rng.randint(201, 989)}-{rng.randint(1000, 9999)}"

def mrn():
    return rng.choice([f"MRN{rng.randint(10**6, 10**8)}", f"{rng.randint(10**6, 10**7)}", f"E{rng.randint(10**7, 10**8)}"])

def member_id():
    return rng.choice(["XK", "WBM", "ZGP", "HCA", "U"]) + str(rng.randint(10**7, 10**9))

def card():
    # Luhn-valid, not a published test number.
    while True:
        digits = [rng.choice("45")] + [str(rng.randint(0, 9)) for _ in range(14)]
        for check in "0123456789":
            if S.luhn_ok([int(c) for c in "".join(digits) + check]):
                n = "".join(digits) + check
                if n not in ("4111111111111111", "4242424242424242", "5555555555554444"):
                    return " ".join(n[i:i + 4] for i in range(0, 16, 4))

def zipc():
    return f"{rng.randint(1001, 99950):05}"

def tbl():
    return rng.choice(["patients", "members", "claims", "encounters", "subscribers", "people", "accounts", "visits", "orders", "users"])

def hexs(n):
    return S.rand("0123456789abcdef", n)

def b64url(n):
    return S.rand(S.ALNUM + "-_", n)

# ---- families: (label, tool, template function) ---------------------------------------
FAMILIES = {}
def family(name, rows):
    FAMILIES[name] = rows

# PHI: a name with a date of birth, in every common form
family("name-dob", [
    ("phi:prose-dob", "Prompt", lambda: f"Can you pull the chart for {full()}, born {d_long(birth())}? She was seen last week."),
    ("phi:prose-dob", "Prompt", lambda: f"Patient {full()}, DOB {d_us(birth())}, needs the discharge summary regenerated."),
    ("phi:prose-dob", "Write", lambda: (lambda g, f: f"{f}, {g} -- DOB: {d_iso(birth())} -- follow-up in 2 weeks\n")(*name())),
    ("phi:prose-dob", "Prompt", lambda: f"{full()} was born on {d_euro(birth())} and is allergic to penicillin; add that to the fixture."),
    ("phi:prose-dob", "Prompt", lambda: f"why does the lookup fail for {full()} (date of birth {d_us(birth())})?"),
    ("phi:prose-dob", "Write", lambda: f"# test data from prod\n# {full()} d.o.b. {d_iso(birth())}\n"),
    ("phi:prose-dob", "Prompt", lambda: f"the intake form for {full()} ({d_us(birth())}) shows the wrong insurer"),
    ("phi:prose-dob", "Bash", lambda: f"echo '{full()},{d_us(birth())}' >> /tmp/repro.csv"),
])
family("json-fixture", [
    ("phi:json", "Write", lambda: json.dumps({"name": full(), "dob": d_iso(birth()), "plan": "PPO"}, ensure_ascii=False)),
    ("phi:json", "Write", lambda: (lambda g, f: json.dumps({"first_name": g, "last_name": f, "birth_date": d_us(birth()), "zip": zipc()}, ensure_ascii=False, indent=2))(*name())),
    ("phi:json", "Write", lambda: (lambda g, f: json.dumps({"patient": {"given": [g], "family": f, "birthDate": d_iso(birth())}}, ensure_ascii=False))(*name())),
    ("phi:json", "Write", lambda: json.dumps({"member": {"id": member_id(), "fullName": full()}, "phone": phone()}, ensure_ascii=False)),
    ("phi:json", "Write", lambda: json.dumps([{"mrn": mrn(), "name": full(), "admitted": d_iso(recent())}], ensure_ascii=False)),
    ("phi:json", "Write", lambda: json.dumps({"subscriber": full(), "ssn": S.ssn(), "relationship": "self"}, ensure_ascii=False)),
    ("phi:json", "Write", lambda: "const patient = " + json.dumps({"name": full(), "dateOfBirth": d_iso(birth())}, ensure_ascii=False) + ";\n"),
    ("phi:json", "Write", lambda: json.dumps({"resourceType": "Patient", "name": [{"family": rng.choice(FAMILY), "given": [rng.choice(GIVEN)]}], "birthDate": d_iso(birth())}, ensure_ascii=False)),
])
family("sql", [
    ("phi:sql", "Bash", lambda: f"psql -c \"SELECT * FROM claims WHERE ssn = '{S.ssn()}'\""),
    ("phi:sql", "Write", lambda: (lambda g, f: f"INSERT INTO patients (first_name, last_name, dob, phone) VALUES ('{g}', '{f}', '{d_iso(birth())}', '{phone()}');\n")(*name())),
    ("phi:sql", "Bash", lambda: f"mysql -e \"UPDATE members SET phone='{phone()}' WHERE member_id='{member_id()}'\""),
    ("phi:sql", "Prompt", lambda: f"this query returns nothing: SELECT * FROM patients WHERE last_name = '{rng.choice(FAMILY)}' AND dob = '{d_iso(birth())}'"),
    ("phi:sql", "Write", lambda: f"-- repro for ticket 4412\nSELECT encounter_id FROM encounters WHERE mrn = '{mrn()}';\n"),
    ("phi:sql", "Write", lambda: f"INSERT INTO subscribers VALUES ({rng.randint(1, 999)}, '{full()}', '{S.ssn()}');\n"),
    ("phi:sql", "Bash", lambda: f"sqlite3 app.db \"insert into people(name, birthday) values ('{full()}', '{d_iso(birth())}')\""),
    ("phi:sql", "Prompt", lambda: f"explain why `WHERE patient_name = '{full()}' AND date_of_birth = '{d_us(birth())}'` is slow"),
])
family("yaml", [
    ("phi:yaml", "Write", lambda: f"member_id: '{member_id()}'\nname: {full()}\nplan: HMO\n"),
    ("phi:yaml", "Write", lambda: f"patient:\n  name: {full()}\n  dob: {d_iso(birth())}\n  mrn: {mrn()}\n"),
    ("phi:yaml", "Write", lambda: f"- full_name: \"{full()}\"\n  birthdate: \"{d_us(birth())}\"\n"),
    ("phi:yaml", "Write", lambda: f"fixtures:\n  subscriber:\n    ssn: \"{S.ssn()}\"\n    first: {rng.choice(GIVEN)}\n"),
    ("phi:yaml", "Write", lambda: f"contact:\n  name: {full()}\n  phone: \"{phone()}\"\n  age: {rng.randint(90, 104)}\n"),
    ("phi:yaml", "Write", lambda: f"seed:\n  - mrn: \"{mrn()}\"\n    patient: {full()}\n"),
    ("phi:yaml", "Write", lambda: f"beneficiary: {full()}\nmedicare_id: {S.mbi(dashed=rng.random() < 0.5)}\n"),
    ("phi:yaml", "Write", lambda: f"insured:\n  last_name: {rng.choice(FAMILY)}\n  first_name: {rng.choice(GIVEN)}\n  date_of_birth: {d_iso(birth())}\n"),
])
family("csv", [
    ("phi:csv", "Write", lambda: "first_name,last_name,dob,zip\n" + "".join(f"{g},{f},{d_us(birth())},{zipc()}\n" for g, f in [name() for _ in range(3)])),
    ("phi:csv", "Write", lambda: "mrn,name,admit_date\n" + "".join(f"{mrn()},{full()},{d_iso(recent())}\n" for _ in range(3))),
    ("phi:csv", "Write", lambda: "patient_id\tssn\tplan\n" + "".join(f"{rng.randint(1000, 9999)}\t{S.ssn()}\tPPO\n" for _ in range(2))),
    ("phi:csv", "Bash", lambda: "printf 'name,phone,age\\n" + f"{full()},{phone()},{rng.randint(90, 101)}\\n' > sample.csv"),
    ("phi:csv", "Write", lambda: "MemberID,FullName,DOB\n" + "".join(f"{member_id()},\"{f}, {g}\",{d_us(birth())}\n" for g, f in [name() for _ in range(2)])),
    ("phi:csv", "Write", lambda: "\"Last\",\"First\",\"Birth Date\"\n" + "".join(f"\"{f}\",\"{g}\",\"{d_iso(birth())}\"\n" for g, f in [name() for _ in range(2)])),
    ("phi:csv", "Write", lambda: "id;patient;dob\n" + "".join(f"{i};{full()};{d_euro(birth())}\n" for i in range(1, 3))),
    ("phi:csv", "Write", lambda: "subscriber_name,subscriber_ssn\n" + "".join(f"{full()},{S.ssn()}\n" for _ in range(2))),
])
family("hl7-x12", [
    ("phi:x12", "Write", lambda: (lambda g, f: f"NM1*IL*1*{f.upper()}*{g.upper()}****MI*{member_id()}~\nDMG*D8*{d_compact(birth())}*F~\n")(*name())),
    ("phi:hl7", "Write", lambda: (lambda g, f: f"MSH|^~\\&|EPIC|HOSP|||202603141015||ADT^A01|1|P|2.5\nPID|1||{mrn()}^^^HOSP^MR||{f.upper()}^{g.upper()}||{d_compact(birth())}|F\n")(*name())),
    ("phi:x12", "Write", lambda: (lambda g, f: f"ISA*00*          *00*          *ZZ*SUBMITTER*ZZ*RECEIVER*260314*1015*^*00501*000000001*0*P*:~\nNM1*QC*1*{f.upper()}*{g.upper()}~\n")(*name())),
    ("phi:hl7", "Bash", lambda: (lambda g, f: f"echo 'PID|1||{mrn()}||{f}^{g}^A||{d_compact(birth())}|M' | nc hl7-test 2575")(*name())),
    ("phi:x12", "Write", lambda: (lambda g, f: f"NM1*85*2*CLINIC~\nNM1*IL*1*{f.upper()}*{g.upper()}*M***MI*{member_id()}~\n")(*name())),
    ("phi:hl7", "Write", lambda: (lambda g, f: f"PID|||{mrn()}||{f.upper()}^{g.upper()}||{d_compact(birth())}|M|||1 MAIN ST^^BOSTON^MA^{zipc()}\n")(*name())),
    ("phi:x12", "Prompt", lambda: (lambda g, f: f"the 837 parser chokes on NM1*IL*1*{f.upper()}*{g.upper()}****MI*{member_id()}~ any idea?")(*name())),
    ("phi:hl7", "Prompt", lambda: (lambda g, f: f"our ADT feed sent PID|1||{mrn()}^^^MR||{f.upper()}^{g.upper()}||{d_compact(birth())}|F and it was rejected")(*name())),
])
family("ids-in-urls", [
    ("phi:url", "Bash", lambda: f"curl -s https://ehr.internal/api/patients/{mrn()}/chart?name={rng.choice(GIVEN)}+{rng.choice(FAMILY)}"),
    ("phi:url", "Bash", lambda: f"curl https://claims.internal/v2/members/{member_id()}/eligibility?dob={d_iso(birth())}"),
    ("phi:url", "Prompt", lambda: f"GET /patients?ssn={S.ssn()} returns 500, why?"),
    ("phi:url", "Bash", lambda: f"http GET https://fhir.internal/Patient?family={rng.choice(FAMILY)}&birthdate={d_iso(birth())}"),
    ("phi:url", "Bash", lambda: f"wget -qO- 'https://portal.internal/lookup?patient={rng.choice(GIVEN)}%20{rng.choice(FAMILY)}&dob={d_us(birth())}'"),
    ("phi:url", "Prompt", lambda: f"open https://ehr.internal/chart/{mrn()} and summarise {full()}'s last visit"),
    ("phi:url", "Bash", lambda: f"curl -X DELETE https://crm.internal/contacts/{member_id()}?phone={phone().replace(' ', '')}&name={full().replace(' ', '+')}"),
    ("phi:url", "Bash", lambda: f"curl 'https://api.internal/members?medicare_id={S.mbi()}'"),
])
family("mcp-args", [
    ("phi:mcp", "mcp__crm__create_contact", lambda: json.dumps({"name": full(), "birthdate": d_iso(birth()), "phone": phone()}, ensure_ascii=False)),
    ("phi:mcp", "mcp__ehr__search", lambda: json.dumps({"query": f"{full()} born {d_us(birth())}"}, ensure_ascii=False)),
    ("phi:mcp", "mcp__slack__post_message", lambda: json.dumps({"channel": "#billing", "text": f"{full()} SSN {S.ssn()} needs a refund"}, ensure_ascii=False)),
    ("phi:mcp", "mcp__bi__run_query", lambda: json.dumps({"sql": f"select * from members where member_id = '{member_id()}' and last_name = '{rng.choice(FAMILY)}'"}, ensure_ascii=False)),
    ("phi:mcp", "mcp__jira__create_issue", lambda: json.dumps({"summary": "Eligibility bug", "description": f"Fails for {full()} (DOB {d_iso(birth())}, member {member_id()})"}, ensure_ascii=False)),
    ("phi:mcp", "mcp__crm__update", lambda: json.dumps({"record": {"patient_name": full(), "mrn": mrn()}}, ensure_ascii=False)),
    ("phi:mcp", "mcp__mail__send", lambda: json.dumps({"to": "billing@example.org", "body": f"Card on file for {full()}: {card()}"}, ensure_ascii=False)),
    ("phi:mcp", "mcp__notes__append", lambda: json.dumps({"text": f"{full()}, age {rng.randint(90, 103)}, call {phone()}"}, ensure_ascii=False)),
])
family("ssn-card-age", [
    ("phi:ssn", "Prompt", lambda: f"{full()}'s last four of the SSN is {rng.randint(1000, 9999)}, can you find the claim?"),
    ("phi:card", "Prompt", lambda: f"patient {full()} paid with {card()} but the charge failed"),
    ("phi:age", "Prompt", lambda: f"{full()}, {rng.randint(90, 104)} years old, phone {phone()}, wants a callback"),
    ("phi:ssn", "Write", lambda: f"SSN: {S.ssn()}\n"),
    ("phi:ssn", "Bash", lambda: f"grep -r '{S.ssn()}' exports/"),
    ("phi:card", "Write", lambda: f"billing_name={full()}\ncard_number={card().replace(' ', '')}\n"),
    ("phi:age", "Write", lambda: f"{full()} (age {rng.randint(90, 104)}) was admitted {d_us(recent())}\n"),
    ("phi:ssn", "Prompt", lambda: f"the member with social security number {S.ssn().replace('-', ' ')} is duplicated"),
])
# PHI negatives: the same vocabulary without patient data
family("neg-names-dates", [
    ("none:name-alone", "Prompt", lambda: f"Thanks {full()} for reviewing the PR, I'll merge it after lunch."),
    ("none:release-date", "Write", lambda: f"## v{rng.randint(1, 9)}.{rng.randint(0, 20)}.0 - released {d_iso(recent())}\n- fixed the login redirect\n"),
    ("none:git-log", "Bash", lambda: f"git log --author='{full()}' --since={d_iso(recent())}"),
    ("none:timestamp", "Write", lambda: json.dumps({"created_at": d_iso(recent()) + "T10:15:02Z", "status": "ok", "retries": 3})),
    ("none:git-log", "Write", lambda: f"commit {hexs(40)}\nAuthor: {full()} <dev{rng.randint(1, 99)}@example.com>\nDate:   {d_long(recent())}\n\n    Fix flaky test\n"),
    ("none:name-alone", "Write", lambda: f"# Maintainers\n- {full()} (@dev{rng.randint(1, 99)})\n- {full()}\n"),
    ("none:release-date", "Prompt", lambda: f"the cert expires on {d_us(recent())}, renew it before then"),
    ("none:name-alone", "Prompt", lambda: f"ask {full()} from the platform team about the Terraform state lock"),
])
family("neg-schema", [
    ("none:schema", "Write", lambda: f"CREATE TABLE {tbl()} (\n  id SERIAL PRIMARY KEY,\n  ssn CHAR(11) NOT NULL,\n  {rng.choice(['dob', 'birth_date', 'date_of_birth'])} DATE,\n  last_name TEXT\n);\n"),
    ("none:schema", "Bash", lambda: f"psql -c 'SELECT first_name, last_name, dob FROM {tbl()} LIMIT {rng.randint(0, 50)}'"),
    ("none:schema", "Write", lambda: ",".join(rng.sample(["first_name", "last_name", "dob", "zip", "mrn", "ssn", "member_id", "phone"], rng.randint(3, 6))) + "\n"),
    ("none:schema", "Write", lambda: json.dumps({"title": tbl(), "type": "object", "properties": {rng.choice(["dob", "birthDate"]): {"type": "string", "format": "date"}, "ssn": {"type": "string", "pattern": "^\\d{3}-\\d{2}-\\d{4}$"}}})),
    ("none:schema", "Write", lambda: f"def {rng.choice(['is_over_89', 'needs_age_mask', 'hipaa_age'])}({rng.choice(['patient', 'member', 'p'])}):\n    return {rng.choice(['patient', 'member', 'p'])}.age > 89\n"),
    ("none:schema", "Write", lambda: f"interface {tbl().title()} {{\n  name: string;\n  dateOfBirth: Date;\n  {rng.choice(['mrn', 'memberId', 'ssn'])}: string;\n}}\n"),
    ("none:schema", "Prompt", lambda: f"add a migration that makes {tbl()}.{rng.choice(['dob', 'ssn', 'phone'])} nullable and indexes {rng.choice(['member_id', 'mrn', 'last_name'])}"),
    ("none:schema", "Write", lambda: f"NM1*IL*1*{{last}}*{{first}}****MI*{{{rng.choice(['member_id', 'subscriber_id', 'id'])}}}~\n"),
])
family("neg-numbers", [
    ("none:invalid-ssn", "Write", lambda: f"ssn_example: \"{rng.choice(['000', '666', '900', '987'])}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}\"\n"),
    ("none:test-card", "Write", lambda: f"STRIPE_TEST_CARD={rng.choice(['4242 4242 4242 4242', '4111 1111 1111 1111', '5555 5555 5555 4444'])}\n"),
    ("none:uuid", "Write", lambda: f"request_id={S.rand('0123456789abcdef', 8)}-{hexs(4)}-4{hexs(3)}-a{hexs(3)}-{hexs(12)}\n"),
    ("none:hash", "Bash", lambda: f"echo {hexs(64)}  dist/app.tar.gz | sha256sum -c"),
    ("none:order", "Prompt", lambda: f"order {rng.randint(10**6, 10**7)} shipped on {d_us(recent())} to zip {zipc()}"),
    ("none:phone-support", "Write", lambda: f"Support line: {phone()} (weekdays 9-5)\n"),
    ("none:invalid-ssn", "Prompt", lambda: "the SSN field must match XXX-XX-XXXX, reject 123-45-0000"),
    ("none:version", "Write", lambda: f"version = \"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}\"\nbuild = {rng.randint(1000, 9999)}\n"),
])
family("neg-code", [
    ("none:code", "Write", lambda: f"SELECT COUNT(*) FROM {tbl()} WHERE admitted_at > now() - interval '{rng.randint(1, 90)} days';\n"),
    ("none:code", "Bash", lambda: f"kubectl -n prod scale deploy/api --replicas={rng.randint(2, 9)}"),
    ("none:code", "Write", lambda: f"for (const p of {tbl()}) {{\n  if (p.age > 89) p.age = '90+';\n}}\n"),
    ("none:code", "Prompt", lambda: f"write a function that masks every {rng.choice(['SSN', 'MRN', 'member id', 'phone number'])} and date of birth in {rng.choice(['a log line', 'the CSV export', 'HL7 messages'])}"),
    ("none:code", "Write", lambda: f"{rng.choice(['born_at', 'dob', 'birth_date'])} = models.DateField(null={rng.choice(['True', 'False'])})  # date of birth\n"),
    ("none:code", "Bash", lambda: f"grep -rn '{rng.choice(['member_id', 'ssn', 'dob', 'patient_name'])}' {rng.choice(['src/', 'lib/', 'migrations/'])} | head -{rng.randint(5, 50)}"),
    ("none:code", "Write", lambda: f"export function {rng.choice(['formatName', 'displayName', 'sortKey'])}(first: string, last: string) {{\n  return `${{last}}, ${{first}}`;\n}}\n"),
    ("none:code", "Prompt", lambda: f"the nightly job started at {d_iso(recent())} 02:00 and took {rng.randint(2, 90)} minutes"),
])

# Secrets: the families gitleaks covers, and credentials in the places they turn up
def gcp_sa():
    key = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(S.rand(S.ALNUM + "+/", 64) for _ in range(6)) + "\n-----END PRIVATE KEY-----\n"
    return json.dumps({"type": "service_account", "project_id": "acme-prod", "private_key_id": hexs(40), "private_key": key, "client_email": "ci@acme-prod.iam.gserviceaccount.com"})

family("secret-providers", [
    ("secret:huggingface", "Write", lambda: f"HF_TOKEN=hf_{S.rand('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 34)}\n"),
    ("secret:vault", "Bash", lambda: f"export VAULT_TOKEN=hvs.{S.rand(S.ALNUM + '_-', 90)}"),
    ("secret:azure-ad", "Write", lambda: f"AZURE_CLIENT_SECRET={S.rand(S.ALNUM, 3)}{rng.randint(0, 9)}Q~{S.rand(S.ALNUM + '_~.-', 34)}\n"),
    ("secret:digitalocean", "Write", lambda: f"DIGITALOCEAN_TOKEN=dop_v1_{hexs(64)}\n"),
    ("secret:twilio", "Write", lambda: f"TWILIO_API_KEY=SK{hexs(32)}\nTWILIO_API_SECRET={S.rand(S.ALNUM, 32)}\n"),
    ("secret:databricks", "Bash", lambda: f"databricks configure --token <<< 'dapi{hexs(32)}'"),
    ("secret:shopify", "Write", lambda: f"SHOPIFY_ACCESS_TOKEN=shpat_{hexs(32)}\n"),
    ("secret:postman", "Write", lambda: f"POSTMAN_API_KEY=PMAK-{hexs(24)}-{hexs(34)}\n"),
    ("secret:doppler", "Bash", lambda: f"doppler run --token dp.pt.{S.rand(S.ALNUM, 43)} -- npm start"),
    ("secret:atlassian", "Write", lambda: f"JIRA_API_TOKEN=ATATT3x{b64url(180)}={hexs(8).upper()}\n"),
    ("secret:datadog", "Write", lambda: f"DD_API_KEY={hexs(32)}\nDD_APP_KEY={hexs(40)}\n"),
    ("secret:heroku", "Write", lambda: f"HEROKU_API_KEY={hexs(8)}-{hexs(4)}-{hexs(4)}-{hexs(4)}-{hexs(12)}\n"),
])
family("secret-places", [
    ("secret:gcp-sa", "Write", gcp_sa),
    ("secret:basic-auth", "Bash", lambda: f"curl -u deploy:{S.rand(S.ALNUM, 18)} https://ci.internal/api/trigger"),
    ("secret:basic-auth", "Bash", lambda: "curl -H 'Authorization: Basic " + base64.b64encode(f"svc-build:{S.rand(S.ALNUM, 16)}".encode()).decode() + "' https://nexus.internal/"),
    ("secret:k8s-secret", "Write", lambda: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: " + base64.b64encode(S.rand(S.ALNUM, 20).encode()).decode() + "\n"),
    ("secret:jdbc", "Write", lambda: f"spring.datasource.url=jdbc:sqlserver://db.internal:1433;databaseName=claims;user=svc;password={S.rand(S.ALNUM, 16)}\n"),
    ("secret:jdbc", "Write", lambda: f"Server=tcp:sql.internal,1433;Database=ehr;User ID=app;Pwd={S.rand(S.ALNUM, 14)};Encrypt=true\n"),
    ("secret:url-query", "Bash", lambda: f"curl 'https://legacy.internal/login?user=ops&password={S.rand(S.ALNUM, 14)}'"),
    ("secret:inline-cli", "Bash", lambda: f"mysql -h db.internal -u root -p{S.rand(S.ALNUM, 14)} claims"),
    ("secret:inline-cli", "Bash", lambda: f"PGPASSWORD={S.rand(S.ALNUM, 16)} psql -h db.internal -U app ehr"),
    ("secret:inline-cli", "Bash", lambda: f"sshpass -p '{S.rand(S.ALNUM, 12)}' ssh ops@bastion.internal"),
    ("secret:inline-cli", "Bash", lambda: f"docker login -u ci -p {S.rand(S.ALNUM, 20)} registry.internal"),
    ("secret:chat", "mcp__slack__post_message", lambda: json.dumps({"channel": "#deploys", "text": f"use this one: {S.github()}"})),
])
family("secret-assembled", [
    ("secret:quote-split", "Bash", lambda: (lambda t: f"export GH_TOKEN={t[:12]}''{t[12:]}")(S.github())),
    ("secret:joined", "Bash", lambda: (lambda t: f"T={t[:15]}; T=${{T}}{t[15:]}; curl -H \"Authorization: token $T\" https://api.github.com/user")(S.github())),
    ("secret:concatenated", "Write", lambda: (lambda t: f"const token = '{t[:14]}' + '{t[14:]}';\n")(S.github())),
    ("secret:encoded", "Bash", lambda: f"echo {base64.b64encode(S.github().encode()).decode()} | base64 -d > ~/.token"),
    ("secret:encoded", "Write", lambda: f"GITHUB_TOKEN_HEX={S.github().encode().hex()}\n"),
    ("secret:url-query", "mcp__fetch__fetch", lambda: json.dumps({"url": f"https://api.example.com/v1/items?api_key=sk_live_{S.rand(S.ALNUM, 28)}"})),
    ("secret:concatenated", "Write", lambda: (lambda t: f"key = \"{t[:10]}\" \\\n    \"{t[10:]}\"\n")("AKIA" + S.rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16))),
    ("secret:quote-split", "Bash", lambda: (lambda t: f"curl -H \"Authorization: Bearer \"'{t[:20]}'\"{t[20:]}\" https://api.openai.com/v1/models")("sk-proj-" + S.rand(S.ALNUM, 40) + "T3BlbkFJ" + S.rand(S.ALNUM, 40))),
])
family("neg-secrets", [
    ("none:secret-name", "Write", lambda: f"secret_name = \"{rng.choice(['prod', 'staging', 'ci'])}-{rng.choice(['db', 'api', 'smtp'])}-credentials\"\nregion = \"{rng.choice(['us-east-1', 'eu-west-2'])}\"\n"),
    ("none:example-key", "Write", lambda: "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"),
    ("none:placeholder", "Write", lambda: f"{rng.choice(['GITHUB_TOKEN', 'HF_TOKEN', 'DD_API_KEY', 'VAULT_TOKEN'])}={rng.choice(['<your-token-here>', '${TOKEN}', 'changeme', 'xxxxxxxx', 'TODO'])}\n"),
    ("none:env-template", "Write", lambda: f"# .env.example\nDATABASE_URL=postgres://user:password@localhost:{rng.randint(5000, 6000)}/{tbl()}\nSTRIPE_KEY=sk_test_...\n"),
    ("none:hash", "Write", lambda: f"integrity: sha512-{base64.b64encode(bytes(rng.randrange(256) for _ in range(64))).decode()}\n"),
    ("none:git-sha", "Bash", lambda: f"git checkout {hexs(40)}"),
    ("none:vault-path", "Bash", lambda: f"vault kv get -field={rng.choice(['password', 'token', 'api_key'])} secret/{rng.choice(['prod', 'staging'])}/{tbl()}"),
    ("none:k8s-ref", "Write", lambda: f"env:\n  - name: {rng.choice(['DB_PASSWORD', 'API_TOKEN'])}\n    valueFrom:\n      secretKeyRef:\n        name: {tbl()}\n        key: password\n"),
    ("none:cli-prompt", "Bash", lambda: f"mysql -h db.internal -u {rng.choice(['root', 'app', 'ro'])} -p {tbl()}"),
    ("none:cli-prompt", "Bash", lambda: f"docker login --password-stdin -u {rng.choice(['ci', 'bot'])} registry.internal < /run/secrets/{tbl()}"),
    ("none:docs", "Prompt", lambda: f"how do I rotate the {rng.choice(['Twilio', 'Datadog', 'Shopify', 'Postman', 'Doppler'])} API key without downtime in {tbl()}?"),
    ("none:uuid", "Write", lambda: f"trace_id: {hexs(8)}-{hexs(4)}-{hexs(4)}-{hexs(4)}-{hexs(12)}\n"),
])

# Added in session 9, after the families above (appended so their rows stay as they were):
# shapes the first families did not have, written before running them through toolgate.
family("phi-more-shapes", [
    ("phi:js-object", "Write", lambda: f"const fixture = {{ name: '{full()}', dob: '{d_iso(birth())}' }};\n"),
    ("phi:log-line", "Write", lambda: f"{d_iso(recent())}T10:15:02Z INFO eligibility lookup patient=\"{full()}\" dob={d_iso(birth())} result=denied\n"),
    ("phi:fhir-xml", "Write", lambda: (lambda g, f: f"<Patient><name><family value=\"{f}\"/><given value=\"{g}\"/></name><birthDate value=\"{d_iso(birth())}\"/></Patient>\n")(*name())),
    ("phi:python-call", "Write", lambda: (lambda g, f, d: f"p = Patient(first_name=\"{g}\", last_name=\"{f}\", dob=date({d[0]}, {d[1]}, {d[2]}))\n")(*name(), birth())),
    ("phi:markdown-table", "Write", lambda: f"| Patient | DOB |\n|---|---|\n| {full()} | {d_us(birth())} |\n| {full()} | {d_us(birth())} |\n"),
    ("phi:spanish", "Prompt", lambda: f"la paciente {full()}, fecha de nacimiento {d_euro(birth())}, pide una copia del expediente"),
    ("phi:email", "Prompt", lambda: (lambda g, f: f"Subject: Re: claim {rng.randint(10000, 99999)}\n\nHi team, {g} {f} (DOB {d_us(birth())}) called about the denial again.")(*name())),
    ("phi:last-first-mrn", "Write", lambda: (lambda g, f: f"{f}, {g}  MRN {mrn()}  admitted {d_us(recent())}\n")(*name())),
])
family("neg-more-shapes", [
    ("none:placeholder", "Write", lambda: f"const fixture = {{ name: 'Jane Doe', dob: '{rng.choice(['YYYY-MM-DD', '', 'TBD'])}' }};\n"),
    ("none:log-line", "Write", lambda: f"{d_iso(recent())}T10:15:02Z INFO eligibility lookup members={rng.randint(1, 9)} result=ok took={rng.randint(3, 900)}ms\n"),
    ("none:template", "Write", lambda: f"<Patient><name><family value=\"{{{{family}}}}\"/></name><birthDate value=\"{{{{{rng.choice(['birthDate', 'dob'])}}}}}\"/></Patient>\n"),
    ("none:schema", "Write", lambda: f"@dataclass\nclass {tbl().title().replace('_', '')}:\n    first_name: str\n    last_name: str\n    dob: date\n"),
    ("none:release-date", "Write", lambda: f"| Version | Date |\n|---|---|\n| 2.{rng.randint(0, 30)}.0 | {d_us(recent())} |\n"),
    ("none:name-date", "Prompt", lambda: f"el equipo de {full()} publicó la versión {rng.randint(2, 9)}.{rng.randint(0, 20)} el {d_euro(recent())}"),
    ("none:email", "Prompt", lambda: f"Subject: Re: deploy\n\nHi {rng.choice(GIVEN)}, the rollout on {d_us(recent())} went fine; {full()} signed it off."),
    ("none:name-date", "Write", lambda: (lambda g, f: f"{f}, {g} reviewed PR #{rng.randint(100, 9999)} on {d_iso(recent())}\n")(*name())),
])

# Added in session 10, after the families above, the same way: shapes of traffic the earlier
# families lack (updates, exceptions, query strings, GraphQL variables, header-less CSV,
# clinical notes, constructors, Spanish month names), each with a look-alike negative.
MESES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
         "octubre", "noviembre", "diciembre"]

def d_es(d):
    y, m, dd = d
    return f"{dd} de {MESES[m - 1]} de {y}"

family("phi-shapes-3", [
    ("phi:sql-update", "Bash", lambda: (lambda g, f: f"psql -c \"UPDATE {rng.choice(['patients', 'members'])} SET dob = '{d_iso(birth())}' WHERE last_name = '{f}' AND first_name = '{g}';\"")(*name())),
    ("phi:exception", "Prompt", lambda: (lambda g, f, d: f"getting this in prod, any idea?\nValueError: invalid record Patient(name='{g} {f}', dob=datetime.date({d[0]}, {d[1]}, {d[2]}), mrn='{mrn()}')")(*name(), birth())),
    ("phi:query-string", "Bash", lambda: (lambda g, f: f"curl -s 'https://ehr.internal.example.org/api/patients/search?last={f}&first={g}&dob={d_iso(birth())}'")(*name())),
    ("phi:graphql-vars", "mcp__graphql__query", lambda: (lambda g, f: json.dumps({"query": "query($last: String!, $dob: Date!) { patient(lastName: $last, dob: $dob) { id } }", "variables": {"last": f, "first": g, "dob": d_iso(birth())}}))(*name())),
    ("phi:csv-no-header", "Write", lambda: "".join((lambda g, f: f"{f},{g},{d_iso(birth())},{rng.choice('MF')},{phone()}\n")(*name()) for _ in range(3))),
    ("phi:clinical-note", "Prompt", lambda: f"{rng.randint(90, 99)} y/o {rng.choice(['male', 'female'])}, {full()}, presented with chest pain; MRN {mrn()}. Summarise for the handoff."),
    ("phi:constructor", "Write", lambda: (lambda g, f, d: f"Patient p = new Patient(\"{g}\", \"{f}\", LocalDate.of({d[0]}, {d[1]}, {d[2]}));\n")(*name(), birth())),
    ("phi:spanish-months", "Prompt", lambda: f"el paciente {full()}, nacido el {d_es(birth())}, no aparece en la lista de citas"),
])
family("neg-shapes-3", [
    ("none:sql-update", "Bash", lambda: (lambda g, f: f"psql -c \"UPDATE employees SET team = 'platform' WHERE last_name = '{f}' AND first_name = '{g}';\"")(*name())),
    ("none:exception", "Prompt", lambda: (lambda d: f"getting this in CI, any idea?\nValueError: invalid release Release(name='v{rng.randint(1, 9)}.{rng.randint(0, 20)}', date=datetime.date({d[0]}, {d[1]}, {d[2]}))")(recent())),
    ("none:query-string", "Bash", lambda: f"curl -s 'https://git.internal.example.org/api/commits?author={rng.choice(FAMILY)}&since={d_iso(recent())}'"),
    ("none:graphql-schema", "mcp__graphql__query", lambda: json.dumps({"query": "query($last: String!, $dob: Date!) { patient(lastName: $last, dob: $dob) { id } }", "variables": {"last": "$LAST", "dob": "$DOB"}})),
    ("none:csv-no-header", "Write", lambda: "".join(f"{rng.choice(['api', 'web', 'worker'])},{d_iso(recent())},{rng.randint(1, 500)},{rng.choice(['ok', 'fail'])}\n" for _ in range(3))),
    ("none:note-template", "Write", lambda: "{{age}} y/o {{sex}}, {{patient_name}}, presented with {{complaint}}; MRN {{mrn}}.\n"),
    ("none:constructor", "Write", lambda: (lambda d: f"Release r = new Release(\"{rng.randint(1, 9)}.{rng.randint(0, 20)}\", LocalDate.of({d[0]}, {d[1]}, {d[2]}));\n")(recent())),
    ("none:spanish-months", "Prompt", lambda: f"la versión {rng.randint(2, 9)}.{rng.randint(0, 20)} fue publicada el {d_es(recent())} por {full()}"),
])

# More prose around a date of birth, in English and Spanish, each with a look-alike negative.
family("phi-prose-4", [
    ("phi:prose-dob", "Prompt", lambda: f"{full()} (born {d_us(birth())}) is still on the waitlist for cardiology"),
    ("phi:prose-dob", "Prompt", lambda: f"Spoke with patient {full()} today; her birthday is {d_long(birth())} and she asked about the bill"),
    ("phi:prose-dob", "Write", lambda: f"- {full()}, DOB {d_compact(birth())}, referred by Dr. {rng.choice(FAMILY)}\n"),
    ("phi:prose-dob", "Prompt", lambda: f"Reminder: {full()}'s date of birth is listed as {d_euro(birth())} in the old system"),
    ("phi:spanish", "Prompt", lambda: f"Paciente: {full()} · fecha de nacimiento: {d_es(birth())} · alergias: ninguna"),
    ("phi:spanish", "Prompt", lambda: f"la señora {full()} nació el {d_es(birth())} y tiene cita el lunes"),
    ("phi:prose-dob", "Prompt", lambda: f"Ticket: wrong DOB for {full()}, should be {d_us(birth())} not {d_us(birth())}"),
    ("phi:prose-dob", "Write", lambda: (lambda g, f: f"{g} {f} b. {d_iso(birth())}, MRN {mrn()}\n")(*name())),
])
family("neg-prose-4", [
    ("none:name-date", "Prompt", lambda: f"{full()} (joined {d_us(recent())}) is on the platform team now"),
    ("none:name-date", "Prompt", lambda: f"Spoke with {full()} today; the release is {d_long(recent())} and she asked about the changelog"),
    ("none:name-date", "Write", lambda: f"- {full()}, v{rng.randint(1, 9)}.{rng.randint(0, 20)}, built {d_compact(recent())}\n"),
    ("none:name-date", "Prompt", lambda: f"Reminder: {full()}'s start date is listed as {d_euro(recent())} in the old system"),
    ("none:spanish", "Prompt", lambda: f"Versión: {rng.randint(1, 9)}.{rng.randint(0, 20)} · fecha de publicación: {d_es(recent())} · cambios: pocos"),
    ("none:spanish", "Prompt", lambda: f"la reunión con {full()} es el {d_es(recent())} a las diez"),
    ("none:name-date", "Prompt", lambda: f"Ticket: wrong deadline for {full()}, should be {d_us(recent())} not {d_us(recent())}"),
    ("none:name-date", "Write", lambda: (lambda g, f: f"{g} {f} pushed {d_iso(recent())}, build {rng.randint(1000, 9999)}\n")(*name())),
])

# Prose the way support staff and developers write it in tickets, chat and commits, each
# with a look-alike negative.
family("phi-prose-5", [
    ("phi:prose-dob", "Prompt", lambda: f"can you check why {full()} ({d_iso(birth())}) shows twice in the member search?"),
    ("phi:prose-dob", "Prompt", lambda: f"Caller: {full()}\nDate of Birth: {d_long(birth())}\nReason: billing question"),
    ("phi:prose-dob", "Write", lambda: f"## Repro\n1. Log in as admin\n2. Open patient {full()}, birthdate {d_us(birth())}\n3. Click Export\n"),
    ("phi:prose-dob", "Prompt", lambda: f"fix the age calc, {full()} was born {d_us(birth())} and the UI says {rng.randint(1, 9)}"),
    ("phi:prose-dob", "Bash", lambda: f"git commit -m 'fix dedupe for {full()} dob {d_iso(birth())}'"),
    ("phi:prose-dob", "Prompt", lambda: f"{full()}, {rng.randint(20, 88)}F, DOB {d_us(birth())}, c/o headaches x3 days"),
    ("phi:prose-dob", "Prompt", lambda: (lambda g, f: f"Hi, it's {g}. My mother {g} {f} (born {d_long(birth())}) can't log in to the portal.")(*name())),
    ("phi:prose-dob", "Write", lambda: f"// TODO remove: real record from ticket {rng.randint(1000, 9999)}: {full()} {d_us(birth())}\n"),
])
family("neg-prose-5", [
    ("none:name-date", "Prompt", lambda: f"can you check why {full()} ({d_iso(recent())}) shows twice in the commit log?"),
    ("none:name-date", "Prompt", lambda: f"Caller: {full()}\nDate: {d_long(recent())}\nReason: billing question"),
    ("none:name-date", "Write", lambda: f"## Repro\n1. Log in as admin\n2. Open report {rng.randint(100, 999)}, created {d_us(recent())}\n3. Click Export\n"),
    ("none:name-date", "Prompt", lambda: f"fix the age calc, the test user was born {{{{dob}}}} and the UI says {rng.randint(1, 9)}"),
    ("none:name-date", "Bash", lambda: f"git commit -m 'release notes for {d_iso(recent())}, thanks {full()}'"),
    ("none:name-date", "Prompt", lambda: f"{full()}, on call, {d_us(recent())}, paged x3 for disk alerts"),
    ("none:name-date", "Prompt", lambda: (lambda g, f: f"Hi, it's {g}. My manager {rng.choice(GIVEN)} {f} (since {d_long(recent())}) can't log in to the portal.")(*name())),
    ("none:name-date", "Write", lambda: f"// TODO remove after {d_us(recent())} ({full()})\n"),
])

REPEAT = {"neg-names-dates": 26, "neg-schema": 22, "neg-numbers": 26, "neg-code": 24, "neg-secrets": 14,
          "neg-more-shapes": 10, "neg-shapes-3": 10, "neg-prose-4": 10, "neg-prose-5": 10}

def main():
    built, holdout = [], []
    for fam, templates in FAMILIES.items():
        n = REPEAT.get(fam, 7 if not fam.startswith("secret") else 5)
        for t, (label, tool, make) in enumerate(templates):
            target = holdout if t % 4 == 3 else built
            seen = set()
            for _ in range(n):
                text = make()
                if text in seen:
                    continue
                seen.add(text)
                target.append((label, tool, text))
    def esc(s):
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    for name, rows in [("realistic.tsv", built), ("realistic-holdout.tsv", holdout)]:
        with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
            f.write("label\ttool\ttext\n")
            for label, tool, text in rows:
                f.write(f"{label}\t{tool}\t{esc(text)}\n")
        pos = sum(1 for r in rows if not r[0].startswith("none"))
        print(f"{name}: {len(rows)} rows, {pos} positive, {len(rows) - pos} negative")

main()
