"""Open- and closed-loop HTTP load on aiohttp's client.

**Open loop** (``rate=``): request *i* is due at ``t0 + i / rate`` whatever
happened to the requests before it, and its latency is measured from that
intended time, not from when it was actually sent. A server that stalls
therefore shows its whole queue in the percentiles instead of silently
slowing the generator down (the coordinated-omission problem that wrk2
corrects). When the scheduler wakes late it sends every overdue request at
once; its lag is counted in their latency and reported as
``max_send_lag_ms``, so a generator that cannot keep up is visible. Requests
beyond ``max_in_flight`` are not sent and count as ``in_flight_cap`` errors,
so the schedule never blocks.

**Closed loop** (``concurrency=``): N workers each send, wait for the answer
and send again; latency runs from the actual send. This is what most
benchmark tools do; it under-reports queueing and is here for comparison and
for measuring the most a server can do.

**Stopping early**: a run given ``stop_signals`` (the module CLI passes
SIGINT and SIGTERM) stops scheduling at the first such signal, waits for the
requests already in flight and returns what it measured so far, marked
``stopped_early``; that is how a caller ends a load it started "for as long as
needed" (during a swap, say) without losing the figures.

**Stepped rates** (``run_steps``): open-loop steps one after another on one
connection pool, each at its own rate for ``step_duration`` seconds, each
drained (every answer in) before the next starts, so a step's figures are its
own. The rates are a fixed list or come from a policy that sees every result
so far and returns the next rate or None to stop (a profiler searching for a
knee).

Why aiohttp: the router is built on it, so one asyncio HTTP stack is kept
well in the project; its client is mature, pools keep-alive connections per
host with a hard connection limit, exposes a total per-request timeout, and
costs little per request, so one process can drive several hundred requests a
second while holding thousands of intended send times without threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import aiohttp

from mlops_toolkit.errors import UsageError
from mlops_toolkit.histogram import LatencyHistogram
from mlops_toolkit.loadgen.result import LoadResult, SecondStats

DEFAULT_MAX_IN_FLIGHT = 1000

#: Where requests really go: ``(url, headers) -> (url, headers)``, applied once per run.
#: The seam a test uses to reach a service through a loopback fake, as an Azure SDK
#: ``transport=`` does; results still name the URL as given.
Redirect = Callable[[str, Mapping[str, str]], tuple[str, Mapping[str, str]]]


@dataclass(frozen=True)
class LoadSpec:
    """What to send, how fast and for how long. Validated on construction
    (``UsageError`` naming the parameter).

    Exactly one of ``rate`` (open loop, requests/s) and ``concurrency`` (closed
    loop, workers); at least one of ``count`` and ``duration`` (seconds); the
    run ends at whichever comes first. ``bodies`` are used round-robin.
    ``redirect`` (see ``Redirect``) changes where requests go, not what they are.
    """

    url: str
    rate: float | None = None
    concurrency: int | None = None
    count: int | None = None
    duration: float | None = None
    bodies: Sequence[bytes] = (b"",)
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = "application/json"
    timeout: float = 30.0
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    tally_header: str | None = None
    timeseries: bool = False
    redirect: Redirect | None = None

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise UsageError(f"url must be an http(s) URL, got {self.url!r}")
        if (self.rate is None) == (self.concurrency is None):
            raise UsageError("give exactly one of rate (open loop) and concurrency (closed loop)")
        if self.rate is not None and not (self.rate > 0 and math.isfinite(self.rate)):
            raise UsageError(f"rate must be a positive number of requests/s, got {self.rate}")
        if self.concurrency is not None and self.concurrency < 1:
            raise UsageError(f"concurrency must be >= 1, got {self.concurrency}")
        if self.count is None and self.duration is None:
            raise UsageError("give count, duration or both to bound the run")
        if self.count is not None and self.count < 0:
            raise UsageError(f"count must be >= 0, got {self.count}")
        if self.duration is not None and not self.duration > 0:
            raise UsageError(f"duration must be > 0 seconds, got {self.duration}")
        if not self.bodies:
            raise UsageError("bodies must hold at least one request body")
        if not self.timeout > 0:
            raise UsageError(f"timeout must be > 0 seconds, got {self.timeout}")
        if self.max_in_flight < 1:
            raise UsageError(f"max_in_flight must be >= 1, got {self.max_in_flight}")

    @property
    def mode(self) -> str:
        return "open" if self.rate is not None else "closed"


def run_load(
    url: str,
    *,
    rate: float | None = None,
    concurrency: int | None = None,
    count: int | None = None,
    duration: float | None = None,
    bodies: Sequence[bytes] = (b"",),
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    content_type: str | None = "application/json",
    timeout: float = 30.0,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    tally_header: str | None = None,
    timeseries: bool = False,
    redirect: Redirect | None = None,
    stop_signals: Sequence[int] = (),
) -> LoadResult:
    """Run one load test and return what it measured. Blocks until the run ends.

    The parameters are ``LoadSpec``'s, and ``stop_signals``: signals (e.g.
    ``signal.SIGINT``) that end the run early with the figures so far (main
    thread only; ignored where the platform's event loop cannot handle
    signals). Runs its own event loop, so it cannot
    be called from inside a running loop (use ``execute`` there). Raises
    ``UsageError`` for an invalid spec; connection failures and timeouts are
    counted in the result, never raised.
    """
    spec = LoadSpec(
        url,
        rate=rate,
        concurrency=concurrency,
        count=count,
        duration=duration,
        bodies=bodies,
        method=method,
        headers=dict(headers or {}),
        content_type=content_type,
        timeout=timeout,
        max_in_flight=max_in_flight,
        tally_header=tally_header,
        timeseries=timeseries,
        redirect=redirect,
    )
    return asyncio.run(execute(spec, stop_signals=stop_signals))


async def execute(spec: LoadSpec, *, stop_signals: Sequence[int] = ()) -> LoadResult:
    """The coroutine behind ``run_load``: run ``spec`` on the current event loop."""
    stop = _Stop()
    with stop.on_signals(stop_signals):
        return await _Run(spec, stop).go()


class _Stop:
    """A stop request shared by the runs of one call; set at most once."""

    def __init__(self) -> None:
        self.requested = False

    def request(self) -> None:
        self.requested = True

    @contextlib.contextmanager
    def on_signals(self, signals: Sequence[int]) -> Iterator[None]:
        """Request a stop at the first of ``signals``; a second one gets the signal's
        default action (Ctrl-C twice aborts)."""
        loop = asyncio.get_running_loop()
        installed: list[int] = []

        def first(sig: int) -> None:
            self.request()
            for s in installed:
                loop.remove_signal_handler(s)
            installed.clear()

        for sig in signals:
            try:
                loop.add_signal_handler(sig, first, sig)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread, or a loop without signal support
            installed.append(sig)
        try:
            yield
        finally:
            for s in installed:
                loop.remove_signal_handler(s)


#: A stepping policy: every step's result so far -> the next rate (requests/s), or None to stop.
RatePolicy = Callable[[Sequence[LoadResult]], float | None]


def fixed_rates(rates: Sequence[float]) -> RatePolicy:
    """The policy that runs ``rates`` in order, then stops. Pure."""
    chosen = tuple(float(r) for r in rates)

    def policy(done: Sequence[LoadResult]) -> float | None:
        return chosen[len(done)] if len(done) < len(chosen) else None

    return policy


def run_steps(
    url: str,
    *,
    rates: Sequence[float] | RatePolicy,
    step_duration: float,
    max_steps: int = 100,
    on_step: Callable[[LoadResult], None] | None = None,
    bodies: Sequence[bytes] = (b"",),
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    content_type: str | None = "application/json",
    timeout: float = 30.0,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    in_flight_for: Callable[[float], int] | None = None,
    tally_header: str | None = None,
    timeseries: bool = False,
    redirect: Redirect | None = None,
    stop_signals: Sequence[int] = (),
) -> tuple[LoadResult, ...]:
    """Open-loop steps at increasing (or any) rates; blocks until the last step is drained.

    ``rates`` is a list of requests/s or a policy (``RatePolicy``) asked for
    the next rate after each step; ``max_steps`` bounds the run either way.
    ``on_step`` is called with each step's result as soon as it is drained
    (an exception there stops the run and propagates). ``max_in_flight``
    sizes the connection pool; ``in_flight_for(rate)`` may cap a step lower.
    ``stop_signals`` end the current step early (see ``run_load``) and the run
    with it. Every other parameter is ``LoadSpec``'s and applies to each step. Raises
    ``UsageError`` for an
    invalid rate, duration or option (before anything is sent, for the first
    step); connection failures are counted in the results, never raised.
    Runs its own event loop, like ``run_load``.
    """
    policy = rates if callable(rates) else fixed_rates(rates)
    if not (step_duration > 0 and math.isfinite(step_duration)):
        raise UsageError(f"step_duration must be > 0 seconds, got {step_duration}")
    if max_steps < 1:
        raise UsageError(f"max_steps must be >= 1, got {max_steps}")
    base = LoadSpec(
        url,
        rate=1.0,
        duration=step_duration,
        bodies=bodies,
        method=method,
        headers=dict(headers or {}),
        content_type=content_type,
        timeout=timeout,
        max_in_flight=max_in_flight,
        tally_header=tally_header,
        timeseries=timeseries,
        redirect=redirect,
    )
    return asyncio.run(
        execute_steps(
            base,
            policy,
            max_steps=max_steps,
            on_step=on_step,
            in_flight_for=in_flight_for,
            stop_signals=stop_signals,
        )
    )


async def execute_steps(
    base: LoadSpec,
    policy: RatePolicy,
    *,
    max_steps: int = 100,
    on_step: Callable[[LoadResult], None] | None = None,
    in_flight_for: Callable[[float], int] | None = None,
    stop_signals: Sequence[int] = (),
) -> tuple[LoadResult, ...]:
    """The coroutine behind ``run_steps``: each step is ``base`` with the policy's rate
    (open loop, ``base.duration`` seconds, ``base.count`` requests at most), all on one
    connection pool of ``base.max_in_flight`` connections."""
    results: list[LoadResult] = []
    stop = _Stop()
    async with _session(base.max_in_flight, base.timeout) as session:
        with stop.on_signals(stop_signals):
            while len(results) < max_steps and not stop.requested:
                rate = policy(tuple(results))
                if rate is None:
                    break
                cap = base.max_in_flight
                if in_flight_for is not None:
                    cap = max(1, min(cap, int(in_flight_for(float(rate)))))
                spec = replace(base, rate=float(rate), concurrency=None, max_in_flight=cap)
                result = await _Run(spec, stop).go(session)
                results.append(result)
                if on_step is not None:
                    on_step(result)
    return tuple(results)


def _session(limit: int, timeout: float) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=limit, limit_per_host=limit)
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        auto_decompress=False,
        cookie_jar=aiohttp.DummyCookieJar(),
    )


def _error_kind(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        return "disconnected"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "payload"
    return type(exc).__name__


class _Run:
    """The mutable state of one run; lives for one ``execute`` call."""

    def __init__(self, spec: LoadSpec, stop: _Stop | None = None) -> None:
        self.spec = spec
        self.stop = stop if stop is not None else _Stop()
        self.url = spec.url
        self.headers = dict(spec.headers)
        if spec.redirect is not None:
            target, headers = spec.redirect(spec.url, self.headers)
            self.url, self.headers = target, dict(headers)
        if spec.content_type and not any(k.lower() == "content-type" for k in self.headers):
            self.headers["Content-Type"] = spec.content_type
        self.sent = 0
        self.completed = 0
        self.in_flight = 0
        self.status_counts: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.tallies: Counter[str] = Counter()
        self.latency = LatencyHistogram()
        self.max_lag = 0.0
        self.last_end = 0.0
        self.t0 = 0.0
        self.started_at = 0.0
        self.seconds: dict[int, list] = {}  # second -> [sent, ok, failed, histogram]

    def _second(self, at: float) -> list:
        key = int(at - self.t0)
        bucket = self.seconds.get(key)
        if bucket is None:
            bucket = self.seconds[key] = [0, 0, 0, LatencyHistogram()]
        return bucket

    async def go(self, session: aiohttp.ClientSession | None = None) -> LoadResult:
        """Run on ``session`` (a pool shared with other runs), or on a pool of its own."""
        spec = self.spec
        if session is None:
            limit = spec.max_in_flight if spec.rate is not None else (spec.concurrency or 1)
            async with _session(limit, spec.timeout) as own:
                return await self.go(own)
        loop = asyncio.get_running_loop()
        self.t0 = loop.time() + 0.01  # a beat for the first send to be on time
        self.started_at = time.time() + 0.01
        self.last_end = self.t0
        if spec.rate is not None:
            await self._open_loop(session, loop, spec.rate)
        else:
            await self._closed_loop(session, loop, spec.concurrency or 1)
        return self._result()

    async def _send(self, session: aiohttp.ClientSession, index: int, since: float) -> None:
        """Send request ``index``; latency from ``since`` (intended or actual send time)."""
        spec = self.spec
        loop = asyncio.get_running_loop()
        bucket = self._second(since) if spec.timeseries else None
        status: int | None = None
        tally = ""
        try:
            async with session.request(
                spec.method,
                self.url,
                data=spec.bodies[index % len(spec.bodies)],
                headers=self.headers,
            ) as response:
                await response.read()
                status = response.status
                if spec.tally_header:
                    tally = response.headers.get(spec.tally_header, "")
        except Exception as exc:  # every failure is counted by kind, never raised
            self.errors[_error_kind(exc)] += 1
        end = loop.time()
        self.last_end = max(self.last_end, end)
        if status is None:
            if bucket is not None:
                bucket[2] += 1
            return
        latency_ms = (end - since) * 1000.0
        self.completed += 1
        self.status_counts[status] += 1
        self.latency.record(latency_ms)
        if spec.tally_header:
            self.tallies[tally] += 1
        if bucket is not None:
            bucket[1 if 200 <= status < 300 else 2] += 1
            bucket[3].record(latency_ms)

    async def _open_loop(
        self, session: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop, rate: float
    ) -> None:
        spec = self.spec
        total = spec.count if spec.count is not None else math.inf
        if spec.duration is not None:
            total = min(total, math.ceil(spec.duration * rate - 1e-9))
        tasks: set[asyncio.Task[None]] = set()
        index = 0

        def finished(task: asyncio.Task[None]) -> None:
            tasks.discard(task)
            self.in_flight -= 1

        while index < total and not self.stop.requested:
            intended = self.t0 + index / rate
            now = loop.time()
            if intended > now:
                # Short naps at low rates, so a stop request is seen within a quarter second.
                await asyncio.sleep(min(intended - now, 0.25))
                continue
            # Send every request that is due now; never wait for answers here.
            while index < total and self.t0 + index / rate <= now:
                intended = self.t0 + index / rate
                self.sent += 1
                if self.spec.timeseries:
                    self._second(intended)[0] += 1
                self.max_lag = max(self.max_lag, now - intended)
                if self.in_flight >= spec.max_in_flight:
                    self.errors["in_flight_cap"] += 1
                    if self.spec.timeseries:
                        self._second(intended)[2] += 1
                else:
                    self.in_flight += 1
                    task = asyncio.ensure_future(self._send(session, index, intended))
                    tasks.add(task)
                    task.add_done_callback(finished)
                index += 1
            await asyncio.sleep(0)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _closed_loop(
        self, session: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop, workers: int
    ) -> None:
        spec = self.spec
        total = spec.count if spec.count is not None else math.inf
        deadline = self.t0 + spec.duration if spec.duration is not None else math.inf
        counter = iter(range(2**62))

        async def worker() -> None:
            while True:
                now = loop.time()
                if now >= deadline or self.sent >= total or self.stop.requested:
                    return
                index = next(counter)
                self.sent += 1
                if spec.timeseries:
                    self._second(now)[0] += 1
                await self._send(session, index, now)

        wait = self.t0 - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        await asyncio.gather(*(worker() for _ in range(workers)))

    def _result(self) -> LoadResult:
        spec = self.spec
        series: tuple[SecondStats, ...] = ()
        if spec.timeseries:
            series = tuple(
                SecondStats(second=s, sent=b[0], ok=b[1], failed=b[2], p99_ms=b[3].percentile(99))
                for s, b in sorted(self.seconds.items())
            )
        return LoadResult(
            mode=spec.mode,
            url=spec.url,
            target_rate=spec.rate,
            concurrency=spec.concurrency,
            sent=self.sent,
            completed=self.completed,
            status_counts=dict(self.status_counts),
            errors=dict(self.errors),
            duration_s=max(self.last_end - self.t0, 0.0),
            latency=self.latency,
            max_send_lag_ms=self.max_lag * 1000.0,
            tally_header=spec.tally_header,
            tallies=dict(self.tallies),
            timeseries=series,
            started_at=self.started_at,
            stopped_early=self.stop.requested,
        )
