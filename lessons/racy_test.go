package lessons

import "testing"

// racyDemos race on purpose, for a lesson about data races. In a test
// binary built with -race their first run would be reported and fail the
// whole binary, so the tests that run every demo skip them there; their
// lessons' own tests run them in-process in builds without -race, and
// under -race in a child binary that must be reported
// (spinner/race_test.go).
var racyDemos = map[string]bool{"spinner-flag": true}

// skipIfRacy skips t for a racy demo in a race build.
func skipIfRacy(t *testing.T, id string) {
	t.Helper()
	if raceBuild && racyDemos[id] {
		t.Skipf("%s races on purpose: under -race it runs only in a child that must be reported (spinner/race_test.go)", id)
	}
}

// Every demo listed as racy is a demo of the course: a stale entry would
// skip nothing and hide nothing, but would say something false.
func TestRacyDemosExist(t *testing.T) {
	reg := loadCatalog(t).Registry()
	for id := range racyDemos {
		if _, ok := reg.Lookup(id); !ok {
			t.Errorf("racyDemos lists %q, which the course does not have", id)
		}
	}
}
