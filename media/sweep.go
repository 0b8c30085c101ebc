package media

import (
	"context"

	"github.com/pinhole/pinhole"
)

// SweepReport says what a Sweep did.
type SweepReport struct {
	Orphans  int // unposted uploads deleted
	Sources  int // uploads of posted photos let go
	Requeued int // stuck photos rendered again
}

// Sweep is the media context's periodic clean-up, run by the scheduler:
// it deletes uploads never posted within OrphanAge (rows and files), lets
// go of the kept upload of photos that are posted (unless originals are
// kept), and queues again photos stuck in received or processing longer
// than StaleAfter (a worker died). Each step takes a bounded batch; the
// next run takes the rest.
func (s *Service) Sweep(ctx context.Context) (SweepReport, error) {
	var rep SweepReport
	now := s.now().UTC()

	orphans, err := s.store.ListMedia(ctx, pinhole.MediaFilter{Unattached: true, CreatedBefore: now.Add(-s.cfg.OrphanAge), Limit: 500})
	if err != nil {
		return rep, err
	}
	for _, m := range orphans {
		if err := s.store.DeleteMedia(ctx, m.ID); err != nil {
			if !pinhole.IsNotFound(err) { // posted since: not an orphan
				return rep, err
			}
			continue
		}
		s.deleteFiles(ctx, m.Variants)
		rep.Orphans++
	}

	if !s.cfg.KeepOriginals {
		posted, err := s.store.ListMedia(ctx, pinhole.MediaFilter{Attached: true, WithSource: true, Limit: 500})
		if err != nil {
			return rep, err
		}
		for _, m := range posted {
			src, _ := m.Source()
			m.Variants = unshared(m.Variants, nil)
			if err := s.store.UpdateMedia(ctx, m, pinhole.MediaReady); err != nil {
				continue // changed meanwhile: the next run sees it again
			}
			s.deleteKeys(ctx, []string{src.Key})
			rep.Sources++
		}
	}

	stuck, err := s.store.ListMedia(ctx, pinhole.MediaFilter{
		States: []string{pinhole.MediaReceived, pinhole.MediaProcessing}, UpdatedBefore: now.Add(-s.cfg.StaleAfter), Limit: 100,
	})
	if err != nil {
		return rep, err
	}
	for _, m := range stuck {
		if !s.pool.reserve() {
			break // busy: the next run tries again
		}
		m.State, m.UpdatedAt = pinhole.MediaReceived, now
		if err := s.store.UpdateMedia(ctx, m, pinhole.MediaReceived, pinhole.MediaProcessing); err != nil {
			s.pool.release()
			continue
		}
		s.queue(m.ID)
		rep.Requeued++
	}
	return rep, nil
}
