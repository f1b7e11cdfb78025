// docs/spec.md's TypeScript snippet ("For other languages"), type-checked by
// `make ts-check`. TestReadmeTypeScript in openapi/spec_test.go fails when the page's copy
// and this one differ; only the import path may (the page's is the file a reader makes).
declare const process: { env: Record<string, string | undefined> };

// README snippet begins
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/vault-api"; // npx openapi-typescript vault-api.yaml -o vault-api.ts

const vault = createClient<paths>({ baseUrl: "https://myvault.veevavault.com/api/v26.2" });
const form = { "Content-Type": "application/x-www-form-urlencoded" } as const;
type Reply<name extends keyof components["schemas"]> = components["schemas"][name] | undefined; // undefined: not Vault's reply

const login = await vault.POST("/auth", {
  body: { username: "olivia@veepharm.com", password: process.env.VEEVA_VAULT_PASSWORD ?? "" },
  headers: form,
});
const auth: Reply<"AuthReply"> = login.data; // one member per responseStatus
if (auth === undefined) throw new Error(`HTTP ${login.response.status}: not Vault's reply`);
if (auth.responseStatus === "FAILURE" || auth.responseStatus === "EXCEPTION") throw new Error(JSON.stringify(auth.errors)); // a wrong password, in HTTP 200
const sandbox = await vault.POST("/objects/sandbox/{sandbox_name}/users/me/api_access_token__sys", {
  params: { path: { sandbox_name: "R&D/QA Sandbox" } }, // openapi-fetch escapes it
  body: { name__v: "IntegrationKey", expiry_date__v: "2026-12-31T12:00:00Z" },
  headers: { Authorization: auth.sessionId, ...form }, // the type says it is there
});
const token: Reply<"TokenReply"> = sandbox.data;
if (token === undefined) throw new Error(`HTTP ${sandbox.response.status}: not Vault's reply`);
if (token.responseStatus === "FAILURE" || token.responseStatus === "EXCEPTION") throw new Error(JSON.stringify(token.errors)); // HTTP 200 all the same
console.log(token.data.id); // no "!" and no null check: SUCCESS carries data
