package blob

import (
	"context"
	"errors"
	"fmt"
	"io"

	gcblob "gocloud.dev/blob"
)

// cdkReader reads a blob as a seekable file. Go CDK readers only stream
// forward, so seeking just moves the offset: the next Read opens a range
// reader from there. http.ServeContent seeks to the end to learn the size
// (answered from the metadata) and then to each range it sends.
type cdkReader struct {
	ctx  context.Context // the caller's, as given to Open
	s    *CDKStore
	key  string
	size int64
	off  int64

	r      *gcblob.Reader // open at off, or nil
	cancel context.CancelFunc
}

func (c *cdkReader) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	if c.r == nil {
		ctx, cancel := context.WithTimeout(c.ctx, c.s.cfg.TransferTimeout)
		r, err := c.s.b.NewRangeReader(ctx, c.key, c.off, -1, nil)
		if err != nil {
			cancel()
			return 0, c.s.wrap("read", c.key, err)
		}
		c.r, c.cancel = r, cancel
	}
	n, err := c.r.Read(p)
	c.off += int64(n)
	if err == io.EOF && c.off < c.size {
		err = fmt.Errorf("blob: read %s: %w", c.key, io.ErrUnexpectedEOF)
	}
	return n, err
}

func (c *cdkReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = c.off + offset
	case io.SeekEnd:
		abs = c.size + offset
	default:
		return c.off, errors.New("blob: seek: invalid whence")
	}
	if abs < 0 {
		return c.off, errors.New("blob: seek: negative position")
	}
	if abs != c.off {
		c.drop()
		c.off = abs
	}
	return abs, nil
}

func (c *cdkReader) Close() error {
	c.drop()
	return nil
}

// drop closes the range reader, if one is open.
func (c *cdkReader) drop() {
	if c.r != nil {
		c.r.Close()
		c.cancel()
		c.r, c.cancel = nil, nil
	}
}
