//go:build !vips

package main

import (
	"fmt"
	"log/slog"

	"github.com/pinhole/pinhole/media/imaging"
)

// newProcessor returns the pure-Go image processor: this binary was built
// without libvips (build with -tags vips, as `make build` does when
// pkg-config finds libvips).
func newProcessor(name string, _ *slog.Logger) (imaging.Processor, error) {
	if name == "vips" {
		return nil, fmt.Errorf("--media-processor vips: this binary was built without libvips; install libvips-dev and run make build")
	}
	return imaging.Pure(), nil
}
