"""portal.querysets.in_pk_batches: every row once, in key order, without a server-side cursor."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import User
from portal.querysets import in_pk_batches
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_row_comes_once_in_key_order_across_batches():
    users = UserFactory.create_batch(7)
    with CaptureQueriesContext(connection) as queries:
        seen = list(in_pk_batches(User.objects.all(), size=3))
    assert [u.pk for u in seen] == sorted(u.pk for u in users)
    # 3 + 3 + 1: the short batch ends it.
    assert len(queries) == 3
    assert not any("DECLARE" in q["sql"].upper() for q in queries.captured_queries)


def test_a_full_last_batch_costs_one_empty_query_and_filters_are_kept():
    users = UserFactory.create_batch(4)
    with CaptureQueriesContext(connection) as queries:
        seen = list(in_pk_batches(User.objects.exclude(pk=users[0].pk), size=3))
    assert [u.pk for u in seen] == [u.pk for u in users[1:]]
    assert len(queries) == 2


def test_rows_written_by_the_loop_itself_do_not_disturb_it():
    users = UserFactory.create_batch(5)
    seen = []
    for user in in_pk_batches(User.objects.all(), size=2):
        seen.append(user.pk)
        if user.pk == users[0].pk:
            users[3].delete()  # ahead of the loop: never read
            late = UserFactory()  # a higher key: read in its turn
    assert seen == [u.pk for u in users if u is not users[3]] + [late.pk]
