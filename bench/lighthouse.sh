#!/usr/bin/env bash
# Lighthouse (mobile) on the flagship brief, served from output/ on 127.0.0.1, run against
# Debian's Chromium. Prints the four category scores; the full report goes to
# test-artifacts/lighthouse.json.   Usage: bash bench/lighthouse.sh   (after a build)
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.cache/lighthouse
if [ ! -x "$tools/node_modules/.bin/lighthouse" ]; then
  npm install --silent --no-audit --no-fund --prefix "$tools" lighthouse@12.2.3 >/dev/null
fi
[ -f output/index.html ] || python -m site_builder build -q
port=8791
python -m http.server "$port" --bind 127.0.0.1 --directory output >/dev/null 2>&1 &
server=$!
trap 'kill $server' EXIT
sleep 1
mkdir -p test-artifacts
CHROME_PATH=/usr/bin/chromium "$tools/node_modules/.bin/lighthouse" \
  "http://127.0.0.1:$port/briefs/us-trade-deficit-2024/" \
  --quiet --output=json --output-path=test-artifacts/lighthouse.json \
  --form-factor=mobile --only-categories=performance,accessibility,best-practices,seo \
  --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
python - <<'PY'
import json
report = json.load(open("test-artifacts/lighthouse.json"))
for key, category in report["categories"].items():
    print(f"{category['title']:<16} {round(category['score'] * 100):>4}")
PY
