package command

// The environment variables the programs read, one set for all of them. Secrets (Vault's
// credentials, the etcd password) come only from here, never from a flag, which the
// process list and the shell history show. The VEEVA_ prefix keeps them apart from
// HashiCorp Vault's VAULT_ADDR and VAULT_TOKEN, which many of the same operators have set.
//
//nolint:gosec // the names of variables, not their values
const (
	EnvDNS         = "VEEVA_VAULT_DNS"     // the Vault, when --vault is not given
	EnvCAFile      = "VEEVA_VAULT_CA_FILE" // certificates to trust beside the system's, as --ca-file
	EnvSessionID   = "VEEVA_VAULT_SESSION_ID"
	EnvAccessToken = "VEEVA_VAULT_ACCESS_TOKEN"
	EnvUsername    = "VEEVA_VAULT_USERNAME"
	EnvPassword    = "VEEVA_VAULT_PASSWORD"
	EnvIdPToken    = "VEEVA_VAULT_IDP_TOKEN"
	// EnvOAuthProfile is not a secret: it may also be given as --oauth-profile.
	EnvOAuthProfile = "VEEVA_VAULT_OAUTH_PROFILE"
	// EnvLoginHost is Veeva's login host when --oauth-login-host is not given: the fake's
	// address in a shell that vault-token-fake -o env set up.
	EnvLoginHost = "VEEVA_VAULT_LOGIN_HOST"

	// The fleet's (vault-token-fleet): where the record is and how to open it.
	EnvEtcd         = "VEEVA_VAULT_ETCD"
	EnvFleetKey     = "VEEVA_VAULT_FLEET_KEY"
	EnvSealKeyFile  = "VEEVA_VAULT_SEAL_KEY_FILE"
	EnvEtcdCAFile   = "VEEVA_VAULT_ETCD_CA_FILE"
	EnvEtcdCertFile = "VEEVA_VAULT_ETCD_CERT_FILE"
	EnvEtcdKeyFile  = "VEEVA_VAULT_ETCD_KEY_FILE"
	EnvEtcdUsername = "VEEVA_VAULT_ETCD_USERNAME"
	EnvEtcdPassword = "VEEVA_VAULT_ETCD_PASSWORD"
	// EnvFleetSecret is the Kubernetes Secret that holds a fleet's record (--secret); the
	// API server and namespace come from the kubeconfig ($KUBECONFIG) or the pod.
	EnvFleetSecret = "VEEVA_VAULT_FLEET_SECRET"
)
