package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReplaceFileDoesNotFollowALink: fake --cert-out replaces a symbolic link at its path
// with the certificate; the file the link pointed to is untouched.
func TestReplaceFileDoesNotFollowALink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "cert.pem")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if err := replaceFile(link, []byte("CERT"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the link's target now holds %q", b)
	}
	info, err := os.Lstat(link)
	if err != nil || !info.Mode().IsRegular() || info.Mode().Perm() != 0o644 {
		t.Fatalf("cert.pem: %v, %v", info, err)
	}
	if b, _ := os.ReadFile(link); string(b) != "CERT" {
		t.Errorf("cert.pem holds %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("left behind: %v", entries)
	}
}
