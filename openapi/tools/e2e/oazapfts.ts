// The flow through the functions oazapfts generates (with @oazapfts/runtime), one module
// per document, each with its own defaults. It fills the servers' variables
// (servers.vaultApi({ vaultDNS, version })) and escapes path parameters. Its workaround, for
// its own defect: it does not apply the spec's security schemes, so the session (or the
// identity provider's token) is set as a default header.
import * as vault from "../generated/oazapfts/vault-api";
import * as loginHost from "../generated/oazapfts/vault-login";
import * as versions from "../generated/oazapfts/vault-versions";
import { check, dns, expiry, idpToken, isToken, main, oauthProfile, user } from "./common";

void main("oazapfts", async () => {
  vault.defaults.baseUrl = vault.servers.vaultApi({ vaultDNS: dns, version: "v26.2" });
  versions.defaults.baseUrl = versions.servers.vaultVersions({ vaultDNS: dns });
  loginHost.defaults.baseUrl = loginHost.servers.veevaLogin({ loginHost: dns }) // the fake serves the login host too;

  const login = (await vault.authenticate(user)).data;
  // The usual early exit: past it, the reply is a success member and sessionId a string.
  if (login.responseStatus === "FAILURE" || login.responseStatus === "EXCEPTION") {
    throw new Error(`log in: ${JSON.stringify(login)}`);
  }
  const sessionId: string = login.sessionId;
  check(login.responseStatus === "SUCCESS" && sessionId !== "" && login.vaultIds?.[0]?.url === `https://${dns}/api`, "log in", login);

  const wrong = (await vault.authenticate({ ...user, password: "not-the-password" })).data;
  check(
    wrong.responseStatus === "FAILURE" && wrong.errors[0]?.type === "USERNAME_OR_PASSWORD_INCORRECT",
    "a wrong password, a FAILURE through the generated types",
    wrong,
  );

  loginHost.defaults.headers = { Authorization: `Bearer ${idpToken}` };
  const oauth = (await loginHost.authenticateOAuth(oauthProfile, { vaultDNS: dns, client_id: "0oa-vault-integration" })).data;
  check(oauth.responseStatus === "SUCCESS" && oauth.sessionId !== "", "log in with OAuth", oauth);

  vault.defaults.headers = { Authorization: sessionId };
  versions.defaults.headers = { Authorization: sessionId };
  const list = (await versions.retrieveApiVersions()).data;
  check(list.responseStatus === "SUCCESS" && list.values["v26.2"] !== undefined, "list versions at /api/", list);

  const forUser = (await vault.generateApiAccessToken("12345", { name__v: "oazapfts user token" })).data;
  check(isToken(forUser), "token for user 12345", forUser);
  const mine = (await vault.generateMyApiAccessToken({ name__v: "oazapfts my token", expiry_date__v: expiry })).data;
  check(isToken(mine), `my token, expiring ${expiry}`, mine);
  for (const sandbox of ["VeePharm Sandbox", "R&D/QA Sandbox"]) {
    const sb = (await vault.generateSandboxApiAccessToken(sandbox, { name__v: "oazapfts sandbox token" })).data;
    check(isToken(sb), `token in sandbox "${sandbox}"`, sb);
  }

  const refused = await vault.generateMyApiAccessToken({ name__v: "refused" }, {}, { headers: { Authorization: "NOT-A-SESSION" } });
  check(
    refused.status === 200 && refused.data.responseStatus === "FAILURE" && refused.data.errors[0]?.type === "INVALID_SESSION_ID",
    "a FAILURE envelope, inside HTTP 200, for a bad session",
    refused.data,
  );

  const ended = (await vault.endSession()).data;
  check(ended.responseStatus === "SUCCESS", "end the session", ended);
  const again = (await vault.endSession()).data;
  // The types chain: past === "FAILURE", errors is there.
  if (again.responseStatus !== "FAILURE") {
    throw new Error(`end an ended session: ${JSON.stringify(again)}`);
  }
  check(again.errors[0]?.type === "INVALID_SESSION_ID", "end an ended session: a FAILURE", again);
});
