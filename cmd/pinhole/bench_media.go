package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/blob"
	"github.com/pinhole/pinhole/media"
	"github.com/pinhole/pinhole/media/imaging"
	"github.com/pinhole/pinhole/sqlite"
	"github.com/pinhole/pinhole/sqlstore"
)

// benchMedia times a 12 MP JPEG from upload to every variant ready
// through the media service (spool, header check, blob store, database,
// pool, rendering, blurhash), with each processor this binary has, beside
// vipsthumbnail making the single 1080 px JPEG of the same file. With
// --one-job it is the child process that measures one job's peak memory.
func benchMedia(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pinhole bench media", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "", "JPEG to use; default a generated 4000×3000 photo-like picture")
	rounds := fs.Int("rounds", 5, "timed rounds per contender; the median is reported")
	vt := fs.String("vipsthumbnail", "vipsthumbnail", "path to vipsthumbnail (Debian libvips-tools)")
	oneJob := fs.String("one-job", "", "internal: run one job with this processor and print its peak memory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "pinhole-bench-media-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := *file
	if src == "" {
		src = filepath.Join(dir, "photo.jpg")
		if err := os.WriteFile(src, benchPhoto(4000, 3000), 0o600); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if *oneJob != "" {
		return benchOneJob(ctx, *oneJob, data, dir, stdout)
	}
	_, w, h, err := imaging.CheckHeader(bytes.NewReader(data), imaging.NewDefaultConfig())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d×%d JPEG (%.1f MP, %.1f MB), %d rounds each, median wall time:\n", w, h, float64(w*h)/1e6, float64(len(data))/1e6, *rounds)

	// The contenders take turns, round by round, so that whatever else the
	// machine is doing weighs on all of them alike.
	type contender struct {
		label string
		run   func() error
		times []float64
		name  string // processor, for the memory figure
	}
	var cs []*contender
	if _, err := exec.LookPath(*vt); err != nil {
		fmt.Fprintf(stdout, "  vipsthumbnail: not found (apt-get install libvips-tools); no ratio\n")
	} else {
		out := filepath.Join(dir, "thumb.jpg")
		cs = append(cs, &contender{label: "vipsthumbnail, the one 1080 px JPEG", run: func() error {
			o, err := exec.CommandContext(ctx, *vt, src, "--size", "1080x", "-o", out+"[Q=85,strip]").CombinedOutput()
			if err != nil {
				return fmt.Errorf("vipsthumbnail: %w: %s", err, o)
			}
			return nil
		}})
	}
	for _, name := range processorNames() {
		proc, err := newProcessor(name, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			return err
		}
		svc, owner, closeSvc, err := benchMediaService(ctx, filepath.Join(dir, name), proc)
		if err != nil {
			return err
		}
		defer closeSvc()
		// One untimed job warms caches and, for pure Go, the WebP encoder.
		if _, err := benchUpload(ctx, svc, owner, data); err != nil {
			return err
		}
		cs = append(cs, &contender{label: "pinhole " + proc.Name() + ", upload to 4 sizes × JPEG+WebP", name: name,
			run: func() error { _, err := benchUpload(ctx, svc, owner, data); return err }})
	}
	for range max(1, *rounds) {
		for _, c := range cs {
			start := time.Now()
			if err := c.run(); err != nil {
				return err
			}
			c.times = append(c.times, float64(time.Since(start)))
		}
	}
	var base float64
	if len(cs) > 0 && cs[0].name == "" {
		base = median(cs[0].times)
	}
	for _, c := range cs {
		d := median(c.times)
		line := fmt.Sprintf("  %-44s %6d ms", c.label, time.Duration(d).Milliseconds())
		if c.name != "" {
			if base > 0 {
				var ratios []float64
				for i := range c.times {
					ratios = append(ratios, c.times[i]/cs[0].times[i])
				}
				line += fmt.Sprintf("  %.2f× vipsthumbnail (median of the rounds' ratios)", median(ratios))
			}
			peak, err := benchPeak(ctx, c.name, src)
			if err != nil {
				return err
			}
			line += "; one job's peak memory " + peak
		}
		fmt.Fprintln(stdout, line)
	}
	return nil
}

// processorNames lists the processors of this build, the fast one first.
func processorNames() []string {
	if p, err := newProcessor("vips", nil); err == nil && p.Name() == "vips" {
		return []string{"vips", "go"}
	}
	return []string{"go"}
}

func benchMediaService(ctx context.Context, dir string, proc imaging.Processor) (*media.Service, pinhole.ID, func(), error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, 0, nil, err
	}
	sc := sqlite.NewDefaultConfig(dir)
	sc.NumShards = 4
	cluster, err := sqlite.Open(ctx, sc, time.Now)
	if err != nil {
		return nil, 0, nil, err
	}
	blobs, err := blob.NewFileStore(filepath.Join(dir, "media"))
	if err != nil {
		sqlite.Close(cluster)
		return nil, 0, nil, err
	}
	mc := media.NewDefaultConfig()
	mc.TempDir = dir
	mc.URLKeys = [][]byte{bytes.Repeat([]byte{7}, 32)}
	mc.SyncWait = time.Minute
	svc, err := media.New(mc, sqlstore.New(cluster), blobs, proc, cluster.IDs, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		sqlite.Close(cluster)
		return nil, 0, nil, err
	}
	return svc, cluster.IDs.Next(1), func() { svc.Close(); sqlite.Close(cluster) }, nil
}

func benchUpload(ctx context.Context, svc *media.Service, owner pinhole.ID, data []byte) (*pinhole.Media, error) {
	m, err := svc.UploadWith(ctx, owner, bytes.NewReader(data), media.NewUpload{Edit: imaging.Edit{Filter: "golden", Intensity: 80}})
	if err == nil && m.State != pinhole.MediaReady {
		err = fmt.Errorf("bench: photo is %s after the upload", m.State)
	}
	return m, err
}

// benchPeak runs one job in a fresh process and returns what it printed.
func benchPeak(ctx context.Context, name, file string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, exe, "bench", "media", "--one-job", name, "--file", file).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("bench: one job with %s: %w: %s", name, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// benchOneJob runs a single upload in this (fresh) process and prints how
// far the resident memory rose above what the process held before it.
func benchOneJob(ctx context.Context, name string, data []byte, dir string, stdout io.Writer) error {
	proc, err := newProcessor(name, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	svc, owner, closeSvc, err := benchMediaService(ctx, dir, proc)
	if err != nil {
		return err
	}
	defer closeSvc()
	before := procStatus("VmRSS")
	if _, err := benchUpload(ctx, svc, owner, data); err != nil {
		return err
	}
	peak := procStatus("VmHWM")
	fmt.Fprintf(stdout, "%d MB (RSS high-water %d MB over %d MB before the job)", (peak-before)>>10, peak>>10, before>>10)
	return nil
}

// procStatus returns a kB figure from /proc/self/status (Linux).
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// benchPhoto makes a photo-like JPEG: smooth light, edges and sensor noise,
// which compresses and decodes like a camera's picture (about 1 byte a pixel
// at quality 92), not like a flat test card.
func benchPhoto(w, h int) []byte {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(12, 34))
	for y := range h {
		for x := range w {
			v := 60 + 120*x/w + 40*((x/97+y/131)%2) + r.IntN(24)
			m.Y[m.YOffset(x, y)] = uint8(min(255, v))
		}
	}
	for y := range h / 2 {
		for x := range w / 2 {
			i := m.COffset(2*x, 2*y)
			m.Cb[i] = uint8(110 + 40*y*2/h + r.IntN(6))
			m.Cr[i] = uint8(120 + 30*x*2/w + r.IntN(6))
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, m, &jpeg.Options{Quality: 92})
	return buf.Bytes()
}
