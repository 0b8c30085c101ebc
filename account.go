package pinhole

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on account fields.
const (
	MaxUsernameLen    = 30
	MaxDisplayNameLen = 64
	MaxBioLen         = 500
	MinPasswordLen    = 8
	MaxPasswordLen    = 128
	MaxEmailLen       = 254
)

// Account is a member. Email is only ever shown to its owner.
type Account struct {
	ID             ID
	Username       string // lower case, unique across the instance
	Email          string
	DisplayName    string
	Bio            string
	AvatarMediaID  ID   // 0: default avatar
	Locked         bool // private: follows need approval, posts only for followers
	Admin          bool
	CreatedAt      time.Time
	PostsCount     int64
	FollowersCount int64
	FollowingCount int64
	LastPostAt     time.Time // zero when none
}

// Name returns the display name, or the username when it is empty.
func (a *Account) Name() string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Username
}

// reservedUsernames would collide with pages, API paths or staff roles.
var reservedUsernames = map[string]bool{
	"admin": true, "administrator": true, "api": true, "oauth": true, "login": true,
	"logout": true, "signup": true, "settings": true, "static": true, "media": true,
	"explore": true, "search": true, "root": true, "support": true, "pinhole": true,
	"healthz": true, "readyz": true, "about": true, "help": true, "security": true,
}

// NormalizeUsername lower-cases and trims a username as typed.
func NormalizeUsername(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
}

// ValidateUsername checks a normalized username.
func ValidateUsername(s string) error {
	switch {
	case s == "":
		return Errorf(EINVALID, "Username is required.")
	case len(s) > MaxUsernameLen:
		return Errorf(EINVALID, "Username must be at most %d characters.", MaxUsernameLen)
	case strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, ".."):
		return Errorf(EINVALID, "Username cannot start or end with a period or have two in a row.")
	case reservedUsernames[s]:
		return Errorf(EINVALID, "Username %q is reserved; choose another.", s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return Errorf(EINVALID, "Username may only contain letters a–z, digits, underscores and periods.")
		}
	}
	return nil
}

// NormalizeEmail trims an e-mail address; the domain part is lower-cased.
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[:i] + strings.ToLower(s[i:])
	}
	return s
}

// ValidateEmail checks a normalized e-mail address.
func ValidateEmail(s string) error {
	if s == "" {
		return Errorf(EINVALID, "E-mail is required.")
	}
	if len(s) > MaxEmailLen {
		return Errorf(EINVALID, "E-mail must be at most %d characters.", MaxEmailLen)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return Errorf(EINVALID, "E-mail %.60q is not a valid address like name@example.com.", s)
	}
	return nil
}

// ValidatePassword checks a new password.
func ValidatePassword(s string) error {
	n := utf8.RuneCountInString(s)
	switch {
	case n < MinPasswordLen:
		return Errorf(EINVALID, "Password must be at least %d characters.", MinPasswordLen)
	case len(s) > MaxPasswordLen:
		return Errorf(EINVALID, "Password must be at most %d bytes.", MaxPasswordLen)
	}
	return nil
}

// AccountUpdate is a partial update of a profile; nil fields stay.
type AccountUpdate struct {
	DisplayName   *string
	Bio           *string
	Locked        *bool
	AvatarMediaID *ID
}

// Validate checks the fields that are set and trims them in place.
func (u *AccountUpdate) Validate() error {
	if u.DisplayName != nil {
		s := strings.TrimSpace(*u.DisplayName)
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxDisplayNameLen {
			return Errorf(EINVALID, "Display name must be at most %d characters.", MaxDisplayNameLen)
		}
		if strings.ContainsFunc(s, isControl) {
			return Errorf(EINVALID, "Display name cannot contain control characters.")
		}
		u.DisplayName = &s
	}
	if u.Bio != nil {
		s := strings.TrimSpace(*u.Bio)
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxBioLen {
			return Errorf(EINVALID, "Bio must be at most %d characters.", MaxBioLen)
		}
		u.Bio = &s
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// AccountStore persists accounts. Usernames and e-mails are reserved in the
// directory; the rest lives on the account's logical shard.
type AccountStore interface {
	// CreateAccount stores a new account with its password hash. ECONFLICT
	// when the username or e-mail is taken; nothing is left behind then.
	CreateAccount(ctx context.Context, a *Account, passwordHash string, events ...Event) error
	FindAccount(ctx context.Context, id ID) (*Account, error)
	// FindAccounts returns the accounts that exist among ids.
	FindAccounts(ctx context.Context, ids []ID) (map[ID]*Account, error)
	FindAccountByUsername(ctx context.Context, username string) (*Account, error)
	// FindLogin resolves a username or e-mail to the account and its
	// password hash.
	FindLogin(ctx context.Context, login string) (*Account, string, error)
	UpdateAccount(ctx context.Context, id ID, upd AccountUpdate, events ...Event) (*Account, error)
	SetAdmin(ctx context.Context, id ID, admin bool) error
	SetPasswordHash(ctx context.Context, id ID, hash string) error
}
