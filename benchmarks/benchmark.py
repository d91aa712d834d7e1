"""Speed, memory and accuracy of our configuration against the stock one.

Run with `make benchmark` (or `.venv/bin/python benchmarks/benchmark.py` from
the project root with scripts/common.sh sourced). For each configuration, ours
(config.yml) and the stock `rasa init` one (benchmarks/stock_config.yml),
trained on the same domain.yml and data/, it measures:

* training time: wall clock of `rasa train` into a temporary directory, with a
  cold Rasa training cache;
* start to ready: from spawning the action server and `rasa run` until GET /
  answers 200, GET /status says the model is loaded and the action server's
  /health answers;
* memory: resident set size (VmRSS) of the Rasa server process and its
  children after a warm-up (and, for information, after the load test and of
  the action server);
* turn latency over REST: p50/p95 of POST /webhooks/rest/webhook with one
  client and with 20 concurrent conversations, replaying scripted resident
  conversations (a complaint and a service request) that run the real
  actions. The 20-conversation figure that has the target models residents
  typing: each waits a think time (THINK_TIME_S, 3 s +/- 1 s) before its next
  message. A second run with no think time (every client fires its next
  message as soon as the reply arrives) shows the saturation point: its
  latency is queueing, and its throughput is the server's capacity;
* held-out macro-F1: every message of tests/nlu/heldout.yml (never trained on)
  is parsed with /model/parse; an NLU fallback counts as a wrong intent;
* long conversation: one resident's conversation of LONG_TURNS turns (questions
  and thanks, each answered by an action), and the turn time at turns 10, 300
  and 1,000 (the median of the 9 turns ending there), with the previous
  conversations store (Rasa's SQLTrackerStore on SQLite, which replays the
  whole session every turn) and ours (server/conversation_store.py, which
  loads a bounded window), both serving models/assistant.tar.gz. Run only
  this part with `--long-conversation`.

It prints a table (metric | ours | stock | target | ...) and writes the
figures to results/benchmark.json. Servers run one configuration at a time on
127.0.0.1 only and are always stopped. This is a report, not a test: it exits
0 even when a target is missed, and 1 only when a measurement failed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # .venv/bin, where `rasa` lives
HOST = "127.0.0.1"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
RESULTS = ROOT / "results" / "benchmark.json"
REST_SECRET = secrets.token_urlsafe(24)  # the REST channel is on only with a secret (README, "REST channel")

TRAIN_TIMEOUT_S = 3600.0
READY_TIMEOUT_S = 180.0
POLL_INTERVAL_S = 0.1
REQUEST_TIMEOUT_S = 30.0
LOAD_PHASE_TIMEOUT_S = 600.0
STOP_TIMEOUT_S = 15.0

SINGLE_CLIENT_TURNS = 200
LONG_TURNS = 1000
LONG_AT = (10, 300, 1000)  # turns whose time is reported
LONG_WINDOW = 9  # each figure is the median of the turns ending at it
LONG_MESSAGES = ("hello", "how long do you have to reply to a complaint?", "thanks", "who is the ombudsman?")
PROJECT_MODEL = ROOT / "models" / "assistant.tar.gz"
# The endpoints before server/conversation_store.py: Rasa's own SQL store on SQLite.
PREVIOUS_ENDPOINTS = """action_endpoint:
  url: ${ACTION_ENDPOINT_URL}
tracker_store:
  type: SQL
  dialect: sqlite
  db: ${TRACKER_DB}
"""
CONCURRENT_CLIENTS = 20
TURNS_PER_CLIENT = 30
THINK_TIME_S = 3.0  # a resident reading the reply and typing the next message

# A resident's walk through the assistant, and a phrase of the reply that
# shows the walk reached its end (the case was logged by the action server).
COMPLAINT_WALK: tuple[str, ...] = (
    "hi",
    "I want to complain, the repair to my boiler was booked three times and nobody came",
    "about three weeks ago",
    "fix the boiler and some compensation for the days we had no heating",
    "tenant",
    "Sarah Jones",
    "07700 900123",
    "M1 1AE",
    "none needed",
    "phone",
    "yes",
    "thanks",
    "bye",
)
SERVICE_REQUEST_WALK: tuple[str, ...] = (
    "hello",
    "my kitchen tap is leaking",
    "service request",
    "Tom Brown",
    "tom.brown@example.com",
    "LS1 4AB",
    "how long do you have to reply to a complaint?",
    "thank you",
    "bye",
)
WALKS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("complaint", COMPLAINT_WALK, "complaint is logged"),
    ("service_request", SERVICE_REQUEST_WALK, "logged this as a service request"),
)


@dataclass(frozen=True)
class Variant:
    """One configuration to benchmark and the ports its servers listen on."""

    key: str
    label: str
    config: Path
    rasa_port: int
    action_port: int


VARIANTS: tuple[Variant, ...] = (
    Variant("ours", "ours (config.yml)", ROOT / "config.yml", 5105, 5155),
    Variant("stock", "stock (rasa init)", ROOT / "benchmarks" / "stock_config.yml", 5205, 5255),
)


@dataclass(frozen=True)
class Metric:
    """A row of the table: how to read, format and judge one figure."""

    key: str
    label: str
    fmt: str
    higher_is_better: bool
    target: tuple[str, float] | None = None  # (operator, value)

    def meets(self, value: float | None) -> str:
        if self.target is None or value is None:
            return "-"
        op, bound = self.target
        ok = {">=": value >= bound, "<=": value <= bound, "<": value < bound}[op]
        return "yes" if ok else "NO"

    def beats(self, ours: float | None, stock: float | None) -> str:
        if ours is None or stock is None:
            return "-"
        if self.fmt.format(ours) == self.fmt.format(stock):
            return "tie"
        better = ours > stock if self.higher_is_better else ours < stock
        return "yes" if better else "no"


METRICS: tuple[Metric, ...] = (
    Metric("heldout_macro_f1", "held-out macro-F1", "{:.3f}", True, (">=", 0.95)),
    Metric("train_s", "training time (s)", "{:.1f}", False),
    Metric("ready_s", "start to ready (s)", "{:.1f}", False, ("<=", 20.0)),
    Metric("rss_mb", "Rasa server RSS after warm-up (MB)", "{:.0f}", False, ("<", 800.0)),
    Metric("p50_1_ms", "p50 turn, 1 client (ms)", "{:.0f}", False),
    Metric("p95_1_ms", "p95 turn, 1 client (ms)", "{:.0f}", False),
    Metric("p50_20_ms", "p50 turn, 20 residents typing (ms)", "{:.0f}", False),
    Metric("p95_20_ms", "p95 turn, 20 residents typing (ms)", "{:.0f}", False, ("<", 150.0)),
    Metric("p95_sat_ms", "p95 turn, 20 clients no think time (ms)", "{:.0f}", False),
    Metric("throughput_20", "capacity, no think time (turns/s)", "{:.1f}", True),
    Metric("heldout_accuracy", "held-out accuracy", "{:.3f}", True),
    Metric("heldout_fallbacks", "held-out NLU fallbacks", "{:.0f}", False),
    Metric("rss_after_load_mb", "Rasa server RSS after load (MB)", "{:.0f}", False),
    Metric("action_rss_mb", "action server RSS after load (MB)", "{:.0f}", False),
    Metric("walks_completed_pct", "scripted walks completed (%)", "{:.0f}", True),
    Metric("turn_errors", "failed turns (HTTP error/timeout)", "{:.0f}", False),
)


# --------------------------------------------------------------------------
# Small helpers


def log(message: str) -> None:
    """Progress goes to stderr so that stdout holds only the report."""
    print(f"[benchmark] {message}", file=sys.stderr, flush=True)


def child_env(**extra: str) -> dict[str, str]:
    """The environment for Rasa processes: ours, plus quiet and thread limits."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def free_port(preferred: int) -> int:
    """`preferred` when nothing listens on it, else a port the OS says is free."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free TCP port on 127.0.0.1")


def tail(path: Path, lines: int = 25) -> str:
    """The end of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


# --------------------------------------------------------------------------
# Training


def train(variant: Variant, workdir: Path) -> tuple[Path, float]:
    """Train `variant` into `workdir` with a cold cache; return (model, seconds)."""
    out = workdir / "models"
    log_file = workdir / "train.log"
    cmd = [
        str(BIN / "rasa"), "train",
        "--config", str(variant.config),
        "--domain", str(ROOT / "domain.yml"),
        "--data", str(ROOT / "data"),
        "--fixed-model-name", f"bench-{variant.key}",
        "--out", str(out),
    ]
    env = child_env(RASA_CACHE_DIRECTORY=str(workdir / "train-cache"))
    log(f"{variant.key}: training ({variant.config.relative_to(ROOT)}), log in {log_file}")
    start = time.perf_counter()
    with log_file.open("wb") as sink:
        result = subprocess.run(cmd, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                timeout=TRAIN_TIMEOUT_S, check=False)
    seconds = time.perf_counter() - start
    model = out / f"bench-{variant.key}.tar.gz"
    if result.returncode != 0 or not model.exists():
        raise RuntimeError(f"training failed (exit {result.returncode}):\n{tail(log_file)}")
    log(f"{variant.key}: trained in {seconds:.1f} s")
    return model, seconds


# --------------------------------------------------------------------------
# Servers


@dataclass
class Servers:
    """A running Rasa server and action server for one configuration."""

    rasa: subprocess.Popen
    actions: subprocess.Popen
    base_url: str
    action_url: str
    token: str
    logdir: Path
    started_at: float

    def check_alive(self) -> None:
        for name, proc in (("rasa", self.rasa), ("actions", self.actions)):
            if proc.poll() is not None:
                raise RuntimeError(f"the {name} server exited with {proc.returncode}:\n"
                                   f"{tail(self.logdir / f'{name}.log')}")


def spawn(cmd: list[str], env: dict[str, str], log_file: Path) -> subprocess.Popen:
    """Start a server in its own process group, output to `log_file`."""
    with log_file.open("wb") as sink:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """Stop a server this script started (its process group), politely then firmly."""
    if proc.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def running_servers(variant: Variant, model: Path, workdir: Path,
                    endpoints: Path = ROOT / "endpoints.yml") -> Iterator[Servers]:
    """Start the action server and `rasa run` for `model`; always stop both."""
    rasa_port, action_port = free_port(variant.rasa_port), free_port(variant.action_port)
    var_dir = workdir / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    env = child_env(
        ASSISTANT_VAR_DIR=str(var_dir),
        ACTION_ENDPOINT_URL=f"http://{HOST}:{action_port}/webhook",
        TRACKER_DB=str(var_dir / "conversations.db"),
        BIND_HOST=HOST,
        ACTION_PORT=str(action_port),
        ACTION_SERVER_SECRET=secrets.token_urlsafe(24),
        RASA_AUTH_TOKEN=token,
        REST_CHANNEL_SECRET=REST_SECRET,
    )
    log(f"{variant.key}: starting servers on {HOST}:{rasa_port} (rasa) and {HOST}:{action_port} (actions)")
    started_at = time.perf_counter()
    procs: list[subprocess.Popen] = []
    try:
        procs.append(spawn([str(BIN / "python"), "-m", "server.action_server"], env, workdir / "actions.log"))
        procs.append(spawn([str(BIN / "python"), "-m", "server", "run", "--model", str(model), "--enable-api",
                            "--interface", HOST, "--port", str(rasa_port),
                            "--credentials", str(ROOT / "credentials.yml"),
                            "--endpoints", str(endpoints)], env, workdir / "rasa.log"))
        yield Servers(rasa=procs[1], actions=procs[0], base_url=f"http://{HOST}:{rasa_port}",
                      action_url=f"http://{HOST}:{action_port}", token=token, logdir=workdir,
                      started_at=started_at)
    finally:
        for proc in reversed(procs):
            stop(proc)
        log(f"{variant.key}: servers stopped")


def answers_200(url: str, **params: str) -> bool:
    try:
        return requests.get(url, params=params, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_ready(servers: Servers) -> float:
    """Seconds from spawning the servers until both answer and the model is loaded."""
    checks: list[Callable[[], bool]] = [
        lambda: answers_200(servers.base_url + "/"),
        lambda: answers_200(servers.base_url + "/status", token=servers.token),
        lambda: answers_200(servers.action_url + "/health"),
    ]
    deadline = servers.started_at + READY_TIMEOUT_S
    for _ in range(int(READY_TIMEOUT_S / POLL_INTERVAL_S) + 1):
        servers.check_alive()
        while checks and checks[0]():
            checks.pop(0)
        if not checks:
            return time.perf_counter() - servers.started_at
        if time.perf_counter() > deadline:
            break
        time.sleep(POLL_INTERVAL_S)
    raise RuntimeError(f"not ready after {READY_TIMEOUT_S:.0f} s:\n{tail(servers.logdir / 'rasa.log')}")


# --------------------------------------------------------------------------
# Memory


def descendants(pid: int) -> list[int]:
    """All processes below `pid`, from the parent ids in /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_mb(pid: int) -> float:
    """VmRSS of `pid` plus its children, in MB (MiB)."""
    total_kb = 0
    for each in [pid, *descendants(pid)]:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


# --------------------------------------------------------------------------
# Conversations over REST


@dataclass
class TurnStats:
    """Latencies and outcomes collected by one or more clients."""

    latencies_ms: list[float]
    errors: int = 0
    walks_started: int = 0
    walks_completed: int = 0
    wall_s: float = 0.0

    def merge(self, other: TurnStats) -> None:
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors
        self.walks_started += other.walks_started
        self.walks_completed += other.walks_completed


def send(session: requests.Session, url: str, sender: str, text: str) -> tuple[float, list[dict]] | None:
    """One turn: (latency in ms, bot messages), or None when it failed."""
    start = time.perf_counter()
    try:
        response = session.post(url, json={"sender": sender, "message": text}, timeout=REQUEST_TIMEOUT_S,
                                headers={"Authorization": f"Bearer {REST_SECRET}"})
        elapsed_ms = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            return None
        return elapsed_ms, response.json()
    except (requests.RequestException, ValueError):
        return None


def play_walk(session: requests.Session, url: str, sender: str, messages: Sequence[str],
              done_phrase: str, budget: int, deadline: float, think_s: float = 0.0,
              rng: random.Random | None = None) -> tuple[TurnStats, bool]:
    """Send up to `budget` messages of one walk, pausing `think_s` (+/- a third)
    before each after the first; return its stats and whether it ran in full."""
    stats = TurnStats(latencies_ms=[], walks_started=1)
    completed = False
    for sent, text in enumerate(messages):
        if sent >= budget or time.perf_counter() > deadline:
            return stats, False
        if think_s and sent:
            time.sleep(think_s * (1 + (rng or random).uniform(-1 / 3, 1 / 3)))
        result = send(session, url, sender, text)
        if result is None:
            stats.errors += 1
            continue
        stats.latencies_ms.append(result[0])
        completed = completed or any(done_phrase in str(m.get("text", "")) for m in result[1])
    stats.walks_completed = int(completed)
    return stats, True


def converse(base_url: str, client: str, turns: int, deadline: float, think_s: float = 0.0) -> TurnStats:
    """Play the scripted walks in turn, each under a new sender id, for `turns` turns.

    A walk cut short by the turn budget or the deadline is timed but not judged.
    """
    url = base_url + "/webhooks/rest/webhook"
    total = TurnStats(latencies_ms=[])
    rng = random.Random(client)
    if think_s:
        time.sleep(rng.uniform(0, think_s))  # residents do not all start at once
    with requests.Session() as session:
        for walk_number in range(turns):  # at least one turn per walk: a hard bound
            done = len(total.latencies_ms) + total.errors
            if done >= turns or time.perf_counter() > deadline:
                break
            name, messages, done_phrase = WALKS[walk_number % len(WALKS)]
            stats, full = play_walk(session, url, f"bench-{client}-{walk_number}-{name}", messages,
                                    done_phrase, turns - done, deadline, think_s, rng)
            if not full:
                stats.walks_started = stats.walks_completed = 0
            total.merge(stats)
    return total


def load_test(base_url: str, clients: int, turns_per_client: int, tag: str, think_s: float = 0.0) -> TurnStats:
    """`clients` concurrent conversations (threads), each with its own sender ids."""
    deadline = time.perf_counter() + LOAD_PHASE_TIMEOUT_S
    results: list[TurnStats] = [TurnStats(latencies_ms=[]) for _ in range(clients)]

    def worker(index: int) -> None:
        results[index] = converse(base_url, f"{tag}-c{index:02d}", turns_per_client, deadline, think_s)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.perf_counter()) + REQUEST_TIMEOUT_S)
    total = TurnStats(latencies_ms=[], wall_s=time.perf_counter() - start)
    for each in results:
        total.merge(each)
    return total


# --------------------------------------------------------------------------
# Held-out NLU


def load_heldout() -> list[tuple[str, str]]:
    """(text, intent) pairs of the held-out set, read with Rasa's own loader."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(HELDOUT))
    return [(ex.get("text"), ex.get("intent")) for ex in data.intent_examples]


def heldout_scores(servers: Servers, examples: list[tuple[str, str]]) -> dict[str, float]:
    """Macro-F1 (over the held-out intents), accuracy and fallback count via /model/parse."""
    from sklearn.metrics import accuracy_score, f1_score

    url = servers.base_url + "/model/parse"
    y_true, y_pred = [], []
    with requests.Session() as session:
        for text, intent in examples:
            response = session.post(url, params={"token": servers.token}, json={"text": text},
                                    timeout=REQUEST_TIMEOUT_S)
            response.raise_for_status()
            y_true.append(intent)
            y_pred.append((response.json().get("intent") or {}).get("name") or "")
    labels = sorted(set(y_true))
    return {
        "heldout_macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "heldout_accuracy": float(accuracy_score(y_true, y_pred)),
        "heldout_fallbacks": float(sum(p == "nlu_fallback" for p in y_pred)),
        "heldout_examples": float(len(y_true)),
    }


# --------------------------------------------------------------------------
# One configuration, end to end


def warm_up(base_url: str) -> None:
    """Each scripted walk once, so every model and action code path has run."""
    stats = converse(base_url, "warmup", sum(len(m) for _, m, _ in WALKS), time.perf_counter() + 120)
    if stats.errors:
        log(f"warning: {stats.errors} warm-up turns failed")


def measure_variant(variant: Variant, examples: list[tuple[str, str]]) -> dict[str, float]:
    """Train, serve and measure one configuration."""
    figures: dict[str, float] = {"load_avg_1m_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix=f"rasa-bench-{variant.key}-") as tmp:
        workdir = Path(tmp)
        model, figures["train_s"] = train(variant, workdir)
        with running_servers(variant, model, workdir) as servers:
            figures["ready_s"] = wait_ready(servers)
            log(f"{variant.key}: ready in {figures['ready_s']:.1f} s; warming up")
            warm_up(servers.base_url)
            figures["rss_mb"] = rss_mb(servers.rasa.pid)

            log(f"{variant.key}: {SINGLE_CLIENT_TURNS} turns with one client")
            single = load_test(servers.base_url, 1, SINGLE_CLIENT_TURNS, f"{variant.key}-single")
            log(f"{variant.key}: {CONCURRENT_CLIENTS} residents x {TURNS_PER_CLIENT} turns, {THINK_TIME_S} s think time")
            many = load_test(servers.base_url, CONCURRENT_CLIENTS, TURNS_PER_CLIENT, f"{variant.key}-many",
                             THINK_TIME_S)
            log(f"{variant.key}: {CONCURRENT_CLIENTS} x {TURNS_PER_CLIENT} turns with no think time (saturation)")
            saturated = load_test(servers.base_url, CONCURRENT_CLIENTS, TURNS_PER_CLIENT, f"{variant.key}-sat")
            servers.check_alive()
            figures["rss_after_load_mb"] = rss_mb(servers.rasa.pid)
            figures["action_rss_mb"] = rss_mb(servers.actions.pid)

            log(f"{variant.key}: parsing {len(examples)} held-out messages")
            figures.update(heldout_scores(servers, examples))

        both = TurnStats(latencies_ms=[])
        both.merge(single)
        both.merge(many)
        both.merge(saturated)
        figures.update({
            "p50_1_ms": percentile(single.latencies_ms, 50),
            "p95_1_ms": percentile(single.latencies_ms, 95),
            "p50_20_ms": percentile(many.latencies_ms, 50),
            "p95_20_ms": percentile(many.latencies_ms, 95),
            "p95_sat_ms": percentile(saturated.latencies_ms, 95),
            "turns_1": float(len(single.latencies_ms)),
            "turns_20": float(len(many.latencies_ms)),
            "throughput_20": len(saturated.latencies_ms) / saturated.wall_s if saturated.wall_s else None,
            "turn_errors": float(both.errors),
            "walks_started": float(both.walks_started),
            "walks_completed": float(both.walks_completed),
            "walks_completed_pct": 100.0 * both.walks_completed / both.walks_started
            if both.walks_started else None,
            "load_avg_1m_after": os.getloadavg()[0],
        })
    return figures


# --------------------------------------------------------------------------
# One long conversation, previous conversations store and ours


LONG_STORES: tuple[tuple[str, str, str | None], ...] = (
    ("previous", "previous (Rasa SQLTrackerStore)", PREVIOUS_ENDPOINTS),
    ("ours", "ours (server/conversation_store.py)", None),  # None: endpoints.yml
)


def long_conversation(base_url: str, turns: int = LONG_TURNS) -> list[float]:
    """Every turn's latency (ms) of one conversation of `turns` turns."""
    url = base_url + "/webhooks/rest/webhook"
    latencies: list[float] = []
    sender = f"bench-long-{secrets.token_hex(4)}"
    with requests.Session() as session:
        for number in range(turns):
            result = send(session, url, sender, LONG_MESSAGES[number % len(LONG_MESSAGES)])
            if result is None:
                raise RuntimeError(f"turn {number + 1} of the long conversation failed")
            latencies.append(result[0])
            if (number + 1) % 100 == 0:
                log(f"  turn {number + 1}: {result[0]:.0f} ms")
    return latencies


def turn_time_at(latencies: Sequence[float], turn: int) -> float | None:
    """The median of the LONG_WINDOW turns ending at `turn` (1-based)."""
    window = latencies[max(0, turn - LONG_WINDOW):turn]
    return float(np.median(window)) if len(latencies) >= turn and window else None


def measure_long_conversation(model: Path = PROJECT_MODEL) -> dict[str, dict[str, float | None]]:
    """Turn times at LONG_AT for each store in LONG_STORES, the same model and servers."""
    figures: dict[str, dict[str, float | None]] = {}
    variant = VARIANTS[0]
    for key, label, endpoints_text in LONG_STORES:
        with tempfile.TemporaryDirectory(prefix=f"rasa-bench-long-{key}-") as tmp:
            workdir = Path(tmp)
            endpoints = ROOT / "endpoints.yml"
            if endpoints_text is not None:
                endpoints = workdir / "endpoints.yml"
                endpoints.write_text(endpoints_text)
            with running_servers(variant, model, workdir, endpoints) as servers:
                wait_ready(servers)
                log(f"long conversation, {label}: {LONG_TURNS} turns")
                warm_up(servers.base_url)
                latencies = long_conversation(servers.base_url)
                servers.check_alive()
        figures[key] = {f"turn_{turn}_ms": turn_time_at(latencies, turn) for turn in LONG_AT}
    return figures


def long_table(figures: dict[str, dict[str, float | None]]) -> str:
    """Turn | previous | ours, one row per turn in LONG_AT."""
    header = ("turn of one conversation",) + tuple(label for key, label, _ in LONG_STORES if key in figures)
    rows = [header]
    for turn in LONG_AT:
        rows.append((f"turn {turn:,} (ms, median of {LONG_WINDOW})",) + tuple(
            "n/a" if figures[key].get(f"turn_{turn}_ms") is None else f"{figures[key][f'turn_{turn}_ms']:.0f}"
            for key, _, _ in LONG_STORES if key in figures))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                        enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def print_long(figures: dict[str, dict[str, float | None]]) -> None:
    print(f"\nOne conversation of {LONG_TURNS:,} turns ({', '.join(LONG_MESSAGES)}, in turn), "
          f"model {PROJECT_MODEL.relative_to(ROOT)}, same servers; previous = Rasa's SQLTrackerStore "
          f"(SQLite), ours = endpoints.yml:\n")
    print(long_table(figures) if figures else "(not measured)")


# --------------------------------------------------------------------------
# Report


def format_value(metric: Metric, value: float | None) -> str:
    return "n/a" if value is None else metric.fmt.format(value)


def format_target(metric: Metric) -> str:
    if metric.target is None:
        return "-"
    op, bound = metric.target
    return f"{op} {metric.fmt.format(bound) if bound < 1 else f'{bound:g}'}"


def table(results: dict[str, dict[str, Any]]) -> str:
    """The report as a plain-text table."""
    header = ("metric", "ours", "stock", "target", "ours meets", "stock meets", "ours beats stock")
    rows = [header]
    for metric in METRICS:
        ours = results.get("ours", {}).get(metric.key)
        stock = results.get("stock", {}).get(metric.key)
        rows.append((metric.label, format_value(metric, ours), format_value(metric, stock),
                     format_target(metric), metric.meets(ours), metric.meets(stock),
                     metric.beats(ours, stock)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                        enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(results: dict[str, dict[str, Any]], errors: dict[str, str],
               long: dict[str, dict[str, float | None]] | None = None) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "settings": {"single_client_turns": SINGLE_CLIENT_TURNS, "concurrent_clients": CONCURRENT_CLIENTS,
                     "turns_per_client": TURNS_PER_CLIENT, "heldout": str(HELDOUT.relative_to(ROOT)),
                     "configs": {v.key: str(v.config.relative_to(ROOT)) for v in VARIANTS}},
        "targets": {m.key: {"op": m.target[0], "value": m.target[1]} for m in METRICS if m.target},
        "results": results,
        "verdicts": {m.key: {"ours_meets": m.meets(results.get("ours", {}).get(m.key)),
                             "stock_meets": m.meets(results.get("stock", {}).get(m.key)),
                             "ours_beats_stock": m.beats(results.get("ours", {}).get(m.key),
                                                         results.get("stock", {}).get(m.key))}
                     for m in METRICS},
        "long_conversation": long or {},
        "errors": errors,
    }
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=[v.key for v in VARIANTS], action="append",
                        help="benchmark only this configuration (repeatable; default: both)")
    parser.add_argument("--long-conversation", action="store_true",
                        help=f"measure only the {LONG_TURNS:,}-turn conversation, previous store and ours")
    return parser.parse_args(argv)


def long_conversation_figures(errors: dict[str, str]) -> dict[str, dict[str, float | None]]:
    """The long conversation's figures; on a failure, none, and the failure in `errors`."""
    try:
        return measure_long_conversation()
    except Exception as exc:
        errors["long_conversation"] = f"{type(exc).__name__}: {exc}"
        log(f"long conversation: FAILED: {errors['long_conversation']}")
        return {}


def print_errors(errors: dict[str, str]) -> None:
    """One line per measurement that failed, after the figures."""
    for key, message in errors.items():
        print(f"\n{key} FAILED: {message}")


def main(argv: Sequence[str] = ()) -> int:
    args = parse_args(argv)
    # Turn SIGTERM into SystemExit so that the `finally` blocks stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    if not HELDOUT.exists():
        log(f"{HELDOUT.relative_to(ROOT)} is missing: the held-out set is needed for macro-F1")
        return 1
    results: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    long: dict[str, dict[str, float | None]] = {}
    if args.long_conversation:
        print_long(long_conversation_figures(errors))
        print_errors(errors)
        return 1 if errors else 0
    examples = load_heldout()
    for variant in VARIANTS:
        if args.only and variant.key not in args.only:
            continue
        try:
            results[variant.key] = measure_variant(variant, examples)
        except Exception as exc:  # report what we have, then the failure
            errors[variant.key] = f"{type(exc).__name__}: {exc}"
            log(f"{variant.key}: FAILED: {errors[variant.key]}")
    print()
    print(f"Benchmark: ours = config.yml, stock = benchmarks/stock_config.yml (rasa init); "
          f"same domain.yml and data/; {os.cpu_count()} CPUs")
    print(f"held-out: {len(examples)} messages from {HELDOUT.relative_to(ROOT)}; latency: "
          f"{SINGLE_CLIENT_TURNS} turns with 1 client, {CONCURRENT_CLIENTS} x {TURNS_PER_CLIENT} "
          f"turns concurrently with {THINK_TIME_S} s think time, then again with none")
    print()
    print(table(results))
    loads = ", ".join(f"{key} {r['load_avg_1m_before']:.1f} -> {r['load_avg_1m_after']:.1f}"
                      for key, r in results.items() if "load_avg_1m_after" in r)
    if loads:
        print(f"\n1-minute load average before -> after each run ({os.cpu_count()} CPUs; other "
              f"processes on the machine skew timings): {loads}")
    if not args.only:
        long = long_conversation_figures(errors)
        print_long(long)
    print_errors(errors)
    write_json(results, errors, long)
    print(f"\nFigures written to {RESULTS.relative_to(ROOT)}", flush=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
