"""Config: declared settings, ${ENV} expansion, -s overrides, errors naming file, key and fix."""
import pytest

from yuqing.config import declared_settings, load_config
from yuqing.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path):
    config = load_config(tmp_path / "absent.yaml")
    assert config["store.backend"] == "sqlite"
    assert config.path is None


def test_named_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="absent.yaml: no such config file"):
        load_config(tmp_path / "absent.yaml", required=True)


def test_sections_and_overrides(tmp_path):
    path = write(tmp_path, "store:\n  path: a.sqlite\n  batch_size: 10\n")
    config = load_config(path, ["store.path=b.sqlite", "service.analyze_interval=7"])
    assert config["store.path"] == "b.sqlite"
    assert config["store.batch_size"] == 10
    assert config["service.analyze_interval"] == 7
    assert config.section("store")["batch_size"] == 10


def test_env_expansion_and_fallback(tmp_path):
    path = write(tmp_path, "store:\n  elasticsearch:\n    password: ${ES_PW}\n    username: ${ES_U:-elastic}\n")
    config = load_config(path, environ={"ES_PW": "s3cret"})
    assert config["store.elasticsearch.password"] == "s3cret"
    assert config["store.elasticsearch.username"] == "elastic"
    assert config.redacted()["store.elasticsearch.password"] == "***"


def test_missing_env_names_the_key_and_variable(tmp_path):
    path = write(tmp_path, "store:\n  elasticsearch:\n    password: ${ES_PW}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    message = str(err.value)
    assert str(path) in message and "store.elasticsearch.password" in message and "ES_PW" in message


def test_unknown_key_suggests_the_close_one(tmp_path):
    path = write(tmp_path, "store:\n  pth: x.sqlite\n")
    with pytest.raises(ConfigError, match=r"unknown setting 'store.pth'.*store.path"):
        load_config(path)


def test_bad_type_and_choice_name_the_key(tmp_path):
    with pytest.raises(ConfigError, match="store.batch_size must be a int"):
        load_config(write(tmp_path, "store:\n  batch_size: many\n"))
    with pytest.raises(ConfigError, match="store.backend is 'mysql'; choose one of sqlite, elasticsearch"):
        load_config(None, ["store.backend=mysql"])
    with pytest.raises(ConfigError, match="must be greater than 0"):
        load_config(None, ["store.batch_size=0"])


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match=r"config.yaml line \d+: not valid YAML"):
        load_config(write(tmp_path, "store:\n  path: [unclosed\n"))


def test_override_syntax_error():
    with pytest.raises(ConfigError, match="write overrides as -s key=value"):
        load_config(None, ["store.path"])


def test_config_is_frozen():
    config = load_config(None)
    with pytest.raises(TypeError):
        config["store.path"] = "x"  # type: ignore[index]


def test_every_setting_has_help_and_a_valid_default():
    for name, setting in declared_settings().items():
        assert setting.help.strip(), f"{name} has no help text"
        assert "." in name, f"{name} is not in a section"
        setting.coerce(setting.default, "defaults")  # the default itself must validate


REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


def _leaf_keys(data, settings, prefix=""):
    keys = set()
    for key, value in data.items():
        name = f"{prefix}{key}"
        if name in settings:
            keys.add(name)
        elif isinstance(value, dict):
            keys |= _leaf_keys(value, settings, name + ".")
        else:
            keys.add(name)  # an undeclared key: load_config would refuse it, and the set comparison shows it
    return keys


def test_repository_config_lists_every_setting_and_loads_without_secrets():
    import yaml

    settings = declared_settings()
    listed = _leaf_keys(yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8")), settings)
    assert listed == set(settings), (sorted(set(settings) - listed), sorted(listed - set(settings)))
    config = load_config(REPO / "config.yaml", environ={})  # no secret in the environment: still valid
    assert config["service.demo"] is True and config["store.backend"] == "sqlite"
    assert all(not user["token"] for user in config["web.users"].values())  # tokens only from the environment
    assert load_config(REPO / "config.yaml", environ={"YUQING_ANALYST_TOKEN": "t"})["web.users"]["demo-analyst"]["token"] == "t"


def test_repository_config_crawls_every_demo_source():
    import yaml

    demo = yaml.safe_load((REPO / "crawlers" / "replay" / "demo_sources.yaml").read_text(encoding="utf-8"))
    config = load_config(REPO / "config.yaml", environ={})
    assert [s["name"] for s in config["crawl.sources"]] == [s["name"] for s in demo["crawl"]["sources"]]
    assert config["crawl.demo.port"] == demo["crawl"]["demo"]["port"]


def test_repository_config_differs_from_the_defaults_only_where_the_demo_says_why():
    """config.yaml pinned engine: torch long after the default became onnx-int8, so `make run` served
    the slow engine; every other value must be the declared default, or a listed demo override."""
    from yuqing.app.config_template import DEMO_OVERRIDES

    settings = declared_settings()
    written = load_config(REPO / "config.yaml", environ={}).as_written()
    differing = {name for name, value in written.items() if value != settings[name].default}
    assert differing - set(DEMO_OVERRIDES) == set(), "set away from the default without a reason in DEMO_OVERRIDES"
    assert set(DEMO_OVERRIDES) - differing == set(), "listed as a demo override but at its default: drop it"


def test_repository_config_is_the_template_of_its_own_values():
    """The file's help texts and layout are what `yuqing config template` writes today."""
    from yuqing.app.config_template import render

    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    body = text[text.index("\nstore:") + 1:]
    assert body == render(values=load_config(REPO / "config.yaml", environ={}).as_written())


def test_config_show_and_template_never_print_a_secret(tmp_path):
    """`config show` printed user tokens, the DingTalk secret and webhook keys; `config template`
    wrote the secrets it read from the environment into the new file."""
    import subprocess
    import sys

    path = tmp_path / "config.yaml"
    path.write_text(
        "web:\n  users:\n    ana: {role: analyst, token: '${T_ANA}'}\n"
        "alerts:\n  notifiers:\n"
        "    ding: {type: dingtalk, url: 'https://oapi.dingtalk.com/robot/send?access_token=${T_DING}', secret: '${T_SIGN}'}\n"
        "    fei: {type: feishu, url: 'https://open.feishu.cn/open-apis/bot/v2/hook/${T_FEI}'}\n"
        "    mail: {type: email, host: 127.0.0.1, password: literalpass1}\n"
        "store:\n  elasticsearch: {password: '${T_ES}', hosts: ['http://elastic:${T_ES}@127.0.0.1:9200']}\n",
        encoding="utf-8")
    secrets = {"T_ANA": "tokAAAA1111", "T_DING": "dingBBBB2222", "T_SIGN": "SECsignCCCC3333",
               "T_FEI": "feiDDDD4444eeee", "T_ES": "esEEEE5555"}
    env = dict(__import__("os").environ, **secrets)
    for action in ("show", "template"):
        done = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(path), "config", action],
                              capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        leaked = [name for name, value in secrets.items() if value in done.stdout]
        assert leaked == [], f"config {action} printed {leaked}"
        if action == "template":
            assert "${T_DING}" in done.stdout and "${T_ANA}" in done.stdout  # the references, not the values
            regenerated = tmp_path / "again.yaml"
            regenerated.write_text(done.stdout, encoding="utf-8")
            assert load_config(regenerated, environ=secrets)["web.users"]["ana"]["token"] == "tokAAAA1111"
        else:
            assert "literalpass1" not in done.stdout
