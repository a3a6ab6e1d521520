# supplylake image for the scale-out setup (docker-compose.yml). Same pinned dependencies as .venv.
FROM python:3.11-slim
WORKDIR /opt/supplylake
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY supplylake ./supplylake
COPY pipelines ./pipelines
COPY app ./app
COPY sql ./sql
RUN pip install --no-cache-dir --no-deps -e .
ENTRYPOINT ["supplylake"]
