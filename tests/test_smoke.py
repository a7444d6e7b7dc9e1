import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_catalogue_lists_a_published_training(client, training):
    response = client.get(reverse("trainings:list"))
    assert response.status_code == 200
    assert training.title in response.content.decode()
