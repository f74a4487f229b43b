package deploy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The capacity plan's figures (deploy/README.md) come from these
// benchmarks; each measures one replica, the real binary in a process of
// its own, through its metrics listener. They ignore b.N: run them once,
//
//	go test -run '^$' -bench Capacity -benchtime 1x -v ./
//
// Nothing in them is asserted but that the measured thing happened.

// noClientCaps lifts the per-client caps: the benchmarks' learners all
// come from 127.0.0.1, and the figures are about the replica, not the
// per-address budgets.
var noClientCaps = []string{
	"-sockets-per-client", "100000", "-connect-burst", "100000", "-connect-rate", "100000",
	"-runs-per-client", "100000", "-start-burst", "100000", "-start-rate", "100000",
	"-queue-per-client", "100000", "-client-frame-burst", "100000", "-client-frame-rate", "100000",
	"-accept-burst", "100000", "-accept-rate", "100000",
}

// startMeasured starts one replica with a metrics listener and extra
// flags, and returns its course and metrics URLs.
func startMeasured(ctx context.Context, b *testing.B, bin string, extra ...string) (*process, string, string) {
	b.Helper()
	ports := freePorts(b, 2)
	course := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	metrics := "http://127.0.0.1:" + strconv.Itoa(ports[1]) + "/metrics"
	logFile, err := os.Create(filepath.Join(b.TempDir(), "replica.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	args := append([]string{"serve", "-addr", "127.0.0.1:" + strconv.Itoa(ports[0]),
		"-metrics-addr", "127.0.0.1:" + strconv.Itoa(ports[1]), "-log-format", "json"}, noClientCaps...)
	cmd := exec.Command(bin, append(args, extra...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	p, err := startProcess("replica", cmd)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.kill)
	if err := waitStatus(ctx, p, course+"/readyz", http.StatusOK, 10*time.Second); err != nil {
		b.Fatal(err)
	}
	return p, course, metrics
}

// scrape reads the unlabelled samples of a Prometheus text page.
func scrape(ctx context.Context, url string) (map[string]float64, error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	samples := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			samples[name] = v
		}
	}
	io.Copy(io.Discard, resp.Body)
	return samples, sc.Err()
}

// waitSample polls the replica's metrics until name reaches want.
func waitSample(ctx context.Context, url, name string, want float64) (map[string]float64, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := scrape(ctx, url)
		if err == nil && s[name] == want {
			return s, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s: %s is %v, want %v (%v)", url, name, s[name], want, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// BenchmarkCapacityIdleSockets measures a replica's resident memory with
// 0, 500, 1000, 2000 and 4000 open, idle sockets: the memory a learner with a
// page open costs.
func BenchmarkCapacityIdleSockets(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, course, metrics := startMeasured(ctx, b, walkthroughBin, "-sockets", "8000")
	var open []*learner
	defer func() {
		for _, l := range open {
			l.close()
		}
	}()
	var rss0 float64
	for _, n := range []int{0, 500, 1000, 2000, 4000} {
		for len(open) < n {
			l := newLearner(loopback, course)
			if err := l.dial(ctx); err != nil {
				b.Fatal(err)
			}
			open = append(open, l)
		}
		s, err := waitSample(ctx, metrics, "walkthrough_sockets_open", float64(n))
		if err != nil {
			b.Fatal(err)
		}
		rss := s["process_resident_memory_bytes"]
		if n == 0 {
			rss0 = rss
			b.Logf("%5d sockets: RSS %.1f MiB, heap in use %.1f MiB, goroutines %.0f", n, rss/(1<<20), s["go_memstats_heap_inuse_bytes"]/(1<<20), s["go_goroutines"])
			continue
		}
		perSocket := (rss - rss0) / float64(n) / 1024
		b.Logf("%5d sockets: RSS %.1f MiB, heap in use %.1f MiB, goroutines %.0f: %.1f KiB per socket",
			n, rss/(1<<20), s["go_memstats_heap_inuse_bytes"]/(1<<20), s["go_goroutines"], perSocket)
		if n == 4000 {
			b.ReportMetric(perSocket, "KiB/socket")
			b.ReportMetric(rss0/(1<<20), "MiB-idle")
		}
	}
}

// BenchmarkCapacityRuns offers a replica runs at steady rates and
// measures the time to first output and the replica's CPU per run: the
// course's typical run (spinner-goroutine for 3 s, a frame every 80 ms)
// and its heaviest common one (flags-semaphore: 20 downloads from the
// built-in flag site at 100 ms latency, 5 at a time). The replica's run cap
// is lifted so that the rate itself is what is measured.
func BenchmarkCapacityRuns(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, course, metrics := startMeasured(ctx, b, walkthroughBin, "-runs-global", "1000", "-sockets", "5000", "-queue-size", "5000")
	b.Run("spinner-goroutine", func(b *testing.B) {
		offerRuns(ctx, b, course, metrics, "spinner-goroutine", map[string]string{"slow": "3s"}, 3*time.Second, []int{10, 20, 40, 80})
	})
	b.Run("flags-semaphore", func(b *testing.B) {
		offerRuns(ctx, b, course, metrics, "flags-semaphore", nil, 500*time.Millisecond, []int{10, 20, 40})
	})
}

// offerRuns starts runs of demo at each rate for a few seconds, from a
// pool of learners large enough for runs lasting about runFor.
func offerRuns(ctx context.Context, b *testing.B, course, metrics, demo string, params map[string]string, runFor time.Duration, rates []int) {
	const step = 8 * time.Second
	for _, rate := range rates {
		pool := make(chan *learner, int(float64(rate)*runFor.Seconds()*2)+rate)
		var all []*learner
		for range cap(pool) {
			l := newLearner(loopback, course)
			if err := l.dial(ctx); err != nil {
				b.Fatal(err)
			}
			all = append(all, l)
			pool <- l
		}
		before, err := scrape(ctx, metrics)
		if err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		var firsts []time.Duration
		bad := map[string]int{}
		var wg sync.WaitGroup
		tick := time.NewTicker(time.Second / time.Duration(rate))
		started := 0
		for end := time.Now().Add(step); time.Now().Before(end); started++ {
			<-tick.C
			var l *learner
			select {
			case l = <-pool:
			default:
				b.Fatalf("rate %d/s: every learner is busy", rate)
			}
			wg.Go(func() {
				o := l.run(ctx, demo, params, nil)
				mu.Lock()
				if o.result == "ok" {
					firsts = append(firsts, o.firstOutput)
				} else {
					bad[o.result+" "+o.detail]++
				}
				mu.Unlock()
				pool <- l
			})
		}
		tick.Stop()
		wg.Wait()
		after, err := scrape(ctx, metrics)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range all {
			l.close()
		}
		cpu := after["process_cpu_seconds_total"] - before["process_cpu_seconds_total"]
		perRun := cpu / float64(started)
		b.Logf("%3d runs/s offered, %d started in %v: first output p50 %v p99 %v; replica CPU %.2f s = %.2f ms per run; peak RSS %.0f MiB; not ok: %v",
			rate, started, step, percentile(firsts, 50).Round(10*time.Microsecond),
			percentile(firsts, 99).Round(10*time.Microsecond), cpu, perRun*1000,
			after["process_resident_memory_bytes"]/(1<<20), bad)
		if len(bad) > 0 {
			b.Errorf("runs that did not end ok: %v", bad)
		}
	}
}
