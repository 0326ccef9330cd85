# egovkit in a container, built from the wheel (docs/operations.md, "Containers").
#   docker build -t egovkit .
#   docker compose run --rm web init --profile banyuwangi   # once: makes the instance in the volume
#   docker compose up -d
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -c constraints.txt ".[postgres,redis]"

FROM python:3.11-slim
# pg_dump/pg_restore for `egovkit backup` and `upgrade` on PostgreSQL
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/egovkit egovkit \
    && mkdir /instance && chown egovkit:egovkit /instance
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels "egovkit[postgres,redis]" && rm -rf /wheels
USER egovkit
VOLUME /instance
EXPOSE 8000
ENTRYPOINT ["egovkit", "--instance", "/instance"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
