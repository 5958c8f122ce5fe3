#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need on a fresh machine —
# Debian's Chromium for the browser tests, axe-core (npm) for the accessibility tests, the
# package with its test extras in .venv, the OpenSearch launcher of the cluster tests (built with
# Maven now, so its downloads happen here and not inside a test's deadline) — then runs pytest.
# Without arguments it runs the default set: everything but the long variants marked `slow`
# (crash trials, fuzzing, load, the large-vocabulary cases), which `.ci/run` runs next. Arguments
# replace that selection and go to pytest (e.g. `bash scripts/test.sh -m slow`, or a file).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "chromium is not installed and we are not root: browser tests will be skipped" >&2
  fi
fi

# axe-core, injected into Chromium by the accessibility tests (tests/web-deps/package.json).
if command -v npm >/dev/null 2>&1; then
  npm install --silent --no-audit --no-fund --prefix tests/web-deps >/dev/null
else
  echo "npm is not installed: the accessibility tests will be skipped" >&2
fi

# The cluster tests run real OpenSearch nodes: Java 17+ and Maven come with this kind of machine.
for tool in java mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "scripts/test.sh: '$tool' is not installed; the OpenSearch cluster tests need Java 17+ and Maven 3.8+ (deploy/opensearch-dev)" >&2
    exit 1
  fi
done
bash deploy/opensearch-dev/cluster build

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,bench]'
[ "$#" -gt 0 ] || set -- -m "not slow"
exec .venv/bin/python -m pytest --durations=15 "$@"
