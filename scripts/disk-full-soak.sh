#!/usr/bin/env bash
# Disk-full soak: 60 s of ledger writes (4 writers) against a Folio whose SQLite
# database lives on a 16 MB tmpfs that fills up and is freed twice (full at 10 s
# and 30 s, freed at 20 s and 40 s). Then the server is stopped (SIGTERM) and
# started again, and every write it acknowledged (2xx) must be in the ledger, and
# none it refused. Every refusal must be a 507/503 in the error envelope.
# Figures go to bench-results/reliability.txt. Needs root (it mounts a tmpfs).
#   scripts/disk-full-soak.sh [SECONDS]   (default 60)
# Uses target/release/folio if built, else target/debug/folio.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
binary=target/release/folio
[ -x "$binary" ] || binary=target/debug/folio
[ -x "$binary" ] || { echo "soak: build Folio first (make build)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "soak: needs root to mount a tmpfs"; exit 1; }

work=$(mktemp -d)
disk="$work/disk"
mkdir -p "$disk"
mount -t tmpfs -o size=16m tmpfs "$disk"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
start_server() {
  env -u FINNHUB_API_KEY DATABASE_URL="sqlite://$disk/folio.db?mode=rwc" FOLIO_DATA_DIR="$work" \
    LEPTOS_SITE_ADDR="127.0.0.1:$port" FOLIO_SEED_DEMO=false FOLIO_BCRYPT_COST=4 RUST_LOG=warn \
    "$binary" >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "soak: the server did not start"; cat "$work/server.log"; exit 1
}
cleanup() {
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  umount -l "$disk" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_server
mkdir -p bench-results
python3 - "$base" "$disk" "$seconds" "$work/result.json" <<'PY'
import json, os, sqlite3, sys, threading, time, urllib.request, urllib.error

base, disk, seconds, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]

def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null"), dict(response.headers)
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw.decode(errors="replace")
        return err.code, payload, dict(err.headers)

status, body, _ = call("POST", "/api/auth/signup", {"username": "soak", "password": "soak soak soak"})
assert status == 201, (status, body)
token = body["access_token"]
status, _, _ = call("POST", "/api/activities", {"kind": "deposit", "date": "2026-01-02", "amount": "1000"}, token)
assert status == 201

lock = threading.Lock()
acknowledged, refused, other = [], [], []
statuses = {}
stop = time.monotonic() + seconds

def writer(n):
    i = 0
    while time.monotonic() < stop:
        note = f"w{n}-{i:05d} " + "x" * 300
        i += 1
        status, body, headers = call("POST", "/api/activities",
                                     {"kind": "deposit", "date": "2026-01-05", "amount": "1", "note": note}, token)
        with lock:
            statuses[status] = statuses.get(status, 0) + 1
            if 200 <= status < 300:
                acknowledged.append(note)
            elif status in (503, 507) and isinstance(body, dict) and body.get("status") == "error" \
                    and "retry-after" in {k.lower() for k in headers}:
                refused.append(note)
            else:
                other.append((status, str(body)[:200]))

filler = os.path.join(disk, "filler")
def fill():
    # An empty write-ahead log makes the next commit need new space.
    db = sqlite3.connect(os.path.join(disk, "folio.db"), timeout=10)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0")
        except OSError:
            pass

threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
started = time.monotonic()
for t in threads:
    t.start()
events = []
for at, action in [(seconds / 6, "fill"), (seconds / 3, "free"), (seconds / 2, "fill"), (seconds * 2 / 3, "free")]:
    time.sleep(max(0, started + at - time.monotonic()))
    fill() if action == "fill" else os.remove(filler)
    events.append(f"{action} at {time.monotonic() - started:.1f} s")
for t in threads:
    t.join()
json.dump({"acknowledged": acknowledged, "refused": refused, "other": other, "statuses": statuses,
           "events": events, "token": token}, open(out, "w"))
PY

# Restart: the truth is what is on disk.
kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true
start_server
python3 - "$base" "$work/result.json" "$seconds" "$binary" <<'PY' | tee bench-results/reliability.txt
import json, sys, urllib.request
base, result, seconds, binary = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
login = urllib.request.Request(base + "/api/auth/login", method="POST",
                               data=json.dumps({"username": "soak", "password": "soak soak soak"}).encode(),
                               headers={"content-type": "application/json"})
token = json.load(urllib.request.urlopen(login))["access_token"]
listing = urllib.request.Request(base + "/api/activities", headers={"authorization": "Bearer " + token})
stored = {a["note"] for a in json.load(urllib.request.urlopen(listing))["data"]}
ack, refused = result["acknowledged"], result["refused"]
missing = [n for n in ack if n not in stored]
phantom = [n for n in refused if n in stored]
import datetime, os
print(f"# Folio disk-full soak — {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%M:%SZ}, {os.cpu_count()} cores, {binary}, SQLite on a 16 MB tmpfs")
print(f"{seconds} s of writes by 4 writers; disk: " + ", ".join(result["events"]))
print(f"writes sent                 {len(ack) + len(refused) + len(result['other'])}")
print(f"acknowledged (2xx)          {len(ack)}")
print(f"refused, 507/503 envelope   {len(refused)}")
print(f"any other answer            {len(result['other'])} {result['other'][:3]}")
print(f"statuses                    {dict(sorted(result['statuses'].items()))}")
print(f"acknowledged but missing after restart: {len(missing)}")
print(f"refused but stored anyway:              {len(phantom)}")
ok = not missing and not phantom and not result["other"] and refused
print("RESULT: " + ("pass" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
