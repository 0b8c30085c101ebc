package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/pinhole/pinhole"
)

var accountTests = []test{
	{"CreateThenFindByID", testAccountCreateThenFindByID},
	{"FindByUsernameIgnoresCase", testAccountFindByUsernameIgnoresCase},
	{"FindLoginByUsernameOrEmail", testAccountFindLogin},
	{"DuplicateUsernameConflictsAndLeavesNothing", testAccountDuplicateUsername},
	{"DuplicateEmailConflictsAndLeavesNothing", testAccountDuplicateEmail},
	{"DuplicateIDIsRefusedAndLeavesTheFirstIntact", testAccountDuplicateID},
	{"ConcurrentSignupsForOneNameOneWins", testAccountConcurrentSignups},
	{"FindAccountsAcrossShardsReturnsOnlyExisting", testAccountFindAccounts},
	{"UpdateChangesOnlyTheFieldsSet", testAccountUpdatePartial},
	{"UnknownIDIsNotFound", testAccountUnknownID},
	{"SetAdmin", testAccountSetAdmin},
	{"SetPasswordHash", testAccountSetPasswordHash},
}

// inUTC returns a copy of a with its times in UTC, so accounts read back
// from any engine compare with reflect.DeepEqual.
func inUTC(a *pinhole.Account) pinhole.Account {
	c := *a
	c.CreatedAt, c.LastPostAt = c.CreatedAt.UTC(), c.LastPostAt.UTC()
	return c
}

func checkAccount(t *testing.T, what string, got, want *pinhole.Account) {
	t.Helper()
	if g, w := inUTC(got), inUTC(want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, g, w)
	}
}

func testAccountCreateThenFindByID(t *testing.T, s Stores) {
	want := &pinhole.Account{
		ID:          s.IDs.Next(s.Shard(3)),
		Username:    "alice",
		Email:       "alice@example.com",
		DisplayName: "Alice A.",
		Bio:         "Film and fog.",
		Locked:      true,
		CreatedAt:   Now,
	}
	mustOK(t, "create", s.Accounts.CreateAccount(t.Context(), want, "h1"))
	checkAccount(t, "FindAccount", MustFindAccount(t, s, want.ID), want)
}

func testAccountFindByUsernameIgnoresCase(t *testing.T, s Stores) {
	a := MustCreateAccount(t, s, "alice")
	for _, name := range []string{"alice", "Alice", "ALICE", "@alice"} {
		got, err := s.Accounts.FindAccountByUsername(t.Context(), name)
		if err != nil {
			t.Errorf("FindAccountByUsername(%q): %v", name, err)
			continue
		}
		checkAccount(t, "FindAccountByUsername("+name+")", got, a)
	}
	_, err := s.Accounts.FindAccountByUsername(t.Context(), "bob")
	wantCode(t, "FindAccountByUsername(unknown)", err, pinhole.ENOTFOUND)
}

func testAccountFindLogin(t *testing.T, s Stores) {
	a := &pinhole.Account{ID: s.IDs.Next(s.Shard(5)), Username: "alice", Email: "Alice.Smith@Example.com", CreatedAt: Now}
	mustOK(t, "create", s.Accounts.CreateAccount(t.Context(), a, "the-hash"))
	for _, login := range []string{"alice", "ALICE", "@alice", "Alice.Smith@Example.com", "alice.smith@example.com", "ALICE.SMITH@EXAMPLE.COM"} {
		got, hash, err := s.Accounts.FindLogin(t.Context(), login)
		if err != nil {
			t.Errorf("FindLogin(%q): %v", login, err)
			continue
		}
		if got.ID != a.ID || hash != "the-hash" {
			t.Errorf("FindLogin(%q): got account %s hash %q, want %s %q", login, got.ID, hash, a.ID, "the-hash")
		}
	}
	for _, login := range []string{"bob", "bob@example.com"} {
		got, _, err := s.Accounts.FindLogin(t.Context(), login)
		wantCode(t, "FindLogin("+login+")", err, pinhole.ENOTFOUND)
		if got != nil {
			t.Errorf("FindLogin(%q): got account %+v with the error, want nil", login, got)
		}
	}
}

func testAccountDuplicateUsername(t *testing.T, s Stores) {
	MustCreateAccountOn(t, s, s.Shard(1), "alice")
	dup := &pinhole.Account{ID: s.IDs.Next(s.Shard(2)), Username: "alice", Email: "other@example.com", CreatedAt: Now}
	wantCode(t, "create duplicate username", s.Accounts.CreateAccount(t.Context(), dup, "h"), pinhole.ECONFLICT)

	_, err := s.Accounts.FindAccount(t.Context(), dup.ID)
	wantCode(t, "find the refused account", err, pinhole.ENOTFOUND)
	_, _, err = s.Accounts.FindLogin(t.Context(), "other@example.com")
	wantCode(t, "login with the refused e-mail", err, pinhole.ENOTFOUND)
	// The e-mail of the refused account must still be free.
	carol := &pinhole.Account{ID: s.IDs.Next(s.Shard(2)), Username: "carol", Email: "other@example.com", CreatedAt: Now}
	mustOK(t, "create with the refused account's e-mail", s.Accounts.CreateAccount(t.Context(), carol, "h"))
}

func testAccountDuplicateEmail(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	// E-mails are unique regardless of case.
	dup := &pinhole.Account{ID: s.IDs.Next(s.Shard(2)), Username: "bob", Email: "ALICE@example.com", CreatedAt: Now}
	wantCode(t, "create duplicate e-mail", s.Accounts.CreateAccount(t.Context(), dup, "h"), pinhole.ECONFLICT)

	_, err := s.Accounts.FindAccount(t.Context(), dup.ID)
	wantCode(t, "find the refused account", err, pinhole.ENOTFOUND)
	_, err = s.Accounts.FindAccountByUsername(t.Context(), "bob")
	wantCode(t, "find the refused username", err, pinhole.ENOTFOUND)
	got, _, err := s.Accounts.FindLogin(t.Context(), "alice@example.com")
	if err != nil || got.ID != alice.ID {
		t.Errorf("login as the first owner of the e-mail: got %v, %v; want account %s", got, err, alice.ID)
	}
	// The username of the refused account must still be free.
	bob := &pinhole.Account{ID: s.IDs.Next(s.Shard(2)), Username: "bob", Email: "bob@example.com", CreatedAt: Now}
	mustOK(t, "create with the refused account's username", s.Accounts.CreateAccount(t.Context(), bob, "h"))
	got, err = s.Accounts.FindAccountByUsername(t.Context(), "bob")
	if err != nil || got.ID != bob.ID {
		t.Errorf("find bob: got %v, %v; want account %s", got, err, bob.ID)
	}
}

func testAccountDuplicateID(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	// Two generators minting on one shard can collide (see IDGenerator);
	// the store must refuse the second account without harming the first.
	dup := &pinhole.Account{ID: alice.ID, Username: "bob", Email: "bob@example.com", CreatedAt: Now}
	if err := s.Accounts.CreateAccount(t.Context(), dup, "h"); err == nil {
		t.Fatalf("create a second account with alice's ID: got no error")
	}
	checkAccount(t, "alice by ID", MustFindAccount(t, s, alice.ID), alice)
	for _, login := range []string{"alice", "alice@example.com"} {
		got, hash, err := s.Accounts.FindLogin(t.Context(), login)
		if err != nil || got.ID != alice.ID || hash != "hash-of-alice" {
			t.Errorf("FindLogin(%q) after the refused duplicate: got %v, %q, %v; want alice", login, got, hash, err)
		}
	}
	_, err := s.Accounts.FindAccountByUsername(t.Context(), "bob")
	wantCode(t, "find the refused username", err, pinhole.ENOTFOUND)
	MustCreateAccountOn(t, s, s.Shard(2), "bob") // the refused names are free
}

func testAccountConcurrentSignups(t *testing.T, s Stores) {
	const n = 8
	codes := make([]string, n)
	ids := make([]pinhole.ID, n)
	var wg sync.WaitGroup
	for i := range n {
		ids[i] = s.IDs.Next(s.Shard(1 + i))
		wg.Go(func() {
			a := &pinhole.Account{ID: ids[i], Username: "alice", Email: fmt.Sprintf("alice%d@example.com", i), CreatedAt: Now}
			codes[i] = pinhole.ErrorCode(s.Accounts.CreateAccount(t.Context(), a, "h"))
		})
	}
	wg.Wait()
	winner := pinhole.ID(0)
	for i, code := range codes {
		switch code {
		case "":
			if winner != 0 {
				t.Errorf("both %s and %s got the name", winner, ids[i])
			}
			winner = ids[i]
		case pinhole.ECONFLICT:
		default:
			t.Errorf("signup %d: got error code %q, want success or %q", i, code, pinhole.ECONFLICT)
		}
	}
	got, err := s.Accounts.FindAccountByUsername(t.Context(), "alice")
	if err != nil || winner == 0 || got.ID != winner {
		t.Errorf("alice: got %v, %v; want the one winner %s", got, err, winner)
	}
	found, err := s.Accounts.FindAccounts(t.Context(), ids)
	if err != nil || len(found) != 1 {
		t.Errorf("accounts stored: got %d, %v; want 1", len(found), err)
	}
}

func testAccountFindAccounts(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	c := MustCreateAccountOn(t, s, s.Shard(3), "carol")
	missing := s.IDs.Next(s.Shard(4))
	got, err := s.Accounts.FindAccounts(t.Context(), []pinhole.ID{a.ID, missing, c.ID, b.ID})
	mustOK(t, "FindAccounts", err)
	if g, w := keys(got), sortedIDs([]pinhole.ID{a.ID, b.ID, c.ID}); !reflect.DeepEqual(g, w) {
		t.Fatalf("FindAccounts: got IDs %v, want %v", g, w)
	}
	for _, want := range []*pinhole.Account{a, b, c} {
		checkAccount(t, "FindAccounts["+want.Username+"]", got[want.ID], want)
	}

	got, err = s.Accounts.FindAccounts(t.Context(), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("FindAccounts(nil): got %v, %v; want an empty map", got, err)
	}
}

func testAccountUpdatePartial(t *testing.T, s Stores) {
	a := MustCreateAccount(t, s, "alice")
	name, bio, locked, avatar := "Alice", "Hello.", true, s.IDs.Next(a.ID.Shard())

	steps := []struct {
		name string
		upd  pinhole.AccountUpdate
		want func(a *pinhole.Account)
	}{
		{"DisplayNameOnly", pinhole.AccountUpdate{DisplayName: &name}, func(a *pinhole.Account) { a.DisplayName = name }},
		{"BioOnly", pinhole.AccountUpdate{Bio: &bio}, func(a *pinhole.Account) { a.Bio = bio }},
		{"LockedAndAvatar", pinhole.AccountUpdate{Locked: &locked, AvatarMediaID: &avatar}, func(a *pinhole.Account) { a.Locked, a.AvatarMediaID = locked, avatar }},
		{"Nothing", pinhole.AccountUpdate{}, func(*pinhole.Account) {}},
	}
	want := *a
	for _, step := range steps {
		step.want(&want)
		got, err := s.Accounts.UpdateAccount(t.Context(), a.ID, step.upd)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		checkAccount(t, step.name+": returned", got, &want)
		checkAccount(t, step.name+": stored", MustFindAccount(t, s, a.ID), &want)
	}
}

func testAccountUnknownID(t *testing.T, s Stores) {
	MustCreateAccount(t, s, "alice")
	id := s.IDs.Next(s.Shard(1))
	name := "Nobody"

	got, err := s.Accounts.FindAccount(t.Context(), id)
	wantCode(t, "FindAccount", err, pinhole.ENOTFOUND)
	if got != nil {
		t.Errorf("FindAccount: got %+v with the error, want nil", got)
	}
	got, err = s.Accounts.UpdateAccount(t.Context(), id, pinhole.AccountUpdate{DisplayName: &name})
	wantCode(t, "UpdateAccount", err, pinhole.ENOTFOUND)
	if got != nil {
		t.Errorf("UpdateAccount: got %+v with the error, want nil", got)
	}
	_, err = s.Accounts.UpdateAccount(t.Context(), id, pinhole.AccountUpdate{})
	wantCode(t, "UpdateAccount with nothing to change", err, pinhole.ENOTFOUND)
	wantCode(t, "SetAdmin", s.Accounts.SetAdmin(t.Context(), id, true), pinhole.ENOTFOUND)
	wantCode(t, "SetPasswordHash", s.Accounts.SetPasswordHash(t.Context(), id, "h"), pinhole.ENOTFOUND)
}

func testAccountSetAdmin(t *testing.T, s Stores) {
	a := MustCreateAccount(t, s, "alice")
	b := MustCreateAccount(t, s, "bob")
	for _, admin := range []bool{true, false} {
		mustOK(t, "SetAdmin", s.Accounts.SetAdmin(t.Context(), a.ID, admin))
		if got := MustFindAccount(t, s, a.ID).Admin; got != admin {
			t.Errorf("after SetAdmin(alice, %v): got Admin %v", admin, got)
		}
		if MustFindAccount(t, s, b.ID).Admin {
			t.Errorf("after SetAdmin(alice, %v): bob is an admin too", admin)
		}
	}
}

func testAccountSetPasswordHash(t *testing.T, s Stores) {
	a := MustCreateAccount(t, s, "alice")
	MustCreateAccount(t, s, "bob")
	mustOK(t, "SetPasswordHash", s.Accounts.SetPasswordHash(t.Context(), a.ID, "new-hash"))
	for _, c := range []struct{ login, want string }{
		{"alice", "new-hash"},
		{"alice@example.com", "new-hash"},
		{"bob", "hash-of-bob"},
	} {
		_, got, err := s.Accounts.FindLogin(t.Context(), c.login)
		if err != nil || got != c.want {
			t.Errorf("FindLogin(%q): got hash %q, %v; want %q", c.login, got, err, c.want)
		}
	}
}
