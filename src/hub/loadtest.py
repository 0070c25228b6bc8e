"""How many students one machine holds: a load test of the class hub (npm run bench:hub, as root).

For each class size N (default 5, 10, 20) it makes N simulated students log in at once through the hub's REST API
(a token from their password), start their servers, open notebook 02 and run all of its cells at once, through
the same REST and kernel-websocket API that JupyterLab uses. It reports, per N:
  - the time from login to the first output of the first cell, or to its reply if it prints nothing (p50, p95, max);
  - failures (a cell with an error or stderr output, a server or kernel that did not start, a timeout);
  - memory per student: the resident memory of all of the student's processes (single-user server + kernel);
and how many students this machine holds with the first output within 10 s.
The students (Unix users egload<k>) and the hub exist only for the run: they are removed at the end, whatever
happens. Usage: loadtest.py [--sizes 5,10,20] [--notebook 02-iterated-functions.ipynb] [--timeout 300]
"""
import argparse
import asyncio
import datetime
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import psutil
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = {"stream", "display_data", "execute_result", "error"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    def __init__(self, tmp, port, token):
        self.tmp, self.state, self.port, self.token = tmp, os.path.join(tmp, "state"), port, token
        self.base = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "HUB_STATE_DIR": self.state, "HUB_PORT": str(port), "HUB_ADMIN_TOKEN": token,
                    "HUB_IDLE_TIMEOUT": "3600"}
        self.process = None
        self.http = AsyncHTTPClient(max_clients=200)

    def roster(self, names):
        path = os.path.join(self.tmp, "roster.txt")
        with open(path, "w") as f:
            f.writelines(f"{n}\n" for n in names)
        subprocess.run(["bash", os.path.join(ROOT, "src/hub/hub.sh"), "--add-students", path], env=self.env,
                       check=True, capture_output=True, text=True)
        passwords = {}
        for file in os.listdir(self.state):
            if file.startswith("passwords-"):
                for line in open(os.path.join(self.state, file)):
                    name, password = line.split()
                    passwords[name] = password
        return passwords

    async def start(self):
        self.log = open(os.path.join(self.tmp, "hub.log"), "w")
        self.process = subprocess.Popen(["bash", os.path.join(ROOT, "src/hub/hub.sh")], env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(300):
            try:
                await self.call("GET", "/hub/api/users", self.token)
                return
            except (HTTPClientError, OSError):
                if self.process.poll() is not None:
                    raise RuntimeError(f"the hub exited with {self.process.returncode}; see {self.log.name}")
                await asyncio.sleep(0.3)
        raise RuntimeError("the hub did not start within 90 s")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    async def call(self, method, path, token=None, body=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"token {token}"
        request = HTTPRequest(self.base + path, method=method, headers=headers,
                              body=None if body is None and method == "GET" else json.dumps(body or {}),
                              request_timeout=120, allow_nonstandard_methods=True)
        response = await self.http.fetch(request)
        return json.loads(response.body) if response.body else None


def message(session, msg_type, content, channel="shell"):
    return {"header": {"msg_id": uuid.uuid4().hex, "session": session, "username": "", "msg_type": msg_type,
                       "version": "5.3", "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel}


async def one_student(hub, name, password, notebook, timeout, phases):
    """Login → first output of the first cell, in seconds, and a failure text or None; `phases` gets the time
    each step ended at (login, server ready, kernel session, first cell)."""
    t0 = time.monotonic()
    login = await hub.call("POST", f"/hub/api/users/{name}/tokens", None,
                           {"auth": {"username": name, "password": password}, "note": "load test"})
    token = login["token"]
    phases["login"] = time.monotonic() - t0
    await hub.call("POST", f"/hub/api/users/{name}/server", token)
    while True:
        user = await hub.call("GET", f"/hub/api/users/{name}", token)
        server = user["servers"].get("")
        if server and server["ready"]:
            break
        if not server and not user["pending"]:
            return None, "the server did not start"
        if time.monotonic() - t0 > timeout:
            return None, "the server was not ready in time"
        await asyncio.sleep(0.25)
    phases["server ready"] = time.monotonic() - t0
    prefix = f"/user/{name}/api"
    model = await hub.call("GET", f"{prefix}/contents/{notebook}", token)
    cells = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
             for c in model["content"]["cells"] if c["cell_type"] == "code"]
    session = await hub.call("POST", f"{prefix}/sessions", token,
                             {"path": notebook, "type": "notebook", "name": notebook,
                              "kernel": {"name": "exploding-gradients"}})
    phases["kernel session"] = time.monotonic() - t0
    url = f"ws://127.0.0.1:{hub.port}{prefix}/kernels/{session['kernel']['id']}/channels"
    budget = max(1.0, timeout - (time.monotonic() - t0))  # tornado's default 20 s is too short for a loaded machine
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}, connect_timeout=budget,
                                             request_timeout=budget), max_message_size=1 << 28)
    sid = uuid.uuid4().hex
    requests = [message(sid, "execute_request", {"code": code, "silent": False, "store_history": True,
                                                  "user_expressions": {}, "allow_stdin": False,
                                                  "stop_on_error": False}) for code in cells]
    for r in requests:  # all of them at once, as Run All does
        await ws.write_message(json.dumps(r))
    first_id = requests[0]["header"]["msg_id"]
    first_output, replies, failure = None, 0, None
    try:
        while replies < len(requests):
            remaining = timeout - (time.monotonic() - t0)
            if remaining <= 0:
                failure = f"timeout: {replies} of {len(requests)} cells answered"
                break
            raw = await asyncio.wait_for(ws.read_message(), remaining)
            if raw is None:
                failure = "the kernel's websocket closed"
                break
            msg = json.loads(raw)
            kind, parent = msg["header"]["msg_type"], msg["parent_header"].get("msg_id")
            # The first cell's first output, or its reply when it prints nothing (02 opens with its imports).
            if parent == first_id and first_output is None and (kind in OUTPUT or kind == "execute_reply"):
                first_output = phases["first cell"] = time.monotonic() - t0
            if kind == "error" or (kind == "stream" and msg["content"].get("name") == "stderr"):
                failure = failure or f"cell output on stderr: {str(msg['content'])[:200]}"
            if kind == "execute_reply":
                replies += 1
    except asyncio.TimeoutError:
        failure = f"timeout: {replies} of {len(requests)} cells answered"
    finally:
        ws.close()
    return first_output, failure


def remove_user(name):
    """Ends every process of a simulated student, then removes the account and its home."""
    for _ in range(50):
        subprocess.run(["pkill", "--signal", "KILL", "--uid", name], capture_output=True)
        if subprocess.run(["pgrep", "--uid", name], capture_output=True).returncode != 0:
            break
        time.sleep(0.1)
    subprocess.run(["userdel", name], capture_output=True)
    shutil.rmtree(os.path.join("/home", name), ignore_errors=True)


def memory_of(name):
    """Resident memory (MB) of every process of the user."""
    total = 0
    for p in psutil.process_iter(["username", "memory_info"]):
        if p.info["username"] == name and p.info["memory_info"]:
            total += p.info["memory_info"].rss
    return total / 2**20


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def round_of(hub, names, passwords, notebook, timeout):
    started = time.monotonic()
    phases = [{} for _ in names]
    results = await asyncio.gather(*(one_student(hub, n, passwords[n], notebook, timeout, p)
                                     for n, p in zip(names, phases)), return_exceptions=True)
    wall = time.monotonic() - started
    memory = [memory_of(n) for n in names]
    firsts, failures = [], []
    for name, result in zip(names, results):
        if isinstance(result, BaseException):
            failures.append(f"{name}: {type(result).__name__}: {result}")
            continue
        first, failure = result
        if first is not None:
            firsts.append(first)
        if failure:
            failures.append(f"{name}: {failure}")
    for name in names:  # stop every server (and with it the kernel) before the next round
        try:
            await hub.call("DELETE", f"/hub/api/users/{name}/server", hub.token)
        except HTTPClientError:
            pass
    for _ in range(120):
        users = [await hub.call("GET", f"/hub/api/users/{n}", hub.token) for n in names]
        if not any(u["servers"] for u in users):
            break
        await asyncio.sleep(0.5)
    for name in names:
        subprocess.run(["pkill", "--signal", "KILL", "--uid", name], capture_output=True)
    return {"n": len(names), "firsts": firsts, "failures": failures, "memory": memory, "wall": wall, "phases": phases}


def report(rounds, timeout):
    print("| students | first output p50 s | p95 s | max s | failures | memory per student MB (median) | all students MB | round wall s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rounds:
        f = r["firsts"] or [float("nan")]
        print(f"| {r['n']} | {statistics.median(f):.1f} | {percentile(f, 0.95):.1f} | {max(f):.1f} | "
              f"{len(r['failures'])} | {statistics.median(r['memory']):.0f} | {sum(r['memory']):.0f} | {r['wall']:.1f} |")
    print("\nWhere the time goes (median seconds since login at which each step ended):")
    steps = ["login", "server ready", "kernel session", "first cell"]
    print("| students | " + " | ".join(steps) + " |")
    print("|---|" + "---|" * len(steps))
    for r in rounds:
        cells = [statistics.median([p[s] for p in r["phases"] if s in p] or [float("nan")]) for s in steps]
        print(f"| {r['n']} | " + " | ".join(f"{c:.1f}" for c in cells) + " |")
    for r in rounds:
        for failure in r["failures"]:
            print(f"  failure (N = {r['n']}): {failure}")
    ok = [r["n"] for r in rounds if not r["failures"] and len(r["firsts"]) == r["n"] and percentile(r["firsts"], 0.95) <= 10]
    per_student = statistics.median([m for r in rounds for m in r["memory"]])
    ram = psutil.virtual_memory().total / 2**20
    by_memory = int(0.8 * ram / per_student)
    print(f"\nmachine: {os.cpu_count()} cores, {ram / 1024:.0f} GiB; one student (server + kernel) ≈ {per_student:.0f} MB")
    print(f"memory alone would hold ≈ {by_memory} students (80% of RAM)")
    if ok:
        print(f"first output within 10 s (p95, no failure) for up to {max(ok)} students at once of those tried")
    else:
        print("first output within 10 s (p95, no failure) for none of the class sizes tried: "
              "the CPU (starting every student's server and kernel at once) is what limits it")


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,10,20")
    parser.add_argument("--notebook", default="02-iterated-functions.ipynb")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    if os.geteuid() != 0:
        print("loadtest: run it as root (it creates the simulated students' accounts)", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="eg-hub-load-")
    names = [f"egload{k}" for k in range(max(sizes))]
    hub = Hub(tmp, free_port(), secrets.token_hex(24))
    try:
        passwords = hub.roster(names)
        await hub.start()
        rounds = []
        for n in sizes:
            print(f"N = {n}: {n} students log in, start their servers and run {args.notebook} at once ...", flush=True)
            rounds.append(await round_of(hub, names[:n], passwords, args.notebook, args.timeout))
        print()
        report(rounds, args.timeout)
    finally:
        hub.stop()
        for name in names:
            remove_user(name)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
