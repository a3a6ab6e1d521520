"""A planted secret never shows: not in `config show`, errors, logs, the dashboard, or files.

A recognisable random string goes into every secret setting (the Kafka SASL password, secret
catalog properties, passwords inside catalog URIs). Then the test runs what a user runs —
`config show` (text and JSON), `supplylake sql` succeeding and failing (unknown table, refused
statements, a catalog that cannot be reached), a broker that cannot be reached with those
credentials, the dashboard — and greps everything written: stdout, stderr and logs of each run,
file-descriptor output of librdkafka, the page's elements and every file under the data dir.
"""

from __future__ import annotations

import json
import secrets
import socket
import warnings
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from supplylake.broker.connection import BrokerConnection, cluster_id_of
from supplylake.broker.embedded import BrokerError
from supplylake.settings import load_settings
from tests.support.cli_runs import Outcome, supplylake

SECRET = f"planted-{secrets.token_hex(8)}"
HOME = str(Path(__file__).resolve().parents[3] / "app" / "Home.py")


def _secret_properties() -> dict[str, str]:
    return {
        "s3.secret-access-key": SECRET,
        "s3.access-key-id": f"{SECRET}-id",
        "s3.session-token": SECRET,
        "token": SECRET,
        "credential": f"client:{SECRET}",
        "header.Authorization": f"Bearer {SECRET}",
        "adls.account-key": SECRET,
        "gcs.oauth2.token": SECRET,
    }


def _environment(data_dir: Path, catalog: dict[str, str]) -> dict[str, str]:
    return {
        "SUPPLYLAKE_DATA_DIR": str(data_dir),
        "SUPPLYLAKE_LOG_LEVEL": "DEBUG",
        "SUPPLYLAKE_KAFKA__SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "SUPPLYLAKE_KAFKA__SASL_MECHANISM": "PLAIN",
        "SUPPLYLAKE_KAFKA__SASL_USERNAME": "analyst",
        "SUPPLYLAKE_KAFKA__SASL_PASSWORD": SECRET,
        "SUPPLYLAKE_CATALOG__PROPERTIES": json.dumps({**catalog, **_secret_properties()}),
    }


def _working_lake(data_dir: Path) -> dict[str, str]:
    lake = data_dir / "lake"
    (lake / "warehouse").mkdir(parents=True)
    return {"type": "sql", "uri": f"sqlite:///{lake / 'catalog.db'}", "warehouse": f"file://{lake / 'warehouse'}"}


UNREACHABLE_CATALOGS = {
    "postgres": {"type": "sql", "uri": f"postgresql://analyst:{SECRET}@127.0.0.1:9/lake", "warehouse": "file:///x"},
    "rest": {"type": "rest", "uri": f"http://analyst:{SECRET}@127.0.0.1:9/catalog"},
}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _assert_no_secret(where: str, text: str) -> None:
    assert SECRET not in text, f"the planted secret leaked into {where}:\n{text}"


def _assert_outcome_clean(what: str, outcome: Outcome) -> None:
    _assert_no_secret(f"stdout of {what}", outcome.stdout)
    _assert_no_secret(f"stderr of {what}", outcome.stderr)


def test_config_show_and_sql_never_print_a_secret(tmp_path: Path) -> None:
    env = _environment(tmp_path, _working_lake(tmp_path))
    runs = {
        "config show": supplylake("config", "show", env=env),
        "config show --json": supplylake("config", "show", "--json", env=env),
        "a query": supplylake("sql", "SELECT 42 AS answer", env=env),
        "an unknown table": supplylake("sql", "SELECT * FROM no_such_table", env=env),
        "a refused COPY": supplylake("sql", "COPY (SELECT 1) TO '/tmp/x.csv'", env=env),
        "a refused getenv": supplylake("sql", "SELECT getenv('SUPPLYLAKE_KAFKA__SASL_PASSWORD')", env=env),
        "a syntax error": supplylake("sql", f"SELECT '{SECRET[:4]}' FROM WHERE", env=env),
    }
    for what, outcome in runs.items():
        _assert_outcome_clean(what, outcome)
    shown = json.loads(runs["config show --json"].stdout)
    assert shown["kafka"]["sasl_password"] == "***"
    assert set(shown["catalog"]["properties"].values()) >= {"***"}
    assert "42" in runs["a query"].stdout
    for failed in ("an unknown table", "a refused COPY", "a refused getenv"):
        assert runs[failed].returncode == 1 and runs[failed].stderr.startswith("error: "), runs[failed]
    _assert_no_file_holds_the_secret(tmp_path)


@pytest.mark.parametrize("kind", sorted(UNREACHABLE_CATALOGS))
def test_an_unreachable_catalog_fails_in_one_line_without_its_secret(tmp_path: Path, kind: str) -> None:
    env = _environment(tmp_path, UNREACHABLE_CATALOGS[kind])
    shown = supplylake("config", "show", env=env)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # pyiceberg's REST client warns quoting its URI
        failed = supplylake("sql", "SELECT 1", env=env)
    _assert_no_secret("warnings", "\n".join(str(warning.message) for warning in caught))
    _assert_outcome_clean("config show", shown)
    _assert_outcome_clean("sql against an unreachable catalog", failed)
    assert "analyst:***@127.0.0.1" in shown.stdout
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert lines[-1].startswith("error: cannot open the Iceberg catalog") and "Hint:" in lines[-1], failed.stderr
    assert "analyst:***@127.0.0.1" in lines[-1]


def test_an_unreachable_broker_never_shows_the_sasl_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    for key, value in _environment(tmp_path, _working_lake(tmp_path)).items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    client_config = settings.kafka.client_config()
    assert client_config["sasl.password"] == SECRET  # librdkafka does get it
    bootstrap = f"127.0.0.1:{_closed_port()}"
    with pytest.raises(BrokerError) as caught:
        cluster_id_of(bootstrap, client_config, timeout_s=1.0)
    connection = BrokerConnection(bootstrap, "cluster", False, client_config)
    captured = capfd.readouterr()  # librdkafka writes its own log lines to the process's stderr
    _assert_no_secret("the broker error", caught.value.one_line())
    _assert_no_secret("a printed BrokerConnection", f"{connection!r} {connection}")
    _assert_no_secret("librdkafka's output", captured.out + captured.err)


@pytest.mark.parametrize("catalog", ["working", "postgres"])
def test_the_dashboard_never_shows_a_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str], catalog: str
) -> None:
    properties = _working_lake(tmp_path) if catalog == "working" else UNREACHABLE_CATALOGS[catalog]
    for key, value in _environment(tmp_path, properties).items():
        monkeypatch.setenv(key, value)
    st.cache_resource.clear()  # the page caches its reader per process: open this catalog
    app = AppTest.from_file(HOME, default_timeout=60).run()
    page = [str(element.value) for element in (*app.metric, *app.caption, *app.markdown, *app.title, *app.subheader)]
    for exception in app.exception:
        page += [str(exception.value), *exception.stack_trace]
    captured = capfd.readouterr()  # Streamlit logs a failing script's traceback on stderr
    _assert_no_secret("the dashboard's output", captured.out + captured.err)
    if catalog == "working":
        assert not app.exception
    else:
        assert app.exception and "analyst:***@127.0.0.1" in str(app.exception[0].value)
    _assert_no_secret("the dashboard", "\n".join(page))
    _assert_no_file_holds_the_secret(tmp_path)


def _assert_no_file_holds_the_secret(root: Path) -> None:
    files = [path for path in root.rglob("*") if path.is_file()]
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), f"the planted secret is in {path}"
