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

	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// Metrics is the course's registry. It is a socket.Observer, and counts
// the host names web refuses through Refused too.
type Metrics struct {
	reg         *prometheus.Registry
	runs        *prometheus.CounterVec
	refused     *prometheus.CounterVec
	firstOutput *prometheus.HistogramVec
	waited      *prometheus.HistogramVec
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
		waited: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "walkthrough_queue_wait_seconds",
			Help:    "Time accepted runs waited in the queue for a slot (0 for most), by kind (go, go-thread, go-cpu, python, edited, traced).",
			Buckets: []float64{.001, .01, .1, .5, 1, 2, 5, 10, 20, 30},
		}, []string{"kind"}),
	}
	gauge := func(name, help string, read func(socket.Stats) int) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
			func() float64 { return float64(read(stats())) })
	}
	for _, reason := range []string{socket.RefusedBusy, socket.RefusedClientCap, socket.RefusedRate, socket.RefusedOrigin, RefusedHost} {
		m.refused.WithLabelValues(reason) // present at 0 from the start, so rates work
	}
	for _, k := range socket.Kinds() {
		m.waited.WithLabelValues(k.String())
	}
	m.reg.MustRegister(
		m.runs, m.refused, m.firstOutput, m.waited, budgetCollector{stats},
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
func (m *Metrics) FirstOutput(_ string, rt runtimes.Runtime, d time.Duration) {
	m.firstOutput.WithLabelValues(rt.String()).Observe(d.Seconds())
}

// RunDone counts an ended run.
func (m *Metrics) RunDone(r socket.RunReport) {
	m.runs.WithLabelValues(r.Demo, r.Runtime.String(), r.Result).Inc()
	m.waited.WithLabelValues(r.Kind.String()).Observe(r.Waited.Seconds())
}

// budgetCollector reports, when scraped, the budget runs are charged
// against and what the runs of each kind hold of it now.
type budgetCollector struct{ stats func() socket.Stats }

var (
	budgetCPU = prometheus.NewDesc("walkthrough_budget_cpu_cores",
		"CPU the running runs are charged, by kind, in cores.", []string{"kind"}, nil)
	budgetMemory = prometheus.NewDesc("walkthrough_budget_memory_bytes",
		"Memory the running runs are charged, by kind.", []string{"kind"}, nil)
	budgetCPULimit = prometheus.NewDesc("walkthrough_budget_cpu_cores_limit",
		"CPU all runs together may be charged, in cores.", nil, nil)
	budgetMemoryLimit = prometheus.NewDesc("walkthrough_budget_memory_bytes_limit",
		"Memory all runs together may be charged.", nil, nil)
	kindRunning = prometheus.NewDesc("walkthrough_runs_in_flight_by_kind",
		"Runs holding a slot now, by kind.", []string{"kind"}, nil)
	kindQueued = prometheus.NewDesc("walkthrough_runs_queued_by_kind",
		"Clicks waiting for a slot now, by kind.", []string{"kind"}, nil)
)

func (budgetCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{budgetCPU, budgetMemory, budgetCPULimit, budgetMemoryLimit, kindRunning, kindQueued} {
		ch <- d
	}
}

func (b budgetCollector) Collect(ch chan<- prometheus.Metric) {
	st := b.stats()
	ch <- prometheus.MustNewConstMetric(budgetCPULimit, prometheus.GaugeValue, float64(st.Budget.CPU)/1000)
	ch <- prometheus.MustNewConstMetric(budgetMemoryLimit, prometheus.GaugeValue, float64(st.Budget.Memory))
	for _, k := range st.Kinds {
		kind := k.Kind.String()
		ch <- prometheus.MustNewConstMetric(budgetCPU, prometheus.GaugeValue, float64(k.InUse.CPU)/1000, kind)
		ch <- prometheus.MustNewConstMetric(budgetMemory, prometheus.GaugeValue, float64(k.InUse.Memory), kind)
		ch <- prometheus.MustNewConstMetric(kindRunning, prometheus.GaugeValue, float64(k.Running), kind)
		ch <- prometheus.MustNewConstMetric(kindQueued, prometheus.GaugeValue, float64(k.Queued), kind)
	}
}
