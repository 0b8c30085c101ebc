package deploy

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Cmd  string // upper case: FROM, RUN, …
	Args string
	Line int
}

// stage is one FROM and what follows it.
type stage struct {
	Image, Name string
	Ins         []instruction
}

func parseDockerfile(src string) ([]stage, error) {
	var stages []stage
	var cur strings.Builder
	start := 0
	flush := func() {
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			return
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: start}
		if in.Cmd == "FROM" {
			f := strings.Fields(in.Args)
			s := stage{Image: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.Name = f[2]
			}
			stages = append(stages, s)
			return
		}
		if len(stages) > 0 {
			stages[len(stages)-1].Ins = append(stages[len(stages)-1].Ins, in)
		}
	}
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 {
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			start = i + 1
		} else if strings.HasPrefix(trimmed, "#") {
			continue // a comment inside a continued instruction
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	flush()
	return stages, nil
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.Ins {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// env reads a stage's ENV KEY=VALUE pairs.
func (s stage) env() map[string]string {
	env := map[string]string{}
	for _, in := range s.all("ENV") {
		for _, kv := range strings.Fields(in.Args) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = strings.Trim(v, `"`)
			}
		}
	}
	return env
}

// image is what the runtime stage promises the manifests.
type image struct {
	uid     string // numeric USER
	dataDir string // PINHOLE_DATA
	port    int32  // of PINHOLE_LISTEN
}

func loadDockerfile(t *testing.T) []stage {
	t.Helper()
	src, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages, err := parseDockerfile(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 2 {
		t.Fatalf("Dockerfile has %d stages, want 2 (build, runtime)", len(stages))
	}
	return stages
}

// dockerImage reads the runtime facts the manifests must agree with.
func dockerImage(t *testing.T) image {
	t.Helper()
	rt := loadDockerfile(t)[1]
	var img image
	if users := rt.all("USER"); len(users) > 0 {
		img.uid, _, _ = strings.Cut(users[len(users)-1].Args, ":")
	}
	env := rt.env()
	img.dataDir = env["PINHOLE_DATA"]
	if _, p, err := net.SplitHostPort(env["PINHOLE_LISTEN"]); err == nil {
		n, _ := strconv.Atoi(p)
		img.port = int32(n)
	}
	return img
}

func TestDockerfile(t *testing.T) {
	stages := loadDockerfile(t)
	build, rt := stages[0], stages[1]

	t.Run("BaseImagesPinned", func(t *testing.T) {
		for _, s := range stages {
			name, tag, ok := strings.Cut(s.Image, ":")
			if !ok || tag == "" || tag == "latest" || strings.Contains(name, "$") {
				t.Errorf("FROM %s: pin a tag", s.Image)
			}
		}
		if !strings.HasPrefix(build.Image, "golang:") || !strings.HasSuffix(build.Image, "-bookworm") {
			t.Errorf("build stage FROM %s, want golang:<version>-bookworm", build.Image)
		}
		if rt.Image != "debian:bookworm-slim" {
			t.Errorf("runtime stage FROM %s, want debian:bookworm-slim (the same Debian as the builder, for libvips)", rt.Image)
		}
	})

	t.Run("GoVersionMatchesGoMod", func(t *testing.T) {
		mod, err := os.ReadFile(filepath.Join("..", "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
		if m == nil {
			t.Fatal("go.mod has no go directive")
		}
		if want := "golang:" + string(m[1]) + "-"; !strings.HasPrefix(build.Image, want) {
			t.Errorf("build stage FROM %s, but go.mod needs Go %s", build.Image, m[1])
		}
	})

	t.Run("BuildsTheBinary", func(t *testing.T) {
		var goBuild string
		for _, in := range build.all("RUN") {
			if strings.Contains(in.Args, "go build") {
				goBuild = in.Args
			}
		}
		if goBuild == "" {
			t.Fatal("no RUN with go build")
		}
		for _, flag := range []string{"-tags vips", "-trimpath", "-s -w", "-X main.version="} {
			if !strings.Contains(goBuild, flag) {
				t.Errorf("go build lacks %q: %s", flag, goBuild)
			}
		}
		m := regexp.MustCompile(`\s(\./[\w./-]+)\s*$`).FindStringSubmatch(goBuild)
		if m == nil {
			t.Fatalf("go build names no ./package as its last argument: %s", goBuild)
		}
		pkg := filepath.Join("..", filepath.FromSlash(m[1]))
		main, err := os.ReadFile(filepath.Join(pkg, "main.go"))
		if err != nil {
			t.Fatalf("go build %s: %v", m[1], err)
		}
		if !regexp.MustCompile(`(?m)^package main\b`).Match(main) {
			t.Errorf("%s is not a main package", m[1])
		}
		if !regexp.MustCompile(`(?m)^var version\b`).Match(main) {
			t.Errorf("%s/main.go has no var version for -X main.version", m[1])
		}
		vips := false
		files, _ := filepath.Glob(filepath.Join(pkg, "*.go"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			vips = vips || regexp.MustCompile(`(?m)^//go:build vips\b`).Match(b)
		}
		if !vips {
			t.Errorf("-tags vips selects no file in %s", m[1])
		}
		out := regexp.MustCompile(`-o\s+(\S+)`).FindStringSubmatch(goBuild)
		if out == nil {
			t.Fatalf("go build has no -o: %s", goBuild)
		}
		copied := false
		for _, in := range rt.all("COPY") {
			copied = copied || (strings.Contains(in.Args, "--from="+build.Name) && strings.Contains(in.Args, out[1]+" /usr/local/bin/pinhole"))
		}
		if !copied {
			t.Errorf("the runtime stage does not copy %s from stage %q to /usr/local/bin/pinhole", out[1], build.Name)
		}
	})

	t.Run("RuntimeHasOnlyWhatItNeeds", func(t *testing.T) {
		var pkgs []string
		for _, in := range rt.all("RUN") {
			if m := regexp.MustCompile(`apt-get install ((?:-\S+\s+)*)([^&|;]+)`).FindStringSubmatch(in.Args); m != nil {
				pkgs = append(pkgs, strings.Fields(m[2])...)
			}
		}
		if strings.Join(pkgs, " ") != "libvips42 ca-certificates" {
			t.Errorf("runtime installs %v, want libvips42 ca-certificates", pkgs)
		}
	})

	t.Run("RunsAsAnUnprivilegedUser", func(t *testing.T) {
		img := dockerImage(t)
		if n, err := strconv.Atoi(img.uid); err != nil || n == 0 {
			t.Errorf("USER %q: want a numeric uid other than 0 (Kubernetes' runAsNonRoot can only check numbers)", img.uid)
		}
		if img.dataDir == "" || !strings.Contains(strings.Join(runArgs(rt), " "), "-d -o pinhole -g pinhole -m 0750 "+img.dataDir) {
			t.Errorf("PINHOLE_DATA=%q is not created for the pinhole user", img.dataDir)
		}
	})

	t.Run("ServesOnItsExposedPort", func(t *testing.T) {
		img := dockerImage(t)
		env := rt.env()
		host, _, _ := net.SplitHostPort(env["PINHOLE_LISTEN"])
		if host != "0.0.0.0" {
			t.Errorf("PINHOLE_LISTEN=%q: a container must listen on every interface", env["PINHOLE_LISTEN"])
		}
		exposed := rt.all("EXPOSE")
		if len(exposed) != 1 || exposed[0].Args != strconv.Itoa(int(img.port)) {
			t.Errorf("EXPOSE %v, want %d (PINHOLE_LISTEN)", exposed, img.port)
		}
	})

	t.Run("EntrypointAndCommand", func(t *testing.T) {
		for cmd, want := range map[string][]string{"ENTRYPOINT": {"pinhole"}, "CMD": {"serve"}} {
			ins := rt.all(cmd)
			if len(ins) != 1 {
				t.Errorf("%d %s instructions, want 1", len(ins), cmd)
				continue
			}
			var got []string
			if err := json.Unmarshal([]byte(ins[0].Args), &got); err != nil {
				t.Errorf("%s %s: want the exec (JSON) form, so signals reach pinhole: %v", cmd, ins[0].Args, err)
				continue
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s %v, want %v", cmd, got, want)
			}
		}
	})
}

func runArgs(s stage) []string {
	var out []string
	for _, in := range s.all("RUN") {
		out = append(out, in.Args)
	}
	return out
}

func TestParseDockerfile(t *testing.T) {
	stages, err := parseDockerfile("# c\nFROM a:1 AS b\nRUN x \\\n  # note\n  y\nENV K=v L=\"w\"\nFROM c:2\nUSER 7\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 2 || stages[0].Name != "b" || stages[1].Image != "c:2" {
		t.Fatalf("stages = %+v", stages)
	}
	if run := stages[0].all("RUN"); len(run) != 1 || run[0].Args != "x  y" {
		t.Errorf("RUN = %+v, want the continued line joined", run)
	}
	if env := stages[0].env(); env["K"] != "v" || env["L"] != "w" {
		t.Errorf("env = %v", env)
	}
}
