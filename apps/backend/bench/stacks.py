"""``python -m bench.stacks FILE``: where the server's time goes, from py-spy's collapsed ("raw") stacks."""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
_SITE = re.compile(r".*/(site-packages|lib/python3\.\d+|src)/")
_WORKER_THREAD = "Thread._bootstrap (threading.py)"
LANDMARKS = (
    "run_in_threadpool (starlette/concurrency.py)",
    "solve_dependencies (fastapi/dependencies/utils.py)",
    "serialize_response (fastapi/routing.py)",
    "AsyncConnection.execute (sqlalchemy/ext/asyncio/engine.py)",
    "AsyncConnection.close (sqlalchemy/ext/asyncio/engine.py)",
    "AsyncEngine.connect (sqlalchemy/ext/asyncio/engine.py)",
    "AsyncConnection.start (sqlalchemy/ext/asyncio/engine.py)",
    "AsyncConnection.commit (sqlalchemy/ext/asyncio/engine.py)",
    "AsyncConnection.rollback (sqlalchemy/ext/asyncio/engine.py)",
    "SQLCompiler.__init__ (sqlalchemy/sql/compiler.py)",
    "HasCacheKey._generate_cache_key (sqlalchemy/sql/cache_key.py)",
    "BaseModel.model_validate (pydantic/main.py)",
    "TypeAdapter.dump_json (pydantic/type_adapter.py)",
    "TokenSigner.verify (sos/core/security.py)",
)


def _name(frame: str) -> str:
    """``function (package/module.py)``: the frame without its line number or the path up to the package."""
    match = _FRAME.match(frame)
    if match is None:
        return frame
    return f"{match['function']} ({_SITE.sub('', match['file'])})"


def _package(name: str) -> str:
    inside = name.rsplit("(", 1)[-1].rstrip(")")
    head = inside.split("/", 1)[0]
    return head.removesuffix(".py") if head else name


def load(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append(([_name(frame) for frame in frames.split(";")], int(count)))
    return stacks


def summarise(stacks: list[tuple[list[str], int]], top: int) -> str:
    total = sum(count for _, count in stacks) or 1
    workers = sum(count for frames, count in stacks if _WORKER_THREAD in frames)
    stacks = [(frames, count) for frames, count in stacks if _WORKER_THREAD not in frames]
    loop_total = sum(count for _, count in stacks) or 1
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    for frames, count in stacks:
        own[frames[-1]] += count
        packages[_package(frames[-1])] += count
        for name in set(frames):
            if name.endswith("py)") and ("(sos/" in name or name in LANDMARKS):
                inclusive[name] += count

    def block(title: str, counter: Counter[str]) -> list[str]:
        rows = [f"{count / loop_total * 100:5.1f} %  {name}" for name, count in counter.most_common(top)]
        return [title, *rows, ""]

    lines = [
        f"{total} samples; {workers / total * 100:.1f} % in thread-pool worker threads (sync dependencies and their "
        "idle waits), the rest on the event loops. Shares below are of the event-loop samples.",
        "",
    ]
    lines += block("Own time by package (where the CPU actually is):", packages)
    lines += block("Own time by function:", own)
    lines += block("Inclusive time of our code and landmark library calls (with everything they call):", inclusive)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stacks", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    arguments = parser.parse_args()
    for path in arguments.files:
        print(f"== {path.name}")
        print(summarise(load(path), arguments.top))


if __name__ == "__main__":
    main()
