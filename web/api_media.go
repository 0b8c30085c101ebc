package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/media"
	"github.com/pinhole/pinhole/media/imaging"
)

// mediaRoutes are the Pinhole-only media endpoints (the Mastodon ones are
// in apiRoutes).
func (s *Server) mediaRoutes() {
	s.mux.HandleFunc("GET /api/pinhole/v1/filters", s.h(s.apiFilters))
}

// attachmentJSON is Mastodon's MediaAttachment with url and preview_url
// null until the photo is ready, as its API has them, and Pinhole's own
// fields under "pinhole".
type attachmentJSON struct {
	mediaJSON
	URL        *string          `json:"url"`
	PreviewURL *string          `json:"preview_url"`
	Pinhole    pinholeMediaJSON `json:"pinhole"`
}

type pinholeMediaJSON struct {
	State           string      `json:"state"`
	Filter          string      `json:"filter"`
	FilterIntensity int         `json:"filter_intensity"`
	Crop            *[4]float64 `json:"crop"`
	Error           string      `json:"error,omitempty"`
}

func (s *Server) attachment(m *pinhole.Media) attachmentJSON {
	out := attachmentJSON{mediaJSON: s.mediaEntity(m), Pinhole: pinholeMediaJSON{
		State: m.State, Filter: m.Filter, FilterIntensity: m.FilterIntensity, Error: m.Error,
	}}
	if out.Pinhole.Filter == "" {
		out.Pinhole.Filter = "normal"
	}
	if m.Crop != [4]float64{} {
		c := m.Crop
		out.Pinhole.Crop = &c
	}
	out.Meta.Focus = mediaFocus{X: m.Focus[0], Y: m.Focus[1]}
	if m.State == pinhole.MediaReady {
		u, p := out.mediaJSON.URL, out.mediaJSON.PreviewURL
		out.URL, out.PreviewURL = &u, &p
	}
	return out
}

// mediaStatus is Mastodon's: 200 when the photo is ready, 202 (upload) or
// 206 (fetch) while it is processed; a failed photo is 422.
func mediaStatus(m *pinhole.Media, pending int) int {
	if m.State == pinhole.MediaReady {
		return http.StatusOK
	}
	return pending
}

func (s *Server) apiUploadMedia(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "write:media")
	if err != nil {
		return err
	}
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	edit, err := p.mediaEdit()
	if err != nil {
		return err
	}
	fhs := p.files["file"]
	if len(fhs) == 0 {
		return pinhole.Errorf(pinhole.EINVALID, "file is required: send the photo as multipart/form-data field \"file\".")
	}
	f, err := fhs[0].Open()
	if err != nil {
		return pinhole.Errorf(pinhole.EBADREQUEST, "Could not read the uploaded file.")
	}
	defer f.Close()
	m, err := s.svc.Media.UploadWith(r.Context(), me.ID, f, media.NewUpload{Description: p.str("description"), Edit: edit})
	if err != nil {
		return err
	}
	pending := http.StatusAccepted
	if strings.HasPrefix(r.URL.Path, "/api/v1/") {
		pending = http.StatusOK // v1 predates asynchronous processing
	}
	writeJSON(w, mediaStatus(m, pending), s.attachment(m))
	return nil
}

func (s *Server) apiMedia(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "read:statuses")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.svc.Media.Own(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	if m.State == pinhole.MediaFailed {
		return pinhole.Errorf(pinhole.EINVALID, "%s", m.Error)
	}
	writeJSON(w, mediaStatus(m, http.StatusPartialContent), s.attachment(m))
	return nil
}

func (s *Server) apiUpdateMedia(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "write:media")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	m, err := s.svc.Media.Own(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	if p.has("description") {
		if m, err = s.svc.Media.Describe(r.Context(), me.ID, id, p.str("description")); err != nil {
			return err
		}
	}
	if p.has("filter") || p.has("filter_intensity") || p.has("focus") || p.has("crop") {
		edit := media.EditOf(m)
		if err := p.mergeMediaEdit(&edit); err != nil {
			return err
		}
		if m, err = s.svc.Media.Edit(r.Context(), me.ID, id, edit); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, s.attachment(m))
	return nil
}

type filterJSON struct {
	Name        string         `json:"name"`
	DisplayName string         `json:"display_name"`
	Matrix      imaging.Matrix `json:"matrix"` // rows r, g, b: weights of r, g, b and an offset, on 0–255
}

func (s *Server) apiFilters(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, filterList())
	return nil
}

func filterList() []filterJSON {
	var out []filterJSON
	for _, f := range imaging.Filters() {
		out = append(out, filterJSON{Name: f.Name, DisplayName: f.DisplayName, Matrix: f.Matrix})
	}
	return out
}

// mediaEdit reads filter, filter_intensity, focus ("x,y", Mastodon's) and
// crop ("x,y,width,height" as fractions).
func (p *params) mediaEdit() (imaging.Edit, error) {
	var e imaging.Edit
	err := p.mergeMediaEdit(&e)
	return e, err
}

func (p *params) mergeMediaEdit(e *imaging.Edit) error {
	if p.has("filter") {
		e.Filter = strings.TrimSpace(p.str("filter"))
		if e.Filter == "normal" {
			e.Filter = ""
		}
		if !p.has("filter_intensity") {
			e.Intensity = 100
		}
	}
	if p.has("filter_intensity") {
		n, err := strconv.Atoi(strings.TrimSpace(p.str("filter_intensity")))
		if err != nil || n < 0 || n > 100 {
			return pinhole.Errorf(pinhole.EINVALID, "filter_intensity must be a whole number from 0 to 100.")
		}
		e.Intensity = n
	}
	if p.has("focus") {
		v, err := floats(p.str("focus"), 2)
		if err != nil {
			return pinhole.Errorf(pinhole.EINVALID, "focus must be two numbers from -1.0 to 1.0, like 0.2,-0.5.")
		}
		e.Focus = imaging.Point{X: v[0], Y: v[1]}
	}
	if p.has("crop") {
		if c := strings.TrimSpace(p.str("crop")); c == "" {
			e.Crop = nil
		} else {
			v, err := floats(c, 4)
			if err != nil {
				return pinhole.Errorf(pinhole.EINVALID, "crop must be x,y,width,height as fractions from 0 to 1, like 0,0.1,1,0.8.")
			}
			e.Crop = &imaging.Box{X: v[0], Y: v[1], W: v[2], H: v[3]}
		}
	}
	return e.Validate()
}

func floats(s string, n int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, strconv.ErrSyntax
	}
	out := make([]float64, n)
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
