"""Reading a large queryset a batch at a time, without a server-side cursor."""

from collections.abc import Iterator

from django.db.models import Model, QuerySet

BATCH_SIZE = 500


def in_pk_batches(queryset: QuerySet, *, size: int = BATCH_SIZE) -> Iterator[Model]:
    """Every row of ``queryset`` in primary-key order, ``size`` rows per query (keyset: each
    batch starts after the last key seen).

    Unlike ``.iterator()``, no cursor lives from one query to the next: each batch is a query
    of its own, so it works behind PgBouncer in transaction pooling, outside a transaction, and
    while the loop's body commits writes of its own. A row added with a higher key while the loop
    runs is read too; one deleted before the loop reaches it is not.
    """
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        batch = list(page[:size])
        yield from batch
        if len(batch) < size:
            return
        last = batch[-1].pk
