// orval's fetch client calls fetch with the operation's path alone and has no runtime base
// URL: its one workaround is this mutator, which each document's functions call with their
// path, prefixed with the base URL the program sets once per document.
const bases: Record<string, string> = {};

export function setBaseUrl(document: "vault-api" | "vault-versions" | "vault-login", url: string): void {
  bases[document] = url;
}

async function send<T>(document: string, path: string, init: RequestInit): Promise<T> {
  const res = await fetch(`${bases[document] ?? ""}${path}`, init);
  const text = [204, 205, 304].includes(res.status) ? "" : await res.text();
  return { data: text ? JSON.parse(text) : {}, status: res.status, headers: res.headers } as T;
}

export const vaultApiFetch = async <T>(path: string, init: RequestInit): Promise<T> => send<T>("vault-api", path, init);
export const vaultVersionsFetch = async <T>(path: string, init: RequestInit): Promise<T> => send<T>("vault-versions", path, init);
export const vaultLoginFetch = async <T>(path: string, init: RequestInit): Promise<T> => send<T>("vault-login", path, init);
