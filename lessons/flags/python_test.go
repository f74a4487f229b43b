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
func TestPythonFlags(t *testing.T) {
	in := lessontest.FindPython(t)
	base := lessontest.FlagServer(t, flagserver.Config{})
	noJapan := lessontest.FlagServer(t, flagserver.Config{NotFound: []string{"JP"}})

	t.Run("flags-sequential", func(t *testing.T) {
		t.Parallel()
		py := lessontest.Python(t, in, Demos(), Files, "flags-sequential")
		res := lessontest.MustRunAt(t, t.Context(), base, py, "flags-sequential", "latency=1ms")
		if res.Err != nil {
			t.Fatalf("%v\n%s", res.Err, res.Output)
		}
		want := "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR\n20 flags downloaded in <t>\n"
		if got := lessontest.Screen(lessontest.MaskTimes(res.Output)); got != want {
			t.Errorf("screen:\n%s\nwant:\n%s", got, want)
		}

		res = lessontest.MustRunAt(t, t.Context(), noJapan, py, "flags-sequential", "count=12", "latency=0s")
		want = "CN IN US ID BR PK NG BD RU JP(404) MX PH\n11 flags downloaded in <t>, 1 failed\n"
		if got := lessontest.Screen(lessontest.MaskTimes(res.Output)); got != want || res.Err != nil {
			t.Errorf("with a 404: %v, screen:\n%s\nwant:\n%s", res.Err, got, want)
		}
		goRes := lessontest.MustRunAt(t, t.Context(), noJapan, Demos(), "flags-sequential", "count=12", "latency=0s")
		lessontest.CheckSameTasks(t, goRes.Events, res.Events)

		res = lessontest.MustRunAt(t, t.Context(), base, py, "flags-sequential", "count=8", "latency=30ms")
		if n := checkTasks(t, res.Events, 8); n != 1 {
			t.Errorf("%d downloads in flight at once, want 1", n)
		}
		if s := pyTotal(t, res.Output); s < 0.24 {
			t.Errorf("8 flags at 30ms one after another in %.2fs, less than 0.24s", s)
		}

		lessontest.CheckStopBestOf3(t, py, "flags-sequential", lessontest.Stop{FlagsURL: base,
			Params: []string{"latency=2s"}, After: 150 * time.Millisecond, Within: lessontest.PythonStopBound})
		lessontest.CheckTimeLimit(t, py, "flags-sequential", lessontest.Stop{FlagsURL: base,
			Params: []string{"latency=2s"}, After: time.Second, Within: lessontest.PythonStopBound})
	})

	t.Run("flags-concurrent", func(t *testing.T) {
		t.Parallel()
		py := lessontest.Python(t, in, Demos(), Files, "flags-concurrent")
		res := lessontest.MustRunAt(t, t.Context(), base, py, "flags-concurrent", "latency=100ms")
		if res.Err != nil {
			t.Fatalf("%v\n%s", res.Err, res.Output)
		}
		var want []string
		for _, c := range flagserver.Countries()[:20] {
			want = append(want, c.Code)
		}
		slices.Sort(want)
		if got := codes(res.Output); !slices.Equal(got, want) {
			t.Errorf("printed codes %v, want %v", got, want)
		}
		if n := checkTasks(t, res.Events, 20); n != 20 {
			t.Errorf("at most %d downloads in flight at once, want all 20", n)
		}
		if s := pyTotal(t, res.Output); s < 0.1 || s > 0.6 {
			t.Errorf("20 flags at 100ms at once in %.2fs, want about 0.1s", s)
		}

		res = lessontest.MustRunAt(t, t.Context(), noJapan, py, "flags-concurrent", "count=12", "latency=10ms")
		want = nil
		for _, c := range flagserver.Countries()[:12] {
			want = append(want, strings.Replace(c.Code, "JP", "JP(404)", 1))
		}
		slices.Sort(want)
		if got := codes(res.Output); !slices.Equal(got, want) || res.Err != nil {
			t.Errorf("with a 404: %v, printed %v, want %v", res.Err, got, want)
		}
		if !strings.HasSuffix(lessontest.MaskTimes(res.Output), "\n11 flags downloaded in <t>, 1 failed\n") {
			t.Errorf("with a 404: summary in %q", res.Output)
		}
		goRes := lessontest.MustRunAt(t, t.Context(), noJapan, Demos(), "flags-concurrent", "count=12", "latency=10ms")
		lessontest.CheckSameTasks(t, goRes.Events, res.Events)

		lessontest.CheckStopBestOf3(t, py, "flags-concurrent", lessontest.Stop{FlagsURL: base,
			Params: []string{"latency=2s"}, After: 150 * time.Millisecond, Within: lessontest.PythonStopBound})
		lessontest.CheckTimeLimit(t, py, "flags-concurrent", lessontest.Stop{FlagsURL: base,
			Params: []string{"latency=2s"}, After: time.Second, Within: lessontest.PythonStopBound})
	})
}
