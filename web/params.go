package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pinhole/pinhole"
)

// params are a request's fields, from the query and from a JSON,
// urlencoded or multipart body, as Mastodon clients send them all.
type params struct {
	v     url.Values
	files map[string][]*multipart.FileHeader
}

// parseParams reads the request's fields. Multipart bodies (uploads) may be
// up to MaxUploadBytes, others MaxBodyBytes.
func (s *Server) parseParams(w http.ResponseWriter, r *http.Request) (*params, error) {
	p := &params{v: url.Values{}}
	for k, vs := range r.URL.Query() {
		p.v[k] = vs
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Body == nil {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return nil, bodyError(err, "multipart form")
		}
		for k, vs := range r.MultipartForm.Value {
			p.v[k] = append(p.v[k], vs...)
		}
		p.files = r.MultipartForm.File
	case "application/json":
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		var body map[string]any
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return nil, bodyError(err, "JSON body")
		}
		for k, v := range body {
			flatten(p.v, k, v)
		}
	case "application/x-www-form-urlencoded", "":
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		if err := r.ParseForm(); err != nil {
			return nil, bodyError(err, "form body")
		}
		for k, vs := range r.PostForm {
			p.v[k] = append(p.v[k], vs...)
		}
	default:
		return nil, pinhole.Errorf(pinhole.EUNSUPPORTED, "Content-Type %.60q is not supported; send JSON, a form or multipart.", ct)
	}
	return p, nil
}

func bodyError(err error, what string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return pinhole.Errorf(pinhole.ETOOLARGE, "The request body is larger than %d KiB.", mbe.Limit>>10)
	}
	return pinhole.Errorf(pinhole.EBADREQUEST, "Could not read the %s: %s", what, truncate(err.Error(), 120))
}

// flatten stores a JSON value under Rails-style keys (media_ids → media_ids[]).
func flatten(v url.Values, key string, val any) {
	switch x := val.(type) {
	case []any:
		for _, e := range x {
			flatten(v, strings.TrimSuffix(key, "[]")+"[]", e)
		}
	case map[string]any:
		for k, e := range x {
			flatten(v, key+"["+k+"]", e)
		}
	case nil:
		v.Add(key, "")
	case string:
		v.Add(key, x)
	case bool:
		v.Add(key, strconv.FormatBool(x))
	default:
		v.Add(key, fmt.Sprint(x))
	}
}

func (p *params) has(k string) bool { _, ok := p.v[k]; return ok }

func (p *params) str(k string) string { return p.v.Get(k) }

// list returns key[] values (or key values, as some clients send).
func (p *params) list(k string) []string {
	if vs := p.v[k+"[]"]; len(vs) > 0 {
		return vs
	}
	return p.v[k]
}

func (p *params) boolean(k string) (bool, error) {
	switch strings.ToLower(p.v.Get(k)) {
	case "true", "1", "on", "yes":
		return true, nil
	case "false", "0", "off", "no", "":
		return false, nil
	}
	return false, pinhole.Errorf(pinhole.EINVALID, "%s must be true or false.", k)
}

// id parses an optional ID field; a malformed one is a validation error.
func (p *params) id(k string) (pinhole.ID, error) {
	s := p.v.Get(k)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, pinhole.Errorf(pinhole.EINVALID, "%s must be an ID (a string of digits), not %.30q.", k, s)
	}
	return pinhole.ID(id), nil
}

func (p *params) ids(k string) ([]pinhole.ID, error) {
	var out []pinhole.ID
	for _, s := range p.list(k) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, pinhole.Errorf(pinhole.EINVALID, "%s must hold IDs (strings of digits), not %.30q.", k, s)
		}
		out = append(out, pinhole.ID(id))
	}
	return out, nil
}

// page reads Mastodon's cursor parameters.
func (p *params) page() (pinhole.Page, error) {
	var pg pinhole.Page
	var err error
	if pg.MaxID, err = p.id("max_id"); err != nil {
		return pg, err
	}
	if pg.SinceID, err = p.id("since_id"); err != nil {
		return pg, err
	}
	if pg.MinID, err = p.id("min_id"); err != nil {
		return pg, err
	}
	if l := p.v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return pg, pinhole.Errorf(pinhole.EINVALID, "limit must be a positive number.")
		}
		pg.Limit = n
	}
	return pg, nil
}

// parsePage reads a list request's fields and its cursor parameters.
func (s *Server) parsePage(w http.ResponseWriter, r *http.Request) (*params, pinhole.Page, error) {
	p, err := s.parseParams(w, r)
	if err != nil {
		return nil, pinhole.Page{}, err
	}
	page, err := p.page()
	return p, page, err
}

// pathID parses the {name} path value; a malformed ID names nothing: 404.
func pathID(r *http.Request, name string) (pinhole.ID, error) {
	return pinhole.ParseID(r.PathValue(name))
}

// setLinks writes Mastodon's Link header for a page whose items span
// newest..oldest.
func (s *Server) setLinks(w http.ResponseWriter, r *http.Request, newest, oldest pinhole.ID) {
	if newest == 0 {
		return
	}
	base := s.cfg.PublicURL + r.URL.Path
	q := r.URL.Query()
	q.Del("max_id")
	q.Del("since_id")
	q.Del("min_id")
	next, prev := url.Values{}, url.Values{}
	for k, vs := range q {
		next[k], prev[k] = vs, vs
	}
	next.Set("max_id", oldest.String())
	prev.Set("min_id", newest.String())
	w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next", <%s?%s>; rel="prev"`, base, next.Encode(), base, prev.Encode()))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
