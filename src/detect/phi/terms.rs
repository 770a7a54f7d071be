//! Words that say health care: conditions, procedures and medications a note names a
//! patient with, condition abbreviations, and drugs no list holds, known by their USAN stem.
//! Searched for every word of every text, so without allocating.

/// Whether `w` is one of [`HEALTH_TERMS`], any case, without allocating (this runs on every
/// word of every text).
pub(super) fn is_health_term(w: &str) -> bool {
    HEALTH_TERMS
        .binary_search_by(|t| t.bytes().cmp(w.bytes().map(|c| c.to_ascii_lowercase())))
        .is_ok()
        || drug_by_stem(w)
}

/// A drug no list holds, by the stem its generic name ends in: the USAN Council names
/// drugs by class (`-sartan` blocks angiotensin, `-gliflozin` SGLT2), so the stem says it
/// is a drug. Only stems long or rare enough not to end ordinary words; lower case or
/// capitalised, not in capitals (`OLOL` is no drug).
fn drug_by_stem(w: &str) -> bool {
    /// The stems' last letters: most words end in another and are done with at once.
    const LAST: &[u8] = b"belmnrt";
    let n = w.len();
    let b = w.as_bytes();
    (7..=24).contains(&n)
        && LAST.contains(&b[n - 1].to_ascii_lowercase())
        && b.iter().all(u8::is_ascii_alphabetic)
        && !b[1..].iter().any(u8::is_ascii_uppercase)
        && DRUG_STEMS
            .iter()
            .any(|s| n >= s.len() + 3 && w[n - s.len()..].eq_ignore_ascii_case(s))
}

/// USAN stems, lower case.
const DRUG_STEMS: &[&str] = &[
    "azepam",
    "azepine",
    "azapine",
    "barbital",
    "buvir",
    "cillin",
    "conazole",
    "cycline",
    "dipine",
    "floxacin",
    "gliflozin",
    "gliptin",
    "glitazone",
    "glutide",
    "lukast",
    "mycin",
    "navir",
    "oxetine",
    "parin",
    "platin",
    "prazole",
    "previr",
    "pril",
    "profen",
    "sartan",
    "setron",
    "statin",
    "tidine",
    "tinib",
    "triptan",
    "triptyline",
    "vastatin",
    "xaban",
    "zolam",
    "zumab",
    "ximab",
    "mumab",
    "olol",
    "codone",
    "morphone",
    "semide",
    "thiazide",
    "sterone",
    "gestrel",
    "olone",
    "asone",
    "isone",
    "azole",
    "dronate",
    "formin",
    "peridone",
    "tiapine",
    "ziprasidone",
    "oxacin",
];

/// Upper-case abbreviations of conditions, sorted.
pub(super) const CONDITION_ACRONYMS: &[&str] = &[
    "ADHD", "AFIB", "AIDS", "ALS", "CHF", "CKD", "COPD", "CVA", "DKA", "DVT", "ESRD", "GERD",
    "HFREF", "HIV", "HPV", "ICU", "MDD", "MRSA", "NICU", "NSCLC", "OUD", "PICU", "PTSD", "STEMI",
    "TBI", "UTI",
];

/// Conditions, procedures and medications a note names a patient with, lower case, sorted.
const HEALTH_TERMS: &[&str] = &[
    "albuterol",
    "alzheimer",
    "alzheimers",
    "amiodarone",
    "amlodipine",
    "amoxicilina",
    "amoxicillin",
    "amputation",
    "anemia",
    "angina",
    "anticoagulation",
    "anxiety",
    "apixaban",
    "aripiprazole",
    "arrhythmia",
    "arthritis",
    "asma",
    "asthma",
    "atorvastatin",
    "atrial",
    "biktarvy",
    "biopsy",
    "bipolar",
    "bronchitis",
    "buprenorphine",
    "cancer",
    "carboplatin",
    "cardiac",
    "cardiomyopathy",
    "cataract",
    "cellulitis",
    "chemo",
    "chemotherapy",
    "cholecystitis",
    "cirrhosis",
    "cirrosis",
    "clopidogrel",
    "colitis",
    "colonoscopy",
    "concussion",
    "copd",
    "crohn",
    "crohns",
    "cystic",
    "cáncer",
    "demencia",
    "dementia",
    "depresion",
    "depresión",
    "depression",
    "depressive",
    "dermatitis",
    "diabetes",
    "diabetic",
    "dialisis",
    "dialysis",
    "diálisis",
    "donepezil",
    "dtap",
    "dyspnea",
    "edema",
    "eliquis",
    "embarazada",
    "embarazo",
    "empagliflozin",
    "emphysema",
    "endocarditis",
    "enoxaparin",
    "epilepsia",
    "epilepsy",
    "escitalopram",
    "fibrillation",
    "fluoxetine",
    "fracture",
    "furosemide",
    "gabapentin",
    "gastritis",
    "glaucoma",
    "gout",
    "hemodialysis",
    "hemorrhage",
    "heparin",
    "hepatitis",
    "hipertension",
    "hipertensión",
    "hydrocodone",
    "hypertension",
    "hypoglycemia",
    "hypothyroidism",
    "immunization",
    "immunizations",
    "infarction",
    "influenza",
    "inpatient",
    "insuficiencia",
    "insulin",
    "insulina",
    "intubated",
    "ischemia",
    "ischemic",
    "jardiance",
    "keytruda",
    "leukemia",
    "levothyroxine",
    "lisinopril",
    "lithium",
    "lovenox",
    "lupus",
    "lymphoma",
    "mastectomy",
    "melanoma",
    "meningitis",
    "metformin",
    "metformina",
    "methadone",
    "metoprolol",
    "migraine",
    "myocardial",
    "naloxone",
    "nephropathy",
    "neumonia",
    "neumonía",
    "neuropathy",
    "neutropenia",
    "obesity",
    "olanzapine",
    "omeprazole",
    "oncology",
    "opioid",
    "orthopnea",
    "osteoarthritis",
    "osteoporosis",
    "overdose",
    "oxycodone",
    "ozempic",
    "pancreatitis",
    "paralysis",
    "parkinson",
    "parkinsons",
    "pembrolizumab",
    "pemetrexed",
    "pneumonia",
    "pneumothorax",
    "prednisone",
    "preeclampsia",
    "pregnancy",
    "pregnant",
    "psoriasis",
    "psychosis",
    "quetiapine",
    "quimioterapia",
    "radiotherapy",
    "readmission",
    "readmitted",
    "renal",
    "retinopathy",
    "rifampin",
    "risperidone",
    "schizophrenia",
    "sclerosis",
    "seizure",
    "seizures",
    "semaglutide",
    "sepsis",
    "septic",
    "sertraline",
    "shingrix",
    "sickle",
    "stenosis",
    "stroke",
    "suboxone",
    "suicidal",
    "syncope",
    "tamoxifen",
    "tamoxifeno",
    "tdap",
    "thrombosis",
    "trazodone",
    "tuberculosis",
    "tumor",
    "tumour",
    "ulcer",
    "vaccinated",
    "varicella",
    "warfarin",
    "wound",
    "xarelto",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drugs_no_list_holds_are_known_by_their_stem() {
        // Every stem is found (its last letter is among those tested first).
        for stem in DRUG_STEMS {
            assert!(drug_by_stem(&format!("abc{stem}")), "{stem}");
        }
        for drug in [
            "mirtazapine",
            "Valsartan",
            "dapagliflozin",
            "rivaroxaban",
            "ondansetron",
            "medroxyprogesterone",
            "prednisolone",
            "fluticasone",
            "metronidazole",
        ] {
            assert!(drug_by_stem(drug), "{drug}");
        }
        for word in [
            "petrol",
            "Bristol",
            "tidings",
            "CANDESARTAN",
            "approval",
            "Dipine",
        ] {
            assert!(!drug_by_stem(word), "{word}");
        }
    }

    #[test]
    fn term_lists_are_sorted_for_binary_search() {
        assert!(HEALTH_TERMS.windows(2).all(|w| w[0] <= w[1]));
        assert!(CONDITION_ACRONYMS.windows(2).all(|w| w[0] < w[1]));
    }
}
