package media_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/blob"
	"github.com/pinhole/pinhole/media"
	"github.com/pinhole/pinhole/media/imaging"
	"github.com/pinhole/pinhole/media/imaging/imagingtest"
	"github.com/pinhole/pinhole/sqlite"
	"github.com/pinhole/pinhole/sqlstore"
)

// gate is a processor that can hold photos until the test lets them go,
// and counts what it is asked to do.
type gate struct {
	imaging.Processor
	hold    chan struct{} // nil: no holding
	renders atomic.Int32
	resizes atomic.Int32
}

func (g *gate) Render(ctx context.Context, src *imaging.Source, p imaging.Plan, q imaging.Quality) ([]imaging.Variant, error) {
	g.renders.Add(1)
	if g.hold != nil {
		select {
		case <-g.hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Processor.Render(ctx, src, p, q)
}

func (g *gate) Resize(ctx context.Context, data []byte, w, h int, f imaging.Format, q imaging.Quality) ([]byte, error) {
	g.resizes.Add(1)
	return g.Processor.Resize(ctx, data, w, h, f, q)
}

type fixture struct {
	svc   *media.Service
	store *sqlstore.Store
	proc  *gate
	dir   string
	owner pinhole.ID
	now   *atomic.Int64 // unix ms
	cfg   media.Config
}

var testKey = bytes.Repeat([]byte("k"), 32)

func newFixture(t *testing.T, tweak func(*media.Config, *gate)) *fixture {
	t.Helper()
	dir := t.TempDir()
	now := new(atomic.Int64)
	now.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixMilli())
	clock := func() time.Time { return time.UnixMilli(now.Load()).UTC() }
	sc := sqlite.NewDefaultConfig(dir)
	sc.NumShards = 4
	cluster, err := sqlite.Open(context.Background(), sc, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlite.Close(cluster) })
	blobs, err := blob.NewFileStore(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := media.NewDefaultConfig()
	cfg.TempDir = filepath.Join(dir, "tmp")
	cfg.URLKeys = [][]byte{testKey}
	cfg.SyncWait = 30 * time.Second
	os.MkdirAll(cfg.TempDir, 0o750)
	g := &gate{Processor: imaging.Pure()}
	if tweak != nil {
		tweak(&cfg, g)
	}
	st := sqlstore.New(cluster)
	svc, err := media.New(cfg, st, blobs, g, cluster.IDs, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return &fixture{svc: svc, store: st, proc: g, dir: dir, owner: cluster.IDs.Next(1), now: now, cfg: cfg}
}

// files lists every file under the fixture's media and temp directories.
func (f *fixture) files(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, d := range []string{"media", "tmp"} {
		root := filepath.Join(f.dir, d)
		filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				rel, _ := filepath.Rel(f.dir, p)
				out = append(out, rel)
			}
			return nil
		})
	}
	return out
}

func (f *fixture) upload(t *testing.T, data []byte, e imaging.Edit) (*pinhole.Media, error) {
	t.Helper()
	return f.svc.UploadWith(context.Background(), f.owner, bytes.NewReader(data), media.NewUpload{Description: "a photo", Edit: e})
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if pinhole.ErrorCode(err) != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

func TestUpload(t *testing.T) {
	t.Parallel()

	t.Run("ReturnsReadyPhotoInBothFormats", func(t *testing.T) {
		f := newFixture(t, nil)
		m, err := f.upload(t, imagingtest.PhoneJPEG(t, imagingtest.Photo(900, 700), 6), imaging.Edit{Filter: "noir", Intensity: 100})
		if err != nil {
			t.Fatal(err)
		}
		if m.State != pinhole.MediaReady || m.Width != 700 || m.Height != 875 || m.Blurhash == "" || m.Filter != "noir" {
			t.Errorf("got %+v; want ready, 700×875 (upright, cropped to 4:5), noir", m)
		}
		for _, name := range []string{"1080", "640", "320", "thumb"} {
			v := m.Variant(name)
			for _, key := range []string{v.Key, strings.TrimSuffix(v.Key, ".jpg") + ".webp"} {
				file, err := f.svc.Open(context.Background(), key, false)
				if err != nil {
					t.Errorf("%s: open %s: %v", name, key, err)
					continue
				}
				file.Close()
			}
		}
		if _, err := os.Stat(filepath.Join(f.dir, "tmp")); err == nil {
			if left, _ := os.ReadDir(filepath.Join(f.dir, "tmp")); len(left) > 0 {
				t.Errorf("temp files left: %v", left)
			}
		}
	})

	t.Run("OverTheSizeLimitIs413AndLeavesNothing", func(t *testing.T) {
		f := newFixture(t, func(c *media.Config, _ *gate) { c.MaxUploadBytes = 64 << 10 })
		_, err := f.upload(t, imagingtest.MustPNG(t, imagingtest.Photo(400, 300)), imaging.Edit{})
		wantCode(t, err, pinhole.ETOOLARGE)
		if left := f.files(t); len(left) > 0 {
			t.Errorf("files left: %v", left)
		}
	})

	t.Run("DecompressionBombIsRefusedFromTheHeader", func(t *testing.T) {
		f := newFixture(t, nil)
		_, err := f.upload(t, imagingtest.PNGHeader(100000, 100000), imaging.Edit{})
		wantCode(t, err, pinhole.EINVALID)
		if n := f.proc.renders.Load(); n != 0 {
			t.Errorf("the processor was asked %d times, want never", n)
		}
		if left := f.files(t); len(left) > 0 {
			t.Errorf("files left: %v", left)
		}
	})

	t.Run("CorruptFileIs422AndLeavesNothing", func(t *testing.T) {
		f := newFixture(t, nil)
		jpg := imagingtest.MustJPEG(t, imagingtest.Photo(400, 300), 90)
		_, err := f.upload(t, jpg[:len(jpg)/2], imaging.Edit{})
		wantCode(t, err, pinhole.EINVALID)
		if left := f.files(t); len(left) > 0 {
			t.Errorf("files left: %v", left)
		}
		if rows, _ := f.store.ListMedia(context.Background(), pinhole.MediaFilter{}); len(rows) > 0 {
			t.Errorf("rows left: %d", len(rows))
		}
	})

	t.Run("SlowPhotoAnswersProcessingThenBecomesReady", func(t *testing.T) {
		f := newFixture(t, func(c *media.Config, g *gate) {
			c.SyncWait = 20 * time.Millisecond
			g.hold = make(chan struct{})
		})
		m, err := f.upload(t, imagingtest.MustJPEG(t, imagingtest.Photo(300, 200), 90), imaging.Edit{})
		if err != nil {
			t.Fatal(err)
		}
		if m.State != pinhole.MediaReceived && m.State != pinhole.MediaProcessing {
			t.Fatalf("state %q, want received or processing while the photo is held", m.State)
		}
		close(f.proc.hold)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		got, err := f.svc.Wait(ctx, f.owner, m.ID)
		if err != nil || got.State != pinhole.MediaReady {
			t.Fatalf("after release: %+v, %v; want ready", got, err)
		}
	})

	t.Run("FullPoolIs503WithRetryAfterAndWritesNothing", func(t *testing.T) {
		f := newFixture(t, func(c *media.Config, g *gate) {
			c.Workers, c.QueueLen, c.SyncWait = 1, 1, 10*time.Millisecond
			g.hold = make(chan struct{})
		})
		defer close(f.proc.hold)
		jpg := imagingtest.MustJPEG(t, imagingtest.Photo(64, 64), 90)
		for i := range 2 { // one running, one queued
			if _, err := f.upload(t, jpg, imaging.Edit{}); err != nil {
				t.Fatalf("upload %d: %v", i, err)
			}
		}
		before := f.files(t)
		_, err := f.upload(t, jpg, imaging.Edit{})
		var perr *pinhole.Error
		if !errors.As(err, &perr) || perr.Code != pinhole.EUNAVAILABLE || perr.RetryAfter <= 0 {
			t.Fatalf("third upload: %v; want EUNAVAILABLE with RetryAfter", err)
		}
		if after := f.files(t); len(after) != len(before) {
			t.Errorf("the refused upload left files: %v, before %v", after, before)
		}
	})

	t.Run("HostileFilesBounceOff", func(t *testing.T) {
		f := newFixture(t, nil)
		for name, data := range imagingtest.Hostile(t) {
			if _, err := f.upload(t, data, imaging.Edit{}); pinhole.ErrorCode(err) != pinhole.EINVALID {
				t.Errorf("%s: error %v, want EINVALID", name, err)
			}
		}
		if left := f.files(t); len(left) > 0 {
			t.Errorf("files left: %v", left)
		}
	})
}

func TestEdit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	m, err := f.upload(t, imagingtest.MustJPEG(t, imagingtest.Swatches(400, 300), 92), imaging.Edit{})
	if err != nil {
		t.Fatal(err)
	}
	before := m.Variant("1080").Key
	got, err := f.svc.Edit(context.Background(), f.owner, m.ID, imaging.Edit{Filter: "sepia", Intensity: 100, Crop: &imaging.Box{X: 0, Y: 0, W: 0.5, H: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != pinhole.MediaReady || got.Filter != "sepia" || got.Width != 200 || got.Height != 250 {
		t.Errorf("after edit: %+v; want ready, sepia, 200×250", got)
	}
	if _, err := f.svc.Open(context.Background(), before, false); !pinhole.IsNotFound(err) {
		t.Errorf("the earlier rendering is still served (%v); want its files deleted", err)
	}
	if _, err := f.svc.Edit(context.Background(), f.owner+1, m.ID, imaging.Edit{}); !pinhole.IsNotFound(err) {
		t.Errorf("someone else's edit: %v, want ENOTFOUND", err)
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	jpg := imagingtest.MustJPEG(t, imagingtest.Photo(200, 160), 90)
	orphan, err := f.upload(t, jpg, imaging.Edit{})
	if err != nil {
		t.Fatal(err)
	}
	f.now.Add((23 * time.Hour).Milliseconds())
	if rep, err := f.svc.Sweep(ctx); err != nil || rep.Orphans != 0 {
		t.Fatalf("after 23 hours: %+v, %v; want nothing deleted", rep, err)
	}
	f.now.Add((2 * time.Hour).Milliseconds())
	rep, err := f.svc.Sweep(ctx)
	if err != nil || rep.Orphans != 1 {
		t.Fatalf("after 25 hours: %+v, %v; want the orphan deleted", rep, err)
	}
	if _, err := f.svc.Find(ctx, orphan.ID); !pinhole.IsNotFound(err) {
		t.Errorf("orphan row: %v, want gone", err)
	}
	if left := f.files(t); len(left) > 0 {
		t.Errorf("orphan files left: %v", left)
	}
}

func TestDeleteFilesRemovesEveryDerivedFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	m, err := f.upload(t, imagingtest.MustJPEG(t, imagingtest.Photo(400, 300), 90), imaging.Edit{})
	if err != nil {
		t.Fatal(err)
	}
	path := f.svc.SizedPath(m.Variant("1080").Key, 100, 100)
	for _, webp := range []bool{false, true} {
		file, err := f.svc.Sized(context.Background(), strings.TrimPrefix(path, "sized/"), webp)
		if err != nil {
			t.Fatal(err)
		}
		file.Close()
	}
	f.svc.DeleteFiles(context.Background(), []*pinhole.Media{m})
	if left := f.files(t); len(left) > 0 {
		t.Errorf("files left: %v", left)
	}
}

func TestSized(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *media.Config, _ *gate) {
		c.URLKeys = [][]byte{bytes.Repeat([]byte("n"), 32), testKey} // rotated: a new key signs
	})
	m, err := f.upload(t, imagingtest.MustJPEG(t, imagingtest.Quadrant(400, 300), 92), imaging.Edit{})
	if err != nil {
		t.Fatal(err)
	}
	key := m.Variant("1080").Key
	rest := strings.TrimPrefix(f.svc.SizedPath(key, 120, 90), "sized/")

	t.Run("BadSignatureIs403WithoutProcessing", func(t *testing.T) {
		sig, tail, _ := strings.Cut(rest, "/")
		bad := []string{
			"AAAA" + sig[4:] + "/" + tail,
			sig + "/121x90/" + key,           // another size under the same signature
			"not-base64!/" + tail,            // garbage
			sig + "/120x90/v1/00/" + key[6:], // another file
		}
		for _, b := range bad {
			_, err := f.svc.Sized(context.Background(), b, false)
			if pinhole.ErrorCode(err) != pinhole.EFORBIDDEN {
				t.Errorf("%s: %v, want EFORBIDDEN", b, err)
			}
		}
		if n := f.proc.resizes.Load(); n != 0 {
			t.Errorf("bad signatures cost %d renderings, want none", n)
		}
	})

	t.Run("RendersOnceThenServesFromTheStore", func(t *testing.T) {
		for range 3 {
			file, err := f.svc.Sized(context.Background(), rest, true)
			if err != nil {
				t.Fatal(err)
			}
			if file.ContentType != "image/webp" || file.Info.Size == 0 {
				t.Errorf("got %s of %d bytes", file.ContentType, file.Info.Size)
			}
			file.Close()
		}
		if n := f.proc.resizes.Load(); n != 1 {
			t.Errorf("rendered %d times, want once", n)
		}
	})

	t.Run("OldKeyStillVerifies", func(t *testing.T) {
		old := newFixture(t, nil) // signs with testKey only
		oldRest := strings.TrimPrefix(old.svc.SizedPath(key, 120, 90), "sized/")
		file, err := f.svc.Sized(context.Background(), oldRest, false)
		if err != nil {
			t.Fatalf("URL signed with the previous key: %v", err)
		}
		file.Close()
	})
}

func TestOpenServesOnlyVariants(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *media.Config, g *gate) { c.SyncWait = time.Millisecond; g.hold = make(chan struct{}) })
	defer close(f.proc.hold)
	m, err := f.upload(t, imagingtest.PhoneJPEG(t, imagingtest.Photo(64, 64), 1), imaging.Edit{})
	if err != nil {
		t.Fatal(err)
	}
	src, ok := m.Source()
	if !ok {
		t.Fatal("no kept upload")
	}
	for _, key := range []string{src.Key, "../" + src.Key, "src/" + m.ID.String(), "v1/aa/nothing.jpg"} {
		if _, err := f.svc.Open(context.Background(), key, false); !pinhole.IsNotFound(err) {
			t.Errorf("Open(%q) = %v, want ENOTFOUND", key, err)
		}
	}
}
