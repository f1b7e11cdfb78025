// orval's configuration for make spec-e2e: one client per document of the spec, with its
// fetch client and the base-URL mutator (e2e/orval/fetch.ts), orval's one workaround.
const doc = (name, mutator) => ({
  input: `../${name}.yaml`,
  output: {
    target: `generated/orval/${name}.ts`,
    client: "fetch",
    override: { mutator: { path: "e2e/orval/fetch.ts", name: mutator } },
  },
});
module.exports = {
  "vault-api": doc("vault-api", "vaultApiFetch"),
  "vault-versions": doc("vault-versions", "vaultVersionsFetch"),
  "vault-login": doc("vault-login", "vaultLoginFetch"),
};
