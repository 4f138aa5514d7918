"""The web UI's pages, one module per area; each defines ``routes(web) -> list[Route]``."""
