package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

// printTrace is `walkthrough run -trace`'s account of the scheduler: per
// P, how busy it was, on which threads, and the goroutines it ran most;
// the threads; the GC; each listed goroutine's time per state.
func printTrace(w io.Writer, s *trace.Summary) {
	span := s.EndMs - s.StartMs
	fmt.Fprintf(w, "\nscheduler trace: GOMAXPROCS=%d, %d events, %.1f ms of the program (from %.1f ms)\n", s.Procs, s.Events, span, s.StartMs)
	names := map[int64]string{}
	for _, g := range s.Goroutines {
		names[g.ID] = g.Name
	}
	for _, l := range s.Lanes {
		busy := map[int64]float64{}
		threads := map[int]bool{}
		total, moves, lastM := 0.0, 0, 0
		for _, x := range l.Slices {
			d := x.T1 - x.T0
			busy[x.G] += d
			total += d
			threads[x.M] = true
			if lastM != 0 && x.M != lastM {
				moves++
			}
			lastM = x.M
		}
		pct := 0.0
		if span > 0 {
			pct = 100 * total / span
		}
		fmt.Fprintf(w, "P%d: ran goroutines %.1f ms (%.0f%%) in %d slices, on threads %s (moved %d times)\n",
			l.P, total, pct, len(l.Slices), list(slices.Sorted(maps.Keys(threads))), moves)
		top := slices.SortedFunc(maps.Keys(busy), func(a, b int64) int { return cmp.Compare(busy[b], busy[a]) })
		for _, g := range top[:min(len(top), 5)] {
			name := names[g]
			if name == "" {
				name = "(runtime)"
			}
			fmt.Fprintf(w, "    g%-5d %-44s %8.2f ms\n", g, name, busy[g])
		}
	}
	maxBusy, seen := 0, 0
	for _, st := range s.Threads {
		maxBusy, seen = max(maxBusy, st.Busy), max(seen, st.Seen)
	}
	fmt.Fprintf(w, "threads: at most %d busy at once (holding a P or in a system call), %d seen\n", maxBusy, seen)
	marks, stops := 0, 0
	for _, g := range s.GC {
		if g.Kind == "mark" {
			marks++
		} else {
			stops++
		}
	}
	fmt.Fprintf(w, "GC: %d mark phases, %d stops of the world\n", marks, stops)
	fmt.Fprintf(w, "goroutines (%d listed, %d not):\n", len(s.Goroutines), s.Hidden)
	for _, g := range s.Goroutines {
		per := map[string]float64{}
		for _, st := range g.States {
			per[st.State] += st.T1 - st.T0
		}
		var parts []string
		for _, name := range slices.SortedFunc(maps.Keys(per), func(a, b string) int { return cmp.Compare(per[b], per[a]) }) {
			parts = append(parts, fmt.Sprintf("%s %.1f ms", name, per[name]))
		}
		extra := ""
		if len(g.Tasks) > 0 {
			extra += " tasks " + strings.Join(g.Tasks[:min(len(g.Tasks), 3)], ",")
			if len(g.Tasks) > 3 {
				extra += ",…"
			}
		}
		if g.LockedM > 0 {
			extra += fmt.Sprintf(" locked to thread %d", g.LockedM)
		}
		fmt.Fprintf(w, "  g%-5d %s%s: %s\n", g.ID, g.Name, extra, strings.Join(parts, ", "))
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func list(ns []int) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, fmt.Sprint(n))
	}
	return strings.Join(parts, ",")
}
