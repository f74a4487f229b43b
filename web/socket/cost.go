package socket

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
)

// Admission by cost. A run is charged what it holds while it runs, in CPU
// and memory, against a budget derived from the machine; the flat count of
// runs is gone. A Go demo parked on timers costs next to nothing, so a
// class of a thousand clicking the spinner all start at once, while runs
// that keep a thread or a core busy, or that start a child process, are
// charged enough that only as many run at once as the machine can carry;
// the rest wait in the fair queue (queue.go).

// Kind is a run as admission charges it: its runtime and, for a demo that
// runs inside the server, the cost the demo declares (runner.Cost).
type Kind uint8

const (
	KindGo        Kind = iota // a Go demo that waits on timers and channels
	KindGoNetwork             // a Go demo that talks over the network
	KindGoThread              // a Go demo that keeps an OS thread of its own
	KindGoCPU                 // a Go demo that computes
	KindPython                // a Python child
	KindEdited                // an edited program's child (its build included)
	KindTraced                // a traced Go run's child
	numKinds
)

var kindNames = [numKinds]string{"go", "go-network", "go-thread", "go-cpu", "python", "edited", "traced"}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Kinds lists every kind, for metrics that report each.
func Kinds() []Kind {
	out := make([]Kind, numKinds)
	for k := range out {
		out[k] = Kind(k)
	}
	return out
}

// child reports whether runs of the kind are processes of their own.
func (k Kind) child() bool { return k >= KindPython }

// builds reports whether a run of the kind builds its program before it
// runs it (a core, for a while): edited and traced runs.
func (k Kind) builds() bool { return k == KindEdited || k == KindTraced }

// kindOf is the kind of a run of a demo declaring cost, in runtime rt.
func kindOf(rt runtimes.Runtime, cost runner.Cost) Kind {
	switch rt {
	case runtimes.Python:
		return KindPython
	case runtimes.Edited:
		return KindEdited
	case runtimes.Traced:
		return KindTraced
	}
	switch cost {
	case runner.CostNetwork:
		return KindGoNetwork
	case runner.CostThread:
		return KindGoThread
	case runner.CostCPU:
		return KindGoCPU
	}
	return KindGo
}

// Resources are what a run holds while it runs, or what the server lends
// all runs together: CPU in thousandths of a core (1000 is one core kept
// busy) and memory in bytes.
type Resources struct {
	CPU    int64 // millicores
	Memory int64 // bytes
}

func (r Resources) plus(o Resources) Resources {
	return Resources{r.CPU + o.CPU, r.Memory + o.Memory}
}

func (r Resources) minus(o Resources) Resources {
	return Resources{r.CPU - o.CPU, r.Memory - o.Memory}
}

// within reports whether r fits in b, resource by resource.
func (r Resources) within(b Resources) bool { return r.CPU <= b.CPU && r.Memory <= b.Memory }

func (r Resources) String() string {
	return fmt.Sprintf("%.3g cores, %.4g MiB", float64(r.CPU)/1000, float64(r.Memory)/(1<<20))
}

// Charges are what one run of each kind is charged, indexed by Kind.
type Charges [numKinds]Resources

// DefaultCharges stand on what runs were measured to cost on the
// project's 2-core machine (perf/README.md, "Issue 20"; BenchmarkDemoCost):
// a Go demo parked on timers uses under a thousandth of a core and a few
// KiB, its frames on the socket about as much again; one that talks to the
// flag site 2.5-4.5 thousandths (the site runs in this process) and up to
// 160 KiB; one that keeps an OS thread of its own pays a thread switch at
// every wake-up and holds a thread, and a thousand of them started at once
// stall the pages, so they are charged as much as it takes to keep them to
// about two hundred at once on two cores (pages stay fast: perf/README);
// one that computes takes a core. A Python child is 20-30 MiB and a core
// for its interpreter's start; an edited program's child is built first (a
// core, and the compiler's memory); a traced run is the same child with the
// tracer's buffers.
func DefaultCharges() Charges {
	return Charges{
		KindGo:        {CPU: 1, Memory: 128 << 10},
		KindGoNetwork: {CPU: 5, Memory: 256 << 10},
		KindGoThread:  {CPU: 10, Memory: 256 << 10},
		KindGoCPU:     {CPU: 1000, Memory: 1 << 20},
		KindPython:    {CPU: 250, Memory: 32 << 20},
		KindEdited:    {CPU: 500, Memory: 256 << 20},
		KindTraced:    {CPU: 500, Memory: 256 << 20},
	}
}

// MachineBudget is what the server lends its runs when no flag says
// otherwise: every core it may use — runtime.GOMAXPROCS, which is the
// machine's cores (runtime.NumCPU), or fewer under a cgroup CPU limit in a
// container — as CPU is time-shared and the charges say how much of it a
// run keeps busy; and half the memory this process may still use — the
// lesser of the system's available memory and what its cgroup's limit
// leaves — keeping the other half for the server itself, its sockets and
// everyone else on the machine.
func MachineBudget() (Resources, error) {
	mem, err := availableMemory()
	if err != nil {
		return Resources{}, err
	}
	return Resources{CPU: int64(runtime.GOMAXPROCS(0)) * 1000, Memory: mem / 2}, nil
}

// availableMemory reads MemAvailable from /proc/meminfo and, when this
// process's cgroup (v2) has a memory limit, what that limit leaves.
func availableMemory() (int64, error) {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return 0, fmt.Errorf("socket: memory budget: %w", err)
	}
	info, err := fs.Meminfo()
	if err != nil {
		return 0, fmt.Errorf("socket: memory budget: %w", err)
	}
	if info.MemAvailable == nil {
		return 0, errors.New("socket: memory budget: /proc/meminfo has no MemAvailable")
	}
	avail := int64(*info.MemAvailable) << 10 // the file counts kB
	if left, ok := cgroupMemoryLeft(fs); ok {
		avail = min(avail, left)
	}
	return avail, nil
}

// cgroupMemoryLeft is memory.max minus memory.current of this process's
// cgroup v2, when it has a limit.
func cgroupMemoryLeft(fs procfs.FS) (int64, bool) {
	self, err := fs.Self()
	if err != nil {
		return 0, false
	}
	groups, err := self.Cgroups()
	if err != nil {
		return 0, false
	}
	for _, g := range groups {
		if g.HierarchyID != 0 { // v2's unified hierarchy only
			continue
		}
		dir := filepath.Join("/sys/fs/cgroup", g.Path)
		limit, ok := readBytes(filepath.Join(dir, "memory.max"))
		if !ok {
			return 0, false // "max", or no such file: no limit
		}
		used, _ := readBytes(filepath.Join(dir, "memory.current"))
		return max(limit-used, 0), true
	}
	return 0, false
}

func readBytes(path string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return n, err == nil
}
