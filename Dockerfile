# supplylake image for the scale-out setup (docker-compose.yml). Runtime pins only
# (requirements.lock): no test, lint or type-check tools in the image.
FROM python:3.11-slim
WORKDIR /opt/supplylake
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY supplylake ./supplylake
COPY pipelines ./pipelines
COPY app ./app
COPY sql ./sql
# A regular (non-editable) install: app/ and sql/ ship inside the package, so the sources can go.
# Removing them also keeps `python -m ...` (cwd first on sys.path) from importing the unmapped sources.
RUN pip install --no-cache-dir --no-deps . && cd /opt/supplylake && rm -rf supplylake pipelines app sql build *.egg-info
ENTRYPOINT ["supplylake"]
