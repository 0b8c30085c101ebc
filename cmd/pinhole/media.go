package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pinhole/pinhole/media"
	"github.com/pinhole/pinhole/media/imaging"
)

// mediaConfig turns the serve settings into the media context's, with the
// image processor this binary was built with (see processor*.go).
func (m *Main) mediaConfig() (media.Config, imaging.Processor, error) {
	cfg := m.Config
	mc := media.NewDefaultConfig()
	mc.MaxUploadBytes = int64(cfg.MaxUploadMB) << 20
	if cfg.MaxMegapixels > 0 {
		mc.Imaging.MaxPixels = int64(cfg.MaxMegapixels) * 1_000_000
	}
	mc.KeepOriginals = cfg.KeepOriginals
	mc.TempDir = filepath.Join(cfg.Data, "tmp")
	if err := os.MkdirAll(mc.TempDir, 0o750); err != nil {
		return mc, nil, fmt.Errorf("temp directory: %w", err)
	}
	if cfg.Postgres() && cfg.MediaURLKeys == "" && !cfg.tool {
		// Every node must sign and check on-demand image URLs with the
		// same keys; a key file in each node's data directory would differ.
		return mc, nil, fmt.Errorf("--media-url-keys (PINHOLE_MEDIA_URL_KEYS) is required with --directory-db: every node needs the same keys (make one with: openssl rand -hex 32)")
	}
	keys, err := mediaURLKeys(cfg.MediaURLKeys, filepath.Join(cfg.Data, "media-url.key"))
	if err != nil {
		return mc, nil, err
	}
	mc.URLKeys = keys
	proc, err := newProcessor(cfg.MediaProcessor, m.Log)
	if err != nil {
		return mc, nil, err
	}
	return mc, proc, nil
}

// mediaURLKeys parses the configured keys, or reads (on first start,
// writes) the key file in the data directory: the embedded default needs
// no setting, and every process sharing the data directory signs alike.
func mediaURLKeys(setting, file string) ([][]byte, error) {
	if setting == "" {
		b, err := os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			key := make([]byte, 32)
			_, _ = rand.Read(key)
			b = []byte(hex.EncodeToString(key) + "\n")
			if err := os.WriteFile(file, b, 0o600); err != nil {
				return nil, fmt.Errorf("media URL key: %w", err)
			}
		} else if err != nil {
			return nil, fmt.Errorf("media URL key: %w", err)
		}
		setting = strings.TrimSpace(string(b))
	}
	var keys [][]byte
	for _, s := range strings.Split(setting, ",") {
		k, err := hex.DecodeString(strings.TrimSpace(s))
		if err != nil || len(k) < 32 {
			return nil, fmt.Errorf("--media-url-keys: each key must be at least 32 bytes in hex (64 hex digits)")
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// sweepMedia is the scheduler's media clean-up.
func (m *Main) sweepMedia(ctx context.Context) error {
	rep, err := m.Services.Media.Sweep(ctx)
	if rep != (media.SweepReport{}) {
		m.Log.Info("media sweep", "orphans_deleted", rep.Orphans, "sources_released", rep.Sources, "requeued", rep.Requeued)
	}
	return err
}
