package imaging

import (
	"bytes"
	"image/jpeg"
	"testing"
	"time"
)

func TestZZBomb(t *testing.T) {
	for _, n := range []int{1, 10, 100} {
		data := scanBomb(7000, 7000, n)
		start := time.Now()
		m, err := jpeg.Decode(bytes.NewReader(data))
		t.Logf("n=%d size=%d %v err=%v bounds=%v", n, len(data), time.Since(start), err, func() any { if m != nil { return m.Bounds() }; return nil }())
	}
}
