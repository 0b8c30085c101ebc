//go:build vips

package vips

import (
	"bytes"
	"context"
	"image"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pinhole/pinhole/media/imaging"
	"github.com/pinhole/pinhole/media/imaging/imagingtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestVipsConformance(t *testing.T) {
	imagingtest.Run(t, New(quiet), imagingtest.Options{ProgressiveJPEG: true})
}

// TestLooksLikePureGo renders the same photo with both processors and
// compares them patch by patch: members must not see a different picture
// depending on how the server was built.
func TestLooksLikePureGo(t *testing.T) {
	src := imagingtest.PhoneJPEG(t, imagingtest.Swatches(640, 480), 6)
	for _, f := range imaging.Filters() {
		e := imaging.Edit{Filter: f.Name, Intensity: 70, Focus: imaging.Point{X: 0.3}}
		a := imagingtest.MustProcess(t, imaging.Pure(), src, e)
		b := imagingtest.MustProcess(t, New(quiet), src, e)
		for i := range a.Variants {
			va, vb := a.Variants[i], b.Variants[i]
			if va.Width != vb.Width || va.Height != vb.Height {
				t.Fatalf("%s %s: go %d×%d, vips %d×%d", f.Name, va.Name, va.Width, va.Height, vb.Width, vb.Height)
			}
			ja, _ := imagingtest.Decoded(t, a, va.Name)
			jb, _ := imagingtest.Decoded(t, b, vb.Name)
			bd := ja.Bounds()
			const n = 6
			for y := range n {
				for x := range n {
					r := image.Rect(x*bd.Dx()/n, y*bd.Dy()/n, (x+1)*bd.Dx()/n, (y+1)*bd.Dy()/n).Inset(3)
					ca, cb := imagingtest.Mean(ja, r), imagingtest.Mean(jb, r)
					if !imagingtest.Near(ca, cb, 10) {
						t.Errorf("%s %s patch %d,%d: go %v, vips %v", f.Name, va.Name, x, y, ca, cb)
					}
				}
			}
		}
	}
}

// BenchmarkUploadToReady12MP is one 12 MP phone photo through the whole
// rendering (decode, orient, crop, filter, eight encodes, blurhash) with
// libvips; BenchmarkVipsthumbnail is Debian's vipsthumbnail making the one
// 1080 px JPEG from the same file. `pinhole bench media` prints both.
func BenchmarkUploadToReady12MP(b *testing.B) {
	data := imagingtest.PhoneJPEG(b, imagingtest.Photo(4000, 3000), 92)
	p, cfg := New(quiet), imaging.NewDefaultConfig()
	e := imaging.Edit{Filter: "golden", Intensity: 80}
	for b.Loop() {
		if _, err := imaging.Process(context.Background(), p, bytes.NewReader(data), e, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVipsthumbnail(b *testing.B) {
	if _, err := exec.LookPath("vipsthumbnail"); err != nil {
		b.Skip("vipsthumbnail not installed (apt-get install libvips-tools)")
	}
	dir := b.TempDir()
	in := filepath.Join(dir, "photo.jpg")
	if err := os.WriteFile(in, imagingtest.PhoneJPEG(b, imagingtest.Photo(4000, 3000), 92), 0o600); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "out.jpg")
	for b.Loop() {
		if o, err := exec.Command("vipsthumbnail", in, "--size", "1080x", "-o", out+"[Q=85,strip]").CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, o)
		}
	}
}
