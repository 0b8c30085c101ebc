// Package media is the media context: uploads, processing into display
// variants, and the files' lifecycle.
package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/media/imaging"
)

// Config is the media context's settings.
type Config struct {
	MaxUploadBytes int64 // per photo
	Workers        int   // photos processed at once
	QueueWait      time.Duration
	TempDir        string // "" for the system default
	Imaging        imaging.Config
}

// NewDefaultConfig returns the defaults.
func NewDefaultConfig() Config {
	return Config{
		MaxUploadBytes: 25 << 20,
		Workers:        max(1, runtime.GOMAXPROCS(0)),
		QueueWait:      5 * time.Second,
		Imaging:        imaging.NewDefaultConfig(),
	}
}

// Validate checks the settings.
func (c Config) Validate() error {
	if c.MaxUploadBytes < 1<<10 {
		return fmt.Errorf("media: upload limit must be at least 1 KiB")
	}
	if c.Workers < 1 {
		return fmt.Errorf("media: at least one worker is needed")
	}
	return c.Imaging.Validate()
}

// Service is the media context's logic.
type Service struct {
	cfg   Config
	store pinhole.MediaStore
	blobs pinhole.BlobStore
	ids   *pinhole.IDGenerator
	now   func() time.Time
	log   *slog.Logger
	slots chan struct{} // bounds CPU-heavy work
}

// New returns the service.
func New(cfg Config, store pinhole.MediaStore, blobs pinhole.BlobStore, ids *pinhole.IDGenerator, now func() time.Time, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, store: store, blobs: blobs, ids: ids, now: now, log: log, slots: make(chan struct{}, cfg.Workers)}, nil
}

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

// Upload spools a photo to a temporary file under the size limit, turns it
// into display variants without metadata, stores them and records the
// media, ready to attach to a post.
func (s *Service) Upload(ctx context.Context, owner pinhole.ID, r io.Reader, description string) (*pinhole.Media, error) {
	description, err := pinhole.ValidateAltText(description)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "pinhole-upload-*")
	if err != nil {
		return nil, fmt.Errorf("media: spool: %w", err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	n, err := io.Copy(f, io.LimitReader(r, s.cfg.MaxUploadBytes+1))
	if err != nil {
		if pinhole.ErrorCode(err) != pinhole.EINTERNAL {
			return nil, err
		}
		return nil, pinhole.Errorf(pinhole.EINVALID, "The upload was interrupted; send the file again.")
	}
	if n > s.cfg.MaxUploadBytes {
		return nil, pinhole.Errorf(pinhole.ETOOLARGE, "The photo is larger than %d MB.", s.cfg.MaxUploadBytes>>20)
	}
	if n == 0 {
		return nil, pinhole.Errorf(pinhole.EINVALID, "The file is empty; choose a JPEG, PNG, WebP or GIF photo.")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("media: spool: %w", err)
	}

	select {
	case s.slots <- struct{}{}:
	case <-time.After(s.cfg.QueueWait):
		return nil, &pinhole.Error{Code: pinhole.EUNAVAILABLE, Message: "The server is busy processing photos; try again shortly.", RetryAfter: 5 * time.Second}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	res, err := imaging.Process(ctx, f, s.cfg.Imaging)
	<-s.slots
	if err != nil {
		return nil, err
	}

	m := &pinhole.Media{
		ID: s.ids.Next(owner.Shard()), OwnerID: owner, State: pinhole.MediaReady, Description: description,
		Blurhash: res.Blurhash, CreatedAt: s.now().UTC(),
	}
	for _, v := range res.Variants {
		sum := sha256.Sum256(v.Data)
		key := "v1/" + hex.EncodeToString(sum[:2]) + "/" + hex.EncodeToString(sum[:]) + ".jpg"
		if err := s.blobs.Put(ctx, key, bytes.NewReader(v.Data), "image/jpeg"); err != nil {
			s.deleteKeys(ctx, m.Variants)
			return nil, err
		}
		m.Variants = append(m.Variants, pinhole.MediaVariant{Name: v.Name, Key: key, Width: v.Width, Height: v.Height, Size: int64(len(v.Data))})
	}
	display := m.Variant("1080")
	m.Width, m.Height = display.Width, display.Height
	if err := s.store.CreateMedia(ctx, m); err != nil {
		s.deleteKeys(ctx, m.Variants)
		return nil, err
	}
	return m, nil
}

// Find returns a media row.
func (s *Service) Find(ctx context.Context, id pinhole.ID) (*pinhole.Media, error) {
	return s.store.FindMedia(ctx, id)
}

// Own returns a media row the viewer owns; ENOTFOUND otherwise.
func (s *Service) Own(ctx context.Context, viewer, id pinhole.ID) (*pinhole.Media, error) {
	m, err := s.store.FindMedia(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.OwnerID != viewer {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "Media %s not found.", id)
	}
	return m, nil
}

// Describe sets a photo's alt text.
func (s *Service) Describe(ctx context.Context, viewer, id pinhole.ID, description string) (*pinhole.Media, error) {
	description, err := pinhole.ValidateAltText(description)
	if err != nil {
		return nil, err
	}
	m, err := s.Own(ctx, viewer, id)
	if err != nil {
		return nil, err
	}
	if err := s.store.UpdateMediaDescription(ctx, id, description); err != nil {
		return nil, err
	}
	m.Description = description
	return m, nil
}

// DeleteFiles removes the stored variants of deleted media. Keys are
// content-addressed and may in principle be shared; failures are logged.
func (s *Service) DeleteFiles(ctx context.Context, ms []*pinhole.Media) {
	for _, m := range ms {
		s.deleteKeys(ctx, m.Variants)
	}
}

func (s *Service) deleteKeys(ctx context.Context, vs []pinhole.MediaVariant) {
	for _, v := range vs {
		if err := s.blobs.Delete(context.WithoutCancel(ctx), v.Key); err != nil {
			s.log.WarnContext(ctx, "media: delete blob", "key", v.Key, "err", err)
		}
	}
}

// Open returns a stored variant's bytes.
func (s *Service) Open(ctx context.Context, key string) (io.ReadSeekCloser, pinhole.BlobInfo, error) {
	return s.blobs.Open(ctx, key)
}
