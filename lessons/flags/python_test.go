package flags

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// pyTotal reads the seconds a run printed on its summary line.
func pyTotal(t *testing.T, out string) float64 {
	t.Helper()
	m := regexp.MustCompile(`flags downloaded in (\d+\.\d\d)s`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary line in\n%s", out)
	}
	s, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The two download programs, run as the server runs them when a learner
// picks Python, against the real built-in flag site: the sequential one
// (blocking urllib, like the notes' requests) and the asyncio one
// (aiohttp). They print what the Go demos print, a 404 included, put the
// same downloads on the timeline (one at a time, or all 20 at once), take
// count × latency or about one latency, and stop within 100ms.
func TestPython(t *testing.T) {
	base := &flagserver.Config{}
	noJapan := &flagserver.Config{NotFound: []string{"JP"}}
	lessontest.PythonTable(t, Demos(), Files, []lessontest.PythonCase{
		{ID: "flags-sequential", Flags: base, Params: []string{"latency=1ms"},
			WantScreen: "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR\n20 flags downloaded in <t>\n"},
		{ID: "flags-sequential", Flags: noJapan, Params: []string{"count=12", "latency=0s"}, SameTasks: true,
			WantScreen: "CN IN US ID BR PK NG BD RU JP(404) MX PH\n11 flags downloaded in <t>, 1 failed\n"},
		{ID: "flags-sequential", Flags: base, Params: []string{"count=8", "latency=30ms"},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				if n := checkTasks(t, run.Events, 8); n != 1 {
					t.Errorf("%d downloads in flight at once, want 1", n)
				}
				if s := pyTotal(t, run.Output); s < 0.24 {
					t.Errorf("8 flags at 30ms one after another in %.2fs, less than 0.24s", s)
				}
			}},
		{ID: "flags-sequential", Flags: base, Params: []string{"latency=2s"}, Stop: 150 * time.Millisecond},
		{ID: "flags-sequential", Flags: base, Params: []string{"latency=2s"}, TimeLimit: time.Second},

		{ID: "flags-concurrent", Flags: base, Params: []string{"latency=100ms"},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				var want []string
				for _, c := range flagserver.Countries()[:20] {
					want = append(want, c.Code)
				}
				slices.Sort(want)
				if got := codes(run.Output); !slices.Equal(got, want) {
					t.Errorf("printed codes %v, want %v", got, want)
				}
				if n := checkTasks(t, run.Events, 20); n != 20 {
					t.Errorf("at most %d downloads in flight at once, want all 20", n)
				}
				if s := pyTotal(t, run.Output); s < 0.1 || s > 0.6 {
					t.Errorf("20 flags at 100ms at once in %.2fs, want about 0.1s", s)
				}
			}},
		{ID: "flags-concurrent", Flags: noJapan, Params: []string{"count=12", "latency=10ms"}, SameTasks: true,
			Check: func(t *testing.T, run lessontest.PythonRun) {
				var want []string
				for _, c := range flagserver.Countries()[:12] {
					want = append(want, strings.Replace(c.Code, "JP", "JP(404)", 1))
				}
				slices.Sort(want)
				if got := codes(run.Output); !slices.Equal(got, want) {
					t.Errorf("with a 404: printed %v, want %v", got, want)
				}
				if !strings.HasSuffix(lessontest.MaskTimes(run.Output), "\n11 flags downloaded in <t>, 1 failed\n") {
					t.Errorf("with a 404: summary in %q", run.Output)
				}
			}},
		{ID: "flags-concurrent", Flags: base, Params: []string{"latency=2s"}, Stop: 150 * time.Millisecond},
		{ID: "flags-concurrent", Flags: base, Params: []string{"latency=2s"}, TimeLimit: time.Second},
	})
}
