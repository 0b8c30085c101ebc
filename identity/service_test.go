package identity_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/identity"
	"github.com/pinhole/pinhole/inmem"
	"github.com/pinhole/pinhole/sqlite"
	"github.com/pinhole/pinhole/sqlstore"
)

// pausing holds lookups of the store at a gate after they have read, so a
// test can change the row while a read of its old value is under way.
type pausing struct {
	*sqlstore.Store
	read chan struct{} // a held lookup has read
	gate chan struct{} // closing it lets the held lookups return
	hold bool
}

func (p *pausing) pause() {
	if p.hold {
		p.read <- struct{}{}
		<-p.gate
	}
}

func (p *pausing) FindAccount(ctx context.Context, id pinhole.ID) (*pinhole.Account, error) {
	a, err := p.Store.FindAccount(ctx, id)
	p.pause()
	return a, err
}

func (p *pausing) FindToken(ctx context.Context, hash []byte, now time.Time) (*pinhole.Token, error) {
	t, err := p.Store.FindToken(ctx, hash, now)
	p.pause()
	return t, err
}

func newService(t *testing.T) (*identity.Service, *pausing) {
	t.Helper()
	c, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "pinhole.db"), NumShards: 4}, time.Now)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = sqlite.Close(c) })
	st := &pausing{Store: sqlstore.New(c), read: make(chan struct{}), gate: make(chan struct{})}
	cfg := identity.NewDefaultConfig()
	cfg.Argon2 = identity.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}
	cfg.NumShards = 4
	svc, err := identity.New(cfg, st, st, inmem.NewRateLimiter(time.Now), pinhole.NewIDGenerator(time.Now), time.Now)
	if err != nil {
		t.Fatalf("identity: %v", err)
	}
	return svc, st
}

// TestCachesCannotKeepWhatAWriteReplaced: a read that began before a
// write, and finishes after it, must not leave the old value cached (a
// member made private would take plain follows for the cache's lifetime;
// a revoked token would still sign in).
func TestCachesCannotKeepWhatAWriteReplaced(t *testing.T) {
	ctx := t.Context()
	t.Run("Account", func(t *testing.T) {
		svc, st := newService(t)
		a, err := svc.Signup(ctx, identity.Signup{Username: "priv", Email: "priv@example.com", Password: "correct horse battery", IP: "127.0.0.1"})
		if err != nil {
			t.Fatalf("signup: %v", err)
		}
		st.hold = true
		done := make(chan error)
		go func() { // e.g. the search indexer, reading past the cache
			_, err := svc.Account(pinhole.WithFreshReads(ctx), a.ID)
			done <- err
		}()
		<-st.read // it has read the account while still public
		st.hold = false
		locked := true
		if _, err := svc.UpdateProfile(ctx, a.ID, pinhole.AccountUpdate{Locked: &locked}); err != nil {
			t.Fatalf("lock: %v", err)
		}
		close(st.gate)
		if err := <-done; err != nil {
			t.Fatalf("read: %v", err)
		}
		got, err := svc.Account(ctx, a.ID)
		if err != nil || !got.Locked {
			t.Fatalf("account after locking: locked=%v, %v; want the locked account", got != nil && got.Locked, err)
		}
		many, err := svc.Accounts(ctx, []pinhole.ID{a.ID})
		if err != nil || !many[a.ID].Locked {
			t.Fatalf("accounts after locking: %v, %v; want the locked account", many[a.ID], err)
		}
	})
	t.Run("Admin", func(t *testing.T) {
		svc, st := newService(t)
		a, err := svc.Signup(ctx, identity.Signup{Username: "boss", Email: "boss@example.com", Password: "correct horse battery", IP: "127.0.0.1"})
		if err != nil {
			t.Fatalf("signup: %v", err)
		}
		st.hold = true
		done := make(chan error)
		go func() { // the search indexer reads the new account
			_, err := svc.Account(pinhole.WithFreshReads(ctx), a.ID)
			done <- err
		}()
		<-st.read
		st.hold = false
		if _, err := svc.CreateAdmin(ctx, identity.Signup{Username: "boss", Email: "boss@example.com", Password: "correct horse battery"}); err != nil {
			t.Fatalf("make admin: %v", err)
		}
		close(st.gate)
		if err := <-done; err != nil {
			t.Fatalf("read: %v", err)
		}
		if got, err := svc.Account(ctx, a.ID); err != nil || !got.Admin {
			t.Fatalf("account after making it an admin: %+v, %v; want an admin", got, err)
		}
	})
	t.Run("Token", func(t *testing.T) {
		svc, st := newService(t)
		a, err := svc.Signup(ctx, identity.Signup{Username: "leaving", Email: "leaving@example.com", Password: "correct horse battery", IP: "127.0.0.1"})
		if err != nil {
			t.Fatalf("signup: %v", err)
		}
		secret, err := svc.NewSession(ctx, a.ID)
		if err != nil {
			t.Fatalf("session: %v", err)
		}
		st.hold = true
		done := make(chan error)
		go func() {
			_, _, err := svc.Authenticate(ctx, secret)
			done <- err
		}()
		<-st.read // it has found the token before the revoke
		st.hold = false
		if err := svc.Revoke(ctx, secret); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		close(st.gate)
		if err := <-done; err != nil {
			t.Fatalf("authenticate: %v", err)
		}
		if _, _, err := svc.Authenticate(ctx, secret); pinhole.ErrorCode(err) != pinhole.EUNAUTHORIZED {
			t.Fatalf("authenticate after revoke: %v; want unauthorized", err)
		}
	})
}

// TestForgetTellsTheOtherNodes: a profile change drops the account on
// every node, through the OnForget hook.
func TestForgetTellsTheOtherNodes(t *testing.T) {
	svc, _ := newService(t)
	a, err := svc.Signup(t.Context(), identity.Signup{Username: "ann", Email: "ann@example.com", Password: "correct horse battery", IP: "127.0.0.1"})
	if err != nil {
		t.Fatalf("signup: %v", err)
	}
	var told [][]pinhole.ID
	svc.OnForget(func(ids []pinhole.ID) { told = append(told, ids) })
	locked := true
	if _, err := svc.UpdateProfile(t.Context(), a.ID, pinhole.AccountUpdate{Locked: &locked}); err != nil {
		t.Fatalf("lock: %v", err)
	}
	if len(told) != 1 || len(told[0]) != 1 || told[0][0] != a.ID {
		t.Errorf("other nodes were told %v; want [[%s]]", told, a.ID)
	}
}
