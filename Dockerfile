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
RUN pip install --no-cache-dir --no-deps . && rm -rf /opt/supplylake/supplylake /opt/supplylake/pipelines \
    /opt/supplylake/app /opt/supplylake/sql /opt/supplylake/build
ENTRYPOINT ["supplylake"]
