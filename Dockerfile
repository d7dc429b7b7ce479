# The bot, slim and unprivileged: `docker build -t qovery-slack .` then run it with the variables of
# the README (PostgreSQL's DATABASE_URL to run several replicas).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 bot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
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
