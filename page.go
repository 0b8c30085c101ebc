package pinhole

// Default and largest page sizes for lists.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 40
)

// Page selects a slice of an ID-ordered list by cursor, as the Mastodon API
// does: MaxID bounds from above (exclusive), SinceID from below (exclusive,
// newest first), MinID from below (exclusive, oldest first: the page right
// after MinID). Never an offset.
type Page struct {
	MaxID   ID
	SinceID ID
	MinID   ID
	Limit   int
}

// Normalize clamps the limit into 1..max (DefaultPageLimit when unset).
func (p Page) Normalize(max int) Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageLimit
	}
	if p.Limit > max {
		p.Limit = max
	}
	return p
}

// Contains reports whether id falls inside the page's bounds (ignoring Limit).
func (p Page) Contains(id ID) bool {
	return (p.MaxID == 0 || id < p.MaxID) && (p.SinceID == 0 || id > p.SinceID) && (p.MinID == 0 || id > p.MinID)
}
