"""Incident detection (事件发现): clusters of posts about one real-world event.

Pipeline, one module per step: :mod:`clustering.embedders` (vectors, cached), :mod:`clustering.reduce`
(PCA), :mod:`clustering.density` (HDBSCAN, sampled for large windows), :mod:`clustering.online`
(assignment between runs), :mod:`clustering.labels` (class-based TF-IDF), :mod:`clustering.facets`
(category, streets, sentiment mix), :mod:`clustering.bursts` (growth and lifecycle),
:mod:`clustering.amplification` (coordinated posting), :mod:`clustering.identity` (stable ids and
lineage) and :mod:`clustering.engine`, which composes them for the stage and the command.
"""
