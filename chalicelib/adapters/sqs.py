"""The jobs queue on SQS: a fanned-out run's shard messages (chalicelib/jobs/fanout.py)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.errors import Throttled
from chalicelib.jobs.fanout import ShardWork


class SqsWorkQueue:
    """Sends shard work to the queue, by URL (the packaged template injects it) or by name
    (`chalice deploy`: resolved once with GetQueueUrl)."""

    def __init__(self, client: Any, *, url: str | None = None, name: str | None = None) -> None:
        if not url and not name:
            raise ValueError("an SQS queue needs a URL or a name")
        self._client = client
        self._url = url
        self._name = name

    def url(self) -> str:
        if self._url is None:
            self._url = str(self._client.get_queue_url(QueueName=self._name)["QueueUrl"])
        return self._url

    def send(self, work: ShardWork) -> None:
        try:
            self._client.send_message(QueueUrl=self.url(), MessageBody=work.body())
        except ClientError as exc:
            raise Throttled("The jobs queue did not take the work; retry the run.") from exc
