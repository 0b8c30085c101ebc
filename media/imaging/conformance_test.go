package imaging_test

import (
	"testing"

	"github.com/pinhole/pinhole/media/imaging"
	"github.com/pinhole/pinhole/media/imaging/imagingtest"
)

func TestPureConformance(t *testing.T) {
	imagingtest.Run(t, imaging.Pure(), imagingtest.Options{})
}
