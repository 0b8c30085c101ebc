//go:build vips

package vips

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime"
	"sync"

	govips "github.com/davidbyttow/govips/v2/vips"
	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/media/imaging"
)

var startup sync.Once

// New starts libvips (once per process: it cannot be restarted) and
// returns the processor. libvips logs through log at warning level.
func New(log *slog.Logger) imaging.Processor {
	startup.Do(func() {
		// Only the well-tested loaders, whatever a file claims to be
		// (libvips 8.13+ reads this when it starts).
		os.Setenv("VIPS_BLOCK_UNTRUSTED", "1")
		govips.LoggingSettings(func(domain string, level govips.LogLevel, msg string) {
			log.Warn("libvips", "domain", domain, "msg", msg)
		}, govips.LogLevelWarning)
		// A thread per core for each operation, as vipsthumbnail has: a
		// lone upload finishes sooner, and a full pool only shares the
		// cores. No operation cache: every upload is different, and a
		// cache only holds memory.
		govips.Startup(&govips.Config{ConcurrencyLevel: runtime.NumCPU(), MaxCacheFiles: 0, MaxCacheMem: 0, MaxCacheSize: 0})
	})
	return processor{}
}

type processor struct{}

func (processor) Name() string { return "vips" }

// invalid is a decoding failure: the member's file, not the server.
func invalid(err error) error {
	return pinhole.Errorf(pinhole.EINVALID, "The image could not be decoded: the data is malformed or truncated (%s)", firstLine(err.Error()))
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	if len(s) > 120 {
		return s[:120]
	}
	return s
}

func (processor) Render(ctx context.Context, src *imaging.Source, plan imaging.Plan, q imaging.Quality) ([]imaging.Variant, error) {
	display, err := decode(src, plan)
	if err != nil {
		return nil, err
	}
	defer display.Close()

	// Each size is scaled from the display picture in memory and encoded
	// twice; the eight encodes are independent, so they run side by side.
	out := make([]imaging.Variant, len(imaging.Variants))
	errs := make([]error, 2*len(imaging.Variants))
	var wg sync.WaitGroup
	for i, size := range imaging.Variants {
		w, h := plan.VariantSize(size.Width)
		out[i] = imaging.Variant{Name: size.Name, Width: w, Height: h}
		if i > 0 && size.Width != 0 && w == out[i-1].Width && h == out[i-1].Height {
			continue // same as the size before: shares its files
		}
		m, err := display.Copy()
		if err != nil {
			return nil, fmt.Errorf("vips: copy: %w", err)
		}
		if size.Width == 0 {
			t := plan.Thumb
			err = m.ExtractArea(t.Min.X, t.Min.Y, t.Dx(), t.Dy())
		}
		if err == nil && (m.Width() != w || m.Height() != h) {
			err = m.ThumbnailWithSize(w, h, govips.InterestingNone, govips.SizeForce)
		}
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("vips: scale %s: %w", size.Name, err)
		}
		var pending sync.WaitGroup
		pending.Add(2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			defer pending.Done()
			out[i].JPEG, errs[2*i] = encodeOne(m, imaging.JPEG, q)
		}()
		go func() {
			defer wg.Done()
			defer pending.Done()
			out[i].WebP, errs[2*i+1] = encodeOne(m, imaging.WebP, q)
		}()
		go func() { pending.Wait(); m.Close() }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("vips: render: %w", err)
	}
	for i := 1; i < len(out); i++ {
		if out[i].JPEG == nil {
			out[i].JPEG, out[i].WebP = out[i-1].JPEG, out[i-1].WebP
		}
	}
	return out, nil
}

// decode loads src scaled so that plan's crop comes out at the display
// size (JPEGs shrink on load: most of a 12 MP photo is never decoded at
// full size), turns it upright, converts it to 8-bit sRGB without alpha,
// crops it and applies the filter. The result is in memory, so every
// variant reads it without decoding again.
func decode(src *imaging.Source, plan imaging.Plan) (*govips.ImageRef, error) {
	w, h := src.Upright()
	s := float64(plan.Width) / float64(plan.Crop.Dx())
	tw, th := max(plan.Width, int(math.Round(float64(w)*s))), max(plan.Height, int(math.Round(float64(h)*s)))
	params := govips.NewImportParams() // fail on any decoding error
	img, err := govips.LoadThumbnailFromBuffer(src.Data, tw, th, govips.InterestingNone, govips.SizeForce, params)
	if err != nil {
		return nil, invalid(err)
	}
	defer img.Close()
	if img.Width() != tw || img.Height() != th {
		return nil, invalid(fmt.Errorf("decoded at %d×%d, planned %d×%d", img.Width(), img.Height(), tw, th))
	}
	if err := toSRGB(img); err != nil {
		return nil, invalid(err)
	}
	x := min(int(math.Round(float64(plan.Crop.Min.X)*s)), tw-plan.Width)
	y := min(int(math.Round(float64(plan.Crop.Min.Y)*s)), th-plan.Height)
	if err := img.ExtractArea(x, y, plan.Width, plan.Height); err != nil {
		return nil, invalid(err)
	}
	if m := plan.Filter; m != nil {
		if err := filter(img, m); err != nil {
			return nil, fmt.Errorf("vips: filter: %w", err)
		}
	}
	// Run the pipeline once, into memory: an uncompressed TIFF is the
	// cheapest round trip govips offers. Decoding errors surface here.
	tp := govips.NewTiffExportParams()
	tp.Compression = govips.TiffCompressionNone
	tp.StripMetadata = true
	raw, _, err := img.ExportTiff(tp)
	if err != nil {
		return nil, invalid(err)
	}
	mem, err := govips.LoadImageFromBuffer(raw, govips.NewImportParams())
	if err != nil {
		return nil, fmt.Errorf("vips: reload: %w", err)
	}
	// libvips 8.14's webpsave writes an EXIF chunk from the image's fields
	// (orientation, resolution) even when told to strip: drop them all.
	if err := mem.RemoveMetadata(); err != nil {
		mem.Close()
		return nil, fmt.Errorf("vips: strip: %w", err)
	}
	return mem, nil
}

// toSRGB turns any colour space, depth and alpha into 8-bit sRGB over
// white. The thumbnail step has already applied an embedded ICC profile.
func toSRGB(img *govips.ImageRef) error {
	if img.Interpretation() != govips.InterpretationSRGB {
		if err := img.ToColorSpace(govips.InterpretationSRGB); err != nil {
			return err
		}
	}
	if img.HasAlpha() {
		if err := img.Flatten(&govips.Color{R: 255, G: 255, B: 255}); err != nil {
			return err
		}
	}
	if img.BandFormat() != govips.BandFormatUchar {
		if err := img.Cast(govips.BandFormatUchar); err != nil {
			return err
		}
	}
	if img.Bands() > 3 {
		if err := img.ExtractBand(0, 3); err != nil {
			return err
		}
	}
	return nil
}

// filter applies a colour matrix: recomb for the weights, linear for the
// offsets, then back to 8 bits (libvips clips when casting).
func filter(img *govips.ImageRef, m *imaging.Matrix) error {
	rows := [][]float64{m[0][:3], m[1][:3], m[2][:3]}
	if err := img.Recomb(rows); err != nil {
		return err
	}
	if err := img.Linear([]float64{1, 1, 1}, []float64{m[0][3] + 0.5, m[1][3] + 0.5, m[2][3] + 0.5}); err != nil {
		return err
	}
	if err := img.Cast(govips.BandFormatUchar); err != nil {
		return err
	}
	return img.ToColorSpace(govips.InterpretationSRGB)
}

func (processor) Resize(ctx context.Context, data []byte, w, h int, f imaging.Format, q imaging.Quality) ([]byte, error) {
	if _, err := imaging.Sniff(data); err != nil {
		return nil, err
	}
	img, err := govips.LoadThumbnailFromBuffer(data, w, h, govips.InterestingCentre, govips.SizeBoth, govips.NewImportParams())
	if err != nil {
		return nil, invalid(err)
	}
	defer img.Close()
	if img.Width() != w || img.Height() != h {
		if err := img.ThumbnailWithSize(w, h, govips.InterestingCentre, govips.SizeForce); err != nil {
			return nil, invalid(err)
		}
	}
	if err := toSRGB(img); err != nil {
		return nil, invalid(err)
	}
	if err := img.RemoveMetadata(); err != nil {
		return nil, fmt.Errorf("vips: strip: %w", err)
	}
	return encodeOne(img, f, q)
}

// encodeOne encodes m as a progressive, optimised JPEG or a lossy WebP,
// without metadata.
func encodeOne(m *govips.ImageRef, f imaging.Format, q imaging.Quality) ([]byte, error) {
	switch f {
	case imaging.JPEG:
		jp := govips.NewJpegExportParams()
		jp.Quality, jp.Interlace, jp.OptimizeCoding, jp.StripMetadata = q.JPEG, true, true, true
		data, _, err := m.ExportJpeg(jp)
		if err != nil {
			return nil, fmt.Errorf("vips: encode jpeg: %w", err)
		}
		return data, nil
	case imaging.WebP:
		wp := govips.NewWebpExportParams()
		wp.Quality, wp.StripMetadata, wp.ReductionEffort = q.WebP, true, 4
		data, _, err := m.ExportWebp(wp)
		if err != nil {
			return nil, fmt.Errorf("vips: encode webp: %w", err)
		}
		return imaging.StripWebPMetadata(data), nil
	}
	return nil, pinhole.Errorf(pinhole.EINVALID, "On-demand sizes come as JPEG or WebP.")
}
