"""One private three-node RabbitMQ cluster for the scale-out tests (starting
one takes half a minute); each test gets its own virtual host on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.cluster import Cluster, rabbitmq_cluster


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with rabbitmq_cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture
def cluster_vhost(cluster: Cluster) -> Iterator[str]:
    """A fresh virtual host; every node is running again afterwards."""
    vhost = cluster.create_vhost()
    yield vhost
    cluster.ensure_all_running()
    cluster.delete_vhost(vhost)
