// Package metrics exposes what the course does in Prometheus form, on a
// listener of its own (walkthrough serve -metrics-addr), never on the
// course's public address: who runs what, how long learners wait, what was
// refused and why, plus the Go runtime's own figures.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// Metrics is the course's registry. It is a socket.Observer, and counts
// the host names web refuses through Refused too.
type Metrics struct {
	reg         *prometheus.Registry
	runs        *prometheus.CounterVec
	refused     *prometheus.CounterVec
	firstOutput *prometheus.HistogramVec
	waited      prometheus.Histogram
}

// RefusedHost is the reason web gives for a request to a host name the
// course does not serve.
const RefusedHost = "host"

// New makes the registry. stats reads the socket's gauges when scraped.
func New(stats func() socket.Stats) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "walkthrough_runs_total",
			Help: "Runs that were accepted and have ended, by demo, runtime and result (ok, error, stopped, timeout).",
		}, []string{"demo", "runtime", "result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "walkthrough_refused_total",
			Help: "Things turned away, by reason: busy, per-client-cap, rate-limit, origin, host.",
		}, []string{"reason"}),
		firstOutput: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "walkthrough_first_output_seconds",
			Help:    "Time from a run's start to its first output.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"runtime"}),
		waited: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "walkthrough_queue_wait_seconds",
			Help:    "Time accepted runs waited in the queue for a slot (0 for most).",
			Buckets: []float64{.001, .01, .1, .5, 1, 2, 5, 10, 20, 30},
		}),
	}
	gauge := func(name, help string, read func(socket.Stats) int) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
			func() float64 { return float64(read(stats())) })
	}
	for _, reason := range []string{socket.RefusedBusy, socket.RefusedClientCap, socket.RefusedRate, socket.RefusedOrigin, RefusedHost} {
		m.refused.WithLabelValues(reason) // present at 0 from the start, so rates work
	}
	m.reg.MustRegister(
		m.runs, m.refused, m.firstOutput, m.waited,
		gauge("walkthrough_runs_in_flight", "Runs holding a slot now.", func(s socket.Stats) int { return s.Running }),
		gauge("walkthrough_runs_queued", "Clicks waiting for a slot now.", func(s socket.Stats) int { return s.Queued }),
		gauge("walkthrough_sockets_open", "Websockets open now.", func(s socket.Stats) int { return s.Sockets }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the registry in Prometheus text form.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Refused counts one refusal.
func (m *Metrics) Refused(reason string) { m.refused.WithLabelValues(reason).Inc() }

// FirstOutput observes the time to a run's first output.
func (m *Metrics) FirstOutput(_, runtime string, d time.Duration) {
	m.firstOutput.WithLabelValues(runtime).Observe(d.Seconds())
}

// RunDone counts an ended run.
func (m *Metrics) RunDone(r socket.RunReport) {
	m.runs.WithLabelValues(r.Demo, r.Runtime, r.Result).Inc()
	m.waited.Observe(r.Waited.Seconds())
}
