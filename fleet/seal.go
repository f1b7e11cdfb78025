package fleet

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/acme/vault-token/client"
)

// SealKeySize is the size of a sealing key: 32 bytes, for AES-256
// (head -c 32 /dev/urandom makes one).
const SealKeySize = 32

// sealVersion is the first byte of a sealed value: the format (AES-256-GCM, a 12-byte
// random nonce, then the ciphertext and its tag).
const sealVersion = 1

// ErrWrongSealKey is the error for a sealed token that does not open with the key given:
// the fleet sealed it with another key, or the record was altered.
var ErrWrongSealKey = errors.New("fleet: the token does not open with this sealing key (another key sealed it, or the record was altered)")

// A Sealer seals token values before they are written to etcd and opens them after they
// are read, with AES-256-GCM under a key every member of the fleet shares. A sealed value
// is bound to its record's key and the token's ID (they are its additional data), so it
// cannot be moved to another record or slot and still open. A dump of etcd, a backup or
// an etcd debug log so holds no token; the key is the secret to guard.
type Sealer struct{ aead cipher.AEAD }

// NewSealer makes a Sealer from a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != SealKeySize {
		return nil, fmt.Errorf("fleet: a sealing key is %d bytes, not %d (make one with: head -c 32 /dev/urandom > FILE)", SealKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// LoadSealKey makes a Sealer from a regular file that holds exactly the 32 key bytes. It
// reads at most 33 bytes, and refuses at once anything but a regular file (a FIFO would
// block, a device never end). Its errors never name the file: a key pasted by mistake
// where its path belongs would be printed.
func LoadSealKey(path string) (*Sealer, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("fleet: sealing key file: %w", withoutPath(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("fleet: the sealing key file is not a regular file (%s)", fi.Mode().Type())
	}
	f, err := os.Open(path) //nolint:gosec // the operator names the file
	if err != nil {
		return nil, fmt.Errorf("fleet: sealing key file: %w", withoutPath(err))
	}
	defer func() { _ = f.Close() }()
	if opened, err := f.Stat(); err != nil || !os.SameFile(fi, opened) {
		return nil, errors.New("fleet: the sealing key file changed while it was opened")
	}
	key := make([]byte, SealKeySize+1)
	defer clear(key)
	n, err := io.ReadFull(f, key)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("fleet: sealing key file: %w", withoutPath(err))
	}
	if n != SealKeySize {
		size := fmt.Sprintf("%d bytes", n)
		if n > SealKeySize {
			size = "more than 32 bytes"
		}
		return nil, fmt.Errorf("fleet: the sealing key file holds %s; a sealing key is %d bytes (make one with: head -c 32 /dev/urandom > FILE)", size, SealKeySize)
	}
	return NewSealer(key[:SealKeySize])
}

// withoutPath is err without the file name a *fs.PathError carries.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// SealKeyFileOpen reports whether the file at path may be read by its group or by others:
// a sealing key's file should be 0400 or 0600, as ssh asks of a private key's.
func SealKeyFileOpen(path string) (fs.FileMode, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	return fi.Mode().Perm(), fi.Mode().Perm()&0o077 != 0
}

// Format prints the Sealer without its key.
func (s *Sealer) Format(f fmt.State, _ rune) { fmt.Fprint(f, "fleet.Sealer{AES-256-GCM}") }

func additionalData(recordKey, tokenID string) []byte {
	return []byte("vault-token fleet v1\x00" + recordKey + "\x00" + tokenID)
}

func (s *Sealer) seal(recordKey, tokenID string, value client.Secret) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), 1+s.aead.NonceSize()+len(value.Reveal())+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{sealVersion}, nonce...)
	return s.aead.Seal(out, nonce, []byte(value.Reveal()), additionalData(recordKey, tokenID)), nil
}

func (s *Sealer) open(recordKey, tokenID string, sealed []byte) (client.Secret, error) {
	if s == nil {
		return client.Secret{}, fmt.Errorf("%w: no sealing key was given", ErrWrongSealKey)
	}
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return client.Secret{}, ErrWrongSealKey
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], additionalData(recordKey, tokenID))
	if err != nil {
		return client.Secret{}, ErrWrongSealKey
	}
	defer clear(plain)
	return client.NewSecret(string(plain)), nil
}
