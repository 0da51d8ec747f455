"""Loading and validating the config file, with one path-named message per bad key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lbcontroller.config import ConfigError, load_config, parse_config
from tests.unit.configs import BAD_CONFIGS, GCE, GOOD, NLB, OCTAVIA, aws, config, expected, write


@pytest.mark.parametrize(("text", "problems"), BAD_CONFIGS)
def test_bad_config_names_each_problem(
    tmp_path: Path, text: str | None, problems: list[str]
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [p.splitlines()[0] for p in caught.value.problems] == expected(problems, path)
    assert str(caught.value) == "\n".join(caught.value.problems)


def test_good_multi_provider_config(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, GOOD))
    assert loaded == parse_config(yaml.safe_load(GOOD))
    assert loaded.cluster_name == "prod"
    assert [(p.type, p.name) for p in loaded.providers] == [
        ("aws", "aws-main"),
        ("gcp", "gce"),
        ("openstack", "octavia"),
    ]
    assert loaded.controller.workers == 4
    assert loaded.controller.leader_election.namespace == "kube-system"


def test_camel_case_keys_reach_the_models() -> None:
    loaded = parse_config(
        yaml.safe_load(
            config(
                aws(nodeSelector={"pool": "lb"}, rateLimits={"describe": {"qps": 5, "burst": 10}}),
                controller={"retryMaxDelay": 60, "leaderElection": {"leaseDuration": 30}},
            )
        )
    )
    provider = loaded.providers[0]
    assert provider.node_selector == {"pool": "lb"}
    assert (provider.rate_limits["describe"].qps, provider.rate_limits["describe"].burst) == (5, 10)
    assert loaded.controller.retry_max_delay == 60
    assert loaded.controller.leader_election.lease_duration == 30


@pytest.mark.parametrize(
    ("lb_class", "with_default", "expected_provider"),
    [
        pytest.param(None, True, "aws-main", id="no-class-default"),
        pytest.param(None, False, None, id="no-class-no-default"),
        pytest.param(NLB, False, "aws-main", id="aws"),
        pytest.param(GCE, True, "gce", id="gcp"),
        pytest.param(OCTAVIA, True, "octavia", id="openstack"),
        pytest.param("example.com/other", True, None, id="unknown"),
    ],
)
def test_provider_for_class(
    lb_class: str | None, with_default: bool, expected_provider: str | None
) -> None:
    data = yaml.safe_load(GOOD)
    if not with_default:
        del data["defaultProvider"]
    assert parse_config(data).provider_for_class(lb_class) == expected_provider
