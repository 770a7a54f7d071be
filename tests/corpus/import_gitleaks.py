#!/usr/bin/env python3
"""Import gitleaks' own rule test cases (MIT, (c) 2019 Zachary Rice) as a labelled corpus.

gitleaks validates each rule of its default config with true positives (`tps`) and false
positives (`fps`) written in Go, in cmd/generate/config/rules/*.go. This reads those files
from a checkout and writes tests/corpus/gitleaks.tsv: one row per case, labelled
`secret:<gitleaks rule id>` (a credential that must be caught) or `none:<rule id>` (text
gitleaks' rule must not fire on). Cases gitleaks builds at test time are rebuilt here the
same way: `secrets.NewSecret(regex)` draws a random string matching the regex (seeded, so
the output is stable), `utils.GenerateSampleSecrets(id, s)` wraps the secret in gitleaks'
sample contexts (INI, JSON, YAML, Go, Python, Makefile, ...; four of them per call, in
rotation, read from gitleaks' own generate.go). Statements this reader cannot evaluate
(loops, helper variables) are skipped and counted.

Usage: import_gitleaks.py GITLEAKS_CHECKOUT > tests/corpus/gitleaks.tsv
Source: https://github.com/gitleaks/gitleaks (commit printed in the header comment).
"""

import random
import re
import subprocess
import sys
from pathlib import Path

try:
    import re._parser as sre_parse  # Python 3.11+
    import re._constants as sre_c
except ImportError:  # pragma: no cover
    import sre_parse
    import sre_constants as sre_c

TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<comment>//[^\n]*|/\*.*?\*/)|(?P<raw>`[^`]*`)|(?P<str>"(?:[^"\\\n]|\\.)*")"""
    r"""|(?P<chr>'(?:[^'\\]|\\.)+')|(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"""
    r"""|(?P<num>[0-9]+)|(?P<op>\.\.\.|:=|\+=|==|!=|&&|\|\||[-+*/%(){}\[\],:;=<>!&|.])""",
    re.S,
)


def tokens(src):
    out, pos = [], 0
    while pos < len(src):
        m = TOKEN.match(src, pos)
        if not m:
            pos += 1
            continue
        pos = m.end()
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        out.append((kind, m.group()))
    return out


def go_string(kind, text):
    if kind == "raw":
        return text[1:-1]
    return text[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")


class Unsupported(Exception):
    pass


CATEGORY = {
    sre_c.CATEGORY_DIGIT: "0123456789",
    sre_c.CATEGORY_WORD: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    sre_c.CATEGORY_SPACE: " ",
}


def generate(pattern, rng):
    """A random string matching a (simple) regular expression."""
    pattern = pattern.replace("(?i)", "")
    return "".join(emit(sre_parse.parse(pattern), rng))


def emit(tree, rng):
    out = []
    for op, arg in tree:
        if op is sre_c.LITERAL:
            out.append(chr(arg))
        elif op is sre_c.IN:
            chars = []
            for iop, iarg in arg:
                if iop is sre_c.LITERAL:
                    chars.append(chr(iarg))
                elif iop is sre_c.RANGE:
                    chars.extend(chr(c) for c in range(iarg[0], iarg[1] + 1))
                elif iop is sre_c.CATEGORY:
                    chars.extend(CATEGORY.get(iarg, "a"))
                elif iop is sre_c.NEGATE:
                    raise Unsupported("negated class")
            out.append(rng.choice(chars))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            lo, hi, sub = arg
            hi = min(hi, lo + 8) if hi != sre_c.MAXREPEAT else lo + 8
            for _ in range(rng.randint(lo, hi)):
                out.extend(emit(sub, rng))
        elif op is sre_c.SUBPATTERN:
            out.extend(emit(arg[-1], rng))
        elif op is sre_c.BRANCH:
            out.extend(emit(rng.choice(arg[1]), rng))
        elif op is sre_c.CATEGORY:
            out.append(rng.choice(CATEGORY.get(arg, "a")))
        elif op is sre_c.ANY:
            out.append(rng.choice("abcdef0123"))
        elif op is sre_c.AT:
            pass
        else:
            raise Unsupported(f"regex op {op}")
    return out


class Reader:
    """Evaluates the Go expressions gitleaks writes its cases in."""

    def __init__(self, toks, samples, rng):
        self.t, self.i, self.samples, self.rng = toks, 0, samples, rng
        self.rotation = 0

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else ("eof", "")

    def take(self, text=None):
        tok = self.peek()
        if text is not None and tok[1] != text:
            raise Unsupported(f"expected {text}, got {tok[1]}")
        self.i += 1
        return tok

    def expr(self):
        value = self.term()
        while self.peek()[1] == "+":
            self.take()
            right = self.term()
            if isinstance(value, list) or isinstance(right, list):
                raise Unsupported("list concatenation")
            value += right
        return value

    def args(self):
        self.take("(")
        out = []
        while self.peek()[1] != ")":
            out.append(self.expr())
            if self.peek()[1] == "...":
                self.take()
            if self.peek()[1] == ",":
                self.take()
        self.take(")")
        return out

    def term(self):
        kind, text = self.peek()
        if kind in ("raw", "str"):
            self.take()
            return go_string(kind, text)
        if text == "[":
            self.take("[")
            self.take("]")
            self.take()  # element type
            self.take("{")
            out = []
            while self.peek()[1] != "}":
                v = self.expr()
                out.extend(v if isinstance(v, list) else [v])
                if self.peek()[1] == ",":
                    self.take()
            self.take("}")
            return out
        if kind == "ident":
            self.take()
            if self.peek()[1] != "(":
                if text in ("tps", "fps"):
                    return []  # append(tps, ...) keeps what is already collected
                raise Unsupported(f"variable {text}")
            name = text.split(".")[-1]
            args = self.args()
            if name == "append":
                out = []
                for a in args:
                    out.extend(a if isinstance(a, list) else [a])
                return out
            if name == "NewSecret":
                return generate(args[0], self.rng)
            if name in PATTERNS:
                return PATTERNS[name](*args)
            if name == "GenerateSampleSecret":
                return f'{args[0]}_api_token = "{args[1]}"'
            if name == "GenerateSampleSecrets":
                ident, secret = args
                picked = [self.samples[(self.rotation + k) % len(self.samples)] for k in range(4)]
                self.rotation += 4
                return [
                    s.replace("{i}", ident).replace("{I}", ident.upper()).replace("{s}", secret)
                    for s in picked
                ]
            if name in ("Sprintf",):
                fmt, *rest = args
                return fmt.replace("%s", "{}").format(*rest)
            if name in ("Repeat",):
                return args[0] * int(args[1]) if isinstance(args[1], str) else Unsupported()
            raise Unsupported(f"call {text}")
        if kind == "num":
            self.take()
            return text
        raise Unsupported(f"token {text}")


PATTERNS = {
    "Numeric": lambda n: f"[0-9]{{{n}}}",
    "Hex": lambda n: f"[a-f0-9]{{{n}}}",
    "AlphaNumeric": lambda n: f"[a-z0-9]{{{n}}}",
    "AlphaNumericExtendedShort": lambda n: f"[a-z0-9_-]{{{n}}}",
    "AlphaNumericExtended": lambda n: f"[a-z0-9=_\\-]{{{n}}}",
    "AlphaNumericExtendedLong": lambda n: f"[a-z0-9\\/=_\\+\\-]{{{n}}}",
    "Hex8_4_4_4_12": lambda: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
}


def sample_contexts(repo):
    """gitleaks' sample contexts for GenerateSampleSecrets, in source order, TODOs left out."""
    src = (repo / "cmd/generate/config/utils/generate.go").read_text()
    body = src[src.index("func GenerateSampleSecrets") :]
    body = body[body.index("samples := map[string]string{") : body.index("replacer :=")]
    out = []
    for line in body.splitlines():
        if line.strip().startswith("//"):
            continue
        toks = tokens(line)
        if len(toks) >= 3 and toks[0][0] in ("str", "raw") and toks[1][1] == ":":
            out.append(go_string(*toks[2]))
    return out


def functions(src):
    """(rule id, tokens of the function body) for each rule constructor in a file."""
    toks = tokens(src)
    i = 0
    while i < len(toks):
        if toks[i] == ("ident", "func"):
            j = i + 1
            while j < len(toks) and toks[j][1] != "{":
                j += 1
            depth, k = 0, j
            while k < len(toks):
                depth += {"{": 1, "}": -1}.get(toks[k][1], 0)
                if depth == 0:
                    break
                k += 1
            body = toks[j + 1 : k]
            rule_id = None
            for a in range(len(body) - 2):
                if body[a] == ("ident", "RuleID") and body[a + 1][1] == ":" and body[a + 2][0] == "str":
                    rule_id = go_string(*body[a + 2])
                    break
            if rule_id:
                yield rule_id, body
            i = k
        i += 1


def cases(rule_id, body, samples, rng, skipped):
    found = {"tps": [], "fps": []}
    for a in range(len(body) - 1):
        name, op = body[a][1], body[a + 1][1]
        if name in found and op in (":=", "=") and (a == 0 or body[a - 1][1] not in (".", ",")):
            reader = Reader(body[a + 2 :], samples, rng)
            try:
                value = reader.expr()
            except (Unsupported, IndexError, ValueError, TypeError) as e:
                skipped.append(f"{rule_id} {name}: {e}")
                continue
            found[name].extend(value if isinstance(value, list) else [value])
    return found


def escape(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def main():
    repo = Path(sys.argv[1])
    commit = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    samples = sample_contexts(repo)
    rng = random.Random(20261204)
    rows, skipped, seen = [], [], set()
    for path in sorted((repo / "cmd/generate/config/rules").glob("*.go")):
        if path.name.endswith("_test.go"):
            continue
        for rule_id, body in functions(path.read_text()):
            found = cases(rule_id, body, samples, rng, skipped)
            for label, texts in (("secret", found["tps"]), ("none", found["fps"])):
                for text in texts:
                    key = (label, text)
                    if not text.strip() or key in seen or len(text) > 20000:
                        continue
                    seen.add(key)
                    rows.append(f"{label}:{rule_id}\tWrite\t{escape(text)}")
    print("label\ttool\ttext")
    print("\n".join(rows))
    print(
        f"# {len(rows)} rows from gitleaks {commit}; {len(skipped)} statements skipped",
        file=sys.stderr,
    )
    for s in skipped:
        print("#  skipped:", s, file=sys.stderr)


if __name__ == "__main__":
    main()
