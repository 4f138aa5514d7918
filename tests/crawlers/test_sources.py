"""crawl.sources validation: errors name the source and the key; defaults are filled in."""
import pytest

from crawlers.sources import validate_sources
from crawlers.spiders import SPIDERS
from crawlers.stage import configured_sources
from yuqing.errors import ConfigError


def test_every_builtin_spider_type_is_registered():
    assert set(SPIDERS.names()) == {"rss", "listing", "forum", "json_api", "search", "sitemap"}


def test_valid_sources_get_defaults():
    sources = validate_sources([
        {"name": "feed", "type": "rss", "url": "http://127.0.0.1/f.xml", "interval": 120},
        {"name": "list", "type": "listing", "start_urls": "http://127.0.0.1/l", "list_item": "li"},
    ], default_interval=900)
    assert sources[0]["interval"] == 120 and sources[0]["fetch_detail"] is False
    assert sources[1]["interval"] == 900 and sources[1]["start_urls"] == ["http://127.0.0.1/l"]
    assert sources[1]["list_link"] == "a::attr(href)"


@pytest.mark.parametrize("entry, words", [
    ({"name": "a", "type": "listing", "start_urls": ["u"]}, ["'a'", "list_item", "required"]),
    ({"name": "b", "type": "rss", "url": "u", "selector": "x"}, ["'b'", "unknown key 'selector'"]),
    ({"name": "c", "type": "nosuch"}, ["'c'", "unknown spider 'nosuch'", "rss"]),
    ({"name": "d", "type": "rss", "url": "u", "interval": "often"}, ["'d'", "interval must be a int"]),
    ({"name": "e", "type": "rss", "url": "u", "interval": 0}, ["'e'", "interval"]),
    ({"name": "f", "type": "pkg.missing.Spider"}, ["'f'", "cannot be imported"]),
    ({"type": "rss", "url": "u"}, ["crawl.sources[0]", "name"]),
    ({"name": "g", "type": "json_api", "url": "u", "items_path": "x", "id_path": "i"}, ["'g'", "text_path"]),
    ({"name": "h", "type": "rss", "url": "u", "source_type": "tv"}, ["'h'", "source_type"]),
])
def test_errors_name_source_and_key(entry, words):
    with pytest.raises(ConfigError) as info:
        validate_sources([entry])
    for word in words:
        assert word in str(info.value)


def test_duplicate_names_rejected():
    entry = {"name": "x", "type": "rss", "url": "u"}
    with pytest.raises(ConfigError, match="used twice"):
        validate_sources([entry, dict(entry)])


def test_config_load_validates_and_drops_disabled(make_config):
    config = make_config([{"name": "on", "type": "rss", "url": "http://127.0.0.1/a"},
                          {"name": "off", "type": "rss", "url": "http://127.0.0.1/b", "enabled": False}])
    assert [s["name"] for s in configured_sources(config)] == ["on"]
    with pytest.raises(ConfigError, match="list_item"):
        make_config([{"name": "bad", "type": "listing", "start_urls": ["http://127.0.0.1/"]}])


def test_dotted_path_spider_is_accepted(make_config):
    config = make_config([{"name": "own", "type": "custom_spider.NoticeBoardSpider", "url": "http://127.0.0.1/"}])
    assert configured_sources(config)[0]["type"] == "custom_spider.NoticeBoardSpider"
