#!/usr/bin/env python3
"""Import detect-secrets' plugin test cases (Apache-2.0, (c) Yelp) as a labelled corpus.

detect-secrets tests each plugin with pytest cases in tests/plugins/*_test.py, mostly
`@pytest.mark.parametrize('payload, should_flag', [...])`; the keyword plugin keeps its
cases in module-level lists of `(line, expected_secret_or_None)`. This reads those files
from a checkout (Python's own parser; the module's constant assignments are evaluated
without builtins, with a fixed stand-in for `random.randint`) and writes
tests/corpus/detect_secrets.tsv: one row per case, labelled `secret:<plugin>` (the plugin
must flag it) or `none:<plugin>` (it must not).

Left out, on purpose, and counted on stderr:
- high_entropy_strings: any high-entropy string is a finding there; toolgate flags a value
  only with a format, a label or a checksum (a hash or a UUID is not a secret).
- ip_public: an address is not a credential.
- cases that test verification against a live API (`content, expected_output`, status
  codes) or plugin plumbing (base, init).

Usage: import_detect_secrets.py DETECT_SECRETS_CHECKOUT > tests/corpus/detect_secrets.tsv
Source: https://github.com/Yelp/detect-secrets (commit printed on stderr).
"""

import ast
import base64
import subprocess
import sys
import textwrap
from pathlib import Path

SKIP_FILES = {"base_test.py", "init_test.py", "high_entropy_strings_test.py", "ip_public_test.py"}
PAYLOAD_NAMES = ("payload", "line", "file_content")
# The keyword plugin's case lists, and a file name of the language each is written for.
KEYWORD_LISTS = {
    "CONFIG_TEST_CASES": "settings.conf",
    "GOLANG_TEST_CASES": "main.go",
    "COMMON_C_TEST_CASES": "main.c",
    "QUOTES_REQUIRED_TEST_CASES": "app.py",
}


def module_constants(tree):
    """Module-level NAME = expression assignments, evaluated in order where they can be."""
    names = {"base64": base64, "textwrap": textwrap, "randint": lambda a, b: a, "str": str}
    for node in tree.body:
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            try:
                value = eval(compile(ast.Expression(node.value), "<case>", "eval"),
                             {"__builtins__": {}}, names)
            except Exception:
                continue
            for t in node.targets:
                names[t.id] = value
    return names


def evaluate(node, names):
    return eval(compile(ast.Expression(node), "<case>", "eval"), {"__builtins__": {}}, names)


def parametrized(tree, names, skipped):
    """(payload, flagged) from every parametrize decorator naming a payload."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize"):
            continue
        if len(node.args) < 2 or not isinstance(node.args[0], ast.Constant):
            continue
        params = [p.strip() for p in node.args[0].value.split(",")]
        payload = next((params.index(p) for p in PAYLOAD_NAMES if p in params), None)
        if payload is None or "expected_output" in params:
            skipped.append(f"parametrize({node.args[0].value!r})")
            continue
        flag = params.index("should_flag") if "should_flag" in params else None
        try:
            cases = evaluate(node.args[1], names)
        except Exception as e:
            skipped.append(f"parametrize({node.args[0].value!r}): {e}")
            continue
        for case in cases:
            case = case if isinstance(case, tuple) else (case,)
            text = case[payload]
            if not isinstance(text, str):
                continue
            yield text, True if flag is None else bool(case[flag])


def main():
    repo = Path(sys.argv[1])
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    rows, seen, skipped = [], set(), []
    for path in sorted((repo / "tests/plugins").glob("*_test.py")):
        if path.name in SKIP_FILES:
            skipped.append(f"{path.name}: left out on purpose")
            continue
        plugin = path.name[: -len("_test.py")].replace("_", "-")
        tree = ast.parse(path.read_text())
        names = module_constants(tree)
        found = []
        if plugin == "keyword":
            for name, file_name in KEYWORD_LISTS.items():
                for line, secret in names.get(name, []):
                    found.append((line, secret is not None, file_name))
        else:
            found = [(t, f, "notes.txt") for t, f in parametrized(tree, names, skipped)]
        for text, flagged, file_name in found:
            key = (text, flagged)
            if not text.strip() or key in seen or len(text) > 20000:
                continue
            seen.add(key)
            label = f"{'secret' if flagged else 'none'}:{plugin}"
            rows.append((label, file_name, text))
    # Rows are written as a Write of the text: toolgate's detectors do not depend on the
    # file's language, so the file names above only document where each list came from.
    print("label\ttool\ttext")
    for label, _file_name, text in rows:
        escaped = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        print(f"{label}\tWrite\t{escaped}")
    print(f"# {len(rows)} rows from detect-secrets {commit}; {len(skipped)} skipped", file=sys.stderr)
    for s in skipped:
        print("#  skipped:", s, file=sys.stderr)


if __name__ == "__main__":
    main()
