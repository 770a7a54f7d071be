//! Patient records in structured text: HL7, FHIR, X12, DICOM containers, CSV and XML
//! fields, SQL inserts, code that builds patients, ids in URL paths.

use super::finding::*;
use super::ids::*;
use super::patterns::*;
use super::signals::*;
use std::ops::Range;

/// Patient record formats: HL7 v2 PID segments, FHIR Patient resources, X12 member loops,
/// DICOM patient tags. Strong when they carry a real value.
pub(super) fn containers(b: &[u8], out: &mut Vec<Finding>) {
    // Segments end in \r (or \n in pasted text); a PID may also sit inside a sentence.
    for m in re(&HL7_RE, r"(?:^|[^A-Za-z0-9])PID\|[^\r\n]*").find_iter(b) {
        let fields: Vec<&[u8]> = m.as_bytes().split(|c| *c == b'|').collect();
        // An identifier's number has digits (`PATID1234^^^GHH^MR`); a parser's test
        // segment names its parts (`PID|Field1|Component1^Component2|Component1^Sub-...`).
        let id = fields.get(3).is_some_and(|f| {
            let number = f.split(|c| *c == b'^').next().unwrap_or(f);
            number.iter().filter(|c| c.is_ascii_digit()).count() >= 3 && !placeholder_value(f)
        });
        let name = fields
            .get(5)
            .is_some_and(|f| f.iter().any(u8::is_ascii_alphabetic) && !placeholder_value(f));
        // A test patient's segment (`ZZTEST^ADTONE`, `DOE^JOHN`): its id is a test id.
        let test_patient = fields
            .get(5)
            .is_some_and(|f| f.iter().any(u8::is_ascii_alphabetic) && placeholder_value(f));
        // No family name holds a digit (a parser's test: `Component1^Sub-Component1`).
        let family = fields
            .get(5)
            .map(|f| f.split(|c| *c == b'^').next().unwrap_or(f));
        if family.is_some_and(|f| f.iter().any(u8::is_ascii_digit)) {
            continue;
        }
        if (id && !test_patient) || name {
            out.push(Finding {
                kind: PhiKind::Hl7,
                range: m.range(),
                strong: true,
            });
        }
    }
    hl7_people(b, out);
    fhir_subjects(b, out);
    cda_patients(b, out);
    if let Some(m) = re(&FHIR_RE, r#""resourceType"\s*:\s*"Patient""#).find(b) {
        let field = re(
            &FHIR_FIELD_RE,
            r#""(birthDate|family|value)"\s*:\s*"([^"]{2,})""#,
        );
        // What identifies: a birth date to the month (a year alone is what de-identified
        // data keeps, as HIPAA's Safe Harbor allows), a family name, an identifier, phone
        // or e-mail with a digit or an `@` (not a fixture's marker: `"value": "drop"`).
        let real = field.captures_iter(b).any(|c| {
            let (Some(key), Some(v)) = (c.get(1), c.get(2)) else {
                return false;
            };
            let v = v.as_bytes();
            let identifying = match key.as_bytes() {
                b"birthDate" => v.len() >= 7,
                b"family" => true,
                _ => v.iter().any(|c| c.is_ascii_digit() || *c == b'@'),
            };
            identifying && !placeholder_value(v) && !contains_ci(v, &["example", "<", "{{"])
        });
        if real {
            out.push(Finding {
                kind: PhiKind::Fhir,
                range: m.range(),
                strong: true,
            });
        }
    }
    // The element separator is whichever character follows `ISA`: `*` by custom, `|`, `^`
    // or `!` in some payers' files (`NM1|QC|1|MOUA|NOU LEE`). The subscriber (IL), the
    // patient (QC), a dependent (03) and a corrected insured (74) are people, as the
    // masking in structured.rs reads them.
    for m in re(
        &X12_RE,
        r"NM1\*(?:IL|QC|03|74)\*1\*(?u:\p{L})(?u:[\p{L}' -])*\*(?u:\p{L})[^~*\r\n]*|NM1\|(?:IL|QC|03|74)\|1\|(?u:\p{L})(?u:[\p{L}' -])*\|(?u:\p{L})[^~|\r\n]*|NM1\^(?:IL|QC|03|74)\^1\^(?u:\p{L})(?u:[\p{L}' -])*\^(?u:\p{L})[^~^\r\n]*|NM1!(?:IL|QC|03|74)!1!(?u:\p{L})(?u:[\p{L}' -])*!(?u:\p{L})[^~!\r\n]*",
    )
    .find_iter(b)
    {
        let separator = m.as_bytes()[3];
        let test = [&b"DOE"[..], b"TEST"]
            .iter()
            .any(|w| m.as_bytes().windows(w.len() + 2).any(|x| {
                x[0] == separator && x[w.len() + 1] == separator && x[1..=w.len()].eq_ignore_ascii_case(w)
            }));
        if !placeholder_value(m.as_bytes()) && !test {
            out.push(Finding {
                kind: PhiKind::X12,
                range: m.range(),
                strong: true,
            });
        }
    }
    for c in re(
        &DICOM_RE,
        // A dump's `(0010,0010) PN [Lopez^Maria]`, or a tool's `(0010,0010)=LOPEZ^MARIA`
        // (dcmodify, gdcmanon), or DICOMweb's JSON model (PS3.18 F.2: `"00100010": {"vr":
        // "PN", "Value": [{"Alphabetic": "Lopez^Maria"}]}`).
        r#"\(0010,00(10|20|30)\)(?:=["']?([^"'\s]+)|[^\r\n]*?(?:\[([^\]\r\n]*)\]|\s(?:PN|LO|DA)\s+([^\r\n]+)))|"001000(10|20|30)"\s*:\s*\{[^{}]{0,80}?"Value"\s*:\s*\[\s*(?:\{\s*"Alphabetic"\s*:\s*)?"([^"]{1,80})""#,
    )
    .captures_iter(b)
    {
        let Some(value) = c
            .get(2)
            .or_else(|| c.get(3))
            .or_else(|| c.get(4))
            .or_else(|| c.get(6))
        else {
            continue;
        };
        // A dump's comment after the value names the tag (`[ANON-7F3A]  # PatientID`).
        let v = value.as_bytes();
        let v = v[..memchr::memchr(b'#', v).unwrap_or(v.len())].trim_ascii();
        let value_range = value.start()..value.start() + v.len();
        let tag = c.get(1).or_else(|| c.get(5)).map(|t| t.as_bytes()).unwrap_or_default();
        if placeholder_value(v) || v.is_empty() {
            continue;
        }
        let strong = tag != b"30";
        out.push(Finding {
            kind: if strong { PhiKind::Dicom } else { PhiKind::Dob },
            range: value_range,
            strong,
        });
    }
}

/// What a labelled field holds, by its label (`first_name`, `"birthDate"`, `ssn`, a CSV
/// column): the vocabulary the field, CSV and SQL readers share. Labels are compared
/// lower-case without `_`, `-`, `.` and spaces.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// A whole name (`name`, `patient`): two or more capitalised words.
    FullName,
    /// One part (`first_name`, `family`): one capitalised word is enough.
    NamePart,
    Dob,
    Ssn,
    /// Record, member and beneficiary ids.
    Id,
    Phone,
    Age,
    Card,
}

pub(super) fn field_class(label: &[u8]) -> Option<Field> {
    // A one-word label may be read by its ending (`ufname`, `guarantor_dob`); words with
    // blanks between them (`SELECT p.mrn`) are not one label.
    let one_word = !label.trim_ascii().iter().any(u8::is_ascii_whitespace);
    let key: Vec<u8> = label
        .iter()
        .filter(|c| !matches!(c, b'_' | b'-' | b'.' | b' ' | b'"' | b'\''))
        .map(u8::to_ascii_lowercase)
        .collect();
    let key = key.as_slice();
    if !key.is_ascii() {
        return CJK_LABELS
            .iter()
            .find(|(l, _)| l.as_bytes() == key)
            .map(|&(_, field)| field);
    }
    Some(match key {
        b"name" | b"fullname" | b"patientname" | b"patname" | b"patient" | b"membername"
        | b"subscriber" | b"subscribername" | b"beneficiary" | b"insured" | b"insuredname"
        | b"ptname" | b"billingname" | b"cardholder" | b"guarantor" | b"nombrecompleto"
        | b"paciente" | b"decedent" | b"decedentname" => Field::FullName,
        b"firstname" | b"first" | b"givenname" | b"given" | b"lastname" | b"last"
        | b"patfirstname" | b"patlastname" | b"familyname" | b"family" | b"surname" | b"fname"
        | b"lname" | b"middlename" | b"nombre" | b"apellido" | b"apellidos" | b"primerapellido"
        | b"segundoapellido" => Field::NamePart,
        b"dob" | b"dateofbirth" | b"birthdate" | b"birthday" | b"born" | b"bornon" | b"bdate"
        | b"fechanacimiento" | b"fechadenacimiento" | b"fnacimiento" => Field::Dob,
        b"ssn" | b"socialsecuritynumber" | b"socialsecurity" | b"subscriberssn" | b"ssnumber" => {
            Field::Ssn
        }
        b"mrn"
        | b"patmrnid"
        | b"medicalrecordnumber"
        | b"patientid"
        | b"memberid"
        | b"member"
        | b"subscriberid"
        | b"medicareid"
        | b"mbi"
        | b"insuranceid"
        | b"memberno"
        | b"membernumber"
        | b"policynumber"
        | b"expediente"
        | b"numeroexpediente"
        | b"numerodeexpediente"
        | b"historiaclinica" => Field::Id,
        b"phone" | b"phonenumber" | b"mobile" | b"cell" | b"telephone" | b"tel" | b"homephone"
        | b"telefono" | b"celular" | b"movil" => Field::Phone,
        b"age" => Field::Age,
        b"card" | b"cardnumber" | b"ccnumber" | b"cc" | b"pan" | b"creditcard"
        | b"creditcardnumber" | b"cardno" | b"ccnum" => Field::Card,
        // Short keys of message formats and feeds (`"nm": {"fam": ..., "giv": ...}, "bd":`).
        b"fam" | b"giv" => Field::NamePart,
        b"bd" => Field::Dob,
        // NEMSIS 3 (EMS patient care reports) numbers its elements: ePatient.02 last name,
        // .03 first, .04 middle, .12 SSN, .17 birth date, .18 phone.
        b"epatient02" | b"epatient03" | b"epatient04" => Field::NamePart,
        b"epatient12" => Field::Ssn,
        b"epatient17" => Field::Dob,
        b"epatient18" => Field::Phone,
        // A prefix names whose it is (eClinicalWorks' `ufname`, `pt_lname`, `guarantor_dob`,
        // `mother_ssn`, `pat_mrn`).
        k if one_word && (k.ends_with(b"fullname") || k.ends_with(b"patientname")) => {
            Field::FullName
        }
        k if one_word && k.len() > 5 && (k.ends_with(b"fname") || k.ends_with(b"lname")) => {
            Field::NamePart
        }
        k if one_word && k.len() > 9 && (k.ends_with(b"firstname") || k.ends_with(b"lastname")) => {
            Field::NamePart
        }
        // A person's word then `last` or `first` (`member_last`, `pt_first`, `mbr_last`).
        k if one_word && person_then(k, &[b"last", b"first", b"middle"]) => Field::NamePart,
        k if one_word && k.len() > 3 && (k.ends_with(b"dob") || k.ends_with(b"birthdate")) => {
            Field::Dob
        }
        k if one_word && k.len() > 3 && k.ends_with(b"ssn") => Field::Ssn,
        k if one_word && k.len() > 3 && k.ends_with(b"mrn") => Field::Id,
        _ => return None,
    })
}

/// Column labels of Japanese, Chinese and Korean exports (`氏名,生年月日`, `성명,생년월일`).
const CJK_LABELS: &[(&str, Field)] = &[
    ("氏名", Field::FullName),
    ("患者名", Field::FullName),
    ("患者氏名", Field::FullName),
    ("姓名", Field::FullName),
    ("病人姓名", Field::FullName),
    ("患者姓名", Field::FullName),
    ("성명", Field::FullName),
    ("이름", Field::FullName),
    ("환자명", Field::FullName),
    ("환자이름", Field::FullName),
    ("生年月日", Field::Dob),
    ("出生日期", Field::Dob),
    ("生日", Field::Dob),
    ("생년월일", Field::Dob),
    ("患者id", Field::Id),
    ("患者番号", Field::Id),
    ("カルテ番号", Field::Id),
    ("病历号", Field::Id),
    ("病歷號", Field::Id),
    ("환자번호", Field::Id),
    ("등록번호", Field::Id),
    ("電話", Field::Phone),
    ("電話番号", Field::Phone),
    ("电话", Field::Phone),
    ("電話號碼", Field::Phone),
    ("전화", Field::Phone),
    ("전화번호", Field::Phone),
    ("연락처", Field::Phone),
];

/// Whether `key` is a word for a person followed by one of `parts` (`memberlast`).
fn person_then(key: &[u8], parts: &[&[u8]]) -> bool {
    const PEOPLE: &[&[u8]] = &[
        b"member",
        b"mbr",
        b"patient",
        b"pat",
        b"pt",
        b"subscriber",
        b"sub",
        b"insured",
        b"guarantor",
        b"beneficiary",
        b"bene",
        b"dependent",
        b"dep",
        b"mother",
        b"father",
        b"child",
        b"client",
        b"resident",
        b"enrollee",
    ];
    parts.iter().any(|part| {
        key.strip_suffix(*part)
            .is_some_and(|person| PEOPLE.contains(&person))
    })
}

/// Columns and keys that name a patient's name (`PAT_NAME`, `patient_name`, `pt_name`).
fn patient_column(label: &[u8]) -> bool {
    let key: Vec<u8> = label
        .iter()
        .rev()
        .take_while(|c| **c != b'.')
        .filter(|c| !matches!(c, b'_' | b'-' | b' ' | b'"' | b'\''))
        .map(u8::to_ascii_lowercase)
        .collect();
    // Reversed: `patname` is `emantap`.
    [
        &b"emantap"[..],
        b"emantneitap",
        b"emantp",
        b"tneitap",
        b"etneicap",
    ]
    .contains(&key.as_slice())
}

/// A known given name and a known surname among a value's words, either order.
fn whole_known(value: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(value) else {
        return false;
    };
    let words: Vec<&str> = text
        .split([' ', ',', '^'])
        .map(|w| w.trim_matches(['%', '*', '\'', '"']))
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, g)| {
        crate::detect::names::is_given(g)
            && words
                .iter()
                .enumerate()
                .any(|(k, f)| k != i && crate::detect::names::is_surname(f))
    })
}

/// A name written all in lower case or all in capitals, as searches, normalised columns
/// and registration systems hold it (`jesús villanueva peña`, `JAMA,ABDIRAHMAN YUSUF`): two
/// to four words, two of them known names in lower case, one in capitals.
fn lower_case_name(value: &str) -> Option<Vec<&str>> {
    let words: Vec<&str> = value.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let all = |case: fn(char) -> bool| {
        words
            .iter()
            .all(|w| w.chars().all(|c| case(c) || matches!(c, '\'' | '-')))
    };
    let known = words
        .iter()
        .filter(|w| crate::detect::names::is_given(w) || crate::detect::names::is_surname(w))
        .count();
    let enough = if all(char::is_lowercase) {
        known >= 2
    } else {
        all(char::is_uppercase) && known >= 1
    };
    ((2..=4).contains(&words.len()) && enough).then_some(words)
}

/// A whole name under a name label in a script without capitals (Arabic, Hebrew, Chinese,
/// Korean, Thai): two to five words of letters none of which has a case, or one word of two
/// to four Chinese, Japanese or Korean letters (`谭霞`, `류명숙`). A bracketed tail, a family
/// or a title (`قنوع عجرمة (العجارمة)`), is left aside.
fn caseless_name(value: &str) -> Option<Vec<&str>> {
    let value = value.split('(').next()?.trim();
    let words: Vec<&str> = value.split(' ').filter(|w| !w.is_empty()).collect();
    let caseless = |c: char| c.is_alphabetic() && !c.is_lowercase() && !c.is_uppercase();
    let cjk = |c: char| matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF);
    let shaped = words.iter().all(|w| {
        w.chars()
            .all(|c| caseless(c) || matches!(c, '\'' | '-' | '\u{200c}' | '\u{05f3}'))
    });
    let one_cjk = words.len() == 1
        && (2..=4).contains(&words[0].chars().count())
        && words[0].chars().all(cjk);
    (shaped && ((2..=5).contains(&words.len()) || one_cjk)).then_some(words)
}

/// Capitalised words of a person's name (letters, apostrophes, hyphens; any script).
pub(super) fn name_words(value: &str) -> Option<Vec<&str>> {
    let words: Vec<&str> = value.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let shaped = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '\'' | '-' | '.'))
            && w.chars().any(char::is_lowercase)
    };
    (!words.is_empty() && words.len() <= 4 && words.iter().all(|w| shaped(w))).then_some(words)
}

/// The finding a labelled value makes, if the value is what its label says.
pub(super) fn classify(field: Field, value: &[u8], range: Range<usize>) -> Option<Finding> {
    let text = std::str::from_utf8(value).ok()?.trim();
    let range = {
        let lead = std::str::from_utf8(value).ok()?.len()
            - std::str::from_utf8(value).ok()?.trim_start().len();
        range.start + lead..range.start + lead + text.len()
    };
    let found = |kind, strong| {
        Some(Finding {
            kind,
            range: range.clone(),
            strong,
        })
    };
    let digits_of = digits(text.as_bytes());
    let spaced;
    let text = if matches!(field, Field::FullName | Field::NamePart)
        && (text.contains('+') || text.contains("%20"))
    {
        spaced = text.replace("%20", " ").replace('+', " ");
        spaced.as_str()
    } else {
        text
    };
    match field {
        Field::FullName => {
            // A search pattern's wildcards are not the name (`ILIKE 'jesús villanueva%'`).
            let text = text.trim_matches(['%', '*']);
            let words = name_words(text).or_else(|| lower_case_name(text));
            let whole = match words {
                Some(words) => words.len() >= 2,
                None => caseless_name(text).is_some(),
            };
            (whole && !placeholder_name(text)).then_some(())?;
            found(PhiKind::Name, false)
        }
        Field::NamePart => {
            let words = name_words(text)?;
            (!placeholder_name(text)).then_some(())?;
            let known = words
                .iter()
                .any(|w| crate::detect::names::is_given(w) || crate::detect::names::is_surname(w));
            (words.len() >= 2 || known || words[0].chars().count() >= 3).then_some(())?;
            found(PhiKind::Name, false)
        }
        Field::Dob => {
            let compact = text.len() == 8 && digits_of.len() == 8;
            let date = if compact {
                format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..])
            } else {
                text.to_string()
            };
            (digits_of.len() >= 4 && plausible_date(date.as_bytes())).then_some(())?;
            found(PhiKind::Dob, false)
        }
        Field::Ssn => {
            (digits_of.len() == 9 && ssn_valid(&digits_of)).then_some(())?;
            found(PhiKind::Ssn, true)
        }
        Field::Id => {
            let plain = text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
            (plain && (5..=20).contains(&text.len()) && digits_of.len() >= 4).then_some(())?;
            (!is_placeholder_id(text.as_bytes())).then_some(())?;
            found(PhiKind::Mrn, true)
        }
        Field::Phone => {
            (10..=15).contains(&digits_of.len()).then_some(())?;
            (!placeholder_phone(text.as_bytes())).then_some(())?;
            found(PhiKind::Contact, false)
        }
        Field::Age => {
            let n: u32 = text.parse().ok()?;
            (90..=120).contains(&n).then_some(())?;
            found(PhiKind::Age, false)
        }
        Field::Card => {
            let plain = text
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b' ' | b'-'));
            (plain && card_number(&digits_of)).then_some(())?;
            found(PhiKind::Card, false)
        }
    }
}

/// `label: value` and `label = value` in any notation: JSON and YAML fields, SQL `WHERE` and
/// `SET` clauses, URL query parameters, environment lines, object literals.
pub(super) fn fields(b: &[u8], out: &mut Vec<Finding>) {
    // SQL's `LIKE` compares like `=` (`pat_name LIKE 'MOHAMUD,SAGAL%'`).
    let like = || {
        [&b" LIKE "[..], b" like "]
            .iter()
            .any(|k| memchr::memmem::find(b, k).is_some())
    };
    if any_known_label(b) || like() {
        fields_scan(b, out);
    }
}

/// Could `fields` find anything: does a label it knows end right before a separator
/// (`label`, an optional quote, blanks, then `=` or `:`)? A byte scan that spares most
/// texts the field regex's compilation (about a quarter of a short command's time).
pub(super) fn any_known_label(b: &[u8]) -> bool {
    let in_label = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-');
    memchr::memchr2_iter(b'=', b':', b).any(|sep| {
        let mut end = sep;
        while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        if end > 0 && matches!(b[end - 1], b'"' | b'\'') {
            end -= 1;
        }
        // Labels are at most 41 bytes: looking further back cannot find one.
        let mut start = end;
        while start > end.saturating_sub(41) && in_label(b[start - 1]) {
            start -= 1;
        }
        // A label starts at the run's start or after a `.` or `-` inside it.
        (start..end).any(|at| {
            (at == start || matches!(b[at - 1], b'.' | b'-'))
                && b[at].is_ascii_alphabetic()
                && field_class(&b[at..end]).is_some()
        })
    })
}

pub(super) fn fields_scan(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &FIELD_RE,
        r#"(?i)(?:^|[^a-z0-9_])["']?([a-z][a-z0-9_.-]{1,40})["']?[ \t]*(?:=>|==|=|:|(?:not[ \t]+)?i?like[ \t])[ \t]*\[?[ \t]*["']?((?:[^"'\n,;&{}\[\]()|]|'\w|\(\d{3}\)){1,80})"#,
    );
    // A label that names nothing known must not swallow the next one (`https://host/x?dob=`
    // reads `https` as a label), so the search resumes right after each unknown label.
    let mut at = 0;
    while at < b.len() {
        let Some(c) = r.captures_at(b, at) else {
            break;
        };
        let (Some(label), Some(value)) = (c.get(1), c.get(2)) else {
            break;
        };
        // A column qualified by its table's alias (`p.last_name`) is that column.
        let column = |l: &[u8]| {
            l.iter()
                .rposition(|c| *c == b'.')
                .and_then(|dot| field_class(&l[dot + 1..]))
        };
        let Some(field) = field_class(label.as_bytes()).or_else(|| column(label.as_bytes())) else {
            at = label.end();
            continue;
        };
        // In a `key=value` log line a value runs up to the next key (`patient=Meron Alemu
        // drug=...`), not over it.
        let len = next_key(value.as_bytes()).unwrap_or(value.len());
        let mut range = value.start()..value.start() + len;
        // A quoted name runs to its closing quote, commas and all (`'JAMA,ABDIRAHMAN'`).
        if field == Field::FullName
            && let Some(&q @ (b'\'' | b'"')) = b.get(value.start().wrapping_sub(1))
            && let Some(close) = b[value.start()..b.len().min(value.start() + 80)]
                .iter()
                .position(|c| *c == q || *c == b'\n')
            && b[value.start() + close] == q
        {
            range = value.start()..value.start() + close;
        }
        if let Some(mut f) = classify(field, &b[range.clone()], range.clone()) {
            // A whole known name in a column that says it is a patient's is PHI alone.
            f.strong |= f.kind == PhiKind::Name
                && patient_column(label.as_bytes())
                && whole_known(&b[range.clone()]);
            out.push(f);
        }
        at = range.end.max(label.end());
    }
}

/// VistA's patient file as a MUMPS global prints it: the zero node of `^DPT(DFN,0)` holds
/// `NAME^SEX^DOB^...`, the name `SURNAME,GIVEN` and the birth date in FileMan's form (the
/// year less 1700, then month and day: `2580214` is 1958-02-14). A named entry with a
/// birth date is a patient's record.
pub(super) fn vista_patients(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &VISTA_PATIENT_RE,
        r#"\^DPT\([0-9]+,0\)\s*=\s*"([A-Z][A-Z' -]*,[A-Z][A-Z' -]*)\^[MFU]?\^([0-9]{7})(?:\.[0-9]+)?(?:\^|")"#,
    );
    for c in r.captures_iter(b).take(200) {
        let (Some(name), Some(dob)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let d = dob.as_bytes();
        let year = 1700 + super::facts::number(&d[..3]);
        let fileman = format!(
            "{year}-{}-{}",
            String::from_utf8_lossy(&d[3..5]),
            String::from_utf8_lossy(&d[5..7])
        );
        if placeholder_value(name.as_bytes()) || !plausible_date(fileman.as_bytes()) {
            continue;
        }
        out.push(Finding {
            kind: PhiKind::Name,
            range: name.range(),
            strong: true,
        });
        out.push(Finding {
            kind: PhiKind::Dob,
            range: dob.range(),
            strong: false,
        });
    }
}

/// A hash as `redis-cli` prints it (`HGETALL`): each field on a numbered line and its value
/// on the next (`1) "mrn"` / `2) "62129726"`), read like `mrn: 62129726`.
pub(super) fn redis_pairs(b: &[u8], out: &mut Vec<Finding>) {
    if memchr::memmem::find(b, b"1) \"").is_none() {
        return;
    }
    let r = re(
        &REDIS_PAIR_RE,
        r#"(?m)^[ \t]*[0-9]{1,5}\) "([a-zA-Z][a-zA-Z0-9_.-]{0,40})"\r?\n[ \t]*[0-9]{1,5}\) "([^"\r\n]{1,120})""#,
    );
    for c in r.captures_iter(b).take(500) {
        let (Some(key), Some(value)) = (c.get(1), c.get(2)) else {
            continue;
        };
        if let Some(field) = field_class(key.as_bytes())
            && let Some(f) = classify(field, value.as_bytes(), value.range())
        {
            out.push(f);
        }
    }
}

/// A vCard (RFC 6350) is one person's record: its name (`FN:`, or `N:` as family;given)
/// with a birthday makes PHI; with a phone, address or e-mail only in a text about health
/// care (a colleague's card is not a patient's).
pub(super) fn vcards(text: &str, out: &mut Vec<Finding>) {
    const MAX_CARDS: usize = 200;
    let b = text.as_bytes();
    let lower_find = |from: usize, needle: &[u8]| {
        b.get(from..)?
            .windows(needle.len())
            .position(|w| w.eq_ignore_ascii_case(needle))
            .map(|i| from + i)
    };
    let health = contains_ci(b, super::signals::HEALTH_WORDS);
    let mut from = 0;
    for _ in 0..MAX_CARDS {
        let Some(begin) = lower_find(from, b"BEGIN:VCARD") else {
            break;
        };
        let end = lower_find(begin, b"END:VCARD").unwrap_or(b.len());
        from = end.max(begin + 1);
        let (mut name, mut facts) = (None, Vec::new());
        let mut offset = begin;
        for line in text[begin..end].split_inclusive('\n') {
            let at = offset;
            offset += line.len();
            let line = line.trim_end_matches(['\r', '\n']);
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let property = key.split(';').next().unwrap_or("").to_ascii_uppercase();
            let value_at = at + key.len() + 1;
            let range = value_at..value_at + value.len();
            match property.as_str() {
                "FN" if name_words(value).is_some_and(|w| w.len() >= 2) => {
                    name = Some(range);
                }
                "N" if name.is_none() => {
                    let mut parts = value.split(';');
                    let (family, given) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    if name_words(family).is_some() && name_words(given).is_some() {
                        name = Some(range);
                    }
                }
                "BDAY"
                    if plausible_date(value.as_bytes())
                        || (value.len() == 8
                            && value.bytes().all(|c| c.is_ascii_digit())
                            && compact_date(value)) =>
                {
                    facts.push((PhiKind::Dob, range));
                }
                "TEL" | "ADR" | "EMAIL" if health && !value.trim().is_empty() => {
                    facts.push((PhiKind::Contact, range));
                }
                _ => {}
            }
        }
        let Some(name) = name.filter(|n| !placeholder_name(&text[n.clone()])) else {
            continue;
        };
        if facts.is_empty() {
            continue;
        }
        out.push(Finding {
            kind: PhiKind::Name,
            range: name,
            strong: false,
        });
        for (kind, range) in facts {
            out.push(Finding {
                kind,
                range,
                strong: false,
            });
        }
    }
}

/// Where ` key=` or ` key:` starts inside a value, if it does.
fn next_key(v: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b' ', v).find(|&i| {
        let key = v[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
            .count();
        key > 0 && v[i + 1].is_ascii_alphabetic() && matches!(v.get(i + 1 + key), Some(b'=' | b':'))
    })
}

/// A command's options named like a known field, their value after a blank: `ehr patient
/// find --mrn 00482913 --dob 1961-08-22`, `--last-name "Nowak"` (`--dob=...` is read
/// by [`fields`]). A byte scan: most commands' options name nothing known.
pub(super) fn option_fields(b: &[u8], out: &mut Vec<Finding>) {
    for at in memchr::memmem::find_iter(b, b"--") {
        if at > 0 && !b[at - 1].is_ascii_whitespace() {
            continue;
        }
        let start = at + 2;
        let len = b[start..]
            .iter()
            .take(41)
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
            .count();
        if len == 0 || !b[start].is_ascii_alphabetic() {
            continue;
        }
        let Some(field) = field_class(&b[start..start + len]) else {
            continue;
        };
        let mut v = start + len;
        let blanks = b[v..]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t'))
            .count();
        if blanks == 0 {
            continue;
        }
        v += blanks;
        let (from, to) = match b.get(v) {
            Some(&q @ (b'"' | b'\'')) => {
                let Some(n) = memchr::memchr(q, &b[v + 1..b.len().min(v + 82)]) else {
                    continue;
                };
                (v + 1, v + 1 + n)
            }
            _ => {
                let n = b[v..]
                    .iter()
                    .take(80)
                    .take_while(|c| !c.is_ascii_whitespace() && !matches!(c, b';' | b'|' | b'&'))
                    .count();
                (v, v + n)
            }
        };
        if to > from
            && let Some(f) = classify(field, &b[from..to], from..to)
        {
            out.push(f);
        }
    }
}

/// XML elements named like a known field: `<birthDate value="1950-01-02"/>` (FHIR's XML
/// form) and `<dob>1950-01-02</dob>`. A namespace prefix (`fhir:`) is ignored.
pub(super) fn xml_fields(b: &[u8], out: &mut Vec<Finding>) {
    let is_name = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b':');
    for open in memchr::memchr_iter(b'<', b) {
        let start = open + 1;
        if !b.get(start).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let mut end = start;
        while end < b.len() && end - start <= 40 && is_name(b[end]) {
            end += 1;
        }
        let tag = &b[start..end];
        let local = tag.rsplit(|&c| c == b':').next().unwrap_or(tag);
        let Some(field) = field_class(local) else {
            continue;
        };
        let rest = &b[end..b.len().min(end + 200)];
        let value = match rest.first() {
            Some(b'>') => {
                let v = &rest[1..];
                let len = v.iter().position(|&c| c == b'<').filter(|&n| n <= 80);
                len.filter(|&n| v[n..].starts_with(b"</"))
                    .map(|n| end + 1..end + 1 + n)
            }
            Some(c) if c.is_ascii_whitespace() => {
                let tag_end = rest.iter().position(|&c| c == b'>').unwrap_or(rest.len());
                let attrs = &rest[..tag_end];
                attrs
                    .windows(7)
                    .position(|w| w == b"value=\"")
                    .and_then(|at| {
                        let v = &attrs[at + 7..];
                        let n = v.iter().position(|&c| c == b'"')?;
                        (n <= 80).then(|| end + at + 7..end + at + 7 + n)
                    })
            }
            _ => None,
        };
        if let Some(range) = value
            && let Some(f) = classify(field, &b[range.clone()], range)
        {
            out.push(f);
        }
    }
}

/// Cells of one delimited line, with simple double quoting.
pub(super) fn cells(line: &str, delimiter: char) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in line.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == delimiter && !quoted {
            out.push((start, &line[start..i]));
            start = i + 1;
        }
    }
    out.push((start, &line[start..]));
    out.into_iter()
        .map(|(at, cell)| {
            let trimmed = cell.trim().trim_matches('"');
            let offset = cell.find(trimmed).unwrap_or(0);
            (at + offset, trimmed)
        })
        .collect()
}

/// CSV and TSV with a header row naming the columns: each row's values are read by their
/// column's label. A header alone is a schema, not data.
pub(super) fn csv_columns(text: &str, out: &mut Vec<Finding>) {
    const MAX_ROWS: usize = 500;
    let mut offset = 0;
    let mut header: Option<(char, Vec<Option<Field>>)> = None;
    for (row, line) in text.split_inclusive('\n').enumerate() {
        let at = offset;
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        if row > MAX_ROWS {
            break;
        }
        // A line of known column names is a header; another such line later (a result's
        // header under the query that named its columns) takes its place.
        let as_header = || {
            let delimiter = ['\t', ',', ';', '|']
                .into_iter()
                .find(|d| line.matches(*d).count() >= 1)?;
            let columns: Vec<Option<Field>> = cells(line, delimiter)
                .iter()
                .map(|(_, c)| field_class(c.as_bytes()))
                .collect();
            (columns.len() >= 2 && columns.iter().any(Option::is_some))
                .then_some((delimiter, columns))
        };
        match &header {
            None => header = as_header(),
            Some((delimiter, columns)) => {
                let values = cells(line, *delimiter);
                if values.len() != columns.len() {
                    if let Some(next) = as_header() {
                        header = Some(next);
                    }
                    continue;
                }
                for ((start, value), field) in values.iter().zip(columns) {
                    if let Some(field) = field
                        && let Some(f) = classify(
                            *field,
                            value.as_bytes(),
                            at + start..at + start + value.len(),
                        )
                    {
                        out.push(f);
                    }
                }
            }
        }
    }
}

/// Rows without a header that are plainly about a person: two adjacent name cells (one a
/// known given name or surname), a date, and a sex or phone cell
/// (`Okafor,Chidi,1948-07-22,M,(617) 555-0199`, `AL-ZAHRANI|FATIMA|19840905|F`). The name
/// and the date are weak findings that together make PHI.
pub(super) fn person_rows(text: &str, out: &mut Vec<Finding>) {
    const MAX_ROWS: usize = 500;
    let mut offset = 0;
    for line in text.split_inclusive('\n').take(MAX_ROWS) {
        let at = offset;
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        // A person's row is short; a long line (minified JSON) is not one.
        if line.len() > 1024 {
            continue;
        }
        let Some(delimiter) = [',', '\t', '|', ';']
            .into_iter()
            .find(|d| line.matches(*d).count() >= 3)
        else {
            continue;
        };
        let row: Vec<(usize, &str)> = cells(line, delimiter)
            .into_iter()
            .map(|(i, c)| (at + i, c))
            .collect();
        person_row(&row, false, out);
    }
}

/// `INSERT INTO patients VALUES ('00739102', 'Venkataraman', 'Rajesh', '1966-01-30', 'M')`:
/// a tuple without a column list, read as a row of cells. Besides the cells a CSV row
/// needs, a name written `Surname, Given` or `SURNAME^GIVEN` counts, and so does a
/// diagnosis code or an e-mail address as what says the row is a person's.
pub(super) fn sql_positional(text: &str, out: &mut Vec<Finding>) {
    const MAX_TUPLES: usize = 500;
    let r = re(
        &POSITIONAL_RE,
        r#"(?i)\b(?:insert|replace)\s+into\s+[\w."`\[\]]+\s+values\s*\("#,
    );
    for whole in r.find_iter(text.as_bytes()) {
        let mut at = whole.end();
        for _ in 0..MAX_TUPLES {
            let (values, end) = sql_tuple(text, at);
            person_row(&values, true, out);
            let next = text.get(end..).unwrap_or("").trim_start();
            let Some(body) = next
                .strip_prefix(',')
                .map(str::trim_start)
                .and_then(|n| n.strip_prefix('('))
            else {
                break;
            };
            at = text.len() - body.len();
        }
    }
}

/// A row of cells (each with where it starts in the text) that is plainly a person's:
/// a name, a date, and a sex or phone cell (with `sql`, also a whole name in one cell, a
/// diagnosis code or an e-mail address). Pushes the name and the date.
fn person_row(row: &[(usize, &str)], sql: bool, out: &mut Vec<Finding>) {
    let known = |c: &str| crate::detect::names::is_given(c) || crate::detect::names::is_surname(c);
    // One word of a name: `Okafor`, or in capitals (`AL-ZAHRANI`).
    let name_cell = |c: &str| {
        c.chars().count() >= 2
            && !placeholder_name(c)
            && (name_words(c).is_some_and(|w| w.len() == 1)
                || c.chars()
                    .all(|ch| ch.is_uppercase() || matches!(ch, '-' | '\'')))
    };
    // A whole name in one cell: `Obi, Chukwuemeka`, `ZIELINSKA^AGNIESZKA`.
    let whole_name = |c: &str| {
        let Some((family, given)) = c.split_once(", ").or_else(|| c.split_once('^')) else {
            return false;
        };
        let given = given.split(['^', ' ']).next().unwrap_or("");
        let word = |w: &str| {
            name_words(w).is_some_and(|n| n.len() == 1)
                || (w.len() >= 2 && w.chars().all(|ch| ch.is_ascii_uppercase() || ch == '-'))
        };
        word(family)
            && word(given)
            && !placeholder_name(c)
            && (known(family) || known(given) || c.contains('^'))
    };
    // What says the row is a person's: a sex, a phone number, and in SQL a diagnosis code
    // or an e-mail address. Two of them vouch for names no list knows.
    let markers = row
        .iter()
        .filter(|(_, c)| {
            matches!(
                c.to_ascii_lowercase().as_str(),
                "m" | "f" | "male" | "female"
            ) || (10..=15).contains(&c.bytes().filter(u8::is_ascii_digit).count())
                && c.bytes()
                    .all(|b| b.is_ascii_digit() || b" ()+-.".contains(&b))
                || (sql && (icd10_code(c) || email_shaped(c)))
        })
        .count();
    let names: Option<(usize, usize)> = row
        .windows(2)
        .find(|pair| {
            name_cell(pair[0].1)
                && name_cell(pair[1].1)
                && (known(pair[0].1) || known(pair[1].1) || (sql && markers >= 2))
        })
        .map(|pair| (pair[0].0, pair[1].0 + pair[1].1.len()))
        .or_else(|| {
            sql.then(|| row.iter().find(|(_, c)| whole_name(c)))
                .flatten()
                .map(|(i, c)| (*i, i + c.len()))
        });
    let date = row.iter().find(|(_, c)| {
        let digits = c.bytes().filter(u8::is_ascii_digit).count();
        digits >= 6
            && c.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'/' | b'.'))
            && (plausible_date(c.as_bytes()) || (digits == 8 && c.len() == 8 && compact_date(c)))
    });
    if let (Some((start, end)), Some((date_at, date)), true) = (names, date, markers > 0) {
        out.push(Finding {
            kind: PhiKind::Name,
            range: start..end,
            strong: false,
        });
        out.push(Finding {
            kind: PhiKind::Dob,
            range: *date_at..date_at + date.len(),
            strong: false,
        });
    }
}

/// `19840905`: year, month and day, as records write a birth date.
fn compact_date(c: &str) -> bool {
    let d = c.as_bytes();
    plausible_date(&[&d[..4], b"-", &d[4..6], b"-", &d[6..]].concat())
}

/// An ICD-10 code: a letter, two digits (or digit and letter), an optional dot and up to
/// four more (`I10`, `F32.1`, `M54.5`, `E11.65`).
fn icd10_code(c: &str) -> bool {
    let b = c.as_bytes();
    let (head, tail) = b.split_at(b.len().min(3));
    head.len() == 3
        && head[0].is_ascii_uppercase()
        && head[1].is_ascii_digit()
        && (head[2].is_ascii_digit() || head[2].is_ascii_uppercase())
        && match tail {
            [] => true,
            [b'.', rest @ ..] => {
                (1..=4).contains(&rest.len()) && rest.iter().all(u8::is_ascii_alphanumeric)
            }
            _ => false,
        }
}

fn email_shaped(c: &str) -> bool {
    c.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !c.contains(char::is_whitespace)
    })
}

/// A patient built in code from positional values: `new Patient("Chidi", "Okafor",
/// LocalDate.of(1948, 7, 22))`, `Member('Okafor', 'Chidi', date(1948, 7, 22))`. Names are
/// name-shaped string arguments (the callee says they are a person's, so the name lists
/// are not asked: many patients' names are not in them), the date a date constructor or
/// a quoted date.
pub(super) fn patient_constructors(text: &str, out: &mut Vec<Finding>) {
    let call = re(
        &PATIENT_CALL_RE,
        r"\b(?:Patient|Member|Subscriber|Beneficiary|Person)[A-Za-z]*\s*\(([^()]*(?:\([^()]*\)[^()]*){0,4})\)",
    );
    let date_call = re(
        &DATE_CALL_RE,
        r"(?:\bLocalDate\.of|\bdatetime\.date|\bdate|\bDateOnly|\bnew Date|\bDate\.new|\bDate\.civil)\s*\(\s*(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})\s*\)",
    );
    let quoted = re(&QUOTED_RE, r#"["']([^"'\n]{1,60})["']"#);
    let bytes = text.as_bytes();
    for c in call.captures_iter(bytes).take(200) {
        let Some(args) = c.get(1) else { continue };
        let arg_text = &bytes[args.range()];
        let mut names = Vec::new();
        let mut date = None;
        for q in quoted.captures_iter(arg_text) {
            let Some(v) = q.get(1) else { continue };
            let Ok(value) = std::str::from_utf8(v.as_bytes()) else {
                continue;
            };
            let range = args.start() + v.start()..args.start() + v.end();
            if name_words(value).is_some() {
                names.push((range, value));
            } else if value.bytes().filter(u8::is_ascii_digit).count() >= 6
                && plausible_date(v.as_bytes())
            {
                date = Some(range);
            }
        }
        if let Some(d) = date_call.captures_iter(arg_text).next()
            && let Some(whole) = d.get(0)
        {
            let parts = format!(
                "{}-{}-{}",
                String::from_utf8_lossy(&d[1]),
                String::from_utf8_lossy(&d[2]),
                String::from_utf8_lossy(&d[3])
            );
            if plausible_date(parts.as_bytes()) {
                date = Some(args.start() + whole.start()..args.start() + whole.end());
            }
        }
        let joined: Vec<&str> = names.iter().map(|(_, v)| *v).collect();
        if let Some(date) = date
            && !names.is_empty()
            && !placeholder_name(&joined.join(" "))
        {
            for (range, _) in names {
                out.push(Finding {
                    kind: PhiKind::Name,
                    range,
                    strong: false,
                });
            }
            out.push(Finding {
                kind: PhiKind::Dob,
                range: date,
                strong: false,
            });
        }
    }
}

/// Values of one SQL tuple body (after its `(`): each value with where it starts, and
/// where the tuple ends. A quote closes only before `,` or `)`, so `'O'Connor'` reads as
/// one value, as a person pasting it meant.
pub(super) fn sql_tuple(text: &str, from: usize) -> (Vec<(usize, &str)>, usize) {
    const MAX_VALUES: usize = 64;
    let b = text.as_bytes();
    let mut values = Vec::new();
    let mut i = from;
    while i < b.len() && values.len() < MAX_VALUES {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        let end;
        if b.get(i) == Some(&b'\'') {
            let mut j = i + 1;
            loop {
                match b.get(j) {
                    None => {
                        end = j;
                        break;
                    }
                    Some(b'\'') => {
                        let mut k = j + 1;
                        while k < b.len() && b[k] == b' ' {
                            k += 1;
                        }
                        if matches!(b.get(k), Some(b',' | b')') | None) {
                            end = j;
                            i = k;
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            values.push((start + 1, &text[start + 1..end.max(start + 1)]));
        } else {
            while i < b.len() && !matches!(b[i], b',' | b')') {
                i += 1;
            }
            values.push((start, text[start..i].trim_end()));
        }
        match b.get(i) {
            Some(b',') => i += 1,
            _ => return (values, i + 1),
        }
    }
    (values, i)
}

/// `INSERT INTO t (first_name, dob) VALUES ('Maria', '1984-03-12'), (...)` (or MySQL's
/// `REPLACE INTO`): each value read by the column it goes into.
pub(super) fn sql_inserts(text: &str, out: &mut Vec<Finding>) {
    const MAX_TUPLES: usize = 500;
    let r = re(
        &INSERT_RE,
        r#"(?i)\b(?:insert|replace)\s+into\s+[\w."`\[\]]+\s*\(([^)]{1,600})\)\s*values\s*\("#,
    );
    for c in r.captures_iter(text.as_bytes()) {
        let (Some(columns), Some(whole)) = (c.get(1), c.get(0)) else {
            continue;
        };
        let columns: Vec<Option<Field>> = text[columns.range()]
            .split(',')
            .map(|c| field_class(c.trim().trim_matches(['"', '`', '[', ']']).as_bytes()))
            .collect();
        if columns.iter().all(Option::is_none) {
            continue;
        }
        let mut at = whole.end();
        for _ in 0..MAX_TUPLES {
            let (values, end) = sql_tuple(text, at);
            for ((start, value), field) in values.iter().zip(&columns) {
                if let Some(field) = field
                    && let Some(f) =
                        classify(*field, value.as_bytes(), *start..*start + value.len())
                {
                    out.push(f);
                }
            }
            // Another tuple follows only after `,` and `(`.
            let rest = text.get(end..).unwrap_or("");
            let next = rest.trim_start();
            let Some(after_comma) = next.strip_prefix(',') else {
                break;
            };
            let after = after_comma.trim_start();
            let Some(body) = after.strip_prefix('(') else {
                break;
            };
            at = text.len() - body.len();
        }
    }
}

/// `/patients/4839201/chart`, `/members/XK649824587`: a record id in a URL path under a
/// segment that names whose it is. Weak: it needs a name or a date with it.
/// The path words [`ids_in_url_paths`] looks for, with their slash.
pub(super) const URL_RECORD_WORDS: &[&str] = &[
    "/patient",
    "/member",
    "/chart",
    "/mrn",
    "/subscriber",
    "/beneficiar",
    "/encounter",
    "/person",
];

/// An ASCII capital followed by a lower-case letter: where every labelled name starts.
/// HL7 v2 segments that name a person other than in PID: a next of kin (NK1, name in
/// field 2), a guarantor (GT1, field 3), the insured (IN1, field 16). A `SURNAME^GIVEN` there
/// is the record.
fn hl7_people(b: &[u8], out: &mut Vec<Finding>) {
    for (segment, field) in [(&b"NK1|"[..], 2), (b"GT1|", 3), (b"IN1|", 16)] {
        for at in memchr::memmem::find_iter(b, segment) {
            if at > 0 && b[at - 1].is_ascii_alphanumeric() {
                continue;
            }
            let end = b[at..]
                .iter()
                .position(|c| matches!(c, b'\r' | b'\n'))
                .map_or(b.len(), |e| at + e);
            let fields: Vec<&[u8]> = b[at..end].split(|c| *c == b'|').collect();
            let named = fields.get(field).is_some_and(|f| {
                let parts: Vec<&[u8]> = f.split(|c| *c == b'^').collect();
                parts.len() >= 2
                    && parts[..2].iter().all(|p| {
                        p.len() >= 2
                            && p.iter().all(|c| {
                                c.is_ascii_alphabetic() || matches!(c, b' ' | b'\'' | b'-')
                            })
                    })
                    && !placeholder_value(f)
            });
            if named {
                out.push(Finding {
                    kind: PhiKind::Hl7,
                    range: at..end,
                    strong: true,
                });
            }
        }
    }
}

/// A FHIR resource other than Patient (an Observation, an Encounter, a MedicationRequest)
/// whose subject or patient reference displays a person's name: the resource is that
/// patient's record. In JSON or in XML (`<patient><display value="Brenda Kowalczyk"/>`).
pub(super) fn fhir_subjects(b: &[u8], out: &mut Vec<Finding>) {
    if memchr::memmem::find(b, b"\"display\"").is_none()
        && memchr::memmem::find(b, b"<display value=").is_none()
    {
        return;
    }
    let r = re(
        &FHIR_SUBJECT_RE,
        r#"(?:"(?:subject|patient|beneficiary)"\s*:\s*\{[^{}]{0,300}?|"reference"\s*:\s*"Patient/[^"]{1,64}"\s*,\s*)"display"\s*:\s*"([^"]{3,80})"|<(?:subject|patient|beneficiary)>\s*(?:<reference value="[^"]{1,80}"\s*/>\s*)?<display value="([^"]{3,80})""#,
    );
    for c in r.captures_iter(b) {
        let Some(v) = c.get(1).or(c.get(2)) else {
            continue;
        };
        let Ok(name) = std::str::from_utf8(v.as_bytes()) else {
            continue;
        };
        let words: Vec<&str> = name.split([' ', ',']).filter(|w| !w.is_empty()).collect();
        let person = words.len() >= 2
            && words.len() <= 5
            && words.iter().all(|w| {
                w.chars().next().is_some_and(char::is_uppercase)
                    && w.chars()
                        .all(|c| c.is_alphabetic() || matches!(c, '\'' | '-' | '.'))
            });
        // Without a `Patient/` reference the display may name a group or a panel (`Vital
        // Signs Panel`): one of its words must be a known name.
        let referenced = c
            .get(0)
            .is_some_and(|m| memchr::memmem::find(m.as_bytes(), b"Patient/").is_some());
        let known = || {
            words
                .iter()
                .any(|w| crate::detect::names::is_given(w) || crate::detect::names::is_surname(w))
        };
        if person
            && (referenced || known())
            && !placeholder_value(v.as_bytes())
            && !placeholder_name(name)
        {
            out.push(Finding {
                kind: PhiKind::Fhir,
                range: v.range(),
                strong: true,
            });
        }
    }
}

/// A CDA document's `recordTarget`: the patient's given name inside `patientRole`, or in
/// a `<patient>` element pasted alone (`<patient><name><given>Hope</given>`).
fn cda_patients(b: &[u8], out: &mut Vec<Finding>) {
    let Some(role) =
        memchr::memmem::find(b, b"<patientRole").or_else(|| memchr::memmem::find(b, b"<patient>"))
    else {
        return;
    };
    let rest = &b[role..];
    let Some(open) = memchr::memmem::find(&rest[..rest.len().min(400)], b"<given>") else {
        return;
    };
    let start = role + open + 7;
    let Some(len) = memchr::memchr(b'<', &b[start..]) else {
        return;
    };
    let value = &b[start..start + len];
    if value.len() >= 2 && value[0].is_ascii_uppercase() && !placeholder_value(value) {
        out.push(Finding {
            kind: PhiKind::Hl7,
            range: start..start + len,
            strong: true,
        });
    }
}

pub(super) fn capital_then_lower(b: &[u8]) -> bool {
    b.windows(2)
        .any(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_lowercase())
}

pub(super) fn ids_in_url_paths(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &URL_ID_RE,
        r"(?i)/(?:patients?|members?|charts?|mrns?|subscribers?|beneficiar(?:y|ies)|encounters?|persons?)/([a-z]{0,3}\d{5,12})\b",
    );
    for c in r.captures_iter(b) {
        if let Some(v) = c.get(1)
            && !is_placeholder_id(v.as_bytes())
        {
            out.push(Finding {
                kind: PhiKind::Mrn,
                range: v.range(),
                strong: false,
            });
        }
    }
}
