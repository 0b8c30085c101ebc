package identity

import (
	"fmt"
	"time"

	"github.com/pinhole/pinhole"
)

// Config is the identity context's settings.
type Config struct {
	Argon2        Argon2Params
	SessionTTL    time.Duration // web sessions
	PasswordGrant bool          // allow OAuth's password grant
	LoginPerIP    pinhole.Rate
	LoginPerUser  pinhole.Rate
	SignupPerIP   pinhole.Rate
	NumShards     int // logical shards new accounts are spread over
	// AuthCacheTTL is how long this process trusts a token it looked up;
	// 0 looks every token up (in Redis at scale, where a revoke on any
	// node drops it at once).
	AuthCacheTTL time.Duration
}

// NewDefaultConfig returns the defaults.
func NewDefaultConfig() Config {
	return Config{
		Argon2:        DefaultArgon2,
		SessionTTL:    30 * 24 * time.Hour,
		PasswordGrant: true,
		LoginPerIP:    pinhole.Rate{Burst: 20, Period: 5 * time.Minute},
		LoginPerUser:  pinhole.Rate{Burst: 10, Period: 5 * time.Minute},
		SignupPerIP:   pinhole.Rate{Burst: 10, Period: time.Hour},
		NumShards:     256,
		AuthCacheTTL:  10 * time.Second,
	}
}

// Validate checks the settings.
func (c Config) Validate() error {
	if c.Argon2.Memory < 8*1024 || c.Argon2.Time < 1 || c.Argon2.Threads < 1 {
		return fmt.Errorf("identity: argon2 parameters too weak")
	}
	if c.SessionTTL < time.Minute {
		return fmt.Errorf("identity: session TTL must be at least a minute")
	}
	if c.AuthCacheTTL < 0 || c.AuthCacheTTL > time.Minute {
		return fmt.Errorf("identity: the token cache TTL must be 0..1m")
	}
	if c.NumShards < 1 || c.NumShards > pinhole.MaxShards {
		return fmt.Errorf("identity: logical shards must be 1..%d", pinhole.MaxShards)
	}
	return nil
}
