"""One frozen Settings object: every knob is declared once, with its default, env var and help.

The CLI, the gunicorn app factory and the tests all build their Settings here, so a setting cannot
exist in one place and be forgotten in another; ``tests/test_docs.py`` fails when the README does not
document one of them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    backend: str = _setting(
        "whoosh",
        "Storage backend: `whoosh` (the embedded index in the index directory) or `opensearch` "
        "(a cluster, see `SEARCHSVC_OPENSEARCH_*`).",
    )
    index_dir: Path = _setting(
        PROJECT_ROOT / "index", "Directory holding the Whoosh index (created when missing)."
    )
    seeds_dir: Path = _setting(
        PROJECT_ROOT / "seeds", "Documents indexed on first start when the index is empty."
    )
    host: str = _setting("127.0.0.1", "Address `searchsvc serve` binds to.")
    port: int = _setting(8080, "Port `searchsvc serve` binds to.")
    workers: int = _setting(2, "Number of gunicorn worker processes.")
    write_keys: tuple[str, ...] = _setting(
        (), "Comma-separated API keys allowed to write (PUT/DELETE/bulk). No keys: writes refused."
    )
    read_keys: tuple[str, ...] = _setting(
        (), "Comma-separated API keys allowed to read. Empty: reads are public."
    )
    keys_file: Path | None = _setting(
        None, "File of keys, one per line as `read:KEY` or `write:KEY`; added to the env keys."
    )
    cors_origins: tuple[str, ...] = _setting(
        (), "Comma-separated origins allowed by CORS (e.g. the CMS front-end); `*` for any."
    )
    synonyms: Path | None = _setting(
        None,
        "Synonyms file (Solr/Elasticsearch format), applied at query time; `PUT /synonyms` "
        "rewrites it. Unset: `synonyms.txt` in the index directory.",
    )
    max_query_length: int = _setting(1000, "Longest accepted `q`, in characters.")
    max_query_terms: int = _setting(64, "Most terms (words, phrases, prefixes) in one query.")
    max_wildcard_expansion: int = _setting(128, "Most index terms one prefix* may expand to.")
    max_result_window: int = _setting(10_000, "Largest page × per_page a client may ask for.")
    max_body_bytes: int = _setting(10 * 1024 * 1024, "Largest request body accepted by writes.")
    search_time_budget: float = _setting(
        2.0, "Seconds a search may spend matching and scoring before it is refused (400)."
    )
    bulk_batch: int = _setting(
        1000,
        "Documents of a `POST /documents/_bulk` stored per commit (one refresh each); 1 commits "
        "every line on its own.",
    )
    lock_timeout: float = _setting(
        10.0, "Seconds a write waits for the index writer lock before answering 503 index_busy."
    )
    header_timeout: float = _setting(
        5.0,
        "Seconds a client has to send a request line and headers, counted from connecting or "
        "from the previous answer (so also the keep-alive idle time); then the connection closes.",
    )
    body_timeout: float = _setting(
        30.0,
        "Seconds a client has to send a whole request body after its headers; then 408 "
        "request_timeout and the connection closes.",
    )
    worker_connections: int = _setting(
        1000,
        "Connections one worker holds open at once (idle, slow or busy); more wait to connect.",
    )
    max_inflight: int = _setting(
        8,
        "Requests one worker admits at once (one computing, the rest queued behind it); more "
        "answer 503 overloaded with Retry-After at once. /health is never refused.",
    )
    max_queue_wait: float = _setting(
        0.1,
        "Longest a read waits for its worker's turn while the worker is overloaded (its queue "
        "stands and requests arrive faster than turns end): the newest read goes first, and one "
        "that cannot start within one turn's running cost, at most this, answers 503 overloaded "
        "with Retry-After. Queues that drain, and clients that wait for their answers, are served "
        "in turn and never refused for waiting. 0: never overloaded, FIFO with max_inflight alone.",
    )
    fsync: bool = _setting(
        True,
        "Flush every acknowledged write and generation swap to stable storage (fsync) before "
        "answering. false only for throwaway indexes: a power cut may then lose acknowledged writes.",
    )
    metrics_dir: Path | None = _setting(
        None, "Directory for prometheus-client multiprocess files (a temp dir when unset)."
    )
    log_level: str = _setting("info", "Log level: debug, info, warning, error.")
    analytics: bool = _setting(
        True, "Record every search (query, filters, total, latency; never who) for `/stats`."
    )
    analytics_db: Path | None = _setting(
        None,
        "SQLite file of the search analytics (`analytics.sqlite3` in the index dir when unset).",
    )
    analytics_days: int = _setting(90, "Days search analytics are kept before they are deleted.")
    max_export: int = _setting(
        10_000, "Most chunks one `/search.csv` or `/search.ndjson` export streams."
    )
    opensearch_url: str = _setting(
        "", "OpenSearch backend: comma-separated node URLs, e.g. `https://search-1:9200`."
    )
    opensearch_index: str = _setting(
        "searchsvc", "OpenSearch backend: the alias searchsvc reads and writes (indices behind it)."
    )
    opensearch_user: str = _setting("", "OpenSearch backend: basic-auth user name.")
    opensearch_password: str = _setting("", "OpenSearch backend: basic-auth password.")
    opensearch_api_key: str = _setting(
        "", "OpenSearch backend: API key, sent as `Authorization: ApiKey …` (instead of a user)."
    )
    opensearch_verify_certs: bool = _setting(
        True, "OpenSearch backend: verify the cluster's TLS certificate (`true`/`false`)."
    )
    opensearch_ca_file: Path | None = _setting(
        None, "OpenSearch backend: CA bundle that signed the cluster's certificate."
    )
    opensearch_shards: int = _setting(
        1, "OpenSearch backend: primary shards of indices it creates."
    )
    opensearch_replicas: int = _setting(
        1, "OpenSearch backend: replicas of each shard of indices it creates."
    )
    opensearch_timeout: float = _setting(
        30.0, "OpenSearch backend: seconds one request to the cluster may take."
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``SEARCHSVC_*`` variables, then explicit overrides (CLI flags).

        ``None`` overrides are ignored so click options left unset fall through to the environment.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            var = env_var(f.name)
            if var in env and env[var] != "":
                values[f.name] = _coerce(f, env[var])
        for name, value in overrides.items():
            if value is None:
                continue
            f = _field(name)
            values[name] = _coerce(f, value) if isinstance(value, str) else value
        return cls(**values)

    @property
    def analytics_path(self) -> Path:
        """Where the analytics live: beside the index generations unless configured."""
        return self.analytics_db or Path(self.index_dir) / "analytics.sqlite3"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def keys(self) -> tuple[frozenset[str], frozenset[str]]:
        """(read keys, write keys) from the env lists and the keys file together."""
        read, write = set(self.read_keys), set(self.write_keys)
        if self.keys_file is not None:
            try:
                lines = Path(self.keys_file).read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ConfigError(f"cannot read keys file {self.keys_file}: {exc}") from exc
            for line in lines:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                scope, _, key = line.partition(":")
                if scope == "write" and key:
                    write.add(key)
                elif scope == "read" and key:
                    read.add(key)
                else:
                    raise ConfigError(f"keys file line must be read:KEY or write:KEY: {line[:20]}…")
        return frozenset(read), frozenset(write)


def env_var(name: str) -> str:
    return "SEARCHSVC_" + name.upper()


def describe() -> list[tuple[str, str, str]]:
    """(env var, default, help) for every setting: the README's configuration table."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = f.default
        if isinstance(default, Path):
            default = os.path.relpath(default, PROJECT_ROOT)
        elif isinstance(default, bool):
            default = "true" if default else "false"
        elif isinstance(default, tuple):
            default = ",".join(default)
        elif isinstance(default, bool):
            default = "true" if default else "false"
        rows.append((env_var(f.name), "" if default is None else str(default), f.metadata["help"]))
    return rows


def markdown_table() -> str:
    """The README's configuration table, row for row from ``describe()`` (``searchsvc config
    --markdown`` prints it; ``tests/test_docs.py`` checks the README holds exactly this)."""
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for var, default, help_text in describe():
        lines.append(f"| `{var}` | {f'`{default}`' if default else ''} | {help_text} |")
    return "\n".join(lines)


def _field(name: str) -> dataclasses.Field:
    for f in dataclasses.fields(Settings):
        if f.name == name:
            return f
    raise ConfigError(f"unknown setting {name!r}")


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _boolean(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError(raw)


def _coerce(f: dataclasses.Field, raw: str) -> Any:
    kind = str(f.type)
    try:
        if "tuple" in kind:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if "Path" in kind:
            return Path(raw).expanduser()
        if kind == "bool":
            return _boolean(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return _boolean(raw)
        return raw
    except ValueError as exc:
        raise ConfigError(f"{env_var(f.name)}={raw!r} is not a valid {kind}") from exc


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _boolean(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(raw)
