#!/usr/bin/env python3
"""Export of a large journal: wall time and peak memory of `toolgate journal export`.

Usage: benches/export.py [BINARY] [RECORDS]   (default: target/release/toolgate, 1000000)
A journal is made by the real hook (a few records of each decision), then grown to RECORDS
rows by copying them in SQL with new sequence numbers (the copies do not chain: export does
not verify). Each format is exported to /dev/null under /usr/bin/time; the JSON Lines
export is the baseline measured in the same run. Nothing here asserts.
"""
import json, os, sqlite3, subprocess, sys, tempfile, time

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/toolgate")
records = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
work = tempfile.mkdtemp(prefix="toolgate-export-")
db = os.path.join(work, "journal.db")
env = dict(os.environ, TOOLGATE_JOURNAL=db, TOOLGATE_POLICY=os.path.join(work, "policy.toml"))
open(env["TOOLGATE_POLICY"], "w").close()
seeds = [("Bash", {"command": "ls -la"}), ("Bash", {"command": "rm -rf /"}),
         ("Bash", {"command": "git push origin main"}),
         ("Write", {"file_path": "/home/dev/p/a.txt", "content": "patient Maria Lopez DOB 04/12/1961"}),
         ("Read", {"file_path": "/home/dev/p/src/main.rs"})]
for n, (tool, tool_input) in enumerate(seeds):
    subprocess.run([binary, "hook"], input=json.dumps({
        "hook_event_name": "PreToolUse", "session_id": "bench", "tool_use_id": f"t{n}",
        "cwd": "/home/dev/p", "tool_name": tool, "tool_input": tool_input}).encode(),
        env=env, capture_output=True)
subprocess.run([binary, "journal", "stats"], env=env, capture_output=True, check=True)
conn = sqlite3.connect(db)
cols = [r[1] for r in conn.execute("PRAGMA table_info(decisions)")]
rows = conn.execute(f"SELECT {', '.join(cols)} FROM decisions ORDER BY seq").fetchall()
seq_at = cols.index("seq")
def grown():
    for seq in range(len(rows) + 1, records + 1):
        row = list(rows[seq % len(rows)])
        row[seq_at] = seq
        yield row
conn.executemany(f"INSERT INTO decisions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", grown())
conn.commit()
conn.close()
print(f"{records} records, {os.path.getsize(db) / 2**20:.0f} MiB journal")
for fmt in ["jsonl", "ocsf", "ecs", "csv"]:
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "journal", "export", "--format", fmt],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    wall = time.perf_counter() - start
    peak_kib = int(out.stderr.decode().strip().splitlines()[-1])
    print(f"{fmt:6} {wall:6.2f} s  {records / wall / 1000:7.0f} k records/s  peak RSS {peak_kib / 1024:6.1f} MiB")
subprocess.run(["rm", "-rf", work])
