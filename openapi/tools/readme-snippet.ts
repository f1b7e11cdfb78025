// docs/spec.md's TypeScript snippet ("For other languages"), type-checked by
// `make ts-check`. TestReadmeTypeScript in openapi/spec_test.go fails when the page's copy
// and this one differ; only the import path may (the page's is the file a reader makes).
declare const process: { env: Record<string, string | undefined> };

// README snippet begins
import createClient from "openapi-fetch";
import type { paths } from "./generated/vault-api"; // npx openapi-typescript vault-api.yaml -o vault-api.ts

const vault = createClient<paths>({ baseUrl: "https://myvault.veevavault.com/api/v26.2" });
const form = { "Content-Type": "application/x-www-form-urlencoded" } as const;

const login = await vault.POST("/auth", {
  body: { username: "olivia@veepharm.com", password: process.env.VEEVA_VAULT_PASSWORD ?? "" },
  headers: form,
});
if (login.data?.responseStatus !== "SUCCESS") throw new Error(JSON.stringify(login.data?.errors));
const token = await vault.POST("/objects/sandbox/{sandbox_name}/users/me/api_access_token__sys", {
  params: { path: { sandbox_name: "R&D/QA Sandbox" } }, // openapi-fetch escapes it
  body: { name__v: "IntegrationKey", expiry_date__v: "2026-12-31T12:00:00Z" },
  headers: { Authorization: login.data.sessionId ?? "", ...form },
});
if (token.data?.responseStatus !== "SUCCESS") throw new Error(JSON.stringify(token.data?.errors)); // HTTP 200 all the same
