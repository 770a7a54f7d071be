#!/usr/bin/env python3
"""Seed the fuzz corpora from the built-in packs' examples (run from anywhere).

hook_input: each example as a hook event; shell: each Bash example's command line;
policy: the example policies and every pack file; pipeline: one entry per denied example
index (the target rewrites them), plus a few arbitrary-tool-input entries.
"""
import json, pathlib, tomllib

root = pathlib.Path(__file__).resolve().parent.parent
corpus = root / "fuzz" / "corpus"
for name in ["hook_input", "shell", "policy", "pipeline"]:
    (corpus / name).mkdir(parents=True, exist_ok=True)

def events(example):
    if isinstance(example, str):
        return "Bash", {"command": example}, None
    tool = example.get("tool", "Bash")
    cwd = example.get("cwd")
    fields = {k: v for k, v in example.items() if k not in ("tool", "cwd")}
    return tool, fields, cwd

n = 0
for pack in sorted((root / "rules").glob("*.toml")):
    (corpus / "policy" / pack.name).write_bytes(pack.read_bytes())
    data = tomllib.loads(pack.read_text())
    for rule in data.get("rule", []):
        examples = rule.get("examples", {})
        for example in examples.get("hit", []) + examples.get("miss", []):
            tool, tool_input, cwd = events(example)
            event = {"hook_event_name": "PreToolUse", "session_id": "seed", "cwd": cwd or "/home/dev/project",
                     "tool_name": tool, "tool_input": tool_input}
            (corpus / "hook_input" / f"ex{n}").write_text(json.dumps(event))
            if tool == "Bash" and isinstance(tool_input.get("command"), str):
                (corpus / "shell" / f"ex{n}").write_text(tool_input["command"])
            n += 1
for policy in sorted((root / "examples").glob("*.toml")):
    (corpus / "policy" / policy.name).write_bytes(policy.read_bytes())
for i in range(256):
    (corpus / "pipeline" / f"seed{i}").write_bytes(bytes([0, i >> 8, i & 255, 7, 42, 99]))
(corpus / "pipeline" / "tool").write_bytes(b"\x01" + json.dumps({"command": "rm -rf /"}).encode())
print(f"seeded {n} examples")
