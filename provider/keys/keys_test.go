package keys

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
)

func TestSealRoundTrip(t *testing.T) {
	s, err := newSealer(masterA)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("pkcs8 bytes")
	sealed, err := s.seal("kid1", jose.ES256, plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, plain) {
		t.Fatal("plaintext visible in the sealed blob")
	}
	got, err := s.open("kid1", jose.ES256, sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, %v", got, err)
	}
	again, _ := s.seal("kid1", jose.ES256, plain)
	if bytes.Equal(again, sealed) {
		t.Error("two seals of one key are identical: nonce not random")
	}
	for name, open := range map[string]func() ([]byte, error){
		"other kid": func() ([]byte, error) { return s.open("kid2", jose.ES256, sealed) },
		"other alg": func() ([]byte, error) { return s.open("kid1", jose.PS256, sealed) },
		"flipped bit": func() ([]byte, error) {
			b := slices.Clone(sealed)
			b[len(b)-1] ^= 1
			return s.open("kid1", jose.ES256, b)
		},
		"truncated": func() ([]byte, error) { return s.open("kid1", jose.ES256, sealed[:10]) },
	} {
		if _, err := open(); !errors.Is(err, ErrWrongMasterKey) {
			t.Errorf("%s: err = %v; want ErrWrongMasterKey", name, err)
		}
	}
	if _, err := newSealer(make([]byte, 16)); err == nil {
		t.Error("16-byte master key accepted")
	}
}

func TestStoredKeysAreEncrypted(t *testing.T) {
	ctx := context.Background()
	b := openStore(t)
	m := newManager(t, b, masterA, Options{Algorithms: []jose.SignatureAlgorithm{jose.ES256, jose.PS256}})
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := b.Get(ctx, "keys", "set")
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != 2 {
		t.Fatalf("stored set: %v, %d keys", err, len(set.Keys))
	}
	for _, k := range set.Keys {
		for _, f := range []string{"kid", "alg", "state", "created", "activate", "public", "sealed"} {
			if _, ok := k[f]; !ok {
				t.Errorf("record lacks %q", f)
			}
		}
		var pub map[string]any
		json.Unmarshal(k["public"], &pub)
		if _, ok := pub["d"]; ok {
			t.Error("private exponent in the public JWK")
		}
	}
	for _, sk := range []jose.SignatureAlgorithm{jose.ES256, jose.PS256} {
		k, err := m.Signer(ctx, sk)
		if err != nil {
			t.Fatal(err)
		}
		// No private parameter of the key may appear in clear.
		priv, _ := json.Marshal(jose.JSONWebKey{Key: k.Key()})
		var jwk map[string]string
		json.Unmarshal(priv, &jwk)
		if bytes.Contains(raw, []byte(jwk["d"])) {
			t.Errorf("%s private key stored in clear", sk)
		}
	}
}

func TestWrongMasterKey(t *testing.T) {
	ctx := context.Background()
	b := openStore(t)
	if err := newManager(t, b, masterA, Options{}).EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	other := newManager(t, b, masterB, Options{})
	err := other.EnsureKeys(ctx)
	var de *DecryptError
	if !errors.Is(err, ErrWrongMasterKey) || !errors.As(err, &de) || de.KID == "" {
		t.Fatalf("EnsureKeys with the wrong master key = %v; want a *DecryptError", err)
	}
	if _, err := other.Signer(ctx, jose.ES256); !errors.Is(err, ErrWrongMasterKey) {
		t.Errorf("Signer with the wrong master key = %v", err)
	}
	// Nothing was written by the failed instance.
	if l, err := newManager(t, b, masterA, Options{}).List(ctx); err != nil || len(l) != 1 {
		t.Errorf("store changed by a failing instance: %v, %d keys", err, len(l))
	}
}

func TestCorruptSet(t *testing.T) {
	ctx := context.Background()
	b := openStore(t)
	for name, val := range map[string]string{
		"not json":       "{",
		"future version": `{"version":9,"keys":[]}`,
		"missing fields": `{"version":1,"keys":[{"kid":"x","alg":"ES256"}]}`,
		"bad alg":        `{"version":1,"keys":[{"kid":"x","alg":"HS256","public":{},"sealed":"AA=="}]}`,
	} {
		if err := b.Put(ctx, "keys", "set", []byte(val), 0); err != nil {
			t.Fatal(err)
		}
		m := newManager(t, b, masterA, Options{})
		if _, err := m.Signer(ctx, jose.ES256); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Signer = %v; want ErrCorrupt", name, err)
		}
		if _, err := m.Rotate(ctx, jose.ES256); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Rotate = %v; want ErrCorrupt", name, err)
		}
		if got, _ := b.Get(ctx, "keys", "set"); string(got) != val {
			t.Errorf("%s: a corrupt set was overwritten", name)
		}
	}
}

func TestSignAndVerify(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, openStore(t), masterA, Options{Algorithms: []jose.SignatureAlgorithm{jose.ES256, jose.PS256}})
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	ks, err := m.KeySet(ctx)
	if err != nil || len(ks) != 2 {
		t.Fatalf("KeySet: %v, %d", err, len(ks))
	}
	pub, _ := m.PublicKeys(ctx)
	set := jose.JSONWebKeySet{Keys: pub}
	for _, alg := range []jose.SignatureAlgorithm{jose.ES256, jose.PS256, jose.RS256} {
		k, err := m.Signer(ctx, alg) // RS256 is created on first use
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if k.Algorithm() != alg || k.SignatureAlgorithm() != alg || k.ID() == "" || k.Signer() == nil {
			t.Fatalf("%s: bad key %+v", alg, k)
		}
		signer, err := op.SignerFromKey(k)
		if err != nil {
			t.Fatalf("%s: zitadel cannot use the key: %v", alg, err)
		}
		jws, err := signer.Sign([]byte(`{"sub":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		if alg == jose.RS256 {
			pub, _ = m.PublicKeys(ctx)
			set = jose.JSONWebKeySet{Keys: pub}
		}
		jwk := set.Key(k.ID())
		if len(jwk) != 1 || jwk[0].Use != "sig" || jwk[0].Algorithm != string(alg) {
			t.Fatalf("%s: JWKS entry %+v", alg, jwk)
		}
		if _, err := jws.Verify(jwk[0]); err != nil {
			t.Errorf("%s: signature does not verify with the published key: %v", alg, err)
		}
	}
	algs, _ := m.SignatureAlgorithms(ctx)
	if len(algs) != 3 {
		t.Errorf("SignatureAlgorithms = %v", algs)
	}
	if _, err := m.Signer(ctx, jose.HS256); err == nil {
		t.Error("HS256 accepted")
	}
	if _, err := New(openStore(t), masterA, Options{Algorithms: []jose.SignatureAlgorithm{jose.EdDSA}}); err == nil {
		t.Error("unsupported algorithm in Options accepted")
	}
}

// TestPublishBeforeSign: right after Rotate the new key is in the JWKS but
// does not sign until PublishDelay has passed, on this instance and on
// another one that shares the store.
func TestPublishBeforeSign(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	b := openStore(t)
	opts := Options{PublishDelay: 5 * time.Minute, MaxTokenTTL: time.Hour, Now: clk.Now}
	m1 := newManager(t, b, masterA, opts)
	m2 := newManager(t, b, masterA, opts)
	if err := m1.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	old, err := m1.Signer(ctx, jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := m2.Signer(ctx, jose.ES256); k.ID() != old.ID() {
		t.Fatal("second instance signs with another key after bootstrap")
	}

	kid, err := m1.Rotate(ctx, jose.ES256)
	if err != nil || kid == old.ID() {
		t.Fatalf("Rotate = %q, %v", kid, err)
	}
	if again, _ := m1.Rotate(ctx, jose.ES256); again != kid {
		t.Errorf("second Rotate during a pending rotation added %q", again)
	}
	clk.Add(DefaultCacheTTL) // m2's cache expires; the new key is not due yet
	for name, m := range map[string]*Manager{"m1": m1, "m2": m2} {
		if !published(t, m, kid) || !published(t, m, old.ID()) {
			t.Errorf("%s: both keys must be published during the delay", name)
		}
		if k, _ := m.Signer(ctx, jose.ES256); k.ID() != old.ID() {
			t.Errorf("%s: new key signs before PublishDelay", name)
		}
		if st := state(t, m, kid); st != StatePending {
			t.Errorf("%s: new key state %s", name, st)
		}
	}

	clk.Add(5*time.Minute - DefaultCacheTTL) // exactly the activation time
	for name, m := range map[string]*Manager{"m1": m1, "m2": m2} {
		if k, _ := m.Signer(ctx, jose.ES256); k.ID() != kid {
			t.Errorf("%s: new key does not sign after PublishDelay", name)
		}
		if !published(t, m, old.ID()) || state(t, m, old.ID()) != StateRetiring {
			t.Errorf("%s: old key must stay published as retiring", name)
		}
	}
}

// TestRetireAndPrune: a key stops being published when the last token it
// signed has expired, and only then does Prune delete it.
func TestRetireAndPrune(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	b := openStore(t)
	m := newManager(t, b, masterA, Options{PublishDelay: time.Minute, MaxTokenTTL: time.Hour, Now: clk.Now, CacheTTL: -1})
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	old, _ := m.Signer(ctx, jose.ES256)
	if _, err := m.Rotate(ctx, jose.ES256); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute + time.Hour - time.Second) // one second before retire
	if n, err := m.Prune(ctx); err != nil || n != 0 {
		t.Fatalf("Prune before retire time = %d, %v", n, err)
	}
	if !published(t, m, old.ID()) {
		t.Fatal("retiring key unpublished before its last token expired")
	}
	clk.Add(time.Second)
	if published(t, m, old.ID()) {
		t.Error("expired key still published")
	}
	if st := state(t, m, old.ID()); st != StateExpired {
		t.Errorf("state = %s; want expired", st)
	}
	if n, err := m.Prune(ctx); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
	if l, _ := m.List(ctx); len(l) != 1 || l[0].State != StateActive {
		t.Errorf("after Prune: %+v", l)
	}
	if n, _ := m.Prune(ctx); n != 0 {
		t.Error("second Prune deleted more")
	}
}

// TestConcurrentManagers: several instances bootstrapping and rotating at
// once over one store end with exactly one active key per algorithm, and
// no key is lost.
func TestConcurrentManagers(t *testing.T) {
	ctx := context.Background()
	b := openStore(t)
	algs := []jose.SignatureAlgorithm{jose.ES256, jose.PS256}
	const n = 6
	ms := make([]*Manager, n)
	for i := range ms {
		ms[i] = newManager(t, b, masterA, Options{Algorithms: algs, PublishDelay: NoDelay, CacheTTL: -1})
	}
	run := func(f func(m *Manager) error) {
		var wg sync.WaitGroup
		for _, m := range ms {
			wg.Go(func() {
				if err := f(m); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	run(func(m *Manager) error { return m.EnsureKeys(ctx) })
	checkOneActive(t, ms[0], algs, 2)

	// Without a publish delay each Rotate makes a new active key, so n
	// rotations add n keys per algorithm; all but one must be retiring.
	kids := make(chan string, n*len(algs))
	run(func(m *Manager) error {
		for _, alg := range algs {
			kid, err := m.Rotate(ctx, alg)
			if err != nil {
				return err
			}
			kids <- kid
		}
		return nil
	})
	close(kids)
	list := checkOneActive(t, ms[0], algs, 2+n*len(algs))
	for kid := range kids {
		if !slices.ContainsFunc(list, func(i Info) bool { return i.KID == kid }) {
			t.Errorf("rotated-in key %s lost", kid)
		}
	}

	// With a publish delay, concurrent rotations coalesce into one.
	delayed := make([]*Manager, n)
	for i := range delayed {
		delayed[i] = newManager(t, b, masterA, Options{Algorithms: algs, PublishDelay: time.Hour, CacheTTL: -1})
	}
	var mu sync.Mutex
	got := map[string]bool{}
	var wg sync.WaitGroup
	for _, m := range delayed {
		wg.Go(func() {
			kid, err := m.Rotate(ctx, jose.ES256)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			got[kid] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(got) != 1 {
		t.Errorf("%d concurrent delayed rotations made %d pending keys; want 1", n, len(got))
	}
	checkOneActive(t, ms[0], algs, 3+n*len(algs))
}

func checkOneActive(t *testing.T, m *Manager, algs []jose.SignatureAlgorithm, total int) []Info {
	t.Helper()
	list, err := m.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != total {
		t.Errorf("%d keys stored; want %d", len(list), total)
	}
	for _, alg := range algs {
		active := 0
		for _, i := range list {
			if i.Alg == alg && i.State == StateActive {
				active++
			}
		}
		if active != 1 {
			t.Errorf("%s: %d active keys; want exactly 1", alg, active)
		}
	}
	return list
}

func TestSignerUsesCache(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	b := &counting{Backend: openStore(t)}
	m := newManager(t, b, masterA, Options{Now: clk.Now})
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	before := b.gets.Load()
	for range 100 {
		if _, err := m.Signer(ctx, jose.ES256); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.gets.Load() - before; got != 0 {
		t.Errorf("100 cached Signer calls read the store %d times", got)
	}
	clk.Add(DefaultCacheTTL)
	m.Signer(ctx, jose.ES256)
	if got := b.gets.Load() - before; got != 1 {
		t.Errorf("after CacheTTL: %d reads; want 1", got)
	}
}

func published(t *testing.T, m *Manager, kid string) bool {
	t.Helper()
	pub, err := m.PublicKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(pub, func(k jose.JSONWebKey) bool { return k.KeyID == kid })
}

func state(t *testing.T, m *Manager, kid string) State {
	t.Helper()
	l, err := m.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range l {
		if i.KID == kid {
			return i.State
		}
	}
	return ""
}

// Someone who can write to the store but has no master key cannot get a
// public key of their own published (and so trusted by relying parties)
// by adding a retiring key: every published key must open under the
// master key and match its public key.
func TestForgedRetiringKeyNotPublished(t *testing.T) {
	ctx := context.Background()
	b := openStore(t)
	m := newManager(t, b, masterA, Options{})
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := b.Get(ctx, namespace, setKey)
	if err != nil {
		t.Fatal(err)
	}
	set, err := decodeSet(raw)
	if err != nil {
		t.Fatal(err)
	}
	evil, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := json.Marshal(jose.JSONWebKey{Key: &evil.PublicKey, KeyID: "forged", Algorithm: string(jose.ES256), Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	set.Keys = append(set.Keys, &record{KID: "forged", Alg: jose.ES256, State: StateRetiring, Created: now.Add(-2 * time.Hour),
		Activate: now.Add(-2 * time.Hour), Deactivate: now.Add(-time.Hour), Retire: now.Add(24 * time.Hour),
		Public: pub, Sealed: bytes.Repeat([]byte{1}, 64)})
	forged, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Put(ctx, namespace, setKey, forged, 0); err != nil {
		t.Fatal(err)
	}
	keys, err := newManager(t, b, masterA, Options{}).PublicKeys(ctx)
	for _, k := range keys {
		if k.KeyID == "forged" {
			t.Fatal("a key that does not open under the master key is published")
		}
	}
	if err == nil {
		t.Error("a key set with a forged key loaded without an error")
	}
}

// A key another instance made a moment ago (a first client asking for
// RS256) is missing from this instance's cached set until the cache
// expires; FreshPublicKeys, which the key set endpoint and the check of an
// unknown kid use, finds it, and goes to the store at most once a second.
func TestFreshPublicKeys(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	c := &counting{Backend: openStore(t)}
	b := newManager(t, c, masterA, Options{Now: clk.Now, PublishDelay: NoDelay})
	if err := b.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.PublicKeys(ctx); err != nil {
		t.Fatal(err)
	}
	a := newManager(t, c, masterA, Options{Now: clk.Now, PublishDelay: NoDelay})
	rs, err := a.Signer(ctx, jose.RS256)
	if err != nil {
		t.Fatal(err)
	}
	has := func(keys []jose.JSONWebKey) bool {
		return slices.ContainsFunc(keys, func(k jose.JSONWebKey) bool { return k.KeyID == rs.ID() })
	}
	clk.Add(2 * time.Second) // within the 10 s cache, past FreshPublicKeys' 1 s
	if cached, _ := b.PublicKeys(ctx); has(cached) {
		t.Fatal("the test needs the new key outside b's cached set")
	}
	before := c.gets.Load()
	fresh, err := b.FreshPublicKeys(ctx)
	if err != nil || !has(fresh) {
		t.Fatalf("FreshPublicKeys lacks the key another instance made (%v)", err)
	}
	if _, err := b.FreshPublicKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if n := c.gets.Load() - before; n != 1 {
		t.Errorf("two FreshPublicKeys within a second read the store %d times, want 1", n)
	}
}
