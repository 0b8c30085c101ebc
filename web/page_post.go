package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/posts"
)

// commentPageSize is how many comments a page of a thread shows.
const commentPageSize = 20

// postPage is a post with a page of its comments.
type postPage struct {
	Card     postCard
	Comments []comment
	More     string // the "More comments" link; "" at the end
	Earlier  bool   // this page starts after the first comments
}

// comment is one comment as the member sees it.
type comment struct {
	*posts.View
	CanDelete bool // its author, or the post's author
}

func (s *Server) pagePost(w http.ResponseWriter, r *http.Request) {
	s.renderPost(w, r, http.StatusOK, "", "")
}

// renderPost shows a post and the page of comments the query asks for,
// with an error for the comment form when there is one.
func (s *Server) renderPost(w http.ResponseWriter, r *http.Request, status int, errMsg, draft string) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me := viewerOf(r).accountID()
	v, err := s.svc.Posts.Get(r.Context(), me, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Post.IsComment() {
		http.Redirect(w, r, "/p/"+v.Post.InReplyToID.String()+"#c"+id.String(), http.StatusSeeOther)
		return
	}
	minID := cursor(r, "min_id")
	views, err := s.svc.Posts.Comments(r.Context(), me, id, pinhole.Page{MinID: minID, Limit: commentPageSize + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	views, more := morePage(views, commentPageSize)
	d := postPage{Card: postCard{View: v, Me: viewerOf(r).Account, CSRF: s.csrfToken(r), Full: true}, Earlier: minID != 0}
	for _, c := range views {
		d.Comments = append(d.Comments, comment{View: c, CanDelete: me != 0 && (c.Post.AuthorID == me || v.Post.AuthorID == me)})
	}
	if more {
		d.More = "/p/" + id.String() + "?min_id=" + views[len(views)-1].Post.ID.String() + "#comments"
	}
	s.renderPage(w, r, status, "post", pageData{Title: postTitle(v), Data: d, Error: errMsg, Form: map[string]string{"comment": draft}})
}

// postTitle names a post page after its author and the caption's start.
func postTitle(v *posts.View) string {
	c := strings.Join(strings.Fields(v.Post.Caption), " ")
	if utf8.RuneCountInString(c) > 48 {
		c = string([]rune(c)[:47]) + "…"
	}
	if c == "" {
		return "Photo by @" + v.Author.Username
	}
	return "@" + v.Author.Username + ": " + c
}

func (s *Server) postLike(w http.ResponseWriter, r *http.Request)   { s.like(w, r, true) }
func (s *Server) postUnlike(w http.ResponseWriter, r *http.Request) { s.like(w, r, false) }

// like likes or unlikes a post. Forms come back to where they were
// posted from; the script asks for JSON and updates the page in place.
func (s *Server) like(w http.ResponseWriter, r *http.Request, on bool) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	postURL := "/p/" + id.String()
	me := s.loginFirst(w, r, postURL)
	if me == nil {
		return
	}
	if _, err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	var v *posts.View
	if on {
		v, err = s.svc.Posts.Like(r.Context(), me.ID, id)
	} else {
		v, err = s.svc.Posts.Unlike(r.Context(), me.ID, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"liked": v.Liked, "count": v.Post.LikesCount})
		return
	}
	http.Redirect(w, r, withFragment(s.back(r, postURL), "post-"+id.String()), http.StatusSeeOther)
}

// withFragment points a same-site URL at an element of the page.
func withFragment(u, fragment string) string {
	u, _, _ = strings.Cut(u, "#")
	return u + "#" + fragment
}

func (s *Server) postComment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me := s.loginFirst(w, r, "/p/"+id.String())
	if me == nil {
		return
	}
	form, err := s.parseForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.svc.Posts.Create(r.Context(), me, pinhole.NewPost{Caption: form.Get("comment"), InReplyToID: id})
	if err != nil {
		switch pinhole.ErrorCode(err) {
		case pinhole.EINVALID, pinhole.ERATELIMITED, pinhole.EUNAVAILABLE:
			s.renderPost(w, r, statusOf(err), pinhole.ErrorMessage(err), form.Get("comment"))
		default:
			s.fail(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/p/"+id.String()+"#c"+c.Post.ID.String(), http.StatusSeeOther)
}

// postDeletePost deletes a post (back to the author's profile) or a
// comment (back to its post).
func (s *Server) postDeletePost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me := s.loginFirst(w, r, "/p/"+id.String())
	if me == nil {
		return
	}
	if _, err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.svc.Posts.Delete(r.Context(), me.ID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Post.IsComment() {
		http.Redirect(w, r, "/p/"+v.Post.InReplyToID.String()+"#comments", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/@"+me.Username, http.StatusSeeOther)
}
