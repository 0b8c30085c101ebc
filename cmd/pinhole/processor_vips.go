//go:build vips

package main

import (
	"log/slog"

	"github.com/pinhole/pinhole/media/imaging"
	"github.com/pinhole/pinhole/media/imaging/vips"
)

// newProcessor returns libvips unless the pure-Go processor is asked for.
func newProcessor(name string, log *slog.Logger) (imaging.Processor, error) {
	if name == "go" {
		return imaging.Pure(), nil
	}
	return vips.New(log), nil
}
