"""An interrupted `kiln compile` leaves nothing half-written (issue 14): SIGTERM, SIGINT and
SIGHUP while the C compiler builds the library stop the compiler, remove the temporary output
folder and exit with 128 + the signal; a compile killed with -9 leaves its folder, and the next
compile of the same output removes it. The model is one Linear with 4 MiB of weights compiled
with --embed-weights, so the C compiler runs for seconds: long enough to be caught running."""
import array
import glob
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

KILN = os.environ["KILN"]
failures = []


def check(what, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else ": " + detail))
    if not cond:
        failures.append(what)


def make_model(folder, rows=256, cols=4096):
    rnd = random.Random(1)
    w = array.array("f", (rnd.uniform(-1, 1) for _ in range(rows * cols)))
    header = json.dumps({"w": {"dtype": "F32", "shape": [rows, cols],
                               "data_offsets": [0, len(w) * 4]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(os.path.join(folder, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + w.tobytes())
    model = {"name": "big", "weights": "model.safetensors",
             "inputs": [{"name": "x", "dtype": "f32", "shape": [1, cols]}], "outputs": ["y"],
             "nodes": [{"op": "Linear", "name": "fc", "inputs": ["x", "w"], "outputs": ["y"]}]}
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(model, f)
    return os.path.join(folder, "model.json")


def children(pid):
    """The pids of pid's direct children (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            found.append(int(entry))
    return found


def alive(pid):
    """Whether pid runs (a zombie waiting for its parent to reap it does not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def start_compile(model, out):
    proc = subprocess.Popen([KILN, "compile", model, "--embed-weights", "--emit", "so", "-o", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        kids = children(proc.pid)
        if kids:
            return proc, kids
        time.sleep(0.02)
    return proc, []


def leftovers(out):
    return glob.glob(out + ".tmp-*")


tmp = tempfile.mkdtemp(prefix="kiln-interrupt.")
try:
    model = make_model(tmp)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        name = signal.Signals(sig).name
        out = os.path.join(tmp, "out-" + name)
        proc, kids = start_compile(model, out)
        check(name + ": the C compiler was caught running", bool(kids),
              "kiln exited first: %s" % proc.poll())
        if not kids:
            continue
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        check(name + ": exit status 128 + %d" % sig, proc.returncode == 128 + sig,
              "status %d, stderr %r" % (proc.returncode, err))
        check(name + ": says what it removed",
              "interrupted by %s; removed the partial output" % name in err, repr(err))
        check(name + ": no temporary folder left", not leftovers(out), str(leftovers(out)))
        check(name + ": no output folder", not os.path.exists(out))
        time.sleep(0.1)
        check(name + ": the C compiler was stopped", not any(alive(k) for k in kids),
              "still running: %s" % [k for k in kids if alive(k)])

    # kill -9: nothing runs in kiln, so the folder stays until the next compile of that output
    out = os.path.join(tmp, "out-kill9")
    proc, kids = start_compile(model, out)
    check("SIGKILL: the C compiler was caught running", bool(kids))
    if kids:
        proc.kill()
        proc.communicate(timeout=60)
        for k in kids:  # the orphaned compiler would finish into the folder; stop it too
            try:
                os.kill(k, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)
        check("SIGKILL: the temporary folder is left behind", len(leftovers(out)) == 1,
              str(leftovers(out)))
        stale = leftovers(out)
        r = subprocess.run([KILN, "compile", model, "-o", out], capture_output=True, text=True,
                           timeout=120)
        check("next compile succeeds", r.returncode == 0, r.stderr)
        check("next compile removes the stale folder", not leftovers(out), str(leftovers(out)))
        check("next compile says so", stale and ("removed %s, left by a kiln process that is gone"
                                                  % stale[0]) in r.stderr, repr(r.stderr))
    # a live compile's folder is not stale: a second compile of the same output leaves it alone
    out = os.path.join(tmp, "out-live")
    proc, kids = start_compile(model, out)
    if kids:
        live = leftovers(out)
        r = subprocess.run([KILN, "compile", model, "-o", out + "-other"], capture_output=True,
                           text=True, timeout=120)
        r2 = subprocess.run([KILN, "compile", model, "-o", out], capture_output=True, text=True,
                            timeout=120)
        check("a running compile's folder is kept",
              all(os.path.exists(p) for p in live) and "left by a kiln process" not in r2.stderr,
              "%s %r" % (live, r2.stderr))
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
