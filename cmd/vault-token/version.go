package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/openapi"
	"github.com/spf13/cobra"
)

// buildVersion is what version prints, also as JSON: the module's version (from the
// build), the client's, the spec's and the Vault API version the client defaults to.
type buildVersion struct {
	Version    string `json:"version"`            // the module's, "(devel)" for a build from a clone
	Revision   string `json:"revision,omitempty"` // the commit, when the build recorded one
	Client     string `json:"client"`
	Spec       string `json:"spec"`
	APIVersion string `json:"api_version"`
	Go         string `json:"go"`
}

func readBuildVersion() buildVersion {
	v := buildVersion{Version: "(devel)", Client: client.Version, Spec: openapi.SpecVersion,
		APIVersion: client.DefaultAPIVersion, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v.Version = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v.Revision = s.Value[:12]
			}
		}
	}
	return v
}

func versionInfo() string {
	v := readBuildVersion()
	module := v.Version
	if v.Revision != "" {
		module += " " + v.Revision
	}
	return fmt.Sprintf("vault-token %s (client %s, spec %s, Vault API %s, %s)", module, v.Client, v.Spec, v.APIVersion, v.Go)
}

func (a *app) versionCmd() *cobra.Command {
	output := newChoice("text", "text", "json")
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  command.NoArgs,
		RunE: runE(func(*cobra.Command, []string) error {
			if output.value == "json" {
				return a.printJSON(readBuildVersion())
			}
			_, err := fmt.Fprintln(a.stdout, versionInfo())
			return err
		}),
	}
	addChoiceFlag(cmd, output, "output", "o", "text or json")
	return cmd
}
