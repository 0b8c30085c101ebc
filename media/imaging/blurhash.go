package imaging

import (
	"context"
	"fmt"
	"image"

	"github.com/buckket/go-blurhash"
)

const (
	blurhashX    = 4  // components across
	blurhashY    = 3  // components down
	blurhashSide = 32 // longest side of the picture the hash is computed on
)

// blurhashOf computes the blurhash of m on a copy at most 32 pixels across:
// the hash keeps only 4×3 cosine components, so more pixels add cost, not
// detail.
func blurhashOf(ctx context.Context, m image.Image) (string, error) {
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	if w >= h {
		w, h = scaledSize(w, h, blurhashSide)
	} else {
		h, w = scaledSize(h, w, blurhashSide)
	}
	small, err := resize(ctx, m, w, h)
	if err != nil {
		return "", err
	}
	// The library takes Bounds().Max for the size: small is at the origin.
	hash, err := blurhash.Encode(blurhashX, blurhashY, small)
	if err != nil {
		return "", fmt.Errorf("imaging: blurhash: %w", err)
	}
	return hash, nil
}
