package deploy

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// There is no docker here to build the image, so these tests check what
// can be checked without it: the Dockerfile's shape and what it installs,
// that its go build line makes a static binary, and that the flags it
// starts the binary with are ones serve accepts and serves with.

// instruction is one Dockerfile instruction: its keyword and the rest.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// readDockerfile reads deploy/Dockerfile's instructions, continuation
// lines joined and comments dropped.
func readDockerfile() ([]instruction, error) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		return nil, err
	}
	var out []instruction
	var cur strings.Builder
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if rest, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(rest + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out, nil
}

// shellWords splits a RUN line as sh would for the simple words a go build
// line has: spaces separate, double quotes group.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unbalanced quote in %q", s)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// goBuildLine finds the Dockerfile's RUN ... go build line and returns its
// environment (the VAR=value words before go) and go build's arguments.
func goBuildLine(ins []instruction) (env, args []string, err error) {
	for _, in := range ins {
		if in.cmd != "RUN" || !strings.Contains(in.args, "go build") {
			continue
		}
		words, err := shellWords(in.args)
		if err != nil {
			return nil, nil, err
		}
		i := 0
		for ; i < len(words) && strings.Contains(words[i], "=") && !strings.HasPrefix(words[i], "-"); i++ {
			env = append(env, words[i])
		}
		if i+1 >= len(words) || words[i] != "go" || words[i+1] != "build" {
			return nil, nil, fmt.Errorf("RUN %s: want [VAR=value ...] go build ...", in.args)
		}
		return env, words[i+2:], nil
	}
	return nil, nil, errors.New("the Dockerfile has no RUN ... go build line")
}

// buildAsImage builds the course's binary into dir exactly as the
// Dockerfile does, its output path aside.
func buildAsImage(dir string) (string, error) {
	ins, err := readDockerfile()
	if err != nil {
		return "", err
	}
	env, args, err := goBuildLine(ins)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "walkthrough")
	if i := slices.Index(args, "-o"); i >= 0 && i+1 < len(args) {
		args[i+1] = bin
	} else {
		return "", fmt.Errorf("go build %q: no -o", args)
	}
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build as the Dockerfile does (%s %q): %v\n%s", env, args, err, out)
	}
	return bin, nil
}

// execForm reads an instruction's JSON-array (exec) form.
func execForm(in instruction) ([]string, error) {
	s := strings.TrimSpace(in.args)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, fmt.Errorf("%s %s: want the exec form [\"...\"]: the empty image has no shell", in.cmd, s)
	}
	var out []string
	for part := range strings.SplitSeq(strings.Trim(s, "[]"), ",") {
		v, err := strconv.Unquote(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", in.cmd, s, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// imagePackages are the Debian packages the image must carry: gcc and
// libc6-dev for cgo (only -race builds use it), python3 and python3-aiohttp
// for the asyncio programs.
var imagePackages = []string{"gcc", "libc6-dev", "python3", "python3-aiohttp"}

// goroot is where the image keeps the Go toolchain: under /usr, which every
// build's sandbox binds read-only.
const goroot = "/usr/local/go"

// stages splits the Dockerfile's instructions at each FROM.
func stages(ins []instruction) [][]instruction {
	var out [][]instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			out = append(out, nil)
		}
		if len(out) > 0 {
			out[len(out)-1] = append(out[len(out)-1], in)
		}
	}
	return out
}

// debianRelease is the release a FROM line's image is built on: the tag's
// last word (golang:1.26-bookworm, debian:bookworm-slim).
func debianRelease(from string) string {
	image, _, _ := strings.Cut(from, " ")
	_, tag, _ := strings.Cut(image, ":")
	for _, release := range []string{"bookworm", "trixie", "forky"} {
		if strings.HasPrefix(tag, release) || strings.Contains(tag, "-"+release) {
			return release
		}
	}
	return ""
}

// aptInstalls is what a RUN line's apt-get install installs, and whether it
// refuses recommends and leaves no package lists behind.
func aptInstalls(in instruction) (pkgs []string, noRecommends, cleaned bool) {
	for cmd := range strings.SplitSeq(in.args, "&&") {
		words := strings.Fields(cmd)
		if len(words) >= 2 && words[0] == "apt-get" && words[1] == "install" {
			for _, w := range words[2:] {
				switch {
				case w == "--no-install-recommends":
					noRecommends = true
				case !strings.HasPrefix(w, "-"):
					pkgs = append(pkgs, w)
				}
			}
		}
		if strings.Join(words, " ") == "rm -rf /var/lib/apt/lists/*" {
			cleaned = true
		}
	}
	return pkgs, noRecommends, cleaned
}

func TestDockerfile(t *testing.T) {
	ins, err := readDockerfile()
	if err != nil {
		t.Fatal(err)
	}
	st := stages(ins)
	if len(st) != 2 {
		t.Fatalf("%d stages, want 2: a build and the image", len(st))
	}
	buildFrom, finalFrom := st[0][0].args, st[1][0].args
	final := st[1]
	if !strings.HasPrefix(buildFrom, "golang:1.26-") || !strings.HasSuffix(buildFrom, " AS build") {
		t.Errorf("FROM %s: want a golang:1.26 build stage named build", buildFrom)
	}
	// The toolchain is copied out of the build stage into the image, beside
	// the image's gcc and C library: one Debian release for both.
	if r := debianRelease(buildFrom); r == "" || r != debianRelease(finalFrom) || !strings.HasPrefix(finalFrom, "debian:"+r+"-slim") {
		t.Errorf("FROM %s, then FROM %s: want debian:<release>-slim of the build stage's own release", buildFrom, finalFrom)
	}

	// What the learners' programs need at run time.
	var installed []string
	for _, in := range final {
		if in.cmd != "RUN" {
			continue
		}
		pkgs, noRecommends, cleaned := aptInstalls(in)
		if len(pkgs) == 0 {
			continue
		}
		if !noRecommends || !cleaned {
			t.Errorf("RUN %s: want --no-install-recommends and the package lists removed (rm -rf /var/lib/apt/lists/*)", in.args)
		}
		installed = append(installed, pkgs...)
	}
	for _, p := range imagePackages {
		if !slices.Contains(installed, p) {
			t.Errorf("the image installs %q, not %s", installed, p)
		}
	}
	if !slices.Contains(final, instruction{"COPY", "--from=build " + goroot + " " + goroot}) {
		t.Errorf("the image does not copy the Go toolchain to %s", goroot)
	}
	var path string
	for _, in := range final {
		if v, ok := strings.CutPrefix(in.args, "PATH="); in.cmd == "ENV" && ok {
			path = v
		}
	}
	if dirs := strings.Split(path, ":"); !slices.Contains(dirs, goroot+"/bin") || !slices.Contains(dirs, "/usr/bin") {
		t.Errorf("ENV PATH=%s: the course looks for go on PATH (%s/bin) and python3 in /usr/bin", path, goroot)
	}

	env, args, err := goBuildLine(ins)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0"} {
		if !slices.Contains(env, want) {
			t.Errorf("go build's environment %q lacks %s", env, want)
		}
	}
	for _, want := range []string{"-trimpath", "-ldflags=-s -w"} {
		if !slices.Contains(args, want) {
			t.Errorf("go build %q lacks %s", args, want)
		}
	}

	get := func(cmd string) []instruction {
		var out []instruction
		for _, in := range final {
			if in.cmd == cmd {
				out = append(out, in)
			}
		}
		return out
	}
	users := get("USER")
	if len(users) != 1 {
		t.Fatalf("final stage has %d USER lines, want 1", len(users))
	}
	// Numeric: Kubernetes' runAsNonRoot can only verify a numeric user
	// (and the slim image's /etc/passwd has no user of that number).
	uid, gid, _ := strings.Cut(users[0].args, ":")
	if u, err := strconv.Atoi(uid); err != nil || u == 0 {
		t.Errorf("USER %s: want a numeric, non-root uid", users[0].args)
	}
	if _, err := strconv.Atoi(gid); err != nil {
		t.Errorf("USER %s: want a numeric gid", users[0].args)
	}
	var exposed []string
	for _, in := range get("EXPOSE") {
		exposed = append(exposed, strings.Fields(in.args)...)
	}

	entries, cmds := get("ENTRYPOINT"), get("CMD")
	if len(entries) != 1 || len(cmds) != 1 {
		t.Fatalf("final stage: %d ENTRYPOINT and %d CMD, want one of each", len(entries), len(cmds))
	}
	entry, err := execForm(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(entry, []string{"/walkthrough", "serve"}) {
		t.Errorf("ENTRYPOINT %q, want [/walkthrough serve]: flags go in CMD, which a Deployment's args replace", entry)
	}
	flags, err := execForm(cmds[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"-addr", "-metrics-addr"} {
		_, port, err := splitFlagAddr(flags, f)
		if err != nil {
			t.Error(err)
			continue
		}
		if !slices.Contains(exposed, port) {
			t.Errorf("CMD serves %s on port %s, EXPOSE says %q", f, port, exposed)
		}
	}
	if !slices.Contains(final, instruction{"COPY", "--from=build /out/walkthrough /walkthrough"}) {
		t.Error("the final stage does not copy the built binary to /walkthrough")
	}
	checkServes(t, flags)
}

// splitFlagAddr finds flag's host:port value in args.
func splitFlagAddr(args []string, flag string) (string, string, error) {
	v, ok := flagValue(args, flag)
	if !ok {
		return "", "", fmt.Errorf("args %q: no %s", args, flag)
	}
	host, port, ok := strings.Cut(v, ":")
	if !ok {
		return "", "", fmt.Errorf("%s %s: want host:port", flag, v)
	}
	return host, port, nil
}

// flagValue is the last value args give flag (-flag value or -flag=value),
// as the flag package reads it.
func flagValue(args []string, flag string) (string, bool) {
	v, found := "", false
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			v, found = args[i+1], true
		} else if rest, ok := strings.CutPrefix(a, flag+"="); ok {
			v, found = rest, true
		}
	}
	return v, found
}

// checkServes starts the image's binary with serve flags args, moved onto
// loopback ports and without a drain delay, and checks that it serves the
// course and its metrics, then stops at SIGTERM: the flags are ones the
// binary accepts and works with, not just ones that look right.
func checkServes(t *testing.T, args []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ports := freePorts(t, 2)
	course := "127.0.0.1:" + strconv.Itoa(ports[0])
	metrics := "127.0.0.1:" + strconv.Itoa(ports[1])
	full := append([]string{"serve"}, args...)
	full = append(full, "-addr", course, "-metrics-addr", metrics, "-drain-delay", "0s")
	logPath := filepath.Join(t.TempDir(), "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(walkthroughBin, full...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	p, err := startProcess("walkthrough "+strings.Join(args, " "), cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer p.kill()
	failed := func(err error) {
		out, _ := os.ReadFile(logPath)
		t.Fatalf("%v\n%s", err, out)
	}
	if err := waitStatus(ctx, p, "http://"+course+"/readyz", http.StatusOK, 10*time.Second); err != nil {
		failed(err)
	}
	if code, err := getStatus(ctx, "http://"+metrics+"/metrics"); err != nil || code != http.StatusOK {
		failed(fmt.Errorf("metrics: %v %v", code, err))
	}
	if err := p.signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(shutdownGrace + time.Second); err != nil {
		failed(fmt.Errorf("after SIGTERM: %w", err))
	}
}

// TestStaticBinary checks that the Dockerfile's build makes a static
// binary: no ELF interpreter (the dynamic loader) and no dynamic section,
// so no shared library to find — the sandbox starts this binary again as
// the first process of each child, whose root has only what is bound in.
func TestStaticBinary(t *testing.T) {
	f, err := elf.Open(walkthroughBin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary names an ELF interpreter: it is dynamically linked")
		}
		if p.Type == elf.PT_DYNAMIC {
			t.Error("the binary has a dynamic section")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("the binary imports libraries %q (%v)", libs, err)
	}
	if s := f.Section(".symtab"); s != nil {
		t.Error("the binary keeps its symbol table: -ldflags=-s did not apply")
	}
}
