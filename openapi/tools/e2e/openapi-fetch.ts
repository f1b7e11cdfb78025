// The flow through openapi-typescript's types and openapi-fetch.
import createClient from "openapi-fetch";
import type { paths } from "../generated/vault-api";
import type { paths as loginPaths } from "../generated/vault-login";
import type { paths as versionsPaths } from "../generated/vault-versions";
import { baseUrl, check, dns, expiry, idpToken, isToken, loginHostBaseUrl, main, oauthProfile, user, versionsBaseUrl } from "./common";

// openapi-fetch knows the spec's types, not the spec: a form body needs its Content-Type.
const form = { "Content-Type": "application/x-www-form-urlencoded" } as const;

void main("openapi-fetch", async () => {
  const vault = createClient<paths>({ baseUrl });
  // One client per document, each with its document's base URL, set once.
  const versions = createClient<versionsPaths>({ baseUrl: versionsBaseUrl });

  const login = await vault.POST("/auth", { body: user, headers: form });
  // The usual early exit: past it, the reply is a success member and sessionId a string.
  const session = login.data;
  if (session === undefined || session.responseStatus === "FAILURE" || session.responseStatus === "EXCEPTION") {
    throw new Error(`log in: ${JSON.stringify(login.data)}`);
  }
  const sessionId: string = session.sessionId;
  check(session.responseStatus === "SUCCESS" && sessionId !== "" && session.vaultIds?.[0]?.url === `https://${dns}/api`, "log in", session);
  const auth = { Authorization: sessionId };

  // A wrong password: HTTP 200 all the same, and the types make the caller look at
  // responseStatus before errors (or sessionId) can be read.
  const wrong = await vault.POST("/auth", { body: { ...user, password: "not-the-password" }, headers: form });
  check(
    wrong.data?.responseStatus === "FAILURE" && wrong.data.errors[0]?.type === "USERNAME_OR_PASSWORD_INCORRECT",
    "a wrong password, a FAILURE through the generated types",
    wrong.data,
  );

  const loginHost = createClient<loginPaths>({ baseUrl: loginHostBaseUrl });
  const oauth = await loginHost.POST("/auth/oauth/session/{oath_oidc_profile_id}", {
    params: { path: { oath_oidc_profile_id: oauthProfile } },
    body: { vaultDNS: dns, client_id: "0oa-vault-integration" },
    headers: { Authorization: `Bearer ${idpToken}`, ...form },
  });
  check(oauth.data?.responseStatus === "SUCCESS" && (oauth.data.sessionId ?? "") !== "", "log in with OAuth", oauth.data);

  const list = await versions.GET("/", { headers: auth });
  check(list.data?.responseStatus === "SUCCESS" && list.data.values?.["v26.2"] !== undefined, "list versions at /api/", list.data);

  const forUser = await vault.POST("/objects/users/{user_id}/api_access_token__sys", {
    params: { path: { user_id: "12345" } },
    body: { name__v: "openapi-fetch user token" },
    headers: { ...auth, ...form },
  });
  check(isToken(forUser.data), "token for user 12345", forUser.data);

  const mine = await vault.POST("/objects/users/me/api_access_token__sys", {
    body: { name__v: "openapi-fetch my token", expiry_date__v: expiry },
    headers: { ...auth, ...form },
  });
  check(isToken(mine.data), `my token, expiring ${expiry}`, mine.data);

  for (const sandbox_name of ["VeePharm Sandbox", "R&D/QA Sandbox"]) {
    const sb = await vault.POST("/objects/sandbox/{sandbox_name}/users/me/api_access_token__sys", {
      params: { path: { sandbox_name } },
      body: { name__v: "openapi-fetch sandbox token" },
      headers: { ...auth, ...form },
    });
    check(isToken(sb.data), `token in sandbox "${sandbox_name}"`, sb.data);
  }

  const refused = await vault.POST("/objects/users/me/api_access_token__sys", {
    body: { name__v: "refused" },
    headers: { Authorization: "NOT-A-SESSION", ...form },
  });
  check(
    refused.response.status === 200 && refused.data?.responseStatus === "FAILURE" && refused.data.errors?.[0]?.type === "INVALID_SESSION_ID",
    "a FAILURE envelope, inside HTTP 200, for a bad session",
    refused.data,
  );

  const ended = await vault.DELETE("/session", { headers: auth });
  check(ended.data?.responseStatus === "SUCCESS", "end the session", ended.data);
  const again = await vault.DELETE("/session", { headers: auth });
  // The types chain: past === "FAILURE", errors is there.
  if (again.data?.responseStatus !== "FAILURE") {
    throw new Error(`end an ended session: ${JSON.stringify(again.data)}`);
  }
  check(again.data.errors[0]?.type === "INVALID_SESSION_ID", "end an ended session: a FAILURE", again.data);
});
