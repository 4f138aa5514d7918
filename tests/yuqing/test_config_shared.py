"""What the packages share from yuqing.config: the checks of their settings, parameter objects built
from the declared settings, and the reading of user YAML files with the line of an error."""
import dataclasses

import pytest

from clustering.amplification import AmplificationParams
from clustering.bursts import BurstParams
from clustering.density import DensityParams
from clustering.engine import EngineParams
from clustering.events import EventParams
from nlp.analyzer import Thresholds
from nlp.cascade import CascadePolicy
from yuqing.config import declared_settings, load_config, read_yaml, settings_params
from yuqing.errors import ConfigError, InputError

PARAMETER_OBJECTS = (AmplificationParams, BurstParams, DensityParams, EventParams, EngineParams, CascadePolicy,
                     Thresholds)


@pytest.mark.parametrize("override, message", [
    ("store.batch_size=0", "store.batch_size: must be greater than 0"),
    ("dispatch.check_interval=-1", "dispatch.check_interval: must be 0 or more"),
    ("cases.semantic_weight=1.5", "cases.semantic_weight: must be between 0 and 1"),
    ("storm.auto_requests=-1", "storm.auto_requests: must be 0 (off) or more"),
    ("store.retention_days=-3", "store.retention_days: must be 0 (keep forever) or more"),
    ("clustering.min_cluster_size=1", "clustering.min_cluster_size: must be at least 2"),
    ("calendar.max_sensitivity=0.5", "must be at least 1.0 (a window never lowers sensitivity)"),
    ("dispatch.accept_minutes={red: 60}", "give a deadline for every severity; missing: orange, yellow, blue"),
    ("alerts.escalation_minutes={purple: 5}", "unknown severity 'purple'; use red, orange, yellow, blue"),
    ("alerts.escalation_minutes={red: true}", "the deadline of red must be a positive number of minutes"),
])
def test_a_shared_check_says_the_same_in_every_section(override, message):
    with pytest.raises(ConfigError) as err:
        load_config(None, [override])
    assert message in str(err.value)


def test_shared_checks_let_good_values_through():
    config = load_config(None, ["alerts.escalation_minutes={red: 5}", "storm.auto_requests=0",
                                "clustering.assign_min_similarity=1", "calendar.max_sensitivity=1"])
    assert config["alerts.escalation_minutes"] == {"red": 5} and config["storm.auto_requests"] == 0


@pytest.mark.parametrize("cls", PARAMETER_OBJECTS, ids=lambda c: c.__name__)
def test_parameter_objects_default_to_the_declared_settings(cls):
    declared = declared_settings()
    tied = [f for f in dataclasses.fields(cls) if "setting" in f.metadata]
    assert tied, f"{cls.__name__} reads no setting"
    for field in tied:
        assert field.default == declared[field.metadata["setting"]].default, field.name


def test_parameter_objects_read_the_config():
    config = load_config(None, ["clustering.burst_z=4.5", "clustering.amplification_min_posts=9",
                                "clustering.min_samples=2", "clustering.keywords=3", "nlp.cascade.risk_floor=0.1",
                                "clustering.assign_min_similarity=0.7", "clustering.event_max_distance=0.2"])
    engine = EngineParams.from_config(config)
    assert (engine.bursts.z, engine.amplification.min_posts, engine.density.min_samples, engine.keywords) == \
        (4.5, 9, 2, 3)
    assert engine.density.assign_min_similarity == 0.7 and engine.events.max_distance == 0.2
    assert CascadePolicy.from_config(config).risk_floor == 0.1
    assert BurstParams(z=1.0).z == 1.0  # the constructors still take every field


def test_empty_calibrated_settings_take_the_embedders_values():
    class Embedder:
        assign_min_similarity, min_coherence, event_max_distance = 0.93, 0.96, None

    config = load_config(None)
    density = DensityParams.from_config(config, Embedder())
    assert (density.assign_min_similarity, density.min_coherence) == (0.93, 0.96)
    assert EventParams.from_config(config, Embedder()).enabled is False  # no calibrated event distance


def test_a_parameter_field_must_name_a_declared_setting():
    with pytest.raises(ConfigError, match="Params.size: setting clustering.size is not declared"):
        @settings_params([], "clustering.")
        class Params:
            size: int
    with pytest.raises(ConfigError, match="Params has no field szie"):
        @settings_params([], "clustering.", szie="clustering.size")
        class Params:  # noqa: F811
            size: int = 1


def test_read_yaml_names_the_file_the_line_and_the_fix(tmp_path):
    with pytest.raises(InputError, match=r"absent.yaml: no such file; fix calendar.files in config.yaml"):
        read_yaml(tmp_path / "absent.yaml", InputError, missing="fix calendar.files in config.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - name: a\n  - [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml line 4: not valid YAML"):
        read_yaml(bad)
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("名称: 积水".encode("gbk"))
    with pytest.raises(ConfigError, match=r"gbk.yaml: not UTF-8 text"):
        read_yaml(gbk)
    assert read_yaml(write_text(tmp_path / "ok.yaml", "a: [1, 2]\n")) == {"a": [1, 2]}


def write_text(path, text):
    path.write_text(text, encoding="utf-8")
    return path
