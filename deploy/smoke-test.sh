#!/usr/bin/env bash
# The demo end to end, after `docker compose up --build --wait`: registers a
# new user through the proxy over HTTPS, as a browser would, and checks the
# session cookie and the dashboard.
#
#   bash deploy/smoke-test.sh                      # https://localhost
#   bash deploy/smoke-test.sh https://your.domain  # a real certificate
#
# For localhost, curl trusts Caddy's local CA, copied out of the proxy
# container (CA_CERT=path uses that certificate instead). Nothing is skipped
# with -k: the certificate chain is part of what is tested.
set -euo pipefail

BASE="${1:-https://localhost}"
BASE="${BASE%/}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() {
  echo "smoke test FAILED: $*" >&2
  exit 1
}
ok() { echo "ok: $*"; }

curl_args=(--silent --show-error --cookie "$work/cookies" --cookie-jar "$work/cookies")
if [ -n "${CA_CERT:-}" ]; then
  curl_args+=(--cacert "$CA_CERT")
elif [[ "$BASE" =~ ^https://localhost(:[0-9]+)?$ ]]; then
  # Caddy creates its CA when it starts: wait for the root certificate
  for _ in $(seq 30); do
    docker compose cp proxy:/data/caddy/pki/authorities/local/root.crt "$work/root.crt" >/dev/null 2>&1 && break
    sleep 1
  done
  [ -s "$work/root.crt" ] || fail "no root certificate at /data/caddy/pki/authorities/local/root.crt in the proxy container"
  curl_args+=(--cacert "$work/root.crt")
fi
fetch() { curl "${curl_args[@]}" "$@"; }

# plain HTTP is sent to HTTPS (only where the site answers on port 80)
if [[ "$BASE" =~ ^https://[^:]+$ ]]; then
  redirect="$(curl --silent --show-error -o /dev/null -w '%{http_code} %{redirect_url}' "http://${BASE#https://}/")"
  [[ "$redirect" =~ ^30[18]\ https:// ]] || fail "http:// answered '$redirect', not a redirect to https://"
  ok "http:// redirects to https:// ($redirect)"
fi

# the form: a session cookie and the CSRF token in its hidden field (retried
# while Caddy gets its certificate)
fetch --fail --retry 10 --retry-all-errors --retry-delay 2 -o "$work/register.html" "$BASE/register"
csrf="$(sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' "$work/register.html" | head -n 1)"
[ -n "$csrf" ] || fail "no _csrf field in the form on /register"
ok "GET /register: a form with a CSRF token"

user="smoke-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
password="$(head -c 18 /dev/urandom | base64)"
# the form as a browser posts it: urlencoded, with its Origin (the app
# refuses a cross-origin post before it looks at the token)
status="$(fetch -o /dev/null -D "$work/headers" -w '%{http_code}' \
  -H "Origin: $BASE" \
  --data-urlencode "_csrf=$csrf" \
  --data-urlencode "username=$user" \
  --data-urlencode "password=$password" \
  --data-urlencode "confirmPassword=$password" \
  "$BASE/register")"
tr -d '\r' <"$work/headers" >"$work/response-headers"
[ "$status" = 303 ] || fail "POST /register answered $status, not 303"
grep -qix 'location: /dashboard' "$work/response-headers" || fail "POST /register did not redirect to /dashboard"
ok "POST /register as $user: 303 to /dashboard"

cookie="$(grep -i '^set-cookie: __Host-cloakroom\.sid=' "$work/response-headers" | tail -n 1 || true)"
[ -n "$cookie" ] || fail "no __Host-cloakroom.sid cookie set at registration"
grep -qi '; *secure' <<<"$cookie" || fail "the session cookie is not Secure: $cookie"
grep -qi '; *httponly' <<<"$cookie" || fail "the session cookie is not HttpOnly: $cookie"
ok "the session cookie is __Host-cloakroom.sid, Secure and HttpOnly"

status="$(fetch -o "$work/dashboard.html" -w '%{http_code}' "$BASE/dashboard")"
[ "$status" = 200 ] || fail "GET /dashboard answered $status, not 200"
grep -qF "Hello, $user" "$work/dashboard.html" || fail "the dashboard does not greet $user"
ok "GET /dashboard: 200, signed in as $user"

echo "Smoke test passed: $BASE"
