"""Load test: concurrent browser sessions against one ``streamlit run app.py`` on loopback.

    .venv/bin/python bench/load.py [--sessions 10] [--page-timeout 300]

Starts the app on a free 127.0.0.1 port (scenario database in a temporary SQLite file, so the
repository's data/scenarios.sqlite is not touched), launches one Debian chromium with one browser
context per session, and in each session opens the app (History page on the bundled sample), then
goes to Forecast, Staffing and Scenarios through the sidebar navigation. A page counts as rendered
when its last section is on screen and the script has finished (``stApp`` reports ``notRunning``).

Three passes in the same run, same server:
1. one session on a cold server (the first fits and solves; reported, not used as the bound),
2. one session on the warm server: the bound ("peer") each page's concurrent p95 is divided by,
3. ``--sessions`` sessions at once.

Prints a table per pass (page, p50, p95, max seconds, errors; in its title the wall time and the
cores kept busy by the server, by the browser, and by other work on the machine, which the
latencies also pay for) and the ratio of the concurrent p95 to the single-session time. Exits 1 if
any session saw an exception box (``stException``), timed out or failed to load a page, or the
server logged a traceback; 2 if the server could not start or chromium is missing.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port  # noqa: E402

PAGES = ["History", "Forecast", "Staffing", "Scenarios"]
EXCEPTION = "[data-testid='stException']"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def marker(page, name: str):
    """The last section of each page: only that page has it (so a stale previous page cannot match)."""
    if name == "History":
        return page.get_by_role("heading", name="When contacts arrive")
    if name == "Forecast":
        return page.get_by_role("button", name="Run forecast")
    if name == "Staffing":
        return page.get_by_role("button", name="Download requirements CSV")
    return page.get_by_text("hiring class(es)")  # Scenarios: the hiring plan's caption, after every chart


@dataclass
class Session:
    index: int
    seconds: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


async def run_session(browser, url: str, index: int, page_timeout: float) -> Session:
    session = Session(index)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    try:
        for name in PAGES:
            started = time.perf_counter()
            try:
                if name == "History":
                    await page.goto(url, timeout=page_timeout * 1000)
                else:
                    await page.locator("[data-testid='stSidebarNavLink']", has_text=name).click(
                        timeout=page_timeout * 1000)
                ready = marker(page, name).or_(page.locator(EXCEPTION)).first
                await ready.wait_for(timeout=page_timeout * 1000)
                remaining = max(1.0, page_timeout - (time.perf_counter() - started))
                await page.locator(IDLE).wait_for(timeout=remaining * 1000)
            except Exception as err:  # noqa: BLE001 (timeouts and navigation failures are the findings)
                session.errors.append(f"{name}: {type(err).__name__}: {str(err).splitlines()[0]}")
                break
            session.seconds[name] = time.perf_counter() - started
            boxes = page.locator(EXCEPTION)
            if await boxes.count():
                session.errors.append(f"{name}: exception box: {(await boxes.first.inner_text())[:300]!r}")
                break
    finally:
        await context.close()
    return session


async def run_pass(browser, url: str, sessions: int, page_timeout: float) -> list[Session]:
    return list(await asyncio.gather(*(run_session(browser, url, i, page_timeout) for i in range(sessions))))


def table(title: str, done: list[Session]) -> dict[str, float]:
    """Prints page, p50, p95, max, errors; returns each page's p95."""
    print(f"\n{title}")
    print(f"{'page':10s} {'n':>3s} {'p50 s':>8s} {'p95 s':>8s} {'max s':>8s} {'errors':>7s}")
    p95 = {}
    for name in PAGES:
        values = np.array([s.seconds[name] for s in done if name in s.seconds])
        errors = sum(any(e.startswith(f"{name}:") for e in s.errors) for s in done)
        if len(values):
            p95[name] = float(np.percentile(values, 95))
            print(f"{name:10s} {len(values):3d} {np.percentile(values, 50):8.2f} {p95[name]:8.2f} "
                  f"{values.max():8.2f} {errors:7d}")
        else:
            print(f"{name:10s} {0:3d} {'-':>8s} {'-':>8s} {'-':>8s} {errors:7d}")
    return p95


def start_server(port: int, env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, proc: subprocess.Popen, seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return True
        except OSError:
            time.sleep(0.5)
    return False


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) of a process and its descendants so far (Linux /proc), None elsewhere.

    Live descendants (chromium, the forecast's worker processes) are summed; finished ones count once reaped.
    """
    try:
        tick = os.sysconf("SC_CLK_TCK")
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int(_stat(int(entry.name))[1])
                except (OSError, ValueError, IndexError):
                    pass
        tree, frontier = {pid}, [pid]
        while frontier:
            parent = frontier.pop()
            children = [p for p, pp in parents.items() if pp == parent and p not in tree]
            tree.update(children)
            frontier.extend(children)
        total = 0
        for member in tree:
            try:
                fields = _stat(member)
            except OSError:
                continue
            total += sum(int(v) for v in fields[11:15])  # utime, stime, and the reaped children's
        return total / tick
    except (OSError, ValueError, IndexError):
        return None


def machine_busy() -> float | None:
    """CPU seconds the whole machine has been busy (all cores, /proc/stat), None elsewhere."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def timed_pass(browser, url: str, sessions: int, page_timeout: float, server_pid: int, title: str):
    """One pass; prints its table with the wall time and who kept the cores busy meanwhile.

    server: the streamlit process tree; browser: this script's tree without the server (chromium, the
    Playwright driver); others: the rest of the machine (work that is not this test's).
    """
    def sample():
        return cpu_seconds(server_pid), cpu_seconds(os.getpid()), machine_busy()

    before, started = sample(), time.perf_counter()
    done = await run_pass(browser, url, sessions, page_timeout)
    after, wall = sample(), time.perf_counter() - started
    load = ""
    if None not in before and None not in after:
        server, ours, machine = ((a - b) / wall for a, b in zip(after, before))
        load = (f"; cores busy: server {server:.2f}, browser {ours - server:.2f}, others {machine - ours:.2f}, "
                f"of {os.cpu_count()}")
    return done, table(f"{title} (wall {wall:.1f} s{load})", done)


async def measure(url: str, sessions: int, page_timeout: float, server_pid: int) -> int:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            cold, _ = await timed_pass(browser, url, 1, page_timeout, server_pid,
                                       "1 session, cold server (first fits and solves; not the bound)")
            single, bound = await timed_pass(browser, url, 1, page_timeout, server_pid,
                                             "1 session, warm server (the bound)")
            many, p95 = await timed_pass(browser, url, sessions, page_timeout, server_pid,
                                         f"{sessions} sessions at once, warm server")
        finally:
            await browser.close()
    print(f"\nratio of the {sessions}-session p95 to the single warm session (same run):")
    for name in PAGES:
        if name in p95 and bound.get(name):
            print(f"{name:10s} {p95[name]:8.2f} / {bound[name]:6.2f} = {p95[name] / bound[name]:5.2f}x")
        else:
            print(f"{name:10s} n/a (no successful measurement)")
    failures = [(label, s.index, e) for label, done in (("cold", cold), ("single", single), ("concurrent", many))
                for s in done for e in s.errors]
    incomplete = [s.index for s in many if len(s.seconds) < len(PAGES)]
    for label, index, error in failures:
        print(f"FAIL {label} session {index}: {error}")
    print(f"\n{len(failures)} error(s); {sessions - len(incomplete)}/{sessions} concurrent sessions rendered every page.")
    return 1 if failures or incomplete else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--page-timeout", type=float, default=300.0, help="seconds a page may take to render")
    parser.add_argument("--total-timeout", type=float, default=1800.0, help="seconds for the whole measurement")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        print(f"chromium not found at {CHROMIUM}")
        return 2
    with tempfile.TemporaryDirectory(prefix="wfm-load-") as tmp:
        env = dict(os.environ, WFM_DATABASE_URL=f"sqlite:///{tmp}/scenarios.sqlite")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "server.log"
        with open(log_path, "w") as log:
            proc = start_server(port, env, log)
            try:
                if not wait_healthy(url, proc, 90):
                    print("streamlit did not start:\n" + log_path.read_text()[-3000:])
                    return 2
                print(f"server {url} (pid {proc.pid}), {args.sessions} sessions, chromium {CHROMIUM}")
                try:
                    code = asyncio.run(asyncio.wait_for(measure(url, args.sessions, args.page_timeout, proc.pid),
                                                        args.total_timeout))
                except asyncio.TimeoutError:
                    print(f"FAIL: the measurement took more than {args.total_timeout:.0f} s")
                    code = 1
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        tracebacks = log_path.read_text().count("Traceback")
        print(f"server log: {tracebacks} traceback(s)")
        if tracebacks:
            print(log_path.read_text()[-3000:])
            code = code or 1
    return code


if __name__ == "__main__":
    sys.exit(main())
