"""Distributed campaigns: `alipay_marketing.campaign.run_batch` (the engine-neutral entry point) and its Spark
helpers, against the sandbox and a real PostgreSQL journal started by the test (`pg_server.py`).

- A 600-row voucher campaign as a PySpark job (local mode, two task slots, four partitions) in which one task
  fails once after its batch was sent, so Spark runs it again: exactly 600 vouchers, no user twice, and the
  results complete, each `voucher_id` the sandbox's.
- `run_batch` without Spark: the same batch twice gives the same vouchers and sends nothing the second time; bad
  rows come back `rejected` naming the field; values that are not text are sent as a CSV shows them.

PostgreSQL, Java and PySpark missing skip these tests with the reason, except under CI, where they fail.
"""

from __future__ import annotations

import datetime
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from alipay_marketing import CampaignError
from alipay_marketing.campaign import (
    RESULT_COLUMNS,
    BatchJob,
    result_schema,
    run_batch,
    run_on_spark,
    spark_map_partitions,
)
from alipay_marketing.testing import Sandbox, latency
from pg_server import PgServer, unavailable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

VOUCHER = "alipay.marketing.voucher.send"
TEMPLATE = "TPL-FIXED-10"
SPARK_ROWS = 600
USERS = SPARK_ROWS + 100


def user(i: int) -> str:
    return f"2088{710_000_000 + i:012d}"


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


def issued(sandbox: Sandbox) -> list[dict[str, Any]]:
    vouchers: list[dict[str, Any]] = sandbox.state()["vouchers"]["issued"]
    return vouchers


def voucher_calls(sandbox: Sandbox) -> int:
    calls: dict[str, Any] = sandbox.state()["calls"]
    return int(calls.get(VOUCHER, {}).get("total", 0))


def voucher_job(sandbox: Sandbox, journal: str, campaign_id: str, **campaign: Any) -> BatchJob:
    settings: dict[str, Any] = {
        "method": "voucher.send",
        "id": campaign_id,
        "journal": journal,
        "template_id": TEMPLATE,
        "lease_seconds": 5,
        "concurrency": 8,
    }
    settings.update(campaign)
    return BatchJob(campaign=settings, client=sandbox.client_options())


# --- run_batch, without an engine ---------------------------------------------------------------------------------


def test_the_same_batch_twice_gives_the_same_vouchers_and_sends_nothing_the_second_time(
    sandbox: Sandbox, pg_server: PgServer
) -> None:
    job = voucher_job(sandbox, pg_server.database("batch_twice"), "batch-twice")
    # User ids as numbers, as a DataFrame of bigint would hand them over.
    rows = [{"user_id": int(user(i)), "memo": "新客礼券"} for i in range(40)]

    first = run_batch(job, rows)
    assert [a["status"] for a in first] == ["done"] * 40, first[:3]
    assert [a["user_id"] for a in first] == [user(i) for i in range(40)], "rows keep their order, sent as text"
    vouchers = {v["out_biz_no"]: v for v in issued(sandbox)}
    assert len(vouchers) == 40
    for answer in first:
        assert vouchers[answer["key"]]["voucher_id"] == answer["voucher_id"], answer
        assert vouchers[answer["key"]]["user_id"] == answer["user_id"], answer
        assert answer["attempts"] == 1 and answer["error_kind"] is None
    sent = voucher_calls(sandbox)
    assert sent == 40

    # A retried task: the same rows, a copy of the job as an engine would ship it.
    shipped = pickle.loads(pickle.dumps(job))
    assert shipped == job and shipped.shared_client() is job.shared_client(), "one client per process and settings"
    second = run_batch(shipped, rows)
    assert [(a["key"], a["voucher_id"]) for a in second] == [(a["key"], a["voucher_id"]) for a in first]
    assert voucher_calls(sandbox) == sent, "the second run sent nothing"
    assert len(issued(sandbox)) == 40


def test_two_attempts_of_one_task_at_once_send_each_row_once(sandbox: Sandbox, pg_server: PgServer) -> None:
    """What speculative execution does: a second attempt of a task runs while the first is still sending."""
    job = voucher_job(sandbox, pg_server.database("batch_speculative"), "batch-speculative")
    sandbox.arm_faults(method=VOUCHER, fault=latency(100), rate=1.0)
    rows = [{"user_id": user(400 + i)} for i in range(60)]
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: run_batch(job, rows), range(2))
    assert [a["status"] for a in first] == ["done"] * 60 and [a["status"] for a in second] == ["done"] * 60
    assert [a["voucher_id"] for a in first] == [a["voucher_id"] for a in second]
    assert len(issued(sandbox)) == 60 and voucher_calls(sandbox) == 60


def test_a_task_killed_while_sending_is_taken_over_when_its_lease_expires(
    sandbox: Sandbox, pg_server: PgServer, tmp_path: Path
) -> None:
    """A worker dies (SIGKILL) holding the merchant's lease with rows in flight; the retried task waits for the
    lease to expire (5 s), takes the rows over and resends the ones in flight with their keys: one voucher each."""
    db = "batch_killed"
    job = voucher_job(sandbox, pg_server.database(db), "batch-killed", concurrency=4)
    rows = [{"user_id": user(500 + i), "memo": "retry"} for i in range(40)]
    shipped = tmp_path / "task.pickle"
    shipped.write_bytes(pickle.dumps((job, rows)))
    script = "import pickle, sys\nfrom alipay_marketing.campaign import run_batch\n"
    script += "job, rows = pickle.loads(open(sys.argv[1], 'rb').read())\nrun_batch(job, rows)\n"
    sandbox.arm_faults(method=VOUCHER, fault=latency(150), rate=1.0)
    worker = subprocess.Popen([sys.executable, "-c", script, str(shipped)])
    done_sql = "SELECT COUNT(*) FROM alipay_campaign_rows WHERE state = 'done'"
    deadline = time.monotonic() + 120
    try:
        while True:
            if worker.poll() is not None:
                pytest.fail(f"the worker ended (exit {worker.returncode}) before it could be killed mid-batch")
            assert time.monotonic() < deadline, "the worker showed no progress in the journal"
            try:
                if int(pg_server.query(db, done_sql) or 0) >= 8:
                    break
            except RuntimeError:  # the tables are not there yet
                pass
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait()
    states = pg_server.query(db, "SELECT state, COUNT(*) FROM alipay_campaign_rows GROUP BY state ORDER BY state")
    assert "in_flight" in states, f"the worker died with rows in flight: {states}"
    sent_before = len(issued(sandbox))
    assert 8 <= sent_before < 40

    sandbox.clear_faults()
    answers = run_batch(job, rows)  # the task's retry
    assert [a["status"] for a in answers] == ["done"] * 40, answers
    vouchers = issued(sandbox)
    assert len(vouchers) == 40 and len({v["user_id"] for v in vouchers}) == 40, "one voucher per row, none twice"
    by_key = {v["out_biz_no"]: v for v in vouchers}
    assert all(by_key[a["key"]]["voucher_id"] == a["voucher_id"] for a in answers)
    assert any(a["attempts"] > 1 for a in answers), "the rows in flight were resent with their keys"


def test_bad_rows_come_back_rejected_naming_the_field_and_the_others_are_sent(
    sandbox: Sandbox, pg_server: PgServer
) -> None:
    job = voucher_job(sandbox, pg_server.database("batch_bad_rows"), "batch-bad-rows")
    rows: list[dict[str, Any]] = [
        {"user_id": user(100), "memo": "ok"},
        {"user_id": None, "memo": "no recipient"},
        {"user_id": user(101), "memo": "x" * 500},
        {"user_id": user(102), "memo": "ok"},
        {"user_id": user(100), "memo": "ok"},  # the first row again: the same derived key
    ]
    answers = run_batch(job, rows)
    assert [a["status"] for a in answers] == ["done", "rejected", "rejected", "done", "rejected"], answers
    assert answers[1]["error_kind"] == "invalid_row" and answers[1]["key"] is None
    assert answers[1]["error_message"].startswith("user_id: no recipient"), answers[1]
    assert answers[2]["error_message"].startswith("memo:"), answers[2]
    assert answers[4]["error_message"].startswith("out_biz_no:") and "duplicate" in answers[4]["error_message"]
    assert answers[4]["key"] == answers[0]["key"]
    assert all(a["voucher_id"] is None for a in answers if a["status"] == "rejected")
    assert sorted(v["user_id"] for v in issued(sandbox)) == [user(100), user(102)]
    assert voucher_calls(sandbox) == 2, "nothing was sent for a rejected row"


def test_values_that_are_not_text_are_sent_as_a_csv_shows_them(sandbox: Sandbox, pg_server: PgServer) -> None:
    job = voucher_job(sandbox, pg_server.database("batch_values"), "batch-values")
    memos: list[tuple[Any, str]] = [
        (10, "10"),
        (10.5, "10.5"),
        (Decimal("12.50"), "12.50"),
        (True, "true"),
        (datetime.date(2025, 5, 27), "2025-05-27"),
        ("text", "text"),
        (None, ""),
    ]
    rows = [{"user_id": user(200 + i), "memo": memo} for i, (memo, _) in enumerate(memos)]
    answers = run_batch(job, rows)
    assert [a["status"] for a in answers] == ["done"] * len(memos), answers
    assert [a["memo"] for a in answers] == [text for _, text in memos]
    with pytest.raises(TypeError, match=r"row 1 of the batch, column 'memo': a bytes"):
        run_batch(job, [{"user_id": user(300), "memo": b"raw"}])
    assert run_batch(job, []) == []


def test_a_batch_job_checks_its_settings_on_the_driver_and_hides_its_secrets(
    sandbox: Sandbox, pg_server: PgServer
) -> None:
    journal = pg_server.url("postgres")
    job = voucher_job(sandbox, journal, "settings")
    shown = repr(job)
    assert "PRIVATE KEY" not in shown and "<hidden>" in shown
    assert pg_server.url("postgres").split("@")[0].split(":")[-1] not in shown, "the journal's password is hidden"
    with pytest.raises(CampaignError, match="method"):
        voucher_job(sandbox, journal, "bad-method", method="voucher.sendd")
    with pytest.raises(TypeError, match="journal="):
        BatchJob(campaign={"method": "voucher.send", "id": "no-journal"}, client=sandbox.client_options())
    with pytest.raises(CampaignError, match="needs a shared journal") as not_shared:
        voucher_job(sandbox, "/tmp/batches.sqlite", "sqlite-journal")
    assert not_shared.value.reason == "config"
    with pytest.raises(CampaignError, match='identity: "line"'):
        voucher_job(sandbox, journal, "by-line", identity="line")
    with pytest.raises(TypeError, match="no option 'privat_key'"):
        BatchJob(campaign={"method": "voucher.send", "id": "x", "journal": journal}, client={"privat_key": "k"})
    with pytest.raises(ValueError, match="column 'status'"):
        spark_map_partitions(job, ["user_id", "status"])


# --- Spark --------------------------------------------------------------------------------------------------------


def java_major(java: str) -> int | None:
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def java_home() -> str:
    """A Java that Spark 3.5 runs on (8, 11 or 17): JAVA_HOME, Debian's OpenJDK 17, or the one on the PATH."""
    candidates: list[str] = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.environ["JAVA_HOME"])
    candidates += sorted(str(p) for p in Path("/usr/lib/jvm").glob("java-17-openjdk-*") if p.is_dir())
    on_path = shutil.which("java")
    if on_path:
        candidates.append(str(Path(os.path.realpath(on_path)).parent.parent))
    seen: list[str] = []
    for home in candidates:
        major = java_major(str(Path(home) / "bin" / "java"))
        if major in (8, 11, 17):
            return home
        seen.append(f"{home} (Java {major})")
    unavailable(
        "no Java 8, 11 or 17 for Spark 3.5 was found (install Debian's openjdk-17-jre-headless with `make deps`, "
        f"or set JAVA_HOME); looked at: {', '.join(seen) or 'nothing'}"
    )


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """PySpark in local mode: two task slots, and up to three attempts per task (in local mode the attempts come
    from the master URL, ``local[threads,maxFailures]``; ``spark.task.maxFailures`` is for clusters)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        unavailable("pyspark is not installed (it is in the package's test extra: pip install '.[test]')")
    os.environ["JAVA_HOME"] = java_home()
    # The workers run this interpreter, which has the package installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2,3]")
        .appName("alipay-marketing-campaign-test")
        .config("spark.task.maxFailures", "3")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_a_spark_job_with_a_task_failing_after_its_batch_sends_each_voucher_once(
    sandbox: Sandbox, pg_server: PgServer, spark: SparkSession, tmp_path: Path
) -> None:
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    job = voucher_job(sandbox, pg_server.database("spark_job"), "spark-job")
    schema = StructType(
        [
            StructField("user_id", LongType(), False),
            StructField("memo", StringType(), True),
            StructField("segment", LongType(), False),
        ]
    )
    data = [(int(user(i)), "新客礼券" if i % 3 else None, i % 7) for i in range(SPARK_ROWS)]
    df = spark.createDataFrame(spark.sparkContext.parallelize(data, 4), schema)
    assert df.rdd.getNumPartitions() == 4

    partition = spark_map_partitions(job, df.columns)
    status_at = len(df.columns) + RESULT_COLUMNS.index("status")
    marker = str(tmp_path / "partition-2-failed-once.json")

    def fails_once_after_sending(index: int, rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        answers = list(partition(rows))  # the batch is sent and journaled
        if index == 2 and not os.path.exists(marker):
            with open(marker, "w", encoding="utf-8") as f:
                json.dump({"rows": len(answers), "done": sum(a[status_at] == "done" for a in answers)}, f)
            raise RuntimeError("partition 2 fails once, after its batch was sent")
        return iter(answers)

    rdd = df.rdd.mapPartitionsWithIndex(fails_once_after_sending)
    results = [r.asDict() for r in spark.createDataFrame(rdd, result_schema(df.columns)).collect()]

    failed_attempt = json.loads(Path(marker).read_text(encoding="utf-8"))
    assert failed_attempt == {"rows": 150, "done": 150}, "the failed attempt had sent its whole batch"
    assert len(results) == SPARK_ROWS
    assert Counter(r["status"] for r in results) == {"done": SPARK_ROWS}
    assert sorted(r["user_id"] for r in results) == sorted(user(i) for i in range(SPARK_ROWS))
    assert all(r["attempts"] == 1 for r in results), "the retried task resent nothing"
    vouchers = issued(sandbox)
    assert len(vouchers) == SPARK_ROWS, "exactly one voucher per row"
    assert len({v["user_id"] for v in vouchers}) == SPARK_ROWS, "no user got two vouchers"
    by_key = {v["out_biz_no"]: v for v in vouchers}
    for r in results:
        assert by_key[r["key"]]["voucher_id"] == r["voucher_id"], r
        assert by_key[r["key"]]["user_id"] == r["user_id"], r
    assert voucher_calls(sandbox) == SPARK_ROWS

    # The whole job again, through run_on_spark: the journal answers every row, nothing is sent.
    again = run_on_spark(job, df)
    assert again.schema == result_schema(df.columns)
    rerun = {r["key"]: r["voucher_id"] for r in again.collect()}
    assert rerun == {r["key"]: r["voucher_id"] for r in results}
    assert voucher_calls(sandbox) == SPARK_ROWS and len(issued(sandbox)) == SPARK_ROWS
