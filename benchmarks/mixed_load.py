"""Mixed load on a real ``aatd serve`` over SQLite and PostgreSQL (run through ``benchmarks/load.py --mixed``).

For each database a fresh server is started, then for ``--seconds``, all at once:

- 25 API writers and 25 browser-form writers save results of **one** patient (every tenth
  API write is retried with the same ``Idempotency-Key``, as a client does after a timeout);
- 100 readers fetch the patient and its results (audited reads, so they write too);
- 8 anonymous clients post a 100-member pedigree with ``?plan=true`` and one posts a
  20,000-character genotype to the public result page (the review's H1 and H3 attacks);
- the health check is polled every 50 ms from a separate process, for the same time with the
  server idle just before (so both p99s come from samples of the same size).

Reported per database: requests and answers by status, errors (5xx, timeouts, refused
connections), the health check's p50/p99 against its idle value, and from the database
itself: acknowledged writes that are missing (lost) and writes stored twice (duplicated).
429 and 503 answers to the anonymous clients are the budget working, not errors.

``--source DIR`` serves another checkout (e.g. the code before the hardening) with the same
clients, for before/after figures.
"""

from __future__ import annotations

import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Load-test: 7 purple cranes over 42 dunes!"
API_WRITERS, FORM_WRITERS, READERS, ANONYMOUS = 25, 25, 100, 8
CLIENT_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chain(n: int) -> dict[str, Any]:
    """A pedigree of ``n`` members: a male line with a wife in each generation, ZZ at the top."""
    members: list[dict[str, Any]] = [{"id": "g0", "sex": "male", "genotype": "ZZ"}, {"id": "w0", "sex": "female"}]
    for i in range(1, n // 2):
        members += [{"id": f"g{i}", "sex": "male", "father": f"g{i - 1}", "mother": f"w{i - 1}"},
                    {"id": f"w{i}", "sex": "female"}]
    return {"country": "USA", "members": members}


@contextmanager
def server(database_url: str | None, source: Path | None, extra_env: dict[str, str] | None = None,
           serve_args: Sequence[str] = ()) -> Iterator[tuple[str, dict[str, str], int]]:
    """``aatd serve`` on a free port with a fresh data directory (and ``extra_env`` set for it); yields its URL,
    environment and process id."""
    data_dir = tempfile.mkdtemp(prefix="aatd-mixed-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AATD_")} | {"AATD_DATA_DIR": data_dir}
    env |= extra_env or {}
    if database_url:
        env["AATD_DATABASE_URL"] = database_url
    if source is not None:
        env["PYTHONPATH"] = str(source / "src")
    subprocess.run([sys.executable, "-m", "aatd", "user", "create", "--org", "Load", "--email", "a@a.org",
                    "--admin", "--password-stdin"], input=PASSWORD + "\n", env=env, check=True, text=True,
                   capture_output=True, cwd=data_dir)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "aatd", "serve", "--port", str(port), *serve_args], env=env,
                               cwd=data_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("aatd serve did not start")
        yield base, env, process.pid
    finally:
        process.kill()
        process.wait(timeout=30)


@dataclass
class Tally:
    """Answers of one kind of client."""

    statuses: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    """Milliseconds from sending to the whole answer, of every answer received (any status)."""

    def add(self, outcome: str, latency_ms: float | None = None) -> None:
        with self.lock:
            self.statuses[outcome] += 1
            if latency_ms is not None:
                self.latencies.append(latency_ms)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def errors(self, *, busy_is_error: bool = True) -> int:
        """Answers that are failures: 5xx (503 only if ``busy_is_error``), timeouts, failed connections."""
        return sum(n for s, n in self.statuses.items()
                   if not s.isdigit() or (int(s) >= 500 and (busy_is_error or s != "503")))

    def text(self) -> str:
        return ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))


def _call(tally: Tally, send: Callable[..., httpx.Response], *args: Any, **kwargs: Any) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = send(*args, **kwargs)
    except httpx.TimeoutException:
        tally.add("timeout")
        return None
    except httpx.HTTPError as exc:
        tally.add(type(exc).__name__)
        return None
    tally.add(str(response.status_code), (time.perf_counter() - started) * 1000)
    return response


def _browser(base: str) -> tuple[httpx.Client, str] | str:
    """A logged-in browser session and its CSRF token, or why the login failed."""
    client = httpx.Client(base_url=base, timeout=CLIENT_TIMEOUT_S)
    try:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        reason = f"login form {page.status_code}"
        if token is not None:
            login = client.post("/login", data={"email": "a@a.org", "password": PASSWORD, "csrf_token": token[1]})
            patients = client.get("/patients")
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', patients.text)
            if csrf is not None:
                return client, csrf[1]
            reason = f"login {login.status_code}, patients {patients.status_code}"
    except httpx.HTTPError as exc:
        reason = f"login {type(exc).__name__}"
    client.close()
    return reason


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, seconds) of process ``pid`` and all its descendants so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, p in parents.items() if p == parent and child not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(p, 0.0) for p in tree)


def _proc_cpu(stat: Path, tick: float) -> tuple[str, int, float] | None:
    """(command name, parent id, CPU seconds) from a /proc .../stat file, or None if it is gone."""
    try:
        head, tail = stat.read_text().rsplit(")", 1)
    except OSError:
        return None
    fields = tail.split()
    return head.split("(", 1)[1], int(fields[1]), (int(fields[11]) + int(fields[12])) / tick


def cpu_by_part(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of each part of the system under test (Linux /proc): the server's event-loop
    thread (its main thread), its other threads (the worker threads that run routes), its engine processes,
    the PostgreSQL server processes (backends and background) and this process (the load clients).

    Read at the start and the end of the loaded window: where the two cores went during the load."""
    tick = float(os.sysconf("SC_CLK_TCK"))
    procs: dict[int, tuple[str, int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (got := _proc_cpu(entry / "stat", tick)) is not None:
            procs[int(entry.name)] = got
    tree, frontier = {server_pid}, [server_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (_, ppid, _) in procs.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    loop = _proc_cpu(Path(f"/proc/{server_pid}/task/{server_pid}/stat"), tick)
    server = procs.get(server_pid, ("", 0, 0.0))[2]
    parts = {"server loop thread": loop[2] if loop else 0.0}
    parts["server other threads"] = server - parts["server loop thread"]
    app = next((p for p in tree if _is_app_process(p)), None)  # aatd serve in two processes (tenth wave)
    if app is not None:
        app_loop = _proc_cpu(Path(f"/proc/{app}/task/{app}/stat"), tick)
        parts["app process loop thread"] = app_loop[2] if app_loop else 0.0
        parts["app process other threads"] = procs[app][2] - parts["app process loop thread"]
    parts["engine processes"] = sum(procs[p][2] for p in tree if p not in (server_pid, app) and p in procs)
    parts["postgres"] = sum(cpu for name, _, cpu in procs.values() if name.startswith("postgres"))
    parts["clients"] = own_cpu_seconds()
    return parts


def _is_app_process(pid: int) -> bool:
    try:
        return b"aatd.web.app_process" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def own_cpu_seconds() -> float:
    """CPU time of this process (the load clients' threads), seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def nice_this_thread(niceness: int) -> None:
    """Lower the CPU priority of the calling thread only (Linux: niceness is per thread), so that the
    load clients, which here share the server's cores, do not take CPU time the server needs."""
    if niceness:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


HEALTH_POLLER = """
import json, sys, time, httpx
base, seconds, path, status = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
out, stop = [], time.monotonic() + seconds
with httpx.Client(base_url=base, timeout=60) as client:
    while time.monotonic() < stop:
        started = time.perf_counter()
        try:
            ok = client.get(path).status_code == status
        except httpx.HTTPError:
            ok = False
        out.append((time.perf_counter() - started) * 1000 if ok else None)
        time.sleep(0.05)
print(json.dumps(out))
"""


APP_PROBE = "/api/v1/no-such-route"
"""The app probe: a 404 the app's router answers on the app's own event loop (no worker thread, no database).
With ``aatd serve`` in two processes the health check is answered by the front process; this probe shows the
app process's loop, which the health check answered in one process."""


def health_poller(base: str, seconds: float, path: str = "/api/v1/health", status: int = 200
                  ) -> subprocess.Popen[str]:
    """Poll the health check (or ``path``, expecting ``status``) every 50 ms from a separate process (its timing
    is not slowed by the load clients' own threads); ``collect`` reads the latencies in ms (``None``: failed)."""
    return subprocess.Popen([sys.executable, "-c", HEALTH_POLLER, base, str(seconds), path, str(status)],
                            stdout=subprocess.PIPE, text=True)


def collect(poller: subprocess.Popen[str]) -> list[float | None]:
    out, _ = poller.communicate(timeout=CLIENT_TIMEOUT_S * 5)
    values: list[float | None] = json.loads(out)
    return values


def scenario(base: str, seconds: float, server_pid: int, client_nice: int = 0) -> dict[str, Any]:
    """Run the mixed load for ``seconds``; return tallies, health latencies, the acknowledged writes and the
    CPU seconds used during the load by the clients and by the server (with its engine processes).

    ``client_nice`` > 0 runs every load client thread at that niceness (the health poller stays at 0)."""
    with httpx.Client(base_url=base, timeout=CLIENT_TIMEOUT_S) as setup:
        token = setup.post("/api/v1/auth/token", json={"email": "a@a.org", "password": PASSWORD}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        patient = setup.post("/api/v1/patients", json={"label": "Load", "sex": "female"}, headers=auth).json()
    pid = patient["id"]
    idle_probe = health_poller(base, seconds, APP_PROBE, 404)
    idle = [v for v in collect(health_poller(base, seconds)) if v is not None]  # as long as the load: like p99s
    idle_app = [v for v in collect(idle_probe) if v is not None]
    clock = {"stop": float("inf")}
    pollers: list[subprocess.Popen[str]] = []
    cpu: dict[str, float] = {}
    parts: dict[str, float] = {}

    def start_clock() -> None:
        clock.update(stop=time.monotonic() + seconds)
        cpu.update(clients=-own_cpu_seconds(), server=-cpu_seconds(server_pid))
        parts.update({k: -v for k, v in cpu_by_part(server_pid).items()})
        pollers.append(health_poller(base, seconds))
        pollers.append(health_poller(base, seconds, APP_PROBE, 404))

    n_threads = API_WRITERS + FORM_WRITERS + READERS + ANONYMOUS + 1
    barrier = threading.Barrier(n_threads, action=start_clock)

    class Ready:
        @staticmethod
        def wait() -> None:
            nice_this_thread(client_nice)
            barrier.wait()

    ready = Ready()

    def running() -> bool:
        return time.monotonic() < clock["stop"]
    tallies = {name: Tally() for name in ("api writers", "form writers", "readers", "anonymous pedigree",
                                          "anonymous long genotype", "health")}
    acked: list[str] = []
    acked_lock = threading.Lock()
    health: list[float] = []
    pedigree = json.dumps(chain(100))

    def ack(note: str) -> None:
        with acked_lock:
            acked.append(note)

    def api_writer(k: int) -> None:
        with httpx.Client(base_url=base, timeout=CLIENT_TIMEOUT_S, headers=auth) as client:
            ready.wait()
            i = 0
            while running():
                note = f"api-{k}-{i}"
                headers = {"Idempotency-Key": note}
                body = {"kind": "crp", "taken_on": "2024-01-01", "value": 2, "note": note}
                for _attempt in range(2 if i % 10 == 0 else 1):  # every tenth write is retried
                    r = _call(tallies["api writers"], client.post, f"/api/v1/patients/{pid}/results", json=body,
                              headers=headers)
                    if r is not None and r.status_code == 201:
                        ack(note)
                i += 1

    def form_writer(k: int) -> None:
        session = _browser(base)
        ready.wait()
        if isinstance(session, str):
            tallies["form writers"].add(session)
            return
        client, csrf = session
        try:
            i = 0
            while running():
                note = f"form-{k}-{i}"
                data = {"csrf_token": csrf, "kind": "crp", "taken_on": "2024-01-01", "value": "2", "note": note}
                r = _call(tallies["form writers"], client.post, f"/patients/{pid}/results", data=data)
                if r is not None and r.status_code == 303:
                    ack(note)
                i += 1
        finally:
            client.close()

    def reader(k: int) -> None:
        with httpx.Client(base_url=base, timeout=CLIENT_TIMEOUT_S, headers=auth) as client:
            paths = (f"/api/v1/patients/{pid}", f"/api/v1/patients/{pid}/results")
            ready.wait()
            i = 0
            while running():
                _call(tallies["readers"], client.get, paths[i % 2])
                i += 1

    def anonymous(k: int) -> None:
        with httpx.Client(base_url=base, timeout=CLIENT_TIMEOUT_S) as client:
            ready.wait()
            while running():
                r = _call(tallies["anonymous pedigree"], client.post, "/api/v1/pedigree?plan=true", content=pedigree,
                          headers={"content-type": "application/json"})
                if r is not None and r.status_code in (429, 503):
                    time.sleep(min(float(r.headers.get("retry-after", "1")), 2.0))

    def long_genotype() -> None:
        with httpx.Client(base_url=base, timeout=CLIENT_TIMEOUT_S) as client:
            ready.wait()
            while running():
                r = _call(tallies["anonymous long genotype"], client.post, "/public/my-result",
                          data={"submitted": "1", "kind": "genotype", "result": "Z" * 20_000})
                if r is not None and r.status_code in (429, 503):
                    time.sleep(min(float(r.headers.get("retry-after", "1")), 2.0))

    threads = [threading.Thread(target=api_writer, args=(k,)) for k in range(API_WRITERS)]
    threads += [threading.Thread(target=form_writer, args=(k,)) for k in range(FORM_WRITERS)]
    threads += [threading.Thread(target=reader, args=(k,)) for k in range(READERS)]
    threads += [threading.Thread(target=anonymous, args=(k,)) for k in range(ANONYMOUS)]
    threads += [threading.Thread(target=long_genotype)]
    for t in threads:
        t.daemon = True
        t.start()
    for t in threads:
        t.join(timeout=seconds + CLIENT_TIMEOUT_S * 5)
    cpu["clients"] += own_cpu_seconds()
    cpu["server"] += cpu_seconds(server_pid)
    for part, used in cpu_by_part(server_pid).items():
        parts[part] += used
    for latency in collect(pollers[0]) if pollers else []:
        tallies["health"].add("200" if latency is not None else "failed")
        if latency is not None:
            health.append(latency)
    app_probe = [v for v in collect(pollers[1]) if v is not None] if pollers else []
    return {"tallies": tallies, "acked": acked, "health": health, "idle": idle, "patient": pid, "cpu": cpu,
            "parts": parts, "idle_app": idle_app, "app_probe": app_probe}


def stored_notes(env: dict[str, str], database_url: str | None) -> Counter[str]:
    url = database_url or f"sqlite:///{env['AATD_DATA_DIR']}/aatd.sqlite3"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    engine = create_engine(url)
    with engine.connect() as conn:
        notes = Counter(str(row[0]) for row in conn.execute(text("SELECT note FROM results WHERE note IS NOT NULL")))
    engine.dispose()
    return notes


@dataclass
class Pool:
    """The health latencies of several runs on one database, idle and under load (ms), and each run's ratio."""

    idle: list[float] = field(default_factory=list)
    loaded: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    readers: list[float] = field(default_factory=list)
    idle_app: list[float] = field(default_factory=list)
    app_probe: list[float] = field(default_factory=list)
    writers: list[float] = field(default_factory=list)

    def add(self, idle: list[float], loaded: list[float]) -> None:
        self.idle += idle
        self.loaded += loaded
        self.ratios.append(percentile(loaded, 0.99) / max(percentile(idle, 0.99), 1e-9))

    def row(self, label: str, limit: float = 3.0) -> str:
        """The pooled summary: p99 of all samples of all runs (a p99 of ~280 samples is about the third-highest
        sample, so a single run's ratio moves by ±1 between runs of the same code)."""
        under = sum(r < limit for r in self.ratios)
        idle_p99, loaded_p99 = percentile(self.idle, 0.99), percentile(self.loaded, 0.99)
        return (f"| {label} | **pooled over {len(self.ratios)} runs** | | health p50/p99 idle "
                f"{percentile(self.idle, 0.5):.1f}/{idle_p99:.1f} ms, under load "
                f"{percentile(self.loaded, 0.5):.1f}/{percentile(self.loaded, 0.95):.1f} (p95)/"
                f"{loaded_p99:.1f} ms (**{loaded_p99 / idle_p99:.1f}x idle p99**), {len(self.loaded)} health "
                f"answers under load; runs under {limit:g}x: {under} of "
                f"{len(self.ratios)} ({', '.join(f'{r:.1f}x' for r in self.ratios)}); app probe p99 idle "
                f"{percentile(self.idle_app, 0.99):.1f} ms, under load {percentile(self.app_probe, 0.99):.1f} ms "
                f"({percentile(self.app_probe, 0.99) / max(percentile(self.idle_app, 0.99), 1e-9):.1f}x); "
                f"answers p50/p99 ms: readers "
                f"{percentile(self.readers, 0.5):.0f}/{percentile(self.readers, 0.99):.0f} ({len(self.readers)}), "
                f"writers {percentile(self.writers, 0.5):.0f}/{percentile(self.writers, 0.99):.0f} "
                f"({len(self.writers)}) |")


def run(label: str, database_url: str | None, source: Path | None, seconds: float,
        client_nice: int = 0, extra_env: dict[str, str] | None = None, pool: Pool | None = None,
        serve_args: Sequence[str] = ()) -> list[str]:
    """One mixed run; the Markdown rows of its results (its health latencies are added to ``pool``)."""
    load_before = os.getloadavg()[0]
    with server(database_url, source, extra_env, serve_args) as (base, env, server_pid):
        out = scenario(base, seconds, server_pid, client_nice)
        time.sleep(1)
    notes = stored_notes(env, database_url)
    acked = set(out["acked"])
    lost = len(acked - set(notes))
    duplicated = sum(n - 1 for n in notes.values() if n > 1)
    idle, health = out["idle"], out["health"]
    errors = sum(t.errors() for name, t in out["tallies"].items() if not name.startswith("anonymous"))
    anonymous_errors = sum(t.errors(busy_is_error=False) for name, t in out["tallies"].items()
                           if name.startswith("anonymous"))
    rows = [f"| {label} | {name} | {t.requests} | {t.text()} |" for name, t in out["tallies"].items()]
    summary = (f"| {label} | **summary** | | errors (5xx, timeouts, failed connections) of clinicians and health "
               f"checks: **{errors}**; of anonymous clients: {anonymous_errors}; health p50/p99 idle "
               f"{percentile(idle, 0.5):.0f}/{percentile(idle, 0.99):.0f} ms, under load "
               f"{percentile(health, 0.5):.0f}/{percentile(health, 0.99):.0f} ms "
               f"({percentile(health, 0.99) / max(percentile(idle, 0.99), 1e-9):.1f}x idle p99), "
               f"{len(health)} health answers; app probe (404 from the app's loop) p99 idle "
               f"{percentile(out['idle_app'], 0.99):.0f} ms, under load {percentile(out['app_probe'], 0.99):.0f} ms "
               f"({percentile(out['app_probe'], 0.99) / max(percentile(out['idle_app'], 0.99), 1e-9):.1f}x); "
               f"answer p50/p99 ms: readers {_p50_p99(out['tallies']['readers'])}, "
               f"API writers {_p50_p99(out['tallies']['api writers'])}, "
               f"form writers {_p50_p99(out['tallies']['form writers'])}; "
               f"writes acknowledged {len(acked)}, stored {sum(notes.values())}, "
               f"reads {out['tallies']['readers'].requests / seconds:.0f}/s, "
               f"**lost {lost}, duplicated {duplicated}**; CPU s during the load: clients {out['cpu']['clients']:.1f}"
               f"{f' (niceness {client_nice})' if client_nice else ''}, "
               f"server with engines {out['cpu']['server']:.1f} ("
               + ", ".join(f"{k} {v:.1f}" for k, v in out["parts"].items()) + "); "
               f"machine load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after |")
    print(summary, flush=True)
    if pool is not None:
        pool.add(idle, health)
        pool.idle_app += out["idle_app"]
        pool.app_probe += out["app_probe"]
        pool.readers += out["tallies"]["readers"].latencies
        pool.writers += out["tallies"]["api writers"].latencies + out["tallies"]["form writers"].latencies
    return [*rows, summary]


def _p50_p99(tally: Tally) -> str:
    if not tally.latencies:
        return "-"
    return f"{percentile(tally.latencies, 0.5):.0f}/{percentile(tally.latencies, 0.99):.0f}"


def fresh_database(cluster_url: str, n: int) -> str:
    """A new, empty database ``aatd_run_<n>`` on the cluster of ``cluster_url``; its URL."""
    engine = create_engine("postgresql+psycopg://" + cluster_url.split("://", 1)[1], isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE aatd_run_{int(n)}"))
    engine.dispose()
    return cluster_url.rsplit("/", 1)[0] + f"/aatd_run_{int(n)}"


@contextmanager
def _postgresql(args: Any) -> Iterator[str | None]:
    """A throwaway PostgreSQL cluster's URL for the runs (``None``: not asked for, or no PostgreSQL binaries)."""
    if args.sqlite_only:
        yield None
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from web.pg import pg_bin, postgres_cluster

    if pg_bin() is None:
        yield None
        return
    with postgres_cluster() as url:
        yield url.replace("postgresql+psycopg://", "postgresql://")


def main(args: Any) -> list[str]:
    """All mixed runs asked for; the Markdown section."""
    source = Path(args.source).resolve() if args.source else None
    name = args.label or ("this checkout" if source is None else source.name)
    nice = getattr(args, "client_nice", 0)
    if nice:
        name += f", clients at niceness {nice}"
    extra = dict(item.split("=", 1) for item in getattr(args, "server_env", []))
    if extra:
        name += ", " + " ".join(f"{k}={v}" for k, v in extra.items())
    rounds = max(1, getattr(args, "rounds", 1))
    codes: list[tuple[str, Path | None, list[str]]] = [(name, source, list(getattr(args, "serve_arg", [])))]
    if getattr(args, "versus", None):
        other = Path(args.versus).resolve()
        codes.append((getattr(args, "versus_label", None) or other.name, other,
                      list(getattr(args, "versus_serve_arg", []))))
    pools = {(code, database): Pool() for code, _, _ in codes for database in ("SQLite", "PostgreSQL")}
    rows: list[str] = []
    runs = iter(range(1, 10_000))
    with _postgresql(args) as cluster:
        if cluster is None and not args.sqlite_only:
            rows.append(f"| {name}, PostgreSQL | not run | | no PostgreSQL binaries |")
        for i in range(rounds):
            for code, code_source, serve_args in codes:
                label = code if rounds == 1 else f"{code} (run {i + 1} of {rounds})"
                if not getattr(args, "postgresql_only", False):
                    rows += run(f"{label}, SQLite", None, code_source, args.seconds, nice, extra,
                                pools[code, "SQLite"], serve_args)
                if cluster is not None:  # each run on an empty database of its own
                    rows += run(f"{label}, PostgreSQL", fresh_database(cluster, next(runs)), code_source,
                                args.seconds, nice, extra, pools[code, "PostgreSQL"], serve_args)
    for (code, database), pool in pools.items():
        if rounds > 1 and pool.ratios:
            rows.append(pool.row(f"{code}, {database}"))
            print(rows[-1], flush=True)
    return rows
