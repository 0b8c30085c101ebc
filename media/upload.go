package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/media/imaging"
)

// NewUpload is what a member sends with a photo.
type NewUpload struct {
	Description string
	Edit        imaging.Edit
}

// Upload takes one photo with alt text and no edit: see UploadWith.
func (s *Service) Upload(ctx context.Context, owner pinhole.ID, r io.Reader, description string) (*pinhole.Media, error) {
	return s.UploadWith(ctx, owner, r, NewUpload{Description: description})
}

// UploadWith takes one photo: it streams it to a temporary file under the size
// limit (ETOOLARGE beyond), checks the format and the header's dimensions
// before decoding anything (EINVALID), keeps the upload in the blob store
// and queues it for rendering (EUNAVAILABLE with RetryAfter when the pool
// is full; nothing is written then). It waits up to SyncWait for the
// photo: the media comes back ready, or still processing for the client
// to poll. A photo that turns out broken in that time is an EINVALID
// error and leaves nothing behind.
func (s *Service) UploadWith(ctx context.Context, owner pinhole.ID, r io.Reader, in NewUpload) (*pinhole.Media, error) {
	description, err := pinhole.ValidateAltText(in.Description)
	if err != nil {
		return nil, err
	}
	if err := in.Edit.Validate(); err != nil {
		return nil, err
	}
	f, size, err := s.spool(r)
	if err != nil {
		return nil, err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	if _, _, _, err := imaging.CheckHeader(f, s.cfg.Imaging); err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("media: spool: %w", err)
	}

	if !s.pool.reserve() {
		return nil, s.busy()
	}
	reserved := true
	defer func() {
		if reserved {
			s.pool.release()
		}
	}()
	now := s.now().UTC()
	m := &pinhole.Media{
		ID: s.ids.Next(owner.Shard()), OwnerID: owner, State: pinhole.MediaReceived, Description: description,
		CreatedAt: now, UpdatedAt: now,
	}
	setEdit(m, in.Edit)
	src := pinhole.MediaVariant{Name: pinhole.MediaSource, Key: sourceKey(m.ID), Size: size}
	if err := s.blobs.Put(ctx, src.Key, f, "application/octet-stream"); err != nil {
		return nil, err
	}
	m.Variants = []pinhole.MediaVariant{src}
	if err := s.store.CreateMedia(ctx, m); err != nil {
		s.deleteKeys(ctx, []string{src.Key})
		return nil, err
	}
	reserved = false
	s.queue(m.ID)

	got, err := s.wait(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if got.State == pinhole.MediaFailed {
		// Broken files bounce off without a trace.
		if err := s.store.DeleteMedia(context.WithoutCancel(ctx), got.ID); err == nil {
			s.deleteFiles(ctx, got.Variants)
		}
		return nil, pinhole.Errorf(pinhole.EINVALID, "%s", got.Error)
	}
	return got, nil
}

// Edit renders a photo again with another crop, focus point or filter. It
// works until the photo is posted, while its upload is kept.
func (s *Service) Edit(ctx context.Context, viewer, id pinhole.ID, e imaging.Edit) (*pinhole.Media, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	m, err := s.Own(ctx, viewer, id)
	if err != nil {
		return nil, err
	}
	if _, kept := m.Source(); !kept || m.PostID != 0 {
		return nil, pinhole.Errorf(pinhole.EINVALID, "This photo is already posted; its filter and crop can no longer change.")
	}
	if !s.pool.reserve() {
		return nil, s.busy()
	}
	setEdit(m, e)
	m.State, m.Error, m.UpdatedAt = pinhole.MediaReceived, "", s.now().UTC()
	if err := s.store.UpdateMedia(ctx, m, pinhole.MediaReady, pinhole.MediaFailed); err != nil {
		s.pool.release()
		if pinhole.ErrorCode(err) == pinhole.ECONFLICT {
			return nil, pinhole.Errorf(pinhole.EINVALID, "The photo is still being processed; change it once it is ready.")
		}
		return nil, err
	}
	s.queue(m.ID)
	return s.wait(ctx, m.ID)
}

// Wait waits until a photo is ready or failed, or until ctx ends.
func (s *Service) Wait(ctx context.Context, viewer, id pinhole.ID) (*pinhole.Media, error) {
	for {
		m, err := s.Own(ctx, viewer, id)
		if err != nil || m.State == pinhole.MediaReady || m.State == pinhole.MediaFailed {
			return m, err
		}
		s.mu.Lock()
		done := s.waiting[id]
		s.mu.Unlock()
		if done == nil { // rendered by another process: poll
			tick := make(chan struct{})
			time.AfterFunc(250*time.Millisecond, func() { close(tick) })
			done = tick
		}
		select {
		case <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// wait waits up to SyncWait for a queued photo's job and returns the row.
func (s *Service) wait(ctx context.Context, id pinhole.ID) (*pinhole.Media, error) {
	s.mu.Lock()
	done := s.waiting[id]
	s.mu.Unlock()
	t := time.NewTimer(s.cfg.SyncWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
	return s.store.FindMedia(context.WithoutCancel(ctx), id)
}

func (s *Service) busy() error {
	return &pinhole.Error{Code: pinhole.EUNAVAILABLE, Message: "The server is busy processing photos; try again shortly.", RetryAfter: s.cfg.RetryAfter}
}

// spool copies r to a temporary file, at most MaxUploadBytes.
func (s *Service) spool(r io.Reader) (*os.File, int64, error) {
	f, err := os.CreateTemp(s.cfg.TempDir, "pinhole-upload-*")
	if err != nil {
		return nil, 0, fmt.Errorf("media: spool: %w", err)
	}
	fail := func(err error) (*os.File, int64, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, err
	}
	n, err := io.Copy(f, io.LimitReader(r, s.cfg.MaxUploadBytes+1))
	var perr *pinhole.Error
	switch {
	case errors.As(err, &perr):
		return fail(err)
	case err != nil:
		return fail(pinhole.Errorf(pinhole.EINVALID, "The upload was interrupted; send the file again."))
	case n > s.cfg.MaxUploadBytes:
		return fail(pinhole.Errorf(pinhole.ETOOLARGE, "The photo is larger than %d MB.", s.cfg.MaxUploadBytes>>20))
	case n == 0:
		return fail(pinhole.Errorf(pinhole.EINVALID, "The file is empty; choose a JPEG, PNG, WebP or GIF photo."))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(fmt.Errorf("media: spool: %w", err))
	}
	return f, n, nil
}

func setEdit(m *pinhole.Media, e imaging.Edit) {
	m.Filter, m.FilterIntensity = e.Filter, e.Intensity
	if e.Filter == "" || e.Filter == "normal" {
		m.Filter, m.FilterIntensity = "", 0
	}
	m.Focus = [2]float64{e.Focus.X, e.Focus.Y}
	m.Crop = [4]float64{}
	if c := e.Crop; c != nil {
		m.Crop = [4]float64{c.X, c.Y, c.W, c.H}
	}
}

// EditOf returns the edit a media row records.
func EditOf(m *pinhole.Media) imaging.Edit {
	e := imaging.Edit{Filter: m.Filter, Intensity: m.FilterIntensity, Focus: imaging.Point{X: m.Focus[0], Y: m.Focus[1]}}
	if m.Crop != [4]float64{} {
		e.Crop = &imaging.Box{X: m.Crop[0], Y: m.Crop[1], W: m.Crop[2], H: m.Crop[3]}
	}
	return e
}
