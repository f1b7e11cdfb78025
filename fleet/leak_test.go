package fleet

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/vault-token/fleet/internal/etcdtest"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// TestEtcdHoldsNoToken: after rotations, consumers and a status, nothing etcd holds or
// logged — every key and value, each member's data directory (write-ahead log, snapshots,
// the database file), the members' debug logs — contains any token value the fake made,
// raw or in the encodings a dump could show it in (base64 at every alignment, hex), nor the
// prefix every Vault token starts with.
func TestEtcdHoldsNoToken(t *testing.T) {
	var logs syncBuffer
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(&logs), zapcore.DebugLevel)
	c := etcdtest.StartWith(t, etcdtest.Config{Members: 3, Log: zap.New(core)})
	w := newWorld(t, c)
	consumer := w.consumer()
	for range 3 {
		rep, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		consumer.waitFor(t, rep.Current.ID)
		if err := consumer.call(w.ctx()); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(11 * time.Minute)
	}
	var dump bytes.Buffer
	resp, err := w.etcd.Client(t).Get(w.ctx(), "", clientv3.WithFromKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range resp.Kvs {
		dump.Write(kv.Key)
		dump.Write(kv.Value)
	}
	if len(resp.Kvs) == 0 || !bytes.Contains(dump.Bytes(), []byte(w.key)) {
		t.Fatalf("the dump does not hold the record: %q", dump.String())
	}
	c.Close()
	for _, m := range c.Members {
		err := filepath.WalkDir(m.Dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			dump.Write(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	dump.Write(logs.Bytes())
	if logs.Len() == 0 {
		t.Fatal("the members logged nothing: the log search would prove nothing")
	}
	tokens := w.fake.Tokens()
	if len(tokens) < 3 {
		t.Fatalf("the fake made %d tokens", len(tokens))
	}
	for _, tok := range tokens {
		for _, form := range encodings(tok.Value) {
			if bytes.Contains(dump.Bytes(), []byte(form)) {
				t.Errorf("etcd holds token %s as %q", tok.ID, form)
			}
		}
	}
	if bytes.Contains(dump.Bytes(), []byte("veeva-vault-")) {
		t.Error("etcd holds a Vault token's prefix")
	}
}

// encodings are the forms a value can take inside an encoded dump: itself, hex, and
// base64 (standard and URL alphabets) at each of the three alignments it can start at,
// cut to the characters that depend on the value alone.
func encodings(v string) []string {
	forms := []string{v, hex.EncodeToString([]byte(v)), strings.ToUpper(hex.EncodeToString([]byte(v)))}
	for shift := range 3 {
		pad := strings.Repeat("\x00", shift)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			s := enc.EncodeToString([]byte(pad + v))
			// Drop the characters that also encode the padding, and the last group.
			start := (shift*8 + 5) / 6
			forms = append(forms, s[start:len(s)-4])
		}
	}
	return forms
}

// syncBuffer is a bytes.Buffer the members' loggers write to from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}
