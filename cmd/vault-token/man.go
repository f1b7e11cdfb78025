package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manCmd writes a man page per command (make man). Hidden: it is for packagers.
func manCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:    "man --dir DIR",
		Short:  "Write man pages",
		Hidden: true,
		Args:   noArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			root := cmd.Root()
			root.DisableAutoGenTag = true                   // the pages do not change from build to build
			if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // man pages are for everyone to read
				return fmt.Errorf("man: %w", err)
			}
			if err := doc.GenManTree(root, &doc.GenManHeader{Title: "VAULT-TOKEN", Section: "1", Source: versionInfo()}, dir); err != nil {
				return fmt.Errorf("man: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "vault-token: man pages written to %s\n", dir)
			return nil
		}),
	}
	cmd.Flags().StringVar(&dir, "dir", "man", "the folder to write the pages in (made if missing)")
	return cmd
}
