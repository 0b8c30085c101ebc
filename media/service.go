// Package media is the media context: uploads and their lifecycle
// (received → processing → ready | failed), rendering in a bounded pool,
// serving with content negotiation, signed on-demand sizes, and clean-up.
package media

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/media/imaging"
)

// Config is the media context's settings.
type Config struct {
	MaxUploadBytes int64         // per photo: larger uploads are refused (413)
	Workers        int           // photos rendered at once
	QueueLen       int           // photos waiting for a worker; beyond it, 503
	SyncWait       time.Duration // how long an upload waits for its photo before answering "still processing"
	RetryAfter     time.Duration // what a refused upload is told
	OrphanAge      time.Duration // uploads never posted are deleted after this
	StaleAfter     time.Duration // a photo stuck this long (a crashed worker) is rendered again
	KeepOriginals  bool          // keep each upload's own bytes for good (never served)
	TempDir        string        // "" for the system default
	URLKeys        [][]byte      // HMAC keys of on-demand URLs; the first signs, all verify
	MaxSizedSide   int           // largest on-demand width or height
	Imaging        imaging.Config
}

// NewDefaultConfig returns the defaults.
func NewDefaultConfig() Config {
	workers := max(1, runtime.GOMAXPROCS(0))
	return Config{
		MaxUploadBytes: 25 << 20,
		Workers:        workers,
		QueueLen:       4 * workers,
		SyncWait:       10 * time.Second,
		RetryAfter:     5 * time.Second,
		OrphanAge:      24 * time.Hour,
		StaleAfter:     15 * time.Minute,
		MaxSizedSide:   imaging.DisplayWidth,
		Imaging:        imaging.NewDefaultConfig(),
	}
}

// Validate checks the settings.
func (c Config) Validate() error {
	switch {
	case c.MaxUploadBytes < 1<<10:
		return fmt.Errorf("media: upload limit must be at least 1 KiB")
	case c.Workers < 1 || c.QueueLen < 0:
		return fmt.Errorf("media: at least one worker is needed, and the queue cannot be negative")
	case c.OrphanAge < time.Minute || c.StaleAfter < time.Second:
		return fmt.Errorf("media: orphan age and stale time are too short")
	case len(c.URLKeys) == 0:
		return fmt.Errorf("media: at least one URL signing key is needed")
	case c.MaxSizedSide < 16:
		return fmt.Errorf("media: MaxSizedSide must be at least 16")
	}
	for _, k := range c.URLKeys {
		if len(k) < 32 {
			return fmt.Errorf("media: URL signing keys must be at least 32 bytes")
		}
	}
	return c.Imaging.Validate()
}

// Service is the media context's logic.
type Service struct {
	cfg    Config
	store  pinhole.MediaStore
	blobs  pinhole.BlobStore
	proc   imaging.Processor
	ids    *pinhole.IDGenerator
	now    func() time.Time
	log    *slog.Logger
	pool   *pool
	signer *Signer

	mu      sync.Mutex
	waiting map[pinhole.ID]chan struct{} // closed when the photo's job ends
}

// New returns the service with its worker pool running; Close stops it.
func New(cfg Config, store pinhole.MediaStore, blobs pinhole.BlobStore, proc imaging.Processor, ids *pinhole.IDGenerator, now func() time.Time, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Service{
		cfg: cfg, store: store, blobs: blobs, proc: proc, ids: ids, now: now, log: log,
		pool: newPool(cfg.Workers, cfg.QueueLen), signer: &Signer{keys: cfg.URLKeys},
		waiting: make(map[pinhole.ID]chan struct{}),
	}, nil
}

// Close stops taking work, cancels what is running and waits for the
// workers. Photos cut short stay "processing" and are rendered again by
// the next Sweep after StaleAfter.
func (s *Service) Close() { s.pool.close() }

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

// Processor names the image processor in use ("go" or "vips").
func (s *Service) Processor() string { return s.proc.Name() }

// Filters lists the filters a member can choose, "normal" first.
func (s *Service) Filters() []imaging.Filter { return imaging.Filters() }

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

// readAll reads a blob, refusing more than limit bytes.
func readAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("media: blob larger than %d bytes", limit)
	}
	return data, nil
}
