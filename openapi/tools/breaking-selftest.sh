#!/usr/bin/env bash
# Proves the breaking-change gate can fail: a copy of the spec whose token request gains a
# required field must be refused by `oasdiff breaking --fail-on ERR`.
set -euo pipefail
cd "$(dirname "$0")/../.."
oasdiff=${OASDIFF:-go run github.com/oasdiff/oasdiff@v1.35.0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Add scope__v to TokenRequest's properties and to its required list (the bundle writes the
# list one item a line).
awk '
  /^    TokenRequest:$/ { in_req = 1 }
  in_req && /^        - name__v$/ { print; print "        - scope__v"; next }
  in_req && /^      properties:$/ {
    print; print "        scope__v:"; print "          type: string"; print "          description: A new required field."; in_req = 0; next
  }
  { print }
' openapi/vault-api.yaml > "$tmp/broken.yaml"
grep -q '^        - scope__v$' "$tmp/broken.yaml" || { echo "selftest: could not build the broken spec"; exit 1; }

if $oasdiff breaking --fail-on ERR openapi/vault-api.yaml "$tmp/broken.yaml" > "$tmp/out.txt" 2>&1; then
  cat "$tmp/out.txt"
  echo "selftest: FAILED: the gate accepted a new required request field"
  exit 1
fi
grep -q 'scope__v' "$tmp/out.txt" || { cat "$tmp/out.txt"; echo "selftest: FAILED: the gate failed for another reason"; exit 1; }
echo "selftest: PASSED. The gate refused a new required request field, as it should; the"
echo "selftest: lines below are the refusal it printed for the broken copy, not a failure:"
sed 's/^/  (expected) /' "$tmp/out.txt"
