"""``python -m bench.push_sink``: a Web Push service for the notification benchmark, on 127.0.0.1.

``POST /push/<responder>`` answers 201 at once and records the wall-clock arrival time (``time.time()``), the
responder named by the path and the ``Topic`` header (the alert id, in hex). With ``--keys``, the first few messages
of each responder are decrypted (RFC 8291) and checked against their topic, proving the payloads are valid pushes.

``GET /stats`` answers the counts as JSON; ``GET /stats?write=1`` also writes the arrivals to ``--out`` (one
``arrival<TAB>responder<TAB>topic`` line each), as does SIGTERM.
"""

from __future__ import annotations

import argparse
import base64
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import http_ece  # type: ignore[import-untyped]
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec


def _b64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass(frozen=True, slots=True)
class SubscriberKeys:
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes


def load_keys(path: Path) -> dict[str, SubscriberKeys]:
    """``{"<responder>": {"private": <base64url P-256 scalar>, "auth": <base64url 16 bytes>}}``."""
    raw = json.loads(path.read_text())
    return {
        name: SubscriberKeys(
            ec.derive_private_key(int.from_bytes(_b64url(entry["private"]), "big"), ec.SECP256R1()),
            _b64url(entry["auth"]),
        )
        for name, entry in raw.items()
    }


@dataclass(slots=True)
class Sink:
    out: Path
    keys: dict[str, SubscriberKeys]
    sample: int
    arrivals: list[tuple[float, str, str]] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    valid: int = 0
    invalid: int = 0

    async def push(self, request: web.Request) -> web.Response:
        arrived = time.time()
        responder = request.match_info["responder"]
        topic = request.headers.get("Topic", "")
        body = await request.read()
        self.arrivals.append((arrived, responder, topic))
        if responder in self.keys and self.checked.get(responder, 0) < self.sample:
            self.checked[responder] = self.checked.get(responder, 0) + 1
            self._check(responder, topic, body)
        return web.Response(status=201, headers={"Location": f"/message/{len(self.arrivals)}"})

    def _check(self, responder: str, topic: str, body: bytes) -> None:
        keys = self.keys[responder]
        try:
            plaintext = http_ece.decrypt(
                body, private_key=keys.private_key, auth_secret=keys.auth_secret, version="aes128gcm"
            )
            payload = json.loads(plaintext)
            ok = str(payload.get("alert_id", "")).replace("-", "") == topic and bool(payload.get("ack_url"))
        except (http_ece.ECEException, ValueError):
            ok = False
        if ok:
            self.valid += 1
        else:
            self.invalid += 1

    async def stats(self, request: web.Request) -> web.Response:
        if request.query.get("write"):
            self.write()
        return web.json_response({"received": len(self.arrivals), "valid": self.valid, "invalid": self.invalid})

    def write(self) -> None:
        lines = (f"{arrived:.6f}\t{responder}\t{topic}\n" for arrived, responder, topic in self.arrivals)
        self.out.write_text("".join(lines))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.push_sink", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="where the arrivals are written")
    parser.add_argument("--keys", type=Path, help="subscriber keys, to decrypt a sample of the messages")
    parser.add_argument("--sample", type=int, default=5, help="messages decrypted per responder")
    return parser.parse_args()


def main() -> None:
    arguments = _arguments()
    sink = Sink(arguments.out, load_keys(arguments.keys) if arguments.keys else {}, arguments.sample)
    app = web.Application()
    app.router.add_post("/push/{responder}", sink.push)
    app.router.add_get("/stats", sink.stats)

    async def flush(_: web.Application) -> None:
        sink.write()

    app.on_shutdown.append(flush)
    web.run_app(app, host="127.0.0.1", port=arguments.port, access_log=None, print=None, handle_signals=True)


if __name__ == "__main__":
    main()
