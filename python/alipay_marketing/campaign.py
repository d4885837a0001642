"""Campaigns: bulk sends from a CSV or JSON Lines file, exactly once per row across crashes, with a durable
journal, results, rejects, a summary and an HTML report. The same Rust implementation as ``python -m
alipay_marketing campaign`` (and the ``alipay-marketing`` program)::

    from alipay_marketing import Client
    from alipay_marketing.campaign import Campaign

    campaign = Campaign("users.csv", method="voucher.send", template_id="TPL-1", concurrency=16)
    report = campaign.check()              # every bad row: line, field, reason; nothing is sent
    with Client(...) as client:
        result = campaign.run(client, progress=lambda p: print(p.done, "/", p.total))
    print(result.status, result.summary.done)

``run`` resumes from the journal beside the outputs: rows already done are skipped, rows whose outcome is unknown
are resent with their same key. KeyboardInterrupt (a notebook's stop button) stops taking rows and lets the calls in
flight finish; a second one aborts them. The client's ``rate_limit`` is the campaign's QPS.

Distributed jobs (Spark, Dask, Ray: many machines, many merchants) hand each task's rows to :func:`run_batch`
with a :class:`BatchJob`, the picklable settings of the campaign and of its client; the campaign's journal is a
PostgreSQL database every task shares, which is what makes retried and speculative tasks send nothing twice::

    from alipay_marketing.campaign import BatchJob, run_on_spark

    job = BatchJob(
        campaign={"method": "voucher.send", "id": "spring-2025", "template_id": "TPL-1",
                  "journal": "postgres://campaign:secret@db.internal/campaigns"},
        client={"app_id": "2021000000000001", "private_key": Path("/etc/alipay/app_private_key.pem"),
                "alipay_public_key": Path("/etc/alipay/alipay_public_key.pem"), "rate_limit": RateLimit(qps=50)},
    )
    results = run_on_spark(job, users_df)   # the input columns as text, then key, status, voucher_id, ...

See ``docs/spark.md``.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import inspect
import math
import numbers
import os
import pickle
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from ._native import (
    BATCH_RESULT_FIELDS,
    Campaign,
    CampaignProgress,
    CampaignSummary,
    CheckReport,
    Client,
    RowProblem,
    RunResult,
)
from .errors import CampaignError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

__all__ = [
    "RESULT_COLUMNS",
    "RESULT_FIELDS",
    "BatchJob",
    "Campaign",
    "CampaignError",
    "CampaignProgress",
    "CampaignSummary",
    "CheckReport",
    "RowProblem",
    "RunResult",
    "result_schema",
    "run_batch",
    "run_on_spark",
    "spark_map_partitions",
]

#: The columns :func:`run_batch` adds to each row, with their Spark SQL types, in the order of
#: :func:`result_schema` (after the row's own columns).
RESULT_FIELDS: tuple[tuple[str, str], ...] = tuple(
    (name, "bigint" if name == "attempts" else "string") for name in BATCH_RESULT_FIELDS
)
#: The names of :data:`RESULT_FIELDS`.
RESULT_COLUMNS: tuple[str, ...] = tuple(name for name, _ in RESULT_FIELDS)

# Client options whose text is a secret: shown as <hidden> by BatchJob's repr (key files, as paths, are shown; a
# proxy URL is shown without its password).
_SECRET_OPTIONS = frozenset({"private_key", "aes_key", "app_auth_token"})
# Client options that are keys or certificates: their text is long, so the repr shows only what it is.
_KEY_OPTIONS = frozenset({"alipay_public_key", "app_public_key", "app_cert", "alipay_cert", "alipay_root_cert"})
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")

ProgressCallback = Callable[[CampaignProgress], object]


def _canonical(value: Any) -> Any:
    """A form of a settings value whose ``repr`` is the same in every process: mappings sorted by key."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    return value


def _fingerprint(options: Mapping[str, Any]) -> str:
    return hashlib.sha256(repr(_canonical(options)).encode("utf-8")).hexdigest()


def _hide_url_password(text: str) -> str:
    return _URL_PASSWORD.sub(r"\1***@", text)


def _shown_client_option(name: str, value: Any) -> Any:
    if value is None or isinstance(value, os.PathLike):
        return value
    if name in _SECRET_OPTIONS:
        return "<hidden>"
    if name == "proxy" and isinstance(value, str):
        return _hide_url_password(value)
    if name in _KEY_OPTIONS or name == "root_certificates":
        return "<PEM text>" if isinstance(value, (str, bytes)) else value
    return value


def _shown_campaign_option(name: str, value: Any) -> Any:
    if name == "journal" and isinstance(value, str):
        return _hide_url_password(value)
    if name == "fields" and isinstance(value, Mapping):
        return {k: "<hidden>" if k == "app_auth_token" else v for k, v in value.items()}
    return value


def _keyword_names(cls: type) -> frozenset[str] | None:
    """The keyword names a native class's constructor takes, when its signature can be read."""
    try:
        parameters = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return frozenset(p.name for p in parameters)


@dataclass(frozen=True)
class BatchJob:
    """The settings of a distributed campaign job, shipped to every task: the :class:`Campaign` keywords
    (``campaign``) and the :class:`~alipay_marketing.Client` keywords (``client``).

    ``campaign`` needs an ``id`` and a PostgreSQL ``journal`` (``postgres://USER:PASSWORD@HOST:PORT/DB``) that
    every task reaches; the other keywords are those of :class:`Campaign` (``method``, ``template_id``,
    ``columns``, ``key_column``, ``lease_seconds``, ``concurrency``, …), without an input file. ``client`` holds
    the client's keywords: key material as PEM text or as :class:`pathlib.Path` of files present where the tasks
    run, the ``gateway`` URL, ``app_id``, ``rate_limit`` and so on.

    The object is frozen and picklable (checked when it is made); its ``repr`` hides the private key, the AES key,
    the app auth token and the journal's password. The campaign settings are checked when it is made, by building
    the :class:`Campaign` once: a bad setting raises :class:`CampaignError` on the driver, before any task starts.
    The client is not built here: its key files need only exist where the tasks run.
    """

    #: The :class:`Campaign` keywords.
    campaign: Mapping[str, Any]
    #: The :class:`~alipay_marketing.Client` keywords.
    client: Mapping[str, Any]

    def __post_init__(self) -> None:
        for name, options in (("campaign", self.campaign), ("client", self.client)):
            if not isinstance(options, Mapping):
                raise TypeError(f"BatchJob: {name} must be a mapping of keywords, not {type(options).__name__}")
            bad = [k for k in options if not isinstance(k, str)]
            if bad:
                raise TypeError(f"BatchJob: the {name} keywords must be names (str), not {bad[0]!r}")
            # A copy: changing the caller's dict afterwards does not change the job.
            object.__setattr__(self, name, dict(options))
        if "input" in self.campaign:
            raise TypeError(
                "BatchJob: campaign has an input file; a batch job's rows come from the engine's partitions, "
                "so remove input= and give the campaign an id= and a PostgreSQL journal="
            )
        for required in ("id", "journal"):
            if self.campaign.get(required) is None:
                raise TypeError(
                    f"BatchJob: campaign needs {required}=: the tasks of one job share a campaign id and a "
                    'PostgreSQL journal, e.g. {"id": "spring-2025", "journal": "postgres://USER:PASSWORD@HOST/DB"}'
                )
        known = _keyword_names(Client)
        if known is not None:
            unknown = sorted(set(self.client) - known)
            if unknown:
                raise TypeError(
                    f"BatchJob: client has no option {unknown[0]!r}; the options are those of Client: "
                    + ", ".join(sorted(known))
                )
        # The core checks the campaign settings (method, fields, columns, numbers, and what batches need: a
        # PostgreSQL journal, keys not tied to lines) and names the one at fault.
        self.build_campaign().check_batch_settings()
        try:
            pickle.dumps(self)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            raise TypeError(
                f"BatchJob: the settings cannot be pickled ({error}); every task receives a copy, so give plain "
                "values: text, numbers, pathlib.Path, RateLimit, RetryPolicy"
            ) from None

    def __repr__(self) -> str:
        campaign = {k: _shown_campaign_option(k, v) for k, v in self.campaign.items()}
        client = {k: _shown_client_option(k, v) for k, v in self.client.items()}
        return f"BatchJob(campaign={campaign!r}, client={client!r})"

    def __hash__(self) -> int:
        return hash((_fingerprint(self.campaign), _fingerprint(self.client)))

    def build_campaign(self) -> Campaign:
        """A new :class:`Campaign` with these settings (no IO: the journal is reached when rows are sent)."""
        return Campaign(**self.campaign)

    def shared_client(self) -> Client:
        """The :class:`~alipay_marketing.Client` of these client settings in this process: made on first use, then
        the same one (one connection pool, one rate limiter) for every batch this process runs with equal
        settings. A forked child makes its own (a client does not survive a fork)."""
        return _cached(_CLIENTS, (os.getpid(), _fingerprint(self.client)), lambda: Client(**self.client))


_LOCK = threading.Lock()
# (process id, settings fingerprint) → object. Entries of a parent process are kept, unused, in a forked child:
# dropping a client whose runtime belongs to the parent is not something a child should do.
_CLIENTS: dict[tuple[int, str], Client] = {}
_CAMPAIGNS: dict[tuple[int, str], Campaign] = {}
_T = TypeVar("_T")


def _cached(cache: dict[tuple[int, str], _T], key: tuple[int, str], make: Callable[[], _T]) -> _T:
    with _LOCK:
        found = cache.get(key)
        if found is None:
            found = make()
            cache[key] = found
        return found


def _text(column: str, index: int, value: Any) -> str | None:
    """A cell as text, written the way Spark's CSV writer shows it; ``None`` stays ``None`` (sent as empty)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "Infinity" if number > 0 else "-Infinity"
        return repr(number)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(
        f"row {index + 1} of the batch, column {column!r}: a {type(value).__name__} cannot be sent as a field; "
        "give text, a number, a date or None (cast or drop the column before the campaign)"
    )


def _as_mapping(index: int, row: Any) -> Mapping[str, Any]:
    if isinstance(row, Mapping):
        return row
    as_dict = getattr(row, "asDict", None)  # pyspark.sql.Row
    if callable(as_dict):
        converted = as_dict()
        if isinstance(converted, Mapping):
            return converted
    raise TypeError(
        f"row {index + 1} of the batch is a {type(row).__name__}; give a mapping of column to value "
        "(a dict, or a pyspark.sql.Row)"
    )


def _text_rows(rows: Iterable[Any]) -> list[dict[str, str | None]]:
    batch: list[dict[str, str | None]] = []
    for index, row in enumerate(rows):
        mapping = _as_mapping(index, row)
        cells: dict[str, str | None] = {}
        for column, value in mapping.items():
            if not isinstance(column, str):
                raise TypeError(f"row {index + 1} of the batch: column names must be text, not {column!r}")
            cells[column] = _text(column, index, value)
        batch.append(cells)
    return batch


def run_batch(
    job: BatchJob, rows: Iterable[Mapping[str, Any]], *, progress: ProgressCallback | None = None
) -> list[dict[str, Any]]:
    """Sends one task's rows under ``job``'s campaign and returns what became of each, in order.

    The engine-neutral entry point: call it from a Spark ``mapPartitions``, a Dask ``map_partitions``, a Ray
    ``map_batches`` or a plain process pool. Values are sent as text, written the way a CSV shows them (``10``,
    ``10.5``, ``true``, ``2025-05-27``; a ``Decimal`` keeps its digits; ``None`` is empty). The client is this
    process's :meth:`BatchJob.shared_client`. Each answer is the row's columns as sent, then the
    :data:`RESULT_COLUMNS`: ``status`` is ``done``, ``failed``, ``unknown``, ``pending`` (not sent: the run was
    paused or stopped) or ``rejected`` (a bad row: ``error_message`` names the field and the reason; nothing was
    sent for it). A retried or speculative task with the same rows sends nothing twice: the rows are found in the
    shared journal by key, the done ones are answered from there and the others are resent with their recorded
    keys. Errors of the campaign itself (the journal unreachable, other settings under the same id) raise
    :class:`CampaignError`.
    """
    batch = _text_rows(rows)
    if not batch:
        return []
    campaign = _cached(_CAMPAIGNS, (os.getpid(), _fingerprint(job.campaign)), job.build_campaign)
    return campaign.run_rows(job.shared_client(), batch, progress=progress)


def _check_columns(columns: Sequence[str]) -> tuple[str, ...]:
    names = tuple(columns)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"columns: {name!r} is not a column name")
    clash = [name for name in names if name in RESULT_COLUMNS]
    if clash:
        raise ValueError(
            f"column {clash[0]!r}: the results have a column of that name ({', '.join(RESULT_COLUMNS)}); rename "
            f"it first, e.g. df.withColumnRenamed({clash[0]!r}, {clash[0] + '_in'!r}), and map the field to the "
            "new name with the campaign's columns="
        )
    return names


def result_schema(columns: Sequence[str] = ()) -> StructType:
    """The Spark schema of the results: ``columns`` (the input's, as text), then :data:`RESULT_FIELDS`.

    Imports pyspark, which the package does not depend on.
    """
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    types = {"string": StringType(), "bigint": LongType()}
    fields = [StructField(name, StringType(), True) for name in _check_columns(columns)]
    fields += [StructField(name, types[kind], name != "status") for name, kind in RESULT_FIELDS]
    return StructType(fields)


def _spark_partition(job: BatchJob, columns: tuple[str, ...], rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    answers = run_batch(job, rows)
    for answer in answers:
        yield tuple(answer.get(c) for c in columns) + tuple(answer[c] for c in RESULT_COLUMNS)


def spark_map_partitions(job: BatchJob, columns: Sequence[str]) -> Callable[[Iterable[Any]], Iterator[tuple[Any, ...]]]:
    """The function for ``df.rdd.mapPartitions(...)``: each partition is one :func:`run_batch`, and each row comes
    back as a tuple matching ``result_schema(columns)`` (``columns`` being ``df.columns``)::

        rdd = df.rdd.mapPartitions(spark_map_partitions(job, df.columns))
        results = spark.createDataFrame(rdd, result_schema(df.columns))

    The function holds only ``job`` and the column names (it pickles small); the client is made in the worker.
    """
    return functools.partial(_spark_partition, job, _check_columns(columns))


def run_on_spark(job: BatchJob, df: DataFrame) -> DataFrame:
    """The campaign over every row of ``df``, one :func:`run_batch` per partition: a DataFrame of
    ``result_schema(df.columns)``, computed when an action (``write``, ``collect``, ``count``) runs it.

    Each action runs the partitions again; that sends nothing twice (the journal answers the done rows) but asks
    the journal again, so write the results once or ``persist()`` them.
    """
    columns = list(df.columns)
    rdd = df.rdd.mapPartitions(spark_map_partitions(job, columns))
    return df.sparkSession.createDataFrame(rdd, result_schema(columns))
