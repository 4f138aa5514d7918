"""Settings of the NLP extraction stage (the ``nlp.`` section of ``config.yaml``).

The trained models (sentiment, category, harmful, rescue classifier, cascade) declare theirs in
``nlp/model_settings.py``.
"""
from yuqing.config import Setting, positive, unit


SETTINGS = [
    Setting("nlp.home_city", "深圳市", "The city the engine watches: a place name found in several cities "
            "(same street name in two cities) is read as the one in this city when nothing else tells."),
    Setting("nlp.user_words", [], "Extra words for jieba segmentation (estate names, local slang), a list "
            "of strings.", type=list),
    Setting("nlp.user_dict", "", "A jieba user dictionary file (one word per line, optional frequency and "
            "tag), added after the engine's own lexicons; empty for none.", type="path"),
    Setting("nlp.gazetteer_file", "", "A YAML file of local places (communities, estates, parks, landmarks) "
            "mapped to their street, in the format of nlp/data/shenzhen_places.yaml; it extends the bundled "
            "one. Empty for none.", type="path"),
    Setting("nlp.rescue_threshold", 0.5, "A post whose rule-based request score (nlp.rescue.request_score) "
            "reaches this is treated as a request for help when no trained classifier is installed.",
            type=float, check=unit),
    Setting("nlp.rescue_merge_similarity", 0.8, "Two rescue posts whose character-shingle Jaccard "
            "similarity reaches this are the same request (reposts, paraphrases).", type=float, check=unit),
    Setting("nlp.keywords_count", 8, "Keywords kept per document.", type=int,
            check=positive),
]
