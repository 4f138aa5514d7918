"""Crawlers (采集): Scrapy spiders, pipelines and the crawl stage; see crawlers/stage.py."""
