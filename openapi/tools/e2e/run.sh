#!/usr/bin/env bash
# Runs clients generated from openapi/vault-api.yaml by other languages' generators against
# the fake Vault (`vault-token-fake`, which `vault-token fake` runs): each logs in (with a
# password, and with OAuth), lists the versions, creates four tokens (for a user, for itself
# with an expiry, in two sandboxes) and reads a FAILURE envelope. Fails when a step fails or
# when the fake reports any spec violation.
# `make spec-e2e` runs it.
#
# Usage: run.sh PROGRAM...  (each is run as PROGRAM HOST:PORT IDP_TOKEN, with the fake's CA
# trusted; IDP_TOKEN is the identity provider token the fake printed for
# integration@veepharm.com)
set -euo pipefail
cd "$(dirname "$0")/../../.."
work=$(mktemp -d)
trap 'kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/vault-token-fake" ./cmd/vault-token-fake
"$work/vault-token-fake" --addr 127.0.0.1:0 --cert-out "$work/fake.pem" >"$work/addr" 2>"$work/fake.log" &
fake_pid=$!
for _ in $(seq 100); do grep -q "Stop with Ctrl-C" "$work/fake.log" 2>/dev/null && break; sleep 0.1; done
dns=$(head -n 1 "$work/addr")
idp_token=$(awk '$1 == "integration@veepharm.com" && NF == 2 { print $2 }' "$work/fake.log")
[ -n "$dns" ] && [ -n "$idp_token" ] || { echo "e2e: the fake did not start"; cat "$work/fake.log"; exit 1; }
echo "e2e: the fake Vault is at $dns"

status=0
for program in "$@"; do
  echo "== $program"
  # Node's fetch trusts the fake's certificate through NODE_EXTRA_CA_CERTS, Go through
  # SSL_CERT_FILE: no client is told to skip certificate checks.
  NODE_EXTRA_CA_CERTS="$work/fake.pem" SSL_CERT_FILE="$work/fake.pem" $program "$dns" "$idp_token" || status=1
done

if grep -q "SPEC VIOLATION" "$work/fake.log"; then
  echo "e2e: the fake Vault reported spec violations:"
  grep "SPEC VIOLATION" "$work/fake.log"
  status=1
fi
[ "$status" = 0 ] && echo "e2e: every client passed, and the fake saw no spec violation"
exit "$status"
