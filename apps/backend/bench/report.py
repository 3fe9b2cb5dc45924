"""The results table, printed and spliced into docs/benchmarks.md between two markers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.loadgen import Kind, StageResult, percentile

BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def results_table(results: Sequence[StageResult]) -> str:
    lines = [
        "| rate (req/s) | sent | completed | achieved (req/s) | errors | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        ordered = sorted(result.latencies)
        error_rate = result.errors / result.sent * 100 if result.sent else 0.0
        achieved = result.completed / result.wall_seconds
        lines.append(
            f"| {result.rate:,} | {result.sent:,} | {result.completed:,} | {achieved:,.0f}"
            f" | {error_rate:.2f} % | {_ms(percentile(ordered, 0.50))} | {_ms(percentile(ordered, 0.95))}"
            f" | {_ms(percentile(ordered, 0.99))} | {_ms(ordered[-1] if ordered else float('nan'))} |"
        )
    return "\n".join(lines)


def kinds_table(results: Sequence[StageResult]) -> str:
    lines = ["| rate (req/s) | request | count | p50 (ms) | p95 (ms) | p99 (ms) |", "|---:|---|---:|---:|---:|---:|"]
    for result in results:
        for kind in Kind:
            ordered = sorted(result.by_kind.get(kind.value, []))
            if not ordered:
                continue
            lines.append(
                f"| {result.rate:,} | {kind.value} | {len(ordered):,} | {_ms(percentile(ordered, 0.50))}"
                f" | {_ms(percentile(ordered, 0.95))} | {_ms(percentile(ordered, 0.99))} |"
            )
    return "\n".join(lines)


def cpu_table(results: Sequence[StageResult]) -> str:
    lines = [
        "| rate (req/s) | load generator | API server | PostgreSQL | everything else | machine |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        cpu = result.cpu
        if cpu is None:
            continue
        rest = cpu.machine_busy - cpu.generator - cpu.server - cpu.postgres
        cores = [cpu.generator, cpu.server, cpu.postgres, rest, cpu.machine_busy]
        lines.append(f"| {result.rate:,} | " + " | ".join(f"{cpu.cores(seconds):.2f}" for seconds in cores) + " |")
    return "\n".join(lines)


def errors_summary(results: Sequence[StageResult]) -> str:
    lines = []
    for result in results:
        for reason, count in sorted(result.error_kinds.items(), key=lambda item: -item[1]):
            lines.append(f"- {result.rate:,} req/s: {count:,} of {reason}")
    return "\n".join(lines) if lines else "- none"


def generated_section(results: Sequence[StageResult], setup: str) -> str:
    return "\n\n".join(
        [
            BEGIN,
            setup,
            "#### All requests\n\n" + results_table(results),
            "#### By request kind\n\n" + kinds_table(results),
            "#### CPU, in cores (of 2)\n\n" + cpu_table(results),
            "#### Errors\n\n" + errors_summary(results),
            END,
        ]
    )


def write_doc(path: Path, section: str) -> None:
    """Replaces the text between the markers, or appends the section when the markers are missing."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start, end = text.find(BEGIN), text.find(END)
    if start != -1 and end > start:
        text = text[:start] + section + text[end + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)
