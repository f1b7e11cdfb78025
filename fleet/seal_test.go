package fleet

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/vault-token/client"
)

func newTestSealer(t *testing.T) *Sealer {
	t.Helper()
	key := make([]byte, SealKeySize)
	_, _ = rand.Read(key)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSealedValueOpensOnlyWhereItWasSealed: a sealed token opens with its key, for its
// record and its ID; under another key, for another record or another ID, or altered by
// one bit, it does not, and the error holds nothing of it.
func TestSealedValueOpensOnlyWhereItWasSealed(t *testing.T) {
	s := newTestSealer(t)
	value := client.NewSecret("veeva-vault-sealed-0123456789abcdef")
	sealed, err := s.seal("/k", "0PI1", value)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("veeva-vault")) {
		t.Fatal("the sealed value holds the token")
	}
	got, err := s.open("/k", "0PI1", sealed)
	if err != nil || !got.Equal(value) {
		t.Fatalf("open: %v", err)
	}
	again, _ := s.seal("/k", "0PI1", value)
	if bytes.Equal(again, sealed) {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	for name, open := range map[string]func() (client.Secret, error){
		"another key":    func() (client.Secret, error) { return newTestSealer(t).open("/k", "0PI1", sealed) },
		"another record": func() (client.Secret, error) { return s.open("/other", "0PI1", sealed) },
		"another ID":     func() (client.Secret, error) { return s.open("/k", "0PI2", sealed) },
		"altered":        func() (client.Secret, error) { return s.open("/k", "0PI1", flipped) },
		"cut short":      func() (client.Secret, error) { return s.open("/k", "0PI1", sealed[:10]) },
	} {
		if _, err := open(); !errors.Is(err, ErrWrongSealKey) {
			t.Errorf("%s: %v, want ErrWrongSealKey", name, err)
		}
	}
	if out, want := fmt.Sprintf("%v %+v %#v", s, s, s), strings.Repeat(" fleet.Sealer{AES-256-GCM}", 3)[1:]; out != want {
		t.Errorf("a Sealer prints as %q, want %q (never its key)", out, want)
	}
}

// TestSealKeyFile: a key file of exactly 32 bytes loads; any other size is refused,
// saying how to make one.
func TestSealKeyFile(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 31, 33, 44} { // 44: the key written as base64 by mistake
		path := filepath.Join(dir, fmt.Sprint(size))
		if err := os.WriteFile(path, bytes.Repeat([]byte{'k'}, size), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadSealKey(path); err == nil || !strings.Contains(err.Error(), "head -c 32 /dev/urandom") {
			t.Errorf("a %d-byte key: %v", size, err)
		}
	}
	path := filepath.Join(dir, "good")
	if err := os.WriteFile(path, bytes.Repeat([]byte{7}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSealKey(path); err != nil {
		t.Error(err)
	}
}

// TestRecordOfAnotherFormat is refused, not misread.
func TestRecordOfAnotherFormat(t *testing.T) {
	for _, b := range []string{`{"format":2,"current":{"id":"0PI1"}}`, `{"current":{"id":"0PI1"}}`, `not json`} {
		if _, err := decodeRecord([]byte(b)); err == nil {
			t.Errorf("%s: decoded", b)
		}
	}
}
