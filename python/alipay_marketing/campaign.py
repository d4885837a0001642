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
"""

from __future__ import annotations

from ._native import Campaign, CampaignProgress, CampaignSummary, CheckReport, RowProblem, RunResult
from .errors import CampaignError

__all__ = [
    "Campaign",
    "CampaignError",
    "CampaignProgress",
    "CampaignSummary",
    "CheckReport",
    "RowProblem",
    "RunResult",
]
