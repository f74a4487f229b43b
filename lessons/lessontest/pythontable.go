package lessontest

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// PythonCase is one row of a lesson's table of Python runs: a demo's
// asyncio program run as the server runs it when a learner picks Python,
// and what that run must show. A row is a whole run (the default), a stop
// (Stop set) or a run under a time limit (TimeLimit set).
//
// Every check a lesson makes of its programs is a field here or, where
// it is the lesson's own, its Check function.
type PythonCase struct {
	Name   string // the subtest's name; the demo and parameters when empty
	ID     string // the demo
	Params []string
	// Flags, if set, runs the program (and the Go demo beside it) against
	// a built-in flag site of this configuration.
	Flags *flagserver.Config
	// Files, if set, replaces the lesson's sources: a changed program.
	Files fs.FS

	// Stop stops the run this far into its timeline: it must end with
	// runner.ErrStopped within StopBound (CheckStop, FromFirstEvent).
	Stop time.Duration
	// TimeLimit runs it under a limit of its own: it must end with
	// runner.ErrTimeout within StopBound past it (CheckTimeLimit).
	TimeLimit time.Duration

	// Want is the whole console with its times masked (MaskTimes).
	Want string
	// WantScreen is the screen a terminal would show (Screen of the
	// masked console).
	WantScreen string
	// WantErr is how a whole run must fail: its error contains it. Empty,
	// the run must succeed.
	WantErr string

	// SameTasks runs the Go demo with the same parameters (GoID's, if
	// set) and requires the same tasks on the timeline (CheckSameTasks),
	// its events passed through GoEvents first, if set.
	SameTasks bool
	GoID      string
	GoEvents  func([]runner.Event) []runner.Event
	// TimingPoints are point statuses that mark the machine's timing,
	// not the program's (a frame drawn late): a busy machine may put
	// them on either run, so SameTasks leaves them out of both. The
	// lesson's exact checks of them run in a synctest bubble.
	TimingPoints []string

	// Check is the row's own checks on the run.
	Check func(t *testing.T, run PythonRun)
}

// PythonRun is what a row's Check is handed.
type PythonRun struct {
	Result
	FlagsURL string // the flag site the run used, "" for none
	Go       Result // the Go demo's run, for a row with SameTasks
}

// PythonTable runs every row of cases, each a subtest, one after another:
// the programs run on the real clock, and a row's times are its own.
// Without Python (or aiohttp, for a program that needs it) the table
// skips, and fails under CI (FindPython, Python).
func PythonTable(t *testing.T, demos []runner.Demo, files fs.FS, cases []PythonCase) {
	t.Helper()
	in := FindPython(t)
	sites := map[string]string{} // flag sites by configuration, started once
	site := func(t *testing.T, cfg *flagserver.Config) string {
		if cfg == nil {
			return ""
		}
		key := cfg.Query()
		if url, ok := sites[key]; ok {
			return url
		}
		url := FlagServer(t, *cfg)
		sites[key] = url
		return url
	}
	for _, c := range cases {
		name := c.Name
		if name == "" {
			name = describe(c.ID, c.Params)
			switch {
			case c.Stop > 0:
				name += fmt.Sprintf(" stopped at %v", c.Stop)
			case c.TimeLimit > 0:
				name += fmt.Sprintf(" under a limit of %v", c.TimeLimit)
			}
		}
		url := site(t, c.Flags)
		t.Run(name, func(t *testing.T) {
			src := files
			if c.Files != nil {
				src = c.Files
			}
			py := Python(t, in, demos, src, c.ID)
			run := PythonRun{FlagsURL: url}
			switch {
			case c.Stop > 0:
				run.Result = CheckStop(t, py, c.ID, Stop{FlagsURL: url, Params: c.Params, After: c.Stop, FromFirstEvent: true, Within: StopBound}).Result
			case c.TimeLimit > 0:
				run.Result = CheckTimeLimit(t, py, c.ID, Stop{FlagsURL: url, Params: c.Params, After: c.TimeLimit, Within: StopBound})
			default:
				run.Result = MustRunAt(t, t.Context(), url, py, c.ID, c.Params...)
				switch {
				case c.WantErr == "" && run.Err != nil:
					t.Fatalf("%v\n%s", run.Err, run.Output)
				case c.WantErr != "" && (run.Err == nil || !strings.Contains(run.Err.Error(), c.WantErr)):
					t.Errorf("err %v, want one saying %q\n%s", run.Err, c.WantErr, run.Output)
				}
			}
			if c.Want != "" {
				if got := MaskTimes(run.Output); got != c.Want {
					t.Errorf("output:\n%s\nwant:\n%s", got, c.Want)
				}
			}
			if c.WantScreen != "" {
				if got := Screen(MaskTimes(run.Output)); got != c.WantScreen {
					t.Errorf("screen:\n%s\nwant:\n%s", got, c.WantScreen)
				}
			}
			if c.SameTasks {
				goID := c.ID
				if c.GoID != "" {
					goID = c.GoID
				}
				run.Go = MustRunAt(t, t.Context(), url, demos, goID, c.Params...)
				if run.Go.Err != nil && c.WantErr == "" {
					t.Fatalf("the Go demo: %v\n%s", run.Go.Err, run.Go.Output)
				}
				goEvents := run.Go.Events
				if c.GoEvents != nil {
					goEvents = c.GoEvents(goEvents)
				}
				CheckSameTasks(t, withoutPoints(goEvents, c.TimingPoints), withoutPoints(run.Events, c.TimingPoints))
			}
			if c.Check != nil {
				c.Check(t, run)
			}
		})
	}
}

// withoutPoints is events without the points whose status is one of
// statuses.
func withoutPoints(events []runner.Event, statuses []string) []runner.Event {
	if len(statuses) == 0 {
		return events
	}
	return slices.DeleteFunc(slices.Clone(events), func(e runner.Event) bool {
		return e.Phase == runner.PhasePoint && slices.Contains(statuses, e.Status)
	})
}
