package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestDemo runs the demo: each part of the story happens as told, and no token value is
// printed (every Vault token starts with the prefix searched for).
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Rotator A: 0PI000000000001 is current (epoch 1).",
		"The record: current 0PI000000000001, pending 0PI000000000002.",
		"Adopted the pending token 0PI000000000002.",
		"Revoked the previous token 0PI000000000001: its grace period was over.",
		"Rotator D: 0PI000000000003 is current (epoch 3).",
		"counted 4 logins (one per rotator run, none for the consumers) and holds 2 active tokens",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo does not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "veeva-vault-") {
		t.Error("the demo printed a token")
	}
}
