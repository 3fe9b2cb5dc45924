"""``python -m bench``: log in, pre-create alerts, run the stages, print the table and update the docs."""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import uvloop

from bench.loadgen import API, MIX, LoadGenerator, Stage, StageResult, Targets, create_bodies, parse_mix
from bench.report import cpu_table, errors_summary, generated_section, kinds_table, results_table, write_doc


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--base-url", default="http://127.0.0.1:8765")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--rates", default="500,1000,2000", help="comma-separated requests per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per stage")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of unrecorded load before the stages")
    parser.add_argument("--pause", type=float, default=5.0, help="seconds between stages")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait for answers after a stage")
    parser.add_argument("--precreate", type=int, default=1000, help="alerts raised before the stages")
    parser.add_argument("--connections", type=int, default=1000, help="the client's connection pool limit")
    parser.add_argument("--mix", type=parse_mix, default=MIX, help="e.g. create=20,list=50,get=20,transition=10")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--server-pid", type=int, default=None, help="to report the server's CPU use")
    parser.add_argument("--setup", default="", help="a line describing the server settings, for the report")
    parser.add_argument("--doc", type=Path, default=None, help="write the results into this Markdown file")
    parser.add_argument("--py-spy", default=None, help="path of py-spy: sample the server during each stage")
    parser.add_argument("--profile-dir", type=Path, default=None, help="where py-spy writes its collapsed stacks")
    arguments = parser.parse_args()
    host = urlsplit(arguments.base_url).hostname or ""
    if host != "localhost" and not ip_address(host).is_loopback:
        parser.error("the benchmark only targets the local machine (127.0.0.1)")
    return arguments


async def _token(session: aiohttp.ClientSession, base_url: str, email: str, password: str) -> str:
    form = {"grant_type": "password", "username": email, "password": password}
    async with session.post(f"{base_url}{API}/auth/token", data=form) as response:
        if response.status != 200:
            raise SystemExit(f"login failed: HTTP {response.status} {await response.text()}")
        token: str = (await response.json())["access_token"]
        return token


async def _precreate(session: aiohttp.ClientSession, base_url: str, token: str, count: int) -> list[str]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = create_bodies(count, random.Random(1))
    gate = asyncio.Semaphore(32)

    async def raise_one(body: bytes) -> str:
        async with gate, session.post(f"{base_url}{API}/alerts", data=body, headers=headers) as response:
            if response.status != 201:
                raise SystemExit(f"pre-creating alerts failed: HTTP {response.status} {await response.text()}")
            return response.headers["Location"].rsplit("/", 1)[-1]

    return list(await asyncio.gather(*(raise_one(body) for body in bodies)))


async def _start_profiler(arguments: argparse.Namespace, rate: int) -> asyncio.subprocess.Process | None:
    """Samples the server's processes for most of the stage, skipping its first seconds."""
    if arguments.py_spy is None or arguments.server_pid is None or arguments.profile_dir is None:
        return None
    arguments.profile_dir.mkdir(parents=True, exist_ok=True)
    seconds = max(1, int(arguments.duration * 0.8) - 2)
    output = arguments.profile_dir / f"stage-{rate}.txt"
    return await asyncio.create_subprocess_exec(
        "sh",
        "-c",
        'sleep 2 && exec "$0" record --pid "$1" --subprocesses --nonblocking --rate 200 --format raw '
        '--duration "$2" --output "$3" >/dev/null 2>&1',
        arguments.py_spy,
        str(arguments.server_pid),
        str(seconds),
        str(output),
    )


async def _run(arguments: argparse.Namespace) -> list[StageResult]:
    base_url = arguments.base_url.rstrip("/")
    rates = [int(rate) for rate in arguments.rates.split(",") if rate.strip()]
    connector = aiohttp.TCPConnector(limit=arguments.connections, limit_per_host=0, use_dns_cache=True)
    async with aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        timeout=aiohttp.ClientTimeout(total=None),
    ) as session:
        token = await _token(session, base_url, arguments.email, arguments.password)
        alert_ids = await _precreate(session, base_url, token, arguments.precreate)
        print(f"pre-created {len(alert_ids)} alerts", flush=True)
        rng = random.Random(arguments.seed)
        targets = Targets(alert_ids, rng)
        if arguments.warmup > 0:
            generator = LoadGenerator(session, base_url, token, targets, rng, arguments.mix)
            stage = Stage(rate=min(*rates, 100), duration=arguments.warmup)
            await generator.run(stage, drain_seconds=arguments.drain, server_pid=None)
            print(f"warmed up: {arguments.warmup:g} s at {stage.rate} req/s", flush=True)
        results = []
        for rate in rates:
            await asyncio.sleep(arguments.pause)
            # A fresh token per stage: a long run must not outlive the access token.
            token = await _token(session, base_url, arguments.email, arguments.password)
            generator = LoadGenerator(session, base_url, token, targets, rng, arguments.mix)
            profiler = await _start_profiler(arguments, rate)
            result = await generator.run(
                Stage(rate=rate, duration=arguments.duration),
                drain_seconds=arguments.drain,
                server_pid=arguments.server_pid,
            )
            if profiler is not None:
                await profiler.wait()
            results.append(result)
            print(
                results_table([result]).splitlines()[-1],
                f"(generator fell behind by up to {result.max_send_lag * 1000:.1f} ms)",
                flush=True,
            )
        return results


def main() -> None:
    arguments = _arguments()
    results = uvloop.run(_run(arguments))
    print()
    print(results_table(results))
    print()
    print(kinds_table(results))
    print()
    print("CPU, in cores:")
    print(cpu_table(results))
    print()
    print("Errors:")
    print(errors_summary(results))
    if arguments.doc is not None:
        write_doc(arguments.doc, generated_section(results, arguments.setup))
        print(f"\nwrote {arguments.doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
