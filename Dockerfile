FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY storage storage
COPY ingest ingest
COPY optimizer optimizer
COPY api api
COPY simulator simulator
COPY cli cli
RUN pip install --no-cache-dir .
USER nobody
CMD ["wasteroute", "--help"]
