# A service in Python, standard library only, as the fleet's contract asks of one: it
# reads the agent's token file before each call (re-opening it: the agent replaces it by
# rename) and calls the Vault with the token. It prints one line per call, "ok HASH" or
# "fail WHY", HASH being the first 12 hex digits of the token's SHA-256 (never the token),
# and stops when the file STOP_FILE exists.
import hashlib
import json
import os
import ssl
import time
import urllib.error
import urllib.request

token_file = os.environ["VEEVA_VAULT_TOKEN_FILE"]
vault = os.environ["VEEVA_VAULT_DNS"]
stop_file = os.environ["STOP_FILE"]
tls = ssl.create_default_context(cafile=os.environ["VEEVA_VAULT_CA_FILE"])

while not os.path.exists(stop_file):
    with open(token_file, encoding="ascii") as f:
        token = f.read()
    digest = hashlib.sha256(token.encode()).hexdigest()[:12]
    if not token.startswith("veeva-vault-") or token != token.strip():
        print("fail not-a-whole-token", digest, flush=True)
        continue
    req = urllib.request.Request("https://" + vault + "/api/v26.2/objects/users/me",
                                 headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(req, context=tls, timeout=60) as res:
            status = json.load(res).get("responseStatus")
    except (urllib.error.URLError, ValueError) as e:
        status = type(e).__name__
    print("ok" if status == "SUCCESS" else "fail " + str(status), digest, flush=True)
    time.sleep(0.005)  # a service's own pace between calls
