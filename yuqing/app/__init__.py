"""The application layer: the command line, its commands, the service's scheduler, the web workbench
and the configuration template. It composes the stages; nothing below it imports it
(``tests/test_layers.py``)."""
