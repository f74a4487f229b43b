package process

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/procfs"
)

// watchMemory calls over once the processes under pid hold more than max
// bytes of resident memory together, looking every 50 ms until ctx ends.
func watchMemory(ctx context.Context, pid int, max int64, over func()) {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if treeRSS(fs, pid, 0) > max {
			over()
			return
		}
	}
}

// treeRSS adds up the resident memory of pid and its descendants.
func treeRSS(fs procfs.FS, pid, depth int) int64 {
	p, err := fs.Proc(pid)
	if err != nil {
		return 0
	}
	st, err := p.Stat()
	if err != nil {
		return 0
	}
	total := int64(st.ResidentMemory())
	if depth > 16 {
		return total
	}
	for _, child := range children(pid) {
		total += treeRSS(fs, child, depth+1)
	}
	return total
}

// children lists pid's child processes (the kernel's list per thread,
// read for the main thread: the sandbox's shim and programs fork there).
// procfs (v0.22) has no reader for task/TID/children, and finding them
// through it would mean reading every process's stat for its parent every
// 50 ms: this one file is read directly.
func children(pid int) []int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}
