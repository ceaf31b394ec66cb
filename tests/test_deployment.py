"""The deployment files agree with the code: the container image, the compose file, the proxy.

Nothing here needs Docker: the files are parsed and their promises checked against `Settings`,
`pyproject.toml` and each other (see docs/deployment.md for what cannot be checked here).
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SETTINGS = {f"OKIENKO_{name.upper()}" for name in Settings.model_fields}
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def _interpolate(value: str) -> str:
    """A compose value with every variable at its default (a required one becomes empty)."""
    return _VARIABLE.sub(lambda m: m["arg"] if m["op"] in (":-", "-") else "", value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services = compose["services"]
    assert isinstance(services, dict)
    return services


def _env_file(name: str) -> dict[str, str]:
    """KEY=value lines of an env file, commented-out ones included (they document settings)."""
    found: dict[str, str] = {}
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        match = re.match(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            found[match[1]] = match[2]
    return found


def _okienko_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in _services(compose).items()
        if str(service.get("image", "")).startswith("${OKIENKO_IMAGE")
    }


def _api_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in _okienko_services(compose).items()
        if service.get("command") == ["serve"]
    }


def test_every_okienko_variable_is_a_setting(compose: dict[str, Any]) -> None:
    used = {
        key
        for service in _services(compose).values()
        for key in service.get("environment", {})
        if key.startswith("OKIENKO_")
    }
    documented = {key for key in _env_file("okienko.env.example") if key.startswith("OKIENKO_")}
    assert used, "the compose file wires no setting"
    assert sorted((used | documented) - SETTINGS) == []


def test_the_services_reach_qdrant_redis_and_the_chat_model(compose: dict[str, Any]) -> None:
    services = _services(compose)
    for name, service in _okienko_services(compose).items():
        env = {k: _interpolate(str(v)) for k, v in service["environment"].items()}
        assert env["OKIENKO_QDRANT_URL"] == "http://qdrant:6333", name
        assert env["OKIENKO_REDIS_URL"].endswith("@redis:6379/0"), name
        assert env["OKIENKO_LLM_BASE_URL"] == "http://vllm:8000/v1", name
        # Settings accept what compose passes (URLs, JSON lists), given the required secrets.
        secrets = {
            "OKIENKO_QDRANT_API_KEY": "k",
            "OKIENKO_LLM_API_KEY": "k",
            "OKIENKO_SESSION_SECRET": "k" * 32,
        }
        values = {k.removeprefix("OKIENKO_").lower(): v for k, v in (env | secrets).items()}
        for key in ("llm_stop", "trusted_proxies"):
            if key in values:
                values[key] = json.loads(values[key])
        Settings.model_validate(values)
    assert {"qdrant", "redis", "vllm"} <= services.keys()


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        image = _interpolate(service["image"])
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: {image}"
        assert tag not in ("", "latest"), f"{name}: {image}"
        assert re.search(r"\d", tag), f"{name}: {image} names no version"


def test_long_running_services_have_healthchecks_and_restart(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        if service.get("restart") == "no":  # a job: it exits
            continue
        assert service.get("restart") in ("always", "unless-stopped"), name
        check = service.get("healthcheck", {})
        assert not check.get("disable"), name
        assert check.get("test"), name


def test_at_least_two_api_replicas_are_stateless(compose: dict[str, Any]) -> None:
    replicas = _api_services(compose)
    assert len(replicas) >= 2
    for name, service in replicas.items():
        env = service["environment"]
        # A Qdrant server and Redis: nothing a replica keeps is needed by another.
        assert "OKIENKO_QDRANT_URL" in env, name
        assert "OKIENKO_REDIS_URL" in env, name
        assert "readyz" in " ".join(service["healthcheck"]["test"]), name
    volumes = [v for service in replicas.values() for v in service.get("volumes", [])]
    assert len(volumes) == len(set(volumes)), "replicas must not share a data volume"


def test_the_proxy_sets_the_forwarded_for_header_the_api_trusts(
    compose: dict[str, Any],
) -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    code = "\n".join(line.split("#")[0] for line in caddyfile.splitlines())
    # Set to the connecting address, never appended to what the client sent.
    assert re.search(r"header_up\s+X-Forwarded-For\s+\{remote_host\}", code)
    assert re.search(r"health_uri\s+/readyz", code)
    upstreams = re.search(r"reverse_proxy\s+([^{]+)\{", code)
    assert upstreams
    assert set(upstreams[1].split()) == {f"{name}:8000" for name in _api_services(compose)}

    proxy = _services(compose)["proxy"]
    address = _interpolate(proxy["networks"]["okienko"]["ipv4_address"])
    subnet = _interpolate(compose["networks"]["okienko"]["ipam"]["config"][0]["subnet"])
    assert address.startswith(subnet.rsplit(".", 1)[0] + ".")
    for name, service in _api_services(compose).items():
        trusted = json.loads(_interpolate(service["environment"]["OKIENKO_TRUSTED_PROXIES"]))
        assert trusted == [address], name


def test_the_env_examples_name_every_variable_compose_reads() -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    read = {m["name"] for m in _VARIABLE.finditer(text)}
    assert sorted(read - _env_file(".env.example").keys()) == []


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_image_pins_the_torch_the_project_pins() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (pin,) = [d for d in project["dependencies"] if d.startswith("torch")]
    assert f'"{pin}"' in _dockerfile()
    assert "download.pytorch.org/whl/cpu" in _dockerfile()


def test_the_image_runs_as_a_user_and_checks_readiness() -> None:
    dockerfile = _dockerfile()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users
    assert users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/readyz", dockerfile, flags=re.MULTILINE)
    assert re.search(r"^RUN okienko model", dockerfile, flags=re.MULTILINE)
    assert len(re.findall(r"^FROM ", dockerfile, flags=re.MULTILINE)) >= 2


def test_the_build_context_holds_what_the_image_copies() -> None:
    """.dockerignore excludes everything but an allowlist; each COPY source must be on it."""
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def included(path: str) -> bool:
        # Docker's rule: the last pattern that matches the path or one of its parents wins.
        parts = path.split("/")
        verdict = True
        for rule in rules:
            pattern = rule.removeprefix("!")
            prefixes = ("/".join(parts[: i + 1]) for i in range(len(parts)))
            if any(fnmatch.fnmatchcase(p, pattern) for p in prefixes):
                verdict = rule.startswith("!")
        return verdict

    copied = [
        source
        for line in _dockerfile().splitlines()
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
        if not source.startswith("--")
    ]
    assert copied
    assert [s for s in copied if not included(s)] == []
    assert not included("tests/test_api.py")
    assert not included(".venv/bin/python")
