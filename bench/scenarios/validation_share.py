"""CPU share of per-event validation (``parse_event``) in the inventory processor, in-process.

``InventoryProcessor`` over the throughput input (dict-backed state that round-trips values
through JSON like Quix's store; its state cache flushed once per commit interval's worth of
records, as ``LakeSink.flush`` does), timed without and with cProfile; ``parse_event``'s share
of it; the cost of one per-key state round trip by state size. The commit interval's worth of
records comes from throughput's result when there is one ((a)'s median steady rate).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.harness.console import log
from bench.harness.inputs import Record, keyed_file_records, write_inventory_input
from bench.harness.quiet import QuietMachine
from bench.scenarios.scenario import Figures, Scenario
from supplylake.settings import Settings, load_settings

INTERESTING = ("supplylake", "contracts", "inventory", "pipelines", "lake")


class DictState:
    """Quix ``State`` stand-in for one key (values round-trip through JSON like the real store)."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def get(self, key: str, default: Any = None) -> Any:
        raw = self.data.get(key)
        return default if raw is None else orjson.loads(raw)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = orjson.dumps(value)


@dataclass
class ValidationShare:
    events: int
    profile_events: int
    checkpoint_every: int
    processor_s: float = 0.0
    parse_s: float = 0.0
    profiled_total_s: float = 0.0
    profiled_parse_s: float = 0.0
    profiled_stock_state_s: float = 0.0
    state_bytes_mean: float = 0.0
    state_bytes_max: int = 0
    seen_ids_mean: float = 0.0
    window_mean: float = 0.0
    roundtrip: list[tuple[int, int, float]] = field(default_factory=list)  # (ids, bytes, µs per round trip)
    top: list[tuple[str, float]] = field(default_factory=list)


def state_roundtrip_cost(sizes: tuple[int, ...] = (100, 700, 2_000, 10_000)) -> list[tuple[int, int, float]]:
    """What one event pays to load and store a key's stock state, by remembered ids.

    The processor's per-event state work: Quix's JSON decode, ``StockState.from_dict``,
    ``to_dict``, JSON encode. 10,000 is ``MAX_DEDUPE_IDS``, where a key with more than 10,000
    events a day (0.12/s) ends up under the default 24 h dedupe horizon.
    """
    from supplylake.pipelines.inventory.stock import SeenIds, StockState

    out = []
    for n in sizes:
        ids = [str(uuid.UUID(int=i, version=4)) for i in range(n)]
        times = [1_736_900_000_000 + i * 1000 for i in range(n)]
        blob = orjson.dumps(StockState(seen=SeenIds.from_pairs(ids, times), max_event_time_ms=times[-1]).to_dict())
        rounds = max(5, 3000 // n)
        began = time.perf_counter()
        for _ in range(rounds):
            orjson.dumps(StockState.from_dict(orjson.loads(blob)).to_dict())
        out.append((n, len(blob), (time.perf_counter() - began) / rounds * 1e6))
    return out


def run_processor(items: list[Record], checkpoint_every: int, settings: Settings) -> dict[bytes | None, DictState]:
    """The inventory processor over ``items`` with dict-backed state; its per-key states."""
    from quixstreams.context import set_message_context
    from quixstreams.models.messagecontext import MessageContext

    from supplylake.pipelines.inventory.app import InventoryProcessor
    from supplylake.pipelines.inventory.reference import ReorderPoints

    topic = settings.topics.inventory
    processor = InventoryProcessor(
        cluster_id="bench", settings=settings, reorder_points=ReorderPoints.from_settings(settings.inventory)
    )
    states: dict[bytes | None, DictState] = defaultdict(DictState)
    flush = getattr(getattr(processor, "cache", None), "flush", lambda: None)
    for offset, (value, key) in enumerate(items):
        set_message_context(MessageContext(topic, 0, offset, len(value)))
        processor(value, key, 0, None, states[key])
        if offset % checkpoint_every == checkpoint_every - 1:
            flush()  # what LakeSink.flush does first at each checkpoint
    flush()
    return states


def _profile_key(function: Any) -> tuple[str, int, str]:
    """The key cProfile files ``function`` under: found by its code object, wherever it lives."""
    code = getattr(function, "__func__", function).__code__
    return code.co_filename, code.co_firstlineno, code.co_name


def profile(result: ValidationShare, records: list[Record], settings: Settings) -> None:
    """cProfile over the first ``profile_events`` records: total, parse_event, state codec, top entries."""
    from supplylake.contracts import parse_event
    from supplylake.pipelines.inventory.stock import StockState

    profiler = cProfile.Profile()
    profiler.enable()
    run_processor(records[: result.profile_events], result.checkpoint_every, settings)
    profiler.disable()
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    cumulative = {key: row[3] for key, row in stats.items()}
    result.profiled_total_s = cumulative[_profile_key(run_processor)]
    result.profiled_parse_s = cumulative.get(_profile_key(parse_event), 0.0)
    codec = {_profile_key(StockState.from_dict), _profile_key(StockState.to_dict)}
    result.profiled_stock_state_s = sum(cumulative.get(key, 0.0) for key in codec)
    by_name: dict[str, float] = {}
    for (filename, _, name), cumtime in cumulative.items():
        if (filename, name) == _profile_key(run_processor)[::2]:
            continue
        label = f"{Path(filename).parent.name}/{Path(filename).name}:{name}"
        if Path(label).parts[0] in INTERESTING:
            by_name[label] = max(by_name.get(label, 0.0), cumtime)
    result.top = sorted(by_name.items(), key=lambda kv: -kv[1])[:8]


def validation_share(records: list[Record], profile_events: int, checkpoint_every: int) -> ValidationShare:
    from supplylake.contracts import parse_event

    settings = load_settings(data_dir=Path(tempfile.gettempdir()))
    topic = settings.topics.inventory
    result = ValidationShare(len(records), profile_events, checkpoint_every)
    began = time.process_time()
    states = run_processor(records, checkpoint_every, settings)
    result.processor_s = time.process_time() - began
    stock = [st.data["stock"] for st in states.values() if "stock" in st.data]
    result.state_bytes_mean = statistics.mean(map(len, stock))
    result.state_bytes_max = max(map(len, stock))
    result.seen_ids_mean = statistics.mean(sum(map(len, orjson.loads(b)["seen"]["chunks"])) for b in stock)
    result.window_mean = statistics.mean(len(orjson.loads(b)["window"]) for b in stock)
    began = time.process_time()
    for value, _ in records:
        parse_event(value, topic=topic)
    result.parse_s = time.process_time() - began
    result.roundtrip = state_roundtrip_cost()
    profile(result, records, settings)
    return result


def checkpoint_size(results_dir: Path) -> int:
    """Records per commit interval of (a): its median steady rate × the commit interval (3000 without)."""
    path = results_dir / "throughput.json"
    if path.is_file():
        figures = json.loads(path.read_text())["figures"]
        rates = [r["steady_rate"] for r in figures["runs"] if r["variant"] == "a" and r["steady_rate"]]
        if rates:
            return max(1, int(statistics.median(rates) * figures["commit_interval_s"]))
    return 3000


def measure(args: argparse.Namespace) -> Figures:
    every = checkpoint_size(args.out_dir)
    log(f"validation share: InventoryProcessor in-process, state cache flushed every {every:,} records")
    QuietMachine(args.quiet_budget).wait()
    with tempfile.TemporaryDirectory(prefix="supplylake-bench-validation-") as tmp:
        path = write_inventory_input(Path(tmp) / "input.jsonl", args.events, args.seed)
        records = keyed_file_records(path, load_settings().topics)
    return asdict(validation_share(records, args.profile_events, every))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=100_000, help="input events (the throughput input)")
    parser.add_argument("--profile-events", type=int, default=20_000, help="records run under cProfile")
    parser.add_argument("--seed", type=int, default=3)


SCENARIO = Scenario(
    name="validation_share",
    title="CPU share of parse_event in the inventory processor, in-process (timed and under cProfile)",
    add_arguments=add_arguments,
    measure=measure,
    quick={"events": 3000, "profile_events": 1000},
)
