package load

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/procfs"
)

// proc reads what Linux says about one process — its CPU time, memory and
// open files — from /proc, through procfs: this process, or a server
// running in another one, whose cost can then be told apart from the
// clients'.
type proc struct {
	pid int // 0: this process
}

func selfProc() proc { return proc{} }

func pidProc(pid int) proc { return proc{pid} }

// dir is the process's folder in /proc, as errors name it.
func (p proc) dir() string {
	if p.pid == 0 {
		return "/proc/self"
	}
	return "/proc/" + strconv.Itoa(p.pid)
}

func (p proc) open() (procfs.Proc, error) {
	if p.pid == 0 {
		return procfs.Self()
	}
	return procfs.NewProc(p.pid)
}

// userHZ is the unit of the CPU times in /proc/PID/stat (USER_HZ): 100 per
// second on every architecture Linux and Go share, whatever the kernel's
// own tick.
const userHZ = 100

// cpu is the CPU time the process has used so far, user and system,
// all its threads; to 10 ms.
func (p proc) cpu() (time.Duration, error) {
	pp, err := p.open()
	if err != nil {
		return 0, fmt.Errorf("load: cpu time of %s: %w", p.dir(), err)
	}
	st, err := pp.Stat()
	if err != nil {
		return 0, fmt.Errorf("load: cpu time: %w", err)
	}
	return time.Duration(st.UTime+st.STime) * time.Second / userHZ, nil
}

// Resident memory, from the process's status: what it holds now (VmRSS)
// and its peak (VmHWM).
const (
	vmRSS = "VmRSS"
	vmHWM = "VmHWM"
)

// status reads one memory field of the process's status, vmRSS or vmHWM,
// in bytes, or -1 where it cannot be read (a process without memory of its
// own, a kernel thread, has neither).
func (p proc) status(field string) int64 {
	pp, err := p.open()
	if err != nil {
		return -1
	}
	st, err := pp.NewStatus()
	if err != nil {
		return -1
	}
	var b uint64
	switch field {
	case vmRSS:
		b = st.VmRSS
	case vmHWM:
		b = st.VmHWM
	}
	if b == 0 {
		return -1
	}
	return int64(b)
}

// fds counts the process's open file descriptors, or -1.
func (p proc) fds() int {
	pp, err := p.open()
	if err != nil {
		return -1
	}
	n, err := pp.FileDescriptorsLen()
	if err != nil {
		return -1
	}
	return n
}

// resetPeakRSS restarts VmHWM from the current RSS (Linux 4.0 and later),
// so the peak belongs to this measurement and not to anything before it.
// Where that is not possible the peak is the process's since it started.
func (p proc) resetPeakRSS() {
	_ = os.WriteFile(p.dir()+"/clear_refs", []byte("5"), 0)
}

// check says whether the process can be measured at all.
func (p proc) check() error {
	if _, err := p.cpu(); err != nil {
		return err
	}
	if p.status(vmRSS) < 0 {
		return errors.New("load: " + p.dir() + "/status has no VmRSS")
	}
	return nil
}

// CPUUse is the CPU a process used over a stretch of wall time.
type CPUUse struct {
	CPU, Wall time.Duration
}

// Cores is the CPU used per second of wall time: 1 is one core busy
// throughout.
func (u CPUUse) Cores() float64 {
	if u.Wall <= 0 {
		return 0
	}
	return u.CPU.Seconds() / u.Wall.Seconds()
}

// Above is the CPU per second beyond a baseline (the process at rest), in
// cores; never below zero.
func (u CPUUse) Above(base CPUUse) float64 { return max(u.Cores()-base.Cores(), 0) }

// cpuMark is a process's CPU time at a moment, to measure a stretch from.
type cpuMark struct {
	p   proc
	at  time.Time
	cpu time.Duration
}

func (p proc) mark() (cpuMark, error) {
	cpu, err := p.cpu()
	return cpuMark{p: p, at: time.Now(), cpu: cpu}, err
}

// since is the CPU the process used from the mark until now.
func (m cpuMark) since() (CPUUse, error) {
	cpu, err := m.p.cpu()
	if err != nil {
		return CPUUse{}, err
	}
	return CPUUse{CPU: cpu - m.cpu, Wall: time.Since(m.at)}, nil
}

// percent writes a share of one core.
func percent(cores float64) string { return fmt.Sprintf("%.1f %%", 100*cores) }

// mib writes a size in MiB, or "n/a" where it could not be read.
func mib(b int64) string {
	if b < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
