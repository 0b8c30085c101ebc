package imaging

import "fmt"

// MaxSide is the longest side, in pixels, Process accepts whatever MaxPixels
// says: no camera makes wider images, and it bounds the work per row.
const MaxSide = 30000

// Config limits what Process accepts and how it encodes.
type Config struct {
	// MaxPixels refuses images with more pixels than this (width×height as
	// the file header states it, before anything is decoded).
	MaxPixels int64
	// Quality is the JPEG quality of every variant, 1 to 100.
	Quality int
	// WebPQuality is the WebP quality of every variant, 1 to 100.
	WebPQuality int
}

// NewDefaultConfig returns the limits the media service runs with.
func NewDefaultConfig() Config {
	return Config{
		MaxPixels:   50_000_000,
		Quality:     85,
		WebPQuality: 80,
	}
}

// Validate reports a Config that Process cannot run with. These are operator
// mistakes, not member ones, so the errors are plain (EINTERNAL), not EINVALID.
func (c Config) Validate() error {
	if c.MaxPixels < 1 || c.MaxPixels > MaxSide*MaxSide {
		return fmt.Errorf("imaging: MaxPixels must be between 1 and %d, got %d", MaxSide*MaxSide, c.MaxPixels)
	}
	if c.Quality < 1 || c.Quality > 100 {
		return fmt.Errorf("imaging: Quality must be between 1 and 100, got %d", c.Quality)
	}
	if c.WebPQuality < 1 || c.WebPQuality > 100 {
		return fmt.Errorf("imaging: WebPQuality must be between 1 and 100, got %d", c.WebPQuality)
	}
	return nil
}
