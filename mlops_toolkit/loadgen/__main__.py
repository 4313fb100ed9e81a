"""``python -m mlops_toolkit.loadgen``: run one load test and print (or save) what it measured.

Examples::

    python -m mlops_toolkit.loadgen --url http://127.0.0.1:8080/score --rate 100 \\
        --duration 30 --body-file requests.jsonl --header 'Authorization: Bearer KEY' \\
        --json-out result.json
    python -m mlops_toolkit.loadgen --url ... --concurrency 4 --count 2000 \\
        --body-file test.csv --csv-column description --json-key inputs
    python -m mlops_toolkit.loadgen --url ... --rates 10,20,40,80 --duration 15 \\
        --json-out steps.json      # one drained open-loop step per rate; a JSON list

Ctrl-C (SIGINT) or SIGTERM stops the run early: nothing more is scheduled,
the requests in flight are waited for, and the figures so far are printed and
saved, marked ``stopped_early``. A second Ctrl-C aborts without a report.

Exit codes: 0 when the run completed or was stopped by a signal (whatever the
server answered), 2 for bad arguments or an unreadable body file, 130 when
aborted by a second Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from mlops_toolkit.errors import ToolkitError, UsageError
from mlops_toolkit.loadgen.bodies import load_bodies
from mlops_toolkit.loadgen.engine import DEFAULT_MAX_IN_FLIGHT, run_load, run_steps


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"a header is 'Name: value', got {text!r}")
    return name.strip(), value.strip()


def _rates(text: str) -> list[float]:
    try:
        rates = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"rates are numbers separated by commas, got {text!r}"
        ) from None
    if not rates:
        raise argparse.ArgumentTypeError("give at least one rate")
    return rates


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mlops_toolkit.loadgen",
        description="Open-loop (--rate) or closed-loop (--concurrency) HTTP load.",
    )
    parser.add_argument("--url", required=True)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--rate", type=float, help="open loop: requests per second")
    mode.add_argument("--concurrency", type=int, help="closed loop: concurrent workers")
    mode.add_argument(
        "--rates", type=_rates, help="open-loop steps: requests/s per step, e.g. 10,20,40"
    )
    parser.add_argument("--duration", type=float, help="seconds of load (per step with --rates)")
    parser.add_argument("--count", type=int, help="number of requests")
    parser.add_argument("--method", default="POST")
    bodies = parser.add_mutually_exclusive_group()
    bodies.add_argument("--body", help="one literal request body")
    bodies.add_argument("--body-file", type=Path, help=".jsonl, .ndjson, .json or .csv")
    parser.add_argument("--csv-column", help="the CSV column that holds the bodies")
    parser.add_argument("--json-key", help='wrap each CSV value as {"KEY": [value]}')
    parser.add_argument("--content-type", default="application/json")
    parser.add_argument(
        "--header", type=_header, action="append", default=[], help="'Name: value' (repeatable)"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--max-in-flight", type=int, default=DEFAULT_MAX_IN_FLIGHT)
    parser.add_argument("--tally-header", help="count answers by this response header's value")
    parser.add_argument("--timeseries", action="store_true", help="per-second figures")
    parser.add_argument("--json-out", type=Path, help="write the result as JSON here")
    return parser


#: The signals that end a run early with its figures (see the module docstring).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, run the load (blocks) and report. Returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("Aborted: no report written.", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    try:
        if args.body_file is not None:
            payloads = load_bodies(args.body_file, column=args.csv_column, json_key=args.json_key)
        elif args.body is not None:
            payloads = [args.body.encode("utf-8")]
        else:
            payloads = [b""]
        if args.rates is not None:
            return _steps(args, payloads)
        result = run_load(
            args.url,
            rate=args.rate,
            concurrency=args.concurrency,
            count=args.count,
            duration=args.duration,
            bodies=payloads,
            method=args.method.upper(),
            headers=dict(args.header),
            content_type=args.content_type or None,
            timeout=args.timeout,
            max_in_flight=args.max_in_flight,
            tally_header=args.tally_header,
            timeseries=args.timeseries,
            stop_signals=STOP_SIGNALS,
        )
    except ToolkitError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) or exc.exit_code == 2 else exc.exit_code
    print(result.describe(), file=sys.stderr)
    if args.json_out is not None:
        _write_json(args.json_out, result.to_dict())
    return 0


def _steps(args: argparse.Namespace, payloads: list[bytes]) -> int:
    if args.duration is None or args.count is not None:
        raise UsageError("--rates needs --duration (seconds per step) and no --count")
    results = run_steps(
        args.url,
        rates=args.rates,
        step_duration=args.duration,
        bodies=payloads,
        method=args.method.upper(),
        headers=dict(args.header),
        content_type=args.content_type or None,
        timeout=args.timeout,
        max_in_flight=args.max_in_flight,
        tally_header=args.tally_header,
        timeseries=args.timeseries,
        on_step=lambda result: print(result.describe(), file=sys.stderr),
        stop_signals=STOP_SIGNALS,
    )
    if args.json_out is not None:
        _write_json(args.json_out, [r.to_dict() for r in results])
    return 0


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
