// Shared by the end-to-end programs: each logs in (with a password, and with OAuth), lists versions, creates four tokens and
// reads a FAILURE envelope through clients generated from the spec's three documents, against
// `vault-token fake`. Only the base URLs are written by hand.

// The two Node globals used here, declared rather than pulling in @types/node for them.
declare const process: { argv: string[]; exitCode: number | undefined };

export const dns = process.argv[2] ?? "";
/** An identity provider token the fake issued, for the OAuth login. */
export const idpToken = process.argv[3] ?? "";
if (dns === "" || idpToken === "") {
  throw new Error("usage: node <program>.js HOST:PORT IDP_TOKEN (the fake Vault's address, a token it printed)");
}
/** The base URL of every call but the version list: https://{vaultDNS}/api/{version}. */
export const baseUrl = `https://${dns}/api/v26.2`;
/** The version list has no version segment: https://{vaultDNS}/api. */
export const versionsBaseUrl = `https://${dns}/api`;
/** OAuth logins go to the login host, https://{loginHost}: the fake serves it too. */
export const loginHostBaseUrl = `https://${dns}`;
/** The fake's OAuth profile (vaulttest.DefaultOAuthProfileID). */
export const oauthProfile = "0oa1vaulttest";

export const user = { username: "olivia@veepharm.com", password: "demo-password", vaultDNS: dns };

/** An expiry 30 days out, in the spec's format: YYYY-MM-DDTHH:MM:SSZ. */
export const expiry = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

let steps = 0;

/** check fails the run with what was expected and what came back. */
export function check(ok: boolean, step: string, got: unknown): void {
  if (!ok) {
    throw new Error(`${step}: unexpected reply ${JSON.stringify(got)}`);
  }
  steps++;
  console.log(`ok ${steps} - ${step}`);
}

/** A token reply that succeeded: SUCCESS with a token value. */
export function isToken(reply: { responseStatus?: string; data?: { id?: string; token__sys?: string } } | undefined): boolean {
  return reply?.responseStatus === "SUCCESS" && (reply.data?.token__sys ?? "").startsWith("veeva-vault-") && (reply.data?.id ?? "") !== "";
}

export async function main(name: string, flow: () => Promise<void>): Promise<void> {
  try {
    await flow();
    console.log(`${name}: all ${steps} steps passed`);
  } catch (err) {
    console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
