"""Training scripts: ``python -m nlp.train.<task>`` reproduces ``nlp/models/<task>/``.

They read the public sets of ``../shared/data`` (never their test splits) and the project's own
labelled sets in ``nlp/datasets`` (never their ``*_test.jsonl``).
"""
