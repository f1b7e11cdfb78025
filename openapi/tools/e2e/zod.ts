// The flow through the Zodios clients openapi-zod-client generates (zod schemas, axios), one
// per document, each created with its document's base URL; replies are validated against
// the schemas at run time. Its workarounds, for its own defects: it does not apply the
// spec's security schemes, so the session (or the identity provider's token) goes in the
// headers of each call; Zodios puts path parameters into the URL unescaped, so the sandbox
// name is passed through encodeURIComponent; and it emits z.discriminatedUnion over the
// reply members, which are allOf compositions (the form OpenAPI's own discriminator examples
// use) that zod's discriminatedUnion refuses at build and run time, so make spec-e2e
// rewrites it as z.union, which zod narrows all the same.
import { createApiClient as vaultClient } from "../generated/zod/vault-api";
import { createApiClient as loginClient } from "../generated/zod/vault-login";
import { createApiClient as versionsClient } from "../generated/zod/vault-versions";
import { baseUrl, check, dns, expiry, idpToken, isToken, loginHostBaseUrl, main, oauthProfile, user, versionsBaseUrl } from "./common";

void main("openapi-zod-client", async () => {
  const vault = vaultClient(baseUrl);
  const login = await vault.authenticate(user);
  // The usual early exit: past it, the reply is a success member and sessionId a string.
  if (login.responseStatus === "FAILURE" || login.responseStatus === "EXCEPTION") {
    throw new Error(`log in: ${JSON.stringify(login)}`);
  }
  const sessionId: string = login.sessionId;
  check(login.responseStatus === "SUCCESS" && sessionId !== "" && login.vaultIds?.[0]?.url === `https://${dns}/api`, "log in", login);
  const auth = { headers: { Authorization: sessionId } };

  const wrong = await vault.authenticate({ ...user, password: "not-the-password" });
  check(
    wrong.responseStatus === "FAILURE" && wrong.errors[0]?.type === "USERNAME_OR_PASSWORD_INCORRECT",
    "a wrong password, a FAILURE through the generated types",
    wrong,
  );

  const loginHost = loginClient(loginHostBaseUrl);
  const oauth = await loginHost.authenticateOAuth(
    { vaultDNS: dns, client_id: "0oa-vault-integration" },
    { params: { oath_oidc_profile_id: oauthProfile }, headers: { Authorization: `Bearer ${idpToken}` } },
  );
  check(oauth.responseStatus === "SUCCESS" && oauth.sessionId !== "", "log in with OAuth", oauth);

  const list = await versionsClient(versionsBaseUrl).retrieveApiVersions(auth);
  check(list.responseStatus === "SUCCESS" && list.values["v26.2"] !== undefined, "list versions at /api/", list);

  const forUser = await vault.generateApiAccessToken({ name__v: "openapi-zod-client user token" }, { ...auth, params: { user_id: "12345" } });
  check(isToken(forUser), "token for user 12345", forUser);
  const mine = await vault.generateMyApiAccessToken({ name__v: "openapi-zod-client my token", expiry_date__v: expiry }, auth);
  check(isToken(mine), `my token, expiring ${expiry}`, mine);
  for (const sandbox of ["VeePharm Sandbox", "R&D/QA Sandbox"]) {
    const params = { sandbox_name: encodeURIComponent(sandbox) };
    const sb = await vault.generateSandboxApiAccessToken({ name__v: "openapi-zod-client sandbox token" }, { ...auth, params });
    check(isToken(sb), `token in sandbox "${sandbox}"`, sb);
  }

  const refused = await vault.generateMyApiAccessToken({ name__v: "refused" }, { headers: { Authorization: "NOT-A-SESSION" } });
  check(
    refused.responseStatus === "FAILURE" && refused.errors[0]?.type === "INVALID_SESSION_ID",
    "a FAILURE envelope, inside HTTP 200, for a bad session",
    refused,
  );

  const ended = await vault.endSession(undefined, auth);
  check(ended.responseStatus === "SUCCESS", "end the session", ended);
  const again = await vault.endSession(undefined, auth);
  // The types chain: past === "FAILURE", errors is there.
  if (again.responseStatus !== "FAILURE") {
    throw new Error(`end an ended session: ${JSON.stringify(again)}`);
  }
  check(again.errors[0]?.type === "INVALID_SESSION_ID", "end an ended session: a FAILURE", again);
});
