package client_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDesignNamesEveryFile: docs/design.md walks a call through the code file by file; it
// must name files that exist, and every hand-written file of client/, the commands and
// internal/.
func TestDesignNamesEveryFile(t *testing.T) {
	doc, err := os.ReadFile("../docs/design.md")
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("\\*\\*`([^`]+\\.go)`\\*\\*").FindAllStringSubmatch(string(doc), -1) {
		path := m[1]
		if !strings.Contains(path, "/") {
			path = "cmd/vault-token/" + path
		}
		named[path] = true
		if _, err := os.Stat(filepath.Join("..", path)); err != nil {
			t.Errorf("docs/design.md names %s: %v", m[1], err)
		}
	}
	for _, dir := range []string{"client", "cmd/vault-token", "cmd/vault-token-fake", "internal/command", "internal/docshell"} {
		files, _ := filepath.Glob(filepath.Join("..", dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			if path := dir + "/" + filepath.Base(f); !named[path] {
				t.Errorf("docs/design.md does not name %s", path)
			}
		}
	}
}
