#!/usr/bin/env python3
"""Whole-process cost of one hook call, against /bin/true measured in the same run.

Usage: benches/process.py [BINARY ...]   (default: target/release/toolgate)
Each binary runs `hook` on a few sample events, interleaved with /bin/true so machine noise
hits both alike; medians and ratios are printed. Nothing here asserts: speed is measured,
not unit-tested.
"""
import json, statistics, subprocess, sys, time

EVENTS = {
    "read (no shell parsing)": ("Read", {"file_path": "/home/dev/project/src/main.rs"}),
    "bash ls": ("Bash", {"command": "ls -la"}),
    "bash compound": ("Bash", {"command": "cd src && git status && cargo build --release 2>&1 | tail -20; echo done"}),
    "bash deny": ("Bash", {"command": "sudo env X=1 bash -c 'rm -rf /'"}),
}
ROUNDS = 300

def event(tool, tool_input):
    return json.dumps({"hook_event_name": "PreToolUse", "cwd": "/home/dev/project",
                       "tool_name": tool, "tool_input": tool_input}).encode()

def once(argv, stdin):
    start = time.perf_counter()
    subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1e3

def main():
    binaries = sys.argv[1:] or ["target/release/toolgate"]
    for name, (tool, tool_input) in EVENTS.items():
        payload = event(tool, tool_input)
        samples = {"/bin/true": []}
        samples.update({b: [] for b in binaries})
        for _ in range(ROUNDS):
            samples["/bin/true"].append(once(["/bin/true"], payload))
            for b in binaries:
                samples[b].append(once([b, "hook"], payload))
        base = statistics.median(samples["/bin/true"])
        print(f"{name}: /bin/true median {base:.3f} ms")
        for b in binaries:
            m = statistics.median(samples[b])
            print(f"  {b}: median {m:.3f} ms, +{m - base:.3f} ms over /bin/true ({m / base:.2f}x)")

if __name__ == "__main__":
    main()
