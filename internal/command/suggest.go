package command

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagError, every program's, turns a flag parsing error into a usage error, with the nearest flag the
// command has when the name was mistyped.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	var notExist *pflag.NotExistError
	name := ""
	if errors.As(err, &notExist) {
		name = notExist.GetSpecifiedName()
	}
	if name == "" {
		return UsageErrorf("%s", msg)
	}
	best, bestDist := "", 3
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := distance(name, f.Name)
		if strings.HasPrefix(f.Name, name) || strings.HasPrefix(name, f.Name) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	if best != "" {
		return UsageErrorf("%s (did you mean --%s?)", msg, best)
	}
	return UsageErrorf("%s", msg)
}

// distance is the number of edits from a to b: inserting, deleting or changing a letter,
// or swapping two neighbours, the commonest typo ("nmae" is one edit from "name").
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
