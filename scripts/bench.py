#!/usr/bin/env python
"""Load benchmark of the REST channel on loopback, embedded and production profiles.

N concurrent simulated users each run a realistic multi-turn conversation (bounded by --turns and
--max-seconds), in --rounds rounds that alternate REST and parse phases. Per profile it reports
throughput, p50/p95/p99 latency and errors for the REST
channel, the NLU-only `/model/parse` latency under the same concurrency (the baseline: ratio =
REST p50 / parse p50), the same two for one user alone (every conversation in turn: the cost of
one turn without queueing), the Rasa servers' CPU milliseconds per REST turn and per parse (a
figure that other work on a shared machine moves far less than latency) and the RSS of every process. Prints a table, writes reports/bench.json.

    .venv/bin/python scripts/bench.py [--users 20] [--turns 5] [--rounds 3] [--max-seconds 120]
                                      [--profiles embedded,production] [--model PATH]
The production profile needs postgresql and redis-server (Debian packages); it starts its own
throw-away instances, two Rasa servers (requests alternate between them, as behind a load
balancer) and an action server with 2 workers.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ASSISTANT_TODAY", "2026-11-23")

from tests.support.servers import ActionServer, RasaServer, current_model  # noqa: E402

CONVERSATIONS = [
    ["你好", "我在南昌，灵活就业，断了3个月", "补缴要多少钱", "滞纳金怎么算", "补缴后多久能报销", "谢谢"],
    ["断缴了还能补吗", "我是广州的职工医保，公司没给交，断了半年", "需要带什么材料", "在哪里补", "好的谢谢"],
    ["医保断了两个月有什么影响", "我在北京，单位交的", "以前交的白交了吗", "个人账户里的钱还在吗", "再见"],
    ["居民医保错过了缴费期怎么办", "我在成都，新农合", "一年交多少钱", "什么时候能报销", "谢谢"],
    ["辞职了医保怎么办", "我在上海，以前是职工医保", "能转居民医保吗", "缴费年限会清零吗", "退休要交满多少年"],
    ["重复交了医保能退吗", "我在杭州，灵活就业", "怎么申请退费", "你是机器人吗", "转人工"],
]
PARSE_TEXTS = sorted({text for conv in CONVERSATIONS for text in conv})
CREDENTIALS = "ops.rest_guarded.GuardedRestInput:\n  rate_per_second: 20\n  burst: 40\n"


def post(url: str, payload: dict, timeout: float) -> tuple:
    data = json.dumps(payload).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = json.loads(resp.read().decode())
            return time.perf_counter() - started, resp.status, body
    except urllib.error.HTTPError as error:
        return time.perf_counter() - started, error.code, None
    except Exception:  # noqa: BLE001 - counted as an error
        return time.perf_counter() - started, 0, None


def percentile(values: List[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[index]


def summarize(latencies: List[float], errors: int, wall: float) -> Dict[str, float]:
    ms = [1000 * x for x in latencies]
    return {
        "requests": len(latencies) + errors, "ok": len(latencies), "errors": errors,
        "throughput_rps": round(len(latencies) / wall, 2) if wall else 0.0,
        "p50_ms": round(percentile(ms, 50) or 0, 1), "p95_ms": round(percentile(ms, 95) or 0, 1),
        "p99_ms": round(percentile(ms, 99) or 0, 1), "mean_ms": round(statistics.mean(ms), 1) if ms else 0.0,
        "wall_s": round(wall, 1), "_ms": ms,
    }


def drive(users: int, requests_of_user) -> Dict[str, float]:
    """Runs `users` simulated users in threads; each yields (elapsed, status, body) per request."""
    latencies: List[float] = []
    errors = [0]
    lock = threading.Lock()

    def user(index: int) -> None:
        for elapsed, status, body in requests_of_user(index):
            with lock:
                if status == 200 and body:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(user, range(users)))
    return summarize(latencies, errors[0], time.monotonic() - started)


def run_users(urls: List[str], users: int, turns: int, deadline: float, timeout: float) -> Dict[str, float]:
    """Multi-turn conversations through the REST channel, round robin over the servers."""
    counter = itertools.count()

    def conversation(index: int):
        sender = f"bench-{uuid.uuid4().hex[:10]}"
        for text in CONVERSATIONS[index % len(CONVERSATIONS)][:turns]:
            if time.monotonic() > deadline:
                return
            url = urls[next(counter) % len(urls)]  # round robin, as a load balancer would
            yield post(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": text}, timeout)

    return drive(users, conversation)


def run_parse(parse_url: str, users: int, turns: int, deadline: float, timeout: float) -> Dict[str, float]:
    """NLU-only baseline: the same number of /model/parse calls (parse_url carries the API token)."""

    def parses(index: int):
        for i in range(turns):
            if time.monotonic() > deadline:
                return
            yield post(parse_url, {"text": PARSE_TEXTS[(index * turns + i) % len(PARSE_TEXTS)]}, timeout)

    return drive(users, parses)


def run_one_user(url: str, parse_url: str, turns: int, deadline: float, timeout: float) -> Dict[str, Dict[str, float]]:
    """One user alone: every conversation in turn through REST, then as many parses of its texts."""

    def conversations(_):
        for conv in CONVERSATIONS:
            sender = f"bench-one-{uuid.uuid4().hex[:10]}"
            for text in conv[:turns]:
                if time.monotonic() > deadline:
                    return
                yield post(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": text}, timeout)

    def parses(_):
        for conv in CONVERSATIONS:
            for text in conv[:turns]:
                yield post(parse_url, {"text": text}, timeout)

    rest = drive(1, conversations)
    return {"rest": rest, "nlu_parse": drive(1, parses)}


def rss_mb(pid: Optional[int]) -> Optional[float]:
    """Resident memory of a process and everything in its process group (workers), in MB."""
    if not pid:
        return None
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            pgid = int(stat[stat.rindex(")") + 2:].split()[2])
            if pgid != pid and int(entry.name) != pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return round(total / 1024, 1)


def cpu_seconds(pids: List[int]) -> float:
    """User + system CPU time of processes so far (a figure the other work on the machine hardly moves)."""
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def with_cpu(pids: List[int], phase):
    """Runs phase() and adds the Rasa servers' CPU milliseconds per successful request to its summary."""
    before = cpu_seconds(pids)
    result = phase()
    result["_cpu_s"] = cpu_seconds(pids) - before
    result["rasa_cpu_ms_per_request"] = round(1000 * result["_cpu_s"] / max(1, result["ok"]), 1)
    return result


def warm_up(servers: List[RasaServer]) -> None:
    for server in servers:
        post(f"{server.url}/webhooks/rest/webhook", {"sender": f"warm-{uuid.uuid4().hex[:6]}", "message": "你好"}, 120)
        post(server.api("/model/parse"), {"text": "你好"}, 120)


def profile_embedded(model: Path, workdir: Path, args) -> Dict:
    action = ActionServer(workdir / "actions").start()
    credentials = workdir / "credentials.yml"
    credentials.write_text(CREDENTIALS)
    rasa = RasaServer(workdir / "rasa", model, action_url=action.url, credentials=credentials)
    try:
        rasa.start()
        return measure([rasa], {"rasa": rasa.proc.pid, "action_server": action.proc.pid}, args)
    finally:
        rasa.stop()
        action.stop()


def profile_production(model: Path, workdir: Path, args) -> Dict:
    from tests.scale.infra import PostgresServer, RedisServer, production_env

    pg, redis_server = PostgresServer().start(), RedisServer().start()
    action = ActionServer(workdir / "actions", env={"ACTION_SERVER_SANIC_WORKERS": "2"})
    servers: List[RasaServer] = []
    try:
        action.start()
        credentials = workdir / "credentials.yml"
        credentials.write_text(CREDENTIALS)
        env = production_env(pg, redis_server, action.url)
        servers = [RasaServer(workdir / f"rasa-{i}", model, endpoints=ROOT / "endpoints.prod.yml",
                              credentials=credentials, env=env) for i in range(args.instances)]
        threads = [threading.Thread(target=s.start) for s in servers]
        [t.start() for t in threads]
        [t.join() for t in threads]
        pids = {f"rasa_{i}": s.proc.pid for i, s in enumerate(servers)}
        pids.update({"action_server": action.proc.pid, "postgres": pg.proc.pid, "redis": redis_server.proc.pid})
        return measure(servers, pids, args)
    finally:
        for server in servers:
            server.stop()
        action.stop()
        pg.cleanup()
        redis_server.cleanup()


def pooled(phases: List[Dict]) -> Dict[str, float]:
    """One summary of several rounds of a phase: latencies pooled, walls and CPU added."""
    latencies = [ms / 1000 for phase in phases for ms in phase["_ms"]]
    errors = sum(phase["errors"] for phase in phases)
    result = summarize(latencies, errors, sum(phase["wall_s"] for phase in phases))
    if all("_cpu_s" in phase for phase in phases):
        result["rasa_cpu_ms_per_request"] = round(
            1000 * sum(phase["_cpu_s"] for phase in phases) / max(1, result["ok"]), 1)
    return result


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return round(a / b, 2) if a and b else None


def spread(values: List[Optional[float]]) -> Dict[str, Optional[float]]:
    """Median and range of a figure over the rounds."""
    known = [v for v in values if v is not None]
    if not known:
        return {"median": None, "min": None, "max": None, "rounds": values}
    return {"median": round(statistics.median(known), 2), "min": min(known), "max": max(known), "rounds": values}


def measure(servers: List[RasaServer], pids: Dict[str, int], args) -> Dict:
    """`args.rounds` rounds, each: REST at N users, parse at N users, then one user alone. The
    phases alternate so that drifting load on a shared machine hits REST and parse alike; the
    ratios are taken within each round and reported as median and range."""
    urls, parse_url = [s.url for s in servers], servers[0].api("/model/parse")
    warm_up(servers)
    rasa_pids = [s.proc.pid for s in servers]
    rounds = []
    for _ in range(max(1, args.rounds)):
        deadline = time.monotonic() + args.max_seconds
        rest = with_cpu(rasa_pids, lambda: run_users(urls, args.users, args.turns, deadline, args.timeout))
        parse = with_cpu(rasa_pids, lambda: run_parse(parse_url, args.users, args.turns,
                                                      time.monotonic() + args.max_seconds, args.timeout))
        one = run_one_user(urls[0], parse_url, args.turns, time.monotonic() + args.max_seconds, args.timeout)
        rounds.append({"rest": rest, "nlu_parse": parse, "one_rest": one["rest"], "one_parse": one["nlu_parse"]})
    figures = {key: pooled([r[key] for r in rounds]) for key in ("rest", "nlu_parse", "one_rest", "one_parse")}
    one_user = {"rest": figures["one_rest"], "nlu_parse": figures["one_parse"],
                "rest_to_parse_p50_ratio": spread([ratio(r["one_rest"]["p50_ms"], r["one_parse"]["p50_ms"])
                                                   for r in rounds])["median"]}
    p50_ratios = spread([ratio(r["rest"]["p50_ms"], r["nlu_parse"]["p50_ms"]) for r in rounds])
    cpu_ratios = spread([ratio(r["rest"]["rasa_cpu_ms_per_request"], r["nlu_parse"]["rasa_cpu_ms_per_request"])
                         for r in rounds])
    return {"servers": len(urls), "rounds": len(rounds), "rest": figures["rest"], "nlu_parse": figures["nlu_parse"],
            "rest_to_parse_p50_ratio": p50_ratios["median"], "rest_to_parse_p50_ratio_by_round": p50_ratios,
            "rest_to_parse_cpu_ratio": cpu_ratios["median"], "rest_to_parse_cpu_ratio_by_round": cpu_ratios,
            "one_user": one_user, "rss_mb": {name: rss_mb(pid) for name, pid in pids.items()}}


def print_table(results: Dict[str, Dict], args) -> None:
    print(f"\nBench: {args.users} users x {args.turns} turns, {args.rounds} rounds, cap {args.max_seconds:g} s per phase")
    header = f"{'profile':<11} {'phase':<15} {'ok':>5} {'err':>4} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print(header)
    print("-" * len(header))
    for name, result in results.items():
        if "error" in result:
            print(f"{name:<11} failed: {result['error']}")
            continue
        phases = [(f"rest x{args.users}", result["rest"]), (f"parse x{args.users}", result["nlu_parse"]),
                  ("rest x1", result["one_user"]["rest"]), ("parse x1", result["one_user"]["nlu_parse"])]
        for phase, r in phases:
            print(f"{name:<11} {phase:<15} {r['ok']:>5} {r['errors']:>4} {r['throughput_rps']:>7} "
                  f"{r['p50_ms']:>8} {r['p95_ms']:>8} {r['p99_ms']:>8}")
        rss = ", ".join(f"{k} {v} MB" for k, v in result["rss_mb"].items())
        by_round = result["rest_to_parse_p50_ratio_by_round"]
        cpu_by_round = result["rest_to_parse_cpu_ratio_by_round"]
        print(f"{'':<11} REST/parse p50 ratio: {result['rest_to_parse_p50_ratio']} at {args.users} users "
              f"(median of {result['rounds']} rounds, {by_round['min']}-{by_round['max']}), "
              f"{result['one_user']['rest_to_parse_p50_ratio']} for one user; RSS: {rss}")
        print(f"{'':<11} Rasa CPU per request at {args.users} users: REST {result['rest']['rasa_cpu_ms_per_request']} ms, "
              f"parse {result['nlu_parse']['rasa_cpu_ms_per_request']} ms (ratio {result['rest_to_parse_cpu_ratio']}, "
              f"{cpu_by_round['min']}-{cpu_by_round['max']} over the rounds)")


def public(value):
    """The report without the raw per-request figures kept for pooling (keys starting with _)."""
    if isinstance(value, dict):
        return {k: public(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [public(v) for v in value]
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, default=120, help="cap per phase (conversations, then parse)")
    parser.add_argument("--timeout", type=float, default=60, help="per request")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of all phases; ratios are per round, reported as median and range")
    parser.add_argument("--instances", type=int, default=2, help="Rasa servers in the production profile")
    parser.add_argument("--profiles", default="embedded,production")
    parser.add_argument("--model", help="model archive (default: ASSISTANT_MODEL or the current model)")
    parser.add_argument("--out", default=str(ROOT / "reports" / "bench.json"))
    args = parser.parse_args()
    model = Path(args.model).resolve() if args.model else current_model()
    results: Dict[str, Dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in [p.strip() for p in args.profiles.split(",") if p.strip()]:
            runner = {"embedded": profile_embedded, "production": profile_production}[name]
            print(f"[bench] starting the {name} profile ...", file=sys.stderr)
            try:
                results[name] = runner(model, Path(tmp) / name, args)
            except Exception as error:  # noqa: BLE001 - reported, the other profile still runs
                results[name] = {"error": f"{type(error).__name__}: {str(error)[:500]}"}
    report = {"users": args.users, "rounds": args.rounds, "turns": args.turns, "max_seconds": args.max_seconds, "model": str(model),
              "cpus": os.cpu_count(), "generated": time.strftime("%Y-%m-%dT%H:%M:%S"), "profiles": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(public(report), ensure_ascii=False, indent=2))
    print_table(results, args)
    print(f"\nwritten to {args.out}")
    return 1 if any("error" in r or r["rest"]["errors"] or r["one_user"]["rest"]["errors"]
                    for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
