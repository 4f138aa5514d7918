"""Evaluation on real text: labelling guidelines, the labelling tool, frozen splits, the scorer.

Texts stay in ``../shared/data``; this package keeps only ids, hashes and labels.
"""
