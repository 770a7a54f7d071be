#!/usr/bin/env python3
"""Synthetic secrets and patient identifiers for examples and the content corpus.

Every value is made up here and passes (or, for negatives, deliberately fails) the format
checks the detectors apply. Deterministic: run it again to get the same values.
"""
import random, zlib, base64, json

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
rng = random.Random(20261125)

def b62(n, width):
    s = ""
    while n:
        s = B62[n % 62] + s
        n //= 62
    return s.rjust(width, "0")

def rand(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

def github(prefix="ghp"):
    r = rand(ALNUM, 30)
    return f"{prefix}_{r}{b62(zlib.crc32(r.encode()), 6)}"

def aws_id():
    return "AKIA" + rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)

def aws_secret():
    return rand(ALNUM + "/+", 40)

def jwt():
    h = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).decode().rstrip("=")
    p = base64.urlsafe_b64encode(json.dumps({"sub": rand("0123456789", 8), "iat": 1760000000}).encode()).decode().rstrip("=")
    s = rand(ALNUM + "-_", 43)
    return f"{h}.{p}.{s}"

def luhn_ok(digits):
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9: d -= 9
        total += d
    return total % 10 == 0

def npi():
    while True:
        base = [rng.randint(1, 2)] + [rng.randint(0, 9) for _ in range(8)]
        for c in range(10):
            if luhn_ok([8, 0, 8, 4, 0] + base + [c]):
                return "".join(map(str, base + [c]))

def dea():
    letters = "ABFGM"
    d = [rng.randint(0, 9) for _ in range(6)]
    check = ((d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])) % 10
    return rng.choice(letters) + rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + "".join(map(str, d)) + str(check)

def ssn():
    while True:
        area = rng.randint(1, 899)
        if area == 666: continue
        return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"

MBI_L = "ACDEFGHJKMNPQRTUVWXY"
def mbi(dashed=False):
    a = MBI_L + "0123456789"
    s = (str(rng.randint(1, 9)) + rng.choice(MBI_L) + rng.choice(a) + str(rng.randint(0, 9))
         + rng.choice(MBI_L) + rng.choice(a) + str(rng.randint(0, 9))
         + rng.choice(MBI_L) + rng.choice(MBI_L) + str(rng.randint(0, 9)) + str(rng.randint(0, 9)))
    return f"{s[:4]}-{s[4:7]}-{s[7:]}" if dashed else s

if __name__ == "__main__":
    print(github(), aws_id(), aws_secret(), jwt(), npi(), dea(), ssn(), mbi(True))
