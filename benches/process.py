#!/usr/bin/env python3
"""Whole-process cost of one hook call, against /bin/true measured in the same run.

Usage: benches/process.py [BINARY]   (default: target/release/toolgate; build with --release)
       benches/process.py --compare OLD NEW   (two builds, same run: the change's cost)
       benches/process.py --policy BINARY POLICY   (built-in packs vs the policy, same run)
For each sample event the hook runs without a journal and with one (a fresh temporary
journal), interleaved with /bin/true so machine noise hits all alike; medians and
differences are printed. Nothing here asserts: speed is measured, not unit-tested.
"""
import json, os, statistics, subprocess, sys, tempfile, time

EVENTS = {
    "read (no shell parsing)": ("Read", {"file_path": "/home/dev/project/src/main.rs"}),
    "bash ls": ("Bash", {"command": "ls -la"}),
    "bash compound": ("Bash", {"command": "cd src && git status && cargo build --release 2>&1 | tail -20; echo done"}),
    "bash deny": ("Bash", {"command": "sudo env X=1 bash -c 'rm -rf /'"}),
}

# A 4 KiB compound command of everyday steps (builds, tests, git, a heredoc, a pipeline).
_STEPS = [
    "cd /home/dev/project/services/api && npm ci --no-audit",
    "npm run build -- --mode production 2>&1 | tee build.log | tail -n 40",
    "find . -name '*.pyc' -delete",
    "git status --porcelain && git diff --stat origin/main...HEAD",
    "python3 -m pytest -q tests/unit -k 'not slow' --maxfail=3",
    "for f in src/*.ts; do wc -l \"$f\"; done | sort -n | tail -5",
    "cat > /tmp/notes.md <<'EOF'\n# build notes\nall green\nEOF",
    "docker compose -f docker-compose.dev.yml up -d db redis",
    "curl -fsS http://localhost:3000/health | jq -r .status",
]
_big = []
while len(" && ".join(_big)) < 4096:
    _big.append(_STEPS[len(_big) % len(_STEPS)])
EVENTS["bash 4 KiB compound"] = ("Bash", {"command": " && ".join(_big)[:4096]})
ROUNDS = 300

def event(tool, tool_input):
    return json.dumps({"hook_event_name": "PreToolUse", "cwd": "/home/dev/project",
                       "tool_name": tool, "tool_input": tool_input}).encode()

def once(argv, stdin, env):
    start = time.perf_counter()
    subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return (time.perf_counter() - start) * 1e3

def compare(old, new):
    """Medians of two builds on the same events, interleaved, each with its own journal."""
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_STATE_HOME", "TOOLGATE_JOURNAL", "TOOLGATE_POLICY")}
    env["HOME"] = "/home/dev"
    with tempfile.TemporaryDirectory() as tmp:
        env["TMPDIR"] = tmp
        old_env = dict(env, TOOLGATE_JOURNAL=os.path.join(tmp, "old.db"))
        new_env = dict(env, TOOLGATE_JOURNAL=os.path.join(tmp, "new.db"))
        for name, (tool, tool_input) in EVENTS.items():
            payload = event(tool, tool_input)
            runs = {"true": [], "old": [], "new": []}
            for _ in range(ROUNDS):
                runs["true"].append(once(["/bin/true"], payload, env))
                runs["old"].append(once([old, "hook"], payload, old_env))
                runs["new"].append(once([new, "hook"], payload, new_env))
            t, o, n = (statistics.median(runs[k]) for k in ("true", "old", "new"))
            print(f"{name}: /bin/true {t:.3f} ms | old {o:.3f} ms | new {n:.3f} ms | "
                  f"change {n - o:+.3f} ms ({(n - t) / max(o - t, 1e-9):.2f}x the old cost over /bin/true)")

def compare_policy(binary, policy):
    """Medians with the built-in packs alone and with a policy, interleaved, journal on."""
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_STATE_HOME", "TOOLGATE_JOURNAL", "TOOLGATE_POLICY")}
    env["HOME"] = "/home/dev"
    with tempfile.TemporaryDirectory() as tmp:
        env["TMPDIR"] = tmp
        env["TOOLGATE_CLAUDE_SETTINGS"] = os.path.join(tmp, "none.json")
        plain_env = dict(env, TOOLGATE_JOURNAL=os.path.join(tmp, "plain.db"))
        policy_env = dict(env, TOOLGATE_JOURNAL=os.path.join(tmp, "policy.db"), TOOLGATE_POLICY=policy)
        for name, (tool, tool_input) in EVENTS.items():
            payload = event(tool, tool_input)
            runs = {"true": [], "builtin": [], "policy": []}
            for _ in range(ROUNDS):
                runs["true"].append(once(["/bin/true"], payload, env))
                runs["builtin"].append(once([binary, "hook"], payload, plain_env))
                runs["policy"].append(once([binary, "hook"], payload, policy_env))
            t, b, p = (statistics.median(runs[k]) for k in ("true", "builtin", "policy"))
            print(f"{name}: /bin/true {t:.3f} ms | built-in {b:.3f} ms | with policy {p:.3f} ms | "
                  f"added {p - b:+.3f} ms")

def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--compare":
        return compare(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 4 and sys.argv[1] == "--policy":
        return compare_policy(sys.argv[2], sys.argv[3])
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/toolgate"
    base_env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_STATE_HOME", "TOOLGATE_JOURNAL", "TOOLGATE_POLICY")}
    with tempfile.TemporaryDirectory() as tmp:
        journal_env = dict(base_env, TOOLGATE_JOURNAL=os.path.join(tmp, "journal.db"), TMPDIR=tmp)
        for name, (tool, tool_input) in EVENTS.items():
            payload = event(tool, tool_input)
            runs = {"/bin/true": [], "hook, no journal": [], "hook + journal": []}
            for _ in range(ROUNDS):
                runs["/bin/true"].append(once(["/bin/true"], payload, base_env))
                runs["hook, no journal"].append(once([binary, "hook"], payload, base_env))
                runs["hook + journal"].append(once([binary, "hook"], payload, journal_env))
            base = statistics.median(runs["/bin/true"])
            plain = statistics.median(runs["hook, no journal"])
            journaled = statistics.median(runs["hook + journal"])
            print(f"{name}: /bin/true {base:.3f} ms | hook {plain:.3f} ms (+{plain - base:.3f}) | "
                  f"hook+journal {journaled:.3f} ms (+{journaled - base:.3f}; journal adds {journaled - plain:.3f})")

if __name__ == "__main__":
    main()
