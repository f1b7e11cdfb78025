package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// choice is a flag value that must be one of a few words, checked when it is parsed.
type choice struct {
	allowed []string
	value   string
}

func newChoice(value string, allowed ...string) *choice { return &choice{allowed, value} }

func (c *choice) String() string { return c.value }
func (c *choice) Type() string   { return "string" }
func (c *choice) Set(v string) error {
	for _, a := range c.allowed {
		if v == a {
			c.value = v
			return nil
		}
	}
	return fmt.Errorf("must be %s", strings.Join(c.allowed, " or "))
}

// addChoiceFlag registers a choice flag with its completions.
func addChoiceFlag(cmd *cobra.Command, c *choice, name, short, usage string) {
	cmd.Flags().VarP(c, name, short, usage)
	_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return c.allowed, cobra.ShellCompDirectiveNoFileComp
	})
}
