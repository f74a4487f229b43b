package runner

import (
	"strings"
	"testing"
)

// A demo's cost is one of the declared ones: anything else is a mistake in
// the lesson, caught at start-up.
func TestDemoCostIsChecked(t *testing.T) {
	d := Demo{ID: "x", Lesson: "l", Title: "t", Source: "x.go", Run: nop, Cost: CostCPU + 1}
	if _, err := NewRegistry(d); err == nil || !strings.Contains(err.Error(), "unknown cost") {
		t.Errorf("cost %d: %v", d.Cost, err)
	}
	for _, c := range []Cost{CostWaits, CostNetwork, CostThread, CostCPU} {
		d.Cost = c
		if _, err := NewRegistry(d); err != nil {
			t.Errorf("cost %v: %v", c, err)
		}
	}
	if CostWaits.String() != "waits" || CostThread.String() != "thread" || Cost(9).String() != "Cost(9)" {
		t.Error("names")
	}
}
