#!/usr/bin/env bash
# Prints the path of a working Python 3.10 (Rasa 3.6 does not run on 3.11): PATH first, then pyenv.
set -u
works() { "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }
for candidate in python3.10 python3 python; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if works "$path"; then echo "$path"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for path in "$root"/versions/3.10.*/bin/python3.10; do
    if [ -x "$path" ] && works "$path"; then echo "$path"; exit 0; fi
  done
fi
for path in /root/.pyenv/versions/3.10.*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  if [ -x "$path" ] && works "$path"; then echo "$path"; exit 0; fi
done
echo "error: Python 3.10 not found (Rasa 3.6 needs it). Install it, e.g. 'pyenv install 3.10.13'." >&2
exit 1
