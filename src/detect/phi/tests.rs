#[test]
fn xml_elements_are_read_as_fields() {
    let kinds = |text: &str| {
        let mut out = Vec::new();
        super::xml_fields(text.as_bytes(), &mut out);
        out.iter()
            .map(|f| (f.kind, text[f.range.clone()].to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(r#"<birthDate value="1948-07-22"/>"#),
        [(super::PhiKind::Dob, "1948-07-22".to_string())]
    );
    assert_eq!(
        kinds("<fhir:birthDate value=\"1948-07-22\"/><dob>03/14/1961</dob>"),
        [
            (super::PhiKind::Dob, "1948-07-22".to_string()),
            (super::PhiKind::Dob, "03/14/1961".to_string())
        ]
    );
    assert!(kinds("<version>3.14.0</version><dob>{{dob}}</dob>").is_empty());
    assert!(kinds("<dob>unclosed 1948-07-22").is_empty());
}

/// What one detector finds in `text`: each finding's kind and text.
fn found_by(detector: fn(&str, &mut Vec<Finding>), text: &str) -> Vec<(PhiKind, String)> {
    let mut out = Vec::new();
    detector(text, &mut out);
    out.iter()
        .map(|f| (f.kind, text[f.range.clone()].to_string()))
        .collect()
}

#[test]
fn patients_built_from_positional_values() {
    let found = |text: &str| found_by(super::patient_constructors, text);
    assert_eq!(
        found(r#"Patient p = new Patient("Priya", "Nwosu", LocalDate.of(2012, 12, 23));"#),
        [
            (PhiKind::Name, "Priya".to_string()),
            (PhiKind::Name, "Nwosu".to_string()),
            (PhiKind::Dob, "LocalDate.of(2012, 12, 23)".to_string())
        ]
    );
    assert_eq!(
        found("m = Member('Okafor', 'Chidi', '1948-07-22')").len(),
        3
    );
    // Not a person, no known name, or no date.
    assert!(found(r#"new Release("Nwosu", LocalDate.of(2012, 12, 23))"#).is_empty());
    assert!(found(r#"new Patient("Jane", "Doe", LocalDate.of(2012, 12, 23))"#).is_empty());
    assert!(found(r#"new Patient("Priya", "Nwosu")"#).is_empty());
}

#[test]
fn person_rows_without_a_header() {
    let found = |text: &str| found_by(super::person_rows, text);
    assert_eq!(
        found("Okafor,Chidi,1948-07-22,M,(617) 555-0199\n"),
        [
            (PhiKind::Name, "Okafor,Chidi".to_string()),
            (PhiKind::Dob, "1948-07-22".to_string())
        ]
    );
    assert_eq!(found("Chidi\tOkafor\t07/22/1948\t617-555-0199").len(), 2);
    // A log row, a row without a person marker, a row of unknown words.
    assert!(found("api,2024-03-04,123,ok\n").is_empty());
    assert!(found("Okafor,Chidi,1948-07-22,platform\n").is_empty());
    assert!(found("Build,Deploy,2024-03-04,M\n").is_empty());
    // Names in capitals when a list knows one of them; compact birth dates.
    assert_eq!(
        found("XK1|NOWAK|MARIA|19840905|F|DETROIT\n"),
        [
            (PhiKind::Name, "NOWAK|MARIA".to_string()),
            (PhiKind::Dob, "19840905".to_string())
        ]
    );
    assert!(found("XK1|BUILD|DEPLOY|20240305|F\n").is_empty());
    assert_eq!(found("XK1|AL-ZAHRANI|FATIMA|19840905|F\n").len(), 2);
}

#[test]
fn sql_tuples_without_a_column_list() {
    let found = |text: &str| found_by(super::sql_positional, text);
    assert_eq!(
        found("INSERT INTO enc VALUES ('E1', 'Obi, Chukwuemeka', '1979-11-02', 'I10');"),
        [
            (PhiKind::Name, "Obi, Chukwuemeka".to_string()),
            (PhiKind::Dob, "1979-11-02".to_string())
        ]
    );
    assert_eq!(
        found("INSERT INTO c VALUES ('C1', 'ZIELINSKA^AGNIESZKA', '19661231', 'M54.5', 99214);\n")
            .len(),
        2
    );
    assert_eq!(
        found("insert into p values\n ('007', 'Nowak', 'Maria', '1966-01-30', 'F'),\n ('008', 'Okafor', 'Chidi', '1948-07-22', 'M');").len(),
        4
    );
    // Names no list knows, vouched for by two markers (a sex and an e-mail address).
    assert_eq!(
        found("INSERT INTO p VALUES ('1', 'Venkataraman', 'Rajesh', '1966-01-30', 'M', 'rv66@gmail.com');").len(),
        2
    );
    // No person: a release row, a name without a date, a date without a person marker.
    assert!(
        found("INSERT INTO releases VALUES ('v2.3', 'Ana Silva', '2024-01-14', 'stable');")
            .is_empty()
    );
    assert!(found("INSERT INTO t VALUES ('Obi, Chukwuemeka', 'I10');").is_empty());
    assert!(found("INSERT INTO t VALUES ('Build, Deploy', '2024-01-14', 'I10');").is_empty());
}

#[test]
fn mbi_shapes_stand_alone_with_or_without_dashes() {
    let text = b"mbi 1EG4-TE5-MK74, 1EG4TE5MK74 x1EG4TE5MK74 1EG4TE5MK745 1EB4TE5MK74 1EG4-TE5MK74";
    let found: Vec<&[u8]> = super::mbi_shapes(text)
        .into_iter()
        .map(|r| &text[r])
        .collect();
    assert_eq!(
        found,
        [&b"1EG4-TE5-MK74"[..], b"1EG4TE5MK74", b"1EG4-TE5MK74"]
    );
}

#[test]
fn day_first_dates_are_plausible_when_the_day_cannot_be_a_month() {
    assert!(super::plausible_date(b"18/10/1938"));
    assert!(super::plausible_date(b"10/18/1938"));
    assert!(!super::plausible_date(b"18/18/1938"));
}
proptest::proptest! {
    /// The label gate only skips texts the field regex finds nothing in.
    #[test]
    fn label_gate_loses_no_field(
        text in r#"([a-zA-Z_ .:="'\t\n-]|dob|DOB|ssn|patient|Member_Id|123-45-6789|1980-01-02|1 ){0,30}"#
    ) {
        let (mut gated, mut full) = (Vec::new(), Vec::new());
        super::fields(text.as_bytes(), &mut gated);
        super::fields_scan(text.as_bytes(), &mut full);
        proptest::prop_assert_eq!(gated, full);
    }

    /// One keyword pass answers every gate as a scan per word list would, on the short
    /// path and on the automaton a large text takes.
    #[test]
    fn keyword_pass_matches_a_scan_per_word(
        text in r#"([a-z /#(,|*.]|SSN|Social|card|pay|/Patient|insert|dob|pid\||nm1\*|\(0010,){0,40}"#
    ) {
        let large = format!("{}{text}", " ".repeat(9 * 1024));
        for t in [text.as_bytes(), large.as_bytes()] {
            let present = super::keywords_present(t);
            let mut expected = 0u32;
            for (word, group) in super::all_keywords() {
                if super::super::contains_ci(t, word.as_bytes()) {
                    expected |= 1 << group as u32;
                }
            }
            proptest::prop_assert_eq!(present, expected);
        }
    }

    #[test]
    fn mbi_scan_finds_what_the_regex_found(text in "([1-9AEGKMTBZ_ -]|1EG4|TE5|MK73){0,12}") {
        let regex = regex::bytes::RegexBuilder::new(
            r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]-?[AC-HJKMNP-RT-Y]{2}[0-9]{2}\b",
        )
        .unicode(false)
        .build()
        .unwrap();
        let expected: Vec<_> = regex.find_iter(text.as_bytes()).map(|m| m.range()).collect();
        proptest::prop_assert_eq!(super::mbi_shapes(text.as_bytes()), expected);
    }

    #[test]
    fn digit_run_is_the_longest_or_enough(text in "[0-9a ]{0,40}", enough in 1usize..15) {
        let longest = text.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
        let got = super::longest_digit_run(text.as_bytes(), enough);
        proptest::prop_assert_eq!(got.min(enough), longest.min(enough));
        proptest::prop_assert!(got <= longest);
    }
}

use super::*;

fn kinds(text: &str) -> Vec<PhiKind> {
    let mut k: Vec<PhiKind> = scan(text).iter().map(|f| f.kind).collect();
    k.sort();
    k.dedup();
    k
}

/// The split scan of a large text finds what the sequential one finds, in order.
#[test]
fn a_large_text_scanned_on_two_threads_finds_the_same() {
    let rows = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpus/realistic.tsv"
    ))
    .unwrap();
    let mut text = String::new();
    for (i, line) in rows.lines().skip(1).enumerate() {
        let body = line
            .splitn(3, '\t')
            .nth(2)
            .unwrap_or("")
            .replace("\\n", "\n");
        text.push_str(&body);
        text.push('\n');
        if i % 7 == 0 {
            text.push_str(&"let total = items.len(); // order 4821\n".repeat(40));
        }
    }
    while text.len() < super::ALONGSIDE_BYTES {
        text.push_str(&text.clone());
    }
    let sequential = super::scan_candidates(&text);
    assert!(sequential.len() > 100, "{}", sequential.len());
    let (split, other) = super::candidates_alongside(&text, || 7);
    assert_eq!(other, 7);
    assert_eq!(split, sequential);
}

#[test]
fn large_texts_reuse_findings_only_for_the_same_text() {
    let filler = "let total = items.len(); // order 4821\n".repeat(600);
    let with = format!("{filler}patient SSN 234-56-7891\n");
    let without = format!("{filler}patient SSN none on file\n");
    assert!(with.len() >= MEMO_BYTES);
    let first = candidates(&with);
    assert!(first.iter().any(|f| f.kind == PhiKind::Ssn), "{first:?}");
    assert_eq!(candidates(&with), first);
    assert!(!candidates(&without).iter().any(|f| f.kind == PhiKind::Ssn));
    assert_eq!(candidates(&with), first);
}

#[test]
fn ssn_rules_follow_the_ssa() {
    assert!(ssn_valid(&digits(b"234-56-7891")));
    for bad in [
        "000-12-3456",
        "666-12-3456",
        "912-12-3456",
        "234-00-3456",
        "234-56-0000",
        "078-05-1120",
        "123-45-6789",
        "111-11-1111",
    ] {
        assert!(!ssn_valid(&digits(bad.as_bytes())), "{bad}");
    }
    assert_eq!(kinds("SSN on file: 234-56-7891"), [PhiKind::Ssn]);
    assert!(kinds("order 234567891 shipped").is_empty());
    assert_eq!(kinds("ssn: 234567891"), [PhiKind::Ssn]);
    assert!(kinds("let re = /\\d{3}-\\d{2}-\\d{4}/; mask = 'XXX-XX-XXXX'").is_empty());
    assert!(kinds("version 1.234-56-7891").is_empty());
}

#[test]
fn checksums_for_npi_and_dea() {
    assert!(npi_valid(&digits(b"1234567893")));
    assert!(!npi_valid(&digits(b"1234567890")));
    assert!(dea_valid(b"AB1234563"));
    assert!(!dea_valid(b"AB1234567"));
}

#[test]
fn weak_signals_need_a_second_kind() {
    assert!(kinds("DOB: 1984-03-12").is_empty());
    assert_eq!(
        kinds("Patient: Maria Lopez, DOB: 03/12/1984"),
        [PhiKind::Dob, PhiKind::Name]
    );
    assert!(kinds("Patient: John Doe, DOB: 03/12/1984").is_empty());
    assert!(kinds("ICD-10 codes: E11.9, I10, J45.909").is_empty());
    // A provider's number beside a name makes a clinician, not a patient; with a patient
    // named, it is the patient's referral.
    assert!(kinds("name: Ana Ruiz, NPI 1234567893, pager 608-555-0142").is_empty());
    assert!(kinds("Kenji Nakamura DO (OB/GYN, NPI 1234567893, 312-555-0420)").is_empty());
    assert_eq!(
        kinds("Patient: Ingrid Lund\nReferring NPI: 1234567893"),
        [PhiKind::Npi, PhiKind::Name]
    );
}

#[test]
fn bare_lists_of_record_numbers_in_a_text_about_patients() {
    assert_eq!(
        kinds("pull the discharge summaries for these: 86372009, 65360606, 27579179, 63505430"),
        [PhiKind::Mrn]
    );
    assert_eq!(
        kinds("the pts on the recall list:\n00482913\n00518834\n00602217\n"),
        [PhiKind::Mrn]
    );
    // Two numbers, numbers of different lengths, a list in a text about builds, dates.
    assert!(kinds("patient charts 86372009 and 65360606").is_empty());
    assert!(kinds("patient charts 86372009, 653606, 2757917912").is_empty());
    assert!(kinds("builds 86372009, 65360606, 27579179 failed").is_empty());
    assert!(kinds("patient visits on 2024-01-02, 2024-01-03, 2024-01-04").is_empty());
}

#[test]
fn vcards_are_one_persons_record() {
    let card = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Tallulah Tsosie\r\nN:Tsosie;Tallulah;;;\r\nBDAY:19580214\r\nTEL;TYPE=cell:+1-928-555-0143\r\nEND:VCARD\r\n";
    assert_eq!(kinds(card), [PhiKind::Dob, PhiKind::Name, PhiKind::Contact]);
    // A card without a name, or with only a name.
    assert!(kinds("BEGIN:VCARD\nVERSION:4.0\nBDAY:19580214\nEND:VCARD\n").is_empty());
    assert!(kinds("BEGIN:VCARD\nFN:Tallulah Tsosie\nORG:Clinic\nEND:VCARD\n").is_empty());
    let found = |text: &str| found_by(super::vcards, text);
    assert_eq!(
        found(
            "patient portal import:\nBEGIN:VCARD\nFN:Ana Ruiz\nEMAIL:ana.r@mail.example\nEND:VCARD\n"
        ),
        [
            (PhiKind::Name, "Ana Ruiz".to_string()),
            (PhiKind::Contact, "ana.r@mail.example".to_string())
        ]
    );
}

#[test]
fn key_value_logs_and_command_options() {
    assert_eq!(
        kinds(
            "rx-router: order_id=RX77120 patient=Meron Alemu drug=\"medroxyprogesterone\" dob=1979-02-11"
        ),
        [PhiKind::Dob, PhiKind::Name]
    );
    assert_eq!(
        kinds("ehr-cli patient find --mrn 00482913 --dob 1961-08-22 --format json"),
        [PhiKind::Mrn, PhiKind::Dob]
    );
    assert_eq!(
        kinds("ehr-cli find --last-name \"Nowak\" --first-name Adam --dob 1961-08-22"),
        [PhiKind::Dob, PhiKind::Name]
    );
    // Options that name nothing known, or hold no value.
    assert!(kinds("cargo test --release --name build-1961-08-22").is_empty());
    assert!(kinds("tool --dob --mrn").is_empty());
}

#[test]
fn labels_are_read_in_sql_urls_and_after_unknown_labels() {
    assert_eq!(
        kinds(
            "INSERT INTO patients (first_name, last_name, dob) VALUES ('Keisha', 'O'Connor', '1961-03-24'), ('Ana', 'Eze', '1970-01-02');"
        ),
        [PhiKind::Dob, PhiKind::Name]
    );
    // `https:` is not a label and must not swallow `dob=`.
    assert_eq!(
        kinds("curl https://claims.internal/v2/members/XK649824587/eligibility?dob=2009-02-15"),
        [PhiKind::Mrn, PhiKind::Dob]
    );
    assert_eq!(
        kinds("wget 'https://portal/lookup?patient=Emeka%20Castillo&dob=06/25/1942'"),
        [PhiKind::Dob, PhiKind::Name]
    );
    assert!(kinds("INSERT INTO t (first_name, dob) VALUES ('first', 'unknown')").is_empty());
    assert!(kinds("curl https://api/patients/{id}/chart?name=test").is_empty());
}

#[test]
fn names_of_any_origin_count_beside_another_signal() {
    for text in [
        "Patient Aaliyah O'Connor, DOB 01/16/2003, needs a summary",
        "Can you pull Siobhán García-Márquez, born December 24, 1987?",
        "Nguyen, Hiroshi -- DOB: 2001-03-06",
        "the intake form for Fatima Abernathy (12/01/1953) is wrong",
        "INSERT INTO subscribers VALUES (345, 'Priya Mwangi', '873-56-3018');",
    ] {
        assert!(kinds(text).contains(&PhiKind::Name), "{text}");
    }
    // A name beside a date that is not about them is not a record.
    assert!(kinds("git log --author='Maria Lopez' --since=2024-05-01").is_empty());
    assert!(kinds("Thanks Maria Lopez for the review on 2024-05-01").is_empty());
}

#[test]
fn cards_need_luhn_context_and_a_name() {
    assert_eq!(
        kinds("patient Keisha Subramanian paid with 4708 0592 5633 3009 but it failed"),
        [PhiKind::Name, PhiKind::Card]
    );
    assert_eq!(
        kinds("billing_name=Dmitri Kowalczyk\ncard_number=5639129097239458\n"),
        [PhiKind::Name, PhiKind::Card]
    );
    // Luhn fails, a test card, no name. (A name labelled a patient's is PHI by itself
    // since session 18, so these name a customer.)
    assert!(kinds("customer Keisha Subramanian paid with 4708 0592 5633 3008").is_empty());
    assert!(kinds("customer Keisha Subramanian paid with 4242 4242 4242 4242").is_empty());
    assert!(kinds("card_number=5639129097239458").is_empty());
}

#[test]
fn a_quoted_ssn_alone_is_a_value() {
    assert_eq!(kinds("grep -r '330-43-3715' exports/"), [PhiKind::Ssn]);
    assert!(kinds("flight LH 400-12-3456").is_empty());
    assert!(kinds("grep -r '900-43-3715' exports/").is_empty());
}

#[test]
fn record_containers_are_strong() {
    assert_eq!(
        kinds("PID|1||483921^^^HOSP^MR||Lopez^Maria||19840312|F"),
        // The name and the compact birth date are read as a row's fields too.
        [PhiKind::Dob, PhiKind::Name, PhiKind::Hl7]
    );
    assert!(kinds("PID|1||||||").is_empty());
    // A template's slots and a de-identified segment's tags are not values.
    assert!(
        kinds("e.g. PID|1||{mrn}^^^{facility}^MR||{last}^{first}^{middle}||{dob}|{sex}").is_empty()
    );
    assert!(kinds("PID|1||[REDACTED]^^^MH^MR||[NAME]^[NAME]||[DOB]|F|||[ADDRESS]").is_empty());
    // The labelled birth date is found as well, by the field reader.
    assert_eq!(
        kinds(r#"{"resourceType":"Patient","birthDate":"1984-03-12"}"#),
        [PhiKind::Dob, PhiKind::Fhir]
    );
    assert_eq!(
        kinds("NM1*IL*1*LOPEZ*MARIA****MI*W123456789~"),
        [PhiKind::X12]
    );
    // A dependent in an eligibility request.
    assert_eq!(
        kinds("NM1*03*1*SMITH*MARY~DMG*D8*19781014~"),
        [PhiKind::X12]
    );
    assert_eq!(kinds("(0010,0010) PN [Lopez^Maria]"), [PhiKind::Dicom]);
    assert_eq!(
        kinds("dcmodify -m \"(0010,0010)=NOWAK^ADAM\" -m \"(0010,0020)=00739150\" a.dcm"),
        [PhiKind::Dicom]
    );
    assert!(kinds("dcmodify -m \"(0010,0010)={name}\" a.dcm").is_empty());
}

#[test]
fn people_outside_pid_and_patient_resources_are_records() {
    let has = |text: &str, kind: PhiKind| {
        let found = kinds(text);
        assert!(found.contains(&kind), "{text}: {found:?}");
    };
    has(
        "NK1|1|YAZZIE^DORINDA|MTH^Mother|HC 61 Box 218^^Tuba City^AZ^86045",
        PhiKind::Hl7,
    );
    has(
        "GT1|1|G00918|ORTIZ^ROSA^E||2207 SW 8th St^^Miami^FL^33135",
        PhiKind::Hl7,
    );
    has(
        "IN1|1|UHC01|87726|UNITEDHEALTHCARE|||||||||||EPO|NGUYEN^THI LAN|01|19570822",
        PhiKind::Hl7,
    );
    assert!(kinds("IN1|1|UHC01|87726|UNITEDHEALTHCARE|||||||||||EPO||01|").is_empty());
    has(
        r#"{"resourceType":"Encounter","subject":{"reference":"Patient/pt-3381","display":"Kim Soo-yeon"}}"#,
        PhiKind::Fhir,
    );
    assert!(
        kinds(r#"{"resourceType":"Encounter","subject":{"reference":"Patient/123"}}"#).is_empty()
    );
    has(
        r#"{"resourceType":"Appointment","participant":[{"actor":{"reference":"Patient/88410","display":"Tavita Faleolo Vaifale"}}]}"#,
        PhiKind::Fhir,
    );
    assert!(
        kinds(r#"{"resourceType":"Appointment","participant":[{"actor":{"reference":"Practitioner/88410","display":"Adam Careful"}}]}"#).is_empty()
    );
    has(
        "<recordTarget><patientRole><id extension=\"61120\"/><patient><name><given>Jose</given><family>Fernandez</family></name></patient></patientRole></recordTarget>",
        PhiKind::Hl7,
    );
    has(
        "SELECT * FROM patients WHERE mrn IN ('67034331','64530789','27625012')",
        PhiKind::Mrn,
    );
    has(
        "hba1c trend for mrns E5069099,E8257607,E4258685",
        PhiKind::Mrn,
    );
    assert!(kinds("mrn IN (:ids) -- bound at run time, 12 rows").is_empty());
}

#[test]
fn labelled_names_in_any_script() {
    for text in [
        "Patient 류명숙, DOB 1987-08-03, admitted for type 2 diabetes",
        "Patient 田桂荣, DOB 2009-03-22, admitted for major depressive disorder",
        "{\"patient\": \"谭霞\", \"birthDate\": \"1989-04-28\"}",
        "Patient السيد زين الشايقية, DOB 1993-03-29",
    ] {
        let found = kinds(text);
        assert!(found.contains(&PhiKind::Name), "{text}: {found:?}");
    }
    assert!(kinds("Patient portal 설정, version 2024-03-01").is_empty());
    // Spanish records name the record number `expediente`.
    assert!(
        kinds("Resumen de alta\nNombre: Guadalupe Ramirez Soto\nExpediente: 00771204\n")
            .contains(&PhiKind::Mrn)
    );
}

#[test]
fn staff_resources_are_not_patients() {
    let practitioner = r#"{"resourceType":"Practitioner","name":[{"family":"Careful","given":["Adam"]}],"birthDate":"1980-02-27","telecom":[{"system":"phone","value":"734-677-6622"}]}"#;
    assert!(kinds(practitioner).is_empty(), "{:?}", kinds(practitioner));
    let patient = practitioner.replace("Practitioner", "Patient");
    assert!(!kinds(&patient).is_empty());
}

#[test]
fn zpl_fields_are_read_past_their_command_letters() {
    let label =
        "^XA\n^FO40,30^FDEZE, NGOZI A^FS\n^FO40,80^FDMRN 40318291   DOB 05/12/1988   F^FS\n^XZ\n";
    let found = scan(label);
    assert!(found.iter().any(|f| f.kind == PhiKind::Mrn), "{found:?}");
    for f in &found {
        assert!(!label[f.range.clone()].contains("^FD"), "{found:?}");
    }
}

#[test]
fn a_labelled_patient_has_their_conditions_anywhere_in_the_text() {
    let summary = "DISCHARGE SUMMARY\n\nPatient: Pierre-Louis, Jean-Baptiste\nAdmitted: 03/16/2024\n\
                   Hospital course: chest pain; started on ticagrelor and atorvastatin 80 mg.\n";
    assert!(!scan(summary).is_empty());
    // Without the label, a name far from the drugs is not tied to them.
    let note = "Reviewed by Jean-Baptiste Pierre-Louis.\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\nThe formulary lists ticagrelor 90 mg tablets.\n";
    assert!(scan(note).is_empty(), "{:?}", scan(note));
}

#[test]
fn ages_as_notes_write_them_beside_a_name() {
    assert!(
        !scan("ED board: Hope Carter, 81 y/o, hip fracture, waiting on CT since 0600 (bed 14)")
            .is_empty()
    );
    assert!(
        !scan("Run 24-029914, pt Omar Al-Farsi 38M, MVC rollover, GCS 9 on scene, intubated")
            .is_empty()
    );
    assert!(scan("Imported 38M rows for Hope Carter's dashboard in 12 minutes").is_empty());
}

/// Session 18 (issue 31): names and facts in the forms the fourth independent set showed.
#[test]
fn names_in_cells_carets_padding_and_the_line_above_their_fact() {
    let has = |text: &str, kind: PhiKind| scan(text).iter().any(|f| f.kind == kind);
    for text in [
        // Quoted cells of a positional row or a JSON array, with a birth date.
        "REPLACE INTO mpi VALUES ('40319002','Subramanian','Venkatesh','1971-08-09','M')",
        r#"{"values": [["Tuiasosopo", "Sina", "1976-11-21"]]}"#,
        // DICOM's and HL7's `SURNAME^GIVEN`, one part known.
        "ACC CT24-77361 / ZHOU^MINGZHE / DOB 1990-07-23",
        // A fixed-width row: known names padded with blanks, a record number glued on.
        "cut -c1-8 <<< '61000941JOSEPH              MARIE-CARMELLE 19791008'",
        // The name heads the line its medication stands on.
        "SUBRAMANIAN, VENKATESH\nTACROLIMUS 1MG CAPSULE  Qty: 120",
        "- name: Sina Tuiasosopo\n  med: insulin glargine 24 units qhs\n",
        // A state code that is also a credential's letters, then a ZIP code: an address.
        "INSERT INTO patients VALUES ('Lee', 'Ann', 'PA', '19104', '1958-03-02');",
        "Okafor|Ngozi|MD|21201|1966-10-30",
    ] {
        assert!(has(text, PhiKind::Name), "{text}: {:?}", kinds(text));
    }
    for text in [
        // A staff table's row: its specialty is no condition, its phone a work one.
        "INSERT INTO providers VALUES ('1151773417', 'Osei', 'Samuel', 'Nephrology', '414-805-3120')",
        r#"[["Brandt", "Helen", "Hematology/Oncology", "2019-07-01"]]"#,
        "staff = [('Okafor', 'Emeka', 'MD', '2800 N Sheridan Rd, Chicago, IL 60657')]",
        // A public figure written surname first.
        "INSERT INTO figures VALUES ('Nightingale', 'Florence', '1820-05-12')",
        "Henrietta Lacks (born August 1, 1920) and the HeLa line",
        // Two lines apart is not the line above.
        "Sina Tuiasosopo\n\nthe tacrolimus 1MG capsule page is down",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

#[test]
fn mailing_addresses_without_a_street_type_or_in_csv_cells() {
    let found = |text: &str| {
        let mut out = Vec::new();
        super::facts::named_facts(text, &super::not_patients::NotPatients::of(text), &mut out);
        out.iter()
            .filter(|f| f.kind == PhiKind::Contact)
            .map(|f| text[f.range.clone()].to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        found(r#"geocode.py "Zhou Mingzhe" "88 Bowery Fl 3, New York, NY 10013""#),
        ["88 Bowery Fl 3, New York, NY 10013"]
    );
    assert_eq!(
        found("Tavita Faleolo,1520 Kalihi St,Honolulu,HI,96819,RETURN TO SENDER"),
        ["1520 Kalihi St,Honolulu,HI,96819"]
    );
    // No house number, or no comma before the city: no address.
    assert!(found("Ann Smith, Bowery Fl 3, New York, NY 10013").is_empty());
    assert!(found("Ann Smith build 88 of New York NY 10013").is_empty());
}

/// That a person is a patient is health information: a whole known name its label calls a
/// patient's is PHI alone; a label before words that are no known name, or half a name, is not.
#[test]
fn a_whole_name_labelled_a_patients_is_enough() {
    for text in [
        "echo 'svc=scheduler patient=\"Tou Xiong\" dept=PEDS'",
        "Dr. Mendez, your patient Lakshmi Iyer's glucose log was uploaded again",
        r#"{"patient": "Xiong, Tou"}"#,
        "patient Keisha Subramanian paid with 4708 0592 5633 3008",
    ] {
        assert!(
            scan(text)
                .iter()
                .any(|f| f.kind == PhiKind::Name && f.strong),
            "{text}: {:?}",
            kinds(text)
        );
    }
    for text in [
        "the Patient Safety Committee meets Tuesday",
        "patient John Doe",
        "patient Tou",
        "customer Keisha Subramanian called",
        "patient Portal Login page is down",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

#[test]
fn a_bare_member_or_subscriber_id_beside_a_name() {
    assert_eq!(
        kinds("eligibility fails for subscriber W284710593 (Ngozi Eze), BCBS says active"),
        [PhiKind::Mrn, PhiKind::Name]
    );
    // Weak: alone, or as a count, it is not a record.
    assert!(kinds("subscriber W284710593 is failing eligibility").is_empty());
    assert!(kinds("the team member 2024 review for Ann Lee").is_empty());
}

#[test]
fn care_settings_and_vaccines_beside_a_name() {
    for text in [
        "ADT shows Krzysztof Wiśniewski admitted twice on 3/14, once to 5E and once to ICU.",
        "Tou Xiong Jr is still showing overdue for HPV dose 2 in the forecaster",
    ] {
        assert_eq!(kinds(text), [PhiKind::Name, PhiKind::Diagnosis], "{text}");
    }
    // `admitted` alone has other senses.
    assert!(kinds("Ann Lee admitted the bug was hers, fixed in 4.2").is_empty());
}

/// A person's own phone or e-mail right beside their whole name is theirs to keep from the
/// agent whatever the text is about; a clinic's phone, a half name, a street or a staff
/// list is not.
#[test]
fn a_phone_or_email_right_beside_a_whole_name() {
    for text in [
        "echo 'Xiong, Tou 651-774-2093' | ./callbacks/enqueue.sh --priority high",
        "SELECT id FROM sms_outbox WHERE recipient_name = 'Mai Vang' AND to_number = '+16125550193'",
        "Call Sam Reyes at 414-372-9915 about the build",
    ] {
        assert_eq!(kinds(text), [PhiKind::Name, PhiKind::Contact], "{text}");
    }
    for text in [
        "Tou says call 651-774-2093 about the build",
        "Ann Lee's team shipped 4.2; the office line is far away from here, 651-774-2093",
        "on-call roster: Ann Lee 651-774-2093",
        "Ann Lee moved to 96 Doohan Street last week",
    ] {
        assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

/// Surnames with particles, names after a title, columns qualified by a table's alias, and
/// resources whose subject is a person, in XML as in JSON.
#[test]
fn particles_titles_aliased_columns_and_xml_subjects() {
    for text in [
        "It split Marguerite de la Fontaine, 2/9/1956 as first='Marguerite de'",
        "^XA^FO20,15^FDLORENZO DI STEFANO^FS^FO20,50^FDDOB 02/19/1974  M^FS^XZ",
        "Room 312 Mrs. Horváth is refusing the 2100 lovenox again, family at bedside",
        "La Sra. Castañeda Ruiz llamó, se le acabó la insulina",
        "SELECT * FROM patients p WHERE p.last_name = 'Fonoti' AND p.dob = '2001-08-19'",
        // A search pattern in lower case (session 19).
        "SELECT p.id FROM person p WHERE p.full_name ILIKE 'jesús villanueva peña%' AND p.birth_date = '1966-04-02'",
        r#"<AllergyIntolerance><patient><display value="Brenda Kowalczyk"/></patient></AllergyIntolerance>"#,
        r#"<patient><name><given>Hope</given><family>Yellowhorse</family></name><birthTime value="1978-03-15"/></patient>"#,
        r#"I have "subject": {"display": "Jae-eun Choi", "identifier": {"value": "KB0730194"}}"#,
        "fields I send: 302-C2=CSH605512894 310-CA=Chidi 311-CB=Eze 304-C4=19930117",
        // The separator as a dump writes it (session 19).
        r"\x1eAM01\x1cC419540330\x1cC51\x1cCAEDWARD\x1cCBKOWALSKI\x1cCM626 UNIVERSITY DR",
        "AM01<FS>C419540330<FS>CAEDWARD<FS>CBKOWALSKI",
        "AM01\u{241c}C419540330\u{241c}CAEDWARD\u{241c}CBKOWALSKI",
        // A hash as redis-cli prints it; Epic Clarity's patient name column, in capitals.
        "HGETALL appt:hold:347468\n1) \"patient\"\n2) \"Kou Her\"\n3) \"mrn\"\n4) \"62129726\"",
        "sqlcmd -S sql01 -Q \"SELECT p.PAT_MRN_ID FROM PATIENT p WHERE p.PAT_NAME = 'JAMA,ABDIRAHMAN YUSUF'\"",
        // X12 with another element separator.
        "ISA|00|          |00|\nNM1|QC|1|MOUA|NOU LEE||||MI|8470411185\nDTM|232|20240612",
        // A pharmacy label: the name's field above its medication's.
        "^XA\n^FO30,70^A0N,32,32^FDNOUR EL-SAYED^FS\n^FO30,110^A0N,24,24^FDSERTRALINE 50MG TAB  #30^FS\n^XZ\n",
        "Hyun-woo Park now has 'Major depressive disorder, recurrent, moderate' listed twice",
        // A list named for record numbers, the name glued to another word.
        "AFFECTED_MRNS = [\n    \"KB0441902\",\n    \"KB0587316\",\n]\n",
        // Nine digits further along a sentence about SSNs, beside a name.
        "the SSN in the statement has no dashes, e.g. 540228173 for María José Castañeda Ruiz.",
    ] {
        assert!(!scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
    for text in [
        // A clinician's title before the honorific; a title before a health word.
        "Dr. Mrs. Omobolanle Olasupo, Oncology, ext. 5677",
        "Mr. Smith from accounting approved the 2024 budget",
        // A particle without a known given name before it; an English word that doubles as
        // one (`do`).
        "the Port of Los Angeles opened berth 12 in 1998",
        "Will do Monday, ring 414-372-9915 if the build breaks",
        // A subject that is a device, not a person.
        r#"<subject><display value="infusion pump 7"/></subject>"#,
        r#"<patient><name><given>{{given}}</given></name></patient>"#,
        "SELECT * FROM providers p WHERE p.specialty = 'Oncology' AND p.start = '2001-08-19'",
        "SSN column width is 9; order 540228173 shipped",
        // Test patients and values nobody has (session 19).
        "PID|1||99999901^^^PLH^MR||ZZTEST^ADTONE||19000101|U|||123 TEST ST",
        "test_patient = {'mrn': '00000000', 'first_name': 'Test', 'last_name': 'Patient', 'dob': '1900-01-01', 'ssn': '000-00-0000', 'phone': '555-555-5555'}",
        "(0010,0010) PN [ANONYMIZED]   # PatientName\n(0010,0020) LO [ANON-7F3A]   # PatientID\n(0010,0030) DA (no value available)   # PatientBirthDate",
        "NM1|IL|1|DOE|JOHN||||MI|W123456789~",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

/// Families the seventh independent set found (session 21), each in other words than its
/// rows: short and prefixed column names, a flat NCPDP file, a fixed-width row whose date
/// has the sex and a diagnosis glued on, a chart number after a name, an HL7 message logged
/// with escaped breaks, a Medicaid program's id, a patient called by surname, DICOMweb's
/// JSON model, VistA's patient global.
#[test]
fn short_keys_flat_files_and_numbers_beside_names() {
    for text in [
        r#"{"pt": {"nm": {"fam": "Kowalczyk", "giv": "Irena"}, "bd": "19580214"}}"#,
        "UPDATE pt SET tel='206-555-0143' WHERE ptlname='Okafor' AND ptfname='Chidi' AND ptdob='1961-03-09'",
        "AM01|C419610309|C52|CAIRENA|CBKOWALCZYK|CM88 ALDER ST|AM07|EM1",
        "V11223344556  KOWALCZYK,IRENA              19580214FE11.9   ADM",
        "ED triage - Irena Kowalczyk (M4471920), chest pain, troponin pending",
        "SCH|88121|||||FU\\rPID|1||M004471920||KOWALCZYK^IRENA^||19580214|F",
        "can you see why Irena Kowalczyk Medicaid 7741209931 was denied? seen twice this week",
        "pt Kowalczyk dob 02/14/1958 waiting on transport",
        r#"{"00100010": {"vr": "PN", "Value": [{"Alphabetic": "Kowalczyk^Irena"}]}, "00100020": {"vr": "LO", "Value": ["M4471920"]}}"#,
        r#"^DPT(100423,0)="KOWALCZYK,IRENA^F^2580214^^^^^^771209931""#,
        "Chidi Okafor 03/09/2019 - due for 4 yr shots",
        "{\"to\": \"chidi.okafor61@yahoo.com\", \"body\": \"Hi Chidi, your after-visit summary is attached. Keep taking the lisinopril.\"}",
    ] {
        let derived = crate::normalize::derived::derive(text);
        let found = !scan(text).is_empty() || derived.iter().any(|d| !scan(d).is_empty());
        assert!(found, "{text}: {:?}", kinds(text));
    }
    for text in [
        // A query's column list is not the header of the rows under it.
        "SELECT p.mrn, p.last_name FROM patients p;\n mrn | last_name\n---+---\n(0 rows)",
        // A clinic by its initials; a release by its build number.
        "Yakima Valley CHC - Front desk: (509) 248-0300, 4th floor",
        "Release by Owen Park (2024061) is out, see the changelog",
        "the patient Portal is down again",
        r#"{"00100010": {"vr": "PN", "Value": [{"Alphabetic": "ANONYMOUS"}]}, "00100020": {"vr": "LO"}}"#,
        r#"S ^DPT(1,0)="ZZTEST,PATIENT^M^2000101" W $P(^DPT(DFN,0),"^",3)"#,
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

/// Session 22: a record written a field to a line keeps its fields together (an INI
/// section per patient), and specialties and programmes are not people.
#[test]
fn keyed_records_and_specialty_words() {
    for text in [
        "[M007455263]\nname=Irena Kowalczyk\naddress=88 Alder St, Tacoma, WA 98402\nvisit=wound care, F10.239\n",
        "- name: Irena Kowalczyk\n  room: 4B\n  plan: hospice, morphine 5mg q4h prn\n",
        "<ePatient><ePatient.02>Kowalczyk</ePatient.02><ePatient.03>Irena</ePatient.03><ePatient.17>1958-02-14</ePatient.17></ePatient>",
    ] {
        assert!(!scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
    for text in [
        "provider: Dr. Obinna Eze\nnpi: 1306958214\ndea: registered, expires 2026-09-30\nboard: ABIM Internal Medicine\n",
        "Is Biktarvy on the Georgia Medicaid preferred drug list for 2025?",
        // Fields of one record, not of a blank-line-separated next one.
        "name=Irena Kowalczyk\nteam=blue\n\nnote=wound care rounds 0800\n",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

/// Chats write patients' names in lower case and their results as short names and numbers
/// (issue 31, eighth set): a lower-case name counts beside a condition or a result, in
/// English text, when its given name is not an ordinary word.
#[test]
fn lower_case_names_beside_results() {
    for text in [
        "can someone check on yesenia pettigrew in 104? k+ came back 6.4 and nobody called it",
        "fyi thuy purvis is back again, 3rd time this month for etoh withdrawal, ciwa 19",
        "darnell gold's viral load is up to 48k, can case mgmt reach out before friday",
        "07/18 21:06 CRIT CALL  Moody,Arnold  M03710836  K+ 7.3  called to RN J. Tokeinna",
        "Yesenia Pettigrew in 104, A1c 11.2 today",
    ] {
        assert!(!scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
    for text in [
        // Ordinary words that are names, a title, another language, no result.
        "will check the k+ on bed 4 again, it came back 6.4",
        "mark brown said the k+ came back 6.4 on the analyzer test run",
        "dr yesenia pettigrew is on call for the k+ protocol review at 6",
        "esta nota es para la paciente con diabetes, k+ 6.4 en la tarde",
        "yesenia pettigrew joined the team on monday and starts at 9",
        // Rupees, a test score, not applicable.
        "Priya Sharma paid INR 5000 for the course at the clinic",
        "Maria Lopez scored SATs 1450 and NA 12 on the form",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

/// The specifications' own example patients are documentation (issue 31): a copy of FHIR's
/// Patient/example or HL7's Adam Everyman is not a record, but naming one hides nobody else.
#[test]
fn specification_example_patients_are_documentation() {
    for text in [
        r#"{"resourceType": "Patient", "id": "example", "identifier": [{"use": "usual", "system": "urn:oid:1.2.36.146.595.217.0.1", "value": "12345"}], "name": [{"use": "official", "family": "Chalmers", "given": ["Peter", "James"]}], "gender": "male", "birthDate": "1974-12-25"}"#,
        "is the spec's Patient/example (Peter James Chalmers, born 1974-12-25) meant to validate against US Core?",
        r#"{"resourceType": "Patient", "id": "pat1", "name": [{"family": "Donald", "given": ["Duck"]}], "contact": [{"organization": {"display": "Walt Disney Corporation"}}]}"#,
        "MSH|^~\\&|ADT1|GOOD HEALTH HOSPITAL|GHH LAB, INC.|GOOD HEALTH HOSPITAL|198808181126|SECURITY|ADT^A01^ADT_A01|MSG00001|P|2.5.1\rPID|1||PATID1234^^^GOOD HEALTH HOSPITAL^MR^GOOD HEALTH HOSPITAL~123456789^^^USSSA^SS||EVERYMAN^ADAM^A^III||19610615|M||C|2222 HOME STREET^^GREENSBORO^NC^27401-1020\r",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
    for text in [
        // A real patient beside the example, and the example's name on someone else's record.
        "compare to Peter James Chalmers: our patient Irena Kowalczyk, DOB 03/14/1961, MRN 40318291",
        r#"{"resourceType": "Patient", "name": [{"family": "Chalmers", "given": ["Peter"]}], "birthDate": "1961-03-14", "identifier": [{"value": "40318291"}]}"#,
    ] {
        assert!(!scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

#[test]
fn example_patients_lend_no_facts_to_the_words_around_them() {
    // The example's name beside a medication made a weak pair; its copy `pat2`, MR 123456.
    for text in [
        r#"{"resourceType": "MedicationRequest", "text": {"div": "<p><b>subject</b>: <a>Donald Duck</a></p><p><b>medication</b>: Oral Form Oxycodone (product)</p>"}}"#,
        "<p>Patient Donald D DUCK @ Acme Healthcare, Inc. MR = 123456</p>",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
    // Another patient in the example's list is still one.
    let list = "<li>Patient Donald DUCK @ Acme Healthcare, Inc. MR = 654321</li><li>Patient Simon Notsowell @ Acme Healthcare, Inc. MR = 123457, DECEASED</li>";
    assert!(!scan(list).is_empty(), "{list}");
}

#[test]
fn ordinary_words_are_no_name() {
    // Headings, products and phrases in capitals, beside a date or a drug.
    for text in [
        "Oral Tablet 2015-01-15 vancomycin",
        "Funded Billing period 2016-01-01 to 2016-06-30 for MRN: 40318291",
        "Blood Agar culture, collected 16/08/2015",
        "Adam Careful, 2015-01-15, prescribed metformin",
        "Chest Wall dose delivered, ICD-10 C50.811",
    ] {
        let names: Vec<String> = candidates(text)
            .iter()
            .filter(|f| f.kind == PhiKind::Name)
            .map(|f| text[f.range.clone()].to_string())
            .collect();
        assert!(names.is_empty(), "{text}: {names:?}");
    }
    // Names that are words, and names no list knows, are still names beside their facts.
    for text in [
        "Hope Church, 3/4/1939, MRN: 40318291",
        "Will Branch DOB 1961-03-14 started on tamoxifen",
        "Tavita Faleolo 1961-03-14 started on metformin",
    ] {
        assert!(!scan(text).is_empty(), "{text}");
    }
}

#[test]
fn clinicians_a_resource_references_are_not_its_patient() {
    let practitioner = r#"{"resourceType": "MedicationRequest", "text": {"div": "<p><b>requester</b>: <a>Patrick Pump</a></p><p><b>medication</b>: vancomycin 500 mg</p><p><b>authoredOn</b>: 15/01/2015</p>"}, "requester": {"reference": "Practitioner/f007", "display": "Patrick Pump"}}"#;
    assert!(scan(practitioner).is_empty(), "{:?}", kinds(practitioner));
    // The subject the same resource names is.
    let subject = practitioner.replace(
        r#""requester": {"#,
        r#""subject": {"reference": "Patient/f201", "display": "Roel Vermeulen"}, "requester": {"#,
    );
    assert!(!scan(&subject).is_empty(), "{subject}");
}

#[test]
fn de_identified_and_parser_test_records_are_not_patients() {
    for text in [
        // Safe Harbor keeps a birth year, a state and a ZIP's first three digits.
        r#"{"resourceType":"Patient","id":"505a3474","gender":"male","birthDate":"1910","address":[{"state":"Massachusetts","postalCode":"02100","country":"US"}]}"#,
        // A de-identification tool's markers.
        r#"{"resourceType":"Patient","id":"con1","identifier":[{"value":"drop"}],"gender":"female"}"#,
        // A parser's test segment.
        "MSH|^~\\&|GHH LAB|ELAB-3|GHH OE|BLDG4|200202150930||ORU^R01|CNTRL-3456|P|2.4\rPID|Field1|Component1^Component2|Component1^Sub-Component1&Sub-Component2^Component3|Repeat1~Repeat2\r",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
    for text in [
        r#"{"resourceType":"Patient","id":"505a3474","gender":"male","birthDate":"1961-03"}"#,
        r#"{"resourceType":"Patient","identifier":[{"value":"40318291"}],"gender":"female"}"#,
        "PID|1||40318291^^^GHH^MR||^^^^||19610314|F\r",
    ] {
        assert!(!scan(text).is_empty(), "{text}");
    }
}

#[test]
fn names_in_scripts_without_capitals_under_a_name_column() {
    for text in [
        "name,dob,phone\nدعاء هندية,1956-06-06,001-548-748-0443x192\n",
        "name,dob,phone\nיולי אבו ליל,1996-11-13,02-2386-358\n",
        "name,dob\n谭霞,1961-03-14\n",
    ] {
        assert!(
            kinds(text).contains(&PhiKind::Name) && !scan(text).is_empty(),
            "{text}: {:?}",
            kinds(text)
        );
    }
    // A product's or a place's name in those scripts beside a date is none.
    for text in [
        "product,name,released\n1,数据库,2020-01-01\n",
        "name,city,founded\n北京大学,北京,1898-05-04\n",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

#[test]
fn labour_boards_sql_name_parts_and_nursing_shorthand() {
    for text in [
        "L&D board:\nLDR1 Rekha Cifuentes 25y G3P2 39w1d SROM 0400 GBS+ PCN q4\n",
        "SELECT claim_id FROM claims WHERE member_last = 'Gadsden' AND member_dob = '1933-12-26'",
        "Darnell Varnadoe, 4590 Sand Hill Rd Folkston - IV abx (vanc) via PICC, next dose 1800",
    ] {
        assert!(!scan(text).is_empty(), "{text}");
    }
    for text in [
        // The shape of gravida and para outside care, and a column that only ends in `last`.
        "release G3P2 shipped in 36w of work by Ada Smith",
        "SELECT * FROM jobs WHERE blast = 'Gadsden' AND created = '1933-12-26'",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

#[test]
fn titles_and_health_words_in_other_languages() {
    for text in [
        // Vietnamese `ông`/`bà` stand in lower case inside a sentence.
        "Tin nhắn cho bà Quach ((912) 555-0143): kết quả xét nghiệm của bà dương tính",
        "Madanm Joseph (M004418823) fè yon tès VIH ki pozitif jodi a",
        "Herr Lindqvist: диабет, инсулин 10 ед. утром",
        "Señora Tsosie, 12/03/1951, grávida? no - diabetes tipo 2",
    ] {
        assert!(!scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
    // A title alone, or a health word without a person, is none.
    for text in [
        "Herr Lindqvist approved the firewall change",
        "VIH et SIDA: brochure en français pour la salle d'attente",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

#[test]
fn people_who_died_over_fifty_years_ago_are_history() {
    for text in [
        "history wall: Juliette Gordon Low (1860-1927) of Savannah died of breast cancer",
        "Ma Rainey (1886\u{2013}1939) died of a heart attack in Columbus, Georgia",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
    // A recent decedent's record is still PHI, and so is a patient with a birth year range
    // that is no life span.
    for text in [
        "Walter Begay (1941-2024) died of pancreatic cancer at home, MRN 00482211",
        "Walter Begay (1941-2024) died of pancreatic cancer at home",
    ] {
        assert!(!scan(text).is_empty(), "{text}");
    }
}

#[test]
fn decedents_and_cjk_column_labels() {
    let kinds = |text: &str| -> Vec<PhiKind> {
        let mut k: Vec<PhiKind> = scan(text).iter().map(|f| f.kind).collect();
        k.sort_by_key(|k| k.id());
        k.dedup();
        k
    };
    // A death certificate's decedent is a patient like any other (recent, so still PHI).
    let death = "Decedent: Nageak, Sadie R.   DOB 03/17/1949   Date of death 09/28/2025";
    assert!(kinds(death).contains(&PhiKind::Name), "{death}");
    // Korean and Japanese exports label their columns in their own scripts.
    let korean = "환자번호,성명,생년월일,전화,진단명\n62087714,이순자,1946-09-27,425-641-2210,치매";
    assert!(kinds(korean).contains(&PhiKind::Name), "{korean}");
    assert!(kinds(korean).contains(&PhiKind::Dob), "{korean}");
    let japanese = "患者ID,氏名,生年月日,病名\r\n58812201,山本 健二,1952/11/03,パーキンソン病\r\n";
    assert!(kinds(japanese).contains(&PhiKind::Name), "{japanese}");
    // A header alone is no record.
    assert!(scan("환자번호,성명,생년월일,전화,진단명\n").is_empty());
}
