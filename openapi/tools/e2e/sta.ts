// The flow through the client swagger-typescript-api generates, one per document, with its
// fetch HttpClient. Its workaround, for its own defect: encodeURIComponent on the sandbox name
// (it puts path parameters into the URL unescaped).
import { Api as VaultApi } from "../generated/sta/vault-api/api";
import { Api as LoginApi } from "../generated/sta/vault-login/api";
import { Api as VersionsApi } from "../generated/sta/vault-versions/api";
import { baseUrl, check, dns, expiry, idpToken, isToken, loginHostBaseUrl, main, oauthProfile, user, versionsBaseUrl } from "./common";

void main("swagger-typescript-api", async () => {
  const anon = new VaultApi({ baseUrl });
  const login = (await anon.auth.authenticate(user)).data;
  // The usual early exit: past it, the reply is a success member and sessionId a string.
  if (login.responseStatus === "FAILURE" || login.responseStatus === "EXCEPTION") {
    throw new Error(`log in: ${JSON.stringify(login)}`);
  }
  const sessionId: string = login.sessionId;
  check(login.responseStatus === "SUCCESS" && sessionId !== "" && login.vaultIds?.[0]?.url === `https://${dns}/api`, "log in", login);

  const wrong = (await anon.auth.authenticate({ ...user, password: "not-the-password" })).data;
  check(
    wrong.responseStatus === "FAILURE" && wrong.errors[0]?.type === "USERNAME_OR_PASSWORD_INCORRECT",
    "a wrong password, a FAILURE through the generated types",
    wrong,
  );

  // Credentials through its security worker, once per client: the login document's scheme
  // is the identity provider's bearer token, the Vault documents' the session.
  const loginHost = new LoginApi({ baseUrl: loginHostBaseUrl, securityWorker: () => ({ headers: { Authorization: `Bearer ${idpToken}` } }) });
  const oauth = (await loginHost.auth.authenticateOAuth(oauthProfile, { vaultDNS: dns, client_id: "0oa-vault-integration" })).data;
  check(oauth.responseStatus === "SUCCESS" && oauth.sessionId !== "", "log in with OAuth", oauth);

  const session = { securityWorker: () => ({ headers: { Authorization: sessionId } }) };
  const versions = new VersionsApi({ baseUrl: versionsBaseUrl, ...session });
  const list = (await versions.retrieveApiVersions()).data;
  check(list.responseStatus === "SUCCESS" && list.values["v26.2"] !== undefined, "list versions at /api/", list);

  const vault = new VaultApi({ baseUrl, ...session });
  const forUser = (await vault.objects.generateApiAccessToken("12345", { name__v: "swagger-typescript-api user token" })).data;
  check(isToken(forUser), "token for user 12345", forUser);
  const mine = (await vault.objects.generateMyApiAccessToken({ name__v: "swagger-typescript-api my token", expiry_date__v: expiry })).data;
  check(isToken(mine), `my token, expiring ${expiry}`, mine);
  for (const sandbox of ["VeePharm Sandbox", "R&D/QA Sandbox"]) {
    const sb = (await vault.objects.generateSandboxApiAccessToken(encodeURIComponent(sandbox), { name__v: "swagger-typescript-api sandbox token" })).data;
    check(isToken(sb), `token in sandbox "${sandbox}"`, sb);
  }

  const stranger = new VaultApi({ baseUrl, securityWorker: () => ({ headers: { Authorization: "NOT-A-SESSION" } }) });
  const refused = await stranger.objects.generateMyApiAccessToken({ name__v: "refused" });
  check(
    refused.status === 200 && refused.data.responseStatus === "FAILURE" && refused.data.errors[0]?.type === "INVALID_SESSION_ID",
    "a FAILURE envelope, inside HTTP 200, for a bad session",
    refused.data,
  );

  const ended = (await vault.session.endSession()).data;
  check(ended.responseStatus === "SUCCESS", "end the session", ended);
  const again = (await vault.session.endSession()).data;
  // The types chain: past === "FAILURE", errors is there.
  if (again.responseStatus !== "FAILURE") {
    throw new Error(`end an ended session: ${JSON.stringify(again)}`);
  }
  check(again.errors[0]?.type === "INVALID_SESSION_ID", "end an ended session: a FAILURE", again);
});
