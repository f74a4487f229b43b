package gobuild

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// WarmUp fills the build cache with everything an edit's build shares —
// the standard library's packages the demos use, the contract, the flag
// site — by building every lesson package of demos once (and once more
// with -race where it is available), so the first learner who edits does
// not wait for the standard library to compile. files gives each demo's
// lesson files. It runs once per Builder; later calls wait for the first.
func (b *Builder) WarmUp(ctx context.Context, demos []*runner.Demo, files func(demoID string) fs.FS) error {
	var err error
	b.once.Do(func() {
		defer close(b.warmed)
		if b.why != "" {
			return
		}
		started := time.Now()
		err = b.warm(ctx, demos, files, false)
		if err == nil && b.whyRace == "" {
			err = b.warm(ctx, demos, files, true)
		}
		b.log.Info("go build cache warm", "took", time.Since(started).Round(time.Millisecond), "err", err)
	})
	select {
	case <-b.warmed:
	case <-ctx.Done():
		return ctx.Err()
	}
	return err
}

func (b *Builder) warm(ctx context.Context, demos []*runner.Demo, files func(string) fs.FS, race bool) error {
	var all *source
	seen := map[string]bool{}
	for _, d := range demos {
		lf := files(d.ID)
		if lf == nil {
			continue
		}
		src, err := newSource(d, lf, nil)
		if err != nil {
			continue // not editable; Editable says so
		}
		orig, _ := fs.ReadFile(lf, d.Source)
		src.files[path.Join(src.lessonDir, d.Source)] = orig
		if all == nil {
			all = src
		}
		if !seen[src.lessonPkg] {
			seen[src.lessonPkg] = true
			for name, text := range src.files {
				all.files[name] = text
			}
		}
	}
	if all == nil {
		return nil
	}
	pkgs := make([]string, 0, len(seen))
	for p := range seen {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	var imports strings.Builder
	for _, p := range pkgs {
		fmt.Fprintf(&imports, "\t_ %q\n", p)
	}
	all.files["cmd/edited/main.go"] = []byte("package main\n\nimport (\n" + imports.String() + ")\n\nfunc main() {}\n")
	dir, err := os.MkdirTemp("", "walkthrough-warm-")
	if err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	defer os.RemoveAll(dir)
	work := filepath.Join(dir, "work")
	if err := all.write(work); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	uid, gid := b.owner()
	if err := handOver(work, uid, gid); err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	// A cold cache compiles the standard library: minutes, not seconds.
	return b.build(ctx, work, race, all, 10*time.Minute)
}
