"""bench/REPORT-alerts.md: alert latency under load and live timer lateness."""

from __future__ import annotations

from typing import Any

from bench.harness.stats import pct
from bench.rendering.fullload_report import fullload_section
from bench.rendering.markdown import INF, NAN, fmt_latency, latency_cell, num, report_opening, table

Result = dict[str, Any]
SCENARIOS = ("alert_latency", "timer_lateness")
INV_TYPES = ("LOW_STOCK", "STOCKOUT", "RESOLVED")
COLD_TYPES = ("TEMPERATURE_BREACH", "TEMPERATURE_RECOVERED")
TRIGGER_ROWS = ["all triggers", "inventory", *INV_TYPES, "cold chain", *COLD_TYPES]
GROUP_ROWS = ("all triggers", "inventory", "cold chain")
PROCS = ["inventory", "shipments", "orders", "broker", "bench", "consumer"]


def _all(latencies: Result) -> list[float]:
    return [num(v) for v in latencies["values"]] + [INF] * latencies["missing"]


def pcts(latencies: Result) -> list[str]:
    v = _all(latencies)
    return [latency_cell(pct(v, 50)), latency_cell(pct(v, 99)), latency_cell(max(v) if v else NAN)]


def stats_row(latencies: Result) -> list[str]:
    return [f"{len(latencies['values']):,}", f"{latencies['missing']:,}", *pcts(latencies)]


def counts(latencies: Result) -> str:
    return f"{len(latencies['values']):,} / {latencies['missing']:,}"


def _present(latencies: Result | None) -> bool:
    return latencies is not None and bool(latencies["values"] or latencies["missing"])


def summary(load_runs: list[Result], quiet: Result | None) -> str:
    rows = []
    if quiet is not None and "all triggers" in quiet["trig"].get("quiet", {}):
        t = quiet["trig"]["quiet"]["all triggers"]
        rows.append(["alert latency, quiet (2 events/s)", "all triggers", *pcts(t), counts(t)])
        late = quiet["late"].get("quiet")
        if _present(late):
            tick = f"tick {quiet['tick_interval_s']:g} s / hold-back {quiet['tick_holdback_s']:g} s"
            rows.append(["timer lateness, quiet", f"DELIVERY_DELAYED, {tick}", *pcts(late), counts(late)])
    for run in load_runs:
        verdict = f"kept up for its {run['seconds']:g} s" if run["sustained"] else "**fell behind**"
        t = run["trig"].get("load", {})
        empty = {"values": [], "missing": 0}
        inv, cold = t.get("inventory", empty), t.get("cold chain", empty)
        figure = (
            f"alert latency, {run['label']} run ({run['rate']:,.0f}/s target, {run['achieved']:,.0f}/s produced, "
            f"{verdict})"
        )
        rows.append([figure, "inventory (LOW_STOCK/STOCKOUT/RESOLVED)", *pcts(inv), counts(inv)])
        rows.append(["", "cold chain (TEMPERATURE_BREACH/RECOVERED)", *pcts(cold), counts(cold)])
        late = run["late"].get("load")
        if _present(late):
            tick = f"tick {run['tick_interval_s']:g} s / hold-back {run['tick_holdback_s']:g} s"
            rows.append(
                [
                    f"timer lateness, under the {run['label']} load",
                    f"DELIVERY_DELAYED, {tick}",
                    *pcts(late),
                    counts(late),
                ]
            )
    return table(["figure", "alerts", "p50", "p99", "max", "received / not received"], rows, right_from=2)


def trigger_table(groups: dict[str, Result]) -> str:
    rows = [
        [f"**{kind}**" if kind in GROUP_ROWS else kind, *stats_row(groups[kind])]
        for kind in TRIGGER_ROWS
        if kind in groups
    ]
    return table(["alert type", "received", "not received", "p50", "p99", "max"], rows)


def why_behind(run: Result) -> list[str]:
    why = []
    if run["achieved"] < 0.97 * run["rate"]:
        why.append("the producer fell short of the rate")
    if not run["keeps_up"]:
        why.append("a pipeline's backlog exceeded 2 s of input when production stopped")
    if run["growing"]:
        why.append("alert latency grew over the run")
    if not run["drained"]:
        why.append(f"the backlog had not drained {num(run['drain_s']):.0f} s after production stopped")
    return why


def pipeline_tables(run: Result) -> list[str]:
    out: list[str] = []
    if not run["lag_max"]:
        return out
    rows = []
    for g in sorted(run["lag_max"]):
        end = (run["lag_end"] or {}).get(g, 0)
        rate, drain = run["rates"].get(g), run["drain_rate"].get(g)
        rows.append(
            [
                g,
                "–" if rate is None else f"{rate:,.0f}",
                "–" if drain is None else f"{drain:,.0f}",
                f"{run['lag_max'][g]:,}",
                f"{end:,}",
            ]
        )
    head = ["pipeline", "committed records/s during load", "… after load", "max backlog during load"]
    out += [table([*head, "backlog when production stopped"], rows), ""]
    windows = sorted(run["rate_windows"].items(), key=lambda kv: int(kv[0]))
    if windows:
        groups = sorted(windows[0][1])
        rows = [[f"{int(w) * 10}–{int(w) * 10 + 10} s", *[f"{r.get(g, 0):,.0f}" for g in groups]] for w, r in windows]
        out.append(
            "Records committed per second by each pipeline's consumer group, by 10 s window from the start "
            f"of the load (production stopped at {run['load_s']:.0f} s):\n"
        )
        out += [table(["window", *groups], rows), ""]
    return out


def window_table(run: Result) -> list[str]:
    by_window = run["by_window"]
    fams = sorted(by_window)
    windows = sorted({int(w) for ws in by_window.values() for w in ws})
    if not windows:
        return []
    empty = {"values": [], "missing": 0}
    rows = []
    for w in windows:
        row = [f"{w * 10}–{w * 10 + 10} s"]
        for fam in fams:
            row += pcts(by_window[fam].get(str(w), empty))[:2]
        rows.append(row)
    return [
        "By 10 s window of the trigger's produce time (a growing p50 = the pipeline falls behind; "
        "not received counts as infinitely late):\n",
        table(["produced at", *[f"{f} {q}" for f in fams for q in ("p50", "p99")]], rows),
        "",
    ]


def run_section(run: Result) -> str:
    out = [f"### {run['label']} run: {run['rate']:,.0f} events/s for {run['seconds']:g} s\n"]
    why = why_behind(run)
    out.append(
        f"Produced {run['load_produced']:,} events in {run['load_s']:.1f} s = **{run['achieved']:,.0f} events/s** "
        f"({run['load_sim']:,} simulated, {run['load_triggers']:,} triggers, {run['load_timers']} timer shipments). "
        f"Kept up for the run's {run['seconds']:g} s: "
        f"{'**yes**' if run['sustained'] else '**no** — ' + '; '.join(why)}. "
        + (f"Everything drained {num(run['drain_s']):.1f} s after production stopped." if run["drained"] else "")
        + "\n"
    )
    by_topic = ", ".join(f"{t} {n:,}" for t, n in sorted(run["produced_by_topic"].items()))
    out.append(f"Records we produced per topic (all phases of this run): {by_topic}.\n")
    out += pipeline_tables(run)
    out += ["Trigger alerts (produced → received):\n", trigger_table(run["trig"].get("load", {})), ""]
    out += window_table(run)
    rows = [
        [kind, f"{len(v):,}", fmt_latency(pct(v, 50)), fmt_latency(pct(v, 99)), fmt_latency(max(v))]
        for kind, v in sorted(run["other"].get("load", {}).items())
    ]
    if rows:
        out.append(
            "Alerts the simulated stream raised by itself during the load (matched by `details.source_event_id`; "
            "only those received):\n"
        )
        out += [table(["alert type", "received", "p50", "p99", "max"], rows), ""]
    out.append("".join(f"- {e}\n" for e in extra_notes(run)))
    return "\n".join(out)


def extra_notes(run: Result) -> list[str]:
    extra = []
    if run["other_timer"]:
        extra.append(
            "timer alerts of simulated shipments (not measured: their deadlines are not ours; see notes): "
            + ", ".join(f"{k} {n:,}" for k, n in sorted(run["other_timer"].items()))
        )
    if run["unmatched"]:
        extra.append(
            "alerts from events outside the measured phases (set-up, warm-up): "
            + ", ".join(f"{k} {n}" for k, n in sorted(run["unmatched"].items()))
        )
    extra.append(f"alert records received {run['records']:,}, distinct alert ids {run['alerts']:,}")
    if run["cross"]:
        extra.append(
            f"cross-check: |alert record's Kafka timestamp − our produce time of its trigger| p50 "
            f"{pct(run['cross'], 50):.0f} ms, max {max(run['cross']):.0f} ms "
            "(Quix copies the source record's timestamp)"
        )
    return extra + run["notes"]


def header(results: dict[str, Result]) -> list[str]:
    present = [results[s] for s in SCENARIOS if s in results]
    first = present[0]["header"]
    out = report_opening(
        "supplylake alert latency and live timer lateness (issue 4)",
        present,
        "`.venv/bin/python -m bench alert_latency` (defaults: `--rate 5000 --seconds 300 --burst-factor 10 "
        "--burst-seconds 30 --after-burst-seconds 60`, then `--fallback-rate 200 --fallback-seconds 30` if the "
        "first run does not keep up; add `--commit-curve 1000,2500,5000,10000` for the commit-size curve) and "
        "`.venv/bin/python -m bench timer_lateness`.",
    )
    for r in present:
        h = r["header"]
        load = h["load_average"]
        out.append(
            f"- {h['scenario']}: generated {h['generated_at']} by `{h['command']}` (whole run {h['wall_s'] / 60:.1f} "
            f"min, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end)"
        )
    out.append("")
    out.append(
        f"Machine: {first['cores']} cores **shared with other jobs**, {first['python']}, {first['machine']}. Each run: "
        "a fresh embedded Tansu broker (memory storage) and the three pipelines (inventory, shipments, orders) as "
        "child processes of supplylake's `Supervisor`, live mode, Quix settings as shipped (commit every 1 s, 2 "
        "partitions). **Absolute numbers move with whatever else runs on the two cores; compare figures within one "
        "run (quiet vs loaded, inventory vs cold chain) rather than across runs.**\n"
    )
    codes = {(r["header"]["code_head"], r["header"]["code_digest"]) for r in present}
    if len(codes) == 1:
        ((head, digest),) = codes
        out.append(f"Code measured: {head} (digest of `supplylake/**/*.py` and `pipelines/**/*.py` {digest}).\n")
    else:
        out.append(
            "**Warning: the code changed between the scenarios rendered here, so they measured different code:** "
            + "; ".join(
                f"{r['header']['scenario']}: {r['header']['code_head']} (digest {r['header']['code_digest']})"
                for r in present
            )
            + ".\n"
        )
    return out


def method(load: Result | None, quiet: Result | None) -> str:
    lo = load["options"] if load else {}
    qo = quiet["options"] if quiet else {}
    opts = {**qo, **lo}
    lines = [
        "- **Produce time** of an event: wall clock at our producer's `produce()` call (also the record's Kafka "
        "CreateTime), recorded per `eventId` for every event we produce, simulated ones included.",
        "- **Alert on the topic**: wall clock at which a separate consumer process (`assign()` on both partitions "
        "of `alerts` from offset 0, `fetch.wait.max.ms=10`) received the record. The alert record's own Kafka "
        "timestamp cannot serve: Quix's `to_topic` copies the input record's timestamp, so an alert carries its "
        "source event's CreateTime (a timer alert: the firing tick's). It is used as a cross-check and to split "
        "timer lateness.",
        "- **Alert → source event**: every event-caused alert carries `details.source_event_id` and its id is "
        "`uuid5(source event id, type)`. *Trigger* events are ours, each raising exactly one known alert at once, "
        "checked against that exact alert id (so lost alerts are counted): 20 warehouse×SKU keys cycling "
        "shipped 60 → `LOW_STOCK`, shipped 90 → `STOCKOUT`, received 150 → `RESOLVED` (reorder point 100, resolve "
        "at 110), and 20 PHARMA shipments (2–8 °C) alternating telemetry at 9.5 °C → `TEMPERATURE_BREACH` and "
        "5.0 °C → `TEMPERATURE_RECOVERED`. Alerts the simulated stream raises by itself are matched through "
        "`source_event_id` and shown separately.",
    ]
    if lo:
        lines.append(
            f"- **Load** (alert_latency): `live_simulation(seed={lo['seed']}, rate, FaultConfig.none())` — the stream "
            f"`demo` produces — paced by count, with {lo['trigger_rate']:g} trigger events/s within the rate "
            f"(alternating inventory and cold chain) and one *timer shipment* every {lo['timer_every']:g} s: a "
            f"`shipment.created` with `expectedDelivery` = now + "
            f"U({lo['timer_lead_min']:g}, {lo['timer_lead_max']:g}) s "
            "and nothing after it."
        )
    lines.append(
        f"- **Timer lateness** = arrival of the shipment's `DELIVERY_DELAYED` − deadline (`expectedDelivery` + grace "
        f"{opts.get('grace')} s, `SUPPLYLAKE_SHIPMENTS__DELIVERY_GRACE_S={opts.get('grace')}`), both wall clock; split "
        "into *waiting for a tick* (the firing tick's CreateTime − deadline) and *tick → alert received*."
    )
    if qo:
        lines.append(
            "- **Quiet phase** (timer_lateness, its own stack with no load): "
            f"{qo['quiet_timers']} timer shipments over "
            f"~{qo['quiet_seconds']:g} s (`expectedDelivery` = now + U({qo['timer_lead_min']:g}, "
            f"{qo['timer_lead_max']:g}) s) and 2 trigger events/s, nothing else but the ticks."
        )
    lines.append(
        "- **Measurement floor**: a probe record every 200 ms from the same producer to a 1-partition topic read "
        "by the same consumer."
    )
    if lo:
        lines.append(
            "- **Kept up** = produce rate ≥ 97 % of the target, every pipeline's backlog (records produced to its "
            "source topics, not yet committed by its consumer group; Quix commits every 1 s) ≤ 2 s of input when "
            "production stops, the last 10 s window's trigger p50 not above twice the first's, and everything "
            f"drained within `--drain-timeout` ({lo['drain_timeout']:g} s) — for the run's length only: the shipments "
            "pipeline slows down as its state grows (see the notes), so keeping up for 30 s says nothing about the "
            "next minutes. "
            + (
                "If the first run did not keep up, a second run on a fresh broker uses `--fallback-rate` "
                f"({lo['fallback_rate']:g}/s; 200/s is `demo`'s default rate) for `--fallback-seconds` "
                f"({lo['fallback_seconds']:g} s)."
                if lo["fallback_rate"]
                else "No fallback run (`--fallback-rate 0`)."
            )
        )
    return "\n".join(lines) + "\n"


def timer_section(timer_runs: list[tuple[str, Result]], main: Result, opts: dict[str, Any]) -> list[str]:
    out = ["## 2. Timer lateness in live mode (deadline → `DELIVERY_DELAYED` received)\n"]
    defaults = opts.get("tick_interval") is None and opts.get("tick_holdback") is None
    out.append(
        f"Tick interval **{main['tick_interval_s']:g} s**, hold-back **{main['tick_holdback_s']:g} s** "
        f"(`SUPPLYLAKE_SHIPMENTS__TICK_INTERVAL_S` / `__TICK_HOLDBACK_S`, "
        f"{'product defaults' if defaults else 'set by --tick-*'}), grace {opts.get('grace')} s.\n"
    )
    rows = []
    for name, run in timer_runs:
        for phase in ("quiet", "load"):
            st = run["late"].get(phase)
            if not _present(st):
                continue
            assert st is not None
            wt, at = run["wait_tick"][phase], run["after_tick"][phase]
            rows.append(
                [
                    name if phase == "quiet" else f"under load, {run['label']} run ({run['rate']:,.0f}/s)",
                    *stats_row(st),
                    fmt_latency(min(st["values"]) if st["values"] else NAN),
                    fmt_latency(pct(wt, 50)),
                    fmt_latency(max(wt, default=NAN)),
                    fmt_latency(pct(at, 50)),
                    fmt_latency(max(at, default=NAN)),
                ]
            )
    head = ["phase", "received", "not received", "lateness p50", "p99", "max", "min"]
    head += ["waiting for a tick p50", "… max", "tick → received p50", "… max"]
    out += [table(head, rows), ""]
    wrong = sum(run["wrong_deadline"] for _, run in timer_runs)
    if wrong:
        out.append(f"- {wrong} alerts named another deadline than the one we set.\n")
    interval, hold = main["tick_interval_s"], main["tick_holdback_s"]
    out.append(
        f"**The floor.** The shipments pipeline's ticker writes a tick stamped *T* (wall clock) to each partition of "
        f"`shipment-events`, then waits {interval:g} s; a tick moves the partition clock to *T* − {hold:g} s and fires "
        f"every deadline due by then. A deadline *D* therefore fires at the first tick stamped at or after "
        f"*D* + {hold:g} s: the wait is {hold:g} s + U(0, {interval:g}) s — {hold + interval / 2:g} s on average, "
        f"≈ {hold + interval:g} s at most (a little more: each cycle is {interval:g} s plus the time to produce the "
        "ticks) — before any processing. On top comes the tick record's wait behind the partition's other records "
        "(the shipments pipeline's backlog: unbounded when it falls behind) and the alert's trip to the consumer. "
        "The event-time watermark does not help live: it trails the newest event by `ALLOWED_LATENESS_S` (600 s). "
        "Lowering `TICK_HOLDBACK_S` / `TICK_INTERVAL_S` lowers the floor, at the price of more tick records (one "
        "per partition per interval, read by the shipments *and* the orders pipeline) and of deadlines fired "
        "before an event produced just before them was processed (a `delivered` in flight then yields "
        "`DELIVERY_DELAYED` + `DELIVERED_LATE`).\n"
    )
    return out


def resources(all_runs: list[tuple[str, Result]]) -> list[str]:
    out = ["## Measurement floor and resources\n"]
    rows = []
    for name, run in all_runs:
        for phase in ("quiet", "load", "drain"):
            v = run["probes"].get(phase, [])
            if v:
                rows.append(
                    [
                        f"{name}, {phase}",
                        f"{len(v):,}",
                        fmt_latency(pct(v, 50)),
                        fmt_latency(pct(v, 99)),
                        fmt_latency(max(v)),
                    ]
                )
    out += ["Probe records (our producer → broker → our consumer, no pipeline in between):\n"]
    out += [table(["when", "probes", "p50", "p99", "max"], rows), ""]
    rows = []
    for name, run in all_runs:
        for phase, cpu in run["cpu"].items():
            wall = cpu.get("_wall") or NAN
            rows.append(
                [
                    f"{name}, {phase} ({wall:.0f} s)",
                    *[f"{cpu.get(n, 0) / wall:.2f}" for n in PROCS],
                    f"{sum(cpu.get(n, 0) for n in PROCS) / wall:.2f}",
                ]
            )
    out += ["CPU in cores (CPU seconds / wall seconds) per process; the machine has 2, shared:\n"]
    out += [table(["phase", *PROCS, "sum"], rows), ""]
    out.append(
        "A pipeline restarted during a phase counts only from its restart. *bench* is the scenario's process "
        "(producer, simulator, analysis; its peak RSS is over the whole command), *consumer* the alert consumer."
    )
    out.append("")
    for name, run in all_runs:
        out.append(
            f"- {name}: peak RSS "
            + ", ".join(f"{n} {run['peak_rss'].get(n, 0):,.0f} MB" for n in PROCS)
            + "; supervisor restarts "
            + (", ".join(f"{n} {c}" for n, c in run["restarts"].items()) or "none")
            + f"; startup {run['startup_s']:.0f} s"
            + (
                f"; its {run['load_sim']:,} simulated events span {run['sim_event_span_s']:.0f} s of event time "
                f"but were produced in {run['load_s']:.0f} s"
                if run["load_sim"]
                else ""
            )
            + f"; run time {run['total_s']:.0f} s."
        )
    out.append("")
    return out


def render_alerts_report(results: dict[str, Result]) -> str | None:
    """The report's text, or None when neither alert scenario has a result."""
    if not any(s in results for s in SCENARIOS):
        return None
    load = results["alert_latency"]["figures"] if "alert_latency" in results else None
    quiet_fig = results["timer_lateness"]["figures"] if "timer_lateness" in results else None
    load_runs = load["runs"] if load else []
    quiet = quiet_fig["runs"][0] if quiet_fig else None
    out = header(results)
    out += ["## Summary\n", summary(load_runs, quiet), ""]
    out.append(
        "p50/p99/max over every expected alert; an alert not received by the end of its run counts as "
        'infinitely late ("not received"). Why the shipments pipeline falls behind (inventory alerts '
        "do not), and what that means for these figures: see the notes at the end.\n"
    )
    out += fullload_section(load) if load else []
    out += ["## Method\n", method(load, quiet_fig)]
    out.append("## 1. Alert latency (event produced → alert received from `alerts`)\n")
    out += [run_section(run) for run in load_runs]
    if quiet is not None and "quiet" in quiet["trig"]:
        out.append("### Quiet phase (2 trigger events/s, timer_lateness's idle stack)\n")
        out += [trigger_table(quiet["trig"]["quiet"]), ""]
    named = ([("quiet (timer_lateness)", quiet)] if quiet else []) + [(f"{r['label']} run", r) for r in load_runs]
    opts = {**(quiet_fig["options"] if quiet_fig else {}), **(load["options"] if load else {})}
    out += timer_section(named, quiet or load_runs[0], opts)
    out += resources(named)
    return "\n".join(out)
