"""Campaigns from Python: `alipay_marketing.campaign.Campaign` and `python -m alipay_marketing campaign`, both over
the campaign crate, against the sandbox: a small run with a progress callback, bad input named by line and field,
the command line as a subprocess, and a faulted campaign killed with SIGKILL twice and resumed."""

from __future__ import annotations

import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alipay_marketing import CampaignError
from alipay_marketing.campaign import Campaign, CampaignProgress
from alipay_marketing.testing import Sandbox
from pg_server import PgServer

VOUCHER = "alipay.marketing.voucher.send"
TEMPLATE = "TPL-FIXED-10"
USERS = 2_000


def user(i: int) -> str:
    return f"2088{700_000_000 + i:012d}"


@pytest.fixture(scope="module")
def world() -> Iterator[Sandbox]:
    """A sandbox with the users of these campaigns and the fixed voucher template."""
    scenario = {
        "apps": [{"app_id": "2021000000000001", "sign_type": "RSA2"}],
        "users": [{"user_id": user(i)} for i in range(USERS)],
        "templates": [{"template_id": TEMPLATE, "name": "10 yuan off", "kind": "fixed", "amount": "10.00"}],
    }
    with Sandbox(scenario=scenario) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(world: Sandbox) -> Sandbox:
    world.reset()
    return world


def write_users(path: Path, n: int) -> Path:
    path.write_text("user_id,memo\n" + "".join(f"{user(i)},新客礼券\n" for i in range(n)), encoding="utf-8")
    return path


def issued(sandbox: Sandbox) -> list[dict[str, Any]]:
    vouchers: list[dict[str, Any]] = sandbox.state()["vouchers"]["issued"]
    return vouchers


def cli_env(sandbox: Sandbox, folder: Path) -> dict[str, str]:
    """The environment `campaign run` reads the app settings from, as a sandbox's env file exports them."""
    key = folder / "app_private_key.pem"
    key.write_text(sandbox.app_private_key)
    public = folder / "alipay_public_key.pem"
    public.write_text(sandbox.alipay_public_key)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALIPAY_")}
    env.update(
        ALIPAY_GATEWAY_URL=sandbox.url,
        ALIPAY_APP_ID=sandbox.app_id,
        ALIPAY_APP_PRIVATE_KEY_FILE=str(key),
        ALIPAY_PUBLIC_KEY_FILE=str(public),
    )
    return env


def journal_done(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            row = db.execute("SELECT COUNT(*) FROM rows WHERE state = 'done'").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_a_small_campaign_sends_each_row_once_and_reports_progress(sandbox: Sandbox, tmp_path: Path) -> None:
    users = write_users(tmp_path / "users.csv", 200)
    campaign = Campaign(users, method="voucher.send", template_id=TEMPLATE, concurrency=8, out_dir=tmp_path / "out")
    assert campaign.id == "users" and campaign.method == "voucher.send"
    report = campaign.check()
    assert (report.rows, report.valid, report.is_clean) == (200, 200, True)

    seen: list[CampaignProgress] = []
    with sandbox.client() as client:
        result = campaign.run(client, progress=seen.append)
    assert result.status == "completed" and result.is_complete, result
    assert (result.summary.total, result.summary.done, result.summary.failed) == (200, 200, 0)
    assert seen, "the progress callback was called"
    assert seen[-1].done == 200 and seen[-1].total == 200 and seen[-1].pending == 0
    assert all(a.done <= b.done for a, b in zip(seen, seen[1:])), "progress only moves forward"

    vouchers = issued(sandbox)
    assert len(vouchers) == 200
    results = read_results(campaign.results_path)
    assert {r["voucher_id"] for r in results} == {v["voucher_id"] for v in vouchers}

    # Running again sends nothing: every row is done in the journal.
    with sandbox.client() as client:
        again = campaign.run(client)
    assert again.is_complete and len(issued(sandbox)) == 200
    status = campaign.status()
    assert (status.done, status.runs) == (200, 2), status
    page = tmp_path / "report.html"
    assert campaign.report(page).done == 200
    assert "<html" in page.read_text(encoding="utf-8").lower()


def test_bad_rows_are_named_by_line_and_field_and_nothing_is_sent(sandbox: Sandbox, tmp_path: Path) -> None:
    users = tmp_path / "bad.csv"
    users.write_text(f"user_id,memo\n{user(1)},ok\nnot-a-user,ok\n{user(2)},ok\n,ok\n", encoding="utf-8")
    campaign = Campaign(users, method="voucher.send", template_id=TEMPLATE)
    report = campaign.check()
    assert (report.rows, report.valid, report.is_clean) == (4, 2, False)
    assert [(p.line, p.field) for p in report.problems] == [(3, "user_id"), (5, "user_id")], report.problems
    assert "line 3: user_id" in str(report.problems[0])

    with sandbox.client() as client, pytest.raises(CampaignError) as raised:
        campaign.run(client)
    assert raised.value.reason == "invalid_rows"
    assert "line 3" in str(raised.value) and "user_id" in str(raised.value), raised.value
    assert issued(sandbox) == []

    with pytest.raises(CampaignError, match="concurrency") as bad_setting:
        Campaign(users, method="voucher.send", concurrency=0)
    assert bad_setting.value.reason == "config"
    with pytest.raises(CampaignError, match="method"):
        Campaign(users)
    rated = tmp_path / "rated.toml"
    rated.write_text('method = "voucher.send"\ninput = "bad.csv"\nqps = 5\n[fields]\ntemplate_id = "TPL-FIXED-10"\n')
    with sandbox.client() as client, pytest.raises(CampaignError, match="rate_limit"):
        Campaign(campaign_file=rated).run(client)


def test_keyboard_interrupt_stops_the_run_after_the_calls_in_flight_and_a_rerun_resumes(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    users = write_users(tmp_path / "users.csv", USERS)
    campaign = Campaign(users, method="voucher.send", template_id=TEMPLATE, concurrency=1)
    interrupts = 0

    def interrupt_once(progress: CampaignProgress) -> None:
        nonlocal interrupts
        if interrupts == 0:
            interrupts += 1
            signal.raise_signal(signal.SIGINT)  # what Ctrl-C (or a notebook's stop button) does

    with sandbox.client() as client:
        stopped = campaign.run(client, progress=interrupt_once)
        assert stopped.status == "stopped", stopped
        assert stopped.summary.done < USERS and stopped.summary.unknown == 0, stopped.summary
        assert len(issued(sandbox)) == stopped.summary.done
        resumed = campaign.run(client)
    assert resumed.is_complete, resumed
    assert len(issued(sandbox)) == USERS
    assert campaign.status().runs == 2


def test_an_exception_in_the_progress_callback_stops_the_run_and_is_raised(sandbox: Sandbox, tmp_path: Path) -> None:
    campaign = Campaign(write_users(tmp_path / "users.csv", USERS), method="voucher.send", template_id=TEMPLATE)

    def broken(progress: CampaignProgress) -> None:
        raise ValueError("the callback failed")

    with sandbox.client() as client, pytest.raises(ValueError, match="the callback failed"):
        campaign.run(client, progress=broken)
    assert campaign.status().done < USERS


def test_python_m_alipay_marketing_campaign_runs_the_command_line(sandbox: Sandbox, tmp_path: Path) -> None:
    write_users(tmp_path / "users.csv", 50)
    command = [sys.executable, "-m", "alipay_marketing", "campaign"]
    env = cli_env(sandbox, tmp_path)
    run = [*command, "run", "--method", "voucher.send", "--template-id", TEMPLATE, "users.csv", "--quiet"]
    done = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "50 done" in done.stderr, done.stderr
    assert len(issued(sandbox)) == 50
    assert len(read_results(tmp_path / "users.results.csv")) == 50

    status = subprocess.run(
        [*command, "status", "users.csv"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert status.returncode == 0 and "50 done" in status.stdout, status.stdout + status.stderr
    usage = subprocess.run(
        [*command, "run", "users.csv"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert usage.returncode == 2 and "--method is needed" in usage.stderr, usage.stderr
    listed = subprocess.run([*command, "--help"], env=env, capture_output=True, text=True, check=False)
    assert listed.returncode == 0 and "run" in listed.stdout and "report" in listed.stdout, listed.stdout


def test_ctrl_c_stops_python_m_alipay_marketing_campaign_run_and_a_rerun_resumes(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    write_users(tmp_path / "users.csv", USERS)
    env = cli_env(sandbox, tmp_path)
    run = [
        *(sys.executable, "-m", "alipay_marketing", "campaign", "run", "--quiet", "--concurrency", "1"),
        *("--method", "voucher.send", "--template-id", TEMPLATE, "users.csv"),
    ]
    journal = tmp_path / "users.journal.sqlite"
    child = subprocess.Popen(run, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while journal_done(journal) == 0:
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.01)  # polling the journal
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=300)
    assert child.returncode == 130, stderr
    assert "stopping" in stderr and "run the same command again to resume" in stderr, stderr
    stopped = journal_done(journal)
    assert 0 < stopped < USERS and len(issued(sandbox)) == stopped

    last = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert last.returncode == 0, last.stderr
    assert len(issued(sandbox)) == USERS


def test_a_faulted_campaign_killed_twice_and_resumed_issues_each_voucher_once(sandbox: Sandbox, tmp_path: Path) -> None:
    # A fifth of the calls fail: half applied with the answer lost, the rest refused or cut off before the effect.
    sandbox.arm_faults(
        {
            "seed": 11,
            "rules": [
                {"method": VOUCHER, "fault": "error_after_effect", "rate": 0.10},
                {"method": VOUCHER, "fault": "error_before_effect", "rate": 0.05},
                {"method": VOUCHER, "fault": "drop_connection", "rate": 0.05},
            ],
        }
    )
    write_users(tmp_path / "users.csv", USERS)
    env = cli_env(sandbox, tmp_path)
    run = [
        *(sys.executable, "-m", "alipay_marketing", "campaign", "run"),
        *("--method", "voucher.send", "--template-id", TEMPLATE, "users.csv", "--quiet"),
        *("--concurrency", "16", "--settle-rounds", "40", "--attempt-timeout", "5", "--max-attempts", "2"),
    ]
    journal = tmp_path / "users.journal.sqlite"
    moments = sorted(USERS // 20 + random.randrange(USERS * 17 // 20) for _ in range(2))
    for moment in moments:
        before = journal_done(journal)
        child = subprocess.Popen(run, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while True:
            done = journal_done(journal)
            if done > before and done >= moment:
                child.kill()  # SIGKILL
                assert child.wait() != 0, "the kill came after the run ended"
                break
            assert child.poll() is None, f"the run ended before the kill at {moment} done rows (it had {done})"
            assert time.monotonic() < deadline, f"no progress to {moment} rows"
            # Polling the journal, not waiting for a guessed time: the kill follows what the journal shows.
            time.sleep(0.01)
    last = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert last.returncode == 0, last.stderr
    assert f"{USERS} rows — {USERS} done, 0 failed" in last.stderr, last.stderr

    vouchers = issued(sandbox)
    assert len(vouchers) == USERS, "exactly one voucher per row"
    by_key = {v["out_biz_no"]: v for v in vouchers}
    assert len(by_key) == USERS, "no out_biz_no issued twice"
    assert len({v["user_id"] for v in vouchers}) == USERS, "no user got two vouchers"
    results = read_results(tmp_path / "users.results.csv")
    assert len(results) == USERS
    for row in results:
        assert row["status"] == "done", row
        assert by_key[row["key"]]["voucher_id"] == row["voucher_id"], row
        assert by_key[row["key"]]["user_id"] == row["user_id"], row
    status = Campaign(tmp_path / "users.csv", method="voucher.send", template_id=TEMPLATE).status()
    assert status.runs == 3 and status.done == USERS, status


def test_a_campaign_journaled_in_postgres_runs_resumes_and_reports_from_python(
    sandbox: Sandbox, pg_server: PgServer, tmp_path: Path
) -> None:
    journal = pg_server.database("python_file_campaign")
    users = write_users(tmp_path / "users.csv", 100)
    campaign = Campaign(users, method="voucher.send", template_id=TEMPLATE, journal=journal, lease_seconds=5)
    with sandbox.client() as client:
        result = campaign.run(client)
        assert result.is_complete and result.summary.done == 100, result
        assert campaign.run(client).summary.done == 100
    assert len(issued(sandbox)) == 100, "the second run sent nothing"
    assert not (tmp_path / "users.journal.sqlite").exists(), "no SQLite journal beside the outputs"
    # Without a method: the PostgreSQL journal says it.
    later = Campaign(users, journal=journal)
    assert later.method == "voucher.send"
    assert (later.status().done, later.status().runs) == (100, 2)
    assert later.report(tmp_path / "report.html").done == 100
    other = Campaign(users, method="voucher.send", template_id=TEMPLATE, memo="other", journal=journal)
    with sandbox.client() as client, pytest.raises(CampaignError, match=r"postgres://campaign:\*\*\*@127") as refused:
        other.run(client)
    assert refused.value.reason == "mismatch"
