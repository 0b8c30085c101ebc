package web

import (
	"net/http"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/search"
)

// tagPage is a hashtag's page: its counts and a grid of its posts.
type tagPage struct {
	Tag    *search.TagView
	Week   int64 // uses over the last TagHistoryDays days
	Cards  []postCard
	Next   string
	Cursor bool
}

func (s *Server) pageTag(w http.ResponseWriter, r *http.Request) {
	viewer := viewerOf(r).accountID()
	tag, err := s.svc.Search.Tag(r.Context(), viewer, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PathValue("name") != tag.Name {
		http.Redirect(w, r, tagPath(tag.Name), http.StatusMovedPermanently) // #Sunset and #sunset are one page
		return
	}
	maxID := cursor(r, "max_id")
	views, err := s.svc.Search.TagTimeline(r.Context(), viewer, tag.Name, true, pinhole.Page{MaxID: maxID, Limit: gridPageSize + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	views, more := morePage(views, gridPageSize)
	d := tagPage{Tag: tag, Cards: s.cards(r, views), Cursor: maxID != 0}
	for _, day := range tag.History {
		d.Week += day.Uses
	}
	if more {
		d.Next = tagPath(tag.Name) + "?max_id=" + views[len(views)-1].Post.ID.String()
	}
	s.renderPage(w, r, http.StatusOK, "tag", pageData{Title: "#" + tag.Name, Data: d})
}

// postFollowTag follows or unfollows the page's hashtag.
func (s *Server) postFollowTag(follow bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		back := tagPath(r.PathValue("name"))
		me := s.loginFirst(w, r, back)
		if me == nil {
			return
		}
		if _, err := s.parseForm(w, r); err != nil {
			s.fail(w, r, err)
			return
		}
		fn := s.svc.Search.UnfollowTag
		if follow {
			fn = s.svc.Search.FollowTag
		}
		tag, err := fn(r.Context(), me.ID, r.PathValue("name"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, tagPath(tag.Name), http.StatusSeeOther)
	}
}
