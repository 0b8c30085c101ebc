// Package identity is the identity context: accounts, credentials,
// sessions, OAuth apps and tokens, profiles.
package identity

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
)

// Service is the identity context's logic.
type Service struct {
	cfg      Config
	accounts pinhole.AccountStore
	tokens   pinhole.TokenStore
	limiter  pinhole.RateLimiter
	ids      *pinhole.IDGenerator
	now      func() time.Time
	// auth caches token hash → token for a few seconds: every API request
	// authenticates, and revocation drops the entry on this node.
	auth     *inmem.Cache[string, *pinhole.Token]
	accCache *inmem.Cache[pinhole.ID, *pinhole.Account]
	dummy    string // a hash to check against when the login is unknown
	onForget func(ids []pinhole.ID)
}

// New returns the service.
func New(cfg Config, accounts pinhole.AccountStore, tokens pinhole.TokenStore, limiter pinhole.RateLimiter, ids *pinhole.IDGenerator, now func() time.Time) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dummy, err := HashPassword("not a password of anyone", cfg.Argon2)
	if err != nil {
		return nil, err
	}
	return &Service{
		cfg: cfg, accounts: accounts, tokens: tokens, limiter: limiter, ids: ids, now: now,
		auth:     inmem.NewCache[string, *pinhole.Token](100_000, cfg.AuthCacheTTL, now),
		accCache: inmem.NewCache[pinhole.ID, *pinhole.Account](100_000, 2*time.Second, now),
		dummy:    dummy,
	}, nil
}

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

// Signup is a new member's submission.
type Signup struct {
	Username string
	Email    string
	Password string
	IP       string
}

// Validate normalizes and checks the fields.
func (in *Signup) Validate() error {
	in.Username = pinhole.NormalizeUsername(in.Username)
	in.Email = pinhole.NormalizeEmail(in.Email)
	if err := pinhole.ValidateUsername(in.Username); err != nil {
		return err
	}
	if err := pinhole.ValidateEmail(in.Email); err != nil {
		return err
	}
	return pinhole.ValidatePassword(in.Password)
}

// limit applies a rate and turns a refusal into ERATELIMITED.
func (s *Service) limit(ctx context.Context, key string, r pinhole.Rate, what string) error {
	ok, wait, err := s.limiter.Allow(ctx, key, r)
	if err != nil {
		return fmt.Errorf("identity: rate limit: %w", err)
	}
	if !ok {
		return &pinhole.Error{Code: pinhole.ERATELIMITED, Message: fmt.Sprintf("Too many %s attempts; try again in %d seconds.", what, int(wait.Seconds())+1), RetryAfter: wait}
	}
	return nil
}

// Signup creates an account on a random logical shard.
func (s *Service) Signup(ctx context.Context, in Signup) (*pinhole.Account, error) {
	if err := s.limit(ctx, "signup:ip:"+in.IP, s.cfg.SignupPerIP, "sign-up"); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password, s.cfg.Argon2)
	if err != nil {
		return nil, err
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	shard := int(binary.BigEndian.Uint64(b[:]) % uint64(s.cfg.NumShards))
	a := &pinhole.Account{ID: s.ids.Next(shard), Username: in.Username, Email: in.Email, CreatedAt: s.now().UTC()}
	e := pinhole.Event{ID: s.ids.Next(shard), Type: pinhole.EventAccountCreated, ActorID: a.ID, At: a.CreatedAt}
	if err := s.accounts.CreateAccount(ctx, a, hash, e); err != nil {
		return nil, err
	}
	return a, nil
}

// Login checks a username-or-e-mail and password, rate limited per IP and
// per login. Unknown logins cost the same as wrong passwords.
func (s *Service) Login(ctx context.Context, login, password, ip string) (*pinhole.Account, error) {
	if err := s.limit(ctx, "login:ip:"+ip, s.cfg.LoginPerIP, "login"); err != nil {
		return nil, err
	}
	login = pinhole.NormalizeUsername(login)
	if login == "" || password == "" {
		return nil, pinhole.Errorf(pinhole.EINVALID, "Enter your username (or e-mail) and password.")
	}
	if len(login) > pinhole.MaxEmailLen || len(password) > pinhole.MaxPasswordLen {
		return nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "Wrong username or password.")
	}
	if err := s.limit(ctx, "login:user:"+login, s.cfg.LoginPerUser, "login"); err != nil {
		return nil, err
	}
	a, hash, err := s.accounts.FindLogin(ctx, login)
	if pinhole.IsNotFound(err) {
		_, _ = CheckPassword(password, s.dummy)
		return nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "Wrong username or password.")
	} else if err != nil {
		return nil, err
	}
	ok, err := CheckPassword(password, hash)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "Wrong username or password.")
	}
	return a, nil
}

// NewSession starts a web session and returns its secret for the cookie.
func (s *Service) NewSession(ctx context.Context, accountID pinhole.ID) (string, error) {
	secret := newSecret()
	now := s.now().UTC()
	t := &pinhole.Token{Hash: hashSecret(secret), AccountID: accountID, Scopes: "read write follow push", CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.tokens.CreateToken(ctx, t); err != nil {
		return "", err
	}
	return secret, nil
}

// Authenticate resolves a bearer token or session secret. EUNAUTHORIZED
// when it is unknown, expired or revoked.
func (s *Service) Authenticate(ctx context.Context, secret string) (*pinhole.Token, *pinhole.Account, error) {
	if secret == "" || len(secret) > 256 {
		return nil, nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "The access token is invalid.")
	}
	key := string(hashSecret(secret))
	t, ok := s.auth.Get(key)
	if s.cfg.AuthCacheTTL == 0 {
		ok = false
	}
	if !ok || (!t.ExpiresAt.IsZero() && !s.now().Before(t.ExpiresAt)) {
		var err error
		read := s.auth.Begin(ctx)
		t, err = s.tokens.FindToken(ctx, []byte(key), s.now())
		if pinhole.IsNotFound(err) {
			return nil, nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "The access token is invalid.")
		} else if err != nil {
			return nil, nil, err
		}
		if s.cfg.AuthCacheTTL > 0 {
			s.auth.Fill(key, t, read)
		}
	}
	if t.AccountID == 0 {
		return t, nil, nil
	}
	a, err := s.Account(ctx, t.AccountID)
	if pinhole.IsNotFound(err) {
		return nil, nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "The access token is invalid.")
	}
	return t, a, err
}

// Revoke ends a session or token.
func (s *Service) Revoke(ctx context.Context, secret string) error {
	h := hashSecret(secret)
	err := s.tokens.DeleteToken(ctx, h)
	s.auth.Delete(string(h)) // after the store: a lookup under way cannot put it back
	return err
}

// Account returns an account, from a short-lived cache unless ctx asks
// for fresh reads.
func (s *Service) Account(ctx context.Context, id pinhole.ID) (*pinhole.Account, error) {
	if a, ok := s.accCache.Get(id); ok && !pinhole.FreshReads(ctx) {
		return a, nil
	}
	read := s.accCache.Begin(ctx)
	a, err := s.accounts.FindAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	s.accCache.Fill(id, a, read)
	return a, nil
}

// Accounts multi-gets accounts; missing ones are absent from the map.
func (s *Service) Accounts(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Account, error) {
	out := make(map[pinhole.ID]*pinhole.Account, len(ids))
	var miss []pinhole.ID
	fresh := pinhole.FreshReads(ctx)
	for _, id := range ids {
		if a, ok := s.accCache.Get(id); ok && !fresh {
			out[id] = a
		} else if _, dup := out[id]; !dup {
			miss = append(miss, id)
		}
	}
	if len(miss) == 0 {
		return out, nil
	}
	read := s.accCache.Begin(ctx)
	found, err := s.accounts.FindAccounts(ctx, miss)
	if err != nil {
		return nil, err
	}
	for id, a := range found {
		s.accCache.Fill(id, a, read)
		out[id] = a
	}
	return out, nil
}

// Settle keeps what a lagging read replica returns right after an account
// changed out of the cache (inmem.Cache.Settle). Call it before use.
func (s *Service) Settle(d time.Duration) { s.accCache.Settle(d) }

// OnForget calls fn with the accounts every Forget made here drops, so
// other nodes drop them too (Drop). Call it before use.
func (s *Service) OnForget(fn func(ids []pinhole.ID)) { s.onForget = fn }

// Forget drops accounts from the cache after they changed: on this node,
// and through OnForget on every other.
func (s *Service) Forget(ids ...pinhole.ID) {
	s.Drop(ids...)
	if s.onForget != nil {
		s.onForget(ids)
	}
}

// Drop drops accounts from this node's cache only: what a Forget on
// another node asks of this one.
func (s *Service) Drop(ids ...pinhole.ID) {
	for _, id := range ids {
		s.accCache.Delete(id)
	}
}

// ByUsername finds an account by its username.
func (s *Service) ByUsername(ctx context.Context, username string) (*pinhole.Account, error) {
	username = pinhole.NormalizeUsername(username)
	if pinhole.ValidateUsername(username) != nil && username != "" {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "Account %.40q not found.", username)
	}
	return s.accounts.FindAccountByUsername(ctx, username)
}

// UpdateProfile changes the member's own profile.
func (s *Service) UpdateProfile(ctx context.Context, id pinhole.ID, upd pinhole.AccountUpdate) (*pinhole.Account, error) {
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	e := pinhole.Event{ID: s.ids.Next(id.Shard()), Type: pinhole.EventAccountUpdated, ActorID: id, At: s.now().UTC()}
	a, err := s.accounts.UpdateAccount(ctx, id, upd, e)
	s.Forget(id)
	return a, err
}

// CreateAdmin creates an account and makes it an admin (the admin command).
func (s *Service) CreateAdmin(ctx context.Context, in Signup) (*pinhole.Account, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	a, err := s.accounts.FindAccountByUsername(ctx, in.Username)
	if pinhole.IsNotFound(err) {
		in.IP = "admin-command"
		if a, err = s.Signup(ctx, in); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	err = s.accounts.SetAdmin(ctx, a.ID, true)
	s.Forget(a.ID)
	if err != nil {
		return nil, err
	}
	a.Admin = true
	return a, nil
}
