// The flow through the services openapi-typescript-codegen generates (its fetch client), one
// set per document, each with its own OpenAPI configuration. Its workarounds, for its own
// defects: form bodies are built as FormData, which fetch sends as multipart/form-data, so
// FormData is URLSearchParams in this program; and path parameters are escaped with
// encodeURI, which leaves "/" and "&" alone, so ENCODE_PATH is encodeURIComponent.
(globalThis as { FormData: unknown }).FormData = URLSearchParams;

import { OpenAPI as VaultConfig } from "../generated/otc/vault-api/core/OpenAPI";
import { ApiAccessTokensService } from "../generated/otc/vault-api/services/ApiAccessTokensService";
import { AuthenticationService } from "../generated/otc/vault-api/services/AuthenticationService";
import { OpenAPI as LoginConfig } from "../generated/otc/vault-login/core/OpenAPI";
import { AuthenticationService as LoginService } from "../generated/otc/vault-login/services/AuthenticationService";
import { OpenAPI as VersionsConfig } from "../generated/otc/vault-versions/core/OpenAPI";
import { AuthenticationService as VersionsService } from "../generated/otc/vault-versions/services/AuthenticationService";
import { baseUrl, check, dns, expiry, idpToken, isToken, loginHostBaseUrl, main, oauthProfile, user, versionsBaseUrl } from "./common";

void main("openapi-typescript-codegen", async () => {
  VaultConfig.BASE = baseUrl;
  VaultConfig.ENCODE_PATH = encodeURIComponent;
  VersionsConfig.BASE = versionsBaseUrl;
  LoginConfig.BASE = loginHostBaseUrl;

  const login = await AuthenticationService.authenticate(user);
  // The usual early exit: past it, the reply is a success member and sessionId a string.
  if (login.responseStatus === "FAILURE" || login.responseStatus === "EXCEPTION") {
    throw new Error(`log in: ${JSON.stringify(login)}`);
  }
  const sessionId: string = login.sessionId;
  check(login.responseStatus === "SUCCESS" && sessionId !== "" && login.vaultIds?.[0]?.url === `https://${dns}/api`, "log in", login);

  const wrong = await AuthenticationService.authenticate({ ...user, password: "not-the-password" });
  check(
    wrong.responseStatus === "FAILURE" && wrong.errors[0]?.type === "USERNAME_OR_PASSWORD_INCORRECT",
    "a wrong password, a FAILURE through the generated types",
    wrong,
  );

  LoginConfig.TOKEN = idpToken; // sent as "Bearer {token}": the login document's scheme
  const oauth = await LoginService.authenticateOAuth(oauthProfile, undefined, { vaultDNS: dns, client_id: "0oa-vault-integration" });
  check(oauth.responseStatus === "SUCCESS" && oauth.sessionId !== "", "log in with OAuth", oauth);

  VaultConfig.HEADERS = { Authorization: sessionId }; // the session ID, sent as is
  VersionsConfig.HEADERS = { Authorization: sessionId };
  const list = await VersionsService.retrieveApiVersions();
  check(list.responseStatus === "SUCCESS" && list.values["v26.2"] !== undefined, "list versions at /api/", list);

  const forUser = await ApiAccessTokensService.generateApiAccessToken("12345", { name__v: "openapi-typescript-codegen user token" });
  check(isToken(forUser), "token for user 12345", forUser);
  const mine = await ApiAccessTokensService.generateMyApiAccessToken({ name__v: "openapi-typescript-codegen my token", expiry_date__v: expiry });
  check(isToken(mine), `my token, expiring ${expiry}`, mine);
  for (const sandbox of ["VeePharm Sandbox", "R&D/QA Sandbox"]) {
    const sb = await ApiAccessTokensService.generateSandboxApiAccessToken(sandbox, { name__v: "openapi-typescript-codegen sandbox token" });
    check(isToken(sb), `token in sandbox "${sandbox}"`, sb);
  }

  VaultConfig.HEADERS = { Authorization: "NOT-A-SESSION" };
  const refused = await ApiAccessTokensService.generateMyApiAccessToken({ name__v: "refused" });
  check(
    refused.responseStatus === "FAILURE" && refused.errors[0]?.type === "INVALID_SESSION_ID",
    "a FAILURE envelope, inside HTTP 200, for a bad session",
    refused,
  );

  VaultConfig.HEADERS = { Authorization: sessionId };
  const ended = await AuthenticationService.endSession();
  check(ended.responseStatus === "SUCCESS", "end the session", ended);
  const again = await AuthenticationService.endSession();
  // The types chain: past === "FAILURE", errors is there.
  if (again.responseStatus !== "FAILURE") {
    throw new Error(`end an ended session: ${JSON.stringify(again)}`);
  }
  check(again.errors[0]?.type === "INVALID_SESSION_ID", "end an ended session: a FAILURE", again);
});
