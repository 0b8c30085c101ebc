package web

import (
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/posts"
)

// The Mastodon API's entities, with the fields and types its
// documentation gives.

type accountJSON struct {
	ID             string         `json:"id"`
	Username       string         `json:"username"`
	Acct           string         `json:"acct"`
	DisplayName    string         `json:"display_name"`
	Locked         bool           `json:"locked"`
	Bot            bool           `json:"bot"`
	Discoverable   bool           `json:"discoverable"`
	Group          bool           `json:"group"`
	CreatedAt      string         `json:"created_at"`
	Note           string         `json:"note"`
	URL            string         `json:"url"`
	URI            string         `json:"uri"`
	Avatar         string         `json:"avatar"`
	AvatarStatic   string         `json:"avatar_static"`
	Header         string         `json:"header"`
	HeaderStatic   string         `json:"header_static"`
	FollowersCount int64          `json:"followers_count"`
	FollowingCount int64          `json:"following_count"`
	StatusesCount  int64          `json:"statuses_count"`
	LastStatusAt   *string        `json:"last_status_at"`
	Emojis         []any          `json:"emojis"`
	Fields         []any          `json:"fields"`
	Source         *sourceJSON    `json:"source,omitempty"`
	Role           map[string]any `json:"role,omitempty"`
}

type sourceJSON struct {
	Note                string `json:"note"`
	Fields              []any  `json:"fields"`
	Privacy             string `json:"privacy"`
	Sensitive           bool   `json:"sensitive"`
	Language            string `json:"language"`
	FollowRequestsCount int    `json:"follow_requests_count"`
}

type mediaJSON struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	URL         string    `json:"url"`
	PreviewURL  string    `json:"preview_url"`
	RemoteURL   *string   `json:"remote_url"`
	TextURL     *string   `json:"text_url"`
	Meta        mediaMeta `json:"meta"`
	Description *string   `json:"description"`
	Blurhash    string    `json:"blurhash"`
}

type mediaMeta struct {
	Original mediaSize  `json:"original"`
	Small    mediaSize  `json:"small"`
	Focus    mediaFocus `json:"focus"`
}

type mediaSize struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Size   string  `json:"size"`
	Aspect float64 `json:"aspect"`
}

type mediaFocus struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

type mentionJSON struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

type tagJSON struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type statusJSON struct {
	ID                 string        `json:"id"`
	URI                string        `json:"uri"`
	URL                string        `json:"url"`
	CreatedAt          string        `json:"created_at"`
	Account            accountJSON   `json:"account"`
	Content            string        `json:"content"`
	Text               *string       `json:"text,omitempty"`
	Visibility         string        `json:"visibility"`
	Sensitive          bool          `json:"sensitive"`
	SpoilerText        string        `json:"spoiler_text"`
	MediaAttachments   []mediaJSON   `json:"media_attachments"`
	Application        any           `json:"application"`
	Mentions           []mentionJSON `json:"mentions"`
	Tags               []tagJSON     `json:"tags"`
	Emojis             []any         `json:"emojis"`
	ReblogsCount       int           `json:"reblogs_count"`
	FavouritesCount    int64         `json:"favourites_count"`
	RepliesCount       int64         `json:"replies_count"`
	InReplyToID        *string       `json:"in_reply_to_id"`
	InReplyToAccountID *string       `json:"in_reply_to_account_id"`
	Reblog             any           `json:"reblog"`
	Poll               any           `json:"poll"`
	Card               any           `json:"card"`
	Language           *string       `json:"language"`
	EditedAt           *string       `json:"edited_at"`
	Favourited         bool          `json:"favourited"`
	Reblogged          bool          `json:"reblogged"`
	Muted              bool          `json:"muted"`
	Bookmarked         bool          `json:"bookmarked"`
	Pinned             bool          `json:"pinned"`
	Filtered           []any         `json:"filtered"`
	Place              *placeRefJSON `json:"place,omitempty"` // Pinhole's addition
}

type relationshipJSON struct {
	ID                  string   `json:"id"`
	Following           bool     `json:"following"`
	ShowingReblogs      bool     `json:"showing_reblogs"`
	Notifying           bool     `json:"notifying"`
	Languages           []string `json:"languages"`
	FollowedBy          bool     `json:"followed_by"`
	Blocking            bool     `json:"blocking"`
	BlockedBy           bool     `json:"blocked_by"`
	Muting              bool     `json:"muting"`
	MutingNotifications bool     `json:"muting_notifications"`
	Requested           bool     `json:"requested"`
	RequestedBy         bool     `json:"requested_by"`
	DomainBlocking      bool     `json:"domain_blocking"`
	Endorsed            bool     `json:"endorsed"`
	Note                string   `json:"note"`
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *Server) accountURL(a *pinhole.Account) string { return s.cfg.PublicURL + "/@" + a.Username }

// avatarURL is the account's avatar image (a default when unset).
func (s *Server) avatarURL(a *pinhole.Account) string {
	if a.AvatarMediaID != 0 {
		return s.cfg.PublicURL + "/avatars/" + a.ID.String() + "?v=" + a.AvatarMediaID.String()
	}
	return s.cfg.PublicURL + "/static/avatar.svg"
}

func (s *Server) accountEntity(a *pinhole.Account) accountJSON {
	out := accountJSON{
		ID: a.ID.String(), Username: a.Username, Acct: a.Username, DisplayName: a.DisplayName, Locked: a.Locked,
		Discoverable: !a.Locked, CreatedAt: isoTime(a.CreatedAt.Truncate(24 * time.Hour)), Note: noteHTML(a.Bio),
		URL: s.accountURL(a), URI: s.accountURL(a), Avatar: s.avatarURL(a), AvatarStatic: s.avatarURL(a),
		Header: s.cfg.PublicURL + "/static/header.svg", HeaderStatic: s.cfg.PublicURL + "/static/header.svg",
		FollowersCount: a.FollowersCount, FollowingCount: a.FollowingCount, StatusesCount: a.PostsCount,
		Emojis: []any{}, Fields: []any{},
	}
	if !a.LastPostAt.IsZero() {
		d := a.LastPostAt.UTC().Format("2006-01-02")
		out.LastStatusAt = &d
	}
	return out
}

// credentialAccount is the member's own account, with its source.
func (s *Server) credentialAccount(a *pinhole.Account, requests int) accountJSON {
	out := s.accountEntity(a)
	privacy := "public"
	if a.Locked {
		privacy = "private"
	}
	out.Source = &sourceJSON{Note: a.Bio, Fields: []any{}, Privacy: privacy, FollowRequestsCount: requests}
	if a.Admin {
		out.Role = map[string]any{"id": "3", "name": "Owner", "permissions": "1", "color": "", "highlighted": true}
	}
	return out
}

func (s *Server) mediaURL(key string) string { return s.cfg.PublicURL + "/media/" + key }

func (s *Server) mediaEntity(m *pinhole.Media) mediaJSON {
	display, small := m.Variant("1080"), m.Variant("640")
	size := func(v pinhole.MediaVariant) mediaSize {
		aspect := 0.0
		if v.Height > 0 {
			aspect = float64(v.Width) / float64(v.Height)
		}
		return mediaSize{Width: v.Width, Height: v.Height, Size: strconv.Itoa(v.Width) + "x" + strconv.Itoa(v.Height), Aspect: aspect}
	}
	out := mediaJSON{
		ID: m.ID.String(), Type: "image", URL: s.mediaURL(display.Key), PreviewURL: s.mediaURL(small.Key),
		Meta:     mediaMeta{Original: size(display), Small: size(small)},
		Blurhash: m.Blurhash,
	}
	if m.State != pinhole.MediaReady {
		out.URL, out.PreviewURL = "", ""
	}
	if m.Description != "" {
		d := m.Description
		out.Description = &d
	}
	return out
}

func (s *Server) postURL(p *pinhole.Post) string { return s.cfg.PublicURL + "/p/" + p.ID.String() }

func (s *Server) statusEntity(v *posts.View) statusJSON {
	p := v.Post
	out := statusJSON{
		ID: p.ID.String(), URI: s.postURL(p), URL: s.postURL(p), CreatedAt: isoTime(p.CreatedAt),
		Account: s.accountEntity(v.Author), Content: s.captionHTML(p.Caption, v.Mentioned), Visibility: "public",
		MediaAttachments: []mediaJSON{}, Mentions: []mentionJSON{}, Tags: []tagJSON{}, Emojis: []any{}, Filtered: []any{},
		FavouritesCount: p.LikesCount, RepliesCount: p.RepliesCount, Favourited: v.Liked,
	}
	if v.Author.Locked {
		out.Visibility = "private"
	}
	for _, m := range p.Media {
		out.MediaAttachments = append(out.MediaAttachments, s.mediaEntity(m))
	}
	for _, m := range p.Mentions {
		out.Mentions = append(out.Mentions, mentionJSON{ID: m.AccountID.String(), Username: m.Username, Acct: m.Username, URL: s.cfg.PublicURL + "/@" + m.Username})
	}
	for _, t := range p.Tags {
		out.Tags = append(out.Tags, tagJSON{Name: t, URL: s.cfg.PublicURL + "/tags/" + url.PathEscape(t)})
	}
	if v.Place != nil {
		pl := s.placeRef(v.Place)
		out.Place = &pl
	}
	if p.InReplyToID != 0 {
		a, b := p.InReplyToID.String(), p.InReplyToAccountID.String()
		out.InReplyToID, out.InReplyToAccountID = &a, &b
	}
	return out
}

func (s *Server) statusEntities(views []*posts.View) []statusJSON {
	out := make([]statusJSON, 0, len(views))
	for _, v := range views {
		out = append(out, s.statusEntity(v))
	}
	return out
}

func relationshipEntity(r *pinhole.Relationship) relationshipJSON {
	return relationshipJSON{
		ID: r.ID.String(), Following: r.Following, ShowingReblogs: r.Following, Notifying: r.Notifying, Languages: nil,
		FollowedBy: r.FollowedBy, Blocking: r.Blocking, BlockedBy: r.BlockedBy, Requested: r.Requested, RequestedBy: r.RequestedBy,
	}
}

// captionHTML renders a caption as Mastodon-style HTML: paragraphs, line
// breaks, and links for hashtags, known mentions and URLs. Everything else
// is escaped.
func (s *Server) captionHTML(text string, mentioned map[string]*pinhole.Account) string {
	if text == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("<p>")
	for _, seg := range pinhole.ParseCaption(text) {
		switch seg.Kind {
		case pinhole.HashtagSegment:
			tag := strings.ToLower(seg.Value)
			fmt.Fprintf(&b, `<a href="%s/tags/%s" class="mention hashtag" rel="tag">#<span>%s</span></a>`, s.cfg.PublicURL, html.EscapeString(url.PathEscape(tag)), html.EscapeString(seg.Value))
		case pinhole.MentionSegment:
			if a := mentioned[pinhole.NormalizeUsername(seg.Value)]; a != nil {
				fmt.Fprintf(&b, `<span class="h-card"><a href="%s" class="u-url mention">@<span>%s</span></a></span>`, html.EscapeString(s.accountURL(a)), html.EscapeString(a.Username))
			} else {
				b.WriteString(html.EscapeString(seg.Text))
			}
		case pinhole.URLSegment:
			fmt.Fprintf(&b, `<a href="%s" rel="nofollow noopener noreferrer" target="_blank">%s</a>`, html.EscapeString(seg.Value), html.EscapeString(seg.Value))
		default:
			writeParagraphs(&b, seg.Text)
		}
	}
	b.WriteString("</p>")
	return b.String()
}

// writeParagraphs escapes text, turning blank lines into paragraph breaks
// and single newlines into <br>.
func writeParagraphs(b *strings.Builder, text string) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	paras := strings.Split(text, "\n\n")
	for i, p := range paras {
		if i > 0 {
			b.WriteString("</p><p>")
		}
		lines := strings.Split(p, "\n")
		for j, l := range lines {
			if j > 0 {
				b.WriteString("<br>")
			}
			b.WriteString(html.EscapeString(l))
		}
	}
}

// noteHTML renders a bio.
func noteHTML(bio string) string {
	if bio == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("<p>")
	writeParagraphs(&b, bio)
	b.WriteString("</p>")
	return b.String()
}
