package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// proc reads what Linux says about one process — its CPU time, memory and
// open files — from /proc: this process, or a server running in another
// one, whose cost can then be told apart from the clients'.
type proc struct {
	dir string // "/proc/self" or "/proc/PID"
}

func selfProc() proc { return proc{"/proc/self"} }

func pidProc(pid int) proc { return proc{"/proc/" + strconv.Itoa(pid)} }

// userHZ is the unit of the CPU times in /proc/PID/stat (USER_HZ): 100 per
// second on every architecture Linux and Go share, whatever the kernel's
// own tick.
const userHZ = 100

// cpu is the CPU time the process has used so far, user and system,
// all its threads; to 10 ms.
func (p proc) cpu() (time.Duration, error) {
	data, err := os.ReadFile(p.dir + "/stat")
	if err != nil {
		return 0, fmt.Errorf("load: cpu time: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// the fields are counted from the last ')'. utime and stime are
	// fields 14 and 15, so the 12th and 13th after it.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("load: %s/stat: no command name", p.dir)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("load: %s/stat: %d fields", p.dir, len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("load: %s/stat: %w", p.dir, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// status reads one "kB" field of the process's status (VmRSS, VmHWM), in
// bytes, or -1.
func (p proc) status(field string) int64 {
	data, err := os.ReadFile(p.dir + "/status")
	if err != nil {
		return -1
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return -1
		}
		return kb << 10
	}
	return -1
}

// fds counts the process's open file descriptors, or -1.
func (p proc) fds() int {
	ents, err := os.ReadDir(p.dir + "/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// resetPeakRSS restarts VmHWM from the current RSS (Linux 4.0 and later),
// so the peak belongs to this measurement and not to anything before it.
// Where that is not possible the peak is the process's since it started.
func (p proc) resetPeakRSS() {
	_ = os.WriteFile(p.dir+"/clear_refs", []byte("5"), 0)
}

// check says whether the process can be measured at all.
func (p proc) check() error {
	if _, err := p.cpu(); err != nil {
		return err
	}
	if p.status("VmRSS") < 0 {
		return errors.New("load: " + p.dir + "/status has no VmRSS")
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
