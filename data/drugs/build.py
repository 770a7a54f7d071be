#!/usr/bin/env python3
"""Rebuild drugs.txt (see README.md): single-word drug names, lower case, sorted bytewise.

Usage: build.py SOURCES_DIR, where SOURCES_DIR holds drug_ner_dictionary.pkl.bz2 (from
drug-named-entity-recognition 2.0.9 on PyPI), american-english (Debian wamerican) and the
name lists' given.txt and surnames.txt (../names).

Kept: the generic name of every DrugBank entry, and the brand names of drugs MedlinePlus
describes (the ones US patients take), when the name is one word of 5 to 24 letters that is
neither an ordinary English word (`copper`, `yeast`) nor a person's name (so that a drug
word beside a name never is the name itself).
"""

import bz2
import os
import pickle
import re
import sys

WORD = re.compile(r"[a-z]{5,24}")


def main(src):
    with bz2.open(os.path.join(src, "drug_ner_dictionary.pkl.bz2")) as f:
        d = pickle.load(f)
    canonical = d["drug_canonical_to_data"]
    variants = d["drug_variant_to_canonical"]
    kinds = d["drug_variant_to_variant_data"]
    words = set()
    with open(os.path.join(src, "american-english"), encoding="utf-8", errors="ignore") as f:
        for line in f:
            w = line.strip()
            if w[:1].islower():
                words.add(w.lower())
    here = os.path.dirname(os.path.abspath(__file__))
    people = set()
    for name in ("given.txt", "surnames.txt"):
        with open(os.path.join(here, "..", "names", name)) as f:
            people |= {line.strip().lower() for line in f}

    drugs = {k for k, v in canonical.items() if v.get("drugbank_id")}
    for variant, targets in variants.items():
        if kinds.get(variant, {}).get("is_brand") and any(
            canonical.get(t, {}).get("medline_plus_id") for t in targets
        ):
            drugs.add(variant)
    kept = sorted(
        (x for x in drugs if WORD.fullmatch(x) and x not in words and x not in people),
        key=str.encode,
    )
    with open(os.path.join(here, "drugs.txt"), "wb") as f:
        f.write(b"".join(x.encode() + b"\n" for x in kept))
    print(f"drugs.txt: {len(kept)} names")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
