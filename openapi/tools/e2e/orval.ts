// The flow through the functions orval generates with its fetch client, one module per
// document. Its workarounds, for its own defects: the base-URL mutator (e2e/orval/fetch.ts:
// orval has no runtime base URL) and encodeURIComponent on the sandbox name (orval puts path
// parameters into the URL unescaped).
import {
  authenticate,
  endSession,
  generateApiAccessToken,
  generateMyApiAccessToken,
  generateSandboxApiAccessToken,
} from "../generated/orval/vault-api";
import { authenticateOAuth } from "../generated/orval/vault-login";
import { retrieveApiVersions } from "../generated/orval/vault-versions";
import { baseUrl, check, dns, expiry, idpToken, isToken, loginHostBaseUrl, main, oauthProfile, user, versionsBaseUrl } from "./common";
import { setBaseUrl } from "./orval/fetch";

void main("orval", async () => {
  setBaseUrl("vault-api", baseUrl);
  setBaseUrl("vault-versions", versionsBaseUrl);
  setBaseUrl("vault-login", loginHostBaseUrl);

  const login = (await authenticate(user)).data;
  // The usual early exit: past it, the reply is a success member and sessionId a string.
  if (login.responseStatus === "FAILURE" || login.responseStatus === "EXCEPTION") {
    throw new Error(`log in: ${JSON.stringify(login)}`);
  }
  const sessionId: string = login.sessionId;
  check(login.responseStatus === "SUCCESS" && sessionId !== "" && login.vaultIds?.[0]?.url === `https://${dns}/api`, "log in", login);
  const auth = { headers: { Authorization: sessionId } };

  const wrong = (await authenticate({ ...user, password: "not-the-password" })).data;
  check(
    wrong.responseStatus === "FAILURE" && wrong.errors[0]?.type === "USERNAME_OR_PASSWORD_INCORRECT",
    "a wrong password, a FAILURE through the generated types",
    wrong,
  );

  const oauth = (
    await authenticateOAuth(oauthProfile, { vaultDNS: dns, client_id: "0oa-vault-integration" }, { headers: { Authorization: `Bearer ${idpToken}` } })
  ).data;
  check(oauth.responseStatus === "SUCCESS" && oauth.sessionId !== "", "log in with OAuth", oauth);

  const list = (await retrieveApiVersions(auth)).data;
  check(list.responseStatus === "SUCCESS" && list.values["v26.2"] !== undefined, "list versions at /api/", list);

  const forUser = (await generateApiAccessToken("12345", { name__v: "orval user token" }, auth)).data;
  check(isToken(forUser), "token for user 12345", forUser);
  const mine = (await generateMyApiAccessToken({ name__v: "orval my token", expiry_date__v: expiry }, auth)).data;
  check(isToken(mine), `my token, expiring ${expiry}`, mine);
  for (const sandbox of ["VeePharm Sandbox", "R&D/QA Sandbox"]) {
    const sb = (await generateSandboxApiAccessToken(encodeURIComponent(sandbox), { name__v: "orval sandbox token" }, auth)).data;
    check(isToken(sb), `token in sandbox "${sandbox}"`, sb);
  }

  const refused = await generateMyApiAccessToken({ name__v: "refused" }, { headers: { Authorization: "NOT-A-SESSION" } });
  check(
    refused.status === 200 && refused.data.responseStatus === "FAILURE" && refused.data.errors[0]?.type === "INVALID_SESSION_ID",
    "a FAILURE envelope, inside HTTP 200, for a bad session",
    refused.data,
  );

  const ended = (await endSession(auth)).data;
  check(ended.responseStatus === "SUCCESS", "end the session", ended);
  const again = (await endSession(auth)).data;
  // The types chain: past === "FAILURE", errors is there.
  if (again.responseStatus !== "FAILURE") {
    throw new Error(`end an ended session: ${JSON.stringify(again)}`);
  }
  check(again.errors[0]?.type === "INVALID_SESSION_ID", "end an ended session: a FAILURE", again);
});
