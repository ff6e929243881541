#!/usr/bin/env bash
# Starts the action server and the Rasa server (REST + socketio + HTTP API) on 127.0.0.1.
# Ctrl-C stops both. Usage: scripts/run.sh MODEL [shell]
#
# The HTTP API (/model/parse, /conversations/..., /model) needs a token: RASA_TOKEN if set,
# otherwise the one in var/rasa_token (generated on first run, mode 600). Pass it as
# `?token=...` on API calls. The channels (/webhooks/...) need no token.
# RASA_HOST / ACTION_HOST choose the interfaces (default 127.0.0.1: reachable from this machine only).
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1
mode=${2:-server}
RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
RASA_HOST=${RASA_HOST:-127.0.0.1}
ACTION_HOST=${ACTION_HOST:-127.0.0.1}
CORS_ORIGINS=${CORS_ORIGINS:-"http://localhost:${RASA_PORT} http://127.0.0.1:${RASA_PORT}"}
mkdir -p var logs
chmod 700 var
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
# `rasa` with the known third-party warnings filtered (assistant_runtime/warning_filters.py).
rasa=(.venv/bin/python -m assistant_runtime)

token_file=var/rasa_token
if [ -n "${RASA_TOKEN:-}" ]; then
  token=$RASA_TOKEN
  token_source="RASA_TOKEN"
else
  if [ ! -s "$token_file" ]; then
    (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(32))" >"$token_file")
  fi
  chmod 600 "$token_file"
  token=$(cat "$token_file")
  token_source="$token_file"
fi

# endpoints.yml names the default action port; another ACTION_PORT gets a copy pointing at it.
endpoints=endpoints.yml
if [ "$ACTION_PORT" != 5055 ]; then
  endpoints=var/endpoints.yml
  sed "s#http://127.0.0.1:5055/webhook#http://127.0.0.1:${ACTION_PORT}/webhook#" endpoints.yml >"$endpoints"
fi

SANIC_HOST=$ACTION_HOST .venv/bin/rasa run actions --port "$ACTION_PORT" >logs/actions.log 2>&1 &
actions_pid=$!
stop() { kill "$actions_pid" 2>/dev/null || true; wait "$actions_pid" 2>/dev/null || true; }
trap stop EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:${ACTION_PORT}/health" >/dev/null; then break; fi
  if ! kill -0 "$actions_pid" 2>/dev/null; then echo "action server failed; see logs/actions.log" >&2; exit 1; fi
  sleep 0.5
done

if [ "$mode" = shell ]; then
  echo "Model: $model; action server http://localhost:${ACTION_PORT} (log: logs/actions.log)"
  echo "Conversations are stored in var/tracker.db. Type /stop to quit."
  "${rasa[@]}" shell -m "$model" --endpoints "$endpoints"
else
  echo "Action server: http://${ACTION_HOST}:${ACTION_PORT} (log: logs/actions.log)"
  echo "Rasa server:   http://${RASA_HOST}:${RASA_PORT}  (REST: POST /webhooks/rest/webhook)"
  echo "HTTP API token: in ${token_source} (e.g. curl -X POST 'http://127.0.0.1:${RASA_PORT}/model/parse?token=TOKEN' -d '{\"text\":\"你好\"}')"
  echo "Web chat:      http://${RASA_HOST}:${RASA_PORT}/webhooks/chat/"
  echo "Model:         $model"
  echo "Conversations are stored in var/tracker.db. Press Ctrl-C to stop."
  # shellcheck disable=SC2086
  "${rasa[@]}" run -m "$model" --enable-api --auth-token="$token" -i "$RASA_HOST" --port "$RASA_PORT" \
    --endpoints "$endpoints" --credentials credentials.yml --cors $CORS_ORIGINS
fi
