// The flow through the SDK @hey-api/openapi-ts generates, with its bundled fetch client.
// One SDK per document of the spec, each with its document's base URL.
import { createClient } from "../generated/hey-api/vault-api/client";
import {
  authenticate,
  endSession,
  generateApiAccessToken,
  generateMyApiAccessToken,
  generateSandboxApiAccessToken,
} from "../generated/hey-api/vault-api/sdk.gen";
import { createClient as createLoginClient } from "../generated/hey-api/vault-login/client";
import { authenticateOAuth } from "../generated/hey-api/vault-login/sdk.gen";
import { createClient as createVersionsClient } from "../generated/hey-api/vault-versions/client";
import { retrieveApiVersions } from "../generated/hey-api/vault-versions/sdk.gen";
import { baseUrl, check, dns, expiry, idpToken, isToken, loginHostBaseUrl, main, oauthProfile, user, versionsBaseUrl } from "./common";

void main("hey-api", async () => {
  const vault = createClient({ baseUrl });
  const versions = createVersionsClient({ baseUrl: versionsBaseUrl });

  const login = await authenticate({ client: vault, body: user });
  // A wrong password: HTTP 200 all the same, and the types make the caller look at
  // responseStatus before errors (or sessionId) can be read.
  const wrong = await authenticate({ client: vault, body: { ...user, password: "not-the-password" } });
  check(
    wrong.data?.responseStatus === "FAILURE" && wrong.data.errors[0]?.type === "USERNAME_OR_PASSWORD_INCORRECT",
    "a wrong password, a FAILURE through the generated types",
    wrong.data,
  );
  // The usual early exit: past it, the reply is a success member and sessionId a string.
  const session = login.data;
  if (session === undefined || session.responseStatus === "FAILURE" || session.responseStatus === "EXCEPTION") {
    throw new Error(`log in: ${JSON.stringify(login.data)}`);
  }
  const sessionId: string = session.sessionId;
  check(session.responseStatus === "SUCCESS" && sessionId !== "" && session.vaultIds?.[0]?.url === `https://${dns}/api`, "log in", session);
  // The OAuth login's security scheme is the identity provider's bearer token: the SDK adds
  // "Bearer " itself.
  const loginHost = createLoginClient({ baseUrl: loginHostBaseUrl, auth: () => idpToken });
  const oauth = await authenticateOAuth({
    client: loginHost,
    path: { oath_oidc_profile_id: oauthProfile },
    body: { vaultDNS: dns, client_id: "0oa-vault-integration" },
  });
  check(oauth.data?.responseStatus === "SUCCESS" && (oauth.data.sessionId ?? "") !== "", "log in with OAuth", oauth.data);

  // The spec's security scheme: the session ID, sent as the Authorization header.
  for (const c of [vault, versions]) {
    c.setConfig({ auth: () => sessionId });
  }

  const list = await retrieveApiVersions({ client: versions });
  check(list.data?.responseStatus === "SUCCESS" && list.data.values?.["v26.2"] !== undefined, "list versions at /api/", list.data);

  const forUser = await generateApiAccessToken({ client: vault, path: { user_id: "12345" }, body: { name__v: "hey-api user token" } });
  check(isToken(forUser.data), "token for user 12345", forUser.data);

  const mine = await generateMyApiAccessToken({ client: vault, body: { name__v: "hey-api my token", expiry_date__v: expiry } });
  check(isToken(mine.data), `my token, expiring ${expiry}`, mine.data);

  for (const sandbox_name of ["VeePharm Sandbox", "R&D/QA Sandbox"]) {
    const sb = await generateSandboxApiAccessToken({ client: vault, path: { sandbox_name }, body: { name__v: "hey-api sandbox token" } });
    check(isToken(sb.data), `token in sandbox "${sandbox_name}"`, sb.data);
  }

  const stranger = createClient({ baseUrl, auth: () => "NOT-A-SESSION" });
  const refused = await generateMyApiAccessToken({ client: stranger, body: { name__v: "refused" } });
  check(
    refused.response.status === 200 && refused.data?.responseStatus === "FAILURE" && refused.data.errors?.[0]?.type === "INVALID_SESSION_ID",
    "a FAILURE envelope, inside HTTP 200, for a bad session",
    refused.data,
  );

  const ended = await endSession({ client: vault });
  check(ended.data?.responseStatus === "SUCCESS", "end the session", ended.data);
  const again = await endSession({ client: vault });
  // The types chain: past === "FAILURE", errors is there.
  if (again.data?.responseStatus !== "FAILURE") {
    throw new Error(`end an ended session: ${JSON.stringify(again.data)}`);
  }
  check(again.data.errors[0]?.type === "INVALID_SESSION_ID", "end an ended session: a FAILURE", again.data);
});
