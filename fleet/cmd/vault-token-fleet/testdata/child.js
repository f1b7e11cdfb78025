// A service in Node, standard library only, run by the agent with --exec: it reads the
// token file at start and again at each SIGHUP (the agent's word for a new token), and
// calls the Vault with the token. It prints one line per call, "ok HASH" or "fail WHY",
// HASH being the first 12 hex digits of the token's SHA-256 (never the token), and exits
// 0 when the file STOP_FILE exists.
"use strict";
const fs = require("fs");
const https = require("https");
const crypto = require("crypto");

const tokenFile = process.env.VEEVA_VAULT_TOKEN_FILE;
const [host, port] = process.env.VEEVA_VAULT_DNS.split(":");
const ca = fs.readFileSync(process.env.VEEVA_VAULT_CA_FILE);
const stopFile = process.env.STOP_FILE;

let token = fs.readFileSync(tokenFile, "ascii");
process.on("SIGHUP", () => { token = fs.readFileSync(tokenFile, "ascii"); });

function call() {
  if (fs.existsSync(stopFile)) process.exit(0);
  const tok = token;
  const digest = crypto.createHash("sha256").update(tok).digest("hex").slice(0, 12);
  if (!tok.startsWith("veeva-vault-") || tok !== tok.trim()) {
    console.log("fail not-a-whole-token " + digest);
    return setTimeout(call, 5);
  }
  const req = https.get({ host, port, ca, path: "/api/v26.2/objects/users/me", headers: { Authorization: "Bearer " + tok } }, (res) => {
    let body = "";
    res.on("data", (d) => { body += d; });
    res.on("end", () => {
      let status;
      try { status = JSON.parse(body).responseStatus; } catch (e) { status = "unparsable"; }
      console.log((status === "SUCCESS" ? "ok " : "fail " + status + " ") + digest);
      setTimeout(call, 5); // a service's own pace between calls
    });
  });
  req.on("error", (e) => { console.log("fail " + e.code + " " + digest); setTimeout(call, 5); });
}
call();
