"""The deployment's Redis connection and key names."""
from __future__ import annotations

from dataclasses import dataclass

from yuqing.config import Config
from yuqing.errors import ConfigError


@dataclass(frozen=True)
class Keys:
    """Every Redis key of one deployment, under its prefix (``deployment.key_prefix``)."""

    prefix: str = "yuqing"

    def lease(self, name: str) -> str:
        return f"{self.prefix}:lease:{name}"

    def lease_token(self, name: str) -> str:
        return f"{self.prefix}:lease:{name}:token"

    def fence(self, name: str) -> str:
        return f"{self.prefix}:fence:{name}"

    @property
    def stream(self) -> str:
        return f"{self.prefix}:stream:documents"

    def process(self, process_id: str) -> str:
        return f"{self.prefix}:process:{process_id}"

    @property
    def processes(self) -> str:
        return f"{self.prefix}:process:*"


def redis_url(config: Config) -> str:
    """``deployment.redis_url``, else ``crawl.redis_url``; a :class:`ConfigError` saying how to set one."""
    url = config["deployment.redis_url"] or config.section("crawl").get("redis_url", "")
    if not url:
        raise ConfigError("the roles of a multi-machine deployment share a Redis: set deployment.redis_url "
                          "(e.g. -s deployment.redis_url=redis://127.0.0.1:6379/0), or run --role all")
    return url


def connect(config: Config):
    """A Redis client of the deployment (answers ``str``); checked with a PING."""
    import redis

    url = redis_url(config)
    client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5,
                                  health_check_interval=30)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ConfigError(f"deployment.redis_url: cannot reach {url} ({exc}); start Redis or fix the URL") from None
    return client


def keys(config: Config) -> Keys:
    return Keys(config["deployment.key_prefix"])
