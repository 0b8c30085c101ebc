package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/media/imaging"
)

// queue hands a reserved photo to the pool.
func (s *Service) queue(id pinhole.ID) {
	done := make(chan struct{})
	s.mu.Lock()
	s.waiting[id] = done
	s.mu.Unlock()
	s.pool.submit(func(ctx context.Context) {
		defer func() {
			s.mu.Lock()
			if s.waiting[id] == done { // an edit may have queued the photo again
				delete(s.waiting, id)
			}
			s.mu.Unlock()
			close(done)
		}()
		s.process(ctx, id)
	})
}

// process renders one photo: received → processing → ready | failed.
func (s *Service) process(ctx context.Context, id pinhole.ID) {
	start := time.Now()
	m, err := s.store.FindMedia(ctx, id)
	if err != nil {
		if !pinhole.IsNotFound(err) {
			s.log.ErrorContext(ctx, "media: load for processing", "media_id", id, "err", err)
		}
		return
	}
	m.State, m.UpdatedAt = pinhole.MediaProcessing, s.now().UTC()
	if err := s.store.UpdateMedia(ctx, m, pinhole.MediaReceived); err != nil {
		if c := pinhole.ErrorCode(err); c != pinhole.ENOTFOUND && c != pinhole.ECONFLICT {
			s.log.ErrorContext(ctx, "media: start processing", "media_id", id, "err", err)
		}
		return
	}
	res, err := s.render(ctx, m)
	if err == nil {
		err = s.finish(ctx, m, res)
	}
	switch {
	case err == nil:
		s.log.InfoContext(ctx, "media ready", "media_id", id, "processor", s.proc.Name(), "ms", time.Since(start).Milliseconds())
	case ctx.Err() != nil:
		// Shutting down: the photo stays "processing" and is picked up
		// again by a later Sweep.
	default:
		m.State, m.UpdatedAt = pinhole.MediaFailed, s.now().UTC()
		m.Error = pinhole.ErrorMessage(err)
		if pinhole.ErrorCode(err) == pinhole.EINTERNAL {
			s.log.ErrorContext(ctx, "media: processing failed", "media_id", id, "err", err)
			m.Error = "The photo could not be processed; try uploading it again."
		}
		if err := s.store.UpdateMedia(ctx, m, pinhole.MediaProcessing); err != nil && !pinhole.IsNotFound(err) {
			s.log.ErrorContext(ctx, "media: record failure", "media_id", id, "err", err)
		}
	}
}

func (s *Service) render(ctx context.Context, m *pinhole.Media) (*imaging.Result, error) {
	src, ok := m.Source()
	if !ok {
		return nil, fmt.Errorf("media %s: no upload kept to render", m.ID)
	}
	r, _, err := s.blobs.Open(ctx, src.Key)
	if err != nil {
		return nil, fmt.Errorf("media %s: open upload: %w", m.ID, err)
	}
	data, err := readAll(r, s.cfg.MaxUploadBytes)
	r.Close()
	if err != nil {
		return nil, err
	}
	return imaging.Process(ctx, s.proc, bytes.NewReader(data), EditOf(m), s.cfg.Imaging)
}

// finish stores the variants and marks the photo ready. If the row went
// away meanwhile (deleted, or edited again) the new files go too; files of
// an earlier rendering that the new one does not share are deleted.
func (s *Service) finish(ctx context.Context, m *pinhole.Media, res *imaging.Result) error {
	// Eight files, each written to a temporary file, synced and renamed:
	// written side by side, the syncs overlap.
	fresh := make([]pinhole.MediaVariant, len(res.Variants))
	errs := make([]error, 2*len(res.Variants))
	var wg sync.WaitGroup
	for i, v := range res.Variants {
		key := variantKey(m.ID, v.JPEG)
		fresh[i] = pinhole.MediaVariant{Name: v.Name, Key: key, Width: v.Width, Height: v.Height, Size: int64(len(v.JPEG)), WebPSize: int64(len(v.WebP))}
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs[2*i] = s.blobs.Put(ctx, key, bytes.NewReader(v.JPEG), "image/jpeg")
		}()
		go func() {
			defer wg.Done()
			errs[2*i+1] = s.blobs.Put(ctx, webpKey(key), bytes.NewReader(v.WebP), "image/webp")
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		s.deleteFiles(ctx, unshared(fresh, m.Variants))
		return err
	}
	old := m.Variants
	m.Variants = slices.Clone(fresh)
	if src, ok := (&pinhole.Media{Variants: old}).Source(); ok {
		m.Variants = append(m.Variants, src)
	}
	m.Width, m.Height, m.Blurhash = res.Variants[0].Width, res.Variants[0].Height, res.Blurhash
	m.State, m.Error, m.UpdatedAt = pinhole.MediaReady, "", s.now().UTC()
	if err := s.store.UpdateMedia(ctx, m, pinhole.MediaProcessing); err != nil {
		s.deleteFiles(ctx, unshared(fresh, old))
		if pinhole.IsNotFound(err) || errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	s.deleteFiles(ctx, unshared(old, fresh))
	return nil
}

// unshared returns the variants of a (not the source) whose keys b lacks.
func unshared(a, b []pinhole.MediaVariant) []pinhole.MediaVariant {
	var out []pinhole.MediaVariant
	for _, v := range a {
		if v.Name != pinhole.MediaSource && !slices.ContainsFunc(b, func(w pinhole.MediaVariant) bool { return w.Key == v.Key }) {
			out = append(out, v)
		}
	}
	return out
}
