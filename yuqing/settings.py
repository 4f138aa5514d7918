"""Settings of the composition package: store, service, web UI, import, logging."""
from yuqing.config import Setting, not_negative, positive, zero_or_more
from yuqing.records import SOURCE_TYPES


def _users(value):
    from yuqing.users import check_users

    return check_users(value)


_keep_forever = zero_or_more("keep forever")


def _storm_factor(value):
    return None if 0 < value <= 1 else "must be greater than 0 and at most 1 (0.2: five times as often)"


SETTINGS = [
    # store
    Setting("store.backend", "sqlite", "Which store holds the data: the embedded SQLite file, or an "
            "Elasticsearch cluster for more than one machine.", choices=("sqlite", "elasticsearch")),
    Setting("store.path", "data/yuqing.sqlite", "The embedded store's file (SQLite, WAL mode). Also "
            "where the Elasticsearch backend keeps its local spool and job state.", type="path"),
    Setting("store.elasticsearch.hosts", ["http://127.0.0.1:9200"], "Elasticsearch node URLs.", type=list),
    Setting("store.elasticsearch.username", "", "Elasticsearch user; use ${ES_USER} to read it from the environment."),
    Setting("store.elasticsearch.password", "", "Elasticsearch password; use ${ES_PASSWORD}.", secret=True),
    Setting("store.elasticsearch.index_prefix", "yuqing", "Prefix of every index and template the engine creates."),
    Setting("store.elasticsearch.shards", 1, "Primary shards of each monthly document index and of the analyses "
            "index (the index template); more shards spread a storm's writes over the nodes of a cluster. Applies "
            "to indices created after the change.", type=int, check=positive),
    Setting("store.elasticsearch.replicas", 0, "Replicas of every index the engine creates; 1 or more on a "
            "cluster of three nodes, so that a stopped node loses nothing and searches go on. Existing indices: "
            "PUT /yuqing-*/_settings {\"number_of_replicas\": N}.", type=int, check=not_negative),
    Setting("store.elasticsearch.request_timeout", 30.0, "Seconds before an Elasticsearch request fails.",
            type=float, check=positive),
    Setting("store.elasticsearch.retry_max_seconds", 300.0, "Longest wait between retries while Elasticsearch "
            "is unreachable; accepted documents wait in the local spool meanwhile.", type=float, check=positive),
    Setting("store.batch_size", 2000, "Documents written per transaction or bulk request.", type=int,
            check=positive),
    Setting("store.retention_days", 365, "Days documents and their analyses are kept after they were collected "
            "(or published, when the source gave no collection time); older ones are deleted by the service's "
            "daily purge and by `yuqing purge`. 0 keeps them forever.", type=int, check=_keep_forever),
    # requests for help (personal data)
    Setting("rescue.retention_days", 30, "Days the personal data of a request for help (phones, names, addresses, "
            "ID numbers) is kept after the request was last seen; then it is erased from the request and masked "
            "in the alert built from it, keeping street, needs, counts and times for statistics. 0 keeps it "
            "forever.", type=int, check=_keep_forever),
    # storm mode (平急转换): everything it changes, in one place (read through yuqing/storm.py)
    Setting("storm.keywords", ["求救", "被困", "救援"], "While storm mode is on, the search and social sources also "
            "search these words, after the event's own keywords and places (given when switching on: `yuqing desk "
            "storm on --keywords … --places …`).", type=list),
    Setting("storm.crawl_interval_factor", 0.2, "While storm mode is on, every source's crawl interval is "
            "multiplied by this (0.2: a source crawled every 10 minutes is crawled every 2), and each source is "
            "crawled once at once.", type=float, check=_storm_factor),
    Setting("storm.min_crawl_interval", 30, "The shortest crawl interval storm mode makes, in seconds (politeness to "
            "the sites); a source whose own interval is shorter keeps it.", type=int, check=positive),
    Setting("storm.auto_on_red_warning", True, "Switch storm mode on by itself (audited as `system`) when a red "
            "natural-disaster alert is raised; requests for help, rumours and frauds do not count as a warning. "
            "Storm mode is never switched off by itself.", type=bool),
    Setting("storm.auto_requests", 10, "Switch storm mode on by itself when this many new requests for help reach "
            "the desk's board within `storm.auto_minutes` (counted since the last switch); 0 turns this off.",
            type=int, check=zero_or_more("off")),
    Setting("storm.auto_minutes", 10.0, "The window of `storm.auto_requests`, in minutes.", type=float,
            check=positive),
    Setting("storm.desk_contacts", [], "The desk (救援台): contacts (e-mail addresses; phone numbers or user ids for "
            "chat @-mentions) that get every request for help and every disaster rumour or fraud card while storm "
            "mode is on, whatever its severity or route; personal data masked as in every notification.",
            type=list),
    Setting("storm.desk_notifiers", [], "The notifiers (names in `alerts.notifiers`) that carry the desk's cards "
            "while storm mode is on; empty: every configured notifier.", type=list),
    # service
    Setting("service.timezone", "Asia/Shanghai", "Zone for schedules and for times without an offset."),
    Setting("service.analyze_interval", 30, "Seconds between runs of the analysis stage.", type=int, check=positive),
    Setting("service.cluster_interval", 300, "Seconds between re-clustering runs.", type=int, check=positive),
    Setting("service.alert_interval", 30, "Seconds between evaluations of the alert rules.", type=int,
            check=positive),
    Setting("service.calendar_interval", 86400, "Seconds between runs of the calendar warning job.", type=int,
            check=positive),
    Setting("service.purge_interval", 86400, "Seconds between runs of the retention purge (store.retention_days, "
            "rescue.retention_days); the job is left out when both are 0.", type=int, check=positive),
    Setting("service.misfire_grace_seconds", 60, "A job that missed its time by less than this still runs.",
            type=int, check=positive),
    Setting("service.retry_seconds", 60, "After a failed run, how long before the job is tried again.", type=int,
            check=positive),
    Setting("service.demo", False, "Serve the bundled replay site and crawl it (the demo of `make run`).",
            type=bool),
    # web
    Setting("web.enabled", True, "Serve the analyst web UI from `yuqing run`.", type=bool),
    Setting("web.host", "127.0.0.1", "Address the web UI listens on."),
    Setting("web.port", 8686, "Port of the web UI.", type=int),
    Setting("web.users", {}, "Users of the web UI: name → {role: viewer|analyst|responder|admin|owner, token: "
            "${ENV}, password_hash: ${ENV}, streets: [民治街道, …], projects: [id, …]}. Only analysts, responders and "
            "admins see phone numbers and addresses in full; only admins read the audit log (/admin/audit). A user "
            "with `streets` sees only those streets' alerts, incidents, documents, requests for help and "
            "statistics (absent: all streets). An owner (项目负责人) sees only the 稳评 pages of the projects in "
            "`projects` and of those they create, never the queue. password_hash is made by `python -m yuqing.users "
            "hash-password`; sign in at /login with the token or the name and password.",
            type=dict, check=_users),
    Setting("web.session_hours", 12.0, "How long a sign-in at /login (or with ?token=) lasts. The session "
            "cookie is signed with the key in the environment variable YUQING_SESSION_SECRET; without it a "
            "random key is made at each start, so restarting the service signs everyone out.",
            type=float, check=positive),
    Setting("web.refresh_seconds", 30, "How often the alert queue page asks the service for new alerts (it "
            "shows a banner with the count and keeps the analyst's place; it never reloads by itself).",
            type=int, check=positive),
    # import
    Setting("import.columns", {"id": ["id", "编号", "工单号"], "text": ["text", "内容", "诉求内容", "正文"],
                               "published_at": ["published_at", "时间", "来电时间", "发布时间"],
                               "title": ["title", "标题"], "author": ["author", "作者", "来电人"],
                               "place": ["place", "地址", "地点", "事发地址"], "url": ["url", "链接"]},
            "Column mapping for CSV and XLSX imports: contract field → accepted column headers, first match "
            "wins. A row without an id gets one from the file name and its content.", type=dict),
    Setting("import.source", "import", "The `source` given to imported documents that have none."),
    Setting("import.source_type", "import", "The `source_type` given to imported documents that have none.",
            choices=SOURCE_TYPES),
    # logging
    Setting("log.level", "INFO", "Logging level.", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    Setting("log.file", "", "Also write the log to this file (rotated daily); empty for stderr only.", type="path"),
]
