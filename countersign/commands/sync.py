"""``countersign sync now|status|retry-failed``: one sync with HQ, and what is waiting or failed.

Every action opens the branch store through its key source. ``sync now`` takes the same
lock as the kiosk's scheduled sync, so the two never run at once. When the kiosk is
syncing, it reports ``busy`` at once instead of waiting.
"""

import argparse
import json
import logging

from countersign.config import load_config
from kiosk.messages import Message
from kiosk.store.key_sources.rotation import open_keyed_store
from kiosk.store.rentals import RentalStore
from kiosk.store.sync_store import LAST_ATTEMPT, LAST_SUCCESS, StoreSyncAdapter
from sync.agent import STATUS_OFFLINE, SyncReport

log = logging.getLogger(__name__)

_VERDICTS = {
    "ok": Message("同步完成。", "Sync finished."),
    "offline": Message("无法连接总部，记录已保存在本机，稍后自动重试。", "Headquarters cannot be reached; records are kept here and sent later."),
    "error": Message("总部拒绝了同步请求，请联系门店 IT。", "Headquarters refused the sync; contact branch IT."),
    "busy": Message("另一次同步正在进行。", "Another sync is running."),
}


def register(commands, common: argparse.ArgumentParser) -> None:
    sync = commands.add_parser("sync", parents=[common], help="sync with headquarters: now, status, retry-failed")
    actions = sync.add_subparsers(dest="sync_action", required=True)
    now = actions.add_parser(
        "now",
        parents=[common],
        help="upload the outbox and pull reference data once",
        description="Exit status: 0 when the sync finished (ok), 1 when HQ was offline, rejected the sync or another sync was running.",
    )
    now.set_defaults(handler=command_sync_now)
    status = actions.add_parser("status", parents=[common], help="events waiting or failed, and the last sync")
    status.set_defaults(handler=command_sync_status)
    retry = actions.add_parser("retry-failed", parents=[common], help="put events that HQ rejected back in the queue")
    retry.set_defaults(handler=command_sync_retry)


def _open(args: argparse.Namespace):
    config = load_config(args.home)
    keyed = open_keyed_store(config.store_path, config.store_key)
    return config, keyed.database, RentalStore(keyed.database, keyed.biometrics)


def command_sync_now(args: argparse.Namespace) -> int:
    config, database, store = _open(args)
    try:
        if config.hq is None:
            adapter = StoreSyncAdapter(store)
            report = SyncReport(status=STATUS_OFFLINE, detail="no [hq] in branch.toml: this branch works offline")
            report.pending, report.failed = adapter.count_pending(), adapter.count_failed()
        else:
            from countersign.sync_link import build_agent

            agent, adapter = build_agent(config, store)
            report = agent.run_once()
        if report.status != "busy":
            adapter.record_run(report.to_json())
    finally:
        database.close()

    payload = report.to_json()
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(f"status    {report.status}")
        print(f"          {_VERDICTS[report.status].bilingual()}")
        print(f"uploaded  {report.uploaded}")
        print(f"pulled    {report.pulled}")
        print(f"pending   {report.pending}")
        if report.failed:
            print(f"failed    {report.failed}")
        if report.detail:
            print(f"detail    {report.detail}")
    return 0 if report.status == "ok" else 1


def command_sync_status(args: argparse.Namespace) -> int:
    config, database, store = _open(args)
    try:
        adapter = StoreSyncAdapter(store)
        payload = {
            "hq": config.hq.url if config.hq else None,
            "pending": adapter.count_pending(),
            "failed": adapter.count_failed(),
            "failed_events": adapter.failed_events(),
            "last_success": adapter.last_run(LAST_SUCCESS),
            "last_attempt": adapter.last_run(LAST_ATTEMPT),
            "cursors": {dataset: adapter.reference_cursor(dataset) for dataset in _datasets()},
        }
    finally:
        database.close()

    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    success = payload["last_success"]
    attempt = payload["last_attempt"]
    print(f"hq            {payload['hq'] or '- (offline branch)'}")
    print(f"pending       {payload['pending']}")
    print(f"failed        {payload['failed']}")
    print(f"last success  {success['finished_at'] if success else 'never 从未成功'}")
    if attempt:
        print(f"last attempt  {attempt['finished_at']} {attempt['status']}: {attempt['detail'] or '-'}")
    for event in payload["failed_events"]:
        print(f"  failed {event['event_type']} {event['aggregate_id']} at {event['failed_at']}: {event['error']}")
    return 0


def command_sync_retry(args: argparse.Namespace) -> int:
    _, database, store = _open(args)
    try:
        count = StoreSyncAdapter(store).retry_failed()
    finally:
        database.close()
    log.info("%d failed events put back in the queue", count)
    if args.json:
        print(json.dumps({"requeued": count}))
    else:
        print(f"已重新排队 {count} 条事件 / {count} event(s) back in the queue")
    return 0


def _datasets() -> tuple[str, ...]:
    from sync.protocol import DATASETS

    return DATASETS
