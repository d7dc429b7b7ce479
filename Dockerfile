# The bot, slim and unprivileged: `docker build -t qovery-slack .` then run it with the variables of
# the README (PostgreSQL's DATABASE_URL to run several replicas). Every package it installs is one of
# requirements/run.txt, checked against the lock's hashes; the base image is an exact release.
FROM python:3.11.13-slim-bookworm AS build
WORKDIR /src
COPY requirements/run.txt requirements/run.txt
# The lock carries the build backend too: the wheel is built with it, not with whatever is newest.
RUN pip install --no-cache-dir --require-hashes -r requirements/run.txt
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels .

FROM python:3.11.13-slim-bookworm
RUN useradd --create-home --uid 10001 bot
COPY requirements/run.txt /tmp/run.txt
RUN pip install --no-cache-dir --require-hashes -r /tmp/run.txt && rm /tmp/run.txt
COPY --from=build /wheels /wheels
# The bot's own wheel alone: its dependencies are the lock's, installed above.
RUN pip install --no-cache-dir --no-deps /wheels/*.whl && rm -rf /wheels
USER bot
WORKDIR /home/bot
# The embedded SQLite database lives in a volume; set DATABASE_URL to PostgreSQL to run several replicas.
ENV PORT=3000 \
    DATABASE_URL=sqlite+aiosqlite:////home/bot/data/qovery-slack.db
VOLUME /home/bot/data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=3)"]
CMD ["qovery-slack", "serve"]
