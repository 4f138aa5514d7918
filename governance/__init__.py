"""Data governance (数据治理): retention and purge (retention.py), the audit log (audit.py)."""
