#!/usr/bin/env bash
# Starts the action server and the Rasa server (REST + socketio, --enable-api) on localhost.
# Ctrl-C stops both. Usage: scripts/run.sh MODEL [shell]
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1
mode=${2:-server}
RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
CORS_ORIGINS=${CORS_ORIGINS:-"http://localhost:${RASA_PORT} http://127.0.0.1:${RASA_PORT}"}
mkdir -p var logs
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
# `rasa` with the known third-party warnings filtered (assistant_runtime/warning_filters.py).
rasa=(.venv/bin/python -m assistant_runtime)

.venv/bin/rasa run actions --port "$ACTION_PORT" >logs/actions.log 2>&1 &
actions_pid=$!
stop() { kill "$actions_pid" 2>/dev/null || true; wait "$actions_pid" 2>/dev/null || true; }
trap stop EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 120); do
  if curl -sf "http://localhost:${ACTION_PORT}/health" >/dev/null; then break; fi
  if ! kill -0 "$actions_pid" 2>/dev/null; then echo "action server failed; see logs/actions.log" >&2; exit 1; fi
  sleep 0.5
done

if [ "$mode" = shell ]; then
  echo "Model: $model; action server http://localhost:${ACTION_PORT} (log: logs/actions.log)"
  echo "Conversations are stored in var/tracker.db. Type /stop to quit."
  "${rasa[@]}" shell -m "$model" --endpoints endpoints.yml
else
  echo "Action server: http://localhost:${ACTION_PORT} (log: logs/actions.log)"
  echo "Rasa server:   http://localhost:${RASA_PORT}  (REST: POST /webhooks/rest/webhook, NLU: POST /model/parse)"
  echo "Web chat:      http://localhost:${RASA_PORT}/webhooks/chat/"
  echo "Model:         $model"
  echo "Conversations are stored in var/tracker.db. Press Ctrl-C to stop."
  # shellcheck disable=SC2086
  "${rasa[@]}" run -m "$model" --enable-api --port "$RASA_PORT" \
    --endpoints endpoints.yml --credentials credentials.yml --cors $CORS_ORIGINS
fi
