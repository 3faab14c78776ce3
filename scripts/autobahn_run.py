#!/usr/bin/env python3
"""Runs the Autobahn client cases against net_websocket through kosoku's fuzzingserver.

    autobahn_run.py DRIVER [--standard | --fragments] [--parallel N] [--cases GLOB ...]
                    [--write-expected]

Starts kosoku's fuzzingserver on 127.0.0.1 (ephemeral port), runs the C driver
(crates/capi/tests/autobahn/autobahn_client.c) against it, collects kosoku's verdicts, writes
reports/autobahn-<mode>.json (case id -> behavior, behaviorClose, result, ...) and prints one
summary line, then one line per case that is FAILED / UNIMPLEMENTED / ERROR or whose close
behaviour is FAILED. The driver's own output goes to reports/autobahn-<mode>-driver.log.

Exit status
  full mode (default): 1 if any case is FAILED, UNIMPLEMENTED or ERROR, has a FAILED close
      behaviour, or if not exactly 517 cases ran (only when --cases is not given). Differences
      from crates/capi/tests/autobahn/expected-full.json are printed, one line each, but only
      change the status through the rule above.
  --standard: 1 on any difference from crates/capi/tests/autobahn/expected-standard.json
      (case id -> behavior), each printed on one line.
  --fragments: the full mode with every message received in pieces and echoed piece by piece
      (the driver's --fragments): the full mode's rule, and 1 on any difference from
      expected-full.json (the same results as whole messages give).
  --write-expected: (re)writes the expected file of the mode from this run instead of
      comparing (the full-mode status rule still applies). A case's entry is a behavior or a
      list of accepted behaviors (cases whose verdict depends on timing, e.g. OK / NON-STRICT
      when the echo races the connection failure); --merge-expected adds this run's behavior
      to the accepted ones, --write-expected keeps a list only when it covers this run.

kosoku facts this relies on (kosoku 0.1.0, found by experiment): the fuzzingserver answers
/getCaseCount with the count as a text message, runs case N for any request path carrying
case=N (N out of range: the connection is dropped during the handshake), accepts any number
of cases concurrently, and /updateReports ends the run (get_result() returns, the listener
closes). Without /updateReports get_result() never returns, so when the driver exits without
calling it this script calls it itself.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import sys
import time
from collections import Counter
from pathlib import Path

import kosoku

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_DIR = ROOT / "crates" / "capi" / "tests" / "autobahn"
REPORTS = ROOT / "reports"
FULL_CASE_COUNT = 517
BEHAVIORS = ["OK", "NON-STRICT", "INFORMATIONAL", "FAILED", "UNIMPLEMENTED", "ERROR"]
BAD = {"FAILED", "UNIMPLEMENTED", "ERROR"}
TEXT_MAX = 150


def case_key(case_id: str) -> list[int]:
    return [int(p) if p.isdigit() else 0 for p in case_id.split(".")]


def trunc(text: str, limit: int = TEXT_MAX) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_events(events: object, limit: int = 4) -> str:
    """Compact form of kosoku's received/expected event lists, payloads cut to 20 chars."""

    def one(ev: object) -> str:
        if isinstance(ev, (tuple, list)) and ev:
            parts = []
            for x in ev:
                r = repr(x)
                parts.append(r if len(r) <= 22 else r[:20] + "…" + f"({len(x) if hasattr(x, '__len__') else '?'})")
            return "(" + ",".join(parts) + ")"
        return repr(ev)[:40]

    if isinstance(events, dict):
        return "{" + "; ".join(f"{k}: {short_events(v, limit)}" for k, v in events.items()) + "}"
    if isinstance(events, (list, tuple)):
        body = ",".join(one(e) for e in list(events)[:limit])
        more = f",+{len(events) - limit}" if len(events) > limit else ""
        return "[" + body + more + "]"
    return repr(events)[:60]


def poke_update_reports(host: str, port: int, agent: str) -> None:
    """Opens /updateReports with a minimal hand-written handshake (ends kosoku's run)."""
    try:
        with socket.create_connection((host, port), timeout=5) as s:
            key = base64.b64encode(os.urandom(16)).decode()
            s.sendall(
                (
                    f"GET /updateReports?agent={agent} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                ).encode()
            )
            s.recv(4096)
    except OSError:
        pass


async def run(args: argparse.Namespace, mode: str) -> tuple[list, dict, float]:
    """Returns (results, driver info, wall seconds)."""
    REPORTS.mkdir(exist_ok=True)
    log_path = REPORTS / f"autobahn-{mode}-driver.log"
    agent = {"standard": "net_websocket-standard", "fragments": "net_websocket-fragments"}.get(
        mode, "net_websocket")
    info: dict = {"rc": None, "log": log_path, "timed_out": False}
    start = time.monotonic()
    loop = asyncio.get_running_loop()

    async with kosoku.run_fuzzingserver(args.cases, None, host="127.0.0.1", port=0) as server:
        base = f"ws://{server.address}:{server.port}"
        result_task = asyncio.ensure_future(server.get_result())
        cmd = [args.driver, base, "--parallel", str(args.parallel), "--agent", agent]
        if args.standard:
            cmd.append("--standard")
        if args.fragments:
            cmd.append("--fragments")
        if args.verbose:
            cmd.append("--verbose")
        with open(log_path, "wb") as log:
            proc = await asyncio.create_subprocess_exec(
                *cmd, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log
            )

            def on_term(*_: object) -> None:
                if proc.returncode is None:
                    proc.kill()
                raise SystemExit(124)

            loop.add_signal_handler(signal.SIGTERM, on_term)
            try:
                info["rc"] = await asyncio.wait_for(proc.wait(), args.timeout)
            except asyncio.TimeoutError:
                info["timed_out"] = True
                proc.kill()
                info["rc"] = await proc.wait()
            finally:
                loop.remove_signal_handler(signal.SIGTERM)

        results: list = []
        for attempt in range(2):
            # A driver that exited 0 has called /updateReports; otherwise end the run at once.
            wait = 15 if (attempt == 1 or info["rc"] == 0) else 1
            done, _ = await asyncio.wait({result_task}, timeout=wait)
            if done:
                break
            if attempt == 0:
                # The driver did not end the run (crashed, timed out): end it ourselves.
                await loop.run_in_executor(
                    None, poke_update_reports, server.address, server.port, agent
                )
        if result_task.done():
            try:
                results = list(result_task.result())
            except kosoku.FailureError as failure:
                results = list(failure.results)
        else:
            result_task.cancel()
    return results, info, time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("driver", help="path of the autobahn_client binary")
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--standard", action="store_true", help="standard-header-only mode")
    modes.add_argument("--fragments", action="store_true",
                       help="full mode, messages received and echoed in pieces")
    parser.add_argument("--parallel", type=int, default=int(os.environ.get("AUTOBAHN_PARALLEL", "4")),
                        help="cases run at once by the driver (default 4, or $AUTOBAHN_PARALLEL)")
    parser.add_argument("--cases", nargs="+", metavar="GLOB",
                        help="run only these case ids / globs (e.g. 9.* 12.1.1); skips the count check")
    parser.add_argument("--write-expected", action="store_true",
                        help="write the expected file of this mode from this run")
    parser.add_argument("--merge-expected", action="store_true",
                        help="add this run's behaviors to the accepted ones of the expected file"
                             " (for timing-dependent cases)")
    parser.add_argument("--timeout", type=float, default=840.0,
                        help="seconds the driver may run before it is killed (default 840)")
    parser.add_argument("--verbose", action="store_true", help="driver logs every case")
    args = parser.parse_args()
    mode = "standard" if args.standard else "fragments" if args.fragments else "full"
    # Pieces must change nothing: the fragments mode is held to the full mode's results.
    expected_path = EXPECTED_DIR / f"expected-{'standard' if args.standard else 'full'}.json"

    results, info, wall = asyncio.run(run(args, mode))

    by_id: dict = {}
    for r in results:  # last result wins if a case ran twice
        by_id[r.case_id] = r
    ids = sorted(by_id, key=case_key)
    summary = {
        cid: {
            "behavior": by_id[cid].behavior.value,
            "behaviorClose": by_id[cid].behavior_close.value,
            "result": by_id[cid].result,
            "resultClose": by_id[cid].result_close,
            "duration": by_id[cid].duration,
            "remoteCloseCode": by_id[cid].remote_close_code,
            "localCloseCode": by_id[cid].local_close_code,
            "wasClean": by_id[cid].was_clean,
        }
        for cid in ids
    }
    for cid in ids:
        v, r = summary[cid], by_id[cid]
        if v["behavior"] in BAD or v["behaviorClose"] not in ("OK", "INFORMATIONAL"):
            v["received"] = short_events(r.received, 8)
            v["expected"] = short_events(r.expected, 8)
            v["expectedClose"] = r.expected_close
            v["wasNotCleanReason"] = r.was_not_clean_reason
    out = REPORTS / f"autobahn-{mode}.json"
    out.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")

    counts = Counter(v["behavior"] for v in summary.values())
    print(
        f"autobahn {mode}: "
        + " ".join(f"{b}={counts.get(b, 0)}" for b in BEHAVIORS)
        + f" cases={len(summary)} wall={wall:.0f} s",
        flush=True,
    )
    failing = [
        cid for cid in ids
        if summary[cid]["behavior"] in BAD or summary[cid]["behaviorClose"] == "FAILED"
    ]
    unimplemented = [cid for cid in failing if summary[cid]["behavior"] == "UNIMPLEMENTED"]
    if unimplemented:
        groups = sorted({".".join(cid.split(".")[:1]) + ".x" for cid in unimplemented}, key=case_key)
        print(f"  UNIMPLEMENTED (permessage-deflate not negotiated): {len(unimplemented)} cases"
              f" of {', '.join(groups)}")
    for cid in failing:
        v = summary[cid]
        if v["behavior"] == "UNIMPLEMENTED":
            continue
        elif v["behavior"] in BAD:
            text = f"{v['result']} got {v['received']} want {v['expected']}"
        else:
            text = v["resultClose"]
        text += f"; peer close={v['remoteCloseCode']}"
        print(f"  {cid}: behavior={v['behavior']} behaviorClose={v['behaviorClose']}"
              f" — {trunc(text, 220)}")

    status = 0
    problems: list[str] = []
    if info["timed_out"]:
        problems.append(f"driver killed after {args.timeout:.0f} s")
    if info["rc"] not in (0, None) and not info["timed_out"]:
        problems.append(f"driver exited with status {info['rc']}")
    if not results:
        problems.append("no results from kosoku")
    if problems:
        print(f"autobahn {mode}: {'; '.join(problems)} (see {info['log'].relative_to(ROOT)}):",
              file=sys.stderr)
        try:
            tail = info["log"].read_text(errors="replace").splitlines()[-10:]
            for line in tail:
                print(f"    {trunc(line, 200)}", file=sys.stderr)
        except OSError:
            pass
        status = 1

    full_count_required = args.cases is None
    if mode in ("full", "fragments"):
        if failing:
            status = 1
        if full_count_required and len(summary) != FULL_CASE_COUNT:
            print(f"  expected {FULL_CASE_COUNT} cases, got {len(summary)}")
            status = 1

    if args.write_expected or args.merge_expected:
        if args.fragments:
            print("autobahn: the fragments mode is compared with expected-full.json; write that"
                  " one from a full-mode run", file=sys.stderr)
            return 1
        if args.cases is not None or len(summary) == 0:
            print("autobahn: writing the expected file needs a run of all cases (no --cases)",
                  file=sys.stderr)
            return 1
        old = load_expected(expected_path) if expected_path.exists() else {}
        expected = {}
        for cid in ids:
            got = summary[cid]["behavior"]
            accepted = old.get(cid, [])
            if args.merge_expected and got not in accepted:
                accepted = accepted + [got]
            elif not args.merge_expected and got not in accepted:
                accepted = [got]  # --write-expected keeps a list only if it covers this run
            accepted = sorted(accepted, key=BEHAVIORS.index)
            expected[cid] = accepted[0] if len(accepted) == 1 else accepted
        expected_path.write_text(json.dumps(expected, indent=1) + "\n")
        print(f"wrote {expected_path.relative_to(ROOT)} ({len(expected)} cases)")
        return status

    if not expected_path.exists():
        if mode == "standard":
            print(f"  {expected_path.relative_to(ROOT)} is missing (make it with --write-expected)")
            return 1
        return status

    expected = load_expected(expected_path)
    selected = set(ids) if args.cases is not None else set(expected) | set(ids)
    diffs = 0
    not_run = [cid for cid in sorted(selected, key=case_key) if cid not in summary]
    header = f"  differences from {expected_path.relative_to(ROOT)}:"
    for cid in sorted(selected, key=case_key):
        want = expected.get(cid)
        got = summary.get(cid, {}).get("behavior")
        if want is not None and got in want:
            continue
        if diffs == 0:
            print(header)
        diffs += 1
        shown = "/".join(want) if want else None
        if got is None:
            if len(not_run) <= 5:
                print(f"    {cid}: expected {shown}, not run")
            elif cid == not_run[0]:
                print(f"    {len(not_run)} cases not run: {', '.join(not_run[:3])} … {not_run[-1]}")
        elif want is None:
            print(f"    {cid}: not in {expected_path.name}, got {got}")
        else:
            better = got not in BAD and all(w in BAD for w in want)
            print(f"    {cid}: expected {shown}, got {got}{' (better)' if better else ''}"
                  f" — {trunc(summary[cid]['result'], 100)}")
    if diffs:
        print(f"  {diffs} difference(s)")
        if mode in ("standard", "fragments"):
            status = 1
    else:
        print(f"  every case as recorded in {expected_path.relative_to(ROOT)}")
    return status


def load_expected(path: Path) -> dict[str, list[str]]:
    """case id -> accepted behaviors (a value may be one behavior or a list of them)."""
    raw = json.loads(path.read_text())
    return {cid: [v] if isinstance(v, str) else list(v) for cid, v in raw.items()}

if __name__ == "__main__":
    sys.exit(main())
