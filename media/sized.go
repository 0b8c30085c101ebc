package media

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/media/imaging"
)

// SizedPath returns the path of a signed on-demand size of a variant,
// under /media/: "sized/<signature>/<w>x<h>/<key>". The picture is scaled
// to cover w×h and cropped around its centre; sizes above the variant's
// own are scaled down to fit it.
func (s *Service) SizedPath(key string, w, h int) string {
	spec := strconv.Itoa(w) + "x" + strconv.Itoa(h)
	return "sized/" + s.signer.Sign(spec+"/"+key) + "/" + spec + "/" + key
}

// Sized serves a signed on-demand size: rest is what follows "sized/" in
// the path. A bad signature is EFORBIDDEN before anything is read or
// rendered. Renderings are kept in the blob store beside the variant, so
// each size is rendered once.
func (s *Service) Sized(ctx context.Context, rest string, webp bool) (*File, error) {
	sig, signed, ok := strings.Cut(rest, "/")
	if !ok || !s.signer.Verify(sig, signed) {
		return nil, pinhole.Errorf(pinhole.EFORBIDDEN, "The image URL's signature is not valid.")
	}
	spec, key, _ := strings.Cut(signed, "/")
	ws, hs, _ := strings.Cut(spec, "x")
	w, errW := strconv.Atoi(ws)
	h, errH := strconv.Atoi(hs)
	m := servedKey.FindStringSubmatch(key)
	if errW != nil || errH != nil || w < 1 || h < 1 || w > s.cfg.MaxSizedSide || h > s.cfg.MaxSizedSide || m == nil || m[2] != ".jpg" {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "No such size.")
	}
	format, ext := imaging.JPEG, ".jpg"
	if webp {
		format, ext = imaging.WebP, ".webp"
	}
	cached := sizedPrefix(key) + spec + ext
	if f, err := s.open(ctx, cached, m[1]); err == nil {
		return f, nil
	} else if !pinhole.IsNotFound(err) {
		return nil, err
	}

	r, _, err := s.blobs.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	src, err := readAll(r, 32<<20)
	r.Close()
	if err != nil {
		return nil, err
	}
	_, sw, sh, err := imaging.CheckHeader(bytes.NewReader(src), s.cfg.Imaging)
	if err != nil {
		return nil, err
	}
	if w > sw || h > sh { // never upscale: shrink the box to fit
		f := min(float64(sw)/float64(w), float64(sh)/float64(h))
		w, h = max(1, int(float64(w)*f)), max(1, int(float64(h)*f))
	}
	var (
		out       []byte
		renderErr error
	)
	q := imaging.Quality{JPEG: s.cfg.Imaging.Quality, WebP: s.cfg.Imaging.WebPQuality}
	ran, err := s.pool.do(ctx, func(ctx context.Context) {
		out, renderErr = s.proc.Resize(ctx, src, w, h, format, q)
	})
	if !ran {
		return nil, s.busy()
	}
	if err == nil {
		err = renderErr
	}
	if err != nil {
		return nil, fmt.Errorf("media: sized %s: %w", spec, err)
	}
	if err := s.blobs.Put(ctx, cached, bytes.NewReader(out), "image/"+string(format)); err != nil {
		return nil, err
	}
	return s.open(ctx, cached, m[1])
}
